"""Sign-off with proof: documents ask for approval, the approval message names the document's
version and fingerprint, the agency records it, and the portal, the overview and `portal
report` say what is approved, what changed since, and what waits."""

from __future__ import annotations

import json
import re

import pytest

from conftest import AS_OF, build_site, portal
from talk import (
    INTAKE,
    SCOPE,
    approval,
    asking,
    body_of,
    fingerprint_of,
    mailto_of,
    text_of,
    with_front_matter,
)

# ---------------------------------------------------------------- the fingerprint


def test_the_fingerprint_is_sha256_of_the_text_below_the_front_matter(make_site):
    from generator.content.signoff import fingerprint

    root = make_site({"content/acme/scope.md": asking(SCOPE)})
    assert build_site(root).exit_code == 0
    expected = fingerprint_of(asking(SCOPE))
    assert expected == fingerprint(body_of(SCOPE))  # front matter is not part of it
    html = (root / "output/acme/scope.html").read_text(encoding="utf-8")
    _, fields = mailto_of(html, "approve")
    assert f"Fingerprint: {expected}\n" in fields["body"]
    assert f"Fingerprint: {expected[7:19]}" in text_of(root / "output/acme/scope.html")
    # CRLF line ends give the same fingerprint (git may check files out either way)
    assert fingerprint(body_of(SCOPE).replace("\n", "\r\n")) == expected


def test_approve_opens_a_prefilled_message_to_the_account_manager(make_site):
    root = make_site({"content/acme/requirements/intake.md": asking(INTAKE)})
    assert build_site(root).exit_code == 0
    page = root / "output/acme/requirements/intake.html"
    address, fields = mailto_of(page.read_text(encoding="utf-8"), "approve")
    assert address == "ann@agency.test"
    assert fields["subject"] == "Acme & Co: Approval: Client intake"
    assert fields["body"] == (
        "Hello,\n\nI approve this document as published in the portal:\n\n"
        "Document: Client intake\nVersion 0.3\n"
        f"Fingerprint: {fingerprint_of(INTAKE)}\n\nRef: acme/approval/requirements/intake\n")
    text = text_of(page)
    assert "Please review this version and approve it if it is right." in text
    assert "Changed since approval" not in text
    overview = text_of(root / "output/acme/index.html")
    assert "Awaiting your approval Version 0.3 Client intake Approval requested" in overview


def test_approved_changed_and_approved_again(make_site):
    current = fingerprint_of(INTAKE)
    approved = asking(INTAKE, approval("Carl Client", "2026-11-02", "0.3", current))
    root = make_site({"content/acme/requirements/intake.md": approved})
    assert build_site(root).exit_code == 0
    page = root / "output/acme/requirements/intake.html"
    text = text_of(page)
    assert "Approved Approved by Carl Client on November 2, 2026 · Version 0.3" in text
    assert 'id="approve"' not in page.read_text(encoding="utf-8")
    assert "Awaiting your approval" not in text_of(root / "output/acme/index.html")

    edited = approved.replace("Capture new clients.", "Capture new clients and their files.")
    root = make_site({"content/acme/requirements/intake.md": edited})
    assert build_site(root).exit_code == 0
    text = text_of(page)
    assert ("Changed since approval Carl Client approved an earlier version on November 2, "
            "2026; this version has not been approved yet.") in text
    _, fields = mailto_of(page.read_text(encoding="utf-8"), "approve")
    assert f"Fingerprint: {fingerprint_of(edited)}\n" in fields["body"]
    assert "Awaiting your approval" in text_of(root / "output/acme/index.html")

    again = edited.replace(
        "approvals:\n", "approvals:\n" + approval("carl@acme.test", "2026-11-20", "0.4",
                                                  fingerprint_of(edited)) + "\n")
    root = make_site({"content/acme/requirements/intake.md": again})
    assert build_site(root).exit_code == 0
    text = text_of(page)
    assert "Changed since approval" not in text
    assert "Approved by carl@acme.test on November 20, 2026 · Version 0.4" in text
    history = text.split("History of approvals", 1)[1]
    assert history.index("Nov 20, 2026") < history.index("Nov 2, 2026")  # newest first


def test_documents_without_approval_show_nothing_of_it(make_site):
    root = make_site()
    assert build_site(root).exit_code == 0
    for page in ("scope.html", "requirements/intake.html", "index.html"):
        html = (root / "output/acme" / page).read_text(encoding="utf-8")
        assert 'id="approval"' not in html and "Awaiting your approval" not in html


