"""History: what changed from one run to the next, stored as changes (never as nightly copies).

* ``page_changes`` is written by the crawl's merge, in the same transaction as the facts, by comparing the
  staging file with the database just before the facts are replaced: pages added, gone, changed (main-text
  hash), and HTTP status changes, each against the previous complete crawl of the same site.
* ``finding_changes`` is written by ``write_findings`` in the analysis' own transaction: findings opened,
  reopened and resolved.
* ``runs`` (decay/nightly.py) ties a crawl and an analysis together and holds the counts of the summary.

:func:`prune` bounds the database: old history, old runs, the facts of pages no crawl has seen for a long
time, and leftovers of interrupted crawls.  It never touches the latest complete crawl of any site, the
judgments of the latest analysis, or any table people write (triage).
"""
from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

# ---------------------------------------------------------------------------- page changes (inside the crawl's merge)
_INSERT = ("INSERT OR REPLACE INTO main.page_changes (crawl_id, url_id, change, site, url, kind, before, after, detail, "
           "previous_crawl_id, since, at) ")

_STATE = "coalesce({t}.status || ' ', '') || {t}.outcome"

ADDED = _INSERT + f"""
SELECT :cid, p.url_id, 'added', p.site, p.url, p.kind,
       CASE WHEN m.url_id IS NULL THEN NULL ELSE {_STATE.format(t='m')} END, {_STATE.format(t='p')},
       CASE WHEN m.url_id IS NOT NULL AND m.outcome = 'ok' THEN 'back after ' || m.fetched_at || ': ' ELSE '' END
         || coalesce(p.title, ''),
       :prev, p.fetched_at, :now
FROM s.pages p LEFT JOIN main.pages m ON m.url_id = p.url_id
WHERE p.site = :site AND p.kind = 'page' AND p.outcome = 'ok'
  AND (m.url_id IS NULL OR m.outcome IN ('skipped', 'blocked') OR m.crawl_id < :prev)"""

GONE = _INSERT + f"""
SELECT :cid, m.url_id, 'gone', m.site, m.url, m.kind, {_STATE.format(t='m')},
       CASE WHEN p.url_id IS NULL THEN 'not requested' ELSE {_STATE.format(t='p')} END,
       CASE WHEN p.url_id IS NULL THEN 'no page of this crawl links to it and no sitemap lists it'
            ELSE coalesce(p.error, 'answers HTTP ' || p.status) END
         || coalesce(' (was: ' || m.title || ')', ''),
       :prev, m.fetched_at, :now
FROM main.pages m LEFT JOIN s.pages p ON p.url_id = m.url_id
WHERE m.site = :site AND m.kind = 'page' AND m.outcome = 'ok' AND m.crawl_id = :prev
  AND (p.url_id IS NULL OR p.outcome IN ('http_error', 'failed'))"""

CHANGED = _INSERT + """
SELECT :cid, p.url_id, 'changed', p.site, p.url, p.kind, m.text_hash, p.text_hash,
       CASE WHEN p.title IS NOT m.title THEN 'title: ' || coalesce(m.title, '(none)') || ' -> ' || coalesce(p.title, '(none)') || '; '
            ELSE coalesce(p.title, '') || ': ' END
         || 'words ' || coalesce(m.word_count, 0) || ' -> ' || coalesce(p.word_count, 0),
       :prev, m.fetched_at, :now
FROM s.pages p JOIN main.pages m ON m.url_id = p.url_id
WHERE p.site = :site AND p.outcome = 'ok' AND m.outcome = 'ok' AND p.is_html = 1 AND m.is_html = 1
  AND coalesce(p.not_modified, 0) = 0 AND m.crawl_id = :prev AND p.text_hash IS NOT m.text_hash"""

STATUS = _INSERT + f"""
SELECT :cid, p.url_id, 'status', p.site, p.url, p.kind, {_STATE.format(t='m')}, {_STATE.format(t='p')},
       CASE WHEN p.outcome = 'redirect' THEN 'now redirects to ' || coalesce(p.location, '?')
            WHEN p.outcome IN ('http_error', 'failed') THEN coalesce(p.error, 'answers HTTP ' || p.status)
            WHEN m.outcome IN ('http_error', 'failed') THEN 'works again'
            ELSE '' END,
       :prev, m.fetched_at, :now
FROM s.pages p JOIN main.pages m ON m.url_id = p.url_id
WHERE p.site = :site AND p.kind IN ('page', 'resource', 'feed') AND m.crawl_id = :prev
  AND p.outcome NOT IN ('skipped', 'blocked') AND m.outcome NOT IN ('skipped', 'blocked')
  AND (p.status IS NOT m.status OR p.outcome != m.outcome)
  AND NOT (p.kind = 'page' AND m.outcome = 'ok' AND p.outcome IN ('http_error', 'failed'))"""


def previous_complete_crawl(conn: sqlite3.Connection, site: str, before: int, schema: str = "main") -> int | None:
    row = conn.execute(
        f"SELECT max(cs.crawl_id) FROM {schema}.crawl_sites cs JOIN {schema}.crawls c ON c.id = cs.crawl_id "
        "WHERE cs.site = ? AND cs.status = 'complete' AND c.status = 'complete' AND cs.crawl_id < ?", [site, before]).fetchone()
    return row[0] if row else None


def record_page_changes(conn: sqlite3.Connection, crawl_id: int, sites: list[str], now: str) -> dict[str, int]:
    """Inside the merge transaction, with the staging file attached as ``s``, before the facts are replaced.

    The first complete crawl of a site is its baseline: nothing is recorded for it.
    """
    counts: dict[str, int] = {}
    for site in sites:
        prev = previous_complete_crawl(conn, site, crawl_id)
        if prev is None:
            continue
        params = {"cid": crawl_id, "prev": prev, "site": site, "now": now}
        for name, sql in (("added", ADDED), ("gone", GONE), ("changed", CHANGED), ("status", STATUS)):
            counts[name] = counts.get(name, 0) + conn.execute(sql, params).rowcount
    return counts


# ---------------------------------------------------------------------------- finding changes (inside the analysis' write)
def record_finding_changes(conn: sqlite3.Connection, analysis_id: int, now: str,
                           opened: list[tuple[str, str]], resolved: list[str]) -> None:
    """``opened``: (finding id, "opened" or "reopened") of findings this analysis wrote (already upserted);
    ``resolved``: ids it just marked resolved.  Runs inside the caller's transaction."""
    rows = [(fid, change) for fid, change in opened] + [(fid, "resolved") for fid in resolved]
    conn.executemany(
        "INSERT OR REPLACE INTO finding_changes (analysis_id, finding_id, change, rule, category, severity, site, "
        "subject_url, message, at) SELECT ?, id, ?, rule, category, severity, site, subject_url, message, ? "
        "FROM findings WHERE id = ?", [(analysis_id, change, now, fid) for fid, change in rows])


# ---------------------------------------------------------------------------- prune
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
    from crawler.store import remove_stale_staging
    from decay.schema import open_db
    from decay.testing import pause_point

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
