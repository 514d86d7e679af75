"""The link graph on arrays (analysis/graph_csr.py) answers what networkx answers on the same edges."""
from __future__ import annotations

import random
import sqlite3

import networkx as nx
import numpy as np
import pytest

from analysis.graph import (Node, SiteGraph, click_depths, components, find_orphans, link_scores, reachable_without,
                            roots_of)
from analysis.graph_csr import Adjacency, bfs_depths, nodes_of, pagerank


def random_graph(n: int, m: int, seed: int) -> tuple[nx.DiGraph, SiteGraph]:
    rnd = random.Random(seed)
    d = nx.DiGraph()
    d.add_nodes_from(range(n))
    while d.number_of_edges() < m:
        s, t = rnd.randrange(n), rnd.randrange(n)
        if s != t:
            d.add_edge(s, t)
    src = np.array([s for s, _ in d.edges], dtype=np.int64)
    dst = np.array([t for _, t in d.edges], dtype=np.int64)
    nodes = [Node(1000 + i, f"https://x.example/p{i}", "page", "ok", 200, i % 7 != 3, 1, None, None, None, None) for i in range(n)]
    g = SiteGraph("x", 1, nodes, {node.url_id: i for i, node in enumerate(nodes)}, Adjacency.build(n, src, dst),
                  ["https://x.example/p0"], [0], False, sitemaps={5: ["s.xml"], 17: ["s.xml"]})
    return d, g


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_pagerank_equals_networkx(seed):
    d, g = random_graph(300, 900, seed)
    d.add_node(300)   # a node nothing links to and that links nowhere (dangling)
    g.nodes.append(Node(99999, "https://x.example/lone", "page", "ok", 200, True, 1, None, None, None, None))
    g.adj = Adjacency.build(301, np.array([s for s, _ in d.edges]), np.array([t for _, t in d.edges]))
    expected = nx.pagerank(d, weight=None, max_iter=200)
    got = pagerank(g.adj, max_iter=200)
    for n, v in expected.items():
        assert got[n] == pytest.approx(v, rel=1e-9)
    scores = link_scores(g)
    lo, hi = min(expected.values()), max(expected.values())
    assert scores[max(expected, key=expected.get)] == 100.0 and scores[min(expected, key=expected.get)] == 0.0
    assert len(scores) == 301 and all(0 <= v <= 100 for v in scores.values()) and hi > lo


def test_pagerank_empty_and_convergence_failure():
    assert len(pagerank(Adjacency.build(0, np.array([]), np.array([])))) == 0
    adj = Adjacency.build(3, np.array([0, 0, 1, 2]), np.array([1, 2, 2, 0]))
    with pytest.raises(nx.PowerIterationFailedConvergence):
        pagerank(adj, max_iter=1, tol=1e-30)


@pytest.mark.parametrize("seed", [4, 5])
def test_depths_equal_breadth_first_search(seed):
    d, g = random_graph(400, 700, seed)
    expected = nx.single_source_shortest_path_length(d, 0)
    assert click_depths(g) == expected
    multi = bfs_depths(g.adj, [0, 9, 9, 33])
    want = {n: i for i, layer in enumerate(nx.bfs_layers(d, [0, 9, 33])) for n in layer}
    assert {n: int(v) for n, v in enumerate(multi) if v >= 0} == want


def test_reachable_with_stops_and_removals_equals_networkx():
    d, g = random_graph(400, 800, 6)
    rnd = random.Random(6)
    stop, removed = set(rnd.sample(range(1, 400), 60)), set(rnd.sample(range(1, 400), 30))
    view = nx.subgraph_view(d, filter_node=lambda n: n not in removed, filter_edge=lambda u, v: u not in stop)
    want = {n for layer in nx.bfs_layers(view, [0]) for n in layer}
    assert reachable_without(g, stop, removed) == want
    assert reachable_without(g, set()) == set(nx.descendants(d, 0)) | {0}


def test_orphans_islands_and_components_as_networkx_finds_them():
    d, g = random_graph(500, 450, 7)   # sparse: many pages nothing links to, some islands
    flagged = set(random.Random(7).sample(range(500), 40))
    o = find_orphans(g, flagged)
    reachable = {n for layer in nx.bfs_layers(d, roots_of(g)) for n in layer}
    cand = [n for n in range(500) if g.is_candidate(n)]   # p0 is no host root: it can be an orphan
    assert o.orphans == {n for n in cand if not any(p != n for p in d.pred[n])}
    assert o.islands == {n for n in cand if n not in o.orphans and not any(p in reachable for p in d.pred[n])}
    assert o.reachable == reachable
    members = o.dead()
    want = [set(c) for c in nx.weakly_connected_components(d.subgraph(members))]
    assert sorted(map(sorted, components(g, members))) == sorted(map(sorted, want))
    ordered = nx.DiGraph(sorted(d.edges))   # networkx lists predecessors as the edges came: by linking page
    for n in range(500):
        assert g.linkers(n) == list(ordered.pred.get(n, ())) and g.linker_count(n) == len(d.pred[n])
        assert sorted(g.succ(n)) == sorted(d.succ[n])
    assert set(g.graph.edges) == set(d.edges)


