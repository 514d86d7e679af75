"""Shared test helpers: real HTTP servers on 127.0.0.1, and crawls run as subprocesses.

Scrapy's reactor cannot be restarted inside one process, so every crawl runs
`decay crawl` in a subprocess against a LocalSite started here (port 0).

The marker ``crawl`` is put here on every test that runs `decay` (or Scrapy) in a subprocess, itself, through a
helper of the tests or through one of its fixtures (see _runs_decay): `pytest -m "not crawl"` is the fast loop
(the unit tests alone), plain `pytest` runs everything (README: Development).
"""
from __future__ import annotations

import inspect
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


# ---------------------------------------------------------------------------- the fast loop: the marker `crawl`
_RUNNERS = {"run_decay", "crawl", "DECAY", "flink_crawled"}   # this module's ways of running decay


def _names(code) -> tuple[set[str], set[str]]:
    """The global names and the string constants a function's code (and the code nested in it) uses."""
    names, consts = set(code.co_names), set()
    for c in code.co_consts:
        if inspect.iscode(c):
            n, k = _names(c)
            names |= n
            consts |= k
        elif isinstance(c, str):
            consts.add(c)
    return names, consts


def _runs_decay(fn, seen: set) -> bool:
    """Does this function run decay: one of _RUNNERS of this module, a subprocess given "decay" or "scrapy", or a
    helper of the tests (a function of a tests module) that does?"""
    fn = inspect.unwrap(fn)
    code = getattr(fn, "__code__", None)
    if code is None or code in seen:
        return False
    seen.add(code)
    names, consts = _names(code)
    known = getattr(fn, "__globals__", {})
    this = globals()
    if any(n in _RUNNERS and (known.get(n) == this.get(n) or "tests.conftest" in names) for n in names):
        return True   # this module's helpers, imported at the top of a test module or in the test itself
    if "subprocess" in names:   # subprocess.run([DECAY, ...]), [SCRAPY, ...], Path(sys.executable).parent / "decay"
        words = consts | {str(v) for n in names if isinstance(v := known.get(n), (str, Path))}
        if any(w in ("decay", "scrapy") or w.endswith(("/decay", "/scrapy")) for w in words):
            return True
    return any(_runs_decay(obj, seen) for n in names
               if inspect.isfunction(obj := known.get(n)) and (obj.__module__ or "").startswith("tests"))


def pytest_collection_modifyitems(config, items):
    for item in items:
        fn = getattr(item, "function", None)
        if fn is None or item.get_closest_marker("crawl"):
            continue
        seen: set = set()
        fixtures = getattr(getattr(item, "_fixtureinfo", None), "name2fixturedefs", {})
        if "flink_crawled" in item.fixturenames or _runs_decay(fn, seen) or any(
                _runs_decay(d.func, seen) for defs in fixtures.values() for d in defs):
            item.add_marker(pytest.mark.crawl)
