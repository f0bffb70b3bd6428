"""Bench of the bank import: a 10,000-entry statement read and matched against the open
invoices of 1,000 clients, for each format (camt.053.001.08, MT940, Stripe CSV).

    .venv/bin/python bench/bank.py                  # 10,000 entries, 1,000 clients, 3 runs
    .venv/bin/python bench/bank.py --entries 50000 --clients 5000 --runs 1

The statements come from the tests' builders (tests/bankfiles.py), deterministic: a third of
the credits carry an RF or OCR reference, a third the invoice number in the text, the rest an
amount only, or nothing; one entry in ten is a debit. Figures are wall times of reading
(camt: parsing and XSD validation included) and of matching, medians of the runs.
"""

from __future__ import annotations

import argparse
import random
import resource
import statistics
import sys
import tempfile
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO))

from stdnum.iso7064 import mod_97_10  # noqa: E402

from bankfiles import Line, camt053, mt940, stripe_csv  # noqa: E402
from generator.bank.match import match  # noqa: E402
from generator.bank.records import OpenItem  # noqa: E402
from generator.bank.statements import read_statements  # noqa: E402
from generator.invoicing.payment import ocr_reference  # noqa: E402


def open_items(clients: int) -> list[OpenItem]:
    """Three open invoices a client: EUR with an RF reference, SEK with OCR, PLN."""
    rng = random.Random(5)
    items = []
    for n in range(clients):
        for k, currency in enumerate(("EUR", "SEK", "PLN")):
            number = f"C{n:04}-2026-{k + 1:02}"
            body = f"{n:04}{k}"
            reference = {"EUR": "RF" + mod_97_10.calc_check_digits(body + "RF") + body,
                         "SEK": ocr_reference(body)}.get(currency, number)
            amount = Decimal(rng.randrange(10_000, 900_000)) / 100
            items.append(OpenItem(client=f"client-{n:04}", invoice_number=number,
                                  currency=currency, open_amount=amount,
                                  payment_reference=reference))
    return items


def lines(items: list[OpenItem], count: int, currency: str | None) -> list[Line]:
    """`count` entries against `items` (of one currency, if given)."""
    rng = random.Random(7)
    pool = [i for i in items if currency in (None, i.currency)]
    made = []
    for n in range(count):
        target = rng.choice(pool)
        kind = n % 10
        common = {"reference": f"B{n:06}", "currency": target.currency,
                  "booked": date(2026, 11, 1 + n % 28)}
        if kind == 9:
            made.append(Line(amount="12.50", debit=True, text="fee", **common))
        elif kind < 3:
            made.append(Line(amount=str(target.open_amount),
                             creditor_reference=target.payment_reference, **common))
        elif kind < 6:
            made.append(Line(amount=str(target.open_amount / 2),
                             text=f"Invoice {target.invoice_number} thank you", **common))
        elif kind < 8:
            made.append(Line(amount=str(target.open_amount), text="payment", **common))
        else:
            made.append(Line(amount="77.00", text="Salary refund October", **common))
    return made


def statement(kind: str, items: list[OpenItem], count: int) -> bytes:
    if kind == "camt.053.001.08":
        return camt053("08", lines(items, count, None))
    if kind == "MT940":
        return mt940(lines(items, count, "EUR"), currency="EUR")
    return stripe_csv([_stripe_row(line) for line in lines(items, count, None)])


def _stripe_row(line: Line) -> dict[str, str]:
    return {"balance_transaction_id": line.reference or "", "created_utc":
            f"{line.booked.isoformat()} 10:00:00", "currency": line.currency.lower(),
            "gross": f"-{line.amount}" if line.debit else line.amount,
            "reporting_category": "refund" if line.debit else "charge",
            "description": line.text or "",
            "payment_metadata[invoice_number]": line.creditor_reference or ""}


def run(kind: str, items: list[OpenItem], count: int, runs: int, work: Path) -> dict[str, object]:
    path = work / f"statement-{kind}"
    path.write_bytes(statement(kind, items, count))
    reads, matches = [], []
    for _ in range(runs):
        started = time.perf_counter()
        entries = read_statements([path], base=work)
        read_at = time.perf_counter()
        result = match(entries, items)
        reads.append(read_at - started)
        matches.append(time.perf_counter() - read_at)
    return {"format": kind, "MB": path.stat().st_size / 2**20, "entries": len(entries),
            "read": statistics.median(reads), "match": statistics.median(matches),
            "matched": len(result.matched), "listed": len(result.unmatched),
            "debits": result.debits, "for no client": result.for_no_client}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--clients", type=int, default=1_000)
    parser.add_argument("--runs", type=int, default=3)
    options = parser.parse_args()
    items = open_items(options.clients)
    print(f"{options.entries:,} entries against {len(items):,} open invoices of "
          f"{options.clients:,} clients; medians of {options.runs} runs; load "
          f"{' '.join(f'{x:.2f}' for x in __import__('os').getloadavg())}")
    print("| format | file | entries | read | match | total | matched | listed | debits "
          "| no client |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    with tempfile.TemporaryDirectory() as work:
        for kind in ("camt.053.001.08", "MT940", "Stripe"):
            r = run(kind, items, options.entries, options.runs, Path(work))
            total = float(r["read"]) + float(r["match"])  # type: ignore[arg-type]
            print(f"| {r['format']} | {r['MB']:.1f} MB | {r['entries']:,} | {r['read']:.2f} s "
                  f"| {r['match']:.2f} s | {total:.2f} s | {r['matched']:,} | {r['listed']:,} "
                  f"| {r['debits']:,} | {r['for no client']:,} |")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory of the process: {peak:.0f} MB")


if __name__ == "__main__":
    main()
