"""The internal link graph of one site, as its latest complete crawl saw it.

Nodes are the site's URLs: everything its latest complete crawl requested (pages, resources, redirects,
errors), plus the HTML pages earlier crawls saw that this one did not.  They are numbered 0..n-1, so
that networkx holds small integers instead of 63-bit url ids.

An edge s -> t says that page s, as the latest crawl read it, has a *navigational* link to t: ``<a>``,
``<area>`` or a meta refresh; what a visitor can click or is sent to.  ``<link>`` elements (canonical,
alternate, stylesheets), images and scripts are not navigation.  A link to a redirect is an edge to
where the redirect ends: the visitor lands there, following a redirect is not a click, and the link's
weight passes on.  One edge per distinct (page, target) pair, without attributes: a page that links
to the same place from its logo, its menu and its text does not vouch for it three times, and
3 million attribute dictionaries would cost more memory than the whole graph.  Links on pages the
latest crawl did not read (an earlier crawl's pages, pages that now redirect or fail) do not count:
they are what the site *used* to say.

networkx does the graph algorithms (PageRank, breadth-first search, components); the per-page counts
(inbound links, linking pages, outbound links) are taken in the same single pass that reads the links,
where they cost almost nothing.
"""
from __future__ import annotations

import json
import math
import sqlite3
import time
from dataclasses import dataclass, field
from typing import Iterable

import networkx as nx

from foundation.urls import path_of, url_id

NAV_KINDS = frozenset(("a", "area", "meta-refresh"))
UNCOUNTED_KINDS = ("link", "form", "sameas")   # <link> in <head>, form actions, JSON-LD sameAs: not followed by a visitor
TEMPLATE_POSITIONS = frozenset(("nav", "header", "footer"))   # the site template: on every page
ELEMENT_NAMES = {
    "a": "link", "area": "image-map link", "meta-refresh": "meta refresh", "img": "image", "script": "script",
    "link": "<link> reference", "iframe": "iframe", "frame": "frame", "form": "form action", "embed": "embedded object",
    "object": "embedded object", "video": "video", "audio": "audio", "source": "media source", "track": "text track",
}


@dataclass(slots=True)
class Node:
    url_id: int
    url: str
    kind: str | None          # page, resource or feed (pages.kind)
    outcome: str | None       # ok, redirect, http_error, failed, blocked, skipped
    status: int | None
    is_html: bool
    crawl_id: int             # the crawl that last requested it
    title: str | None
    found_via: str | None
    found_on: str | None
    fetched_at: str | None
    final: int | None = None  # a redirect: the node where its chain ends (None: a loop, or it leaves the site)

    @property
    def is_live_page(self) -> bool:
        """An HTML page that answered 2xx when it was last requested."""
        return self.outcome == "ok" and self.is_html


@dataclass
class SiteGraph:
    """A site's URLs, the navigational edges between them, and the counts taken while reading the links."""

    site: str
    crawl_id: int
    nodes: list[Node]
    index: dict[int, int]              # url_id -> node
    graph: nx.DiGraph
    start_urls: list[str]
    starts: list[int]                  # start pages, redirected start URLs resolved to where they lead
    truncated: bool                    # max_pages stopped the crawl: pages it did not reach may link anywhere
    sitemaps: dict[int, list[str]] = field(default_factory=dict)   # node -> sitemaps that list it (or a redirect to it)
    inlinks: list[int] = field(default_factory=list)
    inlinks_main: list[int] = field(default_factory=list)
    linking_pages: list[int] = field(default_factory=list)
    outlinks_internal: list[int] = field(default_factory=list)
    redirect_sources: dict[int, list[int]] = field(default_factory=dict)  # redirect node -> pages that link to it
    redirected_from: dict[int, list[int]] = field(default_factory=dict)   # node -> redirects whose chain ends there

    def current(self, n: int) -> bool:
        return self.nodes[n].crawl_id == self.crawl_id

    def is_candidate(self, n: int) -> bool:
        """A page that can be orphaned, deep or a dead end: a live HTML page, now or when last seen."""
        return self.nodes[n].is_live_page

    def linkers(self, n: int) -> list[int]:
        """Pages of the latest crawl with a navigational link to n (directly or through a redirect), n itself excluded."""
        return [p for p in self.graph.pred[n] if p != n]

    def is_linked(self, n: int, ignoring: set[int] | frozenset[int] = frozenset()) -> bool:
        """Does any page (other than n and those in ``ignoring``) link to n?  Stops at the first one."""
        return any(p != n and p not in ignoring for p in self.graph.pred[n])

    def node_of(self, url: str) -> int | None:
        return self.index.get(url_id(url))

    def redirects_to(self, n: int) -> list[int]:
        """Redirects whose chain ends at n."""
        return self.redirected_from.get(n, [])


