"""The facts a crawl records, as small dataclasses.

These travel between the Scrapy process and the store process and are
written, one to one, into the tables described in ``foundation/schema.py``.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True)
class RawLink:
    """An outgoing reference as written in the HTML (href not yet resolved)."""

    ordinal: int
    kind: str            # a, area, link, img, script, iframe, frame, form, embed, object, video, audio, source, track, meta-refresh, option
    href: str
    rel: str | None
    anchor: str | None   # anchor text, alt text, title, or hreflang/type for <link>
    position: str        # head, nav, header, footer, aside, main, body
    nofollow: bool
    new_window: bool


@dataclass(slots=True)
class DateSignal:
    """A raw date-like value found in a page, with where it came from."""

    source: str          # jsonld, microdata, meta, time, class, text, copyright, url, script
    name: str            # the key, attribute or phrase kind (datePublished, article:modified_time, datetime, ...)
    value: str           # the raw text, unparsed
    context: str = ""    # region, @type, class or tag it was found in


@dataclass(slots=True)
class Fetch:
    """What happened when one URL was requested (sent from the Scrapy process to the store)."""

    url: str                      # normalised production URL
    site: str
    requested_url: str            # what was actually requested (the crawled origin when aliased)
    found_via: str                # start, link, sitemap, redirect
    found_on: str | None          # page or sitemap where it was first found
    depth: int | None
    kind: str                     # page or resource
    method: str = "GET"
    status: int | None = None
    error: str | None = None      # why there is no usable answer (dns, refused, timeout, too large, ...)
    outcome: str = ""             # filled in by the store: ok, redirect, http_error, failed, blocked, skipped
    headers: dict[str, str] = field(default_factory=dict)   # lower-case name -> value
    response_ms: float | None = None
    fetched_at: str | None = None
    size: int | None = None
    truncated: bool = False       # the body was not (fully) downloaded on purpose


@dataclass(slots=True)
class NewRequest:
    """A URL the frontier decided to fetch (store process -> Scrapy process)."""

    url: str                      # production URL
    fetch_url: str                # what to request
    site: str
    found_via: str
    found_on: str | None
    depth: int | None
    kind: str                     # page, resource, sitemap
    priority: int = 0
    validators: tuple[str | None, str | None] | None = None   # (ETag, Last-Modified) of the last download: ask conditionally
