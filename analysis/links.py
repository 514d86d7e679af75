"""The link-graph findings: orphaned pages, broken links, redirects that waste a visitor's click.

Each rule reads the site's link graph (``analysis.graph``) and the facts of its latest complete crawl,
and writes nothing: the runner writes the findings and the ``page_graph`` rows in its one transaction.
A finding is about the URL that needs attention (the orphaned page, the broken target, the redirect),
never one per linking page: a broken link in a template used on 3,000 pages is one finding whose
evidence lists the pages, the anchor text and where on each page the link is.

Orphans, as defined here (and checked against the real flink site in the tests): orphaned means
unreachable.  The *roots* are the start pages and every page a sitemap lists; a visitor goes on from
them through every link they can follow (``<a>``, ``<area>``, meta refresh; directly or through a
redirect), whatever the date analysis thinks of the pages on the way.  An *orphan* is a live HTML page
that no page of the latest crawl links to, however the crawl came to know it: a sitemap, a start URL,
an earlier crawl, a ``<link rel=alternate>``.  A page that is linked, but only from pages no root leads
to (orphans, other island pages), is in an *orphan island*.  The root of a host in the start URLs ("/")
is never an orphan.  A page the start pages reach only through outdated or expired pages (the posts
behind a stale paginated listing) is *not* orphaned: it is reported as information
(``links.reached_only_through_outdated``, severity info, never a list item).

Three more findings read other facts: sitemap entries that answer 4xx/5xx or redirect
(``links.sitemap_broken``, ``links.sitemap_redirect``); a crawl whose external checks nearly all failed
with DNS or connection errors (``links.external_unchecked``: the crawler was offline, so no
``links.broken_external`` from it); and broken links in the site template (the same target in the
navigation, header, footer or sidebar of ``template_min_pages`` pages or more), reported once per
template region (``links.broken_template``) instead of once per target listing every page.
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
from urllib.parse import urlsplit

from analysis.findings import Finding
from analysis.twins import TWIN_RULES, twin_findings
from analysis.graph import (ELEMENT_NAMES, NAV_KINDS, TEMPLATE_POSITIONS, ClickPaths, LinkRef, Orphans, SiteGraph, click_depths,
                            components, find_orphans, link_details, link_scores, load_site_graph)
from foundation.catalog import categories
from foundation.failures import network_error
from foundation.times import parse_iso
from foundation.config import Links
from foundation.urls import compile_patterns
from foundation.urls import SiteScope
from foundation.urls import url_id

LINK_RULES = {   # rule -> category (foundation/catalog.py)
    **TWIN_RULES,   # links to twin URLs: http:// to the own https site, /x/index.html for /x/ (analysis/twins.py)
    **categories("links.orphan", "links.orphan_island", "links.deep_page", "links.dead_end", "links.broken_internal",
                 "links.redirect_chain", "links.redirect_loop", "links.to_redirect", "links.broken_external",
                 "links.broken_template", "links.reached_only_through_outdated", "links.sitemap_broken",
                 "links.sitemap_redirect", "links.external_unchecked"),
}
TEMPLATE_REGIONS = TEMPLATE_POSITIONS | {"aside"}   # where a link shared by many pages is the site template's
REGION_NAMES = {"nav": "navigation", "header": "header", "footer": "footer", "aside": "sidebar"}
# The crawler was offline: at least this many external hosts were checked and at least this share of them
# failed only with DNS or connection errors (no host answered anything).
OFFLINE_MIN_HOSTS = 5
OFFLINE_SHARE = 0.8
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
    home: str = ""                         # the site's first start URL: subject of site and template findings
    template_min_pages: int = 3

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
                  flagged: set[int], template_min_pages: int = 3) -> LinksResult:
    """The link graph of one site's latest complete crawl: its findings and its page_graph rows.

    ``flagged``: url ids the date analysis found outdated or expired.  They do not make anything
    orphaned (orphaned means unreachable); the pages reached only through them are reported as
    information, and are never suggested as redirect targets.  ``template_min_pages``: a broken link in
    the same template region of at least this many pages is one template finding ([checks]).
    Reads facts only; writes nothing.
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
    ctx = Context(conn, g, links_cfg, now, depths, orphans, flagged_nodes, compile_patterns(links_cfg.exempt),
                  _home(site_cfg), max(2, template_min_pages))
    findings: list[Finding] = []
    if links_cfg.orphans:
        findings += orphan_findings(ctx)
        findings += island_findings(ctx)
        findings += through_outdated_findings(ctx)
    if links_cfg.deep_pages:
        findings += deep_page_findings(ctx)
    if links_cfg.dead_ends:
        findings += dead_end_findings(ctx)
    broken: list[Broken] = []
    if links_cfg.broken_links:
        broken += broken_internal(ctx)
        findings += sitemap_findings(ctx)
    if links_cfg.redirects:
        findings += redirect_findings(ctx)
    if links_cfg.broken_external:
        offline = external_unchecked_finding(ctx)
        if offline is not None:
            findings.append(offline)
        else:
            broken += broken_external(ctx)
    findings += broken_link_findings(ctx, broken)
    findings += twin_findings(conn, g.site, crawl_id, max_listed=links_cfg.max_listed)
    rows = page_graph_rows(g, depths, scores)
    timings["rules"] = time.perf_counter() - t
    return LinksResult(findings, rows, timings, g, orphans)


