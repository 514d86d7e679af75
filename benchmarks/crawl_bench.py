"""How fast does content-decay crawl, and how much memory does it use, next to baselines run the same way?

    python benchmarks/crawl_bench.py                  # 20,000 pages: ~6 minutes, 4 of them the bare CrawlSpider
    python benchmarks/crawl_bench.py --pages 2000     # quick check while developing: under a minute
    python benchmarks/crawl_bench.py --only decay,wget --runs 3 --json results.json

What it does:

1. Generates the synthetic site (benchmarks/synthetic_site.py: ~20 KB pages with
   30-80 links each, every page reachable from /index.html) into a cache
   directory, reused while it holds the same number of pages and seed, and reads
   every file once so that no crawler pays for disk reads the others do not
   (likewise, dirty files are written out before each tool starts).
2. Serves it with nginx on 127.0.0.1 (one worker, no access log; nginx answers
   tens of thousands of such requests per second, so the server is never the
   limit).  Without nginx it falls back to Python's http.server and says so: the
   figures then measure that server, and are not comparable.
3. Crawls it with each tool in turn, each in its own subprocess, against the same server:

   decay   `decay crawl` with 64 requests in flight, no autothrottle, robots.txt
           obeyed: the real thing, recording every page, link and resource
           into SQLite (it also HEAD-checks the site's images, scripts and CSS).
   bare    benchmarks/bare_crawlspider.py: a Scrapy CrawlSpider that follows
           links and does nothing else (64 requests in flight, robots.txt obeyed):
           what the same framework costs with none of content-decay's work.
   wget    `wget --spider -r`: a C crawler that follows links; it fetches HTML
           pages (and CSS) and HEAD-checks other files, and stores nothing.

How to read it:

- pages: HTML pages fetched with status 200 (robots.txt and other files not
  counted); each tool should find every page of the site.
- seconds: wall-clock time from starting the command to its end, start-up
  (imports, opening the database, merging the crawl's results) included.
- pages/s: pages / seconds.
- peak MB: the highest total resident memory (VmRSS) of the command's whole
  process tree (content-decay runs a second process, `python -m
  crawler.worker`, that parses pages and writes the database), sampled every
  0.1 s from /proc.  RSS counts shared libraries in every process that maps
  them, so a tree's total slightly overstates what it really takes.  The peak of each process is
  the kernel's own high-water mark (VmHWM), exact between samples too.
- CPU per process: user + system seconds of each process (/proc/PID/stat at
  the last sample), and per page: the process near the wall-clock time limits.

The ratios at the end are the project's targets: content-decay at least 5x the
pages/s of the bare CrawlSpider, at least half the pages/s of wget, and under
300 MB at 20,000 pages.  The crawlers share the machine's cores with nginx and
with the sampler (a few % of one core); on a two-core machine the figures
depend on that, so compare tools within one run, not across machines.  Runs
vary by 10-30% (more at 2,000 pages, where start-up weighs more): use --runs 3
before reading much into a small difference.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sqlite3
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Callable

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (  # noqa: E402
    SITE_SEED, Server, default_site_dir, ensure_site, machine_info, run_measured, tail,
    warm_page_cache,
)

BENCH_DIR = Path(__file__).resolve().parent
PRODUCTION_ORIGIN = "https://www.example.org"   # what the synthetic site's canonical links name
TARGET_SPEEDUP_OVER_BARE = 5.0
TARGET_FRACTION_OF_WGET = 0.5
TARGET_PEAK_MB = 300
TARGET_PEAK_PAGES = 20_000


# --------------------------------------------------------------------------- the tools
DECAY_CONFIG = """\
# Written by benchmarks/crawl_bench.py
[organisation]
name = "Benchmark"

[[sites]]
name = "bench"
start_urls = ["{origin}/index.html"]
aliases = {{ "{origin}" = "{server}" }}
max_pages = {max_pages}

[crawl]
concurrency = 64
concurrency_per_host = 64
autothrottle = false
obey_robots = true

