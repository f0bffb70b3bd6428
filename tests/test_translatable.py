"""Texts a client reads, per language in a portal of several: milestone titles, the client's
name, its contacts' roles and its manager's title (`{ja: …, en: …}`), with a check warning
where a bilingual portal has one in one language only."""

from __future__ import annotations

import textwrap

from conftest import BASE_SITE, build_site, portal

CLIENT = textwrap.dedent(BASE_SITE["content/acme/client.yaml"]).lstrip("\n")
BILINGUAL = CLIENT.replace("name: Acme & Co", "name: {ja: アクメ商事, en: Acme & Co}").replace(
    "locale: en", "locales: [ja, en]").replace(
    "role: CTO", "role: {ja: 最高技術責任者, en: CTO}")
DEADLINES = """
milestones:
  - {id: kickoff, title: {ja: キックオフ, en: Kickoff}, due: 2026-09-01, status: done}
  - {id: launch, title: 公開, due: 2027-01-15}
"""


def test_each_language_reads_its_own_texts(make_site, monkeypatch):
    root = make_site({"content/acme/client.yaml": BILINGUAL,
                      "content/acme/deadlines.yaml": DEADLINES})
    monkeypatch.chdir(root)
    check = portal("check")
    assert check.exit_code == 0, check.output
    assert ("content/acme/deadlines.yaml:3: warning: milestone 2 (公開), title: given in one "
            "language only; give it in each of the portal's (ja, en)") in check.output
    assert "kickoff" not in check.output.lower().split("warning")[-1]
    assert build_site(root).exit_code == 0
    japanese = (root / "output/acme/timeline.html").read_text()
    english = (root / "output/acme/en/timeline.html").read_text()
    assert "キックオフ" in japanese and "Kickoff" not in japanese
    assert "Kickoff" in english and "キックオフ" not in english
    assert "アクメ商事" in japanese and "Acme &amp; Co" in english
    contact = (root / "output/acme/en/contact.html").read_text()
    assert "CTO" in contact and "最高技術責任者" not in contact


def test_a_text_must_be_given_in_the_first_language_and_only_in_the_portals(make_site,
                                                                           monkeypatch):
    root = make_site({"content/acme/client.yaml": BILINGUAL,
                      "content/acme/deadlines.yaml": DEADLINES.replace(
                          "{ja: キックオフ, en: Kickoff}", "{de: Anfang, en: Kickoff}")})
    monkeypatch.chdir(root)
    check = portal("check")
    assert check.exit_code == 1
    assert "milestone 1 (Kickoff), title: 'de' is not one of the portal's languages (ja, en)" \
        in check.output or "title: 'de' is not one of the portal's languages" in check.output
    assert "title: give the text in ja, the portal's first language" in check.output
