"""Every command has --help, and the CLI mirrors the Python API."""
from __future__ import annotations

import inspect
import subprocess
import sys
from pathlib import Path

import pytest

from decay import api
from decay.localserver import status
from tests.conftest import query, run_decay, write_config

COMMANDS = ["crawl", "analyse", "impact", "check", "demo", "reference"]


def test_top_level_help_lists_every_command():
    r = run_decay("--help")
    assert r.returncode == 0
    for c in COMMANDS:
        assert c in r.stdout


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command):
    r = run_decay(command, "--help")
    assert r.returncode == 0 and "Usage:" in r.stdout and len(r.stdout.splitlines()) > 4


def test_crawl_command_and_api_share_parameter_names():
    params = inspect.signature(api.crawl).parameters
    assert {"config", "db", "sites"} <= set(params)


REPO = Path(__file__).resolve().parents[1]
SCRAPY = str(Path(sys.executable).parent / "scrapy")


def test_scrapy_list_from_the_repository_root():
    r = subprocess.run([SCRAPY, "list"], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["site", "social"]


def test_scrapy_crawl_runs_the_same_spider(local_site, tmp_path):
    site = local_site(routes={"/": status(200, "<html><head><title>Hi</title></head><body><a href='/b'>b</a></body></html>"),
                              "/b": status(200, "<html><head><title>B</title></head><body>b</body></html>")})
    cfg = write_config(tmp_path / "org.toml", f"""
        [organisation]
        name = "Tiny"
        [[sites]]
        name = "tiny"
        start_urls = ["{site.url}/"]
        """)
    db = tmp_path / "decay.db"
    r = subprocess.run([SCRAPY, "crawl", "site", "-a", f"config={cfg}", "-a", f"db={db}"], cwd=REPO,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert {row["title"] for row in query(db, "SELECT title FROM pages WHERE is_html = 1")} == {"Hi", "B"}
    assert query(db, "SELECT status FROM crawls")[0]["status"] == "complete"


def test_crawl_analyse_and_nightly_name_one_next_step(local_site, tmp_path):
    """Every command that leaves results says how to browse and triage them the same way: decay serve (with the
    --db given), never a bare `datasette DB` without the sign-in, the canned queries and the triage forms."""
    site = local_site(routes={"/": status(200, "<html><head><title>Hi</title></head><body><a href='/b'>b</a></body></html>"),
                              "/b": status(200, "<html><head><title>B</title></head><body>b</body></html>")})
    cfg = write_config(tmp_path / "org.toml", f"""
        [organisation]
        name = "Tiny"
        [[sites]]
        name = "tiny"
        start_urls = ["{site.url}/"]
        """)
    db = tmp_path / "elsewhere.db"
    serve = f"serve --config {cfg} --db {db}"
    r = run_decay("crawl", "--config", str(cfg), "--db", str(db))
    assert r.returncode == 0, r.stderr
    assert "datasette" not in r.stdout
    assert f"analyse --config {cfg} --db {db}" in r.stdout and serve in r.stdout.splitlines()[-1]
    r = run_decay("analyse", "--config", str(cfg), "--db", str(db), "--now", "2024-10-18")
    assert r.returncode == 0, r.stderr
    assert "datasette" not in r.stdout and serve in r.stdout.splitlines()[-1]
    r = run_decay("nightly", "--config", str(cfg), "--db", str(db), "--no-webhook")
    assert r.returncode == 0, r.stdout + r.stderr
    assert serve in r.stdout.splitlines()[-1]