[output]
database = {db}
"""


def decay_command(server_url: str, run_dir: Path, n_pages: int) -> list[str]:
    config = run_dir / "bench.toml"
    config.write_text(DECAY_CONFIG.format(origin=PRODUCTION_ORIGIN, server=server_url, db=json.dumps(str(run_dir / "decay.db")),
                                          max_pages=2 * n_pages + 1000))  # never the limit
    return [decay_executable(), "crawl", "--config", str(config), "--db", str(run_dir / "decay.db")]


def decay_executable() -> str:
    """The `decay` installed next to this Python (the venv's), else the one on PATH."""
    beside = Path(sys.executable).parent / "decay"
    found = str(beside) if beside.exists() else shutil.which("decay")
    if not found:
        raise SystemExit("cannot find the `decay` command: run this script with the Python of the "
                         "environment content-decay is installed in")
    return found


def decay_pages(run_dir: Path, log: Path) -> int:
    with sqlite3.connect(run_dir / "decay.db") as db:
        return db.execute("SELECT count(*) FROM pages WHERE is_html = 1 AND status = 200").fetchone()[0]


# --baseline DIR: the same crawl by another checkout of content-decay (a git worktree of an older commit), run
# with that tree first on the Python path (the store process it spawns inherits it): today's code side by side
BASELINE: dict[str, Path] = {}


def base_command(server_url: str, run_dir: Path, n_pages: int) -> list[str]:
    cmd = decay_command(server_url, run_dir, n_pages)
    return [sys.executable, "-c", "import sys; from decay.cli import main; sys.argv[0] = 'decay'; sys.exit(main())", *cmd[1:]]


def bare_command(server_url: str, run_dir: Path, n_pages: int) -> list[str]:
    return [sys.executable, str(BENCH_DIR / "bare_crawlspider.py"), f"{server_url}/index.html"]


def bare_pages(run_dir: Path, log: Path) -> int:
    """From Scrapy's final stats dump: 200 answers, less robots.txt's (its LinkExtractor follows pages only).

    One more than the site's pages: the start request bypasses the duplicate
    filter, so /index.html is fetched again when a page links to it.
    """
    text = log.read_text(errors="replace")
    return scrapy_stat(text, "downloader/response_status_count/200") - scrapy_stat(text, "robotstxt/response_status_count/200")


def scrapy_stat(log_text: str, name: str) -> int:
    found = re.findall(rf"'{re.escape(name)}': (\d+)", log_text)
    return int(found[-1]) if found else 0


def wget_command(server_url: str, run_dir: Path, n_pages: int) -> list[str]:
    return ["wget", "--spider", "-r", "-l", "inf", "-nd", "-e", "robots=on", "--no-verbose",
            "-o", str(run_dir / "wget.log"), f"{server_url}/index.html"]


# In --spider mode wget GETs HTML pages ('URL:http://.../a.html [17770/17770] -> "a.html.tmp.tmp" [1]')
# and HEADs other files ('URL: http://.../logo.png 200 OK').
WGET_HTML_FETCH = re.compile(r" URL: ?(\S+\.html) (?:\[\d+(?:/\d+)?\]|200 OK)")


def wget_pages(run_dir: Path, log: Path) -> int:
    return len(set(WGET_HTML_FETCH.findall((run_dir / "wget.log").read_text(errors="replace"))))


@dataclass(frozen=True)
class Tool:
    name: str                                          # as given to --only
    label: str                                         # in the table
    command: Callable[[str, Path, int], list[str]]     # (server URL, run directory, pages) -> argv
    count_pages: Callable[[Path, Path], int]           # (run directory, output log) -> HTML pages fetched


TOOLS = [
    Tool("decay", "content-decay", decay_command, decay_pages),
    Tool("base", "decay --baseline", base_command, decay_pages),
    Tool("bare", "bare CrawlSpider", bare_command, bare_pages),
    Tool("wget", "wget --spider -r", wget_command, wget_pages),
]


# --------------------------------------------------------------------------- running
@dataclass
class Result:
    tool: str
    run: int
    returncode: int
    pages: int
    seconds: float
    peak_tree_mb: float
    processes: list[dict]      # {"pid", "command", "peak_mb", "cpu_s"}, largest peak first

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    @property
    def pages_per_s(self) -> float:
        return self.pages / self.seconds if self.seconds else 0.0

    def as_dict(self) -> dict:
        return asdict(self) | {"pages_per_s": round(self.pages_per_s, 1)}


def run_tool(tool: Tool, run: int, server_url: str, work_dir: Path, n_pages: int) -> Result:
    run_dir = work_dir / f"{tool.name}-{run}"
    run_dir.mkdir()
    log = run_dir / "output.log"
    # A dumb terminal, and output into a file: no live display, as under cron.
    env = os.environ | {"TERM": "dumb"}
    if tool.name == "base":
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(BASELINE["dir"]), env.get("PYTHONPATH")]))
    m = run_measured(tool.command(server_url, run_dir, n_pages), log, cwd=run_dir, env=env)
    if m.returncode != 0:
        print(f"  {tool.label} exited with status {m.returncode}; the end of its output ({log}):\n{tail(log)}")
    try:
        pages = tool.count_pages(run_dir, log)
    except (OSError, sqlite3.Error) as e:
        print(f"  cannot count {tool.label}'s pages: {e}")
        pages = 0
    processes = [{"pid": p.pid, "command": p.command, "peak_mb": round(p.peak_kib / 1024, 1),
                  "cpu_s": round(p.cpu_s, 2)} for p in m.processes]
    return Result(tool.name, run, m.returncode, pages, round(m.seconds, 2), round(m.peak_tree_mb, 1), processes)


