"""The re-validation pass (crawler/revalidate.py): conditional HEADs before an incremental crawl.

A local site of 31 pages in four levels (a shortcut makes one leaf and one deep page shallower than their
siblings) is crawled in full, then re-crawled.  The pass may only save requests: a page answered 304 is
carried over exactly as a 304 through Scrapy would be, with the same route and depth; anything else is
crawled as before.  Servers that get HEAD wrong, or ask to slow down, are left to the crawl.
"""
from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from tests.conftest import crawl, query, write_config

PROD = "https://www.pass.example"
SECTIONS = 3
LEAVES = 8
T0 = int(time.time()) - 86400 * 30


def page(title: str, links: list[str], text: str = "") -> str:
    a = " ".join(f'<a href="/{n}">{n}</a>' for n in links)
    return (f"<!doctype html><html lang=en><head><title>{title}</title></head><body><nav><a href=\"/\">Home</a> {a}</nav>"
            f"<main><p>{text or 'Text of ' + title}</p></main></body></html>")


def build(root: Path) -> list[str]:
    """index -> s1..s3 (+ l1_0, a shortcut) -> l{s}_{0..7} -> d{s}; returns the paths of every page."""
    files = {"index.html": page("Home", [f"s{s}.html" for s in range(1, SECTIONS + 1)] + ["l1_0.html"])}
    for s in range(1, SECTIONS + 1):
        files[f"s{s}.html"] = page(f"Section {s}", [f"l{s}_{j}.html" for j in range(LEAVES)])
        for j in range(LEAVES):
            files[f"l{s}_{j}.html"] = page(f"Leaf {s}.{j}", [f"d{s}.html"])
        files[f"d{s}.html"] = page(f"Deep {s}", [])
    for name, text in files.items():
        write(root, name, text)
    return ["/"] + ["/" + n for n in files if n != "index.html"]


def write(root: Path, name: str, text: str, mtime: float = T0) -> None:
    p = root / name
    p.write_text(text, encoding="utf-8")
    os.utime(p, (mtime, mtime))


@pytest.fixture
def pass_site(local_site, tmp_path):
    root = tmp_path / "site"
    root.mkdir()
    paths = build(root)

    def make(**server) -> tuple:
        site = local_site(root=root, **server)
        cfg = write_config(tmp_path / "org.toml", f"""
            [organisation]
            name = "Pass"
            [[sites]]
            name = "pass"
            start_urls = ["{PROD}/"]
            aliases = {{ "{PROD}" = "{site.url}" }}
            check_external_links = false
            [crawl]
            autothrottle = false
            retries = 0
            concurrency_per_host = 4
            [output]
            database = "decay.db"
            """)
        return site, cfg

    return root, paths, make, tmp_path / "decay.db"


def asked(site, method: str) -> list[str]:
    """Paths of the pages (not robots.txt, sitemaps) requested with this method, conditionally, in order."""
    return [p for m, p, h in site.requests if m == method and "If-None-Match" in h and (p == "/" or p.endswith(".html"))]


def routes(db: Path, crawl_id: int) -> dict[str, tuple]:
    """url -> (depth, found_via, outcome, status, title, text_hash, etag, not_modified) of the crawl's pages.

    found_on is checked apart (found_on_is_a_shortest_route): among pages of equal depth that link to a page,
    which one a crawl meets first depends on the order answers come in."""
    return {r["url"]: tuple(r)[1:] for r in query(
        db, "SELECT url, depth, found_via, outcome, status, title, text_hash, etag, not_modified FROM pages "
            "WHERE kind = 'page' AND crawl_id = ? ORDER BY url", (crawl_id,))}


def found_on_is_a_shortest_route(db: Path, crawl_id: int) -> None:
    for r in query(db, "SELECT p.url, p.url_id, p.depth, f.url_id AS parent, f.depth AS parent_depth FROM pages p "
                       "LEFT JOIN pages f ON f.url = p.found_on WHERE p.crawl_id = ? AND p.kind = 'page'", (crawl_id,)):
        if r["depth"] == 0:
            continue
        assert r["parent_depth"] == r["depth"] - 1, r["url"]
        assert query(db, "SELECT 1 FROM links WHERE source_id = ? AND target_id = ?", (r["parent"], r["url_id"])), r["url"]


