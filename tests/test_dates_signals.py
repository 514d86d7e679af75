"""Each date signal source, from hand-made pages through the crawl's own extraction (``extract_html``) to the
candidates the analysis judges (``page_candidates``): what is recorded, with which name, role and context.

HTTP headers, sitemaps and feeds are not in the HTML: the analysis reads them from the crawl's tables into
``PageInput``; they are tested here through ``PageInput`` (the local-site crawl in test_analyse_dates.py
covers the whole path for Last-Modified and the sitemap).
"""
from __future__ import annotations

from datetime import datetime, timezone

from analysis.dates import PageInput, page_candidates, resolve
from foundation.reading.dates import MAX_SIGNALS
from foundation.reading.page import extract_html
from foundation.facts import DateSignal

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=timezone.utc)
CT = "text/html; charset=utf-8"


def html(body: str = "", head: str = "", lang: str = "en", title: str = "A page") -> bytes:
    return (f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title>{head}</head>'
            f"<body><nav><a href='/'>Home</a></nav><main>{body}</main></body></html>").encode()


def signals(body: str = "", head: str = "", url: str = "", **kw) -> list[DateSignal]:
    facts = extract_html(html(body, head, **kw), CT, url)
    assert facts.error is None
    return facts.signals


def triples(sigs) -> set[tuple[str, str, str]]:
    return {(s.source, s.name, s.value) for s in sigs}


def candidates(sigs=(), **page) -> list:
    p = PageInput(url=page.pop("url", "https://www.example.org/p"), fetched_at=NOW, signals=list(sigs), **page)
    return page_candidates(p, now=NOW)


def one(cands, label: str):
    found = [c for c in cands if c.label == label]
    assert len(found) == 1, [c.label for c in cands]
    return found[0]


def day(c) -> str:
    return (c.local or c.value).strftime("%Y-%m-%d")


# ---------------------------------------------------------------------------- in the HTML

def test_jsonld_dates_with_their_type():
    head = ('<script type="application/ld+json">{"@context":"https://schema.org","@graph":['
            '{"@type":"NewsArticle","datePublished":"2019-03-02T09:00:00+01:00","dateModified":"2019-05-06",'
            '"author":{"@type":"Person","name":"Ann"},'
            '"image":{"@type":"ImageObject","uploadDate":"2018-11-01"}}]}</script>')
    sigs = signals(head=head)
    ctx = {(s.name, s.context) for s in sigs if s.source == "jsonld"}
    assert ctx == {("datePublished", "NewsArticle"), ("dateModified", "NewsArticle"), ("uploadDate", "ImageObject")}
    cands = candidates(sigs)
    pub, mod, img = one(cands, "jsonld:datePublished"), one(cands, "jsonld:dateModified"), one(cands, "jsonld:uploadDate")
    assert (pub.role, pub.accepted, day(pub)) == ("published", True, "2019-03-02")
    assert pub.value == datetime(2019, 3, 2, 8, 0, tzinfo=timezone.utc) and pub.local.utcoffset().seconds == 3600
    assert (mod.role, mod.accepted, day(mod)) == ("modified", True, "2019-05-06")
    # the date of an embedded image is not the page's
    assert not img.accepted and "embedded image" in img.reason


def test_invalid_jsonld_is_a_fact_not_a_candidate():
    sigs = signals(head='<script type="application/ld+json">{ "datePublished": "2019-03-02", </script>')
    assert ("jsonld", "error", "invalid JSON-LD") in triples(sigs)
    assert candidates(sigs) == []


def test_microdata_content_and_datetime():
    body = ('<h1>Title</h1><div itemscope itemtype="https://schema.org/Article">'
            '<meta itemprop="datePublished" content="2019-03-02">'
            '<span itemprop="dateModified" content="2019-05-06">6 May</span>'
            '<time itemprop="dateCreated" datetime="2019-03-01">1 March</time></div>')
    sigs = signals(body)
    t = triples(sigs)
    assert ("microdata", "dateModified", "2019-05-06") in t
    assert ("microdata", "dateCreated", "2019-03-01") in t
    assert ("meta", "datePublished", "2019-03-02") in t          # a <meta itemprop> is read with the meta tags
    # a <time itemprop> is one element: recorded once as microdata, once as a <time> (datetime and text), no repeats
    assert sum(1 for s in sigs if s.source == "microdata" and s.name == "dateCreated") == 1
    assert sum(1 for s in sigs if s.source == "time") == 2
    cands = candidates(sigs)
    assert one(cands, "microdata:dateModified").role == "modified"
    assert one(cands, "microdata:dateCreated").role == "published"


