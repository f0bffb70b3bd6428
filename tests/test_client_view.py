"""The client's view, without a browser: the overview's three answers and one list of recent
changes, relative days and times in each language, rendered text in excerpts and calendars,
locale codes that are country codes, and every new message written out in five languages.
(The layout on a phone and links within a language are checked in Chromium by
tests/test_portal_quality.py; print, dark mode and the lock screen by
tests/test_browser_client_view.py.)"""

from __future__ import annotations

import datetime as dt
import re
from html import unescape
from pathlib import Path

import pytest

from conftest import build_site
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
        "ko": "지난 방문 이후 변경", "pl": "Zmiany od Państwa ostatniej wizyty",
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
    ("Show", None, 1, ()): {"en": "Show", "ja": "表示", "ko": "표시", "pl": "Pokaż", "sv": "Visa"},
    ("Hide", None, 1, ()): {"en": "Hide", "ja": "隠す", "ko": "숨기기", "pl": "Ukryj", "sv": "Dölj"},
    ("Portal for %(client)s", None, 1, (("client", "Acme"),)): {
        "en": "Portal for Acme", "ja": "Acme様専用ポータル", "ko": "Acme 전용 포털",
        "pl": "Portal dla: Acme", "sv": "Portal för Acme"},
    ("Prepared by %(agency)s. Its pages are encrypted: only people with the password or a "
     "share link can read them.", None, 1, (("agency", "M&V"),)): {
        "en": "Prepared by M&V. Its pages are encrypted: only people with the password or a "
              "share link can read them.",
        "ja": "M&Vが作成しました。ページは暗号化されており、パスワードまたは共有リンクをお持ちの方だけが"
              "閲覧できます。",
        "ko": "M&V에서 준비했습니다. 페이지는 암호화되어 있어 비밀번호나 공유 링크가 있는 분만 볼 수 "
              "있습니다.",
        "pl": "Przygotowany przez M&V. Strony są zaszyfrowane: mogą je przeczytać tylko osoby, "
              "które mają hasło lub link do udostępnienia.",
        "sv": "Förberedd av M&V. Sidorna är krypterade: bara den som har lösenordet eller en "
              "delningslänk kan läsa dem."},
    ("If you were sent a link to this portal, open that link again: it opens the portal by "
     "itself. Otherwise, enter the password you were given.", None, 1, ()): {
        "en": "If you were sent a link to this portal, open that link again: it opens the "
              "portal by itself. Otherwise, enter the password you were given.",
        "ja": "このポータルへのリンクをお受け取りの場合は、そのリンクをもう一度開いてください。ポータルが"
              "自動的に開きます。それ以外の場合は、お知らせしたパスワードを入力してください。",
        "ko": "이 포털 링크를 받으셨다면 그 링크를 다시 열어 주세요. 포털이 바로 열립니다. 그렇지 "
              "않다면 안내받으신 비밀번호를 입력해 주세요.",
        "pl": "Jeśli otrzymali Państwo link do tego portalu, proszę otworzyć go ponownie – portal "
              "otworzy się sam. W przeciwnym razie proszę wpisać otrzymane hasło.",
        "sv": "Om du har fått en länk till portalen öppnar du den igen – då öppnas portalen "
              "direkt. Annars anger du lösenordet du har fått."},
    ("Keep me signed in on this device", None, 1, ()): {
        "en": "Keep me signed in on this device", "ja": "このデバイスでログインしたままにする",
        "ko": "이 기기에서 로그인 상태 유지", "pl": "Nie wylogowuj mnie na tym urządzeniu",
        "sv": "Håll mig inloggad på den här enheten"},
    ("Only on a device you alone use. Otherwise the portal stays open in this tab until you "
     "close it or log out.", None, 1, ()): {
        "en": "Only on a device you alone use. Otherwise the portal stays open in this tab "
              "until you close it or log out.",
        "ja": "ご自身だけが使うデバイスでのみ選んでください。選ばない場合、ポータルはこのタブを閉じるか"
              "ログアウトするまで開いたままになります。",
        "ko": "본인만 사용하는 기기에서만 선택하세요. 선택하지 않으면 이 탭을 닫거나 로그아웃할 "
              "때까지만 포털이 열려 있습니다.",
        "pl": "Tylko na urządzeniu, z którego korzystają wyłącznie Państwo. W przeciwnym razie "
              "portal pozostanie otwarty w tej karcie do jej zamknięcia lub wylogowania.",
        "sv": "Bara på en enhet som bara du använder. Annars är portalen öppen i den här fliken "
              "tills du stänger den eller loggar ut."},
    ("Need the password or a new link?", None, 1, ()): {
        "en": "Need the password or a new link?", "ja": "パスワードや新しいリンクが必要な場合",
        "ko": "비밀번호나 새 링크가 필요하신가요?", "pl": "Potrzebują Państwo hasła lub nowego linku?",
        "sv": "Behöver du lösenordet eller en ny länk?"},
    ("Ask your account manager, %(name)s:", None, 1, (("name", "Ann"),)): {
        "en": "Ask your account manager, Ann:", "ja": "担当マネージャーのAnnまでお問い合わせください：",
        "ko": "담당 매니저 Ann에게 문의해 주세요:", "pl": "Prosimy o kontakt z opiekunem klienta – Ann:",
        "sv": "Kontakta er kundansvarige, Ann:"},
    ("Corporate Number", None, 1, ()): {
        "en": "Corporate Number", "ja": "法人番号", "ko": "법인번호(일본)",
        "pl": "Numer korporacyjny (Japonia)", "sv": "Japanskt bolagsnummer"},
    ("Corporate registration number", None, 1, ()): {
        "en": "Corporate registration number", "ja": "法人登録番号（韓国）", "ko": "법인등록번호",
        "pl": "Numer rejestracyjny osoby prawnej (Korea)", "sv": "Koreanskt registreringsnummer"},
    ("KRS number", None, 1, ()): {
        "en": "KRS number", "ja": "KRS番号（ポーランド）", "ko": "KRS 번호(폴란드)", "pl": "Numer KRS",
        "sv": "KRS-nummer (Polen)"},
    ("Company registration number (%(country)s)", None, 1, (("country", "X"),)): {
        "en": "Company registration number (X)", "ja": "商業登記番号（X）", "ko": "상업등기번호(X)",
        "pl": "Numer w rejestrze handlowym (X)", "sv": "Registreringsnummer (X)"},
    ("Company registration number", None, 1, ()): {
        "en": "Company registration number", "ja": "商業登記番号", "ko": "상업등기번호",
        "pl": "Numer w rejestrze handlowym", "sv": "Registreringsnummer"},
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
    "ja": ["5日前", "昨日", "今日", "明日", "5日後"],
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
    times = tuple(fmt.when(moment, form) for form in ("medium", "long"))
    assert tuple(t.replace("\xa0", " ").replace("\u202f", " ") for t in times) == TIMES[lang]
    assert " " not in fmt.date(moment, "long")  # a date is never broken across lines


