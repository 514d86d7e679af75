"""Scrapy's RobotsTxtMiddleware, with every waiting request given the parsed robots.txt.

From Scrapy 2.13 (scrapy/scrapy#6802) on, requests to a host whose robots.txt is still being downloaded
all await the same Deferred.  Awaiting a Deferred adds a callback that returns None, so only the first
of them gets the parser; the others get None, which the middleware reads as "no robots.txt": they are
sent even when robots.txt disallows them.  A crawl that starts with many requests to one host at once
(an incremental crawl releases the pages the re-validation pass did not settle together) would ignore
robots.txt for all but one of them.  Here each waiting request gets its own Deferred, fired with the
parser, as Scrapy did before.
"""
from __future__ import annotations

from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware as _ScrapyRobotsTxtMiddleware
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.defer import Deferred


class RobotsTxtMiddleware(_ScrapyRobotsTxtMiddleware):
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
