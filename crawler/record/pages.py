"""Pages and resources: a full answer to a page request is read (``foundation/reading/page.py``) and its links
followed; a resource (a HEAD, or a headers-only GET) is recorded from its headers."""
from __future__ import annotations

import hashlib

from crawler.frontier import EXTERNAL_CHECK_KINDS, fetch_kind
from crawler.record.carryover import CarryOver
from crawler.record.context import Context, header_size
from crawler.record.externals import ExternalChecks
from crawler.record.redirects import Redirects
from foundation.bodies import compress as compress_body
from foundation.facts import Fetch, NewRequest
from foundation.reading.page import PageFacts, extract_html
from foundation.urls import resolve

KINDS_CACHE_MAX = 50_000   # distinct (link kind, rel, URL, type) remembered (a few MB) before starting again


def looks_like_html(content_type: str | None, body: bytes) -> bool:
    if content_type:
        ct = content_type.lower()
        if "html" in ct:
            return True
        if not ct.startswith(("text/plain", "application/octet-stream")):
            return False
    head = body[:512].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html")) or b"<html" in head


class Pages:
    def __init__(self, ctx: Context, carry: CarryOver, externals: ExternalChecks, redirects: Redirects) -> None:
        self.ctx = ctx
        self.carry = carry
        self.externals = externals
        self.redirects = redirects
        self.kinds: dict[tuple, str | None] = {}   # what fetch_kind says of a link (kind, rel, URL, type), bounded

    def page(self, f: Fetch, body: bytes) -> list[NewRequest]:
        """A full answer to a page request: record it, and return the links worth following."""
        ctx = self.ctx
        ctx.pause_if_testing()
        if f.status == 304:
            return self.carry.answer(f)
        row = ctx.row_for(f)
        out: list[NewRequest] = []
        ctx.bytes += len(body)
        if row["size"] is None:
            row["size"] = len(body)
        if row["outcome"] == "redirect":
            self.redirects.follow(f, row, out)
            ctx.write_page(row)
            return out
        ctype = f.headers.get("content-type")
        if f.truncated or not body or not looks_like_html(ctype, body):
            row["is_html"] = 0
            if f.truncated and "content-length" in f.headers:
                header_size(row, f.headers)
            ctx.write_page(row)
            return out
        if b"\x00" in body[:2048] and not body.startswith((b"\xff\xfe", b"\xfe\xff")):
            row.update(is_html=0, outcome="failed", error="invalid content: binary data where HTML was announced")
            ctx.write_page(row)
            return out
        try:
            facts = extract_html(body, ctype, f.url, max_depth=ctx.config.crawl.max_html_depth)
        except Exception as e:  # a bug of ours must not stop the crawl: record it on the page
            row.update(is_html=0, error=f"content-decay could not read this page: {type(e).__name__}: {e}"[:500])
            ctx.write_page(row)
            return out
        row["is_html"] = 1 if facts.error is None else 0
        row["encoding"] = facts.encoding or None
        if facts.error:
            row["error"] = facts.error
            ctx.write_page(row)
            return out
        bh = hashlib.blake2b(body, digest_size=12).hexdigest()
        row["body_hash"] = bh
        if facts.note:
            # read without its structure (too deeply nested): the HTML is not kept either, so that analysis
            # (rules that parse the stored HTML) does not pay what the crawl avoided
            row["error"] = facts.note + "; its HTML is not stored"
        elif ctx.store_html:
            ctx.staging.add("bodies", (bh, len(body), compress_body(body)))
        self.page_facts(f, row, facts, out)
        ctx.write_page(row)
        return out

    def resource(self, f: Fetch) -> list[NewRequest]:
        """A HEAD (or headers-only GET) answer for a non-HTML resource, or a link to another website."""
        ctx = self.ctx
        row = ctx.row_for(f)
        out: list[NewRequest] = []
        if row["outcome"] == "redirect":
            self.redirects.follow(f, row, out)
        if f.size is None and "content-length" in f.headers:
            header_size(row, f.headers)
        row["is_html"] = 0
        ctx.write_page(row)
        return out

    def failed(self, f: Fetch) -> list[NewRequest]:
        """A page, resource or feed request with no usable answer (or blocked by robots.txt): its row."""
        self.ctx.write_page(self.ctx.row_for(f))
        return []

    def page_facts(self, f: Fetch, row: dict, facts: PageFacts, out: list[NewRequest]) -> None:
        """What the page says, on its row and in the links, date_signals and page_texts tables; its links followed."""
        ctx = self.ctx
        sf = ctx.site(f.site)
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
            c = ctx.target(scope, base, facts.canonical)
            row["canonical"] = c[0] if c else facts.canonical[:2000]
        if facts.refresh:
            r = ctx.target(scope, base, facts.refresh)
            row["refresh_url"] = r[0] if r else facts.refresh[:2000]
        depth = None if f.depth is None else f.depth + 1
        site = f.site
        url = f.url
        crawl_id = ctx.crawl_id
        add_url = ctx.staging.add_url
        known_urls = ctx.staging.known_urls   # (add_url's own test, made here: most targets are known already)
        links = []
        append = links.append
        n_internal = 0
        target_of = ctx.target
        discover = self.carry.discover
        kinds = self.kinds
        if len(kinds) > KINDS_CACHE_MAX:
            kinds.clear()
        check_external = sf.config.check_external_links
        for ln in facts.links:
            tgt = target_of(scope, base, ln.href)
            if tgt is None:
                continue
            t, tid, internal, written = tgt
            if tid not in known_urls:
                add_url(tid, t, site if internal else None, crawl_id)
            lk = ln.kind
            append((src, ln.ordinal, tid, lk, ln.rel, ln.anchor, ln.position, 1 if internal else 0,
                    1 if ln.nofollow else 0, 1 if ln.new_window else 0, written))
            if internal:
                n_internal += 1
                # fetch_kind depends on these four only: decided once per distinct link, not once per page
                key = (lk, ln.rel, t, ln.anchor if lk == "link" else None)
                kind = kinds.get(key, 0)
                if kind == 0:
                    kind = kinds[key] = fetch_kind(*key)
                if kind is not None:
                    discover(sf, t, "link", url, depth, kind, out, tid)
            elif check_external and t.startswith("http") and (
                    lk in EXTERNAL_CHECK_KINDS or (lk == "link" and ln.rel == "stylesheet")):
                self.externals.discover(sf, t, url, tid, out)
        row["links_out"] = len(links)
        row["links_internal"] = n_internal
        st = ctx.staging
        if links:
            st.extend("links", links)
        if facts.signals:
            st.extend("date_signals", [(src, i, s.source, s.name, s.value, s.context) for i, s in enumerate(facts.signals)])
        tx = facts.texts
        if tx:
            st.add("page_texts", (src, tx.get("main"), tx.get("nav"), tx.get("header"), tx.get("footer"), tx.get("aside"), tx.get("body")))
