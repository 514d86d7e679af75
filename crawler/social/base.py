"""What every adapter shares: the questions it asks, the answers it gets, and what it records.

An adapter is a plain Python generator: it *yields* :class:`Ask` (a URL to fetch) and is *sent* an
:class:`Answer` (what came back, or why nothing did); when it is done it *returns* a
:class:`CheckResult`.  The ``social`` spider only drives these generators (download, politeness,
redirects, robots.txt), so every adapter can be tested without Scrapy, and no adapter ever builds a
request the spider would not make politely.

Statuses, and what it takes to say them:

- ``alive``: the platform answered with the profile (its feed, its API record or its page).
- ``missing``: the platform said, unmistakably, that no such account exists (a documented API error,
  a 404 from an endpoint that answers 200 for every existing account, a redirect to its "unavailable"
  page, or its own "this account doesn't exist" text).  Anything less is ``unknown``: a false
  "missing" would tell people to re-register a handle that someone still owns.
- ``suspended``: the account exists but is suspended, banned, terminated or deactivated (its handle is
  not free, but nobody can see it).
- ``unknown``: no clear answer: a login wall, robots.txt, a timeout, an error, a malformed feed.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Generator

from selectolax.lexbor import LexborHTMLParser

from foundation.times import to_iso

STATUSES = ("alive", "missing", "suspended", "unknown")
RECENT_DAYS = 90          # "posts in the last 90 days"
EXCERPT_WORDS = 30        # first words of a post kept
EARLIEST_POST = datetime(1995, 1, 1, tzinfo=timezone.utc)   # an older "post date" is a placeholder, not a date
FUTURE_SLACK = timedelta(days=1)                            # clocks and time zones; anything later is not a post date


@dataclass
class Ask:
    """A request an adapter wants made.  ``url`` is the production URL (e.g. https://x.com/name); the spider
    maps it to the configured base URL before fetching."""

    url: str
    purpose: str                      # "feed", "api", "page", ... (recorded with the evidence)
    accept: str = "*/*"
    follow_redirects: bool = True


@dataclass
class Answer:
    url: str                          # the production URL asked for
    fetched_url: str                  # what was actually requested (after base-URL mapping)
    status: int | None = None         # HTTP status of the last answer; None when there was none
    headers: dict[str, str] = field(default_factory=dict)   # lower-case names
    body: bytes = b""
    error: str | None = None          # why there is no usable answer (timeout, refused, robots.txt, too large, ...)
    final_url: str | None = None      # production URL of the last answer (after redirects)
    chain: list[tuple[str, int]] = field(default_factory=list)   # redirects followed: (url, status)
    stopped_at: str | None = None     # a redirect not followed (a login wall): its target

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    def text(self, limit: int = 2_000_000) -> str:
        return self.body[:limit].decode("utf-8", "replace")

    def json(self):
        import json

        try:
            return json.loads(self.body)
        except (ValueError, RecursionError):
            return None

    def describe(self) -> str:
        if self.error:
            return self.error
        s = f"HTTP {self.status}"
        if self.chain:
            s += " after " + " -> ".join(f"{st} {u}" for u, st in self.chain)
        if self.stopped_at:
            s += f" (redirected to {self.stopped_at}, not followed)"
        return s


@dataclass
class Post:
    published_at: str                 # UTC, ISO 8601
    url: str | None
    excerpt: str | None               # the first words


@dataclass
class CheckResult:
    status: str                       # alive, missing, suspended, unknown
    reason: str                       # one sentence a person can check
    confidence: float = 0.5
    adapter: str = ""
    http_status: int | None = None
    requested_url: str | None = None
    final_url: str | None = None
    marker: str | None = None         # the text (or API error) that decided it, quoted
    display_name: str | None = None
    handle: str | None = None
    bio: str | None = None
    bio_link: str | None = None
    moved_to: str | None = None
    feed_url: str | None = None
    posts: list[Post] = field(default_factory=list)   # newest first
    posts_seen: int | None = None     # posts the feed or API listed (None: the platform publishes none openly)
    last_post_at: str | None = None
    posts_90d: int | None = None
    evidence: list[dict] = field(default_factory=list)   # every request made and what it answered
    requests: int = 0
    same_as: str | None = None        # the profile's own URL under its stable id, when the platform names it (see same_account)

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"unknown status {self.status!r}")


Check = Generator[Ask, Answer, CheckResult]


def same_account(result: CheckResult, url: str, how: str) -> None:
    """Record that the platform names this profile's stable identity: a YouTube @handle, /c/ or /user/ name whose
    channel page or feed names its /channel/UC... URL, a Bluesky handle whose API record names its did.  Recorded
    in the evidence (``{"same_as": url, "how": ...}``); the analysis treats every URL of one account as one profile."""
    result.same_as = url
    result.evidence.append({"same_as": url, "how": how})


def excerpt(text: str | None, words: int = EXCERPT_WORDS) -> str | None:
    """The first words of a post's text, tags stripped."""
    if not text:
        return None
    import html
    import re

    t = re.sub(r"<(?:br|/?p|/?div|/?li|/?h\d|/?blockquote)\b[^>]*>", " ", text, flags=re.I)   # blocks part words
    t = re.sub(r"<[^>]+>", "", t)                                                             # inline tags do not
    t = html.unescape(t)
    parts = t.split()
    if not parts:
        return None
    out = " ".join(parts[:words])
    return out + (" ..." if len(parts) > words else "")


def plausible(d: datetime | None, now: datetime) -> datetime | None:
    """The date if it can be a post's date (not a placeholder, not in the future); else None."""
    if d is None:
        return None
    if d.tzinfo is None:
        d = d.replace(tzinfo=timezone.utc)
    if d < EARLIEST_POST or d > now + FUTURE_SLACK:
        return None
    return d


def summarise_posts(result: CheckResult, dated: list[tuple[datetime, str | None, str | None]], now: datetime,
                    keep: int, total: int | None = None) -> None:
    """Fill last_post_at, posts_90d and the latest ``keep`` posts from (date, url, text) tuples."""
    dated = sorted(dated, key=lambda t: t[0], reverse=True)
    result.posts_seen = total if total is not None else len(dated)
    result.posts = [Post(to_iso(d), u, excerpt(t)) for d, u, t in dated[:keep]]
    result.last_post_at = to_iso(dated[0][0]) if dated else None
    cutoff = now - timedelta(days=RECENT_DAYS)
    result.posts_90d = sum(1 for d, _, _ in dated if d >= cutoff)


def record(result_evidence: list[dict], ask: Ask, a: Answer) -> None:
    result_evidence.append({
        "purpose": ask.purpose, "url": a.url, "requested": a.fetched_url if a.fetched_url != a.url else None,
        "answer": a.describe(), "final_url": a.final_url if a.final_url and a.final_url != a.url else None,
    })


def ask(result: CheckResult, question: Ask, deciding: bool = True):
    """One request of a check (use as ``a = yield from ask(res, Ask(...))``): the answer is counted and
    recorded in the evidence, and, if it is the ``deciding`` one, its facts are copied onto the result."""
    a = yield question
    result.requests += 1
    record(result.evidence, question, a)
    if deciding:
        finish(result, a)
    return a


def finish(result: CheckResult, a: Answer | None) -> CheckResult:
    """Copy the deciding answer's facts onto the result."""
    if a is not None:
        result.http_status = a.status
        result.requested_url = a.fetched_url
        result.final_url = a.stopped_at or a.final_url or a.url
    return result


@dataclass
class ProfilePage:
    """What a platform's profile page says, read with Lexbor as the crawl reads pages (any attribute order,
    entities decoded): its title, its <meta> values (by property, name or itemprop, lower case), its canonical
    URL and its visible text.  Shared by the closed platforms and YouTube."""
    title: str
    meta: dict[str, str]
    canonical: str
    visible: str     # for matching markers: lower case, apostrophes and spaces made plain, no scripts or styles


def read_page(text: str) -> ProfilePage:
    tree = LexborHTMLParser(text)
    node = tree.css_first("title")
    title = " ".join(node.text().split()) if node else ""
    meta: dict[str, str] = {}
    for m in tree.css("meta[property], meta[name], meta[itemprop]"):
        a = m.attributes
        key = (a.get("property") or a.get("name") or a.get("itemprop") or "").strip().lower()
        if key and len(meta) < 500:
            meta.setdefault(key, (a.get("content") or "").strip())
    canonical = next((ln.attributes.get("href") or "" for ln in tree.css("link[rel]")
                      if "canonical" in (ln.attributes.get("rel") or "").lower().split()), "")
    for n in tree.css("script, style, template"):
        n.decompose()
    root = tree.root
    visible = root.text(separator=" ") if root is not None else ""
    visible = " ".join(visible.replace("\u2019", "'").replace("\u2018", "'").split()).lower()
    return ProfilePage(title, meta, canonical.strip(), visible)
