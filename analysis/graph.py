"""The internal link graph of one site, as its latest complete crawl saw it.

Nodes are the site's URLs: everything its latest complete crawl requested (pages, resources, redirects,
errors), plus the HTML pages earlier crawls saw that this one did not.  They are numbered 0..n-1 (int32
in the edge arrays instead of 63-bit url ids).

An edge s -> t says that page s, as the latest crawl read it, has a *navigational* link to t: ``<a>``,
``<area>`` or a meta refresh; what a visitor can click or is sent to.  ``<link>`` elements (canonical,
alternate, stylesheets), images and scripts are not navigation.  A link to a redirect is an edge to
where the redirect ends: the visitor lands there, following a redirect is not a click, and the link's
weight passes on.  One edge per distinct (page, target) pair, without attributes: a page that links
to the same place from its logo, its menu and its text does not vouch for it three times, and
3 million attribute dictionaries would cost more memory than the whole graph.  Links on pages the
latest crawl did not read (an earlier crawl's pages, pages that now redirect or fail) do not count:
they are what the site *used* to say.

The edges are numpy arrays (``analysis/graph_csr.py``: CSR successors, CSC predecessors), so that a
million pages and 30 million links fit in a few hundred MB: PageRank (networkx's own iteration on the
sparse matrix), breadth-first search and the orphan masks run on them; networkx is kept for small
questions (the components of the orphan islands, ``SiteGraph.graph`` on demand).  The per-page counts
(inbound links, linking pages, outbound links) come from the same single read of the links.
"""
from __future__ import annotations

import json
import operator
import sqlite3
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Iterable

import networkx as nx
import numpy as np

from analysis.graph_csr import (NAV_KINDS, PAGER_RELS, Adjacency, LinkRows, bfs_depths, distinct, mask_of, pagerank,
                                read_link_rows, score_list)
from analysis.sections import section_key
from foundation.urls import path_of, url_id

