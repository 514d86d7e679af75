"""`decay crawl` checks social profiles end to end: a real local server (port 0) serves a small website that links
to profiles, and, under one path prefix per platform, the real captured feeds and recorded platform answers.

One crawl (sites, then social) and one analysis are shared by the tests of this module; `--only social`,
failures and interruptions get their own runs.
"""
from __future__ import annotations

import json
import signal
import subprocess
import time
from pathlib import Path

import pytest

from decay.localserver import LocalSite, Route, raw, redirect, status
from tests.conftest import DECAY, crawl, needs_shared, query, run_decay, write_config
from tests.social_helpers import fixture, iso, newest_atom_date, newest_rss_date

NOW = "2026-11-24"
HTML = "text/html; charset=utf-8"
MISSING_X = "https://twitter.com/Harbourside_Old/"    # linked from three pages, in three different forms
JSONLD = """<script type="application/ld+json">{"@context": "https://schema.org", "@type": "Organization",
  "name": "Harbourside Trust", "url": "https://www.harbourside.example/",
  "sameAs": ["https://www.facebook.com/harbourfoundation", "https://bsky.app/profile/harbourside.bsky.social"]}</script>"""


def page(title: str, body: str, head: str = "") -> Route:
    return status(200, f"""<!DOCTYPE html><html lang="en"><head><title>{title} | Harbourside Trust</title>{head}</head>
<body><header><a href="/">Home</a></header><main><h1>{title}</h1>{body}</main>
<footer><a href="https://x.com/harbourside">Follow us on X</a>
<a rel="me" href="https://hachyderm.io/@RicoBerger">Mastodon</a>
<a href="https://www.youtube.com/channel/UC5NOEUbkLheQcaaRldYW5GA">YouTube</a></footer></body></html>""")


def routes(feeds: Path) -> dict[str, Route]:
    mastodon = feeds / "feeddeck/feeddeck_mastodon_responseUser.xml"
    youtube = feeds / "feeddeck/feeddeck_youtube_responseYoutubeRSS.xml"
    medium = feeds / "feeddeck/feeddeck_medium_responseUser.xml"
    podcast = feeds / "feeddeck/feeddeck_podcast_responsePodcastRSS.xml"
    truncated = feeds / "feedjira/InvalidDateFormat.xml"
    rss = "application/rss+xml; charset=utf-8"
    bsky = "/bsky/xrpc/"
    did = "did:plc:harbour7trust2demo4abcdef"
    return {
        # the website
        "/robots.txt": raw("User-agent: *\nDisallow: /blocked/\n", "text/plain"),
        "/": page("Welcome", '<p><a href="/about/">About</a> <a href="/news/">News</a> <a href="/contact/">Contact</a></p>'
                  f'<p>Our old account: <a href="{MISSING_X}">@Harbourside_Old</a></p>', head=JSONLD),
        "/about/": page("About us", '<p>Find us as <a href="https://x.com/harbourside_old">Harbourside (old)</a>.</p>'),
        "/news/": page("News", '<p>Tweets from <a href="http://www.twitter.com/harbourside_old">our archive</a>.</p>'
                       '<p>A partner: <a href="https://www.tiktok.com/@harbourbanned">their TikTok</a>.</p>'),
        "/contact/": page("Contact", "<p>Write to us.</p>"),
        # X
        "/x/harbourside": raw(fixture("x_alive.html"), HTML),
        "/x/harbourside_old": raw(fixture("x_missing.html"), HTML),
        # TikTok
        "/tt/@harbourbanned": raw(fixture("tiktok_banned.html"), HTML),
        # Facebook
        "/fb/harbourfoundation": raw(fixture("facebook_alive.html"), HTML),
        # Mastodon: the real captured feed, and the account lookup; an account that does not exist
        "/mastodon/@ricoberger.rss": raw(mastodon.read_bytes(), rss),
        "/mastodon/api/v1/accounts/lookup?acct=ricoberger": raw(fixture("mastodon_lookup.json"), "application/json"),
        "/mastodon/api/v1/accounts/lookup?acct=gone": Route(404, {"Content-Type": "application/json"}, fixture("mastodon_not_found.json")),
        # YouTube: the real captured channel feed
        "/yt/feeds/videos.xml?channel_id=UC5NOEUbkLheQcaaRldYW5GA": raw(youtube.read_bytes(), "application/atom+xml; charset=utf-8"),
        # Bluesky
        f"{bsky}app.bsky.actor.getProfile?actor=harbourside.bsky.social": raw(fixture("bluesky_profile.json"), "application/json"),
        f"{bsky}app.bsky.feed.getAuthorFeed?actor={did}&limit=100&filter=posts_no_replies": raw(fixture("bluesky_feed.json"), "application/json"),
        # Medium: the real captured user feed
        "/medium/feed/@yurishkuro": raw(medium.read_bytes(), "text/xml; charset=UTF-8"),
        # feeds: a podcast (real), a server error, a truncated feed (real), a feed behind a redirect to a login page
        "/feeds/podcast.rss": raw(podcast.read_bytes(), rss),
        "/feeds/broken.rss": status(500, "<h1>Internal Server Error</h1>"),
        "/feeds/truncated.rss": raw(truncated.read_bytes(), rss),
        "/feeds/private.rss": redirect("/feeds/login?next=/feeds/private.rss", 302),
        "/blocked/feed.rss": raw(podcast.read_bytes(), rss),
        "/feeds/empty.rss": raw(b"", rss),
        "/feeds/huge.rss": raw(podcast.read_bytes().replace(b"<channel>", b"<channel>" + b"<!-- padding -->" * 100_000, 1), rss),
        "/feeds/latin1.rss": raw(mastodon.read_bytes().decode("utf-8").replace("Rico Berger", "Ricö Bérger").encode("latin-1", "replace"), rss),
    }


