"""Words a native reader stumbles on (issue 25, item 8): Japanese relative days and lists
written as Japanese writes them, one date format per invoice (page and PDF), and no "last
updated" after the day a portal is built as of."""

from __future__ import annotations

import re
from datetime import date
from html import unescape

import pytest
from markupsafe import Markup
from pypdf import PdfReader

from conftest import AS_OF
from generator.render.i18n import Formatter

BUILT = date.fromisoformat(AS_OF)


@pytest.mark.parametrize(("language", "days", "said"), [
    ("ja", -6, "6日前"), ("ja", 6, "6日後"), ("ja", -21, "3週間前"), ("ja", -60, "2か月前"),
    ("ko", -6, "6일 전"), ("ko", 6, "6일 후"),  # Korean spaces the direction: as it is
    ("en", -6, "6 days ago"), ("pl", -6, "6 dni temu"), ("sv", 6, "om 6 dagar")])
def test_relative_days_as_each_language_writes_them(language, days, said):
    day = date.fromordinal(BUILT.toordinal() + days)
    assert Formatter(language, "UTC").relative(day, BUILT) == said


@pytest.mark.parametrize(("language", "joined"), [
    ("ja", "<a>業務範囲</a>、4 &amp; 5、要件"), ("ko", "<a>업무 범위</a>, 4 &amp; 5 및 요건"),
    ("en", "<a>Scope</a>, 4 &amp; 5, and notes"), ("pl", "<a>Zakres</a>, 4 &amp; 5 i uwagi"),
    ("sv", "<a>Omfattning</a>, 4 &amp; 5 och anteckningar")])
def test_lists_are_joined_with_the_languages_marks(language, joined):
    first, last = {"ja": ("業務範囲", "要件"), "ko": ("업무 범위", "요건"), "en": ("Scope", "notes"),
                   "pl": ("Zakres", "uwagi"), "sv": ("Omfattning", "anteckningar")}[language]
    text = Formatter(language, "UTC").join([Markup(f"<a>{first}</a>"), "4 & 5", last])
    assert isinstance(text, Markup) and str(text) == joined


def test_the_japanese_overview_lists_with_the_ideographic_comma(example):
    html = (example / "sakura-retail/index.html").read_text(encoding="utf-8")
    assert "</a>、<a" in html and "</a>, <a" not in html
    korean = (example / "hanbit-logistics/index.html").read_text(encoding="utf-8")
    assert "</a>, <a" in korean or " 및 <a" in korean


# one date format a language: the long one, written out ("2026年10月31日", "2026년 10월 31일")
DATES = {"ja": (r"\d{4}年\d{1,2}月\d{1,2}日", r"\d{4}/\d{2}/\d{2}"),
         "ko": (r"\d{4}년\s\d{1,2}월\s\d{1,2}일", r"\d{4}\.\s\d{1,2}\.\s\d{1,2}\.")}
INVOICES = {"ja": "sakura-retail/invoices", "ko": "hanbit-logistics/invoices"}


def _dates(text: str, language: str) -> tuple[list[str], list[str]]:
    text = text.replace("\u00a0", " ")
    long, other = DATES[language]
    return re.findall(long, text), re.findall(other, text)


@pytest.mark.parametrize("language", sorted(INVOICES))
def test_one_date_format_in_each_japanese_and_korean_invoice(example, language):
    pages = sorted((example / INVOICES[language]).glob("*.html"))
    assert pages
    for page in pages:
        text = unescape(re.sub(r"<[^>]+>", " ", page.read_text(encoding="utf-8")))
        long, other = _dates(text, language)
        assert long and not other, (page.name, other)
        pdf = page.with_suffix(".pdf")
        text = "".join(p.extract_text() for p in PdfReader(pdf).pages)
        long, other = _dates(text, language)
        assert long and not other, (pdf.name, other)


def test_no_page_was_last_updated_after_the_day_it_is_built_as_of(example):
    """The examples' commits are later than their pinned build date (2026-11-23): a page
    built as of that day says it was last updated on it at the latest."""
    shown = []
    for page in sorted(example.rglob("*.html")):
        html = page.read_text(encoding="utf-8")
        shown += [(page.relative_to(example).as_posix(), day)
                  for day in re.findall(r'<time datetime="(\d{4}-\d{2}-\d{2})" data-changed=',
                                        html)]
    assert shown  # the history is read: pages say when they changed
    later = [(name, day) for name, day in shown if date.fromisoformat(day) > BUILT]
    assert not later


def test_a_history_made_after_the_build_date_is_capped_at_it():
    from datetime import datetime, timezone
    from types import SimpleNamespace

    from generator.content.history import Change, ClientHistory
    from generator.render.changes import document_history

    changes = (Change(datetime(2026, 11, 30, 9, tzinfo=timezone.utc), "later"),
               Change(datetime(2026, 11, 29, 9, tzinfo=timezone.utc), "later"),
               Change(datetime(2026, 11, 20, 9, tzinfo=timezone.utc), "before"))
    client: object = SimpleNamespace(
        timezone="Europe/Warsaw",
        history=ClientHistory({"scope.md": changes}, {}, True))
    history = document_history(client, "scope.md", True, BUILT)  # type: ignore[arg-type]
    assert [r.on for r in history["history"]] == [BUILT, date(2026, 11, 20)]  # one line
    assert history["updated"].on == BUILT and history["updated"].message == "later"
    assert history["updated"].at == "2026-11-30T09:00:00Z"  # the newest change's moment
