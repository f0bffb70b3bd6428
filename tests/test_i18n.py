"""Portals in the client's language: UI catalogues, Babel formatting, several languages in one
portal, and no English left in a Korean, Japanese, Polish or Swedish portal."""

from __future__ import annotations

import datetime as dt
import posixpath
import re
from decimal import Decimal
from html import unescape
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

import pytest
from babel.messages.pofile import read_po

from conftest import AS_OF, EXAMPLE_CONTENT, build_site, portal
from generator.render.i18n import Formatter, load_translations
from generator.render.theme import DEFAULT_THEME

LOCALES = DEFAULT_THEME / "locales"


def text_of(path: Path) -> str:
    """The page's text with tags removed, whitespace and no-break spaces made plain spaces."""
    html = path.read_text(encoding="utf-8")
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).replace("\xa0", " ").split())


# ---------------------------------------------------------------- each language, written out

# client, page: strings a native reader expects on it (UI, money, dates), as built on 2026-11-23
EXPECTED: dict[tuple[str, str], list[str]] = {
    ("kowalski-legal", "index.html"): [
        "Witamy, Kowalski i Wspólnicy",
        "Wszystko o współpracy z Meridian & Vale Advisory w jednym miejscu.",
        "Najbliższy termin", "13 listopada 2026", "10 dni po terminie",
        "Saldo do zapłaty", "50 676,00 zł", "Zrealizowano 3 z 10 kamieni milowych",
        "1 kamień milowy po terminie", "Ostatnie zmiany", "Zmiany z ostatnich 30 dni",
        "Termin płatności: 30 października 2026 · 24 dni po terminie",
        "Zobacz 2 nieopłacone faktury",
        "Pobierz kalendarz terminów", "Stan na 23 listopada 2026.",
    ],
    ("kowalski-legal", "invoices/2026-10.html"): [
        "Faktura nr FV/2026/10/012", "Nabywca", "NIP: 5252843717", "Data wystawienia",
        "30 października 2026", "Termin płatności", "29 listopada 2026", "Cena jedn. netto",
        "VAT 23% od 18 500,00 zł", "4 255,00 zł", "Do zapłaty 22 755,00 zł",
        "Słownie: dwadzieścia dwa tysiące siedemset pięćdziesiąt pięć złotych 00/100",
        "Prosimy o zapłatę 22 755,00 zł do 29 listopada 2026.",
    ],
    ("kowalski-legal", "requirements.html"): ["Wymagania", "4 dokumenty", "Priorytet"],
    ("sakura-retail", "index.html"): [
        "さくらリテール様、ようこそ", "次の期限", "2026年11月13日", "10日超過",
        "未払い残高", "￥3,312,701", "マイルストーン 9件中 4件完了", "あと14日", "最近の変更",
        "お支払期限 2026年10月31日 · 23日超過", "未払いの請求書2件を見る", "過去30日間の変更",
        "2026年11月23日時点の情報です。",
    ],
    ("sakura-retail", "invoices/2026-08.html"): [
        "請求書 No. 0412", "登録番号: T6700150012834", "発行日 2026年8月3日",
        "10%対象 ￥1,500,000 消費税 ￥150,000", "8%対象 ￥19,440 消費税 ※ ￥1,555",
        "ご請求金額 ￥1,670,995", "※ 軽減税率対象",
    ],
    ("sakura-retail", "invoices/2026-11.html"): [
        "2026年12月2日までに￥1,650,000を下記口座へお振り込みください。", "口座名義(カナ)",
        "金融機関コード 0005", "支店名 渋谷支店", "預金種目 普通",
    ],
    ("nordlys-saas", "index.html"): [
        "Välkommen, Nordlys", "Närmaste deadline", "6 november 2026", "försenad 17 dagar",
        "Utestående belopp", "208 975,00 kr", "4 av 10 delmål klara", "1 delmål försenat",
        "om 11 dagar", "Förfaller den 14 november 2026 · försenad 9 dagar",
        "Visa 2 obetalda fakturor", "Senaste ändringar", "Uppgifterna gäller per den 23 november 2026.",
    ],
    ("nordlys-saas", "invoices/2026-11.html"): [
        "Faktura INV-2026-1116", "Organisationsnummer: 559241-3867",
        "Momsregistreringsnummer: SE559241386701", "Fakturadatum 16 november 2026",
        "Förfallodatum 16 december 2026", "Moms 0 % på 95 000,00 kr", "Att betala 95 000,00 kr",
        "Omvänd betalningsskyldighet", "Vänligen betala 95 000,00 kr senast den 16 december 2026.",
        "OCR-nummer 2026111605", "Bankgiro 5402-9681",
    ],
    ("hanbit-logistics", "index.html"): [
        "한빛로지스틱스 담당자님, 환영합니다", "다음 마감일", "2026년 11월 20일", "3일 지연",
        "미결제 잔액", "₩32,285,000", "마일스톤 9개 중 4개 완료", "10일 남음", "최근 변경 사항",
        "지급 기한 2026년 10월 26일 · 28일 지연", "미결제 청구서 2건 보기",
        "2026년 11월 23일 기준 정보입니다.",
    ],
    ("hanbit-logistics", "invoices/2026-10.html"): [
        "청구서 MV-KR-2026-10", "사업자등록번호: 214-87-03567", "발행일 2026년 11월 10일",
        "부가가치세 10% (공급가액 ₩14,000,000) ₩1,400,000", "청구 금액 합계 ₩15,400,000",
        "2026년 11월 24일까지 아래 계좌로 ₩15,400,000 입금을 부탁드립니다.",
    ],
    ("sakura-retail", "en/index.html"): [
        "Welcome, Sakura Retail", "Next deadline", "November 13, 2026", "10 days overdue",
        "Open balance", "¥3,312,701", "4 of 9 milestones done", "in 14 days", "Recent changes",
        "Due October 31, 2026 · 23 days overdue", "See 2 open invoices",
        "Information as of November 23, 2026.",
    ],
    ("sakura-retail", "en/invoices/2026-08.html"): [
        "Invoice 0412", "Registration number: T6700150012834", "Tax 8% on ¥19,440 ※ ¥1,555",
        "Total due ¥1,670,995", "※ Reduced tax rate",
    ],
}


