"""The `portal` command line: parses arguments and calls the pipeline, nothing more.

Each command other than `build` imports its module when it runs: `portal build` finding
nothing changed loads no more than it needs.
"""

from __future__ import annotations

import logging
import time
from datetime import date
from pathlib import Path

import click

from generator import __version__
from generator.pipeline.options import BuildOptions, default_jobs
from generator.pipeline.progress import Progress
from generator.pipeline.run import BuildFailed, BuildReport, build

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
                            help="Build date deciding what is overdue [default: "
                                 "SOURCE_DATE_EPOCH, else portal.yaml's example_date, else "
                                 "today in the agency's time zone]")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="portal")
@click.option("-v", "--verbose", count=True,
              help="Say more: what the generator does, a line per client built (-vv: also "
                   "what the libraries it uses log, such as WeasyPrint's).")
@click.pass_context
def main(ctx: click.Context, verbose: int) -> None:
    """Build one self-contained static portal per client from the content folder."""
    ctx.obj = {"verbose": verbose}
    logging.basicConfig(level=logging.DEBUG if verbose > 1 else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    if verbose == 1:  # the generator's own messages; third-party logs only with -vv
        logging.getLogger("generator").setLevel(logging.INFO)


@main.command("build")
@content_option
@click.option("--out", "out_dir", default="output", show_default=True,
              type=click.Path(path_type=Path, file_okay=False),
              help="Output folder; output/<client>/ is one portal.")
@click.option("--client", "clients", multiple=True, metavar="SLUG",
              help="Build only this client (repeatable).")
@as_of_option
@click.option("--agency-out", type=click.Path(path_type=Path, file_okay=False),
              help="Folder for the agency overview [default: <out>/_agency].")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None, metavar="N",
              help="Build clients in N processes  [default: the number of cores]")
@click.option("--force", is_flag=True, help="Rebuild every portal, changed or not.")
@click.option("--shard", callback=_parse_shard, metavar="K/N",
              help="Build only shard K of N (stable by client slug), for a CI matrix.")
@click.option("--changed-since", metavar="REF",
              help="Build only clients whose folders changed since this git ref "
                   "(all of them when a shared file changed).")
@click.option("-q", "--quiet", is_flag=True, help="Print only problems and the summary.")
@click.option("--verbose", is_flag=True, hidden=True,
              help="The same as `portal -v build`: a line per client.")
@click.pass_context
def build_command(ctx: click.Context, content_dir: Path, out_dir: Path, clients: tuple[str, ...],
                  as_of: date | None, agency_out: Path | None, jobs: int | None, force: bool,
                  shard: tuple[int, int] | None, changed_since: str | None, quiet: bool,
                  verbose: bool) -> None:
    """Build the portals that changed into the output folder, and the agency overview.

    Exits 1 on content errors (nothing is written), 2 on usage errors.
    """
    verbose = verbose or bool((ctx.obj or {}).get("verbose"))
    verbosity = "quiet" if quiet else "verbose" if verbose else "normal"
    # The total is set once planning knows how many clients changed (Progress.expect).
    progress, started = Progress(len(clients), verbosity), time.perf_counter()
    options = BuildOptions(content_dir=content_dir, out_dir=out_dir, clients=clients,
                           as_of=as_of, agency_out=agency_out, jobs=jobs or default_jobs(),
                           force=force, shard=shard, changed_since=changed_since)
    try:
        report = build(options, progress=progress)
    except BuildFailed as error:
        progress.close()
        error.show()
        click.echo(error.summary(time.perf_counter() - started), err=True)
        raise SystemExit(1) from None
    finally:
        progress.close()
    for warning in report.warnings:
        click.echo(str(warning), err=True)
    _summary(report, f"into {out_dir}")


@main.command("publish")
@click.option("--to", "to", required=True, metavar="TARGET",
              help="A local folder, or s3://bucket[/prefix] (S3 and S3-compatible hosts).")
@click.option("--out", "out_dirs", multiple=True, type=click.Path(path_type=Path,
              file_okay=False), help="The output folder `portal build` wrote [default: "
              "output]; one a shard to publish a sharded build's shards together.")
