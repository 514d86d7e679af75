"""`decay nightly`: incremental re-crawls, what changed since the previous run, summary, webhook, lock, prune.

Two nightly runs against a local site (static files: ETag and Last-Modified, conditional requests answered
with 304, every request counted); between them one page's text changes, one page is deleted (and unlinked),
one is added, and one finding is fixed.  The second run must re-validate the unchanged pages with
conditional requests, and its summary and history must say exactly what changed.
"""
from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from decay.localserver import Route
from decay.lock import RunLock
from tests.conftest import query, run_decay, write_config

PROD = "https://www.garden.example"
UNCHANGED = ["a.html", "e1.html", "e2.html", "e3.html", "e4.html"]
T0 = int(time.time()) - 86400 * 10


def html(title: str, main: str, nav: list[str]) -> str:
    links = " ".join(f'<a href="/{n}">{n}</a>' for n in nav)
    return (f"<!doctype html><html lang=en><head><title>{title}</title></head><body>"
            f"<nav><a href=\"/\">Home</a> {links}</nav><main><p>{main}</p></main></body></html>")


def write(root: Path, name: str, text: str, mtime: float) -> None:
    p = root / name
    p.write_text(text, encoding="utf-8")
    os.utime(p, (mtime, mtime))


def build_site(root: Path, version: int) -> None:
    """version 1, then version 2: b.html changed, c.html deleted (and unlinked), d.html added, the guide's title fixed."""
    t0 = T0
    t1 = T0 + 86400 * 9
    pages = UNCHANGED + ["b.html", "guide.html"] + (["c.html"] if version == 1 else ["d.html"])
    write(root, "index.html", html("Garden club", "Welcome to the garden club, where members share plants.", pages),
          t0 if version == 1 else t1)
    for n in UNCHANGED if version == 1 else []:   # untouched in version 2
        write(root, n, html(f"Page {n}", f"Steady content of {n} about compost and seeds.", ["deep.html"] if n == "e1.html" else []), t0)
    # deep.html: linked only from e1.html, which answers 304 in version 2, so only the links the database holds
    # for e1.html lead to it; touched (same text, new date), so it is downloaded again, not answered with a 304
    write(root, "deep.html", html("Deep page", "Reached only through page a.", []), t0 if version == 1 else t1)
    if version == 1:
        write(root, "b.html", html("Opening hours", "We open on Saturdays from nine until noon.", []), t0)
        write(root, "c.html", html("Old newsletter", "The newsletter moved to the members area.", []), t0)
        write(root, "guide.html", html("The best gardening guide of 2012", "How to plan beds, sow and water.", []), t0)
    else:
        write(root, "b.html", html("Opening hours", "We now open on Saturdays and Sundays from nine until noon.", []), t1)
        (root / "c.html").unlink()
        write(root, "d.html", html("Seed swap", "Bring seeds, take seeds: the swap is every first Sunday.", []), t1)
        write(root, "guide.html", html("The gardening guide", "How to plan beds, sow and water.", []), t1)


@pytest.fixture
def garden(local_site, tmp_path):
    root = tmp_path / "site"
    root.mkdir()
    build_site(root, 1)
    site = local_site(root=root)
    cfg = write_config(tmp_path / "org.toml", f"""
        [organisation]
        name = "Garden club"
        [[sites]]
        name = "garden"
        start_urls = ["{PROD}/"]
        aliases = {{ "{PROD}" = "{site.url}" }}
        check_external_links = false
        [crawl]
        autothrottle = false
        retries = 0
        [output]
        database = "decay.db"
        [nightly]
        alert_severity = "medium"
        """)
    return site, root, cfg, tmp_path / "decay.db"


def nightly(cfg: Path, *extra: str, env: dict | None = None):
    return run_decay("nightly", "--config", str(cfg), *extra, env=env)


def summary_of(db: Path, run_id: int) -> dict:
    return json.loads((db.parent / "runs" / f"run-{run_id}.json").read_text())


