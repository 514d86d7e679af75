"""The social crawl's writes: a ``social_crawls`` row while it runs, everything else in one transaction at the end.

A social crawl checks tens or hundreds of profiles, each a few kilobytes of facts, so it keeps them in
memory and writes them all at once when it completes (the site crawl's staging file exists for
millions of rows; this needs none).  Interrupted, killed or failed, it writes nothing but its own row:
the previous complete results stay as they were.  A row left ``running`` by a process that no longer
exists is marked ``interrupted`` by the next social crawl.
"""
from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from crawler.social.base import CheckResult
from crawler.social.inventory import Inventory
from crawler.store import pid_alive, utcnow
from foundation.schema import insert_sql, open_db
from foundation import __version__


def connect(db_path: Path) -> sqlite3.Connection:
    db = open_db(db_path)   # creates or migrates the schema (WAL, busy timeout)
    return db.conn


def mark_dead(conn: sqlite3.Connection) -> None:
    dead = [r[0] for r in conn.execute("SELECT id, pid FROM social_crawls WHERE status = 'running'") if not pid_alive(r[1])]
    with conn:
        for rid in dead:
            conn.execute("UPDATE social_crawls SET status = 'interrupted', finished_at = coalesce(finished_at, ?), "
                         "reason = coalesce(reason, 'the process ended without finishing (killed or crashed); nothing was written') "
                         "WHERE id = ?", [utcnow(), rid])


def begin(conn: sqlite3.Connection, pid: int) -> int:

    mark_dead(conn)
    with conn:
        cur = conn.execute("INSERT INTO social_crawls (started_at, status, pid, version) VALUES (?, 'running', ?, ?)",
                           [utcnow(), pid, __version__])
    return cur.lastrowid


def abort(conn: sqlite3.Connection, run_id: int, status: str, reason: str, duration: float, requests: int) -> None:
    with conn:
        conn.execute("UPDATE social_crawls SET status = ?, reason = ?, finished_at = ?, pid = NULL, duration_s = ?, requests = ? "
                     "WHERE id = ?", [status, reason, utcnow(), round(duration, 2), requests, run_id])


def commit(conn: sqlite3.Connection, run_id: int, inv: Inventory, results: dict[str, tuple[str, CheckResult]],
           duration: float, requests: int) -> dict:
    """Write the inventory and every check of this run, and complete its row, in one transaction."""
    now = utcnow()
    counts = {s: 0 for s in ("alive", "missing", "suspended", "unknown")}
    for _, r in results.values():
        counts[r.status] += 1
    profiles, sources, checks, posts = [], [], [], []
    for key, e in inv.entries.items():
        ref = e.ref
        pages = len({s.page_url for s in e.sources if s.page_url})
        profiles.append((ref.id, ref.key, ref.platform, ref.handle, ref.url, ref.feed_url, int(e.declared),
                         None if e.official is None else int(e.official), e.owner, pages, now, run_id))
        for i, s in enumerate(e.sources):
            sources.append((ref.id, i, s.kind, s.site, s.page_id, s.page_url, s.link_url, s.anchor, s.position, s.context, run_id))
        if key in results:
            checked_at, r = results[key]
            checks.append((ref.id, run_id, checked_at, r.adapter, r.status, r.reason, r.confidence, r.http_status, r.requested_url,
                           r.final_url, r.marker, r.display_name, r.handle, r.bio, r.bio_link, r.moved_to, r.feed_url,
                           r.last_post_at, r.posts_90d, r.posts_seen, r.requests,
                           json.dumps(r.evidence, ensure_ascii=False, default=str)))
            posts.extend((ref.id, i, p.published_at, p.url, p.excerpt, run_id) for i, p in enumerate(r.posts))
    if conn.in_transaction:   # reading the inventory used a temporary table
        conn.commit()
    conn.execute("BEGIN IMMEDIATE")
    try:
        keep_first = "first_seen_at"
        cols = ["id", "key", "platform", "handle", "url", "feed_url", "declared", "official", "owner", "linked_pages",
                "first_seen_at", "social_crawl_id"]
        updates = ", ".join(f"[{c}] = excluded.[{c}]" for c in cols if c not in ("id", keep_first))
        conn.executemany(f"INSERT INTO social_profiles ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))}) "
                         f"ON CONFLICT(id) DO UPDATE SET {updates}", profiles)
        conn.execute("DELETE FROM social_sources")
        conn.executemany(insert_sql("social_sources"), sources)
        conn.executemany(insert_sql("social_checks", "INSERT OR REPLACE"), checks)
        checked = [(c[0],) for c in checks]
        conn.executemany("DELETE FROM social_posts WHERE profile_id = ?", checked)
        conn.executemany(insert_sql("social_posts"), posts)
        conn.execute(
            "UPDATE social_crawls SET status = 'complete', finished_at = ?, pid = NULL, site_crawls = ?, profiles = ?, checked = ?, "
            "alive = ?, missing = ?, suspended = ?, unknown = ?, requests = ?, duration_s = ? WHERE id = ?",
            [now, json.dumps(inv.site_crawls), len(inv.entries), len(results), counts["alive"], counts["missing"],
             counts["suspended"], counts["unknown"], requests, round(duration, 2), run_id])
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return {"social_crawl_id": run_id, "status": "complete", "profiles": len(inv.entries), "checked": len(results),
            "requests": requests, "duration_s": round(duration, 2), **counts}
