"""calendar.ics follows RFC 5545: CRLF, folding at 75 octets, escaping, all-day events."""

from generator.render.ics import escape_text, fold


def test_fold_never_exceeds_75_octets_nor_splits_a_character():
    line = "DESCRIPTION:" + "Zażółć gęślą jaźń 日本語のテキスト 한국어 " * 6
    folded = fold(line)
    parts = folded.split("\r\n")
    assert len(parts) > 1
    assert all(len(p.encode("utf-8")) <= 75 for p in parts)
    assert all(p.startswith(" ") for p in parts[1:])
    assert "".join(p[1:] if i else p for i, p in enumerate(parts)) == line


def test_short_lines_are_not_folded():
    assert fold("SUMMARY:Kickoff") == "SUMMARY:Kickoff"


def test_text_escaping():
    assert escape_text("a, b; c\\d\ne") == "a\\, b\\; c\\\\d\\ne"
