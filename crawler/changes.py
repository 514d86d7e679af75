"""Page history: what changed on the sites from one crawl to the next, stored as changes (never as copies).

``page_changes`` is written by the crawl's merge (``crawler/store.py``), in the same transaction as the
facts, by comparing the staging file with the database just before the facts are replaced: pages added,
gone, changed (main-text hash), and HTTP status changes, each against the previous complete crawl of the
same site.  (Finding changes are written by the analysis, ``analysis/findings.py``; ``decay/prune.py``
bounds both.)
"""
from __future__ import annotations

import sqlite3

# ---------------------------------------------------------------------------- page changes (inside the crawl's merge)
_INSERT = ("INSERT OR REPLACE INTO main.page_changes (crawl_id, url_id, change, site, url, kind, before, after, detail, "
           "previous_crawl_id, since, at) ")

_STATE = "coalesce({t}.status || ' ', '') || {t}.outcome"

ADDED = _INSERT + f"""
SELECT :cid, p.url_id, 'added', p.site, p.url, p.kind,
       CASE WHEN m.url_id IS NULL THEN NULL ELSE {_STATE.format(t='m')} END, {_STATE.format(t='p')},
       CASE WHEN m.url_id IS NOT NULL AND m.outcome = 'ok' THEN 'back after ' || m.fetched_at || ': ' ELSE '' END
         || coalesce(p.title, ''),
       :prev, p.fetched_at, :now
FROM s.pages p LEFT JOIN main.pages m ON m.url_id = p.url_id
WHERE p.site = :site AND p.kind = 'page' AND p.outcome = 'ok'
  AND (m.url_id IS NULL OR m.outcome IN ('skipped', 'blocked') OR m.crawl_id < :prev)"""

GONE = _INSERT + f"""
SELECT :cid, m.url_id, 'gone', m.site, m.url, m.kind, {_STATE.format(t='m')},
       CASE WHEN p.url_id IS NULL THEN 'not requested' ELSE {_STATE.format(t='p')} END,
       CASE WHEN p.url_id IS NULL THEN 'no page of this crawl links to it and no sitemap lists it'
            ELSE coalesce(p.error, 'answers HTTP ' || p.status) END
         || coalesce(' (was: ' || m.title || ')', ''),
       :prev, m.fetched_at, :now
FROM main.pages m LEFT JOIN s.pages p ON p.url_id = m.url_id
WHERE m.site = :site AND m.kind = 'page' AND m.outcome = 'ok' AND m.crawl_id = :prev
  AND (p.url_id IS NULL OR p.outcome IN ('http_error', 'failed'))"""

CHANGED = _INSERT + """
SELECT :cid, p.url_id, 'changed', p.site, p.url, p.kind, m.text_hash, p.text_hash,
       CASE WHEN p.title IS NOT m.title THEN 'title: ' || coalesce(m.title, '(none)') || ' -> ' || coalesce(p.title, '(none)') || '; '
            ELSE coalesce(p.title, '') || ': ' END
         || 'words ' || coalesce(m.word_count, 0) || ' -> ' || coalesce(p.word_count, 0),
       :prev, m.fetched_at, :now
FROM s.pages p JOIN main.pages m ON m.url_id = p.url_id
WHERE p.site = :site AND p.outcome = 'ok' AND m.outcome = 'ok' AND p.is_html = 1 AND m.is_html = 1
  AND coalesce(p.not_modified, 0) = 0 AND m.crawl_id = :prev AND p.text_hash IS NOT m.text_hash"""

STATUS = _INSERT + f"""
SELECT :cid, p.url_id, 'status', p.site, p.url, p.kind, {_STATE.format(t='m')}, {_STATE.format(t='p')},
       CASE WHEN p.outcome = 'redirect' THEN 'now redirects to ' || coalesce(p.location, '?')
            WHEN p.outcome IN ('http_error', 'failed') THEN coalesce(p.error, 'answers HTTP ' || p.status)
            WHEN m.outcome IN ('http_error', 'failed') THEN 'works again'
            ELSE '' END,
       :prev, m.fetched_at, :now
FROM s.pages p JOIN main.pages m ON m.url_id = p.url_id
WHERE p.site = :site AND p.kind IN ('page', 'resource', 'feed') AND m.crawl_id = :prev
  AND p.outcome NOT IN ('skipped', 'blocked') AND m.outcome NOT IN ('skipped', 'blocked')
  AND (p.status IS NOT m.status OR p.outcome != m.outcome)
  AND NOT (p.kind = 'page' AND m.outcome = 'ok' AND p.outcome IN ('http_error', 'failed'))"""


def previous_complete_crawl(conn: sqlite3.Connection, site: str, before: int, schema: str = "main") -> int | None:
    row = conn.execute(
        f"SELECT max(cs.crawl_id) FROM {schema}.crawl_sites cs JOIN {schema}.crawls c ON c.id = cs.crawl_id "
        "WHERE cs.site = ? AND cs.status = 'complete' AND c.status = 'complete' AND cs.crawl_id < ?", [site, before]).fetchone()
    return row[0] if row else None


def record_page_changes(conn: sqlite3.Connection, crawl_id: int, sites: list[str], now: str) -> dict[str, int]:
    """Inside the merge transaction, with the staging file attached as ``s``, before the facts are replaced.

    The first complete crawl of a site is its baseline: nothing is recorded for it.
    """
    counts: dict[str, int] = {}
    for site in sites:
        prev = previous_complete_crawl(conn, site, crawl_id)
        if prev is None:
            continue
        params = {"cid": crawl_id, "prev": prev, "site": site, "now": now}
        for name, sql in (("added", ADDED), ("gone", GONE), ("changed", CHANGED), ("status", STATUS)):
            counts[name] = counts.get(name, 0) + conn.execute(sql, params).rowcount
    return counts
