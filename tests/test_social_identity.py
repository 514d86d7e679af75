"""One account, one profile; and a social crawl whose machine had no network.

End to end: a real local server (port 0) serves a small website and, under one path prefix per platform, the
real captured YouTube feed and recorded platform answers.  The site links to a YouTube channel by its @handle, its
/user/ name and its /channel/UC... id, to X as twitter.com and x.com, to Bluesky by handle and by did; the
configuration declares one form of each.  Then the platforms are pointed at host names that do not resolve and ports
nothing listens on: the crawl reaches nobody, and that is one note, not a judgment of every account.
"""
from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from crawler.social import check
from crawler.social.base import Answer
from foundation.failures import network_error
from foundation.profiles import identify
from decay.localserver import LocalSite, Route, raw, status
from tests.conftest import crawl, needs_shared, query, run_decay, write_config
from tests.social_helpers import drive, fixture

NOW = "2026-11-24"
HTML = "text/html; charset=utf-8"
CHANNEL = "https://www.youtube.com/channel/UC5NOEUbkLheQcaaRldYW5GA"
HANDLE = "https://www.youtube.com/@tagesschau"
USER = "https://www.youtube.com/user/tagesschau"
DID = "did:plc:harbour7trust2demo4abcdef"
CHECK_RULES = ("social.hijackable_link", "social.unavailable_account", "social.dormant_account", "social.inconsistent_identity")


def page(title: str, body: str) -> Route:
    return status(200, f"""<!DOCTYPE html><html lang="en"><head><title>{title} | Harbourside Trust</title></head>
<body><header><a href="/">Home</a></header><main><h1>{title}</h1>{body}</main>
<footer><a href="https://twitter.com/Harbourside">Twitter</a> <a href="{HANDLE}">YouTube</a>
<a href="https://bsky.app/profile/{DID}">Bluesky</a></footer></body></html>""")


def routes(feeds: Path) -> dict[str, Route]:
    youtube = (feeds / "feeddeck/feeddeck_youtube_responseYoutubeRSS.xml").read_bytes()
    atom = "application/atom+xml; charset=utf-8"
    bsky = "/bsky/xrpc/"
    return {
        "/": page("Welcome", '<p><a href="/videos/">Videos</a> <a href="/news/">News</a></p>'
                  '<p>Our old account: <a href="https://x.com/harbourside_old">@harbourside_old</a></p>'),
        "/videos/": page("Videos", f'<p>All our videos: <a href="{CHANNEL}/videos">on YouTube</a>, '
                         f'and the old page <a href="{USER}">youtube.com/user/tagesschau</a>.</p>'),
        "/news/": page("News", '<p>Follow <a href="https://x.com/harbourside/?lang=en">@harbourside</a> and '
                       '<a href="https://mobile.twitter.com/harbourside">on your phone</a> '
                       '(<a href="https://m.x.com/Harbourside/">m.x.com</a>, '
                       '<a href="https://twitter.com/intent/follow?screen_name=harbourside">follow</a>).</p>'),
        # X
        "/x/harbourside": raw(fixture("x_alive.html"), HTML),
        "/x/harbourside_old": raw(fixture("x_missing.html"), HTML),
        # YouTube: the @handle's channel page names its channel id; the channel's and the /user/ name's feeds
        "/yt/@tagesschau": raw(fixture("youtube_handle.html"), HTML),
        "/yt/feeds/videos.xml?channel_id=UC5NOEUbkLheQcaaRldYW5GA": raw(youtube, atom),
        "/yt/feeds/videos.xml?user=tagesschau": raw(youtube, atom),
        # Bluesky: the profile by handle and by did (the same record)
        f"{bsky}app.bsky.actor.getProfile?actor=harbourside.bsky.social": raw(fixture("bluesky_profile.json"), "application/json"),
        f"{bsky}app.bsky.actor.getProfile?actor={DID}": raw(fixture("bluesky_profile.json"), "application/json"),
        f"{bsky}app.bsky.feed.getAuthorFeed?actor={DID}&limit=100&filter=posts_no_replies": raw(fixture("bluesky_feed.json"), "application/json"),
    }


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (bound, then released)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def config_text(url: str, db: Path, bases: str) -> str:
    return f"""
[organisation]
name = "Harbourside Trust"
website = "https://www.harbourside.example/"

[[sites]]
name = "main"
start_urls = ["https://www.harbourside.example/"]
aliases = {{ "https://www.harbourside.example" = "{url}" }}
check_external_links = false

[output]
database = "{db}"

[crawl]
autothrottle = false

[[social]]
url = "https://x.com/harbourside"
owner = "Comms team"

[[social]]
url = "{CHANNEL}"
owner = "Video team"

[[social]]
platform = "bluesky"
handle = "harbourside.bsky.social"

[social_settings]
dormant_after = "6m"
delay = 0
timeout = 5
obey_robots = false
base_urls = {{ {bases} }}
"""