def config_text(url: str, db: Path) -> str:
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
store_html = false   # the inventory needs no stored HTML: JSON-LD sameAs is recorded as links

[crawl]
autothrottle = false

[[social]]
url = "https://x.com/harbourside"
owner = "Comms team"

[[social]]
platform = "mastodon"
handle = "@ricoberger@hachyderm.io"
owner = "Comms team"

[[social]]
platform = "mastodon"
handle = "@gone@hachyderm.io"

[[social]]
url = "https://www.youtube.com/channel/UC5NOEUbkLheQcaaRldYW5GA"

[[social]]
url = "https://www.facebook.com/harbourfoundation"

[[social]]
url = "https://bsky.app/profile/harbourside.bsky.social"

[[social]]
url = "https://medium.com/@YuriShkuro"
owner = "Blog team"

[[social]]
platform = "podcast"
url = "https://podcast.harbourside.example/podcast.rss"
official = false

[[social]]
platform = "feed"
url = "https://podcast.harbourside.example/broken.rss"
official = false

[[social]]
platform = "feed"
url = "https://podcast.harbourside.example/truncated.rss"
official = false

[[social]]
platform = "feed"
url = "https://podcast.harbourside.example/private.rss"
official = false

[[social]]
platform = "feed"
url = "https://blocked.harbourside.example/feed.rss"
official = false

[[social]]
platform = "feed"
url = "https://podcast.harbourside.example/empty.rss"
official = false

[[social]]
platform = "feed"
url = "https://podcast.harbourside.example/huge.rss"
official = false

[[social]]
platform = "feed"
url = "https://podcast.harbourside.example/latin1.rss"
official = false

