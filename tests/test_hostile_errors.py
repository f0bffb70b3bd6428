"""Clear verdicts: a byte order mark is skipped, control characters and unclosed quotes are
reported at their own line, a language listed twice and a date written as a number are
errors, a bad link repeated is reported at each of its lines. Each case: its exact message."""

from __future__ import annotations

import textwrap

import pytest

from conftest import BASE_SITE, build_site

CLIENT = textwrap.dedent(BASE_SITE["content/acme/client.yaml"]).lstrip("\n")
SCOPE = textwrap.dedent(BASE_SITE["content/acme/scope.md"]).lstrip("\n")
CONTROL = ("the control character U+{:04X} is not allowed in YAML text (write it as an escape "
           "in a double-quoted string, or remove it)")

ERRORS: dict[str, tuple[dict[str, str | bytes | None], str]] = {
    "bell in client.yaml": ({"content/acme/client.yaml": CLIENT.replace("CTO", "C\x07TO")},
                            "acme/client.yaml:11: invalid YAML: " + CONTROL.format(7)),
    "NUL in deadlines.yaml": ({"content/acme/deadlines.yaml": "milestones:\n  - id: a\n"
                                                              "    title: A\x00\n"},
                              "acme/deadlines.yaml:3: invalid YAML: " + CONTROL.format(0)),
    "escape in front matter": ({"content/acme/scope.md": SCOPE.replace("approved", "appr\x1bved")},
                               "acme/scope.md:3: front matter: invalid YAML: " + CONTROL.format(0x1b)),
    "DEL in portal.yaml": ({"content/portal.yaml": textwrap.dedent(
        BASE_SITE["content/portal.yaml"]).lstrip("\n").replace("Test Agency\n", "Test\x7f Agency\n", 1)},
        "portal.yaml:2: invalid YAML: " + CONTROL.format(0x7f)),
    "unclosed quote": ({"content/acme/deadlines.yaml": "milestones:\n  - id: a\n"
                                                       "    title: 'Launch\n    due: 2027-01-01\n"},
                       "acme/deadlines.yaml:3: invalid YAML: the text opened with ' on this line is "
                       "not closed; end it with ' on the same line"),
    "unclosed flow list": ({"content/acme/client.yaml": CLIENT.replace(
        'branding: {accent: "#0b6e4f"}', "branding: [one, two")},
        "acme/client.yaml:9: invalid YAML: the list opened with '[' on this line is not "
        "closed: end it with ']' (or put a ',' between its values)"),
    "tab indentation": ({"content/acme/deadlines.yaml": "milestones:\n\t- id: a\n"},
                        "acme/deadlines.yaml:2: invalid YAML: a character that cannot start a value "
                        "here (a tab? indent with spaces only"),
    "language twice": ({"content/acme/client.yaml": CLIENT.replace("locale: en",
                                                                   "locales: [pl, en, pl]")},
                       "acme/client.yaml:3: locales: 'pl' is listed twice"),
    "date written 0 in front matter": ({"content/acme/scope.md": SCOPE.replace(
        "approved_on: 2026-09-01", "approved_on: 0")},
        "acme/scope.md:5: approved_on: '0' is not a date (YYYY-MM-DD)"),
    "contract start written 20260101": ({"content/acme/client.yaml": CLIENT + (
        "contract: {starts_on: 20260101}\n")},
        "acme/client.yaml:13: contract.starts_on: '20260101' is not a date (YYYY-MM-DD)"),
    "byte that is not UTF-8 on line 7": ({"content/acme/scope.md": SCOPE.encode().replace(
        b"## Goals", b"## Go\xe9ls")}, "acme/scope.md:7: is not UTF-8 text (invalid continuation byte)"),
    "repeated bad link, second line": ({"content/acme/scope.md": SCOPE + (
        "\nMention of files/nope.pdf here.\n\n[a](files/nope.pdf)\n\n[b](files/nope.pdf)\n")},
        "acme/scope.md:15: attachment 'files/nope.pdf' not found in files/"),
    "repeated bad link, first line": ({"content/acme/scope.md": SCOPE + (
        "\nMention of files/nope.pdf here.\n\n[a](files/nope.pdf)\n\n[b](files/nope.pdf)\n")},
        "acme/scope.md:13: attachment 'files/nope.pdf' not found in files/"),
}

ACCEPTED: dict[str, dict[str, str | bytes | None]] = {
    "byte order mark before front matter": {"content/acme/scope.md": "\ufeff" + SCOPE},
    "byte order mark before YAML": {"content/acme/client.yaml": "\ufeff" + CLIENT},
    "CRLF line ends": {"content/acme/scope.md": SCOPE.replace("\n", "\r\n"),
                      "content/acme/client.yaml": CLIENT.replace("\n", "\r\n")},
    "tab inside a value": {"content/acme/client.yaml": CLIENT.replace("role: CTO", "role: 'C\tTO'")},
    "control character escaped in a double-quoted string": {
        "content/acme/client.yaml": CLIENT.replace("role: CTO", 'role: "C\\aTO"')},
}


@pytest.mark.parametrize("case", sorted(ERRORS))
def test_error_names_its_line(make_site, case):
    changes, expected = ERRORS[case]
    result = build_site(make_site(changes))
    assert result.exit_code == 1
    assert expected in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("case", sorted(ACCEPTED))
def test_accepted(make_site, case):
    result = build_site(make_site(ACCEPTED[case]))
    assert result.exit_code == 0, result.output
