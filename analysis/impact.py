"""Removal impact: what breaks if these pages go, and where to send their visitors instead.

"First do no harm": before a page is removed, a person (and the cleanup list) must see every link that
would break, every page that would lose its last link or its last route from the start pages, and a
live page to redirect the removed URL to.  Everything is computed from the latest complete crawl's
link graph (``analysis.graph``) with the removed pages imagined gone; nothing is written.

The suggested redirect target is the best *live* page: one a visitor reaches from a start page
through pages that are not outdated, expired or about to be removed (so never an orphan, an island
page, a page the removal cuts off, or a page with an open outdated/expired finding).  Among those it
prefers the same section (first path segment), then the closest URL path and the most similar title
(words in common, ignoring words most titles of the site share, such as its name), then the page
more pages link to.
"""
from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass, field
from typing import Iterable

from analysis.graph import NAV_KINDS, Orphans, SiteGraph, find_orphans, link_details, load_site_graph, reachable_without
from analysis.pages import latest_complete_crawl
from decay.urls import normalize, path_of, url_id

STOP_WORDS = frozenset("a an and the of for in on to with our your at by from is are be new page home".split())
WORD = re.compile(r"[^\W_]+", re.UNICODE)


@dataclass
class Suggestion:
    url: str
    title: str | None
    reason: str


@dataclass
class RemovedPage:
    url: str
    site: str
    title: str | None
    answer: str                                            # what the latest crawl saw at this URL
    links_that_break: list[dict] = field(default_factory=list)   # page, anchor, position (element, via)
    redirects_that_break: list[str] = field(default_factory=list)  # redirects whose chain ends here
    sitemaps: list[str] = field(default_factory=list)      # sitemaps that list it: remove it there too
    redirect_to: Suggestion | None = None


@dataclass
class Consequence:
    url: str
    title: str | None
    linked_from: list[str]    # orphaned: the removed pages that are its only links; unreachable: the pages still linking


@dataclass
class Impact:
    pages: list[RemovedPage]
    orphaned: list[Consequence]       # nothing would link to them any more
    unreachable: list[Consequence]    # still linked, but no start page would lead to them


def removal_impact(conn: sqlite3.Connection, urls: Iterable[str]) -> Impact:
    """The impact of removing these URLs (production URLs, as the crawl stored them), site by site."""
    by_site: dict[str, list[str]] = {}
    unknown = []
    for raw in urls:
        url = normalize(raw) or raw
        row = conn.execute("SELECT site FROM pages WHERE url_id = ? AND coalesce(kind, '') != 'external'", [url_id(url)]).fetchone()
        if row is None:
            unknown.append(raw)
        else:
            by_site.setdefault(row[0], []).append(url)
    if unknown:
        raise ValueError("not in the database (no crawl has seen it; give the URL as the crawl stored it, production form): "
                         + ", ".join(unknown))
    report = Impact([], [], [])
    for site, site_urls in by_site.items():
        crawl_id = latest_complete_crawl(conn, site)
        if crawl_id is None:
            raise ValueError(f"site {site}: no complete crawl yet; run decay crawl first")
        _site_impact(conn, load_site_graph(conn, site, crawl_id), site_urls, report)
    return report


def _flagged(conn: sqlite3.Connection, g: SiteGraph) -> set[int]:
    """Pages with an open outdated or expired finding (the date analysis' judgment)."""
    try:
        rows = conn.execute("SELECT DISTINCT subject_id FROM findings WHERE status = 'open' AND site = ? "
                            "AND subject_type = 'page' AND category IN ('outdated', 'expired')", [g.site]).fetchall()
    except sqlite3.OperationalError:   # a database no analysis has run on
        return set()
    return {g.index[u] for (u,) in rows if u in g.index}


def _answer(g: SiteGraph, n: int) -> str:
    node = g.nodes[n]
    if node.outcome == "redirect":
        return f"{node.status} redirect" + (f" to {g.nodes[node.final].url}" if node.final is not None else "")
    if not g.current(n):
        return f"{node.status} when crawl {node.crawl_id} last requested it"
    return f"{node.status}" if node.status is not None else (node.outcome or "not requested")


