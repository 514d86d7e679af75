"""The recorder: turns what the crawl fetched into rows, and decides what to fetch next.

It runs in the store process (see ``crawler/worker.py``) so that parsing and
writing use the second core while Scrapy downloads on the first; it can also
run inside the Scrapy process (``DECAY_WORKER=0``).  Either way it is plain
Python: give it fetches and bodies, get back rows in the staging file and
:class:`~foundation.facts.NewRequest` objects.
"""
from __future__ import annotations

import hashlib
import json
import operator
import os
import time
import zlib
from collections import deque
from dataclasses import dataclass
from pathlib import Path

from foundation.reading.page import PageFacts, extract_html
from crawler.feeds import parse_feed
from crawler.frontier import EXTERNAL_CHECK_KINDS, PRIORITY_EXTERNAL, Frontier, SiteFrontier, fetch_kind
from foundation.facts import Fetch, NewRequest
from crawler.store import MainDatabase, Staging, staging_path, utcnow
from foundation.config import Config
from foundation.schema import TABLES_BY_NAME
from foundation.testing import PAUSE_AT, pause_point
from foundation.urls import invalid_host, netloc_of, normalize, resolve, url_id
from crawler.revalidate import Candidate

MAX_SITEMAP_BYTES = 50 * 1024 * 1024   # the sitemap protocol's own limit, uncompressed
MAX_ROBOTS_CHARS = 500_000
HEADER_COLUMNS = {
    "last-modified": "last_modified", "etag": "etag", "cache-control": "cache_control",
    "x-robots-tag": "x_robots_tag", "content-language": "content_language", "date": "server_date",
}
PAGE_COLUMNS = TABLES_BY_NAME["pages"].column_names
# A page that answered 304 Not Modified: its row holds tonight's facts in these columns; the others are copied from
# the crawl that last downloaded it (Staging.carry_over, when the crawl finishes); header columns take tonight's
# value when the 304 sent one.
TONIGHT_COLUMNS = frozenset((
    "url_id", "url", "site", "kind", "requested_url", "found_via", "found_on", "depth", "fetched_at", "response_ms",
    "method", "crawl_id", "not_modified", "outcome", "headers", "facts_crawl_id"))
CARRIED_COLUMNS = [c for c in PAGE_COLUMNS if c not in TONIGHT_COLUMNS and c not in HEADER_COLUMNS.values()]
_page_tuple = operator.itemgetter(*PAGE_COLUMNS)   # a row dict -> its values in column order
_RESOLVE_CACHE_MAX = 200_000


def outcome_of(f: Fetch) -> str:
    if f.outcome:
        return f.outcome
    if f.status is None:
        return "failed"
    if 200 <= f.status < 300:
        return "ok"
    if f.status == 304:
        return "not_modified"
    if 300 <= f.status < 400 and f.headers.get("location"):
        return "redirect"
    return "http_error"


def looks_like_html(content_type: str | None, body: bytes) -> bool:
    if content_type:
        ct = content_type.lower()
        if "html" in ct:
            return True
        if not ct.startswith(("text/plain", "application/octet-stream")):
            return False
    head = body[:512].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html")) or b"<html" in head


def gunzip_limited(data: bytes, limit: int = MAX_SITEMAP_BYTES) -> bytes:
    """Scrapy's gunzip (tolerant of a truncated end or a bad checksum), stopped at ``limit`` bytes decompressed."""
    from scrapy.utils.gz import gunzip

    try:
        return gunzip(data, max_size=limit)
    except ValueError as e:   # scrapy.utils._compression._DecompressionMaxSizeExceeded
        if "exceeded" in str(e):
            raise ValueError(f"larger than {limit // (1024 * 1024)} MB once decompressed (the sitemap protocol's limit)") from None
        raise


@dataclass
class ExternalHost:
    """Another website the crawl checks links to: its robots.txt, or why it does not answer."""

    pending: list[NewRequest] | None = None   # URLs waiting for the robots.txt answer (None once it came)
    robots: object = None                      # a Protego parser when the host has a robots.txt
    error: str | None = None                   # the host does not answer at all (DNS, refused, timeout)


