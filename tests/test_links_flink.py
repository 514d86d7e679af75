"""Orphans and islands of the real flink.apache.org, checked against the HTML files themselves.

The site is served locally under its production name and crawled; the link analysis then runs on the
crawl's facts.  The expected answer is computed here without the crawler, from the HTML files and the
sitemap XML (standard library parsers), with the definitions of the README:

- the crawled pages are those the crawl reaches from the home page and the sitemap entries, following
  what the crawler follows (<a>, <area>, meta refresh, <iframe>, <link rel=canonical/alternate/...>);
- an orphan is a crawled page (other than the home page) that no crawled page links to with <a>,
  <area> or a meta refresh (directly or through a redirect, such as /posts -> /posts/); on this site it
  can only be a page the sitemaps list, since every other page was reached by such a link;
- an island page is linked, but no page that a chain of those links leads to from a root (the home
  page and the pages the sitemaps list) links to it: orphaned means unreachable.

The real site has no orphan: the pages only its sitemaps know come in pairs, an English page and its
Chinese translation, linked only to each other (sitemap entries, so roots: not islands).  So one page
is served with its language switch pointing elsewhere (the same change on both sides of the
comparison): /documentation/ becomes an orphan; its translation, linked from that orphan, which the
sitemap lists, is still no island.
"""
from __future__ import annotations

import sqlite3
import xml.etree.ElementTree as ET
from collections import deque
from datetime import datetime, timezone
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import pytest

from analysis.links import analyse_links
from foundation.config import Links, Site
from decay.localserver import status
from tests.conftest import crawl, flink_config, needs_shared, query
from tests.test_crawl_flink import canon

PROD = "https://flink.apache.org"
HOST = "flink.apache.org"
NAVIGATION = {"a", "area"}
FOLLOWED_RELS = {"canonical", "alternate", "next", "prev", "previous", "prerender", "amphtml"}


