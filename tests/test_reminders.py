"""Payment reminders: `portal notify --dry-run` over a sequence of build dates sends each
reminder once and none after payment, with what is left to pay, the QR code and the pay link;
each language's message is checked against a native-register table written down here."""

from __future__ import annotations

import io
import shutil
from datetime import date, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from PIL import Image
from zxingcpp import read_barcodes

from bankfiles import Line, camt053
from conftest import EXAMPLE_CONTENT, portal
from generator.content.models import Reminders
from gitrepo import commit, init_repo

BASE = "https://portals.example.com/"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(EXAMPLE_CONTENT, root / "content")
    init_repo(root)
    commit(root, "example portals", "2026-11-01T09:00:00+00:00")
    return root


def dry_run(root: Path, day: date, drafts: Path) -> list[EmailMessage]:
    """One `portal notify --dry-run` into `drafts` as of `day`: the messages it wrote (taken
    out of the folder; its record stays)."""
    result = portal("notify", "--content", root / "content", "--out", root / "output",
                    "--base-url", BASE, "--as-of", day.isoformat(), "--dry-run", drafts)
    assert result.exit_code == 0, result.output
    messages = []
    for path in sorted(drafts.glob("*.eml")):
        messages.append(message_from_bytes(path.read_bytes(), policy=policy.default))
        path.unlink()
    return messages


def plain(message: EmailMessage) -> str:
    return message.get_body(("plain",)).get_content()


def reminded(message: EmailMessage) -> list[str]:
    """The invoice numbers a message reminds of (from its text, in any language)."""
    return [number for number in ("FV/2026/09/017", "FV/2026/10/012", "INV-2026-1011",
                                  "INV-2026-1116", "0441", "0456", "MV-KR-2026-09",
                                  "MV-KR-2026-10")
            if f"{number}" in plain(message).split("\n\n", 2)[-1].split("--\n")[0]
            and _is_reminder(message)]


def _is_reminder(message: EmailMessage) -> bool:
    return any(word in str(message["Subject"]) for word in (
        "payment reminder", "przypomnienie o płatności", "betalningspåminnelse",
        "お支払いについてのご案内", "결제 안내"))


def pay(root: Path, tmp: Path, line: Line) -> None:
    """Record a payment as the agency does: a statement imported with --commit."""
    statement = tmp / f"{line.reference}.xml"
    statement.write_bytes(camt053("08", [line], currency=line.currency))
    result = portal("payments", "import", statement, "--content", root / "content",
                    "--out", root / "output", "--as-of", line.booked.isoformat(), "--commit")
    assert result.exit_code == 0 and "1 payment(s) recorded" in result.output, result.output


def test_each_reminder_is_sent_once_and_none_after_payment(repo, tmp_path):
    drafts = tmp_path / "drafts"
    assert dry_run(repo, date(2026, 11, 20), drafts) == []  # contacts start from now
    sent: list[tuple[date, str, str]] = []
    day = date(2026, 11, 21)
    while day <= date(2027, 1, 10):
        if day == date(2026, 11, 25):  # part of FV/2026/09/017 (27,921.00 open)
            pay(repo, tmp_path, Line(amount="10000.00", currency="PLN", booked=day,
                                     reference="PART-1", text="FV/2026/09/017"))
        if day == date(2026, 12, 10):  # all of FV/2026/10/012
            pay(repo, tmp_path, Line(amount="22755.00", currency="PLN", booked=day,
                                     reference="FULL-1", text="FV/2026/10/012"))
        for message in dry_run(repo, day, drafts):
            assert message["To"].addresses[0].username != "piotr.zielinski"  # not billing
            sent += [(day, message["To"].addresses[0].addr_spec, number)
                     for number in reminded(message)]
        day += timedelta(days=1)
    polish = [(d.isoformat(), number) for d, to, number in sent if to.endswith(".pl")]
    assert polish == [
        ("2026-11-26", "FV/2026/10/012"),  # 3 days before it is due (2026-11-29)
        ("2026-11-29", "FV/2026/09/017"),  # 30 days after 2026-10-30
        ("2026-12-06", "FV/2026/10/012"),  # 7 days after; then paid on 2026-12-10: no more
    ]
    assert len(sent) == len(set(sent))
    assert [d for d, to, n in sent if n == "INV-2026-1116"] == [
        date(2026, 12, 13), date(2026, 12, 23), date(2026, 12, 30)]  # -3, 7, 14 days


