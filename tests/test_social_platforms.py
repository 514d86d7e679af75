"""Recognising profile URLs: one canonical form and one stable id per profile; the [[social]] configuration."""
from __future__ import annotations

import pytest

from foundation.reading.page import extract_html
from crawler.frontier import fetch_kind
from foundation.profiles import from_config, from_handle, identify, map_base, unmap_base
from foundation.config import ConfigError, load_config
from tests.conftest import write_config

SAME = [
    ["https://twitter.com/Harbourside", "https://x.com/harbourside", "http://www.twitter.com/harbourside/",
     "https://mobile.twitter.com/harbourside?lang=en", "https://x.com/@harbourside", "https://m.x.com/Harbourside/",
     "https://twitter.com/intent/follow?screen_name=Harbourside", "https://x.com/intent/user?screen_name=harbourside",
     "https://twitter.com/#!/harbourside"],
    ["https://www.facebook.com/HarbourFoundation/", "https://facebook.com/harbourfoundation", "https://m.facebook.com/harbourfoundation"],
    ["https://www.facebook.com/profile.php?id=100064", "https://facebook.com/pages/Harbour-Foundation/100064"],
    ["https://instagram.com/harbourside", "https://www.instagram.com/Harbourside/"],
    ["https://www.linkedin.com/company/harbourside-trust/", "https://uk.linkedin.com/company/Harbourside-Trust",
     "https://linkedin.com/company/harbourside-trust/about/"],
    ["https://www.tiktok.com/@harbourside", "https://tiktok.com/@Harbourside"],
    ["https://www.youtube.com/channel/UC5NOEUbkLheQcaaRldYW5GA", "https://youtube.com/channel/UC5NOEUbkLheQcaaRldYW5GA/videos"],
    ["https://www.youtube.com/@Tagesschau", "https://m.youtube.com/@tagesschau"],
    ["https://www.youtube.com/user/google", "https://youtube.com/user/Google"],
    ["https://bsky.app/profile/harbourside.bsky.social", "https://bsky.app/profile/Harbourside.bsky.social"],
    ["https://hachyderm.io/@ricoberger", "https://Hachyderm.io/@RicoBerger/", "https://hachyderm.io/users/ricoberger",
     "https://mastodon.social/@ricoberger@hachyderm.io"],    # another server's view of the account
    ["https://medium.com/@YuriShkuro", "https://yurishkuro.medium.com/"],
]


@pytest.mark.parametrize("urls", SAME)
def test_forms_of_one_profile_have_one_key_and_id(urls):
    refs = [identify(u) for u in urls]
    assert all(r is not None for r in refs), urls
    assert len({r.key for r in refs}) == 1 and len({r.id for r in refs}) == 1 and len({r.url for r in refs}) == 1


@pytest.mark.parametrize("url", [
    "https://twitter.com/intent/tweet?text=hi", "https://twitter.com/share", "https://x.com/harbourside/status/123",
    "https://www.facebook.com/sharer/sharer.php?u=x", "https://www.facebook.com/events/123/", "https://www.instagram.com/p/Cx1/",
    "https://www.linkedin.com/shareArticle?mini=true", "https://www.youtube.com/watch?v=oiBPyTi7lvM", "https://youtu.be/x",
    "https://www.example.org/about/", "https://medium.com/tag/python", "mailto:info@example.org",
])
def test_links_that_are_not_profiles(url):
    assert identify(url) is None


def test_canonical_forms():
    assert identify("https://twitter.com/Harbourside").url == "https://x.com/harbourside"
    assert identify("https://hachyderm.io/@ricoberger").handle == "@ricoberger@hachyderm.io"
    assert identify("https://hachyderm.io/@ricoberger").feed_url == "https://hachyderm.io/@ricoberger.rss"
    assert identify("https://medium.com/@YuriShkuro").feed_url == "https://medium.com/feed/@yurishkuro"
    assert from_handle("mastodon", "@ricoberger@hachyderm.io").key == identify("https://hachyderm.io/@ricoberger").key
    assert from_handle("twitter", "@Harbourside").key == "x:harbourside"
    assert from_config("", "https://x.com/a_b", "")[0].platform == "x"
    assert from_config("feed", "https://podcast.example/rss", "")[0].feed_url == "https://podcast.example/rss"


