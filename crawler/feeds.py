"""Reading RSS, Atom, RDF and JSON feeds: entries with their links and their dates, raw.

feedparser reads the XML formats (it copes with malformed feeds and odd
encodings, and says so in ``bozo``); JSON Feed (jsonfeed.org) is read here.
Dates are kept as written: judging them is the analysis' job (a feed that
dates every entry 0001-01-01 is evidence of nothing, and the analysis says so).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

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


def clip(s, n: int = 500) -> str | None:
    """Text with its whitespace runs made single spaces, at most n characters; None for nothing."""
    if s is None:
        return None
    s = " ".join(str(s).split())
    return s[:n] or None


@dataclass
class LoadedFeed:
    """A feed's body parsed, not yet judged: exactly one of the three is set."""
    json: dict | None = None    # a JSON document with an object at the top (perhaps a JSON Feed)
    parsed: Any = None          # feedparser's result, for the XML formats (RSS, Atom, RDF)
    error: str | None = None    # why it could not be parsed at all


def load_feed(body: bytes, content_type: str | None = None) -> LoadedFeed:
    """The first step of reading any feed: JSON or XML, parsed; never raises.

    Shared by the crawl's feed facts (``parse_feed``, below: everything kept, problems noted) and the
    social profiles' feeds (``crawler/social/feed.py``: a feed not read cleanly gives no date at all)."""
    if not body or not body.strip():
        return LoadedFeed(error="the answer was empty")
    if len(body) > MAX_FEED_BYTES:
        return LoadedFeed(error=f"larger than {MAX_FEED_BYTES // (1024 * 1024)} MB: not read")
    body = body.lstrip()   # whitespace before <?xml ...?> is a common server slip, not a broken feed
    if body[:1] in (b"{", b"["):
        try:
            data = json.loads(body)
        except (ValueError, RecursionError) as e:
            return LoadedFeed(error=f"invalid JSON: {e}"[:300])
        if not isinstance(data, dict):
            return LoadedFeed(error="JSON, but not a JSON Feed (no object at the top)")
        return LoadedFeed(json=data)
    try:
        import feedparser

        return LoadedFeed(parsed=feedparser.parse(body, response_headers={"content-type": content_type} if content_type else None))
    except Exception as e:  # feedparser is tolerant; belt and braces
        return LoadedFeed(error=f"unreadable feed: {type(e).__name__}: {e}"[:300])


def _json_feed(data: dict) -> FeedFacts:
    facts = FeedFacts(format="json", title=clip(data.get("title")))
    items = data.get("items")
    if not isinstance(items, list):
        facts.error = "JSON Feed without an items list"
        return facts
    for it in items[:MAX_ENTRIES]:
        if isinstance(it, dict):
            facts.entries.append(FeedEntry(clip(it.get("url") or it.get("external_url"), 2000), clip(it.get("title")),
                                           clip(it.get("date_published"), 100), clip(it.get("date_modified"), 100)))
    return facts


# feedparser's bozo exceptions that say only that it read the feed another way than announced: the feed is fine
HARMLESS_BOZO = ("CharacterEncodingOverride", "NonXMLContentType")


def _parse_failure(exc) -> str | None:
    """What broke, when feedparser's bozo is a real parse failure; None when it is harmless."""
    if exc is None or type(exc).__name__ in HARMLESS_BOZO:
        return None
    get_line = getattr(exc, "getLineNumber", None)
    if get_line is not None:   # xml.sax.SAXParseException: the XML is not well-formed
        line, col = get_line(), exc.getColumnNumber()
        reason = exc.getMessage() if hasattr(exc, "getMessage") else str(exc)
        return f"not well-formed XML at line {line}, column {col} ({reason})"
    return f"{type(exc).__name__}: {exc}"


def _title_before_the_break(body: bytes) -> bool:
    """True when a strict XML parser closes a <title> before the feed breaks (the feed's own title is then sound)."""
    from xml.parsers import expat

    closed = False

    def end(name: str) -> None:
        nonlocal closed
        if name.rsplit(":", 1)[-1].lower() == "title":
            closed = True
            parser.EndElementHandler = None

    parser = expat.ParserCreate()
    parser.EndElementHandler = end
    try:
        parser.Parse(body, True)
    except (expat.ExpatError, ValueError):
        pass
    return closed


def parse_feed(body: bytes, content_type: str | None = None) -> FeedFacts:
    """The facts of a feed; never raises."""
    loaded = load_feed(body, content_type)
    if loaded.error:
        return FeedFacts(format="json" if body and body.lstrip()[:1] in (b"{", b"[") else None, error=loaded.error)
    if loaded.json is not None:
        return _json_feed(loaded.json)
    parsed = loaded.parsed
    facts = FeedFacts(format=parsed.get("version") or None, title=clip(parsed.feed.get("title")))
    broken = None
    if parsed.get("bozo"):
        exc = parsed.get("bozo_exception")
        facts.warning = clip(f"{type(exc).__name__}: {exc}", 300)
        broken = _parse_failure(exc)
    if not facts.format and not parsed.entries:
        facts.error = "not a feed" + (f" ({facts.warning})" if facts.warning else "")
        facts.title = None
        return facts
    if broken is not None:
        # feedparser read on leniently past the break: what it read before the break is the feed, what
        # follows may be markup taken for text (a title like 'News &amp; <b>bold'), so a title read
        # after it is not kept; the entries are kept as evidence, and the error says so
        message = f"malformed feed: {broken}"
        if facts.title and not _title_before_the_break(body.lstrip()):
            facts.title = None
            message += "; its title was read past the break and is not kept"
        if parsed.entries:
            n = min(len(parsed.entries), MAX_ENTRIES)
            message += f"; {n} entr{'y' if n == 1 else 'ies'} read leniently, kept"
        facts.error = clip(message, 300)
    for e in parsed.entries[:MAX_ENTRIES]:
        # dict.get: feedparser's own get("updated") falls back to the published date, which is not what was written
        facts.entries.append(FeedEntry(clip(e.get("link"), 2000), clip(e.get("title")),
                                       clip(dict.get(e, "published"), 100), clip(dict.get(e, "updated"), 100)))
    return facts
