"""`portal notify` against real SMTP servers on 127.0.0.1 (aiosmtpd, STARTTLS or TLS, with a
login): over a git history with changes for several clients, one digest per contact with
changes, in its portal's language, every link a file of the built output, nothing of another
client in any message, nothing sent twice, and a run that fails part-way resumed by the next."""

from __future__ import annotations

import re
import textwrap
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest

from conftest import AS_OF, BASE_SITE, build_site, portal, write_files
from gitrepo import commit, git, init_repo
from protected_site import CANARY, PASSWORDS, SECRET, VAULT_SITE
from servers import Certificate, Mailbox, free_port, self_signed, smtp_server

BASE_URL = "https://portals.agency.test/"
LOGIN = ("portal-mailer", "smtp-password-for-tests")
PORTAL_YAML = textwrap.dedent(BASE_SITE["content/portal.yaml"]).lstrip("\n") + \
    f"base_url: {BASE_URL}\n"
CANARIES = {"acme": "CANARY-ACME-31b9", "vault": CANARY, "polska": "CANARY-POLSKA-55e0",
            "nihon": "CANARY-NIHON-0c4d", "quiet": "CANARY-QUIET-9a12"}


def dedented(path: str) -> str:
    return textwrap.dedent(str(VAULT_SITE[path])).lstrip("\n")


def client_yaml(name: str, locale: str, contacts: str, extra: str = "") -> str:
    return (f"name: {name}\nlocale: {locale}\naccount_manager: {{name: Ann Manager, "
            f"email: ann@agency.test}}\ncontacts:\n{textwrap.dedent(contacts)}{extra}")


def update(title: str, day: str) -> str:
    return f"---\ntitle: \"{title}\"\ndate: {day}\n---\nText of {title}.\n"


def invoice(number: str, issued: str, due: str, price: str) -> str:
    return (f'number: "{number}"\nissued: {issued}\ndue: {due}\nitems:\n'
            f"  - {{description: Work, quantity: 1, unit_price: {price}, tax_rate: 20}}\n")


def deadlines(*milestones: tuple[str, str, str, str]) -> str:
    return "milestones:\n" + "".join(
        f"  - {{id: {i}, title: \"{t}\", due: {d}, status: {s}}}\n" for i, t, d, s in milestones)


# The site before: five clients, one of them (vault) password-protected with a share link,
# one (polska) behind a capability link. Each client's canary is in its name.
BEFORE: dict[str, str | bytes | None] = {
    **VAULT_SITE,
    "content/portal.yaml": PORTAL_YAML,
    "content/acme/client.yaml": textwrap.dedent(BASE_SITE["content/acme/client.yaml"])
    .replace("name: Acme & Co", f"name: Acme & Co {CANARIES['acme']}")
    .replace("decision_maker: true}\n", "decision_maker: true}\n  - {name: Nora Nomail}\n"
             "  - {name: Quiet Quinn, email: quinn@acme.test, notify: false}\n", 1),
    "content/polska/client.yaml": client_yaml(
        f"Polska {CANARIES['polska']}", "pl", """\
          - {name: Anna Nowak, email: anna@polska.test, decision_maker: true}
          - {name: Piotr Lis, email: piotr@polska.test}
        """, "currency: PLN\naccess: {mode: link}\n"),
    "content/polska/deadlines.yaml": deadlines(("wdrozenie", "Wdrożenie", "2026-12-10",
                                                "in-progress")),
    "content/nihon/client.yaml": client_yaml(
        f"ニホン {CANARIES['nihon']}", "ja", "  - {name: 佐藤 美穂, email: sato@nihon.test}\n",
        "currency: JPY\n"),
    "content/nihon/deadlines.yaml": deadlines(("kaishi", "本番開始", "2026-12-01", "planned")),
    "content/quiet/client.yaml": client_yaml(
        f"Quiet {CANARIES['quiet']}", "en", "  - {name: Quentin, email: q@quiet.test}\n"),
    "content/quiet/updates/2026-10-01-hello.md": update("Hello from Quiet", "2026-10-01"),
}

