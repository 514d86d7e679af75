"""The re-validation pass: before an incremental crawl, ask the servers which known pages have not changed.

An incremental crawl re-requests every page the database holds, with the validators of its last
download (If-None-Match / If-Modified-Since).  On an unchanged site nearly every answer is a bodiless
304, and then the cost is Scrapy's own: about 1 ms of CPU per request in its engine, scheduler and
downloader, so 20,000 pages take 20 s or more however little comes back (benchmarks/nightly_bench.py).
This pass sends those same conditional requests with aiohttp (which Scrapy itself depends on) at about
0.15 ms each, as HEAD requests, before Scrapy starts.

What it may decide is deliberately narrow.  A 304 Not Modified settles a page: the recorder carries its
facts over, exactly as for a 304 that came through Scrapy.  Anything else settles nothing: a 200, a
redirect, an error, a timeout, a URL tonight's robots.txt disallows.  Those pages are requested by the
crawl as before (a conditional GET, with Scrapy's retries and error recording), so the pass can only
save requests; it never decides what a page says or that it failed.

Politeness is the crawl's: the same User-Agent, Accept headers and robots.txt (fetched tonight, matched
with ``robots_user_agent``), the same overall and per-host concurrency, the same ``delay`` (with Scrapy's
random 0.5-1.5x spread) and, with ``autothrottle``, Scrapy's AutoThrottle rule for the delay, where a
304 counts as an answer (Scrapy only lets a 200 lower the delay, so a crawl of 304s never speeds up).
A host is left to the crawl for the rest of the pass when it answers 429 or 503, when 5 requests in a
row fail, or when, from 20 answers on, fewer than half are 304 (most pages changed, or the server does not
answer conditional HEAD requests with 304; the crawl's conditional GETs then do the work, as without
the pass).
"""
from __future__ import annotations

import asyncio
import logging
import random
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from foundation.times import utcnow
from crawler.settings import DEFAULT_REQUEST_HEADERS

logger = logging.getLogger(__name__)

BACK_OFF_STATUSES = frozenset((429, 503))
MAX_FAILURES_IN_A_ROW = 5
JUDGE_AFTER = 20            # answers from a host before its share of 304s is judged
MIN_304_SHARE = 0.5
AUTOTHROTTLE_START_DELAY = 0.25   # Scrapy's defaults
AUTOTHROTTLE_MAX_DELAY = 60.0


@dataclass(slots=True)
class Candidate:
    url_id: int
    site: str
    fetch_url: str          # what to request (the crawled origin when the site is aliased)
    etag: str | None
    last_modified: str | None


@dataclass
class PassSettings:
    user_agent: str
    robots_user_agent: str
    obey_robots: bool
    concurrency: int
    concurrency_per_host: int
    delay: float
    autothrottle: bool
    autothrottle_target: float
    timeout: float
    headers: dict[str, str] = field(default_factory=dict)   # sent with every request (Accept, Accept-Language, ...)

    @classmethod
    def from_config(cls, config) -> "PassSettings":
        from scrapy.downloadermiddlewares.httpcompression import ACCEPTED_ENCODINGS

        c = config.crawl
        headers = dict(DEFAULT_REQUEST_HEADERS)
        # as the crawl's GET would ask: some servers give each encoding its own ETag
        headers["Accept-Encoding"] = b", ".join(ACCEPTED_ENCODINGS).decode()
        return cls(user_agent=config.user_agent(), robots_user_agent=c.robots_user_agent, obey_robots=c.obey_robots,
                   concurrency=c.concurrency, concurrency_per_host=c.concurrency_per_host, delay=c.delay,
                   autothrottle=c.autothrottle, autothrottle_target=c.autothrottle_target, timeout=c.timeout,
                   headers=headers)


