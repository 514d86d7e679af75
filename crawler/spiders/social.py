"""The `social` spider: check every social profile in the inventory, one adapter per platform.

    scrapy crawl social -a config=org.toml [-a db=output/decay.db]
    decay crawl --config org.toml [--only social]     # runs it after the sites (the same spider)

The inventory is the profiles declared in ``[[social]]`` plus those the latest complete crawl of each
site links to (links, JSON-LD sameAs, rel="me"), read from the database.  Each profile's adapter (a
generator in ``crawler/social/``) asks for URLs; this spider fetches them politely and sends the
answers back:

- never logs in, sends no cookies, follows redirects itself (recording each hop) and stops at a login
  or consent page instead of following it;
- one request at a time per host, ``[social_settings] delay`` seconds apart, robots.txt obeyed
  (``obey_robots``), ``timeout`` per request, answers over ``max_response_mb`` not read;
- a failure (timeout, refused, robots.txt, too large) is an answer too: the adapter records the
  profile as ``unknown`` with the reason, and the crawl goes on.

Everything it learns is written in one transaction when it completes (``crawler/social/store.py``);
interrupted, it writes nothing but its ``social_crawls`` row.
"""
from __future__ import annotations

import logging
import os
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import scrapy
from scrapy import signals
from scrapy.exceptions import UsageError

from crawler.settings import apply_config
from crawler.social import check
from crawler.social.base import Answer, Ask, CheckResult
from crawler.social.closed import LOGIN_PATHS
from crawler.social.inventory import Entry, Inventory, build
from foundation.profiles import PLATFORM_NAMES, map_base, unmap_base
from crawler.social.store import abort, begin, commit, connect
from crawler.spiders.site import describe_failure
from foundation.config import ConfigError, load_config
from foundation.urls import origin_of

logger = logging.getLogger(__name__)
MAX_REDIRECTS = 5
_WALL_WORDS = ("login", "signin", "sign_in", "authwall", "consent", "checkpoint", "challenge", "signup")


@dataclass
class State:
    """One profile being checked."""
    entry: Entry
    gen: object
    ask: Ask | None = None
    first_fetch: str | None = None
    chain: list[tuple[str, int]] = field(default_factory=list)
    requests: int = 0


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


def is_wall(url: str, platform: str) -> bool:
    """A redirect target that is a login, sign-up or consent page (never followed)."""
    parts = urlsplit(url)
    path = parts.path.lower().rstrip("/")
    if any(path.startswith(p) for p in LOGIN_PATHS.get(platform, ())):
        return True
    if parts.netloc.lower().startswith(("consent.", "accounts.", "login.", "auth.")):
        return True
    return any(w in seg for seg in path.split("/") for w in _WALL_WORDS)


def bases_from(settings) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, base in settings.base_urls.items():
        k = key.lower().strip()
        out[origin_of(k) if "://" in k else PLATFORM_NAMES.get(k, k)] = base
    return out


def select(inv: Inventory, settings) -> list[Entry]:
    """The profiles to check: declared first, then discovered ones by the number of pages linking to them."""
    entries = list(inv.entries.values())
    chosen = [e for e in entries if e.declared]
    if settings.check_discovered:
        rest = [e for e in entries if not e.declared]
        rest.sort(key=lambda e: (-len({s.page_url for s in e.sources}), e.ref.key))
        chosen += rest
    return chosen[: settings.max_profiles]


