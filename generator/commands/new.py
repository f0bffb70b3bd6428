"""`portal new`: a new client folder that validates and builds at once.

`client_files` is pure (the files as text); `create_client` checks the slug and writes them.
Each YAML file starts with a `# yaml-language-server: $schema=` comment so editors validate
and complete it (the schema files come from `portal schema`).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import click
from pydantic import TypeAdapter, ValidationError

from generator.commands.schema import SCHEMAS, schema_comment, write_schemas
from generator.content.fieldtypes import CountryCode, CurrencyCode, LocaleCode
from generator.content.folders import SLUG_PATTERN
from generator.content.read import read_agency
from generator.content.validate import validate_agency
from generator.errors import UsageError
from generator.pipeline.options import build_date
from generator.render.theme import agency_theme

FIRST_REQUIREMENT = "first-requirement"


@dataclass(frozen=True, kw_only=True)
class Codes:
    """The codes given on the command line, each checked; None when not given."""

    locale: str | None = None
    currency: str | None = None
    country: str | None = None


def check_slug(slug: str) -> str:
    """Refuse a slug that is not lower-case letters, digits and hyphens, suggesting one."""
    if not re.fullmatch(SLUG_PATTERN, slug):
        suggestion = suggest_slug(slug)
        hint = (f"; did you mean `{suggestion}`? (give the name as --name \"{slug}\")"
                if suggestion else " (e.g. acme-retail)")
        raise click.BadParameter(f"'{slug}' is not a slug: use lower-case letters, digits and "
                                 f"hyphens, starting with a letter or digit{hint}")
    return slug


def check_code(kind: type, value: str | None, what: str) -> str | None:
    """Validate a locale or currency code given on the command line."""
    if value is None:
        return None
    try:
        return str(TypeAdapter(kind).validate_python(value))
    except ValidationError as error:
        message = str(error.errors()[0]["msg"]).removeprefix("Value error, ")
        raise click.BadParameter(f"{what}: {message}") from None


def _yaml_text(value: str) -> str:
    """A YAML 1.2 double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(value, ensure_ascii=False)


