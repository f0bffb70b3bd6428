"""The portal talks back, in Chromium: "Approve this version" and "Ask about this" open the
expected prefilled e-mail (its mailto URL decoded and compared), or post to the configured
form endpoint (an https server of the test's on 127.0.0.1; the portal is served from another);
the CSP allows that one origin in form-action and blocks any other; "changed since approval"
appears after an edit and goes after a new approval. Public and password portals alike."""

from __future__ import annotations

import re
import textwrap

import pytest

from browser import static_server
from conftest import BASE_SITE, build_site, write_files
from protected_site import PASSWORDS, SECRET, VAULT_SITE
from servers import Certificate, form_endpoint, self_signed
from talk import INTAKE, SCOPE, approval, asking, decoded, fingerprint_of

VAULT_SCOPE = textwrap.dedent(str(VAULT_SITE["content/vault/scope.md"])).lstrip("\n")
PORTAL_YAML = textwrap.dedent(BASE_SITE["content/portal.yaml"]).lstrip("\n")


def talk_site(forms: str | None = None) -> dict[str, str | bytes | None]:
    """Acme (public) and Vault (password, share link), each asking for approval, and a
    satisfaction survey on offer this quarter."""
    site: dict[str, str | bytes | None] = {**VAULT_SITE}
    site["content/acme/scope.md"] = asking(SCOPE)
    site["content/acme/requirements/intake.md"] = asking(INTAKE)
    site["content/vault/scope.md"] = asking(VAULT_SCOPE)
    survey = "satisfaction: {schedule: quarterly, days: 60}\n"
    site["content/portal.yaml"] = PORTAL_YAML + survey + (
        f"forms: {{action: {forms}}}\n" if forms else "")
    return site


@pytest.fixture
def secrets(monkeypatch):
    monkeypatch.setenv("PORTAL_SECRET", SECRET)
    for name, value in PASSWORDS.items():
        monkeypatch.setenv(name, value)


@pytest.fixture
def certificate(tmp_path_factory) -> Certificate:
    return self_signed(tmp_path_factory.mktemp("tls"))


def open_vault(page, base: str, path: str) -> None:
    """Open a page of the password portal with its share link, as a contact would."""
    from generator.protection.protect import share_fragment

    page.goto(base + "vault/index.html" + share_fragment(SECRET.encode(), "vault"))
    page.wait_for_selector("#cp-logout", state="attached")
    page.goto(base + "vault/" + path)
    page.wait_for_selector("#cp-logout", state="attached")


def csp_of(page) -> dict[str, str]:
    content = page.locator('meta[http-equiv="Content-Security-Policy"]').get_attribute("content")
    return dict(part.strip().split(" ", 1) for part in content.split(";"))


# ---------------------------------------------------------------- without a form endpoint


def test_approve_and_ask_open_the_expected_emails(make_site, secrets, page):
    root = make_site(talk_site())
    assert build_site(root).exit_code == 0
    scope_fingerprint = fingerprint_of(asking(SCOPE))
    with static_server(root / "output") as base:
        page.goto(base + "acme/scope.html")
        assert decoded(page.get_attribute("#approve", "href")) == ("ann@agency.test", {
            "subject": "Acme & Co: Approval: Scope of work",
            "body": "Hello,\n\nI approve this document as published in the portal:\n\n"
                    f"Document: Scope of work\nVersion 1.0\nFingerprint: {scope_fingerprint}\n"
                    "\nRef: acme/approval/scope\n"})
        assert decoded(page.get_attribute(".page-head .ask", "href")) == ("ann@agency.test", {
            "subject": "Acme & Co: Question – Scope: Scope of work",
            "body": "Hello,\n\n\nRef: acme/scope"})

        page.goto(base + "acme/timeline.html")
        assert decoded(page.get_attribute("#launch .ask", "href")) == ("ann@agency.test", {
            "subject": "Acme & Co: Question – Milestone: Launch",
            "body": "Hello,\n\n\nRef: acme/milestones/launch"})
        page.goto(base + "acme/invoices/2026-10.html")
        assert decoded(page.get_attribute(".ask", "href"))[1]["subject"] == \
            "Acme & Co: Question – Invoice 0123"
        page.goto(base + "acme/index.html")
        to, fields = decoded(page.get_attribute("#survey-send", "href"))
        assert (to, fields["subject"]) == ("ann@agency.test",
                                           "Acme & Co: Satisfaction survey 2026-Q4")
        assert fields["body"].endswith("What could we do better?\n\n\nSurvey: 2026-Q4\n\n"
                                       "Ref: acme/survey/2026-Q4\n")
        page.goto(base + "acme/updates.html")
        assert decoded(page.get_attribute('[id="2026-11-01-status"] .ask', "href"))[1][
            "subject"] == "Acme & Co: Question – Update: Status report"
        assert csp_of(page)["form-action"] == "'none'"
        assert page.locator("form[action]").count() == 0

        open_vault(page, base, "scope.html")  # decrypted in the browser, then the same
        to, fields = decoded(page.get_attribute("#approve", "href"))
        assert to == "ann@agency.test"
        assert fields["body"].endswith(f"Fingerprint: {fingerprint_of(asking(VAULT_SCOPE))}\n"
                                       "\nRef: vault/approval/scope\n")
        assert csp_of(page)["form-action"] == "'none'"
    assert page.console_errors == []


