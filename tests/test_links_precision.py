"""Precision of the link findings on the failure classes of issue 13 (classes 2 and 8).

One real crawl (``decay crawl`` in a subprocess) of two small sites served on 127.0.0.1 under production
names, then ``decay analyse`` (in-process) and the link analysis in-process where a test sets which
pages the date analysis judged outdated:

- *precision* has a blog whose second listing page is the only route to an old post, an expired event
  that is the only route to its photos, a meta-refresh stub that is the only route to the page it
  sends to, two broken links in the navigation of every page, and two sitemaps (named in robots.txt)
  that list a 404 and a redirect;
- *offline* links to six hosts that do not resolve (``.invalid``): what a crawler without a network sees;
- *mixed* links to four answering partner sites and one host that does not resolve: a real dead host.
"""
from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timezone

import pytest

from analysis.links import analyse_links
from analysis.pages import latest_complete_crawl
from decay import api
from foundation.config import Links, load_config
from decay.localserver import LocalSite, redirect, status
from foundation.urls import url_id
from tests.conftest import crawl, query, write_config

PROD = "https://www.precision.example"
OFFLINE = "https://www.offline.example"
MIXED = "https://www.mixed.example"
NOW = datetime(2024, 10, 18, tzinfo=timezone.utc)


def u(path: str, origin: str = PROD) -> str:
    return origin + path


NAV = ('<nav><a href="/">Home</a> <a href="/blog/">Blog</a> <a href="/docs/old/">Docs</a> '
       '<a href="/team/">Team</a> <a href="/events/">Events</a></nav>')


def page(title: str, main: str, head: str = "", nav: str = NAV) -> str:
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>{head}</head><body>'
            f'<header><a href="/">Precision</a></header>{nav}<main><h1>{title}</h1>{main}</main>'
            f'<footer><a href="/privacy.html">Privacy</a></footer></body></html>')


def dated(day: str, typ: str = "BlogPosting") -> str:
    return f'<script type="application/ld+json">{{"@type": "{typ}", "datePublished": "{day}", "dateModified": "{day}"}}</script>'


EVENT = ('<script type="application/ld+json">{"@type": "Event", "name": "Spring meetup 2019", '
         '"startDate": "2019-04-02T18:00", "endDate": "2019-04-02T21:00"}</script>')

PAGES = {
    "index.html": page("Precision", '<p><a href="/blog/">Our blog</a> <a href="/events/">Events</a> '
                                    '<a href="/old-name/">Our product</a> <a href="/about.html">About</a></p>'),
    "about.html": page("About", "<p>Who we are and what we do.</p>"),
    "privacy.html": page("Privacy", "<p>Your data.</p>"),
    "blog/index.html": page("Blog", '<a href="/blog/2024/new-post.html">A new post</a> <a href="/blog/page/2/">Older posts</a>'),
    "blog/2024/new-post.html": page("A new post", "<p>Fresh news from October.</p>", head=dated("2024-10-01")),
    "blog/page/2/index.html": page("Blog, page 2", '<a href="/blog/2016/old-post.html">An old post</a> '
                                                   '<span>2016-03-01</span>', head=dated("2016-03-01", "CollectionPage")),
    "blog/2016/old-post.html": page("An old post", "<p>What we did in March 2016.</p>", head=dated("2016-03-01")),
    "events/index.html": page("Events", '<a href="/events/2019-meetup.html">Spring meetup 2019</a>'),
    "events/2019-meetup.html": page("Spring meetup 2019", '<p>Join us on 2 April 2019 at 18:00.</p>'
                                                          '<a href="/events/2019-meetup-photos.html">Photos</a>', head=EVENT),
    "events/2019-meetup-photos.html": page("Spring meetup 2019 photos", "<p>Photos of the evening.</p>",
                                           head=dated("2019-04-10", "WebPage")),
    "old-name/index.html": ('<!DOCTYPE html><html><head><title>https://www.precision.example/product/</title>'
                            '<meta http-equiv="refresh" content="0; url=/product/"></head><body></body></html>'),
    "product/index.html": page("Product", "<p>What we make.</p>"),
}
SITEMAPS = {
    "sitemap-pages.xml": ["/", "/about.html", "/gone.html", "/old-address"],
    "sitemap-blog.xml": ["/blog/", "/gone.html"],
}
ROUTES = {"/old-address": redirect("/about.html", 301)}


