"""Append a mapping to a list in a person's YAML, keeping the rest of the text theirs.

ruamel.yaml's round-trip mode keeps comments, key order, quoting and flow style; the file's
own indentation is found and kept, lines are never re-wrapped. Values are written as a
person types them: dates as 2026-11-30, Decimals as 1234.50 (never floats, never tags),
strings quoted only where YAML needs it (also where YAML 1.1 tools would read a word such as
`yes` as something else), text of several lines as a literal block.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError
from ruamel.yaml.representer import RoundTripRepresenter
from ruamel.yaml.scalarstring import LiteralScalarString, SingleQuotedScalarString
from ruamel.yaml.tokens import CommentToken
from ruamel.yaml.util import load_yaml_guess_indent

from generator.writeback.edits import Scalar

# The front matter as generator.content.read finds it: '---' lines around it.
FRONT_MATTER = re.compile(r"\A(---[ \t]*\r?\n)(.*?)(^---[ \t]*\r?$\n?)", re.S | re.M)
# Words YAML 1.1 reads as booleans or null: quoted, so every tool reads them as text.
_YAML11_WORDS = re.compile(r"^(?:y|n|yes|no|on|off|true|false|null|~)$", re.I)
_MAPPING_INDENT = re.compile(r"^[^\s#-][^:\n]*:[ \t]*\n( +)[^\s#-]", re.M)
WIDTH = 4096  # never re-wrap a person's long lines


class EditError(Exception):
    """An edit that cannot be made to this text (its message says why, for the office)."""


class _Representer(RoundTripRepresenter):
    """Writes Decimals as numbers a person types."""


def _decimal(representer: RoundTripRepresenter, value: Decimal) -> object:
    text = format(value, "f")
    tag = "tag:yaml.org,2002:float" if "." in text else "tag:yaml.org,2002:int"
    return representer.represent_scalar(tag, text)


_Representer.add_representer(Decimal, _decimal)


def _yaml_for(text: str) -> YAML:
    """A round-trip YAML set up to write back `text` as it is."""
    yaml = YAML(typ="rt")
    yaml.Representer = _Representer
    yaml.preserve_quotes = True
    yaml.width = WIDTH
    sequence, offset = 4, 2  # a list's items as this project's files write them: "  - "
    try:
        _, guessed, guessed_offset = load_yaml_guess_indent(text)
        if guessed is not None:
            sequence, offset = guessed, guessed_offset or 0
    except YAMLError:
        pass  # load() below says what is wrong
    mapping = _MAPPING_INDENT.search(text)
    yaml.indent(mapping=len(mapping.group(1)) if mapping else 2, sequence=sequence,
                offset=offset)
    return yaml


def append_to_yaml(text: str, key_path: tuple[str | int, ...], item: Mapping[str, Scalar],
                   seen_by: str) -> str | None:
    """`text` with `item` appended to the list at `key_path` (created if missing); None when
    an item of the list already holds `item[seen_by]`."""
    yaml = _yaml_for(text)
    try:
        data = yaml.load(text)
    except YAMLError as error:
        raise EditError(f"is not YAML a machine can edit ({_first_line(error)})") from None
    if data is None:
        data = CommentedMap()
    if not isinstance(data, CommentedMap):
        raise EditError("does not hold a mapping of keys to values")
    items = _list_at(data, key_path)
    if any(isinstance(old, Mapping) and old.get(seen_by) == item[seen_by] for old in items):
        return None
    items.append(_new_item(item, items))
    _move_trailing_comment(items)
    out = io.StringIO()
    yaml.dump(data, out)
    return out.getvalue()


def append_to_front_matter(text: str, key_path: tuple[str | int, ...],
                           item: Mapping[str, Scalar], seen_by: str) -> str | None:
    """A Markdown file's text with `item` appended in its front matter; the text below the
    front matter stays byte for byte (an approval's fingerprint is of that text)."""
    match = FRONT_MATTER.match(text)
    if not match:
        raise EditError("has no front matter between '---' lines")
    edited = append_to_yaml(match.group(2).replace("\r\n", "\n"), key_path, item, seen_by)
    if edited is None:
        return None
    if "\r\n" in match.group(2):
        edited = edited.replace("\n", "\r\n")
    return match.group(1) + edited + match.group(3) + text[match.end():]


def _list_at(data: CommentedMap, key_path: tuple[str | int, ...]) -> CommentedSeq:
    """The list at `key_path`, made (with the mappings leading to it) where missing."""
    current: object = data
    for depth, key in enumerate(key_path):
        last = depth == len(key_path) - 1
        if isinstance(current, CommentedMap) and isinstance(key, str):
            if current.get(key) is None:
                current[key] = CommentedSeq() if last else CommentedMap()
            current = current[key]
        elif isinstance(current, CommentedSeq) and isinstance(key, int) \
                and -len(current) <= key < len(current):
            current = current[key]
        else:
            raise EditError(f"has no place for '{_dotted(key_path[:depth + 1])}'")
    if not isinstance(current, CommentedSeq):
        raise EditError(f"'{_dotted(key_path)}' is not a list")
    return current


def _new_item(item: Mapping[str, Scalar], siblings: CommentedSeq) -> CommentedMap:
    """The item as the list's other items are written: a flow mapping `{…}` beside flow
    mappings, a block one otherwise."""
    mapping = CommentedMap((key, _value(value)) for key, value in item.items()
                           if value is not None)
    previous = siblings[-1] if len(siblings) else None
    if isinstance(previous, CommentedMap) and previous.fa.flow_style() \
            and not any(isinstance(v, LiteralScalarString) for v in mapping.values()):
        mapping.fa.set_flow_style()
    return mapping


def _value(value: Scalar) -> object:
    if isinstance(value, str) and "\n" in value.strip("\n"):
        return LiteralScalarString(value.rstrip("\n") + "\n")
    if isinstance(value, str) and _YAML11_WORDS.match(value):
        return SingleQuotedScalarString(value)
    if isinstance(value, (bool, int, str, Decimal, date)):
        return value
    raise TypeError(f"not a scalar for YAML: {type(value).__name__}")  # a caller's bug


def _move_trailing_comment(items: CommentedSeq) -> None:
    """Comment lines below a list belong below its new last item, not above it: ruamel keeps
    them with the item that was last (after its end-of-line comment, which stays)."""
    if len(items) < 2:
        return
    slot = _trailing_slot(items, len(items) - 2)
    if slot is None or slot[0][slot[1]] is None:
        return
    token = slot[0][slot[1]]
    line_end, _, below = token.value.partition("\n")
    if not below.strip():
        return
    token.value = line_end + "\n"
    if not line_end.strip():
        slot[0][slot[1]] = None
    target = _trailing_slot(items, len(items) - 1, create=True)
    assert target is not None
    target[0][target[1]] = CommentToken("\n" + below, token.start_mark, None)


def _trailing_slot(items: CommentedSeq, index: int,
                   create: bool = False) -> tuple[list[Any], int] | None:
    """Where ruamel keeps the comment after item `index`: (the comment list, its position)."""
    item = items[index]
    if isinstance(item, CommentedMap) and len(item) and not item.fa.flow_style():
        key = list(item)[-1]
        if create:
            item.ca.items.setdefault(key, [None, None, None, None])
        return (item.ca.items[key], 2) if key in item.ca.items else None
    if create:
        items.ca.items.setdefault(index, [None, None, None, None])
    return (items.ca.items[index], 0) if index in items.ca.items else None


def _dotted(key_path: tuple[str | int, ...]) -> str:
    return "".join(f"[{k}]" if isinstance(k, int) else f".{k}" for k in key_path).lstrip(".")


def _first_line(error: YAMLError) -> str:
    return str(error).strip().splitlines()[0]
