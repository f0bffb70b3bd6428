"""No line break inside a date, an amount, a number with its counter, a status badge, a table
heading, or a word of Japanese or Korean, on every page of the example portals in every
language, in Chromium at 1280 px and at 375 px.

How a break is found: the text's ranges are laid out in boxes (`Range.getClientRects()`);
boxes on one line overlap vertically, so a piece of text on two lines has boxes that do not.
What is checked: each element holding a date (`time`, the relative day beside it), an amount
(`.amount`, `.num`), a counter (`.days`, `.counter`: "23日超過", "要件定義4件", "om 11 dagar")
or a status (`.badge`), each heading cell of a data table, each on one line and inside its box; and, in the text of the pages'
own words (not a client's documents, whose prose flows as written), each number with its
counter ("6日前", "4件", "28일", "17 dagar", "10 dni") and each word of WORDS."""

from __future__ import annotations

from pathlib import Path

import pytest

from quality import horizontal_overflow

WIDTHS = (1280, 375)
# Words a reader stumbles on when split ("今/日", "消/費税", "i/dag"), by language
WORDS = {
    "ja": ["今日", "明日", "昨日", "消費税", "請求書", "期限超過", "超過", "マイルストーン",
           "要件定義", "更新情報", "業務範囲", "御中", "合計", "小計", "税率", "登録番号",
           "支払期日", "発行日", "承認待ち", "お支払い"],
    "ko": ["오늘", "내일", "어제", "부가가치세", "청구서", "마일스톤", "공급가액", "합계", "지연",
           "남음"],
    "sv": ["i dag", "i morgon", "i går"],
    "pl": ["dziś", "jutro", "wczoraj"],
    "en": ["today", "tomorrow", "yesterday"],
}
# a number and its counter or unit, as each language writes it
COUNTERS = {
    "ja": r"\d+(?:[日件週年]|か月|ヶ月|週間)",
    "ko": r"\d+(?:[일건주년]|개월)",
    "sv": r"\d+\s(?:dagar|dag|veckor|månader)",
    "pl": r"\d+\s(?:dni|dzień|tygodnie|miesiące|miesięcy)",
    "en": r"\d+\s(?:days?|weeks?|months?)",
}
WHOLE = "time, .relative, .amount, .num, .days, .counter, .badge, .table thead th"
DOCUMENTS = ".prose, .list__excerpt"  # a client's documents and their excerpts: prose

BREAKS = r"""([whole, words, counter]) => {
  const hidden = el => {
    for (let e = el; e && e !== document.body; e = e.parentElement) {
      const s = getComputedStyle(e);
      if (s.display === 'none' || s.visibility === 'hidden') return true;
      if (s.clip !== 'auto' && s.position === 'absolute') return true;
    }
    return false;
  };
  // how many lines a range's boxes stand on: boxes of one line overlap vertically
  const lines = range => {
    const boxes = [...range.getClientRects()].filter(r => r.width > 0 && r.height > 0)
      .sort((a, b) => a.top - b.top);
    let count = 0, bottom = -Infinity;
    for (const box of boxes) {
      if (box.top >= bottom - 1) { count += 1; bottom = box.bottom; }
      else bottom = Math.max(bottom, box.bottom);
    }
    return count;
  };
  const name = el => el.tagName.toLowerCase() + (el.className && typeof el.className === 'string'
    ? '.' + el.className.trim().split(/\s+/).join('.') : '');
  const found = [], range = document.createRange();
  for (const el of document.querySelectorAll(whole)) {
    if (hidden(el) || !el.textContent.trim()) continue;
    // amounts of several currencies one a line; a retainer's period under its amount
    if ([...el.querySelectorAll('*')].some(c => c.tagName === 'BR'
        || getComputedStyle(c).display === 'block')) continue;
    range.selectNodeContents(el);
    const n = lines(range);
    if (n > 1) found.push(`${name(el)} "${el.textContent.trim().slice(0, 40)}" on ${n} lines`);
    // kept whole, it still fits the box it is laid out in (no spilling over a neighbour)
    let box = el.parentElement;
    while (box && getComputedStyle(box).display.startsWith('inline')) box = box.parentElement;
    if (box && getComputedStyle(box).overflowX === 'visible'
        && range.getBoundingClientRect().right > box.getBoundingClientRect().right + 1)
      found.push(`${name(el)} "${el.textContent.trim().slice(0, 40)}" spills out of `
                 + name(box));
  }
  const pattern = new RegExp([counter, ...words.map(w => w.replace(/[.*+?^${}()|[\]\\]/g,
                                                                   '\\$&'))].join('|'), 'g');
  const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walk.nextNode(); node; node = walk.nextNode()) {
    const el = node.parentElement;
    if (!el || el.closest(%DOCUMENTS%) || hidden(el)) continue;
    for (const match of node.data.matchAll(pattern)) {
      range.setStart(node, match.index);
      range.setEnd(node, match.index + match[0].length);
      const n = lines(range);
      if (n > 1) found.push(`"${match[0]}" in ${name(el)} broken over ${n} lines`);
    }
  }
  return found;
}""".replace("%DOCUMENTS%", repr(DOCUMENTS))


