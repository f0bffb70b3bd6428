"""Questions and requests: "Ask about this" on every document, milestone, update and invoice, a
question form on the contact page where portal.yaml names a form endpoint (https only), the
CSP's form-action naming exactly that origin, and prefilled e-mails otherwise."""

from __future__ import annotations

import re
import textwrap
from html import unescape
from pathlib import Path

import pytest

from conftest import AS_OF, BASE_SITE, EXAMPLE_CONTENT, build_site, examples_without_pdfs, portal
from talk import decoded, text_of

PORTAL_YAML = textwrap.dedent(BASE_SITE["content/portal.yaml"]).lstrip("\n")
CLIENT_YAML = textwrap.dedent(BASE_SITE["content/acme/client.yaml"]).lstrip("\n")
ENDPOINT = "https://forms.example.net/f/xyzzy"


def ask_hrefs(html: str) -> list[str]:
    return [unescape(h) for h in re.findall(r'<a class="ask no-print" href="([^"]+)"', html)]


def csp(html: str) -> str:
    match = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', html)
    assert match
    return match.group(1)


# ---------------------------------------------------------------- portal check


@pytest.mark.parametrize(("changes", "expected"), [
    ({"content/portal.yaml": PORTAL_YAML + "forms: {action: http://forms.example.net/f/1}\n"},
     "content/portal.yaml:14: forms.action: 'http://forms.example.net/f/1' is not an https:// "
     "address (a form endpoint must use https: what the client writes travels over the "
     "internet)"),
    ({"content/portal.yaml": PORTAL_YAML + "forms:\n  action: mailto:ann@agency.test\n"},
     "content/portal.yaml:15: forms.action: 'mailto:ann@agency.test' is not an https:// address"),
    ({"content/acme/client.yaml": CLIENT_YAML + "forms: {action: 'ftp://x.test/'}\n"},
     "content/acme/client.yaml:13: forms.action: 'ftp://x.test/' is not an https:// address"),
    ({"content/portal.yaml": PORTAL_YAML + "forms: {action: 'https://me@forms.example.net/'}\n"},
     "content/portal.yaml:14: forms.action: 'https://me@forms.example.net/' is not an https://"),
    ({"content/portal.yaml": PORTAL_YAML + "forms: {url: https://forms.example.net/}\n"},
     "content/portal.yaml:14: unknown key 'forms.url'"),
])
def test_check_rejects_a_form_endpoint_that_is_not_https(make_site, monkeypatch, changes,
                                                          expected):
    root = make_site(changes)
    monkeypatch.chdir(root)
    result = portal("check", "--content", root / "content", "--as-of", AS_OF)
    assert result.exit_code == 1
    assert expected in result.output


# ---------------------------------------------------------------- the policy, per portal


@pytest.mark.parametrize(("endpoint", "source"), [
    (None, "'none'"),
    ("https://Forms.Example.net/f/1?x=1#y", "https://forms.example.net"),
    ("https://127.0.0.1:8443/f/portal", "https://127.0.0.1:8443"),
    ("https://formulär.example.se/f", "https://xn--formulr-bxa.example.se"),
])
def test_form_action_source_is_the_endpoints_origin(endpoint, source):
    from generator.web.headers import form_action_source

    assert form_action_source(endpoint) == source


def test_without_an_endpoint_nothing_is_posted_anywhere(make_site):
    root = make_site()
    assert build_site(root).exit_code == 0
    out = root / "output" / "acme"
    for page in out.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        assert "form-action 'none'" in csp(html) and "<form" not in html.replace(
            '<form class="filters"', ""), page
    assert "form-action 'none'; frame-ancestors" in (out / "_headers").read_text()


def test_form_action_is_the_endpoints_origin_and_a_client_can_opt_out(make_site):
    root = make_site({
        "content/portal.yaml": PORTAL_YAML + f"forms: {{action: '{ENDPOINT}?lang=en'}}\n",
        "content/other/client.yaml": CLIENT_YAML.replace("Acme & Co", "Other")
        .replace("  photo: files/ann.svg\n", "") + "forms: {}\n",
    })
    assert build_site(root).exit_code == 0
    acme, other = root / "output" / "acme", root / "output" / "other"
    for page in acme.rglob("*.html"):
        policy = csp(page.read_text(encoding="utf-8"))
        assert policy.endswith("; form-action https://forms.example.net"), page
        assert policy.count("forms.example.net") == 1
    for name in ("_headers", "_headers.nginx.conf"):
        text = (acme / name).read_text()
        assert "form-action https://forms.example.net; frame-ancestors 'none'" in text
        assert "form-action 'none'" in (other / name).read_text()
    contact = (acme / "contact.html").read_text(encoding="utf-8")
    assert f'<form class="talk-form" id="question" method="post" action="{ENDPOINT}?lang=en">' \
        in contact
    assert '<script src="assets/ask.js" defer></script>' in contact
    assert "Sent to us through forms.example.net." in text_of(acme / "contact.html")
    other_contact = (other / "contact.html").read_text(encoding="utf-8")
    assert "<form" not in other_contact and "ask.js" not in other_contact
    assert "mailto:ann@agency.test?subject=Other:%20question" in other_contact


# ---------------------------------------------------------------- ask about everything


@pytest.mark.parametrize("slug", ["kowalski-legal", "sakura-retail", "nordlys-saas",
                                  "hanbit-logistics"])
