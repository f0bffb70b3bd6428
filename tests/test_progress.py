"""Progress display and the summary line: plain lines off a terminal, a bar on one."""

from __future__ import annotations

import io
import subprocess
import sys

from conftest import AS_OF, EXAMPLE_CONTENT, REPO, build_site, examples_without_pdfs
from generator.pipeline.progress import Progress


def test_plain_lines_in_ci_and_summary(tmp_path):
    content = examples_without_pdfs(tmp_path)  # lines, not PDFs
    result = subprocess.run([sys.executable, "-m", "generator", "build", "--content",
                             str(content), "--out", str(tmp_path / "out"),
                             "--as-of", AS_OF], capture_output=True, text=True, cwd=REPO,
                            check=True)
    lines = result.stdout.splitlines()
    assert lines[0].startswith("[1/4] hanbit-logistics: ")
    assert lines[-1].startswith("built 4 portals, 0 skipped, 0 failed (")
    assert "pages" in lines[-1] and "s" in lines[-1].split(" in ")[-1]


def test_quiet_prints_only_the_summary(make_site):
    result = build_site(make_site(), "--quiet")
    assert "[1/1]" not in result.output
    assert result.output.splitlines()[-1].startswith("built 1 portal, 0 skipped, 0 failed (10 pages")


def test_skipped_clients_are_counted(tmp_path):
    result = subprocess.run([sys.executable, "-m", "generator", "build", "--content",
                             str(EXAMPLE_CONTENT), "--out", str(tmp_path / "out"), "--as-of",
                             AS_OF, "--client", "nordlys-saas", "-q"],
                            capture_output=True, text=True, cwd=REPO, check=True)
    assert result.stdout.startswith("built 1 portal, 3 skipped, 0 failed")


def test_bar_on_a_terminal():
    stream = io.StringIO()
    progress = Progress(3, tty=True, stream=stream)
    for slug in ("a", "b", "c"):
        progress(slug, 10)
    progress.close()
    shown = stream.getvalue()
    assert "\rbuilding [" in shown and "3/3 c" in shown and shown.endswith("\r")


def test_failed_build_summary_names_the_failed_clients(make_site):
    root = make_site({"content/beta/client.yaml": """
        name: Beta
        account_manager: {name: B, email: b@agency.test}
    """, "content/acme/deadlines.yaml": "milestones: [{id: X, title: t, due: 2026-01-01}]\n"})
    result = build_site(root)
    assert result.exit_code == 1
    assert "acme/deadlines.yaml:1:" in result.output
    assert "[1/2] acme: errors (below)" in result.output
    assert "[2/2] beta: 21 files staged" in result.output
    assert "built 0 portals, 0 unchanged, 1 failed (acme) in " in result.output
    assert "nothing was written; 1 portal built without errors but not written: a build " \
           "writes all portals or none" in result.output