def _home(site_cfg) -> str:
    """The site's first start URL in production form: the subject of findings about the whole site."""
    try:

        scope = SiteScope(site_cfg.name, site_cfg.start_urls, aliases=site_cfg.aliases, hosts=site_cfg.hosts)
        if scope.canonical_start_urls:
            return scope.canonical_start_urls[0]
    except (AttributeError, TypeError):
        pass
    urls = getattr(site_cfg, "start_urls", None) or [""]
    return urls[0]


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
    if n in ctx.orphans.islands:
        return "in an orphan island"
    return "not reachable from a start page or a sitemap entry"


def island_findings(ctx: Context) -> list[Finding]:
    """Linked pages that no page reachable from a start page or a sitemap entry leads to."""
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
        evidence: dict[str, Any] = {
            "linked_from": linked_from,
            "linking_pages": len({r.source for r in links}),
            "island": group[:ISLAND_LISTED],
            "island_size": len(group),
            "reachable_by_clicking": False,
            "known_from": _known_from(ctx, n),
        }
        confidence = 0.8
        if g.truncated:
            evidence["crawl_truncated"] = "max_pages stopped the crawl early: pages it did not reach may link here"
            confidence = 0.4
        message = (f"Orphan island: linked only from pages that are {', '.join(states) or 'gone'} "
                   f"({evidence['linking_pages']} linking page{'s' if evidence['linking_pages'] != 1 else ''}; "
                   f"{len(group)} page{'s' if len(group) != 1 else ''} in the island); no page reachable from a start "
                   f"page or a sitemap entry leads here.")
        out.append(ctx.finding("links.orphan_island", n, "medium", confidence, message, evidence))
    return out


def through_outdated_findings(ctx: Context) -> list[Finding]:
    """Live pages the start pages reach only through outdated or expired pages: information, not orphaned.

    The posts behind a paginated listing the date analysis judged stale are still one click away for
    every visitor; this says which judged pages they hang on, so a person who retires those pages
    knows what else loses its route.  Severity info: never a cleanup item.
    """
    g, flagged = ctx.g, ctx.flagged
    subjects = sorted((n for n in ctx.orphans.through_flagged if not ctx.exempt(g.nodes[n].url)),
                      key=lambda n: g.nodes[n].url)
    out = []
    for n in subjects:
        via = sorted({g.nodes[p].url for p in g.linkers(n) if p in flagged})
        others = sorted({g.nodes[p].url for p in g.linkers(n) if p not in flagged})
        evidence: dict[str, Any] = {
            "linked_from_outdated_pages": via[:ctx.cfg.max_listed],
            "outdated_linking_pages": len(via),
            "other_linking_pages": others[:ctx.cfg.max_listed],
            "click_depth": ctx.depths.get(n),
            "note": "reachable by clicking from a start page, but every route passes through a page judged outdated or expired",
        }
        message = (f"Reached only through outdated pages: every route from a start page to it passes through a page judged "
                   f"outdated or expired ({len(via)} such page{'s' if len(via) != 1 else ''} link{'s' if len(via) == 1 else ''} "
                   f"here); it is still reachable, so it is not orphaned. If those pages are retired, link it from a live page.")
        out.append(ctx.finding("links.reached_only_through_outdated", n, "info", 0.9, message, evidence))
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


@dataclass
class Broken:
    """A link target that answers 4xx/5xx or fails, with every link to it (read by broken_link_findings)."""
    url: str
    subject_id: int
    node: int | None            # internal targets: the graph node
    external: bool
    status: int | None
    error: str | None
    answer: str
    what: str                   # link, image, link to a file, ...
    links: list[LinkRef]
    extra: dict[str, Any]       # redirect_chain (internal), checked_with/checked_at (external)
    via: str = ""               # " (through the redirect to ...)"

    @property
    def confidence(self) -> float:
        return _confidence(self.status, external=self.external)