# What changes: new invoices and updates, milestones moved or done, a document to approve.
CHANGES: dict[str, str | bytes | None] = {
    "content/acme/invoices/2026-11.yaml": invoice("0124", "2026-11-20", "2026-12-04", "1000.00"),
    "content/acme/updates/2026-11-20-news.md": update(f"News {CANARIES['acme']}", "2026-11-20"),
    "content/acme/deadlines.yaml": textwrap.dedent(BASE_SITE["content/acme/deadlines.yaml"])
    .replace('"2027-01-15T10:00:00+01:00"', '"2027-02-01T10:00:00+01:00"'),
    "content/acme/requirements/intake.md": textwrap.dedent(
        BASE_SITE["content/acme/requirements/intake.md"]).replace(
        'version: "0.3"', 'version: "0.3"\napproval: required'),
    "content/vault/invoices/2026-11.yaml": invoice("V-77", "2026-11-21", "2026-12-21", "4321.00"),
    "content/vault/updates/2026-11-21-more.md": update(f"More {CANARY}-NEW", "2026-11-21"),
    "content/vault/deadlines.yaml": dedented("content/vault/deadlines.yaml").replace(
        "due: 2027-01-15", "due: 2027-01-15\n    status: done"),
    "content/polska/invoices/2026-11.yaml": invoice("FV/11/1", "2026-11-20", "2026-12-04",
                                                    "500.00"),
    "content/polska/deadlines.yaml": deadlines(("wdrozenie", "Wdrożenie", "2026-12-10", "done")),
    "content/nihon/deadlines.yaml": deadlines(("kaishi", "本番開始", "2026-12-15", "planned")),
    "content/nihon/updates/2026-11-22-report.md": update("週次報告", "2026-11-22"),
}

# recipient: (client, subject) of the digest each contact with changes gets
EXPECTED = {
    "carl@acme.test": ("acme", f"Acme & Co {CANARIES['acme']}: what's new in your portal"),
    "vera@vault.test": ("vault", f"Vault {CANARY} <script>window.__pwned=1</script>: what's "
                                 "new in your portal"),
    "otto@vault.test": ("vault", f"Vault {CANARY} <script>window.__pwned=1</script>: what's "
                                 "new in your portal"),
    "anna@polska.test": ("polska", f"Polska {CANARIES['polska']}: nowości w Państwa portalu"),
    "piotr@polska.test": ("polska", f"Polska {CANARIES['polska']}: nowości w Państwa portalu"),
    "sato@nihon.test": ("nihon", f"ニホン {CANARIES['nihon']}：ポータル更新のお知らせ"),
}


@pytest.fixture
def certificate(tmp_path_factory) -> Certificate:
    return self_signed(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def smtp_env(monkeypatch, certificate):
    """Secrets of the protected portals, and the client trusting the test's certificate."""
    monkeypatch.setenv("PORTAL_SECRET", SECRET)
    for name, value in PASSWORDS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate.cert))

    def point_at(mailbox: Mailbox, security: str = "starttls",
                 login: tuple[str, str] | None = LOGIN) -> None:
        monkeypatch.setenv("PORTAL_SMTP_HOST", mailbox.host)
        monkeypatch.setenv("PORTAL_SMTP_PORT", str(mailbox.port))
        monkeypatch.setenv("PORTAL_SMTP_SECURITY", security)
        for name, value in zip(("PORTAL_SMTP_USER", "PORTAL_SMTP_PASSWORD"), login or ("", ""),
                               strict=True):
            monkeypatch.setenv(name, value)

    return point_at


def notify(root: Path, *extra: str):
    return portal("notify", "--content", root / "content", "--out", root / "output",
                  "--as-of", AS_OF, *extra)


@pytest.fixture
def history(make_site, tmp_path) -> tuple[Path, str]:
    """The site in git: the state before (commit 1), then the changes (commit 2)."""
    root = make_site(BEFORE)
    init_repo(root)
    commit(root, "Before", when="2026-11-10T09:00:00+00:00")
    first = git(root, "rev-parse", "HEAD").strip()
    return root, first


