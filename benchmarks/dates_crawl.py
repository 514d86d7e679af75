"""``dates_eval.py --crawl``: the gold pages through the crawl path, scored on what the crawl stores.

The pages are copied (bytes as they are, so the server sends them as a real one would: no charset unless
the page declares one; the copy's time as Last-Modified, as any copied or deployed set of files has) into
a temporary folder under ``/p/``, with an index page linking to each, and served by the tests' local HTTP
server on a free port of 127.0.0.1.  Then the real commands: ``decay crawl`` (max_depth 1, no external
link or resource checks: nothing outside 127.0.0.1) and ``decay analyse``, and ``page_dates.published_at``
(UTC, as stored) is scored per page exactly as the in-process path is.  The pages where the two paths
disagree are listed with the evidence that decided each, so a difference has a name.
"""
from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from html import escape
from pathlib import Path
from urllib.parse import quote

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from analysis.runner import analyse  # noqa: E402
from decay.localserver import LocalSite  # noqa: E402
from foundation.config import load_config  # noqa: E402

import dates_common  # noqa: E402
import dates_groups  # noqa: E402


def _decay() -> str:
    here = Path(sys.executable).parent / "decay"
    return str(here) if here.exists() else (shutil.which("decay") or "decay")


def _file(name: str) -> str:
    """The file name a gold page is served under (an .html or .htm name as it is, others with .html added,
    so the server sends text/html)."""
    return name if name.endswith((".html", ".htm")) else name + ".html"


def build(root: Path, dataset: Path, names: list[str]) -> dict[str, str]:
    """The copies and their index page; file name -> URL path."""
    (root / "p").mkdir(parents=True)
    paths = {}
    for name in names:
        shutil.copyfile(dataset / "html" / name, root / "p" / _file(name))
        paths[name] = "/p/" + quote(_file(name))
    links = "\n".join(f'<li><a href="{escape(p)}">{escape(n)}</a></li>' for n, p in paths.items())
    (root / "index.html").write_text(f"<!DOCTYPE html><html><head><title>Gold pages</title></head><body><main><h1>Gold pages"
                                     f"</h1><ul>{links}</ul></main></body></html>", encoding="utf-8")
    return paths


def run(dataset: Path, gold: dict[str, dict], keep: str | None = None) -> tuple[dict, dict, float, str]:
    """Crawl and analyse the gold pages: (file -> (published day, source)), (file -> evidence rows), seconds,
    the commands' stderr."""
    tmp = Path(keep or tempfile.mkdtemp(prefix="dates-crawl-"))
    root = tmp / "site"
    if root.exists():
        shutil.rmtree(root)
    paths = build(root, dataset, list(gold))
    site = LocalSite(root=root).start()
    origin = site.url
    try:
        cfg = tmp / "gold.toml"
        cfg.write_text(f"""[organisation]
name = "Gold pages"
[[sites]]
name = "gold"
start_urls = ["{site.url}/"]
max_depth = 1
max_pages = {len(gold) + 100}
check_resources = false
check_external_links = false
[crawl]
autothrottle = false
concurrency = 8
concurrency_per_host = 8
""", encoding="utf-8")
        db = tmp / "gold.db"
        if db.exists():
            db.unlink()
        env = dict(os.environ, PYTHONPATH=str(REPO))
        start = time.perf_counter()
        errors = ""
        for cmd in (["crawl"], ["analyse"]):
            r = subprocess.run([_decay(), *cmd, "--config", str(cfg), "--db", str(db)], capture_output=True, text=True,
                               env=env, timeout=1800)
            errors += r.stderr
            if r.returncode != 0 and cmd == ["analyse"]:
                # (the command's own failure, e.g. a lock, is not the dates' business: the same analysis in-process)
                print(f"decay analyse failed ({r.returncode}: {r.stderr.strip().splitlines()[-1][:200]}); "
                      f"running analysis.runner.analyse in-process instead", file=sys.stderr)
                analyse(load_config(cfg), db)
            elif r.returncode != 0:
                raise SystemExit(f"decay {cmd[0]} failed ({r.returncode}):\n{r.stderr[-3000:]}")
        seconds = time.perf_counter() - start
    finally:
        site.stop()
    by_url = {f"{origin}{p}": n for n, p in paths.items()}
    conn = sqlite3.connect(db)
    try:
        out = {n: (None, None) for n in gold}
        for url, published, source in conn.execute("SELECT url, published_at, published_source FROM page_dates"):
            n = by_url.get(url)
            if n is not None:
                out[n] = (published[:10] if published else None, source)
        evidence: dict[str, list] = {}
        for url, src, name, raw, value, accepted, reason in conn.execute(
                """SELECT p.url, e.source, e.name, e.raw, e.value, e.accepted, e.reason FROM date_evidence e
                   JOIN urls p ON p.id = e.url_id"""):
            n = by_url.get(url)
            if n is not None:
                evidence.setdefault(n, []).append((src, name, raw, value, accepted, reason))
        crawled = sum(1 for u in conn.execute("SELECT url FROM pages WHERE crawl_id = (SELECT max(id) FROM crawls)")
                      if u[0] in by_url)
    finally:
        conn.close()
    if not keep:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"crawled {crawled} of {len(gold)} gold pages from {origin} in {seconds:.1f} s "
          f"({seconds / max(1, len(gold)) * 1000:.1f} ms per page: crawl, store and analyse)")
    return out, evidence, seconds, errors


def main(dataset: Path, gold: dict[str, dict], pages: dict[str, str], args) -> int:
    crawled, evidence, seconds, _ = run(dataset, gold, keep=os.environ.get("DATES_CRAWL_KEEP"))
    now = datetime.now(timezone.utc)
    bench = {n: dates_common.content_decay(pages[n].encode("utf-8"), "", now) for n in gold}
    days = {"content-decay (crawl)": {n: v[0] for n, v in crawled.items()},
            "content-decay (eval)": {n: v[0] for n, v in bench.items()}}
    scores = {t: dates_common.score(d, gold) for t, d in days.items()}
    ms = {"content-decay (crawl)": seconds / max(1, len(gold)) * 1000, "content-decay (eval)": float("nan")}
    dates_common.print_table(scores, ms, len(gold), "crawled from one local server and analysed, against the in-process path")
    if len(gold) >= dates_groups.K * 10:
        fold_of = dates_groups.folds(gold)
        zero = {t: {n: 0.0 for n in gold} for t in days}
        rows = dates_groups.per_fold(days, zero, gold, fold_of)
        dates_groups.print_folds(rows, list(days))
    differ = [n for n in gold if crawled[n][0] != bench[n][0]]
    print(f"\nthe two paths differ on {len(differ)} pages "
          f"(crawl right: {sum(1 for n in differ if crawled[n][0] == gold[n].get('published'))}, "
          f"eval right: {sum(1 for n in differ if bench[n][0] == gold[n].get('published'))})")
    for n in differ[: args.show]:
        print(f"  {n[:44]:44s} gold {gold[n].get('published')}  crawl {crawled[n][0] or '-':10s} ({crawled[n][1] or 'nothing'})"
              f"  eval {bench[n][0] or '-':10s} ({bench[n][1] or 'nothing'})")
    if args.json:
        Path(args.json).write_text(json.dumps({n: {"gold": gold[n].get("published"), "crawl": crawled[n][0],
                                                   "crawl_source": crawled[n][1], "eval": bench[n][0],
                                                   "eval_source": bench[n][1], "evidence": evidence.get(n, [])}
                                               for n in gold}, indent=1, default=str), encoding="utf-8")
    return 0