def pages(example: Path) -> list[Path]:
    """Every page of every example portal (the agency overview, for staff in one language,
    wraps its nine columns' headings by design)."""
    return sorted(p for p in example.rglob("*.html") if not p.relative_to(example).parts[0]
                  .startswith("_"))


def breaks(page, url: str, language: str) -> list[str]:
    page.goto(url)
    return list(page.evaluate(BREAKS, [WHOLE, WORDS.get(language, []),
                                       COUNTERS.get(language, r"(?!)")]))


def language_of(file: Path) -> str:
    head = file.read_text(encoding="utf-8")[:600]
    return head.split('<html lang="', 1)[1].split('"', 1)[0].split("-")[0] \
        if '<html lang="' in head else "en"


@pytest.mark.parametrize("width", WIDTHS)
def test_no_break_inside_a_date_amount_counter_badge_or_word(browser, example, width):
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    found = []
    languages = set()
    for file in pages(example):
        language = language_of(file)
        languages.add(language)
        found += [f"{file.relative_to(example)} ({language}): {problem}"
                  for problem in breaks(page, file.as_uri(), language)]
        # what is kept whole still fits: nothing pushes the page sideways
        found += [f"{file.relative_to(example)}: overflows: {what}"
                  for what in horizontal_overflow(page)]
    context.close()
    assert languages >= {"en", "ja", "ko", "pl", "sv"}
    assert not found, f"{len(found)} breaks at {width} px:\n" + "\n".join(found)


def test_the_check_finds_a_break(browser, tmp_path):
    """The check itself: a date, a counter and a Japanese word squeezed into a narrow box are
    found broken; the same text with room is not."""
    page_file = tmp_path / "narrow.html"
    page_file.write_text(
        '<!doctype html><html lang="ja"><body style="font-size:16px">'
        '<p style="width:3em;word-break:break-all"><time>2026年11月23日</time></p>'
        '<p style="width:2em;word-break:break-all">消費税</p>'
        '<p style="width:2em;word-break:break-all">23日超過</p>'
        '<p><time>2026年11月30日</time> 消費税 6日前</p></body></html>', encoding="utf-8")
    context = browser.new_context(viewport={"width": 375, "height": 600})
    page = context.new_page()
    found = breaks(page, page_file.as_uri(), "ja")
    context.close()
    assert any(f.startswith('time "2026年11月23日"') for f in found), found
    assert any('"消費税"' in f for f in found) and any('"23日"' in f for f in found), found
    assert not [f for f in found if "11月30日" in f or "6日前" in f]


@pytest.mark.parametrize(("page_path", "upright"), [
    ("sakura-retail/index.html", True), ("hanbit-logistics/index.html", True),
    ("sakura-retail/en/index.html", False), ("kowalski-legal/index.html", False)])
def test_no_synthetic_italic_in_japanese_or_korean(browser, example, page_path, upright):
    """Kanji, kana and Hangul have no italic: emphasis is bold, titles and the like upright;
    Latin languages keep their italic."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto((example / page_path).as_uri())
    styles = page.evaluate("""() => {
        const main = document.querySelector('main') || document.body;
        main.insertAdjacentHTML('beforeend', '<p id="probe"><em>強調</em> <i>用語</i> '
          + '<cite>書名</cite> <dfn>定義</dfn> <span class="empty">なし</span></p>'
          + '<address id="probe-address">東京都</address>');
        const probe = [...document.querySelectorAll('#probe > *, #probe-address')];
        return probe.map(e => [e.tagName.toLowerCase(), getComputedStyle(e).fontStyle,
                               getComputedStyle(e).fontWeight]);
    }""")
    context.close()
    slanted = [tag for tag, style, _ in styles if style != "normal"]
    if upright:
        assert not slanted, styles
        assert int(styles[0][2]) >= 600, styles  # em: bold
    else:
        assert set(slanted) >= {"em", "i", "cite"}, styles
