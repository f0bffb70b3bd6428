"""The client's view, without a browser: the overview's three answers and one list of recent
changes, relative days and times in each language, rendered text in excerpts and calendars,
locale codes that are country codes, and every new message written out in five languages.
(The layout on a phone, links within a language and the lock screen are checked in Chromium:
tests/test_portal_quality.py and tests/test_browser_lock.py.)"""

from __future__ import annotations

import datetime as dt
import re
from html import unescape
from pathlib import Path

import pytest

from conftest import AS_OF, EXAMPLE_CONTENT, build_site, portal
from generator.render.i18n import Formatter, load_translations
from generator.render.theme import DEFAULT_THEME
from gitrepo import commit, init_repo

LANGUAGES = ["en", "ja", "ko", "pl", "sv"]


def text_of(path: Path) -> str:
    """A page's text, tags removed, no-break spaces made plain."""
    return text_of_html(path.read_text(encoding="utf-8"))

# Every message this issue added, as a native reader sees it: (msgid, plural or None, count,
# variables) -> the text in en, ja, ko, pl, sv.
MESSAGES: dict[tuple[str, str | None, int, tuple[tuple[str, str], ...]], dict[str, str]] = {
    ("Due %(date)s", None, 1, (("date", "D"),)): {
        "en": "Due D", "ja": "お支払期限 D", "ko": "지급 기한 D", "pl": "Termin płatności: D",
        "sv": "Förfaller den D"},
    ("See %(num)d open invoice", "See %(num)d open invoices", 2, ()): {
        "en": "See 2 open invoices", "ja": "未払いの請求書2件を見る", "ko": "미결제 청구서 2건 보기",
        "pl": "Zobacz 2 nieopłacone faktury", "sv": "Visa 2 obetalda fakturor"},
    ("Changes in the last 30 days", None, 1, ()): {
        "en": "Changes in the last 30 days", "ja": "過去30日間の変更", "ko": "최근 30일간 변경",
        "pl": "Zmiany z ostatnich 30 dni", "sv": "Ändringar de senaste 30 dagarna"},
    ("Changed since your last visit", None, 1, ()): {
        "en": "Changed since your last visit", "ja": "前回の閲覧以降の変更",
        "ko": "지난 방문 이후 변경", "pl": "Zmiany od Twojej ostatniej wizyty",
        "sv": "Ändrat sedan ditt senaste besök"},
    ("See what changed", None, 1, ()): {
        "en": "See what changed", "ja": "変更内容を見る", "ko": "변경 내용 보기",
        "pl": "Zobacz, co się zmieniło", "sv": "Se vad som har ändrats"},
    ("Recent changes", None, 1, ()): {
        "en": "Recent changes", "ja": "最近の変更", "ko": "최근 변경 사항", "pl": "Ostatnie zmiany",
        "sv": "Senaste ändringar"},
    ("%(num)d item changed together", "%(num)d items changed together", 5, ()): {
        "en": "5 items changed together", "ja": "5件をまとめて更新", "ko": "5건 일괄 변경",
        "pl": "Jednocześnie zmieniono 5 elementów", "sv": "5 objekt ändrades samtidigt"},
    ("%(num)d item changed together", "%(num)d items changed together", 22, ()): {
        "en": "22 items changed together", "ja": "22件をまとめて更新", "ko": "22건 일괄 변경",
        "pl": "Jednocześnie zmieniono 22 elementy", "sv": "22 objekt ändrades samtidigt"},
    ("Nothing changed in the last 30 days.", None, 1, ()): {
        "en": "Nothing changed in the last 30 days.", "ja": "過去30日間に変更はありません。",
        "ko": "최근 30일간 변경 사항이 없습니다.", "pl": "W ostatnich 30 dniach nic się nie zmieniło.",
        "sv": "Inget har ändrats de senaste 30 dagarna."},
    ("All updates", None, 1, ()): {
        "en": "All updates", "ja": "すべての更新情報", "ko": "모든 업데이트",
        "pl": "Wszystkie aktualności", "sv": "Alla uppdateringar"},
    ("%(num)d requirement", "%(num)d requirements", 1, ()): {
        "en": "1 requirement", "ja": "要件定義1件", "ko": "요구사항 1건", "pl": "1 wymaganie",
        "sv": "1 krav"},
    ("%(num)d requirement", "%(num)d requirements", 5, ()): {
        "en": "5 requirements", "ja": "要件定義5件", "ko": "요구사항 5건", "pl": "5 wymagań",
        "sv": "5 krav"},
    ("%(num)d update", "%(num)d updates", 3, ()): {
        "en": "3 updates", "ja": "更新情報3件", "ko": "업데이트 3건", "pl": "3 aktualności",
        "sv": "3 uppdateringar"},
    ("%(num)d milestone", "%(num)d milestones", 10, ()): {
        "en": "10 milestones", "ja": "マイルストーン10件", "ko": "마일스톤 10개",
        "pl": "10 kamieni milowych", "sv": "10 delmål"},
    ("%(num)d invoice", "%(num)d invoices", 2, ()): {
        "en": "2 invoices", "ja": "請求書2件", "ko": "청구서 2건", "pl": "2 faktury",
        "sv": "2 fakturor"},
}


