"""The link graph on a hand-built site where every answer is known.

Two real crawls (module fixture) of a site served on 127.0.0.1 under its production name: the first
sees /retired.html linked from the home page; then that link is removed and the second crawl no longer
finds the page (it was "seen in an earlier crawl").  The link analysis runs in-process on the second
crawl's facts.  The site has: an orphan only its sitemap knows, an orphan only the start URLs know, an
island of three pages linking to each other, a page linked only from the footer of an orphan, a page
linked only from an outdated page, a redirect loop, a chain of three redirects, links to a redirect,
a broken link from five pages, a broken image, a dead end, pages too deep, and an events section to
check what removing a page would do.
"""
from __future__ import annotations

import json
import re
import sqlite3
from datetime import datetime, timezone

import pytest

from analysis.graph import load_site_graph
from analysis.links import LINK_RULES, analyse_links
from analysis.pages import latest_complete_crawl
from decay import api
from foundation.config import Links, load_config
from decay.localserver import LocalSite, redirect, status
from foundation.schema import TABLES_BY_NAME
from foundation.urls import url_id
from tests.conftest import crawl, query, run_decay, write_config

PROD = "https://www.links.example"
NOW = datetime(2026, 11, 23, tzinfo=timezone.utc)


def u(path: str) -> str:
    return PROD + path


def page(title: str, main: str, footer: str = "", head: str = "") -> str:
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>{head}</head><body>'
            f'<header><a href="/">Links Org</a></header>'
            f'<nav><a href="/">Home</a> <a href="/about.html">About</a> <a href="/news/">News</a></nav>'
            f'<main><h1>{title}</h1>{main}</main>'
            f'<footer><a href="/privacy.html">Privacy</a> {footer}</footer></body></html>')


def published(day: str) -> str:
    return f'<script type="application/ld+json">{{"@type": "WebPage", "datePublished": "{day}"}}</script>'


HOME_MAIN = """<p><a href="/old-about">Our story</a> <a href="/chain1">Spring appeal</a> <a href="/loop-a">Members area</a>
<a href="/dead-end.html">Plain page</a> <a href="/deep/1.html">Archive trail</a> <a href="/news/2015-report.html">2015 report</a>
<a href="/news/a.html">Latest news</a> <a href="/events/">What's on</a> <a href="/my-account">My account</a> <img src="/img/missing.png" alt="Harbour at dawn">
RETIRED</p>"""

