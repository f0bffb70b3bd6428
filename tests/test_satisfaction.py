"""Satisfaction: the survey on the overview on portal.yaml's schedule (monthly, quarterly,
after a milestone is done) until answered, the answers in satisfaction.yaml (checked with file
and line), and the latest score, its trend and the agency's NPS on the agency overview and in
`portal report`."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from conftest import AS_OF, BASE_SITE, EXAMPLE_CONTENT, portal
from talk import decoded, text_of

PORTAL_YAML = textwrap.dedent(BASE_SITE["content/portal.yaml"]).lstrip("\n")


def build(root: Path, as_of: str = AS_OF) -> None:
    result = portal("build", "--content", root / "content", "--out", root / "output",
                    "--as-of", as_of)
    assert result.exit_code == 0, result.output


def scheduled(schedule: str, days: int = 14) -> dict[str, str]:
    return {"content/portal.yaml": PORTAL_YAML + f"satisfaction: {{schedule: {schedule}, "
                                                 f"days: {days}}}\n"}


def answers(*lines: str) -> dict[str, str]:
    return {"content/acme/satisfaction.yaml": "answers:\n" + "".join(f"  - {x}\n" for x in lines)}


def survey_mail(root: Path) -> dict[str, str] | None:
    html = (root / "output/acme/index.html").read_text(encoding="utf-8")
    if 'id="survey"' not in html:
        return None
    href = html.split('id="survey-send" href="', 1)[1].split('"', 1)[0]
    return decoded(href.replace("&amp;", "&"))[1]


# ---------------------------------------------------------------- when the survey is offered


@pytest.mark.parametrize(("schedule", "days", "as_of", "round_name"), [
    ("quarterly", 14, "2026-10-01", "2026-Q4"),
    ("quarterly", 14, "2026-10-14", "2026-Q4"),
    ("quarterly", 14, "2026-10-15", None),
    ("quarterly", 60, "2026-11-23", "2026-Q4"),
    ("monthly", 14, "2026-11-10", "2026-11"),
    ("monthly", 7, "2026-11-10", None),
    ("after-milestone", 14, "2026-09-01", "after-kickoff"),  # kickoff: done, due 2026-09-01
    ("after-milestone", 14, "2026-09-14", "after-kickoff"),
    ("after-milestone", 14, "2026-09-15", None),
    ("after-milestone", 14, "2026-08-31", None),
    ("[monthly, quarterly]", 14, "2026-10-02", "2026-10"),  # the first on offer wins
    ("[]", 92, "2026-10-02", None),
])
def test_the_survey_is_offered_on_schedule(make_site, schedule, days, as_of, round_name):
    root = make_site(scheduled(schedule, days))
    build(root, as_of)
    mail = survey_mail(root)
    assert (mail and mail["body"].rsplit("Survey: ", 1)[1].split("\n")[0]) == (round_name or None)
    assert (mail and mail["body"].rsplit("Ref: acme/survey/", 1)[1].strip()) == \
        (round_name or None)


def test_an_answer_ends_the_offer(make_site):
    root = make_site({**scheduled("quarterly", 60),
                      **answers("{on: 2026-07-02, nps: 8, round: 2026-Q3}")})
    build(root)
    assert survey_mail(root) is not None  # Q3 answered, Q4 not
    root = make_site(answers("{on: 2026-07-02, nps: 8, round: 2026-Q3}",
                             "{on: 2026-12-20, csat: 4, round: 2026-Q4}"))
    build(root)
    assert survey_mail(root) is None  # named its round (recorded late)
    root = make_site(answers("{on: 2026-10-20, nps: 9}"))
    build(root)
    assert survey_mail(root) is None  # no round named, but given while it was on offer


def test_after_a_milestone_the_survey_names_it(make_site):
    root = make_site(scheduled("after-milestone"))
    build(root, "2026-09-03")
    assert "“Kickoff” is done. How did it go?" in text_of(root / "output/acme/index.html")


def test_the_survey_mail_asks_the_three_questions(make_site):
    root = make_site(scheduled("quarterly", 60))
    build(root)
    assert survey_mail(root) == {
        "subject": "Acme & Co: Satisfaction survey 2026-Q4",
        "body": "Hello,\n\n"
                "How likely are you to recommend Test Agency to a colleague?\n"
                "(0 = not at all likely, 10 = extremely likely)\nAnswer: \n\n"
                "How satisfied are you with our work overall?\n"
                "(1 = very dissatisfied, 5 = very satisfied)\nAnswer: \n\n"
                "What could we do better?\n\n\n"
                "Survey: 2026-Q4\n\nRef: acme/survey/2026-Q4\n"}


def test_with_a_form_endpoint_the_survey_is_a_form(make_site):
    root = make_site({"content/portal.yaml": PORTAL_YAML + "satisfaction: {schedule: quarterly,"
                      " days: 60}\nforms: {action: 'https://forms.example.net/f/1'}\n"})
    build(root)
    html = (root / "output/acme/index.html").read_text(encoding="utf-8")
    form = html.split('<section class="survey"', 1)[1].split("</section>", 1)[0]
    assert '<form class="talk-form" method="post" action="https://forms.example.net/f/1">' in form
    assert form.count('type="radio" name="nps"') == 11 and form.count('name="csat"') == 5
    assert '<input type="hidden" name="round" value="2026-Q4">' in form
    assert '<textarea id="survey-comment" name="comment"' in form


# ---------------------------------------------------------------- satisfaction.yaml


@pytest.mark.parametrize(("changes", "expected"), [
    (answers("{on: 2026-07-02, nps: 11}"),
     "content/acme/satisfaction.yaml:2: answer 1, nps: Input should be less than or equal to 10"),
    (answers("{on: 2026-07-02, csat: 0}"),
     "content/acme/satisfaction.yaml:2: answer 1, csat: Input should be greater than or equal "
     "to 1"),
    (answers("{on: 2026-07-02, nps: 8}", "{on: 2026-08-02, comment: Great}"),
     "content/acme/satisfaction.yaml:3: answer 2: give nps, csat or both"),
    (answers("{on: 2026-07-02, nps: 8, by: Mallory}"),
     "content/acme/satisfaction.yaml:2: answer 1, by: 'Mallory' is not one of the client's "
     "contacts (client.yaml)"),
    (answers("{on: 2026-07-02, nps: 8, score: 3}"),
     "content/acme/satisfaction.yaml:2: unknown key 'score' in answer 1"),
    ({"content/portal.yaml": PORTAL_YAML + "satisfaction: {schedule: yearly}\n"},
     "content/portal.yaml:14: satisfaction.schedule: 'yearly' is not one of monthly, "
     "quarterly, after-milestone"),
])
def test_check_rejects_bad_answers_and_schedules(make_site, monkeypatch, changes, expected):
    root = make_site(changes)
    monkeypatch.chdir(root)
    result = portal("check", "--content", root / "content", "--as-of", AS_OF)
    assert result.exit_code == 1
    assert expected in result.output


def test_answers_by_a_contacts_name_or_address_are_accepted(make_site):
    root = make_site(answers("{on: 2026-07-02, nps: 8, by: Carl Client}",
                             "{on: 2026-10-02, csat: 5, by: CARL@acme.test, comment: 'Fine'}"))
    assert portal("check", "--content", root / "content", "--as-of", AS_OF).exit_code == 0


# ---------------------------------------------------------------- what the agency sees


def test_net_promoter_score():
    from generator.content.satisfaction import net_promoter_score

    assert net_promoter_score([]) is None
    assert net_promoter_score([10, 9, 8, 7, 6]) == 20  # 2 promoters, 1 detractor of 5
    assert net_promoter_score([0, 6, 9]) == -33
    assert net_promoter_score([9, 9, 7]) == 67  # 66.67 rounds half up
    assert net_promoter_score([10]) == 100


def test_agency_overview_and_report_show_latest_score_trend_and_agency_nps(example):
    agency = text_of(example / "_agency/index.html")
    assert ("Client satisfaction Agency NPS: +33 (the latest answer of each client; promoters "
            "9–10 minus detractors 0–6)") in agency
    assert "Kowalski i Wspólnicy 9 5 ↑ up Oct 6, 2026" in agency
    assert "Nordlys 6 3 ↓ down Jul 2, 2026" in agency
    assert "さくらリテール 10 5 — Jul 6, 2026" in agency
    report = json.loads(portal("report", "--content", EXAMPLE_CONTENT, "--as-of", AS_OF,
                               "--format", "json").output)
    assert report["agency_nps"] == 33
    scores = {c["slug"]: c["satisfaction"] for c in report["clients"]}
    assert scores == {
        "kowalski-legal": {"on": "2026-10-06", "nps": 9, "csat": 5, "trend": "up"},
        "nordlys-saas": {"on": "2026-07-02", "nps": 6, "csat": 3, "trend": "down"},
        "sakura-retail": {"on": "2026-07-06", "nps": 10, "csat": 5, "trend": None},
        "hanbit-logistics": None}
    table = portal("report", "--content", EXAMPLE_CONTENT, "--as-of", AS_OF).output
    assert table.splitlines()[-1] == "agency NPS: +33 (3 clients)"
    assert table.splitlines()[2].endswith("9 / 5 ↑")
    csv = portal("report", "--content", EXAMPLE_CONTENT, "--as-of", AS_OF, "--format", "csv")
    assert csv.output.splitlines()[0].endswith(",nps,csat,trend,answered_on")
    assert csv.output.splitlines()[2].endswith(",6,3,down,2026-07-02")


def test_without_answers_the_agency_overview_says_so(make_site):
    root = make_site()
    build(root)
    assert "No survey answers yet." in text_of(root / "output/_agency/index.html")
    assert portal("report", "--content", root / "content", "--as-of", AS_OF).output \
        .splitlines()[-1] == "agency NPS: none (no survey answers)"


# ---------------------------------------------------------------- every language


# page: what the survey says there (the example agency asks each quarter, for 60 days)
SURVEY_TEXT = {
    "sakura-retail/en/index.html": [
        "How are we doing?",
        "It takes a minute, and tells us what to keep and what to improve.", "Answer by e-mail"],
    "sakura-retail/index.html": [
        "当社の対応はいかがですか？", "1分ほどで終わります。今後の改善に役立てます。", "メールで回答する"],
    "nordlys-saas/index.html": [
        "Hur tycker du att samarbetet går?",
        "Det tar en minut och visar oss vad vi ska behålla och vad vi ska förbättra.",
        "Svara via e-post"],
    "hanbit-logistics/index.html": [
        "저희 서비스는 어떠셨나요?", "1분이면 충분하며, 더 나은 서비스를 위해 활용하겠습니다.", "이메일로 답변하기"],
}

SURVEY_MAIL = {
    "sakura-retail/index.html": (
        "さくらリテール: 満足度アンケート 2026-Q4",
        "お世話になっております。\n\nMeridian & Vale Advisoryを同僚に薦める可能性はどのくらいありますか？\n"
        "(0＝まったく薦めない、10＝ぜひ薦めたい)\n回答： \n\n"
        "当社の業務に全体としてどの程度ご満足いただいていますか？\n(1＝非常に不満、5＝非常に満足)\n回答： \n\n"
        "改善すべき点があればお聞かせください。\n\n\nアンケート：2026-Q4\n\nRef: sakura-retail/survey/2026-Q4\n"),
    "nordlys-saas/index.html": (
        "Nordlys: Nöjdhetsenkät 2026-Q4",
        "Hej,\n\nHur troligt är det att du skulle rekommendera Meridian & Vale Advisory till en "
        "kollega?\n(0 = inte alls troligt, 10 = mycket troligt)\nSvar: \n\n"
        "Hur nöjd är du med vårt arbete överlag?\n(1 = mycket missnöjd, 5 = mycket nöjd)\n"
        "Svar: \n\nVad kan vi göra bättre?\n\n\nEnkät: 2026-Q4\n\nRef: nordlys-saas/survey/2026-Q4\n"),
    "hanbit-logistics/index.html": (
        "한빛로지스틱스: 만족도 설문 2026-Q4",
        "안녕하세요.\n\nMeridian & Vale Advisory을(를) 동료에게 추천하실 가능성은 어느 정도입니까?\n"
        "(0 = 전혀 추천하지 않음, 10 = 매우 추천함)\n답변: \n\n저희 업무에 전반적으로 얼마나 만족하십니까?\n"
        "(1 = 매우 불만족, 5 = 매우 만족)\n답변: \n\n개선할 점이 있다면 알려 주십시오.\n\n\n설문: 2026-Q4\n\nRef: hanbit-logistics/survey/2026-Q4\n"),
}


@pytest.mark.parametrize("page", list(SURVEY_TEXT))
def test_the_survey_reads_in_the_portals_language(example, page):
    text = text_of(example / page)
    assert [s for s in SURVEY_TEXT[page] if s not in text] == []


@pytest.mark.parametrize("page", list(SURVEY_MAIL))
def test_the_survey_mail_is_in_the_portals_language(example, page):
    html = (example / page).read_text(encoding="utf-8")
    href = html.split('id="survey-send" href="', 1)[1].split('"', 1)[0]
    subject, body = SURVEY_MAIL[page]
    fields = decoded(href.replace("&amp;", "&"))[1]
    assert fields == {"subject": subject, "body": body, "cc": "portal@meridianvale.eu"}


def test_polish_survey_with_a_form_endpoint(make_site, tmp_path):
    """kowalski-legal answered this quarter: its survey is shown here with a form, in Polish."""
    root = make_site({
        "content/portal.yaml": PORTAL_YAML + "satisfaction: {schedule: after-milestone}\n"
                                             "forms: {action: 'https://forms.example.net/f/1'}\n",
        "content/acme/client.yaml": textwrap.dedent(BASE_SITE["content/acme/client.yaml"])
        .replace("locale: en", "locale: pl")})
    build(root, "2026-09-02")
    text = text_of(root / "output/acme/index.html")
    for expected in ["Jak oceniają Państwo naszą współpracę?",
                     "Etap „Kickoff” został zakończony. Jak oceniają Państwo jego przebieg?",
                     "Jak prawdopodobne jest, że polecą Państwo Test Agency współpracownikom?",
                     "0 = zdecydowanie nie, 10 = zdecydowanie tak",
                     "Jak oceniają Państwo naszą pracę ogółem?", "1 = bardzo źle, 5 = bardzo dobrze",
                     "Co możemy robić lepiej?", "Imię i nazwisko", "Wyślij odpowiedzi",
                     "Wysyłane do nas za pośrednictwem forms.example.net."]:
        assert expected in text
