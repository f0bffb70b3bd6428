"""Content types of a portal's files, the same for S3 uploads, `_headers` and nginx.

A host that guesses (or, with `nosniff`, refuses to guess) serves a calendar as
`application/octet-stream` and a feed as `text/xml`: calendar apps and feed readers then
refuse them or misread their encoding. So the types of the files a client subscribes to are
stated, with their charset.
"""

from __future__ import annotations

CALENDAR = "text/calendar; charset=utf-8"
FEED = "application/atom+xml; charset=utf-8"
FEED_FILE = "feed.xml"

# By suffix; everything else is a download (attachments keep their own suffix's type).
BY_SUFFIX: dict[str, str] = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".json": "application/json",
    ".ics": CALENDAR,
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".avif": "image/avif",
    ".ico": "image/vnd.microsoft.icon",
    ".woff2": "font/woff2",
    ".woff": "font/woff",
    ".pdf": "application/pdf",
    ".txt": "text/plain; charset=utf-8",
    ".csv": "text/csv; charset=utf-8",
    ".md": "text/markdown; charset=utf-8",
    ".zip": "application/zip",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ".odt": "application/vnd.oasis.opendocument.text",
    ".ods": "application/vnd.oasis.opendocument.spreadsheet",
    ".xml": "application/xml",
}
DOWNLOAD = "application/octet-stream"


def content_type(path: str) -> str:
    """The Content-Type to serve a portal's file with, from its path."""
    name = path.rsplit("/", 1)[-1]
    if name == FEED_FILE:
        return FEED
    suffix = name[name.rfind("."):].lower() if "." in name else ""
    return BY_SUFFIX.get(suffix, DOWNLOAD)
