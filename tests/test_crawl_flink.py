"""A crawl of a real website: the built flink.apache.org, served locally under its production name.

The expected answer is computed here, independently of the crawler, from the
HTML files themselves (with the standard library's html.parser): every HTML
page reachable by <a> links from the home page, or listed in the sitemaps,
must be in `pages` under its https://flink.apache.org/ URL, with its links.
"""
from __future__ import annotations

import re

import xml.etree.ElementTree as ET
from collections import deque
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote, unquote, urljoin, urlsplit

import pytest

from tests.conftest import query

PROD = "https://flink.apache.org"


class Anchors(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.hrefs: list[str] = []
        self.base: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self.hrefs.append(a["href"])
        elif tag == "base" and a.get("href") and self.base is None:
            self.base = a["href"]


_TRACKING = re.compile(r"(?:utm_[a-z_]+|gclid|fbclid|msclkid|mc_cid|mc_eid)(?:=|\Z)", re.I)   # a campaign's tags (README)
_ESCAPE = re.compile(r"%[0-9a-fA-F]{2}")


def canon(url: str) -> str | None:
    """Independent normalisation: drop the fragment and a campaign's tags, percent-encode what is not ASCII, escapes
    in upper case."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    path = quote(parts.path or "/", safe="/:@!$&'()*+,;=-._~%")
    scheme, netloc = parts.scheme, parts.netloc.lower()
    if netloc == "flink.apache.org":   # URL twins (README): one page, whatever the scheme or index.html spelling
        scheme = "https"
        for name in ("/index.html", "/index.htm"):
            if path.endswith(name):
                path = path[: -len(name) + 1]
    query = "&".join(p for p in parts.query.split("&") if not _TRACKING.match(p)) if parts.query else ""
    path, query = (_ESCAPE.sub(lambda m: m.group(0).upper(), x) for x in (path, query))
    return f"{scheme}://{netloc}{path}" + (f"?{query}" if query else "")


def file_for(root: Path, url: str) -> Path | None:
    """The HTML file a local static server answers for a flink.apache.org URL (following directory redirects)."""
    if not url.startswith(PROD + "/"):
        return None
    rel = unquote(urlsplit(url).path).lstrip("/")
    p = root / rel
    if p.is_dir():
        p = p / "index.html"
    return p if p.is_file() and p.suffix == ".html" else None


def url_for(root: Path, f: Path) -> str:
    rel = f.relative_to(root).as_posix()
    if rel.endswith("index.html"):
        rel = rel[: -len("index.html")]
    return canon(PROD + "/" + rel)


def expected_pages(root: Path) -> tuple[dict[Path, set[str]], set[Path], set[Path]]:
    """(links of every page reachable from home, reachable files, files listed in sitemaps)."""
    links: dict[Path, set[str]] = {}
    home = root / "index.html"
    seen = {home}
    queue = deque([home])
    while queue:
        f = queue.popleft()
        parser = Anchors()
        parser.feed(f.read_text(encoding="utf-8", errors="replace"))
        base = url_for(root, f)
        if parser.base:
            base = urljoin(base, parser.base)
        targets = set()
        for href in parser.hrefs:
            if href.strip().startswith("#"):
                continue  # a jump within the page is not an outgoing link
            t = canon(urljoin(base, href))
            if t is None:
                continue
            targets.add(t)
            g = file_for(root, t)
            if g is not None and g not in seen:
                seen.add(g)
                queue.append(g)
        links[f] = targets
    listed = set()
    ns = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
    for sm in ("en/sitemap.xml", "zh/sitemap.xml"):
        for loc in ET.parse(root / sm).getroot().iter(ns + "loc"):
            g = file_for(root, canon(loc.text))
            if g is not None:
                listed.add(g)
    return links, seen, listed


@pytest.fixture(scope="module")
def flink_crawl(flink_crawled):
    return flink_crawled


def test_flink_crawl_succeeds(flink_crawl):
    r = flink_crawl["result"]
    assert r.returncode == 0, r.stdout + r.stderr
    assert "Traceback" not in r.stderr


def test_every_reachable_or_listed_page_is_in_pages(flink_crawl):
    root, db = flink_crawl["root"], flink_crawl["db"]
    _, reachable, listed = expected_pages(root)
    assert len(reachable) > 300 and len(listed) > 250  # the data is what we think it is
    crawled = {r["url"]: r for r in query(db, "SELECT url, status, is_html, outcome FROM pages")}
    missing = [url_for(root, f) for f in reachable | listed if url_for(root, f) not in crawled]
    assert missing == []
    for f in reachable | listed:
        row = crawled[url_for(root, f)]
        assert (row["status"], row["is_html"]) == (200, 1), (f, dict(row))
    # and nothing is stored under the local origin
    assert not [u for u in crawled if u.startswith("http://127.0.0.1")]


def test_found_via_says_how_a_page_was_first_reached(flink_crawl):
    root, db = flink_crawl["root"], flink_crawl["db"]
    _, reachable, listed = expected_pages(root)
    via = {r["url"]: (r["found_via"], r["depth"]) for r in query(db, "SELECT url, found_via, depth FROM pages")}
    # links are followed before sitemap entries: a page reachable by links is never reported as found via the sitemap
    for f in reachable:
        assert via[url_for(root, f)][0] in ("start", "link", "redirect"), url_for(root, f)
        assert via[url_for(root, f)][1] is not None
    # and a page reported as found via the sitemap is listed in one
    listed_urls = {url_for(root, f) for f in listed}
    sitemap_found = {u for u, (v, _) in via.items() if v == "sitemap"}
    assert sitemap_found and sitemap_found <= listed_urls
    assert all(via[u][1] is None for u in sitemap_found)


def test_links_of_every_page_match_the_html(flink_crawl):
    root, db = flink_crawl["root"], flink_crawl["db"]
    links, _, _ = expected_pages(root)
    stored: dict[str, set[str]] = {}
    for r in query(db, "SELECT source_url, target_url FROM link_urls WHERE kind = 'a'"):
        stored.setdefault(r["source_url"], set()).add(r["target_url"])
    checked = 0
    for f, targets in links.items():
        url = url_for(root, f)
        http_targets = {t for t in targets if t.startswith("http")}
        got = {t for t in stored.get(url, set()) if t.startswith("http")}
        assert got == http_targets, (url, sorted(got ^ http_targets)[:10])
        checked += 1
    assert checked > 300


def test_sitemap_index_and_entries(flink_crawl):
    db = flink_crawl["db"]
    maps = {r["url"]: r for r in query(db, "SELECT * FROM sitemaps")}
    assert maps[PROD + "/sitemap.xml"]["type"] == "sitemapindex"
    assert maps[PROD + "/sitemap.xml"]["found_via"] == "guess"  # no robots.txt: /sitemap.xml is tried
    assert maps[PROD + "/en/sitemap.xml"]["entries"] == 291
    assert maps[PROD + "/zh/sitemap.xml"]["entries"] == 53
    (n,) = query(db, "SELECT count(*) FROM sitemap_entries WHERE lastmod = '2024-09-05T08:00:00+00:00'")[0]
    assert n > 0
    (robots,) = query(db, "SELECT status FROM robots")
    assert robots["status"] == 404
