"""`portal new` scaffolds a client that checks and builds; `portal schema` describes the
content files well enough to validate the example content and reject a broken file."""

from __future__ import annotations

import datetime
import json
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from conftest import AS_OF, EXAMPLE_CONTENT, REPO, examples_without_pdfs, portal
from generator.content.yaml12 import parse_yaml


def plain(value: Any) -> Any:
    """YAML data as JSON sees it: dates as ISO text (what an editor's YAML server does)."""
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [plain(item) for item in value]
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


def load(path: Path) -> Any:
    return plain(parse_yaml(path.read_text(encoding="utf-8")).data)


@pytest.fixture(scope="module")
def schemas(tmp_path_factory) -> dict[str, jsonschema.Validator]:
    folder = tmp_path_factory.mktemp("schemas")
    result = portal("schema", "--out", folder)
    assert result.exit_code == 0, result.output
    validators = {}
    for name in ("portal", "client", "deadlines", "invoice", "satisfaction"):
        schema = json.loads((folder / f"{name}.schema.json").read_text())
        jsonschema.Draft202012Validator.check_schema(schema)
        validators[name] = jsonschema.Draft202012Validator(schema)
    return validators


def example_files() -> list[tuple[str, Path]]:
    files = [("portal", EXAMPLE_CONTENT / "portal.yaml")]
    for client in sorted(p for p in EXAMPLE_CONTENT.iterdir() if (p / "client.yaml").is_file()):
        files += [("client", client / "client.yaml"), ("deadlines", client / "deadlines.yaml")]
        files += [("invoice", f) for f in sorted((client / "invoices").glob("*.yaml"))]
        files += [("satisfaction", f) for f in [client / "satisfaction.yaml"] if f.is_file()]
    return files


@pytest.mark.parametrize(("kind", "path"), example_files(),
                         ids=lambda v: v if isinstance(v, str) else v.parent.name + "/" + v.name)
def test_schema_accepts_the_example_content(schemas, kind, path):
    errors = [e.message for e in schemas[kind].iter_errors(load(path))]
    assert errors == []


def test_schema_rejects_broken_files(schemas):
    invoice = load(next((EXAMPLE_CONTENT / "kowalski-legal/invoices").glob("*.yaml")))
    assert not schemas["invoice"].is_valid({**invoice, "totl": 5})
    assert not schemas["invoice"].is_valid({k: v for k, v in invoice.items() if k != "items"})
    client = load(EXAMPLE_CONTENT / "kowalski-legal/client.yaml")
    assert not schemas["client"].is_valid({**client, "lifecycle_stage": "dormant"})
    deadlines = {"milestones": [{"id": "Bad Id", "title": "x", "due": "2026-01-01"}]}
    assert not schemas["deadlines"].is_valid(deadlines)


def test_schema_documents_every_field(schemas):
    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for name, prop in node.get("properties", {}).items():
                assert prop.get("description"), name
            for value in node.values():
                walk(value)
    for validator in schemas.values():
        walk(validator.schema)


def test_new_client_checks_and_builds(tmp_path):
    content = examples_without_pdfs(tmp_path)  # the new client has no invoice to print
    result = portal("new", "zeta-corp", "--content", content, "--name", "Zeta & Co",
                    "--locale", "sv", "--currency", "EUR", "--country", "SE")
    assert result.exit_code == 0, result.output
    folder = content / "zeta-corp"
    assert sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()) \
        == ["client.yaml", "deadlines.yaml", "files/.gitkeep",
            "requirements/first-requirement.md", "scope.md", "updates/.gitkeep"]
    first = (folder / "client.yaml").read_text().splitlines()[0]
    assert first == "# yaml-language-server: $schema=../../schemas/client.schema.json"
    assert (tmp_path / "schemas/client.schema.json").is_file()
    check = portal("check", "--content", content)
    assert check.exit_code == 0, check.output
    assert "zeta-corp/client.yaml:3: warning: draft: true" in check.output
    built = subprocess.run([sys.executable, "-m", "generator", "build", "--content",
                            str(content), "--out", str(tmp_path / "out"), "--as-of", AS_OF],
                           capture_output=True, text=True, cwd=REPO)
    assert built.returncode == 0, built.stderr
    assert "Zeta &amp; Co" in (tmp_path / "out/_draft-zeta-corp/index.html").read_text()
    assert 'lang="sv"' in (tmp_path / "out/_draft-zeta-corp/index.html").read_text()
    assert not (tmp_path / "out/zeta-corp").exists()