# What a new client's files say, in each language the theme has a catalogue for: written as
# an agency there would write them, so that a draft reads right before anyone edits it.
WORDING: dict[str, dict[str, str]] = {
    "en": {
        "scope": "Scope of work", "goals": "Goals", "goals_text": "What {name} gets from this "
        "engagement, in two or three sentences.", "deliverables": "Deliverables",
        "deliverables_text": "See [the first requirement](requirements/{req}.md).",
        "out": "Out of scope", "out_text": "What this engagement does not include.",
        "requirement": "First requirement", "purpose": "Purpose",
        "purpose_text": "Describe the need, then the acceptance criteria.",
        "kickoff": "Kickoff meeting", "workshop": "Requirements workshop",
        "proposal": "Proposal sign-off", "contact": "First Last", "role": "Project lead",
        "manager": "Your Name", "manager_title": "Account manager",
        "includes": "20 hours of consulting a month", "country": "the client's country", "example_country": "GB",
    },
    "ja": {
        "scope": "業務範囲", "goals": "目的", "goals_text": "{name}様が本件で得られる成果を、"
        "2〜3文でご記入ください。", "deliverables": "成果物",
        "deliverables_text": "[最初の要件](requirements/{req}.md)をご覧ください。",
        "out": "対象外", "out_text": "本件に含まれない作業をご記入ください。",
        "requirement": "最初の要件", "purpose": "目的",
        "purpose_text": "必要な事項を記入し、続けて受け入れ基準を記入してください。",
        "kickoff": "キックオフミーティング", "workshop": "要件定義ワークショップ",
        "proposal": "提案書のご承認", "contact": "ご担当者名", "role": "プロジェクト責任者",
        "manager": "担当者名", "manager_title": "アカウントマネージャー",
        "includes": "月20時間のコンサルティング", "country": "取引先の国", "example_country": "JP",
    },
    "ko": {
        "scope": "업무 범위", "goals": "목표", "goals_text": "{name}이(가) 이번 프로젝트로 얻는 "
        "성과를 두세 문장으로 적어 주세요.", "deliverables": "산출물",
        "deliverables_text": "[첫 번째 요구사항](requirements/{req}.md)을 참고해 주세요.",
        "out": "범위 외 업무", "out_text": "이번 프로젝트에 포함되지 않는 업무를 적어 주세요.",
        "requirement": "첫 번째 요구사항", "purpose": "목적",
        "purpose_text": "필요한 내용을 적고, 이어서 인수 기준을 적어 주세요.",
        "kickoff": "착수 회의", "workshop": "요구사항 워크숍", "proposal": "제안서 승인",
        "contact": "담당자 이름", "role": "프로젝트 책임자", "manager": "담당자 이름",
        "manager_title": "어카운트 매니저", "includes": "월 20시간 컨설팅",
        "country": "고객사의 국가", "example_country": "KR",
    },
    "pl": {
        "scope": "Zakres prac", "goals": "Cele", "goals_text": "Co {name} zyskuje dzięki "
        "współpracy – w dwóch, trzech zdaniach.", "deliverables": "Rezultaty",
        "deliverables_text": "Zob. [pierwsze wymaganie](requirements/{req}.md).",
        "out": "Poza zakresem", "out_text": "Czego ta współpraca nie obejmuje.",
        "requirement": "Pierwsze wymaganie", "purpose": "Cel",
        "purpose_text": "Opisz potrzebę, a następnie kryteria odbioru.",
        "kickoff": "Spotkanie otwierające", "workshop": "Warsztat wymagań",
        "proposal": "Akceptacja oferty", "contact": "Imię Nazwisko", "role": "Kierownik projektu",
        "manager": "Imię Nazwisko", "manager_title": "Opiekun klienta",
        "includes": "20 godzin doradztwa miesięcznie", "country": "kraj klienta", "example_country": "PL",
    },
    "sv": {
        "scope": "Uppdragsbeskrivning", "goals": "Mål", "goals_text": "Vad {name} får ut av "
        "uppdraget, i två eller tre meningar.", "deliverables": "Leveranser",
        "deliverables_text": "Se [det första kravet](requirements/{req}.md).",
        "out": "Utanför uppdraget", "out_text": "Vad uppdraget inte omfattar.",
        "requirement": "Första kravet", "purpose": "Syfte",
        "purpose_text": "Beskriv behovet och därefter acceptanskriterierna.",
        "kickoff": "Startmöte", "workshop": "Kravworkshop", "proposal": "Godkännande av offert",
        "contact": "Förnamn Efternamn", "role": "Projektledare", "manager": "Förnamn Efternamn",
        "manager_title": "Kundansvarig", "includes": "20 timmar rådgivning per månad",
        "country": "kundens land", "example_country": "SE",
    },
}


def suggest_slug(text: str) -> str | None:
    """A slug made of `text` (`Yamato-Koubou` → `yamato-koubou`), if it has the letters."""
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug if slug and re.fullmatch(SLUG_PATTERN, slug) else None


def _country_lines(country: str | None, words: dict[str, str]) -> list[str]:
    """The country, and the address and tax numbers an invoice to the client needs."""
    example = words["example_country"]
    return [f"country: {country}" if country else
            f"# country: {example}               # {words['country']}: it decides which of the "
            "agency's entities invoices it, and the VAT",
            "# legal_name: \"…\"            # the name on invoices, if not the name above",
            "# address: |                # printed on invoices",
            "#   Street 1",
            "#   00-000 City",
            "# tax_ids: {eu_vat: …}       # the client's tax numbers (see docs/content-format.md)"]


