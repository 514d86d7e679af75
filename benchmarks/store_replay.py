"""How much CPU does the crawl's store process spend per page?  One crawl's messages, replayed without Scrapy.

    python benchmarks/store_replay.py --pages 5000                         # this checkout alone
    python benchmarks/store_replay.py --pages 5000 --baseline DIR --rounds 3
    python benchmarks/store_replay.py --pages 5000 --profile samples.txt   # py-spy's raw samples of one replay

The store process (`python -m crawler.worker`) is what limits `decay crawl` on two cores (crawl_bench.py prints
each process's CPU): its work per page is what to cut.  Measured inside a real crawl, that work shares the
machine with Scrapy's process and the web server, so a cut of a few percent is lost in the noise.  Here:

1. The synthetic site (crawl_bench.py's) is crawled once with `DECAY_RECORD_MESSAGES`, which makes the store
   process append every message the spider sends it to a file (crawler/worker.py).  Kept in
   /tmp/decay-store-replay-PAGES and reused.
2. Each variant (this checkout; with --baseline, another checkout such as a git worktree of an older commit)
   replays that file in a fresh process, with its tree first on the Python path: each message unpickled,
   handled by the recorder (crawler/record/router.py) into a fresh database, its answer pickled, as the store
   process does, the final merge (``finish``) included.  Nothing else runs in that process.
3. Reported per variant (the median of --rounds, taken in turns): CPU seconds of the pages (every message
   before ``finish``) and of the merge, ms of CPU per page, wall seconds, peak memory; then whether both
   databases hold the same facts (crawl_facts_diff.py).

The CPU time of one process replaying the same messages varies much less than a crawl's pages/s; on a busy
machine it still varies, so alternate rounds and compare medians.
"""
from __future__ import annotations

import argparse
import json
import os
import pickle
import resource
import shutil
import sqlite3
import statistics
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
sys.path.insert(0, str(BENCH_DIR))
from _common import remove_db  # noqa: E402
_LEN = struct.Struct("!I")


def record(pages: int, folder: Path) -> Path:
    """The messages of one crawl of the synthetic site, recorded once into ``folder``."""
    from _common import Server, default_site_dir, ensure_site, warm_page_cache
    from crawl_bench import decay_command

    messages = folder / "messages.bin"
    if messages.exists() and (folder / "done").exists():
        return messages
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    site = default_site_dir(pages)
    ensure_site(pages, site)
    warm_page_cache(site)
    print(f"recording a crawl of {pages:,} pages into {messages} ...", flush=True)
    with Server(site, folder) as server:
        cmd = decay_command(server.url, folder, pages)
        env = {**os.environ, "DECAY_RECORD_MESSAGES": str(messages)}
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"the recorded crawl failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    remove_db(folder / "decay.db")
    (folder / "done").write_text("")
    print(f"recorded: {messages.stat().st_size / 1e6:,.0f} MB", flush=True)
    return messages


