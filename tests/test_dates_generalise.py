"""Dates on pages nobody tuned for (issue 17): the classes of mistakes, each on a small page of its own.

- structured data in UTC against the day the byline shows its readers;
- a template's stale <meta> publication date, years before the article's other dates;
- a dated element of a teaser or related-articles list (another article's date);
- what page_dates stores keeps the day the page shows (the crawl path equals the benchmark path).
"""
from __future__ import annotations

from datetime import datetime, timezone

from analysis.dates import PageInput, page_candidates, resolve, stored_iso
from foundation.facts import DateSignal

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=timezone.utc)


def decide(*signals: tuple[str, str, str, str]):
    page = PageInput(url="https://news.example/story", fetched_at=NOW, signals=[DateSignal(*s) for s in signals])
    cands = page_candidates(page, now=NOW)
    return resolve(cands, now=NOW), cands


def test_the_byline_decides_the_day_of_a_utc_timestamp_early_in_the_morning():
    # 07:25 UTC is the evening before in the Americas: readers see the 24th
    dates, _ = decide(("jsonld", "datePublished", "2020-04-25T07:25:06Z", "NewsArticle"),
                      ("class", "byline", "April 24, 2020", "main h1+1 div.byline"))
    assert dates.published_at.date().isoformat() == "2020-04-24"
    assert dates.published_source == "jsonld:datePublished"   # the same instant, shown on the byline's day


def test_a_byline_in_a_sidebar_does_not_move_the_day():
    dates, _ = decide(("jsonld", "datePublished", "2020-04-25T07:25:06Z", "NewsArticle"),
                      ("class", "post-date", "April 24, 2020", "aside h1+1 span.post-date"))
    assert dates.published_at.date().isoformat() == "2020-04-25"


def test_a_template_meta_creation_date_years_before_the_article_is_rejected_with_its_reason():
    dates, cands = decide(("meta", "creation_date", "2000-01-01", ""),
                          ("time", "datetime", "2020-03-05", "main h1+1 published"))
    assert dates.published_at.date().isoformat() == "2020-03-05"
    meta = next(c for c in cands if c.source == "meta")
    assert not meta.accepted and "stale meta" in meta.reason and "20 years before" in meta.reason


def test_an_old_meta_date_with_no_other_dated_evidence_stands():
    dates, cands = decide(("meta", "creation_date", "2000-01-01", ""),
                          ("class", "post-date", "3. Januar 2019", "aside h1+4 span.post-date"))
    assert next(c for c in cands if c.source == "meta").accepted
    assert dates.published_at.date().isoformat() == "2000-01-01"


def test_a_teaser_date_is_another_articles_date():
    dates, cands = decide(("class", "teaser__date", "14.05.2020", "main h1+1 span.default-teaser__date"),
                          ("text", "date", "18.03.2020", "main h1+300"))
    teaser = next(c for c in cands if c.source == "class")
    assert not teaser.accepted and "teaser" in teaser.reason
    assert dates.published_at.date().isoformat() == "2020-03-18"


def test_stored_dates_keep_the_day_the_page_shows():
    dates, _ = decide(("jsonld", "datePublished", "2023-11-08T19:30:00-05:00", "NewsArticle"))
    assert stored_iso(dates.published_at) == "2023-11-08T19:30:00-05:00"   # as UTC it would be the 9th
    assert stored_iso(None) is None
    day_only, _ = decide(("jsonld", "datePublished", "2023-11-08", "NewsArticle"))
    assert stored_iso(day_only.published_at)[:10] == "2023-11-08"
