"""The two steps of every run, crawl and analyse, as decay crawl, decay analyse, decay nightly and decay demo take them.

These are the engines without the command's checks and lock (decay.api adds those): decay nightly holds the run lock
itself and calls them in turn.  The crawl step lives in decay/crawl_step.py (it loads no analysis, so that
``decay crawl`` pays for none) and is named here too; also the top of the findings and of the cleanup list, as data.
"""
from __future__ import annotations

import sqlite3
from datetime import datetime, timezone
from pathlib import Path

from analysis.runner import analyse as judge
from decay.crawl_step import (  # noqa: F401  (one place for nightly and the demo to take both steps from)
    EXIT_FAILED, EXIT_OK, EXIT_SITE_FAILED, EXIT_USAGE, StopDeadline, config_of, crawl, crawl_exit_status,
    hard_stop_hooks, stop_timeout)
from decay.export import cleanup_rows
from foundation.catalog import SEVERITIES
from foundation.config import Config


def analyse(config: str | Path | Config, db: str | Path | None = None, now: str | datetime | None = None) -> dict:
    """Judge the facts of the latest complete crawl: write findings, page dates and date evidence; returns a summary.

    ``now`` (a date, "YYYY-MM-DD") is the day to judge against; default today.  Re-runnable: it reads
    only facts, and replaces only judgments (findings keep their ids, first-seen dates and history).
    """
    cfg = config_of(config)
    if isinstance(now, str):
        try:
            now = datetime.fromisoformat(now)
        except ValueError:
            raise ValueError(f'--now: "{now}" is not a date (write it as YYYY-MM-DD)') from None
    if isinstance(now, datetime) and now.tzinfo is None:
        now = now.replace(tzinfo=timezone.utc)
    db_path = Path(db) if db else cfg.database_path
    if not db_path.exists():
        raise FileNotFoundError(f"{db_path}: no database yet; run decay crawl --config {cfg.path} first")
    return judge(cfg, db_path, now)


def top_findings(db: str | Path, limit: int = 10) -> list[dict]:
    """The open findings that matter most: by severity, then confidence."""

    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    try:
        order = "CASE severity " + " ".join(f"WHEN '{s}' THEN {i}" for i, s in enumerate(SEVERITIES)) + f" ELSE {len(SEVERITIES)} END"
        return [dict(r) for r in conn.execute(
            f"SELECT rule, severity, confidence, subject_url, message FROM findings WHERE status = 'open' "
            f"ORDER BY {order}, confidence DESC, subject_url LIMIT ?", [limit])]
    finally:
        conn.close()


def top_cleanup(db: str | Path, limit: int = 10, owner: str | None = None) -> list[dict]:
    """The top of this morning's cleanup list (visible items, by rank)."""
    return cleanup_rows(Path(db), owner=owner)[:limit]
