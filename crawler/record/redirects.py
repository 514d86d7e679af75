"""Redirects: followed as the frontier decides, up to ``max_redirects`` hops; at the end, their whole chains.

Scrapy's redirect middleware is off: every hop is a fact (a row with its status and Location).  A page's,
resource's or feed's redirect comes to :meth:`Redirects.follow`; a sitemap's to
``crawler/record/sitemaps.py``, which asks :meth:`Redirects.chain_cut` the same question.  When the crawl
finishes, :func:`fill_chains` writes each redirect's final URL, final status, hops and chain.
"""
from __future__ import annotations

import json

from crawler.record.carryover import CarryOver
from crawler.record.context import Context
from crawler.record.externals import ExternalChecks
from crawler.store import Staging
from foundation.facts import Fetch, NewRequest
from foundation.urls import url_id

MAX_CHAIN = 50   # hops written in a chain at most


class Redirects:
    def __init__(self, ctx: Context, carry: CarryOver, externals: ExternalChecks) -> None:
        self.ctx = ctx
        self.carry = carry
        self.externals = externals
        self.hops: dict[int, int] = {}    # url id -> redirects that led to it (a chain's length so far)

    def follow(self, f: Fetch, row: dict, out: list[NewRequest]) -> None:
        """A redirect answer: its Location on the row, and the target discovered (unless the chain is too long)."""
        ctx = self.ctx
        sf = ctx.site(f.site)
        target = ctx.target(sf.scope, f.url, f.headers["location"])
        if target is not None and target[0].startswith("http"):
            loc, lid, internal, written = target
            if written is not None and loc == f.url:
                # the server sends this URL to its own twin (/x/ to /x/index.html, http:// to https://): it knows
                # best, the twin is the page; the scheme a start URL is sent to is the site's scheme from now on
                if f.found_via == "start" and loc.split("://", 1)[1] == written.split("://", 1)[1] \
                        and sf.scope.prefer_scheme(written):
                    ctx.targets.clear()
                loc, lid = written, url_id(written)
            row["location"] = loc
            ctx.staging.add_url(lid, loc, f.site if internal else None, ctx.crawl_id)
            follow = (internal and f.kind != "external") or (f.kind == "external" and not internal)
            if follow and self.chain_cut(row, loc):
                return
            if internal and f.kind != "external":
                self.carry.discover(sf, loc, "redirect", f.url, f.depth, f.kind, out, lid)
            elif f.kind == "external" and not internal:
                self.externals.discover(sf, loc, f.url, lid, out)
        else:
            row["location"] = f.headers["location"][:2000]

    def chain_cut(self, row: dict, target: str) -> bool:
        """True (and the reason on the row) when following this redirect would make its chain longer than
        max_redirects: the target is not requested.  Otherwise the target remembers how many redirects led to it."""
        hops = self.hops.get(row["url_id"], 0) + 1
        limit = self.ctx.config.crawl.max_redirects
        if hops > limit:
            row["error"] = (f"redirect chain longer than {limit} hops: {target[:300]} was not requested "
                            f"(max_redirects = {limit})")
            return True
        self.hops.setdefault(url_id(target), hops)
        return False


def fill_chains(staging: Staging) -> None:
    """Fill final_url, final_status, redirect_hops and redirect_chain for every redirect of this crawl."""
    staging.flush()
    conn = staging.db.conn
    info: dict[str, tuple] = {}
    for url, status, outcome, location in conn.execute("SELECT url, status, outcome, location FROM pages"):
        info[url] = (status, outcome, location)
    updates = []
    for url, (status, outcome, location) in info.items():
        if outcome != "redirect":
            continue
        chain = [[url, status]]
        seen = {url}
        cur = location
        final_status = None
        while cur is not None:
            if cur in seen:
                chain.append([cur, "loop"])
                break
            seen.add(cur)
            nxt = info.get(cur)
            if nxt is None:
                chain.append([cur, None])
                break
            chain.append([cur, nxt[0]])
            if nxt[1] != "redirect":
                final_status = nxt[0]
                break
            cur = nxt[2]
            if len(chain) > MAX_CHAIN:
                break
        last = chain[-1]
        updates.append((len(chain) - 1, last[0], final_status, json.dumps(chain), url_id(url)))
    if updates:
        with conn:
            conn.executemany("UPDATE pages SET redirect_hops = ?, final_url = ?, final_status = ?, redirect_chain = ? "
                             "WHERE url_id = ?", updates)
