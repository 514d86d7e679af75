"""The database schema, declared once: tables, columns, types and what each means; and the machinery that opens,
creates, migrates and describes it.

The declarations are in foundation/schema_facts.py (what the crawl records) and foundation/schema_results.py
(what analysis judges, the cleanup list and people's decisions, history, the views).  The same declaration
creates the tables (sqlite-utils), writes the schema section of the README (``decay reference schema``), and
gives datasette its table and column descriptions.  Facts (what the crawl saw) and judgments (what analysis
concluded) live in separate tables.

The database says which version of the schema wrote it (``_decay_meta``, key ``schema_version``): an older one is
migrated on open (missing tables, columns, indexes and views are added), one written by a newer content-decay is
refused before anything is written.
"""
from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import sqlite_utils
from foundation.dbfile import DatabaseFileError, check_db_path, mark_dead_processes
from foundation import usable_cores
from foundation.catalog import TRIAGE_STATES  # one home for them all (re-exported)
from foundation.schema_facts import CRAWL_TABLES, SOCIAL_TABLES, Table  # noqa: F401  (Table: re-exported)
from foundation.schema_results import CLEANUP_TABLES, HISTORY_TABLES, JUDGMENT_TABLES, VIEWS

SCHEMA_VERSION = 1

# in the order the README describes them (and sqlite-utils creates them)
TABLES: list[Table] = CRAWL_TABLES + JUDGMENT_TABLES + CLEANUP_TABLES + HISTORY_TABLES + SOCIAL_TABLES

TABLES_BY_NAME = {t.name: t for t in TABLES}


def insert_sql(name: str, verb: str = "INSERT") -> str:
    """An INSERT with the table's columns named, for executemany with rows in declaration order."""
    cols = TABLES_BY_NAME[name].column_names
    return f"{verb} INTO [{name}] ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"


def _sql_list(values: tuple[str, ...]) -> str:
    return ", ".join("'" + v.replace("'", "''") + "'" for v in values)


# People's decisions are checked by the database itself, whoever writes them (decay triage, datasette, sqlite3),
# and every change is logged.  The allowed states are foundation.catalog.TRIAGE_STATES.
_TRIAGE_CHECK = """CREATE TRIGGER IF NOT EXISTS triage_check_{event} BEFORE {EVENT} ON triage
BEGIN
  SELECT RAISE(ABORT, 'state must be one of: {states}')
   WHERE NEW.state NOT IN ({state_list});
  SELECT RAISE(ABORT, 'snoozed needs a date to come back (YYYY-MM-DD)')
   WHERE NEW.state = 'snoozed' AND (NEW.snooze_until IS NULL OR date(NEW.snooze_until) IS NULL);
END"""
_TRIAGE_LOG = """CREATE TRIGGER IF NOT EXISTS triage_log_{event} AFTER {EVENT} ON triage
BEGIN
  INSERT INTO triage_log (item_id, state, snooze_until, note, who, at)
  VALUES (NEW.id, NEW.state, NEW.snooze_until, NEW.note, NEW.who, NEW.updated_at);
END"""
TRIGGERS = {
    **{f"triage_check_{e}": _TRIAGE_CHECK.format(event=e, EVENT=e.upper(), states=", ".join(TRIAGE_STATES).replace("'", "''"),
                                                 state_list=_sql_list(TRIAGE_STATES)) for e in ("insert", "update")},
    **{f"triage_log_{e}": _TRIAGE_LOG.format(event=e, EVENT=e.upper()) for e in ("insert", "update")},
}

# Full-text search over page titles and main text (datasette: search box on the pages table). Contentless: the
# index only, the text stays in pages and page_texts. Rebuilt by decay analyse for the latest crawl's pages.
FTS_SQL = ("CREATE VIRTUAL TABLE IF NOT EXISTS pages_fts USING fts5(title, main_text, content='', "
           "tokenize='unicode61 remove_diacritics 2')")


def create(db: sqlite_utils.Database, tables: list[Table] | None = None, views: bool = True) -> None:
    """Create missing tables, columns, indexes and views (idempotent)."""
    for t in tables or TABLES:
        table = db[t.name]
        if not table.exists() and t.without_rowid:
            # sqlite-utils cannot create WITHOUT ROWID tables; the same declaration, in SQL
            cols = ", ".join(f"[{c}] {typ}" for c, typ, _ in t.columns)
            fks = "".join(f", FOREIGN KEY([{c}]) REFERENCES [{other}]([{oc}])" for c, other, oc in t.foreign_keys)
            pk = ", ".join(f"[{c}]" for c in ((t.pk,) if isinstance(t.pk, str) else t.pk))
            db.execute(f"CREATE TABLE [{t.name}] ({cols}, PRIMARY KEY ({pk}){fks}) WITHOUT ROWID")
        elif not table.exists():
            table.create(
                {c[0]: {"TEXT": str, "INTEGER": int, "REAL": float, "BLOB": bytes}[c[1]] for c in t.columns},
                pk=t.pk,
                foreign_keys=t.foreign_keys,
                not_null={t.pk} if isinstance(t.pk, str) else set(t.pk),
            )
        else:
            have = {c.name for c in table.columns}
            for name, typ, _ in t.columns:
                if name not in have:
                    table.add_column(name, {"TEXT": str, "INTEGER": int, "REAL": float, "BLOB": bytes}[typ])
        for cols in t.indexes:
            table.create_index(list(cols), if_not_exists=True)
        for cols in t.unique_indexes:
            table.create_index(list(cols), unique=True, if_not_exists=True)
    if views:
        for name, (_, sql) in VIEWS.items():
            have = db.execute("SELECT sql FROM sqlite_master WHERE type = 'view' AND name = ?", [name]).fetchone()
            if have and have[0] != f"CREATE VIEW {name} AS {sql}":   # a newer version defines it differently
                db.execute(f"DROP VIEW [{name}]")
            if not have or have[0] != f"CREATE VIEW {name} AS {sql}":
                db.execute(f"CREATE VIEW {name} AS {sql}")
    if db["triage"].exists():
        for name, sql in TRIGGERS.items():
            have = db.execute("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?", [name]).fetchone()
            if have and have[0] != sql.replace("CREATE TRIGGER IF NOT EXISTS", "CREATE TRIGGER", 1):
                db.execute(f"DROP TRIGGER [{name}]")   # written by an older version (other triage states)
            db.execute(sql)
    db.execute(FTS_SQL)