def translated(lang: str, msgid: str, plural: str | None, count: int,
               variables: tuple[tuple[str, str], ...]) -> str:
    translations = load_translations([DEFAULT_THEME], lang)
    text = (translations.ngettext(msgid, plural, count) if plural
            else translations.gettext(msgid))
    return text % {"num": count, **dict(variables)}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_new_message_reads_natively(lang):
    found = {key[0] + f" ({key[2]})": translated(lang, *key) for key in MESSAGES}
    wanted = {key[0] + f" ({key[2]})": texts[lang] for key, texts in MESSAGES.items()}
    assert found == wanted


# ---------------------------------------------------------------- days and times

RELATIVE = {  # the build date's neighbours in the language's own words, then a count of days
    "en": ["5 days ago", "yesterday", "today", "tomorrow", "in 5 days"],
    "ja": ["5 日前", "昨日", "今日", "明日", "5 日後"],
    "ko": ["5일 전", "어제", "오늘", "내일", "5일 후"],
    "pl": ["5 dni temu", "wczoraj", "dzisiaj", "jutro", "za 5 dni"],
    "sv": ["för 5 dagar sedan", "i går", "i dag", "i morgon", "om 5 dagar"],
}
TIMES = {  # 10 December 2026, 14:00 in Warsaw: hours and minutes, never seconds
    "en": ("Dec 10, 2026, 2:00 PM", "December 10, 2026, 2:00 PM"),
    "ja": ("2026/12/10 14:00", "2026年12月10日 14:00"),
    "ko": ("2026. 12. 10. 오후 2:00", "2026년 12월 10일 오후 2:00"),
    "pl": ("10 gru 2026, 14:00", "10 grudnia 2026 14:00"),
    "sv": ("10 dec. 2026 14:00", "10 december 2026 14:00"),
}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_today_yesterday_tomorrow_and_times_without_seconds(lang):
    fmt = Formatter(lang, "Europe/Warsaw")
    as_of = dt.date(2026, 11, 23)
    assert [fmt.relative(as_of + dt.timedelta(days=d), as_of)
            for d in (-5, -1, 0, 1, 5)] == RELATIVE[lang]
    moment = dt.datetime(2026, 12, 10, 14, 0, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    assert tuple(fmt.when(moment, form).replace("\u202f", " ")
                 for form in ("medium", "long")) == TIMES[lang]


def test_timeline_shows_times_without_seconds(tmp_path):
    out = tmp_path / "out"
    assert portal("build", "--content", EXAMPLE_CONTENT, "--out", out, "--as-of",
                  AS_OF).exit_code == 0
    timeline = text_of(out / "kowalski-legal" / "timeline.html")
    assert "10 gru 2026, 14:00" in timeline and "14:00:00" not in timeline


# ---------------------------------------------------------------- locale codes


@pytest.mark.parametrize(("code", "message"), [
    ("se", "content/acme/client.yaml:3: locale: 'se' is the country code of Sweden, not a "
           "language code (did you mean 'sv'?); for Northern Sami, write se_NO"),
    ("jp", "content/acme/client.yaml:3: locale: 'jp' is not a known locale (did you mean "
           "'ja'?); use a code such as en, pl, ja, sv_SE"),
    ("kr", "(did you mean 'ko'?)"),
])
def test_a_country_code_for_a_locale_is_an_error_with_a_suggestion(make_site, monkeypatch,
                                                                   code, message):
    root = make_site()
    client = root / "content/acme/client.yaml"
    client.write_text(client.read_text().replace("locale: en", f"locale: {code}"))
    monkeypatch.chdir(root)
    result = build_site(root)
    assert result.exit_code == 1
    assert message in result.output
    assert not (root / "output" / "acme").exists()


@pytest.mark.parametrize("code", ["sv", "se_NO", "gl_ES", "ca"])
def test_languages_that_are_also_country_codes_stay_valid(make_site, code):
    root = make_site()
    client = root / "content/acme/client.yaml"
    client.write_text(client.read_text().replace("locale: en", f"locale: {code}"))
    assert build_site(root).exit_code == 0


# ---------------------------------------------------------------- rendered text


def _unfolded(calendar: Path) -> str:
    return calendar.read_bytes().decode("utf-8").replace("\r\n ", "")


def test_excerpts_feeds_and_calendars_carry_rendered_text(tmp_path):
    out = tmp_path / "out"
    assert portal("build", "--content", EXAMPLE_CONTENT, "--out", out, "--as-of",
                  AS_OF).exit_code == 0
    calendar = _unfolded(out / "kowalski-legal" / "calendar.ics")
    assert "Nowy termin uruchomienia: 27 listopada 2026." in calendar
    assert "z listą 14 usprawnień uszeregowanych" in calendar
    assert "**" not in calendar and "2026 ." not in calendar
    feed = (out / "sakura-retail" / "feed.xml").read_text(encoding="utf-8")
    summaries = re.findall(r"<summary>(.*?)</summary>", feed, re.S)
    assert summaries and not [s for s in summaries if re.search(r"---|\*\*|\|", s)]
    assert "10月15日夜から16日朝にかけて、商品データ移行の第1回リハーサルを実施しました。" in feed
    japanese = (out / "sakura-retail" / "updates.html").read_text(encoding="utf-8")
    assert "全体の進捗は計画どおりです。" in japanese  # a source line break, no space
    assert "全体の進捗は\n計画どおりです。" not in japanese


# ---------------------------------------------------------------- the overview


def _glance(page: str) -> str:
    return page.split('class="cards cards--glance"', 1)[1].split("</section>", 1)[0]


def test_the_overview_answers_what_is_owed_what_is_next_and_what_changed(make_site):
    root = make_site()
    init_repo(root)
    commit(root, "Start", "2026-09-01T09:00:00+00:00")
    for name in ("a", "b", "c", "d"):  # one commit, five files: one entry
        (root / f"content/acme/requirements/{name}.md").write_text(
            f"---\ntitle: Requirement {name.upper()}\nstatus: draft\npriority: low\n---\nText\n")
    scope = root / "content/acme/scope.md"
    scope.write_text(scope.read_text() + "\nMore.\n")
    commit(root, "Bulk import", "2026-11-20T10:00:00+00:00")
    update = root / "content/acme/updates/2026-11-22-weekly.md"
    update.write_text("---\ntitle: Weekly note\ndate: 2026-11-22\nkind: note\n---\n"
                      "The **migration** rehearsal\nwent well.\n\n| a | b |\n|---|---|\n| 1 | 2 |\n")
    commit(root, "Weekly", "2026-11-22T16:00:00+00:00")
    assert build_site(root).exit_code == 0
    page = (root / "output/acme/index.html").read_text(encoding="utf-8")
    glance = text_of_html(_glance(page))
    assert "Open balance €1,323.21 Overdue €1,323.21 Due October 15, 2026 · 39 days overdue" \
        in glance
    assert "Next deadline Design sign-off November 1, 2026 · 22 days overdue" in glance
    assert "Changes in the last 30 days" in glance and "6 See what changed" in glance
    assert 'data-changes="2026-11-22T16:00:00Z*1 2026-11-20T10:00:00Z*5"' in page
    assert 'data-window="2026-10-24T22:00:00Z"' in page
    changes = text_of_html(page.split('id="changes-title">', 1)[1].split("</section>", 1)[0])
    assert changes == ("Recent changes Nov 22, 2026 · yesterday Weekly note "
                       "The migration rehearsal went well. changed since your last visit "
                       "Nov 20, 2026 · 3 days ago 5 items changed together "
                       "Scope , 4 requirements changed since your last visit All updates")
    assert page.count('class="list__item list__item--stacked" data-changed=') == 2
    assert "Latest updates" not in page and "What's new" not in page  # one list, not two


def test_outside_git_recent_changes_are_the_updates_of_the_last_30_days(make_site):
    root = make_site({"content/acme/updates/2026-11-23-today.md":
                      "---\ntitle: Today's note\ndate: 2026-11-23\nkind: note\n---\nHello.\n"})
    assert build_site(root).exit_code == 0
    page = (root / "output/acme/index.html").read_text(encoding="utf-8")
    changes = text_of_html(page.split('id="changes-title">', 1)[1].split("</section>", 1)[0])
    assert changes.startswith("Recent changes Nov 23, 2026 · today Today's note Hello. "
                              "Nov 1, 2026 · 3 weeks ago Status report All good. All updates")
    assert "data-changes" not in page  # no moments to compare with a visit: no "since" count
    assert "2 See what changed" in text_of_html(_glance(page))


def text_of_html(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).replace("\xa0", " ").split())
