"""YAML with YAML 1.2 core-schema scalars, exact decimals and a line for every value.

PyYAML resolves scalars by YAML 1.1 rules: `NO` becomes False, `1:20` becomes 80 and `0123`
becomes 83. Content is written by people, so we resolve only what YAML 1.2's core schema
resolves, keep digit strings with a leading zero as text (invoice numbers, postal codes), read
decimal numbers as `Decimal` exactly as written, and leave dates as text for the models to parse.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import yaml

if TYPE_CHECKING:
    _BaseLoader = yaml.SafeLoader
else:  # the C loader where LibYAML is installed
    _BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

Location = tuple[Any, ...]

_CORE_RESOLVERS = [
    ("tag:yaml.org,2002:null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
    ("tag:yaml.org,2002:bool", r"^(?:true|True|TRUE|false|False|FALSE)$", list("tTfF")),
    ("tag:yaml.org,2002:int", r"^(?:[-+]?(?:0|[1-9][0-9]*)|0o[0-7]+|0x[0-9a-fA-F]+)$",
     list("-+0123456789")),
    ("tag:yaml.org,2002:float",
     r"^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)(?:[eE][-+]?[0-9]+)?$|^[-+]?[0-9]+[eE][-+]?[0-9]+$",
     list("-+.0123456789")),
]


_FLOAT = re.compile(_CORE_RESOLVERS[3][1])
MAX_VALUES = 100_000  # values in one document, aliases counted as often as they are used
MAX_DEPTH = 64  # levels of nesting in one document
MAX_INT_DIGITS = 30  # an integer literal longer than this is no real figure
# What YAML does not allow in a stream (control characters but tab, LF, CR, NEL; surrogates;
# U+FFFE, U+FFFF): found here with their line, where the parser would give an offset.
_NOT_YAML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff]")


class Yaml12Loader(_BaseLoader):
    """A safe loader with YAML 1.2 core-schema resolution."""

    yaml_implicit_resolvers: dict[str | None, list[tuple[str, re.Pattern[str]]]] = {}


for _tag, _pattern, _first in _CORE_RESOLVERS:
    Yaml12Loader.add_implicit_resolver(_tag, re.compile(_pattern), _first)


def _construct_int(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> int:
    text = str(loader.construct_scalar(node))
    if len(text.lstrip("+-")) > MAX_INT_DIGITS:
        raise yaml.constructor.ConstructorError(
            None, None, f"an integer of {len(text.lstrip('+-'))} digits is more than any "
            f"figure here needs (at most {MAX_INT_DIGITS})", node.start_mark)
    if text.startswith("0o"):
        return int(text[2:], 8)
    if text.startswith("0x"):
        return int(text[2:], 16)
    return int(text)


def _construct_decimal(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Decimal | str:
    text = str(loader.construct_scalar(node))
    if not _FLOAT.match(text):
        return text  # an explicit !!float tag on text that is no number
    return Decimal(text)


def _construct_text(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> str:
    return str(loader.construct_scalar(node))


Yaml12Loader.add_constructor("tag:yaml.org,2002:int", _construct_int)
Yaml12Loader.add_constructor("tag:yaml.org,2002:float", _construct_decimal)
Yaml12Loader.add_constructor("tag:yaml.org,2002:timestamp", _construct_text)


@dataclass
class YamlDocument:
    """Parsed YAML data, and the 1-based line where each value (by location) starts."""

    data: Any
    lines: dict[Location, int] = field(default_factory=dict)
    duplicate_keys: list[tuple[str, int]] = field(default_factory=list)

    def line_of(self, location: Location) -> int | None:
        """Return the line of the deepest known location on the way to `location`."""
        for end in range(len(location), -1, -1):
            line = self.lines.get(tuple(location[:end]))
            if line is not None:
                return line
        return None


class YamlSyntaxError(Exception):
    """YAML that does not parse; carries the 1-based line of the mistake."""

    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.line = line


def parse_yaml(text: str, line_offset: int = 0) -> YamlDocument:
    """Parse one YAML document; `line_offset` shifts lines (front matter inside Markdown).

    Bounded: a character YAML forbids is reported at its line; aliases may not refer to
    themselves nor expand to more than MAX_VALUES values (the "billion laughs"), and nesting
    stops at MAX_DEPTH levels, before anything walks the data.
    """
    if bad := _NOT_YAML.search(text):
        raise YamlSyntaxError(f"invalid YAML: the control character U+{ord(bad.group()):04X} "
                              "is not allowed in YAML text (write it as an escape in a "
                              "double-quoted string, or remove it)",
                              text.count("\n", 0, bad.start()) + 1 + line_offset)
    loader = Yaml12Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return YamlDocument(data=None, lines={(): 1 + line_offset})
        if "&" in text or not _plain_tree_within_bounds(node):  # '&': an anchor, aliases
            _check_size(node, line_offset)
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as error:
        line = _error_line(error, line_offset)
        quote = _unclosed_quote(text, error)
        if quote is not None:
            raise YamlSyntaxError(
                f"invalid YAML: the text opened with {quote[1]} on this line is not closed; "
                f"end it with {quote[1]} on the same line", quote[0] + line_offset) from None
        if _is_unclosed_bracket(error):  # the mistake is where it opened
            line = _line(error.context_mark, line_offset) or line
        raise YamlSyntaxError(_syntax_message(error, line_offset, line), line) from None
    except yaml.YAMLError as error:
        raise YamlSyntaxError(str(error), None) from None
    finally:
        loader.dispose()
    document = YamlDocument(data=data)
    _record_lines(node, (), document, line_offset)
    return document


def _check_size(root: yaml.Node, offset: int) -> None:
    """Refuse a node graph that refers to itself, nests too deep or expands too far.

    Each distinct node is visited once (its expanded size remembered), so this takes time
    in proportion to the text, whatever the aliases would expand to.
    """
    sizes: dict[int, int] = {}
    stack: list[tuple[yaml.Node, int, bool]] = [(root, 1, False)]
    open_nodes: set[int] = set()
    while stack:
        node, depth, done = stack.pop()
        children = _children(node)
        if done:
            open_nodes.discard(id(node))
            sizes[id(node)] = 1 + sum(sizes[id(child)] for child in children)
            if sizes[id(node)] > MAX_VALUES:
                raise YamlSyntaxError(f"invalid YAML: aliases expand to more than {MAX_VALUES} "
                                      "values; write the values out", _line(node.start_mark, offset))
            continue
        if id(node) in sizes:
            continue
        if depth > MAX_DEPTH:
            raise YamlSyntaxError(f"invalid YAML: nested more than {MAX_DEPTH} levels deep",
                                  _line(node.start_mark, offset))
        open_nodes.add(id(node))
        stack.append((node, depth, True))
        for child in children:
            if id(child) in open_nodes:
                raise YamlSyntaxError("invalid YAML: an alias refers to the value it is part of",
                                      _line(child.start_mark, offset))
            stack.append((child, depth + 1, False))


def _plain_tree_within_bounds(root: yaml.Node) -> bool:
    """For a document without anchors (so without aliases: a tree): whether it is within
    MAX_DEPTH and MAX_VALUES. Cheaper than `_check_size`, which finds what is wrong."""
    count, stack = 0, [(root, 1)]
    while stack:
        node, depth = stack.pop()
        count += 1
        if depth > MAX_DEPTH or count > MAX_VALUES:
            return False
        if isinstance(node, yaml.MappingNode):
            stack.extend((part, depth + 1) for pair in node.value for part in pair)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend((child, depth + 1) for child in node.value)
    return True


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _line(mark: yaml.Mark | None, offset: int) -> int | None:
    return mark.line + 1 + offset if mark else None


def _error_line(error: yaml.MarkedYAMLError, offset: int) -> int | None:
    """Where the mistake is: where the parser stopped, unless it stopped only at the end of
    the text (an unclosed quote or bracket), which is not where anything was written."""
    if "end of stream" in (error.problem or "") and error.context_mark is not None:
        return _line(error.context_mark, offset)
    return _line(error.problem_mark or error.context_mark, offset)


# A value opened with a quote: after 'key: ', '- ' or at a line's start.
_QUOTED_START = re.compile(r"""^\s*(?:-\s+)*(?:[^\s"'#][^:#]*:\s+(?:-\s+)*)?(["'])""")


def _unclosed_quote(text: str, error: yaml.MarkedYAMLError) -> tuple[int, str] | None:
    """The first line (1-based) up to where the parser stopped whose quoted value does not
    close on it, and its quote: where an office's unclosed quote is, though YAML reads on."""
    mark = error.problem_mark or error.context_mark
    last = mark.line + 1 if mark is not None else text.count("\n") + 1
    for number, line in enumerate(text.splitlines()[:last], start=1):
        match = _QUOTED_START.match(line)
        if match and not _closes(line[match.end():], match.group(1)):
            return number, match.group(1)
    return None


def _closes(rest: str, quote: str) -> bool:
    """Whether a quoted value closes on its line (`rest` follows the opening quote)."""
    if quote == "'":
        return "'" in rest  # '' inside is a quote written twice: still closed after it
    return bool(re.search(r'(?<!\\)"', rest))


# PyYAML's words for the mistakes an office makes, and what to do about each.
_PLAIN = (
    ("flow sequence", "the list opened with '[' on this line is not closed: end it with ']' "
                      "(or put a ',' between its values)"),
    ("flow mapping", "the '{{' on this line is not closed: end it with '}}' (or put a ',' "
                     "between its entries)"),
    ("mapping values are not allowed", "a ': ' inside a value; put the value in quotes "
                                       "(\"like: this\")"),
    ("cannot start any token", "a character that cannot start a value here (a tab? indent with "
                               "spaces only; '@' or '`'? put the value in quotes)"),
    ("expected <block end>", "this line is not indented like the lines before it"),
    ("did not find expected key", "this line is not indented like the lines before it"),
    ("could not find expected ':'", "a line without 'key: value' (a ':' and a space after the "
                                    "key), or a value that runs on without quotes"),
)


def _is_unclosed_bracket(error: yaml.MarkedYAMLError) -> bool:
    return "flow sequence" in (error.context or "") or "flow mapping" in (error.context or "")


def _plain_words(error: yaml.MarkedYAMLError) -> str | None:
    said = f"{error.context or ''} {error.problem or ''}"
    return next((plain.format() for words, plain in _PLAIN if words in said), None)


def _syntax_message(error: yaml.MarkedYAMLError, offset: int, line: int | None) -> str:
    plain = _plain_words(error)
    if plain:
        return f"invalid YAML: {plain}"
    started = _line(error.context_mark, offset)
    context = error.context or ""
    if context and started and started != line:
        context += f" started on line {started}"
    message = "; ".join(part for part in (context, error.problem) if part)
    return f"invalid YAML: {message}"


def _record_lines(node: yaml.Node, location: Location, document: YamlDocument, offset: int) -> None:
    document.lines[location] = node.start_mark.line + 1 + offset
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else repr(key_node)
            if key in seen:
                document.duplicate_keys.append((key, key_node.start_mark.line + 1 + offset))
            seen.add(key)
            _record_lines(value_node, location + (key,), document, offset)
            # A key's own line is where "unknown key" or "wrong type" belongs.
            document.lines[location + (key,)] = key_node.start_mark.line + 1 + offset
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _record_lines(item, location + (index,), document, offset)
