"""Triage: people's decisions about cleanup items and findings, kept safe from the machine.

One statement records a decision, whoever makes it: ``decay triage`` runs it with the person's name,
and datasette runs the very same SQL as a writable canned query with the signed-in user
(``:_actor_id``) and the time (``:_now_datetime_utc``).  It stores, beside the state, the item's
evidence at that moment (``cleanup.material``: its findings and their evidence hashes, and its
action), which is how a dismissal knows later whether anything new has appeared.  The database's
triggers (foundation/schema.py) check the state and log every change in ``triage_log``.
"""
from __future__ import annotations

import getpass
import sqlite3
from datetime import date, datetime, timezone
from pathlib import Path

from foundation.catalog import TRIAGE_STATES
from foundation.schema import open_db

RECORD_SQL = """INSERT INTO triage (id, item, state, snooze_until, note, who, updated_at, action, material, subject_url)
SELECT x.id, x.item, {state}, {until}, nullif(:note, ''), :_actor_id, :_now_datetime_utc, x.action, x.material, x.subject_url
FROM (SELECT id, 'cleanup' AS item, action, material, subject_url FROM cleanup WHERE id = :id
      UNION ALL
      SELECT id, 'finding', NULL, json_array(id || ':' || evidence_hash), subject_url FROM findings
       WHERE id = :id AND NOT EXISTS (SELECT 1 FROM cleanup WHERE id = :id)) AS x
WHERE true
ON CONFLICT(id) DO UPDATE SET state = excluded.state, snooze_until = excluded.snooze_until, note = excluded.note,
  who = excluded.who, updated_at = excluded.updated_at, action = excluded.action, material = excluded.material,
  subject_url = excluded.subject_url"""


def record_sql(state: str | None = None) -> str:
    """The statement that records a decision: with a fixed state (one canned query per state), or :state."""
    st = f"'{state}'" if state else ":state"
    until = "nullif(:until, '')" if state in (None, "snoozed") else "NULL"
    return RECORD_SQL.format(state=st, until=until)


def now_utc() -> str:
    """The time format datasette's :_now_datetime_utc uses."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class TriageError(Exception):
    pass


def resolve_id(conn: sqlite3.Connection, given: str) -> tuple[str, str, str]:
    """(id, item, subject) for a full id or a unique prefix of at least 6 characters."""
    given = given.strip().lower()
    if len(given) < 6:
        raise TriageError(f"{given!r}: give at least 6 characters of the id (cleanup_list.id or findings.id)")
    rows = conn.execute("SELECT id, 'cleanup', subject_url FROM cleanup WHERE id LIKE ? || '%' "
                        "UNION SELECT id, 'finding', subject_url FROM findings WHERE id LIKE ? || '%' "
                        "UNION SELECT id, item, subject_url FROM triage WHERE id LIKE ? || '%'", [given] * 3).fetchall()
    ids = {r[0]: r for r in rows}
    if not ids:
        raise TriageError(f"{given}: no cleanup item or finding has this id (see the id column of cleanup_list or findings)")
    if len(ids) > 1:
        raise TriageError(f"{given}: matches {len(ids)} items ({', '.join(sorted(ids)[:5])}); give more characters")
    return next(iter(ids.values()))


def resolve_exact(conn: sqlite3.Connection, given: str) -> tuple[str, str, str]:
    """(id, item, subject) for a whole id, as the browser sends it (no prefixes: a form names one item)."""
    fid = given.strip().lower()
    row = conn.execute("SELECT id, 'cleanup', subject_url FROM cleanup WHERE id = :id "
                       "UNION ALL SELECT id, 'finding', subject_url FROM findings WHERE id = :id "
                       "UNION ALL SELECT id, item, subject_url FROM triage WHERE id = :id LIMIT 1", {"id": fid}).fetchone()
    if row is None:
        raise TriageError(f"{given}: no cleanup item or finding has this id; nothing was recorded")
    return row


def record(db_path: Path, ids: list[str], state: str, *, note: str = "", who: str | None = None,
           until: str | None = None, today: date | None = None, exact: bool = False) -> list[tuple[str, str, str]]:
    """Record one decision for several items; returns (id, item, subject) of each.  All or nothing: an id that
    does not exist, a snooze date that is not in the future or a state that is not one refuses every id.

    ``exact``: the ids are whole ids (the browser), not prefixes (the command line).  ``today`` defaults to
    today in UTC, the day cleanup_list compares snooze dates with."""
    check(ids, state, until, today)
    return record_on(open_db(db_path).conn, ids, state, note=note, who=who, until=until, exact=exact)


def check(ids: list[str], state: str, until: str | None = None, today: date | None = None) -> None:
    """The rules of a decision that do not need the database: raises TriageError."""
    if not ids:
        raise TriageError("no item chosen: select at least one item")
    if state not in TRIAGE_STATES:
        raise TriageError(f"unknown state {state!r}; use one of: " + ", ".join(TRIAGE_STATES))
    if state == "snoozed":
        if not until:
            raise TriageError("--state snoozed needs --until YYYY-MM-DD (the day it comes back)")
        try:
            day = date.fromisoformat(until)
        except ValueError:
            raise TriageError(f"--until {until!r} is not a date; write YYYY-MM-DD") from None
        if day <= (today or datetime.now(timezone.utc).date()):
            raise TriageError(f"--until {until} is not in the future: the item would come back at once")
    elif until:
        raise TriageError("--until is only for --state snoozed")


def record_on(conn: sqlite3.Connection, ids: list[str], state: str, *, note: str = "", who: str | None = None,
              until: str | None = None, exact: bool = False) -> list[tuple[str, str, str]]:
    """record() on an open connection, after its checks (datasette's write connection: a second connection
    opened and closed inside datasette's process would drop its POSIX locks on the file).  Call check() first."""
    done = []
    with conn:
        for given in ids:
            fid, item, subject = (resolve_exact if exact else resolve_id)(conn, given)
            params = {"id": fid, "note": note, "_actor_id": who or getpass.getuser(), "_now_datetime_utc": now_utc(),
                      "state": state, "until": until or ""}
            cur = conn.execute(record_sql(), params)
            if cur.rowcount == 0:   # decided before, but neither in the list nor a finding any more
                conn.execute("UPDATE triage SET state = :state, snooze_until = nullif(:until, ''), note = nullif(:note, ''), "
                             "who = :_actor_id, updated_at = :_now_datetime_utc WHERE id = :id", params)
            done.append((fid, item, subject))
    return done


def history(db_path: Path, given: str) -> dict:
    """The item's current status in the list and every decision about it."""
    conn = open_db(db_path).conn
    conn.row_factory = sqlite3.Row
    fid, item, subject = resolve_id(conn, given)
    row = conn.execute("SELECT * FROM cleanup_list WHERE id = ?", [fid]).fetchone()
    finding = conn.execute("SELECT rule, severity, status, message FROM findings WHERE id = ?", [fid]).fetchone()
    log = conn.execute("SELECT state, snooze_until, note, who, at FROM triage_log WHERE item_id = ? ORDER BY id", [fid]).fetchall()
    return {"id": fid, "item": item, "subject": subject, "list": dict(row) if row else None,
            "finding": dict(finding) if finding else None, "log": [dict(r) for r in log]}
