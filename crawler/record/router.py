"""The recorder's front door: the table of the messages it accepts, each routed to one room.

As Scrapy's Scraper hands each answer to its callback, :meth:`Router.handle` hands each message of the
spider (over the store process's socket, ``crawler/worker.py``) to the handler its table names.  A name
that is not in the table is an error (:class:`UnknownMessage`), never a lookup of whatever attribute
has that name.  ``init`` (which creates the router) is the worker's own.
"""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from crawler.record.carryover import CarryOver
from crawler.record.context import Context
from crawler.record.externals import ExternalChecks
from crawler.record.feeds import Feeds
from crawler.record.finish import Finish
from crawler.record.pages import Pages
from crawler.record.redirects import Redirects
from crawler.record.sitemaps import SitemapsAndRobots
from foundation.config import Config
from foundation.facts import Fetch, NewRequest

# The messages, in the order of a crawl: what the spider may ask, with what, and which room answers.
MESSAGES = (
    "revalidation_plan",   # ()                 -> [Candidate]     carry-over: the pages the pass asks about (a batch)
    "start",               # ()                 -> [NewRequest]    the start URLs, robots.txt, configured sitemaps
    "revalidation_batch",  # ()                 -> [Candidate]     carry-over: the plan's next batch ([] at the end)
    "revalidated",         # (answers,)         -> [NewRequest]    carry-over: answers of the pass
    "revalidation_done",   # (report,)          -> [NewRequest]    carry-over: the pass is over
    "page",                # (Fetch, body)      -> [NewRequest]    pages (a 304: carry-over)
    "resource",            # (Fetch,)           -> [NewRequest]    pages: a HEAD answer (external checks too)
    "robots",              # (Fetch, body)      -> [NewRequest]    sitemaps and robots
    "sitemap",             # (Fetch, body)      -> [NewRequest]    sitemaps and robots
    "feed",                # (Fetch, body)      -> [NewRequest]    feeds
    "external_robots",     # (Fetch, body)      -> [NewRequest]    external checks: another host's robots.txt
    "failure",             # (Fetch,)           -> [NewRequest]    no usable answer: by the request's kind
    "stats",               # ()                 -> {site: counts}  finish: the live counts
    "finish",              # (status, reason)   -> summary         finish: the end of the crawl, the merge
)


class UnknownMessage(ValueError):
    """A message the recorder does not accept (a typo, or a spider of another version)."""


class Router:
    """One crawl's recorder: the rooms, sharing one :class:`Context`, behind the table of messages."""

    def __init__(self, config: Config, db_path: str | Path, pid: int | None = None, sites: list[str] | None = None,
                 full: bool = False) -> None:
        self.ctx = ctx = Context(config, db_path, pid, sites, full)
        self.externals = ExternalChecks(ctx)
        self.carry = CarryOver(ctx, self.externals)
        self.redirects = Redirects(ctx, self.carry, self.externals)
        self.sitemaps = SitemapsAndRobots(ctx, self.carry, self.redirects)
        self.feeds = Feeds(ctx, self.redirects)
        self.pages = Pages(ctx, self.carry, self.externals, self.redirects)
        self.end = Finish(ctx, self.carry, self.sitemaps)
        self.routes: dict[str, Callable[..., Any]] = {
            "revalidation_plan": self.carry.revalidation_plan,
            "start": self.start,
            "revalidation_batch": self.carry.revalidation_batch,
            "revalidated": self.carry.revalidated,
            "revalidation_done": self.carry.revalidation_done,
            "page": self.pages.page,
            "resource": self.pages.resource,
            "robots": self.sitemaps.robots,
            "sitemap": self.sitemaps.sitemap,
            "feed": self.feeds.feed,
            "external_robots": self.externals.robots,
            "failure": self.failure,
            "stats": self.end.stats,
            "finish": self.end.finish,
        }
        assert tuple(self.routes) == MESSAGES

    @property
    def crawl_id(self) -> int:
        return self.ctx.crawl_id

    @property
    def finished(self) -> bool:
        return self.ctx.finished

    def handle(self, message: str, *args: Any) -> Any:
        """Answer one message of the spider with the handler the table names."""
        try:
            handler = self.routes[message]
        except (KeyError, TypeError):
            raise UnknownMessage(f"the recorder accepts no message {message!r}; it accepts: {', '.join(MESSAGES)}") from None
        return handler(*args)

    # ------------------------------------------------------------------ the two messages of no single room
    def start(self) -> list[NewRequest]:
        """The first requests: each site's start URLs, the robots.txt of their origins, the configured sitemaps."""
        out: list[NewRequest] = []
        for sf in self.ctx.frontier.sites.values():
            for u in sf.scope.canonical_start_urls:
                self.carry.discover(sf, u, "start", None, 0, "page", out)
            self.sitemaps.first_requests(sf, out)
        return out

    def failure(self, f: Fetch) -> list[NewRequest]:
        """A request with no usable answer (or blocked by robots.txt): recorded by the room of its kind."""
        if f.kind == "external_robots":
            return self.externals.robots(f)
        if f.kind == "sitemap":
            return self.sitemaps.sitemap_failed(f)
        if f.kind == "robots":
            return self.sitemaps.robots_failed(f)
        if f.kind == "feed":
            self.feeds.feed_row(f, None, f.error)
        return self.pages.failed(f)