class SocialSpider(scrapy.Spider):
    name = "social"
    custom_settings = {"EXTENSIONS": {"crawler.progress.Progress": None}}

    def __init__(self, config: str | None = None, db: str | None = None, **kw) -> None:
        super().__init__(**kw)
        if not config:
            raise UsageError("the social spider needs a configuration: scrapy crawl social -a config=org.toml")
        try:
            self.config = load_config(config)
        except ConfigError as e:
            raise UsageError(str(e)) from None
        self.db_path = Path(db) if db else self.config.database_path
        self.settings_ = self.config.social_settings
        self.bases = bases_from(self.settings_)
        self.now = _utcnow()
        self.run_id: int | None = None
        self.inventory: Inventory | None = None
        self.results: dict[str, tuple[str, CheckResult]] = {}
        self.requests = 0
        self.started = time.monotonic()
        self.summary: dict | None = None
        self.conn = None

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        apply_config(crawler.settings, spider.config)
        st = spider.settings_
        s, prio = crawler.settings, "spider"
        s.set("CONCURRENT_REQUESTS", 8, priority=prio)
        s.set("CONCURRENT_REQUESTS_PER_DOMAIN", 1, priority=prio)    # one request at a time per host
        s.set("DOWNLOAD_DELAY", st.delay, priority=prio)
        s.set("DOWNLOAD_DELAY_JITTER", 0.5 if st.delay > 0 else 0, priority=prio)
        s.set("AUTOTHROTTLE_ENABLED", False, priority=prio)
        s.set("DOWNLOAD_TIMEOUT", st.timeout, priority=prio)
        s.set("DOWNLOAD_MAXSIZE", int(st.max_response_mb * 1024 * 1024), priority=prio)
        s.set("ROBOTSTXT_OBEY", st.obey_robots, priority=prio)
        logging.getLogger("scrapy.downloadermiddlewares.robotstxt").setLevel(logging.CRITICAL)
        crawler.signals.connect(spider.spider_closed, signal=signals.spider_closed)
        return spider

    # ------------------------------------------------------------------ the inventory and the first requests
    async def start(self) -> AsyncIterator[scrapy.Request]:
        self.conn = connect(self.db_path)
        self.run_id = begin(self.conn, os.getpid())
        self.inventory = build(self.conn, self.config)   # where the sites link to profiles is recorded either way
        todo = select(self.inventory, self.settings_)
        self.logger.info("social crawl %s: %d profiles in the inventory, %d to check", self.run_id, len(self.inventory.entries), len(todo))
        for entry in todo:
            st = State(entry, check(entry.ref, self.now, self.settings_.latest_posts))
            req = self._advance(st, None)
            if req is not None:
                yield req

    # ------------------------------------------------------------------ driving the adapters
    def _request(self, st: State, url: str) -> scrapy.Request:
        fetch = map_base(url, st.entry.ref.platform, self.bases)
        if st.first_fetch is None:
            st.first_fetch = fetch
        self.requests += 1
        st.requests += 1
        return scrapy.Request(fetch, callback=self.on_answer, errback=self.on_failure, dont_filter=True,
                              headers={"Accept": st.ask.accept if st.ask else "*/*"},
                              meta={"social": st, "prod_url": url, "dont_redirect": True, "handle_httpstatus_all": True})

    def _advance(self, st: State, answer: Answer | None) -> scrapy.Request | None:
        """Send the answer to the adapter; the next request it wants, or None when it has decided."""
        try:
            ask = next(st.gen) if answer is None else st.gen.send(answer)
        except StopIteration as stop:
            self._done(st, stop.value)
            return None
        except Exception as e:   # a bug of ours, or an answer nobody foresaw: the profile is unknown, the crawl goes on
            self.logger.exception("social check of %s failed", st.entry.ref.url)
            self._done(st, CheckResult("unknown", f"content-decay could not read the answer: {type(e).__name__}: {e}"[:500],
                                       adapter=st.entry.ref.platform))
            return None
        st.ask, st.first_fetch, st.chain = ask, None, []
        return self._request(st, ask.url)

    def _done(self, st: State, result: CheckResult | None) -> None:
        if result is None:
            result = CheckResult("unknown", "the check ended without a result", adapter=st.entry.ref.platform)
        result.requests = st.requests
        if result.status == "unknown" and not result.reason:
            result.reason = "no clear answer"
        self.results[st.entry.ref.key] = (_utcnow().isoformat(timespec="seconds"), result)

    def on_answer(self, response):
        st: State = response.meta["social"]
        prod = response.meta["prod_url"]
        headers = {k.decode("latin-1").lower(): b", ".join(v).decode("latin-1") for k, v in response.headers.items()
                   if k.lower() != b"set-cookie"}
        loc = headers.get("location")
        if 300 <= response.status < 400 and loc and st.ask.follow_redirects:
            target = unmap_base(urljoin(response.url, loc), prod, response.url)
            st.chain.append((prod, response.status))
            if is_wall(target, st.entry.ref.platform):
                answer = Answer(st.ask.url, st.first_fetch or response.url, response.status, headers, b"", final_url=prod,
                                chain=st.chain[:-1], stopped_at=target)
            elif len(st.chain) > MAX_REDIRECTS or target in [u for u, _ in st.chain]:
                answer = Answer(st.ask.url, st.first_fetch or response.url, response.status, headers, b"",
                                error=f"too many redirects or a redirect loop ({len(st.chain)} hops)", final_url=target, chain=st.chain)
            else:
                return [self._request(st, target)]
        else:
            answer = Answer(st.ask.url, st.first_fetch or response.url, response.status, headers, response.body,
                            final_url=prod, chain=st.chain)
        nxt = self._advance(st, answer)
        return [nxt] if nxt is not None else []

    def on_failure(self, failure):
        request = failure.request
        st: State | None = request.meta.get("social")
        if st is None:
            return []
        _, reason = describe_failure(failure, request.meta.get("download_timeout", self.settings_.timeout))
        if "robots.txt" in reason:
            reason = f"not requested: {urlsplit(request.url).netloc}'s robots.txt disallows it"
        answer = Answer(st.ask.url, st.first_fetch or request.url, None, {}, b"", error=reason,
                        final_url=request.meta.get("prod_url"), chain=st.chain)
        nxt = self._advance(st, answer)
        return [nxt] if nxt is not None else []

    # ------------------------------------------------------------------ the end
    def spider_closed(self, spider, reason: str) -> None:
        if self.run_id is None or self.conn is None:
            return
        duration = time.monotonic() - self.started
        try:
            if reason == "finished":
                self.summary = commit(self.conn, self.run_id, self.inventory, self.results, duration, self.requests)
            else:
                why = {"shutdown": "stopped by a signal (Ctrl-C or SIGTERM) before the end; nothing was written"}.get(
                    reason, f"stopped before the end ({reason}); nothing was written")
                abort(self.conn, self.run_id, "interrupted", why, duration, self.requests)
                self.summary = {"social_crawl_id": self.run_id, "status": "interrupted", "reason": why}
        except Exception as e:
            self.logger.exception("could not write the social crawl's results")
            abort(self.conn, self.run_id, "failed", f"internal error: {type(e).__name__}: {e}"[:2000], duration, self.requests)
            self.summary = {"social_crawl_id": self.run_id, "status": "failed", "reason": str(e)}
        finally:
            self.conn.close()
