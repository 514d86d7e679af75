"""The frontier: which URLs to request, decided once per URL per crawl.

Every URL the crawl meets (start URL, link, sitemap entry, redirect target)
passes through :meth:`Frontier.discover`.  It is requested at most once; a URL
outside the site's include/exclude patterns or beyond its limits is recorded
as *skipped* with the reason.  How a URL was found is kept and improved while
it waits (a link found later beats a sitemap entry; a shorter click path beats
a longer one), so ``found_via`` and ``depth`` describe the best route known
when the URL is fetched.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from foundation.facts import NewRequest
from foundation.config import Site
from foundation.urls import SiteScope, netloc_of, url_id

# Links of these kinds are checked for existence (HEAD) instead of downloaded.
RESOURCE_KINDS = frozenset(("img", "script", "embed", "object", "video", "audio", "source", "track"))
PAGE_LINK_RELS = frozenset(("canonical", "alternate", "next", "prev", "previous", "prerender", "amphtml"))
NEVER_FETCH_KINDS = frozenset(("form", "sameas"))   # sameas: JSON-LD sameAs, profiles elsewhere (the social crawl)
# links to other websites worth checking: what a visitor clicks or what the page loads
EXTERNAL_CHECK_KINDS = frozenset(("a", "area", "iframe", "frame", "img", "script", "embed", "video", "audio", "source"))
NON_HTML_EXT = frozenset((
    "pdf doc docx xls xlsx ppt pptx odt ods odp rtf csv txt zip gz tgz bz2 xz 7z rar tar jpg jpeg png gif webp avif svg "
    "ico bmp tif tiff mp3 mp4 m4a m4v mov avi wmv webm ogg ogv wav flac woff woff2 ttf otf eot css js mjs json xml rss "
    "atom ics vcf epub apk dmg exe msi iso"
).split())

FEED_TYPE = re.compile(r"rss|atom|feed\+json|application/json", re.I)
PRIORITY_SITEMAP_PAGE = -10_000
PRIORITY_EXTERNAL = -20_000      # other websites last: the site's own pages come first  # sitemap-only URLs wait until links have had their chance


def fetch_kind(link_kind: str, rel: str | None, url: str, anchor_type: str | None = None) -> str | None:
    """page, resource, or None (never requested) for a link of this kind."""
    if link_kind in NEVER_FETCH_KINDS:
        return None
    if link_kind in RESOURCE_KINDS:
        return "resource"
    if link_kind == "link":
        rels = set((rel or "").split())
        if rels & {"dns-prefetch", "preconnect"}:
            return None
        if "alternate" in rels and anchor_type and FEED_TYPE.search(anchor_type):
            return "feed"
        if rels & PAGE_LINK_RELS and not (anchor_type and "/" in anchor_type and "html" not in anchor_type):
            return "page"
        return "resource"
    path = url.split("?", 1)[0]
    dot = path.rfind(".")
    if dot > path.rfind("/") and path[dot + 1:].lower() in NON_HTML_EXT:
        return "resource"
    return "page"


@dataclass(slots=True)
class UrlState:
    site: str
    via: str
    found_on: str | None
    depth: int | None
    kind: str
    status: str = "pending"       # pending, fetched, skipped, skipped_depth
    reason: str | None = None


@dataclass
class SiteFrontier:
    config: Site
    scope: SiteScope
    scheduled: int = 0
    truncated: bool = False
    skipped_rows: int = 0


@dataclass
class Decision:
    request: NewRequest | None = None
    skipped: str | None = None     # reason, when the URL is recorded as skipped


class Frontier:
    def __init__(self, sites: list[Site], external_per_host: int = 50) -> None:
        self.external_per_host = external_per_host
        self.external_hosts: dict[str, int] = {}
        self.sites: dict[str, SiteFrontier] = {}
        for s in sites:
            scope = SiteScope(s.name, s.start_urls, aliases=s.aliases, hosts=s.hosts, include=s.include, exclude=s.exclude)
            self.sites[s.name] = SiteFrontier(s, scope)
        self.state: dict[int, UrlState] = {}
        self.corrected: dict[int, UrlState] = {}  # fetched URLs later found by a better route
        self.fetched = 0

    def site_for(self, url: str) -> SiteFrontier | None:
        for sf in self.sites.values():
            if sf.scope.is_internal(url):
                return sf
        return None

    def get(self, url: str) -> UrlState | None:
        return self.state.get(url_id(url))

    def discover(self, sf: SiteFrontier, url: str, via: str, found_on: str | None, depth: int | None,
                 kind: str, uid: int | None = None) -> Decision | None:
        """Decide about one internal URL; returns None when there is nothing new to do."""
        if uid is None:
            uid = url_id(url)
        st = self.state.get(uid)
        cfg = sf.config
        if st is not None:
            if st.status in ("pending", "fetched"):
                # a route from the start URLs (known depth) beats a sitemap entry or a link from a page
                # only the sitemap knows; a shorter route beats a longer one
                if depth is not None and (st.depth is None or depth < st.depth):
                    st.via, st.found_on, st.depth = via, found_on, depth
                    if st.status == "fetched":
                        # already requested (the sitemap got there first): correct the row at the end
                        self.corrected[uid] = st
                return None
            if st.status == "skipped_depth" and depth is not None and depth <= cfg.max_depth:
                st.via, st.found_on, st.depth = via, found_on, depth
                return self._schedule(sf, url, st)
            return None
        st = UrlState(sf.config.name, via, found_on, depth, kind)
        self.state[uid] = st
        reason = sf.scope.excluded_by(url) if via != "start" else None
        if reason is None and depth is not None and depth > cfg.max_depth:
            st.status = "skipped_depth"
            reason = f"beyond max_depth ({depth} clicks; max_depth = {cfg.max_depth})"
        if reason is not None:
            if st.status == "pending":
                st.status = "skipped"
            st.reason = reason
            sf.skipped_rows += 1
            return Decision(skipped=reason)
        if kind == "resource" and not cfg.check_resources:
            st.status = "skipped"
            st.reason = "resource checks are off (check_resources = false)"
            return None
        return self._schedule(sf, url, st)

    def _schedule(self, sf: SiteFrontier, url: str, st: UrlState) -> Decision:
        if sf.scheduled >= sf.config.max_pages:
            sf.truncated = True
            st.status = "skipped"
            st.reason = f"max_pages reached ({sf.config.max_pages})"
            return Decision(skipped=st.reason)
        sf.scheduled += 1
        st.status = "pending"
        st.reason = None
        if st.via == "sitemap":
            priority = PRIORITY_SITEMAP_PAGE
        else:
            priority = -(st.depth or 0)
        return Decision(request=NewRequest(url, sf.scope.to_fetch(url), sf.config.name, st.via, st.found_on, st.depth, st.kind, priority))

    def mark_fetched(self, url: str) -> UrlState | None:
        st = self.state.get(url_id(url))
        if st is not None and st.status != "fetched":
            st.status = "fetched"
            self.fetched += 1
        return st

    def discover_external(self, sf: SiteFrontier, url: str, found_on: str, uid: int) -> Decision | None:
        """A link to another website: checked once per crawl (HEAD), at most external_per_host URLs per host."""
        if uid in self.state:
            return None
        st = UrlState(sf.config.name, "link", found_on, None, "external")
        self.state[uid] = st
        host = netloc_of(url)
        n = self.external_hosts.get(host, 0)
        if n >= self.external_per_host:
            st.status = "skipped"  # not checked, and not recorded: the links table still has them
            return None
        self.external_hosts[host] = n + 1
        return Decision(request=NewRequest(url, url, sf.config.name, "link", found_on, None, "external", PRIORITY_EXTERNAL))

    def discover_sitemap(self, sf: SiteFrontier, url: str, via: str, found_on: str | None) -> NewRequest | None:
        """Sitemaps are read once each (an index that lists itself does not loop), whatever the patterns say."""
        uid = url_id(url)
        if uid in self.state:
            return None
        self.state[uid] = UrlState(sf.config.name, via, found_on, None, "sitemap")
        return NewRequest(url, sf.scope.to_fetch(url), sf.config.name, via, found_on, None, "sitemap", 100)
