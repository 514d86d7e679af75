"""Our own code in a fresh interpreter (foundation/spawn.py): the analysis' workers, the crawl's store process and
``decay serve``'s datasette run this very code, even when started from a directory holding a module of the same
name as one of ours (``python -c`` and ``python -m`` put the working directory first on the module path)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import analysis.processes as processes
from decay.serve import datasette_args
from tests.conftest import DECAY, query, write_config

DECOYS = ("analysis", "crawler", "decay", "foundation")


def _decoys(where):
    """A user's own modules named like ours, each failing loudly if imported."""
    for name in DECOYS:
        (where / f"{name}.py").write_text(f"raise ImportError('the decoy {name}.py of the working directory')\n")


def test_a_worker_runs_this_code_from_a_directory_with_modules_named_like_ours(tmp_path, monkeypatch):
    _decoys(tmp_path)
    monkeypatch.chdir(tmp_path)
    proc = processes.start("analysis.page_judgments:worker_main")
    proc.stdin.close()   # no task: the worker (our code, imported) says so, instead of ending at its import
    with pytest.raises(processes.WorkerFailed, match=r"a test worker failed: EOFError"):
        processes.notice(proc, "a test worker")
    proc.wait(timeout=30)
    assert proc.returncode == 0


def test_a_crawl_started_from_a_directory_with_modules_named_like_ours(tmp_path, local_site):
    root = tmp_path / "site"
    root.mkdir()
    (root / "index.html").write_text('<html><head><title>Home</title></head><body><main><p>Hello.</p>'
                                     '<a href="/about.html">About</a></main></body></html>')
    (root / "about.html").write_text("<html><head><title>About</title></head><body><main><p>Us.</p></main></body></html>")
    site = local_site(root=root)
    work = tmp_path / "work"
    work.mkdir()
    _decoys(work)
    cfg = write_config(work / "decay.toml", f"""
        [organisation]
        name = "Decoys"

        [[sites]]
        name = "main"
        start_urls = ["{site.url}"]
        check_external_links = false
        """)
    result = subprocess.run([DECAY, "crawl", "--config", "decay.toml", "--db", "decay.db"], cwd=work,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "decoy" not in result.stderr
    assert sorted(r["url"].rsplit("/", 1)[1] for r in query(work / "decay.db", "SELECT url FROM pages")) == ["", "about.html"]


def test_datasette_is_started_without_the_working_directory_on_its_module_path(tmp_path):
    args = datasette_args(tmp_path / "decay.db", tmp_path / "meta.json", "127.0.0.1", 0)
    assert args[:4] == [sys.executable, "-P", "-m", "decay.serve_run"]


def test_this_codes_directory_goes_first_on_pythonpath_unless_it_is_site_packages(monkeypatch):
    import site

    from foundation import spawn
    env = spawn.environment({"PYTHONPATH": "/elsewhere"})
    assert env["PYTHONPATH"].split(":") == [spawn.ROOT, "/elsewhere"]   # a checkout: its own code, whatever is installed
    installed = site.getsitepackages()[0]
    monkeypatch.setattr(spawn, "ROOT", str(Path(installed).resolve()))
    assert spawn.environment({"PYTHONPATH": "/elsewhere"})["PYTHONPATH"] == "/elsewhere"   # found there anyway
    assert "PYTHONPATH" not in spawn.environment({})
