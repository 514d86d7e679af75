"""The link graph as compressed sparse arrays: read straight from SQLite, walked with numpy.

A site of a million pages has some 30 million links.  As a networkx graph of Python ints that is about
10 KB a page and minutes of work; as arrays it is a few bytes a link: ``succ_ptr``/``succ_idx`` list
each node's successors (CSR), ``pred_ptr``/``pred_idx`` each node's predecessors (CSC), node numbers
int32.  The rows cross from SQLite to Python once per *page*, not once per link: SQLite concatenates
each page's target ids (``group_concat``) and numpy parses them in bulk, because a Python tuple per link
row costs more than everything else together (benchmarks/graph_bench.py).

PageRank is networkx's own power iteration (``_pagerank_scipy``) on the same sparse matrix, with the
same damping, tolerance, dangling-node handling and arithmetic, so its numbers are networkx's.
Breadth-first search is a frontier search over the CSR arrays: one numpy step per layer.
"""
from __future__ import annotations

import math
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import networkx as nx
import numpy as np
import scipy.sparse as sparse

# what visitors follow: a link, an image-map area, a meta refresh, a jump menu's <option> (a <select> that goes
# where its option says); and a listing's <link rel=next/prev>: its next page is reached by its pager or its
# "load more" button, whose script the crawl does not run
NAV_KINDS = frozenset(("a", "area", "meta-refresh", "option"))
PAGER_RELS = frozenset(("next", "prev", "previous"))
NAV_SQL = "(" + ", ".join(f"'{k}'" for k in sorted(NAV_KINDS)) + ")"
_PAGER_SQL = "(l.kind = 'link' AND l.rel IN (" + ", ".join(f"'{r}'" for r in sorted(PAGER_RELS)) + "))"


@dataclass
class LinkRows:
    """The counted link rows of the latest crawl's pages, one entry per row (self links left out)."""
    source: np.ndarray     # node of the linking page (int32)
    target: np.ndarray     # node of the target, -1 when the target is not a node of the graph (int32)
    nav: np.ndarray        # a navigational element (NAV_KINDS, or a pager's <link rel=next/prev>) (bool)
    main: np.ndarray       # in the page's main content (bool)


LINK_ROWS_SQL = f"""SELECT p.url_id, count(*), group_concat(l.target_id), group_concat((l.kind IN {NAV_SQL} OR {_PAGER_SQL}) + 2 * (l.position = 'main'), '')
    FROM pages p CROSS JOIN links l ON l.source_id = p.url_id
    WHERE p.site = ? AND p.crawl_id = ? AND p.outcome = 'ok' AND coalesce(p.kind, '') != 'external'
      AND l.internal = 1 AND (l.kind NOT IN ({{marks}}) OR {_PAGER_SQL}) AND l.target_id != l.source_id AND p.url_id BETWEEN ? AND ?
    GROUP BY p.url_id"""
PARALLEL_FROM = 200_000   # pages: below this one connection reads the links (a thread costs more than it saves)


def read_link_rows(conn: sqlite3.Connection, site: str, crawl_id: int, uncounted: tuple[str, ...],
                   url_ids: np.ndarray, index: dict[int, int]) -> LinkRows:
    """One pass over the links of the latest crawl's pages (internal, not of an ``uncounted`` kind).

    ``url_ids``: the url id of each node, in node order.  One row per page crosses into Python: its
    target ids as decimal text and its flags as one digit per link, parsed by numpy.  On a large site
    two read-only connections read half the pages each (SQLite works without Python's lock, so two
    cores share the work); only when ``conn`` has nothing uncommitted, so both see what it sees.
    """
    sql = LINK_ROWS_SQL.format(marks=", ".join("?" * len(uncounted)))
    params = [site, crawl_id, *uncounted]
    path = _database_file(conn)
    lo, hi = -2**63, 2**63 - 1
    order = np.argsort(url_ids, kind="stable")
    lookup = (url_ids[order], order.astype(np.int32))
    if path and not conn.in_transaction and len(url_ids) >= PARALLEL_FROM:
        mid = int(np.median(url_ids))
        with ThreadPoolExecutor(2) as pool:
            parts = [c for part in pool.map(lambda bounds: _read_part(None, path, sql, [*params, *bounds], index, lookup),
                                            [(lo, mid - 1), (mid, hi)]) for c in part]
    else:
        parts = _read_part(conn, None, sql, [*params, lo, hi], index, lookup)
    columns = []
    for i in range(3):   # one column at a time, each chunk let go once copied: the peak stays near one copy
        columns.append(np.concatenate([c[i] for c in parts]) if parts else np.empty(0, (np.int32, np.int32, np.uint8)[i]))
        for c in parts:
            c[i] = None
    source, target, digits = columns
    return LinkRows(source, target, (digits & 1).astype(bool), (digits & 2).astype(bool))


