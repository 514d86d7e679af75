"""The resolver's rules (resolve.py), one by one, on hand-made candidates: agreement, disagreement recorded and
never hidden, distrusted sources ignored with the sentence saying why, which evidence takes precedence, and
what the page's explanation says in each case."""
from __future__ import annotations

from datetime import datetime, timezone

from analysis.dates import PageInput, learn_site_trust, page_candidates, resolve
from foundation.reading.page import extract_html
from foundation.facts import DateSignal as S

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=timezone.utc)
DEPLOY = "Fri, 20 Nov 2026 09:00:00 GMT"


def dates(signals=(), trust=None, **page):
    p = PageInput(url="https://www.example.org/p", fetched_at=NOW, signals=list(signals), **page)
    return resolve(page_candidates(p, now=NOW, trust=trust), now=NOW, trust=trust)


def day(v: datetime | None) -> str | None:
    return v.date().isoformat() if v is not None else None


def deploy_time_site():
    """Six pages whose server sends one deploy time as Last-Modified."""
    return learn_site_trust([PageInput(url=f"https://www.example.org/{i}", fetched_at=NOW, signals=[],
                                       last_modified=DEPLOY) for i in range(6)])


# ---------------------------------------------------------------------------- agreement

def test_agreeing_sources_support_each_other():
    d = dates([S("jsonld", "datePublished", "2019-03-02", "NewsArticle"), S("text", "phrase", "Posted on 2 March 2019", "main")])
    assert (day(d.published_at), d.published_source) == ("2019-03-02", "jsonld:datePublished")
    assert d.explanation == ("Published 2019-03-02 according to JSON-LD datePublished, agreeing with the visible "
                             "'Posted on 2 March 2019'. Nothing says it changed since.")
    alone = dates([S("jsonld", "datePublished", "2019-03-02", "NewsArticle")])
    assert d.confidence > alone.confidence and d.disagreements == []


def test_the_issues_example_sentence():
    """JSON-LD dateModified agrees with the visible 'Updated 2 March 2019'; the deploy-time Last-Modified is
    ignored, and the sentence says why."""
    d = dates([S("jsonld", "dateModified", "2019-03-02", "Article"), S("jsonld", "datePublished", "2018-06-01", "Article"),
               S("text", "phrase", "Updated 2 March 2019", "main")], trust=deploy_time_site(), last_modified=DEPLOY)
    assert (day(d.updated_at), d.updated_source) == ("2019-03-02", "jsonld:dateModified")
    assert "Last updated 2019-03-02 according to JSON-LD dateModified, agreeing with the visible 'Updated 2 March 2019'" in d.explanation
    assert d.explanation.endswith("The Last-Modified header (2026-11-20) ignored: the same Last-Modified 2026-11-20 09:00 UTC is on 6 of 6 "
                                  "pages: a deploy or build stamp, not this page's update (a stamp: one value, give or take "
                                  "2 minutes, on 5 pages or more and 20% of them).")
    assert d.disagreements == []


def test_the_readme_example():
    d = dates([S("jsonld", "datePublished", "2019-03-02", "Article"), S("jsonld", "dateModified", "2019-05-06", "Article"),
               S("text", "phrase", "Last updated: 6 May 2019", "main")], trust=deploy_time_site(), last_modified=DEPLOY)
    assert d.explanation == (
        "Published 2019-03-02 according to JSON-LD datePublished. Last updated 2019-05-06 according to JSON-LD "
        "dateModified, agreeing with the visible 'Last updated: 6 May 2019'. The Last-Modified header (2026-11-20) "
        "ignored: the same Last-Modified 2026-11-20 09:00 UTC is on 6 of 6 pages: a deploy or build stamp, not this "
        "page's update (a stamp: one value, give or take 2 minutes, on 5 pages or more and 20% of them).")


# ---------------------------------------------------------------------------- disagreement is recorded

def test_disagreeing_publication_dates_are_recorded_not_hidden():
    d = dates([S("jsonld", "datePublished", "2019-03-02", "NewsArticle"), S("meta", "article:published_time", "2018-01-05T10:00:00Z")])
    assert day(d.published_at) == "2019-03-02"
    assert d.disagreements == ["<meta article:published_time> says published 2018-01-05, but JSON-LD datePublished says 2019-03-02."]
    assert d.confidence < dates([S("jsonld", "datePublished", "2019-03-02", "NewsArticle")]).confidence


def test_disagreeing_modification_dates_are_recorded():
    d = dates([S("jsonld", "datePublished", "2019-03-02", "Article"), S("jsonld", "dateModified", "2019-05-06", "Article"),
               S("text", "phrase", "Updated 7 June 2019", "main")])
    assert (day(d.updated_at), d.updated_source) == ("2019-06-07", "text:phrase")   # the latest credible claim
    assert d.disagreements == ["JSON-LD dateModified says last updated 2019-05-06, but the visible 'Updated 7 June 2019' says 2019-06-07."]


