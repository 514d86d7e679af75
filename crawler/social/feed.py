"""Reading a profile's feed (RSS, Atom, RDF, JSON Feed) into posts with trustworthy dates, or a reason why not.

``crawler.feeds.load_feed`` parses it (feedparser for the XML formats, JSON for JSON Feed).  A feed that is empty, not a feed, not
well-formed, in the wrong encoding or too large is *not read*: the result says why, and no date
comes from it (a half-read feed can give a wrong "last post" date, which is worse than none).  Dates
that cannot be post dates (placeholders such as 0001-01-01, dates in the future) are ignored.

Also the ``feed`` adapter: blogs, Medium, Substack, podcasts, any URL that serves a feed.
"""
from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import datetime, timezone

from crawler.feeds import clip, load_feed
from crawler.social.base import Answer, ask, Ask, Check, CheckResult, plausible, summarise_posts

MAX_ENTRIES = 1000


@dataclass
class FeedRead:
    ok: bool
    reason: str = ""                 # why it could not be read
    format: str | None = None
    title: str | None = None
    link: str | None = None          # the feed's own <link> (the profile or site it belongs to)
    description: str | None = None
    entries: list[tuple[datetime, str | None, str | None]] = field(default_factory=list)   # (date, url, text)
    undated: int = 0                 # entries without a usable date
    total: int = 0


def _from_struct(t) -> datetime | None:
    if not t:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(t), tz=timezone.utc)
    except (OverflowError, ValueError, TypeError):
        return None


def iso_date(s) -> datetime | None:
    if not isinstance(s, str) or not s.strip():
        return None
    try:
        d = datetime.fromisoformat(s.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return d if d.tzinfo else d.replace(tzinfo=timezone.utc)


def read_feed(body: bytes, content_type: str | None, now: datetime) -> FeedRead:
    """Never raises."""
    loaded = load_feed(body, content_type)
    if loaded.error:
        return FeedRead(False, loaded.error)
    if loaded.json is not None:
        return _json_feed(loaded.json, now)
    d = loaded.parsed
    if d.get("bozo"):
        exc = d.get("bozo_exception")
        name = type(exc).__name__
        if name == "CharacterEncodingOverride" and (d.get("encoding") or "").lower().replace("_", "-") not in ("utf-8", "utf8"):
            return FeedRead(False, f"wrong encoding: {exc}; its text, and so its dates, cannot be trusted")
        if name == "CharacterEncodingUnknown":
            return FeedRead(False, f"unknown encoding: {exc}")
        if name != "CharacterEncodingOverride":
            return FeedRead(False, f"not a well-formed feed ({exc}); a partly read feed can give a wrong date, so none is taken")
    if not d.get("version"):
        head = body.lstrip()[:200].lower()
        what = "an HTML page" if b"<html" in head or b"<!doctype html" in head else "not a feed"
        return FeedRead(False, f"the answer is {what}, not a feed")
    r = FeedRead(True, format=d.get("version"), title=clip(d.feed.get("title"), 300), link=clip(d.feed.get("link"), 2000),
                 description=clip(d.feed.get("subtitle") or d.feed.get("description"), 1000))
    for e in d.entries[:MAX_ENTRIES]:
        r.total += 1
        date = plausible(_from_struct(e.get("published_parsed")) or _from_struct(e.get("updated_parsed")), now)
        if date is None:
            r.undated += 1
            continue
        text = e.get("title") or e.get("summary")   # Mastodon posts have no title: their text is the summary
        r.entries.append((date, clip(e.get("link"), 2000), text))
    return r


def _json_feed(data: dict, now: datetime) -> FeedRead:
    if not isinstance(data.get("items"), list) or "jsonfeed.org" not in str(data.get("version", "")):
        return FeedRead(False, "JSON, but not a JSON Feed (no version and items list)")
    r = FeedRead(True, format="json", title=clip(data.get("title"), 300), link=clip(data.get("home_page_url"), 2000),
                 description=clip(data.get("description"), 1000))
    for it in data["items"][:MAX_ENTRIES]:
        if not isinstance(it, dict):
            continue
        r.total += 1
        date = plausible(iso_date(it.get("date_published")) or iso_date(it.get("date_modified")), now)
        if date is None:
            r.undated += 1
            continue
        text = it.get("title") or it.get("content_text") or it.get("summary") or it.get("content_html")
        r.entries.append((date, clip(it.get("url") or it.get("external_url"), 2000), text))
    return r


FEED_TYPES = "application/rss+xml, application/atom+xml, application/feed+json, application/json;q=0.9, application/xml;q=0.8, */*;q=0.5"


def apply_feed(result: CheckResult, fr: FeedRead, now: datetime, keep: int) -> None:
    """Copy a read feed's posts and title onto a result."""
    summarise_posts(result, fr.entries, now, keep, total=fr.total)
    if fr.undated:
        result.evidence.append({"note": f"{fr.undated} of {fr.total} entries had no usable date and were not counted"})


def check_feed(profile, now: datetime, keep: int) -> Check:
    """Any feed: alive when it reads, missing when the platform says the feed is gone (404/410)."""
    res = CheckResult("unknown", "", adapter="feed", feed_url=profile.feed_url)
    a: Answer = yield from ask(res, Ask(profile.feed_url, "feed", accept=FEED_TYPES))
    if a.error:
        res.reason = f"the feed could not be fetched: {a.error}"
        return res
    if a.status in (404, 410):
        res.status, res.confidence = "missing", (0.9 if profile.platform in ("medium", "substack") else 0.8)
        res.reason = f"the feed {profile.feed_url} answered {a.status}: it no longer exists"
        return res
    if not a.ok:
        res.reason = f"the feed answered HTTP {a.status}" + (" (a login wall)" if a.stopped_at else "")
        return res
    fr = read_feed(a.body, a.headers.get("content-type"), now)
    if not fr.ok:
        res.reason = f"the feed could not be read: {fr.reason}"
        return res
    res.status, res.confidence = "alive", 0.95
    res.display_name = fr.title
    res.bio = fr.description
    res.bio_link = fr.link
    apply_feed(res, fr, now, keep)
    res.reason = f"the feed reads: {fr.total} entries" + (f", the newest dated {res.last_post_at[:10]}" if res.last_post_at else ", none dated")
    return res