def _database_file(conn: sqlite3.Connection) -> str | None:
    for _, name, file in conn.execute("PRAGMA database_list"):
        if name == "main":
            return file or None
    return None


def _read_part(conn: sqlite3.Connection | None, path: str | None, sql: str, params: list, index: dict[int, int],
               lookup: tuple[np.ndarray, np.ndarray]) -> list[list]:
    """The link rows of the pages in one url id range, in chunks of [source nodes, target nodes, flag digits],
    parsed every few thousand pages so that the text never piles up."""
    own = conn is None
    if own:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
    out: list[list] = []
    sources: list[int] = []
    counts: list[int] = []
    targets: list[str] = []
    flags: list[str] = []

    def parse() -> None:
        source = np.repeat(np.asarray(sources, dtype=np.int32), np.asarray(counts, dtype=np.int64))
        target_ids = np.fromstring(",".join(targets), dtype=np.int64, sep=",") if targets else np.empty(0, np.int64)
        digits = np.frombuffer("".join(flags).encode("ascii"), dtype=np.uint8) - 48   # text mode above: exact for 64-bit ints
        assert len(source) == len(target_ids) == len(digits), (len(source), len(target_ids), len(digits))
        out.append([source, _nodes(target_ids, *lookup), digits])
        for part in (sources, counts, targets, flags):
            part.clear()

    try:
        for source_id, n_links, target_text, flag_text in conn.execute(sql, params):
            sources.append(index[source_id])
            counts.append(n_links)
            targets.append(target_text)
            flags.append(flag_text)
            if len(sources) == 20_000:
                parse()
    finally:
        if own:
            conn.close()
    if sources:
        parse()
    return out


def nodes_of(ids: np.ndarray, url_ids: np.ndarray) -> np.ndarray:
    """The node of each url id (int32), -1 for the ids that are not nodes."""
    order = np.argsort(url_ids, kind="stable")
    return _nodes(ids, url_ids[order], order.astype(np.int32))


def _nodes(ids: np.ndarray, ordered: np.ndarray, order: np.ndarray) -> np.ndarray:
    if not len(ordered):
        return np.full(len(ids), -1, dtype=np.int32)
    pos = np.searchsorted(ordered, ids)
    pos[pos == len(ordered)] = 0
    return np.where(ordered[pos] == ids, order[pos], np.int32(-1)).astype(np.int32, copy=False)


@dataclass
class Adjacency:
    """Distinct directed edges as CSR (successors) and CSC (predecessors) arrays over n nodes."""
    n: int
    succ_ptr: np.ndarray
    succ_idx: np.ndarray
    pred_ptr: np.ndarray
    pred_idx: np.ndarray

    @classmethod
    def build(cls, n: int, sources: np.ndarray, targets: np.ndarray, rank: np.ndarray | None = None) -> "Adjacency":
        """Edges (distinct pairs expected).  Predecessors are listed by ``rank`` then source node: the order
        networkx keeps them in (the order the edges were added)."""
        sources = sources.astype(np.int32, copy=False)
        targets = targets.astype(np.int32, copy=False)
        order = np.lexsort((targets, sources))
        succ_idx = targets[order]
        succ_ptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(sources, minlength=n), out=succ_ptr[1:])
        keys = (sources,) if rank is None else (sources, rank)
        order = np.lexsort((*keys, targets))
        pred_idx = sources[order]
        pred_ptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(targets, minlength=n), out=pred_ptr[1:])
        return cls(n, succ_ptr, succ_idx, pred_ptr, pred_idx)

    @classmethod
    def from_keys(cls, n: int, keys: np.ndarray) -> "Adjacency":
        """Edges given as sorted distinct keys ``source * n + target`` (already in successor order):
        predecessors sorted by source, sorting keys rather than an index array (half the memory)."""
        succ_idx = (keys % n).astype(np.int32) if n else np.empty(0, np.int32)
        succ_ptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(keys // n, minlength=n) if n else np.zeros(0, np.int64), out=succ_ptr[1:])
        back = succ_idx.astype(np.int64) * n
        back += keys // n
        back.sort()
        pred_idx = (back % n).astype(np.int32) if n else np.empty(0, np.int32)
        del back
        pred_ptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(succ_idx, minlength=n) if n else np.zeros(0, np.int64), out=pred_ptr[1:])
        return cls(n, succ_ptr, succ_idx, pred_ptr, pred_idx)

    @property
    def edges(self) -> int:
        return len(self.succ_idx)

    def out_degree(self) -> np.ndarray:
        return np.diff(self.succ_ptr)

    def in_degree(self) -> np.ndarray:
        return np.diff(self.pred_ptr)


