"""Each page's dates and the judgments made from them, over every core of the machine.

The per-page work of the analysis (a page's date candidates, the resolver, stale pages and claims, old years in
titles, expired events and offers, copyright years) needs only the page, the site's date trust and the
configuration: pages are independent of each other.  A large site's pages are cut into contiguous slices;
the analysis judges the first slice itself while one worker process per other slice judges its own (each
reading its pages' texts and date signals from the database, staging its rows in a scratch database of its
own).  The results are taken back in slice order, so they are the same, in the same order, as one process's.

What is judged stays to the end of the analysis, so it is moved out of the collector's sight as it is made
(``gc.freeze``): the analysis makes no reference cycles to collect, and on a million pages each
full collection walking millions of findings again cost the dates stage about 17 s.

Small sites (under ``PAGES_PER_WORKER`` pages per worker) are judged in the analysis' own process: starting a
worker costs about a second.  ``DECAY_ANALYSIS_WORKERS`` caps the number of processes (1: no workers).
"""
from __future__ import annotations

import gc
import json
import os
import pickle
import sqlite3
import subprocess
import sys
from pathlib import Path

from analysis import outdated
from analysis.dates import page_candidates, resolve, stored_iso
from analysis.dates.trust import SiteTrust
from analysis.findings import Finding
from analysis.pages import Page, with_texts
from analysis.staging import BATCH, copy_from, stage, stage_tables
from foundation.config import Outdated
from foundation.times import to_iso

DATE_TABLES = ("page_dates", "date_evidence")   # staged by the judging processes (analysis/staging.py)
PAGES_PER_WORKER = 25_000  # fewer pages than this per process: not worth a worker's start


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
        evidence.extend((page.url_id, i, c.source, c.name, c.raw, to_iso(c.value), c.precision, c.role,
                         int(c.accepted), c.reason, c.context) for i, c in enumerate(cands))
        if len(evidence) >= BATCH:
            stage(conn, "page_dates", page_dates, schema)
            stage(conn, "date_evidence", evidence, schema)
            gc.freeze()   # the findings so far stay to the end: not walked again by each full collection
        if page.role in ("stub", "error"):   # a redirect or a not-found page: not content to judge by its dates
            continue
        english = outdated.is_english(page, page.main_text)
        made = [f for f in (outdated.stale_page(page, dates, ctx), outdated.stale_claims(page, dates, ctx, english),
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
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    n = min(cores, int(cap) if cap.isdigit() and int(cap) > 0 else cores, pages // PAGES_PER_WORKER)
    return max(1, n)


# a worker is a fresh interpreter running worker_main, given its slice on stdin and answering on stdout (pickles):
# unlike multiprocessing's spawn, it never re-imports the caller's main module (a script, a test runner)
WORKER = [sys.executable, "-c", "from analysis.page_judgments import worker_main; worker_main()"]


def worker_main() -> None:
    """A worker process: one slice judged, its rows staged in its scratch database, its findings sent back."""
    out = sys.stdout.buffer
    sys.stdout = sys.stderr   # nothing else may write into the answer
    try:
        db_path, scratch, pages, trust, cfg, now = pickle.load(sys.stdin.buffer)
        gc.freeze()   # its pages stay to the end (as in the analysis' own process)
        conn = sqlite3.connect(db_path, timeout=60)
        conn.execute("ATTACH ? AS scratch", [scratch])
        conn.execute("PRAGMA scratch.journal_mode = OFF")
        conn.execute("PRAGMA scratch.synchronous = OFF")
        stage_tables(conn, DATE_TABLES, "scratch")
        answer = ("ok", _judge(conn, pages, trust, outdated.Context.from_config(cfg, now), "scratch"))
        conn.close()
    except BaseException as e:   # told to the analysis, which fails with it
        answer = ("error", f"{type(e).__name__}: {e}")
    pickle.dump(answer, out, protocol=pickle.HIGHEST_PROTOCOL)
    out.flush()


class WorkerFailed(RuntimeError):
    pass


def _start(args: tuple) -> subprocess.Popen:
    env = dict(os.environ)   # the worker imports this very code, wherever it was imported from
    root = str(Path(__file__).resolve().parents[1])
    env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    proc = subprocess.Popen(WORKER, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)
    try:
        pickle.dump(args, proc.stdin, protocol=pickle.HIGHEST_PROTOCOL)
        proc.stdin.close()
    except BrokenPipeError:
        pass   # it ended at once: its exit code says why (_answer)
    return proc


def _answer(proc: subprocess.Popen):
    collecting = gc.isenabled()
    gc.disable()   # unpickling makes hundreds of thousands of objects and no garbage: nothing to collect meanwhile
    try:
        status, result = pickle.load(proc.stdout)   # read as it comes: the answer is never held twice
    except (EOFError, pickle.UnpicklingError):
        proc.wait()
        raise WorkerFailed(f"a worker judging the pages' dates ended without an answer (exit code {proc.returncode})") from None
    finally:
        if collecting:
            gc.enable()
        gc.freeze()   # kept to the end, like the analysis' own findings
    proc.wait()
    if status != "ok":
        raise WorkerFailed(f"a worker judging the pages' dates failed: {result}")
    return result


def judge_pages(conn: sqlite3.Connection, db_path: Path, pages: list[Page], trust: SiteTrust, ctx: outdated.Context,
                cfg: Outdated) -> tuple[list[Finding], list[tuple[Page, object]]]:
    """Every page judged (this process and, on a large site, workers); the date rows staged in this connection's
    TEMP tables (``stage_tables``); the findings and (page, copyright years) in page order."""
    by_id = {p.url_id: p for p in pages}
    n = workers_for(len(pages))
    if n == 1:
        findings, copyrights = _judge(conn, pages, trust, ctx, "temp")
        return findings, [(by_id[u], cp) for u, cp in copyrights]
    size = -(-len(pages) // n)
    slices = [pages[i:i + size] for i in range(0, len(pages), size)]
    procs, scratches = [], []
    try:
        for i, part in enumerate(slices[1:], 1):
            scratch = Path(f"{db_path}.judge-{i}")
            scratch.unlink(missing_ok=True)
            scratches.append(scratch)
            procs.append(_start((str(db_path), str(scratch), part, trust, cfg, ctx.now)))
        findings, copyrights = _judge(conn, slices[0], trust, ctx, "temp")
        for proc, scratch in zip(procs, scratches):
            found, copyright_years = _answer(proc)
            findings += found
            copyrights += copyright_years
            conn.execute("ATTACH ? AS judged", [str(scratch)])
            for name in DATE_TABLES:
                copy_from(conn, name, "judged")
            conn.execute("DETACH judged")
        for p in pages:
            p.date_input = None
        return findings, [(by_id[u], cp) for u, cp in copyrights]
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        for scratch in scratches:
            for suffix in ("", "-journal"):
                Path(str(scratch) + suffix).unlink(missing_ok=True)
