"""Messages in an office's words: the value as people write it on paper, and what to write."""

from __future__ import annotations

import pytest

from generator.content.wording import choice_fix, date_fix, number_fix, place
from generator.content.yaml12 import YamlSyntaxError, parse_yaml


@pytest.mark.parametrize(("written", "fix"), [
    ("29.11.2026", "write dates as 2026-11-29 (got '29.11.2026')"),
    ("29/11/2026", "write dates as 2026-11-29 (got '29/11/2026')"),
    ("11/29/2026", "write dates as 2026-11-29 (got '11/29/2026')"),
    ("2026/11/29", "write dates as 2026-11-29 (got '2026/11/29')"),
    ("03/04/2026", "write dates as YYYY-MM-DD: 2026-04-03 or 2026-03-04? (got '03/04/2026')"),
    ("next week", "'next week' is not a date; write dates as YYYY-MM-DD, e.g. 2026-11-29"),
])
def test_a_date_written_on_paper_gets_its_iso_form(written, fix):
    assert date_fix(written) == fix


@pytest.mark.parametrize(("written", "number"), [
    ("25%", "write 25, without %"), ("18 500,00", "write 18500.00 "),
    ("18\u00a0500,00", "write 18500.00 "), ("1.234,50", "write 1234.50 "),
    ("1,234.50", "write 1234.50 "), ("12,5", "write 12.5 "), ("€ 1 200", "write 1200 "),
    ("1200 zł", "write 1200 "), ("lots", "'lots' is not a number"),
])
def test_a_number_written_on_paper_gets_its_plain_form(written, number):
    assert number_fix(written).startswith(number)


def test_a_choice_in_another_case_is_suggested():
    assert choice_fix("Done", ["planned", "done"]) == \
        "'Done' is not one of planned, done (did you mean 'done'?)"


def test_list_items_are_counted_from_one_and_named_by_their_title():
    data = {"milestones": [{"id": "a", "title": "Kickoff"}, {"title": "Design sign-off"}]}
    assert place(("milestones", 1, "due"), data) == "milestone 2 (Design sign-off), due"
    assert place(("contract", "ends_on"), {}) == "contract.ends_on"
    assert place(("items", 0), {"items": [{"description": "Retainer"}]}) == "item 1 (Retainer)"


@pytest.mark.parametrize(("text", "line", "words"), [
    ('a: 1\ntitle: "Client intake\nstatus: draft\nversion: "0.3"\nz: 2\n', 2,
     'the text opened with " on this line is not closed'),
    ("a: 1\nlocales: [en, pl\nb: 2\n", 2, "the list opened with '[' on this line is not closed"),
    ("title: Note: urgent\n", 1, "a ': ' inside a value; put the value in quotes"),
    ("milestones:\n\t- id: a\n", 2, "(a tab? indent with spaces only"),
])
def test_a_yaml_mistake_is_named_at_its_line_in_plain_words(text, line, words):
    with pytest.raises(YamlSyntaxError) as raised:
        parse_yaml(text)
    assert raised.value.line == line
    assert words in str(raised.value) and "while parsing" not in str(raised.value)