def test_unchanged_pages_are_settled_by_the_pass_with_the_routes_a_crawl_would_find(pass_site):
    root, paths, make, db = pass_site
    site, cfg = make()
    r = crawl(cfg, db)
    assert r.returncode == 0, r.stderr
    first = routes(db, 1)
    assert len(first) == len(paths) == 31
    # one leaf and one deep page are shallower than their siblings: the shortcut from the home page
    assert first[f"{PROD}/l1_0.html"][0] == 1 and first[f"{PROD}/l1_1.html"][0] == 2
    assert first[f"{PROD}/d1.html"][0] == 2 and first[f"{PROD}/d2.html"][0] == 3

    write(root, "l2_3.html", page("Leaf 2.3", ["d2.html"], "New text for this leaf."), T0 + 86400)
    site.requests.clear()
    r = crawl(cfg, db)
    assert r.returncode == 0, r.stderr
    heads, gets = asked(site, "HEAD"), asked(site, "GET")
    assert sorted(heads) == sorted(paths)          # every known page asked once, with its validators
    assert gets == ["/l2_3.html"]                  # only the changed one went through the crawl
    assert site.not_modified == 30
    second = routes(db, 2)
    assert second.keys() == first.keys()
    for url, row in second.items():
        changed = url.endswith("/l2_3.html")
        assert row[:5] == first[url][:5], url      # depth, found_via, outcome, status (as downloaded), title
        assert row[7] == (0 if changed else 1)
        assert (row[5] != first[url][5]) == changed   # the changed page's text hash changed; the others' were kept
    found_on_is_a_shortest_route(db, 2)
    cs = query(db, "SELECT mode, not_modified, revalidated, revalidation_note FROM crawl_sites WHERE crawl_id = 2")[0]
    assert tuple(cs) == ("incremental", 30, 31, None)
    assert "re-validation pass: 30 of 31 known pages answered 304" in r.stdout
    carried = query(db, "SELECT method, facts_crawl_id, first_crawl_id, is_html FROM pages WHERE url = ?", (f"{PROD}/d2.html",))[0]
    assert tuple(carried) == ("HEAD", 1, 1, 1)
    # carried pages keep their links, texts and dates
    assert query(db, "SELECT count(*) FROM links l JOIN pages p ON p.url_id = l.source_id WHERE p.url = ?",
                 (f"{PROD}/s1.html",))[0][0] == 1 + LEAVES

    # the same re-crawl without the pass (every conditional request through Scrapy) records the same facts
    cfg.write_text(cfg.read_text().replace("retries = 0", "retries = 0\nrevalidation_pass = false"))
    site.requests.clear()
    r = crawl(cfg, db)
    assert r.returncode == 0, r.stderr
    assert not asked(site, "HEAD") and sorted(asked(site, "GET")) == sorted(paths)
    third = routes(db, 3)
    assert {u: row[:7] for u, row in third.items()} == {u: row[:7] for u, row in second.items()}
    assert all(row[7] == 1 for row in third.values())
    found_on_is_a_shortest_route(db, 3)


def test_a_server_that_answers_conditional_heads_with_200_is_left_to_the_crawl(pass_site):
    root, paths, make, db = pass_site
    site, cfg = make(head_ignores_conditions=True)
    assert crawl(cfg, db).returncode == 0
    site.requests.clear()
    r = crawl(cfg, db)
    assert r.returncode == 0, r.stderr
    heads = asked(site, "HEAD")
    # judged after 20 answers (and the few requests already in flight), then the pass stops asking
    assert 20 <= len(heads) <= 20 + 4 < len(paths)
    assert sorted(asked(site, "GET")) == sorted(paths)   # the crawl's conditional GETs do the work, as without the pass
    cs = query(db, "SELECT not_modified, revalidated, revalidation_note FROM crawl_sites WHERE crawl_id = 2")[0]
    assert cs["not_modified"] == len(paths) and cs["revalidated"] == len(heads)
    assert "only 0 of the first 20 answers were 304" in cs["revalidation_note"]
    assert "left to the crawl" in r.stdout


