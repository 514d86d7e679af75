"""The link-graph findings: orphaned pages, broken links, redirects that waste a visitor's click.

Each rule reads the site's link graph (``analysis.graph``) and the facts of its latest complete crawl,
and writes nothing: the runner writes the findings and the ``page_graph`` rows in its one transaction.
A finding is about the URL that needs attention (the orphaned page, the broken target, the redirect),
never one per linking page: a broken link in a template used on 3,000 pages is one finding whose
evidence lists the pages, the anchor text and where on each page the link is.

Orphans, as defined here (and checked against the real flink site in the tests):
an *orphan* is a live HTML page that no page of the latest crawl links to with a link a visitor can
follow (``<a>``, ``<area>``, meta refresh; directly or through a redirect), however the crawl came to
know it: a sitemap, a start URL, an earlier crawl, a ``<link rel=alternate>``.  A page linked only from
orphans is therefore *not* an orphan: it is in an *orphan island*, with the pages linked only from
outdated or expired pages, or from other island pages: pages no start page leads to through a page
that is alive.  The root of a host in the start URLs ("/") is never an orphan.
"""
from __future__ import annotations

import json
import sqlite3
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from http import HTTPStatus
from typing import Any, Callable, Iterable

from analysis.findings import Finding
from analysis.graph import (ELEMENT_NAMES, NAV_KINDS, TEMPLATE_POSITIONS, ClickPaths, LinkRef, Orphans, SiteGraph, click_depths,
                            components, find_orphans, link_details, link_scores, load_site_graph)
from decay.times import parse_iso
from decay.config import Links
from decay.urls import compile_patterns

LINK_RULES = {
    "links.orphan": "orphaned",
    "links.orphan_island": "orphaned",
    "links.deep_page": "orphaned",
    "links.dead_end": "orphaned",
    "links.broken_internal": "links",
    "links.redirect_chain": "links",
    "links.redirect_loop": "links",
    "links.to_redirect": "links",
    "links.broken_external": "links",
}
ISLAND_LISTED = 50   # pages of an island named in each of its pages' evidence


@dataclass
class LinksResult:
    findings: list[Finding]
    graph_rows: list[tuple]   # rows for page_graph in column order, without the final analysis_id
    timings: dict[str, float] = field(default_factory=dict)   # seconds per phase (benchmarks/graph_bench.py)
    graph: SiteGraph | None = None     # kept for the cleanup list's removal impact (analysis.cleanup)
    orphans: Orphans | None = None


@dataclass
class Context:
    """Everything the rules share: the graph, what was computed on it, the settings."""
    conn: sqlite3.Connection
    g: SiteGraph
    cfg: Links
    now: datetime
    depths: dict[int, int]
    orphans: Orphans
    flagged: set[int]                      # nodes the date analysis found outdated or expired
    exempt: Callable[[str], str | None]

    def finding(self, rule: str, n_or_url: int | str, severity: str, confidence: float, message: str,
                evidence: dict[str, Any], subject_id: int | None = None, title: str | None = None) -> Finding:
        if isinstance(n_or_url, int):
            node = self.g.nodes[n_or_url]
            url, subject_id, title = node.url, node.url_id, node.title
        else:
            url = n_or_url
        return Finding(rule=rule, category=LINK_RULES[rule], severity=severity, confidence=confidence, site=self.g.site,
                       subject_url=url, subject_id=subject_id, title=title, message=message, evidence=evidence)

    def listed(self, refs: list[LinkRef]) -> dict[str, Any]:
        """The linking pages as evidence: every one up to max_listed, always with complete counts."""
        out: dict[str, Any] = {
            "links": len(refs),
            "linking_pages": len({r.source for r in refs}),
            "by_position": dict(Counter(r.position or "unknown" for r in refs).most_common()),
            "linked_from": [r.as_evidence() for r in refs[:self.cfg.max_listed]],
        }
        if len(refs) > self.cfg.max_listed:
            out["not_listed"] = (f"{len(refs) - self.cfg.max_listed} more links; all of them: SELECT * FROM link_urls "
                                 f"WHERE target_url = '<this URL>'")
        return out


