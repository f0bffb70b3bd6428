"""Where clients are built: in this process, or in worker processes forked for the build.

A client is the unit of work. A `ClientBuilder` runs the per-client pipeline (`pipeline`)
and stages each portal that built without errors; each worker process sets one up once and
reuses it for every client it builds (that is the one piece of per-process state, by design).
`InProcess` and `WorkerPool` are the two ways to run builders, used as context managers: a
pool that leaves its block on an exception kills its workers at once.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from generator.content.history import ClientHistory
from generator.errors import Problem, has_errors
from generator.pipeline import load_pipeline
from generator.protection.credentials import Secrets
from generator.sink import Sink

if TYPE_CHECKING:  # both import what a no-op build never loads
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing.synchronize import Semaphore as SemaphoreType

    from generator.render.figures import ClientRow

OnBuilt = Callable[["ClientResult"], None]  # told of each client as soon as it is built


@dataclass(frozen=True, kw_only=True)
class BuildJob:
    """What every builder needs to know: where content is, where its output goes, the date."""

    content_dir: Path
    sink: Sink
    as_of: date
    secrets: Mapping[str, str] = field(default_factory=dict)  # from the secrets file; the
    # environment's PORTAL_* variables are read by each builder (a process inherits them)


@dataclass(frozen=True, kw_only=True)
class ClientResult:
    """What building one client gave: its problems, and what the manifest records of it."""

    slug: str
    problems: list[Problem] = field(default_factory=list)
    files: int = 0
    folder: str = ""  # the portal's folder: the slug, or slug-token for capability links
    pages: int = 0
    row: ClientRow | None = None  # the client's line in the agency overview
    secrets: list[str] = field(default_factory=list)  # names of the secrets it was built with
    secrets_digest: str = "public"


class ClientBuilder:
    """Builds clients one by one with a pipeline set up once, and stages their portals."""

    def __init__(self, job: BuildJob) -> None:
        self.pipeline = load_pipeline()(job.content_dir, job.sink)
        self.retarget(job)

    def retarget(self, job: BuildJob) -> None:
        """Build for another build of the same content, agency and theme (serve's next one,
        or a worker set up before its build's date and secrets were known)."""
        self.job = job
        if self.pipeline.sink is not job.sink:
            self.pipeline.use(job.sink)
        self.secrets = Secrets(job.secrets, os.environ)

    def build_one(self, slug: str, history: ClientHistory) -> ClientResult:
        """Run the pipeline for one client; hand its portal to the sink if it has no error."""
        result, files = self.pipeline.build(slug, history, self.job.as_of, self.secrets)
        if not has_errors(result.problems):
            self.job.sink.stage(result.folder, files)
        return result


class InProcess:
    """Builds in this process. The builder is set up on first use and kept while the agency,
    theme, generator and date stay the same (`common_digest`): a long-lived process (`serve`) keeps
    one `InProcess` across builds."""

    def __init__(self) -> None:
        self._builder: ClientBuilder | None = None
        self._common_digest = ""
        self.every_client = False  # whether the build to come builds every client

    def __enter__(self) -> InProcess:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        return None

    def start(self) -> None:
        """Nothing to start: the builder is set up when the first client is built."""

    def builder(self, job: BuildJob, common_digest: str) -> ClientBuilder:
        """This process's builder for the agency, theme and date `common_digest` is of."""
        if self._builder is None or common_digest != self._common_digest:
            self._builder, self._common_digest = ClientBuilder(job), common_digest
        self._builder.retarget(job)
        return self._builder

    def build(self, job: BuildJob, common_digest: str, items: list[tuple[str, ClientHistory]],
              progress: OnBuilt | None = None) -> list[ClientResult]:
        """Build every client in `items`, in order; `progress` is told of each."""
        if not items:
            return []
        builder = self.builder(job, common_digest)
        return [_reported(progress, builder.build_one(*item)) for item in items]


_WORKER: dict[str, ClientBuilder] = {}  # a worker process's builder, once set up


PR_SET_PDEATHSIG = 1  # linux/prctl.h
CHUNK = 4  # clients a worker is given at a time, at most


def _die_with(parent: int) -> None:
    """Make this worker end when the build process does, however it ends (SIGKILL too): the
    kernel tells it on Linux; elsewhere a thread watches for the parent to change."""
    prctl = getattr(ctypes.CDLL(None), "prctl", None) if sys.platform.startswith("linux") else None
    if prctl is not None:
        prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    else:
        threading.Thread(target=_watch, args=(parent,), daemon=True).start()
    if os.getppid() != parent:  # it died before the line above
        os._exit(1)


def _watch(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(0.2)
    os._exit(1)


def _set_up_worker(setup: BuildJob, first: SemaphoreType, more_work: SemaphoreType,
                   parent: int, ready: ClientBuilder | None) -> None:
    """Set a worker up: with the builder `ready` in the parent when it forked, if any; else
    the first to take `first` at once (while the parent plans); the others wait for
    `more_work` (the build has more than one client for them), and set up with their first
    client."""
    _die_with(parent)
    if ready is not None:  # forked, not pickled: the parent's, set up once for all
        _WORKER["builder"] = ready
        return
    if first.acquire(False):
        # A broken agency is reported by planning, or by the first client's build.
        with contextlib.suppress(Exception):
            _WORKER["builder"] = ClientBuilder(setup)
    else:
        more_work.acquire()


def _build_in_worker(item: tuple[BuildJob, str, ClientHistory]) -> ClientResult:
    job, slug, history = item
    builder = _WORKER.get("builder") or ClientBuilder(job)
    _WORKER["builder"] = builder
    if builder.job != job:
        builder.retarget(job)
    return builder.build_one(slug, history)


class WorkerPool(InProcess):
    """Builds in worker processes (the standard library's ProcessPoolExecutor, forked when
    planning finds the first client to build).

    One of them sets up at once (imports, agency, theme, compiled templates) while planning
    goes on, so a build with one client to build finds a worker ready; the others set up
    when given their first client. Leaving the `with` block on an exception kills them. The
    agency overview is still made in this process (`builder`).
    """

    def __init__(self, setup: BuildJob, count: int) -> None:
        super().__init__()
        self.setup, self.count = setup, count
        self._pool: ProcessPoolExecutor | None = None
        self._closed = False
        self._more_work: SemaphoreType | None = None  # released once per worker waiting
        self._waiting = count - 1
        self._children_before: set[int | None] = set()  # processes not ours to kill
        self._ready: ClientBuilder | None = None  # set up here before forking, if it was

    def builder(self, job: BuildJob, common_digest: str) -> ClientBuilder:
        """This process's builder: the one the workers were forked with, if any (set up for
        this build's agency and theme)."""
        if self._builder is None and self._ready is not None:
            self._builder, self._common_digest = self._ready, common_digest
        return super().builder(job, common_digest)

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close(kill=kind is not None)

    def start(self) -> None:
        """Fork the workers (once); the first sets up at once. For a build of every client
        (`every_client`: the first into the output folder, or a forced one) this process
        sets up first and the workers are forked with its builder: set up once, not once a
        process."""
        if self._pool is not None or self._closed:
            return
        import multiprocessing  # here, not above: 20 ms that a no-op build does not need
        from concurrent.futures import ProcessPoolExecutor

        if self.every_client:
            with contextlib.suppress(Exception):  # a broken agency: reported by planning
                self._ready = ClientBuilder(self.setup)
                self._ready.pipeline.warm_up()

        context = multiprocessing.get_context("fork")
        self._children_before = {child.pid for child in multiprocessing.active_children()}
        # A semaphore, not an Event: a killed waiter would make Event.set() wait forever.
        self._more_work = context.Semaphore(0)
        self._pool = ProcessPoolExecutor(
            self.count, mp_context=context, initializer=_set_up_worker,
            initargs=(self.setup, context.Semaphore(1), self._more_work, os.getpid(),
                      self._ready))
        self._pool.submit(int)  # with fork, the pool starts every worker on its first task

    def build(self, job: BuildJob, common_digest: str, items: list[tuple[str, ClientHistory]],
              progress: OnBuilt | None = None) -> list[ClientResult]:
        """Build these clients in the workers; results in the order of `items`.

        While they build, a build of more clients than workers sets up this process's
        builder, which the agency overview then needs (their rows changed): otherwise it
        would be set up after the last client, with one core busy and the other idle.
        """
        if not items:
            return []
        results = self._map(job, items)
        if len(items) > self.count:
            with contextlib.suppress(Exception):  # raised again where the overview needs it
                self.builder(job, common_digest)
        return [_reported(progress, result) for result in results]

    def _map(self, job: BuildJob, items: list[tuple[str, ClientHistory]]
             ) -> Iterator[ClientResult]:
        self.start()
        assert self._pool is not None
        if len(items) > 1:
            self._release()  # work for every worker
        # Small chunks: a client takes ~0.1 s, and a worker left with a long chunk at the
        # end of the build would keep the other core idle.
        chunk = max(1, min(CHUNK, len(items) // (self.count * 8)))
        return self._pool.map(_build_in_worker, [(job, *item) for item in items],
                              chunksize=chunk)

    def close(self, kill: bool = False) -> None:
        """Stop the workers; with `kill`, at once, whatever they are doing."""
        closed, self._closed = self._closed, True
        if closed or self._pool is None:
            return
        if kill:
            self._kill_workers()
        else:
            self._release()  # workers still waiting to set up: on to their way out
        self._pool.shutdown(wait=True, cancel_futures=True)

    def _kill_workers(self) -> None:
        """Kill the pool's processes: this process's children started with it (the
        executor has no public way to stop busy workers before Python 3.14)."""
        import multiprocessing

        for child in multiprocessing.active_children():
            if child.pid not in self._children_before:
                child.kill()

    def _release(self) -> None:
        assert self._more_work is not None
        for _ in range(self._waiting):
            self._more_work.release()
        self._waiting = 0


def runner_for(setup: BuildJob, jobs: int) -> InProcess:
    """Worker processes for a build of `jobs` processes, or this process alone."""
    import multiprocessing

    if jobs <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        return InProcess()
    return WorkerPool(setup, jobs)


def _reported(progress: OnBuilt | None, result: ClientResult) -> ClientResult:
    """The result, once `progress` is told of it."""
    if progress is not None:
        progress(result)
    return result
