"""The pages' date judgments over several processes (analysis/page_judgments.py) give the analysis one process
gives: the same findings, dates, date evidence and cleanup list, on the real site's facts."""
from __future__ import annotations

import gc
import shutil
import sqlite3
import subprocess
import sys
from datetime import datetime, timezone

import pytest

import analysis.page_judgments as pj
import analysis.processes as processes
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
    large_sites(monkeypatch, workers=3)   # flink's 445 pages: the analysis and two workers
    monkeypatch.setattr(pj, "CHUNK", 40)               # in chunks of 40 pages
    assert pj.workers_for(445) == 3
    here, total = [], []   # the chunks the analysis judged itself; the pages to judge
    real_judge, real_workers_for = pj._judge, pj.workers_for
    monkeypatch.setattr(pj, "workers_for", lambda n: total.append(n) or real_workers_for(n))
    monkeypatch.setattr(pj, "_judge", lambda conn, pages, *a: here.append(len(pages)) or real_judge(conn, pages, *a))
    three = _analysed(flink_crawled, tmp_path, "three")
    # each worker was given AHEAD chunks from the back before the analysis started on the front
    assert total and here and max(here) <= 40 and len(here) <= -(-total[0] // 40) - 2 * pj.AHEAD
    assert one["findings"] and one["page_dates"] and one["date_evidence"]
    for key in one:
        assert three[key] == one[key], key
    assert not list(tmp_path.glob("*.judge-*"))   # the workers' scratch databases are gone
    # what the analysis kept out of the collector's sight while it ran (gc.freeze) is back in it; collection is on
    assert gc.isenabled() and gc.get_freeze_count() == 0


def large_sites(monkeypatch, workers: int = 2) -> None:
    """flink's 445 pages made a large site: worth workers (as many processes as ``workers``)."""
    monkeypatch.setenv("DECAY_ANALYSIS_WORKERS", str(workers))
    monkeypatch.setattr(pj, "PAGES_PER_WORKER", 100)
    monkeypatch.setattr(pj.os, "sched_getaffinity", lambda _pid: set(range(workers)), raising=False)


def assert_a_failing_worker_fails_the_analysis(flink_crawled, tmp_path, monkeypatch, break_worker, match: str) -> None:
    """An analysis whose worker fails (``break_worker``) fails with WorkerFailed (``match``), keeps the previous
    results, leaves no scratch files and leaves the collector as it found it."""
    db = tmp_path / "decay.db"
    shutil.copy(flink_crawled["db"], db)
    cfg = load_config(flink_crawled["tmp"] / "flink.toml")
    monkeypatch.setenv("DECAY_ANALYSIS_WORKERS", "1")
    analyse(cfg, db, now=NOW)
    before = sqlite3.connect(db).execute(QUERIES["findings"]).fetchall()
    large_sites(monkeypatch)
    break_worker()
    with pytest.raises(processes.WorkerFailed, match=match):
        analyse(cfg, db, now=NOW)
    conn = sqlite3.connect(db)
    assert conn.execute(QUERIES["findings"]).fetchall() == before
    assert conn.execute("SELECT status, reason FROM analyses ORDER BY id DESC LIMIT 1").fetchone()[0] == "failed"
    assert not list(tmp_path.glob("decay.db.*-*"))   # no scratch left (decay.db.judge-*, .rules-*, .fts-build)
    assert gc.isenabled() and gc.get_freeze_count() == 0   # a worker that failed: the collector left as it was


def test_a_worker_that_fails_fails_the_analysis_and_keeps_the_previous_results(flink_crawled, tmp_path, monkeypatch):
    assert_a_failing_worker_fails_the_analysis(flink_crawled, tmp_path, monkeypatch, lambda: monkeypatch.setattr(
        processes, "start", lambda entry: subprocess.Popen(   # every worker ends at once, without an answer
            [sys.executable, "-c", "import sys; sys.exit(3)"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0)),
        r"judging the pages' dates ended without an answer \(exit code 3\)")


def test_decay_analyse_says_a_failed_worker_in_one_line_with_status_5(flink_crawled, tmp_path, monkeypatch):
    from click.testing import CliRunner

    from decay.cli import cli
    db = tmp_path / "decay.db"
    shutil.copy(flink_crawled["db"], db)
    large_sites(monkeypatch)
    monkeypatch.setattr(processes, "start", lambda entry: subprocess.Popen(
        [sys.executable, "-c", "import sys; sys.exit(3)"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0))
    result = CliRunner().invoke(cli, ["analyse", "-c", str(flink_crawled["tmp"] / "flink.toml"), "--db", str(db),
                                      "--now", "2026-12-01"])
    assert result.exit_code == 5, result.output
    assert result.stderr.startswith("error: the analysis failed: a worker judging the pages' dates ended without an answer "
                                    "(exit code 3). The previous results are kept"), result.stderr
    assert "Traceback" not in result.output and not isinstance(result.exception, processes.WorkerFailed)
    assert sqlite3.connect(db).execute("SELECT status FROM analyses ORDER BY id DESC LIMIT 1").fetchone() == ("failed",)


def test_a_candidates_stored_time_is_remembered_per_value_and_stays_exact(monkeypatch):
    """page_judgments._iso: to_iso's text for every value, remembered (bounded): the same instant in two zones is
    one text; the repeated hour when clocks go back (fold 1), equal to the first in its zone, keeps its own."""
    from datetime import timedelta
    from zoneinfo import ZoneInfo

    from foundation.times import to_iso

    monkeypatch.setattr(pj, "_ISO_MEMO", {})
    monkeypatch.setattr(pj, "ISO_MEMO_MAX", 3)
    berlin = ZoneInfo("Europe/Berlin")
    first, second = datetime(2021, 10, 31, 2, 30, tzinfo=berlin), datetime(2021, 10, 31, 2, 30, fold=1, tzinfo=berlin)
    values = [datetime(2020, 1, 1, 12, tzinfo=timezone.utc), datetime(2020, 1, 1, 13, tzinfo=timezone(timedelta(hours=1))),
              None, first, second, first, datetime(2019, 5, 4), second]
    assert [pj._iso(v) for v in values] == [to_iso(v) for v in values]
    assert pj._iso(second) == "2021-10-31T01:30:00+00:00" != pj._iso(first)
    assert len(pj._ISO_MEMO) <= 3
