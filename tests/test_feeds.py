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
    assert facts.entries and facts.warning
    assert facts.error.startswith("malformed feed: not well-formed XML at line 21") and "2 entries read leniently" in facts.error
    assert facts.title == "Invalid date format feed"   # closed before the break: sound


def test_a_malformed_feed_is_an_error_and_its_garbage_title_is_not_kept():
    body = (b'<?xml version="1.0"?><rss version="2.0"><channel><title>News &amp; <b>bold</title>'
            b'<item><title>x</title><link>https://e.example/a</link></item>')
    facts = parse_feed(body, "application/rss+xml")
    assert facts.error and "mismatched tag" in facts.error and "title was read past the break" in facts.error
    assert facts.title is None and [e.link for e in facts.entries] == ["https://e.example/a"]
    # a charset the server overrides, or a feed served as text/html, is not a broken feed
    ok = b'<?xml version="1.0" encoding="iso-8859-1"?><rss version="2.0"><channel><title>Caf\xe9</title></channel></rss>'
    for ctype in ("application/rss+xml; charset=utf-8", "text/html"):
        facts = parse_feed(ok, ctype)
        assert facts.error is None and facts.title == "Café", (ctype, facts)


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
