"""`portal check`: what the check found, as text for people or JSON for tools.

The check itself is the build into a sink that keeps nothing (`pipeline.check`).
"""

from __future__ import annotations

import json

from generator.pipeline.check import CheckResult


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
    verdict = "failed" if result.failed(strict) else "ok"
    lines.append(f"{verdict}: {result.clients} clients, {errors} error{'s' * (errors != 1)}, "
                 f"{warnings} warning{'s' * (warnings != 1)}"
                 + (" (--strict: warnings count as errors)" if strict and warnings else ""))
    return "\n".join(lines)
