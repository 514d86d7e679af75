"""Triage survives every crawl: decisions hold, or come back exactly as specified.

A real site on 127.0.0.1 (under a production name) is crawled and analysed; people dismiss, snooze and
mark done items with `decay triage`; the site changes; it is crawled and analysed again.  Then:
- the dismissed item whose evidence did not change stays off the list;
- the dismissed item whose evidence changed (a new last-update date) comes back, saying why;
- the snoozed item stays off until its date, and comes back once the date has passed;
- the item marked done whose problem is still there is reopened and flagged;
- the item marked done whose problem is gone has left the list, its decision kept;
- a dismissed finding stays out of the list while its page's other problems stay in;
- neither decay crawl nor decay analyse changed a single triage row.
Exports (CSV, JSON, nginx/apache/CSV redirect maps) are checked on the same database.
"""
from __future__ import annotations

import csv
import io
import json
import time
from datetime import date, timedelta

import pytest

from decay.localserver import LocalSite, redirect
from tests.conftest import crawl, query, run_decay, write_config

PROD = "https://www.triage.example"


def page(title: str, main: str, modified: str | None = None) -> str:
    ld = (f'<script type="application/ld+json">{{"@type": "WebPage", "datePublished": "{modified}", '
          f'"dateModified": "{modified}"}}</script>') if modified else ""
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>{ld}</head><body>'
            f'<nav><a href="/">Home</a> <a href="/privacy.html">Privacy</a></nav><main><h1>{title}</h1>{main}</main>'
            f'<footer><a href="/privacy.html">Privacy</a></footer></body></html>')


HOME = """<p>Welcome. <a href="/a.html">Annual plan</a> <a href="/b.html">Board</a> <a href="/c.html">Café</a>
<a href="/e.html">Exhibition</a> <a href="/r.html">Resources</a> BROKEN</p>"""
TODAY = date.today().isoformat()


def files(e_modified: str, broken: bool) -> dict[str, str]:
    return {
        "index.html": page("Triage Org", HOME.replace("BROKEN", '<a href="/gone.html">Gone</a>' if broken else ""), TODAY),
        "privacy.html": page("Privacy", "<p>Your data.</p>", TODAY),
        "a.html": page("Annual plan 2015", "<p>The plan.</p>", "2015-01-10"),
        "b.html": page("Board", "<p>Who is on the board.</p>", "2015-02-11"),
        "c.html": page("Café", "<p>Opening hours.</p>", "2015-03-12"),
        "e.html": page("Exhibition", "<p>Our exhibition.</p>", e_modified),
        "r.html": page("Resources", '<p><a href="/old-plan">The plan</a></p>', TODAY),
    }


def write(root, content: dict[str, str]) -> None:
    for name, html in content.items():
        (root / name).write_text(html, encoding="utf-8")


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    root = tmp_path_factory.mktemp("triage-site")
    write(root, files("2016-03-01", broken=True))
    site = LocalSite(root=root, routes={"/old-plan": redirect("/a.html", 301)}).start()
    tmp = tmp_path_factory.mktemp("triage-run")
    cfg = write_config(tmp / "org.toml", f"""
        [organisation]
        name = "Triage Org"
        [[sites]]
        name = "main"
        start_urls = ["{PROD}/"]
        aliases = {{ "{PROD}" = "{site.url}" }}
        [crawl]
        autothrottle = false
        [[owners]]
        pattern = "/*"
        owner = "Web team"
        [[owners]]
        pattern = "/c.html"
        owner = "Café team"
        """)
    db = tmp / "decay.db"
    yield {"root": root, "site": site, "cfg": cfg, "db": db}
    site.stop()


def crawl_and_analyse(run) -> None:
    r = crawl(run["cfg"], run["db"])
    assert r.returncode == 0, r.stdout + r.stderr
    r = run_decay("analyse", "--config", str(run["cfg"]), "--db", str(run["db"]), "--top", "3")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "The cleanup list" in r.stdout and "decay serve --config" in r.stdout


def item(db, path: str):
    rows = query(db, "SELECT * FROM cleanup_list WHERE subject_url = ?", (PROD + path,))
    return rows[0] if rows else None


def triage(run, ident: str, *args: str) -> str:
    r = run_decay("triage", ident, *args, "--db", str(run["db"]), "--who", "alice")
    assert r.returncode == 0, r.stdout + r.stderr
    return r.stdout


