"""Conditional requests: the validators of a page's last download, as request headers.

An incremental re-crawl asks for every page the database holds with the ETag and Last-Modified of its last
download (``NewRequest.validators``, set by ``crawler/record/carryover.py``); a server whose page has not
changed answers 304 Not Modified, without a body.  This downloader middleware writes those two headers,
as Scrapy's own HTTP cache (``HttpCacheMiddleware``, at the same place in the chain) sets the validators of
the response it has cached.  The spider only says what to request.
"""
from __future__ import annotations


class ConditionalRequestMiddleware:
    """If-None-Match and If-Modified-Since from ``request.meta["decay"].validators`` (requests of the site spider)."""

    def process_request(self, request, spider=None):
        nr = request.meta.get("decay")
        validators = getattr(nr, "validators", None)
        if validators:
            etag, last_modified = validators
            if etag:
                request.headers["If-None-Match"] = etag
            if last_modified:
                request.headers["If-Modified-Since"] = last_modified
        return None