PAGES = {
    "index.html": page("Links Org", HOME_MAIN.replace("RETIRED", '<a href="/retired.html">Retired page</a>')),
    "about.html": page("About us", "<p>Who we are.</p>",   # the crawl finds the island only through this <link>
                       head='<link rel="alternate" hreflang="la" href="/island/a.html">'),
    "privacy.html": page("Privacy", "<p>Your data.</p>"),
    "final.html": page("Spring appeal", "<p>Give now.</p>"),
    "news/index.html": page("News", "".join(f'<a href="/news/{x}.html">News item {x.upper()}</a> ' for x in "abcde")),
    **{f"news/{x}.html": page(f"News item {x.upper()}",
                              f'<p>Read the <a href="/gone.html">annual report {x.upper()}</a>.</p>'
                              + ('<p>See <a href="/old-about">our story</a>.</p>' if x in "ab" else "")
                              + ("<p>PARTNER</p>" if x == "c" else ""))
       for x in "abcd"},
    "news/e.html": page("News item E", "<p>Short item.</p><aside><a href='/gone.html'>annual report E</a></aside>"),
    "news/2015-report.html": page("Annual report 2015", '<p>See the <a href="/news/2015-photos.html">photos</a>.</p>',
                                  head=published("2015-05-01")),
    "news/2015-photos.html": page("Photos 2015", "<p>Photos of 2015.</p>"),
    "dead-end.html": '<html><head><title>Plain page</title></head><body><p>Nothing to click. '
                     '<a href="mailto:web@links.example">Write to us</a></p></body></html>',
    **{f"deep/{i}.html": page(f"Archive {i}", f'<a href="/deep/{i + 1}.html">Next</a>' if i < 6 else "<p>The end.</p>")
       for i in range(1, 7)},
    "orphan.html": page("Old campaign", "<p>Only the sitemap knows me.</p>", footer='<a href="/footer-only.html">Our partners</a>'),
    "footer-only.html": page("Partners", "<p>Our partners.</p>"),
    **{f"island/{x}.html": page(f"Island {x.upper()}", " ".join(f'<a href="/island/{y}.html">Island {y.upper()}</a>'
                                                                 for y in "abc" if y != x)) for x in "abc"},
    "campaign/spring.html": page("Spring campaign", "<p>Only the start URLs know me.</p>"),
    "retired.html": page("Retired", "<p>The home page stops linking here.</p>"),
    "events/index.html": page("Events", '<a href="/events/2024/summer-fair.html">Summer Fair 2024</a> '
                                        '<a href="/events/2026/summer-fair.html">Summer Fair 2026</a> '
                                        '<a href="/events/2023/summer-fair.html">Summer Fair 2023</a> '
                                        '<a href="/about/summer-fair-history.html">History of the fair</a>'),
    "events/2024/summer-fair.html": page("Summer Fair 2024", '<a href="/events/2024/photos.html">Photos</a>',
                                         head=published("2026-06-01")),
    "events/2024/photos.html": page("Summer Fair 2024 photos", '<a href="/events/2024/photos-extra.html">More photos</a>',
                                    head=published("2026-07-01")),
    "events/2024/photos-extra.html": page("More photos", "<p>More.</p>", head=published("2026-07-01")),
    "events/2024/summer-fair-tickets.html": page("Summer Fair 2024 tickets", "<p>Sold out.</p>", head=published("2026-05-01")),
    "events/2026/summer-fair.html": page("Summer Fair 2026", "<p>Join us next summer.</p>", head=published("2026-10-01")),
    "events/2023/summer-fair.html": page("Summer Fair 2023", "<p>It was lovely.</p>", head=published("2019-06-01")),
    "about/summer-fair-history.html": page("History of the Summer Fair", "<p>Since 1950.</p>", head=published("2026-01-10")),
}
SITEMAP = ["/", "/about.html", "/orphan.html", "/news/a.html", "/events/2024/summer-fair-tickets.html"]
ROUTES = {
    "/old-about": redirect("/about.html", 301),
    "/chain1": redirect("/chain2", 301),
    "/chain2": redirect("/chain3", 302),
    "/chain3": redirect("/final.html", 301),
    "/loop-a": redirect("/loop-b", 301),
    "/loop-b": redirect("/loop-a", 301),
    "/my-account": redirect("/privacy.html", 302),   # a login wall: the link is meant to go through it
}


