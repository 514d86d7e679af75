"""The recorder's rooms (crawler/record/), in-process: Fetch objects in, rows and NewRequests out, a temp database.

No server, no Scrapy engine: each test is milliseconds.  The crawls that exercise the same code end to end are
tests/test_crawl_fixture.py, test_revalidation_pass.py, test_feeds.py and test_crawl_bounds.py.
"""
from __future__ import annotations

import json
import sqlite3

import pytest
import scrapy

from crawler.conditional import ConditionalRequestMiddleware
from crawler.frontier import PRIORITY_SITEMAP_PAGE
from crawler.record.router import MESSAGES, Router, UnknownMessage
from crawler.worker import InProcessStore
from foundation.config import load_config
from foundation.facts import Fetch, NewRequest
from tests.conftest import write_config

S = "https://www.example.org"
OTHER = "https://other.example.net"
WHEN = "2026-01-05T03:00:00+00:00"


@pytest.fixture
def make(tmp_path):
    """make(extra site lines, extra [crawl] lines) -> a Router (one crawl) on tmp_path/decay.db."""
    def make(site: str = "", crawl: str = "") -> Router:
        cfg = write_config(tmp_path / "org.toml", f"""
            [organisation]
            name = "Example"

            [[sites]]
            name = "main"
            start_urls = ["{S}/"]
            {site}

            [crawl]
            {crawl}
            """)
        return Router(load_config(cfg), tmp_path / "decay.db")
    return make


def fetch(url: str, kind: str = "page", status: int | None = 200, headers: dict | None = None, via: str = "link",
          **kw) -> Fetch:
    return Fetch(url=url, site="main", requested_url=url, found_via=via, found_on=None, depth=None, kind=kind,
                 status=status, headers=headers or {}, fetched_at=WHEN, **kw)


def html(title: str, *links: str, head: str = "") -> bytes:
    body = "".join(f'<a href="{h}">link {i}</a> ' for i, h in enumerate(links))
    return (f"<!doctype html><html lang=en><head><title>{title}</title>{head}</head>"
            f"<body><main><h1>{title}</h1><p>Some words here. {body}</p></main></body></html>").encode()


HTML = {"content-type": "text/html; charset=utf-8"}


def rows(db, sql: str, params=()) -> list[sqlite3.Row]:
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def by_url(requests: list[NewRequest]) -> dict[str, NewRequest]:
    return {r.url: r for r in requests}


# ---------------------------------------------------------------------------- the router's table
def test_the_router_accepts_exactly_its_table(make):
    rec = make()
    assert tuple(rec.routes) == MESSAGES
    for name in ("nope", "ctx", "__init__", "routes", "_secret", "init"):
        with pytest.raises(UnknownMessage, match=f"no message '{name}'.*it accepts: revalidation_plan, start"):
            rec.handle(name)
    rec.handle("finish", "interrupted", "test")


def test_the_in_process_store_reports_an_unknown_message(make):
    store = InProcessStore()
    store.recorder = make()
    errors, results = [], []
    store.on_error = errors.append
    store.submit("getattr", (), results.append)
    assert results == [[]] and "UnknownMessage" in errors[0] and store.errors[0].startswith("getattr: UnknownMessage")
    store.recorder.handle("finish", "interrupted", "test")


# ---------------------------------------------------------------------------- pages
def test_a_page_is_recorded_and_its_links_discovered(make):
    rec = make(site="check_external_links = false")
    first = by_url(rec.handle("start"))
    assert first[f"{S}/"].kind == "page" and first[f"{S}/robots.txt"].kind == "robots"
    out = by_url(rec.handle("page", fetch(f"{S}/", headers=HTML, via="start"),
                            html("Home", "/about.html", "/logo.png", "mailto:a@example.org", "/about.html#x")))
    assert set(out) == {f"{S}/about.html", f"{S}/logo.png"}
    assert (out[f"{S}/about.html"].kind, out[f"{S}/about.html"].depth, out[f"{S}/about.html"].found_on) == ("page", 1, f"{S}/")
    assert out[f"{S}/logo.png"].kind == "resource"
    assert rec.handle("resource", fetch(f"{S}/logo.png", kind="resource", headers={"content-length": "123"})) == []
    assert rec.handle("stats")["main"]["ok"] == 2
    summary = rec.handle("finish", "complete")
    assert summary["status"] == "complete" and summary["pages"] == 1 and summary["links"] == 4
    db = rec.ctx.db_path
    home = rows(db, "SELECT * FROM pages WHERE url = ?", (f"{S}/",))[0]
    assert (home["title"], home["is_html"], home["links_out"], home["links_internal"]) == ("Home", 1, 4, 3)
    assert rows(db, "SELECT size FROM pages WHERE url = ?", (f"{S}/logo.png",))[0]["size"] == 123