def change(root: Path) -> None:
    write_files(root, CHANGES)
    commit(root, "Changes", when="2026-11-22T09:00:00+00:00")
    result = build_site(root)
    assert result.exit_code == 0, result.output


def links(message: EmailMessage) -> list[str]:
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    found = re.findall(r"https://\S+", text) + re.findall(r'href="([^"]+)"', html)
    return [link.replace("&amp;", "&") for link in found]


def everything(message: EmailMessage) -> str:
    return "\n".join([str(message["Subject"]), message.get_body(("plain",)).get_content(),
                      message.get_body(("html",)).get_content()])


# ---------------------------------------------------------------- the whole story


def test_notify_sends_each_contact_one_digest_once_and_resumes_after_a_failure(
        history, smtp_env, certificate):
    root, _ = history
    assert build_site(root).exit_code == 0
    with smtp_server(certificate, login=LOGIN) as mailbox:
        smtp_env(mailbox)
        result = notify(root)
        assert result.exit_code == 0, result.output
        assert mailbox.messages == []  # no record yet: every contact starts from now
        assert "7 contacts start from now" in result.output
    assert (root / "output/.clientportal-notified.json").is_file()

    change(root)
    with smtp_server(certificate, login=LOGIN, fail_after=2) as failing:
        smtp_env(failing)
        result = notify(root)
    assert result.exit_code == 1
    assert "2 of 6 messages were sent and recorded; run portal notify again" in result.output
    assert len(failing.messages) == 2

    with smtp_server(certificate, login=LOGIN) as mailbox:
        smtp_env(mailbox)
        result = notify(root)
        assert result.exit_code == 0, result.output
        assert len(mailbox.messages) == 4
        assert mailbox.logins == [LOGIN[0]]  # one session, logged in after STARTTLS
        again = notify(root)
        assert again.exit_code == 0 and len(mailbox.messages) == 4  # nothing twice
        assert "sent 0 messages; 7 contacts had nothing new" in again.output

    received = failing.messages + mailbox.messages
    recipients = [rcpt for _, rcpts, _ in received for rcpt in rcpts]
    assert sorted(recipients) == sorted(EXPECTED)  # each once: the resumed run sent the rest
    for _, (rcpt,), message in received:
        slug, subject = EXPECTED[rcpt]
        assert message["Subject"] == subject
        assert message["To"].addresses[0].addr_spec == rcpt
        assert message["Reply-To"] == "ann@agency.test"
        assert message["From"] == "Test Agency <hello@agency.test>"
        assert message.get_content_type() == "multipart/alternative"
        check_links(root, slug, message)
        text = everything(message)
        others = [c for s, c in CANARIES.items() if s != slug]
        assert [c for c in others if c in text] == [], rcpt
        assert not any(password in text for password in PASSWORDS.values())
    check_contents({rcpt: message for _, (rcpt,), message in received})


def check_links(root: Path, slug: str, message: EmailMessage) -> None:
    """Every link leads into this client's portal, to a file of the built output."""
    found = links(message)
    assert found
    folders = {p.name for p in (root / "output").iterdir() if p.is_dir()}
    for link in found:
        assert link.startswith(BASE_URL), link
        path = link[len(BASE_URL):].split("#")[0]
        folder = path.split("/")[0]
        assert folder in folders and folder.split("-")[0] == slug, link
        assert (root / "output" / path).is_file(), link


def plain(message: EmailMessage) -> str:
    # dates keep no-break spaces, as on the portal's pages; compared here with plain ones
    return message.get_body(("plain",)).get_content().replace("\r\n", "\n").replace("\u00a0", " ")