def test_changed_since_approval_appears_after_an_edit_and_goes_after_a_new_approval(
        make_site, page):
    first = asking(INTAKE, approval("Carl Client", "2026-11-02", "0.3", fingerprint_of(INTAKE)))
    root = make_site({"content/acme/requirements/intake.md": first})
    assert build_site(root).exit_code == 0
    changed = page.locator(".badge--changed")
    with static_server(root / "output") as base:
        page.goto(base + "acme/requirements/intake.html")
        assert page.locator(".signoff__state").inner_text().startswith("Approved")
        assert changed.count() == 0 and page.locator("#approve").count() == 0

        edited = first.replace("Capture new clients.", "Capture new clients and leads.")
        write_files(root, {"content/acme/requirements/intake.md": edited})
        assert build_site(root).exit_code == 0
        # a new address each time: the file changed within the second its last copy was served
        page.goto(base + "acme/requirements/intake.html?after-edit")
        assert changed.is_visible() and changed.inner_text() == "Changed since approval"
        assert page.locator("#approve").is_visible()
        page.goto(base + "acme/index.html?after-edit")
        assert page.locator("#awaiting-title").is_visible()

        again = edited.replace("approvals:\n", "approvals:\n" + approval(
            "Carl Client", "2026-11-21", "0.4", fingerprint_of(edited)) + "\n")
        write_files(root, {"content/acme/requirements/intake.md": again})
        assert build_site(root).exit_code == 0
        page.goto(base + "acme/requirements/intake.html?after-approval")
        assert changed.count() == 0 and page.locator("#approve").count() == 0
        assert "Approved by Carl Client on November\u00a021,\u00a02026" in \
            page.locator(".signoff__state").inner_text()


# ---------------------------------------------------------------- with a form endpoint


@pytest.fixture
def forms_page(browser):
    """A page whose context accepts the test endpoint's self-signed certificate."""
    context = browser.new_context(ignore_https_errors=True)
    new_page = context.new_page()
    errors: list[str] = []
    new_page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    new_page.console_errors = errors  # type: ignore[attr-defined]
    yield new_page
    context.close()


def test_approve_and_ask_post_to_the_form_endpoint_and_nowhere_else(
        make_site, secrets, certificate, forms_page):
    page = forms_page
    with form_endpoint(certificate) as endpoint:
        root = make_site(talk_site(forms=endpoint.url))
        assert build_site(root).exit_code == 0
        with static_server(root / "output") as base:
            page.goto(base + "acme/scope.html")
            assert csp_of(page)["form-action"] == endpoint.origin
            page.select_option("#approval-by", "Carl Client")
            page.fill("#approval-email", "carl@acme.test")
            page.click("#approve")
            path, fields = endpoint.wait(1)[0]
            assert path == "/f/portal-forms"
            fingerprint = fingerprint_of(asking(SCOPE))
            assert fields == {
                "_subject": "Acme & Co: Approval: Scope of work", "kind": "approval",
                "ref": "Ref: acme/approval/scope",
                "client": "Acme & Co", "document": "Scope of work", "version": "1.0",
                "fingerprint": fingerprint, "by": "Carl Client", "email": "carl@acme.test",
                "message": "Hello,\r\n\r\nI approve this document as published in the portal:"
                           "\r\n\r\nDocument: Scope of work\r\nVersion 1.0\r\n"
                           f"Fingerprint: {fingerprint}\r\n\r\n"
                           "Ref: acme/approval/scope\r\n"}
            page.wait_for_url(endpoint.url)  # the endpoint's thank-you page

            page.goto(base + "acme/timeline.html")
            page.click("#launch .ask")
            page.wait_for_url(re.compile(r"/acme/contact\.html\?about=milestones/launch#question$"))
            assert page.locator("#question-about option:checked").inner_text() == \
                "Milestone: Launch"
            page.fill("#question-email", "carl@acme.test")
            page.fill("#question-message", "Can we move it a week?")
            page.click("#question button[type=submit]")
            assert endpoint.wait(2)[1][1] == {
                "_subject": "Acme & Co: question", "kind": "question",
                "ref": "Ref: acme/general", "client": "Acme & Co",
                "about": "milestones/launch", "email": "carl@acme.test",
                "message": "Can we move it a week?"}

            page.goto(base + "acme/index.html")
            page.check('input[name="nps"][value="9"]')
            page.check('input[name="csat"][value="4"]')
            page.fill("#survey-comment", "Faster replies, please.")
            page.click("#survey-send")
            assert page.evaluate("document.getElementById('survey-by').validity.valueMissing")
            page.select_option("#survey-by", "Carl Client")  # who answers must be chosen
            page.fill("#survey-email", "carl@acme.test")
            page.click("#survey-send")
            assert endpoint.wait(3)[2][1] == {
                "_subject": "Acme & Co: Satisfaction survey 2026-Q4", "kind": "satisfaction",
                "ref": "Ref: acme/survey/2026-Q4",
                "client": "Acme & Co", "round": "2026-Q4", "nps": "9", "csat": "4",
                "comment": "Faster replies, please.", "by": "Carl Client",
                "email": "carl@acme.test"}

            open_vault(page, base, "scope.html")  # the lock page's CSP allows the endpoint
            assert csp_of(page)["form-action"] == endpoint.origin
            page.select_option("#approval-by", "Vera Vault")
            page.fill("#approval-email", "vera@vault.test")
            page.click("#approve")
            assert endpoint.wait(4)[3][1]["fingerprint"] == fingerprint_of(asking(VAULT_SCOPE))
            assert endpoint.wait(4)[3][1]["by"] == "Vera Vault"
            headers = (root / "output" / "vault" / "_headers").read_text()
            assert f"form-action {endpoint.origin};" in headers
    assert page.console_errors == []


