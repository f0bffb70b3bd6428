"""ISO 20022 camt.053 statements (.001.02 to .001.08): validated against the official XSD, read.

Each is parsed safely, validated against the XSD of its version, then read into bank entries.

Safety: lxml parses with entity resolution, DTD loading and network access off, and a file
with a DOCTYPE is refused before and after parsing (bank statements have none), so external
entities (XXE) and entity expansion (billion laughs) end in a one-line error. The entries are
counted before the schema runs, so a file with more than `Limits.max_entries` stops there.

What is read from each booked entry (`Sts` BOOK; pending and informational ones are skipped):
amount and currency (`Amt/@Ccy`), `CdtDbtInd`, `RvslInd`, the booking date (`BookgDt`, else
`ValDt`), the bank's reference (`AcctSvcrRef`, else `NtryRef`, else `<statement Id>#<entry
number>`), and from the transaction details the structured creditor references
(`Strd/CdtrRefInf/Ref`), the referred document numbers (`Strd/RfrdDocInf/Nb`, added to the
remittance text), the unstructured remittance (`Ustrd`; without any remittance, `AddtlTxInf`
or `AddtlNtryInf`) and the payer (`Dbtr` name, `DbtrAcct` IBAN). A batch entry whose
transaction details carry amounts that add up to the entry becomes one bank entry per
transaction (`<reference>/<n>`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from importlib import resources

from lxml import etree

from generator.bank.records import BankEntry, Limits, one_line, statement_error

NAMESPACE = "urn:iso:std:iso:20022:tech:xsd:camt.053.001."
VERSIONS = ("02", "03", "04", "05", "06", "07", "08")
_CLARK = re.compile(r"\{[^}]*\}")


def read_camt(data: bytes, source: str, limits: Limits) -> tuple[BankEntry, ...]:
    """Validate a camt.053 file against its version's XSD, then read its booked entries."""
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise statement_error(source, None, "has a DOCTYPE (entity declarations); a bank "
                                            "statement never has one, so it is not read")
    tree = _parse(data, source)
    version = _version(tree.getroot(), source)
    _check_count(tree.getroot(), version, source, limits)
    _validate(tree, version, source)
    return tuple(_entries(tree.getroot(), version, source))


def _parse(data: bytes, source: str) -> etree._ElementTree:
    parser = etree.XMLParser(resolve_entities=False, load_dtd=False, no_network=True,
                             huge_tree=False, collect_ids=False)
    try:
        tree = etree.ElementTree(etree.fromstring(data, parser))
    except etree.XMLSyntaxError as error:
        raise statement_error(source, error.lineno or None,
                              f"is not well-formed XML (cut short or damaged?): "
                              f"{error.msg}") from None
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise statement_error(source, None, "has a DOCTYPE; a bank statement never has one")
    return tree


def _version(root: etree._Element, source: str) -> str:
    namespace = etree.QName(root).namespace or ""
    version = namespace.removeprefix(NAMESPACE)
    if not namespace.startswith(NAMESPACE) or version not in VERSIONS:
        raise statement_error(source, root.sourceline,
                              f"is not a camt.053 statement of version .001.02 to .001.08 "
                              f"(its namespace is '{namespace or 'none'}')")
    return version


def _check_count(root: etree._Element, version: str, source: str, limits: Limits) -> None:
    for count, _ in enumerate(root.iter(f"{{{NAMESPACE}{version}}}Ntry"), start=1):
        if count > limits.max_entries:
            raise statement_error(source, None,
                                  f"has more than {limits.max_entries:,} entries; split it "
                                  "into shorter periods")


@lru_cache(maxsize=len(VERSIONS))
def schema(version: str) -> etree.XMLSchema:
    """The official XSD of camt.053.001.<version>, shipped in generator/bank/xsd/."""
    name = f"camt.053.001.{version}.xsd"
    xsd = resources.files("generator.bank").joinpath("xsd").joinpath(name).read_bytes()
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    return etree.XMLSchema(etree.fromstring(xsd, parser))


def _validate(tree: etree._ElementTree, version: str, source: str) -> None:
    checker = schema(version)
    if checker.validate(tree):
        return
    error = checker.error_log[0]
    message = _CLARK.sub("", error.message)
    more = len(checker.error_log) - 1
    also = f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
    raise statement_error(source, error.line or None,
                          f"is not a valid camt.053.001.{version} statement: {message}{also}")


class _Reader:
    """Finds elements of one camt version by paths written without a namespace."""

    def __init__(self, version: str) -> None:
        self.ns = {"c": NAMESPACE + version}
        self._paths: dict[str, str] = {}

    def _path(self, path: str) -> str:
        if path not in self._paths:
            self._paths[path] = "/".join(f"c:{step}" for step in path.split("/"))
        return self._paths[path]

    def all(self, element: etree._Element, path: str) -> list[etree._Element]:
        found: list[etree._Element] = element.findall(self._path(path), self.ns)
        return found

    def text(self, element: etree._Element, *paths: str) -> str | None:
        """The text of the first of `paths` found, whitespace collapsed, else None."""
        for path in paths:
            found = element.find(self._path(path), self.ns)
            if found is not None and one_line(found.text):
                return one_line(found.text)
        return None

    def texts(self, element: etree._Element, path: str) -> list[str]:
        return [one_line(found.text) for found in self.all(element, path)
                if one_line(found.text)]