def broken_internal(ctx: Context) -> list[Broken]:
    """Internal targets that answer 4xx/5xx or fail (or a redirect that ends on one), with every link to them."""
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
        error = errors.get(end.url_id)
        extra: dict[str, Any] = {"redirect_chain": broken[n]} if broken[n] else {}
        out.append(Broken(node.url, node.url_id, n, False, end.status, error, _answer(end.status, error),
                          _what((r.kind for r in links), node.kind), links, extra,
                          f" (through the redirect to {end.url})" if broken[n] else ""))
    return out


def broken_external(ctx: Context) -> list[Broken]:
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
        out.append(Broken(url, uid, None, True, status, error, _answer(status, error), "external link", links,
                          {"checked_with": method, "checked_at": fetched_at}))
    return out


def _template_links(ctx: Context, broken: list[Broken]) -> dict[str, list[tuple[Broken, list[LinkRef]]]]:
    """Template region -> the broken targets linked from that region of at least template_min_pages pages."""
    regions: dict[str, list[tuple[Broken, list[LinkRef]]]] = {}
    for b in broken:
        by_region: dict[str, list[LinkRef]] = {}
        for r in b.links:
            if r.position in TEMPLATE_REGIONS and r.kind in NAV_KINDS:
                by_region.setdefault(r.position, []).append(r)
        for region, refs in by_region.items():
            if len({r.source for r in refs}) >= ctx.template_min_pages:
                regions.setdefault(region, []).append((b, refs))
    return regions


def broken_link_findings(ctx: Context, broken: list[Broken]) -> list[Finding]:
    """One finding per broken target, except the links of the site template: one finding per template region.

    A target linked from the same template region (navigation, header, footer, sidebar) of at least
    ``template_min_pages`` pages is a defect of the template: fixed once, whatever the number of pages.
    Those links become one ``links.broken_template`` finding per region that lists each target, its
    answer and its anchor; the target's own finding keeps only its other links (none: no finding).
    """
    regions = _template_links(ctx, broken)
    in_template: dict[int, set[tuple[int, str]]] = {}
    out = [_template_finding(ctx, region, items) for region, items in sorted(regions.items())]
    for region, items in regions.items():
        for b, refs in items:
            in_template.setdefault(id(b), set()).update((r.source, region) for r in refs)
    for b in broken:
        taken = in_template.get(id(b), set())
        links = [r for r in b.links if (r.source, r.position) not in taken]
        if not links:
            continue
        evidence: dict[str, Any] = {"status": b.status, "error": b.error, "answer": b.answer, **b.extra, **ctx.listed(links)}
        if taken:
            evidence["also_in_the_site_template"] = f"{len(taken)} template link(s) to it are reported in links.broken_template"
        pages = evidence["linking_pages"]
        if b.external:
            message = (f"Broken external link: {b.url} {b.answer}; {pages} page{'s' if pages != 1 else ''} "
                       f"link{'s' if pages == 1 else ''} to it.")
            out.append(ctx.finding("links.broken_external", b.url, "medium", b.confidence, message, evidence,
                                   subject_id=b.subject_id))
            continue
        template = bool(set(evidence["by_position"]) & TEMPLATE_POSITIONS)
        severity = "high" if template or pages >= 10 else "medium"
        message = (f"Broken {b.what}: it {b.answer}{b.via}; {pages} page{'s' if pages != 1 else ''} "
                   f"link{'s' if pages == 1 else ''} to it{', in the site template' if template else ''}.")
        out.append(ctx.finding("links.broken_internal", b.node, severity, b.confidence, message, evidence))
    return out


