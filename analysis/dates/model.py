"""What the date analysis reads and writes: plain dataclasses, no behaviour."""
from __future__ import annotations

from collections.abc import Sequence
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


@dataclass(slots=True)   # one per page: a million on a large site
class PageInput:
    """Everything the analysis knows about one page (facts from the database).

    The sequences are read, never changed in place: a page without sitemap entries or feed dates shares
    one empty tuple (analysis.pages builds a list only for a page that has some)."""

    url: str
    fetched_at: datetime    # when the crawl fetched it (UTC)
    signals: Sequence       # foundation.facts.DateSignal objects (source, name, value, context) from the date_signals table
    last_modified: str | None = None   # raw HTTP header
    server_date: str | None = None     # raw HTTP Date header
    sitemap_lastmods: Sequence[str] = ()   # raw <lastmod> of every sitemap entry listing this URL
    feed_dates: Sequence[tuple[str, str]] = ()  # (name, raw) from feed entries pointing at the page
    lang: str | None = None


@dataclass(frozen=True)
class Stamp:
    """A value of a source shared by many pages of a site (a deploy, build or migration time): not their date."""

    source: str      # 'http:last-modified' | 'sitemap:lastmod'
    label: str       # '2024-10-17 16:03 UTC', '2024-10-17 16:03 to 16:05 UTC', '2023-02-23'
    pages: int       # pages with a value in it
    first: int       # epoch seconds of its earliest and latest value
    last: int
    reason: str      # why a page's candidate with this value is rejected, in words
    values: frozenset[int] = frozenset()   # the epoch seconds that belong to it


@dataclass
class SiteTrust:
    """Learned per site from all its pages: which sources lie, wholly or for some of their values."""

    distrusted: dict[str, str]   # source -> reason
    notes: dict[str, str]        # source -> what was measured even when trusted
    stamps: list[Stamp] = field(default_factory=list)   # values shared by many pages: rejected on those pages
    totals: dict[str, int] = field(default_factory=dict)  # source -> pages with a readable value
    _by_value: dict[tuple[str, int], Stamp] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        self._by_value = {(s.source, v): s for s in self.stamps for v in s.values}

    def stamp(self, source: str, value: datetime | None) -> Stamp | None:
        """The stamp this value of the source belongs to on this site, if any."""
        if value is None or not self._by_value:
            return None
        return self._by_value.get((source, int(value.timestamp())))

    def rows(self) -> list[tuple[str, int, str, int | None]]:
        """What the site_signals table records: (source, trusted, reason, pages), a source then its stamps."""
        out = []
        for source in dict.fromkeys([*self.distrusted, *self.notes]):
            if source in self.distrusted:
                out.append((source, 0, self.distrusted[source], self.totals.get(source)))
            else:
                out.append((source, 1, self.notes[source], self.totals.get(source)))
        for s in sorted(self.stamps, key=lambda s: (s.source, -s.pages, s.first)):
            out.append((f"{s.source} {s.label}", 0, s.reason, s.pages))
        return out


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
