"""The whole `decay analyse` at scale: 100,000 pages / 3,000,000 links (default) or 1,000,000 / 30,000,000.

    python benchmarks/analysis_bench.py                                   # 100k pages, new code and today's side by side
    python benchmarks/analysis_bench.py --pages 1000000 --links 30000000 --rounds 1
    python benchmarks/analysis_bench.py --pages 10000 --links 300000 --no-baseline      # quick mode

The facts: ``benchmarks/graph_bench.py`` generates the site and its links (a home page, 20 sections of
listings and articles, template links, orphans, islands, redirects, 404s; its cached database is copied
when it is complete), then :func:`extend` adds what the rest of the analysis reads, as a crawl leaves it:

- ``page_texts`` (a navigation, a footer, ~60-120 words of main text), titles, h1, lang, word counts,
  text hashes; ``Last-Modified`` on half the pages (the request time: a source the site trust rejects);
- ``date_signals`` in the reader's own forms (foundation/reading): sections 0-9 are news (JSON-LD
  NewsArticle datePublished/dateModified, article meta tags, a <time> byline, "Posted on" phrases),
  10-14 evergreen pages ("Last updated" phrases, JSON-LD WebPage dateModified), 15-16 events (JSON-LD Event
  startDate/endDate), 17-19 nothing but a copyright notice; dates from 2012 to the crawl, so many are
  stale; some stale claims ("the latest version"), offers that ended, old years in titles;
- ``bodies``: the HTML of 5% of the pages stored (zlib, as the crawl stores it), with a CMS generator, an
  old jQuery, a form posting over http on some;
- a complete social crawl of 12 profiles (alive, missing, dormant, unlinked).

The configuration: the site, 8 team rules (terms, a banned list, patterns, a retired domain, a required
footer link), every built-in check.  The database is cached in /tmp.

Then, alternating, each run in a fresh subprocess on a fresh copy of the database (so both start from
the same state): **new** (this tree) and **today** (``--baseline-tree``, a worktree of commit 89ba7eb) run
``analysis.runner.analyse``; every stage is timed, with its own peak resident memory (VmHWM, reset per
stage through /proc/self/clear_refs), by wrapping the functions the runner calls (the same names in both);
and the analysis with the worker processes it starts, their resident memory summed every quarter second
(the target counts the larger of the two peaks).  The two versions' findings (id, rule, severity, status)
and cleanup rows are compared.

Target for 1,000,000 pages / 30,000,000 links: under 300 s and under 4 GB (issue 18).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import time
import zlib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from _common import machine_info, remove_db  # noqa: E402
GENERATOR_VERSION = 2
SITE, PROD = "bench", "https://www.bench.example"
NOW = "2026-11-23T03:00:00+00:00"
TARGET_SECONDS, TARGET_MB = 300, 4096

# the runner's stages, as the names it calls (analysis/runner.py, today's and the new)
STAGES = ["site_pages", "assign_roles", "learn_site_trust", "presented_as_current", "group_articles",
          "analyse_links", "analyse_rules", "site_facts", "analyse_social", "_cleanup_rows", "stage_findings", "_write"]
GAP_NAMES = {"presented_as_current": "dates (candidates, resolve, outdated)",
             "presented as current (beside): waited": "dates (candidates, resolve, outdated)"}


# --------------------------------------------------------------------------- the synthetic facts
WORDS = ("service student research campus library course faculty staff policy guide support contact visit open "
         "application funding project report team department event community news study programme access online "
         "information booking teaching building energy health safety travel data digital centre public").split()
NAV = "Home Study Research About News Events Contact Search"
FOOTER = "Privacy Contact Terms Accessibility"
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]


def _day(rnd: random.Random, start: int = 2012, end: tuple[int, int] = (2026, 11)) -> tuple[int, int, int]:
    y = rnd.randint(start, end[0])
    m = rnd.randint(1, end[1] if y == end[0] else 12)
    return y, m, rnd.randint(1, 28)


def _iso(d: tuple[int, int, int], t: str = "") -> str:
    return f"{d[0]:04d}-{d[1]:02d}-{d[2]:02d}" + t


def _words(d: tuple[int, int, int]) -> str:
    return f"{d[2]} {MONTHS[d[1] - 1]} {d[0]}"


def _page_facts(rnd: random.Random, url: str, section: int | None, kind: str):
    """(title, h1, main text, date signals [(source, name, value, context)], footer) of one page."""
    body = " ".join(rnd.choice(WORDS) for _ in range(rnd.randint(60, 120)))
    title = h1 = f"{rnd.choice(WORDS).title()} {rnd.choice(WORDS)} {url.rsplit('/', 1)[-1].split('.')[0]}"
    copy_year = 2026 if rnd.random() < 0.96 else rnd.randint(2015, 2023)   # the template's, but on old pages
    footer = f"{FOOTER} © 2008-{copy_year} Bench University"
    sig: list[tuple[str, str, str, str]] = []
    extra = ""
    if kind == "article" and section is not None and section < 10:
        pub = _day(rnd)
        mod = pub if rnd.random() < 0.6 else _day(rnd, pub[0])
        mod = max(mod, pub)
        t = f"T{rnd.randint(6, 20):02d}:{rnd.randint(0, 59):02d}:00+00:00"
        sig += [("meta", "article:published_time", _iso(pub, t), ""),
                ("jsonld", "datePublished", _iso(pub, t), "NewsArticle"),
                ("jsonld", "dateModified", _iso(mod), "NewsArticle"),
                ("time", "datetime", _iso(pub), "main h1+1"), ("time", "text", _words(pub), "main h1+1"),
                ("text", "phrase", "Posted on " + _words(pub), "main")]
        body = "Posted on " + _words(pub) + " " + body
        if rnd.random() < 0.1:
            extra = " The latest version of the guide is now available."
        if rnd.random() < 0.1:
            title = f"{title} {pub[0]}"
    elif kind == "article" and section is not None and section < 15:
        mod = _day(rnd)
        sig += [("jsonld", "dateModified", _iso(mod), "WebPage"), ("text", "phrase", "Last updated " + _words(mod), "main")]
        body += " Last updated " + _words(mod) + "."
        if rnd.random() < 0.05:
            extra = " Our new online booking service is now available."
        if rnd.random() < 0.03:
            off = _day(rnd, 2016)
            extra += f" Offer ends {_words(off)}."
            sig.append(("text", "date", _words(off), "main h1+40"))
    elif kind == "article" and section is not None and section < 17:
        start = _day(rnd, 2016, (2027, 6))
        sig += [("jsonld", "startDate", _iso(start, "T18:00:00+01:00"), "Event"),
                ("jsonld", "endDate", _iso(start, "T20:00:00+01:00"), "Event"),
                ("time", "datetime", _iso(start), "main h1+2"), ("time", "text", _words(start), "main h1+2")]
        body = f"Join us on {_words(start)}. " + body
        title = f"{title} {start[0]}" if rnd.random() < 0.3 else title
    sig.append(("copyright", "notice", f"© 2008-{copy_year}", "footer"))
    return title, h1, body + extra, sig, footer


def _html(url: str, title: str, main: str, nav: str, footer: str, rnd: random.Random) -> bytes:
    """A stored page: a CMS generator, an old jQuery, sometimes a form over http and a new window."""
    gen = rnd.choice(("WordPress 4.9.1", "WordPress 6.4.2", "Drupal 7.58", "Hugo 0.120.4"))
    form = '<form method="post" action="http://www.bench.example/subscribe"><input name="email"></form>' \
        if rnd.random() < 0.05 else ""
    win = '<a href="https://partner1.example.org/" target="_blank">Partner</a>' if rnd.random() < 0.2 else ""
    pad = "".join(f"<p>{' '.join(rnd.choice(WORDS) for _ in range(40))}</p>" for _ in range(8))
    return (f'<!DOCTYPE html><html lang="en"><head><title>{title}</title><meta name="generator" content="{gen}">'
            f'<script src="/js/jquery-1.12.4.min.js"></script><link rel="stylesheet" href="/style.css"></head>'
            f'<body><header><nav>{nav}</nav></header><main><h1>{title}</h1><p>{main}</p>{pad}{form}{win}</main>'
            f'<footer>{footer}</footer><!-- {url} --></body></html>').encode()


def extend(path: Path, seed: int = 11, batch: int = 20_000) -> None:
    """Add texts, date signals, stored HTML and a social crawl to a database graph_bench generated."""
    from foundation.schema import insert_sql, open_db

    rnd = random.Random(seed)
    conn = open_db(path).conn
    rows = conn.execute("SELECT url_id, url FROM pages WHERE site = ? AND kind = 'page' AND outcome = 'ok' AND is_html = 1 "
                        "ORDER BY url_id", [SITE]).fetchall()
    texts, signals, updates, bodies, body_pages = [], [], [], [], []

    def flush() -> None:
        with conn:
            conn.executemany(insert_sql("page_texts"), texts)
            conn.executemany(insert_sql("date_signals"), signals)
            conn.executemany("UPDATE pages SET title = ?, h1 = ?, lang = 'en', word_count = ?, text_hash = ?, "
                             "last_modified = ?, server_date = ? WHERE url_id = ?", updates)
            conn.executemany("INSERT OR IGNORE INTO bodies (hash, size, html) VALUES (?, ?, ?)", bodies)
            conn.executemany("UPDATE pages SET body_hash = ?, generator = ? WHERE url_id = ?", body_pages)
        for b in (texts, signals, updates, bodies, body_pages):
            b.clear()

    served = "Mon, 23 Nov 2026 02:00:00 GMT"
    for uid, url in rows:
        path_part = url[len(PROD):]
        section = int(path_part[2:path_part.index("/", 1)]) if path_part.startswith("/s") and path_part[2:3].isdigit() else None
        kind = "article" if "/article-" in path_part else "other"
        title, h1, main, sig, footer = _page_facts(rnd, url, section, kind)
        texts.append((uid, main, NAV, "Bench University", footer, "", ""))
        signals.extend((uid, i, *s) for i, s in enumerate(sig))
        th = hashlib.blake2b(main.encode(), digest_size=8).hexdigest()
        updates.append((title, h1, len(main.split()), th, served if uid % 2 else None, served, uid))
        if rnd.random() < 0.05:
            html = _html(url, title, main, NAV, footer, rnd)
            bh = hashlib.blake2b(html, digest_size=16).hexdigest()
            bodies.append((bh, len(html), zlib.compress(html, 6)))
            body_pages.append((bh, html.split(b'name="generator" content="', 1)[1].split(b'"', 1)[0].decode(), uid))
        if len(texts) >= batch:
            flush()
    flush()
    _social(conn)
    conn.execute("ANALYZE")
    conn.close()
    print(f"extended {len(rows):,} pages with texts, date signals and stored HTML", file=sys.stderr)


def _social(conn: sqlite3.Connection) -> None:
    """A complete social crawl: 12 profiles, linked from the home page, checked."""
    home = conn.execute("SELECT url_id FROM pages WHERE url = ?", [PROD + "/"]).fetchone()[0]
    with conn:
        conn.execute("INSERT INTO social_crawls (id, started_at, finished_at, status, site_crawls, profiles, checked) "
                     "VALUES (1, ?, ?, 'complete', ?, 12, 12)", [NOW, NOW, json.dumps({SITE: 1})])
        for i in range(12):
            platform = ("x", "facebook", "instagram", "youtube", "mastodon", "linkedin")[i % 6]
            handle = f"benchuni{i}"
            key = f"{platform}:{handle}"
            pid = int(hashlib.blake2b(key.encode(), digest_size=7).hexdigest(), 16)
            url = f"https://social{i % 6}.example/{handle}"
            status = ("alive", "alive", "missing", "suspended", "alive", "unknown")[i % 6]
            last_post = "2023-01-05T10:00:00+00:00" if i % 4 == 0 else "2026-11-20T10:00:00+00:00"
            conn.execute("INSERT INTO social_profiles (id, key, platform, handle, url, declared, linked_pages, first_seen_at, "
                         "social_crawl_id) VALUES (?, ?, ?, ?, ?, 0, ?, ?, 1)", [pid, key, platform, handle, url, 0 if i == 11 else 1, NOW])
            if i != 11:
                conn.execute("INSERT INTO social_sources (profile_id, ordinal, source, site, page_id, page_url, link_url, anchor, "
                             "position, context, social_crawl_id) VALUES (?, 0, 'link', ?, ?, ?, ?, ?, 'footer', '<a>', 1)",
                             [pid, SITE, home, PROD + "/", url, platform])
            conn.execute("INSERT INTO social_checks (profile_id, social_crawl_id, checked_at, adapter, status, reason, confidence, "
                         "http_status, display_name, handle, last_post_at, posts_90d, posts_seen, requests, evidence) "
                         "VALUES (?, 1, ?, ?, ?, 'bench', 0.9, 200, 'Bench University', ?, ?, ?, 10, 1, '{}')",
                         [pid, NOW, platform, status, handle, last_post if status == "alive" else None, 0 if i % 4 == 0 else 5])


def db_path(pages: int, links: int) -> Path:
    from graph_bench import GENERATOR_VERSION as GRAPH_VERSION

    return Path(f"/tmp/decay-analysis-bench-{pages}-{links}-g{GRAPH_VERSION}-v{GENERATOR_VERSION}.db")


def _complete(path: Path) -> bool:
    if not path.exists():
        return False
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT value FROM _bench WHERE key = 'complete'").fetchone() is not None
    except sqlite3.OperationalError:
        return False
    finally:
        conn.close()


def ensure_db(pages: int, links: int) -> Path:
    """The cached database: graph_bench's facts (its cached database copied when complete, else generated), extended."""
    import graph_bench

    path = db_path(pages, links)
    if _complete(path):
        return path
    tmp = Path(str(path) + ".building")
    for p in (path, tmp):
        remove_db(p)
    graph = Path(f"/tmp/decay-graph-bench-{pages}-{links}-v{graph_bench.GENERATOR_VERSION}.db")
    if _complete(graph) and not Path(str(graph) + "-wal").exists():
        shutil.copyfile(graph, tmp)
        conn = sqlite3.connect(tmp)
        with conn:
            conn.execute("DELETE FROM _bench")
        conn.close()
    else:
        graph_bench.generate(tmp, pages, links)
    extend(tmp)
    conn = sqlite3.connect(tmp)
    with conn:
        conn.execute("CREATE TABLE IF NOT EXISTS _bench (key TEXT PRIMARY KEY, value TEXT)")
        conn.execute("INSERT OR REPLACE INTO _bench VALUES ('complete', '1')")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    tmp.rename(path)
    return path


