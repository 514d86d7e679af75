"""Bluesky: the public AppView API, which needs no account.

1. ``app.bsky.actor.getProfile?actor=HANDLE``: display name, description, post count.  Its errors are
   documented and unambiguous: ``Profile not found`` (or a handle that resolves to no account) is
   missing; ``AccountTakedown`` is suspended; ``AccountDeactivated`` (the owner switched it off; the
   handle is still theirs) is suspended too, with that reason.
2. ``app.bsky.feed.getAuthorFeed?actor=DID&filter=posts_no_replies``: the latest posts (reposts of
   other people's posts are not the account's own posts and are not counted).
"""
from __future__ import annotations

import re
from datetime import datetime
from urllib.parse import quote

from crawler.social.base import ask, Ask, Check, CheckResult, plausible, same_account, summarise_posts
from crawler.social.feed import iso_date

API = "https://public.api.bsky.app"
FEED_LIMIT = 100
_URL = re.compile(r"https?://[^\s<>\"')]+")
_DOMAIN = re.compile(r"(?<![@\w.])((?:[a-z0-9-]+\.)+[a-z]{2,}(?:/[^\s<>\"')]*)?)", re.I)
MISSING_MESSAGES = ("profile not found", "unable to resolve handle", "could not find user", "actor not found")


def check_bluesky(profile, now: datetime, keep: int) -> Check:
    res = CheckResult("unknown", "", adapter="bluesky", handle=profile.handle)
    url = f"{API}/xrpc/app.bsky.actor.getProfile?actor={quote(profile.handle, safe='@:.')}"
    a = yield from ask(res, Ask(url, "api", accept="application/json"))
    data = a.json() if a.status is not None else None
    if a.error or not isinstance(data, dict):
        res.reason = f"the Bluesky API gave no usable answer: {a.describe()}"
        return res
    if not a.ok:
        err, msg = str(data.get("error") or ""), str(data.get("message") or "")
        res.marker = f"{err}: {msg}".strip(": ")
        if err == "AccountTakedown":
            res.status, res.confidence, res.reason = "suspended", 0.95, f"Bluesky says the account was taken down ({res.marker})"
        elif err == "AccountDeactivated":
            res.status, res.confidence = "suspended", 0.9
            res.reason = f"Bluesky says the account is deactivated by its owner ({res.marker}); the handle is still held"
        elif a.status == 400 and any(m in msg.lower() for m in MISSING_MESSAGES):
            res.status, res.confidence, res.reason = "missing", 0.95, f"Bluesky says no such account exists ({res.marker})"
        else:
            res.reason = f"the Bluesky API answered HTTP {a.status} ({res.marker or 'no error given'})"
        return res
    did = data.get("did")
    res.status, res.confidence = "alive", 0.95
    res.handle = data.get("handle") or profile.handle
    res.display_name = (data.get("displayName") or "").strip() or None
    res.bio = (data.get("description") or "").strip()[:1000] or None
    links = _URL.findall(res.bio or "") or ["https://" + m for m in _DOMAIN.findall(res.bio or "")]
    res.bio_link = links[0].rstrip(".,;") if links else None
    if res.handle == "handle.invalid":
        res.evidence.append({"note": "Bluesky shows this account's handle as handle.invalid: its domain no longer confirms it"})
    res.reason = f"Bluesky publishes the profile ({data.get('postsCount', '?')} posts)"
    if not did:
        return res
    if isinstance(did, str) and did.startswith("did:") and profile.handle != did:
        same_account(res, f"https://bsky.app/profile/{did}", f"Bluesky's record of {profile.handle} names its permanent id {did}")
    url = f"{API}/xrpc/app.bsky.feed.getAuthorFeed?actor={quote(did, safe=':')}&limit={FEED_LIMIT}&filter=posts_no_replies"
    b = yield from ask(res, Ask(url, "posts", accept="application/json"), deciding=False)
    feed = b.json() if b.ok else None
    if not isinstance(feed, dict) or not isinstance(feed.get("feed"), list):
        res.reason += f"; its posts could not be read ({b.describe()})"
        return res
    dated = []
    items = [it for it in feed["feed"] if isinstance(it, dict) and isinstance(it.get("post"), dict)]
    own = [it["post"] for it in items if not it.get("reason") and (it["post"].get("author") or {}).get("did") in (None, did)]
    for post in own:
        rec = post.get("record") or {}
        d = plausible(iso_date(rec.get("createdAt")), now) or plausible(iso_date(post.get("indexedAt")), now)
        if d is None:
            continue
        rkey = str(post.get("uri", "")).rsplit("/", 1)[-1]
        dated.append((d, f"https://bsky.app/profile/{res.handle}/post/{rkey}" if rkey else None, rec.get("text")))
    summarise_posts(res, dated, now, keep, total=len(own))
    return res
