"""`decay nightly`: crawl, analyse, compare with the previous complete run, summarise, notify; one run at a time.

Every step that writes the database does so in one transaction (the crawl's merge, the analysis' write, the
run's own row), so a run killed at any moment (SIGKILL, a power cut) leaves the last complete results, and
every triage decision, as they were; the next run marks what the killed one left ``running`` as
``interrupted`` and starts cleanly.  SIGTERM and Ctrl-C stop a run gracefully: the crawl stops and is marked
interrupted, an analysis in progress is rolled back, the run is marked interrupted and the lock released.

Exit statuses (also in the README):

    0  the run completed; no new finding at or above [nightly] alert_severity
    1  the run completed, with new findings at or above alert_severity (default: critical)
    2  the configuration or the arguments are wrong; nothing was done
    3  the crawl failed, or at least one site could not be crawled (its previous facts are kept;
       the other sites were analysed)
    4  another run holds the lock; nothing was done
    5  the analysis failed (the crawl's facts were merged; the previous judgments are intact)
    6  interrupted (SIGTERM or Ctrl-C); marked interrupted, lock released
    7  the run failed: it crashed, or the database could not be used (locked by another program for longer
       than the busy timeout, a disk error); one line says why; the previous results are intact
"""
from __future__ import annotations

import json
import os
import signal
import sqlite3
import sys
import time
import urllib.error
import urllib.request
from datetime import datetime
from pathlib import Path
from typing import Any

from foundation.config import Config, load_config, parse_duration
from decay.lock import LockHeld, RunLock
from foundation.testing import pause_point
from foundation.times import utcnow
from crawler.store import pid_alive
from decay import api
from foundation.dbfile import check_db_path
from foundation.schema import open_db
from crawler.store import mark_dead_crawls, remove_stale_staging
from decay.prune import prune as prune_db

EXIT_OK = 0
EXIT_ALERTS = 1
EXIT_USAGE = 2
EXIT_CRAWL_FAILED = 3
EXIT_LOCKED = 4
EXIT_ANALYSIS_FAILED = 5
EXIT_INTERRUPTED = 6
EXIT_FAILED = 7

EXIT_MEANINGS = {
    EXIT_OK: "complete; no new finding at or above the alert severity",
    EXIT_ALERTS: "complete, with new findings at or above the alert severity",
    EXIT_USAGE: "the configuration or the arguments are wrong; nothing was done",
    EXIT_CRAWL_FAILED: "the crawl failed, or a site could not be crawled (its previous facts are kept)",
    EXIT_LOCKED: "another run holds the lock; nothing was done",
    EXIT_ANALYSIS_FAILED: "the analysis failed (the crawl was merged; the previous judgments are intact)",
    EXIT_INTERRUPTED: "interrupted by a signal; marked interrupted",
    EXIT_FAILED: "the run failed (a crash, or a database it could not use); the previous results are intact",
}
SEVERITY_RANK = {"critical": 0, "high": 1, "medium": 2, "low": 3, "info": 4}
LIST_LIMIT = 500          # entries per list in the JSON summary (the counts are always complete)


class Interrupted(BaseException):
    """SIGTERM or SIGINT while the run could still stop cleanly (BaseException: nothing catches it by accident)."""


