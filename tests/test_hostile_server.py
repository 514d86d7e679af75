"""The hostile-server suite (issue 14): one local server serving every bad behaviour a crawl meets on a bad
night (tests/hostile_site.py), crawled ONCE per session with `decay crawl` and `decay analyse` in subprocesses.

Each test then checks one behaviour: it ends as the documented row (pages.outcome and pages.error, or the
sitemaps, feeds and robots tables), the crawl ends within a bound and completes, and the memory of the
crawl's whole process tree stays bounded.  README: "What content-decay promises when things go wrong".
"""
from __future__ import annotations

import csv
import io
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import DECAY, query, run_decay, write_config
from tests.hostile_site import (CHAIN_END, CSV_TITLE, LONG_URL, MANY_LINKS, PATHS, SITEMAP_CHAIN_END, hostile_site)

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks._common import TreeMemory  # noqa: E402  (samples VmRSS/VmHWM of a process tree from /proc)

TIMEOUT = 8          # [crawl] timeout, seconds (generous: big bodies on a loaded machine must not time out)
HANG = 14            # the server's hang: longer than the timeout
MAX_PAGE_MB = 8
MAX_DEPTH = 30
CRAWL_BOUND = 90     # seconds: the crawl must end well within this (it takes about 10 s)
MEMORY_BOUND_MB = 1536


