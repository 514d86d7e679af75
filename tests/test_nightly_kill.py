"""A `decay nightly` killed at any moment leaves the last complete run's results and every triage decision intact.

A first run completes; the site then changes, and a second run is stopped at a known point (the test-only
hook DECAY_TEST_PAUSE_AT in foundation/testing.py makes it wait there): during the crawl, inside the crawl's
merge transaction, after the analysis computed its judgments, inside the analysis' write transaction, and
before the run's history is recorded.  It is killed with SIGKILL (every process of the run at once), or
stopped with SIGTERM.  Each time: PRAGMA integrity_check passes, the first run's findings, cleanup list,
triage decisions and page facts are exactly as they were, and the next run marks the killed one
interrupted and completes.
"""
from __future__ import annotations

import os
import signal
import subprocess
import time

import pytest

from decay.localserver import Route
from tests.conftest import DECAY, query, run_decay
from tests.test_nightly_runs import build_site, garden  # noqa: F401  (fixture)

POINTS = ["revalidate", "crawl", "merge", "analysis", "analysis-write", "history"]


def tables(db) -> set[str]:
    return {r["name"] for r in query(db, "SELECT name FROM sqlite_master WHERE type = 'table'")}


def snapshot(db) -> dict:
    """What a killed run must not change: judgments, people's decisions, the facts of the last complete crawl."""
    have = tables(db)
    snap = {
        "findings": [tuple(r) for r in query(db, "SELECT id, status, severity, message, last_analysis_id FROM findings ORDER BY id")],
        "complete_runs": [r[0] for r in query(db, "SELECT id FROM runs WHERE status = 'complete' ORDER BY id")],
    }
    for name in ("cleanup", "triage", "triage_log"):   # the cleanup list and triage (when this version has them)
        if name in have:
            snap[name] = [tuple(r) for r in query(db, f"SELECT * FROM [{name}] ORDER BY 1")]
    return snap


def facts(db) -> dict:
    return {
        "pages": [tuple(r) for r in query(db, "SELECT url, title, text_hash, crawl_id FROM pages ORDER BY url")],
        "links": query(db, "SELECT count(*) FROM links")[0][0],
        "complete_crawls": [r[0] for r in query(db, "SELECT id FROM crawls WHERE status = 'complete' ORDER BY id")],
    }


def add_triage_decision(db) -> None:
    """A person's decision about a finding, written as datasette or `decay triage` would (when the table exists)."""
    if "triage" not in tables(db):
        return
    fid = query(db, "SELECT id FROM findings ORDER BY id LIMIT 1")[0][0]
    import sqlite3

    conn = sqlite3.connect(db)
    cols = [r[1] for r in conn.execute("PRAGMA table_info(triage)")]
    values = {"id": fid, "item": "finding", "state": "accepted", "note": "fix it next week", "who": "tester",
              "updated_at": "2026-01-01T00:00:00+00:00"}
    use = [c for c in cols if c in values]
    with conn:
        conn.execute(f"INSERT OR REPLACE INTO triage ({', '.join(use)}) VALUES ({', '.join('?' * len(use))})",
                     [values[c] for c in use])
    conn.close()


