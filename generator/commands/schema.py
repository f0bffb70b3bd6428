"""`portal schema`: JSON Schema of the content files, generated from the pydantic models.

Editors validate and complete YAML with them: the YAML language server (VS Code's YAML
extension, Neovim, Helix, JetBrains) reads a `# yaml-language-server: $schema=<path>` comment on
a file's first line, which `portal new` writes.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from generator.content.models import (
    ClientProfile,
    Deadlines,
    Invoice,
    PortalConfig,
    Satisfaction,
)

DIALECT = "https://json-schema.org/draft/2020-12/schema"

# file name of each schema → the model, and the content files it describes
SCHEMAS: dict[str, tuple[type[BaseModel], str]] = {
    "portal.schema.json": (PortalConfig, "content/portal.yaml"),
    "client.schema.json": (ClientProfile, "content/<client>/client.yaml"),
    "deadlines.schema.json": (Deadlines, "content/<client>/deadlines.yaml"),
    "invoice.schema.json": (Invoice, "content/<client>/invoices/*.yaml"),
    "satisfaction.schema.json": (Satisfaction, "content/<client>/satisfaction.yaml"),
}


def schema_for(model: type[BaseModel], describes: str) -> dict[str, Any]:
    """The JSON Schema (2020-12) of one content file."""
    schema = model.model_json_schema(mode="validation")
    _allow_numbers_as_text(schema)
    header = {"$schema": DIALECT, "title": f"clientportal: {describes}"}
    return {**header, **{k: v for k, v in schema.items() if k != "title"}}


def _allow_numbers_as_text(node: Any) -> None:
    """Accept numbers where text is expected: the models read `version: 1.2` as '1.2'."""
    if isinstance(node, dict):
        if node.get("type") == "string" and not {"format", "pattern", "enum", "const"} & set(node):
            node["type"] = ["string", "number"]
        for value in node.values():
            _allow_numbers_as_text(value)
    elif isinstance(node, list):
        for value in node:
            _allow_numbers_as_text(value)


def all_schemas() -> dict[str, str]:
    """Every schema file's name and text."""
    return {name: json.dumps(schema_for(model, describes), indent=2, ensure_ascii=False) + "\n"
            for name, (model, describes) in SCHEMAS.items()}


def write_schemas(folder: Path) -> list[Path]:
    """Write every schema into `folder`; return the files written."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in all_schemas().items():
        (folder / name).write_text(text, encoding="utf-8")
        written.append(folder / name)
    return written


def schema_comment(schema_file: Path, yaml_file: Path) -> str:
    """The first-line comment pointing the YAML language server at a schema, relative."""
    relative = os.path.relpath(schema_file.resolve(), yaml_file.resolve().parent)
    return f"# yaml-language-server: $schema={Path(relative).as_posix()}\n"