def analyse_links(conn: sqlite3.Connection, site_cfg, crawl_id: int, *, now: datetime, links_cfg: Links,
                  flagged: set[int]) -> LinksResult:
    """The link graph of one site's latest complete crawl: its findings and its page_graph rows.

    ``flagged``: url ids the date analysis found outdated or expired (links from them do not keep a
    page alive).  Reads facts only; writes nothing.
    """
    timings: dict[str, float] = {}
    g = load_site_graph(conn, site_cfg.name, crawl_id, timings=timings)
    t = time.perf_counter()
    scores = link_scores(g)
    timings["pagerank"] = time.perf_counter() - t
    t = time.perf_counter()
    depths = click_depths(g)
    flagged_nodes = {g.index[u] for u in flagged if u in g.index}
    orphans = find_orphans(g, flagged_nodes)
    timings["depth"] = time.perf_counter() - t
    t = time.perf_counter()
    ctx = Context(conn, g, links_cfg, now, depths, orphans, flagged_nodes, compile_patterns(links_cfg.exempt))
    findings: list[Finding] = []
    if links_cfg.orphans:
        findings += orphan_findings(ctx)
        findings += island_findings(ctx)
    if links_cfg.deep_pages:
        findings += deep_page_findings(ctx)
    if links_cfg.dead_ends:
        findings += dead_end_findings(ctx)
    if links_cfg.broken_links:
        findings += broken_internal_findings(ctx)
    if links_cfg.redirects:
        findings += redirect_findings(ctx)
    if links_cfg.broken_external:
        findings += broken_external_findings(ctx)
    rows = page_graph_rows(g, depths, scores)
    timings["rules"] = time.perf_counter() - t
    return LinksResult(findings, rows, timings, g, orphans)


def page_graph_rows(g: SiteGraph, depths: dict[int, int], scores: dict[int, float]) -> list[tuple]:
    rows = []
    for n, node in enumerate(g.nodes):
        depth = depths.get(n)
        score = None if node.final is not None else scores.get(n)
        rows.append((node.url_id, node.url, g.site, g.inlinks[n], g.inlinks_main[n], g.linking_pages[n], depth, score,
                     int(depth is not None), g.outlinks_internal[n]))
    return rows


# ---------------------------------------------------------------------------- orphaned
def _known_from(ctx: Context, n: int) -> list[dict[str, Any]]:
    """How the crawl knows a page that nothing links to: sitemaps, start URLs, earlier crawls, redirects."""
    g, node = ctx.g, ctx.g.nodes[n]
    known: list[dict[str, Any]] = [{"sitemap": s} for s in sorted(set(g.sitemaps.get(n, [])))]
    if node.url in g.start_urls or any(g.nodes[r].url in g.start_urls for r in g.redirects_to(n)):
        known.append({"start_url": node.url})
    known += [{"redirect_from": g.nodes[r].url} for r in g.redirects_to(n)]
    if not g.current(n):
        known.append({"earlier_crawl": node.crawl_id, "last_seen": (node.fetched_at or "")[:10]})
    if not known and node.found_via:
        known.append({"found_via": node.found_via, "found_on": node.found_on})
    return known


def _how(known: list[dict[str, Any]], references: list[dict[str, Any]]) -> str:
    """How an orphan is known, in words, for its message."""
    sources = {k for d in known for k in d}
    if "sitemap" in sources:
        return "only its sitemap knows it"
    if "start_url" in sources:
        return "only the crawl's start URLs reach it"
    if "redirect_from" in sources:
        return "only a redirect leads to it"
    if references:
        r = references[0]
        return f"only a {r.get('element', 'link')} on {r['page']} points to it, which visitors do not follow"
    via = known[0].get("found_via") if known else None
    return f"the crawl found it through a {via}" if via else "no route to it is known"