# ---------------------------------------------------------------------------- carry-over
def test_a_304_carries_the_previous_facts_over_and_follows_the_stored_links(make):
    rec = make()
    rec.handle("start")
    rec.handle("page", fetch(f"{S}/", headers={**HTML, "etag": '"v1"'}, via="start"), html("Home", "/a.html"))
    rec.handle("page", fetch(f"{S}/a.html", headers={**HTML, "etag": '"a1"'}), html("A"))
    assert rec.handle("finish", "complete")["status"] == "complete"

    again = make()   # the second crawl: incremental (a complete crawl of this version, within full_recrawl_every)
    assert again.ctx.modes["main"][0] == "incremental"
    start = by_url(again.handle("start"))[f"{S}/"]
    assert start.validators == ('"v1"', None)      # crawler/conditional.py turns them into If-None-Match
    out = again.handle("page", fetch(f"{S}/", status=304, headers={"etag": '"v1"'}, via="start"), b"")
    assert [(r.url, r.validators) for r in out] == [(f"{S}/a.html", ('"a1"', None))]
    summary = again.handle("finish", "complete")
    assert summary["not_modified"] == 1 and summary["links_carried"] == 1
    home = rows(again.ctx.db_path, "SELECT * FROM pages WHERE url = ?", (f"{S}/",))[0]
    assert (home["title"], home["not_modified"], home["crawl_id"], home["facts_crawl_id"]) == ("Home", 1, 2, 1)


def test_a_304_to_a_request_without_validators_is_an_http_error(make):
    rec = make()
    rec.handle("start")
    assert rec.handle("page", fetch(f"{S}/", status=304, via="start"), b"") == []
    rec.handle("finish", "complete")
    home = rows(rec.ctx.db_path, "SELECT outcome, error FROM pages WHERE url = ?", (f"{S}/",))[0]
    assert home["outcome"] == "http_error" and "without validators" in home["error"]


# ---------------------------------------------------------------------------- robots and sitemaps
def test_robots_txt_names_the_sitemaps(make):
    rec = make()
    rec.handle("start")
    out = rec.handle("robots", fetch(f"{S}/robots.txt", kind="robots", via="start"),
                     b"User-agent: *\nDisallow: /private/\nSitemap: /maps/index.xml\n")
    assert [(r.url, r.kind, r.found_via) for r in out] == [(f"{S}/maps/index.xml", "sitemap", "robots")]
    rec.handle("finish", "complete")
    robots = rows(rec.ctx.db_path, "SELECT * FROM robots")[0]
    assert json.loads(robots["sitemaps"]) == [f"{S}/maps/index.xml"] and "Disallow" in robots["body"]


def test_without_robots_txt_the_sitemap_is_guessed(make):
    rec = make()
    rec.handle("start")
    out = rec.handle("failure", fetch(f"{S}/robots.txt", kind="robots", status=None, via="start", error="timeout"))
    assert [(r.url, r.found_via) for r in out] == [(f"{S}/sitemap.xml", "guess")]
    rec.handle("finish", "interrupted", "test")


SITEMAP = f"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <url><loc>{S}/news/1.html</loc><lastmod>2025-12-01</lastmod></url>
  <url><loc>{S}/report.pdf</loc></url>
  <url><loc>{OTHER}/elsewhere.html</loc></url>
