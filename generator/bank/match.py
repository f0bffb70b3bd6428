"""Credit entries matched to open invoices by rules in order; the rest listed, never guessed.

Entries are taken in booking order (then file, position), each against what is still open
after the entries before it. For each entry:

0. A reversal is listed ("reversal"); a debit is counted and left alone; an entry whose id
   is already recorded on an invoice, or that was read before in this import, is set aside.
1. **Structured reference**: the entry's creditor references and any RF reference in its
   text (ISO 11649 check digits by python-stdnum), against each open invoice's payment
   reference (RF, OCR) and invoice number.
2. **Invoice numbers in the text**: runs of words that spell an open invoice's number or
   payment reference, separators and case aside.
3. **Currency and amount**: an entry that names nothing, paying exactly what one open
   invoice in its currency has open. Two or more such invoices: "ambiguous".

Invoices named by rule 1 or 2 are settled in invoice-number order: all of the same client
("ambiguous" otherwise) and currency ("wrong currency"); the amount at most what they have
open ("overpayment"); with several, enough to pay something on each ("ambiguous"), filling
them in order, the last one partly. An entry that names a reference no open invoice has, an
RF with wrong check digits, or a word shaped like the agency's invoice numbers is
"unknown"; one that names nothing and fits no amount is counted as for no client.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from generator.bank.records import (
    Allocation,
    BankEntry,
    Matched,
    Matches,
    OpenItem,
    Reason,
    Rule,
    Unmatched,
)
from generator.bank.references import (
    compact,
    looks_like_rf,
    natural_key,
    outermost,
    rf_in_text,
    rf_is_valid,
    shape_pattern,
    spans,
    word_count,
)

Key = tuple[str, str]


def match(entries: Iterable[BankEntry], open_items: Iterable[OpenItem], *,
          already_recorded: Collection[str] = frozenset()) -> Matches:
    """Decide each entry: matched to invoices, listed with a reason, or left alone."""
    index = _Index.of(tuple(open_items))
    state = _State.of(index)
    tally = _Tally()
    for entry in sorted(entries, key=_order):
        _take(entry, index, state, tally, already_recorded)
    return tally.matches()


def _order(entry: BankEntry) -> tuple[object, ...]:
    return (entry.booked, entry.source, entry.position, entry.entry_id, repr(entry))


@dataclass
class _Tally:
    """What the import decided so far (one import's working state, not shared)."""

    matched: list[Matched] = field(default_factory=list)
    unmatched: list[Unmatched] = field(default_factory=list)
    recorded: list[BankEntry] = field(default_factory=list)
    duplicates: list[BankEntry] = field(default_factory=list)
    seen: set[tuple[str, str]] = field(default_factory=set)
    debits: int = 0
    for_no_client: int = 0

    def matches(self) -> Matches:
        return Matches(matched=tuple(self.matched), unmatched=tuple(self.unmatched),
                       already_recorded=tuple(self.recorded),
                       duplicates=tuple(self.duplicates), debits=self.debits,
                       for_no_client=self.for_no_client)


def _take(entry: BankEntry, index: _Index, state: _State, tally: _Tally,
          recorded: Collection[str]) -> None:
    seen = (entry.account, entry.entry_id)
    if seen in tally.seen:
        tally.duplicates.append(entry)
        return
    tally.seen.add(seen)
    if entry.entry_id in recorded:
        tally.recorded.append(entry)
    elif entry.reversal:
        tally.unmatched.append(_unmatched(entry, "reversal", "reverses an earlier entry of "
                                                             "the bank: check it by hand"))
    elif entry.direction == "debit":
        tally.debits += 1
    else:
        _decide(entry, index, state, tally)


def _decide(entry: BankEntry, index: _Index, state: _State, tally: _Tally) -> None:
    decision = _credit(entry, index, state) if entry.amount > 0 else None
    if isinstance(decision, Matched):
        tally.matched.append(decision)
    elif isinstance(decision, Unmatched):
        tally.unmatched.append(decision)
    else:
        tally.for_no_client += 1


def _credit(entry: BankEntry, index: _Index, state: _State) -> Matched | Unmatched | None:
    by_reference = index.by_references(_references(entry))
    if by_reference:
        return _settle(entry, by_reference, "reference", state)
    by_number = index.in_text(entry.remittance)
    if by_number:
        return _settle(entry, by_number, "invoice number", state)
    unknown = _unknown(entry, index)
    if unknown:
        return _unmatched(entry, "unknown", unknown)
    return _by_amount(entry, state)


def _references(entry: BankEntry) -> tuple[str, ...]:
    """The structured references, and the RF references written in the text."""
    return entry.structured_references + rf_in_text(entry.remittance).valid


def _unknown(entry: BankEntry, index: _Index) -> str:
    """Why an entry that matched nothing still names an invoice, or ''."""
    for reference in entry.structured_references:
        if looks_like_rf(reference) and not rf_is_valid(reference):
            return f"RF reference '{reference}' has wrong check digits (mistyped?)"
    invalid = rf_in_text(entry.remittance).invalid
    if invalid:
        return f"RF reference '{invalid[0]}' has wrong check digits (mistyped?)"
    if entry.structured_references:
        return f"reference '{entry.structured_references[0]}' is on no open invoice"
    if index.shapes and (found := index.shapes.search(entry.remittance.upper())):
        return f"'{found.group()}' is no open invoice (paid already, or mistyped?)"
    return ""


def _settle(entry: BankEntry, items: tuple[OpenItem, ...], rule: Rule,
            state: _State) -> Matched | Unmatched:
    """Pay the named invoices in their order, or say why not."""
    problem = _mismatch(entry, items) or _too_much_or_unclear(entry, items, state)
    if problem:
        return _unmatched(entry, *problem)
    return Matched(entry=entry, rule=rule, allocations=state.pay(entry.amount, items))


def _mismatch(entry: BankEntry, items: tuple[OpenItem, ...]) -> tuple[Reason, str] | None:
    clients = sorted({item.client for item in items})
    if len(clients) > 1:
        return "ambiguous", f"names invoices of {len(clients)} clients: {_numbers(items)}"
    other = [item for item in items if item.currency != entry.currency]
    if other:
        return "wrong currency", (f"pays {entry.currency}; {other[0].invoice_number} is "
                                  f"billed in {other[0].currency}")
    return None


def _too_much_or_unclear(entry: BankEntry, items: tuple[OpenItem, ...],
                         state: _State) -> tuple[Reason, str] | None:
    open_items = [item for item in items if state.remaining[item.key] > 0]
    total = sum((state.remaining[item.key] for item in open_items), Decimal(0))
    if entry.amount > total:
        return "overpayment", (f"pays {_money(entry.amount, entry.currency)}; "
                               f"{_numbers(items)} {'has' if len(items) == 1 else 'have'} "
                               f"{_money(total, entry.currency)} open")
    last = state.remaining[open_items[-1].key]
    if len(open_items) > 1 and entry.amount <= total - last:
        return "ambiguous", (f"names {_numbers(items)} but pays "
                             f"{_money(entry.amount, entry.currency)}, not enough for "
                             "each: which it pays is not clear")
    return None


def _by_amount(entry: BankEntry, state: _State) -> Matched | Unmatched | None:
    candidates = state.with_open(entry.currency, entry.amount)
    if len(candidates) == 1:
        return _settle(entry, candidates, "amount", state)
    if candidates:
        return _unmatched(entry, "ambiguous", f"names no invoice, and "
                                              f"{_money(entry.amount, entry.currency)} is "
                                              f"open on {_numbers(candidates)}")
    return None


def _unmatched(entry: BankEntry, reason: Reason, detail: str) -> Unmatched:
    return Unmatched(entry=entry, reason=reason, detail=detail)


def _numbers(items: Iterable[OpenItem]) -> str:
    return ", ".join(item.invoice_number for item in items)


def _money(amount: Decimal, currency: str) -> str:
    return f"{amount:,} {currency}"


def _invoice_order(item: OpenItem) -> tuple[object, ...]:
    return (item.client, natural_key(item.invoice_number), item.invoice_number)


@dataclass(frozen=True, kw_only=True)
class _Index:
    """The open items by what can name them."""

    items: tuple[OpenItem, ...]
    by_reference: dict[str, tuple[OpenItem, ...]]
    by_number: dict[str, tuple[OpenItem, ...]]
    max_words: int
    shapes: re.Pattern[str] | None

    @classmethod
    def of(cls, items: tuple[OpenItem, ...]) -> _Index:
        keys = [item.key for item in items]
        if len(set(keys)) != len(keys):
            raise ValueError("open items repeat an invoice")
        ordered = tuple(sorted(items, key=_invoice_order))
        words = [word_count(text) for item in ordered
                 for text in (item.invoice_number, item.payment_reference)]
        return cls(items=ordered,
                   by_reference=_grouped(ordered, lambda item: item.payment_reference),
                   by_number=_grouped(ordered, lambda item: item.invoice_number),
                   max_words=max(words, default=1),
                   shapes=shape_pattern(item.invoice_number for item in ordered))

    def lookup(self, key: str) -> tuple[OpenItem, ...]:
        return self.by_reference.get(key) or self.by_number.get(key) or ()

    def by_references(self, references: Iterable[str]) -> tuple[OpenItem, ...]:
        return _in_order(item for reference in references
                         for item in self.lookup(compact(reference)))

    def in_text(self, text: str) -> tuple[OpenItem, ...]:
        found = [span for span in spans(text, self.max_words) if self.lookup(span.key)]
        return _in_order(item for span in outermost(found) for item in self.lookup(span.key))


def _grouped(items: tuple[OpenItem, ...],
             text_of: Callable[[OpenItem], str]) -> dict[str, tuple[OpenItem, ...]]:
    grouped: dict[str, list[OpenItem]] = {}
    for item in items:
        key = compact(text_of(item))
        if key:
            grouped.setdefault(key, []).append(item)
    return {key: tuple(found) for key, found in grouped.items()}


def _in_order(items: Iterable[OpenItem]) -> tuple[OpenItem, ...]:
    return tuple(sorted(set(items), key=_invoice_order))


@dataclass
class _State:
    """What is still open on each invoice, and which invoices have a given amount open."""

    items: dict[Key, OpenItem]
    remaining: dict[Key, Decimal]
    by_open: dict[tuple[str, Decimal], set[Key]]

    @classmethod
    def of(cls, index: _Index) -> _State:
        state = cls(items={item.key: item for item in index.items}, remaining={}, by_open={})
        for item in index.items:
            state._set(item.key, item.open_amount)
        return state

    def _set(self, key: Key, amount: Decimal) -> None:
        currency = self.items[key].currency
        old = self.remaining.get(key)
        if old is not None:
            self.by_open.get((currency, old), set()).discard(key)
        self.remaining[key] = amount
        if amount > 0:
            self.by_open.setdefault((currency, amount), set()).add(key)

    def with_open(self, currency: str, amount: Decimal) -> tuple[OpenItem, ...]:
        return _in_order(self.items[key] for key in self.by_open.get((currency, amount), ()))

    def pay(self, amount: Decimal, items: tuple[OpenItem, ...]) -> tuple[Allocation, ...]:
        """Fill the items in order with `amount` (at most what they have open together)."""
        allocations = []
        for item in items:
            left = self.remaining[item.key]
            part = min(left, amount)
            if part <= 0:
                continue
            self._set(item.key, left - part)
            amount -= part
            allocations.append(Allocation(client=item.client, invoice_number=item.invoice_number,
                                          amount=part, settles=part == left))
        return tuple(allocations)
