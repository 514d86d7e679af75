"""The crawler's bounds against hostile servers (issue 14, items 2, 3 and 8).

One crawl of two local sites that serve traps: an endless chain of sitemap indexes, an index of 5,000
sitemaps, a robots.txt whose Sitemap line is relative, a gzipped sitemap and a gzip bomb, an endless
redirect chain and a page of 200,000 nested <div>.  Unbounded, any one of them keeps the crawl busy for
minutes (the chain for ever); bounded, the crawl ends within seconds and records what it did not do and why.
"""
from __future__ import annotations

import gzip
import json
import re
import time
import urllib.parse

import pytest

from decay.localserver import Route, raw, redirect
from tests.conftest import query, run_decay, write_config

A = "https://www.example.org"      # the site whose robots.txt names its sitemap index with a relative path
B = "https://trap.example.org"     # the site whose sitemap index lists the next index, for ever
MANY = 5_000
DEPTH = 200_000
CRAWL_TIMEOUT = 45


def _query_n(handler) -> int:
    q = urllib.parse.parse_qs(urllib.parse.urlsplit(handler.path).query)
    return int(q.get("n", ["0"])[0])


def _xml(body: str) -> Route:
    return raw('<?xml version="1.0" encoding="UTF-8"?>\n' + body, "application/xml")


