"""Removal impact: what breaks if these pages go, and where to send their visitors instead.

"First do no harm": before a page is removed, a person (and the cleanup list) must see every link that
would break, every page that would lose its last link or its last route from the start pages, and a
live page to redirect the removed URL to.  Everything is computed from the latest complete crawl's
link graph (``analysis.graph``) with the removed pages imagined gone; nothing is written.

The suggested redirect target is a *real successor* only (``_Ranker``): a live page (one a visitor
reaches from a start page, never an orphan, an island page, a page the removal cuts off, or a page with
an open outdated/expired finding) that the old page itself points to as its replacement, or the same page
for a later year or version.  Without one, no target is suggested: a redirect to an unrelated page
(shared common words, the same section, the start page) would unpublish the old one for nothing.
"""
from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass, field
from typing import Iterable

import numpy as np

from analysis.graph import Orphans, SiteGraph, find_orphans, link_details, load_site_graph, reachable_without
from analysis.pages import latest_complete_crawl
from foundation.catalog import DATED
from foundation.urls import normalize, url_id

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
                            f"AND subject_type = 'page' AND category IN ({', '.join('?' * len(DATED))})", [g.site, *DATED]).fetchall()
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
    rank = _Ranker(g, eligible, conn, wanted=removed)
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
    for m, r in sorted(through, key=lambda mr: (not mr[1].navigational, mr[1].source_url)):
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
        self.conn, self.g, self.leaving = conn, g, leaving
        living = orphans.living_mask.copy()   # living, not flagged, not dead, not leaving
        for gone in (flagged, orphans.dead(), leaving):
            living[list(gone)] = False
        self.rank = _Ranker(g, [m for m in np.flatnonzero(living).tolist() if g.is_candidate(m) and g.current(m)], conn,
                            wanted=leaving)

    def of(self, ns: list[int]) -> dict[int, tuple[RemovedPage, list[Consequence]]]:
        """The impact of removing each of ``ns`` (pages among ``leaving``: the redirect targets are looked for for them)."""
        if not self.leaving.issuperset(ns):
            raise ValueError("PageImpacts.of: only the pages given as leaving")
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
            orphaned = [Consequence(g.nodes[m].url, g.nodes[m].title, [node.url]) for m in sorted(g.succ(n))
                        if m != n and g.is_candidate(m) and g.current(m) and not g.is_linked(m, {n})]
            out[n] = (page, orphaned)
        return out


_TOKEN = re.compile(r"\d+(?:[.\-_]\d+)*|[^\W\d_]+", re.UNICODE)
# words with which a page points its readers to the page that replaces it
SUCCESSION = re.compile(r"\b(?:new(?:er|est)? (?:version|edition|page|site|home|location|address)|latest (?:version|edition)|current (?:version|edition|page)|"
                        r"has (?:been )?moved|moved to|now (?:lives|at|on|here)|replaced by|superseded by|successor|"
                        r"see (?:the )?(?:new|current|updated|latest)|updated (?:version|page|edition))\b", re.I)


def _shape(title: str | None, common: set[str]) -> tuple[tuple[str, ...], tuple[tuple[int, ...], ...]]:
    """A title with its numbers (years, versions) taken out, and the numbers: ("annual", "report", "#"), ((2019,),).
    Only a year ("2019", "2022-23", "2011-2026") or a version ("1.2", "v3") is a number that editions count up; any
    other number is part of a name and stays in the shape: the A38 is not an earlier A61, nor planning application
    21/00345/FUL an earlier 26/00912/FUL, nor "Top 10 walks" an earlier "Top 20 walks"."""
    words, numbers = [], []
    text = (title or "").lower()
    for m in _TOKEN.finditer(text):
        tok = m.group(0)
        if tok[0].isdigit():
            before, after = text[m.start() - 1:m.start()], text[m.end():m.end() + 1]
            glued = before.isalpha() or after.isalpha() or (before == "/" and text[m.start() - 2:m.start() - 1].isalnum()) \
                or (after == "/" and text[m.end() + 1:m.end() + 2].isalnum())
            version = "." in tok or text[max(0, m.start() - 8):m.start()].rstrip().endswith(("v", "version", "edition", "release", "issue", "no", "no.", "number", "vol", "vol.", "volume"))
            if glued and not (before == "v" and version) or not (_YEARS.fullmatch(tok) or version):
                words.append(tok)   # a road, a reference, a count: part of the name
                continue
            words.append("#")
            numbers.append(tuple(int(x) for x in re.split(r"[.\-_]", tok) if x))
        elif tok not in common:
            words.append(tok)
    return tuple(words), tuple(numbers)