@pytest.mark.parametrize("status", [503, 429])
def test_a_server_that_asks_to_slow_down_is_left_to_the_crawl_at_once(pass_site, status):
    root, paths, make, db = pass_site
    site, cfg = make()
    assert crawl(cfg, db).returncode == 0
    site.head_status = status
    site.requests.clear()
    r = crawl(cfg, db)
    assert r.returncode == 0, r.stderr
    heads = [p for m, p, h in site.requests if m == "HEAD" and p.endswith((".html", "/"))]
    assert 1 <= len(heads) <= 4                       # the first answer stops it (requests in flight end)
    assert sorted(asked(site, "GET")) == sorted(paths)
    note = query(db, "SELECT revalidation_note FROM crawl_sites WHERE crawl_id = 2")[0][0]
    assert f"answered {status}" in note
    assert query(db, "SELECT count(*) FROM pages WHERE crawl_id = 2 AND not_modified = 1")[0][0] == len(paths)


def test_the_pass_obeys_tonights_robots_txt(pass_site):
    root, paths, make, db = pass_site
    site, cfg = make()
    assert crawl(cfg, db).returncode == 0
    (root / "robots.txt").write_text("User-agent: *\nDisallow: /l3_\n", encoding="utf-8")
    site.requests.clear()
    r = crawl(cfg, db)
    assert r.returncode == 0, r.stderr
    disallowed = {f"/l3_{j}.html" for j in range(LEAVES)}
    requested = {p for m, p, h in site.requests}
    # neither the pass nor the crawl asked for them (the crawl gets them all at once when the pass is over: with
    # Scrapy's own RobotsTxtMiddleware all but the first went out anyway; crawler/robots.py mends that)
    assert not requested & disallowed
    assert set(asked(site, "HEAD")) == set(paths) - disallowed
    blocked = {r["url"] for r in query(db, "SELECT url FROM pages WHERE crawl_id = 2 AND outcome = 'blocked'")}
    assert blocked == {PROD + p for p in disallowed}
    # d3.html was linked only from those leaves: it was asked about (allowed, known), but the crawl no longer finds it
    assert "/d3.html" in asked(site, "HEAD") and "/d3.html" not in asked(site, "GET")
    assert not query(db, "SELECT 1 FROM pages WHERE url = ? AND crawl_id = 2", (f"{PROD}/d3.html",))


def test_answers_in_any_order_give_the_depths_of_a_breadth_first_crawl(pass_site):
    """The recorder settles answered pages in discovery order, waiting for late answers, so a shortcut answered
    last still decides the depths below it (d1 via l1_0, then e1), not the longer route answered first."""
    from crawler.record.router import Router
    from foundation.config import load_config

    root, paths, make, db = pass_site
    write(root, "d1.html", page("Deep 1", ["e1.html"]))
    write(root, "e1.html", page("Deeper 1", []))
    site, cfg = make()
    assert crawl(cfg, db).returncode == 0
    depths = {u: row[0] for u, row in routes(db, 1).items()}
    assert (depths[f"{PROD}/d1.html"], depths[f"{PROD}/e1.html"]) == (2, 3)

    rec = Router(load_config(cfg), db)
    plan = rec.handle("revalidation_plan")
    requests = rec.handle("start")
    shortcut = next(c for c in plan if c.fetch_url.endswith("/l1_0.html"))
    for c in [c for c in plan if c is not shortcut] + [shortcut]:     # the shortcut's answer comes last
        requests += rec.handle("revalidated", [(c.url_id, ("2026-11-24T05:00:00+00:00", 1.0, {}))])
    requests += rec.handle("revalidation_done", {"hosts": []})
    assert not [r for r in requests if r.kind == "page"]               # every page settled by its 304
    assert rec.handle("finish", "complete")["status"] == "complete"
    second = routes(db, 2)
    assert {u: row[0] for u, row in second.items()} == depths
    assert all(row[7] == 1 for row in second.values())
