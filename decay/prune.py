"""Prune: keep the database bounded (``decay prune``, and the nightly run after each analysis).

It deletes old history, old runs, the facts of pages no crawl has seen for a long time, and leftovers of
interrupted crawls.  It never touches the latest complete crawl of any site, the judgments of the latest
analysis, or any table people write (triage).
"""
from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

from crawler.store import remove_stale_staging
from foundation.schema import open_db
from foundation.testing import pause_point


@dataclass
class PruneReport:
    cutoff: str
    dry_run: bool
    deleted: dict[str, int] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)
    kept_crawls: list[int] = field(default_factory=list)
    seconds: float = 0.0


def _tables(conn: sqlite3.Connection) -> set[str]:
    return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def prune(db_path: Path, keep_days: int, *, dry_run: bool = False, summary_dir: Path | None = None,
          now: datetime | None = None, vacuum: bool = False) -> PruneReport:
    """Delete what is older than ``keep_days``, in one transaction (an interrupted prune deletes nothing).

    - facts (pages, links, texts, date signals, unreferenced bodies) of URLs no crawl has requested since
      the cutoff, except those of any site's latest complete crawl;
    - crawls and crawl_sites rows older than the cutoff, except each site's latest complete crawl and the
      crawls whose facts are still in the database;
    - page_changes, finding_changes, runs and analyses older than the cutoff (never the latest complete analysis);
    - leftover staging files of crawls that are not running, and run summaries older than the cutoff.

    Never: triage and any table people write, the findings themselves (their ids carry triage), the
    current judgments.
    """
    started = time.monotonic()
    now = now or datetime.now(timezone.utc)
    cutoff = (now - timedelta(days=keep_days)).isoformat(timespec="seconds")
    report = PruneReport(cutoff=cutoff, dry_run=dry_run)
    database = open_db(db_path)
    conn = database.conn
    have = _tables(conn)
    keep = {r[0] for r in conn.execute(
        "SELECT max(cs.crawl_id) FROM crawl_sites cs JOIN crawls c ON c.id = cs.crawl_id "
        "WHERE cs.status = 'complete' AND c.status = 'complete' GROUP BY cs.site")}
    latest = conn.execute("SELECT max(id) FROM crawls WHERE status = 'complete'").fetchone()[0]
    if latest is not None:
        keep.add(latest)
    report.kept_crawls = sorted(keep)
    keep_marks = ", ".join(str(int(k)) for k in keep) or "NULL"
    latest_analysis = conn.execute("SELECT max(id) FROM analyses WHERE status = 'complete'").fetchone()[0] or 0
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.execute("CREATE TEMP TABLE _old AS SELECT p.url_id FROM pages p LEFT JOIN crawls c ON c.id = p.crawl_id "
                     f"WHERE p.crawl_id NOT IN ({keep_marks}) AND coalesce(c.started_at, '') < ?", [cutoff])
        steps = [
            ("links", "DELETE FROM links WHERE source_id IN (SELECT url_id FROM temp._old)", []),
            ("date_signals", "DELETE FROM date_signals WHERE url_id IN (SELECT url_id FROM temp._old)", []),
            ("page_texts", "DELETE FROM page_texts WHERE url_id IN (SELECT url_id FROM temp._old)", []),
            ("page_dates", "DELETE FROM page_dates WHERE url_id IN (SELECT url_id FROM temp._old)", []),
            ("page_roles", "DELETE FROM page_roles WHERE url_id IN (SELECT url_id FROM temp._old)", []),
            ("date_evidence", "DELETE FROM date_evidence WHERE url_id IN (SELECT url_id FROM temp._old)", []),
            ("page_graph", "DELETE FROM page_graph WHERE url_id IN (SELECT url_id FROM temp._old)", []),
            ("pages", "DELETE FROM pages WHERE url_id IN (SELECT url_id FROM temp._old)", []),
            ("bodies", "DELETE FROM bodies WHERE NOT EXISTS (SELECT 1 FROM pages p WHERE p.body_hash = bodies.hash)", []),
            ("page_changes", "DELETE FROM page_changes WHERE at < ?", [cutoff]),
            ("finding_changes", "DELETE FROM finding_changes WHERE at < ? AND analysis_id != ?", [cutoff, latest_analysis]),
            ("runs", "DELETE FROM runs WHERE started_at < ? AND status != 'running'", [cutoff]),
            ("analyses", "DELETE FROM analyses WHERE started_at < ? AND id != ? AND status != 'running'", [cutoff, latest_analysis]),
            ("crawl_sites", f"DELETE FROM crawl_sites WHERE crawl_id NOT IN ({keep_marks}) AND crawl_id IN "
                            "(SELECT id FROM crawls WHERE started_at < ? AND status != 'running') "
                            "AND crawl_id NOT IN (SELECT DISTINCT crawl_id FROM pages)", [cutoff]),
            ("crawls", f"DELETE FROM crawls WHERE id NOT IN ({keep_marks}) AND started_at < ? AND status != 'running' "
                       "AND id NOT IN (SELECT DISTINCT crawl_id FROM pages)", [cutoff]),
        ]
        for name, sql, params in steps:
            if name in have:
                report.deleted[name] = conn.execute(sql, params).rowcount
        conn.execute("DROP TABLE temp._old")
        pause_point("prune")
        conn.execute("ROLLBACK" if dry_run else "COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    if not dry_run:
        before = {p.name for p in db_path.parent.glob(f"{db_path.name}.crawl-*.tmp*")}
        remove_stale_staging(db_path, database)
        report.files += sorted(before - {p.name for p in db_path.parent.glob(f"{db_path.name}.crawl-*.tmp*")})
        if summary_dir is not None and summary_dir.is_dir():
            limit = (now - timedelta(days=keep_days)).timestamp()
            for f in summary_dir.glob("run-*.json"):
                if f.stat().st_mtime < limit:
                    f.unlink(missing_ok=True)
                    report.files.append(str(f))
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        if vacuum:
            conn.execute("VACUUM")
    conn.close()
    report.seconds = round(time.monotonic() - started, 2)
    return report