def test_url_ids_map_to_nodes_and_link_rows_parse_64_bit_ids():
    ids = np.array([2**62 + 5, -3, 17, 2**63 - 1], dtype=np.int64)
    assert nodes_of(np.array([17, 2**63 - 1, 4, -3, 2**62 + 5]), ids).tolist() == [2, 3, -1, 1, 0]
    from analysis.graph_csr import read_link_rows
    conn = sqlite3.connect(":memory:")
    conn.executescript("""CREATE TABLE pages (url_id INTEGER PRIMARY KEY, site, crawl_id, outcome, kind);
        CREATE TABLE links (source_id, ordinal, target_id, kind, position, internal, rel, PRIMARY KEY (source_id, ordinal));""")
    conn.executemany("INSERT INTO pages VALUES (?, 'x', 1, 'ok', 'page')", [(int(i),) for i in ids])
    conn.executemany("INSERT INTO links VALUES (?, ?, ?, ?, ?, 1, ?)", [
        (2**63 - 1, 0, 2**62 + 5, "a", "main", None), (2**63 - 1, 1, 99, "img", "main", None),
        (2**63 - 1, 2, 2**63 - 1, "a", "nav", None), (-3, 0, 17, "a", "nav", None), (-3, 1, 17, "link", "head", "alternate"),
        (17, 0, -3, "link", "head", "prev")])   # a pager's <link rel=prev> is followed: navigational
    rows = read_link_rows(conn, "x", 1, ("link",), ids, {int(u): i for i, u in enumerate(ids)})
    got = sorted(zip(rows.source.tolist(), rows.target.tolist(), rows.nav.tolist(), rows.main.tolist()))
    assert got == [(1, 2, True, False), (2, 1, True, False), (3, -1, False, True), (3, 0, True, True)]


def test_click_paths_take_the_first_predecessor_one_click_nearer():
    from analysis.graph import ClickPaths
    d, g = random_graph(400, 900, 8)
    ordered = nx.DiGraph(sorted(d.edges))
    depths = click_depths(g)
    paths = ClickPaths(g, depths)
    for n in depths:
        want = [n]
        while depths.get(want[-1], 0) > 0:
            m = want[-1]
            p = next((p for p in ordered.pred[m] if depths.get(p) == depths[m] - 1), None)
            if p is None:
                break
            want.append(p)
        assert paths.path(n) == want[::-1]
        assert len(paths.path(n)) == depths[n] + 1


@pytest.mark.parametrize("seed", [8, 9])
def test_url_paths_are_the_click_paths_of_the_pages_asked_for(seed):
    from analysis.graph import ClickPaths
    d, g = random_graph(400, 700, seed)
    # and a chain of 60 pages from the start page (a paginated listing): most of it asked for, some not
    chain = list(range(400, 460))
    for i in chain:
        g.nodes.append(Node(1000 + i, f"https://x.example/page/{i}", "page", "ok", 200, True, 1, None, None, None, None))
    edges = list(d.edges) + [(0, 400)] + [(a, b) for a, b in zip(chain, chain[1:])]
    g.adj = Adjacency.build(460, np.array([s for s, _ in edges]), np.array([t for _, t in edges]))
    depths = click_depths(g)
    paths = ClickPaths(g, depths)
    rnd = random.Random(seed)
    asked = [n for n in range(460) if rnd.random() < 0.4] + [n for n in chain if n % 7]   # not every step of the chain
    got = paths.url_paths(asked)
    assert set(got) == set(asked)
    for n in asked:
        assert got[n] == tuple(g.nodes[m].url for m in paths.path(n)), n
    assert len(got[459]) == depths[459] + 1 > 60


def test_a_huge_section_lists_its_deepest_pages_and_counts_the_rest():
    from analysis.findings import Finding
    from analysis.sections import LISTED, group_sections
    site = "https://www.example.org"
    fs = [Finding("links.deep_page", "orphaned", "low", 0.9, "main", f"{site}/cal/{i}", f"Deep page: {5 + i % 50} clicks",
                  {"depth": 5 + i % 50, "max_click_depth": 4}, subject_id=i) for i in range(LISTED + 300)]
    out = group_sections(fs)
    section = [f for f in out if f.subject_type == "section"]
    pages = [f for f in out if f.subject_type == "page"]
    assert len(section) == 1 and section[0].evidence["pages"] == LISTED + 300 and section[0].severity == "low"
    assert len(pages) == LISTED and {f.severity for f in pages} == {"info"}
    assert {f.subject_url for f in pages} == {d["url"] for d in section[0].evidence["listed"]}
    assert min(f.evidence["depth"] for f in pages) >= max(f.evidence["depth"] for f in fs if f.subject_url not in
                                                         {p.subject_url for p in pages})
    assert "300 more pages" in section[0].evidence["not_listed"]
    assert "FROM page_graph WHERE site = 'main' AND url LIKE 'https://www.example.org/cal%' AND depth > 4" in section[0].evidence["not_listed"]
    assert len(section[0].material["pages"]) == LISTED + 300