def _log(message: str) -> None:
    print(f"{datetime.now().astimezone():%Y-%m-%d %H:%M:%S} nightly: {message}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------- dead runs
def mark_dead_runs(conn: sqlite3.Connection) -> list[int]:
    """Runs and analyses left 'running' by a process that no longer exists become 'interrupted'.

    Called with the lock held, so no other nightly run is alive; the pid check also spares an analysis
    someone runs by hand (decay analyse) at the same moment.
    """

    dead_runs = [rid for rid, pid in conn.execute("SELECT id, pid FROM runs WHERE status = 'running'") if not pid_alive(pid)]
    dead_analyses = [aid for aid, pid in conn.execute("SELECT id, pid FROM analyses WHERE status = 'running'")
                     if pid is not None and not pid_alive(pid)]
    now = utcnow()
    with conn:
        for rid in dead_runs:
            conn.execute("UPDATE runs SET status = 'interrupted', finished_at = coalesce(finished_at, ?), pid = NULL, "
                         "reason = coalesce(reason, 'the run''s process ended without finishing (killed or crashed); "
                         "nothing it had not committed was kept') WHERE id = ?", [now, rid])
        for aid in dead_analyses:
            conn.execute("UPDATE analyses SET status = 'interrupted', finished_at = coalesce(finished_at, ?), "
                         "reason = coalesce(reason, 'the process ended before the analysis finished; its judgments were not written') "
                         "WHERE id = ?", [now, aid])
    return dead_runs


# ---------------------------------------------------------------------------- the summary
def _rows(conn: sqlite3.Connection, sql: str, params: Any = ()) -> list[dict]:
    cur = conn.execute(sql, params)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


def build_summary(conn: sqlite3.Connection, run_id: int, crawl_id: int | None, analysis_id: int | None,
                  previous: dict | None, alert_severity: str) -> dict:
    """What changed since the previous complete run: from page_changes and finding_changes, not from copies."""
    since_crawl = previous["crawl_id"] if previous and previous.get("crawl_id") else 0
    since_analysis = previous["analysis_id"] if previous and previous.get("analysis_id") else 0
    out: dict[str, Any] = {}
    crawl = None
    if crawl_id is not None:
        rows = _rows(conn, "SELECT id, status, reason, mode, started_at, duration_s, fetched, pages, ok, redirects, http_errors, "
                           "failures, not_modified, revalidated, bytes FROM crawls WHERE id = ?", [crawl_id])
        crawl = rows[0] if rows else None
        if crawl:
            crawl["sites"] = _rows(conn, "SELECT site, status, reason, mode, mode_reason, fetched, ok, redirects, http_errors, "
                                         "failures, not_modified, revalidated, revalidation_note, truncated FROM crawl_sites WHERE crawl_id = ? ORDER BY site", [crawl_id])
    out["crawl"] = crawl
    # pages: every change of the crawls since the previous complete run's crawl, the latest per URL and kind of change
    upto = crawl_id if crawl and crawl["status"] == "complete" else since_crawl
    changes = _rows(conn, """
        SELECT c.change, c.site, c.url, c.kind, c.before, c.after, c.detail, c.since, c.crawl_id FROM page_changes c
        WHERE c.crawl_id > ? AND c.crawl_id <= ?
          AND c.crawl_id = (SELECT max(c2.crawl_id) FROM page_changes c2 WHERE c2.url_id = c.url_id AND c2.change = c.change
                            AND c2.crawl_id > ? AND c2.crawl_id <= ?)
        ORDER BY c.change, c.site, c.url""", [since_crawl, upto, since_crawl, upto])
    pages: dict[str, Any] = {}
    for name in ("added", "gone", "changed", "status"):
        items = [{k: v for k, v in c.items() if k != "change"} for c in changes if c["change"] == name]
        pages[f"{name}_count"] = len(items)
        pages[name] = items[:LIST_LIMIT]
    out["pages"] = pages
    # findings: the latest change of each finding since the previous complete run
    analysis = None
    if analysis_id is not None:
        rows = _rows(conn, "SELECT id, status, reason, now, findings_open, findings_new, findings_resolved FROM analyses WHERE id = ?",
                     [analysis_id])
        analysis = rows[0] if rows else None
    out["analysis"] = analysis
    upto_a = analysis_id if analysis and analysis["status"] == "complete" else since_analysis
    fchanges = _rows(conn, """
        SELECT fc.change, fc.finding_id AS id, fc.rule, fc.category, fc.severity, fc.site, fc.subject_url, fc.message
        FROM finding_changes fc
        WHERE fc.analysis_id > ? AND fc.analysis_id <= ?
          AND fc.analysis_id = (SELECT max(f2.analysis_id) FROM finding_changes f2 WHERE f2.finding_id = fc.finding_id
                                AND f2.analysis_id > ? AND f2.analysis_id <= ?)""", [since_analysis, upto_a, since_analysis, upto_a])
    order = lambda f: (SEVERITY_RANK.get(f["severity"], 9), f["rule"], f["subject_url"] or "")  # noqa: E731
    new = sorted((f for f in fchanges if f["change"] in ("opened", "reopened")), key=order)
    resolved = sorted((f for f in fchanges if f["change"] == "resolved"), key=order)
    limit = SEVERITY_RANK.get(alert_severity, -1)
    alerts = [f for f in new if SEVERITY_RANK.get(f["severity"], 9) <= limit]
    open_rows = _rows(conn, "SELECT category, site, severity, count(*) AS n FROM findings WHERE status = 'open' "
                            "GROUP BY category, site, severity")
    by = lambda key: {k: sum(r["n"] for r in open_rows if r[key] == k) for k in sorted({r[key] or "" for r in open_rows})}  # noqa: E731
    out["findings"] = {
        "alert_severity": alert_severity,
        "new_alerts_count": len(alerts), "new_alerts": alerts[:LIST_LIMIT],
        "new_count": len(new), "new": new[:LIST_LIMIT],
        "resolved_count": len(resolved), "resolved": resolved[:LIST_LIMIT],
        "open_count": sum(r["n"] for r in open_rows),
        "open_by_category": by("category"), "open_by_site": by("site"), "open_by_severity": by("severity"),
        "new_by_category": _count(new, "category"), "new_by_site": _count(new, "site"),
    }
    errors = []
    if crawl:
        if crawl["status"] != "complete":
            errors.append({"site": None, "error": f"crawl {crawl['id']} {crawl['status']}: {crawl['reason'] or ''}".strip()})
        for s in crawl["sites"]:
            if s["status"] != "complete":
                errors.append({"site": s["site"], "error": f"{s['status']}: {s['reason'] or ''}".strip()})
    out["crawl_errors"] = errors
    out["broken_now"] = [c for c in pages["status"] if (c["after"] or "").split(" ")[-1] in ("http_error", "failed")][:LIST_LIMIT]
    out["social"] = _social_crawl(conn, crawl["started_at"]) if crawl else None
    out["cleanup"] = _cleanup_list(conn)
    return out


def _social_crawl(conn: sqlite3.Connection, since: str | None) -> dict | None:
    """The social check of this run, if there was one: the latest social crawl that started after this run's crawl."""
    try:
        rows = _rows(conn, "SELECT id, status, checked, alive, missing, suspended, unknown, started_at FROM social_crawls "
                           "WHERE started_at >= ? ORDER BY id DESC LIMIT 1", [since or ""])
    except sqlite3.OperationalError:
        return None
    return rows[0] if rows else None


def _cleanup_list(conn: sqlite3.Connection) -> dict | None:
    """This morning's cleanup list: what is on it, by action, what came back, and its top items."""
    try:
        by_action = dict(conn.execute("SELECT action, count(*) FROM cleanup_list WHERE visible = 1 GROUP BY action").fetchall())
        back = dict(conn.execute("SELECT status, count(*) FROM cleanup_list WHERE visible = 1 AND (status LIKE 'back:%' "
                                 "OR status LIKE 'reopened:%') GROUP BY status").fetchall())
        top = _rows(conn, "SELECT rank, action, subject_url, owner, id FROM cleanup_list WHERE visible = 1 ORDER BY rank LIMIT 5")
    except sqlite3.OperationalError:   # no analysis has built a list yet
        return None
    return {"visible": sum(by_action.values()), "by_action": by_action, "came_back": back, "top": top}


def _count(items: list[dict], key: str) -> dict[str, int]:
    out: dict[str, int] = {}
    for i in items:
        out[i[key] or ""] = out.get(i[key] or "", 0) + 1
    return dict(sorted(out.items()))


def format_summary(s: dict, limit: int = 10) -> str:
    """The short text: what a person reads in the cron mail, the journal or the chat channel."""
    head = f"decay nightly run {s['run_id']}: {s['status']} (exit {s['exit_code']}: {EXIT_MEANINGS.get(s['exit_code'], '')})"
    if s.get("seconds") is not None:
        head += f" in {s['seconds']:.0f} s"
    lines = [head]
    if s.get("reason"):
        lines.append(f"  reason: {s['reason']}")
    c = s.get("crawl")
    if c:
        mb = (c.get("bytes") or 0) / 1e6
        lines.append(f"  crawl {c['id']} {c['status']} ({c.get('mode') or 'full'}): {c.get('fetched') or 0} URLs requested, "
                     f"{c.get('not_modified') or 0} not modified (304), {mb:.1f} MB downloaded")
        if c.get("revalidated"):
            lines.append(f"    the re-validation pass asked {c['revalidated']} known pages first (conditional HEAD); "
                         "only those that did not answer 304 were crawled")
        for site in c.get("sites") or []:
            if site.get("revalidation_note"):
                lines.append(f"    {site['site']}: the re-validation pass left {site['revalidation_note']}")
    p = s.get("pages") or {}
    if p:
        lines.append(f"  pages since the previous run: {p['added_count']} added, {p['gone_count']} gone, "
                     f"{p['changed_count']} changed, {p['status_count']} status changes")
    f = s.get("findings") or {}
    if f:
        cats = ", ".join(f"{k} {v}" for k, v in sorted(f["open_by_category"].items(), key=lambda kv: -kv[1]))
        lines.append(f"  findings: {f['new_count']} new ({f['new_alerts_count']} {f['alert_severity']} or worse), "
                     f"{f['resolved_count']} resolved; {f['open_count']} open" + (f" ({cats})" if cats else ""))
        for a in f["new_alerts"][:limit]:
            lines.append(f"  NEW [{a['severity']}] {a['subject_url']}: {a['message']}")
        if f["new_alerts_count"] > limit:
            lines.append(f"  ... and {f['new_alerts_count'] - limit} more new {f['alert_severity']} findings (see the JSON summary)")
    for g in (p.get("gone") or [])[:limit]:
        lines.append(f"  gone: {g['url']} (last seen {g['since']}): {g['detail']}")
    if p.get("gone_count", 0) > limit:
        lines.append(f"  ... and {p['gone_count'] - limit} more pages gone")
    for e in s.get("crawl_errors") or []:
        lines.append(f"  crawl error: {(e['site'] + ': ') if e['site'] else ''}{e['error']}")
    so = s.get("social")
    if so:
        lines.append(f"  social profiles: {so['checked']} checked ({so['status']}): {so['alive']} alive, {so['missing']} missing, "
                     f"{so['suspended']} suspended, {so['unknown']} unknown")
    cl = s.get("cleanup")
    if cl:
        acts = ", ".join(f"{n} {a}" for a, n in sorted(cl["by_action"].items(), key=lambda kv: -kv[1]))
        back = sum(cl["came_back"].values())
        lines.append(f"  this morning's list: {cl['visible']} items" + (f" ({acts})" if acts else "")
                     + (f"; {back} back after a decision (evidence changed, snooze ended, or still there after done)" if back else ""))
        for t in cl["top"][:3]:
            lines.append(f"    {t['rank']}. {t['action']} {t['subject_url']} ({t['owner']}; id {t['id']})")
    if s.get("summary_file"):
        lines.append(f"  summary: {s['summary_file']}")
    return "\n".join(lines)


# ---------------------------------------------------------------------------- the webhook
def _env_value(value: str) -> str | None:
    if value.startswith("env:"):
        return os.environ.get(value[4:]) or None
    return value


def post_webhook(url: str, payload: dict, timeout: float, retries: int, headers: dict[str, str] | None = None,
                 sleep=time.sleep) -> str:
    """POST JSON; retry connection errors, timeouts, 429 and 5xx.  Returns what happened, in words; never raises."""
    target = _env_value(url)
    if not target:
        return f"failed: {url} is not set in the environment"
    data = json.dumps(payload, ensure_ascii=False, default=str).encode("utf-8")
    h = {"Content-Type": "application/json; charset=utf-8", "User-Agent": "content-decay nightly"}
    for k, v in (headers or {}).items():
        value = _env_value(v)
        if value is not None:
            h[k] = value
    last = ""
    for attempt in range(retries + 1):
        if attempt:
            sleep(min(2 ** (attempt - 1), 30))
        try:
            req = urllib.request.Request(target, data=data, headers=h, method="POST")
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                return f"sent (HTTP {resp.status}, attempt {attempt + 1})"
        except urllib.error.HTTPError as e:
            last = f"HTTP {e.code}"
            if e.code != 429 and e.code < 500:
                break   # the hook refuses this request: trying again will not help
        except (urllib.error.URLError, TimeoutError, OSError) as e:
            reason = getattr(e, "reason", e)
            last = f"{type(reason).__name__}: {reason}"
    return f"failed after {attempt + 1} attempt(s): {last}"


def webhook_payload(s: dict, text: str) -> dict:
    """The JSON sent to the webhook: the short text (chat hooks show the field "text") and the headline figures."""
    f = s.get("findings") or {}
    p = s.get("pages") or {}
    return {
        "text": text,
        "run_id": s["run_id"], "status": s["status"], "exit_code": s["exit_code"], "database": s["database"],
        "summary_file": s.get("summary_file"),
        "pages": {k: p.get(f"{k}_count", 0) for k in ("added", "gone", "changed", "status")},
        "findings": {"new": f.get("new_count", 0), "new_alerts": f.get("new_alerts", [])[:20],
                     "resolved": f.get("resolved_count", 0), "open": f.get("open_count", 0),
                     "open_by_category": f.get("open_by_category", {}), "open_by_site": f.get("open_by_site", {})},
        "gone": p.get("gone", [])[:20],
        "crawl_errors": s.get("crawl_errors", []),
    }


# ---------------------------------------------------------------------------- the run
def summary_dir_of(cfg: Config, db_path: Path) -> Path:
    d = cfg.nightly.summary_dir
    if not d:
        return db_path.parent / "runs"
    p = Path(d)
    return p if p.is_absolute() else cfg.path.parent / p


def nightly(config: str | Path | Config, db: str | Path | None = None, full: bool = False, now: str | None = None,
            webhook: bool = True, prune: bool = True) -> dict:
    """Crawl, analyse, compare with the previous complete run, write the summary, notify; returns the summary.

    The summary's ``exit_code`` is what `decay nightly` exits with (see the module's docstring).
    """

    started = time.monotonic()
    cfg = config if isinstance(config, Config) else load_config(config)
    db_path = Path(db) if db else cfg.database_path
    check_db_path(db_path)   # DatabaseFileError (a ValueError: exit 2) before the lock file is created next to it
    lock = RunLock(db_path, what="decay nightly --config " + str(cfg.path))
    try:
        lock.acquire()
    except LockHeld as e:
        return {"run_id": None, "status": "not started", "exit_code": EXIT_LOCKED, "reason": str(e), "database": str(db_path)}
    except OSError as e:
        return {"run_id": None, "status": "failed", "exit_code": EXIT_FAILED, "database": str(db_path),
                "reason": f"could not take the lock {lock.path}: {e.strerror or e}"}
    state = {"interruptible": True, "signal": None}

    def on_signal(signum, _frame):
        state["signal"] = signal.Signals(signum).name
        if state["interruptible"]:
            raise Interrupted(state["signal"])

    old_handlers = {s: signal.signal(s, on_signal) for s in (signal.SIGTERM, signal.SIGINT)}
    conn: sqlite3.Connection | None = None
    run_id = None
    summary: dict[str, Any] = {"database": str(db_path)}
    try:
        if lock.stale:
            _log(f"took over the lock left by pid {lock.stale.get('pid')} (started {lock.stale.get('started_at')}), "
                 "which ended without releasing it")
        conn = open_db(db_path, mark_dead=False).conn   # marked below, and said in the log
        import sqlite_utils

        database = sqlite_utils.Database(conn)
        dead = mark_dead_runs(conn)
        mark_dead_crawls(database)
        remove_stale_staging(db_path, database)
        if dead:
            _log(f"marked as interrupted: run(s) {', '.join(map(str, dead))}, whose process ended without finishing")
        prev_rows = _rows(conn, "SELECT id, started_at, crawl_id, analysis_id FROM runs WHERE status = 'complete' "
                                "ORDER BY id DESC LIMIT 1")
        previous = prev_rows[0] if prev_rows else None
        with conn:
            run_id = conn.execute("INSERT INTO runs (started_at, status, pid, config, previous_run_id) VALUES (?, 'running', ?, ?, ?)",
                                  [utcnow(), os.getpid(), str(cfg.path), previous["id"] if previous else None]).lastrowid
        summary.update(run_id=run_id, started_at=utcnow(), previous_run=previous)
        _log(f"run {run_id} started" + (f"; comparing with run {previous['id']} of {previous['started_at']}" if previous else
                                          "; first run: it is the baseline"))

        # 1. crawl (Scrapy installs its own SIGTERM/SIGINT handlers while it runs: a graceful stop)
        exit_code = EXIT_OK
        reason = None
        try:
            crawl_summary = api.crawl(cfg, db=db_path, full=full)
        except Interrupted:
            raise
        except Exception as e:  # noqa: BLE001 - a crawl that cannot run is a failed crawl, reported
            crawl_summary = {"crawl_id": None, "status": "failed", "reason": f"{type(e).__name__}: {e}"}
        for s in (signal.SIGTERM, signal.SIGINT):
            signal.signal(s, on_signal)
        crawl_id = crawl_summary.get("crawl_id")
        with conn:
            conn.execute("UPDATE runs SET crawl_id = ?, mode = ? WHERE id = ?", [crawl_id, crawl_summary.get("mode"), run_id])
        crawl_status = crawl_summary.get("status")
        _log(f"crawl {crawl_id} {crawl_status}" + (f": {crawl_summary.get('reason')}" if crawl_summary.get("reason") else ""))
        if crawl_status == "interrupted" and (state["signal"] or "signal" in (crawl_summary.get("reason") or "")):
            raise Interrupted(state["signal"] or "SIGTERM")
        analysis_id = None
        if crawl_status != "complete":
            exit_code, reason = EXIT_CRAWL_FAILED, f"crawl {crawl_id} {crawl_status}: {crawl_summary.get('reason') or ''}"
        else:
            if any(s.get("status") != "complete" for s in crawl_summary.get("sites", [])):
                exit_code = EXIT_CRAWL_FAILED
                reason = "not crawled: " + "; ".join(f"{s['site']}: {s.get('reason')}" for s in crawl_summary["sites"]
                                                      if s.get("status") != "complete")
            # 2. analyse
            try:
                a = api.analyse(cfg, db=db_path, now=now)
                analysis_id = a["analysis_id"]
                _log(f"analysis {analysis_id}: {a['open']} open findings ({a['new']} new, {a['resolved']} resolved)")
            except Interrupted:
                raise
            except Exception as e:  # noqa: BLE001
                exit_code, reason = EXIT_ANALYSIS_FAILED, f"analysis failed: {type(e).__name__}: {e}"
                _log(reason)
                row = conn.execute("SELECT max(id) FROM analyses WHERE status = 'failed'").fetchone()
                analysis_id = row[0] if row else None
        pause_point("history")

        # 3. compare, summarise, record: one transaction for the run's row; the summary file is written first
        body = build_summary(conn, run_id, crawl_id, analysis_id, previous, cfg.nightly.alert_severity)
        if exit_code == EXIT_OK and body["findings"]["new_alerts_count"] and cfg.nightly.alert_severity != "none":
            exit_code = EXIT_ALERTS
        status = "complete" if exit_code in (EXIT_OK, EXIT_ALERTS, EXIT_CRAWL_FAILED) and crawl_status == "complete" else "failed"
        summary.update(body, status=status, exit_code=exit_code, exit_meaning=EXIT_MEANINGS[exit_code], reason=reason,
                       finished_at=utcnow(), seconds=round(time.monotonic() - started, 1))
        out_dir = summary_dir_of(cfg, db_path)
        out_dir.mkdir(parents=True, exist_ok=True)
        summary_file = out_dir / f"run-{run_id}.json"
        summary["summary_file"] = str(summary_file)
        tmp = summary_file.with_name(summary_file.name + ".tmp")
        tmp.write_text(json.dumps(summary, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
        os.replace(tmp, summary_file)   # a reader never sees half a file
        f, p = body["findings"], body["pages"]
        with conn:
            conn.execute(
                "UPDATE runs SET status = ?, finished_at = ?, reason = ?, exit_code = ?, analysis_id = ?, pid = NULL, "
                "pages_added = ?, pages_gone = ?, pages_changed = ?, status_changes = ?, findings_new = ?, "
                "findings_resolved = ?, new_alerts = ?, summary_file = ? WHERE id = ?",
                [status, summary["finished_at"], reason, exit_code, analysis_id, p["added_count"], p["gone_count"],
                 p["changed_count"], p["status_count"], f["new_count"], f["resolved_count"], f["new_alerts_count"],
                 str(summary_file), run_id])
        state["interruptible"] = False   # the run is recorded: a signal from here on does not undo it

        # 4. notify and prune: failures are logged, never fatal, never change the exit status
        text = format_summary(summary)
        summary["text"] = text
        if webhook and cfg.nightly.webhook_url:
            result = post_webhook(cfg.nightly.webhook_url, webhook_payload(summary, text), cfg.nightly.webhook_timeout,
                                  cfg.nightly.webhook_retries, cfg.nightly.webhook_headers)
            summary["webhook"] = result
            (_log if result.startswith("failed") else lambda m: None)(f"webhook {result}")
            with conn:
                conn.execute("UPDATE runs SET webhook = ? WHERE id = ?", [result, run_id])
        if prune and cfg.nightly.keep:
            try:

                conn.close()
                conn = None
                rep = prune_db(db_path, parse_duration(cfg.nightly.keep) or 0, summary_dir=out_dir)
                summary["pruned"] = {k: v for k, v in rep.deleted.items() if v}
            except Exception as e:  # noqa: BLE001
                _log(f"prune failed (nothing was deleted): {type(e).__name__}: {e}")
        return summary
    except Interrupted as e:
        why = f"stopped by {e.args[0] if e.args else 'a signal'} before the end; the previous complete results are intact"
        _log(why)
        if conn is not None and run_id is not None:
            try:
                if conn.in_transaction:
                    conn.rollback()
                with conn:
                    conn.execute("UPDATE runs SET status = 'interrupted', reason = ?, finished_at = ?, exit_code = ?, "
                                 "pid = NULL WHERE id = ?", [why, utcnow(), EXIT_INTERRUPTED, run_id])
            except sqlite3.Error as db_error:
                _log(f"could not record the interruption: {db_error}")
        summary.update(run_id=run_id, status="interrupted", reason=why, exit_code=EXIT_INTERRUPTED)
        return summary
    except Exception as e:  # noqa: BLE001 - a crash is a failure (7), never a result status (0, 1)
        why = f"{type(e).__name__}: {e}"
        if isinstance(e, sqlite3.OperationalError) and "locked" in str(e):
            why += (f" (another program held the database for longer than the busy timeout; "
                    f"the previous results are intact)")
        _log(f"failed: {why}")
        if conn is not None and run_id is not None:
            try:
                if conn.in_transaction:
                    conn.rollback()
                with conn:
                    conn.execute("UPDATE runs SET status = 'failed', reason = ?, finished_at = ?, exit_code = ?, "
                                 "pid = NULL WHERE id = ?", [why[:2000], utcnow(), EXIT_FAILED, run_id])
            except sqlite3.Error as db_error:
                _log(f"could not record the failure: {db_error} (the next run marks this one interrupted)")
        summary.update(run_id=run_id, status="failed", reason=why, exit_code=EXIT_FAILED)
        return summary
    finally:
        for s, h in old_handlers.items():
            try:
                signal.signal(s, h)
            except (TypeError, ValueError):
                pass
        if conn is not None:
            conn.close()
        lock.release()
