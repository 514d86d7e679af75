"""The analysis' bulk rows, staged in SQLite as they are computed and copied into place by its one write.

A site of a million pages gives millions of rows that no later judgment reads again: each page's dates and
date candidates, its role, its place in the link graph, and the items of the cleanup list.  Held as Python
tuples until the write they would cost gigabytes (a tuple and its values are ten times the row's bytes), so
each batch goes into a table of the analysis' own connection as soon as it is made: TEMP, which no other
connection sees and which vanishes with the connection, so an interrupted analysis leaves nothing behind.
The write copies each table with one ``INSERT ... SELECT`` (``copy``), inside its transaction.

``stage_tables(conn, names, schema)`` also makes them in an attached scratch database: the workers that judge
the pages' dates (analysis/page_judgments.py) stage their rows there, and the analysis copies them in.
"""
from __future__ import annotations

import sqlite3
from typing import Iterable

from foundation.schema import TABLES_BY_NAME

# judgments table -> its staging table; extra columns a staging table has beyond the table's own
STAGED = {"page_dates": "staged_page_dates", "date_evidence": "staged_date_evidence", "page_roles": "staged_page_roles",
          "page_graph": "staged_page_graph", "cleanup": "staged_cleanup", "findings": "staged_findings"}
EXTRA = {"cleanup": ("rank_order",)}   # the cleanup list's ranking key after the score (analysis/cleanup.py RANK_SQL)
# a findings row is staged without what the write decides (its status, dates, analysis ids: analysis/findings.py)
OWN = {"findings": ("id", "rule", "category", "severity", "confidence", "site", "subject_type", "subject_id",
                    "subject_url", "title", "message", "evidence", "evidence_hash")}
BATCH = 20_000   # rows inserted at a time


def columns(name: str) -> list[str]:
    """The columns a staged row holds: the table's own, without analysis_id (the write adds it), then the extras."""
    own = OWN.get(name) or [c for c in TABLES_BY_NAME[name].column_names if c != "analysis_id"]
    return list(own) + list(EXTRA.get(name, ()))


def stage_tables(conn: sqlite3.Connection, names: Iterable[str] = tuple(STAGED), schema: str = "temp") -> None:
    """Empty staging tables for ``names`` in ``schema`` (TEMP: this connection's own)."""
    for name in names:
        staged = STAGED[name]
        conn.execute(f"DROP TABLE IF EXISTS {schema}.{staged}")
        conn.execute(f"CREATE {'TEMP ' if schema == 'temp' else ''}TABLE "
                     f"{'' if schema == 'temp' else schema + '.'}{staged} ({', '.join(columns(name))})")
    conn.commit()


def stage(conn: sqlite3.Connection, name: str, rows: list[tuple], schema: str = "temp") -> None:
    """Insert ``rows`` (in ``columns(name)`` order) into the staging table, then empty the list."""
    if rows:
        with conn:
            conn.executemany(f"INSERT INTO {schema}.{STAGED[name]} VALUES ({', '.join('?' * len(columns(name)))})", rows)
        rows.clear()


def stage_all(conn: sqlite3.Connection, name: str, rows: Iterable[tuple], schema: str = "temp") -> int:
    """Stage every row of an iterable, a batch at a time (never the whole of it in memory); the number staged."""
    batch: list[tuple] = []
    n = 0
    for row in rows:
        batch.append(row)
        if len(batch) >= BATCH:
            n += len(batch)
            stage(conn, name, batch, schema)
    n += len(batch)
    stage(conn, name, batch, schema)
    return n


def reorder(conn: sqlite3.Connection, name: str, order: str, computed: dict[str, str] | None = None) -> None:
    """Put the staged rows in ``order`` (SQL over the staged columns), so that ``copy`` inserts them in it without
    sorting inside the write; ``computed``: columns whose value becomes an SQL expression over the staged row (the
    cleanup list's rank, a window over the same order).  Done before the write: the sort uses the analysis' small
    page cache and spills to a temporary file, instead of holding hundreds of MB while the write holds the lock."""
    staged = STAGED[name]
    select = ", ".join((computed or {}).get(c, c) + (f" AS {c}" if c in (computed or {}) else "") for c in columns(name))
    with conn:
        conn.execute(f"DROP TABLE IF EXISTS temp.{staged}_ordered")
        conn.execute(f"CREATE TEMP TABLE {staged}_ordered AS SELECT {select} FROM temp.{staged} ORDER BY {order}")
        conn.execute(f"DROP TABLE temp.{staged}")
        conn.execute(f"ALTER TABLE temp.{staged}_ordered RENAME TO {staged}")


def copy(conn: sqlite3.Connection, name: str, analysis_id: int) -> None:
    """The staged rows into the judgments table ``name``, in the order staged, with this analysis' id.  Within the
    caller's transaction (the staging table is left as it is: it goes with the connection)."""
    own = [c for c in TABLES_BY_NAME[name].column_names if c != "analysis_id"]
    has_id = "analysis_id" in TABLES_BY_NAME[name].column_names
    conn.execute(f"INSERT INTO main.[{name}] ({', '.join(own)}{', analysis_id' if has_id else ''}) "
                 f"SELECT {', '.join(own)}{', ?' if has_id else ''} FROM temp.{STAGED[name]} ORDER BY rowid",
                 [analysis_id] if has_id else [])