@pytest.mark.parametrize(("slug", "page"), list(EXPECTED))
def test_pages_read_in_the_clients_language(example, slug, page):
    text = text_of(example / slug / page)
    missing = [s for s in EXPECTED[(slug, page)] if s not in text]
    assert missing == []


@pytest.mark.parametrize(("slug", "lang"), [("kowalski-legal", "pl"), ("sakura-retail", "ja"),
                                            ("nordlys-saas", "sv"), ("hanbit-logistics", "ko")])
def test_html_lang_is_the_clients(example, slug, lang):
    for page in ["index.html", "invoices.html", "requirements.html"]:
        assert f'<html lang="{lang}">' in (example / slug / page).read_text(encoding="utf-8")


# ---------------------------------------------------------------- plurals and formatting


@pytest.mark.parametrize(("count", "expected"), [
    (1, "1 dokument"), (2, "2 dokumenty"), (4, "4 dokumenty"), (5, "5 dokumentów"),
    (12, "12 dokumentów"), (22, "22 dokumenty"), (25, "25 dokumentów"), (0, "0 dokumentów"),
])
def test_polish_has_three_plural_forms(count, expected):
    translations = load_translations([DEFAULT_THEME], "pl")
    text = translations.ngettext("%(num)d document", "%(num)d documents", count)
    assert text % {"num": count} == expected


@pytest.mark.parametrize(("lang", "one", "many"), [
    ("en", "See 1 open invoice", "See 5 open invoices"),
    ("sv", "Visa 1 obetald faktura", "Visa 5 obetalda fakturor"),
    ("ja", "未払いの請求書1件を見る", "未払いの請求書5件を見る"),
    ("ko", "미결제 청구서 1건 보기", "미결제 청구서 5건 보기"),
    ("pl", "Zobacz 1 nieopłaconą fakturę", "Zobacz 5 nieopłaconych faktur"),
])
def test_plurals_per_language(lang, one, many):
    translations = load_translations([DEFAULT_THEME], lang)
    for count, expected in ((1, one), (5, many)):
        text = translations.ngettext("See %(num)d open invoice", "See %(num)d open invoices",
                                     count)
        assert text % {"num": count} == expected


