"""What every room of the recorder shares: the configuration, the frontier, the databases and the counters.

One :class:`Context` per crawl.  Besides the state, it holds the few things every room does the same way:
the row of a fetched URL (:meth:`Context.row_for`), writing it (:meth:`Context.write_page`, which also keeps
the outcome counts the live progress and the summary both read), a skipped URL's row, and link resolution
with its cache (:meth:`Context.target`).
"""
from __future__ import annotations

import hashlib
import json
import operator
import os
import time
from pathlib import Path

from crawler.frontier import Frontier, SiteFrontier
from crawler.store import MainDatabase, Staging, staging_path
from foundation.config import Config
from foundation.facts import Fetch
from foundation.schema import TABLES_BY_NAME
from foundation.testing import PAUSE_AT, pause_point
from foundation.urls import resolve, url_id

MAX_ROBOTS_CHARS = 500_000
HEADER_COLUMNS = {
    "last-modified": "last_modified", "etag": "etag", "cache-control": "cache_control",
    "x-robots-tag": "x_robots_tag", "content-language": "content_language", "date": "server_date",
}
PAGE_COLUMNS = TABLES_BY_NAME["pages"].column_names
page_tuple = operator.itemgetter(*PAGE_COLUMNS)   # a row dict -> its values in column order
RESOLVE_CACHE_MAX = 50_000   # resolved links cached (~450 bytes each), then the cache starts again


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


def header_size(row: dict, headers: dict) -> None:
    """The size a Content-Length header announces, on the row (when it is a number)."""
    try:
        row["size"] = int(headers["content-length"])
    except ValueError:
        pass


class Context:
    """The state the rooms share for one crawl; creating it begins the crawl (its crawls row, its staging file)."""

    def __init__(self, config: Config, db_path: str | Path, pid: int | None = None, sites: list[str] | None = None,
                 full: bool = False) -> None:
        self.config = config
        self.db_path = Path(db_path)
        self.site_names = sites or [s.name for s in config.sites]
        self.sites_cfg = [s for s in config.sites if s.name in self.site_names]
        self.frontier = Frontier(self.sites_cfg, external_per_host=config.crawl.external_links_per_host)
        self.main = MainDatabase(self.db_path)
        # incremental re-crawls: per site, full or incremental (and why); see crawler/record/carryover.py
        self.modes = self.main.crawl_modes(self.sites_cfg, full=full, every=config.crawl.full_recrawl_every)
        cfg_bytes = config.path.read_bytes() if config.path.exists() else b""
        self.crawl_id = self.main.begin_crawl(
            str(config.path), hashlib.blake2b(cfg_bytes, digest_size=8).hexdigest(), self.site_names, pid or os.getpid())
        self.staging = Staging(staging_path(self.db_path, self.crawl_id))
        self.started = time.monotonic()
        self.last_progress = self.started
        self.store_html = config.output.store_html
        self.targets: dict[tuple[str, str, str], tuple[str, int, bool, str | None] | None] = {}
        self.answered: dict[str, bool] = {s.name: False for s in self.sites_cfg}   # any HTTP answer from the site
        self.start_errors: dict[str, str] = {}
        self.bytes = 0
        self.finished = False
        # the outcome of every URL recorded so far and their counts per site: the live progress and the final
        # summary count the same rows the same way (finish.site_counts).  Per URL, the code of its (site, outcome)
        # is packed in the frontier's state (Frontier.swap_outcome); a URL the frontier never met has it here
        self.outcomes: dict[int, tuple[str, str]] = {}
        self.outcome_n: dict[str, dict[str, int]] = {}
        self.outcome_pairs: list[tuple[str, str] | None] = [None]          # code -> (site, outcome); 0: none
        self.outcome_codes: dict[tuple[str, str], int] = {}

    def site(self, name: str) -> SiteFrontier:
        return self.frontier.sites[name]

    def pause_if_testing(self) -> None:
        if PAUSE_AT == "crawl" and self.frontier.fetched >= 3:
            pause_point("crawl")  # test-only (foundation/testing.py): killed in the middle of a crawl

    # ------------------------------------------------------------------ rows
    def row_for(self, f: Fetch) -> dict:
        """The pages row of a fetched URL (not written yet: the room adds what it read, then write_page)."""
        uid = url_id(f.url)
        route = self.frontier.mark_fetched(f.url, f.found_on, uid)
        if route is not None:
            f.found_via, f.found_on, f.depth = route
        h = f.headers
        row = dict.fromkeys(PAGE_COLUMNS)
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

    def write_page(self, row: dict) -> None:
        self.staging.add("pages", page_tuple(row))
        uid, now_ = row["url_id"], (row["site"], row["outcome"])
        code = self.outcome_codes.get(now_)
        if code is None:
            code = self.outcome_codes[now_] = len(self.outcome_pairs)
            self.outcome_pairs.append(now_)
        before_code = self.frontier.swap_outcome(uid, code)
        if before_code is None:
            before = self.outcomes.get(uid)
            self.outcomes[uid] = now_
        elif before_code:
            before = self.outcome_pairs[before_code]
        else:   # the frontier's first row of this URL; one written before the frontier met it would be here
            before = self.outcomes.pop(uid, None) if self.outcomes else None
        if before != now_:
            if before is not None:
                self.outcome_n[before[0]][before[1]] -= 1
            per_site = self.outcome_n.setdefault(now_[0], {})
            per_site[now_[1]] = per_site.get(now_[1], 0) + 1
        self.progress()

    def progress(self) -> None:
        self.staging.maybe_flush()
        now = time.monotonic()
        if now - self.last_progress >= 10:
            self.last_progress = now
            self.main.progress(self.crawl_id, fetched=self.frontier.fetched, duration_s=round(now - self.started, 1))

    def skipped(self, sf: SiteFrontier, url: str, reason: str, via: str, found_on: str | None, depth: int | None,
                kind: str) -> None:
        """The row of a URL the frontier decided not to request (excluded, beyond max_depth or max_pages)."""
        row = dict.fromkeys(PAGE_COLUMNS)
        uid = url_id(url)
        row.update(url_id=uid, url=url, site=sf.config.name, kind=kind, requested_url=None, found_via=via, found_on=found_on,
                   depth=depth, outcome="skipped", error=reason, first_crawl_id=self.crawl_id, crawl_id=self.crawl_id)
        self.staging.add_url(uid, url, sf.config.name if kind != "external" else None, self.crawl_id)
        self.write_page(row)

    # ------------------------------------------------------------------ links
    def target(self, scope, base: str, href: str) -> tuple[str, int, bool, str | None] | None:
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
            return self.targets[key]
        except KeyError:
            pass
        if len(self.targets) > RESOLVE_CACHE_MAX:
            self.targets.clear()
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
        self.targets[key] = res
        return res