def _index(locs) -> Route:
    items = "".join(f"<sitemap><loc>{u}</loc></sitemap>" for u in locs)
    return _xml(f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{items}</sitemapindex>')


def _urlset(locs) -> str:
    items = "".join(f"<url><loc>{u}</loc></url>" for u in locs)
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{items}</urlset>'


def _page(title: str, body: str = "") -> Route:
    return raw(f"<!doctype html><html><head><title>{title}</title></head><body><main><h1>{title}</h1>{body}</main></body></html>",
               "text/html; charset=utf-8")


def deep_page() -> bytes:
    return (b"<!doctype html><html><head><title>Deep page</title></head><body>" + b"<div>" * DEPTH
            + b"Still readable text <a href='/after-deep'>after</a>" + b"</div>" * DEPTH + b"</body></html>")


@pytest.fixture(scope="module")
def bounded(tmp_path_factory):
    from decay.localserver import LocalSite

    site_a = LocalSite(routes={
        "/": _page("Home A", "<a href='/about'>About</a>"),
        "/about": _page("About"),
        "/robots.txt": raw("User-agent: *\nDisallow:\n\nSitemap: /sitemaps/index.xml\n", "text/plain"),
        "/sitemaps/index.xml": _index([f"{A}/sitemaps/many.xml", f"{A}/sitemaps/pages.xml.gz", f"{A}/sitemaps/bomb.xml.gz"]),
        "/sitemaps/many.xml": _index(f"{A}/sitemaps/leaf?n={i}" for i in range(MANY)),
        "/sitemaps/leaf": Route(handler=lambda h: raw(_urlset([f"{A}/about"]), "application/xml")),
        "/sitemaps/pages.xml.gz": raw(gzip.compress(_urlset([f"{A}/from-gz"]).encode()), "application/x-gzip"),
        # 60 MB of zeros in 60 KB: more than the sitemap protocol's 50 MB once decompressed
        "/sitemaps/bomb.xml.gz": raw(gzip.compress(b"<" + b" " * (60 * 1024 * 1024), 9), "application/x-gzip"),
        "/from-gz": _page("Listed by the gzipped sitemap"),
    }).start()
    site_b = LocalSite(routes={
        "/": _page("Home B", "<a href='/chain?n=0'>Chain</a> <a href='/deep'>Deep</a>"),
        "/robots.txt": raw("User-agent: *\nDisallow:\n", "text/plain"),
        "/sm": Route(handler=lambda h: _index([f"{B}/sm?n={_query_n(h) + 1}"])),
        "/chain": Route(handler=lambda h: redirect(f"/chain?n={_query_n(h) + 1}")),
        "/deep": raw(deep_page(), "text/html; charset=utf-8"),
        "/after-deep": _page("After the deep page"),
    }).start()
    tmp = tmp_path_factory.mktemp("bounds")
    cfg = write_config(tmp / "bounds.toml", f"""
        [organisation]
        name = "Bounds"

        [[sites]]
        name = "main"
        start_urls = ["{A}/"]
        aliases = {{ "{A}" = "{site_a.url}" }}
        check_external_links = false

        [[sites]]
        name = "trap"
        start_urls = ["{B}/"]
        sitemaps = ["{B}/sm?n=0"]
        aliases = {{ "{B}" = "{site_b.url}" }}
        check_external_links = false

        [crawl]
        autothrottle = false
        concurrency_per_host = 8
        max_sitemaps = 50
        """)
    db = tmp / "decay.db"
    t = time.monotonic()
    result = run_decay("crawl", "--config", str(cfg), "--db", str(db), timeout=CRAWL_TIMEOUT)
    seconds = time.monotonic() - t
    yield {"db": db, "cfg": cfg, "result": result, "seconds": seconds, "a": site_a, "b": site_b}
    site_a.stop()
    site_b.stop()


def sitemaps(db, site: str) -> dict[str, dict]:
    return {r["url"]: dict(r) for r in query(db, "SELECT * FROM sitemaps WHERE site = ?", (site,))}


def test_the_crawl_completes_within_its_bounds(bounded):
    r = bounded["result"]
    assert r.returncode == 0, r.stdout + r.stderr
    assert "Traceback" not in r.stderr
    # it ended: run_decay's time limit (CRAWL_TIMEOUT) fails a crawl that does not (a bound, not a speed check)
    (crawl_row,) = query(bounded["db"], "SELECT status FROM crawls")
    assert crawl_row["status"] == "complete"
    # 4,954 of the 5,000 listed by many.xml, and the seventh index of the endless chain
    assert re.search(r"\b4955 sitemaps not read \(max_sitemaps / max_sitemap_depth", r.stdout), r.stdout


def test_a_relative_sitemap_line_in_robots_txt_is_read(bounded):
    (robots,) = query(bounded["db"], "SELECT sitemaps FROM robots WHERE site = 'main'")
    assert json.loads(robots["sitemaps"]) == [f"{A}/sitemaps/index.xml"]
    index = sitemaps(bounded["db"], "main")[f"{A}/sitemaps/index.xml"]
    assert (index["found_via"], index["type"], index["entries"], index["error"]) == ("robots", "sitemapindex", 3, None)
    assert bounded["a"].hits["GET /sitemap.xml"] == 0   # no guess: robots.txt named the sitemap


def test_an_index_of_thousands_of_sitemaps_is_read_up_to_max_sitemaps(bounded):
    db = bounded["db"]
    maps = sitemaps(db, "main")
    read = [m for m in maps.values() if m["fetched_at"] is not None]
    skipped = [m for m in maps.values() if m["fetched_at"] is None]
    assert len(read) == 50
    assert bounded["a"].hits["GET /sitemaps/leaf"] == 50 - 4   # the index, many.xml and two gzipped sitemaps first
    assert len(skipped) == MANY - 46
    assert all(m["status"] is None and m["found_via"] == "index" and m["parent"] == f"{A}/sitemaps/many.xml"
               for m in skipped)
    assert {m["error"] for m in skipped} == {"not read: 50 sitemaps were already read for this site (max_sitemaps = 50)"}
    # the index's entries are facts all the same
    (n,) = query(db, "SELECT count(*) AS n FROM sitemap_entries WHERE sitemap_id = (SELECT url_id FROM sitemaps WHERE url = ?)",
                 (f"{A}/sitemaps/many.xml",))
    assert n["n"] == MANY


def test_gzipped_sitemaps_are_read_with_a_size_limit(bounded):
    maps = sitemaps(bounded["db"], "main")
    gz = maps[f"{A}/sitemaps/pages.xml.gz"]
    assert (gz["gzipped"], gz["type"], gz["entries"], gz["error"]) == (1, "urlset", 1, None)
    (page,) = query(bounded["db"], "SELECT outcome, found_via FROM pages WHERE url = ?", (f"{A}/from-gz",))
    assert (page["outcome"], page["found_via"]) == ("ok", "sitemap")
    bomb = maps[f"{A}/sitemaps/bomb.xml.gz"]
    assert (bomb["gzipped"], bomb["type"], bomb["entries"]) == (1, "invalid", 0)
    assert bomb["error"].startswith("cannot gunzip: larger than 50 MB once decompressed")


def test_an_endless_chain_of_sitemap_indexes_stops_at_max_sitemap_depth(bounded):
    maps = sitemaps(bounded["db"], "trap")
    read = sorted(_query_n_url(u) for u, m in maps.items() if m["fetched_at"] is not None)
    assert read == [0, 1, 2, 3, 4, 5]   # the configured sitemap is depth 0; the default max_sitemap_depth is 5
    assert bounded["b"].hits["GET /sm"] == 6
    cut = maps[f"{B}/sm?n=6"]
    assert (cut["status"], cut["found_via"], cut["parent"]) == (None, "index", f"{B}/sm?n=5")
    assert cut["error"] == ("not read: sitemap indexes nested more than 5 deep "
                            "(this one is listed by an index 6 levels down; max_sitemap_depth = 5)")
    assert len(maps) == 7


def _query_n_url(url: str) -> int:
    return int(urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)["n"][0])


