"""Cheap properties (Hypothesis) of pure functions, many examples each in milliseconds: the
calendar's text escaping and line folding, the sealing and packing of a protected portal's
files, the shard a client falls in, and the build date. The ledger's are in
test_ledger_properties.py; the end-to-end ones (whole builds) in test_properties.py."""

from __future__ import annotations

import re
import zlib
from datetime import date, datetime, timedelta, timezone

import pytest
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.content.dates import zone
from generator.pipeline.options import build_date, selected_clients
from generator.pipeline.plan import shard_of
from generator.protection.protect import deflate, seal
from generator.render.ics import escape_text, fold

MANY = settings(max_examples=200, deadline=None, derandomize=True, database=None)
TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=300)
SLUGS = st.text("abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=24)
ZONES = st.sampled_from(["UTC", "Europe/Amsterdam", "Asia/Tokyo", "Pacific/Kiritimati",
                         "Pacific/Pago_Pago", "America/St_Johns", "Asia/Kathmandu"])


def _unescape(value: str) -> str:
    return re.sub(r"\\(.)", lambda m: "\n" if m.group(1) == "n" else m.group(1), value)


# ------------------------------------------------------------------------ calendar text

@MANY
@given(TEXT)
def test_an_escaped_text_is_one_line_and_reads_back(text):
    escaped = escape_text(text)
    assert "\n" not in escaped and "\r" not in escaped
    assert not re.search(r"(?<!\\)(\\\\)*[;,]", escaped.replace("\\;", "").replace("\\,", ""))
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f]", escaped)
    kept = re.sub("\r\n|[\r\n\x85\u2028\u2029]", "\n", text)
    assert _unescape(escaped) == re.sub("[\x00-\x08\x0b-\x1f\x7f-\x9f]", "", kept)


@MANY
@given(TEXT, st.integers(min_value=8, max_value=120))
def test_a_folded_line_unfolds_to_itself_in_lines_within_the_limit(line, limit):
    folded = fold(line, limit)
    pieces = folded.split("\r\n")
    assert all(len(piece.encode("utf-8")) <= limit for piece in pieces)
    assert all(piece.startswith(" ") for piece in pieces[1:])
    assert folded.replace("\r\n ", "") == line  # never inside a character: it decodes back


# -------------------------------------------------------------- a protected portal's files

KEYS = st.binary(min_size=32, max_size=32)


@MANY
@given(KEYS, st.text(min_size=1, max_size=60), st.binary(max_size=2000))
def test_a_sealed_file_opens_with_its_key_and_path_only(key, path, plaintext):
    sealed = seal(key, path, plaintext)
    assert sealed == seal(key, path, plaintext)  # a rebuild writes the same bytes
    nonce, body = sealed[:12], sealed[12:]
    assert AESGCM(key).decrypt(nonce, body, path.encode("utf-8")) == plaintext
    with pytest.raises(InvalidTag):
        AESGCM(key).decrypt(nonce, body, (path + "x").encode("utf-8"))  # moved elsewhere
    with pytest.raises(InvalidTag):
        AESGCM(bytes(32) if key != bytes(32) else b"\1" * 32).decrypt(nonce, body,
                                                                       path.encode("utf-8"))


@MANY
@given(KEYS, st.text(min_size=1, max_size=60), st.binary(max_size=500), st.binary(max_size=500))
def test_different_files_never_share_a_nonce(key, path, one, other):
    if one != other:
        assert seal(key, path, one)[:12] != seal(key, path, other)[:12]


@MANY
@given(st.binary(max_size=5000))
def test_a_deflated_payload_inflates_back(data):
    assert zlib.decompress(deflate(data), wbits=-15) == data


# ------------------------------------------------------------------------- selection

@MANY
@given(st.lists(SLUGS, unique=True, max_size=20), st.integers(min_value=1, max_value=12))
def test_every_client_falls_in_exactly_one_shard(slugs, count):
    shards = {slug: shard_of(slug, count) for slug in slugs}
    assert all(1 <= shard <= count for shard in shards.values())
    together = sorted(s for index in range(1, count + 1)
                      for s in slugs if shard_of(s, count) == index)
    assert together == sorted(slugs)
    assert shards == {slug: shard_of(slug, count) for slug in reversed(slugs)}  # stable


@MANY
@given(st.lists(SLUGS, unique=True, max_size=20), st.data())
def test_selected_clients_keep_the_known_order(known, data):
    wanted = tuple(data.draw(st.lists(st.sampled_from(known), unique=True)) if known else [])
    chosen = selected_clients(known, wanted)
    assert chosen == [slug for slug in known if not wanted or slug in wanted]


def test_a_shard_is_what_it_was():
    """Stable across machines and Python runs (no hash seed): a CI matrix's shards agree."""
    slugs = ("acme", "beta", "kowalski-legal", "nordlys-saas")
    assert [shard_of(slug, 4) for slug in slugs] == [1, 2, 1, 2]
    assert [shard_of(slug, 7) for slug in slugs] == [3, 4, 1, 1]


# ------------------------------------------------------------------------ the build date

MOMENTS = st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2099, 12, 31),
                       timezones=st.just(timezone.utc))


@MANY
@given(MOMENTS, ZONES)
def test_source_date_epoch_is_that_day_in_the_agency_s_zone(moment, name):
    environ = {"SOURCE_DATE_EPOCH": str(int(moment.timestamp()))}
    day = build_date(None, name, environ, date(2026, 11, 23))
    local = moment.replace(microsecond=0).astimezone(zone(name))
    assert day == local.date()
    assert abs(datetime(day.year, day.month, day.day, tzinfo=timezone.utc) - moment) \
        < timedelta(days=2)


@MANY
@given(st.dates(), ZONES, MOMENTS)
def test_the_as_of_option_wins_over_everything(option, name, moment):
    environ = {"SOURCE_DATE_EPOCH": str(int(moment.timestamp()))}
    assert build_date(option, name, environ, date(2026, 11, 23)) == option