def _run_measured(args: list[str], timeout: float) -> tuple[subprocess.CompletedProcess, float, float]:
    """Run decay with args, sampling the memory of its process tree: (result, seconds, peak MB)."""
    started = time.monotonic()
    proc = subprocess.Popen([DECAY, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    memory = TreeMemory(proc.pid)
    out = err = ""
    try:
        while True:
            memory.sample()
            try:
                out, err = proc.communicate(timeout=0.1)
                break
            except subprocess.TimeoutExpired:
                if time.monotonic() - started > timeout:
                    proc.kill()
                    out, err = proc.communicate()
                    pytest.fail(f"decay {args[0]} did not end within {timeout} s\n{err[-3000:]}")
    finally:
        if proc.poll() is None:
            proc.kill()
    seconds = time.monotonic() - started
    return subprocess.CompletedProcess(args, proc.returncode, out, err), seconds, memory.peak_tree_kib / 1024


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    site = hostile_site(hang_seconds=HANG).start()
    tmp = tmp_path_factory.mktemp("hostile")
    cfg = write_config(tmp / "org.toml", f"""
        [organisation]
        name = "Hostile"

        [[sites]]
        name = "hostile"
        start_urls = ["{site.url}/"]
        max_pages = 1000
        max_depth = {MAX_DEPTH}
        check_external_links = false

        [crawl]
        concurrency = 16
        concurrency_per_host = 16
        autothrottle = false
        timeout = {TIMEOUT}
        retries = 0
        max_page_mb = {MAX_PAGE_MB}
        """)
    db = tmp / "decay.db"
    result, seconds, peak_mb = _run_measured(["crawl", "--config", str(cfg), "--db", str(db)], CRAWL_BOUND)
    analysed = run_decay("analyse", "--config", str(cfg), "--db", str(db), timeout=120)
    yield {"site": site, "db": db, "cfg": cfg, "result": result, "seconds": seconds, "peak_mb": peak_mb,
           "analysed": analysed, "url": site.url}
    site.stop()


def row(h, path: str):
    rows = query(h["db"], "SELECT * FROM pages WHERE url = ?", (h["url"] + path,))
    assert rows, f"{path} was not recorded at all"
    return rows[0]


def failed_with(h, path: str, *words: str):
    r = row(h, path)
    assert r["outcome"] == "failed" and r["error"], dict(r)
    for w in words:
        assert w in r["error"], (path, r["error"])
    return r


# ------------------------------------------------------------------ the crawl as a whole
def test_the_crawl_completes_within_its_bound_without_a_traceback(hostile):
    r = hostile["result"]
    assert r.returncode == 0, r.stderr[-3000:]
    assert "Traceback" not in r.stderr
    # it ended: _run_measured fails a crawl that runs past CRAWL_BOUND (a bound, not a speed check)
    (c,) = query(hostile["db"], "SELECT status FROM crawls")
    assert c["status"] == "complete"
    assert row(hostile, "/")["outcome"] == "ok"


def test_memory_of_the_crawl_process_tree_stays_bounded(hostile):
    # a 64 MB gzip bomb, a 12 MB body with and without Content-Length, 100,000 links, a 1 MB title
    print(f"hostile crawl: {hostile['seconds']:.1f} s, peak process-tree RSS {hostile['peak_mb']:.0f} MB")
    assert 0 < hostile["peak_mb"] < MEMORY_BOUND_MB, hostile["peak_mb"]


def test_analyse_completes(hostile):
    a = hostile["analysed"]
    assert a.returncode in (0, 1), a.stderr[-3000:]
    assert "Traceback" not in a.stderr


# ------------------------------------------------------------------ one test per behaviour
def test_5xx_is_an_http_error_row(hostile):
    r = row(hostile, PATHS["5xx"])
    assert r["outcome"] == "http_error" and r["status"] == 500


def test_a_hang_is_a_timeout(hostile):
    failed_with(hostile, PATHS["hang"], "timeout", f"{TIMEOUT} s")


def test_a_drip_is_a_timeout(hostile):
    failed_with(hostile, PATHS["drip"], "timeout")


def test_a_connection_reset_is_a_failure_that_says_so(hostile):
    r = failed_with(hostile, PATHS["reset"])
    assert "connection" in r["error"]


def test_a_truncated_body_is_an_incomplete_answer(hostile):
    failed_with(hostile, PATHS["truncated"], "incomplete answer")


def test_a_huge_body_with_content_length_is_not_downloaded(hostile):
    failed_with(hostile, PATHS["huge_with_length"], "too large", "the server announced", f"max_page_mb ({MAX_PAGE_MB} MB)")


def test_a_huge_body_without_content_length_is_cut_off_and_says_so(hostile):
    r = failed_with(hostile, PATHS["huge_without_length"], "too large", f"larger than max_page_mb ({MAX_PAGE_MB} MB)",
                    "cut off")
    assert "cancelled" not in r["error"]


def test_a_gzip_bomb_is_too_large_and_says_so(hostile):
    r = failed_with(hostile, PATHS["gzip_bomb"], "too large", "compressed body expands past", "gzip bomb")
    assert "not requested" not in r["error"]


def test_a_bad_charset_is_read_anyway(hostile):
    r = row(hostile, PATHS["bad_charset"])
    assert r["outcome"] == "ok" and r["is_html"] == 1 and r["title"].startswith("Caf")


def test_a_redirect_loop_ends_with_both_hops_recorded_once(hostile):
    a, b = row(hostile, "/loop-a"), row(hostile, "/loop-b")
    assert a["outcome"] == b["outcome"] == "redirect"
    assert hostile["site"].hits["GET /loop-a"] == 1 and hostile["site"].hits["GET /loop-b"] == 1


def test_an_endless_redirect_chain_is_cut_and_the_cut_recorded(hostile):
    chain = query(hostile["db"], "SELECT url, error FROM pages WHERE url LIKE ?", (hostile["url"] + "/chain/%",))
    assert len(chain) <= 25 < CHAIN_END, len(chain)
    assert any(r["error"] and "redirect chain" in r["error"] for r in chain)


def test_a_calendar_trap_is_bounded_by_max_depth(hostile):
    months = query(hostile["db"], "SELECT url, depth, outcome, error FROM pages WHERE url LIKE ?",
                   (hostile["url"] + "/calendar%",))
    fetched = [m for m in months if m["outcome"] == "ok"]
    assert 10 < len(fetched) <= 2 * MAX_DEPTH and max(m["depth"] for m in fetched) <= MAX_DEPTH
    assert hostile["site"].hits["GET /calendar"] == len(fetched)
    beyond = [m for m in months if m["outcome"] == "skipped"]   # the next month, each way: recorded, not requested
    assert beyond and all("beyond max_depth" in m["error"] for m in beyond)


def test_a_sitemap_that_lists_itself_is_read_once(hostile):
    assert hostile["site"].hits["GET /sitemap.xml"] == 1
    (s,) = query(hostile["db"], "SELECT * FROM sitemaps WHERE url = ?", (hostile["url"] + "/sitemap.xml",))
    assert s["status"] == 200 and s["type"] == "sitemapindex"


def test_an_endless_chain_of_sitemap_indexes_is_cut_and_the_cut_recorded(hostile):
    fetched = sum(n for k, n in hostile["site"].hits.items() if k.startswith("GET /sitemaps/"))
    assert fetched <= 20 < SITEMAP_CHAIN_END, fetched
    skipped = query(hostile["db"], "SELECT error FROM sitemaps WHERE url LIKE ? AND error IS NOT NULL",
                    (hostile["url"] + "/sitemaps/%",))
    assert skipped and "not read" in skipped[0]["error"]


def test_a_malformed_feed_is_an_error_without_a_garbage_title(hostile):
    (f,) = query(hostile["db"], "SELECT * FROM feeds WHERE url = ?", (hostile["url"] + PATHS["feed"],))
    assert f["error"] and f["error"].startswith("malformed feed: not well-formed XML"), f["error"]
    assert f["title"] is None and f["entries"] >= 1


def test_a_page_with_100000_links_is_read_whole(hostile):
    r = row(hostile, PATHS["many_links"])
    assert r["outcome"] == "ok"
    (n,) = query(hostile["db"], "SELECT count(*) FROM links WHERE source_id = ?", (r["url_id"],))[0]
    assert n == MANY_LINKS


def test_a_1mb_title_is_clipped(hostile):
    r = row(hostile, PATHS["big_title"])
    assert r["outcome"] == "ok" and r["title"].startswith("TTTT") and len(r["title"]) <= 2000


def test_a_10000_character_url_is_recorded(hostile):
    r = row(hostile, LONG_URL)
    assert r["outcome"] in ("http_error", "skipped", "failed") and r["status"] in (404, None)


def test_a_6mb_robots_txt_is_read_clipped_and_the_crawl_goes_on(hostile):
    (rb,) = query(hostile["db"], "SELECT * FROM robots")
    assert rb["status"] == 200 and rb["body"] and len(rb["body"]) <= 500_000
    assert row(hostile, PATHS["csv_title"])["outcome"] == "ok"


def test_deep_nesting_is_read_without_its_structure_and_says_so(hostile):
    r = row(hostile, PATHS["deep"])
    assert r["outcome"] == "ok" and r["title"] == "Deep"
    assert "nested" in (r["error"] or "")


def test_a_csv_injection_title_is_stored_as_written_and_exported_neutralised(hostile):
    assert row(hostile, PATHS["csv_title"])["title"] == CSV_TITLE   # facts are facts
    out = run_decay("export", "cleanup", "--format", "csv", "--all", "--db", str(hostile["db"]), timeout=60)
    assert out.returncode == 0, out.stderr
    rows = [r for r in csv.DictReader(io.StringIO(out.stdout)) if r["subject_url"] == hostile["url"] + PATHS["csv_title"]]
    assert rows, "the page has no cleanup item: the export cannot be checked"
    assert all(r["title"] == "'" + CSV_TITLE for r in rows)
    for r in csv.DictReader(io.StringIO(out.stdout)):
        for v in r.values():
            assert not v.startswith(("=", "+", "-", "@", "\t", "\r")) or _number(v), v


def _number(v: str) -> bool:
    try:
        float(v)
        return True
    except ValueError:
        return False


def test_a_calendar_trap_is_one_item_per_rule_on_the_list_not_one_per_month(hostile):
    rows = query(hostile["db"], "SELECT subject_type, rules, why FROM cleanup WHERE subject_url LIKE ?",
                 (hostile["url"] + "/calendar%",))
    assert rows, "the trap's deep pages are worth one item"
    assert all(r["subject_type"] == "section" for r in rows) and len(rows) <= 2, [tuple(r) for r in rows]
    assert "pages under /calendar/ are more than" in " ".join(r["why"] for r in rows)
    # each month's own finding is kept as information, with the section named
    info = query(hostile["db"], "SELECT count(*) AS n FROM findings WHERE rule = 'links.deep_page' AND severity = 'info' "
                                "AND subject_type = 'page' AND subject_url LIKE ?", (hostile["url"] + "/calendar%",))
    assert info[0]["n"] >= 5