class PageRefs(HTMLParser):
    """(tag, href) of every reference the crawler follows as a page, and the meta refresh target."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.refs: list[tuple[str, str]] = []
        self.base: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in ("a", "area") and a.get("href"):
            self.refs.append((tag, a["href"]))
        elif tag in ("iframe", "frame") and a.get("src"):
            self.refs.append((tag, a["src"]))
        elif tag == "link" and a.get("href") and set((a.get("rel") or "").lower().split()) & FOLLOWED_RELS:
            if "/" not in (a.get("type") or "html") or "html" in (a.get("type") or ""):
                self.refs.append(("link", a["href"]))
        elif tag == "meta" and (a.get("http-equiv") or "").lower() == "refresh" and "url=" in (a.get("content") or "").lower():
            content = a["content"]
            target = content[content.lower().index("url=") + 4:].strip().strip("'\"")
            self.refs.append(("meta-refresh", target))
        elif tag == "base" and a.get("href") and self.base is None:
            self.base = a["href"]


def resolve(root: Path, url: str) -> tuple[str, Path | None]:
    """Where a flink URL ends up on a static server (a folder without its slash redirects to folder/), and its file."""
    parts = urlsplit(url)
    if parts.netloc != HOST or parts.query:
        return url, None
    p = root / unquote(parts.path).lstrip("/")
    if p.is_dir():
        if not parts.path.endswith("/"):
            url = f"{parts.scheme}://{HOST}{parts.path}/"
        p = p / "index.html"
    return url, (p if p.is_file() and p.suffix == ".html" else None)


def expected(root: Path, served: dict[str, str]) -> tuple[set[str], set[str], set[str], set[str]]:
    """(crawled pages, pages listed in the sitemaps, orphans, island pages), computed from the files
    (``served``: URL -> the HTML served there instead of its file)."""
    listed = set()
    ns = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
    for sm in ("en/sitemap.xml", "zh/sitemap.xml"):
        for loc in ET.parse(root / sm).getroot().iter(ns + "loc"):
            url, f = resolve(root, canon(loc.text))
            if f is not None:
                listed.add(url)
    home = PROD + "/"
    nav: dict[str, set[str]] = {}
    queue, crawled = deque([home, *sorted(listed)]), {home, *listed}
    while queue:
        url = queue.popleft()
        _, f = resolve(root, url)
        parser = PageRefs()
        parser.feed(served[url] if url in served else f.read_text(encoding="utf-8", errors="replace"))
        base = urljoin(url, parser.base) if parser.base else url
        nav[url] = set()
        for tag, href in parser.refs:
            if href.strip().startswith("#"):
                continue
            t = canon(urljoin(base, href))
            if t is None:
                continue
            t, g = resolve(root, t)
            if tag in NAVIGATION or tag == "meta-refresh":
                if t != url:
                    nav[url].add(t)
            if g is not None and t not in crawled:
                crawled.add(t)
                queue.append(t)
    linked = {t for targets in nav.values() for t in targets}
    orphans = {p for p in crawled if p not in linked and p != home}
    reachable, queue = {home, *listed}, deque([home, *sorted(listed)])
    while queue:
        for t in nav.get(queue.popleft(), ()):
            if t in crawled and t not in reachable:
                reachable.add(t)
                queue.append(t)
    islands = {p for p in crawled - orphans - {home} if not any(p in nav.get(q, ()) for q in reachable if q != p)}
    return crawled, listed, orphans, islands


@pytest.fixture(scope="module")
def flink(tmp_path_factory):
    from decay.localserver import LocalSite

    root = needs_shared("sites/flink")
    zh = (root / "zh/documentation/index.html").read_text(encoding="utf-8")
    assert zh.count('<a  href="/documentation/">') == 1   # the "English" switch
    served = {PROD + "/zh/documentation/": zh.replace('<a  href="/documentation/">', '<a  href="/zh/">')}
    site = LocalSite(root=root, routes={"/zh/documentation/": status(200, served[PROD + "/zh/documentation/"])}).start()
    tmp = tmp_path_factory.mktemp("flink-links")
    cfg = flink_config(tmp / "flink.toml", site.url)
    db = tmp / "decay.db"
    r = crawl(cfg, db)
    site.stop()
    assert r.returncode == 0, r.stdout + r.stderr
    conn = sqlite3.connect(db)
    try:
        result = analyse_links(conn, Site(name="flink", start_urls=[PROD + "/"]), 1, now=datetime.now(timezone.utc),
                               links_cfg=Links(), flagged=set())
    finally:
        conn.close()
    return {"root": root, "db": db, "result": result, "expected": expected(root, served)}


def reported(result, rule: str) -> set[str]:
    return {f.subject_url for f in result.findings if f.rule == rule}


def test_the_crawled_pages_are_the_ones_computed_from_the_files(flink):
    crawled, listed, _, _ = flink["expected"]
    got = {r["url"] for r in query(flink["db"], "SELECT url FROM pages WHERE outcome = 'ok' AND is_html = 1")}
    assert len(listed) > 250 and len(crawled) > 400   # 445: one row per page (794 while twins were crawled)
    assert got == crawled, (sorted(got - crawled)[:5], sorted(crawled - got)[:5])


def test_orphans_are_the_listed_pages_no_crawled_page_links_to(flink):
    crawled, listed, orphans, _ = flink["expected"]
    assert orphans == {PROD + "/documentation/"} and orphans <= listed
    assert reported(flink["result"], "links.orphan") == orphans
    (f,) = [f for f in flink["result"].findings if f.rule == "links.orphan"]
    assert {"sitemap": PROD + "/en/sitemap.xml"} in f.evidence["known_from"]
    # the crawl also reached it through the translation's <link rel=alternate>: not a link a visitor follows
    assert f.evidence["other_references"] == [
        {"page": PROD + "/zh/documentation/", "anchor": "en", "position": "head", "element": "<link rel=alternate>"}]


def test_pages_only_the_sitemaps_lead_to_are_not_islands(flink):
    _, listed, orphans, islands = flink["expected"]
    assert islands == set()
    assert reported(flink["result"], "links.orphan_island") == islands
    # the English and Chinese versions of pages that link only to each other: sitemap entries, so reachable
    for url in (PROD + "/categories/", PROD + "/zh/categories/", PROD + "/zh/documentation/"):
        assert url in listed
        assert not {f.rule for f in flink["result"].findings if f.subject_url == url} & {"links.orphan", "links.orphan_island"}
