"""Expired events and offers on the pages people really write (an arts centre's, a council's): what a careful web
manager would not act on is information, never a list item; what they would act on is still listed.

The cases are the classes an adversarial review found on a realistic events site: a date in the invitation that is
still to come, a start with no end, a recurring event, a cancelled one, a calendar, a date that reads both ways, a
page in another language, an early-bird price of an event still to come, a caching header, a deadline extended."""
from __future__ import annotations

import pytest

from analysis.dates.roles import role_of
from foundation.facts import DateSignal as S
from tests.test_outdated_precision import PUBLISHED_2019, event, judge, listed   # (NOW: 2024-10-18)


@pytest.mark.parametrize("text", [
    "Book your tickets for Quilts of the Valley, on view from 7 September 2024 through 21 March 2025 in the Mill Gallery.",
    "Tickets on sale now for Winter Lights, Sept. 27, 2024 – Jan. 3, 2025, in the park.",
    "Register now for Saturday Art Club, running every Saturday from 12 September 2024 to 29 May 2025.",
    "Upcoming closures: the café is closed for renovation from 1 October 2024 to 4 January 2025.",
    "Book your tickets now: after a sold-out show on 17 September 2024, Ella Ray returns on 19 December 2024.",
    "Join us on Friday, 19 March 2025 (rescheduled from 20 September 2024) for the choir's spring concert.",
    "Register now for the after-school club, every Tuesday from 3 September 2024.",
    "Join us from 2 September 2024 in the new studio.",
])
def test_an_invitation_whose_sentence_is_still_current_is_not_expired(text):
    assert not judge(f"What's on. {text}", [PUBLISHED_2019], role="event", title="What's on")["expired_event"]


def test_a_past_invitation_is_still_listed():
    (f,) = judge("Jazz night. Join us on Saturday, 17 August 2024 for an evening of hard bop.", [PUBLISHED_2019],
                 role="event", title="Jazz night")["expired_event"]
    assert f.severity == "high" and f.key == "2024-08-17"


def test_a_calendar_with_one_event_still_to_come_is_current():
    text = ("December 2024. Family craft morning. Join us on Saturday, 5 October 2024 for holiday crafts. "
            "Community sing-along. Come along on Sunday, 6 October 2024 and sing. "
            "Carols by candlelight. Join us on Saturday, 14 December 2024 by the tree.")
    assert not judge(text, [PUBLISHED_2019], role="event", title="What's on")["expired_event"]
    # the structured data names one still to come: the text's past invitations are a calendar's too
    text = "Family craft morning. Join us on Saturday, 5 October 2024 for holiday crafts."
    assert not judge(text, [PUBLISHED_2019, *event("2024-12-14")], role="event", title="What's on")["expired_event"]


@pytest.mark.parametrize("text, signals, why", [
    ("Monet: water and light. The exhibition is on view until 14 February 2025.",
     event("2024-08-03", typ="ExhibitionEvent"), "still to come"),
    ("Monet: water and light. In the east gallery, all summer.", event("2024-08-03", typ="ExhibitionEvent"), "runs for a time"),
    ("Open studio. Every Saturday, 10 am to 1 pm, bring your own materials.", event("2023-01-07T10:00"), "recurs"),
    ("Summer festival. Save the date: the festival returns July 9–11, 2025.", event("2024-07-11", "2024-07-13", "Festival"),
     "still to come"),
    ("Gallery talk. Join us for a talk on Monet's gardens.", [S("jsonld", "startDate", "12/10/2024 6:00 PM", "Event")],
     "reads both ways"),
])
def test_a_structured_event_the_page_makes_doubtful_is_information(text, signals, why):
    (f,) = judge(text, [PUBLISHED_2019, *signals], role="event", title=text.split(".")[0])["expired_event"]
    assert f.severity == "info" and why in f.evidence["not_sure"] and "Not listed:" in f.message, f.message


@pytest.mark.parametrize("title, text", [
    ("CANCELLED – Open Mic Night", "Open Mic Night. Cancelled. Sign-ups at the bar."),
    ("Open Mic Night (postponed)", "Open Mic Night. Sign-ups at the bar."),
])
def test_a_cancelled_event_announces_nothing(title, text):
    (f,) = judge(text, [PUBLISHED_2019, *event("2024-09-27T19:00")], role="event", title=title)["expired_event"]
    assert f.severity == "info" and f.evidence["page_says"]


