"""The crawl step of every run, as decay crawl, decay nightly and decay demo take it: Scrapy's process with the site
and social spiders, the graceful stop and its deadline.  The engine without the command's checks and lock
(decay/api_crawl.py adds those; decay nightly holds the run lock itself).  It loads no analysis, so that
``decay crawl`` pays for none.
"""
from __future__ import annotations

import contextlib
import logging
import os
import signal
import sqlite3
import sys
import threading
from pathlib import Path
from typing import Any

import scrapy.crawler as scrapy_crawler
from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from crawler.spiders.site import SiteSpider
from crawler.spiders.social import SocialSpider
from crawler.store import staging_path
from decay.api_common import (  # noqa: F401  (the crawl's exit statuses, as decay demo takes them)
    EXIT_FAILED, EXIT_OK, EXIT_SITE_FAILED, EXIT_USAGE, config_of, crawl_exit_status)
from foundation.config import Config
from foundation.times import utcnow


def crawl(config: str | Path | Config, db: str | Path | None = None, sites: list[str] | None = None,
          settings: dict[str, Any] | None = None, full: bool = False, only: str | None = None) -> dict:
    """Crawl the configured sites into the database; returns the crawl's summary (the crawls row and per-site rows).

    Then check the social profiles (``summary["social"]``): those declared in [[social]] and those the
    sites link to.  ``only="sites"`` crawls the sites alone, ``only="social"`` checks the profiles alone
    (discovering them from the previous complete crawl of each site).  Without ``only``, profiles are
    checked when the configuration declares at least one [[social]] profile.

    Re-crawls are incremental (conditional requests; see [crawl] full_recrawl_every); ``full=True`` downloads
    every page again.

    Runs Scrapy's reactor, which cannot be restarted: call it once per process.
    """
    cfg = config_of(config)
    s = Settings()
    s.setmodule("crawler.settings", priority="project")
    s.set("LOG_LEVEL", cfg.crawl.log_level, priority="cmdline")
    for k, v in (settings or {}).items():
        s.set(k, v, priority="cmdline")
    s.set("LOG_INSTALL_ROOT_HANDLER", True, priority="cmdline")
    s.set("DECAY_API", True, priority="cmdline")   # the site spider raises its UsageError instead of exiting
    process = CrawlerProcess(s)
    logging.getLogger("scrapy").setLevel(cfg.crawl.log_level)
    if only not in (None, "sites", "social"):
        raise ValueError(f'only: "{only}" is not one of sites, social')
    social = only == "social" or (only is None and bool(cfg.social))
    crawler = social_crawler = None
    if only != "social":
        crawler = process.create_crawler(SiteSpider)
        d = process.crawl(crawler, config=str(cfg.path), db=str(db) if db else None, sites=",".join(sites) if sites else None,
                          full=full)
    if social:
        social_crawler = process.create_crawler(SocialSpider)
        run = lambda: process.crawl(social_crawler, config=str(cfg.path), db=str(db) if db else None)  # noqa: E731
        if crawler is None:
            run()
        else:   # after the sites, so tonight's links are checked; not after an interrupted crawl (Ctrl-C)
            d.addBoth(lambda _: None if _site_interrupted(crawler) else run())
    deadline = StopDeadline([c for c in (crawler, social_crawler) if c is not None], Path(db) if db else cfg.database_path)
    try:
        with deadline.watching_signals():
            process.start()
    finally:
        deadline.done.set()
    if crawler is not None:
        spider = crawler.spider
        summary = getattr(spider, "summary", None)
        if summary is None:
            summary = {"crawl_id": getattr(spider, "crawl_id", None), "status": "failed",
                       "reason": "the crawl did not start (see the messages above)"}
    else:
        summary = {"crawl_id": None, "status": "complete", "sites": []}
    if social_crawler is not None:
        sp = getattr(social_crawler, "spider", None)
        summary["social"] = getattr(sp, "summary", None) or {
            "status": "failed" if sp is not None or crawler is None else "not run",
            "reason": "the social crawl did not start" if crawler is None or sp is not None else "the site crawl was interrupted"}
        if crawler is None:
            summary["status"] = "complete" if summary["social"]["status"] == "complete" else "failed"
            summary["reason"] = summary["social"].get("reason")
    summary["db"] = str(Path(db) if db else cfg.database_path)
    return summary


STOP_TIMEOUT_S = 30.0   # SIGTERM or Ctrl-C: the graceful stop gets this long (DECAY_STOP_TIMEOUT), then the store process is killed
STOP_GRACE_S = 10.0     # ... and if the crawl has still not ended this long after that, the process ends itself, marked interrupted
# called (last registered first) before the crawl process ends itself at the hard stop: decay nightly records its run there
hard_stop_hooks: list = []