@click.option("--partial", is_flag=True, help="Publish some shards of a sharded build alone, "
              "removing old folders of their own clients only.")
@click.option("--agency-to", metavar="TARGET",
              help="Also publish the agency overview there (never published by default).")
@click.option("--endpoint-url", metavar="URL",
              help="S3-compatible endpoint (R2, MinIO, …) [default: AWS_ENDPOINT_URL, else AWS]")
@click.option("--dry-run", is_flag=True, help="List what would be uploaded and deleted; "
                                              "change nothing.")
@click.option("-q", "--quiet", is_flag=True, help="Print only the summary.")
def publish_command(to: str, out_dirs: tuple[Path, ...], partial: bool, agency_to: str | None,
                    endpoint_url: str | None, dry_run: bool, quiet: bool) -> None:
    """Publish the client portals of a built output folder, marking each folder as this
    project's, and remove from the target the folders so marked that are no longer built.

    Never publishes the generator's own files, nor the agency overview unless --agency-to
    says where; never removes a folder without the project's marker. Exits 1 if the target
    fails (a rerun finishes the job), 2 on usage errors.
    """
    from generator.commands.publish import publish_output

    publish_output(list(out_dirs) or [Path("output")], to, agency_to, endpoint_url, dry_run,
                   quiet, partial)


@main.command("init-ci")
@click.argument("provider", type=click.Choice(["github", "gitlab"]))
@click.option("--target", type=click.Choice(["pages", "s3"]), default="pages",
              show_default=True, help="Where the portals are published: GitHub/GitLab Pages, "
                                      "or an S3-compatible bucket.")
@click.option("--sharded", type=click.IntRange(min=2), default=None, metavar="N",
              help="Write the matrix variant: N jobs, each building one shard.")
@click.option("--content", "content_dir", default="content", show_default=True,
              help=CONTENT_HELP)
@click.option("--generator", metavar="WHEEL|GIT-URL",
              help="What CI installs: a clientportal wheel of this version, or "
                   "git+https://…@<commit> [default: a wheel of this generator, built now "
                   "into ci/]")
@click.option("--force", is_flag=True, help="Overwrite an existing workflow file.")
def init_ci_command(provider: str, target: str, sharded: int | None, content_dir: str,
                    generator: str | None, force: bool) -> None:
    """Write a CI workflow that checks, builds and publishes the portals on each commit,
    and ci/requirements.txt (with a wheel of this generator) that it installs."""
    from generator.commands.init_ci import write_workflow

    for path in write_workflow(Path.cwd(), provider, content_dir, sharded, force, target,
                               generator):
        click.echo(f"wrote {path}")
    click.echo("commit them all; the workflow's comments say which secrets to set")


@main.command("check")
@content_option
@as_of_option
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@click.option("--format", "form", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="json: a machine-readable list of problems.")
def check_command(content_dir: Path, as_of: date | None, strict: bool, form: str) -> None:
    """Validate all content, list every error and warning; writes nothing.

    Exits 1 on any error (with --strict, on any warning too).
    """
    from generator.commands import check as checks
    from generator.pipeline.check import check_site

    result = check_site(BuildOptions(content_dir=content_dir, as_of=as_of,
                                            jobs=default_jobs()))
    if form == "json":
        click.echo(checks.as_json(result, strict))
    else:
        click.echo(checks.as_text(result, strict), err=result.failed(strict))
    if result.failed(strict):
        raise SystemExit(1)


@main.command("report")
@content_option
@as_of_option
@click.option("--format", "form", type=click.Choice(["table", "csv", "json"]),
              default="table", show_default=True, help="How to print the figures.")
@click.option("--since", callback=_parse_date, metavar="YYYY-MM-DD",
              help="First day of the period payments received are summed over "
                   "[default: 30 days before the build date]")
@click.option("--out", "out_dir", default="output", show_default=True,
              type=click.Path(path_type=Path, file_okay=False),
              help="Output folder holding the record of the last payments import.")