def good_bases(url: str) -> str:
    return f'x = "{url}/x", youtube = "{url}/yt", bluesky = "{url}/bsky"'


def dead_bases() -> str:
    return (f'x = "http://127.0.0.1:{closed_port()}/x", youtube = "http://youtube.nowhere.invalid/yt", '
            f'bluesky = "http://127.0.0.1:{closed_port()}/bsky"')


def by_url(db: Path, rule: str) -> dict[str, dict]:
    """The open findings of one rule, by subject."""
    rows = query(db, "SELECT * FROM findings WHERE status = 'open' AND site = '(social)' AND rule = ?", (rule,))
    return {r["subject_url"]: {**dict(r), "evidence": json.loads(r["evidence"])} for r in rows}


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    feeds = needs_shared("feeds")
    tmp = tmp_path_factory.mktemp("identity")
    site = LocalSite(routes=routes(feeds)).start()
    db = tmp / "decay.db"
    cfg = write_config(tmp / "org.toml", config_text(site.url, db, good_bases(site.url)))
    try:
        r = crawl(cfg, db)
        assert r.returncode == 0, r.stdout + r.stderr
        a = run_decay("analyse", "--config", str(cfg), "--db", str(db), "--now", NOW)
        assert a.returncode == 0, a.stdout + a.stderr
        yield {"db": db, "cfg": cfg, "site": site, "tmp": tmp}
    finally:
        site.stop()


# ------------------------------------------------------------------------------------------ one account, one profile
def test_youtube_channel_linked_by_id_handle_and_user_name_is_one_profile(crawled):
    db = crawled["db"]
    # the facts keep each URL as linked ...
    keys = {r["key"] for r in query(db, "SELECT key FROM social_profiles WHERE platform = 'youtube'")}
    assert keys == {"youtube:channel:UC5NOEUbkLheQcaaRldYW5GA", "youtube:@tagesschau", "youtube:user:tagesschau"}
    # ... the judgments see one account: no "undeclared second account", not "declared but not linked", one dormant finding
    assert not [k for k in by_url(db, "social.unlisted_account") if "youtube" in k]
    assert CHANNEL not in by_url(db, "social.unlinked_account")
    dormant = {k: v for k, v in by_url(db, "social.dormant_account").items() if "youtube" in k}
    assert list(dormant) == [CHANNEL]
    ev = dormant[CHANNEL]["evidence"]
    assert set(ev["same_account"]["urls"]) == {CHANNEL, HANDLE, USER}
    because = " ".join(ev["same_account"]["because"])
    assert "canonical link" in because and "UC5NOEUbkLheQcaaRldYW5GA" in because and USER in because
    assert ev["linking_pages"] == 3    # the footer's @handle on every page, the /videos/ page's channel and /user/ links


def test_twitter_and_x_forms_are_one_profile(crawled):
    db = crawled["db"]
    rows = query(db, "SELECT p.key, s.link_url FROM social_sources s JOIN social_profiles p ON p.id = s.profile_id "
                     "WHERE p.platform = 'x' AND s.source != 'config'")
    linked = {r["link_url"]: r["key"] for r in rows}
    assert set(linked.values()) == {"x:harbourside", "x:harbourside_old"}
    assert {u for u, k in linked.items() if k == "x:harbourside"} == {
        "https://twitter.com/Harbourside", "https://x.com/harbourside/?lang=en", "https://mobile.twitter.com/harbourside",
        "https://m.x.com/Harbourside/", "https://twitter.com/intent/follow?screen_name=harbourside"}
    unlisted = by_url(db, "social.unlisted_account")
    assert "https://x.com/harbourside" not in unlisted and "https://x.com/harbourside_old" in unlisted


def test_bluesky_handle_and_did_are_one_profile(crawled):
    db = crawled["db"]
    assert not [k for k in by_url(db, "social.unlisted_account") if "bsky" in k]
    assert "https://bsky.app/profile/harbourside.bsky.social" not in by_url(db, "social.unlinked_account")


