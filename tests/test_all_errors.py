"""Every mistake in one run: every file of every client read and checked before reporting,
and the checks that depend on a file (attachments, links, secrets, totals) run on what could be
read of it. An office fixing a site needs one list, not rounds of them."""

from __future__ import annotations

import textwrap

from conftest import BASE_SITE, portal

CLIENT = textwrap.dedent(BASE_SITE["content/acme/client.yaml"]).lstrip("\n")


def _copy_of_acme(slug: str) -> dict[str, str | bytes | None]:
    """The base site's client under another slug, its invoice numbers its own."""
    return {path.replace("/acme/", f"/{slug}/"): text.replace('"012', f'"{slug}-012')
            for path, text in BASE_SITE.items() if path.startswith("content/acme/")}


# Twelve independent mistakes across three clients, each as an office would make it.
TWELVE: dict[str, str | bytes | None] = {
    **_copy_of_acme("beta"), **_copy_of_acme("gamma"),
    # acme: six mistakes; the missing photo is found although client.yaml has another error
    "content/acme/client.yaml": CLIENT + "lifecycle_stag: active\n",
    "content/acme/files/ann.svg": None,
    "content/acme/deadlines.yaml": """
        milestones:
          - {id: kickoff, title: Kickoff, due: 2026-09-01, status: done}
          - {id: design, title: Design sign-off, due: 29.11.2026, status: in-progress}
          - {id: launch, title: Launch, due: 2027-01-15, status: Done}
    """,
    "content/acme/invoices/2026-10.yaml": """
        number: "0123"
        issued: 2026-10-01
        due: 2026-10-15
        items:
          - description: Retainer
            quantity: 1
            unit: month
            unit_price: 18 500,00
            tax_rate: 21
          - {description: Extra hours, quantity: 2.5, unit: h, unit_price: 95.50, tax_rate: 25%}
    """,
    # beta: an unclosed quote, a bad link far down the scope, a password portal without secrets
    "content/beta/requirements/intake.md": '---\ntitle: "Client intake\nstatus: in-review\n'
                                           'version: "0.3"\n---\nText\n',
    "content/beta/scope.md": "---\ntitle: Scope of work\nstatus: draft\nversion: '1.0'\n---\n"
                             "## Goals\n\n" + "A paragraph.\n\n" * 30
                             + "See [the plan](requirements/plan.md).\n",
    "content/beta/client.yaml": CLIENT + "access: {mode: password}\n",
    # gamma: paid before it was issued, and a total that is not the computed one
    "content/gamma/invoices/2026-09.yaml": """
        number: "gamma-0122"
        issued: 2026-09-01
        due: 2026-09-15
        paid_on: 2026-08-10
        total: 999.00
        items:
          - {description: Retainer, quantity: 1, unit: month, unit_price: 1000.00, tax_rate: 21}
    """,
}

EXPECTED = [
    "content/acme/client.yaml:8: account_manager.photo: file 'files/ann.svg' not found",
    "content/acme/client.yaml:13: unknown key 'lifecycle_stag' (did you mean 'lifecycle_stage'?)",
    "content/acme/deadlines.yaml:3: milestone 2 (Design sign-off), due: write dates as 2026-11-29 "
    "(got '29.11.2026')",
    "content/acme/deadlines.yaml:4: milestone 3 (Launch), status: 'Done' is not one of planned, "
    "in-progress, done, at-risk, cancelled (did you mean 'done'?)",
    "content/acme/invoices/2026-10.yaml:8: item 1 (Retainer), unit_price: write 18500.00 "
    "(got '18 500,00')",
    "content/acme/invoices/2026-10.yaml:10: item 2 (Extra hours), tax_rate: write 25, without % "
    "(got '25%')",
    "content/beta/client.yaml:13: access: no password for contact 'Carl Client'",
    "content/beta/client.yaml:13: access: this portal needs the secret PORTAL_SECRET",
    "content/beta/requirements/intake.md:2: front matter: invalid YAML: the text opened with \" on "
    "this line is not closed; end it with \" on the same line",
    "content/beta/scope.md:68: link 'requirements/plan.md' points to nothing",
    "content/gamma/invoices/2026-09.yaml:4: paid_on (2026-08-10) is before issued (2026-09-01)",
    "content/gamma/invoices/2026-09.yaml:5: total: 999.00 EUR is not the computed total 1210.00",
]


