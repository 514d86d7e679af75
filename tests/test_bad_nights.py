"""Bad nights: a database that is not ours, a database locked for long, a crash, two runs at once, a killed process.

Every command refuses a --db that is not a content-decay database (another program's SQLite file, a text file, a
directory, a read-only file or folder) with exit 2 and one line, leaving it byte for byte as it was; a crawl
whose database another program locks for longer than the busy timeout waits or fails loudly, never ends
`complete` with pages missing; `decay nightly` that cannot use its database exits with a failure status; a
second crawl of the same database is refused; a killed analysis or a crawl whose main process died in the
merge is marked interrupted, nothing merged.
"""
from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import threading
import time
from pathlib import Path

import pytest

from decay.localserver import Route
from foundation.schema import open_db
from foundation.times import pid_alive
from tests.conftest import DECAY, crawl, query, run_decay, write_config
from tests.test_interrupt import N, first_crawl, slow_site, start_second_crawl, titles  # noqa: F401 (fixture)

COMMANDS = {
    "crawl": ["crawl", "--config", "{cfg}", "--db", "{db}"],
    "analyse": ["analyse", "--config", "{cfg}", "--db", "{db}"],
    "serve": ["serve", "--db", "{db}", "--metadata-only"],
    "export": ["export", "cleanup", "--db", "{db}"],
    "triage": ["triage", "abcdef", "--state", "done", "--db", "{db}"],
    "impact": ["impact", "https://www.example.org/x", "--db", "{db}"],
    "prune": ["prune", "--keep", "1y", "--db", "{db}"],
    "nightly": ["nightly", "--config", "{cfg}", "--db", "{db}", "--no-webhook"],
}


def minimal_config(tmp_path: Path, database: Path | None = None, name: str = "org.toml") -> Path:
    output = f'[output]\ndatabase = "{database}"\n' if database else ""
    return write_config(tmp_path / name, """
        [organisation]
        name = "Example"
        [[sites]]
        name = "example"
        start_urls = ["http://127.0.0.1:9/"]
        """ + output)


def foreign(path: Path) -> Path:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE pages (id INTEGER PRIMARY KEY, body TEXT)")
    conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, note TEXT)")
    conn.executemany("INSERT INTO pages (body) VALUES (?)", [(f"page {i}",) for i in range(50)])
    conn.commit()
    conn.close()
    return path


def ours(path: Path) -> Path:
    open_db(path).conn.close()
    return path


def make(kind: str, tmp_path: Path) -> tuple[Path, Path]:
    """(the path given as --db, the folder whose contents must not change)."""
    d = tmp_path / "data"
    d.mkdir()
    if kind == "foreign sqlite":
        return foreign(d / "other.db"), d
    if kind == "text file":
        p = d / "notes.txt"
        p.write_text("not a database\n" * 100, encoding="utf-8")
        return p, d
    if kind == "directory":
        p = d / "adir.db"
        p.mkdir()
        return p, d
    if kind == "read-only file":
        p = ours(d / "decay.db")
        p.chmod(0o444)
        return p, d
    if kind == "read-only folder":
        p = ours(d / "decay.db")
        d.chmod(0o555)
        return p, d
    if kind == "file as folder":
        (d / "afile").write_text("x", encoding="utf-8")
        return d / "afile" / "decay.db", d
    raise AssertionError(kind)


def snapshot(folder: Path) -> dict:
    out = {}
    for p in sorted(folder.rglob("*")):
        st = p.stat()
        out[p.name] = (p.is_dir(), st.st_mode, st.st_mtime_ns, p.read_bytes() if p.is_file() else None)
    return out


@pytest.mark.parametrize("kind", ["foreign sqlite", "text file", "directory", "read-only file", "read-only folder",
                                  "file as folder"])