# lang, currency: money, long date, short date, percent, first day of the week
FORMATS = {
    "en": ("EUR", "€1,234.50", "November 23, 2026", "11/23/26", "23%", "sunday"),
    "pl": ("PLN", "1 234,50 zł", "23 listopada 2026", "23.11.2026", "23%", "monday"),
    "sv": ("SEK", "1 234,50 kr", "23 november 2026", "2026-11-23", "23 %", "monday"),
    "ja": ("JPY", "￥1,235", "2026年11月23日", "2026/11/23", "23%", "sunday"),
    "ko": ("KRW", "₩1,235", "2026년 11월 23일", "26. 11. 23.", "23%", "sunday"),
}


@pytest.mark.parametrize("lang", list(FORMATS))
def test_babel_formats_money_dates_and_numbers(lang):
    currency, money, long, short, percent, first_day = FORMATS[lang]
    fmt = Formatter(lang, "Europe/Warsaw")
    amount = Decimal("1235") if currency in ("JPY", "KRW") else Decimal("1234.50")
    assert fmt.money(amount, currency).replace("\xa0", " ") == money
    assert fmt.date(dt.date(2026, 11, 23), "long") == long.replace(" ", "\xa0")  # unbroken
    assert fmt.date(dt.date(2026, 11, 23), "short") == short.replace(" ", "\xa0")
    assert fmt.percent(Decimal(23)).replace("\xa0", " ") == percent
    assert fmt.first_weekday == first_day


@pytest.mark.parametrize(("lang", "future", "past"), [
    ("en", "in 3 days", "2 weeks ago"), ("pl", "za 3 dni", "2 tygodnie temu"),
    ("sv", "om 3 dagar", "för 2 veckor sedan"), ("ja", "3日後", "2週間前"),
    ("ko", "3일 후", "2주 전"),
])
def test_relative_dates(lang, future, past):
    fmt = Formatter(lang, "UTC")
    today = dt.date(2026, 11, 23)
    assert fmt.relative(dt.date(2026, 11, 26), today) == future
    assert fmt.relative(dt.date(2026, 11, 9), today) == past


# ---------------------------------------------------------------- one portal, two languages


def test_language_switch_on_every_page(example):
    portal_dir = example / "sakura-retail"
    pages = [p for p in portal_dir.rglob("*.html")]
    assert len(pages) > 20
    for page in pages:
        html = page.read_text(encoding="utf-8")
        relative = page.relative_to(portal_dir).as_posix()
        english = relative.startswith("en/")
        assert 'class="lang-switch"' in html, relative
        assert f'<html lang="{"en" if english else "ja"}">' in html, relative
        plain = relative.removeprefix("en/")
        root = "../" * relative.count("/")
        assert f'href="{root}{plain}" hreflang="ja" lang="ja"' in html, relative
        assert f'href="{root}en/{plain}" hreflang="en" lang="en"' in html, relative
        alternates = re.findall(r'<link rel="alternate" hreflang="([^"]+)" href="([^"]+)">', html)
        # every language, itself included, and the default language as x-default
        assert alternates == [("ja", f"{root}{plain}"), ("en", f"{root}en/{plain}"),
                              ("x-default", f"{root}{plain}")], relative


def test_single_language_portal_has_no_switch(example):
    assert "lang-switch" not in (example / "kowalski-legal" / "index.html").read_text("utf-8")
    assert not (example / "kowalski-legal" / "en").exists()