# ---------------------------------------------------------------------------- reading the facts
def load_site_graph(conn: sqlite3.Connection, site: str, crawl_id: int, timings: dict[str, float] | None = None) -> SiteGraph:
    """Read the site's URLs, links, redirects, sitemap entries and start URLs of crawl ``crawl_id`` (read only).

    ``timings`` receives the seconds spent reading (load) and building the networkx graph (graph).
    """
    started = time.perf_counter()
    nodes: list[Node] = []
    index: dict[int, int] = {}
    finals: list[tuple[int, str]] = []
    for (uid, url, kind, outcome, status, is_html, cid, title, via, found_on, fetched_at, final_url) in conn.execute(
            """SELECT url_id, url, kind, outcome, status, is_html, crawl_id, title, found_via, found_on, fetched_at, final_url
               FROM pages WHERE site = ? AND coalesce(kind, '') != 'external'
                 AND (crawl_id = ? OR (crawl_id < ? AND outcome = 'ok' AND is_html = 1))""", [site, crawl_id, crawl_id]):
        index[uid] = len(nodes)
        if outcome == "redirect" and final_url:
            finals.append((len(nodes), final_url))
        nodes.append(Node(uid, url, kind, outcome, status, bool(is_html), cid, title, via, found_on, fetched_at))
    redirected_from: dict[int, list[int]] = {}
    for n, final_url in finals:
        f = index.get(url_id(final_url))
        if f is not None and nodes[f].outcome != "redirect" and f != n:   # a loop ends on a redirect
            nodes[n].final = f
            redirected_from.setdefault(f, []).append(n)

    row = conn.execute("SELECT start_urls, truncated FROM crawl_sites WHERE crawl_id = ? AND site = ?", [crawl_id, site]).fetchone()
    start_urls = json.loads(row[0]) if row and row[0] else []
    starts: list[int] = []
    for u in start_urls:
        n = index.get(url_id(u))
        if n is not None:
            for m in (n, nodes[n].final):
                if m is not None and m not in starts:
                    starts.append(m)

    g = SiteGraph(site, crawl_id, nodes, index, nx.DiGraph(), start_urls, starts, bool(row and row[1]),
                  redirected_from=redirected_from)
    adjacency = _read_links(conn, g)
    read = time.perf_counter()
    g.graph.add_nodes_from(range(len(nodes)))
    g.graph.add_edges_from((s, t) for s, targets in enumerate(adjacency) for t in targets)
    del adjacency
    _add_refresh_edges(conn, g)
    built = time.perf_counter()

    for uid, sitemap in conn.execute(
            """SELECT e.url_id, s.url FROM sitemap_entries e JOIN urls s ON s.id = e.sitemap_id
               WHERE e.site = ? AND e.is_sitemap = 0""", [site]):
        n = index.get(uid)
        if n is None:
            continue
        for m in (n, nodes[n].final):
            if m is not None:
                g.sitemaps.setdefault(m, []).append(sitemap)
    if timings is not None:
        timings["load"] = (read - started) + (time.perf_counter() - built)
        timings["graph"] = built - read
    return g