def test_every_command_refuses_what_is_not_a_content_decay_database_and_leaves_it_as_it_was(kind, tmp_path):
    cfg = minimal_config(tmp_path)
    db, folder = make(kind, tmp_path)
    before = snapshot(folder)
    try:
        commands = dict(COMMANDS)
        if kind.startswith("read-only"):
            commands.pop("impact")   # reads only: a read-only database is fine for it
        if kind == "directory":   # click refuses a directory given as --db itself: give it as [output] database
            cfg = minimal_config(tmp_path, db, "dir.toml")
            commands = {k: [a for a in v if a not in ("--db", "{db}")] + ([] if "--config" in v else ["--config", "{cfg}"])
                        for k, v in commands.items()}
        procs = {name: subprocess.Popen([DECAY, *(a.format(cfg=cfg, db=db) for a in args)], stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE, text=True)
                 for name, args in commands.items()}
        for name, proc in procs.items():
            out, err = proc.communicate(timeout=120)
            lines = [line for line in err.splitlines() if line.strip()]
            assert proc.returncode == 2, (name, proc.returncode, err)
            assert "Traceback" not in err, (name, err)
            assert len(lines) == 1 and lines[0].startswith("error: "), (name, err)
            assert str(db) in lines[0], (name, lines[0])
        assert snapshot(folder) == before, "the file or its folder was changed"
        if kind == "foreign sqlite":
            assert not any(Path(str(db) + s).exists() for s in ("-wal", "-shm", ".lock"))
            assert query(db, "PRAGMA journal_mode")[0][0] == "delete"
    finally:
        folder.chmod(0o755)


def test_decay_check_reports_an_output_database_that_would_be_refused_and_an_empty_file_is_accepted(tmp_path):
    other = foreign(tmp_path / "other.db")
    r = run_decay("check", "--config", str(minimal_config(tmp_path, other)))
    assert r.returncode == 2 and "output.database" in r.stderr and "another program" in r.stderr, r.stderr
    db = tmp_path / "empty.db"
    db.touch()
    assert run_decay("check", "--config", str(minimal_config(tmp_path, db, "ok.toml"))).returncode == 0
    r = run_decay("export", "cleanup", "--db", str(db))
    assert r.returncode == 0, r.stderr
    assert query(db, "SELECT value FROM _decay_meta WHERE key = 'schema_version'")


