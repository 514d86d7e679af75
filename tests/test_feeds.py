"""The crawl's feed facts (crawler/feeds.py): every entry kept with its dates as written, problems noted.

Real feeds from ../shared/data/feeds (RSS, Atom, JSON Feed; one truncated) and a few broken answers.
The social profiles' stricter reading of the same parse (no date from a feed not read cleanly) is tested
in test_social_adapters.py; both start from ``load_feed``.
"""
from __future__ import annotations

import json

import pytest

from crawler.feeds import clip, load_feed, parse_feed
from tests.conftest import needs_shared


@pytest.mark.parametrize("name,fmt", [("TechCrunch.xml", "rss20"), ("google_alerts_atom.xml", "atom10"),
                                      ("json_feed.json", "json")])
def test_real_feeds_give_every_entry_with_its_dates_as_written(name, fmt):
    body = (needs_shared("feeds") / "feedjira" / name).read_bytes()
    facts = parse_feed(body, "application/xml")
    assert facts.error is None and facts.format == fmt and facts.title
    assert facts.entries and all(e.link for e in facts.entries)
    if fmt == "json":
        items = json.loads(body)["items"]
        assert [e.published for e in facts.entries] == [i.get("date_published") for i in items]
    else:
        assert any(e.published or e.updated for e in facts.entries)


def test_a_truncated_feed_keeps_what_it_read_and_says_it_was_not_well_formed():
    body = (needs_shared("feeds") / "feedjira" / "InvalidDateFormat.xml").read_bytes()
    facts = parse_feed(body, "application/rss+xml")
    assert facts.error is None and facts.entries and facts.warning


@pytest.mark.parametrize("body,error", [
    (b"", "the answer was empty"),
    (b"  \n", "the answer was empty"),
    (b"{not json", "invalid JSON"),
    (b"[1, 2]", "no object at the top"),
    (b"{\"title\": \"x\"}", "JSON Feed without an items list"),
    (b"<!doctype html><html><body>Sign in</body></html>", "not a feed"),
])
def test_broken_answers_are_recorded_with_the_reason(body, error):
    facts = parse_feed(body, "text/html")
    assert facts.error and error in facts.error and not facts.entries


def test_load_feed_parses_once_for_both_readers():
    assert load_feed(b'  {"items": []}').json == {"items": []}
    assert load_feed(b"<rss version='2.0'><channel><title>t</title></channel></rss>").parsed.get("version") == "rss20"
    assert clip("  a \n  b  ", 3) == "a b" and clip("   ") is None and clip(None) is None


def test_an_entry_without_an_updated_date_has_none():
    # feedparser's get("updated") answers with the published date (and a DeprecationWarning): not as written
    body = b"<rss version='2.0'><channel><title>t</title><item><link>https://e.example/a</link>" \
           b"<pubDate>Mon, 16 Oct 2017 15:10:00 +0000</pubDate></item></channel></rss>"
    (entry,) = parse_feed(body).entries
    assert (entry.published, entry.updated) == ("Mon, 16 Oct 2017 15:10:00 +0000", None)
