"""What a build does and how: options, planning, the manifest, the per-client pipeline, workers.

Planning, the manifest and the output folder need only the standard library; the per-client
pipeline (`client`) needs pydantic, Jinja, Markdown, Babel and cryptography. `load_pipeline`
is the one place that imports it, on first use: a build that finds nothing changed never does
(a test holds it to that).
"""

from __future__ import annotations

from types import ModuleType


def load_pipeline() -> ModuleType:
    """The per-client pipeline module, `generator.pipeline.client`, imported now."""
    from generator.pipeline import client as pipeline

    return pipeline
