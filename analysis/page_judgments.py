"""Each page's dates and the judgments made from them, over every core of the machine.

The per-page work of the analysis (a page's date candidates, the resolver, stale pages and claims, old years in
titles, expired events and offers, copyright years) needs only the page, the site's date trust and the
configuration: pages are independent of each other.  A large site's pages are cut into chunks of ``CHUNK``
pages, shared out as the work goes: the analysis judges chunks from the front, one worker process per other
core from the back (each reading its pages' texts and date signals from the database, staging its rows in a
scratch database of its own), so no process waits for another however unevenly the cores are shared (another
program, the full-text build or the rules beside the analysis).  Chunks and answers pass through files in a
scratch directory beside the database, and only short notices through the pipes, so neither side ever waits
for the other to read.  The results are put back in page order: the same, in the same order, as one process's.

What is judged stays to the end of the analysis, so it is moved out of the collector's sight as it is made
(``gc.freeze``): the analysis makes no reference cycles to collect, and on a million pages each
full collection walking millions of findings again cost the dates stage about 17 s.  A worker holds one or
two chunks at a time, never its share of the site.

Small sites (under ``PAGES_PER_WORKER`` pages per worker) are judged in the analysis' own process: starting a
worker costs about a second.  ``DECAY_ANALYSIS_WORKERS`` caps the number of processes (1: no workers).
"""
from __future__ import annotations

import gc
import json
import os
import shutil
import sqlite3
import sys
from datetime import datetime
from pathlib import Path

from analysis import outdated, processes
from analysis.dates import page_candidates, resolve, stored_iso
from analysis.dates.trust import SiteTrust
from analysis.findings import Finding
from analysis.pages import Page, with_texts
from analysis.staging import BATCH, STAGED, stage, stage_tables
from foundation import usable_cores
from foundation.config import Outdated
from foundation.times import to_iso

DATE_TABLES = ("page_dates", "date_evidence")   # staged by the judging processes (analysis/staging.py)
PAGES_PER_WORKER = 25_000  # fewer pages than this per process: not worth a worker's start
CHUNK = 5_000   # pages judged at a time (a million pages on two cores: about 2 s of work)
AHEAD = 2       # chunks a worker is given ahead, so that it never waits for the analysis to hand it the next


ISO_MEMO_MAX = 100_000   # distinct candidate datetimes remembered per process (about 18 MB) before starting again
_ISO_MEMO: dict[datetime | None, str | None] = {}


def _iso(d: datetime | None) -> str | None:
    """``to_iso``, remembered per value: a site's date candidates repeat the same dates (a template's, a listing's;
    parsed once per distinct text, so mostly the same objects, whose hash is cached): five million candidates at a
    million pages.  Equal datetimes give the same text (aware ones are the same instant, written in UTC), but for the
    second of an hour a clock turned back repeats (fold 1), which equals the first in the same zone: not memoised."""
    if d is not None and d.fold:
        return to_iso(d)
    s = _ISO_MEMO.get(d, _ISO_MEMO)
    if s is _ISO_MEMO:
        if len(_ISO_MEMO) >= ISO_MEMO_MAX:
            _ISO_MEMO.clear()
        s = _ISO_MEMO[d] = to_iso(d)
    return s


def forget_times() -> None:
    """What ``_iso`` remembers, let go: at the end of an analysis (``decay nightly`` runs on in the same process)."""
    _ISO_MEMO.clear()