def report_command(content_dir: Path, as_of: date | None, form: str, since: date | None,
                   out_dir: Path) -> None:
    """Print the agency overview's figures: stage, manager, balances, days to pay, next
    deadline; payments received in a period and the last import's unmatched entries."""
    from datetime import timedelta

    from generator.commands import report

    day, rows = report.client_rows(content_dir, as_of)
    received = report.payments(rows, since or day - timedelta(days=30), day, out_dir)
    if form == "json":
        click.echo(report.as_json(rows, day.isoformat(), received))
    elif form == "csv":
        click.echo(report.as_csv(rows), nl=False)
    else:
        click.echo(f"as of {day.isoformat()}")
        click.echo(report.as_table(rows))
        for line in report.payments_lines(received):
            click.echo(line)
        click.echo(report.nps_line(rows))


@main.command("serve")
@content_option
@click.option("--client", "clients", multiple=True, metavar="SLUG",
              help="Serve only this client (repeatable).")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535),
              help="Port on 127.0.0.1; 0 picks a free one.")
@as_of_option
def serve_command(content_dir: Path, clients: tuple[str, ...], port: int,
                  as_of: date | None) -> None:
    """Build, serve on 127.0.0.1, rebuild on every change and reload open pages."""
    from generator.commands.serve import serve_forever

    serve_forever(content_dir, clients, port, as_of)


@main.command("new")
@click.argument("slug")
@content_option
@click.option("--name", help="The client's name [default: from the slug].")
@click.option("--locale", help="Language of the portal, e.g. pl [default: portal.yaml's].")
@click.option("--currency", help="ISO 4217 code, e.g. PLN [default: portal.yaml's].")
@click.option("--country", help="ISO 3166 code of the client's country, e.g. PL: it decides "
                                "which of the agency's entities invoices it, and the VAT.")
@click.option("--schemas", default=None, type=click.Path(path_type=Path, file_okay=False),
              help="Schema folder the files point editors at [default: schemas/ beside the "
                   "content folder; written if missing].")
def new_command(slug: str, content_dir: Path, name: str | None, locale: str | None,
                currency: str | None, country: str | None, schemas: Path | None) -> None:
    """Create a client folder that validates and builds at once."""
    from generator.commands import new as scaffold

    scaffold.check_slug(slug)
    locale = scaffold.check_code(scaffold.LocaleCode, locale, "--locale")
    if (content_dir / "portal.yaml").is_file():
        scaffold.check_locale(locale, content_dir)
    currency = scaffold.check_code(scaffold.CurrencyCode, currency, "--currency")
    country = scaffold.check_code(scaffold.CountryCode, country, "--country")
    folder = schemas or content_dir.parent / "schemas"
    codes = scaffold.Codes(locale=locale, currency=currency, country=country)
    for path in scaffold.create_client(content_dir, slug, name, codes, folder):
        click.echo(f"wrote {path}")
    click.echo(f"next: edit {content_dir / slug}/client.yaml, then `portal serve --client "
               f"{slug}` (or .venv/bin/portal); the portal is a draft until you remove "
               "`draft: true`")


@main.command("schema")
@click.option("--out", "out_dir", default="schemas", show_default=True,
              type=click.Path(path_type=Path, file_okay=False),
              help="Folder to write the JSON Schema files into.")
def schema_command(out_dir: Path) -> None:
    """Write JSON Schema files for portal.yaml, client.yaml, deadlines.yaml and invoices.

    Point your editor at them: `portal new` writes a `# yaml-language-server: $schema=...`
    comment into the files it creates (see docs/editor-setup.md).
    """
    from generator.commands.schema import write_schemas

    for path in write_schemas(out_dir):
        click.echo(f"wrote {path}")


