"""`decay demo` end to end: serve the bundled site, crawl it, and find each demo feature as facts in the database."""
from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

ORIGIN = "https://www.harbourside.example"


def test_demo_crawls_the_bundled_site(tmp_path: Path) -> None:
    db = tmp_path / "decay.db"
    decay = Path(sys.executable).parent / "decay"
    proc = subprocess.run([str(decay), "demo", "--db", str(db)], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "What the crawl found" in proc.stdout
    # the analysis ran: its findings by rule, then the top of the cleanup list, each line with why and what to do
    for words in ("pages not updated for too long", "past events still announced", "offers or deadlines that have ended"):
        assert words in proc.stdout, words
    # problems only: the demo's old years in titles are all information (its archive's pages), counted apart
    assert "pages with an old year in the title" not in proc.stdout
    assert "findings kept as information only, not listed" in proc.stdout
    tail = proc.stdout[proc.stdout.index("The cleanup list"):]
    assert "Apply by 1 September 2020" in " ".join(tail.split())   # wrapped at words
    assert "Remove    https://www.harbourside.example/events/2018/open-boat-day/" in tail
    assert "nothing links to it, so nothing breaks" in " ".join(tail.split())
    assert tail.count("Why: ") == 10 and tail.count("Do:  ") == 10
    assert "Browse and triage the results:  " in tail and f"serve --db {db}" in tail

    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row

    def page(path: str) -> sqlite3.Row:
        row = conn.execute("SELECT * FROM pages WHERE url = ?", [ORIGIN + path]).fetchone()
        assert row is not None, f"{path} not recorded"
        return row

    assert conn.execute("SELECT status FROM crawls").fetchone()[0] == "complete"
    assert conn.execute("SELECT status FROM analyses").fetchone()[0] == "complete"
    rules = {r[0] for r in conn.execute("SELECT DISTINCT rule FROM findings WHERE status = 'open'")}
    # do no harm on the demo: the protected privacy policy and the linked /offers/ page are not removed
    actions = dict(conn.execute("SELECT subject_url, action FROM cleanup").fetchall())
    assert actions[ORIGIN + "/privacy/"] == "update"
    # one defect, one item: the contact form's http:// action is the insecure-form item, not also an http:// self-link
    assert actions[ORIGIN + "/contact/"] == "update" and "http://www.harbourside.example/contact/send" not in actions
    assert actions[ORIGIN + "/offers/"] == "update"   # /get-involved/, a live page, links to it: never redirected
    todo = conn.execute("SELECT todo, target_url FROM cleanup WHERE subject_url = ?", [ORIGIN + "/offers/"]).fetchone()
    assert todo[1] is None and todo[0].startswith("Take down the ended offer")
    assert [u for u, a in actions.items() if a == "remove"] == [ORIGIN + "/events/2018/open-boat-day/"]
    # social profiles are on the same list: a dead account the footer links to is a link to fix; owners from [[social]]
    assert actions["https://x.com/harbourfoundation"] == "fix links"
    sev, msg = conn.execute("SELECT severity, message FROM findings WHERE rule = 'social.hijackable_link' "
                            "AND subject_url = 'https://x.com/harbourfoundation'").fetchone()
    assert sev == "high" and "nobody can register it" in msg and "an X account" in msg   # 17 characters: X allows 15
    owners = dict(conn.execute("SELECT subject_url, owner FROM cleanup WHERE subject_type = 'profile'").fetchall())
    assert owners["https://x.com/harbourside"] == "Comms team"
    assert conn.execute("SELECT owner FROM cleanup WHERE subject_url = ?", [ORIGIN + "/privacy/"]).fetchone()[0] == "Legal"
    assert {"outdated.expired_event", "outdated.expired_offer", "outdated.stale_claim", "outdated.old_copyright"} <= rules

    # robots.txt: /private/ is disallowed and linked from the team page
    assert page("/private/")["outcome"] == "blocked"
    robots = conn.execute("SELECT status, sitemaps FROM robots").fetchone()
    assert robots["status"] == 200 and json.loads(robots["sitemaps"]) == [ORIGIN + "/sitemap.xml"]

    # a broken link on several pages, with different anchors; a missing image; a 500
    handbook = page("/volunteer-handbook/")
    assert handbook["status"] == 404
    sources, anchors = conn.execute(
        "SELECT count(DISTINCT source_id), count(DISTINCT anchor) FROM links WHERE target_id = ?", [handbook["url_id"]]).fetchone()
    assert sources >= 3 and anchors >= 3
    assert page("/images/events/summer-fair-2019.jpg")["status"] == 404
    assert page("/donate/online")["status"] == 500
    assert page("/documents/coastal-communities-report-2016.pdf")["content_type"] == "application/pdf"

    # redirects: a chain of three, a loop, an old URL
    chain = page("/volunteer")
    assert chain["redirect_hops"] == 3
    assert chain["final_url"] == ORIGIN + "/get-involved/volunteer/" and chain["final_status"] == 200
    assert [s for _, s in json.loads(chain["redirect_chain"])] == [301, 302, 301, 200]
    loop = json.loads(page("/events/calendar/")["redirect_chain"])
    assert loop[-1] == [ORIGIN + "/events/calendar/", "loop"]
    assert page("/about-us.html")["final_url"] == ORIGIN + "/about/"
    assert page("/annual-review/")["refresh_url"] == ORIGIN + "/reports/annual-review-2025/"

    # the windows-1252 page, declared only by its <meta charset>
    cafe = page("/cafe/")
    assert cafe["title"] == "The Quayside Café | Harbourside Trust"
    text = conn.execute("SELECT main_text FROM page_texts WHERE url_id = ?", [cafe["url_id"]]).fetchone()[0]
    assert "naïve" in text and "Zürich" in text and "€4.50" in text and "crème brûlée" in text

    # sitemaps: an index listing itself (read once), a gzipped sitemap
    sitemaps = {r["url"]: r for r in conn.execute("SELECT * FROM sitemaps")}
    assert set(sitemaps) == {ORIGIN + "/sitemap.xml", ORIGIN + "/sitemap-pages.xml", ORIGIN + "/sitemap-news.xml.gz"}
    assert sitemaps[ORIGIN + "/sitemap.xml"]["type"] == "sitemapindex"
    assert sitemaps[ORIGIN + "/sitemap-news.xml.gz"]["gzipped"] == 1
    assert sitemaps[ORIGIN + "/sitemap-news.xml.gz"]["type"] == "urlset"

    # orphans: known only from the sitemap; the island is linked only from itself
    campaign = page("/campaigns/coastal-cleanup-2018/")
    assert campaign["found_via"] == "sitemap"
    assert conn.execute("SELECT count(*) FROM links WHERE target_id = ? AND source_id != target_id", [campaign["url_id"]]).fetchone()[0] == 0
    heritage = page("/heritage/")
    assert heritage["found_via"] == "sitemap"
    linking = {r[0] for r in conn.execute(
        "SELECT DISTINCT source_url FROM link_urls WHERE target_id = ? AND source_id != target_id", [heritage["url_id"]])}
    assert linking == {ORIGIN + "/heritage/lighthouse/", ORIGIN + "/heritage/net-lofts/"}
    assert page("/campaigns/coastal-cleanup-2018/results/")["found_on"] == ORIGIN + "/campaigns/coastal-cleanup-2018/"

    # dates: an old privacy policy, realistic Last-Modified headers, a WordPress page
    privacy = page("/privacy/")
    assert privacy["last_modified"] == "Sun, 12 May 2019 10:00:00 GMT"
    values = {r[0] for r in conn.execute("SELECT value FROM date_signals WHERE url_id = ?", [privacy["url_id"]])}
    assert any("12 May 2019" in v for v in values)
    assert page("/blog/best-volunteering-apps-2017/")["generator"] == "WordPress 4.9.8"

    # social profiles, served by the demo itself: the footer links to four, one of which does not exist
    status = dict(conn.execute("SELECT url, status FROM social_status").fetchall())
    assert status == {"https://mastodon.social/@harbourside": "alive", "https://www.youtube.com/@harbourside": "alive",
                      "https://www.facebook.com/harbourside": "alive", "https://x.com/harbourside": "alive",
                      "https://x.com/harbourfoundation": "missing"}
    social = dict(conn.execute("SELECT rule, subject_url FROM findings WHERE rule LIKE 'social.%' AND status = 'open'").fetchall())
    assert social["social.hijackable_link"] == "https://x.com/harbourfoundation"
    assert social["social.dormant_account"] == "https://www.youtube.com/@harbourside"
    assert social["social.inconsistent_identity"] == "https://www.facebook.com/harbourside"
    assert social["social.unlinked_account"] == "https://x.com/harbourside"
    conn.close()
