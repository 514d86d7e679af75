"""A crawl of a hand-built site where every answer is known.

One crawl (module fixture) of a site with redirects (301, 302, a chain of three,
a loop), 404 and 500 pages, robots.txt rules, a sitemap index that lists itself
and a gzipped child sitemap, a page in windows-1252, non-HTML links, a page
outside `include`, a page too large, a page too slow; plus a second site that
is down.  Each test checks one group of facts.
"""
from __future__ import annotations

import gzip
import json
import socket
import zlib

import pytest

from decay.localserver import LocalSite, Route, redirect, status
from foundation import bodies
from tests.conftest import crawl, page, query, write_config

PROD = "https://www.fixture.example"


def html(title: str, body: str, head: str = "") -> str:
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>{head}</head>
<body>
<header class="site-header"><a href="/"><img src="/img/logo.png" alt="Fixture logo"></a>
<nav><a href="/about.html">About us</a> <a href="/news.html">News</a></nav></header>
{body}
<footer><a href="/privacy.html">Privacy</a> <p>&copy; 2009-2019 Fixture Org</p></footer>
</body></html>"""


def build_site(root, external: str = "http://127.0.0.1:9"):
    (root / "img").mkdir()
    (root / "files").mkdir()
    (root / "private").mkdir()
    (root / "outside").mkdir()
    pages = {
        "index.html": html("Home", f"""<main><h1>Welcome</h1>
<p>Start here. <a href="/old">Old about page</a> <a href="/temp">Temporary</a> <a href="/chain1">Chain</a>
<a href="/loop-a">Loop</a> <a href="/missing.html">Missing page</a> <a href="/error">Broken server</a>
<a href="/private/secret.html">Secret</a> <a href="/legacy.html">Legacy</a> <a href="/files/report.pdf">Annual report (PDF)</a>
<a href="/outside/page.php">Outside</a> <a href="{PROD}/about.html">About (absolute)</a> <a href="/big.html">Big</a>
<a href="/slow">Slow</a> <a href="https://other.example.org/x" target="_blank">Partner</a>
<a href="EXTERNAL/gone.html">Gone partner page</a> <a href="EXTERNAL/fine.html">Fine partner page</a>
<a href="EXTERNAL/private/secret.html">Partner secret</a>
<a href="mailto:info@fixture.example">Mail us</a> <img src="/img/missing.png" alt="Missing picture">
<a href="http://nxdomain.invalid/page.html">Gone host</a> <a href="/binary.html">Binary</a> <a href="/corrupt.html">Corrupt</a>
<a href="#top">Top</a> <a href="javascript:void(0)">JS</a></p></main>""",
                           head='<link rel="stylesheet" href="/style.css"><script src="/app.js"></script>'),
        "about.html": html("About us", """<main><article><h1>About the Fixture Org</h1>
<p class="byline">Posted on <time datetime="2019-03-02">2 March 2019</time></p>
<p>We have been here since 2009. Last updated: 5 May 2020.</p><p><a href="/index.html">Home</a></p></article></main>""",
                           head=f'<link rel="canonical" href="{PROD}/about.html"><meta name="generator" content="WordPress 5.2.1">'
                                '<meta name="description" content="All about us">'
                                '<script type="application/ld+json">{"@type":"AboutPage","datePublished":"2019-03-02","dateModified":"2020-05-05"}</script>'),
        "about-us.html": html("About us (new)", "<main><p>The new about page.</p></main>"),
        "news.html": html("News", "<main><p>News.</p></main>"),
        "final.html": html("Final", "<main><p>The end of the chain.</p></main>"),
        "privacy.html": html("Privacy", "<main><p>Privacy policy.</p></main>"),
        "orphan.html": html("Orphan", "<main><p>Only the sitemap knows me.</p></main>"),
        "private/secret.html": html("Secret", "<main><p>Robots may not read this.</p></main>"),
        "outside/page.php": html("Outside", "<main><p>Not included.</p></main>"),
        "big.html": html("Big", "<main><p>" + "big " * 40_000 + "</p></main>"),
    }
    for name, text in pages.items():
        (root / name).write_text(text.replace("EXTERNAL", external), encoding="utf-8")
    (root / "legacy.html").write_bytes(
        '<html><head><meta charset="windows-1252"><title>Café Zürich – naïve</title></head>'
        '<body><main><p>Grüße aus Zürich, café crème.</p></main></body></html>'.encode("cp1252"))
    (root / "files/report.pdf").write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    (root / "img/logo.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 64)
    (root / "style.css").write_text("body{}")
    (root / "app.js").write_text("var x;")
    (root / "robots.txt").write_text(f"User-agent: *\nDisallow: /private/\n\nSitemap: {PROD}/sitemap_index.xml\n")
    (root / "sitemap_index.xml").write_text(f"""<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<sitemap><loc>{PROD}/sitemap-pages.xml.gz</loc><lastmod>2024-01-01</lastmod></sitemap>