@pytest.mark.parametrize("revalidation_pass", [True, False], ids=["with-pass", "scrapy-only"])
def test_two_nightly_runs_say_exactly_what_changed(garden, revalidation_pass):
    site, root, cfg, db = garden
    if not revalidation_pass:
        cfg.write_text(cfg.read_text().replace("retries = 0", "retries = 0\nrevalidation_pass = false"))
    r1 = nightly(cfg)
    assert r1.returncode == 1, r1.stdout + r1.stderr       # first run: the guide's old year is a new medium finding
    assert "Traceback" not in r1.stderr
    s1 = summary_of(db, 1)
    assert s1["status"] == "complete" and s1["crawl"]["mode"] == "full"
    assert s1["pages"]["added_count"] == 0                  # the first run is the baseline
    title_finding = [f for f in s1["findings"]["new_alerts"] if f["subject_url"] == f"{PROD}/guide.html"]
    assert [f["rule"] for f in title_finding] == ["outdated.old_year_in_title"]
    assert site.not_modified == 0

    build_site(root, 2)
    site.requests.clear()
    r2 = nightly(cfg)
    assert r2.returncode in (0, 1), r2.stdout + r2.stderr
    s2 = summary_of(db, 2)
    assert s2["status"] == "complete" and s2["previous_run"]["id"] == 1
    assert s2["crawl"]["mode"] == "incremental"

    # conditional requests: the unchanged pages answered 304
    def asked(method: str, conditional: bool = True) -> set[str]:
        return {path for m, path, headers in site.requests if m == method and ("If-None-Match" in headers) == conditional}

    changed = {"/", "/b.html", "/guide.html", "/deep.html"}
    unchanged = {f"/{n}" for n in UNCHANGED}
    if revalidation_pass:
        # the pass asked about every page the database knows (c.html too: its 404 settles nothing), and only
        # the pages that did not answer 304 went through the crawl, as conditional GETs
        assert asked("HEAD") == unchanged | changed | {"/c.html"}
        assert asked("GET") == changed
        assert s2["crawl"]["revalidated"] == 10 and s2["crawl"]["sites"][0]["revalidation_note"] is None
        assert "the re-validation pass asked 10 known pages first" in r2.stdout
    else:
        # every page of the previous crawl still linked was asked with its validators (c.html is no longer
        # linked: not requested at all)
        assert asked("GET") == unchanged | changed
        assert not asked("HEAD") and not s2["crawl"]["revalidated"]
    assert asked("GET", conditional=False) >= {"/d.html"}
    assert site.not_modified == len(UNCHANGED)
    assert s2["crawl"]["not_modified"] == len(UNCHANGED)

    # the summary says exactly what changed
    pages = s2["pages"]
    assert [p["url"] for p in pages["added"]] == [f"{PROD}/d.html"]
    assert [p["url"] for p in pages["gone"]] == [f"{PROD}/c.html"]
    assert pages["gone"][0]["after"] == "not requested" and pages["gone"][0]["since"]
    assert [p["url"] for p in pages["changed"]] == [f"{PROD}/b.html"]
    assert pages["status"] == []
    deep = query(db, "SELECT crawl_id, not_modified FROM pages WHERE url = ?", (f"{PROD}/deep.html",))[0]
    assert (deep["crawl_id"], deep["not_modified"]) == (2, 0)   # followed from e1.html's stored links
    resolved = s2["findings"]["resolved"]
    assert [(f["rule"], f["subject_url"]) for f in resolved] == [("outdated.old_year_in_title", f"{PROD}/guide.html")]
    assert not [f for f in s2["findings"]["new"] if f["subject_url"] in {f"{PROD}/{n}" for n in UNCHANGED + ["b.html", "guide.html"]}]
    assert "1 added, 1 gone, 1 changed, 0 status changes" in r2.stdout
    assert f"gone: {PROD}/c.html" in r2.stdout
    # ... and what this morning's list holds (the fixed title is off it)
    visible = query(db, "SELECT count(*) AS n FROM cleanup_list WHERE visible = 1")[0]["n"]
    assert s2["cleanup"]["visible"] == visible == sum(s2["cleanup"]["by_action"].values())
    assert f"this morning's list: {visible} items" in r2.stdout
    assert f"{PROD}/guide.html" not in {t["subject_url"] for t in s2["cleanup"]["top"]}

    # ... and so does the history in the database
    changes = {(r["change"], r["url"]) for r in query(db, "SELECT change, url FROM page_changes WHERE crawl_id = 2")}
    assert changes == {("added", f"{PROD}/d.html"), ("gone", f"{PROD}/c.html"), ("changed", f"{PROD}/b.html")}
    fc = query(db, "SELECT change, rule, subject_url FROM finding_changes fc JOIN runs r ON r.analysis_id = fc.analysis_id "
                   "WHERE r.id = 2 AND change = 'resolved'")
    assert [(r["rule"], r["subject_url"]) for r in fc] == [("outdated.old_year_in_title", f"{PROD}/guide.html")]
    (run2,) = query(db, "SELECT * FROM runs WHERE id = 2")
    assert (run2["status"], run2["pages_added"], run2["pages_gone"], run2["pages_changed"], run2["findings_resolved"]) == \
        ("complete", 1, 1, 1, 1)

    # a 304 keeps the page's facts: the row says so, its links, texts and dates are still there and were analysed
    a = query(db, "SELECT * FROM pages WHERE url = ?", (f"{PROD}/a.html",))[0]
    assert (a["not_modified"], a["crawl_id"], a["facts_crawl_id"], a["status"], a["outcome"]) == (1, 2, 1, 200, "ok")
    assert a["method"] == ("HEAD" if revalidation_pass else "GET")
    assert a["title"] == "Page a.html"
    assert query(db, "SELECT count(*) AS n FROM links WHERE source_id = ?", (a["url_id"],))[0]["n"] == 1
    assert query(db, "SELECT main_text FROM page_texts WHERE url_id = ?", (a["url_id"],))[0]["main_text"]
    assert query(db, "SELECT analysis_id FROM page_dates WHERE url_id = ?", (a["url_id"],))[0]["analysis_id"] == run2["analysis_id"]
    b = query(db, "SELECT * FROM pages WHERE url = ?", (f"{PROD}/b.html",))[0]
    assert (b["not_modified"], b["facts_crawl_id"]) == (0, 2)

    # --full downloads everything again, without conditional requests
    site.requests.clear()
    r3 = nightly(cfg, "--full")
    assert r3.returncode in (0, 1), r3.stderr
    assert not [p for m, p, h in site.requests if "If-None-Match" in h or "If-Modified-Since" in h]
    s3 = summary_of(db, 3)
    assert s3["crawl"]["mode"] == "full" and s3["crawl"]["sites"][0]["mode_reason"] == "--full"
    assert s3["pages"]["added_count"] == s3["pages"]["gone_count"] == s3["pages"]["changed_count"] == 0
    assert s3["findings"]["new_count"] == 0 and s3["findings"]["resolved_count"] == 0