def _judge(conn: sqlite3.Connection, pages: list[Page], trust: SiteTrust, ctx: outdated.Context, schema: str,
           ) -> tuple[list[Finding], list[tuple[int, object]]]:
    """The pages judged in order; their date rows staged in ``schema``; their findings and copyright years returned."""
    now = ctx.now
    findings: list[Finding] = []
    copyrights: list[tuple[int, object]] = []
    page_dates: list[tuple] = []
    evidence: list[tuple] = []
    for page in with_texts(conn, pages, signals=True):
        cands = page_candidates(page.date_input, now=now, trust=trust)
        page.date_input = None   # judged: its signals are not read again (memory, on a large site)
        dates = resolve(cands, now=now, trust=trust)
        age = (now - dates.updated_at).days if dates.updated_at else None
        page_dates.append((page.url_id, page.url, page.site, stored_iso(dates.published_at), dates.published_source,
                           stored_iso(dates.updated_at), dates.updated_source, age, round(dates.confidence, 2),
                           dates.explanation, json.dumps(dates.disagreements, ensure_ascii=False) if dates.disagreements else "[]"))
        evidence.extend((page.url_id, i, c.source, c.name, c.raw, _iso(c.value), c.precision, c.role,
                         int(c.accepted), c.reason, c.context) for i, c in enumerate(cands))
        if len(evidence) >= BATCH:
            stage(conn, "page_dates", page_dates, schema)
            stage(conn, "date_evidence", evidence, schema)
            gc.freeze()   # the findings so far stay to the end: not walked again by each full collection
        if page.role in ("stub", "error"):   # a redirect or a not-found page: not content to judge by its dates
            continue
        english = outdated.is_english(page, page.main_text)
        made = [f for f in (outdated.stale_page(page, dates, ctx), outdated.stale_claims(page, dates, ctx, english, cands),
                            outdated.old_year_in_title(page, dates, ctx)) if f is not None]
        made += outdated.expired_events(page, cands, ctx, english)
        made += outdated.expired_offers(page, cands, ctx, english)
        # packed as made (Finding.pack): only an article's findings are read again (archive.group_articles)
        findings += made if page.role == "article" else [f.pack() for f in made]
        cp = outdated.copyright_years(cands)
        if cp is not None:
            copyrights.append((page.url_id, cp))
    stage(conn, "page_dates", page_dates, schema)
    stage(conn, "date_evidence", evidence, schema)
    return findings, copyrights


