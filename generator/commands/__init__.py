"""The `portal` commands besides `build`: check, serve, new, report, links, schema, init-ci, publish."""
