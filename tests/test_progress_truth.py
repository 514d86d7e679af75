"""Progress tells the truth (issue 19): the live progress, the final summary and the crawls rows count the
same things the same way; an unchanged re-crawl counts the links it carried over; internationalised hosts
are written in IDNA (punycode), and a host that cannot be is an error row, not a UnicodeError.
"""
from __future__ import annotations

import os
import re
import time

from crawler.progress import render_line, site_rows
from crawler.record.finish import site_counts
from decay.localserver import status
from tests.conftest import crawl, query, write_config

PROD = "https://www.truth.example"
T0 = int(time.time()) - 86400 * 30
LONG_LABEL = "\u00fc" * 70   # over 63 characters: no punycode for it


def _page(title: str, body: str) -> str:
    return f"<!doctype html><html lang=en><head><title>{title}</title></head><body><main>{body}</main></body></html>"


def _site(root):
    files = {
        "index.html": _page("Home", '<a href="/a.html">A</a> <a href="/b.html">B</a> <a href="/gone1">x</a> '
                                    '<a href="/gone2">y</a> <a href="/boom">z</a>'),
        "a.html": _page("A", '<a href="/">Home</a> <a href="/b.html">B</a> <a href="http://127.0.0.1:1/nothing">dead</a> '
                             '<a href="http://\u2603.example/">snow</a> <a href="https://b\u00fccher.example/">books</a> '
                             f'<a href="https://{LONG_LABEL}.example/">long</a>'),
        "b.html": _page("B", '<a href="/">Home</a> <a href="/a.html">A</a> <a href="/gone1">x</a>'),
    }
    for name, text in files.items():
        p = root / name
        p.write_text(text, encoding="utf-8")
        os.utime(p, (T0, T0))


def _setup(local_site, tmp_path):
    root = tmp_path / "site"
    root.mkdir()
    _site(root)
    site = local_site(root=root, routes={"/boom": status(500, "broken")})
    cfg = write_config(tmp_path / "org.toml", f"""
        [organisation]
        name = "Truth"
        [[sites]]
        name = "truth"
        start_urls = ["{PROD}/"]
        aliases = {{ "{PROD}" = "{site.url}" }}
        check_external_links = true
        [crawl]
        autothrottle = false
        retries = 0
        timeout = 5
        [output]
        database = "decay.db"
        """)
    return cfg, tmp_path / "decay.db"


SITE_LINE = re.compile(r"truth: complete; (\d+) URLs requested: (\d+) ok, (\d+) redirects, (\d+) HTTP errors, "
                       r"(\d+) failures; (\d+) blocked by robots.txt, (\d+) skipped")
LINKS_LINE = re.compile(r"\d+ HTML pages, (\d+) links(?: \((\d+) carried over from unchanged pages\))?,")


def _said(out: str) -> tuple[dict, int, int]:
    m = SITE_LINE.search(out)
    assert m, out
    keys = ("fetched", "ok", "redirects", "http_errors", "failures", "blocked", "skipped")
    figures = dict(zip(keys, map(int, m.groups())))
    lm = LINKS_LINE.search(out)
    assert lm, out
    return figures, int(lm.group(1)), int(lm.group(2) or 0)


def test_summary_progress_and_crawls_row_agree_and_recrawl_counts_carried_links(local_site, tmp_path):
    cfg, db = _setup(local_site, tmp_path)
    r = crawl(cfg, db)
    out = r.stdout + r.stderr
    assert "UnicodeError" not in out
    said, links, carried = _said(out)
    row = dict(query(db, "SELECT fetched, ok, redirects, http_errors, failures, blocked, skipped FROM crawl_sites "
                         "WHERE site = 'truth' ORDER BY crawl_id DESC LIMIT 1")[0])
    assert said == row
    # the crawl met the errors it was built with: two 404s, a 500, a refused connection, a host with no punycode
    assert row["http_errors"] >= 3 and row["failures"] >= 2
    # the URLs recorded, counted as the recorder counts them (site_counts), are the summary's figures
    by_outcome = {o: n for o, n in query(db, "SELECT outcome, count(*) FROM pages WHERE site = 'truth' GROUP BY outcome")}
    assert site_counts(by_outcome) == row
    # and the progress shows the recorder's counts with the summary's words and numbers
    line = render_line(site_rows({"truth": row})[0])
    assert (f"truth: {row['fetched']} URLs requested: {row['ok']} ok, {row['redirects']} redirects, "
            f"{row['http_errors']} HTTP errors, {row['failures']} failures;") in line
    assert f"truth: complete; {row['fetched']} URLs requested" in out
    crawls_links = query(db, "SELECT links FROM crawls ORDER BY id DESC LIMIT 1")[0][0]
    assert links == crawls_links == query(db, "SELECT count(*) FROM links")[0][0] and carried == 0

    # an unchanged re-crawl: the pages answer 304, their links are carried over and counted
    r2 = crawl(cfg, db)
    out2 = r2.stdout + r2.stderr
    assert "pages unchanged (304 Not Modified)" in out2, out2
    said2, links2, carried2 = _said(out2)
    assert links2 == links, out2
    assert carried2 > 0 and f"{links2} links ({carried2} carried over from unchanged pages)" in out2
    assert query(db, "SELECT links FROM crawls ORDER BY id DESC LIMIT 1")[0][0] == links
    assert said2["http_errors"] == row["http_errors"] and said2["failures"] == row["failures"]


def test_internationalised_hosts_are_punycode_and_an_unencodable_one_is_an_error_row(local_site, tmp_path):
    cfg, db = _setup(local_site, tmp_path)
    r = crawl(cfg, db)
    assert "UnicodeError" not in r.stdout + r.stderr
    urls = {row["url"]: row for row in query(db, "SELECT url, kind, outcome, error FROM pages")}
    for url in ("http://xn--n3h.example/", "https://xn--bcher-kva.example/"):
        assert url in urls and urls[url]["kind"] == "external", sorted(urls)
        assert "UnicodeError" not in (urls[url]["error"] or "")
    bad = urls[f"https://{LONG_LABEL}.example/"]
    assert bad["kind"] == "external" and bad["outcome"] == "failed"
    assert bad["error"].startswith("invalid host name: ") and "IDNA" in bad["error"]
    assert not any("UnicodeError" in (row["error"] or "") for row in urls.values())