def _errors(output: str) -> list[str]:
    return [line for line in output.splitlines()
            if line.startswith("content/") and ": warning: " not in line]


def test_twelve_mistakes_in_three_clients_are_twelve_messages_in_one_run(make_site,
                                                                         monkeypatch) -> None:
    monkeypatch.delenv("PORTAL_SECRET", raising=False)
    monkeypatch.chdir(make_site(TWELVE))
    result = portal("check")
    errors = _errors(result.output)
    assert result.exit_code == 1
    assert len(errors) == 12, "\n".join(errors)
    for expected, line in zip(EXPECTED, errors, strict=True):
        assert line.startswith(expected), (expected, line)
    assert result.output.splitlines()[-1] == "failed: 3 clients, 12 errors, 2 warnings"


def test_the_build_lists_the_same_twelve_and_writes_nothing(make_site, monkeypatch) -> None:
    monkeypatch.delenv("PORTAL_SECRET", raising=False)
    root = make_site(TWELVE)
    monkeypatch.chdir(root)
    result = portal("build")
    assert result.exit_code == 1
    assert len(_errors(result.output)) == 12
    assert not (root / "output" / "acme").exists()


def test_the_summary_counts_the_clients_that_failed(make_site, monkeypatch) -> None:
    monkeypatch.chdir(make_site({**_copy_of_acme("beta"), **_copy_of_acme("gamma"),
                      "content/acme/client.yaml": CLIENT + "lifecycle_stag: active\n"}))
    result = portal("check")
    assert result.output.splitlines()[-1] == "failed: 1 client, 1 error, 3 warnings"
    assert "failed: 3 clients" not in result.output


def test_a_file_with_errors_gets_only_its_errors(make_site, monkeypatch) -> None:
    """An invoice whose paid_on is wrong is not also 'unpaid' (its paid_on was left out)."""
    root = make_site({"content/acme/invoices/2026-09.yaml": """
        number: "0122"
        issued: 2026-09-01
        due: 2026-09-15
        paid_on: 2026-08-10
        items:
          - {description: Retainer, quantity: 1, unit: month, unit_price: 1000.00, tax_rate: 21}
    """})
    monkeypatch.chdir(root)
    output = portal("check").output
    assert "2026-09.yaml:4: paid_on (2026-08-10) is before issued" in output
    assert "0122 is unpaid" not in output


def test_a_link_to_a_document_with_errors_is_not_a_second_error(make_site, monkeypatch) -> None:
    monkeypatch.chdir(make_site({"content/acme/requirements/intake.md":
                                 "---\ntitle: [Intake\n---\nText\n"}))
    result = portal("check")
    errors = _errors(result.output)
    assert len(errors) == 1 and errors[0].startswith("content/acme/requirements/intake.md:2")


def test_a_bad_link_is_reported_at_its_own_line(make_site, monkeypatch) -> None:
    """Not at an earlier good link whose target starts the same way."""
    scope = ("---\ntitle: Scope\nstatus: draft\nversion: '1.0'\n---\n"
             "See [intake](requirements/intake.md).\n\n" + "Text.\n\n" * 48
             + "And [the old intake](requirements/intake).\n")
    monkeypatch.chdir(make_site({"content/acme/scope.md": scope}))
    errors = _errors(portal("check").output)
    assert errors == ["content/acme/scope.md:104: link 'requirements/intake' points to nothing "
                      "in this client folder (link to scope.md, requirements/*.md, updates/*.md "
                      "or files/)"]


def test_a_total_is_not_compared_with_the_items_that_could_be_read(make_site, monkeypatch):
    monkeypatch.chdir(make_site({"content/acme/invoices/2026-10.yaml": """
        number: "0123"
        issued: 2026-10-01
        due: 2026-10-15
        total: 1330.00
        items:
          - {description: Retainer, quantity: 1, unit: month, unit_price: 1000.00, tax_rate: 21}
          - {description: Extra hours, quantity: 1, unit: h, unit_price: 100.00, tax_rate: 21%}
    """}))
    errors = _errors(portal("check").output)
    assert errors == ["content/acme/invoices/2026-10.yaml:7: item 2 (Extra hours), tax_rate: "
                      "write 21, without % (got '21%')"]
