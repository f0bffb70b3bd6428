"""Whether an e-mail's sender is who its From header says (DKIM, trusted servers).

A DKIM signature of the sender's domain, verified here with dkimpy, or the verdict of a mail
server the agency trusts.

A DKIM signature counts when it verifies, covers the From and Message-ID headers and the
whole body (no `l=`), and its domain (d=) is the From address's domain or a parent of it. An
Authentication-Results header (RFC 8601) counts only when it is the topmost one (the last
added, by the agency's own receiving server, which removes forged copies of its own) and its
authserv-id is one of portal.yaml's `inbox.trusted_authserv_ids`; then its `dkim=pass` for
the sender's domain is taken as that server's word. Nothing else authenticates a message:
not SPF, not a display name, not a Reply-To.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from email import policy
from email.parser import BytesHeaderParser

import dkim

from generator.inbox.mailparse import Mail
from generator.inbox.records import Refused

DnsLookup = Callable[..., bytes | None]  # dkimpy's dnsfunc: (name, timeout=…) -> TXT record
MAX_SIGNATURES = 5
MIN_KEY_BITS = 1024
DNS_TIMEOUT = 10
# dkimpy reports a failing signature through a logger: a hostile message is no error of ours.
_SILENT = logging.Logger("generator.inbox.dkimpy", logging.CRITICAL + 1)
_COMMENT = re.compile(r"\([^()]*\)")


def lookup_txt(name: bytes, timeout: int = DNS_TIMEOUT) -> bytes | None:
    """A DKIM key's TXT record from DNS (dkimpy's own lookup)."""
    record: bytes | None = dkim.dnsplug.get_txt(name, timeout=timeout)
    return record


@dataclass(frozen=True, kw_only=True)
class Trust:
    """What authenticates a sender: the servers whose Authentication-Results count, and how
    DKIM keys are looked up."""

    authserv_ids: tuple[str, ...] = ()
    lookup: DnsLookup | None = None  # None: DNS (lookup_txt)


def authenticate(raw: bytes, mail: Mail, trust: Trust) -> str:
    """How the sender is authenticated, for listings ("DKIM signature of acme.example");
    Refused, with what was found instead, when it is not."""
    domains, problems = _dkim_domains(raw, trust.lookup or lookup_txt)
    if any(aligned(mail.sender_domain, domain) for domain in domains):
        return f"DKIM signature of {mail.sender_domain}"
    server = _trusted_results(raw, mail.sender_domain, trust.authserv_ids)
    if server:
        return f"Authentication-Results of {server}"
    found = "; ".join(problems + [f"a valid DKIM signature of {d}, another domain"
                                  for d in domains]) or "no DKIM signature"
    raise Refused(f"its sender {mail.sender} is not authenticated ({found}; and no "
                  "Authentication-Results of a trusted mail server says dkim=pass for "
                  f"{mail.sender_domain})")


def aligned(sender_domain: str, signing_domain: str) -> bool:
    """Whether a signature of `signing_domain` speaks for addresses at `sender_domain`."""
    sender, signer = sender_domain.lower().rstrip("."), signing_domain.lower().rstrip(".")
    return bool(signer) and (sender == signer or sender.endswith("." + signer))


def _dkim_domains(raw: bytes, lookup: DnsLookup) -> tuple[list[str], list[str]]:
    """The domains of the signatures that verify (and cover what must be covered), and what
    is wrong with the others."""
    try:
        verifier = dkim.DKIM(raw, logger=_SILENT, minkey=MIN_KEY_BITS, timeout=DNS_TIMEOUT)
    except dkim.DKIMException as error:
        return [], [f"no DKIM signature could be read ({error})"]
    count = sum(1 for name, _ in verifier.headers if name.lower() == b"dkim-signature")
    domains: list[str] = []
    problems: list[str] = []
    for index in range(min(count, MAX_SIGNATURES)):
        try:
            verified = verifier.verify(idx=index, dnsfunc=lookup)
        except dkim.DKIMException as error:  # the first words: no hashes in the listing
            problems.append(f"a DKIM signature of {_signer(verifier)} that does not verify "
                            f"({str(error).split(' (', 1)[0][:80]})")
            continue
        problem = _signature_problem(verified, verifier)
        if problem:
            problems.append(problem)
        else:
            domains.append(verifier.domain.decode("ascii", "replace"))
    return domains, problems


def _signer(verifier: dkim.DKIM) -> str:
    return verifier.domain.decode("ascii", "replace") if verifier.domain else "an unknown domain"


def _signature_problem(verified: bool, verifier: dkim.DKIM) -> str | None:
    domain = _signer(verifier)
    if not verified:
        return f"a DKIM signature of {domain} that does not verify"
    if b"l" in verifier.signature_fields:
        return f"a DKIM signature of {domain} covering only part of the body (l=)"
    signed = set(verifier.include_headers)
    if not {b"from", b"message-id"} <= signed:
        return f"a DKIM signature of {domain} not covering From and Message-ID"
    return None


def _trusted_results(raw: bytes, sender_domain: str, trusted: Sequence[str]) -> str | None:
    """The trusted server whose topmost Authentication-Results passes DKIM for the sender's
    domain, if so."""
    if not trusted:
        return None
    headers = BytesHeaderParser(policy=policy.compat32).parsebytes(raw)
    results = headers.get_all("Authentication-Results") or []
    if not results:
        return None
    server, verdicts = parse_results(str(results[0]))
    if server.lower() not in {name.lower() for name in trusted}:
        return None
    if any(method == "dkim" and result == "pass" and aligned(sender_domain, domain)
           for method, result, domain in verdicts):
        return server
    return None


def parse_results(value: str) -> tuple[str, list[tuple[str, str, str]]]:
    """An Authentication-Results value: its authserv-id, and each result as (method, result,
    the domain it names in header.d or header.i)."""
    text = _COMMENT.sub(" ", " ".join(value.split()))
    server, *results = [part.strip() for part in text.split(";")]
    verdicts = []
    for result in results:
        words = result.split()
        if not words or "=" not in words[0]:
            continue
        method, _, outcome = words[0].partition("=")
        properties = dict(word.partition("=")[::2] for word in words[1:] if "=" in word)
        domain = properties.get("header.d") or properties.get("header.i", "").rpartition("@")[2]
        verdicts.append((method.lower(), outcome.lower(), domain.strip('"').lower()))
    return (server.split() or [""])[0], verdicts
