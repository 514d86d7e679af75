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

from crawler.record.backlog import Backlog
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
    "more",                # (n,)               -> [NewRequest]    the backlog: n more requests wanted (see below)
    "stats",               # ()                 -> {site: counts}  finish: the live counts
    "finish",              # (status, reason)   -> summary         finish: the end of the crawl, the merge
)


# The messages whose answer is requests to make: what their handler decides goes through the backlog.
GIVE_REQUESTS = frozenset(("start", "revalidated", "revalidation_done", "page", "resource", "robots", "sitemap", "feed",
                           "external_robots", "failure"))


class UnknownMessage(ValueError):
    """A message the recorder does not accept (a typo, or a spider of another version)."""


class Router:
    """One crawl's recorder: the rooms, sharing one :class:`Context`, behind the table of messages.

    Until the spider first sends ``more``, every message answers with all the requests it decided on (the rooms'
    tests, a caller of its own).  From then on the requests wait in the :class:`Backlog` (in Scrapy's order) and
    the answers hand out only as many as the spider asked for: ``more(n)`` gives n credits, each request handed
    out spends one, and any answer spends what is left as soon as there are requests again.  So after every
    answer either no credit is left or the backlog is empty, and a spider that holds unspent credit and has
    nothing to download and no answer to wait for knows the crawl has ended.
    """

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
            "more": self.more,
            "stats": self.end.stats,
            "finish": self.end.finish,
        }
        assert tuple(self.routes) == MESSAGES
        self.backlog = Backlog(ctx.staging.db.conn)
        self.credit: int | None = None   # None: no backlog, every request is answered at once

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
        result = handler(*args)
        if self.credit is not None and message in GIVE_REQUESTS:
            return self.hand_out(result)
        return result

    # ------------------------------------------------------------------ the backlog
    def more(self, n: int) -> list[NewRequest]:
        """The spider has room for n more requests in Scrapy's scheduler: up to n of the waiting ones, now or
        with the answers to come."""
        self.credit = (self.credit or 0) + max(0, int(n))
        return self.hand_out([])

    def hand_out(self, requests: list[NewRequest]) -> list[NewRequest]:
        backlog = self.backlog
        if not backlog and len(requests) <= self.credit:
            self.credit -= len(requests)    # the common case: nothing waits, and there is room for all of them
            return requests
        for nr in requests:
            backlog.push(nr)
        out = backlog.take(self.credit)
        self.credit -= len(out)
        return out

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
            out = self.pages.failed(f)   # first: its row takes the best route found (Context.row_for), the feeds row too
            self.feeds.feed_row(f, None, f.error)
            return out
        return self.pages.failed(f)
