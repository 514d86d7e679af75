"""What does a nightly re-crawl of an unchanged site cost, next to a full crawl of it?

    python benchmarks/nightly_bench.py                 # 20,000 pages (a few minutes)
    python benchmarks/nightly_bench.py --pages 2000    # quick check
    python benchmarks/nightly_bench.py --runs 3 --json nightly.json
    python benchmarks/nightly_bench.py --changed 0.05  # 5% of the pages touched before each incremental re-crawl

In one run, against the same nginx server and the synthetic site of crawl_bench.py:

1. `decay crawl` of the site into a fresh database (the first crawl: full, every page downloaded);
2. the baseline (benchmarks/bare_revalidate.py): a bare Scrapy spider that requests the same pages with the
   same validators and does nothing else (no links, no parsing, no storage): the floor for any Scrapy program;
3. then, alternately, N times each (--runs):
   full         `decay crawl --full` (every page downloaded and parsed again);
   incremental  `decay crawl` (every page re-validated with If-None-Match / If-Modified-Since; nginx answers
                304 Not Modified for every unchanged page, and the facts are carried over).  The re-validation
                pass (crawler/revalidate.py) asks with conditional HEADs from aiohttp before Scrapy starts;
   no pass      the same with `revalidation_pass = false`: every conditional request goes through Scrapy.

With --changed F, a random share F of the pages is touched (a new modification time, so nginx gives
them a new ETag and answers 200) before each incremental re-crawl, a different share each time: what a
night with that much change costs (the pass asks every page; those pages are then downloaded too).

Both re-crawls request the same URLs (pages, and HEAD checks of resources); what differs is what comes back.
For each: wall-clock seconds (start-up and merge included), requests, pages answered 304, body bytes
received (the crawl's own count: bodies of 2xx/3xx/4xx answers; 304s and HEADs have none), and what nginx
sent in total (its access log's bytes_sent: headers included).  The targets: the incremental re-crawl at
least 5x faster than the full one, with under 5% of its body bytes.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import sys
import tempfile
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import Server, default_site_dir, ensure_site, machine_info, run_measured, tail, warm_page_cache  # noqa: E402
from crawl_bench import DECAY_CONFIG, PRODUCTION_ORIGIN, decay_executable  # noqa: E402

TARGET_SPEEDUP = 5.0
TARGET_BYTES_FRACTION = 0.05

# crawl_bench's configuration, with full crawls far apart so that the re-crawls can be incremental
CONFIG = DECAY_CONFIG.replace("crawl_bench.py", "nightly_bench.py").replace(
    "obey_robots = true\n", 'obey_robots = true\nfull_recrawl_every = "30d"\n')


def crawl_figures(db: Path, crawl_id: int) -> dict:
    with sqlite3.connect(db) as conn:
        row = conn.execute("SELECT status, mode, fetched, pages, ok, not_modified, bytes, duration_s FROM crawls WHERE id = ?",
                           [crawl_id]).fetchone()
    return dict(zip(("status", "mode", "fetched", "pages", "ok", "not_modified", "body_bytes", "crawl_s"), row))


def run_one(label: str, args: list[str], work: Path, db: Path, crawl_id: int) -> dict:
    log = work / f"{label}-{crawl_id}.log"
    m = run_measured([decay_executable(), "crawl", *args], log, cwd=work, env=os.environ | {"TERM": "dumb"})
    if m.returncode != 0:
        print(f"  {label} exited with status {m.returncode}:\n{tail(log)}")
    f = crawl_figures(db, crawl_id)
    f.update(label=label, seconds=round(m.seconds, 2), peak_tree_mb=round(m.peak_tree_mb, 1), returncode=m.returncode)
    return f


def touch_some(site_dir: Path, share: float, seed: int) -> int:
    """Give a random share of the site's pages a new modification time (same content: a new ETag)."""
    import random
    import time

    pages = sorted(p for p in site_dir.rglob("*.html") if p.name != "index.html")
    chosen = random.Random(seed).sample(pages, int(len(pages) * share))
    when = time.time() + seed   # a new second for each run, so each run's ETags are new
    for p in chosen:
        os.utime(p, (when, when))
    return len(chosen)


