"""The domain model to a portal's files: pages, Markdown, languages, feeds, the overview."""