def test_new_refuses_existing_and_bad_slugs(make_site):
    root = make_site()
    content = root / "content"
    result = portal("new", "acme", "--content", content)
    assert result.exit_code == 2 and "already exists" in result.output
    for bad in ("Acme", "-acme", "_agency", "a/b", "ac me"):
        assert portal("new", bad, "--content", content).exit_code == 2, bad
    assert portal("new", "zed", "--content", content, "--currency", "EURO").exit_code == 2
    assert portal("new", "zed", "--content", content, "--locale", "xx-yy").exit_code == 2
    assert not (content / "zed").exists()


def test_new_and_schema_in_a_subprocess(tmp_path):
    from conftest import write_files
    write_files(tmp_path, {"content/portal.yaml": "agency: {name: Solo, email: a@solo.test}\n"})
    run = subprocess.run([sys.executable, "-m", "generator", "new", "solo", "--content",
                          str(tmp_path / "content")], capture_output=True, text=True, cwd=REPO)
    assert run.returncode == 0, run.stderr
    run = subprocess.run([sys.executable, "-m", "generator", "schema", "--out",
                          str(tmp_path / "s")], capture_output=True, text=True, cwd=REPO)
    assert run.returncode == 0 and len(list((tmp_path / "s").glob("*.json"))) == 5
    run = subprocess.run([sys.executable, "-m", "generator", "check", "--content",
                          str(tmp_path / "content")], capture_output=True, text=True, cwd=REPO)
    assert run.returncode == 0, run.stdout + run.stderr


def test_a_new_polish_client_is_invoiced_by_the_polish_branch(tmp_path):
    """`--country PL` names the country: the scaffolded invoice comes from the agency's Polish
    registration (its NIP, paid into its own złoty account), not from the Dutch B.V.; without
    a country, check says what decides it rather than guessing."""
    content = tmp_path / "content"
    shutil.copytree(EXAMPLE_CONTENT, content)
    result = portal("new", "nowak-logistyka", "--content", content, "--locale", "pl",
                    "--currency", "PLN", "--country", "PL")
    assert result.exit_code == 0, result.output
    assert "country: PL" in (content / "nowak-logistyka/client.yaml").read_text()
    invoice = ("number: NL-001\nissued: 2026-11-01\ndue: 2026-11-15\nitems:\n"
               "  - {description: Wdrożenie, quantity: 1, unit: dzień, unit_price: 1000, "
               "tax_rate: 23}\n")
    (content / "nowak-logistyka/invoices").mkdir()
    (content / "nowak-logistyka/invoices/001.yaml").write_text(invoice)
    built = portal("build", "--content", content, "--out", tmp_path / "out", "--as-of", AS_OF,
                   "--client", "nowak-logistyka")
    assert built.exit_code == 0, built.output
    page = (tmp_path / "out/_draft-nowak-logistyka/invoices/001.html").read_text()
    assert "Oddział w Polsce" in page and "5272873101" in page
    assert portal("new", "bez-kraju", "--content", content).exit_code == 0
    (content / "bez-kraju/invoices").mkdir()
    (content / "bez-kraju/invoices/001.yaml").write_text(invoice.replace("NL-", "BK-"))
    check = portal("check", "--content", content)
    assert "bez-kraju/client.yaml" in check.output and "country is not given" in check.output
    assert portal("new", "zed", "--content", content, "--country", "XX").exit_code == 2
