"""URL patterns against hostile URLs (issue 14, hole 1).

`re:` patterns in include/exclude, owners, protected, sections, roles and rule include/exclude used to run
through Python's ``re`` with no limit: ``exclude = ["re:/(\\w+-?)+/print/"]`` and one link to
``/aaaa…a!`` kept the crawl's store process at 100% CPU for good, and ``decay check`` said ok.
Now every URL pattern runs under a time limit per URL (foundation.timed_regex, the engine the pattern rules
use), a URL on which a pattern runs out of time is treated safely and recorded, and ``decay check``
refuses a pattern that runs out of time on hostile URLs made of its own characters.
"""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from decay.localserver import LocalSite
from foundation.urls import SiteScope, compile_patterns, url_pattern_problem
from tests.conftest import crawl, query, run_decay, write_config

EVIL = r"re:/(\w+-?)+/print/"
EVIL_URL = "https://www.example.org/" + "a" * 42 + "!"

GOOD = """
[organisation]
name = "Example"
contact = "web@example.org"

[[sites]]
name = "main"
start_urls = ["https://www.example.org/"]
"""


def _in_child(code: str, timeout: float = 30) -> dict:
    """Run code in a child interpreter (the old matcher never returned: a hang must fail, not stall the suite)."""
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def test_the_evil_pattern_on_the_evil_url_returns_and_says_which_pattern_ran_out():
    # in a child with a time limit: the old matcher never returned (a hang fails the test instead of the suite)
    out = _in_child(f"""
import json
from foundation.urls import compile_patterns
m = compile_patterns([{EVIL!r}])
short = m.check({EVIL_URL!r})
long = m.check("https://www.example.org/" + "a" * 20000 + "!")
print(json.dumps({{"short": short, "long": long, "timeouts": dict(m.timeouts)}}))
""")
    assert out["short"] == [None, None]             # the regex engine decides this one quickly: no match
    assert out["long"] == [None, EVIL]               # ran out of time: no match, and which pattern did
    assert out["timeouts"] == {EVIL: 1}


def test_a_timed_out_pattern_excludes_the_url_with_the_reason_and_includes_nothing():
    url = "https://www.example.org/" + "a" * 20000 + "!"
    scope = SiteScope("main", ["https://www.example.org/"], exclude=[EVIL])
    reason = scope.excluded_by(url)
    assert reason is not None and reason.startswith(f"the pattern {EVIL} took too long on this URL") and "excluded" in reason
    assert scope.excluded_by("https://www.example.org/docs/print/") == f"matches exclude pattern {EVIL}"
    assert scope.excluded_by("https://www.example.org/docs/") is None
    inc = SiteScope("main", ["https://www.example.org/"], include=[EVIL])
    reason = inc.excluded_by(url)
    assert reason is not None and f"the include pattern {EVIL} took too long" in reason and "not crawled" in reason
    # owners, protected, sections and roles: a pattern that runs out of time does not match
    m = compile_patterns(["/nothing/*", EVIL])
    assert m(url) is None and m.timeouts[EVIL] == 1
    assert "took too long on 1 URL" in m.slow_note("the owners")


def test_many_hostile_urls_stay_cheap():
    m = compile_patterns([EVIL])
    budgets = []
    for i in range(200):
        budgets.append(m.budget(EVIL))
        assert m("https://www.example.org/" + "a" * (20000 + i) + "!") is None
    assert m.timeouts[EVIL] == 200   # every one ran out of time, and none matched
    # 20 URLs at the full limit, the other 180 at a tenth of it: 200 hostile links cost at most 1.9 s of matching
    assert budgets == [m.timeout] * m.max_timeouts + [m.timeout / 10] * (200 - m.max_timeouts)


@pytest.mark.parametrize("pattern", [EVIL, "re:(a+)+x", "re:(a|aa)+x", r"re:^https://[^/]+/news/(\d+-?)+/x", "*a*a*a*a*b"])
def test_patterns_that_backtrack_catastrophically_are_refused(pattern):
    problem = url_pattern_problem(pattern)
    assert problem is not None and pattern in problem and "ran longer than" in problem


