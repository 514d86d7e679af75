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
from typing import NamedTuple

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
    """The whole state of a sitemap URL (crawler/record/sitemaps.py reads and sets it); other URLs are packed."""
    site: str
    via: str
    found_on: str | None
    depth: int | None
    kind: str
    status: str = "pending"       # pending, fetched, skipped, skipped_depth
    reason: str | None = None


class Route(NamedTuple):
    """How a URL is reached: the best route known (found_via, found_on, depth)."""
    via: str
    found_on: str | None
    depth: int | None


# Every URL the crawl meets has one int in Frontier.state: its status, kind, found_via, site, depth and the code
# of its recorded outcome (Context.write_page: its row's site and outcome) packed
# (a few hundred distinct values, each one object), ~80 bytes a URL with the dict's own, where an object with its
# strings took ~400.  Its found_on is not kept: a pending URL's is on its request (NewRequest.found_on, which
# comes back on its Fetch), and only a better route found while it waits is remembered (Frontier.routes); a
# fetched URL found later by a better route is corrected at the end (Frontier.corrected).
PENDING, FETCHED, SKIPPED, SKIPPED_DEPTH = range(4)
STATUS_NAMES = ("pending", "fetched", "skipped", "skipped_depth")
STATUS_CODES = {name: code for code, name in enumerate(STATUS_NAMES)}
_KIND_SHIFT, _VIA_SHIFT, _SITE_SHIFT, _OUTCOME_SHIFT, _DEPTH_SHIFT = 2, 7, 12, 24, 40
_NAME_MASK, _SITE_MASK, _OUTCOME_MASK = 31, 4095, 65535
_ROUTE_MASK = ~((_NAME_MASK << _VIA_SHIFT) | (-1 << _DEPTH_SHIFT))   # all but via and depth


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
        self.site_codes = {name: i for i, name in enumerate(self.sites)}
        self.names: list[str] = ["page", "resource", "feed", "external", "sitemap", "start", "link", "redirect"]
        self.name_codes = {name: i for i, name in enumerate(self.names)}
        self.state: dict[int, int] = {}              # url id -> packed status, kind, via, site, depth
        self.routes: dict[int, str | None] = {}      # pending URLs found by a better route since requested: found_on
        self.detailed: dict[int, UrlState] = {}      # sitemaps: their whole state
        self.corrected: dict[int, Route] = {}        # fetched URLs later found by a better route
        self.fetched = 0
        self._values: dict[int, int] = {}            # one object per distinct packed value

    # ------------------------------------------------------------------ the packed state
    def _code(self, name: str) -> int:
        code = self.name_codes.get(name)
        if code is None:
            code = len(self.names)
            if code > _NAME_MASK:
                raise ValueError(f"more than {_NAME_MASK + 1} kinds and routes of URLs: {self.names}")
            self.names.append(name)
            self.name_codes[name] = code
        return code

    def _pack(self, status: int, kind: str, via: str, site: str, depth: int | None) -> int:
        v = (status | self._code(kind) << _KIND_SHIFT | self._code(via) << _VIA_SHIFT
             | self.site_codes.get(site, _SITE_MASK) << _SITE_SHIFT | (0 if depth is None else depth + 1) << _DEPTH_SHIFT)
        return self._values.setdefault(v, v)

    def _with(self, v: int, status: int | None = None, via: str | None = None, depth: int | None = None) -> int:
        """v with another status, or another route (via and depth)."""
        if status is not None:
            v = v & ~3 | status
        if via is not None:
            v = v & _ROUTE_MASK | self._code(via) << _VIA_SHIFT | (0 if depth is None else depth + 1) << _DEPTH_SHIFT
        return self._values.setdefault(v, v)

    @staticmethod
    def status_of(v: int) -> int:
        return v & 3

    @staticmethod
    def depth_of(v: int) -> int | None:
        d = v >> _DEPTH_SHIFT
        return None if d == 0 else d - 1

    def kind_of(self, v: int) -> str:
        return self.names[v >> _KIND_SHIFT & _NAME_MASK]

    def via_of(self, v: int) -> str:
        return self.names[v >> _VIA_SHIFT & _NAME_MASK]

    def known(self, uid: int) -> tuple[int, str, int | None] | None:
        """(status code, kind, depth) of a URL met in this crawl, else None."""
        st = self.detailed.get(uid)
        if st is not None:
            return STATUS_CODES[st.status], st.kind, st.depth
        v = self.state.get(uid)
        if v is None:
            return None
        return v & 3, self.names[v >> _KIND_SHIFT & _NAME_MASK], self.depth_of(v)

    def swap_outcome(self, uid: int, code: int) -> int | None:
        """Remember the code of the outcome recorded for a URL (1 to 65535); returns the one before (0: none yet),
        or None for a URL the frontier never met (nothing is remembered)."""
        v = self.state.get(uid)
        if v is None:
            return None
        if not 0 < code <= _OUTCOME_MASK:
            raise ValueError(f"outcome code {code} out of range")
        old = v >> _OUTCOME_SHIFT & _OUTCOME_MASK
        if old != code:
            v = v & ~(_OUTCOME_MASK << _OUTCOME_SHIFT) | code << _OUTCOME_SHIFT
            self.state[uid] = self._values.setdefault(v, v)
        return old

    # ------------------------------------------------------------------ decisions
    def site_for(self, url: str) -> SiteFrontier | None:
        for sf in self.sites.values():
            if sf.scope.is_internal(url):
                return sf
        return None

    def get(self, url: str) -> UrlState | None:
        """The state of a sitemap URL (None for other URLs: their route is on their Fetch, see mark_fetched)."""
        return self.detailed.get(url_id(url))

    def discover(self, sf: SiteFrontier, url: str, via: str, found_on: str | None, depth: int | None,
                 kind: str, uid: int | None = None) -> Decision | None:
        """Decide about one internal URL; returns None when there is nothing new to do."""
        if uid is None:
            uid = url_id(url)
        v = self.state.get(uid)
        cfg = sf.config
        if v is not None:
            st = self.detailed.get(uid)
            if st is not None:
                return self._rediscover(sf, url, uid, st, via, found_on, depth)
            status = v & 3
            if status <= FETCHED:
                # a route from the start URLs (known depth) beats a sitemap entry or a link from a page
                # only the sitemap knows; a shorter route beats a longer one
                old = v >> _DEPTH_SHIFT
                if depth is not None and (old == 0 or depth + 1 < old):
                    self.state[uid] = self._with(v, via=via, depth=depth)
                    if status == FETCHED:
                        # already requested (the sitemap got there first): correct the row at the end
                        self.corrected[uid] = Route(via, found_on, depth)
                    else:
                        self.routes[uid] = found_on   # its request names the route it was requested by
                return None
            if status == SKIPPED_DEPTH and depth is not None and depth <= cfg.max_depth:
                self.state[uid] = self._with(v, via=via, depth=depth)
                return self._schedule(sf, url, uid, via, found_on, depth, self.kind_of(v))
            return None
        name = cfg.name
        reason = sf.scope.excluded_by(url) if via != "start" else None
        status = PENDING
        if reason is None and depth is not None and depth > cfg.max_depth:
            status = SKIPPED_DEPTH
            reason = f"beyond max_depth ({depth} clicks; max_depth = {cfg.max_depth})"
        if reason is not None:
            self.state[uid] = self._pack(SKIPPED if status == PENDING else status, kind, via, name, depth)
            sf.skipped_rows += 1
            return Decision(skipped=reason)
        if kind == "resource" and not cfg.check_resources:   # (resource checks are off: check_resources = false)
            self.state[uid] = self._pack(SKIPPED, kind, via, name, depth)
            return None
        self.state[uid] = self._pack(PENDING, kind, via, name, depth)
        return self._schedule(sf, url, uid, via, found_on, depth, kind)

    def _rediscover(self, sf: SiteFrontier, url: str, uid: int, st: UrlState, via: str, found_on: str | None,
                    depth: int | None) -> Decision | None:
        """discover() for a URL whose whole state is kept (a sitemap found again, by a link say)."""
        if st.status in ("pending", "fetched"):
            if depth is not None and (st.depth is None or depth < st.depth):
                st.via, st.found_on, st.depth = via, found_on, depth
                if st.status == "fetched":
                    self.corrected[uid] = Route(via, found_on, depth)
            return None
        if st.status == "skipped_depth" and depth is not None and depth <= sf.config.max_depth:
            st.via, st.found_on, st.depth = via, found_on, depth
            d = self._schedule(sf, url, uid, via, found_on, depth, st.kind)
            st.status, st.reason = ("pending", None) if d.request is not None else ("skipped", d.skipped)
            return d
        return None

    def _schedule(self, sf: SiteFrontier, url: str, uid: int, via: str, found_on: str | None, depth: int | None,
                  kind: str) -> Decision:
        if sf.scheduled >= sf.config.max_pages:
            sf.truncated = True
            self.state[uid] = self._with(self.state[uid], status=SKIPPED)
            return Decision(skipped=f"max_pages reached ({sf.config.max_pages})")
        sf.scheduled += 1
        self.state[uid] = self._with(self.state[uid], status=PENDING)
        self.routes.pop(uid, None)
        if via == "sitemap":
            priority = PRIORITY_SITEMAP_PAGE
        else:
            priority = -(depth or 0)
        return Decision(request=NewRequest(url, sf.scope.to_fetch(url), sf.config.name, via, found_on, depth, kind, priority))

    def mark_fetched(self, url: str, found_on: str | None = None, uid: int | None = None) -> Route | None:
        """The URL has its answer: the best route known to it (found_on: the one its request named, which is
        the best known unless a better one was found since); None for a URL never met."""
        if uid is None:
            uid = url_id(url)
        v = self.state.get(uid)
        if v is None:
            return None
        st = self.detailed.get(uid)
        if st is not None:
            if st.status != "fetched":
                st.status = "fetched"
                self.fetched += 1
            return Route(st.via, st.found_on, st.depth)
        if v & 3 != FETCHED:
            self.state[uid] = self._with(v, status=FETCHED)
            self.fetched += 1
            found_on = self.routes.pop(uid, found_on)
        else:
            corrected = self.corrected.get(uid)
            if corrected is not None:
                return corrected
        return Route(self.via_of(v), found_on, self.depth_of(v))

    def discover_external(self, sf: SiteFrontier, url: str, found_on: str, uid: int) -> Decision | None:
        """A link to another website: checked once per crawl (HEAD), at most external_per_host URLs per host."""
        if uid in self.state:
            return None
        host = netloc_of(url)
        n = self.external_hosts.get(host, 0)
        if n >= self.external_per_host:
            # not checked, and not recorded: the links table still has them
            self.state[uid] = self._pack(SKIPPED, "external", "link", sf.config.name, None)
            return None
        self.state[uid] = self._pack(PENDING, "external", "link", sf.config.name, None)
        self.external_hosts[host] = n + 1
        return Decision(request=NewRequest(url, url, sf.config.name, "link", found_on, None, "external", PRIORITY_EXTERNAL))

    def discover_sitemap(self, sf: SiteFrontier, url: str, via: str, found_on: str | None) -> NewRequest | None:
        """Sitemaps are read once each (an index that lists itself does not loop), whatever the patterns say."""
        uid = url_id(url)
        if uid in self.state:
            return None
        self.state[uid] = self._pack(PENDING, "sitemap", via, sf.config.name, None)
        self.detailed[uid] = UrlState(sf.config.name, via, found_on, None, "sitemap")
        return NewRequest(url, sf.scope.to_fetch(url), sf.config.name, via, found_on, None, "sitemap", 100)
