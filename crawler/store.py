"""Writing a crawl's facts: a staging file during the crawl, one merge at the end.

A crawl never writes its facts straight into the main database.  It writes
them, in batches, into a staging file next to it (``decay.db.crawl-7.tmp``);
only when the crawl finishes are they merged into the main database in one
transaction.  So an interrupted or killed crawl leaves the last complete
results untouched (and people's triage decisions with them), datasette can
read throughout, and other writers are blocked only for the seconds the merge
takes.  Only the ``crawls`` row is written to the main database while a crawl
runs, so its progress can be watched there.
"""
from __future__ import annotations

import json
import sqlite3
import time
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Iterable

from foundation.schema import TABLES, TABLES_BY_NAME, busy_timeout, insert_sql, open_db
from foundation.times import parse_iso, pid_alive, utcnow  # noqa: F401  (imported from here too)

import sqlite_utils
from crawler.changes import record_page_changes
from foundation import __version__
from foundation.config import parse_duration
from foundation.testing import pause_point

FLUSH_ROWS = 5_000
KNOWN_URLS_MAX = 100_000   # url ids remembered by Staging.add_url (a set of ints: ~8 MB at most)
FLUSH_SECONDS = 2.0
PROGRESS_SECONDS = 10.0
KEYED_IN_STAGING = frozenset(("pages", "bodies", "urls", "sitemaps", "robots", "feeds"))
PROGRESS_WAIT_S = 1.0     # a progress update waits this long for another program's lock, then is left to the next one
MERGE_WAIT_FACTOR = 10    # the merge waits up to this many busy timeouts (5 minutes by default) for the write lock


# CPython's sqlite3 (3.11) binds an int, float or str as it is, but looks for an adapter for every other value, None
# included: two failed attribute lookups per None, each making and dropping an AttributeError.  A crawl binds a few
# hundred Nones a page (the pages row's empty columns, links without rel); a registered adapter is found at once.
sqlite3.register_adapter(type(None), {}.get)   # None -> None (bound as NULL, as before)


class OwnerGone(RuntimeError):
    """The crawl process that started this crawl has ended: the merge is not committed."""


def _locked(e: sqlite3.OperationalError) -> bool:
    return "locked" in str(e) or "busy" in str(e)


def staging_path(db_path: Path, crawl_id: int) -> Path:
    return db_path.with_name(f"{db_path.name}.crawl-{crawl_id}.tmp")


def mark_dead_crawls(db: sqlite_utils.Database) -> list[int]:
    """Crawls left 'running' by a process that no longer exists become 'interrupted'."""
    dead = []
    for row in db.query("SELECT id, pid FROM crawls WHERE status = 'running'"):
        if not pid_alive(row["pid"]):
            dead.append(row["id"])
    if dead:
        with db.conn:
            for cid in dead:
                db.execute(
                    "UPDATE crawls SET status = 'interrupted', finished_at = coalesce(finished_at, ?), "
                    "reason = coalesce(reason, 'the crawl process ended without finishing (killed or crashed); its facts were not merged') "
                    "WHERE id = ?", [utcnow(), cid])
    return dead


def remove_stale_staging(db_path: Path, db: sqlite_utils.Database) -> None:
    running = {r["id"] for r in db.query("SELECT id FROM crawls WHERE status = 'running'")}
    for p in db_path.parent.glob(f"{db_path.name}.crawl-*.tmp*"):
        try:
            cid = int(p.name[len(db_path.name) + 7:].split(".")[0])
        except ValueError:
            continue
        if cid not in running:
            p.unlink(missing_ok=True)