def check_contents(messages: dict[str, EmailMessage]) -> None:
    acme = plain(messages["carl@acme.test"])
    assert "1 new invoice\n- Invoice 0124: €1,200.00, due December 4, 2026\n" \
           f"  {BASE_URL}acme/invoices/2026-11.html" in acme
    assert f"1 new update\n- News {CANARIES['acme']} (November 20, 2026)" in acme
    assert "1 milestone moved\n- Launch: moved from January 15, 2027 to February 1, 2027\n" \
           f"  {BASE_URL}acme/timeline.html#launch" in acme
    assert f"Awaiting your approval\n- Client intake (Version 0.3)\n" \
           f"  {BASE_URL}acme/requirements/intake.html#approval" in acme
    vault = plain(messages["vera@vault.test"])
    assert "1 new invoice\n- Invoice V-77\n" in vault  # a password portal: titles only
    assert "5,185" not in vault and "December 21" not in vault
    assert re.search(rf"  {BASE_URL}vault/invoices\.html#key=[\w-]{{43}}\n", vault)
    assert f"1 milestone done\n- Launch {CANARY}-MILESTONE\n" in vault
    assert "The portal asks for your password" not in vault  # it opens with the share link
    polska = plain(messages["anna@polska.test"])
    assert "Szanowni Państwo,\n\nOto zmiany w Państwa portalu od naszej ostatniej " \
           "wiadomości.\n\n1 nowa faktura\n- Faktura nr FV/11/1: 600,00 zł, termin płatności " \
           "4 grudnia 2026\n" in polska.replace("\xa0", " ")
    assert "Zrealizowano 1 kamień milowy\n- Wdrożenie\n" in polska
    assert re.search(rf"{BASE_URL}polska-[0-9a-f]{{32}}/timeline\.html#wdrozenie", polska)
    nihon = plain(messages["sato@nihon.test"])
    assert nihon.startswith("佐藤 美穂様\n\nいつも大変お世話になっております。\n\n"
                            "前回のご連絡以降、ポータルで更新された内容をお知らせします。")
    assert "日程変更のあったマイルストーン 1件\n- 本番開始: 2026年12月1日から2026年12月15日に変更" in nihon
    assert "新しい更新情報 1件\n- 週次報告 (2026年11月22日)" in nihon
    html = messages["sato@nihon.test"].get_body(("html",)).get_content()
    assert '<html lang="ja">' in html and "ポータルを開く</a>" in html


# ---------------------------------------------------------------- --since and --dry-run


def test_since_sends_what_changed_since_a_commit_and_dry_run_writes_eml_files(
        history, smtp_env, tmp_path):
    root, first = history
    change(root)
    drafts = tmp_path / "drafts"
    result = notify(root, "--since", first, "--dry-run", drafts)
    assert result.exit_code == 0, result.output
    written = sorted(p.name for p in drafts.glob("*.eml"))
    assert written == sorted(f"{EXPECTED[r][0]}--{r}.eml" for r in EXPECTED)
    assert not (root / "output/.clientportal-notified.json").exists()  # nothing recorded
    message = message_from_bytes((drafts / "polska--anna@polska.test.eml").read_bytes(),
                                 policy=policy.default)
    assert message["Subject"] == EXPECTED["anna@polska.test"][1]
    assert message["Date"] == "Mon, 23 Nov 2026 12:00:00 +0000"  # SOURCE_DATE_EPOCH
    assert notify(root, "--since", first, "--dry-run", tmp_path / "again").exit_code == 0
    assert (tmp_path / "again" / written[0]).read_bytes() == (drafts / written[0]).read_bytes()


def test_since_does_not_repeat_what_a_contact_was_told(history, smtp_env, certificate):
    root, first = history
    change(root)
    with smtp_server(certificate, login=LOGIN) as mailbox:
        smtp_env(mailbox)
        assert notify(root, "--since", first).exit_code == 0
        assert len(mailbox.messages) == 6
        assert notify(root, "--since", first).exit_code == 0
        assert len(mailbox.messages) == 6  # the same --since again: nothing new


