"""What the date analysis reads and writes: plain dataclasses, no behaviour."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

ROLES = ("published", "modified", "event_start", "event_end", "expires", "copyright", "unknown")
PRECISIONS = ("time", "day", "month", "year")
# A Last-Modified (or a sitemap lastmod) this close to the time of the request is the request time: the
# server stamps each answer with the moment it was made.  Used per page (validate.py) and per site (trust.py).
SAME_TIME = timedelta(minutes=2)


@dataclass(slots=True)
class Candidate:
    """One date found for a page, parsed and judged (kept whether accepted or not)."""

    source: str      # 'http:last-modified' | 'sitemap:lastmod' | 'feed' | 'jsonld' | 'microdata' | 'meta' | 'time' | 'class' | 'text' | 'url' | 'copyright'
    name: str        # key or attribute: 'datePublished', 'article:modified_time', 'datetime', 'phrase', 'notice', 'entry.published', ...
    raw: str         # the raw value as found
    value: datetime | None   # parsed, timezone-aware UTC (a date-only value: midnight UTC); None if unparseable
    precision: str   # 'day' | 'month' | 'year' | 'time' (how precise the raw value was); '' when unparseable
    role: str        # 'published' | 'modified' | 'event_start' | 'event_end' | 'expires' | 'copyright' | 'unknown'
    accepted: bool   # did the validators accept it as evidence of the page's own dates
    reason: str      # why rejected (or a short note when accepted), in words a web manager understands
    context: str = ''  # where: region / JSON-LD @type / class, copied from the signal
    local: datetime | None = None  # the same instant in the time zone the page wrote it in (the day a reader sees)

    @property
    def label(self) -> str:
        """'jsonld:datePublished', 'http:last-modified', ... (how explanations name a candidate)."""
        return self.source if ":" in self.source or not self.name else f"{self.source}:{self.name}"


@dataclass
class PageInput:
    """Everything the analysis knows about one page (facts from the database)."""

    url: str
    fetched_at: datetime    # when the crawl fetched it (UTC)
    signals: list           # crawler.items.DateSignal objects (source, name, value, context) from the date_signals table
    last_modified: str | None = None   # raw HTTP header
    server_date: str | None = None     # raw HTTP Date header
    sitemap_lastmods: list[str] = field(default_factory=list)   # raw <lastmod> of every sitemap entry listing this URL
    feed_dates: list[tuple[str, str]] = field(default_factory=list)  # (name, raw) from feed entries pointing at the page
    lang: str | None = None


@dataclass
class SiteTrust:
    """Learned per site from all its pages: which sources lie."""

    distrusted: dict[str, str]   # source -> reason
    notes: dict[str, str]        # source -> what was measured even when trusted


@dataclass
class PageDates:
    """The resolver's decision for one page.

    The datetimes are aware, in the time zone the page wrote them in (UTC when it wrote none), so that
    ``.date()`` is the day the page shows; ``.astimezone(timezone.utc)`` before storing or comparing as text.
    """

    published_at: datetime | None
    published_source: str | None   # e.g. 'jsonld:datePublished'
    updated_at: datetime | None    # the last update; equals published_at when nothing says it changed since
    updated_source: str | None
    confidence: float              # 0..1
    explanation: str               # one or two sentences
    disagreements: list[str]       # trusted signals that disagree, each as a sentence; never hidden
    updated_by: str | None = None  # updated_source in words, for messages: "JSON-LD dateModified", "the visible 'Updated 2 March 2019'"
