"""The nightly run's summary: what changed since the previous complete run, as a dict (the JSON file) and as text.

Read from page_changes and finding_changes (never from copies).  The exit statuses live here too, since the
summary states them in words; decay/nightly.py decides which one a run ends with.
"""
from __future__ import annotations

import sqlite3
from typing import Any

from foundation.catalog import SEVERITIES

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
SEVERITY_RANK = {name: rank for rank, name in enumerate(SEVERITIES)}
LIST_LIMIT = 500          # entries per list in the JSON summary (the counts are always complete)


def query_rows(conn: sqlite3.Connection, sql: str, params: Any = ()) -> list[dict]:
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
        rows = query_rows(conn, "SELECT id, status, reason, mode, started_at, duration_s, fetched, pages, ok, redirects, http_errors, "
                           "failures, not_modified, revalidated, bytes FROM crawls WHERE id = ?", [crawl_id])
        crawl = rows[0] if rows else None
        if crawl:
            crawl["sites"] = query_rows(conn, "SELECT site, status, reason, mode, mode_reason, fetched, ok, redirects, http_errors, "
                                         "failures, not_modified, revalidated, revalidation_note, truncated FROM crawl_sites WHERE crawl_id = ? ORDER BY site", [crawl_id])
    out["crawl"] = crawl
    # pages: every change of the crawls since the previous complete run's crawl, the latest per URL and kind of change
    upto = crawl_id if crawl and crawl["status"] == "complete" else since_crawl
    changes = query_rows(conn, """
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
        rows = query_rows(conn, "SELECT id, status, reason, now, findings_open, findings_new, findings_resolved FROM analyses WHERE id = ?",
                     [analysis_id])
        analysis = rows[0] if rows else None
    out["analysis"] = analysis
    upto_a = analysis_id if analysis and analysis["status"] == "complete" else since_analysis
    fchanges = query_rows(conn, """
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
    open_rows = query_rows(conn, "SELECT category, site, severity, count(*) AS n FROM findings WHERE status = 'open' "
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
        rows = query_rows(conn, "SELECT id, status, checked, alive, missing, suspended, unknown, started_at FROM social_crawls "
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
        top = query_rows(conn, "SELECT rank, action, subject_url, owner, id FROM cleanup_list WHERE visible = 1 ORDER BY rank LIMIT 5")
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