@pytest.mark.parametrize("pattern", ["/news/*", "*.pdf", "*/print/*", "re:[?&]sessionid=", r"re:/[\w-]+/print/",
                                     r"re:^https?://[^/]+/(en|de)/.*\.pdf$", r"re:/blog/\d{4}/\d{2}/", "re:(/[^/]+)+/print/"])
def test_ordinary_patterns_are_accepted(pattern):
    assert url_pattern_problem(pattern) is None


def test_decay_check_refuses_the_evil_exclude_pattern(tmp_path):
    path = write_config(tmp_path / "org.toml", GOOD + f"exclude = ['{EVIL}']\n")
    r = run_decay("check", "--config", str(path), timeout=60)
    assert r.returncode == 2
    assert "Traceback" not in r.stderr and "Traceback" not in r.stdout
    line = r.stderr.strip()
    assert line.startswith("error: ") and "org.toml" in line and 'sites[0] ("main").exclude' in line
    assert EVIL in line and "backtrack catastrophically" in line and "re:/[\\w-]+/print/ instead of" in line


def test_decay_check_refuses_it_in_a_rule_include_too(tmp_path):
    path = write_config(tmp_path / "org.toml", GOOD + f"""
[[rules]]
id = "old-name"
kind = "term"
terms = ["Harbour Foundation"]
include = ['{EVIL}']
""")
    r = run_decay("check", "--config", str(path), timeout=60)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "rules" in r.stderr and "include" in r.stderr and EVIL in r.stderr and "backtrack catastrophically" in r.stderr


# ---------------------------------------------------------------- a real crawl meets hostile links
SLOW_BUT_ALLOWED = "re:(/[^/]+)+/print/"        # quick on ordinary URLs, quadratic on /a/a/a/…
LONG_PATH = "/a" * 30000 + "!"
FIXED = r"re:/[\w-]+/print/"                      # what the refusal message proposes instead of EVIL


def _html(title: str, body: str) -> str:
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title}</title></head>'
            f"<body><main><h1>{title}</h1>{body}</main></body></html>")


def test_a_crawl_with_hostile_links_finishes_and_records_them(tmp_path):
    assert url_pattern_problem(SLOW_BUT_ALLOWED) is None      # decay check lets it through
    root = tmp_path / "site"
    for rel, text in {
        "index.html": _html("Home", f'<p><a href="/about/">About</a> <a href="/docs/print/">Print</a> '
                                    f'<a href="/{"a" * 42}!">Evil</a> <a href="{LONG_PATH}">Long</a></p>'),
        "about/index.html": _html("About", "<p>Who we are.</p>"),
        "docs/print/index.html": _html("Print", "<p>Printable.</p>"),
    }.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")
    site = LocalSite(root=root).start()
    base = site.url
    try:
        cfg = write_config(tmp_path / "org.toml", f"""
            [organisation]
            name = "Hostile"
            contact = "web@example.org"

            [[sites]]
            name = "main"
            start_urls = ["{site.url}/"]
            exclude = ['{SLOW_BUT_ALLOWED}', '{FIXED}']
        """)
        db = tmp_path / "decay.db"
        r = crawl(cfg, db)   # run_decay's time limit fails a crawl that hangs on the hostile URLs
    finally:
        site.stop()
    assert r.returncode == 0, r.stderr[-2000:]
    rows = {row["url"][len(base):]: row for row in query(db, "SELECT url, outcome, error FROM pages")}
    assert rows["/about/"]["outcome"] == "ok"
    assert rows["/docs/print/"]["outcome"] == "skipped" and "matches exclude pattern" in rows["/docs/print/"]["error"]
    long = rows[LONG_PATH]
    assert long["outcome"] == "skipped"
    assert long["error"] == f"the pattern {SLOW_BUT_ALLOWED} took too long on this URL (more than 0.05 s), so it is excluded"
    assert rows[f"/{'a' * 42}!"]["outcome"] != "skipped"      # no pattern matches it: crawled (a 404 here)
