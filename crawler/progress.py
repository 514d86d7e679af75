"""Live progress of a crawl: a table per site on a terminal, plain log lines otherwise.

Shows, per site, the URLs requested, ok, redirects, HTTP errors, failures, URLs queued, the rate over the
last seconds and bytes received.  Not on a terminal (cron, CI), it logs one line per site every
``[crawl] progress_interval`` seconds.

The counts are the recorder's (message ``stats``, asked at each refresh): the rows it recorded, counted as
the final summary counts them (``crawler.record.finish.site_counts``), so the live table and the last line agree.
Only "queued" and the bytes are the downloader's.
"""
from __future__ import annotations

import sys
import time

from scrapy import signals
from twisted.internet import task


class Progress:
    def __init__(self, interval: float, tty: bool) -> None:
        self.interval = interval
        self.tty = tty
        self.loop: task.LoopingCall | None = None
        self.spider = None
        self.live = None
        self.last: tuple[float, int] | None = None
        self.rate = 0.0
        self.started = time.monotonic()
        self.stats: dict[str, dict[str, int]] = {}   # site -> the recorder's counts (message stats)
        self._asking = False

    @classmethod
    def from_crawler(cls, crawler):
        interval = crawler.settings.getfloat("DECAY_PROGRESS_INTERVAL", 30.0)
        tty = sys.stderr.isatty() and not crawler.settings.getbool("DECAY_NO_LIVE", False)
        ext = cls(interval, tty)
        crawler.signals.connect(ext.opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.closed, signal=signals.spider_closed)
        return ext

    def opened(self, spider) -> None:
        if not hasattr(spider, "counters"):
            return
        self.spider = spider
        self.started = time.monotonic()
        if self.tty:
            from rich.console import Console
            from rich.live import Live

            self.live = Live(self._table(), console=Console(stderr=True), refresh_per_second=2, transient=False)
            self.live.start()
            period = 0.5
        else:
            period = self.interval
        self.loop = task.LoopingCall(self.tick)
        self.loop.start(period, now=False)

    def _ask(self) -> None:
        """Ask the store process for the recorder's counts; they come with the answers it is working through."""
        store = getattr(self.spider, "store", None)
        if store is None or self.spider.crawl_id is None or self._asking or getattr(store, "dead", False) or getattr(self.spider, "_closing", False):
            return
        self._asking = True
        try:
            store.submit("stats", (), self._got)
        except Exception:   # the store process is gone: the spider says so; keep the last counts
            self._asking = False

    def _got(self, stats) -> None:
        self._asking = False
        if isinstance(stats, dict):
            self.stats = stats
        store = getattr(self.spider, "store", None)
        if store is not None and store.in_flight == 0 and hasattr(self.spider, "nudge"):
            self.spider.nudge()   # this question may have been the last thing the engine waited for

    def _rate(self) -> float:
        now = time.monotonic()
        done = sum(r["fetched"] for r in site_rows(self.stats, self.spider.counters))
        if self.last is None:
            self.rate = done / max(now - self.started, 1e-6)
        elif now - self.last[0] >= 0.5:
            inst = (done - self.last[1]) / (now - self.last[0])
            self.rate = inst if self.rate == 0 else 0.7 * self.rate + 0.3 * inst
        else:
            return self.rate
        self.last = (now, done)
        return self.rate

    def _table(self):
        rows = site_rows(self.stats, self.spider.counters) if self.spider is not None else []
        caption = None
        if self.spider is not None:
            caption = f"{self._rate():,.0f} URLs/s   {time.monotonic() - self.started:,.0f} s"
        return render_table(rows, getattr(self.spider, "crawl_id", None), caption)

    def tick(self) -> None:
        if self.spider is None:
            return
        self._ask()
        if self.live is not None:
            self.live.update(self._table())
            return
        rate = self._rate()
        stamp = time.strftime("%Y-%m-%d %H:%M:%S")
        for row in site_rows(self.stats, self.spider.counters):
            print(f"{stamp} progress {render_line(row)}, {rate:.0f} URLs/s", file=sys.stderr, flush=True)

    def closed(self, spider, reason) -> None:
        if self.loop is not None and self.loop.running:
            self.loop.stop()
        if self.live is not None:
            summary = getattr(spider, "summary", None) or {}
            if summary.get("sites"):   # the final figures, if the crawl has already been summed up
                self.stats = {r["site"]: r for r in summary["sites"]}
            self.live.update(self._table())
            self.live.stop()


COLUMNS = ("site", "requested", "ok", "redirects", "HTTP errors", "failures", "queued", "MB")


def site_rows(stats: dict[str, dict], counters: dict | None = None) -> list[dict]:
    """One row per site for the table: the recorder's counts (the summary's words), and from the downloader's
    counters (SiteCounters) the URLs still queued and the bytes received."""
    names = list(counters or {}) + [n for n in stats if n not in (counters or {})]
    rows = []
    for name in names:
        st = stats.get(name) or {}
        c = (counters or {}).get(name)
        rows.append(dict(
            site=name, fetched=st.get("fetched", 0), ok=st.get("ok", 0), redirects=st.get("redirects", 0),
            http_errors=st.get("http_errors", 0), failures=st.get("failures", 0),
            not_modified=st.get("not_modified", 0),
            queued=max(c.scheduled - c.done, 0) if c is not None else 0, bytes=c.bytes if c is not None else 0))
    return rows


def render_line(row: dict) -> str:
    """A site's progress as one log line, in the summary's words."""
    return (f"{row['site']}: {row['fetched']} URLs requested: {row['ok']} ok, {row['redirects']} redirects, "
            f"{row['http_errors']} HTTP errors, {row['failures']} failures; {row['queued']} queued, "
            f"{row['bytes'] / 1e6:.1f} MB")


def render_table(rows: list[dict], crawl_id=None, caption: str | None = None):
    """The live table (rich) of these rows."""
    from rich.table import Table

    t = Table(title=f"content-decay crawl {crawl_id or ''}", expand=False)
    for col in COLUMNS:
        t.add_column(col, justify="right" if col != "site" else "left")
    for r in rows:
        t.add_row(r["site"], f"{r['fetched']:,}", f"{r['ok']:,}", f"{r['redirects']:,}", f"{r['http_errors']:,}",
                  f"{r['failures']:,}", f"{r['queued']:,}", f"{r['bytes'] / 1e6:,.1f}")
    t.caption = caption
    return t