def orphan_findings(ctx: Context) -> list[Finding]:
    g = ctx.g
    subjects = sorted((n for n in ctx.orphans.orphans if not ctx.exempt(g.nodes[n].url)
                       and (g.current(n) or ctx.cfg.earlier_crawls)), key=lambda n: g.nodes[n].url)
    others = link_details(ctx.conn, g, (g.nodes[n].url_id for n in subjects))
    out = []
    for n in subjects:
        node = g.nodes[n]
        known = _known_from(ctx, n)
        evidence: dict[str, Any] = {
            "navigational_links_in": 0,
            "known_from": known,
            "other_references": [r.as_evidence() for r in others.get(node.url_id, [])][:ctx.cfg.max_listed],
        }
        if not g.current(n):
            seen = parse_iso(node.fetched_at)
            message = (f"Orphaned page: no page of the latest crawl links to it and no sitemap lists it; crawl {node.crawl_id} "
                       f"saw it{' on ' + node.fetched_at[:10] if node.fetched_at else ''} (whether it is still online is not known).")
            if seen:
                evidence["days_since_seen"] = (ctx.now - seen).days
            severity, confidence = "low", 0.5
        else:
            message = f"Orphaned page: no page links to it; {_how(known, evidence['other_references'])}."
            severity, confidence = "medium", 0.9
        if g.truncated:
            evidence["crawl_truncated"] = "max_pages stopped the crawl early: pages it did not reach may link here"
            confidence = min(confidence, 0.4)
        out.append(ctx.finding("links.orphan", n, severity, confidence, message, evidence))
    return out


def _state(ctx: Context, n: int) -> str:
    if n in ctx.orphans.orphans:
        return "orphaned"
    if n in ctx.flagged:
        return "outdated or expired"
    if n in ctx.orphans.islands:
        return "in an orphan island"
    return "not reachable from a start page"


def island_findings(ctx: Context) -> list[Finding]:
    g, orphans = ctx.g, ctx.orphans
    islands = [n for n in orphans.islands if not ctx.exempt(g.nodes[n].url)]
    if not islands:
        return []
    group_of: dict[int, set[int]] = {}
    for comp in components(g, orphans.dead()):
        for n in comp:
            group_of[n] = comp
    targets = {n: [g.nodes[n].url_id] + [g.nodes[r].url_id for r in g.redirects_to(n)] for n in islands}
    refs = link_details(ctx.conn, g, (u for ids in targets.values() for u in ids))
    out = []
    for n in sorted(islands, key=lambda n: g.nodes[n].url):
        links = sorted((r for u in targets[n] for r in refs.get(u, []) if r.kind in NAV_KINDS),
                       key=lambda r: r.source_url)
        group = sorted((g.nodes[m].url for m in group_of.get(n, {n}) if m in orphans.islands), key=str)
        linked_from = []
        for r in links[:ctx.cfg.max_listed]:
            d = r.as_evidence()
            d["page_is"] = "in this island" if r.source in group_of.get(n, ()) and r.source in orphans.islands else _state(ctx, r.source)
            linked_from.append(d)
        states = sorted({d["page_is"] for d in linked_from})
        entries = sorted({g.nodes[r.source].url for r in links if r.source in ctx.flagged and r.source not in orphans.islands})
        evidence: dict[str, Any] = {
            "linked_from": linked_from,
            "linking_pages": len({r.source for r in links}),
            "island": group[:ISLAND_LISTED],
            "island_size": len(group),
            "entered_from_outdated_pages": entries,
            "reachable_by_clicking": n in ctx.depths,
            "known_from": _known_from(ctx, n),
        }
        confidence = 0.8
        if g.truncated:
            evidence["crawl_truncated"] = "max_pages stopped the crawl early: pages it did not reach may link here"
            confidence = 0.4
        message = (f"Orphan island: linked only from pages that are {', '.join(states) or 'gone'} "
                   f"({evidence['linking_pages']} linking page{'s' if evidence['linking_pages'] != 1 else ''}; "
                   f"{len(group)} page{'s' if len(group) != 1 else ''} in the island); no live page leads here.")
        out.append(ctx.finding("links.orphan_island", n, "medium", confidence, message, evidence))
    return out


def deep_page_findings(ctx: Context) -> list[Finding]:
    g, limit = ctx.g, ctx.cfg.max_click_depth
    paths = ClickPaths(g, ctx.depths)
    out = []
    for n, d in sorted(ctx.depths.items(), key=lambda kv: g.nodes[kv[0]].url):
        if d <= limit or not g.is_candidate(n) or not g.current(n) or ctx.exempt(g.nodes[n].url):
            continue
        path = [g.nodes[m].url for m in paths.path(n)]
        evidence = {"depth": d, "max_click_depth": limit, "path": path, "linking_pages": len(g.linkers(n))}
        message = (f"Deep page: {d} clicks from the start page (the limit is {limit}); "
                   f"link it from a page nearer the start.")
        out.append(ctx.finding("links.deep_page", n, "low", 0.9, message, evidence))
    return out


