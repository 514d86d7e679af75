"""`decay export`: the cleanup list and a redirect map, out of the database.

- ``cleanup``: the rows of this morning's list (cleanup_list, visible items; ``--all`` for every row),
  optionally for one owner, as CSV or JSON.
- ``redirects``: the redirect actions people accepted (triage state accepted, in progress or done),
  as nginx ``location`` rules, Apache ``Redirect 301`` lines or CSV.  Only accepted ones: the machine
  proposes, a person decides.

Every CSV cell that is text and starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a
leading single quote (OWASP's advice against CSV formula injection): a crawled title such as
``=HYPERLINK("https://evil.example/x","x")`` would otherwise be run by the spreadsheet that opens the file.
Numbers (a negative score) are left as they are.
"""
from __future__ import annotations

import csv
import io
import json
import sqlite3
from pathlib import Path
from urllib.parse import urlsplit

from foundation.catalog import TRIAGE_ACCEPTED
from foundation.schema import open_db

CLEANUP_COLUMNS = ["rank", "id", "action", "subject_url", "title", "owner", "why", "todo", "target_url", "status",
                   "score", "severity", "category", "site", "section", "links_that_break", "pages_orphaned",
                   "triage_state", "triage_note", "triage_who", "triage_at", "snooze_until", "score_explanation"]
ACCEPTED = TRIAGE_ACCEPTED   # a person agreed to act (foundation/catalog.py)


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value):
    """A value safe to write into a CSV cell: text a spreadsheet would read as a formula gets a leading '."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_row(values):
    """csv_cell for every value of a row (a list or a dict)."""
    if isinstance(values, dict):
        return {k: csv_cell(v) for k, v in values.items()}
    return [csv_cell(v) for v in values]


def cleanup_rows(db_path: Path, *, owner: str | None = None, everything: bool = False) -> list[dict]:
    conn = open_db(db_path).conn
    conn.row_factory = sqlite3.Row
    sql = f"SELECT {', '.join(CLEANUP_COLUMNS)} FROM cleanup_list WHERE 1 = 1"
    params: list = []
    if not everything:
        sql += " AND visible = 1"
    if owner:
        sql += " AND owner = ?"
        params.append(owner)
    return [dict(r) for r in conn.execute(sql + " ORDER BY rank", params)]


def redirect_rows(db_path: Path) -> list[dict]:
    conn = open_db(db_path).conn
    conn.row_factory = sqlite3.Row
    rows = conn.execute(
        f"""SELECT c.subject_url AS source, c.target_url AS target, t.state, t.who, t.updated_at, t.note, c.site
            FROM cleanup c JOIN triage t ON t.id = c.id
            WHERE c.action = 'redirect' AND c.target_url IS NOT NULL AND t.state IN ({', '.join('?' * len(ACCEPTED))})
            ORDER BY c.site, c.subject_url""", ACCEPTED).fetchall()
    return [dict(r) for r in rows]


def _path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _target(source: str, target: str) -> str:
    """A same-host target as a path (works behind any proxy); another host stays absolute."""
    s, t = urlsplit(source), urlsplit(target)
    return _path(target) if (s.scheme, s.netloc) == (t.scheme, t.netloc) else target


def format_cleanup(rows: list[dict], fmt: str) -> str:
    if fmt == "json":
        return json.dumps(rows, indent=2, ensure_ascii=False) + "\n"
    out = io.StringIO()
    w = csv.DictWriter(out, fieldnames=CLEANUP_COLUMNS, lineterminator="\r\n")
    w.writeheader()
    w.writerows(csv_row(r) for r in rows)
    return out.getvalue()


def format_redirects(rows: list[dict], fmt: str) -> str:
    if fmt == "csv":
        out = io.StringIO()
        w = csv.writer(out, lineterminator="\r\n")
        w.writerow(["source", "target", "state", "who", "decided_at", "note"])
        for r in rows:
            w.writerow(csv_row([r["source"], r["target"], r["state"], r["who"], r["updated_at"], r["note"] or ""]))
        return out.getvalue()
    lines = [f"# content-decay redirect map: {len(rows)} accepted redirect(s)"]
    for r in rows:
        src, dst = _path(r["source"]), _target(r["source"], r["target"])
        lines.append(f"# {r['source']} -> {r['target']} ({r['state']} by {r['who']} {(r['updated_at'] or '')[:10]})")
        if fmt == "nginx":
            if "?" in src:
                lines.append(f"# nginx cannot match a query string in location; handle {src} with $request_uri")
                continue
            lines.append(f"location = {src} {{ return 301 {dst}; }}")
        else:   # apache (mod_alias)
            if "?" in src:
                lines.append(f"# mod_alias cannot match a query string; use mod_rewrite for {src}")
                continue
            lines.append(f"Redirect 301 {src} {dst}")
    return "\n".join(lines) + "\n"
