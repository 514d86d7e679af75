"""A site's robots.txt and its sitemaps.

Each start origin's robots.txt is requested first (:meth:`SitemapsAndRobots.first_requests`); its ``Sitemap:``
lines name the sitemaps to read, or, with none, ``/sitemap.xml`` is tried.  Sitemaps the configuration names
replace both.  A sitemap index leads to more sitemaps (up to ``max_sitemap_depth`` deep, ``max_sitemaps`` per
site); a sitemap's entries are recorded and its pages discovered (via "sitemap").
"""
from __future__ import annotations

import json

from crawler.frontier import SiteFrontier, fetch_kind
from crawler.record.carryover import CarryOver
from crawler.record.context import MAX_ROBOTS_CHARS, Context
from crawler.record.redirects import Redirects
from foundation.facts import Fetch, NewRequest
from foundation.urls import normalize, url_id

MAX_SITEMAP_BYTES = 50 * 1024 * 1024   # the sitemap protocol's own limit, uncompressed


def gunzip_limited(data: bytes, limit: int = MAX_SITEMAP_BYTES) -> bytes:
    """Scrapy's gunzip (tolerant of a truncated end or a bad checksum), stopped at ``limit`` bytes decompressed."""
    from scrapy.utils.gz import gunzip

    try:
        return gunzip(data, max_size=limit)
    except ValueError as e:   # scrapy.utils._compression._DecompressionMaxSizeExceeded
        if "exceeded" in str(e):
            raise ValueError(f"larger than {limit // (1024 * 1024)} MB once decompressed (the sitemap protocol's limit)") from None
        raise


def clip_text(v) -> str | None:
    if v is None:
        return None
    v = str(v).strip()
    return v[:200] if v else None