class Staging:
    """Buffered writes of one crawl's facts into its staging file."""

    STAGED = [t for t in TABLES if t.staged]

    def __init__(self, path: Path) -> None:
        self.path = path
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        self.db = sqlite_utils.Database(path)
        # a scratch file, read by this process alone and never used again after a crash: its rollback journal in
        # memory, so each batch is written once (WAL wrote it twice: into the log, then the checkpoint)
        self.db.execute("PRAGMA main.journal_mode = MEMORY")
        self.db.execute("PRAGMA synchronous = OFF")
        # staging tables: same columns; a primary key only where rows are replaced (pages: a skipped URL may be
        # fetched later) or deduplicated (bodies); no other index: inserts stay cheap, the merge scans anyway
        for t in self.STAGED:
            cols = ", ".join(f"[{c}] {typ}" for c, typ, _ in t.columns)
            pk = t.pk if isinstance(t.pk, str) else ", ".join(t.pk)
            key = f", PRIMARY KEY ({pk})" if t.name in KEYED_IN_STAGING else ""
            self.db.execute(f"CREATE TABLE IF NOT EXISTS [{t.name}] ({cols}{key})")
        self.sql = {t.name: insert_sql(t.name, "INSERT OR REPLACE") for t in self.STAGED}
        self.sql["urls"] = insert_sql("urls", "INSERT OR IGNORE")   # the first row of a URL stands (add_url)
        self.buffers: dict[str, list[tuple]] = {t.name: [] for t in self.STAGED}
        self.pending_rows = 0
        self.last_flush = time.monotonic()
        self.known_urls: set[int] = set()

    def add(self, table: str, row: tuple) -> None:
        self.buffers[table].append(row)
        self.pending_rows += 1
        if self.pending_rows >= FLUSH_ROWS:
            self.flush()

    def extend(self, table: str, rows: Iterable[tuple]) -> None:
        buf = self.buffers[table]
        n = len(buf)
        buf.extend(rows)
        self.pending_rows += len(buf) - n
        if self.pending_rows >= FLUSH_ROWS:
            self.flush()

    def add_url(self, uid: int, url: str, site: str | None, crawl_id: int) -> None:
        """The urls row of a URL; its first one stands.  The ids of the URLs added recently (KNOWN_URLS_MAX, then
        the set starts again) spare the table the same row again and again, in bounded memory."""
        if uid not in self.known_urls:
            if len(self.known_urls) >= KNOWN_URLS_MAX:
                self.known_urls.clear()
            self.known_urls.add(uid)
            self.add("urls", (uid, url, site, crawl_id))

    def maybe_flush(self) -> None:
        if self.pending_rows and time.monotonic() - self.last_flush >= FLUSH_SECONDS:
            self.flush()

    def flush(self) -> None:
        conn = self.db.conn
        with conn:
            for name, rows in self.buffers.items():
                if rows:
                    conn.executemany(self.sql[name], rows)
                    rows.clear()
        self.pending_rows = 0
        self.last_flush = time.monotonic()

    def close(self) -> None:
        self.flush()
        self.db.conn.close()

    def carry_over(self, main_path: Path, carried: list[str], refreshed: list[str]) -> int:
        """Complete the rows of the pages that answered 304, in one statement, from the main database.

        During the crawl such a row holds only tonight's facts (route, fetch time, the 304's headers) and
        ``not_modified = 1``.  Here the ``carried`` columns are copied from the row of the crawl that last
        downloaded the page; the ``refreshed`` ones (header columns) keep tonight's value when the 304 sent
        one; ``headers`` is the old JSON object updated with tonight's.  A page whose row has gone from the
        main database meanwhile (a prune) is recorded as failed rather than left half-filled.
        Returns the number of rows completed.
        """
        self.flush()
        conn = self.db.conn
        conn.execute("ATTACH DATABASE ? AS m", [str(main_path)])
        try:
            sets = [f"[{c}] = p.[{c}]" for c in carried]
            sets += [f"[{c}] = coalesce(pages.[{c}], p.[{c}])" for c in refreshed]
            sets += ["headers = json_patch(CASE WHEN json_valid(p.headers) THEN p.headers ELSE '{}' END, "
                     "coalesce(pages.headers, '{}'))",
                     "facts_crawl_id = coalesce(p.facts_crawl_id, p.crawl_id)"]
            with conn:
                n = conn.execute(
                    f"UPDATE pages SET {', '.join(sets)} FROM m.pages AS p "
                    "WHERE pages.not_modified = 1 AND pages.facts_crawl_id IS NULL AND p.url_id = pages.url_id").rowcount
                conn.execute(
                    "UPDATE pages SET outcome = 'failed', not_modified = 0, is_html = 0, "
                    "error = 'answered 304 Not Modified, but the facts to carry over were no longer in the database' "
                    "WHERE not_modified = 1 AND facts_crawl_id IS NULL")
        finally:
            conn.execute("DETACH DATABASE m")
        return n

    # ------------------------------------------------------------------ incremental re-crawls, off the heap
    def copy_known(self, main_path: Path, sites: list[str]) -> int:
        """Copy the validators of every page the main database holds the facts of, for these (incremental) sites,
        into the staging file (``known``: in plan order, the shallowest first, site after site).

        A snapshot taken as the crawl begins, as the lists of pages in memory were, but on disk: the crawl looks
        pages up by id (``known_page``) and streams the re-validation plan in batches (``known_batch``), so a
        million known pages cost the store process no memory.  Returns the number of pages.
        """
        conn = self.db.conn
        conn.execute("CREATE TABLE IF NOT EXISTS known (seq INTEGER PRIMARY KEY, url_id INTEGER NOT NULL, site TEXT, "
                     "url TEXT, etag TEXT, last_modified TEXT)")
        conn.execute("CREATE TABLE IF NOT EXISTS waiting (url_id INTEGER PRIMARY KEY, answer BLOB)")
        if not sites:
            return 0
        conn.execute("ATTACH DATABASE ? AS m", [str(main_path)])
        try:
            with conn:
                for site in sites:
                    conn.execute(
                        "INSERT INTO known (url_id, site, url, etag, last_modified) SELECT url_id, site, url, etag, "
                        f"last_modified FROM m.pages WHERE {MainDatabase.VALIDATORS_WHERE} "
                        f"ORDER BY {MainDatabase.VALIDATORS_ORDER}", [site])
                conn.execute("CREATE UNIQUE INDEX IF NOT EXISTS known_url_id ON known (url_id)")
        finally:
            conn.execute("DETACH DATABASE m")
        return conn.execute("SELECT count(*) FROM known").fetchone()[0]

    def known_page(self, uid: int) -> tuple[str, str | None, str | None] | None:
        """(URL, ETag, Last-Modified) of a known page (``copy_known``), or None."""
        return self.db.conn.execute("SELECT url, etag, last_modified FROM known WHERE url_id = ?", [uid]).fetchone()

    def known_batch(self, after: int, n: int) -> list[tuple[int, int, str, str, str | None, str | None]]:
        """The next n known pages in plan order after position ``after``: (position, url id, site, URL, ETag,
        Last-Modified)."""
        return self.db.conn.execute("SELECT seq, url_id, site, url, etag, last_modified FROM known WHERE seq > ? "
                                    "ORDER BY seq LIMIT ?", [after, n]).fetchall()

    def spill_answers(self, answers: dict[int, bytes | None]) -> None:
        """Answers of the re-validation pass whose pages are not discovered yet, moved out of memory."""
        with self.db.conn as conn:
            conn.executemany("INSERT OR REPLACE INTO waiting (url_id, answer) VALUES (?, ?)", answers.items())

    def take_answer(self, uid: int) -> tuple[bool, bytes | None]:
        """(found, answer) of a spilled answer, which is removed."""
        row = self.db.conn.execute("SELECT answer FROM waiting WHERE url_id = ?", [uid]).fetchone()
        if row is None:
            return False, None
        with self.db.conn as conn:
            conn.execute("DELETE FROM waiting WHERE url_id = ?", [uid])
        return True, row[0]

    def remove(self) -> None:
        try:
            self.db.conn.close()
        except sqlite3.Error:
            pass
        for suffix in ("", "-wal", "-shm"):
            Path(str(self.path) + suffix).unlink(missing_ok=True)