# ---------------------------------------------------------------- portal check


@pytest.mark.parametrize(("document", "expected"), [
    (asking(INTAKE, approval("Mallory", "2026-11-02", "0.3", "sha256:" + "a" * 64)),
     "content/acme/requirements/intake.md:9: approval 1, by: 'Mallory' is not one of the "
     "client's contacts (client.yaml)"),
    (asking(INTAKE, approval("Carl Clinet", "2026-11-02", "0.3", "sha256:" + "a" * 64)),
     "content/acme/requirements/intake.md:9: approval 1, by: 'Carl Clinet' is not one of the "
     "client's contacts (client.yaml) (did you mean 'Carl Client'?)"),
    (asking(INTAKE, approval("Carl Client", "2026-11-02", "0.3", "sha256:abc123")),
     "content/acme/requirements/intake.md:9: approval 1, fingerprint: 'sha256:abc123' is not a "
     "fingerprint: 'sha256:' and 64 hexadecimal digits, copied whole from the approval message"),
    (asking(INTAKE, approval("Carl Client", "2026-11-02", "0.3", "a" * 64)),
     "content/acme/requirements/intake.md:9: approval 1, fingerprint: "
     f"'{'a' * 64}' is not a fingerprint"),
    (with_front_matter(INTAKE, "approval: yes"),
     "content/acme/requirements/intake.md:7: approval: 'yes' is not one of none, required"),
])
def test_check_rejects_bad_approvals_with_file_and_line(make_site, monkeypatch, document,
                                                       expected):
    root = make_site({"content/acme/requirements/intake.md": document})
    monkeypatch.chdir(root)
    result = portal("check", "--content", root / "content", "--as-of", AS_OF)
    assert result.exit_code == 1
    assert expected in result.output
    assert build_site(root).exit_code == 1


def test_an_approval_by_a_contacts_name_or_address_is_accepted(make_site):
    fingerprint = fingerprint_of(INTAKE)
    root = make_site({"content/acme/requirements/intake.md": asking(
        INTAKE, approval("Carl Client", "2026-11-02", "0.3", fingerprint),
        approval("CARL@acme.test", "2026-11-03", "0.3", fingerprint.upper().replace("SHA", "sha")))})
    result = portal("check", "--content", root / "content", "--as-of", AS_OF)
    assert result.exit_code == 0, result.output


# ---------------------------------------------------------------- the agency's side


def test_overview_and_report_count_documents_awaiting_approval(make_site):
    root = make_site({"content/acme/scope.md": asking(SCOPE),
                      "content/acme/requirements/intake.md": asking(INTAKE)})
    assert build_site(root).exit_code == 0
    agency = text_of(root / "output/_agency/index.html")
    assert "Awaiting the client's approval 2 documents Acme & Co Scope of work · Client intake" \
        in agency
    result = portal("report", "--content", root / "content", "--as-of", AS_OF, "--format", "json")
    assert json.loads(result.output)["clients"][0]["awaiting_approval"] == [
        "Scope of work", "Client intake"]
    table = portal("report", "--content", root / "content", "--as-of", AS_OF).output
    header, row = table.splitlines()[1:3]
    column = header.index("awaiting approval")
    assert row[column:].split()[0] == "2"
    csv = portal("report", "--content", root / "content", "--as-of", AS_OF, "--format", "csv")
    head, line = csv.output.splitlines()[:2]
    assert dict(zip(head.split(","), line.split(","), strict=True))["awaiting_approval"] == "2"


def test_agency_overview_says_when_nothing_waits(make_site):
    root = make_site()
    assert build_site(root).exit_code == 0
    assert "No document is awaiting approval." in text_of(root / "output/_agency/index.html")


# ---------------------------------------------------------------- every language