def test_opengraph_article_dublin_core_and_other_meta():
    head = ('<meta property="article:published_time" content="2019-03-02T09:00:00+01:00">'
            '<meta property="article:modified_time" content="2019-05-06T10:00:00Z">'
            '<meta property="og:updated_time" content="2019-05-06T10:00:00Z">'
            '<meta name="DC.date.issued" content="2019-03-02">'
            '<meta name="dcterms.modified" content="2019-05-06">'
            '<meta name="date" content="2019-03-02">'
            '<meta name="last-modified" content="2019-05-06">'
            '<meta http-equiv="expires" content="Tue, 01 Jan 2030 00:00:00 GMT">'
            '<meta name="viewport" content="width=device-width">'
            '<meta name="description" content="Updated 2021">')
    sigs = signals(head=head)
    names = {s.name for s in sigs if s.source == "meta"}
    assert names == {"article:published_time", "article:modified_time", "og:updated_time", "DC.date.issued",
                     "dcterms.modified", "date", "last-modified", "expires"}
    roles = {c.name: c.role for c in candidates(sigs)}
    assert roles == {"article:published_time": "published", "article:modified_time": "modified",
                     "og:updated_time": "modified", "DC.date.issued": "published", "dcterms.modified": "modified",
                     "date": "published", "last-modified": "modified", "expires": "unknown"}   # a caching instruction, not an offer's end


def test_a_preview_image_counts_only_when_its_path_is_dated():
    head = ('<meta property="og:image" content="https://cdn.example.org/uploads/2018/11/05/harbour.jpg">'
            '<meta name="twitter:image" content="https://cdn.example.org/img/harbour.jpg">')
    sigs = signals(head=head)
    assert triples(sigs) == {("meta", "og:image", "https://cdn.example.org/uploads/2018/11/05/harbour.jpg")}
    c = one(candidates(sigs), "meta:og:image")
    assert c.accepted and day(c) == "2018-11-05" and c.precision == "day"


def test_time_elements_placed_relative_to_the_headline():
    body = ('<header><time datetime="2026-11-24">Today</time></header>'
            '<h1>Harbour report</h1><p>By Ann, <time datetime="2019-03-02T09:00:00+01:00" class="entry-date">'
            '2 March 2019</time></p><aside><time>5 May 2020</time></aside>')
    sigs = [s for s in signals(body) if s.source == "time"]
    assert [(s.name, s.value, s.context) for s in sigs] == [
        ("datetime", "2026-11-24", "main pre-h1"), ("text", "Today", "main pre-h1"),
        ("datetime", "2019-03-02T09:00:00+01:00", "main h1+1 entry-date"),
        ("text", "2 March 2019", "main h1+1 entry-date"),
        ("text", "5 May 2020", "aside h1+2")]
    cands = candidates(sigs)
    dt = [c for c in cands if c.raw == "2019-03-02T09:00:00+01:00"][0]
    assert dt.role == "published" and dt.accepted and day(dt) == "2019-03-02"
    # 'Today' is a relative date: accepted, and the reason says what it is counted from
    today = [c for c in cands if c.raw == "Today"][0]
    assert today.accepted and day(today) == "2026-11-24" and "relative" in today.reason


def test_elements_whose_class_says_date():
    body = ('<h1>Harbour report</h1><div class="post-meta">Posted 2 March 2019 by Ann</div>'
            '<span class="updated">Updated: 06.05.2019</span>'
            '<div class="metadata">Category: harbour</div>'
            '<abbr class="published" title="2019-03-02"></abbr>')
    sigs = [s for s in signals(body) if s.source == "class"]
    got = [(s.name, s.value) for s in sigs]
    assert ("post-meta", "Posted 2 March 2019 by Ann") in got
    assert ("updated", "Updated: 06.05.2019") in got
    assert all(v != "Category: harbour" for _, v in got)      # a class that says meta, without a date: nothing
    assert all(s.context.startswith("main h1+") for s in sigs)
    roles = {c.name: (c.role, day(c)) for c in candidates(sigs)}
    assert roles["post-meta"] == ("published", "2019-03-02")
    assert roles["updated"] == ("modified", "2019-05-06")


def test_updated_on_and_posted_on_phrases():
    body = ("<h1>Opening hours</h1><p>Posted on 3 March 2019 by the office.</p><p>Our hours are 9 to 5.</p>"
            "<p>Last updated: 5 May 2020</p><p>Stand: 01.02.2021</p><p>Published 2 days ago</p>")
    sigs = [s for s in signals(body) if s.source == "text" and s.name == "phrase"]
    assert [s.value for s in sigs] == ["Posted on 3 March 2019", "Last updated: 5 May 2020", "Stand: 01.02.2021",
                                       "Published 2 days ago"]
    cands = candidates(sigs)
    assert [(c.role, day(c)) for c in cands] == [("published", "2019-03-03"), ("modified", "2020-05-05"),
                                                 ("modified", "2021-02-01"), ("published", "2026-11-22")]
    assert cands[-1].reason.startswith("a relative date")


