"""Scrapy's RobotsTxtMiddleware, with every waiting request given the parsed robots.txt.

From Scrapy 2.13 (scrapy/scrapy#6802) on, requests to a host whose robots.txt is still being downloaded
all await the same Deferred.  Awaiting a Deferred adds a callback that returns None, so only the first
of them gets the parser; the others get None, which the middleware reads as "no robots.txt": they are
sent even when robots.txt disallows them.  A crawl that starts with many requests to one host at once
(an incremental crawl releases the pages the re-validation pass did not settle together) would ignore
robots.txt for all but one of them.  Here each waiting request gets its own Deferred, fired with the
parser, as Scrapy did before.

A robots.txt is also allowed to be larger than ``max_page_mb`` (up to ``ROBOTS_MAX_BYTES``), and only its
first ``ROBOTS_PARSE_BYTES`` (500 KiB, the least RFC 9309 asks a crawler to read) are parsed: a huge
robots.txt must not make the crawl act as if the site had none.
"""
from __future__ import annotations

from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware as _ScrapyRobotsTxtMiddleware
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.defer import Deferred


ROBOTS_MAX_BYTES = 16 * 1024 * 1024     # downloaded at most (a larger one is an error, as for any answer)
ROBOTS_PARSE_BYTES = 500 * 1024         # parsed at most (RFC 9309, 2.5: at least 500 KiB)


def is_robots_txt(request) -> bool:
    return urlparse_cached(request).path == "/robots.txt"


def clip_robots(body: bytes) -> bytes:
    """The first ROBOTS_PARSE_BYTES of a robots.txt, cut after its last whole line."""
    if len(body) <= ROBOTS_PARSE_BYTES:
        return body
    head = body[:ROBOTS_PARSE_BYTES]
    return head[: head.rfind(b"\n") + 1] or head


class RobotsTxtMiddleware(_ScrapyRobotsTxtMiddleware):
    async def process_request(self, request, spider=None):
        if request.meta.get("dont_obey_robotstxt") and is_robots_txt(request):   # ours and Scrapy's own
            request.meta.setdefault("download_maxsize", max(ROBOTS_MAX_BYTES, self.crawler.settings.getint("DOWNLOAD_MAXSIZE")))
        if spider is None:   # newer Scrapy (2.19 here) calls without it, and warns when it is passed on
            return await super().process_request(request)
        return await super().process_request(request, spider)

    async def _parse_robots(self, response, netloc, request):
        return await super()._parse_robots(response.replace(body=clip_robots(response.body)), netloc, request)

    async def robot_parser(self, request):
        parser = self._parsers.get(urlparse_cached(request).netloc)
        if isinstance(parser, Deferred):
            mine: Deferred = Deferred()

            def relay(result):
                mine.callback(result)
                return result   # unchanged for the next request waiting

            parser.addCallback(relay)
            return await maybe_deferred_to_future(mine)
        return await super().robot_parser(request)
