"""The date analysis end to end: a crawl of a site whose answers are known, then `decay analyse`.

The server sends the same Last-Modified for every page (the deploy time) and
the sitemap gives every URL the same lastmod: neither may decide when a page
was updated.  The pages carry the signals that should decide, and the
outdated content and expired meaning the findings must report.
"""
from __future__ import annotations

import json
import os
import time

import pytest

from decay import api
from decay.localserver import LocalSite
from tests.conftest import crawl, query, run_decay, write_config

PROD = "https://www.dated.example"
NOW = "2026-11-23"
FOOTER = "<footer><p>&copy; 2012-2019 Dated Org</p><a href='/'>Home</a></footer>"


def page(title: str, body: str, head: str = "", lang: str = "en") -> str:
    return (f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title>{head}</head>'
            f"<body><nav><a href='/'>Home</a> <a href='/news/old.html'>News</a></nav><main>{body}</main>{FOOTER}</body></html>")


def jsonld(**fields) -> str:
    return f'<script type="application/ld+json">{json.dumps(fields)}</script>'


PAGES = {
    "index.html": page("Dated Org", """<h1>Welcome</h1>
        <a href="/news/old.html">Old news</a> <a href="/news/fresh.html">Fresh news</a> <a href="/events.html">Events</a>
        <a href="/offers.html">Offers</a> <a href="/report.html">Report</a> <a href="/best-tools.html">Tools</a>
        <a href="/de/angebot.html">Angebot</a> <a href="/future.html">Next year</a> <a href="/undated.html">About</a>""",
                       jsonld(**{"@type": "WebPage", "dateModified": "2026-10-01"})),
    "news/old.html": page("Our new building opens", "<h1>Our new building opens</h1><p>Posted on 3 March 2019.</p>",
                          jsonld(**{"@type": "NewsArticle", "datePublished": "2019-03-03T10:00:00Z", "dateModified": "2019-03-04"})),
    "news/fresh.html": page("Winter appeal", "<h1>Winter appeal</h1><p>Published 2 November 2026.</p>",
                            jsonld(**{"@type": "NewsArticle", "datePublished": "2026-11-02"})),
    "events.html": page("Events", """<h1>Events</h1><p>Join us at the Summer Fair on Saturday 15 June 2019 in the park.</p>""",
                        jsonld(**{"@type": "Event", "name": "Summer Fair", "startDate": "2019-06-15T10:00",
                                  "endDate": "2019-06-15T17:00"})
                        + jsonld(**{"@type": "WebPage", "datePublished": "2019-01-10"})),
    "offers.html": page("Offers", """<h1>Member offers</h1><p>Our spring discount offer ends 31 March 2019, so hurry.</p>
        <p>Apply by 1 September 2020 for the grant.</p>""", jsonld(**{"@type": "WebPage", "datePublished": "2019-01-07"})),
    "report.html": page("Annual report", """<h1>Annual report</h1><p>Read our latest report on the harbour, just published.</p>""",
                        jsonld(**{"@type": "Article", "datePublished": "2016-11-04"})),
    "best-tools.html": page("The best volunteering apps of 2017", "<h1>The best volunteering apps of 2017</h1>",
                            jsonld(**{"@type": "BlogPosting", "datePublished": "2017-02-14"})),
    "de/angebot.html": page("Angebot", """<h1>Neu!</h1><p>Das Angebot endet am 31. März 2019. Melden Sie sich bis 1. September 2020 an.</p>""",
                            jsonld(**{"@type": "WebPage", "datePublished": "2019-01-07"}), lang="de"),
    "future.html": page("Harbour Lights 2027", """<h1>Harbour Lights</h1><p>Join us on Saturday 11 September 2027.</p>""",
                        jsonld(**{"@type": "Event", "startDate": "2027-09-11"}) + jsonld(**{"@type": "WebPage", "datePublished": "2026-09-01"})),
    "undated.html": page("About us", "<h1>About us</h1><p>We look after the harbour.</p>"),
}


