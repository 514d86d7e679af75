"""Five classes of wrong date items found on a realistic charity site, each fixed for its class (tested here with
other sentences and pages than the site's), and the right items beside each that must still be found:

1. time words inside conditional guidance to the reader ("if your pension this year is ...") are generic;
2. "have recently" said of the people a page serves ("many of the families we work with have recently arrived")
   is generic; said of the organisation ("we have recently moved") it is a claim;
3. "coming soon", "now available" on a page whose structured data announces an event still to come are current;
4. a table of versions or revisions ("Issue | Date | Changes"): the page's last update is its latest row;
5. a publication of one period (an annual review under /annual-review/2019-20/ beside other years') is a
   historical record: its age is information, and it joins no section's archive item.
"""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from analysis import outdated
from analysis.archive import group_articles
from analysis.dates import PageDates, PageInput, page_candidates, resolve
from analysis.outdated_claims import find_claims
from analysis.pages import Page
from analysis.roles import assign_roles
from foundation.config import Outdated
from foundation.facts import DateSignal as S
from foundation.reading.dates import text_dates
from foundation.schema import open_db
from foundation.urls import url_id

NOW = datetime(2024, 10, 18, tzinfo=timezone.utc)
LISTED = ("high", "medium", "low")


def claims(text: str) -> list[str]:
    return [name for name, _ in find_claims(text)]


# ---------------------------------------------------------------------------- 1. conditional guidance to the reader
@pytest.mark.parametrize("text", [
    "If your pension this year is more than the allowance, you may have to pay tax on it.",
    "When your rent this month is late, call the housing team straight away.",
    "Unless your child has recently started school, fill in form B.",
    "Whether you've recently retired or are about to, our adviser can check your benefits.",
])
def test_time_words_in_guidance_to_the_reader_are_generic(text):
    assert claims(text) == []


@pytest.mark.parametrize("text, expected", [
    ("Later this year, if you are a member, you can vote on the new constitution.", ["this year"]),   # the condition after
    ("If you missed it, this year's festival was our biggest yet.", ["this year"]),                  # another clause
    ("If you like coffee, visit our new café on the quay.", ["our new"]),                            # not a time word
    ("This year we have opened two more food banks.", ["this year"]),
])
def test_a_condition_elsewhere_in_the_sentence_leaves_the_claim(text, expected):
    assert claims(text) == expected


# ---------------------------------------------------------------------------- 2. the people served, not news
@pytest.mark.parametrize("text", [
    "Most of the families we work with have recently arrived in the country and speak little English.",
    "Many carers have recently retired from work to look after a relative, or have recently changed jobs.",
    "Some of the adults at our drop-in have recently started new jobs after a long time out of work.",
    "Many have recently moved here from the city.",
])
def test_recently_said_of_the_people_served_is_generic(text):
    assert claims(text) == []


@pytest.mark.parametrize("text", [
    "We have recently moved our office to Mill Lane.",
    "Our trustees have recently appointed a new chair.",
    "After a long search, we have recently appointed a new director.",
    "For families on the estate, we have recently opened a homework club.",
    "The library has recently reopened after building work.",
    "Some of our groups have recently moved to the church hall.",   # groups are not people
])
def test_recently_said_of_the_organisation_or_a_thing_is_a_claim(text):
    assert claims(text) == ["recently"]


@pytest.mark.parametrize("text, expected", [
    ("For the latest news on our walking groups, follow us on Instagram.", []),   # a pointer to wherever it is
    ("For our latest newsletter, see the downloads page.", []),
    ("For the latest release, we rewrote the scheduler.", ["the latest"]),       # no pointer after it
])
def test_for_the_latest_with_a_pointer_after_it_is_a_pointer(text, expected):
    assert claims(text) == expected


# ---------------------------------------------------------------------------- 3. an event still to come
def judge(text: str, signals, role: str = "event") -> dict[str, list]:
    url = "https://www.example.org/events/harbour-gala/"
    page = Page(1, url, "example", "Harbour gala", "Harbour gala", "en",
                PageInput(url=url, fetched_at=NOW, signals=list(signals), lang="en"), main_text=text, role=role)
    cands = page_candidates(page.date_input, now=NOW)
    dates = resolve(cands, now=NOW)
    ctx = outdated.Context.from_config(Outdated(), NOW)
    claim = outdated.stale_claims(page, dates, ctx, True, cands)
    return {"stale_claim": [claim] if claim else []}


PUBLISHED_2021 = S("jsonld", "datePublished", "2021-02-01", "WebPage")
TEXT = "The harbour gala returns with music and food stalls. Tickets are now available from the box office."


def test_now_available_for_an_event_still_to_come_is_current():
    found = judge(TEXT, [PUBLISHED_2021, S("jsonld", "startDate", "2026-07-04", "Event")])
    [f] = found["stale_claim"]
    assert f.severity == "info" and "still to come" in f.evidence["not_sure"]


def test_now_available_for_an_event_that_has_passed_is_stale():
    [f] = judge(TEXT, [PUBLISHED_2021, S("jsonld", "startDate", "2021-07-04", "Event")])["stale_claim"]
    assert f.severity in LISTED and f.evidence["kind"] == "now available"


def test_without_an_event_the_claim_is_stale():
    [f] = judge("The new menu is coming soon.", [PUBLISHED_2021], role="evergreen")["stale_claim"]
    assert f.severity in LISTED


