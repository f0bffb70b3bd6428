"""Bank statement files as banks write them, built for the tests and the bench: camt.053 of
each version .001.02 to .001.08 (valid against its official XSD), MT940, and Stripe's
itemized balance report."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from xml.sax.saxutils import escape

CAMT_VERSIONS = ("02", "03", "04", "05", "06", "07", "08")
ACCOUNT = "NL91ABNA0417164300"


@dataclass(frozen=True, kw_only=True)
class Line:
    """One entry to write: money in unless `debit`."""

    amount: str
    currency: str = "EUR"
    debit: bool = False
    reversal: bool = False
    booked: date = date(2026, 11, 5)
    reference: str | None = None        # the bank's entry reference
    creditor_reference: str | None = None
    text: str | None = None
    payer: str | None = "Kowalski Legal sp. k."
    payer_iban: str | None = "PL61109010140000071219812874"
    status: str = "BOOK"
    parts: tuple[str, ...] = ()          # camt: transaction amounts of a batch entry


def camt053(version: str, lines: list[Line], *, currency: str = "EUR") -> bytes:
    """A camt.053.001.<version> statement with one entry per line."""
    entries = "".join(_camt_entry(version, line) for line in lines)
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.{version}">
  <BkToCstmrStmt>
    <GrpHdr><MsgId>MSG-2026-11</MsgId><CreDtTm>2026-11-23T08:00:00</CreDtTm></GrpHdr>
    <Stmt>
      <Id>STMT-2026-11-{version}</Id>
      <CreDtTm>2026-11-23T08:00:00</CreDtTm>
      <Acct><Id><IBAN>{ACCOUNT}</IBAN></Id></Acct>
      <Bal>
        <Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp>
        <Amt Ccy="{currency}">1000.00</Amt><CdtDbtInd>CRDT</CdtDbtInd>
        <Dt><Dt>2026-11-01</Dt></Dt>
      </Bal>{entries}
    </Stmt>
  </BkToCstmrStmt>
</Document>
""".encode()


def _camt_entry(version: str, line: Line) -> str:
    status = (f"<Sts>{line.status}</Sts>" if version < "07"
              else f"<Sts><Cd>{line.status}</Cd></Sts>")
    reference = f"<AcctSvcrRef>{escape(line.reference)}</AcctSvcrRef>" if line.reference else ""
    reversal = "<RvslInd>true</RvslInd>" if line.reversal else ""
    details = (("".join(_transaction(version, line, part) for part in line.parts))
               or _transaction(version, line, None))
    return f"""
      <Ntry>
        <Amt Ccy="{line.currency}">{line.amount}</Amt>
        <CdtDbtInd>{"DBIT" if line.debit else "CRDT"}</CdtDbtInd>{reversal}{status}
        <BookgDt><Dt>{line.booked.isoformat()}</Dt></BookgDt>
        <ValDt><Dt>{line.booked.isoformat()}</Dt></ValDt>{reference}
        <BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>
        <NtryDtls>{details}</NtryDtls>
      </Ntry>"""


def _transaction(version: str, line: Line, part: str | None) -> str:
    if "03" <= version <= "06":  # these versions require each transaction's amount
        part = part or line.amount
    amount = (f'<Amt Ccy="{line.currency}">{part}</Amt>'
              f'<CdtDbtInd>{"DBIT" if line.debit else "CRDT"}</CdtDbtInd>'
              if part and version >= "03" else "")
    amount_02 = (f'<AmtDtls><TxAmt><Amt Ccy="{line.currency}">{part}</Amt></TxAmt></AmtDtls>'
                 if part and version == "02" else "")
    return f"<TxDtls>{amount}{amount_02}{_parties(version, line)}{_remittance(line)}</TxDtls>"


def _parties(version: str, line: Line) -> str:
    if not line.payer and not line.payer_iban:
        return ""
    name = ""
    if line.payer:
        name = (f"<Dbtr><Nm>{escape(line.payer)}</Nm></Dbtr>" if version < "07"
                else f"<Dbtr><Pty><Nm>{escape(line.payer)}</Nm></Pty></Dbtr>")
    iban = f"<DbtrAcct><Id><IBAN>{line.payer_iban}</IBAN></Id></DbtrAcct>" if line.payer_iban else ""
    return f"<RltdPties>{name}{iban}</RltdPties>"


def _remittance(line: Line) -> str:
    text = f"<Ustrd>{escape(line.text)}</Ustrd>" if line.text else ""
    structured = (f"<Strd><CdtrRefInf><Ref>{escape(line.creditor_reference)}</Ref>"
                  f"</CdtrRefInf></Strd>" if line.creditor_reference else "")
    return f"<RmtInf>{text}{structured}</RmtInf>" if text or structured else ""


def mt940(lines: list[Line], *, currency: str = "EUR", style: str = "german") -> bytes:
    """An MT940 statement; `:86:` in the German structured form, the Dutch slash-coded
    one, or free text."""
    body = "".join(_mt940_line(line, style) for line in lines)
    return (f":20:STARTUMS\n:25:{ACCOUNT}\n:28C:00042/001\n:60F:C261101{currency}1000,00\n"
            f"{body}:62F:C261130{currency}1000,00\n-\n").encode()


def _mt940_line(line: Line, style: str) -> str:
    mark = "D" if line.debit else "C"
    if line.reversal:  # RD reverses a debit: money in; RC reverses a credit: money out
        mark = "RC" if line.debit else "RD"
    day = line.booked.strftime("%y%m%d") + line.booked.strftime("%m%d")
    amount = line.amount.replace(".", ",")
    bank = f"//{line.reference}" if line.reference else ""
    return f":61:{day}{mark}{amount}NTRFNONREF{bank}\n:86:{_details(line, style)}\n"


def _details(line: Line, style: str) -> str:
    purpose = " ".join(part for part in (line.creditor_reference, line.text) if part)
    if style == "dutch":
        remittance = (f"/REMI/STRD/CUR/{line.creditor_reference}" if line.creditor_reference
                      else f"/REMI/USTD//{line.text or ''}")
        return (f"/TRTP/SEPA OVERBOEKING/IBAN/{line.payer_iban or ''}/BIC/ABNANL2A"
                f"/NAME/{line.payer or ''}{remittance}/EREF/NOTPROVIDED")
    if style == "free":
        return purpose
    chunks = [purpose[i:i + 27] for i in range(0, len(purpose), 27)] or [""]
    fields = "".join(f"?2{n}{'SVWZ+' if n == 0 else ''}{chunk}"
                     for n, chunk in enumerate(chunks[:9]))
    return (f"166?00SEPA-GUTSCHRIFT{fields}?31{line.payer_iban or ''}"
            f"?32{(line.payer or '')[:27]}")


STRIPE_HEADER = ("balance_transaction_id,created_utc,available_on_utc,currency,gross,fee,net,"
                 "reporting_category,source_id,description,customer_name,customer_email,"
                 "payment_metadata[invoice_number]")


def stripe_csv(rows: list[dict[str, str]]) -> bytes:
    """Stripe's itemized balance report with these rows (missing columns empty)."""
    columns = STRIPE_HEADER.split(",")
    lines = [STRIPE_HEADER]
    for row in rows:
        lines.append(",".join(_csv_cell(row.get(column, "")) for column in columns))
    return ("\r\n".join(lines) + "\r\n").encode()


def _csv_cell(value: str) -> str:
    return f'"{value.replace(chr(34), chr(34) * 2)}"' if any(c in value for c in ',"\r\n') else value