def build(root, deploy_time: float) -> None:
    for name, html in PAGES.items():
        p = root / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(html, encoding="utf-8")
    urls = "".join(f"<url><loc>{PROD}/{n if n != 'index.html' else ''}</loc><lastmod>2026-11-20</lastmod></url>" for n in PAGES)
    (root / "sitemap.xml").write_text(f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>')
    for p in root.rglob("*"):
        os.utime(p, (deploy_time, deploy_time))  # every file deployed at once: Last-Modified says nothing


@pytest.fixture(scope="module")
def analysed(tmp_path_factory):
    root = tmp_path_factory.mktemp("dated")
    build(root, time.time() - 3 * 86400)
    site = LocalSite(root=root).start()
    tmp = tmp_path_factory.mktemp("run")
    cfg = write_config(tmp / "org.toml", f"""
        [organisation]
        name = "Dated Org"
        [[sites]]
        name = "dated"
        start_urls = ["{PROD}/"]
        aliases = {{ "{PROD}" = "{site.url}" }}
        [crawl]
        autothrottle = false
        [outdated]
        max_age = "3y"
        [[outdated.sections]]
        name = "news"
        patterns = ["/news/*"]
        max_age = "2y"
        """)
    db = tmp / "decay.db"
    r = crawl(cfg, db)
    assert r.returncode == 0, r.stderr
    summary = api.analyse(cfg, db=db, now=NOW)
    yield {"db": db, "cfg": cfg, "summary": summary, "site": site, "root": root}
    site.stop()


def findings(db, rule=None, url=None):
    sql, params = "SELECT * FROM findings WHERE status = 'open'", []
    if rule:
        sql += " AND rule = ?"
        params.append(rule)
    if url:
        sql += " AND subject_url = ?"
        params.append(PROD + url)
    return query(db, sql, params)


def dates(db, url):
    return query(db, "SELECT * FROM page_dates WHERE url = ?", [PROD + url])[0]


def test_deploy_time_last_modified_and_uniform_sitemap_never_decide(analysed):
    db = analysed["db"]
    trust = {r["source"]: r for r in query(db, "SELECT * FROM site_signals WHERE site = 'dated'")}
    assert trust["http:last-modified"]["trusted"] == 0 and trust["http:last-modified"]["reason"]
    assert trust["sitemap:lastmod"]["trusted"] == 0 and trust["sitemap:lastmod"]["reason"]
    for r in query(db, "SELECT * FROM page_dates"):
        assert r["updated_source"] is None or not r["updated_source"].startswith(("http", "sitemap")), dict(r)
    assert "same Last-Modified hour" in trust["http:last-modified"]["reason"]
    assert f"the sitemap gives the same lastmod (2026-11-20) to {len(PAGES)} of {len(PAGES)} URLs" == trust["sitemap:lastmod"]["reason"]
    undated = dates(db, "/undated.html")
    assert undated["updated_at"] is None and undated["published_at"] is None and undated["confidence"] < 0.5
    # the page's sentence says what was ignored, and why
    assert undated["explanation"].startswith("Unknown: no credible date.")
    assert "The Last-Modified header (" in undated["explanation"] and "a deploy or build stamp, not this page's update" in undated["explanation"]
    assert "the sitemap's lastmod (2026-11-20) ignored: the sitemap gives the same lastmod" in undated["explanation"]
    evidence = query(db, "SELECT * FROM date_evidence WHERE url_id = ?", [undated["url_id"]])
    assert {(e["source"], e["accepted"]) for e in evidence} == {("http:last-modified", 0), ("sitemap:lastmod", 0),
                                                                ("copyright", 1)}
    assert all(e["reason"].startswith("not trusted on this site: ") for e in evidence if not e["accepted"])


def test_page_dates_come_from_the_page_itself(analysed):
    db = analysed["db"]
    old = dates(db, "/news/old.html")
    assert old["published_at"].startswith("2019-03-03") and old["updated_at"].startswith("2019-03-04")
    assert old["updated_source"].startswith("jsonld")
    assert old["explanation"]
    evidence = query(db, "SELECT * FROM date_evidence WHERE url_id = ?", [old["url_id"]])
    rejected = [e for e in evidence if not e["accepted"]]
    assert any(e["source"] == "http:last-modified" and e["reason"] for e in rejected)


def test_stale_page_by_section_threshold(analysed):
    db = analysed["db"]
    (f,) = findings(db, "outdated.stale_page", "/news/old.html")
    ev = json.loads(f["evidence"])
    assert ev["section"] == "news" and ev["threshold_days"] == 730 and ev["updated_at"] == "2019-03-04"
    assert "news pages are stale after 2 years" in f["message"]
    assert f["confidence"] > 0.5 and f["severity"] in ("low", "medium")
    assert f["severity"] == "medium"   # more than twice over its threshold
    assert "last update 2019-03-04, from " in f["message"] and "from jsonld:" not in f["message"]   # the source in words
    assert not findings(db, "outdated.stale_page", "/news/fresh.html")


def test_expired_event(analysed):
    db = analysed["db"]
    (f,) = findings(db, "outdated.expired_event", "/events.html")
    ev = json.loads(f["evidence"])
    assert ev["end"].startswith("2019-06-15") and "Summer Fair" in ev.get("text", "") + f["message"] + json.dumps(ev)
    assert f["severity"] == "high"
    assert not findings(db, "outdated.expired_event", "/future.html")


def test_expired_offers_and_deadlines(analysed):
    db = analysed["db"]
    found = findings(db, "outdated.expired_offer", "/offers.html")
    got = {json.loads(f["evidence"])["parsed"] for f in found}
    assert got == {"2019-03-31", "2020-09-01"}
    assert all(json.loads(f["evidence"])["text"] for f in found)


def test_stale_claims_title_years_and_copyright(analysed):
    db = analysed["db"]
    (claim,) = findings(db, "outdated.stale_claim", "/report.html")
    assert "latest" in json.loads(claim["evidence"])["claim"].lower()
    (title,) = findings(db, "outdated.old_year_in_title", "/best-tools.html")
    assert json.loads(title["evidence"])["year"] == 2017 and title["severity"] == "medium"
    (cp,) = findings(db, "outdated.old_copyright")
    assert cp["subject_type"] == "site"  # in the template of every page: reported once
    assert json.loads(cp["evidence"])["notice"] == "© 2012-2019"


def test_other_languages_produce_no_text_findings(analysed):
    db = analysed["db"]
    rules = {f["rule"] for f in findings(db, url="/de/angebot.html")}
    assert not rules & {"outdated.expired_offer", "outdated.stale_claim", "outdated.expired_event"}


def test_every_finding_explains_itself(analysed):
    for f in findings(analysed["db"]):
        assert f["rule"] and f["category"] and f["severity"] and f["confidence"] is not None
        assert f["message"] and json.loads(f["evidence"]) and f["first_seen"] and f["last_seen"]


def test_reanalysis_keeps_ids_and_first_seen(analysed):
    db, cfg = analysed["db"], analysed["cfg"]
    before = {r["id"]: r["first_seen"] for r in findings(db)}
    summary = api.analyse(cfg, db=db, now="2026-11-24")
    after = {r["id"]: r["first_seen"] for r in findings(db)}
    assert before == after and summary["new"] == 0 and summary["resolved"] == 0
    assert query(db, "SELECT count(*) FROM analyses WHERE status = 'complete'")[0][0] == 2


def test_cli_analyse(analysed):
    r = run_decay("analyse", "--config", str(analysed["cfg"]), "--db", str(analysed["db"]), "--now", NOW)
    assert r.returncode == 0, r.stderr
    assert "offers or deadlines that have ended" in r.stdout and "The cleanup list" in r.stdout
    assert "outdated.expired_offer" not in r.stdout   # plain words; the rule ids with --verbose
    v = run_decay("analyse", "--config", str(analysed["cfg"]), "--db", str(analysed["db"]), "--now", NOW, "--verbose")
    assert v.returncode == 0 and "outdated.expired_offer" in v.stdout
    bad = run_decay("analyse", "--config", str(analysed["cfg"]), "--db", str(analysed["db"]), "--now", "yesterday")
    assert bad.returncode == 2 and "not a date" in bad.stderr and "Traceback" not in bad.stderr


def test_a_fixed_problem_is_resolved_not_forgotten(analysed):
    db, cfg, root = analysed["db"], analysed["cfg"], analysed["root"]
    ids = {f["id"] for f in findings(db, "outdated.expired_offer", "/offers.html")}
    assert len(ids) == 2
    (root / "offers.html").write_text(page("Offers", "<h1>Member offers</h1><p>No offers at the moment.</p>"), encoding="utf-8")
    assert crawl(cfg, db).returncode == 0
    summary = api.analyse(cfg, db=db, now=NOW)
    assert summary["resolved"] >= 2
    rows = query(db, f"SELECT status, resolved_at FROM findings WHERE id IN ({', '.join('?' * len(ids))})", list(ids))
    assert all(r["status"] == "resolved" and r["resolved_at"] for r in rows)


def test_analyse_without_a_crawl_says_what_to_do(tmp_path):
    cfg = write_config(tmp_path / "org.toml", """
        [organisation]
        name = "Nobody"
        [[sites]]
        name = "x"
        start_urls = ["https://x.example/"]
        """)
    r = run_decay("analyse", "--config", str(cfg))
    assert r.returncode == 2 and "run decay crawl" in r.stderr and "Traceback" not in r.stderr
