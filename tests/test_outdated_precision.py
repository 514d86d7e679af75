"""Expired meaning and stale claims judged by the page's role and its own words (issue 13, classes 4-6).

Unit tests on Page objects: the date signals are what the crawl records (JSON-LD dates with their @type),
resolved by the real date analysis; the text is the page's main text as the crawl flattens it.
"""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from analysis import outdated
from analysis.dates import PageInput, page_candidates, resolve
from analysis.pages import Page
from foundation.facts import DateSignal as S
from foundation.config import Outdated

NOW = datetime(2024, 10, 18, tzinfo=timezone.utc)
LISTED = ("high", "medium", "low")   # severities that make list items; "info" does not


def judge(text: str, signals=(), *, role: str = "evergreen", title: str = "A page", h1: str | None = None,
          url: str = "https://www.example.org/page", lang: str = "en") -> dict[str, list]:
    page = Page(1, url, "example", title, h1 if h1 is not None else title, lang,
                PageInput(url=url, fetched_at=NOW, signals=list(signals), lang=lang), main_text=text, role=role)
    cands = page_candidates(page.date_input, now=NOW)
    dates = resolve(cands, now=NOW)
    ctx = outdated.Context.from_config(Outdated(), NOW)
    english = outdated.is_english(page, text)
    out: dict[str, list] = {"stale_claim": [], "expired_event": [], "expired_offer": [], "stale_page": []}
    claim = outdated.stale_claims(page, dates, ctx, english)
    out["stale_claim"] += [claim] if claim else []
    stale = outdated.stale_page(page, dates, ctx)
    out["stale_page"] += [stale] if stale else []
    out["expired_event"] += outdated.expired_events(page, cands, ctx, english)
    out["expired_offer"] += outdated.expired_offers(page, cands, ctx, english)
    return out


def listed(found: dict[str, list], rule: str) -> list:
    return [f for f in found[rule] if f.severity in LISTED]


PUBLISHED_2019 = S("jsonld", "datePublished", "2019-01-10", "WebPage")


def event(start: str, end: str | None = None, typ: str = "Event") -> list[S]:
    return [S("jsonld", "startDate", start, typ)] + ([S("jsonld", "endDate", end, typ)] if end else [])


# ---------------------------------------------------------------------------- 1. listings and home pages
LISTING_TEXT = ("Blog. 22 Upcoming compiler-team design meetings on 22 November 2019 and later. Continue reading » "
                "Join us at the Summer Fair on 15 June 2019! Continue reading » Our new website is live. Read more » "
                "Early-bird offer ends 31 March 2019. Read more »")


def test_a_listing_is_not_dated_by_its_teasers_and_announces_nothing():
    teasers = [S("jsonld", "startDate", "2019-06-15", "Event"), S("jsonld", "validThrough", "2019-03-31", "Offer")]
    found = judge(LISTING_TEXT, [PUBLISHED_2019, *teasers], role="listing", title="Blog",
                  url="https://www.example.org/blog/page/7/")
    assert not any(found.values()), found
    # the same words on an evergreen page are the page's own: reported
    own = judge(LISTING_TEXT, [PUBLISHED_2019, *teasers], role="evergreen", title="Blog")
    assert listed(own, "expired_event") and listed(own, "expired_offer") and listed(own, "stale_claim")


def test_the_home_page_is_judged_by_its_own_words_not_its_teasers():
    text = ("Welcome to the harbour trust. We look after the harbour and its boats. "
            "Latest news Coming soon: the spring fair on 15 June 2019, join us. Read more » Our new ferry timetable. Read more »")
    found = judge(text, [PUBLISHED_2019, S("jsonld", "startDate", "2019-06-15", "Event")], role="home",
                  title="Harbour trust", h1="Welcome", url="https://www.example.org/")
    assert not listed(found, "stale_claim") and not listed(found, "expired_event"), found
    assert all(f.evidence["role"] == "home" for f in found["expired_event"])
    own = judge("Welcome to our new website, where you can book moorings online. Latest news Read more »",
                [PUBLISHED_2019], role="home", title="Harbour trust", h1="Welcome", url="https://www.example.org/")
    (claim,) = own["stale_claim"]
    assert claim.severity == "medium" and claim.evidence["claim"] == "our new website"
    assert claim.evidence["sentence"] == "Welcome to our new website, where you can book moorings online."


