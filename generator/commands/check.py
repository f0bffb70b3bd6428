"""`portal check`: what the check found, as text for people or JSON for tools.

The check itself is the build into a sink that keeps nothing (`pipeline.check`).
"""

from __future__ import annotations

import json

from generator.pipeline.check import CheckResult


def counted(count: int, noun: str) -> str:
    """`1 client`, `2 clients`."""
    return f"{count} {noun}{'s' * (count != 1)}"


def as_json(result: CheckResult, strict: bool) -> str:
    """The check result for tools: every problem with file, line, severity and message."""
    return json.dumps({
        "ok": not result.failed(strict),
        "as_of": result.as_of.isoformat() if result.as_of else None,
        "clients": result.clients,
        "errors": len(result.errors),
        "warnings": len(result.warnings),
        "problems": [{"path": p.path, "line": p.line, "severity": p.severity,
                      "message": p.message} for p in result.problems],
    }, indent=2, ensure_ascii=False)


def as_text(result: CheckResult, strict: bool) -> str:
    """The check result for people: one problem a line, then a summary."""
    lines = [str(p) for p in result.problems]
    errors, warnings = len(result.errors), len(result.warnings)
    if result.errors:  # the clients that failed, not all of them
        verdict = f"failed: {counted(result.failed_clients, 'client')}"
    else:
        verdict = f"{'failed' if result.failed(strict) else 'ok'}: " \
                  f"{counted(result.clients, 'client')}"
    lines.append(f"{verdict}, {counted(errors, 'error')}, {counted(warnings, 'warning')}"
                 + (" (--strict: warnings count as errors)" if strict and warnings else ""))
    return "\n".join(lines)
