"""An interrupted crawl never damages the last complete results.

A first crawl completes; the site then changes and a second crawl is stopped
mid-way: by SIGTERM, by SIGKILL of the crawl process, or by SIGKILL of the
crawl and its store process together.  Each time the facts of the first
crawl must be intact, the database sound, and the next crawl must run.
"""
from __future__ import annotations

import os
import signal
import subprocess
import time

import pytest

from decay.localserver import Route
from tests.conftest import DECAY, crawl, query, write_config

PROD = "https://www.slow.example"
N = 30


def page_html(i: int, version: str) -> bytes:
    links = " ".join(f'<a href="/p{j}.html">page {j}</a>' for j in range(N))
    return f"<html><head><title>Page {i} {version}</title></head><body><main>{links}</main></body></html>".encode()


@pytest.fixture
def slow_site(local_site, tmp_path):
    state = {"version": "v1", "delay": 0.0}

    def answer(i):
        def handler(_req):
            return Route(status=200, headers={"Content-Type": "text/html"}, body=page_html(i, state["version"]), delay=state["delay"])
        return handler

    routes = {f"/p{i}.html": Route(handler=answer(i)) for i in range(N)}
    routes["/"] = Route(handler=answer(0))
    site = local_site(routes=routes)
    cfg = write_config(tmp_path / "org.toml", f"""
        [organisation]
        name = "Slow"
        [[sites]]
        name = "slow"
        start_urls = ["{PROD}/"]
        aliases = {{ "{PROD}" = "{site.url}" }}
        check_resources = false
        [crawl]
        concurrency = 2
        concurrency_per_host = 2
        autothrottle = false
        retries = 0
        """)
    return site, state, cfg, tmp_path / "decay.db"


def titles(db):
    return {r["url"]: r["title"] for r in query(db, "SELECT url, title FROM pages WHERE is_html = 1")}


def start_second_crawl(site, state, cfg, db) -> subprocess.Popen:
    state["version"], state["delay"] = "v2", 0.25
    hits = sum(site.hits.values())
    proc = subprocess.Popen([DECAY, "crawl", "--config", str(cfg), "--db", str(db)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    deadline = time.monotonic() + 60
    while sum(site.hits.values()) < hits + 6 and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)
    assert proc.poll() is None, "the crawl ended before it could be interrupted"
    return proc


def first_crawl(cfg, db):
    r = crawl(cfg, db)
    assert r.returncode == 0, r.stderr
    before = titles(db)
    assert len(before) == N + 1 and all(t.endswith("v1") for t in before.values())
    return before


def wait_for_status(db, crawl_id, want, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        rows = query(db, "SELECT status, reason FROM crawls WHERE id = ?", (crawl_id,))
        if rows and rows[0]["status"] == want:
            return rows[0]
        time.sleep(0.1)
    return query(db, "SELECT status, reason FROM crawls WHERE id = ?", (crawl_id,))[0]


def assert_intact(db, before):
    assert query(db, "PRAGMA integrity_check")[0][0] == "ok"
    assert titles(db) == before
    (c1,) = query(db, "SELECT status FROM crawls WHERE id = 1")
    assert c1["status"] == "complete"


def test_sigterm_marks_the_crawl_interrupted_and_keeps_the_last_results(slow_site):
    site, state, cfg, db = slow_site
    before = first_crawl(cfg, db)
    proc = start_second_crawl(site, state, cfg, db)
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 1, err
    assert "Traceback" not in err
    row = wait_for_status(db, 2, "interrupted")
    assert row["status"] == "interrupted" and "signal" in row["reason"]
    assert_intact(db, before)
    assert not list(db.parent.glob("*.tmp"))
    # the next crawl runs and takes the new facts
    state["delay"] = 0.0
    assert crawl(cfg, db).returncode == 0
    assert all(t.endswith("v2") for t in titles(db).values())


def test_sigkill_of_the_crawl_process(slow_site):
    site, state, cfg, db = slow_site
    before = first_crawl(cfg, db)
    proc = start_second_crawl(site, state, cfg, db)
    proc.kill()  # the crawl process only: its store process notices and records the interruption
    proc.communicate(timeout=30)
    row = wait_for_status(db, 2, "interrupted")
    assert row["status"] == "interrupted"
    assert_intact(db, before)
    state["delay"] = 0.0
    assert crawl(cfg, db).returncode == 0


def test_sigkill_of_everything(slow_site):
    site, state, cfg, db = slow_site
    before = first_crawl(cfg, db)
    proc = start_second_crawl(site, state, cfg, db)
    os.killpg(proc.pid, signal.SIGKILL)  # crawl and store process at once: nobody can write "interrupted"
    proc.communicate(timeout=30)
    time.sleep(0.2)
    (row,) = query(db, "SELECT status FROM crawls WHERE id = 2")
    assert row["status"] == "running"
    assert_intact(db, before)
    # the next crawl sees that crawl 2's process is gone, marks it, cleans up, and runs
    state["delay"] = 0.0
    r = crawl(cfg, db)
    assert r.returncode == 0, r.stderr
    assert query(db, "SELECT status FROM crawls WHERE id = 2")[0]["status"] == "interrupted"
    assert all(t.endswith("v2") for t in titles(db).values())
    assert not list(db.parent.glob("*.tmp"))


def test_progress_lines_when_not_on_a_terminal(slow_site):
    site, state, cfg, db = slow_site
    cfg.write_text(cfg.read_text() + "progress_interval = 0.3\n")
    state["delay"] = 0.1
    r = crawl(cfg, db)
    assert r.returncode == 0, r.stderr
    lines = [ln for ln in r.stderr.splitlines() if " progress slow: " in ln]
    assert lines, r.stderr
    # e.g. "2026-11-24 01:02:03 progress slow: 12 URLs requested: 12 ok, 0 redirects, 0 HTTP errors, 0 failures;
    #       19 queued, 0.0 MB, 9 URLs/s" (the summary's words)
    assert all(" URLs requested: " in ln and " queued, " in ln and " failures; " in ln and "URLs/s" in ln for ln in lines)
