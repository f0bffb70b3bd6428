"""`portal payments import` over the example portals in a real git repository: camt.053 .02
and .08 and MT940 statements with exact, partial, combined, over-, wrong-currency, unknown and
duplicate payments; afterwards the portal, the PDF, the overview and `portal report` agree."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pytest
from lxml import etree
from pypdf import PdfReader

from bankfiles import Line, camt053, mt940
from conftest import AS_OF, EXAMPLE_CONTENT, portal
from generator.bank.camt import schema
from gitrepo import commit, git, init_repo

DAY = date(2026, 11, 20)
PLN = [  # kowalski-legal: FV/2026/09/017 has 27921.00 open, FV/2026/10/012 22755.00
    Line(amount="27921.00", currency="PLN", booked=DAY, reference="PL-1",
         text="Zaplata FV/2026/09/017"),
    Line(amount="10000.00", currency="PLN", booked=DAY, reference="PL-2",
         text="FV 2026 10 012 czesc 1"),
    Line(amount="30000.00", currency="PLN", booked=DAY, reference="PL-3",
         text="FV/2026/10/012"),
    Line(amount="500.00", currency="PLN", booked=DAY, reference="PL-4",
         text="FV/2026/08/999"),
    Line(amount="100.00", currency="EUR", booked=DAY, reference="PL-5",
         text="FV/2026/10/012"),
    Line(amount="40.00", currency="PLN", booked=DAY, reference="PL-6", debit=True,
         text="oplata"),
]
SEK = [  # nordlys-saas: OCR 2026101101 has 113975.00 open, 2026111605 95000.00
    Line(amount="208975.00", currency="SEK", booked=DAY, reference="SE-1",
         text="OCR 2026101101 2026111605", payer="Nordlys SaaS AB"),
]
KRW = [  # hanbit-logistics: MV-KR-2026-09 has 16885000 open, MV-KR-2026-10 15400000
    Line(amount="16885000", currency="KRW", booked=DAY, reference="KR-1",
         text="MV-KR-2026-09", payer="Hanbit Logistics"),
    Line(amount="20000000", currency="KRW", booked=DAY, reference="KR-2",
         text="MV-KR-2026-10", payer="Hanbit Logistics"),
]


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """The example content in a git repository, the statements beside it (never in it)."""
    root = tmp_path / "repo"
    shutil.copytree(EXAMPLE_CONTENT, root / "content")
    init_repo(root)
    commit(root, "example portals", "2026-11-01T09:00:00+00:00")
    bank = tmp_path / "bank"
    bank.mkdir()
    (bank / "pln.xml").write_bytes(camt053("02", PLN, currency="PLN"))
    (bank / "sek.xml").write_bytes(camt053("08", SEK, currency="SEK"))
    (bank / "krw.sta").write_bytes(mt940(KRW, currency="KRW"))
    return root


def statements(root: Path) -> list[Path]:
    bank = root.parent / "bank"
    return [bank / "pln.xml", bank / "sek.xml", bank / "krw.sta", bank / "krw.sta"]


def import_json(root: Path, *extra: str) -> dict:
    result = portal("payments", "import", *statements(root), "--content", root / "content",
                    "--out", root / "output", "--as-of", AS_OF, "--format", "json", *extra)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_the_camt_files_validate_against_the_official_xsds(repo):
    for name, version in (("pln.xml", "02"), ("sek.xml", "08")):
        document = etree.fromstring((repo.parent / "bank" / name).read_bytes())
        assert schema(version).validate(document), schema(version).error_log
        document.find(".//{*}Amt").text = "12,50"  # a comma: not a decimal to the XSD
        assert not schema(version).validate(document)


def test_each_entry_is_recorded_or_listed_with_its_reason(repo):
    found = import_json(repo, "--commit")
    recorded = [(r["client"], r["invoice"], r["amount"], r["settles"]) for r in found["recorded"]]
    assert sorted(recorded) == [
        ("hanbit-logistics", "MV-KR-2026-09", "16885000", True),
        ("kowalski-legal", "FV/2026/09/017", "27921.00", True),
        ("kowalski-legal", "FV/2026/10/012", "10000.00", False),
        ("nordlys-saas", "INV-2026-1011", "113975.00", True),
        ("nordlys-saas", "INV-2026-1116", "95000.00", True)]
    listed = {(r["reference"], r["reason"]) for r in found["unmatched"]}
    assert listed == {("PL-3", "overpayment"), ("PL-4", "unknown"),
                      ("PL-5", "wrong currency"), ("KR-2", "overpayment")}
    assert found["ignored"] == {"debits": 1, "for_no_client": 0, "read_twice": 2}
    assert git(repo, "status", "--porcelain") == ""  # committed; the record is in output/
    message = git(repo, "log", "-1", "--format=%B")
    assert "PL-1" in message and "SE-1" in message and "KR-1" in message
    text = (repo / "content/kowalski-legal/invoices/2026-10.yaml").read_text()
    assert text.endswith("payments:\n  - on: 2026-11-20\n    amount: 10000.00\n    reference: PL-2\n")


def test_importing_the_same_statements_twice_changes_nothing(repo):
    import_json(repo, "--commit")
    head = git(repo, "rev-parse", "HEAD")
    again = import_json(repo, "--commit")
    assert again["recorded"] == [] and again["written"] == [] and again["commit"] is None
    assert sorted(again["already_recorded"]) == ["KR-1", "PL-1", "PL-2", "SE-1"]
    assert git(repo, "rev-parse", "HEAD") == head


def test_the_portal_the_pdf_the_overview_and_the_report_agree_on_what_is_paid(repo):
    import_json(repo, "--commit")
    out = repo / "output"
    # the portal read here, with its invoice PDFs, and the overview (every client's figures)
    built = portal("build", "--content", repo / "content", "--out", out, "--as-of", AS_OF, "-q",
                   "--client", "kowalski-legal")
    assert built.exit_code == 0, built.output
    report = portal("report", "--content", repo / "content", "--out", out, "--as-of", AS_OF,
                    "--format", "json")
    rows = {row["slug"]: row for row in json.loads(report.output)["clients"]}
    assert rows["kowalski-legal"]["open_balance"] == {"PLN": "12755.00"}
    assert rows["kowalski-legal"]["overdue_balance"] == {}
    assert rows["nordlys-saas"]["open_balance"] == {} and rows["hanbit-logistics"]["open_balance"] == {
        "KRW": "15400000"}
    assert rows["hanbit-logistics"]["days_to_pay"] == 21  # (11 + 13 + 39) / 3: the new one
    payments = json.loads(report.output)["payments"]
    assert payments["received"]["kowalski-legal"] == {"PLN": "37921.00"}  # since 2026-10-24
    assert payments["received"]["nordlys-saas"] == {"SEK": "208975.00"}
    assert {row["reference"] for row in payments["last_import"]["unmatched"]} == {
        "PL-3", "PL-4", "PL-5", "KR-2"}
    overview = (out / "_agency/index.html").read_text()
    assert "12,755.00" in overview or "12 755,00" in overview.replace("\u00a0", " ")
    assert "Bank entries not recorded" in overview and "wrong currency" in overview
    assert "Kowalski Legal sp. k." not in overview and "PL-5" not in overview  # no payers
    paid = _pdf_text(out, "kowalski-legal", "2026-09")
    assert "Prosimy o zapłatę" not in paid  # paid: no payment block
    part = _pdf_text(out, "kowalski-legal", "2026-10").replace("\u00a0", " ")
    assert "Prosimy o zapłatę 12 755,00 zł" in part  # what is left, not the total
    page = (out / "kowalski-legal").rglob("*.html")
    assert any("12 755,00" in p.read_text().replace("\u00a0", " ") for p in page)


def _pdf_text(out: Path, slug: str, stem: str) -> str:
    [pdf] = [p for p in (out / slug).rglob("*.pdf") if p.stem.endswith(stem)]
    return "\n".join(page.extract_text() for page in PdfReader(pdf).pages)


def test_the_unmatched_entries_are_kept_beside_the_content_not_in_it(repo):
    import_json(repo, "--commit")
    record = json.loads((repo / "output/.clientportal-payments.json").read_text())
    assert {row["reference"] for row in record["unmatched"]} == {"PL-3", "PL-4", "PL-5", "KR-2"}
    tracked = git(repo, "ls-files")
    assert ".clientportal-payments.json" not in tracked and "pln.xml" not in tracked
    text = portal("report", "--content", repo / "content", "--out", repo / "output",
                  "--as-of", AS_OF).output
    assert "PL-4" in text and "unknown" in text


@pytest.mark.parametrize(("name", "data", "said"), [
    ("broken.xml", b"<Document><BkToCstmrStmt>", "broken.xml"),
    ("empty.sta", b"", "empty.sta: is empty"),
    ("notes.txt", b"hello", "is not a bank statement"),
])
def test_an_unreadable_statement_names_the_file_and_writes_nothing(repo, name, data, said):
    path = repo.parent / "bank" / name
    path.write_bytes(data)
    before = git(repo, "rev-parse", "HEAD")
    result = portal("payments", "import", repo.parent / "bank" / "pln.xml", path,
                    "--content", repo / "content", "--out", repo / "output", "--as-of", AS_OF)
    assert result.exit_code == 1
    assert said in result.output and "Traceback" not in result.output
    assert git(repo, "status", "--porcelain") == "" and git(repo, "rev-parse", "HEAD") == before
    assert not (repo / "output/.clientportal-payments.json").exists()
