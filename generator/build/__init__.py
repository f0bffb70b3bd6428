"""What a build does and how: options, planning, the manifest, the per-client pipeline, workers."""
