"""The configuration file: defaults, validation messages, and the reference in the README."""
from __future__ import annotations

from pathlib import Path

import pytest

from foundation.config import ConfigError, load_config, reference_markdown
from tests.conftest import run_decay, write_config

GOOD = """
[organisation]
name = "Example"
contact = "web@example.org"

[[sites]]
name = "main"
start_urls = ["https://www.example.org/"]
"""


def test_defaults_are_filled_in(tmp_path):
    cfg = load_config(write_config(tmp_path / "org.toml", GOOD))
    site = cfg.sites[0]
    assert site.max_depth == 50 and site.max_pages == 100_000 and site.aliases == {}
    assert cfg.crawl.obey_robots is True and cfg.crawl.concurrency_per_host == 4
    assert cfg.database_path == tmp_path / "output" / "decay.db"  # relative to the config file
    assert "web@example.org" in cfg.user_agent() and cfg.user_agent().startswith("content-decay/")


@pytest.mark.parametrize("body, key, expected", [
    (GOOD + "max_page = 10\n", "sites[0] (\"main\").max_page", "did you mean 'max_pages'"),
    (GOOD + 'max_pages = "lots"\n', "sites[0] (\"main\").max_pages", 'expected a whole number, got the string "lots"'),
    (GOOD.replace('start_urls = ["https://www.example.org/"]', ""), "sites[0] (\"main\").start_urls", "is required"),
    (GOOD.replace('start_urls = ["https://www.example.org/"]', "start_urls = []"), "start_urls", "is required"),
    (GOOD.replace("https://www.example.org/", "www.example.org"), "start_urls[0]", "is not an http(s) URL"),
    (GOOD + '\n[crawl]\nconcurency = 4\n', "crawl.concurency", "did you mean 'concurrency'"),
    (GOOD + '\n[crawl]\nobey_robots = "yes"\n', "crawl.obey_robots", "expected true or false"),
    (GOOD + '\n[craw]\n', "craw", "unknown section; did you mean [crawl]"),
    (GOOD + 'aliases = { "https://www.example.org/path" = "http://127.0.0.1:1" }\n', "aliases", "must be an origin"),
    (GOOD + 'exclude = ["re:(unclosed"]\n', "exclude", "not a valid regular expression"),
    (GOOD + '\n[[sites]]\nname = "main"\nstart_urls = ["https://b.example/"]\n', "sites[1].name", "used by more than one site"),
    ("[[sites]]\nname = 'x'\nstart_urls = ['https://x.example/']\n", "organisation", "is missing"),
    (GOOD + "[", "", "is not valid TOML"),
])
def test_errors_name_the_file_the_key_and_the_fix(tmp_path, body, key, expected):
    path = write_config(tmp_path / "org.toml", body)
    with pytest.raises(ConfigError) as e:
        load_config(path)
    assert e.value.key.startswith(key) or key in e.value.key
    assert expected in e.value.message
    assert str(path.resolve()) in str(e.value) or str(path) in str(e.value)


@pytest.mark.parametrize("extra", ["max_page = 10\n", 'max_pages = "lots"\n'])
def test_cli_fails_before_crawling_with_exit_2_and_no_traceback(tmp_path, extra):
    path = write_config(tmp_path / "org.toml", GOOD + extra)
    db = tmp_path / "decay.db"
    r = run_decay("crawl", "--config", str(path), "--db", str(db))
    assert r.returncode == 2
    assert "Traceback" not in r.stderr and "Traceback" not in r.stdout
    assert r.stderr.startswith("error: ") and "org.toml" in r.stderr and "max_page" in r.stderr
    assert not db.exists()  # nothing was crawled or created


def test_missing_start_url_via_cli(tmp_path):
    path = write_config(tmp_path / "org.toml", GOOD.replace('start_urls = ["https://www.example.org/"]', ""))
    r = run_decay("check", "--config", str(path))
    assert r.returncode == 2 and "start_urls: is required" in r.stderr and "Traceback" not in r.stderr


def test_missing_file_and_unknown_site(tmp_path):
    r = run_decay("crawl", "--config", str(tmp_path / "nope.toml"))
    assert r.returncode == 2 and "file not found" in r.stderr and "Traceback" not in r.stderr
    path = write_config(tmp_path / "org.toml", GOOD)
    r = run_decay("crawl", "--config", str(path), "--site", "blog")
    assert r.returncode == 2 and "no site named blog" in r.stderr


def test_check_accepts_a_good_file(tmp_path):
    path = write_config(tmp_path / "org.toml", GOOD)
    r = run_decay("check", "--config", str(path))
    assert r.returncode == 0 and "ok (1 site(s): main" in r.stdout


def test_readme_has_the_current_configuration_reference():
    from decay import docs

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    assert docs.section(readme, "config") == reference_markdown(), "run: decay reference config --update README.md"


def test_readme_has_the_current_schema():
    from decay import docs

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    assert docs.section(readme, "schema") == docs.reference("schema"), "run: decay reference schema --update README.md"


EVIL_PATTERN = r"re:/(\w+-?)+/print/"


@pytest.mark.parametrize("extra, key", [
    (f"exclude = ['{EVIL_PATTERN}']\n", 'sites[0] ("main").exclude'),
    (f"include = ['/en/*', '{EVIL_PATTERN}']\n", 'sites[0] ("main").include'),
    (f"\n[[owners]]\nowner = 'web'\npattern = '{EVIL_PATTERN}'\n", "owners[0].pattern"),
    (f"\n[cleanup]\nprotected = ['{EVIL_PATTERN}']\n", "cleanup.protected"),
    (f"\n[[outdated.sections]]\nname = 'news'\npatterns = ['{EVIL_PATTERN}']\nmax_age = '1y'\n", "outdated.sections[0].patterns"),
    (f"\n[[outdated.roles]]\nrole = 'evergreen'\npatterns = ['{EVIL_PATTERN}']\n", "outdated.roles[0].patterns"),
])
def test_url_patterns_that_backtrack_catastrophically_are_refused_everywhere(tmp_path, extra, key):
    path = write_config(tmp_path / "org.toml", GOOD + extra)
    with pytest.raises(ConfigError) as e:
        load_config(path)
    assert e.value.key == key
    assert EVIL_PATTERN in e.value.message and "backtrack catastrophically" in e.value.message
    assert "instead of" in e.value.message      # the fix


def test_check_reports_every_problem_in_one_run(tmp_path):
    path = write_config(tmp_path / "org.toml", """
        [organisation]
        name = "Example"

        [[sites]]
        name = "main"
        start_urls = ["https://www.example.org/"]
        max_page = 10
        max_depth = "deep"

        [crawl]
        concurency = 4

        [outdated]
        max_age = "soon"

        [cleanupp]
        """)
    r = run_decay("check", "--config", str(path))
    assert r.returncode == 2 and "Traceback" not in r.stderr
    lines = [line for line in r.stderr.splitlines() if line.startswith("error: ")]
    keys = ["cleanupp: unknown section", 'sites[0] ("main").max_page: unknown key', 'sites[0] ("main").max_depth: expected',
            "crawl.concurency: unknown key; did you mean 'concurrency'?", 'outdated.max_age: "soon" is not a duration']
    for key in keys:
        assert any(key in line for line in lines), (key, r.stderr)
    assert len(lines) == len(keys) and r.stderr.rstrip().endswith(f"5 problems in {path.resolve()}")
