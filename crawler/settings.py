"""Scrapy settings for content-decay.

The politeness settings come from the configuration file (``[crawl]``); see
:func:`apply_config`.  What is here is fixed, and mostly about doing less per
request: content-decay decides itself which URL to request once (so no
duplicate filter, no offsite or depth middleware), records every status and
every redirect hop as a fact (so no redirect, meta-refresh or HTTP-error
middleware), and never sends cookies.  See benchmarks/ for what this buys.
"""
from __future__ import annotations

from foundation.config import Config

BOT_NAME = "content-decay"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"

# Only what is needed, in Scrapy's usual order.
DOWNLOADER_MIDDLEWARES_BASE = {
    "crawler.robots.RobotsTxtMiddleware": 100,   # Scrapy's, mended: see crawler/robots.py
    "scrapy.downloadermiddlewares.downloadtimeout.DownloadTimeoutMiddleware": 350,
    "scrapy.downloadermiddlewares.defaultheaders.DefaultHeadersMiddleware": 400,
    "scrapy.downloadermiddlewares.useragent.UserAgentMiddleware": 500,
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": 550,
    "scrapy.downloadermiddlewares.httpcompression.HttpCompressionMiddleware": 590,
    # If-None-Match / If-Modified-Since of an incremental re-crawl, where Scrapy's HttpCacheMiddleware sets its own
    "crawler.conditional.ConditionalRequestMiddleware": 900,
}
SPIDER_MIDDLEWARES_BASE: dict[str, int] = {}
EXTENSIONS_BASE = {
    "scrapy.extensions.corestats.CoreStats": 0,
    "scrapy.extensions.throttle.AutoThrottle": 0,
    "crawler.progress.Progress": 500,
}
ITEM_PIPELINES: dict[str, int] = {}

DUPEFILTER_CLASS = "scrapy.dupefilters.BaseDupeFilter"   # the frontier requests each URL once
# One queue ordered by priority (not Scrapy's per-host DownloaderAwarePriorityQueue, which balances hosts and
# ignores priorities across them): a site's own pages go first, sitemap-only pages next, other websites last.
SCHEDULER_PRIORITY_QUEUE = "scrapy.pqueues.ScrapyPriorityQueue"
EXTERNAL_TIMEOUT = 10.0   # seconds: a link check to another website does not hold the crawl for long
SCHEDULER_MEMORY_QUEUE = "scrapy.squeues.FifoMemoryQueue"  # breadth first within a depth
# Scrapy's Scraper starts CONCURRENT_ITEMS (default 100) workers over each response's callback output; the callbacks
# here return nothing (the store process answers), so one is enough, and ~100 asyncio tasks per response are saved
CONCURRENT_ITEMS = 1
SCRAPER_SLOT_MAX_ACTIVE_SIZE = 20_000_000   # responses waiting for the store process (bounds memory)

ROBOTSTXT_OBEY = True
ROBOTSTXT_PARSER = "scrapy.robotstxt.ProtegoRobotParser"
COOKIES_ENABLED = False
REDIRECT_ENABLED = False
METAREFRESH_ENABLED = False
REFERER_ENABLED = False
HTTPERROR_ALLOW_ALL = True
RETRY_HTTP_CODES = [429, 502, 503, 504, 522, 524, 408]
TELNETCONSOLE_ENABLED = False
LOG_LEVEL = "WARNING"
DEFAULT_REQUEST_HEADERS = {
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "Accept-Language": "en",
}
DOWNLOAD_WARNSIZE = 0
DNS_TIMEOUT = 20


def apply_config(settings, config: Config) -> None:
    """Copy the [crawl] politeness settings of a configuration into Scrapy settings."""
    c = config.crawl
    prio = "spider"
    settings.set("USER_AGENT", config.user_agent(), priority=prio)
    settings.set("ROBOTSTXT_OBEY", c.obey_robots, priority=prio)
    settings.set("ROBOTSTXT_USER_AGENT", c.robots_user_agent, priority=prio)
    settings.set("CONCURRENT_REQUESTS", c.concurrency, priority=prio)
    settings.set("CONCURRENT_REQUESTS_PER_DOMAIN", c.concurrency_per_host, priority=prio)
    settings.set("DOWNLOAD_DELAY", c.delay, priority=prio)
    settings.set("DOWNLOAD_DELAY_JITTER", 0.5 if c.delay > 0 else 0, priority=prio)
    settings.set("AUTOTHROTTLE_ENABLED", c.autothrottle, priority=prio)
    settings.set("AUTOTHROTTLE_TARGET_CONCURRENCY", c.autothrottle_target, priority=prio)
    settings.set("AUTOTHROTTLE_START_DELAY", max(c.delay, 0.25), priority=prio)
    settings.set("DOWNLOAD_TIMEOUT", c.timeout, priority=prio)
    settings.set("RETRY_ENABLED", c.retries > 0, priority=prio)
    settings.set("RETRY_TIMES", c.retries, priority=prio)
    settings.set("DOWNLOAD_MAXSIZE", int(c.max_page_mb * 1024 * 1024), priority=prio)
    settings.set("LOG_LEVEL", c.log_level, priority=prio)
    settings.set("DECAY_PROGRESS_INTERVAL", c.progress_interval, priority=prio)