# ---------------------------------------------------------------------------- 2. the page's own words end its event or offer
@pytest.mark.parametrize("words", [
    "This event has now finished. Thank you to everyone who came.",
    "The Summer Fair has ended.",
    "The Summer Fair took place on 15 June 2019 in the park.",
    "The fair was held on 15 June 2019; photos below.",
])
def test_a_finished_event_page_is_not_an_announcement(words):
    text = f"Summer Fair. {words} Join us for music, food and games in the park."
    found = judge(text, [PUBLISHED_2019, *event("2019-06-15T10:00", "2019-06-15T17:00")], role="event", title="Summer Fair")
    assert not listed(found, "expired_event"), found["expired_event"]
    (info,) = found["expired_event"]   # recorded as information: the structured data still carries the date
    assert info.severity == "info" and info.evidence["page_says"] and "says the event is over" in info.message
    # recall: an event page whose date has passed and that still invites people is expired
    for text in ("Summer Fair. Join us for music, food and games in the park. Book your place now.",
                 "Summer Fair. The fair will take place on 15 June 2019 in the park. Join us!"):
        found = judge(text, [PUBLISHED_2019, *event("2019-06-15T10:00", "2019-06-15T17:00")], role="event", title="Summer Fair")
        (f,) = found["expired_event"]
        assert f.severity == "high" and f.evidence["end"].startswith("2019-06-15"), text
    # text alone, no structured data: still found
    (f,) = judge("Open day. The open day will take place on 15 June 2019. Join us!", [PUBLISHED_2019],
                 role="event", title="Open day")["expired_event"]
    assert f.severity == "high" and f.evidence["parsed"] == "2019-06-15"


@pytest.mark.parametrize("words", ["This vacancy has now closed.", "Applications are closed.",
                                   "We are no longer accepting applications for this role.", "Status: closed."])
def test_a_closed_vacancy_offers_nothing(words):
    signals = [PUBLISHED_2019, S("jsonld", "datePosted", "2019-01-10", "JobPosting"),
               S("jsonld", "validThrough", "2019-02-28", "JobPosting")]
    found = judge(f"Harbour master. {words} The harbour master looks after the moorings.", signals, role="job",
                  title="Harbour master")
    assert not listed(found, "expired_offer"), found["expired_offer"]
    assert [f.severity for f in found["expired_offer"]] == ["info"]
    # or the title says so
    found = judge("Harbour master. The harbour master looks after the moorings.", signals, role="job",
                  title="Harbour master (closed)")
    assert [f.severity for f in found["expired_offer"]] == ["info"]
    # the same vacancy without those words is an expired offer
    (f,) = judge("Harbour master. The harbour master looks after the moorings. Apply now.", signals, role="job",
                 title="Harbour master")["expired_offer"]
    assert f.severity == "high" and f.key == "2019-02-28"


def test_only_the_event_the_page_is_about_counts():
    # an event series page: one date still to come, so the page is current; its past dates are history
    series = event("2019-06-15", "2019-06-15") + event("2025-06-14", "2025-06-14")
    assert not judge("Summer Fair. Join us every June.", [PUBLISHED_2019, *series], role="event", title="Summer Fair")["expired_event"]
    # all past: the page is expired once, as of its last date
    past = event("2018-06-16", "2018-06-16") + event("2019-06-15", "2019-06-15")
    (f,) = judge("Summer Fair. Join us every June.", [PUBLISHED_2019, *past], role="event", title="Summer Fair")["expired_event"]
    assert f.key == "2019-06-15" and f.evidence["events_in_structured_data"] == 2


def test_the_meeting_we_held_is_not_an_invitation():
    text = ("Join us at the monthly meetings of the harbour group. Notes from the meeting we held on 2020-07-22 are "
            "online, and the meeting held on 19 August 2020 agreed the budget.")
    assert not judge(text, [PUBLISHED_2019], role="evergreen", title="Harbour group")["expired_event"]
    # a date in another teaser or sentence is not the invitation's
    text = "Upcoming talks. Read more » Harbour history, a talk given on 3 March 2019."
    assert not judge(text, [PUBLISHED_2019], role="evergreen", title="Talks")["expired_event"]