def build(root) -> None:
    for name, html in PAGES.items():
        p = root / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(html, encoding="utf-8")
    for name, paths in SITEMAPS.items():
        entries = "".join(f"<url><loc>{u(p)}</loc></url>" for p in paths)
        (root / name).write_text('<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                                 f"{entries}</urlset>", encoding="utf-8")
    (root / "robots.txt").write_text("User-agent: *\nAllow: /\n" + "".join(f"Sitemap: {u('/' + n)}\n" for n in SITEMAPS))


def simple_site(root, links: str) -> None:
    root.mkdir(parents=True, exist_ok=True)
    (root / "index.html").write_text(f"<!DOCTYPE html><html><head><title>Links</title></head><body><main>{links}</main>"
                                     '<a href="/b.html">B</a></body></html>', encoding="utf-8")
    (root / "b.html").write_text('<html><head><title>B</title></head><body><a href="/">Home</a></body></html>', encoding="utf-8")


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    root = tmp_path_factory.mktemp("precision-site")
    build(root)
    site = LocalSite(root=root, routes=ROUTES).start()
    partners = [LocalSite(routes={"/": status(200, "<html><title>Partner</title></html>")}).start() for _ in range(4)]
    offline_root, mixed_root = root.parent / "offline-site", root.parent / "mixed-site"
    simple_site(offline_root, " ".join(f'<a href="http://nonexistent-{i}.invalid/">Partner {i}</a>' for i in range(6)))
    simple_site(mixed_root, " ".join(f'<a href="{p.url}/">Partner {i}</a>' for i, p in enumerate(partners))
                + ' <a href="http://nonexistent-dead.invalid/">Old partner</a>')
    offline, mixed = LocalSite(root=offline_root).start(), LocalSite(root=mixed_root).start()
    tmp = tmp_path_factory.mktemp("precision-run")
    cfg = write_config(tmp / "org.toml", f"""
        [organisation]
        name = "Precision"
        [[sites]]
        name = "precision"
        start_urls = ["{PROD}/"]
        aliases = {{ "{PROD}" = "{site.url}" }}
        [[sites]]
        name = "offline"
        start_urls = ["{OFFLINE}/"]
        aliases = {{ "{OFFLINE}" = "{offline.url}" }}
        [[sites]]
        name = "mixed"
        start_urls = ["{MIXED}/"]
        aliases = {{ "{MIXED}" = "{mixed.url}" }}
        [crawl]
        autothrottle = false
        """)
    db = tmp / "decay.db"
    r = crawl(cfg, db)
    assert r.returncode == 0, r.stdout + r.stderr
    api.analyse(cfg, db=db, now=NOW.date().isoformat())
    yield {"db": db, "cfg": cfg, "partners": partners}
    for s in (site, offline, mixed, *partners):
        s.stop()


def analysed(crawled, site: str, flagged_paths=(), origin: str = PROD):
    conn = sqlite3.connect(crawled["db"])
    try:
        return analyse_links(conn, load_config(crawled["cfg"]).site(site), latest_complete_crawl(conn, site), now=NOW,
                             links_cfg=Links(), flagged={url_id(u(p, origin)) for p in flagged_paths})
    finally:
        conn.close()


def rules_on(res, path: str, origin: str = PROD) -> set[str]:
    return {f.rule for f in res.findings if f.subject_url == u(path, origin)}


def stored(crawled, rule: str, site: str = "precision") -> list[sqlite3.Row]:
    return query(crawled["db"], "SELECT * FROM findings WHERE status = 'open' AND rule = ? AND site = ?", (rule, site))


# ---------------------------------------------------------------------------- orphans mean unreachable
def test_post_behind_a_listing_judged_stale_is_not_orphaned(crawled):
    res = analysed(crawled, "precision", ["/blog/page/2/"])
    assert not rules_on(res, "/blog/2016/old-post.html") & {"links.orphan", "links.orphan_island"}
    f = next(f for f in res.findings if f.subject_url == u("/blog/2016/old-post.html"))
    assert (f.rule, f.category, f.severity) == ("links.reached_only_through_outdated", "links", "info")
    assert f.evidence["linked_from_outdated_pages"] == [u("/blog/page/2/")]
    assert not [f for f in res.findings if f.category == "orphaned" and f.rule != "links.deep_page"]


def test_page_reached_only_through_a_meta_refresh_stub_is_not_orphaned(crawled):
    assert query(crawled["db"], "SELECT refresh_url FROM pages WHERE url = ?", (u("/old-name/"),))[0][0] == u("/product/")
    for flagged in ([], ["/old-name/"]):   # whatever the date analysis made of the stub
        res = analysed(crawled, "precision", flagged)
        assert not rules_on(res, "/product/") & {"links.orphan", "links.orphan_island"}, flagged


def test_no_orphaned_finding_and_no_removal_of_reachable_pages_after_decay_analyse(crawled):
    flagged = {r["subject_url"] for r in query(crawled["db"], "SELECT subject_url FROM findings WHERE status = 'open' "
                                                              "AND category IN ('outdated', 'expired') AND site = 'precision'")}
    assert u("/events/2019-meetup.html") in flagged, "the date analysis should find the 2019 meetup expired"
    orphaned = query(crawled["db"], "SELECT rule, subject_url FROM findings WHERE status = 'open' AND category = 'orphaned' "
                                    "AND rule != 'links.deep_page' AND site = 'precision'")
    assert [tuple(r) for r in orphaned] == []
    photos = [r["rule"] for r in query(crawled["db"], "SELECT rule FROM findings WHERE status = 'open' AND subject_url = ?",
                                       (u("/events/2019-meetup-photos.html"),))]
    assert "links.reached_only_through_outdated" in photos
    harmful = query(crawled["db"], "SELECT action, subject_url FROM cleanup WHERE action IN ('remove', 'redirect') AND site = 'precision'")
    assert [tuple(r) for r in harmful] == []
    assert not query(crawled["db"], "SELECT 1 FROM cleanup WHERE rules LIKE '%reached_only_through_outdated%'")


# ---------------------------------------------------------------------------- sitemaps
def test_sitemap_entries_that_answer_404_or_redirect_are_findings_naming_the_sitemaps(crawled):
    (broken,) = stored(crawled, "links.sitemap_broken")
    ev = json.loads(broken["evidence"])
    assert broken["subject_url"] == u("/gone.html") and broken["severity"] == "medium" and broken["category"] == "links"
    assert ev["sitemaps"] == [u("/sitemap-blog.xml"), u("/sitemap-pages.xml")] and ev["status"] == 404
    assert "sitemap-blog.xml" in broken["message"] and "404 Not Found" in broken["message"]
    (moved,) = stored(crawled, "links.sitemap_redirect")
    ev = json.loads(moved["evidence"])
    assert moved["subject_url"] == u("/old-address") and moved["severity"] == "low"
    assert ev["sitemaps"] == [u("/sitemap-pages.xml")] and ev["status"] == 301 and ev["redirects_to"] == u("/about.html")
    assert u("/about.html") in moved["message"] and "sitemap-pages.xml" in moved["message"]
    items = query(crawled["db"], "SELECT action, todo FROM cleanup WHERE subject_url = ?", (u("/gone.html"),))
    assert [r["action"] for r in items] == ["fix links"] and "out of the sitemap" in items[0]["todo"]


# ---------------------------------------------------------------------------- the crawler's own network
def test_a_crawl_whose_external_checks_all_fail_with_dns_errors_is_one_note(crawled):
    failed = query(crawled["db"], "SELECT error FROM pages WHERE site = 'offline' AND kind = 'external'")
    assert len(failed) == 6 and all("DNS" in r["error"] for r in failed)
    assert not stored(crawled, "links.broken_external", "offline")
    (note,) = stored(crawled, "links.external_unchecked", "offline")
    assert note["severity"] == "info" and note["subject_type"] == "site" and note["subject_url"] == OFFLINE + "/"
    assert "6 of 6 hosts" in note["message"] and "offline" in note["message"]
    ev = json.loads(note["evidence"])
    assert ev["hosts_checked"] == 6 and ev["hosts_failed"] == 6
    assert not query(crawled["db"], "SELECT 1 FROM cleanup WHERE site = 'offline'")
    # the control: one dead host among four that answer is a broken link, reported as before
    assert not stored(crawled, "links.external_unchecked", "mixed")
    (f,) = stored(crawled, "links.broken_external", "mixed")
    assert f["subject_url"] == "http://nonexistent-dead.invalid/" and "DNS" in f["message"]


# ---------------------------------------------------------------------------- one template defect, one item
def test_broken_links_in_the_menu_of_every_page_are_one_finding_and_one_item(crawled):
    pages = query(crawled["db"], "SELECT count(*) FROM pages WHERE site = 'precision' AND crawl_id = (SELECT max(crawl_id) "
                                 "FROM pages WHERE site = 'precision') AND outcome = 'ok' AND is_html = 1 AND url NOT LIKE '%/old-name/'")[0][0]
    (f,) = stored(crawled, "links.broken_template")
    ev = json.loads(f["evidence"])
    assert f["subject_type"] == "template" and f["severity"] == "high" and ev["region"] == "nav"
    assert [(t["url"], t["anchor"], t["status"]) for t in ev["broken_links"]] == [
        (u("/docs/old/"), "Docs", 404), (u("/team/"), "Team", 404)]
    assert ev["pages"] == pages >= 10 and len(ev["affected_pages"]) == pages
    assert "'Docs' to " + u("/docs/old/") in f["message"] and f"of {pages} pages" in f["message"]
    # no finding per target listing every page
    assert not query(crawled["db"], "SELECT 1 FROM findings WHERE status = 'open' AND rule = 'links.broken_internal' "
                                    "AND subject_url IN (?, ?)", (u("/docs/old/"), u("/team/")))
    items = query(crawled["db"], "SELECT * FROM cleanup WHERE site = 'precision' AND rules LIKE '%broken_template%'")
    assert len(items) == 1
    assert items[0]["action"] == "fix links" and items[0]["subject_type"] == "template"
    assert "in the navigation" in items[0]["todo"] and "Docs" in items[0]["todo"]
    assert not query(crawled["db"], "SELECT 1 FROM cleanup WHERE subject_url IN (?, ?)", (u("/docs/old/"), u("/team/")))
