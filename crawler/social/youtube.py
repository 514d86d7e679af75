"""YouTube: the channel's public Atom feed (``/feeds/videos.xml?channel_id=UC...``), its latest 15 videos.

A channel known by its handle (``/@name``) or custom URL (``/c/name``) is first looked up on its page,
which names its channel id; YouTube answers 404 for a handle or channel that does not exist, and says
"This account has been terminated" for a terminated one.  A feed that answers 404 is confirmed on the
channel page before anything is called missing.  A cookie-consent or login redirect is ``unknown``.
"""
from __future__ import annotations

import re
from datetime import datetime

from crawler.social.base import ask, Ask, Check, CheckResult, finish, read_page, same_account
from crawler.social.feed import FEED_TYPES, apply_feed, read_feed

FEED = "https://www.youtube.com/feeds/videos.xml?channel_id="
CHANNEL = "https://www.youtube.com/channel/"
_CANONICAL_CHANNEL = re.compile(r"^https?://(?:www\.)?youtube\.com/channel/(UC[A-Za-z0-9_-]{22})")
_CHANNEL_ID = re.compile(r"^UC[A-Za-z0-9_-]{22}$")
_CHANNEL_ID_IN_SCRIPT = re.compile(r'"(?:channelId|externalId|browseId)"\s*:\s*"(UC[A-Za-z0-9_-]{22})"')


def _channel_id(text: str) -> tuple[str, str] | tuple[None, None]:
    """The channel id a channel page names, and where: its canonical URL, its identifier or channelId <meta>, or the
    data in its scripts (externalId, channelId)."""
    page = read_page(text)
    m = _CANONICAL_CHANNEL.match(page.canonical)
    if m:
        return m.group(1), f'its canonical link "{page.canonical}"'
    for key in ("identifier", "channelid"):
        if _CHANNEL_ID.match(page.meta.get(key, "")):
            return page.meta[key], f'its <meta itemprop="{key}"> {page.meta[key]}'
    m = _CHANNEL_ID_IN_SCRIPT.search(text)
    return (m.group(1), f"its page data ({m.group(0)})") if m else (None, None)


TERMINATED = ("This account has been terminated", "This channel was removed because it violated",
              "has been terminated for a violation")


def _terminated(text: str) -> str | None:
    return next((m for m in TERMINATED if m in text), None)


def check_youtube(profile, now: datetime, keep: int) -> Check:
    res = CheckResult("unknown", "", adapter="youtube", handle=profile.handle)
    feed_url = profile.feed_url
    page = None
    if not feed_url:
        page = yield from ask(res, Ask(profile.url, "page", accept="text/html"))
        text = page.text() if page.status is not None else ""
        if page.error:
            res.reason = f"the channel page could not be fetched: {page.error}"
            return res
        if page.stopped_at:
            res.reason = f"YouTube redirected to {page.stopped_at} (a consent or login page) instead of the channel"
            return res
        if page.status == 404:
            res.status, res.confidence, res.marker = "missing", 0.9, "HTTP 404"
            res.reason = f"YouTube answers 404 for {profile.url}: no channel has this handle"
            return res
        marker = _terminated(text)
        if marker:
            res.status, res.confidence, res.marker = "suspended", 0.9, marker
            res.reason = f'the channel page says "{marker}"'
            return res
        if not page.ok:
            res.reason = f"the channel page answered HTTP {page.status}"
            return res
        cid, where = _channel_id(text)
        if cid is None:
            res.reason = "the channel page answered, but names no channel id (the feed cannot be found)"
            return res
        same_account(res, CHANNEL + cid, f"the page of {profile.url} names channel {cid} in {where}")
        feed_url = FEED + cid
    res.feed_url = feed_url
    a = yield from ask(res, Ask(feed_url, "feed", accept=FEED_TYPES))
    if a.ok:
        fr = read_feed(a.body, a.headers.get("content-type"), now)
        if not fr.ok:
            res.reason = f"the channel feed could not be read: {fr.reason}"
            return res
        res.status, res.confidence = "alive", 0.95
        res.display_name = fr.title
        m = _CANONICAL_CHANNEL.match(fr.link or "")
        if res.same_as is None and m and not profile.key.startswith("youtube:channel:"):   # a /user/ name: its feed names the channel
            same_account(res, CHANNEL + m.group(1), f'the feed of {profile.url} ({feed_url}) links to its channel "{fr.link}"')
        apply_feed(res, fr, now, keep)
        res.reason = f"the channel feed lists {fr.total} videos" + (f", the newest of {res.last_post_at[:10]}" if res.last_post_at else "")
        return res
    if a.status != 404 or page is not None:
        res.reason = f"the channel feed answered {a.describe()}"
        return res
    # a 404 feed: confirm on the channel page before calling it missing
    p = yield from ask(res, Ask(profile.url, "page", accept="text/html"), deciding=False)
    text = p.text() if p.status is not None else ""
    marker = _terminated(text) if p.status is not None else None
    if marker:
        finish(res, p)
        res.status, res.confidence, res.marker = "suspended", 0.9, marker
        res.reason = f'the channel feed answers 404 and the channel page says "{marker}"'
    elif p.status == 404:
        finish(res, p)
        res.status, res.confidence, res.marker = "missing", 0.9, "HTTP 404"
        res.reason = "the channel feed and the channel page both answer 404: the channel does not exist"
    elif p.ok and not p.stopped_at:
        res.status, res.confidence = "alive", 0.6
        res.reason = "the channel page answers, but its feed answers 404 (no public videos to read)"
    else:
        res.reason = f"the channel feed answers 404 and the channel page {p.describe()}"
    return res
