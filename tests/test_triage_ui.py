"""Triage in the browser (decay/triage_ui.py): the list, one item, deciding, and who may decide.

A small site on 127.0.0.1 (under a production name) is crawled and analysed: old undated pages under /news/
and elsewhere (outdated.stale_page items), one whose crawled title is markup, and a broken link.  One cleanup
row's redirect target is then set to a ``javascript:`` URL, as a hostile crawl could leave it.  ``decay serve``
runs on the database; headless Chromium (as in test_serve.py) signs in, filters to one rule, opens an item,
snoozes it, dismisses every /news/ item at once with one note and sees the history; an anonymous visitor reads
but cannot decide, and the markup and the javascript: URL stay inert.  Screenshots: output/triage-list.png,
output/triage-item.png.  Plain HTTP (urllib) checks paging past 1,000 items and the refusals.
"""
from __future__ import annotations

import http.cookiejar
import os
import re
import shutil
import sqlite3
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import date, timedelta

import pytest

from decay.localserver import LocalSite
from tests.conftest import DECAY, crawl, query, run_decay, write_config
from tests.test_serve import CHROMIUM, REPO, browser_or_skip, free_port

PROD = "https://www.uitest.example"
PASSWORD = "correct horse battery staple"
MARKUP_TITLE = '<img src=x onerror="window.__xss=1">Opening <b>hours</b>'
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
               "--disable-component-update", "--disable-sync"]


def page(title: str, main: str, modified: str) -> str:
    from html import escape

    ld = f'<script type="application/ld+json">{{"@type": "WebPage", "dateModified": "{modified}"}}</script>'
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>{ld}</head><body>'
            f'<nav><a href="/">Home</a></nav><main><h1>{escape(title)}</h1>{main}</main></body></html>')


@pytest.fixture(scope="module")
def site_db(tmp_path_factory):
    root = tmp_path_factory.mktemp("ui-site")
    today = date.today().isoformat()
    news = [f"news/item-{i}.html" for i in range(1, 5)]
    links = "".join(f'<a href="/{n}">News {i}</a> ' for i, n in enumerate(news, 1))
    (root / "news").mkdir()
    (root / "index.html").write_text(page("UI Org", f'<p>{links}<a href="/hours.html">Hours</a> '
                                                    f'<a href="/board.html">Board</a> <a href="/gone.html">Gone</a></p>', today))
    for i, n in enumerate(news, 1):
        (root / n).write_text(page(f"News item {i}", f"<p>Old news {i}.</p>", f"2014-0{i}-10"))
    (root / "hours.html").write_text(page(MARKUP_TITLE, "<p>Opening hours.</p>", "2015-03-12"))
    (root / "board.html").write_text(page("Board", "<p>Who is on the board.</p>", "2015-02-11"))
    site = LocalSite(root=root).start()
    tmp = tmp_path_factory.mktemp("ui-run")
    cfg = write_config(tmp / "org.toml", f"""
        [organisation]
        name = "UI Org"
        [[sites]]
        name = "main"
        start_urls = ["{PROD}/"]
        aliases = {{ "{PROD}" = "{site.url}" }}
        [crawl]
        autothrottle = false
        [[owners]]
        pattern = "/news/*"
        owner = "News desk"
        [[serve.users]]
        name = "alice"
        password_hash = "env:TEST_UI_ALICE_HASH"
        """)
    db = tmp / "decay.db"
    r = crawl(cfg, db)
    assert r.returncode == 0, r.stdout + r.stderr
    r = run_decay("analyse", "--config", str(cfg), "--db", str(db))
    assert r.returncode == 0, r.stdout + r.stderr
    site.stop()
    conn = sqlite3.connect(db)
    with conn:   # what a hostile crawl could leave in a URL column
        n = conn.execute("UPDATE cleanup SET target_url = 'javascript:window.__xss=2' WHERE subject_url = ?",
                         (PROD + "/hours.html",)).rowcount
    conn.close()
    assert n == 1
    from datasette_auth_passwords.utils import hash_password

    return {"db": db, "cfg": cfg, "hash": hash_password(PASSWORD), "tmp": tmp}