def busy_timeout() -> float:
    """Seconds a write waits for another program's lock on the database (a long datasette query, a backup) before
    it fails with "database is locked": 30, or the environment variable DECAY_BUSY_TIMEOUT."""
    try:
        return max(0.0, float(os.environ.get("DECAY_BUSY_TIMEOUT", "") or 30))
    except ValueError:
        return 30.0


def sorter_threads() -> int:
    """Helper threads SQLite may use to sort (``PRAGMA threads``): a large ORDER BY, GROUP BY, window or CREATE
    INDEX sorts its runs on another core (the crawl's merge and the analysis' write sort millions of rows while the
    other core is idle).  One where there are two cores or more, none on one: each helper sorts in a buffer as large
    as the page cache (256 MB in the analysis' write), so more would raise the peak that 4 GB bounds at a million
    pages, measured with one."""
    return 1 if usable_cores() > 1 else 0


def schema_version(conn: sqlite3.Connection) -> int | None:
    """The schema version the database says it was written with; None for a database not yet created."""
    try:
        row = conn.execute("SELECT value FROM _decay_meta WHERE key = 'schema_version'").fetchone()
    except sqlite3.OperationalError:   # no _decay_meta yet: a new (empty) database
        return None
    if row is None:
        return None
    try:
        return int(row[0])
    except (TypeError, ValueError):
        return -1   # unreadable: refused by check_schema_version


def check_schema_version(path: str | Path, conn: sqlite3.Connection | None = None) -> int | None:
    """Refuse (DatabaseFileError, a ValueError) a database written by a newer content-decay, before anything is
    written to it: this version would misread or damage what it does not know.  An older one is fine: open_db
    migrates it.  Returns the version found (None: a new database)."""
    path = Path(path)
    own = conn is None
    if own:
        if not path.exists():
            return None
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        version = schema_version(conn)
    except sqlite3.DatabaseError:
        version = None   # not a database we can read: check_db_path says why
    finally:
        if own:
            conn.close()
    if version is not None and (version > SCHEMA_VERSION or version < 0):
        what = f"schema version {version}" if version >= 0 else "a schema version that is not a number"
        raise DatabaseFileError(
            f"{path}: written by a newer content-decay ({what}; this version {SCHEMA_VERSION} reads up to "
            f"{SCHEMA_VERSION}); left as it was: upgrade content-decay (pip install -U content-decay) to use it, "
            "or give another database (--db)")
    return version


def open_db(path: str | Path, create_schema: bool = True, mark_dead: bool = True) -> sqlite_utils.Database:
    """Open (and create or migrate) the database in WAL mode.

    Refuses (foundation.dbfile.DatabaseFileError, before writing anything) a path that is not a content-decay
    database, an empty file or nothing yet, and one written by a newer content-decay (check_schema_version);
    an older one is migrated (create) and marked with this SCHEMA_VERSION.  Writers wait for another writer's
    lock up to busy_timeout() seconds.  ``mark_dead``: runs, crawls and analyses left 'running' by a process that has gone are marked
    interrupted (foundation.dbfile.mark_dead_processes).
    """

    path = Path(path)
    check_db_path(path, write=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite_utils.Database(path)
    db.execute(f"PRAGMA busy_timeout = {int(busy_timeout() * 1000)}")
    try:
        check_schema_version(path, db.conn)
    except DatabaseFileError:
        db.close()
        raise
    if db.journal_mode != "wal":
        db.enable_wal()
    db.execute("PRAGMA synchronous = NORMAL")
    db.execute(f"PRAGMA threads = {sorter_threads()}")
    if create_schema:
        with db.conn:
            create(db)
            db.execute("CREATE TABLE IF NOT EXISTS _decay_meta (key TEXT PRIMARY KEY, value TEXT)")
            # a new database, or an older one just migrated by create(): it now has this version's schema
            db.execute("INSERT INTO _decay_meta VALUES ('schema_version', ?) "
                       "ON CONFLICT (key) DO UPDATE SET value = excluded.value", [str(SCHEMA_VERSION)])
    if mark_dead:
        mark_dead_processes(db.conn)
    return db


def reference_markdown() -> str:
    """The schema section of the README."""
    out: list[str] = []
    for t in TABLES:
        pk = t.pk if isinstance(t.pk, str) else ", ".join(t.pk)
        out.append(f"#### `{t.name}`")
        out.append("")
        out.append(f"{t.description} Primary key: `{pk}`.")
        out.append("")
        out.append("| column | type | meaning |")
        out.append("|---|---|---|")
        for name, typ, desc in t.columns:
            out.append(f"| `{name}` | {typ} | {desc.replace('|', '&#124;')} |")
        out.append("")
    for name, (desc, _) in VIEWS.items():
        out.append(f"#### view `{name}`")
        out.append("")
        out.append(desc)
        out.append("")
    return "\n".join(out).rstrip() + "\n"
