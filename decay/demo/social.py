"""The demo's social profiles, served by the demo server itself under /_social/ (no network needed).

The demo pages' footers link to four profiles; `decay demo` points each platform's base URL here:

- Mastodon @harbourside@mastodon.social: alive, posting (its feed's newest post is 12 days old);
- YouTube @harbourside: alive, but its newest video is from 2019 (social.dormant_account);
- Facebook /harbourside: alive, still named "Harbour Foundation", the retired brand, and linking to the old
  website (social.inconsistent_identity);
- X @harbourfoundation: does not exist, while every page still links to it (social.hijackable_link; high
  rather than critical: the name is longer than X's 15 characters, so the links are broken but nobody
  can register it);

and the configuration declares one more, X @harbourside, the current account, which no page links to
(social.unlinked_account).
"""
from __future__ import annotations

import email.utils
from datetime import datetime, timedelta, timezone

from decay.localserver import Route

PREFIX = "/_social"
CHANNEL = "UCHarboursideTrustDemo0A"


def _rss(now: datetime) -> bytes:
    items = []
    for days, n, text in ((12, "111300000000000003", "Our winter coat drive starts today at the boathouse. Thank you!"),
                          (40, "111200000000000002", "Volunteers: the autumn beach clean is on Saturday, 10am at the slipway."),
                          (95, "111100000000000001", "The harbour wall mural is finished - come and see it.")):
        d = email.utils.format_datetime(now - timedelta(days=days))
        items.append(f"""<item><guid isPermaLink="true">https://mastodon.social/@harbourside/{n}</guid>
<link>https://mastodon.social/@harbourside/{n}</link><pubDate>{d}</pubDate><description>&lt;p&gt;{text}&lt;/p&gt;</description></item>""")
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Harbourside Trust</title><description>Public posts from @harbourside@mastodon.social</description>
<link>https://mastodon.social/@harbourside</link><generator>Mastodon v4.2.1</generator>
{''.join(items)}</channel></rss>""".encode()


LOOKUP = b"""{"id":"1","username":"harbourside","acct":"harbourside","display_name":"Harbourside Trust","note":"<p>Community charity on the quayside.</p>",
"url":"https://mastodon.social/@harbourside","statuses_count":3,"fields":[{"name":"Website","value":"<a href=\\"https://www.harbourside.example/\\" rel=\\"me\\">www.harbourside.example</a>"}]}"""

YOUTUBE_PAGE = f"""<!DOCTYPE html><html><head><title>Harbourside Trust - YouTube</title>
<link rel="canonical" href="https://www.youtube.com/channel/{CHANNEL}"></head><body></body></html>""".encode()

YOUTUBE_FEED = f"""<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:yt="http://www.youtube.com/xml/schemas/2015">
<title>Harbourside Trust</title><link rel="alternate" href="https://www.youtube.com/channel/{CHANNEL}"/>
<entry><id>yt:video:demo2</id><title>Coastal cleanup 2018: the results</title>
<link rel="alternate" href="https://www.youtube.com/watch?v=demoVideo002"/><published>2019-02-11T10:00:00+00:00</published></entry>
<entry><id>yt:video:demo1</id><title>A tour of the community boathouse</title>
<link rel="alternate" href="https://www.youtube.com/watch?v=demoVideo001"/><published>2017-06-09T10:00:00+00:00</published></entry>
</feed>""".encode()

FACEBOOK = b"""<!DOCTYPE html><html><head><title>Harbour Foundation | Facebook</title>
<meta property="og:title" content="Harbour Foundation"><meta property="og:url" content="https://www.facebook.com/harbourside/">
<link rel="canonical" href="https://www.facebook.com/harbourside/"></head><body></body></html>"""

X_ALIVE = b"""<!DOCTYPE html><html><head><title>Harbourside Trust (@harbourside) / X</title>
<meta property="og:url" content="https://x.com/harbourside"></head><body><div id="react-root"></div></body></html>"""

X_MISSING = """<!DOCTYPE html><html><head><title>Profile / X</title></head><body><main role="main">
<div data-testid="emptyState"><span>This account doesn\u2019t exist</span><span>Try searching for another.</span></div></main></body></html>""".encode()


def _ok(body: bytes, ctype: str) -> Route:
    return Route(200, {"Content-Type": ctype}, body)


def social_routes(now: datetime | None = None) -> dict[str, Route]:
    now = now or datetime.now(timezone.utc)
    html = "text/html; charset=utf-8"
    return {
        f"{PREFIX}/mastodon/@harbourside.rss": _ok(_rss(now), "application/rss+xml; charset=utf-8"),
        f"{PREFIX}/mastodon/api/v1/accounts/lookup?acct=harbourside": _ok(LOOKUP, "application/json"),
        f"{PREFIX}/youtube/@harbourside": _ok(YOUTUBE_PAGE, html),
        f"{PREFIX}/youtube/feeds/videos.xml?channel_id={CHANNEL}": _ok(YOUTUBE_FEED, "application/atom+xml; charset=utf-8"),
        f"{PREFIX}/facebook/harbourside": _ok(FACEBOOK, html),
        f"{PREFIX}/x/harbourside": _ok(X_ALIVE, html),
        f"{PREFIX}/x/harbourfoundation": _ok(X_MISSING, html),   # 17 characters: X allows 15, so nobody can register it
    }


def config_toml(site_url: str) -> str:
    """The [[social]] and [social_settings] part of the demo configuration."""
    b = site_url.rstrip("/") + PREFIX
    return f"""
[[social]]
url = "https://mastodon.social/@harbourside"
owner = "Comms team"

[[social]]
url = "https://www.youtube.com/@harbourside"
owner = "Comms team"

[[social]]
url = "https://www.facebook.com/harbourside"
owner = "Comms team"

[[social]]
url = "https://x.com/harbourside"
owner = "Comms team"

[social_settings]
dormant_after = "6m"
delay = 0
base_urls = {{ mastodon = "{b}/mastodon", youtube = "{b}/youtube", facebook = "{b}/facebook", x = "{b}/x" }}
"""