<sitemap><loc>{PROD}/sitemap_index.xml</loc></sitemap>
</sitemapindex>""")
    urlset = f"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<url><loc>{PROD}/</loc><lastmod>2024-02-03</lastmod></url>
<url><loc>{PROD}/about.html</loc><lastmod>2020-01-02</lastmod><changefreq>yearly</changefreq><priority>0.5</priority></url>
<url><loc>{PROD}/orphan.html</loc><lastmod>2019-05-06</lastmod></url>
<url><loc>{PROD}/outside/page.php</loc></url>
</urlset>"""
    (root / "sitemap-pages.xml.gz").write_bytes(gzip.compress(urlset.encode()))


def closed_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


@pytest.fixture(scope="module")
def fixture_crawl(tmp_path_factory):
    from decay.localserver import LocalSite

    other = LocalSite(routes={"/fine.html": status(200, "<html>fine</html>"),
                              "/robots.txt": status(200, "User-agent: *\nDisallow: /private/\n", "text/plain")}).start()
    root = tmp_path_factory.mktemp("site")
    build_site(root, external=other.url)
    routes = {
        "/old": redirect("/about-us.html", 301),
        "/temp": redirect("/news.html", 302),
        "/chain1": redirect("/chain2", 301),
        "/chain2": redirect("/chain3", 302),
        "/chain3": redirect("/final.html", 301),
        "/loop-a": redirect("/loop-b", 301),
        "/loop-b": redirect("/loop-a", 301),
        "/error": status(500, "<html><body>Internal error</body></html>"),
        "/slow": Route(status=200, headers={"Content-Type": "text/html"}, body=b"<html>late</html>", delay=4.0),
        "/binary.html": Route(status=200, headers={"Content-Type": "text/html"}, body=b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 20),
        "/corrupt.html": Route(status=200, headers={"Content-Type": "text/html", "Content-Encoding": "gzip"}, body=b"this is not gzip"),
    }
    site = LocalSite(root=root, routes=routes).start()
    tmp = tmp_path_factory.mktemp("crawl")
    down = closed_port()
    cfg = write_config(tmp / "org.toml", f"""
        [organisation]
        name = "Fixture Org"
        contact = "web@fixture.example"

        [[sites]]
        name = "fixture"
        start_urls = ["{PROD}/"]
        aliases = {{ "{PROD}" = "{site.url}" }}
        hosts = ["nxdomain.invalid"]
        include = ["/", "*.html", "/files/*", "/img/*", "/old", "/temp", "/chain*", "/loop-*", "/error", "/slow", "/style.css", "/app.js"]

        [[sites]]
        name = "down"
        start_urls = ["http://127.0.0.1:{down}/"]

        [crawl]
        concurrency = 8
        timeout = 1.5
        retries = 0
        max_page_mb = 0.1
        autothrottle = false
        """)
    db = tmp / "decay.db"
    result = crawl(cfg, db)
    yield {"db": db, "result": result, "site": site, "cfg": cfg, "other": other}
    site.stop()
    other.stop()


def u(path: str) -> str:
    return PROD + path


def test_crawl_completes_and_reports_the_site_that_is_down(fixture_crawl):
    r = fixture_crawl["result"]
    assert r.returncode == 3, r.stderr  # complete, but one site failed
    assert "Traceback" not in r.stderr
    db = fixture_crawl["db"]
    (c,) = query(db, "SELECT * FROM crawls")
    assert c["status"] == "complete" and c["finished_at"] and c["pid"] is None
    sites = {row["site"]: row for row in query(db, "SELECT * FROM crawl_sites")}
    assert sites["fixture"]["status"] == "complete"
    assert sites["down"]["status"] == "failed"
    assert "connection refused" in sites["down"]["reason"]
    assert "down: failed" in r.stdout and "reason: no answer from the site" in r.stdout


