"""The `site` spider: fetch every configured site and hand what it gets to the recorder.

    scrapy crawl site -a config=org.toml [-a db=output/decay.db] [-a sites=main,blog]
    decay crawl --config org.toml            # the same spider, the same settings

The spider only downloads.  Each answer (or failure) goes to the recorder
(in the store process), which records the facts and returns the URLs to
request next; the spider turns those into Requests.  Failures come back
through the errback and are recorded exactly like answers.
"""
from __future__ import annotations

import asyncio
import logging
import os
import re
import time
from collections.abc import AsyncIterator
from datetime import datetime, timezone
from pathlib import Path

import scrapy
from scrapy import signals
from scrapy.exceptions import DontCloseSpider, IgnoreRequest, StopDownload, UsageError
from foundation.facts import Fetch, NewRequest
from crawler.settings import EXTERNAL_TIMEOUT, apply_config
from crawler.worker import WorkerDied, make_store
from foundation.config import ConfigError, load_config
from foundation.testing import PAUSE_AT, pause_point
from crawler.revalidate import PassSettings, revalidate
from crawler.store import MainDatabase, staging_path

logger = logging.getLogger(__name__)

# Back-pressure: answers waiting for the store process (about 20 KB each) before downloading pauses, and resumes.
PAUSE_ABOVE = 400
RESUME_BELOW = 100
# Requests held in Scrapy's scheduler at most (a scrapy.Request each, with its meta): enough to keep every download
# slot busy between two answers; the others wait in the store process (crawler/record/backlog.py), which hands out
# more when the spider asks (the message ``more``) and keeps Scrapy's order.  DECAY_SCHEDULED_MAX (a Scrapy setting)
# changes it, for tests.
SCHEDULED_MAX = 2_000


def scheduled_count(engine) -> int:
    """Requests waiting in Scrapy's scheduler (``ExecutionEngine.scheduler``, Scrapy 2.13+; the default scheduler
    has a length)."""
    scheduler = getattr(engine, "scheduler", None)
    try:
        return len(scheduler)
    except TypeError:
        return 0


class SiteCounters:
    __slots__ = ("scheduled", "done", "errors", "bytes")

    def __init__(self) -> None:
        self.scheduled = self.done = self.errors = self.bytes = 0


def _exc_named(exc: BaseException, *names: str) -> bool:
    """True if exc (or what it wraps) is of a class with one of these names (Scrapy 2.13+ wraps Twisted errors)."""
    seen = 0
    while exc is not None and seen < 5:
        if type(exc).__name__ in names:
            return True
        exc = exc.__cause__
        seen += 1
    return False


def describe_failure(failure, timeout: float, max_mb: float | None = None) -> tuple[str, str]:
    """(outcome, human-readable reason) for a failed request (max_mb: the size limit, max_page_mb)."""
    exc = failure.value
    msg = str(exc)
    limit = f"max_page_mb ({max_mb:g} MB)" if max_mb else "the size limit"
    if isinstance(exc, IgnoreRequest) and "during decompression" in msg:   # HttpCompressionMiddleware
        return "failed", f"too large: the compressed body expands past {limit} (a gzip bomb?)"
    if isinstance(exc, IgnoreRequest):
        if "robots.txt" in msg.lower():
            return "blocked", "disallowed by robots.txt"
        return "failed", f"not requested: {msg}" if msg else "not requested"
    if _exc_named(exc, "CannotResolveHostError", "DNSLookupError"):
        return "failed", "DNS lookup failed: the host name does not resolve"
    if _exc_named(exc, "DownloadConnectionRefusedError", "ConnectionRefusedError"):
        return "failed", "connection refused: nothing is listening on that host and port"
    if _exc_named(exc, "DownloadTimeoutError", "TimeoutError", "TCPTimedOutError"):
        return "failed", f"timeout: no answer within {timeout:g} s"
    if "max size" in msg or "maxsize" in msg:
        m = re.search(r"(Expected to receive|Received) (\d+) bytes", msg)
        if m and m.group(1) == "Expected to receive":
            return "failed", f"too large: the server announced {int(m.group(2)):,} bytes, more than {limit}; not downloaded"
        return "failed", f"too large: the body was larger than {limit} and was cut off"
    if _exc_named(exc, "ResponseNeverReceived"):
        return "failed", "the server closed the connection without answering"
    if _exc_named(exc, "ResponseDataLossError", "DownloadFailedError", "ConnectionLost", "ResponseFailed"):
        return "failed", "the connection was lost while downloading (incomplete answer)"
    if _exc_named(exc, "DownloadCancelledError", "CancelledError"):
        # Scrapy cancels a body without Content-Length once it passes DOWNLOAD_MAXSIZE (timeouts are named above)
        return "failed", f"too large: the body was larger than {limit} and was cut off"
    if _exc_named(exc, "ConnectError"):
        return "failed", f"cannot connect: {msg}"
    return "failed", f"{type(exc).__name__}: {msg}"[:500]