def start_paused(cfg, point: str, marker) -> subprocess.Popen:
    env = dict(os.environ, DECAY_TEST_PAUSE_AT=point, DECAY_TEST_PAUSE_FILE=str(marker))
    proc = subprocess.Popen([DECAY, "nightly", "--config", str(cfg)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env, start_new_session=True)
    deadline = time.monotonic() + 120
    while not (marker.exists() and f"paused at {point}" in marker.read_text()):
        if proc.poll() is not None:
            out, err = proc.communicate()
            pytest.fail(f"the run ended before reaching {point}: exit {proc.returncode}\n{out}\n{err}")
        assert time.monotonic() < deadline, f"never reached {point}"
        time.sleep(0.05)
    return proc


@pytest.mark.parametrize("point", POINTS)
def test_sigkill_at_any_point_changes_nothing_and_the_next_run_completes(garden, point, tmp_path):  # noqa: F811
    site, root, cfg, db = garden
    r = run_decay("nightly", "--config", str(cfg))
    assert r.returncode == 1, r.stderr
    add_triage_decision(db)
    before = snapshot(db)
    facts_before = facts(db)
    build_site(root, 2)

    proc = start_paused(cfg, point, tmp_path / "paused")
    os.killpg(proc.pid, signal.SIGKILL)    # the run and its store process, at once: nobody can clean up
    proc.communicate(timeout=30)
    time.sleep(0.2)

    assert query(db, "PRAGMA integrity_check")[0][0] == "ok"
    if point == "history":
        # killed after the analysis committed (its own transaction): the judgments are the new complete analysis';
        # people's decisions are untouched
        assert query(db, "SELECT status FROM analyses ORDER BY id DESC LIMIT 1")[0][0] == "complete"
        now = snapshot(db)
        for name in ("triage", "triage_log"):
            if name in before:
                assert now[name] == before[name]
    else:
        assert snapshot(db) == before
    if point in ("revalidate", "crawl", "merge"):
        assert facts(db) == facts_before      # the crawl's facts were not merged
    else:
        # the crawl was merged (its own transaction) before the kill: the facts are the new complete crawl's
        assert facts(db)["complete_crawls"] == [1, 2]
    assert query(db, "SELECT status FROM runs WHERE id = 2")[0]["status"] == "running"   # nobody could say otherwise

    # the next run marks what the killed one left, cleans up, and completes
    r = run_decay("nightly", "--config", str(cfg))
    assert r.returncode in (0, 1), r.stdout + r.stderr
    assert "marked as interrupted: run(s) 2" in r.stderr
    runs = {row["id"]: row["status"] for row in query(db, "SELECT id, status FROM runs")}
    assert runs == {1: "complete", 2: "interrupted", 3: "complete"}
    assert query(db, "SELECT status FROM crawls WHERE id = 2")[0]["status"] in ("interrupted", "complete")
    assert not query(db, "SELECT id FROM analyses WHERE status = 'running'")
    assert not list(db.parent.glob("*.tmp*"))
    assert query(db, "PRAGMA integrity_check")[0][0] == "ok"
    # the third run reports the changes since the last complete run (run 1), whatever run 2 got done
    s3 = query(db, "SELECT pages_added, pages_gone, pages_changed, findings_resolved FROM runs WHERE id = 3")[0]
    assert tuple(s3) == (1, 1, 1, 1)
    after = snapshot(db)
    for name in ("triage", "triage_log"):
        if name in before:
            assert after[name] == before[name]


def test_sigterm_stops_gracefully_marks_the_run_interrupted_and_releases_the_lock(garden, tmp_path):  # noqa: F811
    site, root, cfg, db = garden
    assert run_decay("nightly", "--config", str(cfg)).returncode == 1
    add_triage_decision(db)
    before = snapshot(db)
    build_site(root, 2)
    for point in ("revalidate", "crawl", "analysis"):
        if point in ("revalidate", "crawl"):
            # a page that takes long to answer: SIGTERM arrives while the re-validation pass (HEAD) or the crawl
            # (GET) waits for it
            site.routes["/e1.html"] = Route(status=200, headers={"Content-Type": "text/html"}, body=b"<html></html>", delay=3)
            hit = ("HEAD" if point == "revalidate" else "GET") + " /e1.html"
            seen = site.hits[hit]
            proc = subprocess.Popen([DECAY, "nightly", "--config", str(cfg)], stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, text=True, start_new_session=True)
            deadline = time.monotonic() + 60
            while site.hits[hit] == seen and time.monotonic() < deadline:
                time.sleep(0.05)
            time.sleep(0.3)
        else:
            del site.routes["/e1.html"]
            proc = start_paused(cfg, point, tmp_path / f"paused-{point}")
        os.kill(proc.pid, signal.SIGTERM)
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 6, out + err
        assert "Traceback" not in err
        assert query(db, "PRAGMA integrity_check")[0][0] == "ok"
        assert snapshot(db) == before
        last = query(db, "SELECT status, reason, exit_code FROM runs ORDER BY id DESC LIMIT 1")[0]
        assert (last["status"], last["exit_code"]) == ("interrupted", 6) and "SIG" in last["reason"]
    r = run_decay("nightly", "--config", str(cfg))   # the lock was released: the next run goes ahead
    assert r.returncode in (0, 1), r.stderr
    assert query(db, "SELECT pages_changed FROM runs ORDER BY id DESC LIMIT 1")[0][0] == 1