def distinct(values: np.ndarray, inplace: bool = False) -> np.ndarray:
    """The distinct values, sorted (a sort and a comparison: numpy 2's hashing np.unique is several times slower here).
    ``inplace``: sort ``values`` itself instead of a copy."""
    if len(values) < 2:
        return values.copy()
    if inplace:
        values.sort()
    else:
        values = np.sort(values)
    keep = np.empty(len(values), dtype=bool)
    keep[0] = True
    np.not_equal(values[1:], values[:-1], out=keep[1:])
    return values[keep]


def gather(ptr: np.ndarray, idx: np.ndarray, nodes: np.ndarray) -> np.ndarray:
    """The neighbours of all these nodes, concatenated (CSR rows ``nodes``)."""
    if not len(nodes):
        return np.empty(0, dtype=idx.dtype)
    starts, ends = ptr[nodes], ptr[nodes + 1]
    lens = ends - starts
    total = int(lens.sum())
    if total == 0:
        return np.empty(0, dtype=idx.dtype)
    offsets = np.cumsum(lens) - lens
    return idx[np.repeat(starts - offsets, lens) + np.arange(total)]


def bfs_depths(adj: Adjacency, sources, stop: np.ndarray | None = None, removed: np.ndarray | None = None) -> np.ndarray:
    """Breadth-first layers from ``sources``: the depth of each node (int32), -1 where it is not reached.

    ``stop``: nodes reached but not followed any further (a mask); ``removed``: nodes that do not exist.
    """
    depth = np.full(adj.n, -1, dtype=np.int32)
    frontier = distinct(np.asarray(list(sources), dtype=np.int64)).astype(np.int32)
    if removed is not None and len(frontier):
        frontier = frontier[~removed[frontier]]
    depth[frontier] = 0
    d = 0
    while len(frontier):
        expand = frontier if stop is None else frontier[~stop[frontier]]
        nxt = gather(adj.succ_ptr, adj.succ_idx, expand)
        nxt = nxt[depth[nxt] < 0]
        if removed is not None:
            nxt = nxt[~removed[nxt]]
        nxt = distinct(nxt)
        d += 1
        depth[nxt] = d
        frontier = nxt
    return depth


def mask_of(n: int, nodes) -> np.ndarray:
    m = np.zeros(n, dtype=bool)
    if nodes:
        m[np.fromiter(nodes, dtype=np.int64)] = True
    return m


def pagerank(adj: Adjacency, alpha: float = 0.85, max_iter: int = 200, tol: float = 1.0e-6) -> np.ndarray:
    """networkx's ``pagerank(G, weight=None)`` (its scipy power iteration, step for step) on the CSR arrays.

    Uniform personalization and dangling weights, as networkx's defaults; raises networkx's
    PowerIterationFailedConvergence like it does.
    """
    N = adj.n
    if N == 0:
        return np.empty(0)
    out = adj.out_degree().astype(float)
    S = np.zeros(N)
    S[out != 0] = 1.0 / out[out != 0]
    data = np.repeat(S, np.diff(adj.succ_ptr))
    A = sparse.csr_array((data, adj.succ_idx, adj.succ_ptr), shape=(N, N))
    x = np.repeat(1.0 / N, N)
    p = np.repeat(1.0 / N, N)
    dangling_weights = p
    is_dangling = np.where(S == 0)[0]
    for _ in range(max_iter):
        xlast = x
        x = alpha * (x @ A + sum(x[is_dangling]) * dangling_weights) + (1 - alpha) * p
        err = np.absolute(x - xlast).sum()
        if err < N * tol:
            return x
    raise nx.PowerIterationFailedConvergence(max_iter)


def score_list(pr: np.ndarray) -> list[float]:
    """PageRank values on link_scores' 0..100 logarithmic scale, in node order."""
    if not len(pr):
        return []
    values = pr.tolist()
    lo, hi = min(values), max(values)
    if hi <= lo:
        return [0.0] * len(values)
    log = math.log
    llo = log(lo)
    span = log(hi) - llo
    return [round(100 * (log(v) - llo) / span, 1) for v in values]
