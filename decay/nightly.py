"""`decay nightly`: crawl, analyse, compare with the previous complete run, summarise, notify; one run at a time.

This module is the run; the summary is decay/summary.py, the notification decay/notify.py.

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
from datetime import datetime
from pathlib import Path
from typing import Any

from foundation.config import Config, load_config, parse_duration
from decay.lock import LockHeld, RunLock
from foundation.testing import pause_point
from foundation.times import utcnow
from crawler.store import pid_alive
from decay import steps
from foundation.dbfile import check_db_path
from foundation.schema import check_schema_version, open_db
from crawler.store import mark_dead_crawls, remove_stale_staging
from decay.prune import prune as prune_db
from decay.notify import post_webhook, webhook_payload
from decay.summary import (  # noqa: F401  (the exit statuses and format_summary: decay/cli.py takes them from here)
    EXIT_ALERTS, EXIT_ANALYSIS_FAILED, EXIT_CRAWL_FAILED, EXIT_FAILED, EXIT_INTERRUPTED, EXIT_LOCKED, EXIT_MEANINGS,
    EXIT_OK, EXIT_USAGE, build_summary, format_summary, query_rows)


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
    check_schema_version(db_path)   # the same for a database written by a newer content-decay
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
        prev_rows = query_rows(conn, "SELECT id, started_at, crawl_id, analysis_id FROM runs WHERE status = 'complete' "
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
            crawl_summary = steps.crawl(cfg, db=db_path, full=full)
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
                a = steps.analyse(cfg, db=db_path, now=now)
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