def build(root, partner: str) -> None:
    """The site's files; news/c.html links to another website (``partner``), once to a page it no longer has."""
    for name, html in PAGES.items():
        html = html.replace("PARTNER", f'<a href="{partner}/report">Partner report</a> <a href="{partner}/">Partner</a>')
        p = root / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(html, encoding="utf-8")
    entries = "".join(f"<url><loc>{u(p)}</loc></url>" for p in SITEMAP)
    (root / "sitemap.xml").write_text(f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</urlset>')


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    root = tmp_path_factory.mktemp("links-site")
    partner = LocalSite(routes={"/": status(200, "<html><title>Partner</title></html>")}).start()
    build(root, partner.url)
    site = LocalSite(root=root, routes=ROUTES).start()
    tmp = tmp_path_factory.mktemp("links-run")
    cfg = write_config(tmp / "org.toml", f"""
        [organisation]
        name = "Links Org"
        [[sites]]
        name = "links"
        start_urls = ["{PROD}/", "{PROD}/campaign/spring.html"]
        aliases = {{ "{PROD}" = "{site.url}" }}
        [crawl]
        autothrottle = false
        """)
    db = tmp / "decay.db"
    first = crawl(cfg, db)
    assert first.returncode == 0, first.stdout + first.stderr
    (root / "index.html").write_text(page("Links Org", HOME_MAIN.replace("RETIRED", "")), encoding="utf-8")
    second = crawl(cfg, db)
    assert second.returncode == 0, second.stdout + second.stderr
    yield {"db": db, "cfg": cfg, "site": site, "partner": partner}
    site.stop()
    partner.stop()


@pytest.fixture(scope="module")
def result(crawled):
    conn = sqlite3.connect(crawled["db"])
    try:
        site_cfg = load_config(crawled["cfg"]).site("links")
        crawl_id = latest_complete_crawl(conn, "links")
        assert crawl_id == 2
        # the date analysis would find the 2015 report outdated: links from it do not keep a page alive
        res = analyse_links(conn, site_cfg, crawl_id, now=NOW, links_cfg=Links(),
                            flagged={url_id(u("/news/2015-report.html"))})
    finally:
        conn.close()
    return res


def found(res, rule, path=None):
    return [f for f in res.findings if f.rule == rule and (path is None or f.subject_url == u(path))]


def one(res, rule, path):
    fs = found(res, rule, path)
    assert len(fs) == 1, (rule, path, [f.subject_url for f in found(res, rule)])
    return fs[0]


# ---------------------------------------------------------------------------- orphaned
def test_exactly_the_expected_orphans(result):
    assert {f.subject_url for f in found(result, "links.orphan")} == {
        u("/orphan.html"), u("/campaign/spring.html"), u("/retired.html"), u("/events/2024/summer-fair-tickets.html")}


def test_orphan_known_only_from_the_sitemap(result):
    f = one(result, "links.orphan", "/orphan.html")
    assert f.evidence["known_from"] == [{"sitemap": u("/sitemap.xml")}]
    assert f.evidence["navigational_links_in"] == 0
    assert "only its sitemap knows it" in f.message
    assert (f.category, f.severity, f.title) == ("orphaned", "medium", "Old campaign")


def test_orphan_reached_only_through_the_start_urls(result):
    f = one(result, "links.orphan", "/campaign/spring.html")
    assert {"start_url": u("/campaign/spring.html")} in f.evidence["known_from"]
    assert "start URLs" in f.message


def test_orphan_seen_in_an_earlier_crawl(result):
    f = one(result, "links.orphan", "/retired.html")
    (earlier,) = [k for k in f.evidence["known_from"] if "earlier_crawl" in k]
    assert earlier["earlier_crawl"] == 1 and re.fullmatch(r"\d{4}-\d\d-\d\d", earlier["last_seen"])
    assert f.severity == "low" and f.confidence <= 0.5
    assert "crawl 1 saw it" in f.message


def test_the_home_page_is_never_an_orphan(result):
    assert not found(result, "links.orphan", "/")


def test_orphan_island_of_three_pages_linking_to_each_other(result):
    for x in "abc":
        f = one(result, "links.orphan_island", f"/island/{x}.html")
        assert f.evidence["island"] == [u(f"/island/{y}.html") for y in "abc"]
        assert f.evidence["island_size"] == 3
        assert {d["page"] for d in f.evidence["linked_from"]} == {u(f"/island/{y}.html") for y in "abc" if y != x}
        assert {d["page_is"] for d in f.evidence["linked_from"]} == {"in this island"}
        assert not found(result, "links.orphan", f"/island/{x}.html")   # linked, so not an orphan
        assert f.evidence["reachable_by_clicking"] is False and "no page reachable" in f.message
    assert {"found_via": "link", "found_on": u("/about.html")} in one(result, "links.orphan_island", "/island/a.html").evidence["known_from"]


def test_page_linked_from_the_footer_of_a_page_the_sitemap_lists_is_not_orphaned(result):
    # orphan.html is an orphan, but its sitemap lists it: the pages it links to are reachable from a sitemap entry
    assert not found(result, "links.orphan_island", "/footer-only.html")
    assert not found(result, "links.orphan", "/footer-only.html")


def test_page_linked_only_from_an_outdated_page_is_not_orphaned(result, crawled):
    assert not found(result, "links.orphan_island", "/news/2015-photos.html")
    f = one(result, "links.reached_only_through_outdated", "/news/2015-photos.html")
    assert (f.category, f.severity) == ("links", "info")
    assert f.evidence["linked_from_outdated_pages"] == [u("/news/2015-report.html")]
    assert f.evidence["click_depth"] == 2 and "not orphaned" in f.message
    assert not found(result, "links.reached_only_through_outdated", "/news/2015-report.html")   # the outdated page itself
    # without the date analysis' judgment it is an ordinary page
    conn = sqlite3.connect(crawled["db"])
    try:
        plain = analyse_links(conn, load_config(crawled["cfg"]).site("links"), 2, now=NOW, links_cfg=Links(), flagged=set())
    finally:
        conn.close()
    assert not found(plain, "links.reached_only_through_outdated")


def test_deep_pages(result):
    assert {f.subject_url for f in found(result, "links.deep_page")} == {u("/deep/5.html"), u("/deep/6.html")}
    f = one(result, "links.deep_page", "/deep/6.html")
    assert f.evidence["depth"] == 6 and f.evidence["max_click_depth"] == 4
    assert f.evidence["path"] == [u("/")] + [u(f"/deep/{i}.html") for i in range(1, 7)]


def test_dead_end(result):
    f = one(result, "links.dead_end", "/dead-end.html")
    assert f.evidence["navigational_links_to_the_site"] == 0 and f.evidence["links_to_other_sites"] == 1
    assert {x.subject_url for x in found(result, "links.dead_end")} == {u("/dead-end.html")}


# ---------------------------------------------------------------------------- links
def test_broken_link_from_five_pages_is_one_finding(result):
    f = one(result, "links.broken_internal", "/gone.html")
    assert f.evidence["status"] == 404 and f.evidence["linking_pages"] == 5 and f.evidence["links"] == 5
    assert f.evidence["linked_from"] == [
        {"page": u(f"/news/{x}.html"), "anchor": f"annual report {x.upper()}", "position": "aside" if x == "e" else "main"}
        for x in "abcde"]
    assert f.evidence["by_position"] == {"main": 4, "aside": 1}
    assert "404 Not Found" in f.message and "5 pages" in f.message
    assert f.category == "links" and f.severity == "medium" and f.confidence >= 0.9


def test_broken_image_says_it_is_an_image(result):
    f = one(result, "links.broken_internal", "/img/missing.png")
    assert f.evidence["linked_from"] == [{"page": u("/"), "anchor": "Harbour at dawn", "position": "main", "element": "image"}]
    assert f.message.startswith("Broken image")


def test_redirect_loop(result):
    f = one(result, "links.redirect_loop", "/loop-a")
    assert f.evidence["chain"] == [[u("/loop-a"), 301], [u("/loop-b"), 301], [u("/loop-a"), "loop"]]
    assert f.evidence["linked_from"] == [{"page": u("/"), "anchor": "Members area", "position": "main"}]
    assert f.severity == "high"
    assert not found(result, "links.redirect_loop", "/loop-b")   # reported where people enter it


def test_chain_of_three_redirects(result):
    f = one(result, "links.redirect_chain", "/chain1")
    assert f.evidence["hops"] == 3
    assert [x[0] for x in f.evidence["chain"]] == [u("/chain1"), u("/chain2"), u("/chain3"), u("/final.html")]
    assert f.evidence["final_url"] == u("/final.html") and f.evidence["final_status"] == 200
    assert not found(result, "links.redirect_chain", "/chain2")   # a hop of the same chain, linked from nowhere


def test_links_to_a_redirected_url(result):
    f = one(result, "links.to_redirect", "/old-about")
    assert f.evidence["link_to_instead"] == u("/about.html") and f.evidence["status"] == 301
    assert {d["page"] for d in f.evidence["linked_from"]} == {u("/"), u("/news/a.html"), u("/news/b.html")}
    assert u("/about.html") in f.message
    chain = one(result, "links.to_redirect", "/chain1")   # the chain's first hop is linked too: link to its end
    assert chain.evidence["link_to_instead"] == u("/final.html") and chain.evidence["hops"] == 3
    # a temporary redirect to another page (a login wall, a language switch) is probably meant: information
    account = one(result, "links.to_redirect", "/my-account")
    assert account.severity == "info" and "temporary redirect" in account.evidence["note"]
    assert chain.severity == "low" and one(result, "links.to_redirect", "/old-about").severity == "low"


def test_a_temporary_redirect_to_another_spelling_of_the_address_is_still_a_cleanup():
    from analysis.links_redirects import same_page

    assert same_page("http://www.example.org/news", "https://www.example.org/news/")
    assert same_page("https://example.org/about/index.html", "https://www.example.org/about/")
    assert not same_page("https://www.example.org/my-account/", "https://www.example.org/login/?returnUrl=%2Fmy-account%2F")
    assert not same_page("https://www.example.org/bins/?lang=cy", "https://www.example.org/bins/")


def test_broken_external_link_checked_by_the_crawl(result, crawled):
    if not query(crawled["db"], "SELECT 1 FROM pages WHERE kind = 'external' LIMIT 1"):
        pytest.skip("this crawler does not check external links yet (tests/test_links_facts.py covers the rule)")
    partner = crawled["partner"].url
    f = one_url(result, "links.broken_external", partner + "/report")
    assert f.evidence["linked_from"] == [{"page": u("/news/c.html"), "anchor": "Partner report", "position": "main"}]
    assert f.evidence["status"] == 404 and "404 Not Found" in f.message
    assert not one_url(result, "links.broken_external", partner + "/", expect=0)


def one_url(res, rule, url, expect=1):
    fs = [f for f in res.findings if f.rule == rule and f.subject_url == url]
    assert len(fs) == expect, (rule, url, [f.subject_url for f in res.findings if f.rule == rule])
    return fs[0] if fs else None


def test_every_rule_id_is_declared_and_evidence_is_json(result):
    for f in result.findings:
        assert f.rule in LINK_RULES and f.category == LINK_RULES[f.rule]
        assert f.message and json.loads(json.dumps(f.evidence)) == f.evidence
    assert len({f.id for f in result.findings}) == len(result.findings)


# ---------------------------------------------------------------------------- page_graph
def test_page_graph_rows(result):
    cols = TABLES_BY_NAME["page_graph"].column_names[:-1]
    rows = {r[1]: dict(zip(cols, r)) for r in result.graph_rows}
    home, about, orphan = rows[u("/")], rows[u("/about.html")], rows[u("/orphan.html")]
    assert home["depth"] == 0 and home["reachable"] == 1 and home["link_score"] >= 90
    assert about["depth"] == 1 and about["linking_pages"] > 20 and about["inlinks"] >= about["linking_pages"]
    assert about["inlinks_main"] == 0      # only the template's navigation and the old redirect link to it
    assert orphan["inlinks"] == 0 and orphan["reachable"] == 0 and orphan["depth"] is None and orphan["link_score"] == 0
    assert rows[u("/deep/6.html")]["depth"] == 6
    assert rows[u("/dead-end.html")]["outlinks_internal"] == 0 and home["outlinks_internal"] > 5
    assert rows[u("/final.html")]["depth"] == 1   # through the chain: following redirects is not a click
    assert rows[u("/chain1")]["link_score"] is None and rows[u("/chain1")]["depth"] == 1
    assert 0 < rows[u("/news/a.html")]["link_score"] < 100


def test_graph_ignores_links_of_pages_the_latest_crawl_did_not_read(crawled):
    conn = sqlite3.connect(crawled["db"])
    try:
        g = load_site_graph(conn, "links", 2)
    finally:
        conn.close()
    retired = g.index[url_id(u("/retired.html"))]
    assert not g.current(retired) and g.linkers(retired) == []
    assert g.graph.out_degree(retired) == 0   # its template links were recorded in crawl 1; they no longer count


# ---------------------------------------------------------------------------- removal impact
@pytest.fixture(scope="module")
def judged(crawled):
    """The date analysis' findings in the database (what impact reads to avoid outdated pages)."""
    api.analyse(crawled["cfg"], db=crawled["db"], now="2026-11-23")
    outdated = query(crawled["db"], "SELECT subject_url FROM findings WHERE status = 'open' AND category IN ('outdated', 'expired')")
    assert u("/events/2023/summer-fair.html") in {r["subject_url"] for r in outdated}, "the date analysis should find it stale"
    return crawled


def test_decay_analyse_writes_the_link_findings_and_page_graph(judged, result):
    rows = query(judged["db"], "SELECT * FROM page_graph WHERE site = 'links'")
    if not rows:
        pytest.skip("analysis.runner does not call analyse_links yet")
    assert len(rows) == len(result.graph_rows) and {r["analysis_id"] for r in rows} == {
        query(judged["db"], "SELECT max(id) FROM analyses")[0][0]}
    stored = {r["id"] for r in query(judged["db"], "SELECT id FROM findings WHERE status = 'open' AND rule LIKE 'links.%'")}
    # the date analysis flags the 2015 report as this test did: the same findings, under the same ids
    assert stored == {f.id for f in result.findings}


def test_removal_impact_of_a_page(judged):
    report = api.impact([u("/events/2024/summer-fair.html")], db=judged["db"])
    (p,) = report["pages"]
    assert p["links_that_break"] == [{"page": u("/events/"), "anchor": "Summer Fair 2024", "position": "main"}]
    assert [c["url"] for c in report["orphaned"]] == [u("/events/2024/photos.html")]
    assert report["orphaned"][0]["linked_from"] == [u("/events/2024/summer-fair.html")]
    assert [c["url"] for c in report["unreachable"]] == [u("/events/2024/photos-extra.html")]
    # the same title for a later year (a real successor); never the outdated 2023 page, the orphaned tickets
    # page or the photos page the removal orphans, however alike
    assert p["redirect_to"]["url"] == u("/events/2026/summer-fair.html")
    assert "later year or version" in p["redirect_to"]["reason"] and '"Summer Fair 2024" -> "Summer Fair 2026"' in p["redirect_to"]["reason"]


def test_removal_impact_of_several_pages_with_redirects_and_sitemaps(judged):
    report = api.impact([u("/about.html"), u("/events/2024/photos.html")], db=judged["db"])
    about = next(p for p in report["pages"] if p["url"] == u("/about.html"))
    pages = {link["page"] for link in about["links_that_break"]}
    assert u("/") in pages and u("/news/a.html") in pages and len(pages) > 20   # every page's navigation
    via = [link for link in about["links_that_break"] if link.get("via")]
    assert {link["via"] for link in via} == {u("/old-about")} and {link["page"] for link in via} == {u("/"), u("/news/a.html"), u("/news/b.html")}
    assert about["redirects_that_break"] == [u("/old-about")]
    assert about["sitemaps"] == [u("/sitemap.xml")]
    assert about["redirect_to"] is None   # no later edition and no page it points to as its replacement: no target
    assert [c["url"] for c in report["orphaned"]] == [u("/events/2024/photos-extra.html")]


def test_impact_command(judged):
    r = run_decay("impact", u("/events/2024/summer-fair.html"), "--db", str(judged["db"]))
    assert r.returncode == 0, r.stderr
    assert "1 link would break" in r.stdout and "redirect it to: " + u("/events/2026/summer-fair.html") in r.stdout
    assert u("/events/2024/photos.html") in r.stdout
    j = run_decay("impact", u("/events/2024/summer-fair.html"), "--db", str(judged["db"]), "--json")
    assert json.loads(j.stdout)["pages"][0]["redirect_to"]["url"] == u("/events/2026/summer-fair.html")
    bad = run_decay("impact", u("/no-such-page.html"), "--db", str(judged["db"]))
    assert bad.returncode == 2 and "not in the database" in bad.stderr and "Traceback" not in bad.stderr
    nodb = run_decay("impact", u("/"))
    assert nodb.returncode == 2 and "--db" in nodb.stderr and "Traceback" not in nodb.stderr