def stop_timeout() -> float:
    """The graceful stop's deadline in seconds: DECAY_STOP_TIMEOUT from the environment, default 30."""

    raw = os.environ.get("DECAY_STOP_TIMEOUT", "").strip()
    try:
        value = float(raw) if raw else STOP_TIMEOUT_S
    except ValueError:
        value = STOP_TIMEOUT_S
    return value if value > 0 else STOP_TIMEOUT_S


class StopDeadline:
    """A deadline for the graceful stop that SIGTERM or Ctrl-C starts.

    Scrapy's first signal closes the spider, which then waits for the store process to finish the crawl; a store
    process stuck on one page would keep it waiting for ever.  When the first signal comes, a timer starts: after
    stop_timeout() seconds the store processes still running are killed (the spider then records the crawl
    `interrupted`, nothing merged, and the run ends as for any interruption); if the crawl has still not ended
    STOP_GRACE_S later, this thread marks the crawl interrupted itself, removes its staging file and ends the
    process with the interrupted status (decay nightly's hooks record its run first)."""

    def __init__(self, crawlers: list, db_path: Path) -> None:
        self.crawlers = crawlers
        self.db_path = db_path
        self.done = threading.Event()
        self.signal_name: str | None = None

    def watching_signals(self):
        """Wrap the shutdown handlers Scrapy installs while it runs, so that the first signal also starts the timer."""

        original = scrapy_crawler.install_shutdown_handlers

        def install(function, *args, **kwargs):
            if callable(function):
                inner = function

                def function(signum, frame):   # noqa: F811 - the handler Scrapy asked for, with the timer started first
                    self.arm(signum)
                    return inner(signum, frame)
            return original(function, *args, **kwargs)

        @contextlib.contextmanager
        def patched():
            scrapy_crawler.install_shutdown_handlers = install
            try:
                yield
            finally:
                scrapy_crawler.install_shutdown_handlers = original
        return patched()

    def arm(self, signum: int) -> None:
        if self.signal_name is not None:
            return
        try:
            self.signal_name = signal.Signals(signum).name
        except ValueError:
            self.signal_name = f"signal {signum}"
        threading.Thread(target=self._expire, name="decay-stop-deadline", daemon=True).start()

    def _stores(self) -> list:
        return [st for c in self.crawlers for st in [getattr(getattr(c, "spider", None), "store", None)] if st is not None]

    def _expire(self) -> None:
        timeout = stop_timeout()
        if self.done.wait(timeout):
            return
        why = (f"stopped by a signal ({self.signal_name}), but the crawl did not stop within {timeout:g} s "
               "(DECAY_STOP_TIMEOUT): its store process was killed; facts not merged")
        logging.getLogger("decay").error("the crawl did not stop within %g s of %s: killing its store process", timeout,
                                         self.signal_name)
        for store in self._stores():
            proc = getattr(store, "proc", None)
            if proc is not None and proc.poll() is None:
                store.stopped = why
                proc.kill()
        if self.done.wait(STOP_GRACE_S):
            return
        self._hard_stop(why + f"; the crawl process did not end either and ended itself {STOP_GRACE_S:g} s later")

    def _hard_stop(self, why: str) -> None:
        for c in self.crawlers:
            crawl_id = getattr(getattr(c, "spider", None), "crawl_id", None)
            if crawl_id is None:
                continue
            try:
                conn = sqlite3.connect(self.db_path, timeout=5)
                with conn:
                    conn.execute("UPDATE crawls SET status = 'interrupted', reason = ?, finished_at = ?, pid = NULL "
                                 "WHERE id = ? AND status = 'running'", [why, utcnow(), crawl_id])
                conn.close()
            except sqlite3.Error:
                pass   # the next command marks it: its pid is gone
            for suffix in ("", "-wal", "-shm"):
                Path(str(staging_path(self.db_path, crawl_id)) + suffix).unlink(missing_ok=True)
        status = EXIT_FAILED
        for hook in reversed(hard_stop_hooks):
            try:
                status = hook(why)
            except Exception:   # noqa: BLE001 - ending is what matters now
                pass
        sys.stderr.write(f"error: {why}\n")
        sys.stderr.flush()
        os._exit(status)


def _site_interrupted(crawler) -> bool:
    summary = getattr(getattr(crawler, "spider", None), "summary", None) or {}
    return summary.get("status") not in ("complete", "failed")