class MainDatabase:
    """The crawl's view of the main database: its crawls row, and the final merge."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.db = open_db(self.path)
        # set by the store process: is the crawl process that asked for this crawl still there?  A merge is committed
        # only while it is (if it was killed, the crawl is interrupted: nothing is merged)
        self.owner_alive: Any = None
        self.progress_skipped = 0
        mark_dead_crawls(self.db)
        remove_stale_staging(self.path, self.db)

    # ------------------------------------------------------------------ incremental re-crawls
    def crawl_modes(self, sites_cfg, full: bool = False, every: str = "7d") -> dict[str, tuple[str, str]]:
        """Per site: ("full" or "incremental", why).

        Incremental unless --full, the site has no complete crawl yet, its last full crawl is older than
        ``every`` (full_recrawl_every; a crawl within 12 hours of it counts, so a nightly run at a fixed hour
        is full every N days, not N+1), or the last crawl was made by another version of content-decay
        (which may extract facts differently).
        """

        days = parse_duration(every) or 0
        now = datetime.now(timezone.utc)
        version = _version()
        modes: dict[str, tuple[str, str]] = {}
        for site in sites_cfg:
            last = self.db.execute(
                "SELECT cs.crawl_id, c.version, c.started_at FROM crawl_sites cs JOIN crawls c ON c.id = cs.crawl_id "
                "WHERE cs.site = ? AND cs.status = 'complete' AND c.status = 'complete' ORDER BY cs.crawl_id DESC LIMIT 1",
                [site.name]).fetchone()
            last_full = self.db.execute(
                "SELECT c.started_at FROM crawl_sites cs JOIN crawls c ON c.id = cs.crawl_id WHERE cs.site = ? "
                "AND cs.status = 'complete' AND c.status = 'complete' AND coalesce(cs.mode, 'full') = 'full' "
                "ORDER BY cs.crawl_id DESC LIMIT 1", [site.name]).fetchone()
            if full:
                modes[site.name] = ("full", "--full")
            elif last is None:
                modes[site.name] = ("full", "first complete crawl of this site")
            elif not days:
                modes[site.name] = ("full", f"full_recrawl_every = {every}: every crawl is full")
            elif last[1] != version:
                modes[site.name] = ("full", f"the last crawl was made by content-decay {last[1]}, this is {version}: every page is read anew")
            else:
                since = parse_iso(last_full[0]) if last_full else None
                if since is None or now - since >= timedelta(days=days) - timedelta(hours=12):
                    when = since.date().isoformat() if since else "never"
                    modes[site.name] = ("full", f"the last full crawl ({when}) is at least full_recrawl_every = {every} old")
                else:
                    nxt = (since + timedelta(days=days)).date().isoformat()
                    modes[site.name] = ("incremental", f"conditional requests; last full crawl {since.date().isoformat()}, next one due {nxt}")
        return modes

    VALIDATORS_WHERE = ("site = ? AND kind = 'page' AND outcome = 'ok' AND is_html = 1 "
                        "AND (etag IS NOT NULL OR last_modified IS NOT NULL)")
    VALIDATORS_ORDER = "depth IS NULL, depth, url_id"

    def validators(self, site: str) -> list[tuple[int, str, str | None, str | None, int | None]]:
        """(url id, URL, ETag, Last-Modified, depth) of every page of the site whose facts the database holds from a
        download, the shallowest first.  (A list: for small sites and tests; a crawl copies them into its staging
        file instead, ``Staging.copy_known``.)"""
        return self.db.execute(
            f"SELECT url_id, url, etag, last_modified, depth FROM pages WHERE {self.VALIDATORS_WHERE} "
            f"ORDER BY {self.VALIDATORS_ORDER}", [site]).fetchall()

    @property
    def reader(self) -> sqlite3.Connection:
        conn = getattr(self, "_reader", None)
        if conn is None:
            conn = self._reader = sqlite3.connect(self.path, timeout=30)
        return conn

    def previous_link_targets(self, uid: int) -> tuple[str | None, str | None]:
        """The target ids and the kinds (a, img, link ...) of the links the database holds for a page, each
        comma-separated, in page order (the primary key's).  Two strings, not rows: a third of the cost, for
        the commonest question of a re-crawl."""
        return self.reader.execute(   # coalesce: group_concat skips NULLs, and the two lists must stay aligned
            "SELECT group_concat(target_id), group_concat(coalesce(kind, '')) FROM links WHERE source_id = ?", [uid]).fetchone()

    def previous_link(self, uid: int, target: int) -> tuple[str | None, str | None]:
        """(rel, anchor) of the first link from a page to a target."""
        row = self.reader.execute("SELECT rel, anchor FROM links WHERE source_id = ? AND target_id = ? ORDER BY ordinal "
                                  "LIMIT 1", [uid, target]).fetchone()
        return row or (None, None)

    def url_of(self, uid: int) -> str | None:
        row = self.reader.execute("SELECT url FROM urls WHERE id = ?", [uid]).fetchone()
        return row[0] if row else None

    def begin_crawl(self, config_path: str, config_hash: str, sites: list[str], pid: int) -> int:
        with self.db.conn:
            cur = self.db.execute(
                "INSERT INTO crawls (started_at, status, config, config_hash, sites, version, pid) VALUES (?, 'running', ?, ?, ?, ?, ?)",
                [utcnow(), config_path, config_hash, json.dumps(sites), _version(), pid],
            )
        return cur.lastrowid

    def update_crawl(self, crawl_id: int, **values: Any) -> None:
        """Write the crawls row; waits up to the busy timeout for another program's lock, then raises."""
        if not values:
            return
        sets = ", ".join(f"[{k}] = ?" for k in values)
        with self.db.conn:
            self.db.execute(f"UPDATE crawls SET {sets} WHERE id = ?", [*values.values(), crawl_id])

    def progress(self, crawl_id: int, **values: Any) -> bool:
        """A progress update of the crawls row (pages fetched so far): while another program holds the database, it
        waits PROGRESS_WAIT_S, then is left out (the next update, and the end of the crawl, write the figures).
        The crawl never stops, and no page's work is lost, for a progress line.  Returns whether it was written."""
        conn = self.db.conn
        conn.execute(f"PRAGMA busy_timeout = {int(PROGRESS_WAIT_S * 1000)}")
        try:
            self.update_crawl(crawl_id, **values)
            return True
        except sqlite3.OperationalError as e:
            if not _locked(e):
                raise
            self.progress_skipped += 1
            return False
        finally:
            conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout() * 1000)}")

    def merge(self, staging: Path, crawl_id: int, sites: list[str], site_rows: list[dict], crawl_values: dict) -> None:
        """Move the facts of the sites that completed from the staging file into the main database, atomically."""

        conn = self.db.conn
        if getattr(self, "_reader", None) is not None:
            self._reader.close()
            self._reader = None
        conn.execute("ATTACH DATABASE ? AS s", [str(staging)])
        try:
            marks = ", ".join("?" * len(sites))
            wait = busy_timeout() * MERGE_WAIT_FACTOR
            conn.execute(f"PRAGMA busy_timeout = {int(wait * 1000)}")
            try:
                conn.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as e:
                if not _locked(e):
                    raise
                raise sqlite3.OperationalError(
                    f"database is locked: another program held {self.path.name} for more than {wait:.0f} s "
                    "(10 times DECAY_BUSY_TIMEOUT); the crawl's facts were not merged, the previous results are intact") from None
            finally:
                conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout() * 1000)}")
            try:
                if sites:
                    # what changed since the previous complete crawl of each site: compared before the facts are replaced
                    record_page_changes(conn, crawl_id, sites, utcnow())
                    self._merge_sites(conn, marks, sites)
                for row in site_rows:
                    cols = list(row)
                    conn.execute(
                        f"INSERT OR REPLACE INTO crawl_sites ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                        [row[c] for c in cols])
                sets = ", ".join(f"[{k}] = ?" for k in crawl_values)
                conn.execute(f"UPDATE crawls SET {sets} WHERE id = ?", [*crawl_values.values(), crawl_id])
                if sites:
                    pause_point("merge")
                    if self.owner_alive is not None and not self.owner_alive():
                        raise OwnerGone("the crawl process ended during the merge (killed?); nothing was merged")
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
        finally:
            conn.execute("DETACH DATABASE s")

    @staticmethod
    def _merge_sites(conn: sqlite3.Connection, marks: str, sites: list[str]) -> None:
        t_urls = TABLES_BY_NAME["urls"].column_names
        conn.execute(
            f"INSERT INTO main.urls ({', '.join(t_urls)}) SELECT {', '.join(t_urls)} FROM s.urls WHERE true "
            "ON CONFLICT(id) DO UPDATE SET site = coalesce(excluded.site, urls.site)")
        pages = TABLES_BY_NAME["pages"].column_names
        keep_first = {"first_crawl_id", "first_seen_at", "url_id"}
        updates = ", ".join(f"[{c}] = excluded.[{c}]" for c in pages if c not in keep_first)
        conn.execute(
            f"INSERT INTO main.pages ({', '.join(pages)}) SELECT {', '.join(pages)} FROM s.pages WHERE site IN ({marks}) "
            f"ON CONFLICT(url_id) DO UPDATE SET {updates} "
            "WHERE excluded.outcome != 'skipped' OR pages.outcome = 'skipped'", sites)
        # per-page facts: replace those of every page downloaded in this crawl; a page that answered 304 Not
        # Modified keeps the rows it has (its facts are carried over, not copied)
        conn.execute(
            f"CREATE TEMP TABLE _merged AS SELECT url_id FROM s.pages WHERE site IN ({marks}) AND outcome != 'skipped' "
            "AND coalesce(not_modified, 0) = 0", sites)
        try:
            for name, key in (("links", "source_id"), ("date_signals", "url_id"), ("page_texts", "url_id")):
                table = TABLES_BY_NAME[name]
                cols = ", ".join(table.column_names)
                order = ", ".join((table.pk,) if isinstance(table.pk, str) else table.pk)
                conn.execute(f"DELETE FROM main.[{name}] WHERE {key} IN (SELECT url_id FROM _merged)")
                with _indexes_rebuilt_if_large(conn, table, f"SELECT count(*) FROM s.[{name}]"):
                    # in key order: the rows are appended to the table's b-tree instead of scattered through it
                    conn.execute(
                        f"INSERT INTO main.[{name}] ({cols}) SELECT {cols} FROM s.[{name}] "
                        f"WHERE {key} IN (SELECT url_id FROM _merged) ORDER BY {order}")
        finally:
            conn.execute("DROP TABLE temp._merged")
        conn.execute("INSERT OR IGNORE INTO main.bodies SELECT * FROM s.bodies")
        for name in ("sitemaps", "sitemap_entries", "robots", "feeds", "feed_entries"):
            cols = TABLES_BY_NAME[name].column_names
            conn.execute(f"DELETE FROM main.[{name}] WHERE site IN ({marks})", sites)
            conn.execute(
                f"INSERT OR REPLACE INTO main.[{name}] ({', '.join(cols)}) SELECT {', '.join(cols)} FROM s.[{name}] WHERE site IN ({marks})",
                sites)


@contextmanager
def _indexes_rebuilt_if_large(conn: sqlite3.Connection, table, count_new_sql: str):
    """Drop a table's secondary indexes around a bulk insert that is large compared with the table, then
    rebuild them: building an index from sorted data is several times faster than inserting into it row
    by row at random places (a first crawl, a full re-crawl).  Inside the caller's transaction."""
    if not table.indexes:
        yield
        return
    new = conn.execute(count_new_sql).fetchone()[0]
    have = conn.execute(f"SELECT count(*) FROM main.[{table.name}]").fetchone()[0]
    if new < 10_000 or new < have:
        yield
        return
    names = [f"idx_{table.name}_{'_'.join(cols)}" for cols in table.indexes]
    for name in names:
        conn.execute(f"DROP INDEX IF EXISTS main.[{name}]")
    yield
    for name, cols in zip(names, table.indexes):
        conn.execute(f"CREATE INDEX main.[{name}] ON [{table.name}] ({', '.join(cols)})")


def _version() -> str:

    return __version__