def _template_finding(ctx: Context, region: str, items: list[tuple[Broken, list[LinkRef]]]) -> Finding:
    where = REGION_NAMES.get(region, region)
    items = sorted(items, key=lambda it: (-len({r.source for r in it[1]}), it[0].url))
    pages = sorted({r.source_url for _, refs in items for r in refs})
    targets = []
    for b, refs in items:
        anchors = [a for a, _ in Counter(r.anchor or "" for r in refs).most_common() if a]
        targets.append({"url": b.url, "anchor": anchors[0] if anchors else "", "status": b.status, "error": b.error,
                        "answer": b.answer, "external": b.external, "pages": len({r.source for r in refs}),
                        **({"redirect_chain": b.extra["redirect_chain"]} if b.extra.get("redirect_chain") else {})})
    said = [f"the link '{t['anchor']}' to {t['url']}" if t["anchor"] else f"the link to {t['url']}" for t in targets]
    fixes = "; ".join(f"{s} {t['answer']}" for s, t in zip(said[:3], targets[:3]))
    if len(targets) > 3:
        fixes += f"; and {len(targets) - 3} more"
    one = len(targets) == 1
    fix = (f"fix {'the link' if one else f'the {len(targets)} links'} in the {where}: {fixes}")
    message = (f"Broken link{'' if one else 's'} in the site template ({where}) of {len(pages)} pages: {fixes}. "
               f"Fixing the template once fixes every page.")
    evidence: dict[str, Any] = {
        "template": True, "region": region, "pages": len(pages), "linking_pages": len(pages),
        "broken_links": targets, "fix": fix, "affected_pages": pages[:ctx.cfg.max_listed],
        "template_min_pages": ctx.template_min_pages,
    }
    if len(pages) > ctx.cfg.max_listed:
        evidence["not_listed"] = len(pages) - ctx.cfg.max_listed
    confidence = max(b.confidence for b, _ in items)
    return Finding(rule="links.broken_template", category=LINK_RULES["links.broken_template"], severity="high",
                   confidence=confidence, site=ctx.g.site, subject_type="template", subject_url=ctx.home,
                   title=f"Site template: {where}", message=message, evidence=evidence, key=region,
                   material=(region, [(t["url"], t["status"], t["error"]) for t in targets], len(pages)))


def _chain(ctx: Context, n: int) -> list[list[Any]]:
    row = ctx.conn.execute("SELECT redirect_chain FROM pages WHERE url_id = ?", [ctx.g.nodes[n].url_id]).fetchone()
    return json.loads(row[0]) if row and row[0] else []


def _chain_cut(ctx: Context, url: str) -> str | None:
    """Why the crawl did not follow the redirect of this URL further (max_redirects), if it did not."""

    row = ctx.conn.execute("SELECT error FROM pages WHERE url_id = ? AND crawl_id = ?",
                           [url_id(url), ctx.g.crawl_id]).fetchone()
    return row[0] if row and row[0] and row[0].startswith("redirect chain longer than") else None


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
        elif not loop and entered and hops >= 2 and chain[-1][1] is None and (cut := _chain_cut(ctx, chain[-2][0])):
            # the crawl stopped following it (max_redirects): no answer yet, and perhaps never (an endless chain)
            evidence = {**common, "final_url": None, "final_status": None, "cut": cut,
                        "fix": f"redirect {node.url} straight to the page it is meant for, and link to that page",
                        **ctx.listed(links)}
            out.append(ctx.finding("links.redirect_chain", n, "medium", 0.9,
                                   f"Redirect chain without an end in sight: {hops} redirects and no answer from "
                                   f"{node.url}; the crawl stopped at {chain[-2][0]}: {cut}.", evidence))
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


