"""The operator's signals are true (issue 19): SIGTERM stops a run within a bound, exit statuses match the README.

- SIGTERM to a `decay crawl` (and a `decay nightly`) whose store process is stuck on one page: the graceful stop
  waits DECAY_STOP_TIMEOUT seconds, then kills the store process; the run ends interrupted with the documented
  status, the crawl row says `interrupted`, and nothing is left behind.
- A crawl whose only site refuses connections exits 3 and does not end with the "browse it" next step.
- `scrapy crawl site -a config=bad.toml` exits 2 with the configuration's errors, no traceback.
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import DECAY, query, write_config

ROOT = Path(__file__).resolve().parent.parent
PROD = "https://www.stuck.example"
N = 12
STOP = 3.0   # DECAY_STOP_TIMEOUT in these tests


def site_config(tmp_path, url: str) -> Path:
    return write_config(tmp_path / "org.toml", f"""
        [organisation]
        name = "Stuck"
        [[sites]]
        name = "stuck"
        start_urls = ["{PROD}/"]
        aliases = {{ "{PROD}" = "{url}" }}
        check_resources = false
        [crawl]
        concurrency = 2
        autothrottle = false
        retries = 0
        """)


def pages(n: int) -> dict:
    from decay.localserver import Route

    links = " ".join(f'<a href="/p{j}.html">page {j}</a>' for j in range(n))
    body = f"<html><head><title>t</title></head><body><main>{links}</main></body></html>".encode()
    routes = {f"/p{i}.html": Route(status=200, headers={"Content-Type": "text/html"}, body=body) for i in range(n)}
    routes["/"] = routes["/p0.html"]
    return routes


def start_stuck(args: list[str], tmp_path) -> tuple[subprocess.Popen, Path]:
    """Start a command whose store process freezes in the middle of the crawl (foundation/testing.py), and wait for it."""
    marker = tmp_path / "paused"
    env = {**os.environ, "DECAY_TEST_PAUSE_AT": "crawl", "DECAY_TEST_PAUSE_FILE": str(marker),
           "DECAY_STOP_TIMEOUT": str(STOP)}
    proc = subprocess.Popen([DECAY, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True, env=env)
    deadline = time.monotonic() + 60
    while not marker.exists() and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    assert marker.exists(), "the store process never reached its pause point"
    time.sleep(0.3)
    return proc, marker


def stop_and_time(proc: subprocess.Popen) -> tuple[float, str, str]:
    t0 = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    try:
        out, err = proc.communicate(timeout=STOP + 30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        raise AssertionError(f"SIGTERM did not stop the run within {STOP + 30} s:\n{out}\n{err}")
    return time.monotonic() - t0, out, err


def test_sigterm_stops_a_crawl_whose_store_process_is_stuck(local_site, tmp_path):
    site = local_site(routes=pages(N))
    cfg, db = site_config(tmp_path, site.url), tmp_path / "decay.db"
    proc, marker = start_stuck(["crawl", "--config", str(cfg), "--db", str(db)], tmp_path)
    pid = int(marker.read_text().split("pid ")[1].split(")")[0])
    took, out, err = stop_and_time(proc)
    assert took < STOP + 12, (took, err)
    assert proc.returncode == 1, out + err            # README: 1, the crawl failed or was interrupted
    assert "Traceback" not in err
    (row,) = query(db, "SELECT status, reason FROM crawls WHERE id = 1")
    assert row["status"] == "interrupted" and "SIGTERM" in row["reason"] and "killed" in row["reason"], dict(row)
    assert "browse and triage" not in out
    assert not list(tmp_path.glob("*.tmp*"))
    time.sleep(0.2)
    try:
        os.kill(pid, 0)
        alive = open(f"/proc/{pid}/stat").read().split()[2] != "Z"
    except (ProcessLookupError, FileNotFoundError):
        alive = False
    assert not alive, "the stuck store process was left running"


def test_sigterm_stops_a_nightly_run_whose_store_process_is_stuck(local_site, tmp_path):
    site = local_site(routes=pages(N))
    cfg, db = site_config(tmp_path, site.url), tmp_path / "decay.db"
    proc, _ = start_stuck(["nightly", "--config", str(cfg), "--db", str(db), "--no-webhook"], tmp_path)
    took, out, err = stop_and_time(proc)
    assert took < STOP + 12, (took, err)
    assert proc.returncode == 6, out + err             # README: 6, interrupted
    assert "Traceback" not in err
    assert query(db, "SELECT status FROM crawls WHERE id = 1")[0]["status"] == "interrupted"
    assert query(db, "SELECT status FROM runs WHERE id = 1")[0]["status"] == "interrupted"
    lock = tmp_path / "decay.db.lock"
    assert not lock.exists() or lock.read_text() == "", "the lock was not released"


def refused_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()   # nothing listens there now: connections are refused
    return port


def test_a_crawl_whose_only_site_refuses_connections_exits_3_without_a_next_step(tmp_path):
    cfg, db = site_config(tmp_path, f"http://127.0.0.1:{refused_port()}"), tmp_path / "decay.db"
    r = subprocess.run([DECAY, "crawl", "--config", str(cfg), "--db", str(db)], capture_output=True, text=True, timeout=120)
    assert r.returncode == 3, r.stdout + r.stderr
    assert "connection refused" in r.stdout + r.stderr
    assert "next:" not in r.stdout and "decay serve" not in r.stdout and "browse" not in r.stdout, r.stdout
    (row,) = query(db, "SELECT status, reason FROM crawl_sites")
    assert row["status"] == "failed" and "refused" in row["reason"]


def test_scrapy_crawl_with_a_bad_configuration_exits_2_in_one_line(tmp_path):
    bad = write_config(tmp_path / "bad.toml", """
        [organisation]
        name = "Bad"
        [[sites]]
        name = "main"
        start_urls = ["https://www.example.org/"]
        [crawl]
        concurency = 3
        """)
    scrapy = str(Path(sys.executable).parent / "scrapy")
    r = subprocess.run([scrapy, "crawl", "site", "-a", f"config={bad}"], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert r.returncode == 2, r.stderr
    assert "Traceback" not in r.stderr
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert lines == [f"error: {bad}: crawl.concurency: unknown key; did you mean 'concurrency'?"], r.stderr
