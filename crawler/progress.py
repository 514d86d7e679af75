"""Live progress of a crawl: a table per site on a terminal, plain log lines otherwise.

Shows, per site, URLs done, URLs queued, the rate over the last seconds,
errors and bytes received.  Not on a terminal (cron, CI), it logs one line per
site every ``[crawl] progress_interval`` seconds.
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

    def _rate(self) -> float:
        now = time.monotonic()
        done = sum(c.done for c in self.spider.counters.values())
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
        from rich.table import Table

        t = Table(title=f"content-decay crawl {getattr(self.spider, 'crawl_id', '') or ''}", expand=False)
        for col in ("site", "done", "queued", "errors", "MB"):
            t.add_column(col, justify="right" if col != "site" else "left")
        if self.spider is not None:
            for name, c in self.spider.counters.items():
                t.add_row(name, f"{c.done:,}", f"{max(c.scheduled - c.done, 0):,}", f"{c.errors:,}", f"{c.bytes / 1e6:,.1f}")
            t.caption = f"{self._rate():,.0f} URLs/s   {time.monotonic() - self.started:,.0f} s"
        return t

    def tick(self) -> None:
        if self.spider is None:
            return
        if self.live is not None:
            self.live.update(self._table())
            return
        rate = self._rate()
        stamp = time.strftime("%Y-%m-%d %H:%M:%S")
        for name, c in self.spider.counters.items():
            print(f"{stamp} progress {name}: {c.done} done, {max(c.scheduled - c.done, 0)} queued, {c.errors} errors, "
                  f"{c.bytes / 1e6:.1f} MB, {rate:.0f} URLs/s", file=sys.stderr, flush=True)

    def closed(self, spider, reason) -> None:
        if self.loop is not None and self.loop.running:
            self.loop.stop()
        if self.live is not None:
            self.live.update(self._table())
            self.live.stop()
