"""The `portal` command line: parses arguments and calls the pipeline, nothing more."""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path

import click

from generator import __version__
from generator.build import BuildReport, build
from generator.config import BuildOptions
from generator.links import new_password, portal_links

CONTENT_HELP = "Content folder holding portal.yaml and one folder per client."


def _parse_date(ctx: click.Context, param: click.Parameter, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"'{value}' is not a date like 2026-11-23") from None


content_option = click.option("--content", "content_dir", default="content", show_default=True,
                              type=click.Path(path_type=Path, file_okay=False), help=CONTENT_HELP)
as_of_option = click.option("--as-of", callback=_parse_date, metavar="YYYY-MM-DD",
                            help="Build date deciding what is overdue "
                                 "[default: SOURCE_DATE_EPOCH, else today]")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="portal")
@click.option("-v", "--verbose", is_flag=True, help="Say more about what happens.")
def main(verbose: bool) -> None:
    """Build one self-contained static portal per client from the content folder."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")


@main.command("build")
@content_option
@click.option("--out", "out_dir", default="output", show_default=True,
              type=click.Path(path_type=Path, file_okay=False),
              help="Output folder; output/<client>/ is one portal.")
@click.option("--client", "clients", multiple=True, metavar="SLUG",
              help="Build only this client (repeatable).")
@as_of_option
def build_command(content_dir: Path, out_dir: Path, clients: tuple[str, ...],
                  as_of: date | None) -> None:
    """Build every client's portal into the output folder."""
    report = build(BuildOptions(content_dir, out_dir, clients, as_of))
    _summary(report, f"into {out_dir}")


@main.command("check")
@content_option
@as_of_option
def check_command(content_dir: Path, as_of: date | None) -> None:
    """Validate all content and exit non-zero on any error; writes nothing."""
    report = build(BuildOptions(content_dir, Path("unused"), (), as_of), write=False)
    click.echo(f"ok: {len(report.built)} clients, {report.files} files, no problems")


def _summary(report: BuildReport, where: str) -> None:
    click.echo(f"built {len(report.built)} portals ({report.files} files) {where} "
               f"as of {report.as_of.isoformat()} in {report.seconds:.2f}s")




@main.command("links")
@content_option
@click.option("--base-url", metavar="URL",
              help="Address the output folder is published at [default: portal.yaml base_url]")
def links_command(content_dir: Path, base_url: str | None) -> None:
    """Print each client's portal address (capability paths, share links) for the agency."""
    for line in portal_links(content_dir, base_url):
        click.echo(line)


@main.command("password")
@click.option("--bits", default=100, show_default=True, type=click.IntRange(80, 512),
              help="Strength; use 256 for PORTAL_SECRET.")
def password_command(bits: int) -> None:
    """Print a new random password (for a contact, or PORTAL_SECRET with --bits 256)."""
    click.echo(new_password(bits))