def write_config(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "banned.txt").write_text("utilise\nleverage\nsynergy\nworld-class\n")
    cfg = folder / "analysis-bench.toml"
    cfg.write_text(f"""[organisation]
name = "Bench University"
[[sites]]
name = "{SITE}"
start_urls = ["{PROD}/"]
[[rules]]
id = "old-name"
kind = "term"
terms = ["Bench College", "BC Online"]
replacement = "Bench University"
[[rules]]
id = "banned"
kind = "banned_list"
file = "banned.txt"
[[rules]]
id = "phone"
kind = "pattern"
pattern = "0800 ?123 ?4\\\\d\\\\d"
[[rules]]
id = "offer"
kind = "pattern"
pattern = "(?i)offer ends \\\\d{{1,2}} \\\\w+ 20[01]\\\\d"
[[rules]]
id = "old-domain"
kind = "retired_domain"
domains = ["bench-college.ac.example"]
[[rules]]
id = "privacy"
kind = "required"
url = "*/privacy*"
where = ["footer"]
[[rules]]
id = "study"
kind = "term"
terms = ["campus library"]
[[rules]]
id = "energy"
kind = "term"
terms = ["energy health"]
""")
    return cfg


# --------------------------------------------------------------------------- the measured run (in a child)
def _cpu_seconds() -> float:
    """CPU time of this process and of the children it waited for (the analysis' workers), every core summed."""
    import resource
    return sum(getattr(resource.getrusage(who), f) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
               for f in ("ru_utime", "ru_stime"))


