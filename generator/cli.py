"""The `portal` command line: parses arguments and calls the pipeline, nothing more."""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path

import click

from generator import __version__
from generator.build import BuildReport, build
from generator.config import BuildOptions

CONTENT_HELP = "Content folder holding portal.yaml and one folder per client."


def _parse_date(ctx: click.Context, param: click.Parameter, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"'{value}' is not a date like 2026-11-23") from None


def _parse_shard(ctx: click.Context, param: click.Parameter,
                 value: str | None) -> tuple[int, int] | None:
    if value is None:
        return None
    index, _, count = value.partition("/")
    if not (index.isdigit() and count.isdigit() and 1 <= int(index) <= int(count)):
        raise click.BadParameter(f"'{value}' is not like 2/8 (shard K of N, 1 <= K <= N)")
    return int(index), int(count)


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
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None, metavar="N",
              help="Build clients in N processes  [default: the number of cores]")
@click.option("--force", is_flag=True, help="Rebuild every portal, changed or not.")
@click.option("--shard", callback=_parse_shard, metavar="K/N",
              help="Build only shard K of N (stable by client slug), for a CI matrix.")
@click.option("--changed-since", metavar="REF",
              help="Build only clients whose folders changed since this git ref "
                   "(all of them when a shared file changed).")
def build_command(content_dir: Path, out_dir: Path, clients: tuple[str, ...],
                  as_of: date | None, jobs: int | None, force: bool,
                  shard: tuple[int, int] | None, changed_since: str | None) -> None:
    """Build every changed client's portal into the output folder."""
    from generator.parallel import default_jobs

    report = build(BuildOptions(content_dir, out_dir, clients, as_of, jobs or default_jobs(),
                                force, shard, changed_since))
    _summary(report, f"into {out_dir}")


@main.command("init-ci")
@click.argument("provider", type=click.Choice(["github", "gitlab"]))
@click.option("--sharded", type=click.IntRange(min=2), default=None, metavar="N",
              help="Write the matrix variant: N jobs, each building one shard.")
@click.option("--content", "content_dir", default="content", show_default=True,
              help=CONTENT_HELP)
@click.option("--force", is_flag=True, help="Overwrite an existing workflow file.")
def init_ci_command(provider: str, sharded: int | None, content_dir: str, force: bool) -> None:
    """Write a CI workflow that checks, builds and publishes the portals on each commit."""
    from generator.ci_templates import write_workflow

    path = write_workflow(Path.cwd(), provider, content_dir, sharded, force)
    click.echo(f"wrote {path}")


@main.command("check")
@content_option
@as_of_option
def check_command(content_dir: Path, as_of: date | None) -> None:
    """Validate all content and exit non-zero on any error; writes nothing."""
    report = build(BuildOptions(content_dir, Path("unused"), (), as_of), write=False)
    click.echo(f"ok: {len(report.built)} clients, {report.files} files, no problems")


def _summary(report: BuildReport, where: str) -> None:
    kept = f", {len(report.skipped)} unchanged" if report.skipped else ""
    gone = f", removed {len(report.removed)}" if report.removed else ""
    click.echo(f"built {len(report.built)} portals ({report.files} files{kept}{gone}) {where} "
               f"as of {report.as_of.isoformat()} in {report.seconds:.2f}s")


