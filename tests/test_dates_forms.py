"""Dates written in forms the extractors did not read (issue 17, phase 2): one test per form, each with its trap.

Each page is read by the production path (``extract_html`` -> ``page_candidates`` -> ``resolve``), without a URL.
"""
from __future__ import annotations

from datetime import datetime, timezone

from analysis.dates import PageInput, page_candidates, resolve
from foundation.reading.page import extract_html

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=timezone.utc)


def read(html: str):
    facts = extract_html(html.encode("utf-8"), "text/html; charset=utf-8")
    cands = page_candidates(PageInput(url="", fetched_at=NOW, signals=facts.signals, lang=facts.lang), now=NOW)
    dates = resolve(cands, now=NOW)
    day = dates.published_at.date().isoformat() if dates.published_at else None
    return day, dates, cands, facts


def page(body: str, head: str = "") -> str:
    return f"<html><head><title>A page</title>{head}</head><body><main><h1>The story</h1>{body}</main></body></html>"


def test_a_publication_key_in_a_script_json_is_read():
    day, dates, _, _ = read(page('<p>Text.</p><script type="application/json">{"product": {"title": "Sidamo", '
                                 '"published_at": "2019-03-02T06:22:28+01:00"}}</script>'))
    assert day == "2019-03-02"
    assert dates.published_source == "script:published_at"


def test_a_script_list_of_other_articles_dates_is_not_taken():
    related = ", ".join(f'{{"title": "Other {i}", "published_at": "2019-0{i}-10T08:00:00Z"}}' for i in (1, 2, 3))
    day, _, cands, _ = read(page(f'<p>Text.</p><script>var related = [{related}];</script>'))
    assert day is None
    scripts = [c for c in cands if c.source == "script"]
    assert scripts and not any(c.accepted for c in scripts)
    assert "3 different days" in scripts[0].reason


def test_a_script_date_contradicted_by_the_page_is_not_taken():
    day, _, cands, _ = read(page('<time datetime="2020-05-04">4 May 2020</time><script>window.data = '
                                 '{"createdAt": "2018-01-01T10:00:00Z"};</script>'))
    assert day == "2020-05-04"
    script = next(c for c in cands if c.source == "script")
    assert not script.accepted and "contradicted" in script.reason


def test_a_dated_location_href_and_og_url_are_read():
    day, dates, _, _ = read(page('<script>if (!consent) {location.href="https://news.example/20200428/a-story?s=1";}'
                                 '</script>'))
    assert day == "2020-04-28" and dates.published_source == "url:location.href"
    day, dates, _, _ = read(page("<p>Text.</p>", '<meta property="og:url" content="https://ex.org/2016/05/22/story/">'))
    assert day == "2016-05-22" and dates.published_source == "url:og:url"


def test_a_dated_permalink_in_a_related_articles_widget_is_another_articles():
    day, _, cands, facts = read(page('<p>Text.</p><div class="related-news-widget"><a href="/x">'
                                     '<img data-permalink="https://ex.org/2017/08/03/other/" src="a.jpg"></a></div>'))
    assert day is None
    c = next(c for c in cands if c.name == "data-permalink")
    assert "in-link" in c.context and "related-news-widget" in c.context
    assert not c.accepted and "list of other articles" in c.reason


def test_an_abbr_title_is_read_and_a_date_in_a_link_counts_less_than_the_pages_own():
    day, dates, _, _ = read(page('<div class="post"><abbr title="Freitag, 6. Oktober 2017 um 04:00">6. Okt.</abbr></div>'))
    assert day == "2017-10-06" and dates.published_source == "time:abbr-title"
    # the trap: a <time> inside a link to another page loses against the page's own byline
    day, _, cands, _ = read(page('<p class="byline">Posted 3 March 2021</p><p>Text.</p>'
                                 '<a href="/other"><time datetime="2021-03-01">1 March</time></a>'))
    assert day == "2021-03-03"
    assert any(" in-link" in c.context for c in cands if c.source == "time")


def test_a_class_that_names_a_time_is_read_but_a_timeline_is_not():
    day, dates, _, _ = read(page('<div class="h-info"><span class="h-time"> 2020-02-19 20:29:58</span></div>'))
    assert day == "2020-02-19" and dates.published_source == "class:h-time"
    _, _, _, facts = read(page('<div class="timeline">2019 2020</div>'))
    assert not [s for s in facts.signals if s.source == "class"]


def test_an_updated_date_inside_a_related_list_is_another_articles():
    day, _, cands, _ = read(page('<p>Erschienen am 31. Oktober 2023</p><div class="related-inner">'
                                 '<time class="published updated" datetime="2023-01-06">6. Januar 2023</time></div>'))
    assert day == "2023-10-31"
    t = next(c for c in cands if c.source == "time")
    assert not t.accepted and "related" in t.reason


def test_a_byline_that_says_the_article_was_written_on_a_day():
    day, _, _, facts = read(page('<p>Text.</p><div class="post-footer">Dieser Artikel wurde am 14. Dezember 2015 um '
                                 '14:48 von Heiner geschrieben.</div>'))
    assert day == "2015-12-14"
    # the trap: "wurde" without "am" is not a date phrase
    _, _, _, facts = read(page("<p>Der Verein wurde 2015 gegründet.</p>"))
    assert not [s for s in facts.signals if s.name == "phrase"]


def test_a_full_date_after_the_copyright_sign():
    day, dates, cands, _ = read(page("<p>Text.</p>").replace(
        "</main>", "</main><footer><p>Copyright © 19.12.2019 - 12:14 h by Qualisys GmbH</p></footer>"))
    assert day == "2019-12-19" and dates.published_source == "copyright:date"
    # the trap: a range of years stays a copyright notice (a year, never the page's day)
    day, _, cands, _ = read(page("<p>Text.</p>").replace("</main>", "</main><footer>© 2010-2019 Example</footer>"))
    assert day is None
    assert [c.role for c in cands if c.source == "copyright"] == ["copyright"]
