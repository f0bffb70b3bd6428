"""What a build was asked to do: where content and output live, which clients, the date."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path

from generator.content.dates import zone
from generator.errors import UsageError, did_you_mean


@dataclass(frozen=True, kw_only=True)
class BuildOptions:
    """What `portal build` (or `check`, the same build into a sink that keeps nothing) was
    asked to do."""

    content_dir: Path = Path("content")
    out_dir: Path = Path("output")  # where `portal build` writes (its sink: run.BuildState)
    clients: tuple[str, ...] = ()
    as_of: date | None = None
    agency_out: Path | None = None  # the agency overview; None: <out_dir>/_agency
    secrets_file: Path | None = None  # default: .portal-secrets beside the content folder
    jobs: int = 1
    force: bool = False
    shard: tuple[int, int] | None = None  # (K, N): build the clients of shard K of N
    changed_since: str | None = None  # a git ref: build only clients changed since it
    overview: bool = True  # False: the portals only (serve, while another client has errors)


def build_date(option: date | None, timezone_name: str,
               environ: Mapping[str, str] = os.environ, example_date: date | None = None
               ) -> date:
    """The build date: `--as-of`, else SOURCE_DATE_EPOCH, else portal.yaml's example_date
    (example content), else today in the agency's zone."""
    if option is not None:
        return option
    epoch = environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        try:
            moment = datetime.fromtimestamp(int(epoch), tz=timezone.utc)
        except (ValueError, OverflowError, OSError):
            raise UsageError(f"SOURCE_DATE_EPOCH={epoch!r} is not a number of seconds") from None
        return moment.astimezone(zone(timezone_name)).date()
    return example_date or datetime.now(zone(timezone_name)).date()


def selected_clients(known: list[str], wanted: tuple[str, ...]) -> list[str]:
    """The clients to build, in the order known: all, or those asked for by `--client` (a
    slug that names no client folder is a usage error)."""
    unknown = [slug for slug in wanted if slug not in known]
    if unknown:
        raise UsageError(f"no such client: {', '.join(unknown)}"
                         f"{did_you_mean(unknown[0], known)} (known: {', '.join(known)})")
    return [slug for slug in known if not wanted or slug in wanted]


def default_jobs() -> int:
    """The number of cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1