def test_pages_are_stored_under_production_urls_and_fetched_once(fixture_crawl):
    db, site = fixture_crawl["db"], fixture_crawl["site"]
    about = page(db, u("/about.html"))
    assert about["requested_url"] == site.url + "/about.html"
    assert about["outcome"] == "ok" and about["status"] == 200 and about["is_html"] == 1
    # linked relatively from three pages, absolutely once, and listed in the sitemap: fetched once
    assert site.hits["GET /about.html"] == 1
    assert not query(db, "SELECT url FROM pages WHERE url LIKE ? AND kind != 'external'", (site.url + "%",))


def test_html_facts(fixture_crawl):
    db = fixture_crawl["db"]
    about = page(db, u("/about.html"))
    assert about["title"] == "About us"
    assert about["h1"] == "About the Fixture Org" and about["h1_count"] == 1
    assert about["canonical"] == u("/about.html")
    assert about["generator"] == "WordPress 5.2.1"
    assert about["meta_description"] == "All about us"
    assert about["lang"] == "en"
    assert about["found_via"] == "link" and about["depth"] == 1 and about["found_on"] == u("/")
    assert about["last_modified"] and about["etag"] and about["server_date"]
    assert about["content_type"].startswith("text/html")
    assert about["word_count"] > 10 and len(about["text_hash"]) == 24
    assert about["response_ms"] is not None and about["fetched_at"].startswith("20")
    text = query(db, "SELECT * FROM page_texts WHERE url_id = ?", (about["url_id"],))[0]
    assert "We have been here since 2009" in text["main_text"]
    assert "About us News" in text["nav_text"] and "Welcome" not in text["main_text"]
    assert "Fixture Org" in text["footer_text"] and "Privacy" not in text["main_text"]
    headers = json.loads(about["headers"])
    assert "etag" in headers and "set-cookie" not in headers


def test_the_stored_html_is_the_page_in_zlib_format(fixture_crawl):
    """bodies.html is made with ISA-L (foundation/bodies.py) but is plain zlib data: the standard library reads it
    back as the page served, and so does content-decay's reader; a blob written by zlib (older databases) too."""
    db, site = fixture_crawl["db"], fixture_crawl["site"]
    about = page(db, u("/about.html"))
    blob, size = query(db, "SELECT html, size FROM bodies WHERE hash = ?", (about["body_hash"],))[0]
    served = (site.root / "about.html").read_bytes()
    assert zlib.decompress(blob) == served and size == len(served) and len(blob) < len(served)
    assert bodies.decompress(blob) == served and blob == bodies.compress(served)   # written through foundation/bodies.py
    assert bodies.decompress(zlib.compress(served, 6)) == served
    with pytest.raises(bodies.ERRORS):
        bodies.decompress(b"not zlib data")


def test_date_signals_are_kept_raw(fixture_crawl):
    db = fixture_crawl["db"]
    about = page(db, u("/about.html"))
    sig = {(r["source"], r["name"], r["value"]) for r in query(db, "SELECT * FROM date_signals WHERE url_id = ?", (about["url_id"],))}
    assert ("jsonld", "datePublished", "2019-03-02") in sig
    assert ("jsonld", "dateModified", "2020-05-05") in sig
    assert ("time", "datetime", "2019-03-02") in sig
    assert ("copyright", "notice", "© 2009-2019") in sig
    assert any(s[0] == "text" and s[2].startswith("Last updated: 5 May 2020") for s in sig)