@pytest.mark.parametrize("text, over", [
    ("Data skills webinar. Missed it? Watch the recording on our channel.", True),
    ("Data skills webinar. The slides and recording are now available below.", True),
    ("Data skills webinar. If you missed the webinar, the notes are below.", True),
    ("Data skills webinar. Register now: a recording will be sent to everyone who signs up.", False),
])
def test_an_event_whose_recording_is_offered_in_its_place_is_over(text, over):
    (f,) = judge(text, [PUBLISHED_2019, *event("2024-09-12T14:00")], role="event", title="Data skills webinar")["expired_event"]
    assert (f.severity == "info") == over, f.message


def test_another_language_saying_it_is_over_is_read_too():
    found = judge("Día de Muertos. Este evento ya terminó. Gracias a todos.", [PUBLISHED_2019, *event("2024-09-01")],
                  role="event", title="Día de Muertos", lang="es")
    assert not listed(found, "expired_event"), found
    # the same page without those words: listed
    assert listed(judge("Día de Muertos. Ofrendas, música y pan de muerto para toda la familia en el patio.",
                        [PUBLISHED_2019, *event("2024-09-01")], role="event", title="Día de Muertos", lang="es"),
                        "expired_event")


def test_the_day_said_is_the_day_the_page_shows():
    (f,) = judge("Jazz night. An evening of hard bop.", [PUBLISHED_2019, *event("2024-08-17T20:00:00-04:00",
                                                                            "2024-08-17T23:30:00-04:00")],
                 role="event", title="Jazz night")["expired_event"]
    assert "(2024-08-17, from structured data endDate)" in f.message   # not the UTC day, the 18th


def test_an_early_bird_price_of_an_event_still_to_come_is_a_sales_window():
    signals = [PUBLISHED_2019, *event("2024-12-18T19:00"), S("jsonld", "validThrough", "2024-09-30", "Offer")]
    (f,) = judge("The Nutcracker. Book now for the holiday ballet.", signals, role="event", title="The Nutcracker")["expired_offer"]
    assert f.severity == "info" and "still to come" in f.evidence["not_sure"]
    # an early bird said to have ended is over
    (f,) = judge("The Nutcracker. Early bird offer ended 30 September 2024 – standard tickets are still available.",
                 [PUBLISHED_2019, S("jsonld", "validThrough", "2024-09-30", "Offer")], role="event",
                 title="The Nutcracker")["expired_offer"]
    assert f.severity == "info" and f.evidence["page_says"]
    # online sales closed, tickets at the door
    (f,) = judge("Makers market. Online ticket sales have closed – tickets at the door.",
                 [PUBLISHED_2019, S("jsonld", "availabilityEnds", "2024-10-05", "Offer")], role="event",
                 title="Makers market")["expired_offer"]
    assert f.severity == "info"


def test_a_caching_header_is_not_an_offer():
    assert role_of("meta", "Expires", "", "Mon, 26 Jul 1997 05:00:00 GMT")[0] == "unknown"
    assert role_of("meta", "expiration_date", "", "2019-01-01")[0] == "expires"
    assert not judge("Box office. Open Tuesday to Saturday.", [PUBLISHED_2019, S("meta", "Expires", "Mon, 26 Jul 1997 05:00:00 GMT")],
                     title="Box office")["expired_offer"]


@pytest.mark.parametrize("text", [
    "Members can book by phone from 2 September 2024 on our new members' line.",
    "The original deadline of 30 September 2024 has been extended to 15 January 2025.",
    "Apply by 12/10/2024 to join the course.",   # 12 October or 10 December: one is still to come
])
def test_an_offer_date_that_is_not_the_deadline_or_not_past_is_not_listed(text):
    assert not listed(judge(f"Membership. {text}", [PUBLISHED_2019], title="Membership"), "expired_offer")


@pytest.mark.parametrize("text, key", [
    ("Apply by 5pm on Friday, 13 September 2024 to join the course.", "2024-09-13"),
    ("The deadline: 30 September 2024. Send your entry to the office.", "2024-09-30"),
    ("Offer ends 31 August 2024, while stocks last.", "2024-08-31"),
])
def test_a_passed_deadline_is_still_listed(text, key):
    (f,) = listed(judge(f"Membership. {text}", [PUBLISHED_2019], title="Membership"), "expired_offer")
    assert f.key == key