</urlset>""".encode()


def test_a_sitemap_records_its_entries_and_discovers_its_pages(make):
    rec = make()
    rec.handle("start")
    rec.handle("robots", fetch(f"{S}/robots.txt", kind="robots", via="start"), b"Sitemap: /sitemap.xml\n")
    out = by_url(rec.handle("sitemap", fetch(f"{S}/sitemap.xml", kind="sitemap", via="robots"), SITEMAP))
    assert set(out) == {f"{S}/news/1.html", f"{S}/report.pdf"}   # the other website's URL is an entry, not a request
    assert (out[f"{S}/news/1.html"].found_via, out[f"{S}/news/1.html"].priority) == ("sitemap", PRIORITY_SITEMAP_PAGE)
    assert out[f"{S}/report.pdf"].kind == "resource"
    rec.handle("finish", "complete")
    db = rec.ctx.db_path
    assert rows(db, "SELECT type, entries FROM sitemaps")[0][:] == ("urlset", 3)
    assert [r["lastmod"] for r in rows(db, "SELECT lastmod FROM sitemap_entries ORDER BY url")] == [None, "2025-12-01", None]


def test_a_sitemap_index_leads_to_its_sitemaps_up_to_max_sitemaps(make):
    rec = make(crawl="max_sitemaps = 2")
    rec.handle("start")
    rec.handle("robots", fetch(f"{S}/robots.txt", kind="robots", via="start"), b"Sitemap: /index.xml\n")
    index = ('<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
             + "".join(f"<sitemap><loc>{S}/sm{i}.xml</loc></sitemap>" for i in range(3)) + "</sitemapindex>").encode()
    out = rec.handle("sitemap", fetch(f"{S}/index.xml", kind="sitemap", via="robots"), index)
    assert [r.url for r in out] == [f"{S}/sm0.xml"]   # the index was the first of two
    summary = rec.handle("finish", "complete")
    assert summary["sitemaps_skipped"] == 2


# ---------------------------------------------------------------------------- feeds
RSS = f"""<?xml version="1.0"?><rss version="2.0"><channel><title>News</title>
<item><title>One</title><link>{S}/news/1.html</link><pubDate>Mon, 01 Dec 2025 10:00:00 GMT</pubDate></item>
<item><title>Two</title><link>/news/2.html</link></item>
</channel></rss>""".encode()


def test_a_feed_announced_by_a_page_is_read(make):
    rec = make()
    rec.handle("start")
    head = '<link rel="alternate" type="application/rss+xml" href="/feed.xml">'
    out = by_url(rec.handle("page", fetch(f"{S}/", headers=HTML, via="start"), html("Home", head=head)))
    assert out[f"{S}/feed.xml"].kind == "feed"
    assert rec.handle("feed", fetch(f"{S}/feed.xml", kind="feed", headers={"content-type": "application/rss+xml"}), RSS) == []
    rec.handle("finish", "complete")
    db = rec.ctx.db_path
    feed = rows(db, "SELECT * FROM feeds")[0]
    assert (feed["title"], feed["entries"], feed["error"]) == ("News", 2, None)
    entries = rows(db, "SELECT url, title, published FROM feed_entries ORDER BY ordinal")
    assert [(e["url"], e["title"]) for e in entries] == [(f"{S}/news/1.html", "One"), (f"{S}/news/2.html", "Two")]
    assert entries[0]["published"].startswith("Mon, 01 Dec 2025")


# ---------------------------------------------------------------------------- external checks
def test_external_links_wait_for_the_other_sites_robots_txt(make):
    rec = make()
    rec.handle("start")
    out = rec.handle("page", fetch(f"{S}/", headers=HTML, via="start"),
                     html("Home", f"{OTHER}/ok.html", f"{OTHER}/private/x.html"))
    assert [(r.url, r.kind) for r in out] == [(f"{OTHER}/robots.txt", "external_robots")]
    released = rec.handle("external_robots", fetch(f"{OTHER}/robots.txt", kind="external_robots"),
                          b"User-agent: *\nDisallow: /private/\n")
    assert [(r.url, r.kind) for r in released] == [(f"{OTHER}/ok.html", "external")]
    rec.handle("resource", fetch(f"{OTHER}/ok.html", kind="external", status=404, method="HEAD"))
    rec.handle("finish", "complete")
    got = {r["url"]: (r["outcome"], r["site"]) for r in rows(rec.ctx.db_path, "SELECT * FROM pages WHERE kind = 'external'")}
    assert got == {f"{OTHER}/ok.html": ("http_error", "main"), f"{OTHER}/private/x.html": ("blocked", "main")}


def test_an_external_host_that_does_not_answer_is_asked_nothing_more(make):
    rec = make()
    rec.handle("start")
    rec.handle("page", fetch(f"{S}/", headers=HTML, via="start"), html("Home", f"{OTHER}/a", f"{OTHER}/b"))
    out = rec.handle("failure", fetch(f"{OTHER}/robots.txt", kind="external_robots", status=None, error="DNS lookup failed"))
    assert out == []
    rec.handle("finish", "complete")
    errors = {r["error"] for r in rows(rec.ctx.db_path, "SELECT error FROM pages WHERE kind = 'external'")}
    assert errors == {"DNS lookup failed"}


# ---------------------------------------------------------------------------- redirects
def moved(url: str, to: str, **kw) -> Fetch:
    return fetch(url, status=301, headers={"location": to}, **kw)


def test_a_redirect_chain_is_followed_and_written_whole(make):
    rec = make()
    rec.handle("start")
    out = rec.handle("page", moved(f"{S}/", "/a", via="start"), b"")
    assert [(r.url, r.found_via, r.found_on) for r in out] == [(f"{S}/a", "redirect", f"{S}/")]
    assert [r.url for r in rec.handle("page", moved(f"{S}/a", f"{S}/b"), b"")] == [f"{S}/b"]
    rec.handle("page", fetch(f"{S}/b", headers=HTML), html("B"))
    assert rec.handle("finish", "complete")["redirects"] == 2
    first = rows(rec.ctx.db_path, "SELECT * FROM pages WHERE url = ?", (f"{S}/",))[0]
    assert (first["redirect_hops"], first["final_url"], first["final_status"]) == (2, f"{S}/b", 200)
    assert json.loads(first["redirect_chain"]) == [[f"{S}/", 301], [f"{S}/a", 301], [f"{S}/b", 200]]


def test_a_chain_longer_than_max_redirects_is_cut(make):
    rec = make(crawl="max_redirects = 1")
    rec.handle("start")
    rec.handle("page", moved(f"{S}/", "/a", via="start"), b"")
    assert rec.handle("page", moved(f"{S}/a", "/b"), b"") == []
    rec.handle("finish", "complete")
    cut = rows(rec.ctx.db_path, "SELECT error FROM pages WHERE url = ?", (f"{S}/a",))[0]
    assert cut["error"].startswith("redirect chain longer than 1 hops")


# ---------------------------------------------------------------------------- finish
def test_finish_merges_once_and_says_when_no_site_answered(make):
    rec = make()
    rec.handle("start")
    rec.handle("failure", fetch(f"{S}/", status=None, via="start", error="connection refused"))
    assert rec.handle("stats") == {"main": dict(fetched=1, ok=0, redirects=0, http_errors=0, failures=1, blocked=0,
                                                skipped=0, not_modified=0)}
    summary = rec.handle("finish", "complete")
    assert summary["status"] == "failed" and "no answer from the site" in summary["reason"]
    assert "connection refused" in summary["sites"][0]["reason"]
    assert rec.finished and rec.handle("finish", "complete") == {"crawl_id": rec.crawl_id, "status": "complete"}
    crawl = rows(rec.ctx.db_path, "SELECT status, failures FROM crawls WHERE id = ?", (rec.crawl_id,))[0]
    assert (crawl["status"], crawl["failures"]) == ("failed", 1)
    assert not rec.ctx.staging.path.exists()


def test_a_complete_crawl_is_merged_into_the_main_database(make):
    rec = make()
    rec.handle("start")
    rec.handle("page", fetch(f"{S}/", headers=HTML, via="start"), html("Home"))
    summary = rec.handle("finish", "complete")
    assert (summary["status"], summary["ok"], summary["mode"]) == ("complete", 1, "full")
    assert rows(rec.ctx.db_path, "SELECT status FROM crawl_sites")[0]["status"] == "complete"
    assert rows(rec.ctx.db_path, "SELECT title FROM pages")[0]["title"] == "Home"


# ---------------------------------------------------------------------------- conditional requests
def test_the_middleware_sends_the_validators_as_conditional_headers():
    mw = ConditionalRequestMiddleware()
    nr = NewRequest(f"{S}/", f"{S}/", "main", "start", None, 0, "page", validators=('"v1"', "Mon, 01 Dec 2025 10:00:00 GMT"))
    request = scrapy.Request(f"{S}/", meta={"decay": nr})
    assert mw.process_request(request) is None
    assert request.headers["If-None-Match"] == b'"v1"'
    assert request.headers["If-Modified-Since"] == b"Mon, 01 Dec 2025 10:00:00 GMT"
    plain = scrapy.Request(f"{S}/x", meta={"decay": NewRequest(f"{S}/x", f"{S}/x", "main", "link", None, 1, "page")})
    mw.process_request(plain)
    assert b"If-None-Match" not in plain.headers and b"If-Modified-Since" not in plain.headers
    etag_only = scrapy.Request(f"{S}/y", meta={"decay": NewRequest(f"{S}/y", f"{S}/y", "main", "link", None, 1, "page",
                                                                    validators=('"y"', None))})
    mw.process_request(etag_only)
    assert etag_only.headers["If-None-Match"] == b'"y"' and b"If-Modified-Since" not in etag_only.headers