def test_every_document_milestone_update_and_invoice_can_be_asked_about(example, slug):
    folder = example / slug
    milestones = len(re.findall(r"^  - id:", (EXAMPLE_CONTENT / slug / "deadlines.yaml")
                                .read_text(encoding="utf-8"), re.M))
    updates = len([p for p in (EXAMPLE_CONTENT / slug / "updates").glob("*.md")
                   if p.name.count(".") == 1])
    assert len(ask_hrefs((folder / "timeline.html").read_text("utf-8"))) == milestones
    assert len(ask_hrefs((folder / "updates.html").read_text("utf-8"))) == updates
    for page in ["scope.html", *(f"requirements/{p.name}" for p in (folder / "requirements")
                                 .glob("*.html")),
                 *(f"invoices/{p.name}" for p in (folder / "invoices").glob("*.html"))]:
        hrefs = ask_hrefs((folder / page).read_text("utf-8"))
        assert len(hrefs) == 1 and hrefs[0].startswith("mailto:"), page


# portal: (page, link text, decoded subject, how the decoded body starts) of one "Ask about
# this": the greeting, room to write, and the reference `portal inbox` reads
ASK = {
    "kowalski-legal": ("timeline.html", "Zapytaj o to",
                       "Kowalski i Wspólnicy: Pytanie – Kamień milowy: Decyzja o zakupie "
                       "licencji DMS",
                       "Dzień dobry,\n\n\nRef: kowalski-legal/milestones/"),
    "nordlys-saas": ("invoices/2026-11.html", "Fråga om detta",
                     "Nordlys: Fråga – Faktura INV-2026-1116",
                     "Hej,\n\n\nRef: nordlys-saas/invoices/2026-11"),
    "sakura-retail": ("scope.html", "これについて質問する",
                      "さくらリテール: お問い合わせ – 業務範囲：ECサイト刷新プロジェクト 業務範囲記述書",
                      "お世話になっております。\n\n\nRef: sakura-retail/scope"),
    "hanbit-logistics": ("requirements/dashboard-ux.html", "이 항목 문의하기",
                         "한빛로지스틱스: 문의 – 요구사항: 대시보드 화면 구성",
                         "안녕하세요.\n\n\n"
                         "Ref: hanbit-logistics/requirements/dashboard-ux"),
}


@pytest.mark.parametrize("slug", list(ASK))
def test_questions_are_prefilled_in_the_portals_language(example, slug):
    page, label, subject, body = ASK[slug]
    html = (example / slug / page).read_text(encoding="utf-8")
    assert f">{label}</a>" in html
    found = [decoded(href) for href in ask_hrefs(html)]
    assert found[0][0].endswith("@meridianvale.eu")
    assert any(fields["subject"] == subject and fields["body"].startswith(body)
               and fields["cc"] == "portal@meridianvale.eu" for _, fields in found)


# language: what the contact page's question form says (with a form endpoint)
FORM_TEXT = {
    "en": ["What is it about?", "A general question", "Your e-mail address", "Your question",
           "Send your question", "Sent to us through forms.example.net."],
    "pl": ["Czego dotyczy pytanie?", "Pytanie ogólne", "Adres e-mail", "Treść pytania",
           "Wyślij pytanie", "Wysyłane do nas za pośrednictwem forms.example.net."],
    "sv": ["Vad gäller det?", "En allmän fråga", "Din e-postadress", "Din fråga",
           "Skicka frågan", "Skickas till oss via forms.example.net."],
    "ja": ["お問い合わせの対象", "全般的なご質問", "メールアドレス", "ご質問内容",
           "質問を送信する", "forms.example.net を経由して当社に送信されます。"],
    "ko": ["문의 대상", "일반 문의", "이메일 주소", "문의 내용", "문의 보내기",
           "forms.example.net을(를) 통해 전달됩니다."],
}


@pytest.fixture(scope="module")
def examples_with_forms(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("forms")
    content = examples_without_pdfs(folder)  # the forms' pages, not the invoices' PDFs
    with (content / "portal.yaml").open("a", encoding="utf-8") as config:
        config.write(f"forms: {{action: '{ENDPOINT}'}}\n")
    result = portal("build", "--content", content, "--out", folder / "output", "--as-of", AS_OF)
    assert result.exit_code == 0, result.output
    return folder / "output"


@pytest.mark.parametrize(("lang", "page"), [
    ("en", "sakura-retail/en/contact.html"), ("pl", "kowalski-legal/contact.html"),
    ("sv", "nordlys-saas/contact.html"), ("ja", "sakura-retail/contact.html"),
    ("ko", "hanbit-logistics/contact.html")])
def test_the_question_form_reads_in_the_portals_language(examples_with_forms, lang, page):
    text = text_of(examples_with_forms / page)
    assert [s for s in FORM_TEXT[lang] if s not in text] == []


def test_ask_links_lead_to_the_contact_form_with_the_topic_in_it(examples_with_forms):
    folder = examples_with_forms / "kowalski-legal"
    contact = (folder / "contact.html").read_text(encoding="utf-8")
    keys = set(re.findall(r'<option value="([^"]+)" data-key="\1">', contact))
    linked = set()
    for page in folder.rglob("*.html"):
        for href in ask_hrefs(page.read_text(encoding="utf-8")):
            match = re.fullmatch(r"(?:\.\./)?contact\.html\?about=([^#]+)#question", href)
            assert match, (page, href)
            linked.add(match.group(1))
    assert linked == keys and len(keys) > 20
    assert '<option value="milestones/decyzja-licencje" data-key="milestones/decyzja-licencje">' \
           'Kamień milowy: Decyzja o zakupie licencji DMS</option>' in contact