def test_a_reminder_says_what_is_left_and_carries_the_qr_code_and_pay_link(repo, tmp_path):
    (repo / "content/portal.yaml").write_text(
        (repo / "content/portal.yaml").read_text()
        + "payment_url: https://pay.example.com/{number}?amount={amount}\n")
    drafts = tmp_path / "drafts"
    dry_run(repo, date(2026, 11, 20), drafts)
    pay(repo, tmp_path, Line(amount="10000.00", currency="PLN", booked=date(2026, 11, 25),
                             reference="PART-1", text="FV/2026/09/017"))
    [message] = [m for m in dry_run(repo, date(2026, 11, 29), drafts)
                 if "kowalski" in m["To"].addresses[0].domain]
    text = plain(message).replace("\u00a0", " ")
    assert "Pozostało do zapłaty: 17 921,00 zł" in text  # 27,921.00 less the 10,000.00 paid
    assert "https://pay.example.com/FV/2026/09/017?amount=17921.00" in text  # the pay link
    html = message.get_body(("html",)).get_content()
    images = {part["Content-ID"].strip("<>"): part.get_content() for part in message.walk()
              if part.get_content_type() == "image/png"}
    assert len(images) == 2  # one QR code a reminder, each shown by the HTML
    assert all(f'src="cid:{content_id}"' in html for content_id in images)
    codes = [code.text for png in images.values()
             for code in read_barcodes(Image.open(io.BytesIO(png)))]
    [code] = [text for text in codes if "FV/2026/09/017" in text]
    # Polish ZBP: 17,921.00 zł is above its six digits of grosze, so the payer types the
    # amount (as the invoice page says); the account and the reference are in the code
    assert code.split("|")[2:4] == ["64114020040000361274589102", "000000"]
    assert "wpisz kwotę" in html


# The native register of a payment reminder in each language: how it greets, how it addresses
# the reader, how it closes. Polish in the formal "Państwo" (never "Ty"), Swedish in the
# business "ni" and by first name, Japanese in business keigo (様, いただく, 申し上げます),
# Korean in the formal 하십시오체 (님, -십니까, -시기 바랍니다). The table of what each
# language's greeting calls the reader is generator.publish.register's, shared with the digest.
REGISTER = {
    "pl": ("Szanowni Państwo,", "Jeśli Państwo już zapłacili", "Z wyrazami szacunku",
           ("Twój", "Twoim", "Ciebie", "zapłaciłeś")),
    "sv": ("Hej Elin,", "Om ni redan har betalat", "Med vänliga hälsningar",
           ("du redan",)),
    "ja": ("高橋 健一様", "お支払いいただいている場合は", "何卒よろしくお願い申し上げます。",
           ("あなた",)),
    "ko": ("정민호 님, 안녕하십니까.", "이미 입금하셨다면", "감사합니다.",
           ("당신", "너")),
    "en": ("Dear 정민호,", "If you have already paid", "Kind regards,", ("Hey",)),
}
# the client of each language, and a day a reminder (and nothing else) is due to it
CLIENTS = {"pl": ("kowalski-legal", date(2026, 11, 26)),
           "sv": ("nordlys-saas", date(2026, 11, 26)),
           "ja": ("sakura-retail", date(2026, 11, 29)),
           "ko": ("hanbit-logistics", date(2026, 11, 26)),
           "en": ("hanbit-logistics", date(2026, 11, 26))}


@pytest.mark.parametrize("language", sorted(REGISTER))
def test_each_language_reminds_in_its_native_register(repo, tmp_path, language):
    slug, day = CLIENTS[language]
    if language == "en":  # the Korean client's portal in English
        profile = repo / f"content/{slug}/client.yaml"
        profile.write_text(profile.read_text().replace("locale: ko", "locale: en"))
    drafts = tmp_path / "drafts"
    dry_run(repo, date(2026, 11, 20), drafts)
    messages = [m for m in dry_run(repo, day, drafts)
                if f"/{slug}/" in plain(m) and _is_reminder(m)]
    assert len(messages) == 1  # the billing contact's: one message
    greeting, pronoun, closing, never = REGISTER[language]
    text = plain(messages[0])
    assert text.startswith(greeting), text
    assert pronoun in text and closing in text
    assert not [word for word in never if word in text]


def test_the_default_schedule_and_its_checks():
    assert Reminders().days == [-3, 7, 14, 30]
    with pytest.raises(ValueError, match="listed twice"):
        Reminders(days=[7, 7])
    with pytest.raises(ValueError, match="-60"):
        Reminders(days=[400])
