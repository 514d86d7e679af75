"""The rules of a large site run in a worker beside the analysis (analysis/rules_beside.py): the same findings and
cleanup list as the rules run in the analysis' own process, on the real site's facts; a worker that fails fails
the analysis and keeps the previous results."""
from __future__ import annotations

import gc

import analysis.page_judgments as pj
import analysis.processes as processes
import analysis.rules_beside as rb
from tests.test_page_judgments import _analysed, assert_a_failing_worker_fails_the_analysis, large_sites


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