def test_translated_documents_and_the_fallback_marker(example):
    english = example / "sakura-retail" / "en"
    scope = text_of(english / "scope.html")
    assert "E-commerce Replatforming Project — Statement of Work" in scope
    assert "has not been translated" not in scope
    store = text_of(english / "requirements" / "store-inventory.html")
    assert "Store inventory integration" in store and "not been translated" not in store
    member = (english / "requirements" / "member-migration.html").read_text(encoding="utf-8")
    assert ("This document has not been translated yet; it is shown in the original language "
            "(Japanese).") in member
    assert '<div class="document" lang="ja">' in member
    updates = (english / "updates.html").read_text(encoding="utf-8")
    assert updates.count('class="fallback-note"') == 3  # four updates, one translated
    assert "Weekly meeting — delay of the member migration rehearsal" in updates
    listing = text_of(english / "requirements.html")
    assert "会員・ポイント移行 (Japanese)" in listing
    assert "Store inventory integration Draft" in listing
    japanese = (example / "sakura-retail" / "scope.html").read_text(encoding="utf-8")
    assert "fallback-note" not in japanese and "業務範囲記述書" in japanese


def test_language_folder_links_reach_shared_files(example):
    scope = (example / "sakura-retail" / "en" / "scope.html").read_text(encoding="utf-8")
    assert 'href="../files/kickoff-brief.pdf"' in scope
    assert 'href="../assets/style.css"' in scope
    assert 'href="../en/requirements/product-data-migration.html"' in scope


class _Links(HTMLParser):
    """Every href of a page, with the element's hreflang."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if found.get("href"):
            self.links.append((str(found["href"]), found.get("hreflang")))


def _language_of(path: str) -> str | None:
    """The language of a page or feed of sakura-retail (ja at the root, en below en/);
    None for what both share: assets, attachments, the calendar."""
    if path.endswith((".html", "feed.xml")):
        return "en" if path.startswith("en/") else "ja"
    return None


@pytest.mark.parametrize("language", ["ja", "en"])
def test_every_link_stays_in_the_pages_language(example, language):
    """Menu, logo, lists, back links, Markdown links and the feed of an English page lead
    to English pages, and a Japanese page's to Japanese ones; only the language switch
    (with hreflang) crosses over."""
    portal_dir = example / "sakura-retail"
    pages = [p for p in portal_dir.rglob("*.html")
             if p.relative_to(portal_dir).as_posix().startswith("en/") == (language == "en")]
    crossing, followed = [], 0
    for page in pages:
        relative = page.relative_to(portal_dir).as_posix()
        parser = _Links()
        parser.feed(page.read_text(encoding="utf-8"))
        for href, hreflang in parser.links:
            if href.startswith(("#", "mailto:", "tel:", "http:", "https:")):
                continue
            target = posixpath.normpath(posixpath.join(posixpath.dirname(relative),
                                                       unquote(href.split("#")[0])))
            if hreflang is None and _language_of(target) not in (None, language):
                crossing.append(f"{relative}: {href}")
            followed += 1
    assert crossing == []
    assert followed > 200
    assert (portal_dir / "en" / "feed.xml").is_file()
    assert 'xml:lang="en"' in (portal_dir / "en" / "feed.xml").read_text(encoding="utf-8")


TWO_LANGUAGES = {"content/acme/client.yaml": """
    name: Acme & Co
    locales: [sv, en]
    account_manager: {name: Ann Manager, email: ann@agency.test}
