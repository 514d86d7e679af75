"""`decay serve`: datasette configured for the team, checked in a real browser.

The demo site is crawled and analysed (decay demo), `decay serve` starts datasette on that database,
and headless Chromium (Debian's package, driven by Playwright with the system binary) opens the
cleanup list as an anonymous visitor (the top rows and their explanations are visible; the triage
query is forbidden), signs in, dismisses the top item through the writable canned query, and the
test checks the triage table.  A screenshot of the list is saved as output/serve-cleanup-list.png.

Chromium must be at /usr/bin/chromium (apt-get install chromium; .ci/run installs it).  Without it
the browser test is skipped, unless DECAY_REQUIRE_BROWSER=1 (set by CI), where it fails.
"""
from __future__ import annotations

import json
import os
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from decay import serve as sv
from foundation.config import load_config
from tests.conftest import DECAY, query, run_decay, write_config

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = Path(os.environ.get("DECAY_CHROMIUM", "/usr/bin/chromium"))
PASSWORD = "correct horse battery staple"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("serve")
    db = tmp / "decay.db"
    r = run_decay("demo", "--db", str(db))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "The cleanup list" in r.stdout and "decay serve" in r.stdout   # decay demo ends with both
    from datasette_auth_passwords.utils import hash_password

    cfg = write_config(tmp / "serve.toml", f"""
        [organisation]
        name = "Harbourside Trust"
        [[sites]]
        name = "harbourside"
        start_urls = ["https://www.harbourside.example/"]
        [output]
        database = "{db}"
        [[serve.users]]
        name = "alice"
        password_hash = "env:TEST_ALICE_HASH"
        """)
    return {"db": db, "cfg": cfg, "hash": hash_password(PASSWORD)}


def test_metadata_describes_everything_and_guards_triage(demo_db):
    meta = sv.metadata(demo_db["db"], load_config(demo_db["cfg"]))
    db = meta["databases"]["decay"]
    assert db["tables"]["cleanup"]["columns"]["action"].startswith("remove, redirect")
    assert db["tables"]["cleanup_list"]["facets"][:2] == ["status", "action"]
    assert db["tables"]["pages"]["fts_table"] == "pages_fts"
    for name in ("this_mornings_list", "new_since_the_last_crawl", "orphans", "hijackable_social_links",
                 "pages_not_updated_in_n_years"):
        assert name in db["queries"] and not db["queries"][name].get("write")
    for state in ("dismissed", "snoozed", "accepted", "in_progress", "done", "new"):
        q = db["queries"][f"triage_{state}"]
        assert q["write"] is True and q["allow"] == {"id": "*"}   # signed-in users only
    assert meta["plugins"]["datasette-auth-passwords"] == {"alice_password_hash": {"$env": "TEST_ALICE_HASH"}}
    assert "overview" in meta["plugins"]["datasette-dashboards"]


def test_every_canned_query_runs(demo_db):
    import sqlite3

    conn = sqlite3.connect(demo_db["db"])
    params = {"owner": "", "years": "3", "id": "nothing", "note": "", "until": "", "state": "new",
              "_actor_id": "t", "_now_datetime_utc": "2026-01-01T00:00:00Z"}
    for name, q in sv.metadata(demo_db["db"], None)["databases"]["decay"]["queries"].items():
        if not q.get("write"):
            conn.execute(q["sql"], params).fetchall()
    conn.close()
    rows = query(demo_db["db"], "SELECT count(*) FROM cleanup_list WHERE visible = 1")
    assert rows[0][0] > 10


@pytest.fixture(scope="module")
def server(demo_db):
    port = free_port()
    env = dict(os.environ, TEST_ALICE_HASH=demo_db["hash"])
    proc = subprocess.Popen([DECAY, "serve", "--config", str(demo_db["cfg"]), "--port", str(port)],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    for _ in range(150):
        try:
            urllib.request.urlopen(base + "/", timeout=2)
            break
        except (urllib.error.URLError, ConnectionError):
            if proc.poll() is not None:
                pytest.fail("decay serve exited: " + proc.stdout.read())
            time.sleep(0.2)
    yield base
    proc.terminate()
    proc.wait(10)


def test_search_and_dashboard_answer(server):
    data = json.load(urllib.request.urlopen(server + "/decay/pages.json?_search=boathouse&_shape=array&_col=url"))
    assert data and all("harbourside.example" in d["url"] for d in data)
    assert len(data) < 30   # the search filters
    assert urllib.request.urlopen(server + "/-/dashboards/overview").status == 200


def browser_or_skip():
    if not CHROMIUM.exists():
        if os.environ.get("DECAY_REQUIRE_BROWSER") == "1":
            pytest.fail(f"{CHROMIUM} not found (apt-get install chromium)")
        pytest.skip(f"{CHROMIUM} not found: apt-get install chromium to run the browser test")
    from playwright.sync_api import sync_playwright

    return sync_playwright


def test_browser_list_sign_in_and_dismiss(demo_db, server):
    sync_playwright = browser_or_skip()
    db = demo_db["db"]
    top = query(db, "SELECT id, subject_url, why FROM cleanup_list WHERE visible = 1 ORDER BY rank LIMIT 3")
    target = top[0]["id"]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"])
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(server + "/decay/this_mornings_list?owner=")
            text = page.inner_text("body")
            for row in top:
                assert row["subject_url"] in text
                assert " ".join(row["why"].split())[:60] in " ".join(text.split())
            (REPO / "output").mkdir(exist_ok=True)
            page.screenshot(path=str(REPO / "output" / "serve-cleanup-list.png"), full_page=False)

            # an anonymous visitor can read but not triage
            resp = page.goto(server + f"/decay/triage_dismissed?id={target}&note=anonymous")
            assert resp.status == 403
            assert query(db, "SELECT count(*) FROM triage")[0][0] == 0

            page.goto(server + "/-/login")
            page.fill("#id_username", "alice")
            page.fill("#id_password", PASSWORD)
            page.click("input[type=submit]")
            page.wait_for_load_state()
            page.goto(server + "/decay/this_mornings_list?owner=")
            page.locator("td.col-decide").first.get_by_role("link", name="dismiss").click()   # the top row's link
            page.wait_for_load_state()
            assert page.input_value("input[name=id]") == target
            page.fill("input[name=note]", "kept on purpose")
            page.click("input[type=submit][value='Run SQL']")
            page.wait_for_load_state()
            assert "Recorded: dismissed." in page.inner_text("body")
            rows = query(db, "SELECT state, who, note, item FROM triage WHERE id = ?", (target,))
            assert [tuple(r) for r in rows] == [("dismissed", "alice", "kept on purpose", "cleanup")]
            page.goto(server + "/decay/this_mornings_list?owner=")
            ids = page.locator("td.col-id").all_inner_texts()
            assert top[1]["id"] in ids and target not in ids   # off this morning's list
        finally:
            browser.close()