class SitemapsAndRobots:
    def __init__(self, ctx: Context, carry: CarryOver, redirects: Redirects) -> None:
        self.ctx = ctx
        self.carry = carry
        self.redirects = redirects
        self.read: dict[str, int] = {s.name: 0 for s in ctx.sites_cfg}      # requested, per site
        self.skipped: dict[str, int] = {s.name: 0 for s in ctx.sites_cfg}   # over max_sitemaps / _depth

    def first_requests(self, sf: SiteFrontier, out: list[NewRequest]) -> None:
        """The robots.txt of each start origin, and the sitemaps the configuration names."""
        origins = []
        for u in sf.scope.canonical_start_urls:
            o = u[: u.find("/", u.find("//") + 2)]
            if o not in origins:
                origins.append(o)
        for o in origins:
            robots = o + "/robots.txt"
            out.append(NewRequest(robots, sf.scope.to_fetch(robots), sf.config.name, "start", None, None, "robots", 200))
        for sm in sf.config.sitemaps:
            n = normalize(sm)
            if n:
                self.request(sf, sf.scope.to_canonical(n), "config", None, 0, out)

    # ------------------------------------------------------------------ robots.txt
    def robots(self, f: Fetch, body: bytes) -> list[NewRequest]:
        ctx = self.ctx
        sf = ctx.site(f.site)
        text = body.decode("utf-8", "replace")[:MAX_ROBOTS_CHARS] if f.status and 200 <= f.status < 300 else ""
        sitemaps = []
        if f.status is not None:
            ctx.answered[f.site] = True
        if text:
            from scrapy.utils.sitemap import sitemap_urls_from_robots

            # Scrapy's reader, with the robots.txt URL as the base: "Sitemap: /sitemaps/index.xml" is a sitemap too
            for sm in sitemap_urls_from_robots(text.encode("utf-8"), base_url=f.url):
                n = normalize(sm)
                if n and n not in sitemaps:
                    sitemaps.append(sf.scope.to_canonical(n))
        self.robots_row(f, text, sitemaps)
        if sf.config.sitemaps:
            return []
        if not sitemaps:
            return self.guess(f)
        out: list[NewRequest] = []
        for sm in sitemaps:
            self.request(sf, sm, "robots", f.url, 0, out)
        return out

    def robots_failed(self, f: Fetch) -> list[NewRequest]:
        self.robots_row(f, None, [])
        return self.guess(f) if not self.ctx.site(f.site).config.sitemaps else []

    def guess(self, f: Fetch) -> list[NewRequest]:
        sf = self.ctx.site(f.site)
        guess = f.url.rsplit("/", 1)[0] + "/sitemap.xml"
        out: list[NewRequest] = []
        self.request(sf, guess, "guess", None, 0, out)
        return out

    def robots_row(self, f: Fetch, text: str | None, sitemaps: list[str]) -> None:
        self.ctx.staging.add("robots", (f.url, f.site, f.status, f.error, text, json.dumps(sitemaps), f.fetched_at,
                                        self.ctx.crawl_id))

    # ------------------------------------------------------------------ sitemaps
    def request(self, sf: SiteFrontier, url: str, via: str, found_on: str | None, depth: int,
                out: list[NewRequest]) -> None:
        """Request a sitemap (once per crawl), unless it is nested too deep or the site's sitemaps are used up:
        then it is recorded in the sitemaps table with the reason, not requested."""
        ctx = self.ctx
        r = ctx.frontier.discover_sitemap(sf, url, via, found_on)
        if r is None:
            return
        st = ctx.frontier.get(url)
        st.depth = depth   # (for a sitemap: how many indexes lead to it)
        c = ctx.config.crawl
        site = sf.config.name
        reason = None
        if depth > c.max_sitemap_depth:
            reason = (f"not read: sitemap indexes nested more than {c.max_sitemap_depth} deep "
                      f"(this one is listed by an index {depth} levels down; max_sitemap_depth = {c.max_sitemap_depth})")
        elif self.read.get(site, 0) >= c.max_sitemaps:
            reason = f"not read: {c.max_sitemaps} sitemaps were already read for this site (max_sitemaps = {c.max_sitemaps})"
        if reason is None:
            self.read[site] = self.read.get(site, 0) + 1
            out.append(r)
            return
        st.status, st.reason = "skipped", reason
        self.skipped[site] = self.skipped.get(site, 0) + 1
        uid = url_id(url)
        ctx.staging.add_url(uid, url, site, ctx.crawl_id)
        ctx.staging.add("sitemaps", (uid, url, site, via, found_on, None, reason, None, None, 0, None, ctx.crawl_id))

    def sitemap_row(self, f: Fetch, typ: str | None, gz: int | None, entries: int, error: str | None) -> None:
        ctx = self.ctx
        st = ctx.frontier.get(f.url)
        uid = url_id(f.url)
        ctx.staging.add_url(uid, f.url, f.site, ctx.crawl_id)
        ctx.staging.add("sitemaps", (uid, f.url, f.site, st.via if st else f.found_via, st.found_on if st else None,
                                     f.status, error, typ, gz, entries, f.fetched_at, ctx.crawl_id))

    def sitemap_failed(self, f: Fetch) -> list[NewRequest]:
        self.sitemap_row(f, None, None, 0, f.error)
        return []

    def sitemap(self, f: Fetch, body: bytes) -> list[NewRequest]:
        from scrapy.utils.sitemap import Sitemap

        ctx = self.ctx
        sf = ctx.site(f.site)
        out: list[NewRequest] = []
        if f.status is not None:
            ctx.answered[f.site] = True
        if f.status is None or not 200 <= f.status < 300:
            if f.status and 300 <= f.status < 400 and f.headers.get("location"):
                tgt = ctx.target(sf.scope, f.url, f.headers["location"])
                if tgt and tgt[0].startswith("http"):
                    loc = tgt[3] or tgt[0]
                    cut = {"url_id": url_id(f.url), "error": None}
                    if self.redirects.chain_cut(cut, loc):
                        self.sitemap_row(f, None, None, 0, cut["error"])
                        return out
                    st = ctx.frontier.get(f.url)
                    self.request(sf, loc, "redirect", f.url, (st.depth or 0) if st else 0, out)
            self.sitemap_row(f, None, None, 0, f.error or f"HTTP {f.status}")
            return out
        gz = 0
        if body[:2] == b"\x1f\x8b":
            gz = 1
            try:
                body = gunzip_limited(body)
            except Exception as e:   # OSError, EOFError, struct.error, zlib.error, or over the size limit
                self.sitemap_row(f, "invalid", gz, 0, f"cannot gunzip: {e}"[:300])
                return out
        try:
            sm = Sitemap(body)
            typ = sm.type
            items = list(sm) if typ in ("urlset", "sitemapindex") else []
        except Exception as e:  # lxml raises various errors on garbage
            self.sitemap_row(f, "invalid", gz, 0, f"not a sitemap: {e}"[:300])
            return out
        if typ not in ("urlset", "sitemapindex"):
            self.sitemap_row(f, "invalid", gz, 0, f"not a sitemap (root element: {typ or 'none'})")
            return out
        sid = url_id(f.url)
        st = ctx.frontier.get(f.url)
        depth = (st.depth or 0) if st is not None else 0
        rows = []
        for it in items:
            loc = it.get("loc")
            n = normalize(loc) if loc else None
            if n is None:
                continue
            n = sf.scope.to_canonical(n)
            internal = sf.scope.is_internal(n)
            if internal and typ != "sitemapindex":
                n = sf.scope.page_url(n)[0]   # a twin spelling of a page (http://, index.html) is the page
            uid = url_id(n)
            ctx.staging.add_url(uid, n, f.site if internal else None, ctx.crawl_id)
            rows.append((sid, uid, n, f.site, clip_text(it.get("lastmod")), clip_text(it.get("changefreq")),
                         clip_text(it.get("priority")), int(typ == "sitemapindex"), ctx.crawl_id))
            if typ == "sitemapindex":
                self.request(sf, n, "index", f.url, depth + 1, out)
            elif internal:
                self.carry.discover(sf, n, "sitemap", f.url, None, fetch_kind("a", None, n), out, uid)
        ctx.staging.extend("sitemap_entries", rows)
        self.sitemap_row(f, typ, gz, len(rows), None)
        return out