def _add_refresh_edges(conn: sqlite3.Connection, g: SiteGraph) -> None:
    """A meta-refresh stub (a Hugo alias, a moved page) sends its visitors on: pages.refresh_url is an
    edge even when its link row is missing (a refresh the link extraction did not keep)."""
    for uid, target in conn.execute(
            """SELECT url_id, refresh_url FROM pages WHERE site = ? AND crawl_id = ? AND outcome = 'ok'
                 AND refresh_url IS NOT NULL AND coalesce(kind, '') != 'external'""", [g.site, g.crawl_id]):
        s, t = g.index.get(uid), g.index.get(url_id(target))
        if s is None or t is None:
            continue
        if g.nodes[t].final is not None:
            t = g.nodes[t].final
        if t != s and not g.graph.has_edge(s, t):
            g.graph.add_edge(s, t)


def _read_links(conn: sqlite3.Connection, g: SiteGraph) -> list[list[int]]:
    """One pass over the links of the latest crawl's pages: the counts per URL, and each page's distinct targets.

    Rows arrive grouped by source page (CROSS JOIN makes SQLite loop over the pages outside and read
    each page's links by the primary key inside), so "have we counted this page for this target yet"
    is one comparison with a per-target stamp instead of a set per page.
    """
    n = len(g.nodes)
    index, nodes = g.index, g.nodes
    inlinks, inlinks_main, linking, outlinks = [0] * n, [0] * n, [0] * n, [0] * n
    last_linker, last_edge = [-1] * n, [-1] * n
    adjacency: list[list[int]] = [[] for _ in range(n)]
    redirect_sources = g.redirect_sources
    marks = ", ".join("?" * len(UNCOUNTED_KINDS))
    rows = conn.execute(
        f"""SELECT l.source_id, l.target_id, l.kind, l.position FROM pages p CROSS JOIN links l ON l.source_id = p.url_id
            WHERE p.site = ? AND p.crawl_id = ? AND p.outcome = 'ok' AND coalesce(p.kind, '') != 'external'
              AND l.internal = 1 AND l.kind NOT IN ({marks})""",
        [g.site, g.crawl_id, *UNCOUNTED_KINDS])
    prev_source, s = None, -1
    for source_id, target_id, kind, position in rows:
        if source_id == target_id:
            continue
        if source_id != prev_source:
            prev_source, s = source_id, index[source_id]
        if kind in NAV_KINDS:
            outlinks[s] += 1
        t = index.get(target_id)
        if t is None:
            continue
        inlinks[t] += 1
        if position == "main":
            inlinks_main[t] += 1
        if last_linker[t] != s:
            last_linker[t] = s
            linking[t] += 1
        if kind not in NAV_KINDS:
            continue
        final = nodes[t].final
        if final is not None:
            redirect_sources.setdefault(t, []).append(s)
            t = final
            if t == s:
                continue
        if last_edge[t] != s:
            last_edge[t] = s
            adjacency[s].append(t)
    g.inlinks, g.inlinks_main, g.linking_pages, g.outlinks_internal = inlinks, inlinks_main, linking, outlinks
    return adjacency


@dataclass(slots=True)
class LinkRef:
    """One link, as a person checks it: on which page, with which text, where on the page, which element."""
    source: int               # node of the linking page
    source_url: str
    target_id: int            # url id of the URL the link names (a redirect, when it goes through one)
    anchor: str | None
    position: str | None
    kind: str
    rel: str | None = None

    def as_evidence(self) -> dict:
        d = {"page": self.source_url, "anchor": self.anchor or "", "position": self.position or ""}
        if self.kind == "link":
            d["element"] = f"<link rel={self.rel}>" if self.rel else "<link>"
        elif self.kind != "a":
            d["element"] = ELEMENT_NAMES.get(self.kind, self.kind)
        return d


