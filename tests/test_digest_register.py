"""The digest speaks to each reader as the portal and the payment reminders do: the native
business register of en, ja, ko, pl and sv (generator.publish.register holds the one table).

Each language's digest is taken from `portal notify --dry-run` over the example portals after
an update was committed, and checked against the register written down here: its greeting,
one sentence that addresses the reader, its closing, and no word of the familiar register."""

from __future__ import annotations

import shutil
from datetime import date
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from conftest import EXAMPLE_CONTENT, portal
from generator.publish.register import REGISTERS, addressed
from gitrepo import commit, init_repo

BASE = "https://portals.example.com/"
LOCALES = Path(__file__).resolve().parent.parent / "themes/default/locales"

# language: (client, reader's address, greeting, a sentence in the register, closing)
REGISTER = {
    "pl": ("kowalski-legal", "anna.kowalska@kowalski-legal.pl", "Szanowni Państwo,\n",
           "Oto zmiany w Państwa portalu od naszej ostatniej wiadomości.", "Z wyrazami szacunku"),
    "sv": ("nordlys-saas", "elin.sandberg@nordlys.se", "Hej Elin,\n",
           "Här är vad som har ändrats i din portal sedan vårt senaste meddelande.",
           "Med vänliga hälsningar"),
    "ja": ("sakura-retail", "k.takahashi@sakura-retail.jp", "高橋 健一様\n\nいつも大変お世話になっております。\n",
           "前回のご連絡以降、ポータルで更新された内容をお知らせします。",
           "何卒よろしくお願い申し上げます。"),
    "ko": ("hanbit-logistics", "minho.jung@hanbitlogis.co.kr", "정민호 님, 안녕하십니까.\n",
           "지난 안내 이후 포털에서 변경된 내용을 알려 드립니다.", "감사합니다."),
    "en": ("hanbit-logistics", "minho.jung@hanbitlogis.co.kr", "Dear 정민호,\n",
           "Here is what changed in your portal since our last message.", "Kind regards,"),
}
NOTE = "---\ntitle: {title}\ndate: 2026-11-21\nkind: note\n---\n\n{title}.\n"
TITLES = {"pl": "Notatka", "sv": "Anteckning", "ja": "お知らせ", "ko": "안내", "en": "Note"}


def dry_run(root: Path, day: date, drafts: Path) -> list[EmailMessage]:
    result = portal("notify", "--content", root / "content", "--out", root / "output",
                    "--base-url", BASE, "--as-of", day.isoformat(), "--dry-run", drafts)
    assert result.exit_code == 0, result.output
    messages = [message_from_bytes(p.read_bytes(), policy=policy.default)
                for p in sorted(drafts.glob("*.eml"))]
    for path in drafts.glob("*.eml"):
        path.unlink()
    return messages


def plain(message: EmailMessage) -> str:
    return message.get_body(("plain",)).get_content().replace("\r\n", "\n") \
        .replace("\u00a0", " ")


def digests(root: Path, languages: list[str]) -> dict[str, EmailMessage]:
    """Each language's digest to its reader, after a note was added to its client."""
    shutil.copytree(EXAMPLE_CONTENT, root / "content")
    init_repo(root)
    commit(root, "example portals", "2026-11-01T09:00:00+00:00")
    drafts = root.parent / "drafts"
    assert dry_run(root, date(2026, 11, 20), drafts) == []  # contacts start from now
    for language in languages:
        slug = REGISTER[language][0]
        if language == "en":  # the Korean client's portal in English
            profile = root / f"content/{slug}/client.yaml"
            profile.write_text(profile.read_text().replace("locale: ko", "locale: en"))
        (root / f"content/{slug}/updates/2026-11-21-note.md").write_text(
            NOTE.format(title=TITLES[language]), encoding="utf-8")
    commit(root, "a note", "2026-11-21T09:00:00+00:00")
    sent = {m["To"].addresses[0].addr_spec: m for m in dry_run(root, date(2026, 11, 21), drafts)}
    return {language: sent[REGISTER[language][1]] for language in languages}


@pytest.fixture(scope="module")
def sent(tmp_path_factory: pytest.TempPathFactory) -> dict[str, EmailMessage]:
    """The digests of pl, sv, ja and ko in one run; English (the Korean client's portal in
    English) in another."""
    return digests(tmp_path_factory.mktemp("native") / "repo", ["pl", "sv", "ja", "ko"]) | \
        digests(tmp_path_factory.mktemp("english") / "repo", ["en"])


@pytest.mark.parametrize("language", sorted(REGISTER))
def test_each_language_digest_is_in_the_portals_register(sent, language):
    _, _, greeting, sentence, closing = REGISTER[language]
    message = sent[language]
    text = plain(message)
    assert text.startswith(greeting), text
    assert sentence in text and closing in text, text
    assert TITLES[language] in text  # a digest, of the note
    familiar = [w for w in REGISTERS[language].familiar if w in text + message["Subject"]]
    assert not familiar, (familiar, text)
    html = message.get_body(("html",)).get_content()
    assert greeting.split("\n")[0] in html and closing in html


def test_the_polish_digest_no_longer_says_ty_nor_greets_by_full_name(sent):
    anna = sent["pl"]
    assert str(anna["Subject"]) == "Kowalski i Wspólnicy: nowości w Państwa portalu"
    text = plain(anna)
    assert "Dzień dobry, Anna Kowalska," not in text and "Twoim" not in text
    assert "Hej Elin Sandberg" not in plain(sent["sv"])


@pytest.mark.parametrize(("language", "name", "called"), [
    ("sv", "Elin Sandberg", "Elin"), ("sv-SE", "Elin Sandberg", "Elin"),
    ("pl", "Anna Kowalska", ""), ("ja", "高橋 健一", "高橋 健一"), ("ko", "정민호", "정민호"),
    ("en", "Anna Kowalska", "Anna Kowalska"), ("de", "Anna Kowalska", "Anna Kowalska")])
def test_what_a_greeting_calls_the_reader(language, name, called):
    assert addressed(name, language) == called


@pytest.mark.parametrize("language", sorted(REGISTERS))
def test_no_catalogue_string_uses_the_familiar_register(language):
    """Every translation a client reads (portal and e-mail alike): the portal says "Państwo",
    so may no message."""
    with (LOCALES / language / "LC_MESSAGES/messages.po").open("rb") as po_file:
        catalogue = read_po(po_file)
    found = [(message.id, word) for message in catalogue if message.id
             for text in ([message.string] if isinstance(message.string, str)
                          else message.string)
             for word in REGISTERS[language].familiar if word in f" {text} "]
    assert not found
