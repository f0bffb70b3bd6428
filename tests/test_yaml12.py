"""YAML is read by 1.2 core-schema rules, with exact decimals and line marks."""

from decimal import Decimal

import pytest

from generator.content.yaml12 import YamlSyntaxError, parse_yaml


@pytest.mark.parametrize("text, value", [
    ("NO", "NO"),              # a country code, not False
    ("yes", "yes"),
    ("off", "off"),
    ("true", True),
    ("False", False),
    ("1:20", "1:20"),          # not sexagesimal 80
    ("0123", "0123"),          # keeps its leading zero, not octal 83
    ("0o17", 15),
    ("0x1F", 31),
    ("42", 42),
    ("-7", -7),
    ("12.10", Decimal("12.10")),
    ("0.1", Decimal("0.1")),
    ("1e3", Decimal("1E+3")),
    ("2026-11-23", "2026-11-23"),  # dates are parsed by the models, not by YAML
    ("~", None),
    ("null", None),
    (".inf", ".inf"),
])
def test_scalars_follow_yaml_1_2_core(text, value):
    data = parse_yaml(f"key: {text}\n").data["key"]
    assert data == value
    assert type(data) is type(value)


def test_decimals_are_never_floats():
    data = parse_yaml("amounts: [12.10, 0.1, 1000.005]\n").data["amounts"]
    assert all(isinstance(a, Decimal) for a in data)
    assert [str(a) for a in data] == ["12.10", "0.1", "1000.005"]


def test_every_value_has_a_line():
    document = parse_yaml("a: 1\nb:\n  - x: 1\n    y: 2\n  - x: 3\n")
    assert document.line_of(("a",)) == 1
    assert document.line_of(("b",)) == 2
    assert document.line_of(("b", 0, "y")) == 4
    assert document.line_of(("b", 1, "x")) == 5
    assert document.line_of(("b", 1, "missing")) == 5  # falls back to the nearest known place


def test_line_offset_for_front_matter():
    assert parse_yaml("title: x\nstatus: y\n", line_offset=1).line_of(("status",)) == 3


def test_duplicate_keys_are_recorded():
    assert parse_yaml("a: 1\nb: 2\na: 3\n").duplicate_keys == [("a", 3)]


def test_syntax_error_has_a_line():
    with pytest.raises(YamlSyntaxError) as caught:
        parse_yaml("a: 1\nb: [1, 2\nc: 3\n")
    assert caught.value.line is not None and caught.value.line >= 2


def test_unsafe_tags_are_refused():
    with pytest.raises(YamlSyntaxError):
        parse_yaml("a: !!python/object/apply:os.system ['true']\n")