def test_adapters_record_the_identity_the_platform_names():
    feed = needs_shared("feeds") / "feeddeck/feeddeck_youtube_responseYoutubeRSS.xml"
    from datetime import datetime, timezone
    now = datetime(2026, 11, 24, tzinfo=timezone.utc)
    r = drive(check(identify(HANDLE), now, 5), {HANDLE: (200, fixture("youtube_handle.html")),
                                               "https://www.youtube.com/feeds/videos.xml?channel_id=UC5NOEUbkLheQcaaRldYW5GA": (200, feed.read_bytes())})
    assert r.same_as == CHANNEL and any(e.get("same_as") == CHANNEL and "canonical" in e["how"] for e in r.evidence)
    r = drive(check(identify(USER), now, 5), {"https://www.youtube.com/feeds/videos.xml?user=tagesschau": (200, feed.read_bytes())})
    assert r.status == "alive" and r.same_as == CHANNEL
    r = drive(check(identify(CHANNEL), now, 5), {"https://www.youtube.com/feeds/videos.xml?channel_id=UC5NOEUbkLheQcaaRldYW5GA": (200, feed.read_bytes())})
    assert r.status == "alive" and r.same_as is None


# ------------------------------------------------------------------------------------------ no network
def test_network_errors_are_failures_before_any_answer_and_http_answers_are_not():
    assert network_error("DNS lookup failed: the host name does not resolve")
    assert network_error("connection refused: nothing is listening on that host and port")
    assert not network_error(Answer("u", "u", 404).describe()) and not network_error(Answer("u", "u", 410).describe())
    assert not network_error("not requested: x.com's robots.txt disallows it")


def test_a_social_crawl_without_network_is_one_note_and_no_account_findings(tmp_path):
    """A first social crawl on a machine that reaches no platform: one note, nothing about any account's state."""
    site = LocalSite(routes=routes(needs_shared("feeds"))).start()
    db = tmp_path / "decay.db"
    cfg = write_config(tmp_path / "org.toml", config_text(site.url, db, dead_bases()))
    try:
        r = crawl(cfg, db)
        assert r.returncode == 0, r.stdout + r.stderr
    finally:
        site.stop()
    statuses = {r["reason"] for r in query(db, "SELECT reason FROM social_checks")}
    assert any("DNS lookup failed" in s for s in statuses) and any("connection refused" in s for s in statuses), statuses
    a = run_decay("analyse", "--config", str(cfg), "--db", str(db), "--now", NOW)
    assert a.returncode == 0, a.stdout + a.stderr
    notes = by_url(db, "social.network_down")
    assert list(notes) == ["(social crawl)"]
    note = notes["(social crawl)"]
    n = note["evidence"]["checks"]
    assert n >= 5 and note["evidence"]["failed_before_any_answer"] == n and note["severity"] == "info"
    assert f"{n} of {n} checks" in note["message"] and "no network" in note["message"]
    for rule in CHECK_RULES:
        assert by_url(db, rule) == {}, rule
    # the note is information, not a cleanup item
    assert not query(db, "SELECT id FROM cleanup WHERE rules LIKE '%social.network_down%'")


def test_a_later_crawl_without_network_keeps_the_last_real_judgments(crawled):
    """The night the network is down, yesterday's critical hijackable link is not 'resolved': the accounts are judged
    from the latest crawl that reached the platforms, and the note says so."""
    db, tmp, site = crawled["db"], crawled["tmp"], crawled["site"]
    before = by_url(db, "social.hijackable_link")
    assert list(before) == ["https://x.com/harbourside_old"]
    dead = write_config(tmp / "dead.toml", config_text(site.url, db, dead_bases()))
    r = crawl(dead, db, "--only", "social")
    assert r.returncode == 0, r.stdout + r.stderr
    a = run_decay("analyse", "--config", str(dead), "--db", str(db), "--now", NOW)
    assert a.returncode == 0, a.stdout + a.stderr
    runs = [r["id"] for r in query(db, "SELECT id FROM social_crawls WHERE status = 'complete' ORDER BY id")]
    assert len(runs) == 2
    note = by_url(db, "social.network_down")["(social crawl)"]
    assert note["evidence"]["checks_judged_instead"]["social_crawl_id"] == runs[0]
    after = by_url(db, "social.hijackable_link")
    assert list(after) == ["https://x.com/harbourside_old"] and after[k := "https://x.com/harbourside_old"]["id"] == before[k]["id"]
    assert after[k]["evidence"]["checked_in_social_crawl"] == runs[0]
    # the network is back: the note resolves
    r = crawl(crawled["cfg"], db, "--only", "social")
    assert r.returncode == 0, r.stdout + r.stderr
    a = run_decay("analyse", "--config", str(crawled["cfg"]), "--db", str(db), "--now", NOW)
    assert a.returncode == 0
    assert by_url(db, "social.network_down") == {}
    assert list(by_url(db, "social.hijackable_link")) == ["https://x.com/harbourside_old"]