def _hwm_kb() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def _reset_hwm() -> None:
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass


def _rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _tree_rss_kb(root: int) -> int:
    """Resident memory of ``root`` and every process it started (the dates stage's workers), now."""
    parent: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    parent[int(entry)] = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    tree, todo = {root}, [root]
    while todo:
        p = todo.pop()
        for c, pp in parent.items():
            if pp == p and c not in tree:
                tree.add(c)
                todo.append(c)
    return sum(_rss_kb(p) for p in tree)


class TreeSampler:
    """The analysis process and its workers together: their summed resident memory, sampled every quarter second
    (VmHWM is one process's own; the dates stage's workers hold their slices beside it)."""

    def __init__(self) -> None:
        import threading
        self.peak = self.stage_peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        me = os.getpid()
        while not self._stop.wait(0.25):
            kb = _tree_rss_kb(me)
            self.peak, self.stage_peak = max(self.peak, kb), max(self.stage_peak, kb)

    def take_stage(self) -> int:
        kb, self.stage_peak = self.stage_peak, 0
        return kb

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def child(tree: Path, db: Path, config: Path, out: Path) -> dict:
    """analysis.runner.analyse on ``db`` with the code of ``tree``; each stage timed, its own peak memory."""
    sys.path.insert(0, str(tree))
    from datetime import datetime

    import analysis.runner as runner
    from foundation.config import load_config

    stats: dict[str, list[float]] = {}
    overall = [0]
    log = os.environ.get("ANALYSIS_BENCH_PROGRESS")

    def progress(line: str) -> None:   # each stage as it ends, for a long run watched from outside
        if log:
            with open(log, "a") as f:
                f.write(f"{time.strftime('%H:%M:%S')} {line}\n")
    state = {"t": 0.0, "busy": 0}
    sampler = TreeSampler()

    def close_gap(name: str) -> None:
        now = time.perf_counter()
        label = GAP_NAMES.get(name)
        hwm = _hwm_kb()
        overall[0] = max(overall[0], hwm)
        treed = sampler.take_stage()
        if label:
            s = stats.setdefault(label, [0.0, 0.0, 0.0])
            s[0] += now - state["t"]
            s[1] = max(s[1], hwm / 1024)
            s[2] = max(s[2], treed / 1024)
            progress(f"{label} {now - state['t']:.1f} s, {hwm / 1024:.0f} MB (with workers {treed / 1024:.0f})")

    def wrap(name, fn):
        def timed(*a, **kw):
            if state["busy"]:
                return fn(*a, **kw)
            close_gap(name)
            _reset_hwm()
            state["busy"] = 1
            t = time.perf_counter()
            try:
                return fn(*a, **kw)
            finally:
                state["busy"] = 0
                hwm = _hwm_kb()
                overall[0] = max(overall[0], hwm)
                treed = sampler.take_stage()
                s = stats.setdefault(name, [0.0, 0.0, 0.0])
                s[0] += time.perf_counter() - t
                s[1] = max(s[1], hwm / 1024)
                s[2] = max(s[2], treed / 1024)
                progress(f"{name} {time.perf_counter() - t:.1f} s, {hwm / 1024:.0f} MB (with workers {treed / 1024:.0f})")
                _reset_hwm()
                state["t"] = time.perf_counter()
        return timed

    for name in STAGES:
        for owner in (runner, getattr(runner, name.split(".")[0], None)):
            if owner is not None and callable(getattr(owner, name, None)):
                setattr(owner, name, wrap(name, getattr(owner, name)))
                break
    for mod_name, name in (("archive", "presented_as_current"), ("archive", "group_articles"), ("links", "analyse_links"),
                           ("rules", "analyse_rules"), ("cleanup", "site_facts"), ("social", "analyse_social")):
        mod = getattr(runner, mod_name, None)
        if name == "presented_as_current" and hasattr(mod, "PresentedBeside"):
            continue   # called in a thread beside the dates: its wait is the stage (below)
        if mod is not None and hasattr(mod, name) and not hasattr(getattr(mod, name), "__wrapped_stage__"):
            f = wrap(name, getattr(mod, name))
            f.__wrapped_stage__ = True
            setattr(mod, name, f)
    current = getattr(runner.archive, "PresentedBeside", None)   # its queries in a thread beside the dates
    if current is not None:
        current.result = wrap("presented as current (beside): waited", current.result)
    beside = getattr(runner, "RulesBeside", None)   # a large site's rules in a worker (analysis/rules_beside.py)
    if beside is not None:
        for name in ("ready", "findings"):
            setattr(beside, name, wrap(f"rules beside: {name}", getattr(beside, name)))
    cfg = load_config(config)
    started, cpu_before = time.perf_counter(), _cpu_seconds()
    state["t"] = started
    summary = runner.analyse(cfg, db, now=datetime.fromisoformat(NOW))
    seconds = time.perf_counter() - started
    cpu = _cpu_seconds() - cpu_before
    sampler.stop()
    conn = sqlite3.connect(db)
    findings = sorted(conn.execute("SELECT id, rule, severity, status FROM findings WHERE status = 'open' OR last_analysis_id = ?",
                                   [summary["analysis_id"]]))
    cols = [r[1] for r in conn.execute("PRAGMA table_info(cleanup)")]
    keep = [c for c in cols if c not in ("analysis_id",)]
    cleanup_rows = sorted(conn.execute(f"SELECT {', '.join(keep)} FROM cleanup"), key=lambda r: [str(x) for x in r])
    conn.close()
    digest = hashlib.sha256(json.dumps([findings, cleanup_rows], default=str).encode()).hexdigest()
    out.write_text(json.dumps({"findings": findings, "cleanup": cleanup_rows}, default=str))
    return {"seconds": seconds, "cpu_seconds": cpu, "peak_mb": max(overall[0], _hwm_kb()) / 1024, "tree_peak_mb": sampler.peak / 1024,
            "stages": stats, "digest": digest,
            "findings": len(findings), "cleanup": len(cleanup_rows), "pages": summary["pages"]}