def test_redirects_chains_and_loops(fixture_crawl):
    db = fixture_crawl["db"]
    old = page(db, u("/old"))
    assert (old["outcome"], old["status"], old["location"]) == ("redirect", 301, u("/about-us.html"))
    assert (old["final_url"], old["final_status"], old["redirect_hops"]) == (u("/about-us.html"), 200, 1)
    temp = page(db, u("/temp"))
    assert temp["status"] == 302 and temp["final_url"] == u("/news.html")
    chain = page(db, u("/chain1"))
    assert chain["redirect_hops"] == 3 and chain["final_url"] == u("/final.html") and chain["final_status"] == 200
    assert json.loads(chain["redirect_chain"]) == [[u("/chain1"), 301], [u("/chain2"), 302], [u("/chain3"), 301], [u("/final.html"), 200]]
    # every hop is a row of its own, requested once
    assert page(db, u("/chain2"))["found_via"] == "redirect"
    assert page(db, u("/final.html"))["outcome"] == "ok"
    loop = page(db, u("/loop-a"))
    assert loop["final_status"] is None
    assert json.loads(loop["redirect_chain"]) == [[u("/loop-a"), 301], [u("/loop-b"), 301], [u("/loop-a"), "loop"]]
    assert fixture_crawl["site"].hits["GET /loop-a"] == 1


def test_errors_and_failures_are_rows(fixture_crawl):
    db = fixture_crawl["db"]
    missing = page(db, u("/missing.html"))
    assert (missing["outcome"], missing["status"]) == ("http_error", 404)
    assert page(db, u("/error"))["status"] == 500
    slow = page(db, u("/slow"))
    assert slow["outcome"] == "failed" and slow["status"] is None and "timeout" in slow["error"]
    big = page(db, u("/big.html"))
    assert big["outcome"] == "failed" and "too large" in big["error"]
    gone = page(db, "http://nxdomain.invalid/page.html")
    assert gone["outcome"] == "failed" and "DNS lookup failed" in gone["error"]
    binary = page(db, u("/binary.html"))
    assert binary["outcome"] == "failed" and binary["status"] == 200 and "invalid content" in binary["error"]
    corrupt = page(db, u("/corrupt.html"))
    assert corrupt["outcome"] == "failed" and corrupt["error"]


def test_robots_txt_is_obeyed_and_recorded(fixture_crawl):
    db, site = fixture_crawl["db"], fixture_crawl["site"]
    secret = page(db, u("/private/secret.html"))
    assert secret["outcome"] == "blocked" and "robots.txt" in secret["error"]
    assert site.hits["GET /private/secret.html"] == 0
    (robots,) = query(db, "SELECT * FROM robots WHERE site = 'fixture'")
    assert robots["status"] == 200 and "Disallow: /private/" in robots["body"]
    assert json.loads(robots["sitemaps"]) == [u("/sitemap_index.xml")]


def test_include_patterns_skip_but_record(fixture_crawl):
    db, site = fixture_crawl["db"], fixture_crawl["site"]
    outside = page(db, u("/outside/page.php"))
    assert outside["outcome"] == "skipped" and "outside include" in outside["error"]
    assert site.hits["GET /outside/page.php"] == 0


def test_non_html_links_are_checked_without_bodies(fixture_crawl):
    db, site = fixture_crawl["db"], fixture_crawl["site"]
    pdf = page(db, u("/files/report.pdf"))
    assert (pdf["kind"], pdf["method"], pdf["status"], pdf["is_html"]) == ("resource", "HEAD", 200, 0)
    assert pdf["content_type"] == "application/pdf" and pdf["size"] > 0
    assert site.hits["GET /files/report.pdf"] == 0 and site.hits["HEAD /files/report.pdf"] == 1
    img = page(db, u("/img/missing.png"))
    assert (img["kind"], img["status"]) == ("resource", 404)
    assert page(db, u("/style.css"))["status"] == 200


def test_legacy_encoding(fixture_crawl):
    db = fixture_crawl["db"]
    legacy = page(db, u("/legacy.html"))
    assert legacy["title"] == "Café Zürich – naïve"
    assert legacy["encoding"] == "cp1252"
    (text,) = query(db, "SELECT main_text FROM page_texts WHERE url_id = ?", (legacy["url_id"],))
    assert "Grüße aus Zürich" in text[0]