"""}


@pytest.mark.parametrize(("changes", "expected"), [
    ({"content/acme/scope.de.md": "---\ntitle: Umfang\n---\nText\n"},
     "content/acme/scope.de.md: 'de' is not one of this client's other languages"),
    ({"content/acme/scope.sv.md": "---\ntitle: Omfattning\n---\nText\n"},
     "content/acme/scope.sv.md: 'sv' is not one of this client's other languages"),
    ({"content/acme/requirements/nothing.en.md": "---\ntitle: Nothing\n---\nText\n"},
     "content/acme/requirements/nothing.en.md: translation of requirements/nothing.md, "
     "which does not exist"),
    ({"content/acme/requirements/intake.en.md": "---\ntitle: Intake\nstatus: approved\n---\n"},
     "content/acme/requirements/intake.en.md:3: unknown key 'status'"),
])
def test_wrong_translations_are_content_errors(make_site, monkeypatch, changes, expected):
    root = make_site({**TWO_LANGUAGES, **changes})
    monkeypatch.chdir(root)
    result = build_site(root)
    assert result.exit_code == 1
    assert expected in result.output


def test_a_translation_keeps_the_originals_front_matter(make_site):
    root = make_site({**TWO_LANGUAGES, "content/acme/requirements/intake.en.md":
                      "---\ntitle: Client intake (English)\n---\n## Purpose\n\nIn English.\n"})
    assert build_site(root).exit_code == 0
    page = text_of(root / "output" / "acme" / "en" / "requirements" / "intake.html")
    assert "Client intake (English)" in page and "In English." in page
    assert "In review" in page and "High" in page  # status and priority of the original
    swedish = text_of(root / "output" / "acme" / "requirements" / "intake.html")
    assert "Under granskning" in swedish and "Hög" in swedish


# ---------------------------------------------------------------- missing translations


def test_check_lists_missing_translations(make_site):
    root = make_site({"content/acme/client.yaml": TWO_LANGUAGES["content/acme/client.yaml"]
                      .replace("[sv, en]", "[de]")})
    result = portal("check", "--content", root / "content", "--as-of", AS_OF)
    assert result.exit_code == 0
    assert ("themes/default/templates/base.html:16: warning: no de translation for "
            "'Skip to content'; the portal shows it in English") in result.output
    assert build_site(root).exit_code == 0  # the portal falls back to English
    assert "Skip to content" in text_of(root / "output" / "acme" / "index.html")


def test_check_is_quiet_for_complete_catalogues():
    result = portal("check", "--content", EXAMPLE_CONTENT, "--as-of", AS_OF)
    assert result.exit_code == 0 and "warning:" not in result.output and "0 warnings" in result.output


def test_every_catalogue_translates_every_message():
    template = {m.id for m in read_po((LOCALES / "messages.pot").open("rb")) if m.id}
    for lang in ["en", "ko", "ja", "pl", "sv"]:
        catalog = read_po((LOCALES / lang / "LC_MESSAGES" / "messages.po").open("rb"))
        translated = {m.id for m in catalog if m.id and all(m.string if isinstance(m.string, tuple)
                                                             else [m.string])}
        assert template - translated == set(), lang
        assert not [m.id for m in catalog if m.fuzzy and m.id], lang


# ---------------------------------------------------------------- no English left


class _UiText(HTMLParser):
    """Visible text and labelling attributes, leaving out the client's own Markdown."""

    ATTRIBUTES = ("title", "aria-label", "alt", "data-template", "placeholder")

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.skip_depth = 0
        self.stack: list[bool] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        prose = "prose" in (values.get("class") or "").split() or tag in ("pre", "code")
        if tag not in ("br", "img", "meta", "link", "input", "hr", "circle", "line"):
            self.stack.append(prose)
            self.skip_depth += prose
        self.parts += [v for k, v in attrs if k in self.ATTRIBUTES and v]
        href = values.get("href") or ""
        if href.startswith("mailto:"):  # less the reference `portal inbox` reads, which
            # is the same in every language (Ref: <client>/<topic>)
            self.parts.append(re.sub(r"Ref: \S+", "", unquote(href)))

    def handle_endtag(self, tag: str) -> None:
        if tag not in ("br", "img", "meta", "link", "input", "hr", "circle", "line") and self.stack:
            self.skip_depth -= self.stack.pop()

    def handle_data(self, data: str) -> None:
        if not self.skip_depth:
            self.parts.append(data)


def _english_ui_patterns(lang: str) -> dict[str, re.Pattern[str]]:
    """A pattern for the English text of each UI message the language translates differently;
    placeholders match any value."""
    catalog = read_po((LOCALES / lang / "LC_MESSAGES" / "messages.po").open("rb"))
    patterns = {}
    for message in catalog:
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for msgid in ids:
            if not msgid or msgid in strings:  # the same word in both (Status, Bank, NIP)
                continue
            parts = re.split(r"(%\(\w+\)[sd]|\{\w+\})", msgid)
            regex = "".join(r"\d+" if p.endswith(")d") else ".+?" if p.startswith(("%", "{"))
                            else re.escape(p) for p in parts if p)
            patterns[msgid] = re.compile(rf"(?<![\w-]){regex}(?![\w-])")
    return patterns