def median(rows: list[dict], key: str) -> float:
    vals = sorted(r[key] for r in rows)
    return vals[(len(vals) - 1) // 2]


# --------------------------------------------------------------------------- --known N: the plan of a large site
# The re-validation plan of N known pages, without crawling N pages: the pages are generated straight into a database
# (as benchmarks/graph_bench.py generates facts), then, in a fresh process per variant, the recorder of an incremental
# crawl gives its plan (streamed in batches, or one list for --baseline's code), receives a 304 for every page in plan
# order, 200 at a time as the spider sends them (only the home page is discovered: the generated pages have no links,
# so every other answer waits for a discovery that never comes: the worst case), and ends the crawl unmerged.
KNOWN_SITE = "bench"
KNOWN_CONFIG = """\
[organisation]
name = "Benchmark"

[[sites]]
name = "bench"
start_urls = ["{origin}/index.html"]
aliases = {{ "{origin}" = "http://127.0.0.1:9" }}

[crawl]
full_recrawl_every = "30d"

[output]
database = {db}
"""


def generate_known(db: Path, n: int) -> None:
    from foundation import __version__
    from foundation.schema import TABLES_BY_NAME, insert_sql, open_db
    from foundation.urls import url_id

    now = datetime.now().astimezone().isoformat(timespec="seconds")
    conn = open_db(db).conn
    conn.execute("INSERT INTO crawls (id, started_at, finished_at, status, sites, version) VALUES (1, ?, ?, 'complete', ?, ?)",
                 [now, now, json.dumps([KNOWN_SITE]), __version__])
    conn.execute("INSERT INTO crawl_sites (crawl_id, site, status, start_urls, truncated, mode) VALUES "
                 "(1, ?, 'complete', '[]', 0, 'full')", [KNOWN_SITE])
    cols = TABLES_BY_NAME["pages"].column_names
    sql = insert_sql("pages")
    with conn:
        for start in range(0, n, 50_000):
            rows = []
            for i in range(start, min(n, start + 50_000)):
                url = PRODUCTION_ORIGIN + ("/index.html" if i == 0 else f"/section-{i % 40}/page-{i}.html")
                r = dict.fromkeys(cols)
                r.update(url_id=url_id(url), url=url, site=KNOWN_SITE, kind="page", outcome="ok", status=200, is_html=1,
                         method="GET", crawl_id=1, first_crawl_id=1, facts_crawl_id=1, not_modified=0, fetched_at=now,
                         depth=min(i, 1 + i.bit_length()), etag=f'"{i:08x}-4e2{i % 97:02x}"',
                         last_modified="Mon, 23 Nov 2026 02:00:00 GMT")
                rows.append(tuple(r.values()))
            conn.executemany(sql, rows)
    conn.close()


def child_plan(db: Path, config: Path) -> dict:
    """One variant's plan of the known pages, in this (fresh) process: seconds and peak memory."""
    import pickle
    import time

    from crawler.record.router import Router
    from foundation.config import load_config

    started = time.perf_counter()
    rec = Router(load_config(config), db)
    streamed = "revalidation_batch" in getattr(rec, "routes", {})
    batch = rec.handle("revalidation_plan")
    rec.handle("start")
    message_max = planned = 0
    headers = {"server": "nginx/1.22.1", "date": "Mon, 23 Nov 2026 02:00:00 GMT", "connection": "keep-alive"}
    while batch:
        message_max = max(message_max, len(pickle.dumps(batch, protocol=5)))   # what goes over the socket to Scrapy
        planned += len(batch)
        for k in range(0, len(batch), 200):
            rec.handle("revalidated", [(c.url_id, ("2026-11-24T02:00:00+00:00", 1.0, dict(headers, etag=c.etag)))
                                       for c in batch[k:k + 200]])
        batch = rec.handle("revalidation_batch") if streamed else []
    rec.handle("revalidation_done", {"hosts": []})
    carry = rec.carry
    waiting = len(carry.answers) + getattr(carry, "spilled", 0)
    rec.handle("finish", "interrupted", "benchmark: the plan only")
    status = Path("/proc/self/status").read_text()
    hwm = int(status.split("VmHWM:")[1].split()[0])
    return {"seconds": round(time.perf_counter() - started, 1), "peak_mb": round(hwm / 1024, 1), "planned": planned,
            "largest_message_mb": round(message_max / 1e6, 1), "waiting_answers": waiting, "streamed": streamed}


def known_bench(n: int, baseline: Path | None, runs: int) -> int:
    import subprocess

    work = Path(tempfile.mkdtemp(prefix="decay-known-bench-"))
    db = work / "decay.db"
    print(f"generating {n:,} known pages into {db} ...", flush=True)
    generate_known(db, n)
    config = work / "bench.toml"
    config.write_text(KNOWN_CONFIG.format(origin=PRODUCTION_ORIGIN, db=json.dumps(str(db))))
    variants = [("decay", None)] + ([("baseline", baseline.resolve())] if baseline else [])
    results: dict[str, list[dict]] = {name: [] for name, _ in variants}
    try:
        for run in range(1, runs + 1):
            for name, tree in variants:
                env = os.environ.copy()
                if tree is not None:
                    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(tree), env.get("PYTHONPATH")]))
                out = subprocess.run([sys.executable, __file__, "--child-plan", str(db), str(config)], env=env,
                                     cwd=str(tree or Path(__file__).resolve().parent.parent), capture_output=True, text=True)
                if out.returncode != 0:
                    print(out.stderr[-3000:])
                    return 1
                r = json.loads(out.stdout.strip().splitlines()[-1])
                results[name].append(r)
                print(f"run {run}/{runs}: {name:<9} {json.dumps(r)}", flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"\nre-validation plan of {n:,} known pages (store process: plan, a 304 for every page, nothing discovered)")
    print(f"{'code':<10} {'seconds':>8} {'peak MB':>8} {'largest message MB':>19} {'answers waiting':>16}")
    for name, rows in results.items():
        print(f"{name:<10} {median(rows, 'seconds'):>8.1f} {median(rows, 'peak_mb'):>8.0f} "
              f"{median(rows, 'largest_message_mb'):>19.1f} {median(rows, 'waiting_answers'):>16,}")
    return 0


