"""What the cleanup list costs on top of the analysis, on the synthetic site of graph_bench.py.

    python benchmarks/cleanup_bench.py                        # 100,000 pages, 3,000,000 links
    python benchmarks/cleanup_bench.py --pages 10000 --links 300000    # quick mode

The database is graph_bench.py's (generated once and cached in /tmp).  Two runs, each in a fresh
subprocess so that its peak memory is its own:

- **baseline**: the link analysis alone (``analyse_links``), as ``decay analyse`` ran before the list.
- **with the list**: the same, then a synthetic date analysis marks pages stale (one in three articles,
  every orphan and island page: all of those become removal or redirect candidates, whose removal
  impact and redirect target are computed) and expired (one in fifty), and the cleanup list is built:
  ``site_facts`` (importance, per-candidate impact on the loaded graph) and ``build`` (decisions,
  scores, owners, ranking), then the rows are written in one transaction (rolled back).

The figure that matters is the ratio: how much longer and how much more memory the analysis takes
with the cleanup list.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

import graph_bench as gb  # noqa: E402


def child(db: Path, with_list: bool) -> dict:
    import sqlite3
    import tomllib
    from datetime import datetime, timezone

    from analysis import cleanup
    from analysis.findings import Finding
    from analysis.links import analyse_links
    from foundation.config import Links, parse_config
    from foundation.schema import insert_sql, open_db

    open_db(db).conn.close()
    cfg = parse_config(tomllib.loads(f"""
[organisation]
name = "Bench"
[[sites]]
name = "{gb.SITE}"
start_urls = ["{gb.PROD}/"]
[[owners]]
pattern = "/*"
owner = "Web team"
[[owners]]
pattern = "/s1*"
owner = "Section one"
"""), Path("/tmp/bench.toml"))
    site = cfg.sites[0]
    started = time.perf_counter()
    conn = sqlite3.connect(db)
    now = datetime(2026, 11, 23, tzinfo=timezone.utc)
    phases: dict[str, float] = {}
    stale_ids: set[int] = set()
    findings: list[Finding] = []
    if with_list:   # the date analysis' verdicts, made up: stale articles, and every page the sitemap alone knows
        t = time.perf_counter()
        for i, (uid, url, title, via) in enumerate(conn.execute(
                "SELECT url_id, url, title, found_via FROM pages WHERE site = ? AND outcome = 'ok' AND is_html = 1", [gb.SITE])):
            if via == "sitemap" or i % 3 == 0:
                stale_ids.add(uid)
                findings.append(Finding("outdated.stale_page", "outdated", "medium", 0.9, gb.SITE, url,
                                        f"Not updated for 5 years (page {i}).", {"updated_at": "2021-01-01", "section": "default"},
                                        subject_id=uid, title=title))
            if i % 50 == 0:
                findings.append(Finding("outdated.expired_event", "expired", "high", 0.85, gb.SITE, url,
                                        "Announces an event that ended.", {"end": "2020-05-01"}, subject_id=uid, title=title, key="2020-05-01"))
        phases["date findings (made up)"] = time.perf_counter() - t
    t = time.perf_counter()
    lr = analyse_links(conn, site, 1, now=now, links_cfg=Links(), flagged=stale_ids)
    phases["analyse_links"] = time.perf_counter() - t
    rows: list[tuple] = []
    if with_list:
        findings += lr.findings
        t = time.perf_counter()
        facts = cleanup.site_facts(conn, site, lr, findings, stale_ids, "2026-11-23T02:00:00+00:00")
        phases["site_facts (importance, impact)"] = time.perf_counter() - t
        t = time.perf_counter()
        rows = cleanup.build(findings, {gb.SITE: facts}, cfg, suppressed=set(), latest_analysis_findings=set(),
                             first_seen={}, now_iso="2026-11-23T03:00:00+00:00", analysis_id=0,
                             crawl_started_at="2026-11-23T02:00:00+00:00")
        phases["build (decide, score, rank)"] = time.perf_counter() - t
        t = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("DELETE FROM cleanup")
        conn.executemany(insert_sql("cleanup"), rows)
        conn.execute("ROLLBACK")
        phases["write"] = time.perf_counter() - t
    conn.close()
    actions: dict[str, int] = {}
    for r in rows:
        actions[r[3]] = actions.get(r[3], 0) + 1
    return {"seconds": time.perf_counter() - started, "peak_mb": gb.peak_mb(), "phases": phases,
            "rows": len(rows), "actions": actions, "findings": len(findings),
            "candidates": len(cleanup.leaving_candidates(findings)) if with_list else 0}


def run_child(which: str, db: Path) -> dict:
    from _common import run_child_json

    return run_child_json(__file__, which, "--db", str(db))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pages", type=int, default=100_000)
    ap.add_argument("--links", type=int, default=3_000_000)
    ap.add_argument("--child", choices=["baseline", "list"], help=argparse.SUPPRESS)
    ap.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(child(args.db, args.child == "list")))
        return
    db = gb.ensure_db(args.pages, args.links)
    base, full = run_child("baseline", db), run_child("list", db)
    print(f"{'':40} {'seconds':>8} {'peak MB':>8}")
    for label, r in (("baseline: link analysis", base), ("with the cleanup list", full)):
        print(f"{label:40} {r['seconds']:8.1f} {r['peak_mb']:8.0f}   " + ", ".join(f"{k} {v:.1f}" for k, v in r["phases"].items()))
    print(f"\ncleanup rows: {full['rows']:,} from {full['findings']:,} findings; removal/redirect candidates "
          f"(impact computed): {full['candidates']:,}; actions: {json.dumps(full['actions'])}")
    added = sum(v for k, v in full["phases"].items() if k not in ("analyse_links", "date findings (made up)"))
    print(f"the list adds {added:.1f} s ({added / base['seconds']:.2f}x the link analysis) and "
          f"{full['peak_mb'] / base['peak_mb']:.2f}x its peak memory")


if __name__ == "__main__":
    main()
