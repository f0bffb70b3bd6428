"""`portal check`: every error and warning, --strict, --format json, nothing written."""

from __future__ import annotations

import json
import subprocess
import sys

from conftest import AS_OF, EXAMPLE_CONTENT, REPO, portal

LATE = {"content/acme/invoices/2026-08.yaml": """
    number: "0120"
    issued: 2026-08-01
    due: 2026-08-15
    items:
      - {description: Retainer, quantity: 1, unit_price: 100, tax_rate: 21}
"""}


def check(root, *extra):
    return portal("check", "--content", root / "content", "--as-of", AS_OF, *extra)


def test_example_content_is_clean():
    result = portal("check", "--content", EXAMPLE_CONTENT, "--as-of", AS_OF, "--strict")
    assert result.exit_code == 0, result.output
    assert "ok: 4 clients, 0 errors, 0 warnings" in result.output


def test_overdue_invoice_is_a_warning_and_strict_fails(make_site):
    root = make_site(LATE)
    result = check(root)
    assert result.exit_code == 0, result.output
    assert ("invoices/2026-08.yaml:3: warning: invoice 0120 is unpaid 100 days "
            "after its due date (2026-08-15)") in result.output
    assert check(root, "--strict").exit_code == 1
    assert not (root / "output").exists()


def test_deadline_after_contract_end_is_a_warning(make_site):
    root = make_site()
    profile = root / "content/acme/client.yaml"
    profile.write_text(profile.read_text() + "contract: {starts_on: 2026-01-01, "
                                             "ends_on: 2026-12-31}\n")
    result = check(root)
    assert result.exit_code == 0
    assert ("acme/deadlines.yaml:6: warning: milestone 'launch' is due after the "
            "contract ends (2026-12-31)") in result.output


def test_all_errors_and_warnings_together_as_json(make_site):
    root = make_site({**LATE, "content/acme/scope.md": """
        ---
        title: S
        ---
        [gone](files/gone.pdf) and [nowhere](requirements/nowhere.md)
    """})
    result = check(root, "--format", "json")
    assert result.exit_code == 1
    report = json.loads(result.output)
    assert report["ok"] is False and report["errors"] == 2 and report["warnings"] == 2
    messages = {(p["severity"], p["path"].split("acme/")[1], p["line"])
                for p in report["problems"]}
    assert ("error", "scope.md", 4) in messages
    assert ("warning", "invoices/2026-08.yaml", 3) in messages


def test_validation_errors_still_listed_with_warnings(make_site):
    root = make_site({**LATE, "content/acme/invoices/bad.yaml": """
        number: "9"
        issued: 2026-10-10
        due: 2026-10-01
        items: [{description: X, quantity: 1, unit_price: 1, tax_rate: 0}]
    """})
    result = check(root)
    assert result.exit_code == 1
    assert "due (2026-10-01) is before issued (2026-10-10)" in result.output


def test_warnings_are_shown_by_build(make_site):
    root = make_site(LATE)
    result = portal("build", "--content", root / "content", "--out", root / "output",
                    "--as-of", AS_OF)
    assert result.exit_code == 0
    assert "warning: invoice 0120 is unpaid" in result.output


def test_check_in_a_subprocess(make_site):
    root = make_site(LATE)
    result = subprocess.run([sys.executable, "-m", "generator", "check", "--content",
                             str(root / "content"), "--as-of", AS_OF, "--strict",
                             "--format", "json"], capture_output=True, text=True, cwd=REPO)
    assert result.returncode == 1
    assert json.loads(result.stdout)["warnings"] == 2
