"""Baseline: a bare Scrapy CrawlSpider that only follows links (no extraction, no storage).

    python benchmarks/bare_crawlspider.py http://127.0.0.1:8099/index.html
"""
from __future__ import annotations

import sys
from urllib.parse import urlsplit

from scrapy.crawler import CrawlerProcess
from scrapy.linkextractors import LinkExtractor
from scrapy.spiders import CrawlSpider, Rule


class BareSpider(CrawlSpider):
    name = "bare"
    rules = (Rule(LinkExtractor(), follow=True),)

    def __init__(self, start: str, **kw):
        self.start_urls = [start]
        self.allowed_domains = [urlsplit(start).hostname]
        super().__init__(**kw)


def main() -> None:
    start = sys.argv[1]
    process = CrawlerProcess({
        "LOG_LEVEL": "INFO",
        "CONCURRENT_REQUESTS": 64,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 64,
        "ROBOTSTXT_OBEY": True,
        "TELNETCONSOLE_ENABLED": False,
    })
    process.crawl(BareSpider, start=start)
    process.start()


if __name__ == "__main__":
    main()
