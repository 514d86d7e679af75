"""What the analysis knows about each page: the facts of the latest complete crawl, read from the database.

Analysis never crawls: it reads the facts tables and can be re-run on
yesterday's crawl with new rules or thresholds.  Only pages of the latest
complete crawl of their site count (a page that crawl did not see is gone, or
unreachable, and is not judged as if it were current).
"""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime, timezone
from sys import intern
from typing import Iterator

from analysis.dates import PageInput
from analysis.twins import canonical_twins
from foundation.facts import DateSignal
from foundation.times import parse_iso  # noqa: F401  (analysis modules import it from here)


@dataclass(slots=True)   # a million of them on a large site
class Page:
    url_id: int
    url: str
    site: str
    title: str | None
    h1: str | None
    lang: str | None
    date_input: PageInput
    main_text: str = ""
    # what kind of page this is (analysis/roles.py): home, listing, article, event, job, evergreen, stub,
    # error; and the evidence that decided it, in words.  Every judgment reads it.
    role: str = "evergreen"
    role_reason: str = ""



def latest_complete_crawl(conn: sqlite3.Connection, site: str) -> int | None:
    row = conn.execute("SELECT max(crawl_id) FROM crawl_sites WHERE site = ? AND status = 'complete'", [site]).fetchone()
    return row[0] if row else None


SAME_VALUES = 65_536   # distinct values remembered while reading pages (one object for a value repeated on many)


def site_pages(conn: sqlite3.Connection, site: str, crawl_id: int, signals: bool = True) -> list[Page]:
    """The HTML pages that answered 2xx in the site's latest complete crawl, with their date facts.

    ``signals=False``: without the date signals found in each page (the bulk of the date facts: a site of a
    million pages has millions), read a batch at a time later by ``with_signals`` and ``with_texts``.

    A million pages are held at once, so each is small: a value that many pages repeat (a language, a
    deploy's Last-Modified, a fetch second, a title that is also the h1) is one object for all of them,
    and a page without sitemap or feed dates has no list of its own."""
    pages: dict[int, Page] = {}
    same: dict = {}
    fetched_at_of: dict[str, datetime] = {}
    for url_id, url, title, h1, lang, fetched_at, last_modified, server_date in conn.execute(
            """SELECT url_id, url, title, h1, coalesce(lang, content_language), fetched_at, last_modified, server_date
               FROM pages WHERE site = ? AND crawl_id = ? AND is_html = 1 AND status BETWEEN 200 AND 299""",
            [site, crawl_id]):
        if len(same) >= SAME_VALUES:
            same.clear()
        if len(fetched_at_of) >= SAME_VALUES:
            fetched_at_of.clear()
        fetched = fetched_at_of.get(fetched_at)
        if fetched is None:
            fetched = parse_iso(fetched_at)
            if fetched is not None:
                fetched_at_of[fetched_at] = fetched
            else:
                fetched = datetime.now(timezone.utc)
        if h1 is not None and h1 == title:
            h1 = title
        if lang is not None:
            lang = same.setdefault(lang, lang)
        if last_modified is not None:
            last_modified = same.setdefault(last_modified, last_modified)
        if server_date is not None:
            server_date = same.setdefault(server_date, server_date)
        pages[url_id] = Page(url_id, url, site, title, h1, lang,
                             PageInput(url, fetched, (), last_modified, server_date, (), (), lang))
    same.clear()
    fetched_at_of.clear()
    if signals:
        _read_signals(conn, pages)
    for url_id, lastmod in conn.execute(
            "SELECT url_id, lastmod FROM sitemap_entries WHERE site = ? AND is_sitemap = 0 AND lastmod IS NOT NULL", [site]):
        p = pages.get(url_id)
        if p is not None:
            d = p.date_input
            if not d.sitemap_lastmods:
                d.sitemap_lastmods = []
            d.sitemap_lastmods.append(lastmod)
    for url_id, published, updated in conn.execute(
            "SELECT url_id, published, updated FROM feed_entries WHERE site = ?", [site]):
        p = pages.get(url_id)
        if p is not None and (published or updated):
            d = p.date_input
            if not d.feed_dates:
                d.feed_dates = []
            if published:
                d.feed_dates.append(("entry.published", published))
            if updated:
                d.feed_dates.append(("entry.updated", updated))
    twins = canonical_twins(conn, site, crawl_id)   # judged once: as the page their rel=canonical names
    if not twins:
        return list(pages.values())
    return [p for u, p in pages.items() if u not in twins]


def _read_signals(conn: sqlite3.Connection, pages: dict[int, Page]) -> None:
    """Each page's date signals, in the order the crawl found them (pages without any: left as they are)."""
    ids = list(pages)
    for i in range(0, len(ids), 500):
        chunk = ids[i:i + 500]
        current, got = None, []
        for url_id, source, name, value, context in conn.execute(
                f"SELECT url_id, source, name, value, context FROM date_signals WHERE url_id IN ({', '.join('?' * len(chunk))}) "
                "ORDER BY url_id, ordinal", chunk):
            if url_id != current:
                current, got = url_id, []
                pages[url_id].date_input.signals = got
            # a site repeats its sources, keys and contexts on every page: one string each (memory at scale)
            got.append(DateSignal(intern(source), intern(name), value, intern(context or "")))


def with_signals(conn: sqlite3.Connection, pages: list[Page], batch: int = 2000) -> Iterator[Page]:
    """The pages again, each with its date signals while it is in hand (read a batch at a time, dropped after)."""
    for i in range(0, len(pages), batch):
        chunk = {p.url_id: p for p in pages[i:i + batch]}
        _read_signals(conn, chunk)
        yield from chunk.values()
        for p in chunk.values():
            p.date_input.signals = ()


def with_texts(conn: sqlite3.Connection, pages: list[Page], signals: bool = False) -> Iterator[Page]:
    """The pages again, each with its main text (read in batches: texts are the bulk of the database), and with
    ``signals`` its date signals (``site_pages(signals=False)``; the caller drops them once judged)."""
    batch = 500
    for i in range(0, len(pages), batch):
        chunk = {p.url_id: p for p in pages[i:i + batch]}
        marks = ", ".join("?" * len(chunk))
        for url_id, main in conn.execute(f"SELECT url_id, main_text FROM page_texts WHERE url_id IN ({marks})", list(chunk)):
            chunk[url_id].main_text = main or ""
        if signals:
            _read_signals(conn, chunk)
        for p in chunk.values():
            yield p
            p.main_text = ""  # free it as we go