def triage_rows(db) -> list[tuple]:
    return [tuple(r) for r in query(db, "SELECT * FROM triage ORDER BY id")]


@pytest.fixture(scope="module")
def lifecycle(run):
    db = run["db"]
    crawl_and_analyse(run)
    first = {p: item(db, p) for p in ("/a.html", "/b.html", "/c.html", "/e.html", "/gone.html", "/old-plan")}
    assert all(first.values()), {p: bool(v) for p, v in first.items()}
    to_redirect = query(db, "SELECT id FROM findings WHERE rule = 'links.to_redirect' AND subject_url = ?", (PROD + "/old-plan",))[0][0]
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    triage(run, first["/a.html"]["id"][:8], "--state", "dismissed", "--note", "kept as a record")
    triage(run, first["/e.html"]["id"], "--state", "dismissed", "--note", "fine for now")
    triage(run, first["/b.html"]["id"], "--state", "snoozed", "--until", tomorrow, "--note", "after the board meeting")
    triage(run, first["/c.html"]["id"], "--state", "done", "--note", "updated the hours")   # but nobody did
    triage(run, first["/gone.html"]["id"], "--state", "done", "--note", "removed the link")
    triage(run, to_redirect, "--state", "dismissed", "--note", "the redirect is on purpose")
    before = triage_rows(db)
    time.sleep(1.1)   # the next crawl starts after the decisions (timestamps have one-second resolution)
    write(run["root"], files("2017-04-02", broken=False))   # e.html: a new (still old) date; the broken link fixed
    crawl_and_analyse(run)
    return {"first": first, "before": before, "after": triage_rows(db), "to_redirect": to_redirect}


def test_crawl_and_analyse_never_change_triage(run, lifecycle):
    assert lifecycle["before"] == lifecycle["after"]
    assert len(lifecycle["after"]) == 6
    log = query(run["db"], "SELECT count(*) FROM triage_log")[0][0]
    assert log == 6   # one entry per decision, none from the machine


def test_dismissed_with_unchanged_evidence_stays_off_the_list(run, lifecycle):
    a = item(run["db"], "/a.html")
    assert a["id"] == lifecycle["first"]["/a.html"]["id"]   # the same id in every analysis
    assert (a["status"], a["visible"], a["triage_note"]) == ("dismissed", 0, "kept as a record")


def test_dismissed_with_changed_evidence_comes_back(run, lifecycle):
    e = item(run["db"], "/e.html")
    assert (e["status"], e["visible"]) == ("back: evidence changed since dismissed", 1)
    assert "2017-04-02" in e["why"]


def test_snoozed_stays_off_until_its_date_then_comes_back(run, lifecycle):
    db = run["db"]
    b = item(db, "/b.html")
    assert (b["status"], b["visible"]) == ("snoozed", 0)
    # the date passes (as if it were the day after tomorrow)
    import sqlite3

    conn = sqlite3.connect(db)
    with conn:
        conn.execute("UPDATE triage SET snooze_until = ? WHERE id = ?", ((date.today() - timedelta(days=1)).isoformat(), b["id"]))
    conn.close()
    b = item(db, "/b.html")
    assert (b["status"], b["visible"]) == ("back: snooze ended", 1)


def test_done_but_still_there_is_reopened_and_flagged(run, lifecycle):
    c = item(run["db"], "/c.html")
    assert (c["status"], c["visible"], c["owner"]) == ("reopened: still there after a new crawl", 1, "Café team")


def test_done_and_fixed_leaves_the_list_and_keeps_the_decision(run, lifecycle):
    assert item(run["db"], "/gone.html") is None
    gone = lifecycle["first"]["/gone.html"]["id"]
    assert query(run["db"], "SELECT state, note FROM triage WHERE id = ?", (gone,))[0][:] == ("done", "removed the link")
    assert query(run["db"], "SELECT status FROM findings WHERE rule = 'links.broken_internal' AND subject_url = ?",
                 (PROD + "/gone.html",))[0][0] == "resolved"


def test_dismissed_finding_is_left_out_of_the_list(run, lifecycle):
    # /old-plan had one finding (links to a redirect) and a redirect-chain-free 301: dismissing the finding empties it
    assert item(run["db"], "/old-plan") is None
    assert query(run["db"], "SELECT status FROM findings WHERE id = ?", (lifecycle["to_redirect"],))[0][0] == "open"