def client_files(slug: str, name: str, codes: Codes, today: date,
                 comments: dict[str, str], manager_email: str = "") -> dict[str, str]:
    """Every file of a new client folder, by path relative to it: a draft in the client's
    language, with no invoice (the first is written when there is one to send)."""
    words = WORDING.get((codes.locale or "en").split("_")[0].split("-")[0], WORDING["en"])
    profile = [comments["client.yaml"].rstrip("\n"), f"name: {_yaml_text(name)}",
               "draft: true                  # remove this line to publish the portal"]
    profile += [f"locale: {codes.locale}"] if codes.locale else []
    profile += [f"currency: {codes.currency}"] if codes.currency else []
    profile += _country_lines(codes.country, words)
    profile += [
        "lifecycle_stage: onboarding",
        f"acquired_on: {today.isoformat()}",
        f"last_contact_on: {today.isoformat()}",
        "account_manager:            # the agency's manager for this client",
        f"  name: {_yaml_text(words['manager'])}",
        f"  title: {_yaml_text(words['manager_title'])}",
        f"  email: {manager_email}",
        "contacts:",
        f"  - name: {_yaml_text(words['contact'])}",
        f"    role: {_yaml_text(words['role'])}",
        "    # email: …",
        "    decision_maker: true",
        f"# retainer: {{amount: 2000, period: monthly, includes: [{_yaml_text(words['includes'])}]}}",
    ]
    return {
        "client.yaml": "\n".join(profile) + "\n",
        "scope.md": f"""---
title: {_yaml_text(words['scope'])}
status: draft
version: "0.1"
---
## {words['goals']}

{words['goals_text'].format(name=name)}

## {words['deliverables']}

{words['deliverables_text'].format(req=FIRST_REQUIREMENT)}

## {words['out']}

{words['out_text']}
""",
        f"requirements/{FIRST_REQUIREMENT}.md": f"""---
title: {_yaml_text(words['requirement'])}
status: draft
priority: medium
---
## {words['purpose']}

{words['purpose_text']}
""",
        "deadlines.yaml": f"""{comments["deadlines.yaml"]}milestones:
  - id: kickoff
    title: {_yaml_text(words['kickoff'])}
    due: {(today + timedelta(days=7)).isoformat()}
    status: planned
  - id: workshop
    title: {_yaml_text(words['workshop'])}
    due: {(today + timedelta(days=21)).isoformat()}
    status: planned
  - id: proposal
    title: {_yaml_text(words['proposal'])}
    due: {(today + timedelta(days=35)).isoformat()}
    status: planned
""",
        "updates/.gitkeep": "",
        "files/.gitkeep": "",
    }


def check_locale(locale: str | None, content_dir: Path) -> None:
    """Refuse a language the theme has no catalogue for: its portal would be English."""
    if locale is None:
        return
    available = catalogue_languages(content_dir)
    if locale.split("_")[0].split("-")[0] not in available:
        raise click.BadParameter(f"--locale: the theme has no '{locale}' catalogue, so the "
                                 f"portal would be in English; choose one of "
                                 f"{', '.join(sorted(available))}")


def catalogue_languages(content_dir: Path) -> set[str]:
    """The languages the agency's theme has catalogues for (English is the source)."""
    theme = agency_theme(content_dir, validate_agency(read_agency(content_dir)))
    return {"en"} | {path.parent.parent.name.split("_")[0]
                     for folder in theme.folders
                     for path in (folder / "locales").glob("*/LC_MESSAGES/messages.po")}


def create_client(content_dir: Path, slug: str, name: str | None, codes: Codes,
                  schemas: Path) -> list[Path]:
    """Write a new client folder dated the build date (SOURCE_DATE_EPOCH, else today in the
    agency's time zone); refuse an existing one. Return the files written."""
    if not (content_dir / "portal.yaml").is_file():
        raise UsageError(f"{content_dir} has no portal.yaml; is --content right?")
    config = validate_agency(read_agency(content_dir)).config
    today = build_date(None, config.timezone, example_date=config.example_date)
    folder = content_dir / slug
    if folder.exists():
        raise UsageError(f"{folder} already exists; choose another slug")
    if not all((schemas / file).is_file() for file in SCHEMAS):
        write_schemas(schemas)
    comments = {
        "client.yaml": schema_comment(schemas / "client.schema.json", folder / "client.yaml"),
        "deadlines.yaml": schema_comment(schemas / "deadlines.schema.json",
                                         folder / "deadlines.yaml"),
    }
    agency = validate_agency(read_agency(content_dir)).config.agency
    files = client_files(slug, name or slug.replace("-", " ").title(), codes, today, comments,
                         agency.email or "you@your-agency.example")
    written = []
    for relative, text in files.items():
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


__all__ = ["Codes", "CountryCode", "CurrencyCode", "LocaleCode", "catalogue_languages",
           "check_code", "check_locale", "check_slug", "client_files", "create_client",
           "suggest_slug"]