@dataclass(frozen=True, kw_only=True)
class _Where:
    """An entry's place: its file, version, statement account and id, and number."""

    source: str
    version: str
    account: str
    statement_id: str
    number: int


@dataclass(frozen=True, kw_only=True)
class _Remittance:
    references: tuple[str, ...]
    text: str
    name: str | None
    iban: str | None


def _entries(root: etree._Element, version: str, source: str) -> Iterator[BankEntry]:
    read = _Reader(version)
    number = 0
    for statement in read.all(root, "BkToCstmrStmt/Stmt"):
        account = read.text(statement, "Acct/Id/IBAN", "Acct/Id/Othr/Id") or "unknown"
        statement_id = read.text(statement, "Id") or ""
        for entry in read.all(statement, "Ntry"):
            number += 1
            if read.text(entry, "Sts", "Sts/Cd") == "BOOK":
                yield from _entry(read, entry, _Where(source=source, version=version,
                                                      account=account,
                                                      statement_id=statement_id,
                                                      number=number))


def _entry(read: _Reader, entry: etree._Element, where: _Where) -> Iterator[BankEntry]:
    details = read.all(entry, "NtryDtls/TxDtls")
    reference = (read.text(entry, "AcctSvcrRef", "NtryRef")
                 or f"{where.statement_id}#{where.number}")
    amount, currency = _amount(read.all(entry, "Amt")[0], where)
    parts = _batch(read, details, amount, where)
    if parts:
        for index, (detail, part) in enumerate(parts, start=1):
            yield _bank_entry(read, entry, where, f"{reference}/{index}", part, currency,
                              _remittance(read, [detail], None))
        return
    yield _bank_entry(read, entry, where, reference, amount, currency,
                      _remittance(read, details, read.text(entry, "AddtlNtryInf")))


def _bank_entry(read: _Reader, entry: etree._Element, where: _Where, entry_id: str,
                amount: Decimal, currency: str, remittance: _Remittance) -> BankEntry:
    return BankEntry(
        source=where.source, position=where.number, format=f"camt.053.001.{where.version}",
        account=where.account, entry_id=entry_id, booked=_booked(read, entry, where),
        direction="credit" if read.text(entry, "CdtDbtInd") == "CRDT" else "debit",
        reversal=read.text(entry, "RvslInd") in ("true", "1"), amount=amount,
        currency=currency, structured_references=remittance.references,
        remittance=remittance.text, counterparty_name=remittance.name,
        counterparty_iban=remittance.iban)


def _amount(element: etree._Element, where: _Where) -> tuple[Decimal, str]:
    try:
        return Decimal((element.text or "").strip()), element.get("Ccy", "")
    except InvalidOperation:  # the schema already refused it; kept as a second guard
        raise statement_error(where.source, element.sourceline,
                              f"entry {where.number}: the amount is not a number") from None


def _batch(read: _Reader, details: list[etree._Element], total: Decimal,
           where: _Where) -> list[tuple[etree._Element, Decimal]]:
    """Transaction details with their own amounts adding up to the entry, if several."""
    if len(details) < 2:
        return []
    amounts = []
    for detail in details:
        found = read.all(detail, "Amt") or read.all(detail, "AmtDtls/TxAmt/Amt")
        if not found:
            return []
        amounts.append(_amount(found[0], where)[0])
    return list(zip(details, amounts, strict=True)) if sum(amounts) == total else []


def _booked(read: _Reader, entry: etree._Element, where: _Where) -> date:
    text = read.text(entry, "BookgDt/Dt", "BookgDt/DtTm", "ValDt/Dt", "ValDt/DtTm") or ""
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        raise statement_error(where.source, entry.sourceline,
                              f"entry {where.number} has no booking date (BookgDt)") from None


def _remittance(read: _Reader, details: list[etree._Element],
                fallback: str | None) -> _Remittance:
    """Remittance, creditor references and payer of one entry's transaction details."""
    references: list[str] = []
    texts: list[str] = []
    names: list[str] = []
    ibans: list[str] = []
    for detail in details:
        references += read.texts(detail, "RmtInf/Strd/CdtrRefInf/Ref")
        texts += read.texts(detail, "RmtInf/Ustrd")
        texts += read.texts(detail, "RmtInf/Strd/RfrdDocInf/Nb")
        if not read.all(detail, "RmtInf"):
            texts += read.texts(detail, "AddtlTxInf")
        names += read.texts(detail, "RltdPties/Dbtr/Nm") + read.texts(detail,
                                                                      "RltdPties/Dbtr/Pty/Nm")
        ibans += read.texts(detail, "RltdPties/DbtrAcct/Id/IBAN")
    if not texts and not references and fallback:
        texts.append(fallback)
    return _Remittance(references=tuple(dict.fromkeys(references)), text=" ".join(texts),
                       name=names[0] if len(set(names)) == 1 else None,
                       iban=ibans[0] if len(set(ibans)) == 1 else None)
