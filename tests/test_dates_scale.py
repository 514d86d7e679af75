"""The date and role paths at scale (issue 18) give the same answers as the plain ones.

- ``parse_date_relative`` is memoised per distinct raw value and year: a relative date ("3 days ago") is
  still counted from each page's own fetch, a two-digit year from its own year;
- a page's candidates are memoised the same way: each page still gets its own Candidate objects;
- ``assign_roles`` given pages read without their signals reads the few it needs from the database, and
  decides every role and reason as it does from the signals in hand;
- ``site_pages`` shares one object among pages for a repeated value, and builds lists only where needed.
"""
from __future__ import annotations

import copy
from datetime import datetime, timedelta, timezone

from analysis.dates import PageInput, page_candidates, resolve
from analysis.dates.candidates import clear_caches
from analysis.dates.parse import _parse, parse_date_relative
from analysis.pages import Page, site_pages
from analysis.roles import assign_roles
from foundation.facts import DateSignal
from foundation.schema import open_db
from foundation.urls import url_id

UTC = timezone.utc
NOW = datetime(2025, 3, 10, 12, 0, tzinfo=UTC)
RAWS = ["2019-03-02", "2019-03-02T10:00:00+01:00", "2 March 2019", "02/03/19", "3 days ago", "vor 2 Tagen", "gestern",
        "Mon, 23 Nov 2026 02:00:00 GMT", "March 2019", "2019", "1551520800", "v1.2.3", "no date", "", "31/12/99",
        "Posted on 2 March 2019 by Ann", "heute", "1 hour ago", "16.10.19 um 10:15 Uhr"]


def test_memoised_parse_is_the_plain_parse_whatever_the_fetch_time():
    clear_caches()
    for raw in RAWS:
        for now in (NOW, NOW + timedelta(days=3, hours=5), datetime(2099, 12, 31, 23, 0, tzinfo=UTC),
                    datetime(2001, 1, 1, tzinfo=UTC)):
            for lang in (None, "en-US", "de"):
                assert parse_date_relative(raw, now=now, lang=lang) == _parse(raw, now, lang), (raw, now, lang)


def test_relative_dates_count_from_each_pages_own_fetch():
    clear_caches()
    days = []
    for i in range(3):
        page = PageInput(url="u", fetched_at=NOW + timedelta(days=i),
                         signals=[DateSignal("class", "posted", "3 days ago", "main h1+1 posted")])
        c = page_candidates(page, now=NOW + timedelta(days=5))[0]
        days.append(c.value.date())
    assert days == [(NOW + timedelta(days=i - 3)).date() for i in range(3)]


def test_each_page_gets_its_own_candidates():
    clear_caches()
    signals = [DateSignal("jsonld", "datePublished", "2019-03-02T10:00:00Z", "NewsArticle"),
               DateSignal("time", "datetime", "2019-03-02", "main h1+1"),
               DateSignal("copyright", "notice", "© 2008-2025", "footer")]
    a = page_candidates(PageInput(url="a", fetched_at=NOW, signals=signals), now=NOW)
    b = page_candidates(PageInput(url="b", fetched_at=NOW + timedelta(hours=1), signals=signals), now=NOW)
    assert all(x is not y for x, y in zip(a, b))
    before = copy.deepcopy(b)
    resolve(a, now=NOW)   # sets Candidate.local on a's usable candidates: b's are untouched
    assert [(c.value, c.local, c.accepted, c.reason) for c in b] == [(c.value, c.local, c.accepted, c.reason) for c in before]


SITE = "https://www.example.org"
SIGNALS = {
    "/stories/boathouse": [("jsonld", "datePublished", "2019-06-15", "NewsArticle, Organization"),
                           ("copyright", "notice", "© 2019", "footer")],
    "/summer-fair/": [("microdata", "startDate", "2019-06-15", "Event"), ("time", "datetime", "2019-06-15", "main h1+1")],
    "/work-with-us/": [("jsonld", "datePosted", "2019-06-15", "JobPosting")],
    "/hub/": [("jsonld", "dateModified", "2019-06-15", "CollectionPage")],
    "/both/": [("jsonld", "dateModified", "2019-06-15", "CollectionPage"), ("jsonld", "datePublished", "2019", "BlogPosting")],
    "/opinion/": [("meta", "article:published_time", "2019-06-15", ""), ("meta", "Article:Modified_Time", "2019-06-16", "")],
    "/news/harbour": [("time", "datetime", "2019-06-15", "main h1+1")],
    "/news/undated": [("text", "date", "15 June 2019", "main h1+40")],
    "/about/": [],
}


def _site(tmp_path):
    conn = open_db(tmp_path / "decay.db").conn
    pages = []
    for path, signals in SIGNALS.items():
        url = SITE + path
        uid = url_id(url)
        refresh, words = (SITE + "/", 10) if path == "/about/" else (None, 40 if path == "/hub/" else None)
        conn.execute("INSERT INTO pages (url_id, url, site, crawl_id, is_html, status, outcome, refresh_url, word_count, "
                     "title, h1, lang, fetched_at, last_modified, server_date) VALUES (?, ?, 'main', 1, 1, 200, 'ok', ?, ?, "
                     "'Harbour news', 'Harbour news', 'en', ?, 'Mon, 02 Mar 2020 10:00:00 GMT', 'Mon, 02 Mar 2020 10:00:00 GMT')",
                     [uid, url, refresh, words, NOW.isoformat()])
        conn.executemany("INSERT INTO date_signals (url_id, ordinal, source, name, value, context) VALUES (?, ?, ?, ?, ?, ?)",
                         [(uid, i, *s) for i, s in enumerate(signals)])
        pages.append(Page(uid, url, "main", "Harbour news", "Harbour news", "en",
                          PageInput(url=url, fetched_at=NOW, signals=[DateSignal(*s) for s in signals])))
    conn.commit()
    return conn, pages


def test_roles_from_the_database_are_the_roles_from_the_signals_in_hand(tmp_path):
    conn, in_hand = _site(tmp_path)
    counts = assign_roles(conn, "main", 1, in_hand, [SITE + "/home"])
    read = site_pages(conn, "main", 1, signals=False)
    assert all(p.date_input.signals == () for p in read)
    assert counts == assign_roles(conn, "main", 1, read, [SITE + "/home"], with_signals=True)
    by_url = {p.url: (p.role, p.role_reason) for p in read}
    assert {p.url: (p.role, p.role_reason) for p in in_hand} == by_url
    assert by_url[SITE + "/opinion/"] == ("article", "article meta tags (<meta property=article:published_time>)")
    assert by_url[SITE + "/news/harbour"][0] == "article" and by_url[SITE + "/news/undated"][0] != "article"
    assert by_url[SITE + "/about/"][0] == "stub" and by_url[SITE + "/hub/"][0] == "listing"


def test_site_pages_shares_repeated_values(tmp_path):
    conn, _ = _site(tmp_path)
    pages = site_pages(conn, "main", 1)
    first, *others = [p.date_input for p in pages]
    assert all(d.fetched_at is first.fetched_at and d.last_modified is first.last_modified for d in others)
    assert all(p.h1 is p.title for p in pages)
    assert {p.url: len(p.date_input.signals) for p in pages} == {SITE + k: len(s) for k, s in SIGNALS.items()}
    assert all(d.sitemap_lastmods == () and d.feed_dates == () for d in [first, *others])