def dead_end_findings(ctx: Context) -> list[Finding]:
    g = ctx.g
    ends = [n for n in range(len(g.nodes)) if g.current(n) and g.is_candidate(n) and g.outlinks_internal[n] == 0]
    counts: dict[int, tuple[int, int]] = {}
    for i in range(0, len(ends), 500):
        chunk = [g.nodes[n].url_id for n in ends[i:i + 500]]
        for uid, out_, internal in ctx.conn.execute(
                f"SELECT url_id, links_out, links_internal FROM pages WHERE url_id IN ({', '.join('?' * len(chunk))})", chunk):
            counts[uid] = (out_ or 0, internal or 0)
    out = []
    for n in sorted(ends, key=lambda n: g.nodes[n].url):
        links_out, internal = counts.get(g.nodes[n].url_id, (0, 0))
        evidence = {"navigational_links_to_the_site": 0, "links_out": links_out,
                    "links_to_other_sites": links_out - internal,
                    "other_internal_references": internal}
        message = "Dead end: the page links to no other page of the site; a visitor can only go back."
        out.append(ctx.finding("links.dead_end", n, "low", 0.9, message, evidence))
    return out


# ---------------------------------------------------------------------------- links
def _answer(status: int | None, error: str | None) -> str:
    if status is None:
        return f"fails ({error})" if error else "fails"
    try:
        return f"answers {status} {HTTPStatus(status).phrase}"
    except ValueError:
        return f"answers {status}"


def _confidence(status: int | None, *, external: bool = False) -> float:
    """How sure a failed check means a broken link: a 404 is; a 403 or 429 may only refuse the crawler."""
    if status in (404, 410):
        return 0.9 if external else 0.95
    if status in (401, 403, 405, 406, 429, 451, 999):
        return 0.3 if external else 0.6
    return 0.6 if external else 0.7   # 5xx, timeouts, refused connections: may be passing


def _what(kinds: Iterable[str], node_kind: str | None) -> str:
    kinds = set(kinds)
    if kinds and not kinds & NAV_KINDS:
        return " and ".join(sorted({ELEMENT_NAMES.get(k, k) for k in kinds}))
    return "link" if node_kind != "resource" else "link to a file"


def broken_internal_findings(ctx: Context) -> list[Finding]:
    """A target that answers 4xx/5xx or fails (or a redirect that ends on one), with every link to it."""
    g = ctx.g
    broken: dict[int, list[list[Any]] | None] = {}
    for n, node in enumerate(g.nodes):
        if not g.current(n):
            continue
        if node.outcome in ("http_error", "failed"):
            broken[n] = None
        elif node.outcome == "redirect" and node.final is not None and g.nodes[node.final].outcome in ("http_error", "failed"):
            broken[n] = _chain(ctx, n)
    if not broken:
        return []
    refs = link_details(ctx.conn, g, (g.nodes[n].url_id for n in broken))
    errors = dict(ctx.conn.execute("SELECT url_id, error FROM pages WHERE site = ? AND crawl_id = ? AND outcome IN "
                                   "('http_error', 'failed', 'redirect')", [g.site, g.crawl_id]))
    out = []
    for n in sorted(broken, key=lambda n: g.nodes[n].url):
        links = refs.get(g.nodes[n].url_id)
        if not links:
            continue
        node = g.nodes[n]
        end = g.nodes[node.final] if broken[n] else node
        answer = _answer(end.status, errors.get(end.url_id))
        what = _what((r.kind for r in links), node.kind)
        evidence: dict[str, Any] = {"status": end.status, "error": errors.get(end.url_id), "answer": answer}
        if broken[n]:
            evidence["redirect_chain"] = broken[n]
        evidence.update(ctx.listed(links))
        pages = evidence["linking_pages"]
        template = bool(set(evidence["by_position"]) & TEMPLATE_POSITIONS)
        severity = "high" if template or pages >= 10 else "medium"
        via = f" (through the redirect to {end.url})" if broken[n] else ""
        message = (f"Broken {what}: it {answer}{via}; {pages} page{'s' if pages != 1 else ''} "
                   f"link{'s' if pages == 1 else ''} to it{', in the site template' if template else ''}.")
        out.append(ctx.finding("links.broken_internal", n, severity, _confidence(end.status), message, evidence))
    return out


