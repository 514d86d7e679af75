"""Shared test helpers: real HTTP servers on 127.0.0.1, and crawls run as subprocesses.

Scrapy's reactor cannot be restarted inside one process, so every crawl runs
`decay crawl` in a subprocess against a LocalSite started here (port 0).
"""
from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from decay.localserver import LocalSite

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
DECAY = str(Path(sys.executable).parent / "decay")


def write_config(path: Path, body: str) -> Path:
    path.write_text(textwrap.dedent(body).lstrip(), encoding="utf-8")
    return path


def run_decay(*args: str, timeout: float = 600, env: dict | None = None) -> subprocess.CompletedProcess:
    e = dict(os.environ)
    e.update(env or {})
    return subprocess.run([DECAY, *args], capture_output=True, text=True, timeout=timeout, env=e)


def crawl(config: Path, db: Path, *extra: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return run_decay("crawl", "--config", str(config), "--db", str(db), *extra, env=env)


def query(db: Path, sql: str, params=()) -> list[sqlite3.Row]:
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def page(db: Path, url: str) -> sqlite3.Row | None:
    rows = query(db, "SELECT * FROM pages WHERE url = ?", (url,))
    return rows[0] if rows else None


@pytest.fixture
def local_site():
    """Factory: start LocalSite servers that are stopped after the test."""
    started: list[LocalSite] = []

    def start(root=None, routes=None, **kw) -> LocalSite:
        s = LocalSite(root=root, routes=routes, **kw).start()
        started.append(s)
        return s

    yield start
    for s in started:
        s.stop()


def needs_shared(sub: str) -> Path:
    p = SHARED_DATA / sub
    if not p.exists():
        pytest.skip(f"shared test data not found at {p} (the real-site tests read ../shared/data at run time)")
    return p


FLINK = "https://flink.apache.org"


def flink_config(path: Path, site_url: str, extra: str = "") -> Path:
    """A configuration that crawls the local copy of flink.apache.org under its production name (plus ``extra``)."""
    base = f"""
        [organisation]
        name = "Apache Flink"

        [[sites]]
        name = "flink"
        start_urls = ["{FLINK}/"]
        aliases = {{ "{FLINK}" = "{site_url}" }}
        check_external_links = false  # no internet here: links to other websites are tested in test_crawl_fixture

        [crawl]
        concurrency = 16
        concurrency_per_host = 16
        autothrottle = false
        """
    return write_config(path, textwrap.dedent(base) + textwrap.dedent(extra))


@pytest.fixture(scope="session")
def flink_crawled(tmp_path_factory):
    """One crawl of the real flink site for every test that only reads its facts (analyses may be added to it)."""
    root = needs_shared("sites/flink")
    site = LocalSite(root=root).start()
    tmp = tmp_path_factory.mktemp("flink")
    db = tmp / "decay.db"
    result = crawl(flink_config(tmp / "flink.toml", site.url), db)
    yield {"root": root, "db": db, "result": result, "site": site, "tmp": tmp}
    site.stop()
