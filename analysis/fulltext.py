"""The full-text index (``pages_fts``: datasette's search box on the pages table), built beside the analysis.

Tokenising every page's title and main text is a large piece of a large site's analysis (1,000,000 pages:
half a minute of a core), and it needs none of the judgments.  So it is built while the analysis computes: in a
thread with its own connection, into a scratch database next to the main one (SQLite lets the other core work
while it steps: the thread holds no Python lock then).  The analysis starts it once every site's link graph is
done (analysis/runner.py): from there on the analysis' own work is one core's (the cleanup list, the findings'
encoding, the write), so the index takes the idle core instead of slowing the dates' processes, which already
take every core, and its page cache is not added to the link graph's memory peak.  The analysis' write
transaction then replaces the index's own tables (``pages_fts_data``, ``_idx``, ``_docsize``, ``_config``) with
the scratch copy's, so the index changes together with the judgments or not at all, and the database is locked
for the seconds the copy takes, not for the tokenising.

The index depends on the crawl's facts only (the pages and their texts), so when they have not changed
since it was built (the same crawls, the same indexed pages: an analysis re-run with another
configuration), it is left as it is.
"""
from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

from foundation.schema import FTS_SQL

# the scratch database's page cache (a ceiling): 1,000,000 pages indexed in 29 s with 32 MB (the process' peak 74 MB),
# in 32 s with 256 MB (307 MB)
CACHE_KIB = 32 * 1024
SHADOW = ("data", "idx", "docsize", "config")   # FTS5's own tables of a contentless index
SOURCE = """SELECT p.url_id, p.title, t.main_text FROM main.pages p JOIN main.page_texts t ON t.url_id = p.url_id
WHERE p.outcome = 'ok' AND p.is_html = 1"""
# what the index was built from: the latest crawl, and which pages (count and sum of ids) it holds
FINGERPRINT = f"""SELECT (SELECT max(id) FROM main.crawls) || ':' || (SELECT max(coalesce(finished_at, '')) FROM main.crawls)
   || ':' || count(*) || ':' || total(url_id) FROM ({SOURCE})"""
META_KEY = "fts_built_from"


class FullTextBuild:
    """``start()`` while the analysis computes; ``install(conn)`` inside its write transaction; ``close()`` always."""

    def __init__(self, db_path: Path) -> None:
        self.db_path = Path(db_path)
        self.scratch = self.db_path.with_name(self.db_path.name + ".fts-build")
        self.fingerprint: str | None = None
        self.unchanged = False
        self.error: BaseException | None = None
        self._thread: threading.Thread | None = None
        self._conn: sqlite3.Connection | None = None

    def start(self) -> "FullTextBuild":
        self._remove_scratch()   # a build an interrupted analysis left behind
        self._thread = threading.Thread(target=self._run, name="fulltext-build", daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        try:
            conn = self._conn = sqlite3.connect(self.db_path, timeout=60, check_same_thread=False)
            try:
                self.fingerprint = conn.execute(FINGERPRINT).fetchone()[0]
                built = None
                try:
                    row = conn.execute("SELECT value FROM _decay_meta WHERE key = ?", [META_KEY]).fetchone()
                    built = row[0] if row else None
                except sqlite3.OperationalError:
                    pass
                if built == self.fingerprint:
                    self.unchanged = True
                    return
                conn.execute("ATTACH ? AS scratch", [str(self.scratch)])
                conn.execute("PRAGMA scratch.journal_mode = OFF")
                conn.execute("PRAGMA scratch.synchronous = OFF")
                conn.execute(f"PRAGMA scratch.cache_size = -{CACHE_KIB}")   # a third faster at 100k pages than 2 MB
                conn.execute(FTS_SQL.replace("EXISTS pages_fts", "EXISTS scratch.pages_fts"))
                conn.execute(f"INSERT INTO scratch.pages_fts (rowid, title, main_text) {SOURCE}")
                conn.commit()
            finally:
                self._conn = None
                conn.close()
        except BaseException as e:   # re-raised by install(), in the analysis' own thread
            self.error = e

    def install(self, conn: sqlite3.Connection) -> bool:
        """Inside the caller's write transaction (the scratch database attached by ``attach`` before it began):
        the index replaced by the one just built.  False when it was already up to date."""
        self.wait()
        if self.unchanged:
            return False
        for name in SHADOW:
            conn.execute(f"DELETE FROM main.pages_fts_{name}")
            conn.execute(f"INSERT INTO main.pages_fts_{name} SELECT * FROM fts_scratch.pages_fts_{name}")
        conn.execute("INSERT INTO _decay_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                     [META_KEY, self.fingerprint])
        return True

    def wait(self) -> None:
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        if self.error is not None:
            raise self.error

    def attach(self, conn: sqlite3.Connection) -> None:
        """Before the write transaction (SQLite attaches no database inside one)."""
        self.wait()
        if not self.unchanged:
            conn.execute("ATTACH ? AS fts_scratch", [str(self.scratch)])

    def detach(self, conn: sqlite3.Connection) -> None:
        try:
            conn.execute("DETACH fts_scratch")
        except sqlite3.OperationalError:
            pass   # not attached (unchanged, or the build failed)

    def close(self) -> None:
        """Stop the build if it still runs (an analysis that failed or was interrupted elsewhere), delete the scratch database."""
        if self._thread is not None:
            conn = self._conn
            if conn is not None:
                conn.interrupt()   # SQLite's way to stop a statement from another thread
            self._thread.join()
            self._thread = None
        self._remove_scratch()

    def _remove_scratch(self) -> None:
        for suffix in ("", "-journal", "-wal", "-shm"):
            Path(str(self.scratch) + suffix).unlink(missing_ok=True)