def test_an_event_to_come_does_not_excuse_a_claim_about_something_else():
    text = "Our new boathouse opened last spring. The full line-up is coming soon."
    [f] = judge(text, [PUBLISHED_2021, S("jsonld", "startDate", "2026-07-04", "Event")])["stale_claim"]
    assert f.severity in LISTED and f.evidence["kind"] == "our new"


# ---------------------------------------------------------------------------- 4. a table of versions
def signals_of(main: str, h1: str) -> list:
    signals: list = []
    text_dates(signals, {"main": main}, h1, None)
    return signals


def dates_of(main: str, h1: str):
    url = "https://www.example.org/policies/safeguarding/"
    page = PageInput(url=url, fetched_at=NOW, signals=signals_of(main, h1), lang="en")
    return resolve(page_candidates(page, now=NOW), now=NOW)


ASCENDING = ("Safeguarding policy Document history Issue Date Author Summary of changes 1 3 March 2016 J. Patel First issue "
             "2 12 January 2020 J. Patel New designated lead 3 2 August 2024 R. Okafor Annual review "
             "This policy applies to all staff and volunteers.")
DESCENDING = ("Safeguarding policy Date reviewed Revision Reviewer 2024-08-02 C R. Okafor 2020-01-12 B J. Patel "
              "2016-03-03 A J. Patel This policy applies to all staff and volunteers.")


@pytest.mark.parametrize("main", [ASCENDING, DESCENDING])
def test_a_table_of_versions_dates_the_page_by_its_latest_row(main):
    assert [s.name for s in signals_of(main, "Safeguarding policy")] == ["revision"] * 3
    d = dates_of(main, "Safeguarding policy")
    assert d.updated_at.date().isoformat() == "2024-08-02"
    assert d.published_at.date().isoformat() == "2016-03-03"
    assert "table of versions" in d.updated_by


def test_a_long_table_of_versions_is_read_to_its_last_row():
    rows = " ".join(f"{i}.0 Board {d} " for i, d in enumerate(
        ["14/06/2011", "09/05/2013", "05/05/2015", "01/02/2017", "03/04/2019", "07/08/2021", "02/09/2023"], 1))
    d = dates_of(f"Health and safety policy Version Approved by Date approved {rows} Our policy.", "Health and safety policy")
    assert d.updated_at.date().isoformat() == "2023-09-02"


@pytest.mark.parametrize("main", [
    "Meeting notes Meetings this year: 3 March 2016 and 12 January 2020 at the village hall.",   # no version header
    "Our constitution Version 2.1, approved 14 June 2013. The trust was set up in 1998.",          # one date: no table
])
def test_dates_without_a_table_of_versions_stay_bare_dates(main):
    assert {s.name for s in signals_of(main, main.split(" ", 2)[0] + " " + main.split(" ", 2)[1])} <= {"date", "phrase"}


# ---------------------------------------------------------------------------- 5. a publication of one period
SITE = "https://www.example.org"


def _page(path: str, title: str) -> Page:
    url = SITE + path
    return Page(url_id(url), url, "main", title, title, "en", PageInput(url=url, fetched_at=NOW, signals=[]))


@pytest.fixture
def periods(tmp_path):
    db = open_db(tmp_path / "decay.db")
    conn = db.conn
    pages = {
        "/impact-report/2017-18/": _page("/impact-report/2017-18/", "Impact report 2017/18"),
        "/impact-report/2022-2023/": _page("/impact-report/2022-2023/", "Impact Report 2022–23"),
        "/impact-report/2019-20/": _page("/impact-report/2019-20/", "What we achieved"),        # no period in its title
        "/plans/2018-21/": _page("/plans/2018-21/", "Strategic plan 2018-21"),                # no other period beside it
        "/christmas-appeal-2014/": _page("/christmas-appeal-2014/", "Christmas Appeal 2014"),  # a year in a slug
        "/about/": _page("/about/", "About us"),
    }
    for p in pages.values():
        conn.execute("INSERT INTO pages (url_id, url, site, crawl_id, is_html, status, outcome, word_count) "
                     "VALUES (?, ?, 'main', 1, 1, 200, 'ok', 300)", [p.url_id, p.url])
    conn.commit()
    assign_roles(conn, "main", 1, list(pages.values()), [SITE + "/"])
    return pages


def test_a_publication_of_one_period_is_a_record_of_that_period(periods):
    roles = {path: p.role for path, p in periods.items()}
    assert roles == {"/impact-report/2017-18/": "article", "/impact-report/2022-2023/": "article",
                     "/impact-report/2019-20/": "evergreen", "/plans/2018-21/": "evergreen",
                     "/christmas-appeal-2014/": "evergreen", "/about/": "evergreen"}
    assert "2017–18" in periods["/impact-report/2017-18/"].role_reason


def test_its_age_is_information_and_joins_no_archive_item(periods):
    ctx = outdated.Context.from_config(Outdated(), NOW)
    old = datetime(2018, 11, 5, tzinfo=timezone.utc)
    dates = PageDates(old, "http:last-modified", old, "http:last-modified", 0.8, "", [])
    record, appeal = periods["/impact-report/2017-18/"], periods["/christmas-appeal-2014/"]
    findings = [outdated.stale_page(record, dates, ctx), outdated.stale_page(appeal, dates, ctx)]
    out = group_articles(findings, list(periods.values()), {}, [], lambda url: "3 years")
    by_url = {f.subject_url: f for f in out}
    assert [f.rule for f in out if f.rule == "outdated.old_articles"] == []
    assert by_url[record.url].severity == "info" and by_url[record.url].evidence["historical_record"]
    assert by_url[appeal.url].severity in LISTED   # an expired appeal with a year in its address stays a list item