def _site_impact(conn: sqlite3.Connection, g: SiteGraph, urls: list[str], report: Impact) -> None:
    nodes = {u: g.node_of(u) for u in urls}
    stale = [u for u, n in nodes.items() if n is None]
    if stale:
        raise ValueError(f"not seen by the latest complete crawl of site {g.site} (crawl {g.crawl_id}): " + ", ".join(stale))
    removed = set(nodes.values())
    flagged = _flagged(conn, g)
    reach_before = reachable_without(g, set())
    reach_after = reachable_without(g, set(), removed)
    after = find_orphans(g, flagged, removed)
    living_after, dead_after = after.living - flagged, after.dead()

    redirects = {n: g.redirects_to(n) for n in removed}
    refs = link_details(conn, g, [g.nodes[m].url_id for n in removed for m in [n, *redirects[n]]], exclude_sources=removed)
    eligible = [m for m in living_after if g.is_candidate(m) and g.current(m) and m not in dead_after]
    rank = _Ranker(g, eligible)
    for n in dict.fromkeys(nodes.values()):   # in the order given
        node = g.nodes[n]
        page = RemovedPage(node.url, g.site, node.title, _answer(g, n),
                           redirects_that_break=[g.nodes[r].url for r in redirects[n]],
                           sitemaps=sorted(set(g.sitemaps.get(n, []))), redirect_to=rank.best(n))
        page.links_that_break = _breaking_links(g, n, redirects[n], refs)
        report.pages.append(page)

    for m in sorted(range(len(g.nodes)), key=lambda m: g.nodes[m].url):
        if m in removed or not g.is_candidate(m) or not g.current(m):
            continue
        if g.is_linked(m) and not g.is_linked(m, removed):
            report.orphaned.append(Consequence(g.nodes[m].url, g.nodes[m].title,
                                               sorted(g.nodes[p].url for p in g.linkers(m))))
        elif m in reach_before and m not in reach_after:
            report.unreachable.append(Consequence(g.nodes[m].url, g.nodes[m].title,
                                                  sorted(g.nodes[p].url for p in g.linkers(m) if p not in removed)))


def _breaking_links(g: SiteGraph, n: int, redirects: list[int], refs: dict[int, list]) -> list[dict]:
    """The links to n (directly or through redirects that end at n), as evidence, what visitors click first."""
    through = [(m, r) for m in [n, *redirects] for r in refs.get(g.nodes[m].url_id, [])]
    out = []
    for m, r in sorted(through, key=lambda mr: (mr[1].kind not in NAV_KINDS, mr[1].source_url)):
        d = r.as_evidence()
        if m != n:
            d["via"] = g.nodes[m].url
        out.append(d)
    return out


class PageImpacts:
    """The impact of removing each of many pages on its own, on one loaded graph (for the cleanup list).

    ``flagged``: pages found outdated or expired; ``orphans``: what the link analysis found with those
    flagged (``find_orphans``); ``leaving``: pages the list will recommend removing or redirecting.  None
    of them is ever suggested as a redirect target.
    """

    def __init__(self, conn: sqlite3.Connection, g: SiteGraph, flagged: set[int], orphans: Orphans, leaving: set[int]) -> None:
        self.conn, self.g = conn, g
        living = orphans.living - flagged - orphans.dead() - leaving
        self.rank = _Ranker(g, [m for m in living if g.is_candidate(m) and g.current(m)])

    def of(self, ns: list[int]) -> dict[int, tuple[RemovedPage, list[Consequence]]]:
        g = self.g
        redirects = {n: g.redirects_to(n) for n in ns}
        refs = link_details(self.conn, g, [g.nodes[m].url_id for n in ns for m in [n, *redirects[n]]])
        out = {}
        for n in ns:
            node = g.nodes[n]
            page = RemovedPage(node.url, g.site, node.title, _answer(g, n),
                               links_that_break=[d for d in _breaking_links(g, n, redirects[n], refs)],
                               redirects_that_break=[g.nodes[r].url for r in redirects[n]],
                               sitemaps=sorted(set(g.sitemaps.get(n, []))), redirect_to=self.rank.best(n))
            orphaned = [Consequence(g.nodes[m].url, g.nodes[m].title, [node.url]) for m in sorted(g.graph.succ[n])
                        if m != n and g.is_candidate(m) and g.current(m) and not g.is_linked(m, {n})]
            out[n] = (page, orphaned)
        return out


def _words(text: str | None) -> set[str]:
    return {w for w in WORD.findall((text or "").lower()) if w not in STOP_WORDS}