def test_implicit_tls_and_a_server_without_starttls(history, smtp_env, certificate,
                                                    tmp_path):
    root, first = history
    change(root)
    with smtp_server(certificate, "tls", login=LOGIN) as mailbox:
        smtp_env(mailbox, "tls")
        result = notify(root, "--since", first)
        assert result.exit_code == 0, result.output
        assert len(mailbox.messages) == 6 and mailbox.logins == [LOGIN[0]]
    (root / "output/.clientportal-notified.json").unlink()
    from aiosmtpd.controller import Controller

    class Refuse:  # a server without STARTTLS: nothing may be sent to it
        async def handle_DATA(self, server, session, envelope):  # noqa: N802
            raise AssertionError("a message was sent unencrypted")

    port = free_port()
    plain = Controller(Refuse(), hostname="127.0.0.1", port=port)
    plain.start()
    try:
        smtp_env(Mailbox("127.0.0.1", port), "starttls", login=None)
        result = notify(root, "--since", first)
    finally:
        plain.stop()
    assert result.exit_code == 1 and "STARTTLS extension not supported" in result.output
    assert "0 of 6 messages were sent" in result.output


# ---------------------------------------------------------------- opting out, mistakes


def test_contacts_and_clients_can_opt_out(history, smtp_env, tmp_path):
    root, first = history
    write_files(root, {"content/polska/client.yaml": str(BEFORE["content/polska/client.yaml"])
                       + "notifications: {enabled: false}\n",
                       "content/vault/client.yaml": dedented("content/vault/client.yaml")
                       .replace("otto@vault.test}", "otto@vault.test, notify: false}")})
    change(root)
    result = notify(root, "--since", first, "--dry-run", tmp_path / "d")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "d").glob("*.eml")) == [
        "acme--carl@acme.test.eml", "nihon--sato@nihon.test.eml", "vault--vera@vault.test.eml"]


def test_password_portal_details_only_when_the_client_allows_them(history, smtp_env, tmp_path):
    root, first = history
    write_files(root, {"content/vault/client.yaml": dedented("content/vault/client.yaml")
                       + "notifications: {details: true}\n"})
    change(root)
    assert notify(root, "--since", first, "--dry-run", tmp_path / "d").exit_code == 0
    message = message_from_bytes((tmp_path / "d" / "vault--vera@vault.test.eml").read_bytes(),
                                 policy=policy.default)
    assert "- Invoice V-77: €5,185.20, due December 21, 2026\n" in plain(message)


@pytest.mark.parametrize(("setup", "args", "expected"), [
    ({"content/portal.yaml": PORTAL_YAML.replace(f"base_url: {BASE_URL}\n", "")}, (),
     "portal notify links into the published portals: set base_url in portal.yaml"),
    ({}, ("--since", "no-such-ref"), "--since no-such-ref: not a commit of the content folder's "
                                     "git repository"),
])
def test_usage_errors(history, smtp_env, setup, args, expected):
    root, _ = history
    write_files(root, setup)
    result = notify(root, *args)
    assert result.exit_code == 2 and expected in result.output


def test_without_smtp_settings_nothing_is_sent_or_recorded(history, smtp_env, monkeypatch):
    root, first = history
    change(root)
    monkeypatch.delenv("PORTAL_SMTP_HOST", raising=False)
    result = notify(root, "--since", first)
    assert result.exit_code == 2 and "PORTAL_SMTP_HOST is not set" in result.output
    assert not (root / "output/.clientportal-notified.json").exists()


def test_the_record_alone_as_a_ci_cache_restores_it(history, smtp_env, tmp_path):
    """A CI job restores only the record into a fresh checkout: that folder is the
    generator's; any other non-empty folder is refused, as `portal build` refuses it."""
    root, first = history
    assert notify(root, "--since", first).exit_code == 0
    record = (root / "output/.clientportal-notified.json").read_bytes()
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    (fresh / ".clientportal-notified.json").write_bytes(record)
    result = portal("notify", "--content", root / "content", "--out", fresh, "--as-of", AS_OF)
    assert result.exit_code == 0, result.output
    assert "sent 0 messages; 7 contacts had nothing new" in result.output
    assert (fresh / ".clientportal").is_file()
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine")
    result = portal("notify", "--content", root / "content", "--out", foreign, "--as-of", AS_OF)
    assert result.exit_code == 2 and "not created by `portal build`" in result.output