# a year, or a run of years ("2019", "2022-23", "2011-2026", "2019_20")
_YEARS = re.compile(r"(?:19|20)\d\d(?:[-_](?:\d\d|(?:19|20)\d\d))?")


def _of_another(rest: str, title: str | None, common: set[str]) -> bool:
    """The successor words name what they are the new version of, and it is not the page itself ("new version of
    our privacy notice" on a consultation page): no word of it in the page's title."""
    m = re.match(r"\s+of\s+((?:[\w'’-]+\s*){1,5})", rest)
    if not m:
        return False
    named = _words(m.group(1)) - common - {"this", "that", "it", "page", "our", "the", "document", "site", "website"}
    return bool(named) and not named & _words(title)


def _words(text: str | None) -> set[str]:
    return {w for w in WORD.findall((text or "").lower()) if w not in STOP_WORDS}


class _Ranker:
    """Finds a *real successor* for a page that may go: the page to redirect it to, or nobody.

    Only two kinds of page qualify (README: The cleanup list, Redirect targets), and only among the
    eligible pages (live, reachable, not outdated, not leaving):
    1. the page the old one itself points its readers to as its replacement, from its main content
       ("see the new version", "this page has moved to ...");
    2. the same page for a later year or version: the same title once its numbers are taken out, with
       greater numbers ("Annual report 2019" -> "Annual report 2024"; "Flink 1.2 docs" -> "Flink 1.20 docs"),
       the latest one when there are several.
    Shared common words, the same section or the start page are not enough: a redirect to an unrelated
    page unpublishes the old one for nothing.  Without a successor the list says so (remove with the
    impact shown, or review).
    """

    def __init__(self, g: SiteGraph, eligible: list[int], conn: sqlite3.Connection | None = None,
                 wanted: Iterable[int] | None = None) -> None:
        """``wanted``: the only pages ``best`` will be asked about (else any): only the titles that could be their later
        edition are kept (a million pages' titles, most with a number in them, would cost hundreds of MB)."""
        self.g, self.conn = g, conn
        self.eligible_set = set(eligible)
        counts: dict[str, int] = {}
        titles = len(eligible)   # distinct nodes (both callers take them from a set)
        for m in eligible:   # each title's words counted as they come (a million pages' words are not kept)
            for w in _words(g.nodes[m].title):
                counts[w] = counts.get(w, 0) + 1
        self.common = {w for w, c in counts.items() if titles >= 4 and c > titles / 2}   # the site's name
        self.by_shape: dict[tuple[str, ...], list[tuple[tuple, int]]] = {}
        shapes = None if wanted is None else {_shape(g.nodes[n].title, self.common)[0] for n in wanted}
        for m in eligible:
            shape, numbers = _shape(g.nodes[m].title, self.common)
            if numbers and sum(1 for w in shape if w != "#") >= 2 and (shapes is None or shape in shapes):
                self.by_shape.setdefault(shape, []).append((numbers, m))

    def best(self, n: int) -> Suggestion | None:
        return self._pointed_to(n) or self._later_edition(n)

    def _pointed_to(self, n: int) -> Suggestion | None:
        if self.conn is None:
            return None
        g = self.g
        for target_id, anchor in self.conn.execute(
                "SELECT target_id, coalesce(anchor, '') FROM links WHERE source_id = ? AND kind IN ('a', 'area', 'meta-refresh') "
                "AND position IN ('main', 'body') ORDER BY ordinal", [g.nodes[n].url_id]):
            m = g.index.get(target_id)
            if m is None or m == n:
                continue
            final = g.nodes[m].final if g.nodes[m].final is not None else m
            said = SUCCESSION.search(anchor)
            if said and _of_another(anchor[said.end():], g.nodes[n].title, self.common):
                continue   # "the new version of our privacy notice", on a page that is not the privacy notice
            if final in self.eligible_set and final != n and said:
                return Suggestion(g.nodes[final].url, g.nodes[final].title,
                                  f'the page itself points its readers there: "{anchor.strip()[:80]}"')
        return None

    def _later_edition(self, n: int) -> Suggestion | None:
        g = self.g
        shape, numbers = _shape(g.nodes[n].title, self.common)
        if not numbers:
            return None
        later = [(nums, m) for nums, m in self.by_shape.get(shape, ()) if m != n and len(nums) == len(numbers) and nums > numbers]
        if not later:
            return None
        nums, m = max(later)
        show = lambda t: ".".join(map(str, t))   # noqa: E731
        return Suggestion(g.nodes[m].url, g.nodes[m].title,
                          f'the same title for a later year or version: "{(g.nodes[n].title or "").strip()[:80]}" '
                          f'-> "{(g.nodes[m].title or "").strip()[:80]}" ({", ".join(map(show, numbers))} -> {", ".join(map(show, nums))})')