def test_timeline_shows_times_without_seconds(example):
    timeline = text_of(example / "kowalski-legal" / "timeline.html")
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


def test_excerpts_feeds_and_calendars_carry_rendered_text(example):
    out = example
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
                       "Scope and 4 requirements changed since your last visit All updates")
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


# ---------------------------------------------------------------- invoices


INVOICES = {  # page: what it must say, and what it must not
    # the seller of Japanese, Korean and Polish invoices is the agency's registration there
    # (issue 15: the JP T-number, the Korean branch, the Polish branch with its KRS number);
    # Swedish invoices are the Dutch company's, its KvK number labelled as the Netherlands'
    "sakura-retail/invoices/2026-08.html": (
        ["株式会社さくらリテール 御中", "登録番号: T6700150012834", "法人番号: 5011001079324",
         "1ヶ月", "18個"], ["1 月", "法人番号: KvK"]),
    "sakura-retail/en/invoices/2026-08.html": (
        ["Bill to 株式会社さくらリテール 〒150-0001", "Corporate Number: 5011001079324",
         "Registration number: T6700150012834"], ["御中"]),
    "hanbit-logistics/invoices/2026-10.html": (
        ["사업자등록번호: 106-86-05312", "1개월"], ["1 월", "법인등록번호: KvK"]),
    "kowalski-legal/invoices/2026-10.html": (
        ["Numer KRS: KRS 0000987321", "Numer KRS: KRS 0000512734"], ["KvK"]),
    "nordlys-saas/invoices/2026-11.html": (
        ["Registreringsnummer (Nederländerna): KvK 81452736"], []),
}


@pytest.mark.parametrize("page", list(INVOICES))
def test_invoices_address_and_label_by_language_and_country(page, example):
    text = text_of(example / page)
    wanted, unwanted = INVOICES[page]
    assert [w for w in wanted if w not in text] == []
    assert [u for u in unwanted if u in text] == []