# --------------------------------------------------------------------------- the measured replay (in a child)
def child(messages: Path, db: Path) -> dict:
    from crawler.record.router import Router

    remove_db(db)
    recorder = None
    errors: list[str] = []
    counts: dict[str, int] = {}
    wall, cpu = time.perf_counter(), time.process_time()
    pages_cpu = None   # the CPU until ``finish`` (a recording of an interrupted crawl may have none)
    with open(messages, "rb") as f:
        while len(hdr := f.read(4)) == 4:
            rid, method, args = pickle.loads(f.read(_LEN.unpack(hdr)[0]))
            counts[method] = counts.get(method, 0) + 1
            if method == "init":
                config, _db, _pid, sites, full = args
                recorder = Router(config, db, os.getpid(), sites, full)
                continue
            if method == "finish":
                pages_cpu = time.process_time() - cpu
            try:
                result = recorder.handle(method, *args)
            except Exception as e:   # noqa: BLE001 - counted and shown; the replay goes on as the store process does
                errors.append(f"{method}: {type(e).__name__}: {e}"[:300])
                continue
            pickle.dumps((rid, True, result), protocol=5)
    total = time.process_time() - cpu
    if pages_cpu is None:
        pages_cpu = total
    with sqlite3.connect(db) as conn:
        fetched = conn.execute("SELECT count(*) FROM pages WHERE is_html = 1 AND status = 200").fetchone()[0]
    return {"pages": fetched, "messages": counts, "errors": errors[:5], "n_errors": len(errors),
            "pages_cpu_s": pages_cpu, "finish_cpu_s": total - pages_cpu, "cpu_s": total,
            "wall_s": time.perf_counter() - wall, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def run_child(tree: Path, messages: Path, db: Path, profile: Path | None = None) -> dict:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    cmd = [sys.executable, __file__, "--child", "--messages", str(messages), "--db", str(db)]
    if profile is not None:
        spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
        if not Path(spy).exists():
            raise SystemExit("--profile needs py-spy: pip install py-spy (into this environment)")
        cmd = [spy, "record", "--format", "raw", "-r", "200", "-o", str(profile), "--", *cmd]
    proc = subprocess.run(cmd, cwd=tree, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"the replay in {tree} failed:\n{proc.stderr[-4000:]}")
    return json.loads(next(line for line in reversed(proc.stdout.splitlines()) if line.startswith("{")))


def same_facts(a: Path, b: Path) -> str:
    proc = subprocess.run([sys.executable, str(BENCH_DIR / "crawl_facts_diff.py"), str(a), str(b)],
                          capture_output=True, text=True)
    return "the same facts (crawl_facts_diff.py)" if proc.returncode == 0 else "DIFFERENT facts:\n" + proc.stdout[-3000:]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pages", type=int, default=5000, help="pages of the synthetic site (default 5,000)")
    ap.add_argument("--rounds", type=int, default=3, help="replays per variant, taken in turns (default 3)")
    ap.add_argument("--baseline", type=Path, help="another checkout of content-decay, replayed side by side")
    ap.add_argument("--profile", type=Path, help="one replay of this checkout under py-spy: its raw samples to FILE")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--messages", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(child(args.messages, args.db)))
        return
    messages = record(args.pages, Path(tempfile.gettempdir()) / f"decay-store-replay-{args.pages}")
    work = Path(tempfile.mkdtemp(prefix="decay-store-replay-"))
    try:
        if args.profile:
            res = run_child(REPO, messages, work / "profiled.db", args.profile)
            print(f"profiled replay: {res['cpu_s']:.1f} s of CPU (under py-spy); samples in {args.profile}")
            return
        variants = [("new", REPO)] + ([("baseline", args.baseline.resolve())] if args.baseline else [])
        results: dict[str, list[dict]] = {name: [] for name, _ in variants}
        for r in range(args.rounds):
            for name, tree in (variants if r % 2 == 0 else variants[::-1]):
                res = run_child(tree, messages, work / f"{name}.db")
                results[name].append(res)
                print(f"round {r + 1} {name}: {res['pages']:,} pages, CPU {res['pages_cpu_s']:.2f} s + merge "
                      f"{res['finish_cpu_s']:.2f} s, {res['n_errors']} errors", flush=True)
        print(f"\n{'variant':<10} {'pages':>7} {'pages CPU s':>12} {'merge CPU s':>12} {'ms/page':>8} {'wall s':>7} {'peak MB':>8}")
        medians = {}
        for name, runs in results.items():
            m = {k: statistics.median(x[k] for x in runs) for k in ("pages_cpu_s", "finish_cpu_s", "cpu_s", "wall_s", "peak_mb")}
            medians[name] = m
            pages = runs[0]["pages"]
            print(f"{name:<10} {pages:>7,} {m['pages_cpu_s']:>12.2f} {m['finish_cpu_s']:>12.2f} "
                  f"{1000 * m['cpu_s'] / max(pages, 1):>8.3f} {m['wall_s']:>7.1f} {m['peak_mb']:>8.0f}")
            if runs[0]["n_errors"]:
                print(f"  {name}: {runs[0]['n_errors']} messages failed, e.g. {runs[0]['errors'][0]}")
        if args.baseline:
            print(f"\nnew / baseline CPU: {medians['new']['cpu_s'] / medians['baseline']['cpu_s']:.3f} "
                  f"(pages {medians['new']['pages_cpu_s'] / medians['baseline']['pages_cpu_s']:.3f}, "
                  f"merge {medians['new']['finish_cpu_s'] / medians['baseline']['finish_cpu_s']:.3f})")
            print(same_facts(work / "baseline.db", work / "new.db"))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