def start_server(cfg, db, env_hash):
    port = free_port()
    env = dict(os.environ, TEST_UI_ALICE_HASH=env_hash)
    proc = subprocess.Popen([DECAY, "serve", "--config", str(cfg), "--db", str(db), "--port", str(port)],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    for _ in range(150):
        try:
            urllib.request.urlopen(base + "/", timeout=2)
            return proc, base
        except (urllib.error.URLError, ConnectionError):
            if proc.poll() is not None:
                pytest.fail("decay serve exited: " + proc.stdout.read())
            time.sleep(0.2)
    proc.terminate()
    pytest.fail("decay serve did not answer")


@pytest.fixture(scope="module")
def server(site_db):
    proc, base = start_server(site_db["cfg"], site_db["db"], site_db["hash"])
    yield base
    proc.terminate()
    proc.wait(10)


@pytest.fixture(scope="module")
def big_server(site_db):
    """The same database with 1,250 more items (copies of a real one, new ids and ranks): paging past 1,000."""
    db = site_db["tmp"] / "big.db"
    shutil.copy(site_db["db"], db)
    conn = sqlite3.connect(db)
    cols = [r[1] for r in conn.execute("PRAGMA table_info(cleanup)")]
    top = conn.execute("SELECT max(rank) FROM cleanup").fetchone()[0]
    sel = ", ".join("printf('bulk%012d', :n)" if c == "id" else ":rank" if c == "rank" else
                    "subject_url || '?copy=' || :n" if c == "subject_url" else c for c in cols)
    with conn:
        for n in range(1, 1251):
            conn.execute(f"INSERT INTO cleanup ({', '.join(cols)}) SELECT {sel} FROM cleanup WHERE rank = 1",
                         {"n": n, "rank": top + n})
    conn.close()
    proc, base = start_server(site_db["cfg"], db, site_db["hash"])
    yield base, db
    proc.terminate()
    proc.wait(10)


def get(url: str, opener=None) -> tuple[int, str]:
    try:
        with (opener or urllib.request.build_opener()).open(url, timeout=30) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def post(url: str, data: list[tuple[str, str]], opener=None) -> tuple[int, str]:
    req = urllib.request.Request(url, data=urllib.parse.urlencode(data).encode(), method="POST")
    try:
        with (opener or urllib.request.build_opener()).open(req, timeout=30) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def signed_in(base: str):
    """A urllib opener with alice's datasette session (sign-in through /-/login, with its CSRF token)."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    _, html = get(base + "/-/login", opener)
    token = re.search(r'name="csrftoken" value="([^"]+)"', html).group(1)
    status, _ = post(base + "/-/login", [("username", "alice"), ("password", PASSWORD), ("csrftoken", token)], opener)
    assert status == 200 and any(c.name == "ds_actor" for c in jar)
    return opener


def csrf(html: str) -> str:
    return re.search(r'name="csrftoken" value="([^"]+)"', html).group(1)


def items(db, where: str = "1", params=()) -> list[sqlite3.Row]:
    return query(db, f"SELECT * FROM cleanup_list WHERE {where} ORDER BY rank", params)


def test_paging_past_a_thousand_items(big_server):
    base, db = big_server
    total = query(db, "SELECT count(*) FROM cleanup_list WHERE visible = 1")[0][0]
    assert total > 1250
    status, html = get(base + "/-/triage?page=25")   # items 1,201-1,250: past datasette's 1,000-row cap
    assert status == 200
    assert f"Items 1,201–1,250 of {total:,}" in html
    ranks = [int(r) for r in re.findall(r'<tr id="row-[^"]+" data-id="[^"]+">\s*<td>.*?</td>\s*<td>(\d+)</td>', html, re.S)]
    expected = [r["rank"] for r in items(db, "visible = 1")][1200:1250]
    assert ranks == expected
    last = -(-total // 50)
    status, html = get(base + f"/-/triage?page={last}")
    assert f"Page {last} of {last}" in html and 'rel="next"' not in html
    assert str(items(db, "visible = 1")[-1]["rank"]) in html
    status, html = get(base + "/-/triage?size=500&page=3")
    assert f"Items 1,001–{min(total, 1500):,} of {total:,}" in html


def test_refusals_anonymous_past_date_unknown_id(site_db, server):
    db = site_db["db"]
    target = items(db, "visible = 1")[0]["id"]
    before = query(db, "SELECT count(*) FROM triage_log")[0][0]
    # anonymous: 403, says how to sign in, nothing recorded
    status, html = post(server + "/-/triage/decide", [("ids", target), ("decision", "dismissed"), ("note", "x")])
    assert status == 403 and "Sign in to triage" in html
    opener = signed_in(server)
    _, page_html = get(server + "/-/triage", opener)
    token = csrf(page_html)
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    status, html = post(server + "/-/triage/decide", [("csrftoken", token), ("ids", target), ("decision", "snoozed"),
                                                      ("until", yesterday)], opener)
    assert status == 400 and "Not recorded" in html and "not in the future" in html
    status, html = post(server + "/-/triage/decide", [("csrftoken", token), ("ids", target), ("ids", "ffffffffffffffff"),
                                                      ("decision", "dismissed")], opener)
    assert status == 400 and "ffffffffffffffff: no cleanup item or finding has this id" in html
    status, html = post(server + "/-/triage/decide", [("csrftoken", token), ("ids", target[:8]), ("decision", "done")], opener)
    assert status == 400   # a prefix names no item in the browser
    assert query(db, "SELECT count(*) FROM triage_log")[0][0] == before   # all or nothing: the good id was not decided
    status, html = get(server + "/-/triage/item/ffffffffffffffff")
    assert status == 404 and "No such item" in html


def test_browser_triage(site_db, server):
    sync_playwright = browser_or_skip()
    db = site_db["db"]
    news = items(db, "visible = 1 AND subject_url LIKE ?", (PROD + "/news/%",))
    assert len(news) >= 3, [dict(r) for r in items(db)]
    (REPO / "output").mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        try:
            pg = browser.new_page(viewport={"width": 1366, "height": 900})
            # the home page links to the triage list first
            pg.goto(server + "/")
            pg.get_by_role("link", name="Triage: this morning's list").first.click()
            pg.wait_for_load_state()
            assert pg.url.endswith("/-/triage")

            # anonymous: reads everything, cannot decide, and sees how to sign in
            text = pg.inner_text("body")
            assert news[0]["why"][:40] in " ".join(text.split()) and "News desk" in text
            assert pg.locator("input[name=ids]").count() == 0 and pg.locator("button[name=decision]").count() == 0
            assert pg.get_by_role("link", name="Sign in to triage").count() > len(news)
            # crawled markup is text, a javascript: URL is never a link
            assert MARKUP_TITLE in text
            assert pg.evaluate("window.__xss") is None and pg.locator("main img, .content img, td img").count() == 0
            assert pg.locator("a[href^='javascript' i]").count() == 0
            assert "javascript:window.__xss=2" in text
            assert pg.evaluate("document.documentElement.scrollWidth") <= 1366   # nothing pushed off the screen
            hours = items(db, "subject_url = ?", (PROD + "/hours.html",))[0]
            pg.goto(server + f"/-/triage/item/{hours['id']}")
            assert MARKUP_TITLE in pg.inner_text("h1") and pg.evaluate("window.__xss") is None
            assert pg.locator("a[href^='javascript' i]").count() == 0

            # sign in
            pg.goto(server + "/-/login")
            pg.fill("#id_username", "alice")
            pg.fill("#id_password", PASSWORD)
            pg.click("input[type=submit]")
            pg.wait_for_load_state()

            # filter to one rule (keyboard-reachable labelled selects); the state is in the URL
            pg.goto(server + "/-/triage")
            pg.get_by_label("Rule").select_option("outdated.stale_page")
            pg.get_by_role("button", name="Apply filters").click()
            pg.wait_for_load_state()
            assert "rule=outdated.stale_page" in pg.url
            stale = items(db, "visible = 1 AND instr(rules, 'outdated.stale_page') > 0")
            shown = pg.locator("tbody tr").evaluate_all("rows => rows.map(r => r.dataset.id)")
            assert shown == [r["id"] for r in stale]
            pg.screenshot(path=str(REPO / "output" / "triage-list.png"), full_page=False)

            # open an item and snooze it
            board = next(r for r in stale if r["subject_url"] == PROD + "/board.html")
            pg.locator(f"#row-{board['id']} a.title").click()
            pg.wait_for_load_state()
            body = pg.inner_text("body")
            assert "Board" in pg.inner_text("h1") and "outdated.stale_page" in body and "2015-02-11" in body
            assert "No decision yet." in body
            assert pg.locator(f"a[href='{PROD}/board.html']").count() >= 1   # a link to the page itself
            pg.screenshot(path=str(REPO / "output" / "triage-item.png"), full_page=False)
            until = (date.today() + timedelta(days=14)).isoformat()
            pg.get_by_label("Note (optional)").fill("after the board meeting")
            pg.get_by_label("Snooze until").fill(until)
            pg.get_by_role("button", name="Snooze").click()
            pg.wait_for_load_state()
            body = pg.inner_text("body")
            assert f"Recorded: 1 item snoozed until {until} by alice." in body
            history = pg.inner_text("table.history")
            assert "alice" in history and f"snoozed until {until}" in history and "after the board meeting" in history
            row = query(db, "SELECT state, snooze_until, who, note FROM triage WHERE id = ?", (board["id"],))
            assert [tuple(r) for r in row] == [("snoozed", until, "alice", "after the board meeting")]

            # every item matching a URL pattern, dismissed at once with one note
            pg.goto(server + "/-/triage?url=" + urllib.parse.quote("/news/*"))
            assert pg.locator("tbody tr").count() == len(news)
            pg.get_by_label(re.compile("every item matching this filter")).check()
            pg.get_by_label("One note for all (optional)").fill("old news is a record")
            pg.locator("#bulk").get_by_role("button", name="Dismiss").click()
            pg.wait_for_load_state()
            assert f"Recorded: {len(news)} items dismissed by alice." in pg.inner_text("body")
            assert pg.locator("tbody tr").count() == 0   # off the list
            rows = query(db, "SELECT t.id, t.state, t.who, t.note FROM triage t WHERE t.subject_url LIKE ?", (PROD + "/news/%",))
            assert sorted(tuple(r) for r in rows) == sorted((n["id"], "dismissed", "alice", "old news is a record") for n in news)
            assert query(db, "SELECT count(*) FROM triage WHERE subject_url NOT LIKE ? AND id != ?",
                         (PROD + "/news/%", board["id"]))[0][0] == 0   # nothing else was touched

            # the dismissed ones, by whom; then reopen one from its row, with the keyboard
            pg.goto(server + "/-/triage?status=dismissed")
            assert "by alice" in pg.inner_text("tbody")
            first = news[0]["id"]
            pg.locator(f"#row-{first} summary").focus()
            pg.keyboard.press("Enter")
            pg.locator(f"#row-{first}").get_by_role("button", name="Reopen").click()
            pg.wait_for_load_state()
            assert "Recorded: 1 item reopened by alice." in pg.inner_text("body")
            pg.goto(server + f"/-/triage/item/{first}")
            history = pg.inner_text("table.history")
            assert history.index("new") < history.index("dismissed")   # newest first
            assert "old news is a record" in history
        finally:
            browser.close()