def test_the_byline_next_to_upcoming_is_not_an_event_date():
    text = "Upcoming Events October 3, 2014 - We are happy to announce several upcoming Flink events in Europe."
    found = judge(text, [S("jsonld", "datePublished", "2014-10-03", "WebPage")], title="Upcoming Events")
    assert not found["expired_event"], found["expired_event"]


# ---------------------------------------------------------------------------- 3. a dated article is a historical record
def test_a_dated_article_is_a_historical_record():
    text = ("Apache Flink 1.6.4 Released. The Flink community is happy to announce the latest release, now available "
            "for download. The next meeting will take place on 3 March 2019, join us. Early-bird tickets on sale until "
            "1 February 2019.")
    signals = [S("jsonld", "datePublished", "2019-02-25", "BlogPosting")]
    found = judge(text, signals, role="article", title="Apache Flink 1.6.4 Released",
                  url="https://www.example.org/2019/02/25/release/")
    for rule in ("stale_claim", "expired_event", "stale_page"):
        assert found[rule], rule
        for f in found[rule]:
            assert f.severity == "info" and f.evidence["judged_as"] == "a dated article, judged as a historical record"
            assert f.evidence["role"] == "article" and f.evidence["severity_if_current"] in LISTED
    # the same words on an evergreen page are claims about today
    page = judge(text, signals, role="evergreen", title="Apache Flink 1.6.4 Released")
    assert listed(page, "stale_claim") and listed(page, "expired_event")


# ---------------------------------------------------------------------------- 4. stale claims with the words people write
CLAIMS = [
    ("Welcome to our new website!", "our new website"),
    ("Our new building opens its doors to visitors.", "Our new building"),
    ("New: opening hours from 1 March.", "New:"),
    ("NEW! Gift vouchers for every occasion.", "NEW!"),
    ("The new booking system is now available to all members.", "The new booking system is now available"),
    ("We are proud to announce the latest stable release of the operator.", "the latest stable release"),
    ("Our online shop is coming soon.", "coming soon"),
    ("The guide is now available in Welsh.", "now available"),
    ("This year we celebrate fifty years of the harbour.", "This year we"),
    ("We recently launched a podcast about the harbour.", "We recently launched"),
    ("We have just launched an app for moorings.", "just launched"),
    ("The community is happy to announce that the latest Harbour Operator version went live today.", "the latest Harbour Operator version"),
    ("Today we launched a new ferry service to the island.", "launched a new ferry"),
]
NOT_CLAIMS = [
    "Compare this year's use with last year's to plan your budget.",
    "New users should read the guide before they start.",
    "Press Shift and Enter to start a new line.",
    "New to the harbour? Start here.",
    "The operator restores the job from the latest available checkpoint.",
    "This post will be updated to reflect the latest state.",
    "If you have recently moved house, tell the harbour office.",
    "Open the file in a new tab.",
    "Create a new account to book a mooring.",
    "You can find the latest release on the downloads page.",
    "Get the latest version by running the installer.",
    "Version 2 introduces a new option for moorings.",
]


def test_stale_claims_with_the_words_people_write():
    signals = [S("jsonld", "datePublished", "2019-03-03", "WebPage")]
    for sentence, claim in CLAIMS:
        (f,) = judge(f"The harbour trust. {sentence} Moorings are open all year.", signals)["stale_claim"]
        assert f.evidence["claim"] == claim and f.evidence["sentence"] == sentence, (sentence, f.evidence)
        assert f.severity == "medium" and f"\"{sentence}\"" in f.message
    for sentence in NOT_CLAIMS:
        assert not judge(f"The harbour trust. {sentence} Moorings are open all year.", signals)["stale_claim"], sentence


def test_stale_claims_wait_for_claim_max_age():
    recent = [S("jsonld", "datePublished", "2024-06-01", "WebPage")]
    assert not judge("Welcome to our new website!", recent)["stale_claim"]
    assert judge("Welcome to our new website!", [PUBLISHED_2019])["stale_claim"]
