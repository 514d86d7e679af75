"""The rules of a large site run in a worker beside the analysis (analysis/rules_beside.py): the same findings and
cleanup list as the rules run in the analysis' own process, on the real site's facts; a worker that fails fails
the analysis and keeps the previous results."""
from __future__ import annotations

import gc
import sqlite3
from pathlib import Path

import analysis.page_judgments as pj
import analysis.processes as processes
import analysis.rules_beside as rb
from analysis.runner import analyse
from foundation.config import load_config
from tests.test_page_judgments import NOW, _analysed, assert_a_failing_worker_fails_the_analysis, large_sites


def test_the_rules_beside_find_what_the_rules_here_find(flink_crawled, tmp_path, monkeypatch):
    monkeypatch.setenv("DECAY_ANALYSIS_WORKERS", "1")
    here = _analysed(flink_crawled, tmp_path, "here")
    large_sites(monkeypatch)
    started = []
    real_start = processes.start
    monkeypatch.setattr(processes, "start", lambda entry: started.append(entry) or real_start(entry))
    beside = _analysed(flink_crawled, tmp_path, "beside")
    assert started.count(rb.ENTRY) == 1 and started.count(pj.WORKER) == 1
    rule_findings = [f for f in here["findings"] if f[1].startswith(("checks.", "rules."))]
    assert rule_findings   # flink has findings of the built-in checks (new_window_opener, ...)
    for key in here:
        assert beside[key] == here[key], key
    assert not list(tmp_path.glob("*.rules-*"))   # the worker's files are gone
    assert gc.isenabled() and gc.get_freeze_count() == 0


def test_a_rules_worker_that_fails_fails_the_analysis_and_keeps_the_previous_results(flink_crawled, tmp_path, monkeypatch):
    assert_a_failing_worker_fails_the_analysis(   # a worker that ends at once, without an answer
        flink_crawled, tmp_path, monkeypatch, lambda: monkeypatch.setattr(rb, "ENTRY", "sys:exit"),
        "rules beside the analysis ended without an answer")


def test_a_rules_worker_ends_when_the_analysis_does(flink_crawled, tmp_path):
    """A killed analysis' rules worker does not work on for nothing: it ends when its stdin closes."""
    import subprocess

    cfg = load_config(flink_crawled["tmp"] / "flink.toml")
    site = cfg.sites[0]
    crawl_id = sqlite3.connect(flink_crawled["db"]).execute("SELECT max(id) FROM crawls").fetchone()[0]
    proc = processes.start(rb.ENTRY)
    processes.send(proc.stdin.fileno(), (str(flink_crawled["db"]), cfg, [(site, crawl_id)] * 500, str(tmp_path)))
    processes.notice(proc, "the rules worker")   # the first site is done: it is at work on the next ones
    proc.stdin.close()   # what the analysis' end does to it
    try:
        code = proc.wait(timeout=600)   # (a guard against a hang, not a timing)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise
    proc.stdout.close()
    # ended by its stdin closing (1), not by finishing the 500 sites (0), which it had not
    assert code == 1 and len(list(tmp_path.glob("rules-*"))) < 500


def test_the_next_analysis_removes_what_a_killed_one_left(flink_crawled, tmp_path, monkeypatch):
    db = tmp_path / "decay.db"
    db.write_bytes(Path(flink_crawled["db"]).read_bytes())
    left = [tmp_path / "decay.db.judge-x1y2", tmp_path / "decay.db.rules-z3"]
    for d in left:
        d.mkdir()
        (d / "chunk-7").write_bytes(b"half a pickle")
    keep = tmp_path / "decay.db.judged-notes"   # not a scratch directory of ours
    keep.mkdir()
    monkeypatch.setenv("DECAY_ANALYSIS_WORKERS", "1")
    analyse(load_config(flink_crawled["tmp"] / "flink.toml"), db, now=NOW)
    assert not any(d.exists() for d in left) and keep.exists()