def _summary(report: BuildReport, where: str) -> None:
    unchanged = f" ({len(report.unchanged)} unchanged)" if report.unchanged else ""
    removed = f", removed {len(report.removed)}" if report.removed else ""
    click.echo(f"built {len(report.built)} portal{'s' * (len(report.built) != 1)}, "
               f"{len(report.skipped)} skipped{unchanged}, "
               f"0 failed ({report.pages} pages, {report.files} files{removed}) {where} "
               f"as of {report.as_of.isoformat()} in {report.seconds:.2f}s")




@main.command("notify")
@content_option
@click.option("--out", "out_dir", default="output", show_default=True,
              type=click.Path(path_type=Path, file_okay=False),
              help="Output folder; the record of what each contact was told is kept there "
                   "(.clientportal-notified.json).")
@click.option("--since", metavar="REF",
              help="Send what changed since this git commit (less what each contact was "
                   "already told) [default: since each contact's last message; contacts "
                   "without one start from now].")
@click.option("--dry-run", type=click.Path(path_type=Path, file_okay=False), metavar="DIR",
              help="Write the messages as .eml files into DIR; send and record nothing.")
@click.option("--base-url", metavar="URL",
              help="Address the output folder is published at [default: portal.yaml base_url]")
@as_of_option
def notify_command(content_dir: Path, out_dir: Path, since: str | None, dry_run: Path | None,
                   base_url: str | None, as_of: date | None) -> None:
    """E-mail each contact one digest of what changed in their portal since the last one.

    SMTP settings come from PORTAL_SMTP_HOST, _PORT, _SECURITY (starttls or tls), _USER,
    _PASSWORD and _FROM. Exits 1 when sending fails part-way (the next run sends the rest).
    """
    from generator.commands.notify import NotifyOptions, notify

    report = notify(NotifyOptions(content_dir, out_dir, since, dry_run, as_of, base_url))
    for line in report.sent:
        click.echo(f"sent {line}")
    for path in report.written:
        click.echo(f"wrote {path}")
    done = len(report.written) if dry_run else len(report.sent)
    click.echo(f"{'wrote' if dry_run else 'sent'} {_count(done, 'message')}; "
               f"{_count(report.unchanged, 'contact')} had nothing new"
               + (f"; {_count(report.started, 'contact')} start from now (nothing sent: no "
                  "earlier message; --since REF sends what changed since REF)"
                  if report.started else ""))


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


@main.command("inbox")
@content_option
@click.option("--from", "sources", multiple=True, metavar="FILE",
              type=click.Path(path_type=Path, dir_okay=False, exists=True),
              help="Read saved messages (.eml, mbox) or a form service's export (.json, .csv) "
                   "instead of the IMAP mailbox (repeatable).")
@click.option("--commit", is_flag=True, help="Commit what is recorded, naming each message.")
@click.option("--accept", multiple=True, metavar="ID",
              help="Record this form submission's approval, listed before as 'to confirm' "
                   "(repeatable).")
@click.option("--format", "form", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="json: a machine-readable list of what became of each.")
@as_of_option
def inbox_command(content_dir: Path, sources: tuple[Path, ...], commit: bool,
                  accept: tuple[str, ...], form: str, as_of: date | None) -> None:
    """Record the approvals, survey answers and questions that arrived in the portal's
    mailbox (IMAP: PORTAL_IMAP_HOST, _PORT, _SECURITY, _USER, _PASSWORD, _FOLDER,
    _PROCESSED, _REJECTED) or in saved files; list what was rejected, and why.

    Exits 1 when the content has errors or the mailbox fails (nothing written), 2 on
    usage errors.
    """
    import json

    from generator.inbox.run import InboxOptions, as_records, listing, run_inbox

    report = run_inbox(InboxOptions(content=content_dir, sources=sources, commit=commit,
                                    accept=frozenset(accept), as_of=as_of))
    if form == "json":
        click.echo(json.dumps(as_records(report), ensure_ascii=False, indent=1))
    else:
        for line in listing(report):
            click.echo(line)
    receipts = report.receipts
    for line in receipts.sent:
        click.echo(f"receipt sent to {line}", err=form == "json")
    if receipts.unsent:
        click.echo(f"warning: no receipt sent ({receipts.unsent})", err=True)
    if receipts.failed:
        raise click.ClickException("recorded, but these receipts were not sent: "
                                   + "; ".join(receipts.failed))


