"""The demo site's non-static answers: redirects, a server error, a redirect loop, a legacy-charset page.

Paths are those of the production site (https://www.harbourside.example);
the crawl fetches them from the local server through an alias.
"""
from __future__ import annotations

import email.utils
from pathlib import Path

from decay.localserver import Route, redirect, status

SERVER_ERROR_PAGE = """<!DOCTYPE html>
<html lang="en-GB">
<head><meta charset="utf-8"><title>Something went wrong | Harbourside Trust</title></head>
<body>
<h1>Something went wrong</h1>
<p>Our donation service is not available at the moment. Please try again later, or call us on 01632 960412.</p>
</body>
</html>
"""

ROUTES: dict[str, Route] = {
    # A chain of three redirects: 301 -> 302 -> 301 -> /get-involved/volunteer/ (200).
    "/volunteer": redirect("/get-involved/volunteering", 301),
    "/get-involved/volunteering": redirect("/get-involved/volunteer", 302),
    "/get-involved/volunteer": redirect("/get-involved/volunteer/", 301),
    # A redirect loop: two URLs redirecting to each other.
    "/events/calendar/": redirect("/calendar/", 302),
    "/calendar/": redirect("/events/calendar/", 301),
    # An old URL that moved permanently to its new home.
    "/about-us.html": redirect("/about/", 301),
    # The online donation form is broken.
    "/donate/online": status(500, SERVER_ERROR_PAGE),
}

# Served with "Content-Type: text/html" and no charset, like an old server would: only the page's
# own <meta charset="windows-1252"> says how to read it.
LEGACY_CHARSET_PAGES = {"/cafe/": "cafe/index.html"}


def routes(root: str | Path, mtimes: dict[str, float] | None = None) -> dict[str, Route]:
    """The routes for a copy of the demo site at root (mtimes: file path relative to root -> mtime, for Last-Modified)."""
    root = Path(root)
    out = dict(ROUTES)
    for url_path, rel in LEGACY_CHARSET_PAGES.items():
        f = root / rel
        mtime = (mtimes or {}).get(rel, f.stat().st_mtime)
        out[url_path] = Route(status=200, body=f.read_bytes(), headers={
            "Content-Type": "text/html",
            "Last-Modified": email.utils.formatdate(mtime, usegmt=True),
        })
    return out
