"""Baseline: a bare Scrapy spider that re-validates a known list of pages and does nothing else.

    python benchmarks/bare_revalidate.py URLS_FILE

URLS_FILE holds one page per line: the URL to request, its ETag and its Last-Modified, tab-separated (what
``decay crawl`` stored in the previous crawl).  Every URL is requested once with If-None-Match /
If-Modified-Since, with the concurrency the benchmarks give content-decay; the answers are counted and
dropped.  No link following, no parsing, no storage: the least any Scrapy program can do for a nightly
re-validation, so the floor for ``decay crawl``'s incremental mode.  Prints one JSON line of counts.
"""
from __future__ import annotations

import json
import sys
from collections import Counter

import scrapy
from scrapy.crawler import CrawlerProcess


class RevalidateSpider(scrapy.Spider):
    name = "revalidate"
    custom_settings = {"HTTPERROR_ALLOW_ALL": True}

    def __init__(self, urls_file: str, **kw):
        super().__init__(**kw)
        self.urls_file = urls_file
        self.statuses: Counter[int] = Counter()

    async def start(self):
        with open(self.urls_file, encoding="utf-8") as fh:
            for line in fh:
                url, etag, last_modified = (line.rstrip("\n").split("\t") + ["", ""])[:3]
                headers = {}
                if etag:
                    headers["If-None-Match"] = etag
                if last_modified:
                    headers["If-Modified-Since"] = last_modified
                yield scrapy.Request(url, headers=headers, callback=self.parse, dont_filter=True)

    def parse(self, response):
        self.statuses[response.status] += 1


def main() -> None:
    process = CrawlerProcess({
        "LOG_LEVEL": "WARNING",
        "CONCURRENT_REQUESTS": 64,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 64,
        "ROBOTSTXT_OBEY": False,
        "TELNETCONSOLE_ENABLED": False,
        "COOKIES_ENABLED": False,
        "REDIRECT_ENABLED": False,
    })
    crawler = process.create_crawler(RevalidateSpider)
    process.crawl(crawler, urls_file=sys.argv[1])
    process.start()
    print(json.dumps({"statuses": dict(crawler.spider.statuses)}))


if __name__ == "__main__":
    main()
