"""The database says which schema wrote it: open_db refuses a newer one (naming the file and the fix), migrates an
older one, and the triage trigger allows exactly the catalog's states."""
from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from foundation.catalog import TRIAGE_STATES
from foundation.dbfile import DatabaseFileError
from foundation.schema import SCHEMA_VERSION, check_schema_version, open_db


def _version(path: Path) -> str:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT value FROM _decay_meta WHERE key = 'schema_version'").fetchone()[0]
    finally:
        conn.close()


def _set(path: Path, sql: str, params: list | tuple = ()) -> None:
    conn = sqlite3.connect(path)
    with conn:
        conn.execute(sql, params)
    conn.close()


def test_a_new_database_records_its_version(tmp_path: Path) -> None:
    db = tmp_path / "decay.db"
    open_db(db).close()
    assert _version(db) == str(SCHEMA_VERSION)
    assert check_schema_version(db) == SCHEMA_VERSION


@pytest.mark.parametrize("value", [str(SCHEMA_VERSION + 1), "two"])
def test_a_database_of_a_newer_version_is_refused_untouched(tmp_path: Path, value: str) -> None:
    db = tmp_path / "decay.db"
    open_db(db).close()
    _set(db, "UPDATE _decay_meta SET value = ? WHERE key = 'schema_version'", [value])
    _set(db, "DROP TABLE page_graph")
    with pytest.raises(DatabaseFileError) as e:
        open_db(db)
    message = str(e.value)
    assert str(db) in message and "newer content-decay" in message and "pip install -U content-decay" in message
    assert _version(db) == value   # left as it was: nothing created, nothing marked
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'page_graph'").fetchone()[0] == 0
    conn.close()
    with pytest.raises(DatabaseFileError):
        check_schema_version(db)


def test_an_older_database_is_migrated(tmp_path: Path) -> None:
    db = tmp_path / "decay.db"
    open_db(db).close()
    _set(db, "UPDATE _decay_meta SET value = '0' WHERE key = 'schema_version'")
    _set(db, "DROP TABLE page_graph")
    _set(db, "ALTER TABLE pages DROP COLUMN generator")
    open_db(db).close()
    assert _version(db) == str(SCHEMA_VERSION)
    conn = sqlite3.connect(db)
    assert "generator" in {r[1] for r in conn.execute("PRAGMA table_info(pages)")}
    assert conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'page_graph'").fetchone()[0] == 1
    conn.close()


def test_the_triage_trigger_allows_the_catalog_states(tmp_path: Path) -> None:
    db = tmp_path / "decay.db"
    open_db(db).close()
    conn = sqlite3.connect(db)
    for i, state in enumerate(TRIAGE_STATES):
        with conn:
            conn.execute("INSERT INTO triage (id, item, state, snooze_until, updated_at) VALUES (?, 'finding', ?, ?, ?)",
                         [f"f{i}", state, "2030-01-01" if state == "snoozed" else None, "2026-01-01"])
    with pytest.raises(sqlite3.IntegrityError, match="state must be one of: " + ", ".join(TRIAGE_STATES)):
        with conn:
            conn.execute("INSERT INTO triage (id, item, state) VALUES ('x', 'finding', 'maybe')")
    # a trigger written with other states (an older version) is replaced on open
    with conn:
        conn.execute("DROP TRIGGER triage_check_insert")
        conn.execute("CREATE TRIGGER triage_check_insert BEFORE INSERT ON triage BEGIN "
                     "SELECT RAISE(ABORT, 'old') WHERE NEW.state NOT IN ('new'); END")
    conn.close()
    open_db(db).close()
    conn = sqlite3.connect(db)
    with conn:
        conn.execute("INSERT INTO triage (id, item, state, updated_at) VALUES ('y', 'finding', 'accepted', '2026-01-01')")
    conn.close()


def test_opening_a_database_this_process_holds_keeps_its_locks(tmp_path: Path) -> None:
    """open_db on a database this process already has open (a nightly run, a test) must not read the file outside
    SQLite: closing that descriptor would drop the process' POSIX locks, and another process closing its own
    connection (an analysis' worker) would then delete the -wal file under this one's connections."""
    import subprocess
    import sys

    db = tmp_path / "decay.db"
    first = open_db(db).conn   # left open (as an earlier command's connection can be)
    first.execute("CREATE TABLE IF NOT EXISTS kept (x)")
    first.commit()
    second = open_db(db).conn   # checked and opened again by the same process
    subprocess.run([sys.executable, "-c", f"import sqlite3; c = sqlite3.connect({str(db)!r}); c.execute('SELECT count(*) FROM kept'); c.close()"],
                   check=True)
    for x in range(2):
        second.execute("INSERT INTO kept VALUES (?)", [x])
        second.commit()
    assert Path(str(db) + "-wal").exists()   # still there: the other process did not take itself for the last user
    assert sqlite3.connect(db).execute("SELECT count(*) FROM kept").fetchone()[0] == 2
    first.close()
    second.close()
