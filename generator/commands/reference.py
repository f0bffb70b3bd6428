"""Generated documentation: the content format (docs/content-format.md) and the code layout.

`python -m generator.commands.reference > docs/content-format.md` writes the reference of every
content file from the models; `--architecture` prints README's tree of the code, each module
with the first line of its docstring. Tests keep both in step.
"""

from __future__ import annotations

import ast
import inspect
import sys
import typing
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from generator.content import models

INTRO = """\
# Content format reference

Generated from `generator/content/models.py` by
`python -m generator.commands.reference > docs/content-format.md`; a test keeps it in step. Every file is validated: unknown keys are errors, and every error names
the file and line.

YAML is read by YAML 1.2 core rules: only `true`/`false` are booleans (`NO` stays text), numbers
with a leading zero stay text (`0123`), decimals are exact (`12.10`), and dates are written
`YYYY-MM-DD` (a date-time as `2026-12-10T14:00:00+01:00`). Markdown files start with front matter
between two `---` lines. Links and image paths in Markdown are written relative to the client
folder (`requirements/intake.md`, `files/brief.pdf`) and may not leave it.
"""

FILES: list[tuple[str, type[BaseModel]]] = [
    ("content/portal.yaml", models.PortalConfig),
    ("<client>/client.yaml", models.ClientProfile),
    ("<client>/scope.md (front matter)", models.ScopeMeta),
    ("<client>/requirements/*.md (front matter)", models.RequirementMeta),
    ("<client>/updates/*.md (front matter)", models.UpdateMeta),
    ("<client>/deadlines.yaml", models.Deadlines),
    ("<client>/satisfaction.yaml", models.Satisfaction),
    ("<client>/questions/*.yaml", models.QuestionThread),
    ("<client>/invoices/*.yaml", models.Invoice),
]


def reference() -> str:
    """Return the whole reference as Markdown."""
    sections, seen = [INTRO], set[str]()
    for title, model in FILES:
        sections.append(f"## {title}\n")
        sections.extend(_model_sections(model, model.__name__, seen))
    return "\n".join(sections)


def _model_sections(model: type[BaseModel], name: str, seen: set[str]) -> list[str]:
    if name in seen:
        return []
    seen.add(name)
    rows = ["| key | type | default | meaning |", "| --- | --- | --- | --- |"]
    nested: list[type[BaseModel]] = []
    for key, field in model.model_fields.items():
        rows.append(f"| `{key}` | {_type_name(field.annotation)} | {_default(field)} | "
                    f"{field.description or ''} |")
        nested.extend(_models_in(field.annotation))
    text = [f"### {name}\n\n{inspect.cleandoc(model.__doc__ or '')}\n\n" + "\n".join(rows) + "\n"]
    for inner in nested:
        text.extend(_model_sections(inner, inner.__name__, seen))
    return text


def _default(field: FieldInfo) -> str:
    if field.is_required():
        return "**required**"
    if field.default_factory is not None or field.default in (None, PydanticUndefined) \
            or isinstance(field.default, BaseModel):
        return ""
    return f"`{str(field.default).lower() if isinstance(field.default, bool) else field.default}`"


def _type_name(annotation: Any) -> str:
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is typing.Literal:
        return " \\| ".join(f"`{a}`" for a in args)
    if origin is list:
        return f"list of {_type_name(args[0])}"
    if origin is typing.Annotated:
        return _type_name(args[0])
    if args:
        return " or ".join(_type_name(a) for a in args if a is not type(None))
    return getattr(annotation, "__name__", str(annotation)).replace("Decimal", "number")


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in typing.get_args(annotation) for m in _models_in(arg)]


GENERATOR = Path(__file__).resolve().parents[1]
# The subpackages in pipeline order: each imports only those before it (a test holds them to
# it); the commands, which run the stages, come last.
PACKAGES = ("content", "invoicing", "bank", "web", "render", "protection", "pipeline", "publish",
            "writeback", "inbox", "commands")


def architecture() -> str:
    """README's tree of the code: every package and module, and what it is for."""
    lines = ["generator/"]
    lines += [_module_line(path, "  ") for path in _modules(GENERATOR)]
    for package in PACKAGES:
        folder = GENERATOR / package
        lines.append(_line(f"  {package}/", _summary(folder / "__init__.py")))
        lines += [_module_line(path, "    ") for path in _modules(folder)]
    return "```\n" + "\n".join(lines) + "\n```\n"


def _modules(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("*.py") if p.name != "__init__.py")


def _module_line(path: Path, indent: str) -> str:
    return _line(indent + path.name, _summary(path))


def _line(name: str, summary: str) -> str:
    return f"{name:<26}{summary}"


def _summary(path: Path) -> str:
    """The first line of a module's docstring."""
    docstring = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
    return docstring.split("\n")[0]


if __name__ == "__main__":
    print(architecture() if "--architecture" in sys.argv[1:] else reference(), end="")
