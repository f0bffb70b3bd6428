"""Write a deterministic benchmark corpus: N clients x ~21 realistic documents, in git.

Usage: python bench/corpus.py DEST --clients 1000 [--no-git]

Each client gets client.yaml, scope.md, 12 requirements, 6 updates, deadlines.yaml and 4
invoices, in English, Polish, Swedish or Japanese: tables, lists, code blocks, footnotes, CJK and
diacritics. The same seed gives the same bytes; the folder is committed with a fixed date.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
from pathlib import Path

LOCALES = [("en", "EUR", "Europe/Amsterdam"), ("pl", "PLN", "Europe/Warsaw"),
           ("sv", "SEK", "Europe/Stockholm"), ("ja", "JPY", "Asia/Tokyo")]
TEXT = {
    "en": ["The warehouse team confirms the nightly export of orders.",
           "Invoices are approved by the finance lead before the 10th of the month.",
           "We agreed to keep the legacy API running until the migration is signed off."],
    "pl": ["Zespół magazynu potwierdza nocny eksport zamówień i źródłowych faktur.",
           "Zażółć gęślą jaźń — dokumenty są zatwierdzane przez głównego księgowego.",
           "Uzgodniliśmy, że stare API będzie działać aż do podpisania migracji."],
    "sv": ["Lagerteamet bekräftar den nattliga exporten av beställningar.",
           "Fakturor godkänns av ekonomichefen före den tionde varje månad, så får vi höra.",
           "Vi kom överens om att behålla det gamla gränssnittet tills migreringen är klar."],
    "ja": ["倉庫チームは毎晩の受注データのエクスポートを確認しました。",
           "請求書は毎月10日までに経理責任者が承認します。",
           "移行の承認まで旧APIを稼働させることで合意しました。"],
}
STATUSES = ["draft", "in-review", "approved"]
PRIORITIES = ["critical", "high", "medium", "low"]
MILESTONE_STATUS = ["done", "done", "in-progress", "planned", "planned", "at-risk"]


def slug_of(index: int) -> str:
    return f"client-{index:04d}"


def paragraph(rng: random.Random, locale: str, sentences: int = 4) -> str:
    return " ".join(rng.choice(TEXT[locale]) for _ in range(sentences))


def markdown_body(rng: random.Random, locale: str, index: int) -> str:
    rows = "\n".join(f"| F-{index}-{r} | {rng.choice(TEXT[locale])[:40]} | {rng.randint(1, 40)} |"
                     for r in range(6))
    items = "\n".join(f"- {rng.choice(TEXT[locale])}" for _ in range(5))
    steps = "\n".join(f"{n}. {rng.choice(TEXT[locale])}" for n in range(1, 5))
    return f"""## Context

{paragraph(rng, locale)}

## Requirements

{items}

### Data fields

| Field | Description | Size |
|:------|:------------|-----:|
{rows}

## Acceptance

{steps}

```python
def export_orders(day):
    rows = fetch("orders", day=day)
    return [row for row in rows if row.status == "ready"]  # case {index}
```

{paragraph(rng, locale, 6)}[^1]

[^1]: {rng.choice(TEXT[locale])}
"""


def client_files(index: int) -> dict[str, str]:
    rng = random.Random(index)
    locale, currency, zone = LOCALES[index % len(LOCALES)]
    name = f"Client {index:04d}"
    files = {"client.yaml": f"""name: {name}
legal_name: {name} Sp. z o.o.
locale: {locale}
currency: {currency}
timezone: {zone}
contacts:
  - {{name: Zofia Łukasiewicz, role: CTO, email: zofia@client{index}.test, decision_maker: true}}
  - {{name: Åsa Öberg, role: PM, email: asa@client{index}.test}}
account_manager:
  name: Ann Manager
  email: ann@agency.test
  phone: +31 20 123 4567
