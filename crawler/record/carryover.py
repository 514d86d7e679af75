"""Incremental re-crawls: conditional requests, 304 Not Modified, and the re-validation pass's answers.

For a site crawled incrementally, every page the database holds the facts of is requested with the
validators of its last download (``NewRequest.validators``; the headers are set by
``crawler/conditional.py``).  A 304 answer carries the previous facts over (:meth:`CarryOver.not_modified_page`)
and the page's stored links are followed as if it had been parsed (:meth:`CarryOver.follow_stored_links`).

Every internal URL found (a link, a sitemap entry, a redirect target) goes through :meth:`CarryOver.discover`:
the frontier decides, and a page the re-validation pass (``crawler/revalidate.py``) asks about waits here
until its answer comes, so that pages are settled in the order a crawl would fetch them.
"""
from __future__ import annotations

import json
import pickle
from collections import deque

from crawler.frontier import EXTERNAL_CHECK_KINDS, SKIPPED, SKIPPED_DEPTH, SiteFrontier, fetch_kind
from crawler.record.context import HEADER_COLUMNS, PAGE_COLUMNS, RESOLVE_CACHE_MAX, Context
from crawler.record.externals import ExternalChecks
from crawler.revalidate import Candidate
from foundation.facts import Fetch, NewRequest
from foundation.urls import url_id

# A page that answered 304 Not Modified: its row holds tonight's facts in these columns; the others are copied from
# the crawl that last downloaded it (Staging.carry_over, when the crawl finishes); header columns take tonight's
# value when the 304 sent one.
TONIGHT_COLUMNS = frozenset((
    "url_id", "url", "site", "kind", "requested_url", "found_via", "found_on", "depth", "fetched_at", "response_ms",
    "method", "crawl_id", "not_modified", "outcome", "headers", "facts_crawl_id"))
CARRIED_COLUMNS = [c for c in PAGE_COLUMNS if c not in TONIGHT_COLUMNS and c not in HEADER_COLUMNS.values()]
PLAN_BATCH = 5_000      # known pages per batch of the re-validation plan, streamed from the staging file
WAITING_MAX = 20_000    # answers of the pass kept in memory until their page is discovered; more go to the staging file