def main(argv: list[str] | None = None) -> int:
    if argv is None and len(sys.argv) == 4 and sys.argv[1] == "--child-plan":
        print(json.dumps(child_plan(Path(sys.argv[2]), Path(sys.argv[3]))))
        return 0
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pages", type=int, default=20_000)
    ap.add_argument("--known", type=int, default=0,
                    help="instead: the re-validation plan of this many known pages, generated into a database (no crawl)")
    ap.add_argument("--baseline", type=Path, default=None, help="with --known: also run another checkout's code (a worktree)")
    ap.add_argument("--runs", type=int, default=1, help="re-crawls of each kind, alternating; the table shows medians")
    ap.add_argument("--site-dir", type=Path, default=None)
    ap.add_argument("--json", type=Path, default=None)
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--changed", type=float, default=0.0, help="share of the pages touched before each incremental re-crawl")
    args = ap.parse_args(argv)
    if args.known:
        return known_bench(args.known, args.baseline, args.runs)
    site_dir = args.site_dir or default_site_dir(args.pages)
    print(f"site: {site_dir} ...", end="", flush=True)
    ensure_site(args.pages, site_dir)
    print(f" {warm_page_cache(site_dir) / 1e6:,.0f} MB")
    work = Path(tempfile.mkdtemp(prefix="decay-nightly-bench-"))
    results: list[dict] = []
    bare_runs: list[dict] = []
    try:
        with Server(site_dir, work) as server:
            db = work / "decay.db"
            cfg = work / "bench.toml"
            cfg.write_text(CONFIG.format(origin=PRODUCTION_ORIGIN, server=server.url, db=json.dumps(str(db)),
                                         max_pages=2 * args.pages + 1000))
            base = ["--config", str(cfg), "--db", str(db)]
            cfg_no_pass = work / "bench-no-pass.toml"
            cfg_no_pass.write_text(cfg.read_text().replace("[crawl]\n", "[crawl]\nrevalidation_pass = false\n"))
            crawl_id = 1
            print("first crawl (baseline) ...", end="", flush=True)
            first = run_one("first", base, work, db, crawl_id)
            print(f" {first['pages']:,} pages in {first['seconds']:.1f} s")
            urls_file = work / "revalidate.tsv"
            with sqlite3.connect(db) as conn:   # what the incremental crawl re-validates, as requested (crawled origin)
                rows = conn.execute("SELECT requested_url, coalesce(etag, ''), coalesce(last_modified, '') FROM pages "
                                    "WHERE kind = 'page' AND outcome = 'ok' AND is_html = 1").fetchall()
            urls_file.write_text("".join("\t".join(r) + "\n" for r in rows), encoding="utf-8")
            for run in range(1, args.runs + 1):
                print(f"run {run}/{args.runs}: bare Scrapy re-validation ...", end="", flush=True)
                log = work / f"bare-{run}.log"
                m = run_measured([sys.executable, str(Path(__file__).parent / "bare_revalidate.py"), str(urls_file)], log, cwd=work)
                out = [ln for ln in log.read_text().splitlines() if ln.startswith("{")]
                statuses = json.loads(out[-1])["statuses"] if out else {}
                bare_runs.append({"label": "bare", "seconds": round(m.seconds, 2), "fetched": sum(statuses.values()),
                                  "not_modified": statuses.get("304", 0), "body_bytes": 0, "peak_tree_mb": round(m.peak_tree_mb, 1)})
                print(f" {m.seconds:.1f} s, {sum(statuses.values()):,} requests, {statuses.get('304', 0):,} x 304")
                no_pass = ["--config", str(cfg_no_pass), "--db", str(db)]
                for label, argv in (("full", base + ["--full"]), ("incremental", base), ("no pass", no_pass)):
                    crawl_id += 1
                    if args.changed and label != "full":
                        touched = touch_some(site_dir, args.changed, seed=crawl_id)
                        print(f"run {run}/{args.runs}: {touched:,} pages touched", flush=True)
                    os.sync()
                    print(f"run {run}/{args.runs}: {label} re-crawl ...", end="", flush=True)
                    r = run_one(label.replace(" ", "-"), argv, work, db, crawl_id)
                    r["label"] = label
                    r["run"] = run
                    print(f" {r['seconds']:.1f} s, {r['fetched']:,} requests, {r['not_modified']:,} x 304, "
                          f"{r['body_bytes'] / 1e6:,.1f} MB of bodies")
                    results.append(r)
            server_kind = server.kind
    finally:
        if args.keep:
            print(f"working files kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    full = [r for r in results if r["label"] == "full"]
    inc = [r for r in results if r["label"] == "incremental"]
    nopass = [r for r in results if r["label"] == "no pass"]
    fs, is_ = median(full, "seconds"), median(inc, "seconds")
    fb, ib = median(full, "body_bytes"), median(inc, "body_bytes")
    speedup = fs / is_ if is_ else 0.0
    fraction = ib / fb if fb else 0.0
    mach = machine_info()
    lines = [
        f"content-decay nightly re-crawl benchmark, {datetime.now().astimezone():%Y-%m-%d %H:%M %Z}",
        f"machine: {mach['cpu']}, {mach['nproc']} cores; Python {mach['python']} ({mach['python_executable']}); "
        f"server: {server_kind}; site: {args.pages:,} pages, "
        + (f"{args.changed:.0%} touched before each incremental re-crawl" if args.changed else "unchanged"),
        "",
        f"{'re-crawl':<12} {'seconds':>8} {'requests':>9} {'304s':>7} {'body MB':>9} {'peak MB':>8}",
    ]
    for label, rows in (("full", full), ("incremental", inc), ("no pass", nopass), ("bare Scrapy", bare_runs)):
        lines.append(f"{label:<12} {median(rows, 'seconds'):>8.1f} {median(rows, 'fetched'):>9,} "
                     f"{median(rows, 'not_modified'):>7,} {median(rows, 'body_bytes') / 1e6:>9.1f} {median(rows, 'peak_tree_mb'):>8.0f}")
    lines += [
        "",
        ("(the targets are for an unchanged site) " if args.changed else "") +
        f"incremental vs full: {speedup:.1f}x faster (target >= {TARGET_SPEEDUP:g}x: {'met' if speedup >= TARGET_SPEEDUP else 'NOT MET'}), "
        f"{fraction:.2%} of the body bytes (target < {TARGET_BYTES_FRACTION:.0%}: {'met' if fraction < TARGET_BYTES_FRACTION else 'NOT MET'})",
        f"without the re-validation pass (every conditional request through Scrapy): {median(nopass, 'seconds'):.1f} s, "
        f"{fs / median(nopass, 'seconds'):.1f}x faster than the full re-crawl",
        f"bare Scrapy re-validating the same pages (no links, no parsing, no storage): {median(bare_runs, 'seconds'):.1f} s; "
        f"the incremental crawl takes {is_ / median(bare_runs, 'seconds'):.2f}x its time, "
        f"and even it would be {fs / median(bare_runs, 'seconds'):.1f}x faster than the full re-crawl",
    ]
    print("\n" + "\n".join(lines))
    if args.json:
        args.json.write_text(json.dumps({"first": first, "runs": results, "bare": bare_runs, "speedup": speedup, "bytes_fraction": fraction,
                                         "machine": mach}, indent=2) + "\n")
    return 0 if all(r["returncode"] == 0 for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