def wake_engine(engine) -> None:
    """Have Scrapy's engine run its loop now (start requests, or notice it is idle), not at its next heartbeat (5 s).

    Scrapy offers no public call for this.  ``engine.crawl(request)`` does it after scheduling a request, and
    ``unpause()`` does not; but the store process's last answer may bring no request at all, and the spider
    then only needs the engine to see that nothing is left (the spider_idle signal).  So this is the one place
    that reaches into the engine's private slot: ``engine._slot.nextcall``, the CallLaterOnce the engine's own
    methods schedule (Scrapy 2.x).  Should a Scrapy version not have it, nothing breaks: the heartbeat gets
    there, seconds later.
    """
    slot = getattr(engine, "_slot", None)
    nextcall = getattr(slot, "nextcall", None)
    if nextcall is not None:
        nextcall.schedule()


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class SiteSpider(scrapy.Spider):
    name = "site"

    def __init__(self, config: str | None = None, db: str | None = None, sites: str | None = None,
                 full: bool | str = False, **kw) -> None:
        super().__init__(**kw)
        if not config:
            raise UsageError("the site spider needs a configuration: scrapy crawl site -a config=org.toml")
        try:
            self.config = load_config(config)
        except ConfigError as e:  # `scrapy crawl` prints a UsageError without a traceback; `decay crawl` checks first
            raise UsageError(str(e)) from None
        self.db_path = Path(db) if db else self.config.database_path
        names = [s.name for s in self.config.sites]
        if sites:
            wanted = [s.strip() for s in sites.split(",") if s.strip()]
            unknown = [s for s in wanted if s not in names]
            if unknown:
                raise UsageError(f"unknown site(s) {', '.join(unknown)}; the configuration has: {', '.join(names)}")
            names = wanted
        self.site_names = names
        # -a full=1 from `scrapy crawl`; True from decay crawl --full: no conditional requests
        self.full = full if isinstance(full, bool) else str(full).strip().lower() in ("1", "true", "yes", "on")
        self.counters: dict[str, SiteCounters] = {n: SiteCounters() for n in names}
        self.store = make_store()
        self.store.on_death = self._store_died
        self._paused = False
        self._closing = False
        self._store_failed: str | None = None
        self.crawl_id: int | None = None
        self.summary: dict | None = None
        self.started = time.monotonic()
        self._timeout = self.config.crawl.timeout
        self.scheduled_max = SCHEDULED_MAX
        self._credit = 0          # requests asked of the store process (``more``) and not received yet
        self.scheduled_peak = 0   # the most requests Scrapy's scheduler held (decay/scheduled_peak in Scrapy's stats)

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        try:
            spider = super().from_crawler(crawler, *args, **kwargs)
        except UsageError as e:
            if crawler.settings.getbool("DECAY_API"):
                raise   # decay crawl checked the configuration first; a caller of decay.api sees the exception
            # `scrapy crawl site -a config=...`: Scrapy prints a UsageError in one line and exits 2 only when the
            # command raises it, before the reactor runs; the spider is created inside it, where the error would end
            # in a traceback and exit 1.  So say it as Scrapy would, and leave with the same status.
            import sys

            text = str(e)
            sys.stderr.write(text if text.startswith("error: ") else f"error: {text}")
            sys.stderr.write("\n")
            sys.stderr.flush()
            raise SystemExit(2) from None
        apply_config(crawler.settings, spider.config)
        spider.scheduled_max = max(1, crawler.settings.getint("DECAY_SCHEDULED_MAX", SCHEDULED_MAX))
        spider.store.spawn()   # the store process loads its modules while Scrapy starts
        # robots.txt failures are recorded in the robots table; Scrapy would also log a traceback
        logging.getLogger("scrapy.downloadermiddlewares.robotstxt").setLevel(logging.CRITICAL)
        crawler.signals.connect(spider.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(spider.headers_received, signal=signals.headers_received)
        crawler.signals.connect(spider.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(spider.request_scheduled, signal=signals.request_scheduled)
        return spider

    # ------------------------------------------------------------------ requests
    def make_request(self, nr: NewRequest) -> scrapy.Request:
        meta = {"decay": nr, "dont_redirect": True, "handle_httpstatus_all": True}
        if nr.kind in ("external", "external_robots"):
            # the recorder read the other site's robots.txt itself (once per host) before asking for its URLs
            meta["download_timeout"] = min(self._timeout, EXTERNAL_TIMEOUT)
            meta["dont_retry"] = True  # one polite request per URL
            meta["dont_obey_robotstxt"] = True
            if nr.kind == "external":
                method, cb = "HEAD", self.parse_resource
            else:
                method, cb = "GET", self.parse_external_robots
        elif nr.kind == "resource":
            method, cb = "HEAD", self.parse_resource
        elif nr.kind == "sitemap":
            method, cb = "GET", self.parse_sitemap
        elif nr.kind == "robots":
            method, cb = "GET", self.parse_robots
            meta["dont_obey_robotstxt"] = True
        elif nr.kind == "feed":
            method, cb = "GET", self.parse_feed
        else:
            method, cb = "GET", self.parse_page
        c = self.counters.get(nr.site)
        if c is not None:
            c.scheduled += 1
        # nr.validators (incremental re-crawls) become If-None-Match / If-Modified-Since in crawler/conditional.py
        return scrapy.Request(nr.fetch_url, method=method, callback=cb, errback=self.on_error, priority=nr.priority, meta=meta)

    async def start(self) -> AsyncIterator[scrapy.Request]:
        await self.store.start()
        self.crawl_id = await self.store.call("init", self.config, str(self.db_path), os.getpid(), self.site_names, self.full)
        self.logger.info("crawl %s started: %s into %s", self.crawl_id, ", ".join(self.site_names), self.db_path)
        plan = await self.store.call("revalidation_plan")
        await self.store.call("more", 0)   # from now on the requests wait in the store process until asked for
        first = await self.store.call("start")
        if plan:
            # the pass first; meanwhile the store process carries the unchanged pages over as their answers come,
            # and the requests it decides on wait: the sites get the pass's requests, then the crawl's, never both
            first += await self._revalidate(plan)
            if self._closing or self._store_failed:
                return
        n = self.scheduled_max
        self._credit += n
        got = await self.store.call("more", n)
        self._credit -= len(got)
        for nr in first + got:
            yield self.make_request(nr)

    async def _revalidate(self, plan: list) -> list[NewRequest]:
        """The re-validation pass (crawler/revalidate.py); returns the requests to make once it is over."""

        held: list[NewRequest] = []
        answers: list[tuple] = []

        def send() -> None:
            if answers and not self.store.dead:
                self.store.submit("revalidated", (answers.copy(),), held.extend)
            answers.clear()

        settled = [0]   # pages answered 304 so far

        def on_answer(c, answer) -> None:
            settled[0] += answer is not None
            counters = self.counters.get(c.site)
            if counters is not None:
                counters.scheduled += 1
                counters.done += 1
            answers.append((c.url_id, answer))
            if len(answers) >= 200:
                send()
            if PAUSE_AT == "revalidate" and counters is not None and counters.done == 3:
                send()
                pause_point("revalidate")   # test-only (foundation/testing.py): killed in the middle of the pass

        planned = [len(plan)]   # pages in the plan: its first batch, then the ones the store process streams

        async def more() -> list:
            batch = await self.store.call("revalidation_batch")
            planned[0] += len(batch)
            return batch

        t = time.monotonic()
        try:
            reports = await revalidate(plan, PassSettings.from_config(self.config), on_answer=on_answer,
                                       should_stop=lambda: self._closing or self._store_failed is not None, more=more)
            hosts = [r.as_dict() for r in reports]
        except Exception as e:   # a bug of ours: the pages it did not settle are crawled as usual, none is lost
            self.logger.exception("the re-validation pass failed; the pages it did not settle are crawled as usual")
            hosts = [{"host": "(all)", "site": name, "requested": 0, "stopped": f"the pass failed: {type(e).__name__}: {e}"[:300]}
                     for name in self.site_names]
        send()
        confirmed = settled[0]
        report = {"pages": planned[0], "seconds": round(time.monotonic() - t, 2), "not_modified": confirmed, "hosts": hosts}
        self.logger.info("re-validation pass: %d of %d known pages unchanged (304) in %.1f s", confirmed, planned[0],
                         report["seconds"])
        if self._closing or self._store_failed:
            return []
        held += await self.store.call("revalidation_done", report)
        return held

    def headers_received(self, headers, body_length, request, spider) -> None:
        """Do not download bodies that will not be read: non-HTML answers to page requests, headers-only checks."""
        nr = request.meta.get("decay")
        if nr is None:
            return
        if request.meta.get("decay_headers_only"):
            raise StopDownload(fail=False)
        if nr.kind == "page":
            ct = headers.get(b"Content-Type")
            if ct and b"html" not in ct.lower():
                raise StopDownload(fail=False)

    # ------------------------------------------------------------------ answers
    def _fetch(self, response) -> Fetch:
        request = response.request
        nr: NewRequest = request.meta["decay"]
        headers = {}
        for k, v in response.headers.items():
            key = k.decode("latin-1").lower()
            if key != "set-cookie":
                headers[key] = b", ".join(v).decode("latin-1")
        latency = request.meta.get("download_latency")
        c = self.counters.get(nr.site)
        if c is not None:
            c.done += 1
            c.bytes += len(response.body)
            if response.status >= 400 and nr.kind in ("page", "resource", "feed"):
                c.errors += 1  # as in the summary: 4xx/5xx of pages and resources (a missing /sitemap.xml is not one)
        return Fetch(
            url=nr.url, site=nr.site, requested_url=request.url, found_via=nr.found_via, found_on=nr.found_on,
            depth=nr.depth, kind=nr.kind, method=request.method,
            status=response.status, headers=headers, response_ms=round(latency * 1000, 1) if latency is not None else None,
            fetched_at=_now(), size=None, truncated="download_stopped" in response.flags,
        )

    # ------------------------------------------------------------------ handing answers to the recorder
    def _submit(self, method: str, *args) -> None:
        """Give an answer to the recorder without waiting; the requests it decides on are crawled when they come."""
        try:
            self.store.submit(method, args, self._schedule)
        except WorkerDied as e:
            self._store_died(str(e))
            return
        if not self._paused and self.store.in_flight > PAUSE_ABOVE:
            self._paused = True  # the store process is behind: stop downloading until it catches up
            self.crawler.engine.pause()

    def _schedule(self, requests: list[NewRequest]) -> None:
        self._credit -= len(requests)
        if self._closing:
            return  # answers to pages submitted before an interruption: nothing more to crawl
        engine = self.crawler.engine
        for nr in requests:
            engine.crawl(self.make_request(nr))
        self._ask_for_more()
        in_flight = self.store.in_flight
        if self._paused and in_flight < RESUME_BELOW:
            self._paused = False
            engine.unpause()
            self.nudge()
        elif not requests and in_flight == 0:
            self.nudge()  # perhaps the last answer: let the engine notice it is idle now, not at its next heartbeat

    def request_scheduled(self, request, spider) -> None:
        n = scheduled_count(self.crawler.engine) + 1   # (sent before the request joins the scheduler)
        if n > self.scheduled_peak:
            self.scheduled_peak = n

    def _ask_for_more(self, at_least: int | None = None) -> bool:
        """Ask the store process for more requests when Scrapy's scheduler runs low (by a quarter of
        scheduled_max, or by at_least); True if asked.  What was asked and has not come yet counts as held:
        the scheduler never holds more than scheduled_max requests from the store process."""
        room = self.scheduled_max - scheduled_count(self.crawler.engine) - self._credit
        if room <= 0 or room < (self.scheduled_max // 4 if at_least is None else at_least) or self.store.dead:
            return False
        self._credit += room
        try:
            self.store.submit("more", (room,), self._schedule)
        except WorkerDied as e:
            self._store_died(str(e))
            return False
        return True

    def nudge(self) -> None:
        """Let the engine look for work, or notice it is idle, now (after an answer of the store process)."""
        wake_engine(self.crawler.engine)

    def _store_died(self, message: str) -> None:
        if getattr(self.store, "stopped", None):
            return   # killed on purpose by the graceful stop's deadline: spider_closed records the interruption
        if self._store_failed is None:
            self._store_failed = message
            self.logger.error("%s; stopping the crawl", message)
            asyncio.ensure_future(self.crawler.engine.close_spider_async(reason="store_failed"))

    def spider_idle(self, spider) -> None:
        if self.store.in_flight:
            raise DontCloseSpider  # the recorder may still find links to follow
        # nothing to download, no answer awaited: if the store process still owes requests asked for, it has none
        # left (it hands them out as soon as it has them); if nothing is owed, ask, and wait for the answer
        if not self._closing and self._store_failed is None and self._credit <= 0 and self._ask_for_more(at_least=1):
            raise DontCloseSpider

    def parse_page(self, response) -> None:
        self._submit("page", self._fetch(response), response.body)

    def parse_resource(self, response) -> None:
        request = response.request
        if request.method == "HEAD" and response.status in (400, 403, 405, 501):
            # some servers refuse HEAD: ask again with GET, and stop after the headers
            nr: NewRequest = request.meta["decay"]
            c = self.counters.get(nr.site)
            if c is not None:
                c.scheduled += 1
            self.crawler.engine.crawl(request.replace(method="GET", meta={**request.meta, "decay_headers_only": True}))
            return
        self._submit("resource", self._fetch(response))

    def parse_sitemap(self, response) -> None:
        self._submit("sitemap", self._fetch(response), response.body)

    def parse_robots(self, response) -> None:
        self._submit("robots", self._fetch(response), response.body)

    def parse_external_robots(self, response) -> None:
        self._submit("external_robots", self._fetch(response), response.body)

    def parse_feed(self, response) -> None:
        self._submit("feed", self._fetch(response), response.body)

    def on_error(self, failure) -> None:
        request = failure.request
        nr: NewRequest | None = request.meta.get("decay")
        if nr is None:
            return
        outcome, reason = describe_failure(failure, request.meta.get("download_timeout", self._timeout),
                                           request.meta.get("download_maxsize", self.config.crawl.max_page_mb * 1048576) / 1048576)
        c = self.counters.get(nr.site)
        if c is not None:
            c.done += 1
            c.errors += outcome == "failed" and nr.kind in ("page", "resource", "feed")
        self._submit("failure", Fetch(
            url=nr.url, site=nr.site, requested_url=request.url, found_via=nr.found_via, found_on=nr.found_on,
            depth=nr.depth, kind=nr.kind, method=request.method, error=reason,
            outcome=outcome if outcome == "blocked" else "", fetched_at=_now()))

    # ------------------------------------------------------------------ the end
    async def spider_closed(self, spider, reason: str) -> None:
        self._closing = True
        self.crawler.stats.set_value("decay/scheduled_peak", self.scheduled_peak)
        if self.crawl_id is None:
            return
        if reason == "finished":
            status, why = "complete", None
        else:
            status = "failed" if self._store_failed else "interrupted"
            why = {"shutdown": "stopped by a signal (Ctrl-C or SIGTERM) before the end; facts not merged",
                   "cancelled": "cancelled before the end; facts not merged"}.get(reason, f"stopped before the end ({reason}); facts not merged")
        if self._store_failed:
            why = f"the store process failed: {self._store_failed}"
        try:
            self.summary = await self.store.call("finish", status, why)
            if self.summary.get("sitemaps_skipped"):   # sitemaps over max_sitemaps / max_sitemap_depth
                self.crawler.stats.set_value("decay/sitemaps_skipped", self.summary["sitemaps_skipped"])
        except (WorkerDied, RuntimeError) as e:

            stopped = getattr(self.store, "stopped", None)   # killed by the graceful stop's deadline (decay.api)
            if stopped:
                status, why = "interrupted", stopped
                for suffix in ("", "-wal", "-shm"):
                    Path(str(staging_path(self.db_path, self.crawl_id)) + suffix).unlink(missing_ok=True)
            else:
                self.logger.error("could not finish the crawl cleanly: %s", e)
                status, why = "failed", f"internal error: {e}"
            MainDatabase(self.db_path).update_crawl(
                self.crawl_id, status=status, reason=why[:2000], finished_at=_now(), pid=None)
            self.summary = {"crawl_id": self.crawl_id, "status": status, "reason": stopped or str(e)}
        finally:
            await self.store.close()
