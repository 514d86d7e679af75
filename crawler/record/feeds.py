"""The feeds a site announces (``<link rel="alternate" type="application/rss+xml">``): their entries, with the
dates as written, are evidence for the pages they link.  Reading a feed is ``crawler/feeds.py``'s job."""
from __future__ import annotations

from crawler.feeds import parse_feed
from crawler.record.context import Context
from crawler.record.redirects import Redirects
from foundation.facts import Fetch, NewRequest
from foundation.urls import url_id


class Feeds:
    def __init__(self, ctx: Context, redirects: Redirects) -> None:
        self.ctx = ctx
        self.redirects = redirects

    def feed(self, f: Fetch, body: bytes) -> list[NewRequest]:
        """A feed the site announces: its entries, with their dates as written (evidence for the pages they link)."""
        ctx = self.ctx
        row = ctx.row_for(f)
        out: list[NewRequest] = []
        row["is_html"] = 0
        row["size"] = len(body)
        ctx.bytes += len(body)
        if row["outcome"] == "redirect":
            self.redirects.follow(f, row, out)
            ctx.write_page(row)
            return out
        if row["outcome"] != "ok":
            self.feed_row(f, None, f"HTTP {f.status}")
            ctx.write_page(row)
            return out
        facts = parse_feed(body, f.headers.get("content-type"))
        sf = ctx.site(f.site)
        fid = row["url_id"]
        entries = []
        for i, e in enumerate(facts.entries):
            tgt = ctx.target(sf.scope, f.url, e.link) if e.link else None
            if tgt is None or not tgt[0].startswith("http"):
                continue
            ctx.staging.add_url(tgt[1], tgt[0], f.site if tgt[2] else None, ctx.crawl_id)
            entries.append((fid, i, tgt[1], tgt[0], f.site, e.title, e.published, e.updated, ctx.crawl_id))
        ctx.staging.extend("feed_entries", entries)
        self.feed_row(f, facts, facts.error)
        if facts.error:
            row["error"] = facts.error
        ctx.write_page(row)
        return out

    def feed_row(self, f: Fetch, facts, error: str | None) -> None:
        ctx = self.ctx
        st = ctx.frontier.get(f.url)
        ctx.staging.add("feeds", (url_id(f.url), f.url, f.site, st.found_on if st else f.found_on, f.status, error,
                                  facts.format if facts else None, facts.title if facts else None,
                                  len(facts.entries) if facts else 0, f.fetched_at, ctx.crawl_id))