def run_all(tools: list[Tool], runs: int, server_url: str, work_dir: Path, n_pages: int) -> list[Result]:
    """Each tool once per round, rounds one after the other, so a drift of the machine hits every tool alike."""
    results = []
    for run in range(1, runs + 1):
        for tool in tools:
            print(f"run {run}/{runs}: {tool.label} ...", end="", flush=True)
            os.sync()  # so that no tool pays for writing out the files of the one before (or the new site)
            r = run_tool(tool, run, server_url, work_dir, n_pages)
            print(f" {r.pages:,} pages in {r.seconds:,.1f} s ({r.pages_per_s:,.0f} pages/s), peak {r.peak_tree_mb:,.0f} MB")
            results.append(r)
    return results


def typical(results: list[Result], tool: str) -> Result | None:
    """The median run of a tool by pages/s (the lower middle one for an even number of runs)."""
    runs = sorted((r for r in results if r.tool == tool), key=lambda r: r.pages_per_s)
    return runs[(len(runs) - 1) // 2] if runs else None


# --------------------------------------------------------------------------- reporting
def header_lines(machine: dict, server: Server, n_pages: int, site_dir: Path, site_note: str) -> list[str]:
    return [
        f"content-decay crawl benchmark, {datetime.now().astimezone():%Y-%m-%d %H:%M %Z}",
        f"machine: {machine['cpu']}, {machine['nproc']} cores, {machine['memory_gb']} GB; {machine['os']}",
        f"software: Python {machine['python']} ({machine['python_executable']}), Scrapy {machine['scrapy']}, "
        f"wget {machine['wget']}",
        f"server: {server.kind} on {server.url}" + ("" if server.comparable else "  (NOT comparable: see the warning above)"),
        f"site: {n_pages:,} pages (seed {SITE_SEED}) in {site_dir}, {site_note}",
    ]


def table_lines(summary: dict[str, Result], n_pages: int) -> list[str]:
    labels = {t.name: t.label for t in TOOLS}
    lines = [f"{'tool':<18} {'pages':>8} {'seconds':>9} {'pages/s':>9} {'peak MB':>9}"]
    for name, r in summary.items():
        status = "" if r.ok else f"  FAILED (exit {r.returncode})"
        lines.append(f"{labels[name]:<18} {r.pages:>8,} {r.seconds:>9,.1f} {r.pages_per_s:>9,.0f} {r.peak_tree_mb:>9,.0f}{status}")
    for name, r in summary.items():
        if len(r.processes) > 1:
            each = ", ".join(f"{p['command']} {p['peak_mb']:,.0f} MB" for p in r.processes)
            lines.append(f"  {labels[name]} peak per process: {each}")
            per_page = r.pages or 1
            each = ", ".join(f"{p['command']} {p['cpu_s']:,.1f} s ({p['cpu_s'] / per_page * 1000:.2f} ms/page)"
                             for p in r.processes)
            lines.append(f"  {labels[name]} CPU per process: {each}")
    for name, r in summary.items():
        if r.pages != n_pages:
            lines.append(f"  note: {labels[name]} fetched {r.pages:,} pages of the site's {n_pages:,} ({r.pages - n_pages:+,})")
    return lines


def targets(summary: dict[str, Result], n_pages: int) -> list[dict]:
    """The project's targets, for the tools that were run."""
    decay, bare, wget = (summary.get(name) for name in ("decay", "bare", "wget"))
    out = []
    if decay and bare and bare.pages_per_s:
        speedup = decay.pages_per_s / bare.pages_per_s
        out.append({"name": "decay pages/s / bare CrawlSpider pages/s", "value": round(speedup, 2),
                    "shown": f"{speedup:.2f}x", "target": f">= {TARGET_SPEEDUP_OVER_BARE:g}x",
                    "met": speedup >= TARGET_SPEEDUP_OVER_BARE})
    if decay and wget and wget.pages_per_s:
        fraction = decay.pages_per_s / wget.pages_per_s
        out.append({"name": "decay pages/s / wget pages/s", "value": round(fraction, 2),
                    "shown": f"{fraction:.2f}", "target": f">= {TARGET_FRACTION_OF_WGET:g}",
                    "met": fraction >= TARGET_FRACTION_OF_WGET})
    if decay:
        note = "" if n_pages == TARGET_PEAK_PAGES else f" (stated at {TARGET_PEAK_PAGES:,} pages)"
        out.append({"name": "decay peak memory", "value": decay.peak_tree_mb,
                    "shown": f"{decay.peak_tree_mb:,.0f} MB", "target": f"< {TARGET_PEAK_MB} MB{note}",
                    "met": decay.peak_tree_mb < TARGET_PEAK_MB})
    return out


def target_lines(items: list[dict]) -> list[str]:
    return [f"{i['name']:<42} {i['shown']:>8}   target {i['target']:<32} {'met' if i['met'] else 'NOT MET'}"
            for i in items]


# --------------------------------------------------------------------------- main
def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pages", type=int, default=20_000, help="pages in the synthetic site (default 20000)")
    ap.add_argument("--site-dir", type=Path, default=None,
                    help="where to generate (or find) the site (default /tmp/decay-bench-site-PAGES)")
    ap.add_argument("--runs", type=int, default=1, help="runs of each tool; the table shows the median run (default 1)")
    ap.add_argument("--only", default=",".join(t.name for t in TOOLS if t.name != "base"),
                    help="comma-separated tools to run, among: " + ", ".join(t.name for t in TOOLS))
    ap.add_argument("--json", type=Path, default=None, help="also write every figure to this JSON file")
    ap.add_argument("--keep", action="store_true", help="keep the working directory (databases, logs) and print where")
    ap.add_argument("--baseline", type=Path, default=None,
                    help="another checkout of content-decay (e.g. `git worktree add /tmp/base COMMIT`): adds the tool "
                         "'base', the same crawl by that code, alternating with 'decay' in every round")
    args = ap.parse_args(argv)
    names = [n.strip() for n in args.only.split(",") if n.strip()]
    if args.baseline is not None:
        BASELINE["dir"] = args.baseline.resolve()
        if "base" not in names:
            names.insert(names.index("decay") + 1 if "decay" in names else 0, "base")
    elif "base" in names:
        ap.error("--only base needs --baseline DIR")
    unknown = set(names) - {t.name for t in TOOLS}
    if unknown or not names:
        ap.error(f"--only: unknown tool(s) {', '.join(sorted(unknown)) or '(none given)'}; choose among "
                 + ", ".join(t.name for t in TOOLS))
    if "wget" in names and not shutil.which("wget"):
        ap.error("wget is not installed: install it, or leave it out (--only decay,bare)")
    if args.pages < 1 or args.runs < 1:
        ap.error("--pages and --runs must be at least 1")
    args.tools = [t for t in TOOLS if t.name in names]
    args.site_dir = args.site_dir or default_site_dir(args.pages)
    return args


def prepare_site(n_pages: int, site_dir: Path) -> str:
    started = time.perf_counter()
    print(f"site: {site_dir} ...", end="", flush=True)
    generated = ensure_site(n_pages, site_dir)
    size = warm_page_cache(site_dir)
    note = f"generated in {time.perf_counter() - started:,.0f} s" if generated else "reused"
    note += f", {size / 1e6:,.0f} MB"
    print(f" {note}")
    return note


def benchmark(args: argparse.Namespace, work_dir: Path) -> dict:
    site_note = prepare_site(args.pages, args.site_dir)
    machine = machine_info()
    with Server(args.site_dir, work_dir) as server:
        results = run_all(args.tools, args.runs, server.url, work_dir, args.pages)
        header = header_lines(machine, server, args.pages, args.site_dir, site_note)
    summary = {t.name: typical(results, t.name) for t in args.tools}
    goals = targets(summary, args.pages)
    print("\n" + "\n".join(header + [""] + table_lines(summary, args.pages) + [""] + target_lines(goals)))
    return {
        "date": datetime.now().astimezone().isoformat(timespec="seconds"),
        "machine": machine,
        "server": {"kind": server.kind, "comparable": server.comparable},
        "site": {"pages": args.pages, "seed": SITE_SEED, "dir": str(args.site_dir)},
        "runs": [r.as_dict() for r in results],
        "summary": {name: r.as_dict() for name, r in summary.items()},
        "targets": goals,
    }


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    work_dir = Path(tempfile.mkdtemp(prefix="decay-bench-"))
    try:
        report = benchmark(args, work_dir)
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130
    finally:
        if args.keep:
            print(f"working files kept in {work_dir}")
        else:
            shutil.rmtree(work_dir, ignore_errors=True)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n")
        print(f"wrote {args.json}")
    return 0 if all(r["returncode"] == 0 for r in report["runs"]) else 1


if __name__ == "__main__":
    sys.exit(main())
