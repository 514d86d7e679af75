"""URL twins: one page, one row (issue 13, class 1).

A small site written in tmp and served on 127.0.0.1, crawled for real (subprocess) under its production
name https://www.twins.example: its pages link to the site's own pages over plain http://, and to
/about/index.html beside /about/; /docs/print/ declares /docs/ as its canonical with the same main
content.  A second site is crawled under its local http:// address with no alias at all, and links
to its own pages with https://.  The old crawl fetched and stored every twin as a page of its own.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from decay import api
from decay.localserver import LocalSite, redirect
from foundation.urls import SiteScope, url_id
from tests.conftest import crawl, query, write_config

PROD = "https://www.twins.example"


def html(title: str, main: str, head: str = "") -> str:
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>{head}</head><body>'
            f'<nav><a href="/">Home</a> <a href="/about/">About</a> <a href="/docs/">Docs</a></nav>'
            f'<main><h1>{title}</h1>{main}</main><footer><a href="/contact/">Contact</a></footer></body></html>')


DOCS = "<p>How to install the harbour tools, step by step, on every system we support.</p>"
FILES = {
    "index.html": html("Twins", '<p><a href="http://www.twins.example/about/">About us (old link)</a> '
                                 '<a href="/about/index.html">About (index.html)</a> <a href="/news">News</a> '
                                 '<a href="/docs/print/">Printable docs</a> <a href="/legacy/">Legacy</a> '
                                 '<a href="/notes/">Notes</a></p>'),
    "about/index.html": html("About", '<p>Who we are. <a href="http://www.twins.example/contact/">Write to us</a></p>'),
    "contact/index.html": html("Contact", '<p>Write to us. <a href="http://www.twins.example/about/index.html">About</a></p>'),
    "news/index.html": html("News", "<p>Nothing new.</p>"),
    "docs/index.html": html("Docs", DOCS),
    "docs/print/index.html": html("Docs", DOCS, head=f'<link rel="canonical" href="{PROD}/docs/">'),
    # a canonical that names a page with other content: not a twin, judged on its own
    "notes/index.html": html("Notes", "<p>Meeting notes of the harbour board.</p>", head=f'<link rel="canonical" href="{PROD}/docs/">'),
    "legacy/index.html": html("Legacy", "<p>The old pages, kept for reference.</p>"),
}


def write_site(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def aliased(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("twins")
    root = write_site(tmp / "site", FILES)
    # a server that sends /legacy/ to /legacy/index.html: the twin is where the page is, and stays crawlable
    site = LocalSite(root=root, routes={"/legacy/": redirect("/legacy/index.html")}).start()
    cfg = write_config(tmp / "twins.toml", f"""
        [organisation]
        name = "Twins"

        [[sites]]
        name = "twins"
        start_urls = ["{PROD}/"]
        aliases = {{ "{PROD}" = "{site.url}" }}
        check_external_links = false
        """)
    db = tmp / "decay.db"
    result = crawl(cfg, db)
    assert result.returncode == 0, result.stderr[-3000:]
    api.analyse(cfg, db=db, now="2026-01-15")
    yield {"db": db, "cfg": cfg, "site": site, "tmp": tmp}
    site.stop()


def urls_of(db: Path) -> list[str]:
    return [r["url"] for r in query(db, "SELECT url FROM pages WHERE site = 'twins' ORDER BY url")]


def test_http_links_to_the_aliased_https_site_are_not_a_second_site(aliased):
    urls = urls_of(aliased["db"])
    assert [u for u in urls if u.startswith("http://")] == []
    assert f"{PROD}/about/" in urls and f"{PROD}/contact/" in urls
    # the links are kept, pointing at the page itself, with the spelling as written
    rows = query(aliased["db"], "SELECT source_url, target_url, twin_url FROM link_urls WHERE twin_url LIKE 'http://%' "
                                "ORDER BY source_url")
    got = {(r["source_url"], r["target_url"], r["twin_url"]) for r in rows}
    assert (f"{PROD}/", f"{PROD}/about/", "http://www.twins.example/about/") in got
    assert (f"{PROD}/about/", f"{PROD}/contact/", "http://www.twins.example/contact/") in got
    # scheme and index.html at once: the page /about/
    assert (f"{PROD}/contact/", f"{PROD}/about/", "http://www.twins.example/about/index.html") in got


def test_index_html_is_the_directory_page_and_redirects_still_work(aliased):
    urls = urls_of(aliased["db"])
    assert f"{PROD}/about/index.html" not in urls
    assert urls.count(f"{PROD}/about/") == 1
    about = query(aliased["db"], "SELECT count(*) AS n FROM links WHERE target_id = ? AND kind = 'a'", [url_id(f"{PROD}/about/")])
    # nav on 8 pages, the two twin links on the home page and the one on /contact/
    assert about[0]["n"] == 8 + 3
    # redirects and the start URL still work
    db = aliased["db"]
    news = query(db, "SELECT outcome, location FROM pages WHERE url = ?", [f"{PROD}/news"])
    assert news and news[0]["outcome"] == "redirect" and news[0]["location"] == f"{PROD}/news/"
    assert query(db, "SELECT is_html FROM pages WHERE url = ?", [f"{PROD}/news/"])[0]["is_html"] == 1
    # a server that redirects a directory to its index.html: that is where the page is
    legacy = query(db, "SELECT outcome, location FROM pages WHERE url = ?", [f"{PROD}/legacy/"])
    assert legacy[0]["outcome"] == "redirect" and legacy[0]["location"] == f"{PROD}/legacy/index.html"
    assert query(db, "SELECT is_html, status FROM pages WHERE url = ?", [f"{PROD}/legacy/index.html"])[0]["status"] == 200
    assert query(db, "SELECT status FROM pages WHERE url = ?", [f"{PROD}/"])[0]["status"] == 200


def test_twin_findings_one_per_twin_url(aliased):
    rows = query(aliased["db"], "SELECT rule, subject_url, severity, category, message, evidence FROM findings "
                                "WHERE rule IN ('links.insecure_own_link', 'links.duplicate_url') AND status = 'open' "
                                "ORDER BY subject_url")
    by = {r["subject_url"]: r for r in rows}
    assert set(by) == {"http://www.twins.example/about/", "http://www.twins.example/contact/",
                       "http://www.twins.example/about/index.html", f"{PROD}/about/index.html", f"{PROD}/"}
    # three http:// twins are one habit: one site item lists them all, each twin's own finding is information
    site = by[f"{PROD}/"]
    assert site["rule"] == "links.insecure_own_link" and site["severity"] == "low"
    assert {t["twin_url"] for t in json.loads(site["evidence"])["twins"]} == {
        "http://www.twins.example/about/", "http://www.twins.example/contact/", "http://www.twins.example/about/index.html"}
    items = query(aliased["db"], "SELECT subject_type, action FROM cleanup WHERE rules LIKE '%insecure_own_link%'")
    assert [(r["subject_type"], r["action"]) for r in items] == [("site", "fix links")]
    insecure = by["http://www.twins.example/about/"]
    assert insecure["rule"] == "links.insecure_own_link" and insecure["severity"] == "info" and insecure["category"] == "links"
    assert insecure["message"].startswith(f"1 page links to the site's own page {PROD}/about/ over plain http://")
    ev = json.loads(insecure["evidence"])
    assert ev["linking_pages"] == 1 and ev["linked_from"][0]["page"] == f"{PROD}/"
    assert ev["linked_from"][0]["anchor"] == "About us (old link)"
    dup = by[f"{PROD}/about/index.html"]
    assert dup["rule"] == "links.duplicate_url" and dup["severity"] == "low"
    assert f"a second address of {PROD}/about/" in dup["message"]
    # on the cleanup list as a link fix, with the address to use instead
    todo = query(aliased["db"], "SELECT action, todo FROM cleanup WHERE subject_url = ?", [f"{PROD}/about/index.html"])
    assert todo and todo[0]["action"] == "fix links" and f"to {PROD}/about/" in todo[0]["todo"]


def test_canonical_twin_is_judged_once(aliased):
    db = aliased["db"]
    judged = {r["url"] for r in query(db, "SELECT url FROM page_dates WHERE site = 'twins'")}
    assert f"{PROD}/docs/" in judged
    assert f"{PROD}/docs/print/" not in judged            # same content, canonical names /docs/: a twin
    assert f"{PROD}/notes/" in judged                     # canonical names a page with other content: judged


def test_incremental_recrawl_keeps_one_row_per_page(aliased):
    result = crawl(aliased["cfg"], aliased["db"])
    assert result.returncode == 0, result.stderr[-3000:]
    db = aliased["db"]
    last = query(db, "SELECT max(id) AS id FROM crawls")[0]["id"]
    assert query(db, "SELECT mode FROM crawl_sites WHERE crawl_id = ?", [last])[0]["mode"] == "incremental"
    assert query(db, "SELECT count(*) AS n FROM pages WHERE crawl_id = ? AND not_modified = 1", [last])[0]["n"] > 0
    urls = urls_of(db)
    assert [u for u in urls if u.startswith("http://") or u.endswith("/about/index.html")] == []
    assert query(db, "SELECT count(*) AS n FROM links WHERE twin_url = 'http://www.twins.example/about/'")[0]["n"] == 1


def test_a_site_crawled_over_http_without_alias_keeps_http(tmp_path, local_site):
    files = {
        "index.html": html("Plain", '<p><a href="HTTPS_ORIGIN/about/">About (https)</a> <a href="/news/index.htm">News</a></p>'),
        "about/index.html": html("About", "<p>Who we are.</p>"),
        "news/index.htm": html("News", "<p>Nothing new.</p>"),
    }
    root = tmp_path / "site"
    root.mkdir()
    site = local_site(root=root)
    origin = site.url.rstrip("/")
    files["index.html"] = files["index.html"].replace("HTTPS_ORIGIN", origin.replace("http://", "https://"))
    files["news/index.html"] = html("News", "<p>Nothing new.</p>")   # the directory form must answer too
    write_site(root, files)
    cfg = write_config(tmp_path / "plain.toml", f"""
        [organisation]
        name = "Plain"

        [[sites]]
        name = "twins"
        start_urls = ["{origin}/"]
        check_external_links = false
        """)
    db = tmp_path / "decay.db"
    result = crawl(cfg, db)
    assert result.returncode == 0, result.stderr[-3000:]
    urls = urls_of(db)
    assert [u for u in urls if u.startswith("https://")] == []      # the old crawl tried https:// and recorded a failure
    assert f"{origin}/news/index.htm" not in urls and f"{origin}/news/" in urls
    assert query(db, "SELECT status FROM pages WHERE url = ?", [f"{origin}/about/"])[0]["status"] == 200
    api.analyse(cfg, db=db, now="2026-01-15")
    rules = {r["subject_url"]: r["rule"] for r in query(db, "SELECT rule, subject_url FROM findings WHERE rule LIKE 'links.%'")}
    https_about = origin.replace("http://", "https://") + "/about/"
    assert rules.get(https_about) == "links.duplicate_url"        # https links to an http site: a second address, not insecure
    assert rules.get(f"{origin}/news/index.htm") == "links.duplicate_url"


def test_scope_page_url():
    s = SiteScope("s", ["https://www.example.org/index.html"], aliases={"https://www.example.org": "http://127.0.0.1:8000"},
                  hosts=["static.example.org"])
    assert s.canonical_start_urls == ["https://www.example.org/"]
    assert s.page_url("http://www.example.org/a/") == ("https://www.example.org/a/", "scheme")
    assert s.page_url("https://www.example.org/a/index.htm?x=1") == ("https://www.example.org/a/?x=1", "index")
    assert s.page_url("https://www.example.org/a/myindex.html") == ("https://www.example.org/a/myindex.html", None)
    # a host the configuration names without a scheme: its scheme is not known, only index.html twins
    assert s.page_url("http://static.example.org/a/index.html") == ("http://static.example.org/a/", "index")
    plain = SiteScope("p", ["http://intranet.example/"])
    assert plain.page_url("https://intranet.example/a") == ("http://intranet.example/a", "scheme")
    assert plain.prefer_scheme("https://intranet.example/") is True
    assert plain.page_url("http://intranet.example/a") == ("https://intranet.example/a", "scheme")
    assert plain.canonical_start_urls == ["https://intranet.example/"]
