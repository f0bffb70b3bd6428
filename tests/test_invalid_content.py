"""Broken content: each mistake gets its own message with file and line, exit code 1, and the
previous output stays exactly as it was."""

from __future__ import annotations

import textwrap

import pytest

from conftest import BASE_SITE, build_site, snapshot

INVOICE = BASE_SITE["content/acme/invoices/2026-10.yaml"]
CLIENT = textwrap.dedent(BASE_SITE["content/acme/client.yaml"]).lstrip("\n")

# case id: (changes on top of the base site, expected "file:line: message" fragment)
CASES: dict[str, tuple[dict[str, str | bytes | None], str]] = {
    "yaml syntax": (
        {"content/acme/client.yaml": "name: Acme\nlocale: [en\n"},
        "content/acme/client.yaml:2: invalid YAML: the list opened with '[' on this line is not closed",
    ),
    "wrong type": (
        {"content/acme/invoices/2026-10.yaml": INVOICE.replace("quantity: 2.5", "quantity: lots")},
        "content/acme/invoices/2026-10.yaml:7: item 2 (Extra hours), quantity: 'lots' is not a number; "
        "write digits with a point before the decimals, e.g. 2.5",
    ),
    "bad date": (
        {"content/acme/invoices/2026-10.yaml": INVOICE.replace("issued: 2026-10-01", "issued: 2026-13-01")},
        "content/acme/invoices/2026-10.yaml:2: issued: '2026-13-01' is not a day of the calendar",
    ),
    "unknown currency": (
        {"content/acme/client.yaml": CLIENT + "currency: EURO\n"},
        "content/acme/client.yaml:13: currency: 'EURO' is not an ISO 4217 code (did you mean 'EUR'?)",
    ),
    "negative quantity": (
        {"content/acme/invoices/2026-10.yaml": INVOICE.replace("quantity: 1,", "quantity: -1,")},
        "content/acme/invoices/2026-10.yaml:6: item 1 (Retainer), quantity: Input should be greater than 0",
    ),
    "missing required field": (
        {"content/acme/client.yaml": "name: Acme\nlocale: en\n"},
        "content/acme/client.yaml:1: 'account_manager' is required",
    ),
    "duplicate invoice number": (
        {"content/acme/invoices/2026-11.yaml": INVOICE.replace("issued: 2026-10-01", "issued: 2026-10-02")},
        "content/acme/invoices/2026-11.yaml:1: invoice number '0123' is already used by "
        "content/acme/invoices/2026-10.yaml",
    ),
    "bad slug": (
        {"content/Acme_Old/client.yaml": CLIENT},
        "content/Acme_Old: 'Acme_Old' is not a valid client slug",
    ),
    "unknown key": (
        {"content/acme/client.yaml": CLIENT + "lifecycle_stag: active\n"},
        "content/acme/client.yaml:13: unknown key 'lifecycle_stag' (did you mean 'lifecycle_stage'?)",
    ),
    "unknown nested key": (
        {"content/acme/client.yaml": CLIENT.replace("phone: +31", "phnoe: +31")},
        "content/acme/client.yaml:7: unknown key 'account_manager.phnoe' (did you mean 'phone'?)",
    ),
    "unknown front matter key": (
        {"content/acme/requirements/intake.md": "---\ntitle: Intake\nstauts: draft\n---\nText\n"},
        "content/acme/requirements/intake.md:3: unknown key 'stauts' (did you mean 'status'?)",
    ),
    "no front matter": (
        {"content/acme/requirements/intake.md": "# Intake\n\nText\n"},
        "content/acme/requirements/intake.md:1: no front matter found",
    ),
    "front matter line counted from top": (
        {"content/acme/updates/2026-11-01-status.md": "---\ntitle: Status\n\ndate: 2026-11-41\n---\nx\n"},
        "content/acme/updates/2026-11-01-status.md:4: date: '2026-11-41' is not a date",
    ),
    "bad milestone status": (
        {"content/acme/deadlines.yaml": "milestones:\n  - id: a\n    title: A\n    due: 2026-12-01\n    status: finished\n"},
        "content/acme/deadlines.yaml:5: milestone 1 (A), status: 'finished' is not one of "
        "planned, in-progress, done, at-risk, cancelled",
    ),
    "duplicate milestone id": (
        {"content/acme/deadlines.yaml": "milestones:\n  - {id: a, title: A, due: 2026-12-01}\n  - {id: a, title: B, due: 2026-12-02}\n"},
        "content/acme/deadlines.yaml:3: milestone id 'a' is used twice (first on line 2)",
    ),
    "due before issued": (
        {"content/acme/invoices/2026-10.yaml": INVOICE.replace("due: 2026-10-15", "due: 2026-09-15")},
        "content/acme/invoices/2026-10.yaml:3: due (2026-09-15) is before issued (2026-10-01)",
    ),
    "bad email": (
        {"content/acme/client.yaml": CLIENT.replace("ann@agency.test", "ann-at-agency")},
        "content/acme/client.yaml:6: account_manager.email: 'ann-at-agency' is not an e-mail address",
    ),
    "bad colour": (
        {"content/acme/client.yaml": CLIENT.replace('"#0b6e4f"', "green")},
        "content/acme/client.yaml:9: branding.accent: 'green' is not a colour like #1a5fb4",
    ),
    "missing attachment": (
        {"content/acme/scope.md": "---\ntitle: S\n---\n\nSee [x](files/missing.pdf).\n"},
        "content/acme/scope.md:5: attachment 'files/missing.pdf' not found in files/",
    ),
    "link leaves the client folder": (
        {"content/acme/scope.md": "---\ntitle: S\n---\nA\n\n[x](../other/scope.md)\n"},
        "content/acme/scope.md:6: link '../other/scope.md' leaves the client folder",
    ),
    "javascript link": (
        {"content/acme/scope.md": "---\ntitle: S\n---\n[x](javascript:alert(1))\n"},
        "content/acme/scope.md:4: link 'javascript:alert(1)' uses a scheme that is not allowed",
    ),
    "photo path leaves the folder": (
        {"content/acme/client.yaml": CLIENT.replace("files/ann.svg", "../../secret.svg")},
        "content/acme/client.yaml:8: account_manager.photo: '../../secret.svg' leaves the client folder",
    ),
    "photo not found": (
        {"content/acme/client.yaml": CLIENT.replace("files/ann.svg", "files/bob.svg")},
        "content/acme/client.yaml:8: account_manager.photo: file 'files/bob.svg' not found",
    ),
    "unknown time zone": (
        {"content/acme/client.yaml": CLIENT + "timezone: Europe/Warshaw\n"},
        "content/acme/client.yaml:13: timezone: 'Europe/Warshaw' is not an IANA time zone "
        "(did you mean 'Europe/Warsaw'?)",
    ),
    "unknown locale": (
        {"content/acme/client.yaml": CLIENT.replace("locale: en", "locale: xx")},
        "content/acme/client.yaml:3: locale: 'xx' is not a known locale",
    ),
    "duplicate yaml key": (
        {"content/acme/client.yaml": CLIENT + "name: Acme again\n"},
        "content/acme/client.yaml:13: key 'name' appears twice",
    ),
    "misnamed file": (
        {"content/acme/deadline.yaml": "milestones: []\n"},
        "content/acme/deadline.yaml: unexpected entry in a client folder (did you mean 'deadlines.yaml'?)",
    ),
    "tax rate out of range": (
        {"content/acme/invoices/2026-10.yaml": INVOICE.replace("tax_rate: 9", "tax_rate: 190")},
        "content/acme/invoices/2026-10.yaml:7: item 2 (Extra hours), tax_rate: Input should be less than or equal to 100",
    ),
    "discount both ways": (
        {"content/acme/invoices/2026-10.yaml": INVOICE.replace("{percent: 10}", "{percent: 10, amount: 5}")},
        "content/acme/invoices/2026-10.yaml:8: discount: give either percent or amount",
    ),
    "no items": (
        {"content/acme/invoices/2026-10.yaml": "number: X1\nissued: 2026-10-01\ndue: 2026-10-15\nitems: []\n"},
        "content/acme/invoices/2026-10.yaml:4: items: List should have at least 1 item",
    ),
    "missing update date": (
        {"content/acme/updates/2026-11-01-status.md": "---\ntitle: Status\n---\nx\n"},
        "content/acme/updates/2026-11-01-status.md:2: 'date' is required",
    ),
    "not a mapping": (
        {"content/acme/invoices/2026-10.yaml": "- number: 1\n"},
        "content/acme/invoices/2026-10.yaml:1: must be a mapping of keys to values, found a list",
    ),
    "not utf-8": (
        {"content/acme/scope.md": "---\ntitle: Zażółć\n---\n".encode("iso-8859-2")},
        "content/acme/scope.md:2: is not UTF-8 text",
    ),
    "missing portal.yaml": (
        {"content/portal.yaml": None},
        "content/portal.yaml: not found; every content folder needs a portal.yaml",
    ),
    "missing agency logo": (
        {"content/_agency/logo.svg": None},
        "content/portal.yaml:8: agency.logo: file '_agency/logo.svg' not found",
    ),
    "number is text, not octal": (
        {"content/acme/invoices/2026-09.yaml": BASE_SITE["content/acme/invoices/2026-09.yaml"]
         .replace('"0122"', "0123")},
        "content/acme/invoices/2026-10.yaml:1: invoice number '0123' is already used by "
        "content/acme/invoices/2026-09.yaml",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES), ids=sorted(CASES))