def test_a_trusted_header_or_sitemap_that_says_otherwise_is_recorded_but_does_not_decide():
    d = dates([S("jsonld", "dateModified", "2019-05-06", "Article"), S("jsonld", "datePublished", "2019-03-02", "Article")],
              last_modified=DEPLOY, sitemap_lastmods=["2020-01-01"])
    assert (day(d.updated_at), d.updated_source) == ("2019-05-06", "jsonld:dateModified")
    assert d.disagreements == [
        "The sitemap's lastmod says last updated 2020-01-01, but JSON-LD dateModified says 2019-05-06.",
        "The Last-Modified header says last updated 2026-11-20, but JSON-LD dateModified says 2019-05-06."]


def test_a_modification_before_the_publication_is_a_contradiction():
    d = dates([S("jsonld", "datePublished", "2019-03-02", "Article"), S("jsonld", "dateModified", "2018-01-01", "Article")])
    assert day(d.published_at) == day(d.updated_at) == "2019-03-02"
    assert d.disagreements == ["JSON-LD dateModified says last updated 2018-01-01, before the publication date "
                               "2019-03-02 given by JSON-LD datePublished."]
    assert d.explanation.endswith("No credible sign of a change since publication.")


# ---------------------------------------------------------------------------- distrusted signals

def test_distrusted_signals_never_decide_and_the_sentence_says_why():
    trust = deploy_time_site()
    d = dates(trust=trust, last_modified=DEPLOY)
    assert d.published_at is None and d.updated_at is None and d.confidence == 0.05
    assert d.explanation == ("Unknown: no credible date. The Last-Modified header (2026-11-20) ignored: the same "
                             "Last-Modified 2026-11-20 09:00 UTC is on 6 of 6 pages: a deploy or build stamp, not this "
                             "page's update (a stamp: one value, give or take 2 minutes, on 5 pages or more and 20% of them).")
    assert trust.distrusted["http:last-modified"] == ("the server sends the same Last-Modified hour (2026-11-20 09:00 UTC) "
                                                     "for 6 of 6 pages (deploy time, not edit time)")
    # the same header on a site where it varies is evidence
    d = dates(last_modified=DEPLOY)
    assert (day(d.updated_at), d.updated_source) == ("2026-11-20", "http:last-modified")


def test_request_time_headers_are_ignored_with_their_reason():
    d = dates([S("jsonld", "datePublished", "2019-03-02", "Article")], last_modified="Tue, 24 Nov 2026 12:00:05 GMT",
              sitemap_lastmods=["2026-11-24T11:59:30Z"])
    assert day(d.updated_at) == "2019-03-02" and d.updated_source == "jsonld:datePublished"
    assert "The Last-Modified header (2026-11-24) ignored: the server sends the time of the request as Last-Modified" in d.explanation
    assert "the sitemap's lastmod (2026-11-24) ignored: the sitemap gives the time it was generated as lastmod" in d.explanation


def test_no_date_at_all():
    d = dates()
    assert (d.published_at, d.updated_at, d.confidence) == (None, None, 0.0)
    assert d.explanation == "Unknown: no credible date. The page shows no date, and no header, sitemap or feed gives one."


# ---------------------------------------------------------------------------- precedence

def test_structured_data_before_a_time_element_before_a_bare_date():
    d = dates([S("text", "date", "7 March 2019", "main h1+40"), S("time", "datetime", "2019-03-05", "main h1+1 entry-date"),
               S("jsonld", "datePublished", "2019-03-02", "Article")])
    assert d.published_source == "jsonld:datePublished"
    d = dates([S("text", "date", "7 March 2019", "main h1+40"), S("time", "datetime", "2019-03-05", "main h1+1 entry-date")])
    assert (day(d.published_at), d.published_source) == ("2019-03-05", "time:datetime")
    d = dates([S("text", "date", "7 March 2019", "main h1+40")])
    assert (day(d.published_at), d.published_source) == ("2019-03-07", "text:date")


def test_on_page_modification_before_feed_before_sitemap_before_last_modified():
    lm, sm, feed = DEPLOY, ["2025-01-01"], [("entry.updated", "2024-01-01T00:00:00Z")]
    page = [S("jsonld", "datePublished", "2019-03-02", "Article"), S("jsonld", "dateModified", "2019-05-06", "Article")]
    assert dates(page, last_modified=lm, sitemap_lastmods=sm, feed_dates=feed).updated_source == "jsonld:dateModified"
    assert dates(page[:1], last_modified=lm, sitemap_lastmods=sm, feed_dates=feed).updated_source == "feed:entry.updated"
    assert dates(page[:1], last_modified=lm, sitemap_lastmods=sm).updated_source == "sitemap:lastmod"
    assert dates(page[:1], last_modified=lm).updated_source == "http:last-modified"


