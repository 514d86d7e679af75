"""Is this path a database content-decay may open?  One check, used by every command before it opens one.

content-decay writes only its own databases.  A path is accepted when nothing is there yet (the database is
created), when it is an empty file, an SQLite database with no tables, or a content-decay database (it has the
``_decay_meta`` table).  Anything else (another program's SQLite database, a text file, a directory, a file or
folder that cannot be written) is refused with one line that names the path, what is wrong and what to do,
before anything is written: the file stays byte for byte as it was.  The CLI exits 2 on it.
"""
from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from foundation.times import pid_alive, utcnow

SQLITE_HEADER = b"SQLite format 3\x00"


class DatabaseFileError(ValueError):
    """The path cannot be used as a content-decay database (a one-line reason)."""


def _writable(p: Path) -> bool:
    """May we write there?  The permission bits are respected even by root (who could write anyway): a file or
    folder someone made read-only is one they do not want changed."""
    try:
        return os.access(p, os.W_OK) and bool(p.stat().st_mode & 0o222)
    except OSError:
        return False


def _writable_dir(d: Path) -> Path | None:
    """The nearest existing folder of ``d`` (d itself or a parent), or None when one on the way is not a folder."""
    p = d
    while not p.exists():
        if p.parent == p:
            return None
        p = p.parent
    return p if p.is_dir() else None


def check_db_path(path: str | Path, write: bool = True) -> None:
    """Raise DatabaseFileError unless ``path`` is a content-decay database, an empty file or nothing yet.

    ``write``: the command writes the database (every one but the read-only reports): the file and its folder
    must be writable too (SQLite writes a -wal and a -shm file next to it, decay a .lock file).
    """
    path = Path(path)
    fix = "give the path of a content-decay database, or of a new file (--db or [output] database)"
    if path.is_dir():
        raise DatabaseFileError(f"{path}: is a directory, not a database file; {fix}")
    if not path.exists():
        if path.is_symlink():
            raise DatabaseFileError(f"{path}: a symbolic link to nothing; {fix}")
        base = _writable_dir(path.parent)
        if base is None:
            raise DatabaseFileError(f"{path}: a part of the folder path is a file, not a folder; {fix}")
        if not write:
            raise DatabaseFileError(f"{path}: no database there; run decay crawl and decay analyse first (or give --db)")
        if not _writable(base) or not os.access(base, os.X_OK):
            raise DatabaseFileError(f"{path}: the folder {base} is not writable, so the database cannot be created there; "
                                    f"make it writable or {fix}")
        return
    if not path.is_file():
        raise DatabaseFileError(f"{path}: not a regular file; {fix}")
    if not os.access(path, os.R_OK):
        raise DatabaseFileError(f"{path}: the file is not readable (permissions); make it readable or {fix}")
    if not _open_here(path):   # else it was checked when it was opened, and must not be opened again (_open_here)
        _check_contents(path, fix)
    if write:
        if not _writable(path):
            raise DatabaseFileError(f"{path}: the file is read-only; content-decay writes to its database: "
                                    f"make it writable (chmod u+w) or {fix}")
        if not _writable(path.parent) or not os.access(path.parent, os.X_OK):
            raise DatabaseFileError(f"{path}: its folder {path.parent} is read-only (SQLite writes the -wal and -shm files "
                                    f"and decay its .lock file next to the database): make it writable or {fix}")


def _check_contents(path: Path, fix: str) -> None:
    """The file's first bytes and tables: an SQLite database of content-decay's, or empty, or refused."""
    try:
        with open(path, "rb") as f:
            head = f.read(len(SQLITE_HEADER))
    except OSError as e:
        raise DatabaseFileError(f"{path}: cannot be read ({e.strerror}); {fix}") from None
    if head and head != SQLITE_HEADER:
        raise DatabaseFileError(f"{path}: not an SQLite database (a file of another kind; it was left as it was); {fix}")
    if head:
        tables = _tables(path)
        if tables and "_decay_meta" not in tables:
            shown = ", ".join(sorted(tables)[:5]) + (f" and {len(tables) - 5} more" if len(tables) > 5 else "")
            raise DatabaseFileError(
                f"{path}: an SQLite database of another program (tables {shown}; no _decay_meta table), left as it was: "
                f"content-decay writes only its own databases; {fix}")


def _open_here(path: Path) -> bool:
    """Does this process have the file open already (an SQLite connection to it: a test, a nightly run)?

    Then it is not opened and closed again outside SQLite: POSIX locks belong to the process, and closing any
    descriptor of a file drops all of them, so the connections' locks would be gone while SQLite believes it
    holds them.  Another process (an analysis' worker) would then take itself for the database's last user
    and delete the -wal file under their feet ("disk I/O error", or writes lost).  Linux's /proc tells;
    elsewhere the file is read as usual."""
    try:
        target = os.stat(path)
        fds = os.listdir("/proc/self/fd")
    except OSError:
        return False
    for fd in fds:
        try:
            st = os.stat(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if (st.st_dev, st.st_ino) == (target.st_dev, target.st_ino):
            return True
    return False


def _tables(path: Path) -> set[str]:
    """The names in sqlite_master, read without writing anything (no -shm file, no journal, no lock left behind)."""
    wal = Path(str(path) + "-wal")
    # immutable: SQLite reads the file as it is and creates nothing; a database whose recent changes are still in
    # its -wal file is opened read-only the normal way, so that they are seen
    uri = f"file:{path}?mode=ro" if wal.exists() and wal.stat().st_size else f"file:{path}?immutable=1"
    try:
        conn = sqlite3.connect(uri, uri=True, timeout=5)
        try:
            return {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
        finally:
            conn.close()
    except sqlite3.DatabaseError as e:
        raise DatabaseFileError(f"{path}: not a readable SQLite database ({e}); left as it was; "
                                "give the path of a content-decay database, or of a new file") from None


def mark_dead_processes(conn: sqlite3.Connection) -> dict[str, list[int]]:
    """Runs, crawls and analyses left 'running' by a process that no longer exists become 'interrupted'.

    Every command that opens the database for writing does this (open_db), so a killed `decay analyse` or
    `decay crawl` does not stay 'running' until the next nightly run.  A row whose process still runs (a crawl
    or an analysis going on now) is left alone.  Returns the ids marked, per table.
    """

    reasons = {
        "runs": "the run''s process ended without finishing (killed or crashed); nothing it had not committed was kept",
        "crawls": "the crawl process ended without finishing (killed or crashed); its facts were not merged",
        "analyses": "the process ended before the analysis finished; its judgments were not written",
    }
    dead: dict[str, list[int]] = {}
    for table in reasons:
        try:
            rows = conn.execute(f"SELECT id, pid FROM {table} WHERE status = 'running'").fetchall()
        except sqlite3.OperationalError:   # a table an older schema does not have yet
            continue
        dead[table] = [rid for rid, pid in rows if pid is not None and not pid_alive(pid)]
    if any(dead.values()):
        now = utcnow()
        with conn:
            for table, ids in dead.items():
                extra = ", pid = NULL" if table == "runs" else ""
                for rid in ids:
                    conn.execute(f"UPDATE {table} SET status = 'interrupted', finished_at = coalesce(finished_at, ?){extra}, "
                                 f"reason = coalesce(reason, '{reasons[table]}') WHERE id = ?", [now, rid])
    return dead