def run_variant(name: str, tree: Path, pristine: Path, config: Path, work: Path) -> dict:
    db = work / f"run-{name}.db"
    remove_db(db)
    t = time.perf_counter()
    subprocess.run(["cp", "--reflink=auto", str(pristine), str(db)], check=True)
    copied = time.perf_counter() - t
    out = work / f"result-{name}.json"
    env = {**os.environ, "PYTHONPATH": str(tree), "ANALYSIS_BENCH_PROGRESS": str(work / f"progress-{name}.log")}
    print(f"{name}: running (each stage as it ends: {env['ANALYSIS_BENCH_PROGRESS']})", flush=True)
    proc = subprocess.run([sys.executable, __file__, "--child", "--tree", str(tree), "--db", str(db), "--config", str(config),
                           "--out", str(out)], cwd=tree, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"{name} failed:\n{proc.stderr[-4000:]}")
    res = json.loads(proc.stdout.strip().splitlines()[-1])
    res["copy_s"] = copied
    remove_db(db)
    return res


def compare(work: Path, a: str, b: str) -> str:
    ra = json.loads((work / f"result-{a}.json").read_text())
    rb = json.loads((work / f"result-{b}.json").read_text())
    fa, fb = {tuple(x) for x in ra["findings"]}, {tuple(x) for x in rb["findings"]}
    ca, cb = {tuple(x) for x in ra["cleanup"]}, {tuple(x) for x in rb["cleanup"]}
    if fa == fb and ca == cb:
        return f"same findings ({len(fa):,}: id, rule, severity, status) and the same cleanup rows ({len(ca):,})"
    from collections import Counter

    def rules(xs: set) -> str:
        return ", ".join(f"{r} {sev} {n:,}" for (r, sev), n in Counter((x[1], x[2]) for x in xs).most_common()) or "none"
    return (f"DIFFERENT: findings only in {a}: {rules(fa - fb)}; only in {b}: {rules(fb - fa)}; the other {len(fa & fb):,} the same; "
            f"cleanup rows only in {a} {len(ca - cb)}, only in {b} {len(cb - ca)} (e.g. {sorted(ca ^ cb, key=str)[:1]})")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pages", type=int, default=100_000)
    ap.add_argument("--links", type=int, default=3_000_000)
    ap.add_argument("--rounds", type=int, default=1, help="alternating rounds of new and today's code")
    ap.add_argument("--baseline-tree", type=Path, default=Path("/tmp/i18base-h9"),
                    help="a worktree of today's code (git worktree add /tmp/i18base-h9 89ba7eb)")
    ap.add_argument("--no-baseline", action="store_true")
    ap.add_argument("--generate-only", action="store_true")
    ap.add_argument("--json", type=Path)
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--tree", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--config", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(child(args.tree, args.db, args.config, args.out)))
        return
    sys.path.insert(0, str(REPO))
    sys.path.insert(0, str(HERE))
    t = time.perf_counter()
    db = ensure_db(args.pages, args.links)
    print(f"database: {db} ({db.stat().st_size / 2**20:,.0f} MB; ready in {time.perf_counter() - t:.0f} s)", flush=True)
    machine = machine_info()
    print(f"python: {machine['python']} ({machine['python_executable']}; its build matters: README, "
          "\"Which Python to install it with\")", flush=True)
    if args.generate_only:
        return
    work = Path(f"/tmp/decay-analysis-bench-work-{os.getpid()}")
    work.mkdir(exist_ok=True)
    config = write_config(work)
    variants = [("new", REPO)] + ([] if args.no_baseline else [("today", args.baseline_tree)])
    results: dict[str, list[dict]] = {}
    for r in range(args.rounds):
        for name, tree in (variants if r % 2 == 0 else variants[::-1]):
            res = run_variant(name, tree, db, config, work)
            results.setdefault(name, []).append(res)
            print(f"round {r + 1} {name}: {res['seconds']:.1f} s, peak {res['peak_mb']:.0f} MB, {res['findings']:,} findings, "
                  f"{res['cleanup']:,} cleanup rows", flush=True)
    print(f"\n{args.pages:,} pages / {args.links:,} links; per stage: seconds (peak MB), the best of {args.rounds} round(s)")
    names = list(results)
    stages = list(dict.fromkeys(s for n in names for res in results[n] for s in res["stages"]))
    print(f"{'stage':42}" + "".join(f"{n:>22}" for n in names))
    for s in stages:
        cells = []
        for n in names:
            best = min((res["stages"][s] for res in results[n] if s in res["stages"]), default=None, key=lambda v: v[0])
            cells.append(f"{best[0]:10.1f} s ({best[1]:6.0f} MB)" if best else f"{'-':>22}")
        print(f"{s:42}" + "".join(f"{c:>22}" for c in cells))
    for n in names:
        best = min(results[n], key=lambda res: res["seconds"])
        print(f"{'whole analyse (' + n + ')':42}{best['seconds']:10.1f} s, peak {best['peak_mb']:,.0f} MB")
        if "cpu_seconds" in best:   # more than cores x seconds: no schedule meets the time on this machine
            print(f"{'  CPU (with its workers, every core)':42}{best['cpu_seconds']:10.1f} s")
        if "tree_peak_mb" in best:   # the workers' memory beside the analysis' own (sampled every 0.25 s)
            by_stage = ", ".join(f"{st} {v[2]:,.0f} MB" for st, v in best["stages"].items() if len(v) > 2 and v[2] > v[1] + 1)
            print(f"{'  with its workers (sampled)':42}peak {best['tree_peak_mb']:,.0f} MB" + (f"; above the process' own in: {by_stage}" if by_stage else ""))
    if len(names) == 2:
        print(compare(work, *names))
    new = min(results["new"], key=lambda res: res["seconds"])
    ok = new["seconds"] < TARGET_SECONDS and max(new["peak_mb"], new.get("tree_peak_mb", 0)) < TARGET_MB
    print(f"target (1M pages): under {TARGET_SECONDS} s and {TARGET_MB} MB: {'met' if ok else 'NOT met'} at {args.pages:,} pages")
    if args.json:
        args.json.write_text(json.dumps({"pages": args.pages, "links": args.links, **results}, indent=2))
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