def test_sitemaps_index_gzip_and_self_reference(fixture_crawl):
    db, site = fixture_crawl["db"], fixture_crawl["site"]
    maps = {r["url"]: r for r in query(db, "SELECT * FROM sitemaps")}
    index = maps[u("/sitemap_index.xml")]
    assert (index["type"], index["found_via"], index["entries"]) == ("sitemapindex", "robots", 2)
    child = maps[u("/sitemap-pages.xml.gz")]
    assert (child["type"], child["gzipped"], child["entries"], child["found_via"]) == ("urlset", 1, 4, "index")
    assert site.hits["GET /sitemap_index.xml"] == 1  # the index lists itself: read once
    entries = {r["url"]: r for r in query(db, "SELECT * FROM sitemap_entries WHERE sitemap_id = ?", (child["url_id"],))}
    assert entries[u("/about.html")]["lastmod"] == "2020-01-02"
    assert entries[u("/about.html")]["changefreq"] == "yearly"
    orphan = page(db, u("/orphan.html"))
    assert orphan["found_via"] == "sitemap" and orphan["depth"] is None and orphan["outcome"] == "ok"
    assert orphan["found_on"] == u("/sitemap-pages.xml.gz")


def test_links_with_kind_anchor_position(fixture_crawl):
    db = fixture_crawl["db"]
    home = page(db, u("/"))
    links = query(db, "SELECT * FROM link_urls WHERE source_id = ?", (home["url_id"],))
    by = {(r["target_url"], r["kind"]): r for r in links}
    assert by[(u("/missing.html"), "a")]["anchor"] == "Missing page"
    assert by[(u("/missing.html"), "a")]["position"] == "main"
    assert by[(u("/about.html"), "a")]["position"] in ("nav", "main")
    positions = {r["position"] for r in links if r["target_url"] == u("/about.html")}
    assert positions == {"nav", "main"}  # in the menu, and the absolute production link in the text
    assert by[(u("/img/logo.png"), "img")]["anchor"] == "Fixture logo"
    assert by[(u("/img/logo.png"), "img")]["position"] == "header"
    assert by[(u("/privacy.html"), "a")]["position"] == "footer"
    assert by[(u("/style.css"), "link")]["rel"] == "stylesheet" and by[(u("/style.css"), "link")]["position"] == "head"
    assert by[(u("/app.js"), "script")]["internal"] == 1
    partner = by[("https://other.example.org/x", "a")]
    assert partner["internal"] == 0 and partner["new_window"] == 1
    checked = page(db, "https://other.example.org/x")  # external links are checked too, and this host does not resolve
    assert (checked["kind"], checked["site"], checked["outcome"]) == ("external", "fixture", "failed")
    assert ("mailto:info@fixture.example", "a") in by
    assert not any(r["target_url"].startswith("javascript") for r in links)
    assert home["links_out"] == len(links)
    assert query(db, "SELECT site FROM urls WHERE url = 'https://other.example.org/x'")[0][0] is None


def test_links_to_other_websites_are_checked_politely(fixture_crawl):
    db, other = fixture_crawl["db"], fixture_crawl["other"]
    gone, fine = page(db, other.url + "/gone.html"), page(db, other.url + "/fine.html")
    assert (gone["kind"], gone["method"], gone["status"], gone["outcome"]) == ("external", "HEAD", 404, "http_error")
    assert (fine["status"], fine["outcome"], fine["site"]) == (200, "ok", "fixture")
    secret = page(db, other.url + "/private/secret.html")
    assert secret["outcome"] == "blocked" and "robots.txt" in secret["error"]
    # the other site's robots.txt read once, each URL asked once, with HEAD, bodies never downloaded
    assert other.hits["GET /robots.txt"] == 1
    assert other.hits["HEAD /gone.html"] == 1 and other.hits["HEAD /fine.html"] == 1
    assert other.hits["GET /fine.html"] == 0 and other.hits["HEAD /private/secret.html"] == 0
    assert query(db, "SELECT site FROM urls WHERE url = ?", (other.url + "/gone.html",))[0][0] is None


def test_database_is_wal_with_indexes(fixture_crawl):
    db = fixture_crawl["db"]
    assert query(db, "PRAGMA journal_mode")[0][0] == "wal"
    indexes = {r[0] for r in query(db, "SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert "idx_links_target_id" in indexes and "idx_pages_site" in indexes
    assert not list(fixture_crawl["db"].parent.glob("*.tmp"))  # the staging file is gone
