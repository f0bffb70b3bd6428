"""What a build does and how: options, planning, the manifest, the per-client pipeline, workers.

Planning, the manifest and the output folder need only the standard library; the per-client
pipeline (`client`) needs pydantic, Jinja, Markdown, Babel and cryptography. `load_pipeline`
is the one place that imports it, on first use: a build that finds nothing changed never does
(a test holds it to that).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from generator.pipeline.client import ClientPipeline


def load_pipeline() -> type[ClientPipeline]:
    """The per-client pipeline, `generator.pipeline.client.ClientPipeline`, imported now."""
    from generator.pipeline.client import ClientPipeline

    return ClientPipeline