def test_triage_history_and_bad_input(run, lifecycle):
    db = run["db"]
    a = lifecycle["first"]["/a.html"]["id"]
    out = run_decay("triage", a, "--db", str(db)).stdout
    assert "dismissed: kept as a record" in out and "alice" in out and "status: dismissed" in out
    r = run_decay("triage", "ffffffffffff", "--state", "done", "--db", str(db))
    assert r.returncode == 2 and "no cleanup item or finding has this id" in r.stderr and "Traceback" not in r.stderr
    r = run_decay("triage", a, "--state", "snoozed", "--db", str(db))
    assert r.returncode == 2 and "--until" in r.stderr
    r = run_decay("triage", a, "--state", "snoozed", "--until", "2001-01-01", "--db", str(db))
    assert r.returncode == 2 and "not in the future" in r.stderr


def test_export_cleanup_csv_and_json_per_owner(run, lifecycle):
    db = run["db"]
    r = run_decay("export", "cleanup", "--format", "csv", "--db", str(db))
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    visible = query(db, "SELECT count(*) FROM cleanup_list WHERE visible = 1")[0][0]
    assert len(rows) == visible and rows[0]["rank"] and rows[0]["why"]
    assert PROD + "/a.html" not in {x["subject_url"] for x in rows}   # dismissed
    r = run_decay("export", "cleanup", "--format", "json", "--owner", "Café team", "--db", str(db))
    data = json.loads(r.stdout)
    assert [d["subject_url"] for d in data] == [PROD + "/c.html"]


def test_export_redirects_only_the_accepted_ones(run, lifecycle, tmp_path):
    import sqlite3

    db = run["db"]
    conn = sqlite3.connect(db)
    with conn:   # a redirect action people have accepted and one they have not (made by hand: the site has none)
        conn.execute("INSERT INTO cleanup (id, rank, score, action, target_url, subject_type, subject_url, material, site) "
                     "VALUES ('00aa0001', 90, 1, 'redirect', ?, 'page', ?, '[]', 'main'), "
                     "('00aa0002', 91, 1, 'redirect', ?, 'page', ?, '[]', 'main')",
                     (PROD + "/new.html", PROD + "/old.html", PROD + "/x.html", PROD + "/y.html"))
    conn.close()
    triage(run, "00aa0001", "--state", "accepted")
    out = run_decay("export", "redirects", "--format", "nginx", "--db", str(db)).stdout
    assert "location = /old.html { return 301 /new.html; }" in out and "/y.html" not in out
    out = run_decay("export", "redirects", "--format", "apache", "--db", str(db)).stdout
    assert "Redirect 301 /old.html /new.html" in out
    out = run_decay("export", "redirects", "--format", "csv", "--db", str(db)).stdout
    assert list(csv.reader(io.StringIO(out)))[1][:3] == [PROD + "/old.html", PROD + "/new.html", "accepted"]


def test_record_is_all_or_nothing_with_exact_ids(run, lifecycle):
    """The browser's path (exact ids): an unknown id or a shortened one refuses the whole batch; a snooze date of
    today (UTC) is refused; nothing is logged."""
    from decay import triage as tr

    db = run["db"]
    good = item(db, "/b.html")["id"]
    log = query(db, "SELECT count(*) FROM triage_log")[0][0]
    with pytest.raises(tr.TriageError, match="ffffffffffffffff: no cleanup item or finding has this id"):
        tr.record(db, [good, "ffffffffffffffff"], "dismissed", who="bob", exact=True)
    with pytest.raises(tr.TriageError, match="no cleanup item or finding"):
        tr.record(db, [good[:8]], "done", who="bob", exact=True)   # a prefix is not an id in a form
    from datetime import datetime, timezone

    today_utc = datetime.now(timezone.utc).date().isoformat()
    with pytest.raises(tr.TriageError, match="not in the future"):
        tr.record(db, [good], "snoozed", until=today_utc, who="bob", exact=True)
    with pytest.raises(tr.TriageError, match="no item chosen"):
        tr.record(db, [], "done", who="bob", exact=True)
    assert query(db, "SELECT count(*) FROM triage_log")[0][0] == log
    assert query(db, "SELECT who FROM triage WHERE id = ?", (good,))[0][0] == "alice"
