"""Page roles, old articles as one archive decision, and redirects only to a real successor (issue 13).

A small real site is written to a temporary folder, served by LocalSite, crawled with `decay crawl` and
analysed with `decay analyse` (subprocesses, as everywhere): a blog of 60 dated posts behind a paginated
listing whose teasers announce "upcoming" meetings, a meta-refresh stub, evergreen pages, and two
obsolete pages that only an orphaned page links to (one with a later edition, one with only common words
in common with a live page).
"""
from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from pathlib import Path

import pytest

from tests.conftest import crawl, query, run_decay, write_config

ORIGIN = "https://www.example.org"
NOW = "2025-06-30"
POSTS = 60
PER_PAGE = 10


def _page(title: str, body: str, head: str = "", nav: str = "") -> str:
    return (f"<!doctype html><html lang=en><head><title>{title}</title>{head}</head><body>"
            f"<nav><a href='/'>Home</a> <a href='/blog/'>Blog</a> <a href='/about/'>About us</a>{nav}</nav>"
            f"<main><h1>{title}</h1>{body}</main><footer>Example Trust</footer></body></html>")


def _jsonld(obj: dict) -> str:
    return f"<script type='application/ld+json'>{json.dumps(obj)}</script>"


def _post_date(i: int) -> datetime:
    return datetime(2020 + (i + 5) // 12, 1 + (i + 5) % 12, 10, tzinfo=timezone.utc)   # June 2020 to May 2025


def _post_url(i: int) -> str:
    d = _post_date(i)
    return f"/blog/{d:%Y/%m/%d}/post-{i}/"


def _write(root: Path, path: str, html: str, mtime: datetime | None = None) -> None:
    f = root / path.lstrip("/") / "index.html" if path.endswith("/") else root / path.lstrip("/")
    f.parent.mkdir(parents=True, exist_ok=True)
    f.write_text(html, encoding="utf-8")
    if mtime is not None:
        os.utime(f, (mtime.timestamp(), mtime.timestamp()))


def build_site(root: Path) -> None:
    deploy = datetime(2025, 6, 29, 12, 0, tzinfo=timezone.utc)
    newest = [_post_url(i) for i in range(POSTS - 1, POSTS - 4, -1)]
    _write(root, "/", _page("Example Trust", "<p>Welcome to the Example Trust.</p>"
                            + "".join(f"<a href='{u}'>Latest news {k}</a> " for k, u in enumerate(newest))
                            + "<a href='/reports/annual-report-2024/'>Annual report 2024</a> "
                            + "<a href='/services/loft-insulation-in-stone-built-terraces/'>Loft insulation in stone-built terraces</a>",
                            # the crawl learns of the old campaign page only from a <link> no visitor follows
                            head="<link rel='alternate' hreflang='x-old' href='/campaign-2018/'>"),
           deploy)
    _write(root, "/about/", _page("About us", "<p>We look after old houses and the people who live in them.</p>"
                                  "<p><a href='/resources/missing/'>Our guide</a></p>"
                                  + _jsonld({"@type": "WebPage", "dateModified": "2025-03-01"})), deploy)
    for i in range(POSTS):
        d = _post_date(i)
        body = (f"<p>Posted {d:%d %B %Y}. The latest release of our guide is now available. "
                f"The next meeting will take place on {d:%d %B %Y}; we look forward to seeing you.</p>"
                "<p><a href='/about/'>About us</a></p>"
                + (f"<p><a href='/resources/gone-{i}/'>our old resource</a></p>" if i < 5 else ""))
        head = (f"<meta property='article:published_time' content='{d:%Y-%m-%d}T10:00:00Z'>"
                f"<meta property='article:modified_time' content='{d:%Y-%m-%d}T10:00:00Z'>")
        _write(root, _post_url(i), _page(f"News {i}: what we did in {d:%B %Y}", body, head), deploy)
    pages = (POSTS + PER_PAGE - 1) // PER_PAGE
    for n in range(1, pages + 1):
        ids = list(range(POSTS - 1, -1, -1))[(n - 1) * PER_PAGE: n * PER_PAGE]
        teasers = "".join(f"<article><h2><a href='{_post_url(i)}'>News {i}</a></h2><p>{_post_date(i):%d %B %Y}: "
                          f"Upcoming design meetings, join us.</p></article>" for i in ids)
        pager = (f"<a href='/blog/page/{n + 1}/'>Older posts</a>" if n < pages else "")
        _write(root, "/blog/" if n == 1 else f"/blog/page/{n}/", _page("Blog", teasers + pager), deploy)
    # a Hugo alias: an old address kept alive by a meta refresh
    _write(root, "/news/old-address.html", "<!doctype html><html><head><title>" + ORIGIN + _post_url(3)
           + f"</title><meta http-equiv='refresh' content='0; url={ORIGIN}{_post_url(3)}'><meta name=robots content=noindex>"
           "</head><body></body></html>", deploy)
    # reports and services: a later edition exists for one, only common words for the other
    _write(root, "/reports/annual-report-2024/", _page("Annual report 2024", "<p>What we did in 2024.</p>"
                                                       + _jsonld({"@type": "WebPage", "dateModified": "2025-02-01"})), deploy)
    _write(root, "/reports/annual-report-2019/", _page("Annual report 2019", "<p>What we did in 2019.</p><p>Last updated 1 February 2019</p>"
                                                       + _jsonld({"@type": "WebPage", "dateModified": "2019-02-01"})),
           datetime(2019, 2, 1, tzinfo=timezone.utc))
    _write(root, "/services/loft-insulation-in-stone-built-terraces/",
           _page("Loft insulation in stone-built terraces", "<p>How we insulate lofts.</p>"
                 + _jsonld({"@type": "WebPage", "dateModified": "2025-01-15"})), deploy)
    _write(root, "/services/solar-panels-in-stone-built-terraces/",
           _page("Solar panels in stone-built terraces", "<p>How we fit solar panels.</p><p>Last updated 1 April 2018</p>"
                 + _jsonld({"@type": "WebPage", "dateModified": "2018-04-01"})), datetime(2018, 4, 1, tzinfo=timezone.utc))
    # an old landing page nothing links to, the only page that links to the two old pages
    _write(root, "/campaign-2018/", _page("Campaign 2018", "<p><a href='/reports/annual-report-2019/'>Our report</a> "
                                          "<a href='/services/solar-panels-in-stone-built-terraces/'>Solar panels</a></p>"
                                          + "<p>Last updated 1 May 2018</p>"
                                          + _jsonld({"@type": "WebPage", "dateModified": "2018-05-01"})), datetime(2018, 5, 1, tzinfo=timezone.utc))
    (root / "sitemap.xml").write_text(
        "<?xml version='1.0' encoding='UTF-8'?><urlset xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>"
        f"<url><loc>{ORIGIN}/</loc></url>"
        f"<url><loc>{ORIGIN}/news/old-address.html</loc></url></urlset>", encoding="utf-8")


@pytest.fixture(scope="module")
def analysed(tmp_path_factory):
    from decay.localserver import LocalSite
    tmp = tmp_path_factory.mktemp("roles")
    root = tmp / "site"
    build_site(root)
    site = LocalSite(root=root).start()
    try:
        cfg = write_config(tmp / "org.toml", f"""
            [organisation]
            name = "Example Trust"

            [[sites]]
            name = "main"
            start_urls = ["{ORIGIN}/"]
            aliases = {{ "{ORIGIN}" = "{site.url}" }}
            check_external_links = false

            [crawl]
            autothrottle = false
            concurrency_per_host = 8

            [cleanup]
            remove_min_confidence = 0.7
            """)
        db = tmp / "decay.db"
        r = crawl(cfg, db)
        assert r.returncode == 0, r.stderr
        r = run_decay("analyse", "--config", str(cfg), "--db", str(db), "--now", NOW, "--top", "0")
        assert r.returncode == 0, r.stderr
        yield db
    finally:
        site.stop()


def _roles(db: Path) -> dict[str, tuple[str, str]]:
    return {r["url"]: (r["role"], r["reason"]) for r in query(db, "SELECT url, role, reason FROM page_roles")}


def test_roles_recorded_with_their_evidence(analysed):
    roles = _roles(analysed)
    assert roles[ORIGIN + "/"][0] == "home"
    assert roles[ORIGIN + "/blog/page/3/"][0] == "listing"
    assert roles[ORIGIN + "/blog/"][0] == "listing"
    assert roles[ORIGIN + _post_url(5)][0] == "article"
    assert "date" in roles[ORIGIN + _post_url(5)][1]
    assert roles[ORIGIN + "/news/old-address.html"][0] == "stub"
    assert roles[ORIGIN + "/about/"][0] == "evergreen"
    assert all(reason for _, reason in roles.values())


def test_a_listing_is_not_dated_by_its_teasers_and_announces_nothing(analysed):
    rows = query(analysed, "SELECT rule, subject_url FROM findings WHERE status = 'open' AND subject_url LIKE ? "
                           "AND category IN ('outdated', 'expired')", (ORIGIN + "/blog/page/%",))
    assert rows == []
    items = query(analysed, "SELECT subject_url AS url, rules FROM cleanup WHERE subject_url LIKE ?", (ORIGIN + "/blog/%",))
    assert [r["url"] for r in items if "/page/" in r["url"] or r["url"].endswith("/blog/") and r["rules"] != "outdated.old_articles"] == []


def test_old_articles_are_one_archive_item_not_one_per_post(analysed):
    items = query(analysed, "SELECT subject_url AS url, action, rules, subject_type FROM cleanup")
    on_posts = [r for r in items if "/blog/20" in r["url"]]
    assert on_posts == [], on_posts
    archive = [r for r in items if r["rules"] == "outdated.old_articles"]
    assert len(archive) == 1 and archive[0]["action"] == "review" and archive[0]["subject_type"] == "section"
    ev = json.loads(query(analysed, "SELECT evidence FROM findings WHERE rule = 'outdated.old_articles'")[0]["evidence"])
    assert ev["articles"] >= 20 and ev["oldest"]["url"] == ORIGIN + _post_url(0)
    # the findings on each post are kept, as information
    info = query(analysed, "SELECT count(*) AS n FROM findings WHERE rule = 'outdated.stale_page' AND severity = 'info' "
                           "AND status = 'open'")[0]["n"]
    assert info >= 20
    # the blog holds at most one list item per 20 pages, and nothing is removed or redirected on it
    pages = query(analysed, "SELECT count(*) AS n FROM page_roles")[0]["n"]
    assert len(items) <= max(1, pages // 20) + 4   # + the three planted obsolete pages and the broken link on /about/
    assert not [r for r in items if r["action"] in ("remove", "redirect") and "/blog/" in r["url"]]


def test_a_stub_is_a_redirect_not_content(analysed):
    rows = query(analysed, "SELECT rule FROM findings WHERE status = 'open' AND subject_url = ? AND severity != 'info'",
                 (ORIGIN + "/news/old-address.html",))
    assert [r["rule"] for r in rows if r["rule"].startswith("outdated.")] == []
    assert query(analysed, "SELECT subject_url FROM cleanup WHERE subject_url = ?", (ORIGIN + "/news/old-address.html",)) == []


def test_redirect_only_to_a_real_successor(analysed):
    items = {r["url"]: r for r in query(analysed, "SELECT subject_url AS url, action, target_url, target_reason FROM cleanup")}
    old = items.get(ORIGIN + "/reports/annual-report-2019/")
    assert old is not None and old["action"] == "redirect", old
    assert old["target_url"] == ORIGIN + "/reports/annual-report-2024/"
    assert "later year or version" in old["target_reason"] and "2019" in old["target_reason"]
    solar = items.get(ORIGIN + "/services/solar-panels-in-stone-built-terraces/")
    assert solar is not None and solar["action"] not in ("redirect", "remove"), solar
    assert solar["target_url"] is None
    # nothing anywhere is sent to the start page or to a page with only common words in common
    assert not [u for u, r in items.items() if r["target_url"] in (ORIGIN + "/", ORIGIN + "/services/loft-insulation-in-stone-built-terraces/")]


def test_role_overrides_by_url_pattern(tmp_path, analysed):
    cfg = write_config(tmp_path / "org.toml", f"""
        [organisation]
        name = "Example Trust"

        [[sites]]
        name = "main"
        start_urls = ["{ORIGIN}/"]

        [[outdated.roles]]
        role = "evergreen"
        patterns = ["/blog/2020/*"]
        """)
    db = tmp_path / "copy.db"
    db.write_bytes(analysed.read_bytes())
    r = run_decay("analyse", "--config", str(cfg), "--db", str(db), "--now", NOW, "--top", "0")
    assert r.returncode == 0, r.stderr
    roles = _roles(db)
    assert roles[ORIGIN + _post_url(0)] == ("evergreen", "set by [[outdated.roles]] pattern /blog/2020/*")
    assert roles[ORIGIN + _post_url(20)][0] == "article"
    bad = write_config(tmp_path / "bad.toml", f"""
        [organisation]
        name = "Example Trust"

        [[sites]]
        name = "main"
        start_urls = ["{ORIGIN}/"]

        [[outdated.roles]]
        role = "news"
        patterns = ["/blog/*"]
        """)
    r = run_decay("check", "--config", str(bad))
    assert r.returncode == 2 and "outdated.roles[0].role" in r.stderr and "article" in r.stderr and "Traceback" not in r.stderr


def test_broken_links_only_old_articles_carry_are_one_item_per_section(analysed):
    items = {r["url"]: r for r in query(analysed, "SELECT subject_url AS url, subject_type, action, rules FROM cleanup")}
    archive = [r for r in items.values() if r["rules"] == "links.broken_in_archive"]
    assert len(archive) == 1 and archive[0]["action"] == "fix links" and archive[0]["subject_type"] == "section"
    ev = json.loads(query(analysed, "SELECT evidence FROM findings WHERE rule = 'links.broken_in_archive'")[0]["evidence"])
    assert sorted(t["url"] for t in ev["targets"]) == [f"{ORIGIN}/resources/gone-{i}/" for i in range(5)]
    # each target keeps its exact finding, as information; a broken link on a live evergreen page keeps its own item
    gone = query(analysed, "SELECT severity FROM findings WHERE rule = 'links.broken_internal' AND subject_url = ?",
                 (f"{ORIGIN}/resources/gone-0/",))
    assert [r["severity"] for r in gone] == ["info"]
    assert items[f"{ORIGIN}/resources/missing/"]["rules"] == "links.broken_internal"


def test_the_articles_presented_as_current_are_found_beside_the_analysis_as_in_it(analysed, tmp_path):
    import sqlite3
    from types import SimpleNamespace

    from analysis.archive import PresentedBeside, presented_as_current
    conn = sqlite3.connect(analysed)
    crawl_id = conn.execute("SELECT max(id) FROM crawls WHERE status = 'complete'").fetchone()[0]
    pages = [SimpleNamespace(url_id=u, url=url, role=role) for u, url, role in conn.execute(
        "SELECT url_id, url, role FROM page_roles WHERE site = 'main' ORDER BY url_id")]
    here = presented_as_current(conn, "main", crawl_id, pages)
    beside = PresentedBeside(analysed, "main", crawl_id, pages).result()   # its own connection, in a thread
    assert beside == here
    ids = {p.url: p.url_id for p in pages}
    newest = [ORIGIN + _post_url(i) for i in range(POSTS - 1, POSTS - 4, -1)]   # the home page's latest news
    assert {here[ids[u]] for u in newest} == {f"the home page {ORIGIN}/"}
    assert len(here) == 3
    with pytest.raises(sqlite3.OperationalError):   # what went wrong in the thread is raised where it is waited for
        PresentedBeside(tmp_path / "missing.db", "main", crawl_id, pages).result()
