"""The pages' date judgments over several processes (analysis/page_judgments.py) give the analysis one process
gives: the same findings, dates, date evidence and cleanup list, on the real site's facts."""
from __future__ import annotations

import gc
import shutil
import sqlite3
import sys
from datetime import datetime, timezone

import pytest

import analysis.page_judgments as pj
from analysis.runner import analyse
from foundation.config import load_config

QUERIES = {
    "findings": "SELECT id, rule, severity, confidence, status, evidence_hash, message FROM findings ORDER BY id",
    "page_dates": "SELECT * FROM page_dates ORDER BY url_id",
    "date_evidence": "SELECT * FROM date_evidence ORDER BY url_id, ordinal",
    "cleanup": "SELECT id, rank, score, action, why, material FROM cleanup ORDER BY id",
}
NOW = datetime(2026, 12, 1, tzinfo=timezone.utc)


def _analysed(flink_crawled, tmp_path, name: str) -> dict:
    db = tmp_path / f"{name}.db"
    src = sqlite3.connect(flink_crawled["db"])
    src.execute("VACUUM INTO ?", [str(db)])
    src.close()
    summary = analyse(load_config(flink_crawled["tmp"] / "flink.toml"), db, now=NOW)
    conn = sqlite3.connect(db)
    try:
        return {"summary": summary["cleanup"], **{k: conn.execute(q).fetchall() for k, q in QUERIES.items()}}
    finally:
        conn.close()


def test_workers_judge_the_pages_as_one_process_does(flink_crawled, tmp_path, monkeypatch):
    monkeypatch.setenv("DECAY_ANALYSIS_WORKERS", "1")
    one = _analysed(flink_crawled, tmp_path, "one")
    monkeypatch.setenv("DECAY_ANALYSIS_WORKERS", "3")
    monkeypatch.setattr(pj, "PAGES_PER_WORKER", 100)   # flink's 600-odd pages: three slices
    monkeypatch.setattr(pj.os, "sched_getaffinity", lambda _pid: {0, 1, 2, 3}, raising=False)
    assert pj.workers_for(633) == 3
    started = []
    real_start = pj._start
    monkeypatch.setattr(pj, "_start", lambda args: started.append(len(args[2])) or real_start(args))
    three = _analysed(flink_crawled, tmp_path, "three")
    assert len(started) == 2 and all(started)   # two workers judged a slice each (the analysis the first)
    assert one["findings"] and one["page_dates"] and one["date_evidence"]
    for key in one:
        assert three[key] == one[key], key
    assert not list(tmp_path.glob("*.judge-*"))   # the workers' scratch databases are gone
    # what the analysis kept out of the collector's sight while it ran (gc.freeze) is back in it; collection is on
    assert gc.isenabled() and gc.get_freeze_count() == 0


def test_a_worker_that_fails_fails_the_analysis_and_keeps_the_previous_results(flink_crawled, tmp_path, monkeypatch):
    db = tmp_path / "decay.db"
    shutil.copy(flink_crawled["db"], db)
    cfg = load_config(flink_crawled["tmp"] / "flink.toml")
    monkeypatch.setenv("DECAY_ANALYSIS_WORKERS", "1")
    analyse(cfg, db, now=NOW)
    before = sqlite3.connect(db).execute(QUERIES["findings"]).fetchall()
    monkeypatch.setenv("DECAY_ANALYSIS_WORKERS", "2")
    monkeypatch.setattr(pj, "PAGES_PER_WORKER", 100)
    monkeypatch.setattr(pj.os, "sched_getaffinity", lambda _pid: {0, 1}, raising=False)
    monkeypatch.setattr(pj, "WORKER", [sys.executable, "-c", "import sys; sys.exit(3)"])
    with pytest.raises(pj.WorkerFailed, match="exit code 3"):
        analyse(cfg, db, now=NOW)
    conn = sqlite3.connect(db)
    assert conn.execute(QUERIES["findings"]).fetchall() == before
    assert conn.execute("SELECT status, reason FROM analyses ORDER BY id DESC LIMIT 1").fetchone()[0] == "failed"
    assert not list(tmp_path.glob("*.judge-*"))
    assert gc.isenabled() and gc.get_freeze_count() == 0   # a worker that failed: the collector left as it was