@main.group("payments")
def payments_group() -> None:
    """Payments: bank statements in, recorded on the invoices they pay."""


@payments_group.command("import")
@click.argument("statements", nargs=-1, required=True, metavar="FILE...",
                type=click.Path(path_type=Path, dir_okay=True))
@content_option
@click.option("--out", "out_dir", default="output", show_default=True,
              type=click.Path(path_type=Path, file_okay=False),
              help="Output folder: keeps the entries not recorded (never published), for "
                   "the agency overview and portal report.")
@click.option("--commit", is_flag=True, help="Commit what is recorded, naming each entry.")
@click.option("--format", "form", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="json: what was recorded, and each entry not recorded "
                                      "with its reason.")
@as_of_option
def payments_import_command(statements: tuple[Path, ...], content_dir: Path, out_dir: Path,
                            commit: bool, form: str, as_of: date | None) -> None:
    """Record the payments in bank statements (camt.053 .001.02-.08, MT940, Stripe itemized
    CSV) on the invoices they pay; list every credit not recorded, and why.

    Statements are read, never stored: keep them outside the content folder. Exits 1 when a
    statement cannot be read or the content has errors (nothing written), 2 on usage errors.
    """
    import json

    from generator.commands.payments import ImportOptions, as_json, listing, run_import

    report = run_import(ImportOptions(content=content_dir, statements=statements,
                                      out_dir=out_dir, commit=commit, as_of=as_of))
    if form == "json":
        click.echo(json.dumps(as_json(report), ensure_ascii=False, indent=1))
    else:
        for line in listing(report):
            click.echo(line)


@main.command("links")
@content_option
@click.option("--base-url", metavar="URL",
              help="Address the output folder is published at [default: portal.yaml base_url]")
@click.option("--agency", "with_agency", is_flag=True,
              help="Also the agency overview's address (published only with publish "
                   "--agency-to).")
def links_command(content_dir: Path, base_url: str | None, with_agency: bool) -> None:
    """Print the address of each portal `portal publish` publishes (capability paths, share
    links, secret calendars): drafts and the agency overview are not published."""
    from generator.commands.links import (
        portal_links,  # imported here: a no-op build must stay light
    )

    for line in portal_links(content_dir, base_url, with_agency=with_agency):
        click.echo(line)


@main.command("password")
@click.option("--bits", default=100, show_default=True, type=click.IntRange(80, 512),
              help="Strength; use 256 for PORTAL_SECRET.")
def password_command(bits: int) -> None:
    """Print a new random password (for a contact, or PORTAL_SECRET with --bits 256)."""
    from generator.commands.links import new_password

    click.echo(new_password(bits))


@main.group("invoice")
def invoice_group() -> None:
    """Invoices the agency writes: the next retainer invoice of each client."""


@invoice_group.command("next")
@content_option
@click.option("--client", "clients", multiple=True, metavar="SLUG",
              help="Only this client (repeatable) [default: every client with a retainer].")
@click.option("--month", metavar="YYYY-MM",
              help="First month of the service period [default: the month after the last "
                   "period invoiced].")
@as_of_option
def invoice_next_command(content_dir: Path, clients: tuple[str, ...], month: str | None,
                         as_of: date | None) -> None:
    """Write each retainer client's next invoice file, to review and commit; never over a
    file that exists."""
    from generator.commands import invoices
    from generator.errors import printable

    start = invoices.parse_month(month)
    _, planned = invoices.plan_next_invoices(content_dir, clients, start, as_of)
    invoices.write_next_invoices(content_dir, planned)
    for invoice in planned:
        where = printable(str(content_dir / invoice.path))
        if invoice.skipped:
            click.echo(f"skipped {printable(invoice.slug)}: {where}: {invoice.skipped}")
        else:
            click.echo(f"wrote {where}: {printable(invoice.summary)}")
    if not any(invoice.text for invoice in planned):
        click.echo("no invoice written")