def _chain(ctx: Context, n: int) -> list[list[Any]]:
    row = ctx.conn.execute("SELECT redirect_chain FROM pages WHERE url_id = ?", [ctx.g.nodes[n].url_id]).fetchone()
    return json.loads(row[0]) if row and row[0] else []


def redirect_findings(ctx: Context) -> list[Finding]:
    """Chains and loops, reported where people enter them; links that point at a redirect."""
    g = ctx.g
    redirects = {uid: (chain, via) for uid, chain, via in ctx.conn.execute(
        "SELECT url_id, redirect_chain, found_via FROM pages WHERE site = ? AND crawl_id = ? AND outcome = 'redirect'",
        [g.site, g.crawl_id])}
    if not redirects:
        return []
    refs = link_details(ctx.conn, g, redirects)
    out = []
    for uid in sorted(redirects, key=lambda u: g.nodes[g.index[u]].url if u in g.index else ""):
        n = g.index.get(uid)
        if n is None:
            continue
        chain_json, via = redirects[uid]
        chain = json.loads(chain_json) if chain_json else []
        node, links = g.nodes[n], refs.get(uid, [])
        entered = via != "redirect" or bool(links) or n in g.sitemaps
        loop = bool(chain) and chain[-1][1] == "loop"
        hops = len(chain) - 1
        shown = " → ".join(u for u, _ in chain)
        common = {"chain": chain, "hops": hops, "sitemaps": sorted(set(g.sitemaps.get(n, [])))}
        if loop and entered:
            evidence = {**common, **ctx.listed(links)}
            out.append(ctx.finding("links.redirect_loop", n, "high", 0.95,
                                   f"Redirect loop: {shown} never reaches a page; visitors get an error.", evidence))
        elif not loop and entered and hops >= ctx.cfg.redirect_chain_hops:
            final = chain[-1][0] if chain else None
            evidence = {**common, "final_url": final, "final_status": chain[-1][1] if chain else None,
                        "fix": f"redirect {node.url} straight to {final}, and link to {final}", **ctx.listed(links)}
            out.append(ctx.finding("links.redirect_chain", n, "low", 0.95,
                                   f"Redirect chain: {hops} redirects before an answer ({shown}); redirect straight to the last one.",
                                   evidence))
        final = g.nodes[node.final] if node.final is not None else None
        if links and final is not None and final.outcome == "ok":
            temporary = node.status in (302, 303, 307)
            evidence = {"status": node.status, "link_to_instead": final.url, "final_status": final.status,
                        "hops": hops, "chain": chain, **ctx.listed(links)}
            if temporary:
                evidence["note"] = f"{node.status} is a temporary redirect: it may be meant to change (a login or language redirect)"
            pages = evidence["linking_pages"]
            message = (f"Links to a redirect: {node.url} ({node.status}) leads to {final.url}; link there instead "
                       f"({pages} page{'s' if pages != 1 else ''}).")
            out.append(ctx.finding("links.to_redirect", n, "low", 0.7 if temporary else 0.95, message, evidence))
    return out


def broken_external_findings(ctx: Context) -> list[Finding]:
    """Links to other websites whose check (HEAD, once per URL per crawl) answered 4xx/5xx or failed."""
    g = ctx.g
    targets = {uid: (url, status, error, method, fetched_at) for uid, url, status, error, method, fetched_at in ctx.conn.execute(
        """SELECT url_id, url, status, error, method, fetched_at FROM pages
           WHERE site = ? AND crawl_id = ? AND kind = 'external' AND outcome IN ('http_error', 'failed')""",
        [g.site, g.crawl_id])}
    if not targets:
        return []
    refs = link_details(ctx.conn, g, targets)
    out = []
    for uid, (url, status, error, method, fetched_at) in sorted(targets.items(), key=lambda kv: kv[1][0]):
        links = refs.get(uid)
        if not links:
            continue
        answer = _answer(status, error)
        evidence = {"status": status, "error": error, "answer": answer, "checked_with": method, "checked_at": fetched_at,
                    **ctx.listed(links)}
        pages = evidence["linking_pages"]
        message = (f"Broken external link: {url} {answer}; {pages} page{'s' if pages != 1 else ''} "
                   f"link{'s' if pages == 1 else ''} to it.")
        out.append(ctx.finding("links.broken_external", url, "medium", _confidence(status, external=True), message,
                               evidence, subject_id=uid))
    return out
