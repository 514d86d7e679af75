"""URL normalisation, stable ids, patterns and aliases."""
from __future__ import annotations

import pytest

from foundation.urls import SiteScope, compile_patterns, invalid_host, normalize, origin_of, resolve, url_id


@pytest.mark.parametrize("raw, expected", [
    ("HTTP://WWW.Example.ORG", "http://www.example.org/"),
    ("https://example.org:443/a#frag", "https://example.org/a"),
    ("http://example.org:8080/a?b=1&a=2", "http://example.org:8080/a?b=1&a=2"),  # query order kept
    ("https://example.org/caf\u00e9 menu", "https://example.org/caf%C3%A9%20menu"),
    ("https://b\u00fccher.example/", "https://xn--bcher-kva.example/"),
    ("https://example.org/libraries/caf%c3%a9/?q=%2fa", "https://example.org/libraries/caf%C3%A9/?q=%2Fa"),  # one spelling of an escape
    ("https://example.org/100%25-sure/%7Eme", "https://example.org/100%25-sure/%7Eme"),
    ("https://example.org/a/?utm_source=news&utm_medium=email", "https://example.org/a/"),   # a campaign's tags: the same page
    ("https://example.org/a/?page=2&fbclid=x1&utm_campaign=y", "https://example.org/a/?page=2"),
    ("https://example.org/a/?futm_x=1&q=utm_source", "https://example.org/a/?futm_x=1&q=utm_source"),
    ("ftp://example.org/x", None),
    ("mailto:someone@example.org", None),
    ("https:///nohost", None),
])
def test_normalize(raw, expected):
    assert normalize(raw) == expected


@pytest.mark.parametrize("raw, expected", [
    ("http://\u2603.example/", "http://xn--n3h.example/"),             # a symbol (IDNA 2003, as browsers take it)
    ("https://\U0001F4A9.la/a", "https://xn--ls8h.la/a"),              # an emoji domain
    ("https://B\u00dcCHER.example/", "https://xn--bcher-kva.example/"),  # upper case folded first
    ("http://\u00e9.example:8080/\u00e4", "http://xn--9ca.example:8080/%C3%A4"),
    ("http://[::1]:8080/a", "http://[::1]:8080/a"),                     # an IPv6 address keeps its brackets
])
def test_normalize_internationalised_hosts(raw, expected):
    n = normalize(raw)
    assert n == expected
    assert invalid_host(n) is None


@pytest.mark.parametrize("raw, why", [
    ("https://" + "\u00fc" * 70 + ".example/", "cannot be written in IDNA"),   # a label over 63 characters
    ("http://exa!mple.com/", "is not a host name"),
    ("http://a..b/", "is not a host name"),
])
def test_invalid_host_is_said(raw, why):
    n = normalize(raw)
    assert n is not None   # kept, so that the crawl records it as an error row instead of dropping the link
    msg = invalid_host(n)
    assert msg is not None and msg.startswith("invalid host name: ") and why in msg


@pytest.mark.parametrize("base, href, expected", [
    ("https://e.org/a/b.html", "c.html", "https://e.org/a/c.html"),
    ("https://e.org/a/b.html", "../c.html", "https://e.org/c.html"),
    ("https://e.org/a/b.html", "/x/./y/../z", "https://e.org/x/z"),
    ("https://e.org/a/b.html", "  /x.html#top ", "https://e.org/x.html"),
    ("https://e.org/a/b.html", "?page=2", "https://e.org/a/b.html?page=2"),
    ("https://e.org/a/b.html", "//cdn.e.org/s.js", "https://cdn.e.org/s.js"),
    ("https://e.org/a/b.html", "/pa\nth", "https://e.org/path"),
    ("https://e.org/a/b.html", "/bins/?utm_source=home&x=1", "https://e.org/bins/?x=1"),   # (the fast path too)
    ("https://e.org/a/b.html", "/caf%c3%a9/", "https://e.org/caf%C3%A9/"),
    ("https://e.org/a/b.html", "#top", None),
    ("https://e.org/a/b.html", "javascript:void(0)", None),
    ("https://e.org/a/b.html", "data:text/plain,hi", None),
])
def test_resolve(base, href, expected):
    assert resolve(base, href) == expected


def test_url_id_is_stable_and_distinct():
    assert url_id("https://e.org/") == url_id("https://e.org/")
    assert url_id("https://e.org/") != url_id("https://e.org/a")
    assert 0 <= url_id("https://e.org/") < 2**63
    assert url_id("https://www.example.org/") == 8505161510405187788  # the same in every database, forever


def test_patterns():
    m = compile_patterns(["/news/*", "*.pdf", "re:[?&]sessionid="])
    assert m("https://e.org/news/2019/x.html") == "/news/*"
    assert m("https://e.org/files/a.pdf") == "*.pdf"
    assert m("https://e.org/a?x=1&sessionid=3") == "re:[?&]sessionid="
    assert m("https://e.org/newsroom") is None
    assert compile_patterns([])("https://e.org/") is None
    with pytest.raises(ValueError, match="not a valid regular expression"):
        compile_patterns(["re:("])


def test_aliases_map_both_ways():
    s = SiteScope("main", ["https://www.example.org/"], aliases={"https://www.example.org": "http://127.0.0.1:8042"},
                  include=["/en/*"], exclude=["*/print/*"])
    assert s.to_fetch("https://www.example.org/a?b") == "http://127.0.0.1:8042/a?b"
    assert s.to_fetch("http://www.example.org/a") == "http://127.0.0.1:8042/a"  # the other scheme, same host
    assert s.to_canonical("http://127.0.0.1:8042/a") == "https://www.example.org/a"
    assert s.to_fetch("https://other.org/a") == "https://other.org/a"
    assert s.is_internal("https://www.example.org/x") and not s.is_internal("https://example.org/x")
    assert not s.is_internal("http://127.0.0.1:9999/x")  # another local server is another site
    assert s.excluded_by("https://www.example.org/en/a") is None
    assert "outside include" in s.excluded_by("https://www.example.org/de/a")
    assert "exclude pattern */print/*" in s.excluded_by("https://www.example.org/en/print/a")


def test_start_urls_given_on_the_crawled_origin_are_stored_as_production():
    s = SiteScope("main", ["http://127.0.0.1:8042/start"], aliases={"https://www.example.org": "http://127.0.0.1:8042"})
    assert s.canonical_start_urls == ["https://www.example.org/start"]


def test_origin_of():
    assert origin_of("https://WWW.example.org") == "https://www.example.org"
    assert origin_of("http://127.0.0.1:8042/") == "http://127.0.0.1:8042"
    assert origin_of("https://example.org/path") is None
    assert origin_of("example.org") is None