def test_nothing_says_it_changed_since():
    d = dates([S("jsonld", "datePublished", "2019-03-02", "Article")])
    assert d.updated_at == d.published_at and d.updated_source == "jsonld:datePublished"
    assert d.explanation == "Published 2019-03-02 according to JSON-LD datePublished. Nothing says it changed since."


def test_only_a_modification_date_stands_in_for_the_publication():
    d = dates([S("text", "phrase", "Last updated: 5 May 2020", "main")])
    assert day(d.published_at) == day(d.updated_at) == "2020-05-05" and d.confidence <= 0.5
    assert d.explanation.startswith("No publication date on the page; published no later than 2020-05-05, its "
                                    "earliest modification date (the visible 'Last updated: 5 May 2020').")


def test_a_month_is_better_than_nothing_and_says_so():
    d = dates([S("meta", "date", "May 2019"), S("copyright", "notice", "© 2024", "footer")])
    assert day(d.published_at) == "2019-05-01" and d.confidence <= 0.4
    assert d.explanation.startswith("Published in 2019-05 according to <meta date> (the month only).")


def test_a_list_of_dates_counts_little():
    teasers = [S("time", "datetime", f"2020-0{i}-1{i}", f"main h1+{i + 1} teaser-date") for i in range(1, 6)]
    d = dates([S("text", "phrase", "Posted on 3 March 2019", "main")] + teasers)
    assert (day(d.published_at), d.published_source) == ("2019-03-03", "text:phrase")


def test_a_later_unlabelled_date_is_not_the_publication():
    d = dates([S("jsonld", "dateModified", "2019-05-06", "Article"), S("text", "date", "1 January 2020", "main h1+30")])
    assert day(d.published_at) == "2019-05-06"


def test_a_utc_timestamp_is_shown_on_the_day_the_page_says():
    late = S("jsonld", "datePublished", "2019-03-02T23:30:00Z", "Article")
    assert day(dates([late]).published_at) == "2019-03-02"
    d = dates([late, S("url", "path", "2019/03/03", "")])
    assert day(d.published_at) == "2019-03-03" and "agreeing with the date in the URL (2019/03/03)" in d.explanation


def test_event_expiry_and_copyright_dates_never_decide():
    d = dates([S("jsonld", "startDate", "2019-06-15", "Event"), S("jsonld", "validThrough", "2019-03-31", "Offer"),
               S("copyright", "notice", "© 2019", "footer")])
    assert d.published_at is None and d.updated_at is None


def test_rejected_candidates_stay_beside_the_decision():
    p = PageInput(url="u", fetched_at=NOW, signals=[S("jsonld", "datePublished", "2019-03-02", "Article"),
                                                     S("meta", "date", "9999-12-31")])
    cands = page_candidates(p, now=NOW)
    resolve(cands, now=NOW)
    assert [(c.label, c.accepted) for c in cands] == [("jsonld:datePublished", True), ("meta:date", False)]


def test_from_a_crawled_page():
    """The crawl's extraction and the resolver together, on one realistic article."""
    page = b"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Harbour report</title>
    <meta property="article:published_time" content="2019-03-02T09:00:00+01:00">
    <script type="application/ld+json">{"@type":"NewsArticle","datePublished":"2019-03-02","dateModified":"2019-05-06"}</script>
    </head><body><nav><a href="/">Home</a> <span class="date">24 November 2026</span></nav><main><article>
    <h1>Harbour report</h1><p class="byline">By Ann, <time datetime="2019-03-02">2 March 2019</time></p>
    <p>Last updated: 6 May 2019.</p><aside><h2>Related</h2><ul>
    <li><time class="teaser-date" datetime="2020-01-11">11 Jan</time></li><li><time class="teaser-date" datetime="2020-02-12">12 Feb</time></li>
    <li><time class="teaser-date" datetime="2020-03-13">13 Mar</time></li></ul></aside>
    </article></main><footer>&copy; 2026 Example</footer></body></html>"""
    facts = extract_html(page, "text/html; charset=utf-8", "https://www.example.org/news/harbour")
    p = PageInput(url="https://www.example.org/news/harbour", fetched_at=NOW, signals=facts.signals, lang=facts.lang,
                  last_modified=DEPLOY)
    d = resolve(page_candidates(p, now=NOW, trust=deploy_time_site()), now=NOW, trust=deploy_time_site())
    assert (day(d.published_at), d.published_source) == ("2019-03-02", "jsonld:datePublished")
    assert (day(d.updated_at), d.updated_source) == ("2019-05-06", "jsonld:dateModified")
    assert "agreeing with the visible 'Last updated: 6 May 2019'" in d.explanation
    assert "The Last-Modified header (2026-11-20) ignored" in d.explanation
    assert d.confidence >= 0.8 and d.disagreements == []