def workers_for(pages: int) -> int:
    cap = os.environ.get("DECAY_ANALYSIS_WORKERS", "")
    cores = usable_cores()
    n = min(cores, int(cap) if cap.isdigit() and int(cap) > 0 else cores, pages // PAGES_PER_WORKER)
    return max(1, n)


WORKER = "analysis.page_judgments:worker_main"   # a fresh interpreter's entry (analysis/processes.py)


def _last_rowids(conn: sqlite3.Connection, schema: str) -> tuple[int, ...]:
    return tuple(conn.execute(f"SELECT coalesce(max(rowid), 0) FROM {schema}.{STAGED[name]}").fetchone()[0]
                 for name in DATE_TABLES)


def worker_main() -> None:
    """A worker process: chunks judged one after another, their rows staged in its scratch database, their
    findings written beside it; a notice for each on stdout."""
    processes.serve(_work)


def _work(inp: int, out: int) -> None:
    db_path, scratch, trust, cfg, now = processes.receive(inp)
    ctx = outdated.Context.from_config(cfg, now)
    conn = sqlite3.connect(db_path, timeout=60)
    conn.execute("ATTACH ? AS scratch", [scratch])
    conn.execute("PRAGMA scratch.journal_mode = OFF")
    conn.execute("PRAGMA scratch.synchronous = OFF")
    stage_tables(conn, DATE_TABLES, "scratch")
    while (task := processes.receive(inp)) is not None:
        k, path = task
        before = _last_rowids(conn, "scratch")
        processes.dump(Path(path + ".judged"), _judge(conn, processes.load(Path(path)), trust, ctx, "scratch"))
        processes.send(out, ("ok", k, path + ".judged", before, _last_rowids(conn, "scratch")))
    conn.close()


class _Worker:
    """A worker process as the analysis sees it: the chunks it was given and has not answered yet."""

    def __init__(self, i: int, tmp: Path, db_path: Path, trust: SiteTrust, cfg: Outdated, ctx: outdated.Context) -> None:
        self.i = i
        self.tmp = tmp
        self.scratch = tmp / f"judged-{i}.db"
        self.pending: set[int] = set()
        self.proc = processes.start(WORKER)
        self._give((str(db_path), str(self.scratch), trust, cfg, ctx.now))

    def _give(self, message) -> None:
        try:
            processes.send(self.proc.stdin.fileno(), message)
        except BrokenPipeError:
            pass   # it ended: its exit code says why (answer)

    def judge(self, k: int, chunk: list[Page]) -> None:
        path = self.tmp / f"chunk-{k}"
        processes.dump(path, chunk)
        self.pending.add(k)
        self._give((k, str(path)))

    def answer(self) -> tuple[int, tuple, tuple, tuple]:
        """The next notice, its chunk's findings read back: (chunk, judged, first rowids, last rowids)."""
        k, path, before, after = processes.notice(self.proc, "a worker judging the pages' dates")
        self.pending.discard(k)
        return k, processes.load_kept(Path(path)), before, after


def judge_pages(conn: sqlite3.Connection, db_path: Path, pages: list[Page], trust: SiteTrust, ctx: outdated.Context,
                cfg: Outdated) -> tuple[list[Finding], list[tuple[Page, object]]]:
    """Every page judged (this process and, on a large site, workers); the date rows staged in this connection's
    TEMP tables (``stage_tables``), in page order; the findings and (page, copyright years) in page order."""
    by_id = {p.url_id: p for p in pages}
    n = workers_for(len(pages))
    if n == 1:
        findings, copyrights = _judge(conn, pages, trust, ctx, "temp")
        return findings, [(by_id[u], cp) for u, cp in copyrights]
    chunks = [pages[i:i + CHUNK] for i in range(0, len(pages), CHUNK)]
    judged: list[tuple | None] = [None] * len(chunks)
    rows: dict[int, tuple[_Worker, tuple, tuple]] = {}   # a worker's chunk -> where its date rows are
    front, back = 0, len(chunks)   # the chunks nobody has taken: [front, back)
    tmp = processes.scratch_dir(db_path, "judge")
    workers: list[_Worker] = []

    def take(w: _Worker) -> None:
        k, found, before, after = w.answer()
        judged[k] = _shared_with(found, by_id)
        rows[k] = (w, before, after)

    def feed(w: _Worker) -> None:
        nonlocal back
        while len(w.pending) < AHEAD and front < back:
            back -= 1
            w.judge(back, chunks[back])

    try:
        for i in range(1, n):
            workers.append(_Worker(i, tmp, db_path, trust, cfg, ctx))
            feed(workers[-1])
        while front < back:   # the analysis takes the front chunk, then answers whoever is done
            front += 1
            judged[front - 1] = _judge(conn, chunks[front - 1], trust, ctx, "temp")
            for w in _ready(workers, 0):
                while w.pending and _ready([w], 0):
                    take(w)
                feed(w)
        while any(w.pending for w in workers):   # nothing left to take: the workers' last chunks
            for w in _ready([w for w in workers if w.pending], None):
                take(w)
        for w in workers:
            processes.stop(w.proc)
        _copy_rows(conn, workers, rows)
        for p in pages:
            p.date_input = None
        findings = [f for found, _ in judged for f in found]
        return findings, [(by_id[u], cp) for _, copyright_years in judged for u, cp in copyright_years]
    finally:
        for w in workers:
            processes.stop(w.proc, farewell=False)
        shutil.rmtree(tmp, ignore_errors=True)


def _shared_with(judged: tuple[list[Finding], list], by_id: dict[int, Page]) -> tuple[list[Finding], list]:
    """A worker's findings, their texts shared again with this process' (a pickle copies each string: a stale page's
    URL and title, its message and explanation, which repeat across pages; ``Finding.pack``)."""
    for f in judged[0]:
        p = by_id.get(f.subject_id)
        if p is None:
            continue
        if f.subject_url == p.url:
            f.subject_url = p.url
        if f.title == p.title:
            f.title = p.title
        if p.role != "article":   # packed as made, and again here (an article's are read again: _judge)
            f.pack()
    return judged


def _ready(workers: list[_Worker], timeout: float | None) -> list[_Worker]:
    by_proc = {w.proc: w for w in workers}
    return [by_proc[p] for p in processes.readable(list(by_proc), timeout)]


def _copy_rows(conn: sqlite3.Connection, workers: list[_Worker], rows: dict[int, tuple[_Worker, tuple, tuple]]) -> None:
    """The workers' date rows after the analysis' own (its chunks are the first ones), chunk by chunk in page order."""
    for w in workers:
        conn.execute("ATTACH ? AS ?", [str(w.scratch), f"judged{w.i}"])
    try:
        with conn:
            for k in sorted(rows):
                w, before, after = rows[k]
                for name, first, last in zip(DATE_TABLES, before, after):
                    conn.execute(f"INSERT INTO temp.{STAGED[name]} SELECT * FROM judged{w.i}.{STAGED[name]} "
                                 f"WHERE rowid > ? AND rowid <= ? ORDER BY rowid", [first, last])
    finally:
        for w in workers:
            conn.execute(f"DETACH judged{w.i}")