def link_details(conn: sqlite3.Connection, g: SiteGraph, target_ids: Iterable[int], *,
                 exclude_sources: set[int] | frozenset[int] = frozenset()) -> dict[int, list[LinkRef]]:
    """Every link (any element) from the latest crawl's pages to these URL ids, by target, in page order.

    Asked only for the few URLs a finding is about, through the index on links.target_id.
    """
    out: dict[int, list[LinkRef]] = {}
    ids = list(dict.fromkeys(target_ids))
    for i in range(0, len(ids), 500):
        chunk = ids[i:i + 500]
        for source_id, target_id, kind, anchor, position, rel in conn.execute(
                f"""SELECT l.source_id, l.target_id, l.kind, l.anchor, l.position, l.rel FROM links l
                    JOIN pages p ON p.url_id = l.source_id
                    WHERE l.target_id IN ({', '.join('?' * len(chunk))}) AND p.site = ? AND p.crawl_id = ? AND p.outcome = 'ok'
                    ORDER BY p.url, l.ordinal""", [*chunk, g.site, g.crawl_id]):
            s = g.index.get(source_id)
            if s is None or source_id == target_id or s in exclude_sources:
                continue
            out.setdefault(target_id, []).append(LinkRef(s, g.nodes[s].url, target_id, anchor, position, kind, rel))
    return out


# ---------------------------------------------------------------------------- algorithms
def click_depths(g: SiteGraph) -> dict[int, int]:
    """Fewest clicks from a start page to each node it leads to (networkx breadth-first search).

    A redirect gets the depth of the link that names it: the visitor clicked once and landed further on.
    """
    depth: dict[int, int] = {}
    if g.starts:
        for d, layer in enumerate(nx.bfs_layers(g.graph, g.starts)):
            for n in layer:
                depth[n] = d
    for r, sources in g.redirect_sources.items():
        ds = [depth[s] + 1 for s in sources if s in depth]
        if ds and r not in depth:
            depth[r] = min(ds)
    for u in g.start_urls:   # a start URL that redirects is still where visits start
        n = g.index.get(url_id(u))
        if n is not None:
            depth[n] = 0
    return depth


def reachable_without(g: SiteGraph, stop_at: set[int], removed: set[int] = frozenset()) -> set[int]:
    """Nodes a visitor reaches from the start pages when the pages in ``stop_at`` are reached but not
    followed any further (their links do not count), and the pages in ``removed`` do not exist."""
    sources = [s for s in g.starts if s not in removed]
    if not sources:
        return set()
    stop = set(stop_at) - set(g.starts)   # visits start at a start page whatever its state
    view = g.graph
    if stop or removed:
        view = nx.subgraph_view(g.graph, filter_node=(lambda n: n not in removed) if removed else nx.filters.no_filter,
                                filter_edge=(lambda u, v: u not in stop) if stop else nx.filters.no_filter)
    return {n for layer in nx.bfs_layers(view, sources) for n in layer}


def link_scores(g: SiteGraph) -> dict[int, float]:
    """PageRank over the navigational edges, scaled to 0..100 on a logarithmic scale.

    PageRank values span orders of magnitude (the home page holds hundreds of times the share of an
    article); a linear scale would show 100 for the home page and 0 for everything else.  On the
    logarithmic scale 0 is a page nothing links to and 100 the page the links favour most.
    """
    if g.graph.number_of_nodes() == 0:
        return {}
    pr = nx.pagerank(g.graph, weight=None, max_iter=200)
    lo, hi = min(pr.values()), max(pr.values())
    if hi <= lo:
        return {n: 0.0 for n in pr}
    span = math.log(hi) - math.log(lo)
    return {n: round(100 * (math.log(v) - math.log(lo)) / span, 1) for n, v in pr.items()}


