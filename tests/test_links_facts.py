"""Link rules on facts written straight into a database: external link checks, stale facts, settings.

The crawler records each checked external link as a `pages` row of kind 'external' (site: the site
that links to it; method HEAD; outcome, status and error like any fetch).  These tests write such
rows themselves, so the rule is tested against that contract whatever the crawler does today.
"""
from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

from analysis.links import analyse_links
from foundation.config import ConfigError, Links, Site, parse_config
from foundation.schema import TABLES_BY_NAME, insert_sql, open_db
from foundation.urls import url_id

SITE = "https://www.facts.example"
NOW = datetime(2026, 11, 23, tzinfo=timezone.utc)


class Facts:
    """A tiny database of crawl facts, written row by row."""

    def __init__(self, path: Path, crawls: int = 1) -> None:
        self.db = open_db(path)
        self.conn = self.db.conn
        self.ordinals: dict[int, int] = {}
        for c in range(1, crawls + 1):
            self.conn.execute("INSERT INTO crawls (id, status) VALUES (?, 'complete')", [c])
            self.conn.execute("INSERT INTO crawl_sites (crawl_id, site, status, start_urls, truncated) VALUES (?, 'facts', 'complete', ?, 0)",
                              [c, json.dumps([SITE + "/"])])

    def page(self, url: str, crawl_id: int = 1, kind: str = "page", outcome: str = "ok", status: int | None = 200,
             error: str | None = None, method: str = "GET", is_html: int = 1, site: str = "facts") -> None:
        row = dict.fromkeys(TABLES_BY_NAME["pages"].column_names)
        row.update(url_id=url_id(url), url=url, site=site, kind=kind, outcome=outcome, status=status, error=error,
                   method=method, is_html=is_html, crawl_id=crawl_id, first_crawl_id=crawl_id, title=url.rsplit("/", 1)[-1],
                   fetched_at="2026-11-20T02:00:00+00:00")
        self.conn.execute(insert_sql("pages"), list(row.values()))
        self.conn.execute("INSERT OR IGNORE INTO urls (id, url, site, first_crawl_id) VALUES (?, ?, ?, ?)",
                          [url_id(url), url, site if kind != "external" else None, crawl_id])

    def link(self, source: str, target: str, anchor: str = "", position: str = "main", kind: str = "a") -> None:
        sid = url_id(source)
        n = self.ordinals[sid] = self.ordinals.get(sid, -1) + 1
        internal = int(target.startswith(SITE))
        self.conn.execute("INSERT INTO links (source_id, ordinal, target_id, kind, anchor, position, internal, nofollow, new_window) "
                          "VALUES (?, ?, ?, ?, ?, ?, ?, 0, 0)", [sid, n, url_id(target), kind, anchor, position, internal])

    def analyse(self, crawl_id: int = 1, **settings):
        self.conn.commit()
        return analyse_links(self.conn, Site(name="facts", start_urls=[SITE + "/"]), crawl_id, now=NOW,
                             links_cfg=Links(**settings), flagged=set())


@pytest.fixture
def facts(tmp_path):
    f = Facts(tmp_path / "facts.db", crawls=2)
    yield f
    f.conn.close()


def by_subject(result, rule):
    return {f.subject_url: f for f in result.findings if f.rule == rule}


def test_broken_external_links(facts):
    home, about = SITE + "/", SITE + "/about.html"
    for u in (home, about):
        facts.page(u, crawl_id=2)
    ext = {
        "https://partner.example/gone": dict(outcome="http_error", status=404),
        "https://down.example/": dict(outcome="failed", status=None, error="DNS lookup failed: no results for hostname lookup"),
        "https://shy.example/x": dict(outcome="http_error", status=403),
        "https://fine.example/": dict(outcome="ok", status=200),
    }
    for url, kw in ext.items():
        facts.page(url, crawl_id=2, kind="external", method="HEAD", is_html=0, **kw)
    facts.link(home, about, "About", "nav")
    facts.link(about, home, "Home", "nav")
    facts.link(home, "https://partner.example/gone", "Our partner", "main")
    facts.link(about, "https://partner.example/gone", "Partner", "footer")
    facts.link(about, "https://down.example/", "Down", "main")
    facts.link(home, "https://shy.example/x", "Shy", "main")
    facts.link(home, "https://fine.example/", "Fine", "main")
    found = by_subject(facts.analyse(crawl_id=2), "links.broken_external")
    assert set(found) == {"https://partner.example/gone", "https://down.example/", "https://shy.example/x"}
    gone = found["https://partner.example/gone"]
    assert gone.evidence["linked_from"] == [{"page": home, "anchor": "Our partner", "position": "main"},
                                            {"page": about, "anchor": "Partner", "position": "footer"}]
    assert gone.evidence["checked_with"] == "HEAD" and gone.evidence["status"] == 404
    assert "404 Not Found" in gone.message and gone.category == "links" and gone.confidence >= 0.9
    assert gone.subject_id == url_id("https://partner.example/gone") and gone.site == "facts"
    assert "DNS lookup failed" in found["https://down.example/"].message
    assert found["https://shy.example/x"].confidence < 0.5   # 403: the server may refuse only robots


