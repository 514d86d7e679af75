"""The cleanup list on four realistic sites: every right item stays, every trap stays off (precision before recall).

Each site of tests/fixtures/realistic/ (a charity's dates, an arts centre's events and offers, a council's links, a
heritage trust's built-in checks and team rules) is built into a temporary directory by its build_site.py, served on
127.0.0.1 (with the council's non-static routes), crawled under its production origin (an alias) and analysed with
`decay analyse --now 2026-12-08`, once per module.  The verdicts are in tests/fixtures/realistic/expected.toml: a test
per `listed` entry, one per `not_listed` entry, and one per site that every finding of every item is accounted for
(listed, undecided or known wrong), so that a new item is classified before it is accepted.
"""
from __future__ import annotations

import fnmatch
import importlib.util
import json
import re
import shutil
import sqlite3
import tomllib
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import pytest

from decay.localserver import LocalSite
from tests.conftest import crawl, run_decay, write_config

pytestmark = pytest.mark.crawl

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "realistic"
EXPECTED: dict = tomllib.loads((FIXTURES / "expected.toml").read_text(encoding="utf-8"))
SITES = ("charity-dates", "arts-events", "council-links", "trust-checks")


# ------------------------------------------------------------------------------------------------ one run per site
@dataclass
class Item:
    path: str
    action: str
    rules: list[str]
    target: str | None
    why: str
    todo: str
    findings: list[tuple[str, str]]   # (rule, message)

    def says(self, text: str, rule: str | None = None) -> bool:
        text = text.lower()
        if rule is None and text in f"{self.why}\n{self.todo}".lower():
            return True
        return any(text in message.lower() for r, message in self.findings if rule in (None, r))

    def show(self) -> str:
        target = f" -> {self.target}" if self.target else ""
        return (f"{self.action} {self.path}{target} [{', '.join(self.rules)}]\n      why: {self.why}\n      todo: {self.todo}")


@dataclass
class Run:
    items: dict[str, Item]
    crawled: set[str]             # the paths of every URL the crawl fetched