[social_settings]
dormant_after = "6m"
max_response_mb = 1
delay = 0
timeout = 10
base_urls = {{ x = "{url}/x", tiktok = "{url}/tt", facebook = "{url}/fb", mastodon = "{url}/mastodon", youtube = "{url}/yt", bluesky = "{url}/bsky", medium = "{url}/medium", feed = "{url}/feeds", "https://blocked.harbourside.example" = "{url}/blocked" }}
"""


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    feeds = needs_shared("feeds")
    tmp = tmp_path_factory.mktemp("social")
    site = LocalSite(routes=routes(feeds)).start()
    db = tmp / "decay.db"
    cfg = write_config(tmp / "org.toml", config_text(site.url, db))
    try:
        r = crawl(cfg, db)
        assert r.returncode == 0, r.stdout + r.stderr
        a = run_decay("analyse", "--config", str(cfg), "--db", str(db), "--now", NOW)
        assert a.returncode == 0, a.stdout + a.stderr
        yield {"db": db, "cfg": cfg, "site": site, "feeds": feeds, "crawl_out": r.stdout, "analyse_out": a.stdout}
    finally:
        site.stop()


def checks(db: Path) -> dict[str, dict]:
    rows = query(db, """SELECT p.url, p.key, p.declared, p.linked_pages, c.* FROM social_profiles p JOIN social_checks c
                        ON c.profile_id = p.id AND c.social_crawl_id = (SELECT max(id) FROM social_crawls WHERE status = 'complete')""")
    return {r["url"]: dict(r) for r in rows}


def findings(db: Path, rule: str) -> dict[str, dict]:
    return {r["subject_url"]: {**dict(r), "evidence": json.loads(r["evidence"])}
            for r in query(db, "SELECT * FROM findings WHERE rule = ? AND status = 'open'", (rule,))}


def test_crawl_output_and_run_row(crawled):
    assert "social crawl 1 complete" in crawled["crawl_out"]
    run = query(crawled["db"], "SELECT * FROM social_crawls")[0]
    assert run["status"] == "complete" and run["pid"] is None
    assert json.loads(run["site_crawls"]) == {"main": 1}
    assert run["profiles"] == run["checked"] == 17
    assert run["alive"] + run["missing"] + run["suspended"] + run["unknown"] == 17


def test_inventory_one_profile_per_account_with_its_sources(crawled):
    db = crawled["db"]
    c = checks(db)
    old = c["https://x.com/harbourside_old"]
    assert old["declared"] == 0 and old["linked_pages"] == 3
    forms = {r["link_url"] for r in query(db, "SELECT link_url FROM social_sources WHERE profile_id = ?", (old["profile_id"],))}
    assert forms == {"https://twitter.com/Harbourside_Old/", "https://x.com/harbourside_old", "http://www.twitter.com/harbourside_old"}
    sources = {(r["source"], r["position"]) for r in query(
        db, "SELECT s.source, s.position FROM social_sources s JOIN social_profiles p ON p.id = s.profile_id "
            "WHERE p.url = 'https://hachyderm.io/@ricoberger'")}
    assert ("config", None) in sources and ("rel-me", "footer") in sources
    sameas = query(db, "SELECT s.* FROM social_sources s JOIN social_profiles p ON p.id = s.profile_id "
                       "WHERE p.platform = 'bluesky' AND s.source = 'sameas'")
    assert [r["page_url"] for r in sameas] == ["https://www.harbourside.example/"]
    assert "Organization" in sameas[0]["context"]


def test_last_post_dates_equal_those_in_the_feeds(crawled):
    feeds, c = crawled["feeds"], checks(crawled["db"])
    expected = {
        "https://hachyderm.io/@ricoberger": newest_rss_date(feeds / "feeddeck/feeddeck_mastodon_responseUser.xml"),
        "https://www.youtube.com/channel/UC5NOEUbkLheQcaaRldYW5GA": newest_atom_date(feeds / "feeddeck/feeddeck_youtube_responseYoutubeRSS.xml"),
        "https://medium.com/@yurishkuro": newest_rss_date(feeds / "feeddeck/feeddeck_medium_responseUser.xml"),
        "https://podcast.harbourside.example/podcast.rss": newest_rss_date(feeds / "feeddeck/feeddeck_podcast_responsePodcastRSS.xml"),
    }
    for url, date in expected.items():
        assert c[url]["status"] == "alive", (url, c[url]["reason"])
        assert c[url]["last_post_at"] == iso(date), url
    assert c["https://bsky.app/profile/harbourside.bsky.social"]["last_post_at"] == "2026-10-28T09:30:00+00:00"
    posts = query(crawled["db"], "SELECT * FROM social_posts WHERE profile_id = ? ORDER BY ordinal",
                  (c["https://www.youtube.com/channel/UC5NOEUbkLheQcaaRldYW5GA"]["profile_id"],))
    assert posts[0]["published_at"] == iso(expected["https://www.youtube.com/channel/UC5NOEUbkLheQcaaRldYW5GA"])
    assert posts[0]["url"] == "https://www.youtube.com/watch?v=oiBPyTi7lvM"
    assert posts[0]["excerpt"] == "Verhandlungen über Haushalt werden fortgesetzt"


def test_statuses_with_evidence(crawled):
    c = checks(crawled["db"])
    x = c["https://x.com/harbourside"]
    assert x["status"] == "alive" and x["display_name"] == "Harbourside Trust"
    old = c["https://x.com/harbourside_old"]
    assert old["status"] == "missing" and "this account doesn't exist" in old["marker"]
    assert old["requested_url"].endswith("/x/harbourside_old") and old["http_status"] == 200
    assert c["https://www.tiktok.com/@harbourbanned"]["status"] == "suspended"
    assert c["https://hachyderm.io/@gone"]["status"] == "missing"
    assert c["https://hachyderm.io/@ricoberger"]["bio_link"] == "https://ricoberger.de"


def test_errors_are_unknown_with_the_reason_and_the_crawl_goes_on(crawled):
    c = checks(crawled["db"])
    broken = c["https://podcast.harbourside.example/broken.rss"]
    assert broken["status"] == "unknown" and broken["http_status"] == 500 and "500" in broken["reason"]
    truncated = c["https://podcast.harbourside.example/truncated.rss"]
    assert truncated["status"] == "unknown" and "well-formed" in truncated["reason"] and truncated["last_post_at"] is None
    private = c["https://podcast.harbourside.example/private.rss"]
    assert private["status"] == "unknown" and "login" in private["final_url"]
    blocked = c["https://blocked.harbourside.example/feed.rss"]
    assert blocked["status"] == "unknown" and "robots.txt" in blocked["reason"]
    for name, words in (("empty", "empty"), ("huge", "too large"), ("latin1", "wrong encoding")):
        r = c[f"https://podcast.harbourside.example/{name}.rss"]
        assert r["status"] == "unknown" and words in r["reason"] and r["last_post_at"] is None, (name, r["reason"])
    # the site's robots.txt was read for the blocked path, and the login page was never requested
    assert crawled["site"].hits["GET /feeds/login"] == 0


def test_missing_account_linked_from_three_pages_is_one_critical_finding(crawled):
    f = findings(crawled["db"], "social.hijackable_link")
    assert list(f) == ["https://x.com/harbourside_old"]
    h = f["https://x.com/harbourside_old"]
    assert h["severity"] == "critical" and h["subject_type"] == "profile" and h["site"] == "(social)"
    pages = {p["page"] for p in h["evidence"]["linked_from"]}
    assert pages == {"https://www.harbourside.example/", "https://www.harbourside.example/about/",
                     "https://www.harbourside.example/news/"}
    assert h["evidence"]["linking_pages"] == 3
    assert {p["anchor"] for p in h["evidence"]["linked_from"]} == {"@Harbourside_Old", "Harbourside (old)", "our archive"}
    assert "anyone can register" in h["message"] and h["evidence"]["check"]["status"] == "missing"


def test_dormant_accounts(crawled):
    f = findings(crawled["db"], "social.dormant_account")
    mastodon = f["https://hachyderm.io/@ricoberger"]
    assert mastodon["evidence"]["last_post_at"] == "2023-01-29T17:56:17+00:00"
    assert "since 2023-01-29" in mastodon["message"] and mastodon["evidence"]["threshold"] == "6m"
    assert "https://www.youtube.com/channel/UC5NOEUbkLheQcaaRldYW5GA" in f
    assert "https://bsky.app/profile/harbourside.bsky.social" not in f     # posted 2026-10-28: not dormant on 2026-11-24


def test_unlisted_unlinked_unavailable(crawled):
    db = crawled["db"]
    unlisted = findings(db, "social.unlisted_account")
    assert set(unlisted) == {"https://x.com/harbourside_old", "https://www.tiktok.com/@harbourbanned"}
    assert unlisted["https://www.tiktok.com/@harbourbanned"]["severity"] == "info"    # only in page content: not a list item
    unlinked = findings(db, "social.unlinked_account")
    assert "https://medium.com/@yurishkuro" in unlinked and "https://x.com/harbourside" not in unlinked
    assert "https://podcast.harbourside.example/podcast.rss" not in unlinked             # official = false
    unavailable = findings(db, "social.unavailable_account")
    assert unavailable["https://hachyderm.io/@gone"]["severity"] == "high"
    assert "https://www.tiktok.com/@harbourbanned" in unavailable


def test_inconsistent_identity(crawled):
    f = findings(crawled["db"], "social.inconsistent_identity")
    fb = f["https://www.facebook.com/harbourfoundation"]
    assert "Harbour Foundation" in fb["message"] and fb["severity"] == "medium"
    assert any(p["platform"] == "bluesky" for p in fb["evidence"]["all_official_profiles"])
    assert "https://bsky.app/profile/harbourside.bsky.social" not in f     # same name, links to the website
    assert "https://x.com/harbourside" not in f


def test_findings_resolve_when_the_problem_goes(crawled, tmp_path):
    """Re-analysing later: the bluesky account becomes dormant; nothing else changes."""
    db = crawled["db"]
    a = run_decay("analyse", "--config", str(crawled["cfg"]), "--db", str(db), "--now", "2027-06-01")
    assert a.returncode == 0, a.stderr
    assert "https://bsky.app/profile/harbourside.bsky.social" in findings(db, "social.dormant_account")
    a = run_decay("analyse", "--config", str(crawled["cfg"]), "--db", str(db), "--now", NOW)
    assert "https://bsky.app/profile/harbourside.bsky.social" not in findings(db, "social.dormant_account")
    resolved = query(db, "SELECT status FROM findings WHERE rule = 'social.dormant_account' AND subject_url LIKE 'https://bsky.app/%'")
    assert [r["status"] for r in resolved] == ["resolved"]


def test_only_social_uses_the_previous_site_crawl(crawled):
    db = crawled["db"]
    crawls_before = query(db, "SELECT count(*) AS n FROM crawls")[0]["n"]
    r = crawl(crawled["cfg"], db, "--only", "social")
    assert r.returncode == 0, r.stdout + r.stderr
    assert query(db, "SELECT count(*) AS n FROM crawls")[0]["n"] == crawls_before
    runs = query(db, "SELECT id, status, site_crawls, checked FROM social_crawls ORDER BY id")
    assert [r["status"] for r in runs][-1] == "complete" and json.loads(runs[-1]["site_crawls"]) == {"main": 1}
    assert runs[-1]["checked"] == 17
    # history: one check per profile per social crawl
    assert query(db, "SELECT count(DISTINCT social_crawl_id) AS n FROM social_checks")[0]["n"] == len(runs)


def test_only_sites_checks_no_profile(tmp_path, local_site):
    site = local_site(routes={"/": status(200, '<html><body><a href="https://x.com/someone">x</a></body></html>')})
    cfg = write_config(tmp_path / "org.toml", f"""
        [organisation]
        name = "T"
        [[sites]]
        name = "t"
        start_urls = ["{site.url}/"]
        check_external_links = false
        [[social]]
        url = "https://x.com/someone"
        [social_settings]
        base_urls = {{ x = "{site.url}/x" }}
        delay = 0
        """)
    db = tmp_path / "d.db"
    r = crawl(cfg, db, "--only", "sites")
    assert r.returncode == 0, r.stderr
    assert query(db, "SELECT count(*) AS n FROM social_crawls")[0]["n"] == 0
    assert site.hits["GET /x/someone"] == 0


def test_interrupted_social_crawl_writes_nothing(tmp_path, local_site):
    slow = Route(200, {"Content-Type": HTML}, fixture("x_alive.html"), delay=8)   # in flight when the crawl is interrupted (a graceful stop waits for it)
    site = local_site(routes={"/": status(200, "<html><body>hi</body></html>"), "/x/harbourside": slow,
                              "/tt/@harbourbanned": raw(fixture("tiktok_banned.html"), HTML)})
    cfg = write_config(tmp_path / "org.toml", f"""
        [organisation]
        name = "T"
        [[sites]]
        name = "t"
        start_urls = ["{site.url}/"]
        [[social]]
        url = "https://www.tiktok.com/@harbourbanned"
        [[social]]
        url = "https://x.com/harbourside"
        [social_settings]
        base_urls = {{ x = "{site.url}/x", tiktok = "{site.url}/tt" }}
        delay = 0
        timeout = 60
        """)
    db = tmp_path / "d.db"
    proc = subprocess.Popen([DECAY, "crawl", "--config", str(cfg), "--db", str(db), "--only", "social"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while site.hits["GET /x/harbourside"] == 0 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert site.hits["GET /tt/@harbourbanned"] == 1
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 1, out + err
    run = query(db, "SELECT * FROM social_crawls")[0]
    assert run["status"] == "interrupted" and "nothing was written" in run["reason"]
    for table in ("social_profiles", "social_sources", "social_checks", "social_posts"):
        assert query(db, f"SELECT count(*) AS n FROM {table}")[0]["n"] == 0, table