def test_phrases_in_the_navigation_are_not_the_pages():
    page = (b'<html lang="en"><body><nav><a href="/x">Updated 5 May 2020</a></nav><main><h1>T</h1></main>'
            b'</body></html>')
    assert not [s for s in extract_html(page, CT).signals if s.source == "text"]


def test_date_in_the_url_path_and_the_canonical_url():
    head = '<link rel="canonical" href="https://www.example.org/news/2019/03/02/harbour">'
    sigs = signals(head=head, url="https://www.example.org/news/2019_03_05/harbour?page=2019-12-01")
    assert [(s.name, s.value) for s in sigs if s.source == "url"] == [("path", "2019_03_05"), ("canonical", "2019/03/02")]
    cands = candidates(sigs)
    assert day(one(cands, "url:path")) == "2019-03-05" and day(one(cands, "url:canonical")) == "2019-03-02"
    assert all(c.role == "published" and c.accepted for c in cands)
    # a month alone in the path: the month only
    sig = signals(url="https://www.example.org/blog/2018/07/summer")
    c = one(candidates(sig), "url:path")
    assert c.precision == "month" and c.reason == "gives the month 2018-07 only"


def test_copyright_notice_gives_a_year_never_a_day():
    sigs = signals("<h1>T</h1><p>Text.</p><footer><p>&copy; 2012&ndash;2019 Example Org. All rights reserved.</p></footer>")
    notices = [s for s in sigs if s.source == "copyright"]
    assert [s.value for s in notices] == ["© 2012–2019"]
    c = candidates(notices)[0]
    assert (c.role, c.precision, c.value.year, c.accepted) == ("copyright", "year", 2019, True)
    assert c.reason == "a copyright notice: evidence of the year 2019 only, never of a day"
    assert resolve([c], now=NOW).published_at is None       # never the page's date


def test_bare_dates_near_the_headline_and_in_the_title():
    filler = "Lorem ipsum dolor sit amet. " * 80
    body = f"<h1>Harbour report</h1><p>Oslo, 2 March 2019 - The harbour.</p><p>{filler}</p><p>On 9 June 2010 the old one closed.</p>"
    sigs = signals(body, title="Harbour report 2019-03-02")
    bare = [s for s in sigs if s.source == "text" and s.name == "date"]
    assert [s.value for s in bare] == ["2 March 2019"]     # far below the headline: not read
    assert bare[0].context.startswith("main h1+")
    assert ("text", "title", "2019-03-02") in triples(sigs)


# ---------------------------------------------------------------------------- beside the HTML

def test_http_last_modified():
    c = one(candidates(last_modified="Tue, 05 May 2020 10:00:00 GMT"), "http:last-modified")
    assert (c.role, c.accepted, c.precision) == ("modified", True, "time")
    assert c.value == datetime(2020, 5, 5, 10, 0, tzinfo=timezone.utc) and c.context == "HTTP header"


def test_sitemap_lastmod():
    cands = candidates(sitemap_lastmods=["2020-05-05", "", "2020-05-06T08:00:00+02:00"])
    assert [(c.label, day(c), c.role, c.accepted) for c in cands] == [
        ("sitemap:lastmod", "2020-05-05", "modified", True), ("sitemap:lastmod", "2020-05-06", "modified", True)]


def test_feed_entry_pointing_at_the_page():
    cands = candidates(feed_dates=[("entry.published", "Mon, 02 Mar 2020 09:00:00 +0000"),
                                   ("entry.updated", "2020-03-04T10:00:00Z")])
    assert [(c.label, c.role, day(c)) for c in cands] == [("feed:entry.published", "published", "2020-03-02"),
                                                          ("feed:entry.updated", "modified", "2020-03-04")]
    d = resolve(cands, now=NOW)
    assert d.published_source == "feed:entry.published" and d.updated_source == "feed:entry.updated"


def test_signals_per_page_are_bounded():
    body = "<h1>Archive</h1>" + "".join(
        f'<p class="post-date">Posted on {1 + i % 28} March {1998 + i % 25}</p><time datetime="2019-01-{1 + i % 28:02d}">x</time>'
        for i in range(300))
    sigs = signals(body)
    assert len(sigs) == MAX_SIGNALS