def test_the_csp_blocks_a_form_to_any_other_origin(make_site, secrets, certificate, forms_page,
                                                   tmp_path):
    page = forms_page
    with form_endpoint(certificate) as endpoint, form_endpoint(certificate) as other:
        root = make_site(talk_site(forms=endpoint.url))
        assert build_site(root).exit_code == 0
        with static_server(root / "output") as base:
            page.goto(base + "acme/contact.html")
            violation = page.evaluate("""(target) => new Promise(done => {
                document.addEventListener('securitypolicyviolation',
                    e => done(e.violatedDirective + ' ' + e.blockedURI));
                const form = document.createElement('form');
                form.method = 'post';
                form.action = target;
                document.body.appendChild(form);
                form.submit();
            })""", other.url)
            assert violation == f"form-action {other.url}"
            # No pause for a request that must not come: the event above is the browser
            # refusing it; then a form the policy allows, posted after it, arrives.
            page.evaluate("""(target) => {
                const form = document.createElement('form');
                form.method = 'post';
                form.action = target;
                form.innerHTML = '<input name="sent" value="after the refused one">';
                document.body.appendChild(form);
                form.submit();
            }""", endpoint.url)
            assert endpoint.wait(1)[0][1] == {"sent": "after the refused one"}
    assert other.posts == [] and len(endpoint.posts) == 1


# ---------------------------------------------------------------- the forms pass the checkers


def test_forms_pages_pass_axe_and_the_nu_html_checker(make_site, secrets, browser, tmp_path):
    """The example portals (checked by test_portal_quality.py) use e-mail; these are the pages
    with forms: the approval, question and survey forms, in a public and a password portal."""
    from quality import axe_source, missing_tools, run_axe, serious, vnu_messages, vnu_problems

    if missing_tools():
        pytest.fail(f"missing {', '.join(missing_tools())}: run `make test` (npm ci, apt)")
    root = make_site(talk_site(forms="https://forms.example.net/f/portal"))
    assert build_site(root).exit_code == 0
    pages = ["acme/index.html", "acme/scope.html", "acme/contact.html",
             "acme/requirements/intake.html", "acme/timeline.html"]
    errors, warnings = vnu_problems(vnu_messages([root / "output" / p for p in pages]),
                                    root / "output")
    assert (errors, warnings) == ([], [])
    found = []
    for width, scheme in [(1280, "light"), (375, "dark")]:
        context = browser.new_context(viewport={"width": width, "height": 900},
                                      color_scheme=scheme)
        context.add_init_script(script=axe_source())
        page = context.new_page()
        with static_server(root / "output") as base:
            for path in pages:
                page.goto(base + path)
                found += [f"{path} @ {width} {scheme}: {v}" for v in serious(run_axe(page))]
            open_vault(page, base, "scope.html")
            found += [f"vault/scope.html: {v}" for v in serious(run_axe(page))]
        context.close()
    assert found == []