def test_an_external_check_of_an_earlier_crawl_or_another_site_does_not_count(facts):
    home = SITE + "/"
    facts.page(home, crawl_id=2)
    facts.page("https://old.example/", crawl_id=1, kind="external", method="HEAD", is_html=0, outcome="http_error", status=404)
    facts.page("https://other.example/", crawl_id=2, kind="external", method="HEAD", is_html=0, outcome="http_error",
               status=404, site="another-site")
    facts.link(home, "https://old.example/", "Old")
    facts.link(home, "https://other.example/", "Other")
    assert not by_subject(facts.analyse(crawl_id=2), "links.broken_external")


def test_links_recorded_on_a_page_of_an_earlier_crawl_do_not_count(facts):
    home, kept, old = SITE + "/", SITE + "/kept.html", SITE + "/old.html"
    facts.page(home, crawl_id=2)
    facts.page(kept, crawl_id=2)
    facts.page(old, crawl_id=1)             # the latest crawl did not read it: its links are history
    facts.page(SITE + "/gone.html", crawl_id=2, outcome="http_error", status=404, is_html=0)
    facts.link(home, kept, "Kept")
    facts.link(kept, home, "Home")
    facts.link(old, kept, "Kept")
    facts.link(old, SITE + "/gone.html", "Gone")
    res = facts.analyse(crawl_id=2)
    assert not by_subject(res, "links.broken_internal")
    assert set(by_subject(res, "links.orphan")) == {old}
    rows = {r[1]: r for r in res.graph_rows}
    assert rows[kept][3] == 1   # inlinks: from the home page only


def test_rules_can_be_switched_off_and_pages_exempted(facts):
    home, lonely = SITE + "/", SITE + "/lp/spring.html"
    facts.page(home, crawl_id=2)
    facts.page(lonely, crawl_id=2)
    assert set(by_subject(facts.analyse(crawl_id=2), "links.orphan")) == {lonely}
    assert not by_subject(facts.analyse(crawl_id=2, exempt=["/lp/*"]), "links.orphan")
    assert not {f.rule for f in facts.analyse(crawl_id=2, orphans=False, dead_ends=False).findings}


def test_a_truncated_crawl_lowers_the_confidence_of_orphans(facts):
    home, lonely = SITE + "/", SITE + "/lonely.html"
    facts.page(home, crawl_id=2)
    facts.page(lonely, crawl_id=2)
    facts.conn.execute("UPDATE crawl_sites SET truncated = 1 WHERE crawl_id = 2")
    f = by_subject(facts.analyse(crawl_id=2), "links.orphan")[lonely]
    assert f.confidence <= 0.4 and "max_pages" in f.evidence["crawl_truncated"]


@pytest.mark.parametrize("links, message", [
    ({"max_click_depth": 0}, "links.max_click_depth: must be at least 1"),
    ({"redirect_chain_hops": 1}, "links.redirect_chain_hops: must be at least 2"),
    ({"exempt": ["re:("]}, "links.exempt"),
    ({"max_depth": 3}, "did you mean 'max_click_depth'?"),
])
def test_links_settings_are_checked(links, message):
    with pytest.raises(ConfigError) as e:
        parse_config({"organisation": {"name": "x"}, "sites": [{"name": "s", "start_urls": ["https://x.example/"]}],
                      "links": links}, Path("/etc/org.toml"))
    assert message in str(e.value)


def test_impact_command_mirrors_the_api(tmp_path):
    import inspect

    from decay import api
    from tests.conftest import run_decay

    assert list(inspect.signature(api.impact).parameters) == ["urls", "db", "config"]
    r = run_decay("impact", "--help")
    assert r.returncode == 0 and "Usage:" in r.stdout and "--db" in r.stdout and "--json" in r.stdout
    missing = run_decay("impact", "https://www.facts.example/", "--db", str(tmp_path / "nothing.db"))
    assert missing.returncode == 2 and "no database" in missing.stderr and "Traceback" not in missing.stderr
