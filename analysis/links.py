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

The rules by concern: reachability (``links_reach``), broken links and the template's (``links_broken``),
redirects and sitemap entries (``links_redirects``), external checks (``links_external``); what they share
(the context, the categories) is in ``links_common``.
"""
from __future__ import annotations

import sqlite3
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Iterable, Iterator

from analysis.findings import Finding
from analysis.graph import (Depths, Orphans, SiteGraph, click_depths, depth_array, find_orphans, load_site_graph,
                            pagerank_array, score_list)
from analysis.links_broken import Broken, broken_internal, broken_link_findings
from analysis.links_common import LINK_RULES, Context
from analysis.links_external import broken_external, external_unchecked_finding
from analysis.links_reach import (dead_end_findings, deep_page_findings, island_findings, orphan_findings,
                                  through_outdated_findings)
from analysis.links_redirects import redirect_findings, sitemap_findings
from analysis.twins import twin_findings
from foundation.config import Links
from foundation.urls import SiteScope, compile_patterns

__all__ = ["LINK_RULES", "LinksResult", "analyse_links", "page_graph_rows"]


@dataclass
class LinksResult:
    findings: list[Finding]
    timings: dict[str, float] = field(default_factory=dict)   # seconds per phase (benchmarks/graph_bench.py)
    graph: SiteGraph | None = None     # kept for the cleanup list's removal impact (analysis.cleanup)
    orphans: Orphans | None = None
    depths: Depths | None = None   # node -> clicks from a start page
    scores: list[float] = field(default_factory=list)      # node -> link score

    def rows(self) -> Iterator[tuple]:
        """The page_graph rows, one at a time (a million-page site: a million rows, staged as they come)."""
        return page_graph_rows(self.graph, self.depths, self.scores) if self.graph is not None else iter(())

    @property
    def graph_rows(self) -> list[tuple]:
        """The rows for page_graph in column order, without the final analysis_id."""
        return list(self.rows())


def analyse_links(conn: sqlite3.Connection, site_cfg, crawl_id: int, *, now: datetime, links_cfg: Links,
                  flagged: set[int], template_min_pages: int = 3, quiet_deep: frozenset[int] = frozenset(),
                  pages: Iterable | None = None) -> LinksResult:
    """The link graph of one site's latest complete crawl: its findings and its page_graph rows.

    ``flagged``: url ids the date analysis found outdated or expired.  They do not make anything
    orphaned (orphaned means unreachable); the pages reached only through them are reported as
    information, and are never suggested as redirect targets.  ``template_min_pages``: a broken link in
    the same template region of at least this many pages is one template finding ([checks]).
    ``quiet_deep``: url ids whose deep-page finding their role makes information (archive.quiet_ids).
    ``pages``: the analysis' pages, whose URL and title strings the graph's nodes share (graph.load_site_graph).
    Reads facts only; writes nothing.
    """
    timings: dict[str, float] = {}
    g = load_site_graph(conn, site_cfg.name, crawl_id, timings=timings, known=pages)
    t = time.perf_counter()
    scores = score_list(pagerank_array(g))
    timings["pagerank"] = time.perf_counter() - t
    t = time.perf_counter()
    depths = click_depths(g, depth_array(g))
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
        findings += deep_page_findings(ctx, quiet_deep)
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
    timings["rules"] = time.perf_counter() - t
    return LinksResult(findings, timings, g, orphans, depths, scores)


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


def page_graph_rows(g: SiteGraph, depths: Mapping[int, int], scores: dict[int, float] | list[float]) -> Iterator[tuple]:
    """One row per node, in node order; ``scores``: link_scores' dict or score_list's list (one score per node)."""
    get = depths.get
    site = g.site
    return ((node.url_id, node.url, site, inl, main, linking, depth, None if node.final is not None else score,
             int(depth is not None), out)
            for node, inl, main, linking, depth, score, out in zip(
                g.nodes, g.inlinks, g.inlinks_main, g.linking_pages, map(get, range(len(g.nodes))),
                scores if isinstance(scores, list) else map(scores.get, range(len(g.nodes))), g.outlinks_internal))