# ---------------------------------------------------------------------------- sitemaps
def sitemap_findings(ctx: Context) -> list[Finding]:
    """Sitemap entries whose URL answers 4xx/5xx or fails (medium), or redirects (low): one finding per URL,
    naming every sitemap that lists it.  A sitemap should list only the pages it means, at their final address."""
    g = ctx.g
    rows = ctx.conn.execute(
        """SELECT p.url_id, p.url, p.outcome, p.status, p.error, p.final_url, p.redirect_chain, s.url
           FROM sitemap_entries e JOIN pages p ON p.url_id = e.url_id JOIN urls s ON s.id = e.sitemap_id
           WHERE e.site = ? AND e.is_sitemap = 0 AND p.site = ? AND p.crawl_id = ?
             AND coalesce(p.kind, '') != 'external' AND p.outcome IN ('http_error', 'failed', 'redirect')""",
        [g.site, g.site, g.crawl_id]).fetchall()
    by_url: dict[int, dict[str, Any]] = {}
    for uid, url, outcome, status, error, final_url, chain, sitemap in rows:
        d = by_url.setdefault(uid, {"url": url, "outcome": outcome, "status": status, "error": error,
                                    "final_url": final_url, "chain": chain, "sitemaps": set()})
        d["sitemaps"].add(sitemap)
    out = []
    for uid, d in sorted(by_url.items(), key=lambda kv: kv[1]["url"]):
        if ctx.exempt(d["url"]):
            continue
        sitemaps = sorted(d["sitemaps"])
        named = ", ".join(sitemaps[:3]) + (f" and {len(sitemaps) - 3} more" if len(sitemaps) > 3 else "")
        if d["outcome"] == "redirect":
            chain = json.loads(d["chain"]) if d["chain"] else []
            final = d["final_url"] or (chain[-1][0] if chain else None)
            n = g.index.get(uid)
            end = g.nodes[g.nodes[n].final] if n is not None and g.nodes[n].final is not None else None
            end_answer = _answer(end.status, None) if end is not None else None
            evidence = {"sitemaps": sitemaps, "status": d["status"], "redirects_to": final, "chain": chain,
                        "final_answer": end_answer,
                        "fix": f"list {final} in the sitemap instead of {d['url']}" if final else f"take {d['url']} out of the sitemap"}
            message = (f"Sitemap entry redirects: {named} list{'s' if len(sitemaps) == 1 else ''} {d['url']}, which answers "
                       f"{d['status']} and leads to {final or 'no page'}; list the final address instead.")
            out.append(ctx.finding("links.sitemap_redirect", n if n is not None else d["url"], "low", 0.95, message, evidence,
                                   subject_id=uid))
            continue
        answer = _answer(d["status"], d["error"])
        evidence = {"sitemaps": sitemaps, "status": d["status"], "error": d["error"], "answer": answer,
                    "fix": f"take {d['url']} out of the sitemap, or bring the page back"}
        message = (f"Sitemap lists a broken URL: {named} list{'s' if len(sitemaps) == 1 else ''} {d['url']}, which {answer}; "
                   f"take it out of the sitemap or bring the page back.")
        n = g.index.get(uid)
        out.append(ctx.finding("links.sitemap_broken", n if n is not None else d["url"], "medium", _confidence(d["status"]),
                               message, evidence, subject_id=uid))
    return out


# ---------------------------------------------------------------------------- the crawler's own network
def external_unchecked_finding(ctx: Context) -> Finding | None:
    """One note when the crawler itself was offline: at least OFFLINE_MIN_HOSTS external hosts were checked and
    at least OFFLINE_SHARE of them failed only with DNS or connection errors.  Its broken-link checks then say
    nothing about the links, so the caller reports no links.broken_external from this crawl."""
    g = ctx.g
    hosts: dict[str, list[bool]] = {}   # host -> per URL: failed with a network error?
    answered: set[str] = set()
    for url, outcome, status, error in ctx.conn.execute(
            "SELECT url, outcome, status, error FROM pages WHERE site = ? AND crawl_id = ? AND kind = 'external'",
            [g.site, g.crawl_id]):
        host = urlsplit(url).netloc.lower()
        if not host or outcome == "skipped":   # not asked
            continue
        hosts.setdefault(host, []).append(outcome == "failed" and network_error(error, timeouts=False))
        if status is not None or outcome == "blocked":   # blocked: its robots.txt answered
            answered.add(host)
    down = sorted(h for h, fails in hosts.items() if all(fails) and h not in answered)
    if len(hosts) < OFFLINE_MIN_HOSTS or len(down) < OFFLINE_SHARE * len(hosts):
        return None
    samples = dict(ctx.conn.execute(
        "SELECT error, count(*) FROM pages WHERE site = ? AND crawl_id = ? AND kind = 'external' AND outcome = 'failed' "
        "GROUP BY error ORDER BY count(*) DESC LIMIT 5", [g.site, g.crawl_id]).fetchall())
    urls = sum(len(hosts[h]) for h in down)
    evidence = {"hosts_checked": len(hosts), "hosts_failed": len(down), "urls_failed": urls,
                "threshold": f"at least {OFFLINE_MIN_HOSTS} hosts checked and at least {OFFLINE_SHARE:.0%} of them failing "
                             "only with DNS or connection errors",
                "errors": samples, "hosts": down[:50], "answering_hosts": sorted(set(hosts) - set(down))[:50],
                "consequence": "no links.broken_external findings from this crawl: re-crawl with a working network"}
    message = (f"External links could not be checked: {len(down)} of {len(hosts)} hosts failed with DNS or connection "
               f"errors; was the crawler offline? No broken external links are reported from this crawl.")
    return Finding(rule="links.external_unchecked", category=LINK_RULES["links.external_unchecked"], severity="info",
                   confidence=0.9, site=g.site, subject_type="site", subject_url=ctx.home, title="External link checks",
                   message=message, evidence=evidence, material=(len(hosts) // 10, len(down) * 10 // max(1, len(hosts))))
