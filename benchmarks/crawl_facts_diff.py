"""Are two crawls' facts the same?  Compares two content-decay databases table by table, row by row.

    python benchmarks/crawl_facts_diff.py before.db after.db
    python benchmarks/crawl_facts_diff.py before.db after.db --tables pages,links --ignore fetched_at,response_ms

For a change that must not change what a crawl records (a faster reading, fewer writes): crawl the same
site with both versions (crawl_bench.py --keep, or two `decay crawl` runs) and compare.  Rows are matched
by their table's key (url_id, (source_id, ordinal) ...); each column is compared exactly, as SQLite
stores it.  Columns that differ between any two crawls of the same site (when a page was fetched, how
long it took, the crawl's id, the Date header) are left out unless --strict; so are found_via, found_on
and depth with --no-routes (with 64 requests in flight, which page was fetched first may vary).  Exits 1
on any difference, listing the first few.
"""
from __future__ import annotations

import argparse
import sqlite3
import sys

TABLES = {   # table -> key columns
    "pages": ("url_id",),
    "links": ("source_id", "ordinal"),
    "page_texts": ("url_id",),
    "date_signals": ("url_id", "ordinal"),
    "urls": ("id",),
}
VOLATILE = {"fetched_at", "first_seen_at", "response_ms", "crawl_id", "first_crawl_id", "facts_crawl_id", "headers",
            "date", "last_seen_at"}
ROUTES = {"found_via", "found_on", "depth"}


def columns(db: sqlite3.Connection, table: str) -> list[str]:
    return [r[1] for r in db.execute(f"PRAGMA table_info([{table}])")]


def compare(a: str, b: str, tables: list[str], ignore: set[str], show: int = 5) -> int:
    da, db_ = sqlite3.connect(f"file:{a}?mode=ro", uri=True), sqlite3.connect(f"file:{b}?mode=ro", uri=True)
    differences = 0
    for table in tables:
        key = TABLES[table]
        cols = [c for c in columns(da, table) if c not in ignore]
        if cols != [c for c in columns(db_, table) if c not in ignore]:
            print(f"{table}: the columns differ")
            differences += 1
            continue
        sql = f"SELECT {', '.join(f'[{c}]' for c in cols)} FROM [{table}] ORDER BY {', '.join(key)}"
        ki = [cols.index(k) for k in key]
        ra, rb = da.execute(sql), db_.execute(sql)
        n = same = 0
        diff_cols: dict[str, int] = {}
        only_a = only_b = 0
        x, y = next(ra, None), next(rb, None)
        shown = 0
        while x is not None or y is not None:
            kx = tuple(x[i] for i in ki) if x is not None else None
            ky = tuple(y[i] for i in ki) if y is not None else None
            if ky is None or (kx is not None and kx < ky):
                only_a += 1
                x = next(ra, None)
                continue
            if kx is None or ky < kx:
                only_b += 1
                y = next(rb, None)
                continue
            n += 1
            if x == y:
                same += 1
            else:
                for c, u, v in zip(cols, x, y):
                    if u != v:
                        diff_cols[c] = diff_cols.get(c, 0) + 1
                        if shown < show:
                            shown += 1
                            print(f"  {table} {kx}: {c}: {u!r:.80} != {v!r:.80}")
            x, y = next(ra, None), next(rb, None)
        ok = not diff_cols and not only_a and not only_b
        differences += not ok
        print(f"{table}: {n:,} rows matched, {same:,} identical; only in the first {only_a:,}, only in the second "
              f"{only_b:,}" + (f"; columns that differ: {diff_cols}" if diff_cols else "") + ("" if ok else "  <-- DIFFERENT"))
    return differences


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("first")
    ap.add_argument("second")
    ap.add_argument("--tables", default="pages,links,page_texts,date_signals")
    ap.add_argument("--ignore", default="", help="more columns to leave out, comma-separated")
    ap.add_argument("--strict", action="store_true", help="compare the volatile columns too (fetch times, crawl ids)")
    ap.add_argument("--no-routes", action="store_true", help="leave out found_via, found_on and depth")
    a = ap.parse_args()
    ignore = set() if a.strict else set(VOLATILE)
    ignore |= {c for c in a.ignore.split(",") if c}
    if a.no_routes:
        ignore |= ROUTES
    sys.exit(1 if compare(a.first, a.second, a.tables.split(","), ignore) else 0)


if __name__ == "__main__":
    main()