class Recorder:
    def __init__(self, config: Config, db_path: str | Path, pid: int | None = None, sites: list[str] | None = None,
                 full: bool = False) -> None:
        self.config = config
        self.db_path = Path(db_path)
        self.site_names = sites or [s.name for s in config.sites]
        self.sites_cfg = [s for s in config.sites if s.name in self.site_names]
        self.frontier = Frontier(self.sites_cfg, external_per_host=config.crawl.external_links_per_host)
        self.main = MainDatabase(self.db_path)
        # incremental re-crawls: per site, full or incremental (and why); for incremental sites, the validators
        # (ETag, Last-Modified) of every page the database holds the facts of, sent as conditional request headers
        self.modes = self.main.crawl_modes(self.sites_cfg, full=full, every=config.crawl.full_recrawl_every)
        self.validators: dict[int, tuple[str | None, str | None]] = {}
        self._known: dict[str, list[tuple]] = {}   # site -> (url id, URL, ETag, Last-Modified, depth): for the pass
        self._known_urls: dict[int, str] = {}      # url id -> URL of those pages: the links of 304 pages lead to them
        for site, (mode, _why) in self.modes.items():
            if mode == "incremental":
                rows = self.main.validators(site)
                self._known[site] = rows
                self.validators.update((uid, (etag, lm)) for uid, _url, etag, lm, _depth in rows)
                self._known_urls.update((uid, url) for uid, url, _etag, _lm, _depth in rows)
        # the re-validation pass (crawler/revalidate.py): the pages it asks about, what it answered so far (url id ->
        # (fetched_at, ms, headers) for a 304, None for anything else: crawled as usual), and the discovered pages
        # among them, in discovery order (breadth first): each waits there until its answer has come
        self._asked: set[int] = set()
        self._answers: dict[int, tuple | None] = {}
        self._queue: deque[NewRequest] = deque()
        self._pass_done = True
        self._draining = False
        self.revalidation: dict | None = None             # what the re-validation pass did, for the summary
        self.not_modified: dict[str, int] = {s.name: 0 for s in self.sites_cfg}
        self._internal: dict[str, dict[int, bool]] = {}   # site -> url id -> internal, for the links of 304 pages
        self._unfollowed: set[int] = set()                # link targets of 304 pages that are not web URLs
        self._settled: set[str] = set()                   # see _follow_stored_links
        self._settled_depth = 0
        cfg_bytes = config.path.read_bytes() if config.path.exists() else b""
        self.crawl_id = self.main.begin_crawl(
            str(config.path), hashlib.blake2b(cfg_bytes, digest_size=8).hexdigest(), self.site_names, pid or os.getpid())
        self.staging = Staging(staging_path(self.db_path, self.crawl_id))
        self.started = time.monotonic()
        self.last_progress = self.started
        self.store_html = config.output.store_html
        self._targets: dict[tuple[str, str, str], tuple[str, int, bool] | None] = {}
        self.answered: dict[str, bool] = {s.name: False for s in self.sites_cfg}   # any HTTP answer from the site
        self.external_hosts: dict[str, ExternalHost] = {}
        self.start_errors: dict[str, str] = {}
        self._hops: dict[int, int] = {}    # url id -> redirects that led to it (a chain's length so far)
        self.sitemaps_read: dict[str, int] = {s.name: 0 for s in self.sites_cfg}      # requested, per site
        self.sitemaps_skipped: dict[str, int] = {s.name: 0 for s in self.sites_cfg}   # over max_sitemaps / _depth
        self.bytes = 0
        self.finished = False
        # the outcome of every URL recorded so far (url id -> (site, outcome)) and their counts per site: the
        # live progress and the final summary count the same rows the same way (site_counts)
        self._outcomes: dict[int, tuple[str, str]] = {}
        self._outcome_n: dict[str, dict[str, int]] = {}

    # ------------------------------------------------------------------ helpers
    def _site(self, name: str) -> SiteFrontier:
        return self.frontier.sites[name]

    def _row_for(self, f: Fetch) -> dict:
        st = self.frontier.mark_fetched(f.url)
        if st is not None:
            f.found_via, f.found_on, f.depth = st.via, st.found_on, st.depth
        h = f.headers
        row = dict.fromkeys(PAGE_COLUMNS)
        uid = url_id(f.url)
        row.update(
            url_id=uid, url=f.url, site=f.site, kind=f.kind, requested_url=f.requested_url, found_via=f.found_via,
            found_on=f.found_on, depth=f.depth, outcome=outcome_of(f), status=f.status, error=f.error, method=f.method,
            content_type=h.get("content-type"), size=f.size, response_ms=f.response_ms, fetched_at=f.fetched_at,
            headers=json.dumps(h, ensure_ascii=False) if h else None,
            first_crawl_id=self.crawl_id, first_seen_at=f.fetched_at, crawl_id=self.crawl_id,
            not_modified=0, facts_crawl_id=self.crawl_id,
        )
        for k, col in HEADER_COLUMNS.items():
            if k in h:
                row[col] = h[k]
        self.staging.add_url(uid, f.url, f.site if f.kind != "external" else None, self.crawl_id)
        if f.status is not None and f.kind != "external":
            self.answered[f.site] = True
        elif f.found_via == "start":
            where = f.url if f.requested_url in (None, f.url) else f"{f.url} (requested as {f.requested_url})"
            self.start_errors.setdefault(f.site, f"{where}: {f.error}")
        return row

    def _write_page(self, row: dict) -> None:
        self.staging.add("pages", _page_tuple(row))
        uid, now_ = row["url_id"], (row["site"], row["outcome"])
        before = self._outcomes.get(uid)
        if before != now_:
            if before is not None:
                self._outcome_n[before[0]][before[1]] -= 1
            self._outcomes[uid] = now_
            per_site = self._outcome_n.setdefault(now_[0], {})
            per_site[now_[1]] = per_site.get(now_[1], 0) + 1
        self._progress()

    def _progress(self) -> None:
        self.staging.maybe_flush()
        now = time.monotonic()
        if now - self.last_progress >= 10:
            self.last_progress = now
            self.main.progress(self.crawl_id, fetched=self.frontier.fetched, duration_s=round(now - self.started, 1))

    def _target(self, scope, base: str, href: str) -> tuple[str, int, bool, str | None] | None:
        """(normalised production URL, its id, internal?, the twin as written) for a link; None for links that are not URLs.

        A link to a twin of a page of the site (the other scheme, a trailing index.html: ``SiteScope.page_url``)
        leads to the page itself; the fourth value is then the URL as written (else None).

        Cached per distinct (site, base directory, href): most links on a site are the same few hundred
        template links, resolved once instead of once per page.
        """
        if href.startswith(("http://", "https://", "HTTP")):
            bk = ""
        elif href.startswith("/") and not href.startswith("//"):
            bk = base[: base.find("/", base.find("//") + 2)]   # the origin: resolve() makes plain root paths cheap
        elif href.startswith("?"):
            bk = base.split("?", 1)[0]
        else:
            bk = base[: base.rfind("/") + 1]
        key = (scope.name, bk, href)
        try:
            return self._targets[key]
        except KeyError:
            pass
        if len(self._targets) > _RESOLVE_CACHE_MAX:
            self._targets.clear()
        t = resolve(base, href)
        if t is not None:
            t = scope.to_canonical(t)
            written = None
            internal = scope.is_internal(t)
            if internal:
                page, twin = scope.page_url(t)
                if twin is not None:
                    t, written = page, t
            res: tuple[str, int, bool, str | None] | None = (t, url_id(t), internal, written)
        else:
            low = href.strip()[:7].lower()
            res = (href.strip(), url_id(href.strip()), False, None) if low.startswith(("mailto:", "tel:")) else None
        self._targets[key] = res
        return res

    def _skipped(self, sf: SiteFrontier, url: str, reason: str, via: str, found_on: str | None, depth: int | None, kind: str) -> None:
        row = dict.fromkeys(PAGE_COLUMNS)
        uid = url_id(url)
        row.update(url_id=uid, url=url, site=sf.config.name, kind=kind, requested_url=None, found_via=via, found_on=found_on,
                   depth=depth, outcome="skipped", error=reason, first_crawl_id=self.crawl_id, crawl_id=self.crawl_id)
        self.staging.add_url(uid, url, sf.config.name if kind != "external" else None, self.crawl_id)
        self._write_page(row)

    def _discover_external(self, sf: SiteFrontier, url: str, found_on: str, uid: int, out: list[NewRequest]) -> None:
        """Check a link to another website, politely: that host's robots.txt is read once per crawl first.

        A host that does not answer at all (DNS, refused) is asked nothing more: each of its URLs is
        recorded with that reason.  A URL its robots.txt disallows is recorded as blocked, not requested.
        """
        d = self.frontier.discover_external(sf, url, found_on, uid)
        if d is None or d.request is None:
            return
        bad_host = invalid_host(url)
        if bad_host:   # e.g. an internationalised name that cannot be written in punycode: an error row, not a request
            self._external_row(d.request, "failed", bad_host)
            return
        host = netloc_of(url)
        state = self.external_hosts.get(host)
        if state is None:
            self.external_hosts[host] = ExternalHost(pending=[d.request])
            robots = url[: url.find("/", url.find("//") + 2)] + "/robots.txt"
            out.append(NewRequest(robots, robots, sf.config.name, "link", found_on, None, "external_robots", PRIORITY_EXTERNAL + 1))
        elif state.pending is not None:
            state.pending.append(d.request)
        else:
            self._release_external(state, d.request, out)

    def _release_external(self, state: "ExternalHost", nr: NewRequest, out: list[NewRequest]) -> None:
        if state.error is not None:
            self._external_row(nr, "failed", state.error)
        elif state.robots is not None and not state.robots.can_fetch(nr.url, self.config.crawl.robots_user_agent):
            self._external_row(nr, "blocked", "disallowed by the other site's robots.txt")
        else:
            out.append(nr)

    def _external_row(self, nr: NewRequest, outcome: str, error: str) -> None:
        self.frontier.mark_fetched(nr.url)
        row = dict.fromkeys(PAGE_COLUMNS)
        row.update(url_id=url_id(nr.url), url=nr.url, site=nr.site, kind="external", requested_url=None, found_via="link",
                   found_on=nr.found_on, outcome=outcome, error=error, fetched_at=utcnow(),
                   first_crawl_id=self.crawl_id, crawl_id=self.crawl_id)
        self._write_page(row)

    def external_robots(self, f: Fetch, body: bytes | None = None) -> list[NewRequest]:
        """The robots.txt of another website (or why it could not be read): release the URLs waiting for it."""
        from protego import Protego

        state = self.external_hosts.get(netloc_of(f.url))
        if state is None or state.pending is None:
            return []
        if f.status is None:
            state.error = f.error or "no answer"
        elif 200 <= f.status < 300 and body:
            try:
                state.robots = Protego.parse(body.decode("utf-8", "replace")[:MAX_ROBOTS_CHARS])
            except Exception:
                state.robots = None  # an unreadable robots.txt allows everything, as for crawlers in general
        pending, state.pending = state.pending, None
        out: list[NewRequest] = []
        for nr in pending:
            self._release_external(state, nr, out)
        return out

    def _discover(self, sf: SiteFrontier, url: str, via: str, found_on: str | None, depth: int | None, kind: str,
                  out: list[NewRequest], uid: int | None = None) -> None:
        d = self.frontier.discover(sf, url, via, found_on, depth, kind, uid)
        if d is None:
            return
        if d.request is not None:
            if self.validators and kind == "page":
                if uid is None:
                    uid = url_id(url)
                d.request.validators = self.validators.get(uid)
                if uid in self._asked:
                    self._queue.append(d.request)
                    self._drain(out)
                    return
            out.append(d.request)
        elif d.skipped is not None:
            self._skipped(sf, url, d.skipped, via, found_on, depth, kind)

    def _drain(self, out: list[NewRequest]) -> None:
        """Settle the discovered pages the re-validation pass asks about, in discovery order (breadth first).

        A page answered 304 is recorded now, without a request (``not_modified_page``), and its stored links
        lead to more pages; any other answer sends it to the crawl.  The queue stops at the first page whose
        answer has not come yet, so the pages are settled in the order a crawl would have fetched them, and
        depths come out the same, however the answers arrive.
        """
        if self._draining:
            return   # called again from inside (the links of a page being carried over): the loop below goes on
        self._draining = True
        try:
            q = self._queue
            while q:
                uid = url_id(q[0].url)
                if uid not in self._answers and not self._pass_done:
                    break
                nr = q.popleft()
                answer = self._answers.pop(uid, None)
                if answer is None:
                    out.append(nr)   # changed, failed, or never asked: the crawl requests it (conditionally)
                    continue
                fetched_at, ms, headers = answer
                f = Fetch(url=nr.url, site=nr.site, requested_url=nr.fetch_url, found_via=nr.found_via,
                          found_on=nr.found_on, depth=nr.depth, kind="page", method="HEAD", status=304,
                          headers=headers or {}, response_ms=ms, fetched_at=fetched_at)
                out.extend(self.page(f, b""))
        finally:
            self._draining = False

    # ------------------------------------------------------------------ the re-validation pass
    def revalidation_plan(self) -> list:
        """The pages to re-validate before the crawl (crawler/revalidate.py), if the pass is on.

        In the order of their depth in the last crawl, so that answers come roughly in the order the
        pages are discovered again.
        """

        if not self.config.crawl.revalidation_pass:
            self._known = {}
            return []
        plan = []
        for site, rows in self._known.items():
            scope = self._site(site).scope
            plan += [Candidate(uid, site, scope.to_fetch(url), etag, lm) for uid, url, etag, lm, _depth in rows]
        self._asked = {c.url_id for c in plan}
        self._pass_done = not plan
        self._known = {}   # the plan holds what it had; no need to keep both in memory on a large site
        return plan

    def revalidated(self, answers: list[tuple]) -> list[NewRequest]:
        """Answers of the pass, as they come: (url id, (fetched_at, response ms, headers)) for a 304, (url id,
        None) for anything else.  Returns what the crawl should request now."""
        for uid, answer in answers:
            if uid in self._asked:
                self._answers[uid] = answer
        out: list[NewRequest] = []
        self._drain(out)
        return out

    def revalidation_done(self, report: dict) -> list[NewRequest]:
        """The pass is over: the pages it did not answer (a host it left to the crawl) are crawled as usual."""
        self.revalidation = report
        self._pass_done = True
        out: list[NewRequest] = []
        self._drain(out)   # answers of pages not discovered yet stay: a page the crawl downloads may link to them
        return out

    # ------------------------------------------------------------------ messages
    def start(self) -> list[NewRequest]:
        out: list[NewRequest] = []
        for sf in self.frontier.sites.values():
            for u in sf.scope.canonical_start_urls:
                self._discover(sf, u, "start", None, 0, "page", out)
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
                    self._sitemap_request(sf, sf.scope.to_canonical(n), "config", None, 0, out)
        return out

    def failure(self, f: Fetch) -> list[NewRequest]:
        """A request with no usable answer (or blocked by robots.txt)."""
        if f.kind == "external_robots":
            return self.external_robots(f)
        if f.kind == "sitemap":
            self._sitemap_row(f, None, None, 0, f.error)
            return []
        if f.kind == "robots":
            self._robots_row(f, None, [])
            return self._guess_sitemap(f) if not self._site(f.site).config.sitemaps else []
        if f.kind == "feed":
            self._feed_row(f, None, f.error)
        row = self._row_for(f)
        self._write_page(row)
        return []

    def resource(self, f: Fetch) -> list[NewRequest]:
        """A HEAD (or headers-only GET) answer for a non-HTML resource."""
        row = self._row_for(f)
        out: list[NewRequest] = []
        if row["outcome"] == "redirect":
            self._redirect(f, row, out)
        if f.size is None and "content-length" in f.headers:
            try:
                row["size"] = int(f.headers["content-length"])
            except ValueError:
                pass
        row["is_html"] = 0
        self._write_page(row)
        return out

    def feed(self, f: Fetch, body: bytes) -> list[NewRequest]:
        """A feed the site announces: its entries, with their dates as written (evidence for the pages they link)."""
        row = self._row_for(f)
        out: list[NewRequest] = []
        row["is_html"] = 0
        row["size"] = len(body)
        self.bytes += len(body)
        if row["outcome"] == "redirect":
            self._redirect(f, row, out)
            self._write_page(row)
            return out
        if row["outcome"] != "ok":
            self._feed_row(f, None, f"HTTP {f.status}")
            self._write_page(row)
            return out
        facts = parse_feed(body, f.headers.get("content-type"))
        sf = self._site(f.site)
        fid = row["url_id"]
        entries = []
        for i, e in enumerate(facts.entries):
            tgt = self._target(sf.scope, f.url, e.link) if e.link else None
            if tgt is None or not tgt[0].startswith("http"):
                continue
            self.staging.add_url(tgt[1], tgt[0], f.site if tgt[2] else None, self.crawl_id)
            entries.append((fid, i, tgt[1], tgt[0], f.site, e.title, e.published, e.updated, self.crawl_id))
        self.staging.extend("feed_entries", entries)
        self._feed_row(f, facts, facts.error)
        if facts.error:
            row["error"] = facts.error
        self._write_page(row)
        return out

    def _feed_row(self, f: Fetch, facts, error: str | None) -> None:
        st = self.frontier.get(f.url)
        self.staging.add("feeds", (url_id(f.url), f.url, f.site, st.found_on if st else f.found_on, f.status, error,
                                   facts.format if facts else None, facts.title if facts else None,
                                   len(facts.entries) if facts else 0, f.fetched_at, self.crawl_id))

    def _redirect(self, f: Fetch, row: dict, out: list[NewRequest]) -> None:
        sf = self._site(f.site)
        target = self._target(sf.scope, f.url, f.headers["location"])
        if target is not None and target[0].startswith("http"):
            loc, lid, internal, written = target
            if written is not None and loc == f.url:
                # the server sends this URL to its own twin (/x/ to /x/index.html, http:// to https://): it knows
                # best, the twin is the page; the scheme a start URL is sent to is the site's scheme from now on
                if f.found_via == "start" and loc.split("://", 1)[1] == written.split("://", 1)[1] \
                        and sf.scope.prefer_scheme(written):
                    self._targets.clear()
                loc, lid = written, url_id(written)
            row["location"] = loc
            self.staging.add_url(lid, loc, f.site if internal else None, self.crawl_id)
            follow = (internal and f.kind != "external") or (f.kind == "external" and not internal)
            if follow and self._chain_cut(row, loc):
                return
            if internal and f.kind != "external":
                self._discover(sf, loc, "redirect", f.url, f.depth, f.kind, out, lid)
            elif f.kind == "external" and not internal:
                self._discover_external(sf, loc, f.url, lid, out)
        else:
            row["location"] = f.headers["location"][:2000]

    def _chain_cut(self, row: dict, target: str) -> bool:
        """True (and the reason on the row) when following this redirect would make its chain longer than
        max_redirects: the target is not requested.  Otherwise the target remembers how many redirects led to it."""
        hops = self._hops.get(row["url_id"], 0) + 1
        limit = self.config.crawl.max_redirects
        if hops > limit:
            row["error"] = (f"redirect chain longer than {limit} hops: {target[:300]} was not requested "
                            f"(max_redirects = {limit})")
            return True
        self._hops.setdefault(url_id(target), hops)
        return False

    def page(self, f: Fetch, body: bytes) -> list[NewRequest]:
        """A full answer to a page request: record it, and return the links worth following."""
        if PAUSE_AT == "crawl" and self.frontier.fetched >= 3:
            pause_point("crawl")  # test-only (foundation/testing.py): killed in the middle of a crawl
        if f.status == 304:
            try:
                return self.not_modified_page(f)
            except Exception as e:  # a bug of ours must not lose the page: record it, and the crawl goes on
                row = self._row_for(f)
                row.update(outcome="failed", is_html=0,
                           error=f"content-decay could not carry this page's facts over (304): {type(e).__name__}: {e}"[:500])
                self._write_page(row)
                return []
        row = self._row_for(f)
        out: list[NewRequest] = []
        self.bytes += len(body)
        if row["size"] is None:
            row["size"] = len(body)
        if row["outcome"] == "redirect":
            self._redirect(f, row, out)
            self._write_page(row)
            return out
        ctype = f.headers.get("content-type")
        if f.truncated or not body or not looks_like_html(ctype, body):
            row["is_html"] = 0
            if f.truncated and "content-length" in f.headers:
                try:
                    row["size"] = int(f.headers["content-length"])
                except ValueError:
                    pass
            self._write_page(row)
            return out
        if b"\x00" in body[:2048] and not body.startswith((b"\xff\xfe", b"\xfe\xff")):
            row.update(is_html=0, outcome="failed", error="invalid content: binary data where HTML was announced")
            self._write_page(row)
            return out
        try:
            facts = extract_html(body, ctype, f.url, max_depth=self.config.crawl.max_html_depth)
        except Exception as e:  # a bug of ours must not stop the crawl: record it on the page
            row.update(is_html=0, error=f"content-decay could not read this page: {type(e).__name__}: {e}"[:500])
            self._write_page(row)
            return out
        row["is_html"] = 1 if facts.error is None else 0
        row["encoding"] = facts.encoding or None
        if facts.error:
            row["error"] = facts.error
            self._write_page(row)
            return out
        bh = hashlib.blake2b(body, digest_size=12).hexdigest()
        row["body_hash"] = bh
        if facts.note:
            # read without its structure (too deeply nested): the HTML is not kept either, so that analysis
            # (rules that parse the stored HTML) does not pay what the crawl avoided
            row["error"] = facts.note + "; its HTML is not stored"
        elif self.store_html:
            self.staging.add("bodies", (bh, len(body), zlib.compress(body, 1)))
        self._page_facts(f, row, facts, out)
        self._write_page(row)
        return out

    def not_modified_page(self, f: Fetch) -> list[NewRequest]:
        """304 Not Modified to a conditional request: the page is as the database has it.

        Nothing is parsed.  The row records tonight's route, fetch time and headers; when the crawl finishes,
        its other columns are copied from the crawl that last downloaded the page (``Staging.carry_over``),
        and the merge leaves its links, texts and date signals in place (``not_modified = 1``).  Its links
        are followed as if it had been parsed, from the database.
        """
        row = self._row_for(f)
        out: list[NewRequest] = []
        uid = row["url_id"]
        if uid not in self.validators:
            # a 304 to a request that was not conditional: nothing to carry over
            row.update(outcome="http_error", error="304 Not Modified to a request without validators")
            self._write_page(row)
            return out
        h = f.headers
        row.update(outcome="ok", not_modified=1, facts_crawl_id=None, first_crawl_id=None, first_seen_at=None,
                   content_type=None, size=None, status=None, error=None)
        if "content-length" in h:   # of the 304, not of the page
            row["headers"] = json.dumps({k: v for k, v in h.items() if k != "content-length"}, ensure_ascii=False)
        for col in HEADER_COLUMNS.values():
            row[col] = row[col] or None
        self.not_modified[f.site] = self.not_modified.get(f.site, 0) + 1
        self._follow_stored_links(f, uid, out)
        self._write_page(row)
        return out

    def _follow_stored_links(self, f: Fetch, uid: int, out: list[NewRequest]) -> None:
        """Follow the links the database holds for a page, as _page_facts follows those of a parsed one.

        Nearly every target is already known to the frontier by a route at least as short: those are passed
        over on their id alone (what Frontier.discover would decide anyway), and remembered as *settled*: for
        pages at least as deep as this one nothing can change for them.  Pages are carried over breadth first,
        so the set stays valid; a shallower page (rare: one the crawl downloaded) empties it.
        """
        targets, kinds = self.main.previous_link_targets(uid)
        if not targets:
            return
        sf = self._site(f.site)
        scope = sf.scope
        depth = None if f.depth is None else f.depth + 1
        settled = self._settled
        if f.depth is not None:
            if f.depth < self._settled_depth:
                settled.clear()
            self._settled_depth = f.depth
        check_external = sf.config.check_external_links
        internal_of = self._internal.setdefault(f.site, {})
        state = self.frontier.state
        unfollowed = self._unfollowed
        known_urls = self._known_urls
        kinds = kinds.split(",")
        for i, ts in enumerate(targets.split(",")):
            if ts in settled:
                continue
            tid = int(ts)
            st = state.get(tid)
            if st is not None:
                if st.kind == "external" or st.status == "skipped" or (
                        st.status != "skipped_depth" and depth is not None and st.depth is not None and st.depth <= depth):
                    settled.add(ts)
                    continue
                if depth is None:
                    continue   # a route of unknown length changes nothing for a known URL
            elif tid in unfollowed:
                continue
            t = known_urls.get(tid) or self.main.url_of(tid)
            if t is None or not t.startswith(("http://", "https://")):   # mailto:, tel:, javascript: ... are not followed
                unfollowed.add(tid)
                continue
            internal = internal_of.get(tid)
            if internal is None:
                if len(internal_of) > _RESOLVE_CACHE_MAX:
                    internal_of.clear()
                internal = internal_of[tid] = scope.is_internal(t)
            kind = kinds[i]
            rel = anchor = None
            if kind == "link":   # only <link> needs its rel and type (stylesheet, canonical, a feed ...)
                rel, anchor = self.main.previous_link(uid, tid)
            if internal:
                k = fetch_kind(kind, rel, t, anchor if kind == "link" else None)
                if k is not None:
                    self._discover(sf, t, "link", f.url, depth, k, out, tid)
            elif check_external and (kind in EXTERNAL_CHECK_KINDS or (kind == "link" and rel == "stylesheet")):
                self._discover_external(sf, t, f.url, tid, out)

    def _page_facts(self, f: Fetch, row: dict, facts: PageFacts, out: list[NewRequest]) -> None:
        sf = self._site(f.site)
        scope = sf.scope
        src = row["url_id"]
        base = f.url
        if facts.base_href:
            b = resolve(f.url, facts.base_href)
            if b:
                base = scope.to_canonical(b)
        row.update(
            title=facts.title, meta_description=facts.meta_description, meta_robots=facts.meta_robots, lang=facts.lang,
            h1=facts.h1, h1_count=facts.h1_count, generator=facts.generator, word_count=facts.word_count,
            text_hash=facts.text_hash,
        )
        if facts.canonical:
            c = self._target(scope, base, facts.canonical)
            row["canonical"] = c[0] if c else facts.canonical[:2000]
        if facts.refresh:
            r = self._target(scope, base, facts.refresh)
            row["refresh_url"] = r[0] if r else facts.refresh[:2000]
        depth = None if f.depth is None else f.depth + 1
        site = f.site
        crawl_id = self.crawl_id
        add_url = self.staging.add_url
        links = []
        n_internal = 0
        target_of = self._target
        check_external = sf.config.check_external_links
        for ln in facts.links:
            tgt = target_of(scope, base, ln.href)
            if tgt is None:
                continue
            t, tid, internal, written = tgt
            add_url(tid, t, site if internal else None, crawl_id)
            links.append((src, ln.ordinal, tid, ln.kind, ln.rel, ln.anchor, ln.position, int(internal), int(ln.nofollow),
                          int(ln.new_window), written))
            if internal:
                n_internal += 1
                kind = fetch_kind(ln.kind, ln.rel, t, ln.anchor if ln.kind == "link" else None)
                if kind is not None:
                    self._discover(sf, t, "link", f.url, depth, kind, out, tid)
            elif check_external and t.startswith("http") and (
                    ln.kind in EXTERNAL_CHECK_KINDS or (ln.kind == "link" and ln.rel == "stylesheet")):
                self._discover_external(sf, t, f.url, tid, out)
        row["links_out"] = len(links)
        row["links_internal"] = n_internal
        st = self.staging
        if links:
            st.extend("links", links)
        if facts.signals:
            st.extend("date_signals", [(src, i, s.source, s.name, s.value, s.context) for i, s in enumerate(facts.signals)])
        tx = facts.texts
        if tx:
            st.add("page_texts", (src, tx.get("main"), tx.get("nav"), tx.get("header"), tx.get("footer"), tx.get("aside"), tx.get("body")))

    # ------------------------------------------------------------------ robots and sitemaps
    def robots(self, f: Fetch, body: bytes) -> list[NewRequest]:
        sf = self._site(f.site)
        text = body.decode("utf-8", "replace")[:MAX_ROBOTS_CHARS] if f.status and 200 <= f.status < 300 else ""
        sitemaps = []
        if f.status is not None:
            self.answered[f.site] = True
        if text:
            from scrapy.utils.sitemap import sitemap_urls_from_robots

            # Scrapy's reader, with the robots.txt URL as the base: "Sitemap: /sitemaps/index.xml" is a sitemap too
            for sm in sitemap_urls_from_robots(text.encode("utf-8"), base_url=f.url):
                n = normalize(sm)
                if n and n not in sitemaps:
                    sitemaps.append(sf.scope.to_canonical(n))
        self._robots_row(f, text, sitemaps)
        if sf.config.sitemaps:
            return []
        if not sitemaps:
            return self._guess_sitemap(f)
        out: list[NewRequest] = []
        for sm in sitemaps:
            self._sitemap_request(sf, sm, "robots", f.url, 0, out)
        return out

    def _guess_sitemap(self, f: Fetch) -> list[NewRequest]:
        sf = self._site(f.site)
        guess = f.url.rsplit("/", 1)[0] + "/sitemap.xml"
        out: list[NewRequest] = []
        self._sitemap_request(sf, guess, "guess", None, 0, out)
        return out

    def _sitemap_request(self, sf: SiteFrontier, url: str, via: str, found_on: str | None, depth: int,
                         out: list[NewRequest]) -> None:
        """Request a sitemap (once per crawl), unless it is nested too deep or the site's sitemaps are used up:
        then it is recorded in the sitemaps table with the reason, not requested."""
        r = self.frontier.discover_sitemap(sf, url, via, found_on)
        if r is None:
            return
        st = self.frontier.get(url)
        st.depth = depth   # (for a sitemap: how many indexes lead to it)
        c = self.config.crawl
        site = sf.config.name
        reason = None
        if depth > c.max_sitemap_depth:
            reason = (f"not read: sitemap indexes nested more than {c.max_sitemap_depth} deep "
                      f"(this one is listed by an index {depth} levels down; max_sitemap_depth = {c.max_sitemap_depth})")
        elif self.sitemaps_read.get(site, 0) >= c.max_sitemaps:
            reason = f"not read: {c.max_sitemaps} sitemaps were already read for this site (max_sitemaps = {c.max_sitemaps})"
        if reason is None:
            self.sitemaps_read[site] = self.sitemaps_read.get(site, 0) + 1
            out.append(r)
            return
        st.status, st.reason = "skipped", reason
        self.sitemaps_skipped[site] = self.sitemaps_skipped.get(site, 0) + 1
        uid = url_id(url)
        self.staging.add_url(uid, url, site, self.crawl_id)
        self.staging.add("sitemaps", (uid, url, site, via, found_on, None, reason, None, None, 0, None, self.crawl_id))

    def _robots_row(self, f: Fetch, text: str | None, sitemaps: list[str]) -> None:
        self.staging.add("robots", (f.url, f.site, f.status, f.error, text, json.dumps(sitemaps), f.fetched_at, self.crawl_id))

    def _sitemap_row(self, f: Fetch, typ: str | None, gz: int | None, entries: int, error: str | None) -> None:
        st = self.frontier.get(f.url)
        uid = url_id(f.url)
        self.staging.add_url(uid, f.url, f.site, self.crawl_id)
        self.staging.add("sitemaps", (uid, f.url, f.site, st.via if st else f.found_via, st.found_on if st else None,
                                      f.status, error, typ, gz, entries, f.fetched_at, self.crawl_id))

    def sitemap(self, f: Fetch, body: bytes) -> list[NewRequest]:
        from scrapy.utils.sitemap import Sitemap

        sf = self._site(f.site)
        out: list[NewRequest] = []
        if f.status is not None:
            self.answered[f.site] = True
        if f.status is None or not 200 <= f.status < 300:
            if f.status and 300 <= f.status < 400 and f.headers.get("location"):
                tgt = self._target(sf.scope, f.url, f.headers["location"])
                if tgt and tgt[0].startswith("http"):
                    loc = tgt[3] or tgt[0]
                    cut = {"url_id": url_id(f.url), "error": None}
                    if self._chain_cut(cut, loc):
                        self._sitemap_row(f, None, None, 0, cut["error"])
                        return out
                    st = self.frontier.get(f.url)
                    self._sitemap_request(sf, loc, "redirect", f.url, (st.depth or 0) if st else 0, out)
            self._sitemap_row(f, None, None, 0, f.error or f"HTTP {f.status}")
            return out
        gz = 0
        if body[:2] == b"\x1f\x8b":
            gz = 1
            try:
                body = gunzip_limited(body)
            except Exception as e:   # OSError, EOFError, struct.error, zlib.error, or over the size limit
                self._sitemap_row(f, "invalid", gz, 0, f"cannot gunzip: {e}"[:300])
                return out
        try:
            sm = Sitemap(body)
            typ = sm.type
            items = list(sm) if typ in ("urlset", "sitemapindex") else []
        except Exception as e:  # lxml raises various errors on garbage
            self._sitemap_row(f, "invalid", gz, 0, f"not a sitemap: {e}"[:300])
            return out
        if typ not in ("urlset", "sitemapindex"):
            self._sitemap_row(f, "invalid", gz, 0, f"not a sitemap (root element: {typ or 'none'})")
            return out
        sid = url_id(f.url)
        st = self.frontier.get(f.url)
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
            self.staging.add_url(uid, n, f.site if internal else None, self.crawl_id)
            rows.append((sid, uid, n, f.site, _s(it.get("lastmod")), _s(it.get("changefreq")), _s(it.get("priority")),
                         int(typ == "sitemapindex"), self.crawl_id))
            if typ == "sitemapindex":
                self._sitemap_request(sf, n, "index", f.url, depth + 1, out)
            elif internal:
                self._discover(sf, n, "sitemap", f.url, None, fetch_kind("a", None, n), out, uid)
        self.staging.extend("sitemap_entries", rows)
        self._sitemap_row(f, typ, gz, len(rows), None)
        return out

    # ------------------------------------------------------------------ the end
    def _correct_discovery(self) -> None:
        """found_via, found_on and depth by the best route found during the whole crawl.

        Sitemap-only URLs are requested last, but a link to one can still be found after it was fetched
        (the queue held nothing else for a moment); its row then says how it is really reached.
        """
        rows = [(st.via, st.found_on, st.depth, uid) for uid, st in self.frontier.corrected.items()]
        if rows:
            self.staging.flush()
            with self.staging.db.conn as conn:
                conn.executemany("UPDATE pages SET found_via = ?, found_on = ?, depth = ? WHERE url_id = ?", rows)

    def _redirect_chains(self) -> None:
        """Fill final_url, final_status, redirect_hops and redirect_chain for every redirect of this crawl."""
        self.staging.flush()
        conn = self.staging.db.conn
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
                if len(chain) > 50:
                    break
            last = chain[-1]
            updates.append((len(chain) - 1, last[0], final_status, json.dumps(chain), url_id(url)))
        if updates:
            with conn:
                conn.executemany("UPDATE pages SET redirect_hops = ?, final_url = ?, final_status = ?, redirect_chain = ? WHERE url_id = ?", updates)

    def _revalidation_of(self, site: str) -> dict:
        hosts = [h for h in (self.revalidation or {}).get("hosts", []) if h["site"] == site]
        notes = [f"{h['host']}: {h['stopped']}" for h in hosts if h.get("stopped")]
        return {"revalidated": sum(h["requested"] for h in hosts), "revalidation_note": "; ".join(notes) or None}

    def stats(self) -> dict[str, dict[str, int]]:
        """The counts so far, per site, as the summary will say them (site_counts): for the live progress."""
        return {s.name: dict(site_counts(self._outcome_n.get(s.name, {})), not_modified=self.not_modified.get(s.name, 0))
                for s in self.sites_cfg}

    def finish(self, status: str = "complete", reason: str | None = None) -> dict:
        """End the crawl: complete (merge the facts), or interrupted/failed (keep the last good results)."""
        if self.finished:
            return {"crawl_id": self.crawl_id, "status": status}
        self.finished = True
        now = utcnow()
        duration = round(time.monotonic() - self.started, 2)
        if any(self.not_modified.values()):
            self.staging.carry_over(self.db_path, CARRIED_COLUMNS, list(HEADER_COLUMNS.values()))
        self._correct_discovery()
        self._redirect_chains()
        conn = self.staging.db.conn
        counts: dict[str, dict[str, int]] = {}
        for site, outcome, n in conn.execute("SELECT site, outcome, count(*) FROM pages GROUP BY site, outcome"):
            counts.setdefault(site, {})[outcome] = n
        pages_n = {site: n for site, n in conn.execute("SELECT site, count(*) FROM pages WHERE is_html = 1 GROUP BY site")}
        links_n = conn.execute("SELECT count(*) FROM links").fetchone()[0]
        links_carried = 0
        if any(self.not_modified.values()):   # the links of pages answered 304 stay in the main database: count them too
            conn.execute("ATTACH DATABASE ? AS m", [str(self.db_path)])
            try:
                links_carried = conn.execute(
                    "SELECT count(*) FROM m.links WHERE source_id IN "
                    "(SELECT url_id FROM main.pages WHERE not_modified = 1 AND outcome != 'failed')").fetchone()[0]
            finally:
                conn.execute("DETACH DATABASE m")
        entries_n = conn.execute("SELECT count(*) FROM sitemap_entries").fetchone()[0]
        site_rows = []
        merged = []
        for s in self.sites_cfg:
            c = counts.get(s.name, {})
            if status != "complete":
                sstatus, sreason = status, reason
            elif not self.answered.get(s.name):
                sstatus = "failed"
                sreason = "no answer from the site: " + self.start_errors.get(s.name, "no start URL could be fetched")
            else:
                sstatus, sreason = "complete", None
            if sstatus == "complete":
                merged.append(s.name)
            site_rows.append(dict(
                crawl_id=self.crawl_id, site=s.name, status=sstatus, reason=sreason,
                start_urls=json.dumps(self._site(s.name).scope.canonical_start_urls),
                **site_counts(c), truncated=int(self._site(s.name).truncated),
                mode=self.modes[s.name][0], mode_reason=self.modes[s.name][1], not_modified=self.not_modified.get(s.name, 0),
                **self._revalidation_of(s.name),
            ))
        if status == "complete" and not merged:
            status = "failed"
            reason = "no site could be crawled: " + "; ".join(f"{r['site']}: {r['reason']}" for r in site_rows)
        total = lambda key: sum(r[key] for r in site_rows)  # noqa: E731
        crawl_values = dict(
            finished_at=now, status=status, reason=reason, pid=None, duration_s=duration,
            fetched=total("fetched"), pages=sum(pages_n.values()), ok=total("ok"), redirects=total("redirects"),
            http_errors=total("http_errors"), failures=total("failures"), blocked=total("blocked"), skipped=total("skipped"),
            links=links_n + links_carried, sitemap_entries=entries_n, bytes=self.bytes,
            mode=_overall_mode(r["mode"] for r in site_rows), not_modified=total("not_modified"),
            revalidated=total("revalidated"),
        )
        self.staging.flush()
        self.staging.db.conn.close()
        t = time.monotonic()
        self.main.merge(self.staging.path, self.crawl_id, merged if status == "complete" else [], site_rows, crawl_values)
        merge_s = round(time.monotonic() - t, 2)
        self.staging.remove()
        return {"crawl_id": self.crawl_id, "status": status, "reason": reason, "sites": site_rows, "merge_s": merge_s,
                "links_carried": links_carried,
                "revalidation": self.revalidation, "sitemaps_skipped": sum(self.sitemaps_skipped.values()), **crawl_values}


def site_counts(c: dict[str, int]) -> dict[str, int]:
    """A site's figures from its URLs' outcomes (outcome -> count), as the crawls rows, the summary and the live
    progress say them: requested (every URL but those skipped or blocked by robots.txt), ok, redirects, HTTP errors,
    failures (no HTTP answer, or a URL that could not be requested: an invalid host name ...), blocked, skipped."""
    return dict(fetched=sum(v for k, v in c.items() if k not in ("skipped", "blocked")), ok=c.get("ok", 0),
                redirects=c.get("redirect", 0), http_errors=c.get("http_error", 0), failures=c.get("failed", 0),
                blocked=c.get("blocked", 0), skipped=c.get("skipped", 0))


def _overall_mode(modes) -> str:
    distinct = set(modes)
    return distinct.pop() if len(distinct) == 1 else ("mixed" if distinct else "full")


def _s(v) -> str | None:
    if v is None:
        return None
    v = str(v).strip()
    return v[:200] if v else None
