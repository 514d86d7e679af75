"""Mastodon (and other servers that speak its API): the profile's RSS feed, and the public account lookup.

1. ``https://instance/@user.rss``: the account's public posts (Mastodon publishes the latest 20).
   410 Gone is Mastodon's answer for a suspended account.
2. ``https://instance/api/v1/accounts/lookup?acct=user``: display name, bio, profile links (the
   "fields"), whether it moved, whether it is suspended.  ``{"error": "Record not found"}`` with 404
   is Mastodon saying no such account exists; only that, together with a feed that is not there,
   makes an account ``missing`` (a server that is not Mastodon never answers that way).

Servers in "authorized fetch" or limited-federation mode may refuse the API (401/403): the feed alone
decides then.
"""
from __future__ import annotations

from datetime import datetime
from urllib.parse import quote

from selectolax.lexbor import LexborHTMLParser

from crawler.social.base import ask, Ask, Check, CheckResult, excerpt, finish, plausible
from crawler.social.feed import FEED_TYPES, apply_feed, read_feed
from crawler.social.feed import iso_date

def _links(html: str | None) -> list[str]:
    """The web links of an HTML fragment of the API (a bio, a profile field), entities decoded."""
    if not html:
        return []
    hrefs = ((a.attributes.get("href") or "").strip() for a in LexborHTMLParser(html).css("a[href]"))
    return [h for h in hrefs if h.startswith("http")]


def check_mastodon(profile, now: datetime, keep: int) -> Check:
    user, instance = profile.handle.lstrip("@").split("@", 1)
    res = CheckResult("unknown", "", adapter="mastodon", feed_url=profile.feed_url, handle=profile.handle)
    feed = yield from ask(res, Ask(profile.feed_url, "feed", accept=FEED_TYPES))
    feed_read = None
    feed_note = ""
    if feed.ok:
        fr = read_feed(feed.body, feed.headers.get("content-type"), now)
        if fr.ok:
            feed_read = fr
        else:
            feed_note = f"its feed could not be read: {fr.reason}"
    elif feed.error:
        feed_note = f"its feed could not be fetched: {feed.error}"
    else:
        feed_note = f"its feed answered HTTP {feed.status}"

    lookup = f"https://{instance}/api/v1/accounts/lookup?acct={quote(user)}"
    api = yield from ask(res, Ask(lookup, "api", accept="application/json"), deciding=False)
    data = api.json() if api.status is not None else None
    account = data if isinstance(data, dict) and data.get("id") and data.get("username") else None
    api_error = data.get("error") if isinstance(data, dict) and isinstance(data.get("error"), str) else None

    if account:
        res.display_name = (account.get("display_name") or account.get("username") or "").strip() or None
        res.bio = excerpt(account.get("note"), 60)
        links = [link for f in account.get("fields") or [] if isinstance(f, dict) for link in _links(f.get("value"))]
        links += _links(account.get("note"))
        res.bio_link = links[0] if links else None
        if res.bio_link:
            res.evidence.append({"note": "profile links: " + ", ".join(links[:10])})
        moved = account.get("moved")
        if isinstance(moved, dict) and moved.get("url"):
            res.moved_to = moved["url"]
    elif feed_read is not None:
        res.display_name = feed_read.title

    if feed.status == 410 or api.status == 410 or (account and account.get("suspended")):
        res.status, res.confidence = "suspended", 0.9
        res.marker = "HTTP 410 Gone" if 410 in (feed.status, api.status) else '"suspended": true'
        res.reason = f"{instance} says the account is suspended ({res.marker})"
        finish(res, feed if feed.status == 410 else api)
        return res
    if feed_read is not None or account:
        res.status = "alive"
        res.confidence = 0.95
        if feed_read is not None:
            apply_feed(res, feed_read, now, keep)
        elif account:
            # no readable feed: the API's last_status_at (a day) is the last post
            last = plausible(_day(account.get("last_status_at")), now)
            res.last_post_at = last.isoformat(timespec="seconds") if last else None
            res.posts_seen = account.get("statuses_count") if isinstance(account.get("statuses_count"), int) else None
        res.reason = (f"{instance} publishes the account" + (f"; {feed_note}" if feed_note else "")
                      + (f"; it has moved to {res.moved_to}" if res.moved_to else ""))
        if not feed_read:
            finish(res, api)
        return res
    if feed.status == 404 and api.status == 404 and api_error:
        res.status, res.confidence = "missing", 0.95
        res.marker = f'{{"error": "{api_error}"}}'
        res.reason = f"{instance} says no such account exists: its feed answers 404 and its account lookup {res.marker}"
        finish(res, api)
        return res
    res.reason = f"{instance} gave no clear answer: {feed_note}; account lookup: {api.describe()}"
    return res


def _day(s) -> datetime | None:

    return iso_date(s) if isinstance(s, str) else None