branding: {{accent: "#0b6e4f"}}
"""}
    files["scope.md"] = (f"---\ntitle: Scope {name}\nstatus: approved\nversion: \"1.{index % 7}\"\n"
                         f"approved_on: 2026-0{1 + index % 9}-15\n---\n"
                         + markdown_body(rng, locale, index))
    for number in range(12):
        files[f"requirements/req-{number:02d}.md"] = (
            f"---\ntitle: Requirement {number} of {name}\nstatus: {rng.choice(STATUSES)}\n"
            f"priority: {rng.choice(PRIORITIES)}\nowner: Bob\nversion: \"0.{number}\"\n---\n"
            + markdown_body(rng, locale, number))
    for number in range(6):
        files[f"updates/2026-{number + 4:02d}-10-report.md"] = (
            f"---\ntitle: Report {number + 1}\ndate: 2026-{number + 4:02d}-10\nkind: report\n"
            f"author: Ann Manager\n---\n" + markdown_body(rng, locale, number))
    milestones = "\n".join(
        f"  - id: m{m}\n    title: Milestone {m} — {rng.choice(TEXT[locale])[:30]}\n"
        f"    due: 2026-{1 + m:02d}-{10 + m:02d}\n    status: {MILESTONE_STATUS[m % 6]}\n"
        f"    owner: Bob\n    description: {rng.choice(TEXT[locale])}"
        for m in range(10))
    files["deadlines.yaml"] = f"milestones:\n{milestones}\n"
    price = "100000" if currency == "JPY" else "1250.50"
    # Japan taxes at 10 % and a reduced 8 %, which a qualified invoice must mark (invoicerules)
    rates = ("10", "8, reduced_rate: true") if currency == "JPY" else ("23", "8")
    for month in range(7, 11):
        paid = f"paid_on: 2026-{month + 1:02d}-05\n" if month < 10 else ""
        files[f"invoices/2026-{month:02d}.yaml"] = f"""number: INV-{index:04d}-{month:02d}
issued: 2026-{month:02d}-28
due: 2026-{month + 1:02d}-12
{paid}items:
  - {{description: Retainer, quantity: 1, unit: month, unit_price: {price}, tax_rate: {rates[0]}}}
  - {{description: Extra hours, quantity: 3.5, unit: h, unit_price: 95.50, tax_rate: {rates[1]}}}
"""
    return files


PORTAL_YAML = """agency:
  name: Bench Agency
  legal_name: Bench Agency B.V.
  address: |
    Keizersgracht 1
    1015 CJ Amsterdam
  email: hello@agency.test
currency: EUR
timezone: Europe/Amsterdam
"""


def write_corpus(dest: Path, clients: int, git: bool = True) -> Path:
    """Write the corpus into dest/content (committed when `git`); return the content folder."""
    content = dest / "content"
    content.mkdir(parents=True, exist_ok=True)
    (content / "portal.yaml").write_text(PORTAL_YAML, encoding="utf-8")
    for index in range(clients):
        for relative, text in client_files(index).items():
            path = content / slug_of(index) / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    if git:
        env = {**os.environ, "GIT_AUTHOR_NAME": "Bench", "GIT_AUTHOR_EMAIL": "b@agency.test",
               "GIT_COMMITTER_NAME": "Bench", "GIT_COMMITTER_EMAIL": "b@agency.test",
               "GIT_AUTHOR_DATE": "2026-11-01T10:00:00Z",
               "GIT_COMMITTER_DATE": "2026-11-01T10:00:00Z"}
        (dest / ".gitignore").write_text("output*/\nhugo*/\n")
        for command in (["git", "init", "-q", "-b", "main"], ["git", "add", "-A"],
                        ["git", "commit", "-q", "-m", "corpus"]):
            subprocess.run(command, cwd=dest, env=env, check=True)
    return content


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dest", type=Path)
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--no-git", action="store_true")
    args = parser.parse_args()
    print(write_corpus(args.dest, args.clients, not args.no_git))


if __name__ == "__main__":
    main()
