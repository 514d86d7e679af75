"""Reading RSS, Atom, RDF and JSON feeds: entries with their links and their dates, raw.

feedparser reads the XML formats (it copes with malformed feeds and odd
encodings, and says so in ``bozo``); JSON Feed (jsonfeed.org) is read here.
Dates are kept as written: judging them is the analysis' job (a feed that
dates every entry 0001-01-01 is evidence of nothing, and the analysis says so).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field

MAX_ENTRIES = 5_000
MAX_FEED_BYTES = 20 * 1024 * 1024


@dataclass
class FeedEntry:
    link: str | None
    title: str | None
    published: str | None
    updated: str | None


@dataclass
class FeedFacts:
    format: str | None = None
    title: str | None = None
    entries: list[FeedEntry] = field(default_factory=list)
    error: str | None = None       # why it could not be read at all
    warning: str | None = None     # read, but not cleanly (feedparser's bozo)


def _clip(s, n: int = 500) -> str | None:
    if s is None:
        return None
    s = " ".join(str(s).split())
    return s[:n] or None


def _json_feed(data: dict) -> FeedFacts:
    facts = FeedFacts(format="json", title=_clip(data.get("title")))
    items = data.get("items")
    if not isinstance(items, list):
        facts.error = "JSON Feed without an items list"
        return facts
    for it in items[:MAX_ENTRIES]:
        if isinstance(it, dict):
            facts.entries.append(FeedEntry(_clip(it.get("url") or it.get("external_url"), 2000), _clip(it.get("title")),
                                           _clip(it.get("date_published"), 100), _clip(it.get("date_modified"), 100)))
    return facts


def parse_feed(body: bytes, content_type: str | None = None) -> FeedFacts:
    """The facts of a feed; never raises."""
    if not body or not body.strip():
        return FeedFacts(error="empty feed")
    if len(body) > MAX_FEED_BYTES:
        return FeedFacts(error=f"feed larger than {MAX_FEED_BYTES // (1024 * 1024)} MB: not read")
    head = body.lstrip()[:1]
    if head in (b"{", b"["):
        try:
            data = json.loads(body)
        except (ValueError, RecursionError) as e:
            return FeedFacts(format="json", error=f"invalid JSON: {e}"[:300])
        if not isinstance(data, dict):
            return FeedFacts(format="json", error="not a JSON Feed (no object at the top)")
        return _json_feed(data)
    try:
        import feedparser

        parsed = feedparser.parse(body, response_headers={"content-type": content_type} if content_type else None)
    except Exception as e:  # feedparser is tolerant; belt and braces
        return FeedFacts(error=f"unreadable feed: {type(e).__name__}: {e}"[:300])
    facts = FeedFacts(format=parsed.get("version") or None, title=_clip(parsed.feed.get("title")))
    if parsed.get("bozo"):
        facts.warning = _clip(f"{type(parsed.get('bozo_exception')).__name__}: {parsed.get('bozo_exception')}", 300)
    if not facts.format and not parsed.entries:
        facts.error = "not a feed" + (f" ({facts.warning})" if facts.warning else "")
        return facts
    for e in parsed.entries[:MAX_ENTRIES]:
        facts.entries.append(FeedEntry(_clip(e.get("link"), 2000), _clip(e.get("title")),
                                       _clip(e.get("published"), 100), _clip(e.get("updated"), 100)))
    return facts