def hold_write_lock(db: Path, seconds: float, started: threading.Event) -> threading.Thread:
    def hold():
        conn = sqlite3.connect(db, isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
        started.set()
        time.sleep(seconds)
        conn.execute("ROLLBACK")
        conn.close()

    t = threading.Thread(target=hold, daemon=True)
    t.start()
    return t


def test_nightly_that_cannot_use_its_database_exits_with_the_failure_status(tmp_path):
    cfg = minimal_config(tmp_path)
    # a bad path: exit 2 (the arguments are wrong), one line, never 0 or 1 (result statuses)
    (tmp_path / "afile").write_text("x", encoding="utf-8")
    r = run_decay("nightly", "--config", str(cfg), "--db", str(tmp_path / "afile" / "decay.db"), "--no-webhook")
    assert r.returncode == 2 and "Traceback" not in r.stderr, r.stderr
    # a database another program holds for longer than the busy timeout: exit 7, one line, the run not left running
    db = ours(tmp_path / "decay.db")
    started = threading.Event()
    holder = hold_write_lock(db, 6, started)
    started.wait(10)
    r = run_decay("nightly", "--config", str(cfg), "--db", str(db), "--no-webhook", env={"DECAY_BUSY_TIMEOUT": "1"})
    holder.join()
    assert r.returncode == 7, (r.returncode, r.stderr)
    assert "Traceback" not in r.stderr and "database is locked" in r.stderr
    assert [line for line in r.stderr.splitlines() if line.startswith("error:")] == [
        line for line in r.stderr.splitlines() if "error" in line][:1]
    assert not query(db, "SELECT * FROM runs WHERE status = 'running'")


def test_a_second_crawl_or_analysis_of_the_same_database_is_refused(slow_site):  # noqa: F811
    site, state, cfg, db = slow_site
    first_crawl(cfg, db)
    proc = start_second_crawl(site, state, cfg, db)
    state["delay"] = 2.0   # the first crawl holds the lock while the others start, however loaded the machine
    try:
        hits = sum(site.hits.values())
        second = crawl(cfg, db)
        assert second.returncode == 4, second.stdout + second.stderr
        assert "another run holds the lock" in second.stderr and "Traceback" not in second.stderr
        r = run_decay("analyse", "--config", str(cfg), "--db", str(db))
        assert r.returncode == 4 and "another run holds the lock" in r.stderr, r.stderr
    finally:
        state["delay"] = 0.0
        out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    # the refused crawl requested nothing: the first one asked for each page once
    assert sum(site.hits.values()) - hits <= N + 1
    assert [r["status"] for r in query(db, "SELECT status FROM crawls ORDER BY id")] == ["complete", "complete"]


def test_a_killed_analysis_is_marked_interrupted_by_the_next_command(slow_site, tmp_path):  # noqa: F811
    site, state, cfg, db = slow_site
    first_crawl(cfg, db)
    marker = tmp_path / "paused"
    proc = subprocess.Popen([DECAY, "analyse", "--config", str(cfg), "--db", str(db)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env={**os.environ, "DECAY_TEST_PAUSE_AT": "analysis",
                                                         "DECAY_TEST_PAUSE_FILE": str(marker)})
    deadline = time.monotonic() + 60
    while not marker.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert marker.exists(), "the analysis never reached its pause point"
    assert query(db, "SELECT status FROM analyses ORDER BY id DESC LIMIT 1")[0]["status"] == "running"
    proc.kill()
    proc.communicate()
    r = run_decay("export", "cleanup", "--db", str(db))   # any command that opens the database
    assert r.returncode == 0, r.stderr
    (row,) = query(db, "SELECT status, reason, finished_at FROM analyses ORDER BY id DESC LIMIT 1")
    assert row["status"] == "interrupted" and "judgments were not written" in row["reason"] and row["finished_at"]


def test_a_crawl_whose_main_process_dies_in_the_merge_merges_nothing(slow_site, tmp_path):  # noqa: F811
    site, state, cfg, db = slow_site
    before = first_crawl(cfg, db)
    state["version"] = "v2"
    marker = tmp_path / "paused"
    proc = subprocess.Popen([DECAY, "crawl", "--config", str(cfg), "--db", str(db)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "DECAY_TEST_PAUSE_AT": "merge", "DECAY_TEST_PAUSE_SECONDS": "2",
                                 "DECAY_TEST_PAUSE_FILE": str(marker)})
    deadline = time.monotonic() + 60
    while not marker.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert marker.exists(), "the crawl never reached the merge"
    store_pid = int(marker.read_text().split("pid ")[1].split(")")[0])
    proc.send_signal(signal.SIGKILL)   # the crawl process only; its store process is inside the merge transaction
    try:
        out, err = proc.communicate(timeout=60)   # EOF once the store process has ended too
        deadline = time.monotonic() + 30
        while pid_alive(store_pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not pid_alive(store_pid)
    finally:
        if pid_alive(store_pid):
            os.kill(store_pid, signal.SIGKILL)
    assert "Traceback" not in err and "BrokenPipeError" not in err, err
    (row,) = query(db, "SELECT status, reason FROM crawls WHERE id = 2")
    assert row["status"] == "interrupted" and "nothing was merged" in row["reason"]
    assert titles(db) == before
    assert not list(db.parent.glob("decay.db.crawl-*.tmp*"))


@pytest.fixture
def slower_site(local_site, tmp_path):
    """A chain of 60 pages (each links only to the next one), each answering in 0.3 s: a crawl of about 20 s, in
    which the links of any one page that are lost lose every page after it."""
    n = 60

    def html(i):
        nxt = f'<a href="/p{i + 1}.html">next</a>' if i + 1 < n else ""
        return f"<html><head><title>Page {i}</title></head><body><main><p>Page {i}.</p>{nxt}</main></body></html>".encode()

    routes = {f"/p{i}.html": Route(status=200, headers={"Content-Type": "text/html"}, body=html(i), delay=0.3)
              for i in range(n)}
    routes["/"] = Route(status=200, headers={"Content-Type": "text/html"}, body=html(0), delay=0.3)
    site = local_site(routes=routes)
    prod = "https://www.locked.example"
    cfg = write_config(tmp_path / "org.toml", f"""
        [organisation]
        name = "Locked"
        [[sites]]
        name = "locked"
        start_urls = ["{prod}/"]
        aliases = {{ "{prod}" = "{site.url}" }}
        check_resources = false
        max_depth = 200
        [crawl]
        concurrency = 2
        concurrency_per_host = 2
        autothrottle = false
        retries = 0
        """)
    return site, cfg, tmp_path / "decay.db", n


def test_a_database_locked_for_longer_than_the_busy_timeout_never_makes_a_complete_crawl_with_pages_missing(slower_site):
    """Another program (a long datasette query, a backup) holds the write lock for 8 s, longer than the busy timeout
    (DECAY_BUSY_TIMEOUT = 3 s here; 30 s by default, where the same takes a lock of 45 s and a minute of the suite),
    from the 2nd second of a 20-second crawl: its progress updates wait briefly and are left out, the pages go on
    being recorded, and the merge waits for the lock; the crawl completes with every page."""
    site, cfg, db, n = slower_site
    ours(db)
    proc = subprocess.Popen([DECAY, "crawl", "--config", str(cfg), "--db", str(db)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env={**os.environ, "DECAY_BUSY_TIMEOUT": "3"})
    deadline = time.monotonic() + 60
    while not query(db, "SELECT id FROM crawls WHERE status = 'running'") and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(1)
    started = threading.Event()
    holder = hold_write_lock(db, 8, started)
    started.wait(10)
    out, err = proc.communicate(timeout=400)
    holder.join()
    status = query(db, "SELECT status FROM crawls ORDER BY id DESC LIMIT 1")[0]["status"]
    if proc.returncode == 0:
        assert status == "complete"
        got = {r["url"] for r in query(db, "SELECT url FROM pages WHERE is_html = 1 AND outcome = 'ok'")}
        assert len(got) == n, f"complete, with {n - len(got)} pages never requested"
    else:   # or it fails loudly
        assert proc.returncode == 1 and status != "complete" and "locked" in out + err, out + err


def test_a_merge_that_waits_longer_than_its_bound_fails_the_crawl_loudly(slow_site):  # noqa: F811
    """The merge waits up to 10 busy timeouts (DECAY_BUSY_TIMEOUT = 0.5 s here: 5 s) for another program's lock;
    then the crawl fails with the reason, exit 1, and nothing of it is merged."""
    site, state, cfg, db = slow_site
    before = first_crawl(cfg, db)
    state["version"], state["delay"] = "v2", 0.2
    hits = sum(site.hits.values())
    proc = subprocess.Popen([DECAY, "crawl", "--config", str(cfg), "--db", str(db)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env={**os.environ, "DECAY_BUSY_TIMEOUT": "0.5"})
    deadline = time.monotonic() + 60
    while sum(site.hits.values()) < hits + 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    started = threading.Event()
    holder = hold_write_lock(db, 20, started)
    started.wait(10)
    t0 = time.monotonic()
    out, err = proc.communicate(timeout=120)
    waited = time.monotonic() - t0
    holder.join()
    assert proc.returncode == 1, out + err
    assert "database is locked" in out and "not merged" in out, out
    assert "Traceback" not in out + err
    assert waited < 19, "the crawl waited for the lock beyond its bound"
    assert titles(db) == before
    assert query(db, "SELECT status FROM crawls WHERE id = 2")[0]["status"] != "complete"