def test_an_endless_redirect_chain_is_cut_after_max_redirects(bounded):
    db = bounded["db"]
    assert bounded["b"].hits["GET /chain"] == 11   # the first URL and 10 redirects followed
    rows = {r["url"]: r for r in query(db, "SELECT * FROM pages WHERE url LIKE ?", (f"{B}/chain%",))}
    assert len(rows) == 11 and all(r["outcome"] == "redirect" for r in rows.values())
    last = rows[f"{B}/chain?n=10"]
    assert last["error"] == (f"redirect chain longer than 10 hops: {B}/chain?n=11 was not requested (max_redirects = 10)")
    assert all(r["error"] is None for u, r in rows.items() if u != f"{B}/chain?n=10")
    first = rows[f"{B}/chain?n=0"]
    chain = json.loads(first["redirect_chain"])
    assert first["redirect_hops"] == 11 and chain[-1] == [f"{B}/chain?n=11", None] and first["final_status"] is None


def test_the_analysis_reports_the_cut_chain(bounded):
    r = run_decay("analyse", "--config", str(bounded["cfg"]), "--db", str(bounded["db"]), "--top", "0", timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    rows = query(bounded["db"], "SELECT * FROM findings WHERE rule = 'links.redirect_chain' AND subject_url = ?",
                 (f"{B}/chain?n=0",))
    assert len(rows) == 1
    f = rows[0]
    evidence = json.loads(f["evidence"])
    assert evidence["hops"] == 11 and evidence["final_status"] is None
    assert (f["severity"], evidence["cut"]) == ("medium", f"redirect chain longer than 10 hops: {B}/chain?n=11 was not requested (max_redirects = 10)")
    assert f["message"].startswith(f"Redirect chain without an end in sight: 11 redirects and no answer from {B}/chain?n=0")


def test_a_deeply_nested_page_is_read_without_its_structure(bounded):
    db = bounded["db"]
    (deep,) = query(db, "SELECT * FROM pages WHERE url = ?", (f"{B}/deep",))
    assert (deep["outcome"], deep["is_html"], deep["title"]) == ("ok", 1, "Deep page")
    assert deep["error"].startswith(f"nested about {DEPTH:,} elements deep (more than max_html_depth = 2,000): "
                                    "read without its structure")
    assert deep["error"].endswith("its HTML is not stored")
    assert query(db, "SELECT count(*) AS n FROM bodies WHERE hash = ?", (deep["body_hash"],))[0]["n"] == 0
    # its links are followed, its text is kept
    (after,) = query(db, "SELECT outcome, found_on FROM pages WHERE url = ?", (f"{B}/after-deep",))
    assert (after["outcome"], after["found_on"]) == ("ok", f"{B}/deep")
    (text,) = query(db, "SELECT main_text FROM page_texts WHERE url_id = ?", (deep["url_id"],))
    assert "Still readable text" in text["main_text"]


@pytest.mark.parametrize("key, value", [("max_redirects", 0), ("max_sitemaps", 0), ("max_sitemap_depth", -1),
                                        ("max_html_depth", 10)])
def test_bounds_are_checked(tmp_path, key, value):
    cfg = write_config(tmp_path / "c.toml", f"""
        [organisation]
        name = "x"
        [[sites]]
        name = "main"
        start_urls = ["https://www.example.org/"]
        [crawl]
        {key} = {value}
        """)
    r = run_decay("check", "--config", str(cfg), timeout=60)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert f"crawl.{key}" in r.stdout + r.stderr and "must be at least" in r.stdout + r.stderr


def test_a_robots_txt_larger_than_max_page_mb_is_still_obeyed(tmp_path, local_site):
    """RFC 9309: a crawler reads at least the first 500 KiB of a robots.txt.  One larger than max_page_mb
    (here 2 MB with a 1 MB limit) used to be dropped, and the crawl then went where it forbids."""
    robots = "User-agent: *\nDisallow: /private/\n" + "".join(f"Disallow: /x-{i:08d}/\n" for i in range(2 * 1024 * 1024 // 22))
    site = local_site(routes={
        "/robots.txt": raw(robots, "text/plain"),
        "/": _page("Home", "<a href='/private/secret.html'>secret</a> <a href='/open.html'>open</a>"),
        "/open.html": _page("Open"),
        "/private/secret.html": _page("Secret"),
    })
    cfg = write_config(tmp_path / "org.toml", f"""
        [organisation]
        name = "Example"

        [[sites]]
        name = "main"
        start_urls = ["{A}/"]
        aliases = {{ "{A}" = "{site.url}" }}
        check_external_links = false

        [crawl]
        autothrottle = false
        max_page_mb = 1
        """)
    db = tmp_path / "decay.db"
    r = run_decay("crawl", "--config", str(cfg), "--db", str(db), timeout=CRAWL_TIMEOUT)
    assert r.returncode == 0, r.stderr[-2000:]
    secret = query(db, "SELECT outcome, error FROM pages WHERE url = ?", (A + "/private/secret.html",))
    assert secret and secret[0]["outcome"] == "blocked", [tuple(x) for x in secret]
    assert site.hits["GET /private/secret.html"] == 0
    (rb,) = query(db, "SELECT status, length(body) AS n FROM robots")
    assert rb["status"] == 200 and 0 < rb["n"] <= 500_000