def test_full_recrawl_every_zero_makes_every_crawl_full(garden):
    site, root, cfg, db = garden
    cfg.write_text(cfg.read_text().replace("retries = 0", 'retries = 0\nfull_recrawl_every = "0d"'))
    assert nightly(cfg, "--no-prune").returncode in (0, 1)
    assert nightly(cfg, "--no-prune").returncode in (0, 1)
    assert site.not_modified == 0
    rows = query(db, "SELECT mode, mode_reason FROM crawl_sites ORDER BY crawl_id")
    assert [r["mode"] for r in rows] == ["full", "full"] and "0d" in rows[1]["mode_reason"]


def test_a_second_run_waits_for_nobody_it_exits_4_while_the_lock_is_held(garden):
    site, root, cfg, db = garden
    with RunLock(db, what="a test holding the lock"):
        r = nightly(cfg)
    assert r.returncode == 4, r.stderr
    assert "another run holds the lock" in r.stderr and str(os.getpid()) in r.stderr
    assert sum(site.hits.values()) == 0               # nothing was crawled
    # a lock file left by a dead process (no flock held) is taken over
    (db.parent / "decay.db.lock").write_text(json.dumps({"pid": 999999, "started_at": "2020-01-01T00:00:00+00:00"}))
    r = nightly(cfg)
    assert r.returncode in (0, 1), r.stderr
    assert "took over the lock left by pid 999999" in r.stderr


