"""The validators (validate.py) and the site-level trust (trust.py): every reason a candidate is rejected, and
what is accepted with a note, on hand-made inputs; then bad input of every kind (malformed dates, the years 0
and 9999, time zones, two-digit years, a page with hundreds of date-like strings)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from analysis.dates import PageInput, learn_site_trust, page_candidates, parse_date, resolve
from analysis.dates.candidates import MAX_EXTERNAL, MAX_SIGNAL_CANDIDATES
from analysis.dates.parse import MAX_CHARS, parse_date_local
from foundation.reading.dates import MAX_SIGNALS
from foundation.reading.page import extract_html
from foundation.facts import DateSignal

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=timezone.utc)
HTTP_NOW = "Tue, 24 Nov 2026 12:00:30 GMT"


def judged(source: str, name: str, raw: str, context: str = "", trust=None, **page):
    p = PageInput(url="https://www.example.org/p", fetched_at=NOW, signals=[DateSignal(source, name, raw, context)], **page)
    (c,) = page_candidates(p, now=NOW, trust=trust)
    return c


def header(raw: str, trust=None, **page):
    p = PageInput(url="https://www.example.org/p", fetched_at=NOW, signals=[], last_modified=raw, **page)
    (c,) = page_candidates(p, now=NOW, trust=trust)
    return c


def sitemap(raw: str, trust=None):
    p = PageInput(url="https://www.example.org/p", fetched_at=NOW, signals=[], sitemap_lastmods=[raw])
    (c,) = page_candidates(p, now=NOW, trust=trust)
    return c


# ---------------------------------------------------------------------------- each rejection

def test_unreadable():
    c = judged("meta", "date", "sometime last spring")
    assert not c.accepted and c.value is None and c.reason == "not a readable date: no date found"
    c = judged("jsonld", "datePublished", "2019-02-31", "Article")
    assert not c.accepted and c.reason == "not a readable date: day 31 does not exist in 2019-02"
    c = judged("jsonld", "datePublished", "2019-13-01", "Article")
    assert c.reason == "not a readable date: month 13 does not exist"


def test_implausible_years():
    c = judged("jsonld", "datePublished", "0000-01-01", "Article")
    assert not c.accepted and c.reason == "not a readable date: year 0 does not exist"
    c = judged("jsonld", "datePublished", "9999-12-31", "Article")
    assert not c.accepted and c.reason == "implausible year 9999 (a placeholder, not a real date)"
    c = judged("meta", "article:published_time", "1990-05-05")
    assert not c.accepted and c.reason == "implausible: 1990 is before 1995, too early to date a web page"
    c = judged("feed", "entry.published", "0001-01-01T00:00:00Z")   # a feed that dates everything 0001-01-01
    assert not c.accepted and c.reason.startswith("implausible: 1 is before 1995")


def test_in_the_future_of_the_fetch():
    c = judged("meta", "article:published_time", "2027-01-05")
    assert not c.accepted
    assert c.reason == ("in the future (2027-01-05) relative to the crawl (2026-11-24): cannot be when the page "
                        "was written")
    # within a day of the fetch (time zones, clocks) it is still believed
    assert judged("meta", "article:published_time", "2026-11-25T06:00:00+10:00").accepted


def test_version_numbers_and_phone_numbers_are_not_dates():
    c = judged("class", "date", "v2.1.3", "main h1+1 span.date")
    assert not c.accepted and c.reason == "looks like a version number (v2.1.3), not a date"
    c = judged("text", "phrase", "Updated to Version 10.12.2019.4")
    assert not c.accepted and "looks like a version number (Version 10.12.2019.4)" in c.reason
    c = judged("class", "meta", "+49 30 12-03-19", "main h1+1 span.meta")    # parses as 12 March 2019
    assert c.value is not None and not c.accepted
    assert c.reason == "looks like a phone number (+49 30 12-03-19), not a date"
    c = judged("meta", "date", "+49 30 1234 5678")
    assert not c.accepted and c.reason == "looks like a phone number (+49 30 1234 5678), not a date"
    # a real date next to the word "Tel" is still a date
    assert judged("class", "date", "Tel. office, 12.03.2019", "main h1+1 span.date").accepted


def test_dates_of_something_else_on_the_page():
    c = judged("jsonld", "datePublished", "2019-03-02", "Comment")
    assert not c.accepted and c.reason == "the date of a comment or answer on the page, not of the page itself"
    c = judged("jsonld", "uploadDate", "2019-03-02", "VideoObject")
    assert not c.accepted and c.reason == "the date of an embedded image or video, not of the page itself"
    c = judged("jsonld", "dateModified", "2019-03-02", "Organization")
    assert not c.accepted and c.reason == "the date of the website or organisation, not of this page"
    c = judged("time", "datetime", "2019-03-02", "main h1+3 comment-date")
    assert not c.accepted and c.reason == "the date of a comment on the page, not of the page itself"
    c = judged("class", "date", "from 2 March 2019 to 5 March 2019", "main h1+1 p.date")
    assert not c.accepted and c.reason == "a period ('from ... to ...'), not the page's own date"
    c = judged("jsonld", "validFrom", "2019-03-02", "Offer")
    assert not c.accepted and c.reason == "the start of an offer, not the page's own date"


def test_last_modified_equal_to_the_request_time():
    c = header("Tue, 24 Nov 2026 12:01:00 GMT")
    assert not c.accepted and c.reason.startswith("the server sends the time of the request as Last-Modified")
    # equal to the server's Date header (a clock that is not the crawler's)
    c = header("Mon, 23 Nov 2026 08:00:00 GMT", server_date="Mon, 23 Nov 2026 08:00:30 GMT")
    assert not c.accepted and "time of the request" in c.reason
    c = header("Mon, 23 Nov 2026 08:00:00 GMT", server_date=HTTP_NOW)
    assert c.accepted and c.reason == ""


def test_sitemap_lastmod_equal_to_its_build_time():
    c = sitemap("2026-11-24T12:00:40+00:00")
    assert not c.accepted
    assert c.reason == "the sitemap gives the time it was generated as lastmod, not when the page changed"
    assert sitemap("2026-11-24").accepted        # a day is not a build time


def test_distrusted_sources_are_rejected_with_the_sites_reason():
    trust = learn_site_trust([PageInput(url=f"https://www.example.org/{i}", fetched_at=NOW, signals=[],
                                        sitemap_lastmods=[NOW.isoformat()]) for i in range(10)])
    c = sitemap("2026-11-20", trust=trust)
    assert not c.accepted
    assert c.reason == "not trusted on this site: the sitemap gives the time it was generated as lastmod for 10 of 10 URLs"
    # a value shared by every page is rejected with what was measured about that value
    trust = learn_site_trust([PageInput(url=f"https://www.example.org/{i}", fetched_at=NOW, signals=[],
                                        sitemap_lastmods=["2026-11-20"]) for i in range(10)])
    c = sitemap("2026-11-20", trust=trust)
    assert not c.accepted and "the sitemap gives the same lastmod (2026-11-20) to 10 of 10 URLs" in trust.distrusted["sitemap:lastmod"]
    assert c.reason == ("not trusted on this site: the sitemap gives the same lastmod 2026-11-20 to 10 of 10 URLs: a build or migration stamp, not "
                        "this page's update (a stamp: one value, give or take 2 minutes, on 10 pages or more)")


# ---------------------------------------------------------------------------- accepted, with a note

def test_accepted_with_a_note():
    c = judged("jsonld", "startDate", "2019-06-15T10:00", "Event")
    assert c.accepted and c.role == "event_start"
    assert c.reason == "an event on the page starts 2019-06-15 (past); never used as the page's own date"
    c = judged("jsonld", "endDate", "2027-06-15", "Event")
    assert c.accepted and c.reason == "an event on the page ends 2027-06-15 (upcoming); never used as the page's own date"
    c = judged("jsonld", "validThrough", "2019-03-31", "JobPosting")
    assert c.accepted and c.role == "expires"
    assert c.reason == "an expiry date (already expired); never used as the page's own date"
    assert judged("meta", "date", "2019").reason == "gives the year 2019 only"
    assert judged("meta", "date", "May 2019").reason == "gives the month 2019-05 only"
    assert judged("text", "phrase", "Posted 3 days ago").reason == "a relative date, counted from when the page was fetched"
    # none of these decides the page's dates
    event = judged("jsonld", "startDate", "2019-06-15", "Event")
    assert resolve([event], now=NOW).published_at is None


# ---------------------------------------------------------------------------- site-level trust

def pages(n, *, lm=None, sm=None, server=None):
    return [PageInput(url=f"https://www.example.org/{i}", fetched_at=NOW + timedelta(minutes=i), signals=[],
                      last_modified=lm(i) if lm else None, server_date=server(i) if server else None,
                      sitemap_lastmods=[sm(i)] if sm else []) for i in range(n)]


def http(dt: datetime) -> str:
    return dt.strftime("%a, %d %b %Y %H:%M:%S GMT")


def test_trust_last_modified_that_is_the_request_time():
    t = learn_site_trust(pages(8, lm=lambda i: http(NOW + timedelta(minutes=i, seconds=5))))
    assert t.distrusted["http:last-modified"] == ("the server sends the time of the request as Last-Modified on 100% "
                                                 "of pages (generated on the fly, not edit time)")


def test_trust_last_modified_that_is_the_deploy_time():
    t = learn_site_trust(pages(10, lm=lambda i: http(datetime(2026, 11, 20, 9, i, tzinfo=timezone.utc))))
    assert t.distrusted["http:last-modified"] == ("the server sends the same Last-Modified hour (2026-11-20 09:00 UTC) "
                                                 "for 10 of 10 pages (deploy time, not edit time)")
    assert "the most common hour (2026-11-20 09:00) covers 100%" in t.notes["http:last-modified"]


def test_trust_sitemap_with_one_lastmod_or_its_build_time():
    t = learn_site_trust(pages(6, sm=lambda i: "2026-11-20"))
    assert t.distrusted["sitemap:lastmod"] == "the sitemap gives the same lastmod (2026-11-20) to 6 of 6 URLs"
    t = learn_site_trust(pages(6, sm=lambda i: (NOW + timedelta(minutes=i, seconds=10)).isoformat()))
    assert t.distrusted["sitemap:lastmod"] == "the sitemap gives the time it was generated as lastmod for 6 of 6 URLs"


def test_trust_honest_sources_and_too_few_pages():
    t = learn_site_trust(pages(10, lm=lambda i: http(datetime(2020 + i % 5, 1 + i, 3, tzinfo=timezone.utc)),
                               sm=lambda i: f"20{10 + i}-05-0{1 + i % 9}"))
    assert t.distrusted == {}
    assert t.notes["sitemap:lastmod"].startswith("10 pages have a sitemap lastmod")
    # four pages prove nothing, however alike
    t = learn_site_trust(pages(4, lm=lambda i: http(datetime(2026, 11, 20, 9, tzinfo=timezone.utc)), sm=lambda i: "2026-11-20"))
    assert t.distrusted == {} and set(t.notes) == {"http:last-modified", "sitemap:lastmod"}


# ---------------------------------------------------------------------------- bad input

@pytest.mark.parametrize("raw", [
    "", "   ", "2019-", "2019-00-10", "32.01.2019", "31/02/2019", "2019-03-02T25:61:00", "T10:00", "--", "/2019//",
    "13/13/2013", "0000-00-00", "9999-99-99", "99999-01-01", "2019-03-02T10:00:00+99:99", "1e10", "NaN", "\x00\x01",
    "２０１９年３月２日", "Mai 2019 32.", "février 30, 2019", "0" * 400, "1" * 20, "v" * 1000, "-" * 1000,
])
def test_malformed_dates_never_raise(raw):
    value, precision, reason = parse_date(raw, now=NOW)
    assert (value is None) == (precision == "")
    if value is None:
        assert reason
    else:
        assert value.tzinfo is not None and 1 <= value.year <= 9999
    c = judged("meta", "date", raw) if raw.strip() else None
    if c is not None and c.accepted:
        assert 1995 <= c.value.year and c.value <= NOW + timedelta(days=1)


def test_year_0_and_9999_never_decide():
    cands = [judged("jsonld", "datePublished", "0000-01-01", "Article"),
             judged("jsonld", "dateModified", "9999-12-31T23:59:59Z", "Article"),
             judged("meta", "date", "31.12.9999")]
    assert not any(c.accepted for c in cands)
    d = resolve(cands, now=NOW)
    assert d.published_at is None and d.updated_at is None and d.explanation.startswith("Unknown: no credible date.")


def test_time_zones():
    # the instant in UTC, the day as the page shows it
    local, _, _ = parse_date_local("2019-03-02T23:30:00-05:00", now=NOW)
    utc, precision, _ = parse_date("2019-03-02T23:30:00-05:00", now=NOW)
    assert utc == datetime(2019, 3, 3, 4, 30, tzinfo=timezone.utc) and local.day == 2 and precision == "time"
    assert parse_date("Sat, 02 Mar 2019 23:30:00 GMT", now=NOW)[0] == datetime(2019, 3, 2, 23, 30, tzinfo=timezone.utc)
    assert parse_date("2019-03-02 23:30 PST", now=NOW)[0] == datetime(2019, 3, 3, 7, 30, tzinfo=timezone.utc)
    assert parse_date("02.03.2019 um 14:05 Uhr MEZ", now=NOW)[0] == datetime(2019, 3, 2, 13, 5, tzinfo=timezone.utc)
    # an offset no zone has is dropped (read as written), in both parsing paths
    assert parse_date("2019-03-02T10:00:00+15:00", now=NOW)[0] == datetime(2019, 3, 2, 10, 0, tzinfo=timezone.utc)
    assert parse_date("2 March 2019 10:00 +1500", now=NOW)[0] == datetime(2019, 3, 2, 10, 0, tzinfo=timezone.utc)
    # the resolver reports the day the page shows, not the UTC day
    d = resolve([judged("jsonld", "datePublished", "2019-03-02T23:30:00-05:00", "Article")], now=NOW)
    assert d.published_at.date().isoformat() == "2019-03-02" and "2019-03-02" in d.explanation


def test_two_digit_years():
    assert parse_date("12.03.19", now=NOW)[0].year == 2019
    assert parse_date("12.03.98", now=NOW)[0].year == 1998
    assert parse_date("12.03.27", now=NOW)[0].year == 2027       # next year: this century
    assert parse_date("12.03.28", now=NOW)[0].year == 1928       # further ahead: the last one
    assert parse_date("5 May '98", now=NOW)[0].year == 1998
    # 1928 is implausible for a web page, 2027 is in the future: neither is accepted
    assert not judged("meta", "date", "12.03.28").accepted
    assert not judged("meta", "date", "12.03.27").accepted
    assert parse_date("'98", now=NOW)[0] is None                 # a bare two-digit year is not a date


def test_month_and_day_order():
    assert parse_date("02/03/2019", now=NOW)[0].month == 3                   # day first
    assert parse_date("02/03/2019", now=NOW, lang="en-US")[0].month == 2     # US English: month first
    assert parse_date("10/16/2019", now=NOW)[0] == datetime(2019, 10, 16, tzinfo=timezone.utc)  # only one reading


def test_long_values_cost_bounded_work():
    raw = "Updated " + "12.03.2019 " * 100_000
    assert parse_date(raw, now=NOW)[0] == datetime(2019, 3, 12, tzinfo=timezone.utc)
    late = "x" * (MAX_CHARS + 10) + " 12.03.2019"
    assert parse_date(late, now=NOW) == (None, "", "no date found")   # only the first MAX_CHARS are read
    c = judged("text", "phrase", raw)
    assert len(c.raw) == 300


def test_hundreds_of_date_like_strings_on_a_page():
    rows = "".join(
        f'<li><span class="date">{1 + i % 28}.{1 + i % 12}.{1990 + i % 40}</span> '
        f'<time datetime="{1990 + i % 40}-{1 + i % 12:02d}-{1 + i % 28:02d}">x</time> '
        f"Posted on {1 + i % 28} May {2000 + i % 60}, v1.{i}.3, +49 30 {i:04d} 5678, "
        f"{i % 100:02d}/{i % 13:02d}/{i % 100:02d}, 9999-12-31, 0000-01-01</li>"
        for i in range(500))
    ld = ",".join(f'{{"@type":"Comment","dateCreated":"20{i % 100:02d}-01-01"}}' for i in range(3000))
    page = (f'<html lang="en"><head><title>Archive 1990-2029</title><script type="application/ld+json">[{ld}]'
            f'</script></head><body><main><h1>Archive</h1><ul>{rows}</ul></main></body></html>').encode()
    facts = extract_html(page, "text/html; charset=utf-8", "https://www.example.org/2019/03/archive")
    assert facts.error is None and len(facts.signals) == MAX_SIGNALS
    p = PageInput(url="u", fetched_at=NOW, signals=facts.signals * 10, lang="en",
                  sitemap_lastmods=["2019-03-02"] * 100, feed_dates=[("entry.published", "2019-03-02")] * 100)
    cands = page_candidates(p, now=NOW)
    assert len(cands) == MAX_SIGNAL_CANDIDATES + 2 * MAX_EXTERNAL
    for c in cands:
        if c.accepted and c.role in ("published", "modified", "unknown"):
            assert 1995 <= c.value.year and c.value <= NOW + timedelta(days=1), (c.raw, c.value)
    d = resolve(cands, now=NOW)
    for v in (d.published_at, d.updated_at):
        assert v is None or datetime(1995, 1, 1, tzinfo=timezone.utc) <= v <= NOW + timedelta(days=1)
    assert len(d.disagreements) <= 10 and len(d.explanation) < 2000