def _module(site: str, name: str) -> ModuleType:
    """A site's build_site.py or routes.py (the directories are no packages: their names have hyphens)."""
    spec = importlib.util.spec_from_file_location(f"realistic_{site.replace('-', '_')}_{name}", FIXTURES / site / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _plain_config(path: Path, site: str, origin: str, local: str) -> Path:
    return write_config(path, f"""
        [organisation]
        name = "{site}"

        [[sites]]
        name = "{site}"
        start_urls = ["{origin}/"]
        aliases = {{ "{origin}" = "{local}" }}
        check_external_links = false

        [crawl]
        concurrency = 16
        concurrency_per_host = 16
        autothrottle = false
        """)


def _team_config(path: Path, site: str, origin: str, local: str) -> Path:
    """The site's own configuration (config/org.toml and the files it names), its alias pointed at the local server."""
    source = FIXTURES / site / "config"
    for f in source.iterdir():
        if f.name != "org.toml":
            shutil.copy(f, path.parent / f.name)
    body, n = re.subn(r"(?m)^aliases = .*$", f'aliases = {{ "{origin}" = "{local}" }}', (source / "org.toml").read_text("utf-8"))
    assert n == 1, "config/org.toml must have one aliases line"
    return write_config(path, body)


def _path(url: str | None, origin: str) -> str | None:
    return (url[len(origin):] or "/") if url and url.startswith(origin) else url


def _run(tmp_path_factory, site: str, team_config: bool = False) -> Run:
    expected = EXPECTED[site]
    origin = expected["origin"]
    work = tmp_path_factory.mktemp(site)
    root = work / "site"
    _module(site, "build_site").build(root)
    routes = _module(site, "routes").routes(root) if (FIXTURES / site / "routes.py").exists() else None
    server = LocalSite(root=root, routes=routes).start()
    db = work / "decay.db"
    try:
        cfg = (_team_config if team_config else _plain_config)(work / "org.toml", site, origin, server.url)
        crawled = crawl(cfg, db)
        assert crawled.returncode == 0, crawled.stdout + crawled.stderr
        analysed = run_decay("analyse", "--config", str(cfg), "--db", str(db), "--now", expected["now"], "--top", "0")
        assert analysed.returncode == 0, analysed.stdout + analysed.stderr
    finally:
        server.stop()
    conn = sqlite3.connect(db)
    try:
        items = {}
        for url, action, rules, target, why, todo, findings in conn.execute(
                "SELECT subject_url, action, rules, target_url, why, todo, findings FROM cleanup ORDER BY rank"):
            path = _path(url, origin)
            assert path not in items, f"two items on {path}"
            items[path] = Item(path, action, [r.strip() for r in (rules or "").split(",") if r.strip()], _path(target, origin),
                               why or "", todo or "", [(f["rule"], f.get("message") or "") for f in json.loads(findings or "[]")])
        pages = {_path(u, origin) for (u,) in conn.execute("SELECT url FROM pages")}
    finally:
        conn.close()
    return Run(items, pages)


@pytest.fixture(scope="module")
def charity_dates(tmp_path_factory) -> Run:
    return _run(tmp_path_factory, "charity-dates")


@pytest.fixture(scope="module")
def arts_events(tmp_path_factory) -> Run:
    return _run(tmp_path_factory, "arts-events")


@pytest.fixture(scope="module")
def council_links(tmp_path_factory) -> Run:
    return _run(tmp_path_factory, "council-links")


@pytest.fixture(scope="module")
def trust_checks(tmp_path_factory) -> Run:
    return _run(tmp_path_factory, "trust-checks", team_config=True)


def run_of(request, site: str) -> Run:
    return request.getfixturevalue(site.replace("-", "_"))


# ------------------------------------------------------------------------------------------------ the verdicts
def _cases(key: str) -> list:
    cases = []
    for site in SITES:
        for entry in EXPECTED[site].get(key, []):
            label = ":".join(str(entry[k]) for k in ("path", "rule", "action", "text", "target") if k in entry)
            cases.append(pytest.param(site, entry, id=f"{site}:{label}"))
    return cases


def _listing(run: Run) -> str:
    return "\n".join(f"    {item.show()}" for item in run.items.values())


def _matches(item: Item, entry: dict) -> bool:
    """Does the item match every key the not_listed entry gives?"""
    if not fnmatch.fnmatchcase(item.path, entry["path"]):
        return False
    if "rule" in entry and entry["rule"] not in item.rules:
        return False
    if "action" in entry and item.action != entry["action"]:
        return False
    if "text" in entry and not item.says(entry["text"], entry.get("rule")):
        return False
    if "target" in entry and (item.target is None or entry["target"] not in ("*", item.target)):
        return False
    return True


@pytest.mark.parametrize("site, entry", _cases("listed"))
def test_right_item_is_listed(request, site, entry):
    run = run_of(request, site)
    item = run.items.get(entry["path"])
    assert item is not None, f"{site}: {entry['path']} is not on the list ({entry['note']}); the list:\n{_listing(run)}"
    problems = []
    if "action" in entry and item.action != entry["action"]:
        problems.append(f"action {item.action!r}, expected {entry['action']!r}")
    if "rule" in entry and entry["rule"] not in item.rules:
        problems.append(f"no {entry['rule']} among its rules")
    if "text" in entry and not item.says(entry["text"], entry.get("rule")):
        problems.append(f"it does not say {entry['text']!r}" + (f" in a finding of {entry['rule']}" if "rule" in entry else ""))
    if "target" in entry and item.target != entry["target"]:
        problems.append(f"target {item.target!r}, expected {entry['target']!r}")
    assert not problems, f"{site}: {entry['note']}: " + "; ".join(problems) + f"\n    {item.show()}"


@pytest.mark.parametrize("site, entry", _cases("not_listed"))
def test_trap_is_not_listed(request, site, entry):
    run = run_of(request, site)
    assert any(fnmatch.fnmatchcase(p, entry["path"]) for p in run.crawled if p), \
        f"{site}: the crawl fetched no page {entry['path']}: a mistake in expected.toml or the crawl missed the trap"
    wrong = [item for item in run.items.values() if _matches(item, entry)]
    what = ", ".join(f"{k} {entry[k]!r}" for k in ("rule", "action", "text", "target") if k in entry)
    assert not wrong, (f"{site}: listed although {entry['note']}" + (f" (must not be listed with {what})" if what else "")
                       + ":\n" + "\n".join(f"    {item.show()}" for item in wrong))


@pytest.mark.parametrize("site", SITES)
def test_every_item_is_accounted_for(request, site):
    """Each finding of each item is named by a listed, undecided or known_wrong entry: a new item, or a new reason on
    an item, is classified in expected.toml before it is accepted (a wrong one is a regression to fix)."""
    run = run_of(request, site)
    entries = [e for key in ("listed", "undecided", "known_wrong") for e in EXPECTED[site].get(key, [])]

    def accounted(item: Item, rule: str, message: str) -> bool:
        return any(e["path"] == item.path and e.get("rule", rule) == rule
                   and e.get("text", "").lower() in message.lower() for e in entries)

    new = [f"    {rule}: {message}\n      on {item.show()}" for item in run.items.values()
           for rule, message in item.findings if not accounted(item, rule, message)]
    assert not new, (f"{site}: findings on the list that tests/fixtures/realistic/expected.toml does not classify "
                     f"(listed, undecided or known_wrong):\n" + "\n".join(new))