def test_webhook_is_retried_and_never_fatal(garden, local_site):
    site, root, cfg, db = garden
    got: list[dict] = []

    def hook(h):
        body = h.rfile.read(int(h.headers.get("Content-Length", 0)))
        got.append(json.loads(body))
        return Route(status=500 if len(got) == 1 else 200, body=b"ok")

    chat = local_site(routes={"/hook": Route(handler=hook)})
    cfg.write_text(cfg.read_text() + f'webhook_url = "{chat.url}/hook"\nwebhook_retries = 2\nwebhook_timeout = 5\n')
    r = nightly(cfg)
    assert r.returncode == 1, r.stderr
    assert len(got) == 2 and got[1]["run_id"] == 1 and "decay nightly run 1" in got[1]["text"]
    assert got[1]["findings"]["new_alerts"][0]["rule"] == "outdated.old_year_in_title"
    assert query(db, "SELECT webhook FROM runs WHERE id = 1")[0]["webhook"].startswith("sent (HTTP 200, attempt 2)")
    # a hook that never answers: logged, the run still completes with its own exit status
    chat.stop()
    r = nightly(cfg)
    assert r.returncode in (0, 1), r.stderr
    (run,) = query(db, "SELECT status, webhook FROM runs WHERE id = 2")
    assert run["status"] == "complete" and run["webhook"].startswith("failed after 3 attempt(s)")
    assert "webhook failed" in r.stderr


def test_config_errors_exit_2(tmp_path):
    cfg = write_config(tmp_path / "org.toml", """
        [organisation]
        name = "X"
        [[sites]]
        name = "x"
        start_urls = ["https://x.example/"]
        [nightly]
        alert_severity = "urgent"
        """)
    r = nightly(cfg)
    assert r.returncode == 2
    assert "nightly.alert_severity" in r.stderr


def test_prune_keeps_the_latest_crawl_and_triage(garden):
    site, root, cfg, db = garden
    assert nightly(cfg, "--no-prune").returncode == 1
    build_site(root, 2)
    assert nightly(cfg, "--no-prune").returncode in (0, 1)
    tables = {r["name"] for r in query(db, "SELECT name FROM sqlite_master WHERE type = 'table'")}
    triage_before = query(db, "SELECT * FROM triage") if "triage" in tables else []
    live = {r["url"] for r in query(db, "SELECT url FROM pages WHERE crawl_id = 2")}
    findings_before = query(db, "SELECT id, status FROM findings ORDER BY id")
    dry = run_decay("prune", "--keep", "0d", "--config", str(cfg), "--dry-run")
    assert dry.returncode == 0 and "would delete" in dry.stdout, dry.stderr
    assert query(db, "SELECT count(*) AS n FROM pages WHERE url = ?", (f"{PROD}/c.html",))[0]["n"] == 1
    r = run_decay("prune", "--keep", "0d", "--config", str(cfg))
    assert r.returncode == 0, r.stderr
    assert query(db, "PRAGMA integrity_check")[0][0] == "ok"
    assert {r["url"] for r in query(db, "SELECT url FROM pages")} == live          # c.html (only crawl 1 saw it) is gone
    assert [r["id"] for r in query(db, "SELECT id FROM crawls")] == [2]
    assert query(db, "SELECT count(*) AS n FROM page_changes")[0]["n"] == 0
    assert [tuple(r) for r in query(db, "SELECT id, status FROM findings ORDER BY id")] == [tuple(r) for r in findings_before]
    if "triage" in tables:
        assert [tuple(r) for r in query(db, "SELECT * FROM triage")] == [tuple(r) for r in triage_before]
    # the next run still works, and compares with what is left
    r = nightly(cfg, "--no-prune")
    assert r.returncode in (0, 1), r.stderr