# <link> in <head> (but a pager's rel=next/prev, PAGER_RELS), form actions, JSON-LD sameAs: not followed by a visitor
UNCOUNTED_KINDS = ("link", "form", "sameas")
TEMPLATE_POSITIONS = frozenset(("nav", "header", "footer"))   # the site template: on every page
REGION_NAMES = {"nav": "navigation", "header": "header", "footer": "footer", "aside": "sidebar"}   # in words
ELEMENT_NAMES = {
    "a": "link", "area": "image-map link", "meta-refresh": "meta refresh", "option": "jump-menu option", "img": "image", "script": "script",
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
    found_via: str | None     # (found_on is read only for the few pages that need it: analysis/links_reach.py)
    fetched_at: str | None
    final: int | None = None  # a redirect: the node where its chain ends (None: a loop, or it leaves the site)

    @property
    def is_live_page(self) -> bool:
        """An HTML page that answered 2xx when it was last requested."""
        return self.outcome == "ok" and self.is_html


@dataclass
class SiteGraph:
    """A site's URLs, the navigational edges between them, and the counts taken while reading the links.

    The edges are arrays (``adj``: analysis.graph_csr): ``succ(n)``, ``pred(n)``, ``linkers(n)`` and
    ``is_linked`` answer the per-page questions; ``graph`` builds a networkx DiGraph of the same edges
    when a small question wants one (it is not built on the analysis path).
    """

    site: str
    crawl_id: int
    nodes: list[Node]
    index: dict[int, int]              # url_id -> node
    adj: Adjacency
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
    _nx: nx.DiGraph | None = field(default=None, repr=False)

    @property
    def graph(self) -> nx.DiGraph:
        """The edges as a networkx DiGraph (built on first use; predecessors in the arrays' order)."""
        if self._nx is None:
            d = nx.DiGraph()
            d.add_nodes_from(range(len(self.nodes)))
            a = self.adj
            targets = np.repeat(np.arange(a.n, dtype=np.int64), np.diff(a.pred_ptr))
            d.add_edges_from(zip(a.pred_idx.tolist(), targets.tolist()))
            self._nx = d
        return self._nx

    def current(self, n: int) -> bool:
        return self.nodes[n].crawl_id == self.crawl_id

    def is_candidate(self, n: int) -> bool:
        """A page that can be orphaned, deep or a dead end: a live HTML page, now or when last seen."""
        return self.nodes[n].is_live_page

    def succ(self, n: int) -> list[int]:
        """Where n's navigational links lead (each once)."""
        a = self.adj
        return a.succ_idx[a.succ_ptr[n]:a.succ_ptr[n + 1]].tolist()

    def pred(self, n: int) -> list[int]:
        """The pages with a navigational link to n (each once), in the order networkx would list them."""
        a = self.adj
        return a.pred_idx[a.pred_ptr[n]:a.pred_ptr[n + 1]].tolist()

    def linkers(self, n: int) -> list[int]:
        """Pages of the latest crawl with a navigational link to n (directly or through a redirect), n itself excluded."""
        return [p for p in self.pred(n) if p != n]

    def linker_count(self, n: int) -> int:
        """len(linkers(n)), without the list (the graph has no self loops)."""
        return int(self.adj.pred_ptr[n + 1] - self.adj.pred_ptr[n])

    def is_linked(self, n: int, ignoring: set[int] | frozenset[int] = frozenset()) -> bool:
        """Does any page (other than n and those in ``ignoring``) link to n?  Stops at the first one."""
        return any(p != n and p not in ignoring for p in self.pred(n))

    def node_of(self, url: str) -> int | None:
        return self.index.get(url_id(url))

    def redirects_to(self, n: int) -> list[int]:
        """Redirects whose chain ends at n."""
        return self.redirected_from.get(n, [])


# ---------------------------------------------------------------------------- reading the facts
def load_site_graph(conn: sqlite3.Connection, site: str, crawl_id: int, timings: dict[str, float] | None = None,
                    known: Iterable | None = None) -> SiteGraph:
    """Read the site's URLs, links, redirects, sitemap entries and start URLs of crawl ``crawl_id`` (read only).

    ``timings`` receives the seconds spent reading (load) and building the graph's arrays (graph).  ``known``: objects
    with the ``url_id``, ``url`` and ``title`` the pages table holds (the analysis' pages): the nodes share their
    strings instead of holding copies (a million pages: some 250 MB).
    """
    started = time.perf_counter()
    nodes: list[Node] = []
    index: dict[int, int] = {}
    finals: list[tuple[int, str]] = []
    same: dict = {}   # one str object for the values many pages share (kind, outcome, dates of a crawl)
    shared = {p.url_id: p for p in known} if known is not None else {}
    for (uid, url, kind, outcome, status, is_html, cid, title, via, fetched_at, final_url) in conn.execute(
            """SELECT url_id, url, kind, outcome, status, is_html, crawl_id, title, found_via, fetched_at, final_url
               FROM pages WHERE site = ? AND coalesce(kind, '') != 'external'
                 AND (crawl_id = ? OR (crawl_id < ? AND outcome = 'ok' AND is_html = 1))""", [site, crawl_id, crawl_id]):
        index[uid] = len(nodes)
        if outcome == "redirect" and final_url:
            finals.append((len(nodes), final_url))
        page = shared.get(uid)
        if page is not None and page.url == url and page.title == title:
            url, title = page.url, page.title
        nodes.append(Node(uid, url, same.setdefault(kind, kind), same.setdefault(outcome, outcome), status, bool(is_html), cid,
                          title, same.setdefault(via, via), same.setdefault(fetched_at, fetched_at)))
        if len(same) > 10_000:
            same.clear()
    del same, shared
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

    url_ids = np.fromiter((node.url_id for node in nodes), dtype=np.int64, count=len(nodes))
    rows = read_link_rows(conn, site, crawl_id, UNCOUNTED_KINDS, url_ids, index)
    read = time.perf_counter()
    adj, counts = _edges(conn, site, crawl_id, nodes, index, rows)
    del rows
    g = SiteGraph(site, crawl_id, nodes, index, adj, start_urls, starts, bool(row and row[1]), redirected_from=redirected_from)
    g.inlinks, g.inlinks_main, g.linking_pages, g.outlinks_internal, g.redirect_sources = counts
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


def _edges(conn: sqlite3.Connection, site: str, crawl_id: int, nodes: list[Node], index: dict[int, int],
           rows: LinkRows) -> tuple[Adjacency, tuple]:
    """The per-URL counts and the distinct navigational edges, from the link rows (numpy, no loop per link).

    inlinks: rows naming the URL; inlinks_main: those in main content; linking_pages: distinct pages
    naming it; outlinks_internal: a page's navigational rows to the site.  An edge goes where a
    redirect ends (the redirect keeps who linked to it, ``redirect_sources``), never back to its page.
    """
    n = len(nodes)
    final = np.fromiter(((-1 if node.final is None else node.final) for node in nodes), dtype=np.int32, count=n)
    src, tgt = rows.source, rows.target   # int32; memory per link matters at 30 million links
    outlinks = np.bincount(src[rows.nav], minlength=n)
    known = tgt >= 0
    inlinks = np.bincount(tgt[known], minlength=n)
    inlinks_main = np.bincount(tgt[known & rows.main], minlength=n)
    keys = src[known].astype(np.int64) * n
    keys += tgt[known]
    linking = np.bincount(distinct(keys, inplace=True) % n, minlength=n) if n else np.zeros(0, np.int64)
    del keys
    nav = known & rows.nav
    del known
    s, t = src[nav], tgt[nav]
    del nav
    ends = final[t]
    through = ends >= 0
    redirect_sources: dict[int, list[int]] = {}
    for r, p in zip(t[through].tolist(), s[through].tolist()):
        redirect_sources.setdefault(r, []).append(p)
    t = np.where(through, ends, t)
    del ends, through
    keep = t != s
    pairs = s[keep].astype(np.int64) * n
    pairs += t[keep]
    del s, t, keep
    pairs = distinct(pairs, inplace=True) if n else pairs
    # a meta-refresh stub sends its visitors on: pages.refresh_url is an edge even without its link row
    extra: list[tuple[int, int]] = []
    for uid, target in conn.execute(
            """SELECT url_id, refresh_url FROM pages WHERE site = ? AND crawl_id = ? AND outcome = 'ok'
                 AND refresh_url IS NOT NULL AND coalesce(kind, '') != 'external'""", [site, crawl_id]):
        a, b = index.get(uid), index.get(url_id(target))
        if a is None or b is None:
            continue
        if nodes[b].final is not None:
            b = nodes[b].final
        if b != a:
            extra.append((a, b))
    if not extra:
        adj = Adjacency.from_keys(n, pairs)
    else:
        rank = np.zeros(len(pairs), dtype=np.int64)
        have = set(pairs[np.isin(pairs, [a * n + b for a, b in extra])].tolist())
        added: list[int] = []
        for a, b in extra:
            if a * n + b not in have:
                have.add(a * n + b)
                added.append(a * n + b)
        pairs = np.concatenate([pairs, np.asarray(added, dtype=np.int64)])
        rank = np.concatenate([rank, np.arange(1, len(added) + 1, dtype=np.int64)])   # after the links, in the order found
        adj = Adjacency.build(n, pairs // n, pairs % n, rank)
    return adj, (inlinks.tolist(), inlinks_main.tolist(), linking.tolist(), outlinks.tolist(), redirect_sources)
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

    @property
    def navigational(self) -> bool:
        """Followed by visitors (an edge of the graph): NAV_KINDS, or a pager's <link rel=next/prev>."""
        return self.kind in NAV_KINDS or (self.kind == "link" and self.rel in PAGER_RELS)

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

    Asked only for the few URLs a finding is about, through the index on links.target_id.  The linking page is
    taken from the graph's nodes (the site's pages; of the latest crawl, answered ok), not joined in SQL: a broken
    link in a million pages' footer is a million rows, each a lookup in the pages table and a sort by its URL.
    """
    out: dict[int, list[LinkRef]] = {}
    ids = list(dict.fromkeys(target_ids))
    index, nodes, crawl_id = g.index, g.nodes, g.crawl_id
    for i in range(0, len(ids), 500):
        chunk = ids[i:i + 500]
        rows = []
        for source_id, ordinal, target_id, kind, anchor, position, rel in conn.execute(
                f"""SELECT source_id, ordinal, target_id, kind, anchor, position, rel FROM links
                    WHERE target_id IN ({', '.join('?' * len(chunk))})""", chunk):
            s = index.get(source_id)
            if s is None or source_id == target_id or s in exclude_sources:
                continue
            node = nodes[s]
            if node.crawl_id == crawl_id and node.outcome == "ok":
                rows.append((node.url, ordinal, s, target_id, anchor, position, kind, rel))
        rows.sort(key=_by_page)   # in page order (URL), then the page's own order
        for url, _, s, target_id, anchor, position, kind, rel in rows:
            out.setdefault(target_id, []).append(LinkRef(s, url, target_id, anchor, position, kind, rel))
    return out


_by_page = operator.itemgetter(0, 1)


# ---------------------------------------------------------------------------- algorithms
def depth_array(g: SiteGraph) -> np.ndarray:
    """Breadth-first depth of every node from the start pages (-1: not reached), before redirects get theirs."""
    return bfs_depths(g.adj, g.starts)


class Depths(Mapping):
    """node -> clicks from a start page, for the nodes a start page leads to; read like a dict, held as one int32
    array (-1: not reached): a million pages' depths as a dict would cost some 100 MB."""

    def __init__(self, array: np.ndarray) -> None:
        self.array = array

    def __getitem__(self, n: int) -> int:
        d = self.get(n)
        if d is None:
            raise KeyError(n)
        return d

    def get(self, n: int, default=None):
        d = int(self.array[n]) if 0 <= n < len(self.array) else -1
        return default if d < 0 else d

    def __contains__(self, n) -> bool:
        try:
            i = operator.index(n)
        except TypeError:
            return False
        return 0 <= i < len(self.array) and bool(self.array[i] >= 0)

    def __iter__(self):
        return iter(np.flatnonzero(self.array >= 0).tolist())

    def __len__(self) -> int:
        return int(np.count_nonzero(self.array >= 0))

    def items(self):
        reached = np.flatnonzero(self.array >= 0)
        return zip(reached.tolist(), self.array[reached].tolist())


def click_depths(g: SiteGraph, depth: np.ndarray | None = None) -> Depths:
    """Fewest clicks from a start page to each node it leads to (breadth-first search on the arrays).

    A redirect gets the depth of the link that names it: the visitor clicked once and landed further on.
    """
    if depth is None:
        depth = depth_array(g)
    out = depth.astype(np.int32)
    for r, sources in g.redirect_sources.items():
        ds = [int(depth[s]) + 1 for s in sources if depth[s] >= 0]   # the links' depths, before redirects got theirs
        if ds and out[r] < 0:
            out[r] = min(ds)
    for u in g.start_urls:   # a start URL that redirects is still where visits start
        n = g.index.get(url_id(u))
        if n is not None:
            out[n] = 0
    return Depths(out)


def reachable_mask(g: SiteGraph, stop_at, removed=frozenset(), sources=None) -> np.ndarray:
    """reachable_without, as a mask over the nodes."""
    n = len(g.nodes)
    if sources is None:
        sources = [s for s in g.starts if s not in removed]
    if not sources:
        return np.zeros(n, dtype=bool)
    stop = set(stop_at) - set(g.starts)   # visits start at a start page whatever its state
    depth = bfs_depths(g.adj, sources, stop=mask_of(n, stop) if stop else None, removed=mask_of(n, removed) if removed else None)
    return depth >= 0


def reachable_without(g: SiteGraph, stop_at: set[int], removed: set[int] = frozenset()) -> set[int]:
    """Nodes a visitor reaches from the start pages when the pages in ``stop_at`` are reached but not
    followed any further (their links do not count), and the pages in ``removed`` do not exist."""
    return set(np.flatnonzero(reachable_mask(g, stop_at, removed)).tolist())


def pagerank_array(g: SiteGraph) -> np.ndarray:
    """networkx's PageRank (weight None, 200 iterations at most), computed on the arrays."""
    return pagerank(g.adj, max_iter=200)


def link_scores(g: SiteGraph) -> dict[int, float]:
    """PageRank over the navigational edges, scaled to 0..100 on a logarithmic scale.

    PageRank values span orders of magnitude (the home page holds hundreds of times the share of an
    article); a linear scale would show 100 for the home page and 0 for everything else.  On the
    logarithmic scale 0 is a page nothing links to and 100 the page the links favour most.
    """
    return dict(enumerate(score_list(pagerank_array(g))))


class ClickPaths:
    """Shortest click paths from the start pages, found backwards: from a page to a predecessor one click
    nearer the start, and so on: the first predecessor (in ``pred`` order) one click nearer.  Every
    page's step back is found at once, in one numpy pass over the predecessor arrays."""

    def __init__(self, g: SiteGraph, depths: Depths) -> None:
        self.g, self.depths = g, depths
        self._parent: list[int] | None = None

    def parents(self) -> list[int]:
        """Each node's step back (-1: none), as a list: a million paths index it twenty million times."""
        if self._parent is None:
            a, n = self.g.adj, len(self.g.nodes)
            depth = self.depths.array.astype(np.int64)
            targets = np.repeat(np.arange(n, dtype=np.int32), np.diff(a.pred_ptr))
            one_nearer = np.flatnonzero((depth[a.pred_idx] == depth[targets] - 1) & (depth[targets] > 0))
            found = targets[one_nearer]
            del targets
            first = np.ones(len(found), dtype=bool)
            if len(found) > 1:
                np.not_equal(found[1:], found[:-1], out=first[1:])
            parent = np.full(n, -1, dtype=np.int64)
            parent[found[first]] = a.pred_idx[one_nearer[first]]
            self._parent = parent.tolist()
        return self._parent

    def _back(self, n: int, stop: set[int] | frozenset[int] = frozenset()) -> tuple[list[int], int]:
        """n and its steps back towards a start page, up to a start page or to a node of ``stop`` (not included);
        with that node of ``stop``, or -1."""
        parent, depths = self.parents(), self.depths
        steps, m = [n], n
        while depths.get(m, 0) > 0:
            m = parent[m]
            if m < 0 or m in stop:
                return steps, m
            steps.append(m)
        return steps, -1

    def path(self, n: int) -> list[int]:
        return self._back(n)[0][::-1]

    def url_paths(self, ns) -> dict[int, tuple[str, ...]]:
        """``path(n)`` as the pages' URLs for each of ``ns``, each path found once: a page's path is its nearest
        asked-for predecessor's path (shared, not copied step by step) and the steps after it.  On a million pages
        (hundreds of thousands of deep pages, a path each) walking every path step by step was a tenth of the link
        analysis."""
        depths, nodes = self.depths, self.g.nodes
        asked = set(ns)
        out: dict[int, tuple[str, ...]] = {}
        for n in sorted(asked, key=lambda n: depths.get(n, 0)):   # a predecessor before the pages after it
            steps, at = self._back(n, asked)
            out[n] = (out[at] if at >= 0 else ()) + tuple(nodes[k].url for k in reversed(steps))
        return out


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
    living_mask: np.ndarray        # living and reachable as masks over the nodes: a million pages' sets cost 130 MB
    reachable_mask: np.ndarray
    through_flagged: set[int] = field(default_factory=set)

    @property
    def living(self) -> set[int]:
        return set(np.flatnonzero(self.living_mask).tolist())

    @property
    def reachable(self) -> set[int]:
        return set(np.flatnonzero(self.reachable_mask).tolist())

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
    size = len(g.nodes)
    sources = roots_of(g, removed)
    gone = mask_of(size, removed)
    reachable = reachable_mask(g, set(), removed, sources=sources) if sources else np.zeros(size, dtype=bool)
    living = reachable_mask(g, flagged, removed)
    from_starts = reachable_mask(g, set(), removed)
    a = g.adj
    targets = np.repeat(np.arange(size, dtype=np.int64), np.diff(a.pred_ptr))
    counted = ~gone[a.pred_idx]   # predecessors that still exist (the graph has no self loops)
    linked = np.bincount(targets[counted], minlength=size) > 0
    from_reachable = np.bincount(targets[counted & reachable[a.pred_idx]], minlength=size) > 0
    del targets, counted
    current = np.fromiter((node.crawl_id == g.crawl_id for node in g.nodes), dtype=bool, count=size)
    candidate = np.fromiter((node.is_live_page for node in g.nodes), dtype=bool, count=size)
    candidate &= ~gone
    candidate[list(home_roots)] = False
    orphans = set(np.flatnonzero(candidate & ~linked).tolist())
    islands = set(np.flatnonzero(candidate & linked & ~from_reachable).tolist())
    through = set(np.flatnonzero(candidate & linked & from_reachable & from_starts & ~living & current).tolist())
    return Orphans(orphans, islands, living, reachable, through)


UNREAD = frozenset(("blocked", "failed"))   # answers the crawl could not read a page's links from (robots.txt, an error)


def unread_near(g: SiteGraph, nodes: Iterable[int], reachable: np.ndarray) -> dict[int, str]:
    """The pages among ``nodes`` whose section (its first path segment) has a page visitors are led to (a page
    ``reachable`` links to it) that the crawl could not read (robots.txt forbids it, or it failed): node -> that
    page's URL.  That page may link to them (an events calendar robots.txt keeps crawlers out of links to every
    event), so "nothing links to it" is not known."""
    unread: dict[str, str] = {}
    for n, node in enumerate(g.nodes):
        if node.outcome in UNREAD and any(reachable[p] for p in g.linkers(n)):
            section = section_key(node.url)
            if section != "/":
                unread.setdefault(section, node.url)
    if not unread:
        return {}
    return {n: unread[s] for n in nodes if (s := section_key(g.nodes[n].url)) in unread}


def components(g: SiteGraph, members: set[int]) -> list[set[int]]:
    """The groups of pages among ``members`` that link to each other (weakly connected components)."""
    sub = nx.DiGraph()
    sub.add_nodes_from(members)
    sub.add_edges_from((m, t) for m in members for t in g.succ(m) if t in members)
    return [set(c) for c in nx.weakly_connected_components(sub)]