class ClickPaths:
    """Shortest click paths from the start pages, found backwards: from a page to a predecessor one click
    nearer the start, and so on.  Each page's step back is remembered, so a section page that every
    page links to is searched once, not once for every deep page below it."""

    def __init__(self, g: SiteGraph, depths: dict[int, int]) -> None:
        self.g, self.depths = g, depths
        self.parent: dict[int, int | None] = {}

    def path(self, n: int) -> list[int]:
        path = [n]
        while self.depths.get(path[-1], 0) > 0:
            m = path[-1]
            if m not in self.parent:
                d = self.depths[m]
                self.parent[m] = next((p for p in self.g.graph.pred[m] if self.depths.get(p) == d - 1), None)
            if self.parent[m] is None:
                break
            path.append(self.parent[m])
        return path[::-1]


# ---------------------------------------------------------------------------- orphans
@dataclass
class Orphans:
    """Which pages nothing leads to.

    orphans:  linked from no page of the latest crawl (other than themselves).
    islands:  linked, but no page reachable from a root (a start page or a page a sitemap lists) leads to
              them: only orphans, other island pages or unreachable pages link to them.
    reachable: every node a visitor reaches from the roots by following links, meta refreshes and
              redirects, whatever the date analysis thinks of the pages on the way.
    living:   reachable from a start page through pages that are not flagged (outdated or expired):
              where the removal impact looks for redirect targets.
    through_flagged: live pages a start page leads to only through flagged pages (reachable from a start
              page, not living): information (links.reached_only_through_outdated), never orphaned.
    """
    orphans: set[int]
    islands: set[int]
    living: set[int]
    reachable: set[int] = field(default_factory=set)
    through_flagged: set[int] = field(default_factory=set)

    def dead(self) -> set[int]:
        return self.orphans | self.islands


def is_site_root(url: str) -> bool:
    return path_of(url) == "/"


def roots_of(g: SiteGraph, removed: set[int] | frozenset[int] = frozenset()) -> list[int]:
    """Where visits start: the start pages and every page a sitemap lists (a listed redirect: where it ends)."""
    roots = list(g.starts)
    seen = set(roots)
    for n in g.sitemaps:   # g.sitemaps holds the listed node and, for a listed redirect, its end
        if n not in seen:
            seen.add(n)
            roots.append(n)
    return [n for n in roots if n not in removed]


def find_orphans(g: SiteGraph, flagged: set[int], removed: set[int] = frozenset()) -> Orphans:
    """Orphans and islands among the candidate pages (``removed``: pages to imagine gone, for removal impact).

    Orphaned means unreachable: an island page is one that no page reachable from a start page or a
    sitemap entry leads to.  ``flagged`` (outdated or expired pages) does not stop the traversal: a stale
    listing still leads to the posts behind it.  It only decides ``living`` and ``through_flagged``.
    A start URL at the root of its host ("/") is never an orphan: people reach it by typing the address.
    Any other start URL that nothing links to is one: only the crawl's configuration knows it.
    """
    home_roots = {n for n in g.starts if is_site_root(g.nodes[n].url)}
    for u in g.start_urls:
        n = g.index.get(url_id(u))
        if n is not None and is_site_root(u) and g.nodes[n].final is not None:
            home_roots.add(g.nodes[n].final)
    sources = roots_of(g, removed)
    view = g.graph if not removed else nx.subgraph_view(g.graph, filter_node=lambda n: n not in removed)
    reachable = {n for layer in nx.bfs_layers(view, sources) for n in layer} if sources else set()
    living = reachable_without(g, flagged, removed)
    from_starts = reachable_without(g, set(), removed)
    orphans, islands, through = set(), set(), set()
    for n in range(len(g.nodes)):
        if n in removed or n in home_roots or not g.is_candidate(n):
            continue
        if not g.is_linked(n, removed):
            orphans.add(n)
        elif not any(p in reachable for p in g.graph.pred[n] if p != n and p not in removed):
            islands.add(n)
        elif n in from_starts and n not in living and g.current(n):
            through.add(n)
    return Orphans(orphans, islands, living, reachable, through)


def components(g: SiteGraph, members: set[int]) -> list[set[int]]:
    """The groups of pages among ``members`` that link to each other (weakly connected components)."""
    return [set(c) for c in nx.weakly_connected_components(g.graph.subgraph(members))]