def test_mistake_is_reported_with_file_and_line(make_site, monkeypatch, case):
    root = make_site()
    monkeypatch.chdir(root)
    assert build_site(root).exit_code == 0
    before = snapshot(root / "output")
    changes, expected = CASES[case]
    make_site(changes, base=False)

    result = build_site(root)

    assert result.exit_code == 1, result.output
    assert expected in result.output
    assert "Traceback" not in result.output
    assert "nothing was written" in result.output
    assert snapshot(root / "output") == before


def test_messages_are_distinct():
    assert len({expected for _, expected in CASES.values()}) == len(CASES) >= 20


def test_all_mistakes_are_reported_in_one_run(make_site, monkeypatch):
    root = make_site({
        "content/acme/client.yaml": CLIENT.replace("locale: en", "locale: xx"),
        "content/acme/invoices/2026-10.yaml": INVOICE.replace("quantity: 1,", "quantity: -1,"),
        "content/acme/requirements/intake.md": "no front matter\n",
    })
    monkeypatch.chdir(root)
    result = build_site(root)
    assert result.exit_code == 1
    assert "client.yaml:3:" in result.output
    assert "invoices/2026-10.yaml:6:" in result.output
    assert "requirements/intake.md:1:" in result.output
    assert "3 errors in content" in result.output