def _segments(url: str) -> list[str]:
    parts = [p for p in path_of(url).split("?", 1)[0].split("/") if p]
    if parts:
        last = parts[-1].rsplit(".", 1)[0] if "." in parts[-1] else parts[-1]
        parts[-1:] = [] if last in ("index", "default") else [last]
    return parts


class _Ranker:
    """Scores the eligible pages as redirect targets for a removed page (see the module docstring).

    The eligible pages' path segments and title words are computed once.  A removed page is then compared
    only with the pages that share a distinctive title word with it, and with one page per URL prefix:
    among pages sharing the same path prefix and no title word, the ranking depends only on the path
    length, the number of linking pages and the URL, so the best of each prefix is known in advance.
    Words on more than max(50, 2%) of the titles are not distinctive enough to look pages up by (they
    still count in the similarity of the pages compared).
    """

    def __init__(self, g: SiteGraph, eligible: list[int]) -> None:
        self.g = g
        self.eligible = eligible
        self.eligible_set = set(eligible)
        titles = {m: _words(g.nodes[m].title) for m in eligible}
        counts: dict[str, int] = {}
        for ws in titles.values():
            for w in ws:
                counts[w] = counts.get(w, 0) + 1
        self.common = {w for w, c in counts.items() if len(titles) >= 4 and c > len(titles) / 2}   # the site's name
        self.segs: dict[int, list[str]] = {}
        self.theirs: dict[int, set[str]] = {}
        self.prefix_best: dict[tuple[str, ...], tuple[tuple, int]] = {}   # prefix -> (rank key, best page without title words)
        self.by_word: dict[str, list[int]] = {}
        for m in eligible:
            segs = _segments(g.nodes[m].url)
            self.segs[m] = segs
            self.theirs[m] = (titles[m] - self.common) | _words(segs[-1] if segs else "")
            key = (-len(segs), g.linking_pages[m], g.nodes[m].url)
            for k in range(0 if not segs else 1, len(segs) + 1):
                prefix = tuple(segs[:k])
                if prefix not in self.prefix_best or key > self.prefix_best[prefix][0]:
                    self.prefix_best[prefix] = (key, m)
            for w in self.theirs[m]:
                self.by_word.setdefault(w, []).append(m)
        limit = max(50, len(eligible) // 50)
        self.by_word = {w: ms for w, ms in self.by_word.items() if len(ms) <= limit}

    def _title_words(self, n: int) -> set[str]:
        node = self.g.nodes[n]
        segs = _segments(node.url)
        return (_words(node.title) - self.common) | _words(segs[-1] if segs else "")

    def best(self, n: int) -> Suggestion | None:
        g, target = self.g, _segments(self.g.nodes[n].url)
        words = self._title_words(n)
        pool: set[int] = set()
        for w in words:
            pool.update(self.by_word.get(w, ()))
        if not target:
            if () in self.prefix_best:
                pool.add(self.prefix_best[()][1])
        else:
            for k in range(len(target), 0, -1):   # the deepest prefix some eligible page shares
                hit = self.prefix_best.get(tuple(target[:k]))
                if hit is not None:
                    pool.add(hit[1])
                    break
        pool.discard(n)
        best_key, best = None, None
        for m in pool:
            segs = self.segs[m]
            shared = 0
            while shared < min(len(segs), len(target)) and segs[shared] == target[shared]:
                shared += 1
            same_section = shared > 0 or (not segs and not target)
            theirs = self.theirs[m]
            similar = words & theirs
            sim = len(similar) / len(words | theirs) if similar else 0.0
            if not same_section and not similar:
                continue
            key = (same_section, round(sim + (shared / len(target) if target else 0.0), 3),
                   -(len(segs) + len(target) - 2 * shared), g.linking_pages[m], g.nodes[m].url)
            if best_key is None or key > best_key:
                best_key, best = key, (m, shared, similar)
        if best is None:   # nothing alike is alive: the start page, if it is
            home = next((s for s in g.starts if s in self.eligible_set), None)
            if home is None:
                return None
            return Suggestion(g.nodes[home].url, g.nodes[home].title,
                              "no live page of the same section or with a similar title: the start page")
        m, shared, similar = best
        reasons = []
        if shared:
            reasons.append(f"same section (/{target[0]}/)" + (f", {shared} of {len(target)} path segments in common" if shared > 1 else ""))
        if similar:
            reasons.append("title words in common: " + ", ".join(sorted(similar)))
        return Suggestion(g.nodes[m].url, g.nodes[m].title, "; ".join(reasons) or "both at the top of the site")
