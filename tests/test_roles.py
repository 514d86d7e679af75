"""Page roles from the facts (analysis/roles.py): one small database, each rule that decides a role.

The end-to-end behaviour (roles read by every judgment, on a crawled site) is in test_roles_archive.py.
"""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from analysis.dates import PageInput
from analysis.pages import Page
from analysis.roles import assign_roles
from foundation.facts import DateSignal
from foundation.schema import open_db
from foundation.urls import url_id

SITE = "https://www.example.org"
NOW = datetime(2025, 1, 1, tzinfo=timezone.utc)


def _page(path: str, title: str = "T", signals=()) -> Page:
    url = SITE + path
    return Page(url_id(url), url, "main", title, title, "en", PageInput(url=url, fetched_at=NOW, signals=list(signals)))


@pytest.fixture
def site(tmp_path):
    db = open_db(tmp_path / "decay.db")
    conn = db.conn
    articles = [f"/news/2019/05/{i:02d}/story-{i}/" for i in range(1, 9)]
    pages = {
        "/": _page("/"),
        "/de/": _page("/de/"),
        "/old-address.html": _page("/old-address.html"),
        "/missing/": _page("/missing/", "Page not found"),
        "/tag/boats/": _page("/tag/boats/"),
        "/news/2019/05/": _page("/news/2019/05/"),
        "/news/": _page("/news/"),
        "/blog/page/3/": _page("/blog/page/3/"),
        "/whats-new/": _page("/whats-new/"),                       # links to 6 articles out of 7 pages: a listing
        "/about/history/": _page("/about/history/"),               # links to 5 articles out of 20 pages: not one
        "/summer-fair/": _page("/summer-fair/", signals=[DateSignal("jsonld", "startDate", "2019-06-15", "Event")]),
        "/careers/gardener/": _page("/careers/gardener/"),
        "/work-with-us/": _page("/work-with-us/", signals=[DateSignal("jsonld", "datePosted", "2019-06-15", "JobPosting")]),
        "/stories/boathouse": _page("/stories/boathouse", signals=[DateSignal("jsonld", "datePublished", "2019-06-15", "NewsArticle")]),
        "/docs/guide/": _page("/docs/guide/"),                      # in the feed with year 1: undated, not an article
        "/updates/launch/": _page("/updates/launch/"),              # in the feed with a real date: an article
        "/whats-on/": _page("/whats-on/", signals=[DateSignal("jsonld", "startDate", "2019-06-15", "Event")]),
        "/events/past-events/": _page("/events/past-events/"),
        # a calendar: its structured data names events, and its main content links to event pages
        "/visit/calendar-of-the-month": _page("/visit/calendar-of-the-month", signals=[
            DateSignal("jsonld", "startDate", "2019-06-15", "Event"), DateSignal("jsonld", "startDate", "2019-06-16", "Event")]),
        # WordPress with Yoast (and Hugo's own templates) give every page article:modified_time: no article by it
        "/terms/": _page("/terms/", signals=[DateSignal("meta", "article:modified_time", "2021-03-01T10:00:00+00:00")]),
        "/opinion/harbour-dues": _page("/opinion/harbour-dues", signals=[
            DateSignal("meta", "article:published_time", "2021-03-01T10:00:00+00:00"),
            DateSignal("meta", "article:modified_time", "2021-03-02T10:00:00+00:00")]),
    }
    pages.update({f"/events/e{i}/": _page(f"/events/e{i}/") for i in range(6)})
    pages.update({a: _page(a) for a in articles})
    for path, p in pages.items():
        refresh = SITE + articles[0] if path == "/old-address.html" else None
        conn.execute("INSERT INTO pages (url_id, url, site, crawl_id, is_html, status, outcome, refresh_url, word_count) "
                     "VALUES (?, ?, 'main', 1, 1, 200, 'ok', ?, ?)", [p.url_id, p.url, refresh, 0 if refresh else 40 if path == "/missing/" else 300])
    ordinal = 0

    def link(src: str, dst: str, position: str = "main") -> None:
        nonlocal ordinal
        ordinal += 1
        conn.execute("INSERT INTO links (source_id, ordinal, target_id, kind, position, internal) VALUES (?, ?, ?, 'a', ?, 1)",
                     [url_id(SITE + src), ordinal, url_id(SITE + dst), position])

    for a in articles[:6]:
        link("/whats-new/", a)
    link("/whats-new/", "/about/history/")
    for a in articles[:5]:
        link("/about/history/", a)
    for i in range(15):
        link("/about/history/", f"/about/history/part-{i}/")
    for i in range(6):
        link("/visit/calendar-of-the-month", f"/events/e{i}/")
    link("/summer-fair/", "/events/e0/")
    feed = url_id(SITE + "/index.xml")
    for n, (path, published) in enumerate([("/docs/guide/", "Mon, 01 Jan 0001 00:00:00 +0000"),
                                           ("/updates/launch/", "Tue, 04 Jun 2019 10:00:00 +0000")]):
        conn.execute("INSERT INTO feed_entries (feed_id, ordinal, url_id, url, site, published, crawl_id) VALUES (?, ?, ?, ?, 'main', ?, 1)",
                     [feed, n, url_id(SITE + path), SITE + path, published])
    conn.commit()
    return conn, pages


def roles_of(site, overrides=()) -> dict[str, tuple[str, str]]:
    conn, pages = site
    assign_roles(conn, "main", 1, list(pages.values()), [SITE + "/"], overrides)
    return {path: (p.role, p.role_reason) for path, p in pages.items()}


def test_each_rule_decides_a_role_and_says_why(site):
    r = roles_of(site)
    expected = {
        "/": "home", "/de/": "home", "/old-address.html": "stub", "/missing/": "error", "/tag/boats/": "listing",
        "/news/2019/05/": "listing", "/news/": "listing", "/blog/page/3/": "listing", "/whats-new/": "listing",
        "/about/history/": "evergreen", "/summer-fair/": "event", "/careers/gardener/": "job", "/work-with-us/": "job",
        "/stories/boathouse": "article", "/news/2019/05/01/story-1/": "article", "/docs/guide/": "evergreen",
        "/updates/launch/": "article", "/whats-on/": "listing", "/events/past-events/": "listing",
        "/visit/calendar-of-the-month": "listing", "/events/e1/": "event", "/terms/": "evergreen",
        "/opinion/harbour-dues": "article",
    }
    assert {k: r[k][0] for k in expected} == expected
    assert all(reason for _, reason in r.values())
    assert "6 dated articles" in r["/whats-new/"][1]
    assert "NewsArticle" in r["/stories/boathouse"][1] and "feed" in r["/updates/launch/"][1]


def test_overrides_by_url_pattern_win(site):
    r = roles_of(site, [("evergreen", ["/news/2019/*"]), ("article", ["/docs/*"])])
    assert r["/news/2019/05/01/story-1/"] == ("evergreen", "set by [[outdated.roles]] pattern /news/2019/*")
    assert r["/docs/guide/"][0] == "article"