def test_base_urls_map_and_unmap():
    bases = {"x": "http://127.0.0.1:9/x", "https://hachyderm.io": "http://127.0.0.1:9/m"}
    assert map_base("https://x.com/harbourside", "x", bases) == "http://127.0.0.1:9/x/harbourside"
    assert map_base("https://hachyderm.io/@a.rss", "mastodon", bases) == "http://127.0.0.1:9/m/@a.rss"
    assert map_base("https://bsky.app/profile/a", "bluesky", bases) == "https://bsky.app/profile/a"
    assert unmap_base("http://127.0.0.1:9/x/i/flow/login", "https://x.com/harbourside",
                      "http://127.0.0.1:9/x/harbourside") == "https://x.com/i/flow/login"


def test_same_as_in_json_ld_is_recorded_as_links():
    html = b"""<html><head><script type="application/ld+json">{"@context":"https://schema.org","@graph":[
      {"@type":"Organization","name":"H","sameAs":["https://twitter.com/h","https://www.facebook.com/h"]},
      {"@type":"WebSite","sameAs":"https://bsky.app/profile/h.bsky.social"},
      {"@type":"Person","sameAs":{"@id":"https://mastodon.social/@h"}}]}</script>
      <script type="application/ld+json">{ broken json </script></head><body><a href="/x">x</a></body></html>"""
    facts = extract_html(html, "text/html", "https://www.example.org/")
    same = [(ln.href, ln.anchor, ln.position) for ln in facts.links if ln.kind == "sameas"]
    assert same == [("https://twitter.com/h", "Organization", "head"), ("https://www.facebook.com/h", "Organization", "head"),
                    ("https://bsky.app/profile/h.bsky.social", "WebSite", "head"), ("https://mastodon.social/@h", "Person", "head")]
    assert sorted(ln.ordinal for ln in facts.links) == list(range(len(facts.links)))
    assert fetch_kind("sameas", None, "https://www.example.org/about") is None   # never requested by the site crawl


BASE = """
[organisation]
name = "Harbourside Trust"
[[sites]]
name = "main"
start_urls = ["https://www.example.org/"]
"""


@pytest.mark.parametrize("extra,key,words", [
    ('[[social]]\nurl = "https://www.example.org/about"\n', "social[0].url", "not a profile URL"),
    ('[[social]]\nplatform = "myspace"\nhandle = "x"\n', "social[0].platform", "unknown platform"),
    ('[[social]]\nplatform = "mastodon"\nhandle = "harbourside"\n', "social[0].handle", "@name@instance"),
    ('[[social]]\nplatform = "x"\nurl = "https://www.facebook.com/harbour"\n', "social[0].url", "is a facebook profile, not x"),
    ('[[social]]\nurl = "https://x.com/a"\n[[social]]\nurl = "https://twitter.com/A/"\n', "social[1]", "same profile as social[0]"),
    ('[[social]]\nurl = "https://x.com/a"\nofficial = "yes"\n', "social[0].official", "true or false"),
    ('[social_settings]\ndormant_after = "ages"\n', "social_settings.dormant_after", "not a duration"),
    ('[social_settings]\nbase_urls = { myspace = "http://127.0.0.1:1" }\n', "social_settings.base_urls", "not a platform"),
    ('[social_settings]\ndormant_afer = "6m"\n', "social_settings.dormant_afer", "did you mean 'dormant_after'"),
])
def test_config_errors_name_the_key_and_the_fix(tmp_path, extra, key, words):
    cfg = write_config(tmp_path / "org.toml", BASE + extra)
    with pytest.raises(ConfigError) as e:
        load_config(cfg)
    assert e.value.key == key and words in e.value.message, str(e.value)


def test_config_accepts_profiles(tmp_path):
    cfg = load_config(write_config(tmp_path / "org.toml", BASE + """
[[social]]
url = "https://twitter.com/harbourside"
owner = "Comms team"
[[social]]
platform = "mastodon"
handle = "@harbourside@mastodon.social"
official = false
[[social]]
platform = "podcast"
url = "https://podcast.example/rss"
[social_settings]
dormant_after = "1y"
base_urls = { twitter = "http://127.0.0.1:8042/x", "https://mastodon.social" = "http://127.0.0.1:8042/m" }
"""))
    assert [p.owner for p in cfg.social] == ["Comms team", "", ""]
    assert cfg.social[1].official is False and cfg.social_settings.dormant_after == "1y"