class CarryOver:
    def __init__(self, ctx: Context, externals: ExternalChecks) -> None:
        self.ctx = ctx
        self.externals = externals
        # for incremental sites, the validators (ETag, Last-Modified) of every page the database holds the facts of,
        # sent as conditional request headers: copied into the staging file as the crawl begins and looked up by id
        # there (Staging.known_page), so that memory does not grow with the known pages
        incremental = [site for site, (mode, _why) in ctx.modes.items() if mode == "incremental"]
        self.known_pages = ctx.staging.copy_known(ctx.main.path, incremental)
        self.plan_after = 0                                # the re-validation plan streamed so far (Staging.known_batch)
        # the re-validation pass: whether it asks about the known pages, what it answered so far (url id ->
        # (fetched_at, ms, headers) for a 304, None for anything else: crawled as usual) for the pages not discovered
        # yet (past WAITING_MAX, in the staging file), and the discovered pages among them, in discovery order
        # (breadth first): each waits there until its answer has come
        self.asking = False
        self.answers: dict[int, tuple | None] = {}
        self.spilled = 0                                   # answers in the staging file
        self.queue: deque[NewRequest] = deque()
        self.pass_done = True
        self.draining = False
        self.revalidation: dict | None = None             # what the re-validation pass did, for the summary
        self.not_modified: dict[str, int] = {s.name: 0 for s in ctx.sites_cfg}
        self.internal: dict[str, dict[int, bool]] = {}    # site -> url id -> internal, for the links of 304 pages
        self.unfollowed: set[int] = set()                 # link targets of 304 pages that are not web URLs
        self.settled: set[str] = set()                    # see follow_stored_links
        self.settled_depth = 0

    def validators(self, uid: int) -> tuple[str | None, str | None] | None:
        """(ETag, Last-Modified) of a known page of an incremental site, else None."""
        if not self.known_pages:
            return None
        row = self.ctx.staging.known_page(uid)
        return None if row is None else (row[1], row[2])

    # ------------------------------------------------------------------ discovery
    def discover(self, sf: SiteFrontier, url: str, via: str, found_on: str | None, depth: int | None, kind: str,
                 out: list[NewRequest], uid: int | None = None) -> None:
        """An internal URL found: the frontier decides; a page request gets its validators (incremental sites)."""
        d = self.ctx.frontier.discover(sf, url, via, found_on, depth, kind, uid)
        if d is None:
            return
        if d.request is not None:
            if self.known_pages and kind == "page":
                if uid is None:
                    uid = url_id(url)
                d.request.validators = v = self.validators(uid)
                if v is not None and self.asking:   # the re-validation pass asks about every known page
                    self.queue.append(d.request)
                    self.drain(out)
                    return
            out.append(d.request)
        elif d.skipped is not None:
            self.ctx.skipped(sf, url, d.skipped, via, found_on, depth, kind)

    def drain(self, out: list[NewRequest]) -> None:
        """Settle the discovered pages the re-validation pass asks about, in discovery order (breadth first).

        A page answered 304 is recorded now, without a request (``not_modified_page``), and its stored links
        lead to more pages; any other answer sends it to the crawl.  The queue stops at the first page whose
        answer has not come yet, so the pages are settled in the order a crawl would have fetched them, and
        depths come out the same, however the answers arrive.
        """
        if self.draining:
            return   # called again from inside (the links of a page being carried over): the loop below goes on
        self.draining = True
        try:
            q = self.queue
            while q:
                uid = url_id(q[0].url)
                found, answer = self.take_answer(uid)
                if not found and not self.pass_done:
                    break
                nr = q.popleft()
                if answer is None:
                    out.append(nr)   # changed, failed, or never asked: the crawl requests it (conditionally)
                    continue
                fetched_at, ms, headers = answer
                f = Fetch(url=nr.url, site=nr.site, requested_url=nr.fetch_url, found_via=nr.found_via,
                          found_on=nr.found_on, depth=nr.depth, kind="page", method="HEAD", status=304,
                          headers=headers or {}, response_ms=ms, fetched_at=fetched_at)
                self.ctx.pause_if_testing()
                out.extend(self.answer(f))
        finally:
            self.draining = False

    # ------------------------------------------------------------------ the re-validation pass
    def revalidation_plan(self) -> list[Candidate]:
        """The pages to re-validate before the crawl (crawler/revalidate.py), if the pass is on: the first batch
        (up to PLAN_BATCH pages); ``revalidation_batch`` gives the next ones, [] at the end.

        In the order of their depth in the last crawl, so that answers come roughly in the order the
        pages are discovered again.  Streamed from the staging file, so that neither process holds the plan.
        """
        if not self.ctx.config.crawl.revalidation_pass or not self.known_pages:
            return []
        self.asking = True
        self.pass_done = False
        self.plan_after = 0
        return self.revalidation_batch()

    def revalidation_batch(self) -> list[Candidate]:
        """The next batch of the plan (after ``revalidation_plan``); [] when it has all been given."""
        if not self.asking:
            return []
        rows = self.ctx.staging.known_batch(self.plan_after, PLAN_BATCH)
        if not rows:
            return []
        self.plan_after = rows[-1][0]
        scopes: dict[str, object] = {}
        out = []
        for _seq, uid, site, url, etag, lm in rows:
            scope = scopes.get(site)
            if scope is None:
                scope = scopes[site] = self.ctx.site(site).scope
            out.append(Candidate(uid, site, scope.to_fetch(url), etag, lm))
        return out

    def revalidated(self, answers: list[tuple]) -> list[NewRequest]:
        """Answers of the pass, as they come: (url id, (fetched_at, response ms, headers)) for a 304, (url id,
        None) for anything else.  Returns what the crawl should request now."""
        if self.asking:
            for uid, answer in answers:
                self.answers[uid] = answer
        out: list[NewRequest] = []
        self.drain(out)
        if len(self.answers) > WAITING_MAX:
            self.spill()
        return out

    def spill(self) -> None:
        """The answers still waiting for their page to be discovered, out of memory into the staging file."""
        self.ctx.staging.spill_answers({uid: None if a is None else pickle.dumps(a, protocol=5)
                                        for uid, a in self.answers.items()})
        self.spilled += len(self.answers)
        self.answers.clear()

    def take_answer(self, uid: int) -> tuple[bool, tuple | None]:
        """(found, answer) of the pass for a page, removed from the waiting answers."""
        try:
            return True, self.answers.pop(uid)
        except KeyError:
            pass
        if not self.spilled:
            return False, None
        found, blob = self.ctx.staging.take_answer(uid)
        if found:
            self.spilled -= 1
        return found, None if blob is None else pickle.loads(blob)

    def revalidation_done(self, report: dict) -> list[NewRequest]:
        """The pass is over: the pages it did not answer (a host it left to the crawl) are crawled as usual."""
        self.revalidation = report
        self.pass_done = True
        out: list[NewRequest] = []
        self.drain(out)   # answers of pages not discovered yet stay: a page the crawl downloads may link to them
        return out

    # ------------------------------------------------------------------ 304 Not Modified
    def answer(self, f: Fetch) -> list[NewRequest]:
        """A 304 answer to a page request (through Scrapy or the pass); a bug of ours must not lose the page."""
        try:
            return self.not_modified_page(f)
        except Exception as e:  # record it, and the crawl goes on
            ctx = self.ctx
            row = ctx.row_for(f)
            row.update(outcome="failed", is_html=0,
                       error=f"content-decay could not carry this page's facts over (304): {type(e).__name__}: {e}"[:500])
            ctx.write_page(row)
            return []

    def not_modified_page(self, f: Fetch) -> list[NewRequest]:
        """304 Not Modified to a conditional request: the page is as the database has it.

        Nothing is parsed.  The row records tonight's route, fetch time and headers; when the crawl finishes,
        its other columns are copied from the crawl that last downloaded the page (``Staging.carry_over``),
        and the merge leaves its links, texts and date signals in place (``not_modified = 1``).  Its links
        are followed as if it had been parsed, from the database.
        """
        ctx = self.ctx
        row = ctx.row_for(f)
        out: list[NewRequest] = []
        uid = row["url_id"]
        if self.validators(uid) is None:
            # a 304 to a request that was not conditional: nothing to carry over
            row.update(outcome="http_error", error="304 Not Modified to a request without validators")
            ctx.write_page(row)
            return out
        h = f.headers
        row.update(outcome="ok", not_modified=1, facts_crawl_id=None, first_crawl_id=None, first_seen_at=None,
                   content_type=None, size=None, status=None, error=None)
        if "content-length" in h:   # of the 304, not of the page
            row["headers"] = json.dumps({k: v for k, v in h.items() if k != "content-length"}, ensure_ascii=False)
        for col in HEADER_COLUMNS.values():
            row[col] = row[col] or None
        self.not_modified[f.site] = self.not_modified.get(f.site, 0) + 1
        self.follow_stored_links(f, uid, out)
        ctx.write_page(row)
        return out

    def follow_stored_links(self, f: Fetch, uid: int, out: list[NewRequest]) -> None:
        """Follow the links the database holds for a page, as Pages.page_facts follows those of a parsed one.

        Nearly every target is already known to the frontier by a route at least as short: those are passed
        over on their id alone (what Frontier.discover would decide anyway), and remembered as *settled*: for
        pages at least as deep as this one nothing can change for them.  Pages are carried over breadth first,
        so the set stays valid; a shallower page (rare: one the crawl downloaded) empties it.
        """
        main = self.ctx.main
        targets, kinds = main.previous_link_targets(uid)
        if not targets:
            return
        sf = self.ctx.site(f.site)
        scope = sf.scope
        depth = None if f.depth is None else f.depth + 1
        settled = self.settled
        if f.depth is not None:
            if f.depth < self.settled_depth:
                settled.clear()
            self.settled_depth = f.depth
        check_external = sf.config.check_external_links
        internal_of = self.internal.setdefault(f.site, {})
        known = self.ctx.frontier.known
        unfollowed = self.unfollowed
        kinds = kinds.split(",")
        for i, ts in enumerate(targets.split(",")):
            if ts in settled:
                continue
            tid = int(ts)
            st = known(tid)
            if st is not None:
                status, st_kind, st_depth = st
                if st_kind == "external" or status == SKIPPED or (
                        status != SKIPPED_DEPTH and depth is not None and st_depth is not None and st_depth <= depth):
                    settled.add(ts)
                    continue
                if depth is None:
                    continue   # a route of unknown length changes nothing for a known URL
            elif tid in unfollowed:
                continue
            t = main.url_of(tid)
            if t is None or not t.startswith(("http://", "https://")):   # mailto:, tel:, javascript: ... are not followed
                unfollowed.add(tid)
                continue
            internal = internal_of.get(tid)
            if internal is None:
                if len(internal_of) > RESOLVE_CACHE_MAX:
                    internal_of.clear()
                internal = internal_of[tid] = scope.is_internal(t)
            kind = kinds[i]
            rel = anchor = None
            if kind == "link":   # only <link> needs its rel and type (stylesheet, canonical, a feed ...)
                rel, anchor = main.previous_link(uid, tid)
            if internal:
                k = fetch_kind(kind, rel, t, anchor if kind == "link" else None)
                if k is not None:
                    self.discover(sf, t, "link", f.url, depth, k, out, tid)
            elif check_external and (kind in EXTERNAL_CHECK_KINDS or (kind == "link" and rel == "stylesheet")):
                self.externals.discover(sf, t, f.url, tid, out)