# portal, page: the sign-off as a native reader sees it (the example content asks for approval
# in each portal: approved, awaiting, changed since approval)
SIGN_OFF_TEXT = {
    ("kowalski-legal", "scope.html"): [
        "Zatwierdzenie", "Zatwierdzony Zatwierdzony przez: Anna Kowalska, 12 czerwca 2026 · "
        "Wersja 1.2", "Skrót dokumentu: 0382e237dc01", "Historia zatwierdzeń",
        "Zapytaj o to"],
    ("kowalski-legal", "requirements/konflikt-interesow.html"): [
        "Prosimy o zapoznanie się z tą wersją i jej zatwierdzenie, jeśli jest poprawna.",
        "Zatwierdź tę wersję"],
    ("kowalski-legal", "index.html"): [
        "Czeka na Państwa zatwierdzenie Wersja 0.9", "Prośba o zatwierdzenie"],
    ("nordlys-saas", "scope.html"): [
        "Godkännande", "Ändrad sedan godkännandet Elin Sandberg godkände en tidigare version "
        "den 19 juni 2026; den här versionen är ännu inte godkänd.", "Godkänn den här versionen",
        "Fingeravtryck: f29a1e5936b5", "Godkännandehistorik", "Fråga om detta"],
    ("nordlys-saas", "index.html"): ["Väntar på ditt godkännande", "Godkännande begärt"],
    ("sakura-retail", "scope.html"): [
        "承認 承認済み 高橋 健一様が2026年10月9日に承認 · バージョン 1.2",
        "フィンガープリント：112277a95c0f", "承認履歴", "これについて質問する"],
    ("sakura-retail", "requirements/store-inventory.html"): [
        "この版の内容をご確認のうえ、問題がなければ承認をお願いいたします。", "この版を承認する"],
    ("sakura-retail", "index.html"): ["承認待ちの文書", "承認依頼中"],
    ("sakura-retail", "en/requirements/store-inventory.html"): [
        "Please review this version and approve it if it is right.",
        "Your approval applies to the original document (Japanese).", "Approve this version"],
    ("hanbit-logistics", "scope.html"): [
        "승인 승인됨 정민호님이 2026년 7월 17일에 승인함 · 버전 1.1", "핑거프린트: af1e55f0dd69",
        "승인 이력", "이 항목 문의하기"],
    ("hanbit-logistics", "requirements/dashboard-ux.html"): [
        "이 버전의 내용을 검토하시고 이상이 없으면 승인해 주십시오.", "이 버전 승인하기"],
    ("hanbit-logistics", "index.html"): ["승인 대기 중인 문서", "승인 요청"],
}


@pytest.mark.parametrize(("slug", "page"), list(SIGN_OFF_TEXT))
def test_sign_off_reads_in_the_portals_language(example, slug, page):
    text = text_of(example / slug / page)
    assert [s for s in SIGN_OFF_TEXT[(slug, page)] if s not in text] == []


# portal, document page: (subject, body) of the approval message, in the portal's language
APPROVAL_MESSAGES = {
    ("kowalski-legal", "requirements/konflikt-interesow.html"): (
        "Kowalski i Wspólnicy: Zatwierdzenie: Sprawdzenie konfliktu interesów",
        "Dzień dobry,\n\nZatwierdzam poniższy dokument w wersji opublikowanej w portalu:\n\n"
        "Dokument: Sprawdzenie konfliktu interesów\nWersja 0.9\nSkrót dokumentu: sha256:"),
    ("nordlys-saas", "scope.html"): (
        "Nordlys: Godkännande: Uppdragsbeskrivning — SOC 2-beredskap och ny prisstrategi",
        "Hej,\n\nJag godkänner detta dokument så som det är publicerat i portalen:\n\n"
        "Dokument: Uppdragsbeskrivning — SOC 2-beredskap och ny prisstrategi\nVersion 2.0\n"
        "Fingeravtryck: sha256:"),
    ("sakura-retail", "requirements/store-inventory.html"): (
        "さくらリテール: 承認：店舗在庫連携",
        "お世話になっております。\n\nポータルに掲載されている以下の文書を承認します。\n\n"
        "文書：店舗在庫連携\nバージョン 0.2\nフィンガープリント：sha256:"),
    ("hanbit-logistics", "requirements/dashboard-ux.html"): (
        "한빛로지스틱스: 승인: 대시보드 화면 구성",
        "안녕하세요.\n\n포털에 게시된 다음 문서를 승인합니다.\n\n문서: 대시보드 화면 구성\n버전 0.6\n"
        "핑거프린트: sha256:"),
}


@pytest.mark.parametrize(("slug", "page"), list(APPROVAL_MESSAGES))
def test_approval_messages_are_in_the_portals_language(example, slug, page):
    subject, body = APPROVAL_MESSAGES[(slug, page)]
    _, fields = mailto_of((example / slug / page).read_text(encoding="utf-8"), "approve")
    assert fields["subject"] == subject
    assert fields["body"].startswith(body)
    assert re.search(r"sha256:[0-9a-f]{64}\n\nRef: [a-z-]+/approval/[a-z/-]+\n$",
                     fields["body"])