@dataclass
class HostReport:
    host: str
    site: str
    candidates: int = 0
    requested: int = 0
    not_modified: int = 0
    other: int = 0             # any other answer: left to the crawl
    failed: int = 0
    disallowed: int = 0
    stopped: str | None = None  # why the pass left this host to the crawl before the end

    def as_dict(self) -> dict:
        return {k: getattr(self, k) for k in ("host", "site", "candidates", "requested", "not_modified", "other", "failed",
                                              "disallowed", "stopped")}


class _Host:
    def __init__(self, origin: str, site: str, settings: PassSettings) -> None:
        self.origin = origin
        self.queue: deque[Candidate] = deque()
        self.report = HostReport(origin, site)
        self.robots = None
        self.delay = max(settings.delay, AUTOTHROTTLE_START_DELAY) if settings.autothrottle else settings.delay
        self.next_send = 0.0
        self.failures_in_a_row = 0

    def stop(self, why: str) -> None:
        if self.report.stopped is None:
            self.report.stopped = why
            logger.info("re-validation pass: %s left to the crawl: %s", self.origin, why)


def _origin(url: str) -> str:
    return url[: url.find("/", url.find("//") + 2)] if url.count("/") >= 3 else url


async def revalidate(candidates: list[Candidate], settings: PassSettings,
                     on_answer: Callable[[Candidate, tuple | None], None],
                     should_stop: Callable[[], bool] | None = None,
                     more: Callable[[], Awaitable[list[Candidate]]] | None = None) -> list[HostReport]:
    """Send a conditional HEAD for each candidate; return what happened, per host.

    ``on_answer(candidate, answer)`` is called for every page asked about, as the answer comes: ``answer`` is
    ``(fetched_at, response ms, headers)`` for a 304, None for anything else (the crawl requests the page).
    Pages never asked (robots.txt, a host left to the crawl, a stop) get no call.  ``should_stop()`` is
    polled between requests (a crawl being shut down).  ``more()``, when given, returns the plan's next batch
    ([] at the end): the pass asks batch after batch (the next one is fetched while the current one is asked),
    so the plan is never held whole.
    """
    import aiohttp

    hosts: dict[str, _Host] = {}

    def enqueue(batch: list[Candidate]) -> list[_Host]:
        new = []
        for c in batch:
            o = _origin(c.fetch_url)
            h = hosts.get(o)
            if h is None:
                h = hosts[o] = _Host(o, c.site, settings)
                new.append(h)
            h.report.candidates += 1
            if h.report.stopped is None:   # a host left to the crawl is asked nothing more
                h.queue.append(c)
        return new

    new_hosts = enqueue(candidates)
    if not hosts:
        return []
    stop = should_stop or (lambda: False)
    overall = asyncio.Semaphore(max(1, settings.concurrency))
    connector = aiohttp.TCPConnector(limit=max(1, settings.concurrency), limit_per_host=max(1, settings.concurrency_per_host),
                                     ssl=False)   # as Scrapy: certificates are not verified
    base_headers = {"User-Agent": settings.user_agent, **settings.headers}
    timeout = aiohttp.ClientTimeout(total=settings.timeout)
    async with aiohttp.ClientSession(connector=connector, cookie_jar=aiohttp.DummyCookieJar(), auto_decompress=False,
                                     headers=base_headers, skip_auto_headers=("Accept-Encoding",), timeout=timeout) as session:

        async def wait_turn(h: _Host) -> None:
            if h.delay <= 0:
                return
            now = time.monotonic()
            at = max(now, h.next_send)
            h.next_send = at + h.delay * random.uniform(0.5, 1.5)
            if at > now:
                await asyncio.sleep(at - now)

        def adjust(h: _Host, latency: float, status: int) -> None:
            if not settings.autothrottle:
                return
            target = latency / max(settings.autothrottle_target, 0.01)
            new = max(target, (h.delay + target) / 2.0)
            new = min(max(settings.delay, new), AUTOTHROTTLE_MAX_DELAY)
            if status not in (200, 304) and new <= h.delay:
                return   # an error answer never speeds the pass up
            h.delay = new

        async def worker(h: _Host) -> None:
            rep = h.report
            while h.queue and h.report.stopped is None and not stop():
                c = h.queue.popleft()
                if h.robots is not None and not h.robots.can_fetch(c.fetch_url, settings.robots_user_agent):
                    rep.disallowed += 1   # the crawl records it as blocked
                    continue
                headers = {}
                if c.etag:
                    headers["If-None-Match"] = c.etag
                if c.last_modified:
                    headers["If-Modified-Since"] = c.last_modified
                await wait_turn(h)
                async with overall:
                    if h.report.stopped is not None or stop():
                        h.queue.appendleft(c)
                        break
                    rep.requested += 1
                    started = time.monotonic()
                    try:
                        async with session.head(c.fetch_url, headers=headers, allow_redirects=False) as r:
                            status = r.status
                            kept = _headers(r.headers) if status == 304 else None
                    except (aiohttp.ClientError, asyncio.TimeoutError, OSError, ValueError) as e:
                        rep.failed += 1
                        h.failures_in_a_row += 1
                        if h.failures_in_a_row >= MAX_FAILURES_IN_A_ROW:
                            h.stop(f"{h.failures_in_a_row} requests in a row failed (last: {type(e).__name__}: {e})"[:300])
                        on_answer(c, None)
                        continue
                latency = time.monotonic() - started
                h.failures_in_a_row = 0
                adjust(h, latency, status)
                if status == 304:
                    rep.not_modified += 1
                    on_answer(c, (utcnow(), round(latency * 1000, 1), kept))
                else:
                    rep.other += 1
                    on_answer(c, None)
                if status in BACK_OFF_STATUSES:
                    h.stop(f"the server answered {status}: the crawl's own retries and throttling take over")
                elif rep.not_modified + rep.other >= JUDGE_AFTER and rep.not_modified < MIN_304_SHARE * (rep.not_modified + rep.other):
                    h.stop(f"only {rep.not_modified} of the first {rep.not_modified + rep.other} answers were 304 Not Modified "
                           "(most pages changed, or the server does not answer conditional HEAD requests): the pass "
                           "saved little, so the crawl asks for the rest")

        while True:
            if settings.obey_robots and new_hosts:
                await asyncio.gather(*(_read_robots(session, h) for h in new_hosts))
            following = asyncio.ensure_future(more()) if more is not None and not stop() else None
            tasks = []
            for h in hosts.values():
                if h.report.stopped is None and h.queue:
                    tasks += [worker(h) for _ in range(max(1, min(settings.concurrency_per_host, len(h.queue))))]
            await asyncio.gather(*tasks)
            if following is None:
                break
            batch = await following
            if not batch or stop():
                break
            new_hosts = enqueue(batch)
    return [h.report for h in hosts.values()]


def _headers(raw) -> dict[str, str]:
    """Response headers as the spider records them: lower-case names, repeated ones joined, no Set-Cookie."""
    out: dict[str, str] = {}
    for k, v in raw.items():
        k = k.lower()
        if k != "set-cookie":
            out[k] = f"{out[k]}, {v}" if k in out else v
    return out


async def _read_robots(session, h: _Host) -> None:
    """Tonight's robots.txt of a host; if it cannot be read, the pass leaves the host to the crawl."""
    from protego import Protego

    try:
        async with session.get(h.origin + "/robots.txt", allow_redirects=True) as r:
            if 200 <= r.status < 300:
                body = await r.content.read(512 * 1024)
                h.robots = Protego.parse(body.decode("utf-8", "replace"))
            elif 400 <= r.status < 500 and r.status != 429:
                h.robots = None     # no robots.txt: everything allowed, as for the crawl
            else:
                h.stop(f"robots.txt answered {r.status}")
    except Exception as e:   # noqa: BLE001 (any failure: the crawl's own robots handling decides)
        h.stop(f"robots.txt could not be read ({type(e).__name__}: {e})"[:300])