# Content that is the agency's, not the theme's: its bank's name has the word "Bank".
AGENCY_TEXT = ["ABN AMRO Bank N.V."]


@pytest.mark.parametrize(("slug", "lang"), [("kowalski-legal", "pl"), ("nordlys-saas", "sv"),
                                            ("sakura-retail", "ja"), ("hanbit-logistics", "ko")])
def test_no_english_ui_string_in_a_translated_portal(example, slug, lang):
    patterns = _english_ui_patterns(lang)
    pages = sorted(p for p in (example / slug).rglob("*.html") if "/en/" not in p.as_posix())
    leftovers = set()
    for page in pages:
        parser = _UiText()
        parser.feed(page.read_text(encoding="utf-8"))
        text = " ".join(" ".join(parser.parts).split())
        for agency_text in AGENCY_TEXT:
            text = text.replace(agency_text, "")
        for msgid, pattern in patterns.items():
            if pattern.search(text):
                leftovers.add((page.relative_to(example / slug).as_posix(), msgid))
    assert sorted(leftovers) == []


# ---------------------------------------------------------------- a theme's own catalogues

GERMAN = """
    msgid ""
    msgstr ""
    "Language: de\\n"
    "Plural-Forms: nplurals=2; plural=(n != 1);\\n"
    "Content-Type: text/plain; charset=utf-8\\n"

    msgid "Overview"
    msgstr "Übersicht"

    msgid "%(num)d open invoice"
    msgid_plural "%(num)d open invoices"
    msgstr[0] "%(num)d offene Rechnung"
    msgstr[1] "%(num)d offene Rechnungen"
"""


def test_adding_a_language_is_adding_one_catalogue(make_site, monkeypatch):
    root = make_site({
        "content/portal.yaml": """
            agency: {name: Test Agency}
            timezone: Europe/Berlin
            theme: ../brand
        """,
        "content/_agency/logo.svg": None,
        "brand/locales/de/LC_MESSAGES/messages.po": GERMAN,
        # the agency's wording of one Polish string; the rest comes from the default catalogue
        "brand/locales/pl/LC_MESSAGES/messages.po": GERMAN.replace("de", "pl").replace(
            "Übersicht", "Pulpit"),
        "content/acme/client.yaml": TWO_LANGUAGES["content/acme/client.yaml"].replace(
            "[sv, en]", "[de, pl]"),
    })
    assert build_site(root).exit_code == 0
    german = text_of(root / "output" / "acme" / "index.html")
    assert "Übersicht" in german and "23. November 2026" in german
    assert "Next deadline" in german  # not in the catalogue: English
    assert "1.210,00 €" in text_of(root / "output" / "acme" / "invoices.html")
    polish = text_of(root / "output" / "acme" / "pl" / "index.html")
    assert "Pulpit" in polish and "Najbliższy termin" in polish
    monkeypatch.chdir(root)
    result = portal("check", "--content", root / "content", "--as-of", AS_OF)
    assert "no de translation for 'Next deadline'" in result.output
    assert "no de translation for 'Overview'" not in result.output
    assert "no pl translation" not in result.output


def test_messages_pot_is_current():
    from generator.render.i18n import template_messages
    from generator.render.theme import make_environment, theme_for

    used = {m if isinstance(m, str) else m[0]
            for _, _, m in template_messages(make_environment(theme_for(None)))}
    template = {m.id if isinstance(m.id, str) else m.id[0]
                for m in read_po((LOCALES / "messages.pot").open("rb")) if m.id}
    assert used == template, ("themes/default/locales/messages.pot is stale: run pybabel extract "
                              "as babel.cfg says, then pybabel update")
