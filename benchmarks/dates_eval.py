"""Publication dates: content-decay against htmldate, on a gold set, scored the way htmldate scores itself.

    python benchmarks/dates_eval.py [DATASET_DIR] [--with-url] [--runs 3] [--show 40] [--parsers | --extruct]

DATASET_DIR (default ../shared/data/dates-dev next to the repository) holds ``html/`` and
``gold.json`` (file name -> {published, url, ...}). Each file is read as text (UTF-8; otherwise the
encoding charset_normalizer detects), as htmldate's tests/comparison.py does, and both tools get the
same input: the HTML only, or with ``--with-url`` also the page URL from gold.json.

- content-decay runs its production path: ``foundation.reading.page.extract_html`` on the body bytes (the text
  encoded back to UTF-8, 'text/html; charset=utf-8'; every fact of the page, links and texts included, as
  in a crawl) -> ``PageInput`` -> ``page_candidates`` -> ``resolve``; the result is ``published_at`` as
  YYYY-MM-DD.
- htmldate runs ``find_date(html, original_date=True, extensive_search=True)``.

Per page: no result and no gold = true negative; no result = false negative; the gold day = true
positive; any other day = false positive. precision = tp/(tp+fp), recall = tp/(tp+fn), accuracy =
(tp+tn)/all, F-score = 2tp/(2tp+fp+fn). Milliseconds per page: CPU time (time.process_time: the machine
is shared, wall clock is noisy) of the whole pipeline over all pages, the best of --runs rounds. The tools take
turns in the same process; content-decay runs three ways: the crawl's whole reading (above), "the date path"
(``extract_dates``: what a date-only reader needs, the parse, the one selector pass, the date signals and
the region texts they are read from, then the analysis; no links, no text hash; its dates are checked equal
to the crawl path's on every page), and ``extract_html(..., dates=False)`` without the analysis, to tell what
the date work adds to the extraction a crawl does anyway.
htmldate's parsing caches are emptied before each of its rounds, so that no round parses a date string it
has already seen in an earlier one. Then the pages where content-decay is wrong and htmldate right, to work
on.

``--parsers`` instead compares the date parsers on the raw values the crawl records for these pages:
content-decay's regular expressions, python-dateutil and dateparser (values parsed, microseconds per
value, and the end-to-end accuracy with each one plugged into the resolver). ``--extruct`` compares
extruct's reading of the structured data (JSON-LD, microdata, OpenGraph, Dublin Core; not a dependency:
install it to compare) with content-decay's.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import datetime, timezone
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from analysis.dates import PageInput, page_candidates, resolve  # noqa: E402
from foundation.reading.page import extract_dates, extract_html  # noqa: E402

import dates_groups  # noqa: E402
# the production path's published day, the score and the table: shared with dates_crawl.py and dates_dateutil.py
from dates_common import (CONTENT_TYPE, DEFAULT, _published, content_decay, load_text, print_table,  # noqa: E402,F401
                          score)



def content_decay_date_path(body: bytes, url: str, now: datetime) -> tuple[str | None, str | None]:
    """The same dates from a date-only reading (``extract_dates``): what the date judgement costs, to compare
    with a date-only tool."""
    return _published(extract_dates(body, CONTENT_TYPE, url), url, now)


def content_decay_without_dates(body: bytes, url: str, now: datetime) -> tuple[str | None, str | None]:
    """The same extraction without its date signals and without the date analysis: what the crawl costs anyway
    (timed only, to tell what the date work adds)."""
    extract_html(body, CONTENT_TYPE, url, dates=False)
    return None, None


def htmldate_tool(html: str, url: str, now: datetime) -> tuple[str | None, str | None]:
    from htmldate import find_date

    return find_date(html, original_date=True, extensive_search=True, url=url or None), None


def reset_htmldate_caches() -> None:
    """htmldate memoises date parsing (functools.lru_cache): a second round over the same pages would hit
    its caches on every date string, which a crawl of new pages never does. Each round starts cold."""
    from htmldate.meta import reset_caches

    reset_caches()


def reset_our_caches() -> None:
    """content-decay memoises parsing within a page (the same date in meta, JSON-LD and a <time>): emptied
    before each round too."""
    from analysis.dates.candidates import _parse

    _parse.cache_clear()


def run_tools(pages: dict[str, str], urls: dict[str, str], runs: int) -> tuple[dict, dict, dict, dict]:
    """Each tool gets a page the way it is handed one, prepared before the clock starts: content-decay the
    body bytes (what a crawl receives: the text encoded back to UTF-8, declared in the content type),
    htmldate the decoded text (as in its own evaluation).  Also the seconds each page took (the best of the
    rounds), for the grouped scores and the fallback's cost. CPU time (time.process_time)."""
    now = datetime.now(timezone.utc)
    tools = {"content-decay": content_decay, "date path": content_decay_date_path, "htmldate": htmldate_tool,
             "without dates": content_decay_without_dates}
    bodies = {name: html.encode("utf-8") for name, html in pages.items()}
    inputs = {"content-decay": bodies, "date path": bodies, "htmldate": pages, "without dates": bodies}
    results: dict[str, dict[str, tuple[str | None, str | None]]] = {t: {} for t in tools}
    best = {t: float("inf") for t in tools}
    each: dict[str, dict[str, float]] = {t: {} for t in tools}
    clock = time.process_time
    for r in range(runs):
        for tool, fn in tools.items():
            if tool == "htmldate":
                reset_htmldate_caches()
            else:
                reset_our_caches()
            out = {}
            docs = inputs[tool]
            times = each[tool]
            start = clock()
            for name, doc in docs.items():
                t0 = clock()
                out[name] = fn(doc, urls[name], now)
                t = clock() - t0
                if t < times.get(name, float("inf")):
                    times[name] = t
            elapsed = clock() - start
            best[tool] = min(best[tool], elapsed)
            if r == 0:
                results[tool] = out
    ms = {t: best[t] / max(1, len(pages)) * 1000 for t in tools}
    ms["date path differs"] = sum(results["date path"][n] != results["content-decay"][n] for n in pages)
    del results["without dates"], results["date path"], each["date path"]
    return results, ms, {t: f for t, f in tools.items() if t not in ("without dates", "date path")}, each


def with_fallback(results: dict, each: dict) -> tuple[dict, dict]:
    """content-decay, and htmldate only on the pages where content-decay has no credible date (only those
    pages pay htmldate's cost): the results and the seconds per page."""
    ours, theirs = results["content-decay"], results["htmldate"]
    out = {n: ours[n] if ours[n][0] is not None else (theirs[n][0], "htmldate") for n in ours}
    secs = {n: each["content-decay"][n] + (each["htmldate"][n] if ours[n][0] is None else 0.0) for n in ours}
    return out, secs


def analyse_only(facts: dict, urls: dict[str, str], now: datetime) -> Callable[[], dict[str, str | None]]:
    """The date analysis alone over facts extracted once: what the cross-validation re-runs per variant."""
    def run() -> dict[str, str | None]:
        out = {}
        for name, f in facts.items():
            page = PageInput(url=urls[name], fetched_at=now, signals=f.signals, lang=f.lang)
            d = resolve(page_candidates(page, now=now), now=now)
            out[name] = d.published_at.strftime("%Y-%m-%d") if d.published_at else None
        return out
    return run


def compare_parsers(pages: dict[str, str], urls: dict[str, str], gold: dict[str, dict]) -> None:
    """The raw values recorded for these pages, parsed by each library."""
    import warnings

    import dateparser
    from dateutil import parser as du

    import analysis.dates.candidates as cand_mod
    from analysis.dates.parse import UTC, parse_date_relative

    warnings.filterwarnings("ignore")
    now = datetime.now(timezone.utc)
    facts = {name: extract_html(html.encode("utf-8"), CONTENT_TYPE, urls[name]) for name, html in pages.items()}
    values = [s.value for f in facts.values() for s in f.signals if s.source not in ("copyright",)]

    def _precision(v: datetime) -> str:
        return "time" if (v.hour, v.minute, v.second) != (0, 0, 0) else "day"

    def with_dateutil(raw, *, now, lang=None):
        try:
            v = du.parse(raw, fuzzy=True, dayfirst=True, default=datetime(now.year, 1, 1))
        except (ValueError, OverflowError, TypeError):
            return None, "", "unreadable", False
        return (v.replace(tzinfo=UTC) if v.tzinfo is None else v), _precision(v), "", False

    def with_dateparser(raw, *, now, lang=None):
        try:
            v = dateparser.parse(raw[:100], settings={"RELATIVE_BASE": now.replace(tzinfo=None), "PREFER_DAY_OF_MONTH": "first",
                                                      "DATE_ORDER": "DMY"})
        except Exception:
            return None, "", "unreadable", False
        if v is None:
            return None, "", "unreadable", False
        return (v.replace(tzinfo=UTC) if v.tzinfo is None else v), _precision(v), "", False

    parsers = {"content-decay regex": parse_date_relative, "python-dateutil": with_dateutil, "dateparser": with_dateparser}
    print(f"{len(values)} raw date values recorded on {len(pages)} pages")
    print(f"{'parser':22s} {'parsed':>7s} {'us/value':>9s} {'accuracy':>8s} {'F-score':>7s}")
    for name, fn in parsers.items():
        start = time.perf_counter()
        parsed = sum(1 for v in values if fn(v, now=now)[0] is not None)
        us = (time.perf_counter() - start) / max(1, len(values)) * 1e6
        original = cand_mod.parse_date_relative
        cand_mod.parse_date_relative = fn
        cand_mod._parse.cache_clear()
        try:
            results = {}
            for page_name, f in facts.items():
                page = PageInput(url=urls[page_name], fetched_at=now, signals=f.signals, lang=f.lang)
                d = resolve(page_candidates(page, now=now), now=now)
                results[page_name] = d.published_at.strftime("%Y-%m-%d") if d.published_at else None
        finally:
            cand_mod.parse_date_relative = original
            cand_mod._parse.cache_clear()
        s = score(results, gold)
        print(f"{name:22s} {parsed:7d} {us:9.1f} {s['accuracy']:8.3f} {s['fscore']:7.3f}")


_STRUCTURED_KEYS = frozenset(("datepublished", "datemodified", "datecreated", "article:published_time",
                              "article:modified_time", "og:updated_time", "dc.date", "dc.date.issued", "dcterms.date",
                              "dcterms.modified", "dcterms.created"))


def compare_extruct(pages: dict[str, str], urls: dict[str, str], runs: int) -> int:
    """extruct (JSON-LD, microdata, OpenGraph, Dublin Core) against content-decay's own reading of the same markup:
    milliseconds per page and the pages where each finds a publication or modification date."""
    try:
        import extruct
    except ImportError:
        print("extruct is not installed (it is not a dependency): pip install extruct to compare", file=sys.stderr)
        return 2

    def found(obj) -> bool:
        if isinstance(obj, dict):
            return any((isinstance(k, str) and k.lower() in _STRUCTURED_KEYS) or found(v) for k, v in obj.items())
        return isinstance(obj, list) and any(found(x) for x in obj)

    def with_extruct(name: str) -> bool:
        try:
            return found(extruct.extract(pages[name], syntaxes=["json-ld", "microdata", "opengraph", "dublincore"],
                                         uniform=True, errors="ignore"))
        except Exception:
            return False

    bodies = {name: html.encode("utf-8") for name, html in pages.items()}
    tools = {
        "extruct": with_extruct,
        "content-decay (all facts)": lambda name: any(
            s.source in ("jsonld", "microdata", "meta") and s.name.lower() in _STRUCTURED_KEYS
            for s in extract_html(bodies[name], CONTENT_TYPE, urls[name]).signals),
        "content-decay (no dates)": lambda name: bool(extract_html(bodies[name], CONTENT_TYPE, urls[name], dates=False)),
    }
    best = {t: float("inf") for t in tools}
    hits = {}
    for r in range(runs):
        for tool, fn in tools.items():
            start = time.perf_counter()
            out = [fn(name) for name in pages]
            best[tool] = min(best[tool], time.perf_counter() - start)
            hits[tool] = sum(out)
    print(f"{len(pages)} pages: structured dates (JSON-LD, microdata, OpenGraph/article and Dublin Core meta)")
    for tool in ("extruct", "content-decay (all facts)"):
        print(f"  {tool:26s} {best[tool] / len(pages) * 1000:6.2f} ms/page, a publication or modification date on "
              f"{hits[tool]} pages")
    extra = (best["content-decay (all facts)"] - best["content-decay (no dates)"]) / len(pages) * 1000
    print(f"  (content-decay's extraction reads every date signal, not only the structured ones, for {extra:.2f} ms "
          f"per page more than without them)")
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("dataset", nargs="?", default=str(DEFAULT), help="folder with html/ and gold.json")
    ap.add_argument("--with-url", action="store_true", help="give both tools the page URL from gold.json")
    ap.add_argument("--runs", type=int, default=3, help="timing rounds (best of)")
    ap.add_argument("--show", type=int, default=40, help="how many pages where content-decay is wrong and htmldate right")
    ap.add_argument("--parsers", action="store_true", help="compare the date parsers instead")
    ap.add_argument("--extruct", action="store_true", help="compare extruct's structured-data reading instead")
    ap.add_argument("--only", nargs="*", help="only these files (for a quick look)")
    ap.add_argument("--json", help="write per-page results to this file")
    ap.add_argument("--no-cv", action="store_true", help="skip re-choosing the constants without each fold")
    ap.add_argument("--crawl", action="store_true",
                    help="serve the pages from a local server, run decay crawl and decay analyse, score page_dates")
    args = ap.parse_args(argv)

    root = Path(args.dataset)
    gold_path = root / "gold.json"
    if not gold_path.exists():
        print(f"no gold.json in {root}", file=sys.stderr)
        return 2
    gold = json.loads(gold_path.read_text(encoding="utf-8"))
    if args.only:
        gold = {k: v for k, v in gold.items() if k in set(args.only)}
    pages = {name: load_text(root / "html" / name) for name in gold}
    urls = {name: (item.get("url") or "") if args.with_url else "" for name, item in gold.items()}

    if args.parsers:
        compare_parsers(pages, urls, gold)
        return 0
    if args.extruct:
        return compare_extruct(pages, urls, max(1, args.runs))

    if args.crawl:
        import dates_crawl

        return dates_crawl.main(root, gold, pages, args)

    results, ms, tools, each = run_tools(pages, urls, max(1, args.runs))
    fallback, fallback_secs = with_fallback(results, each)
    results["+ htmldate fallback"] = fallback
    each["+ htmldate fallback"] = fallback_secs
    asked = [n for n, v in results["content-decay"].items() if v[0] is None]
    ms["+ htmldate fallback"] = ms["content-decay"] + sum(each["htmldate"][n] for n in asked) / max(1, len(pages)) * 1000
    days = {t: {k: v[0] for k, v in results[t].items()} for t in results}
    scores = {t: score(days[t], gold) for t in results}
    print_table(scores, ms, len(pages), "HTML and URL" if args.with_url else "HTML only (as htmldate's evaluation)")
    print(f"ms per page: CPU time, best of {max(1, args.runs)} rounds, the tools taking turns in one process")
    print(f"content-decay's {ms['content-decay']:.2f} ms is the crawl's whole reading (links with their regions, "
          f"texts by region, date signals) and the date analysis; without the date work the same extraction takes "
          f"{ms['without dates']:.2f} ms: the dates cost {ms['content-decay'] - ms['without dates']:.2f} ms per page")
    print(f"the date path (a date-only reader, extract_dates, and the same analysis): {ms['date path']:.2f} ms per page "
          f"against htmldate's {ms['htmldate']:.2f}; its (day, source) differs from the crawl path's on "
          f"{ms['date path differs']} of {len(pages)} pages")
    print(f"'+ htmldate fallback': htmldate asked only on the {len(asked)} pages where content-decay has no credible date")
    if len(gold) >= dates_groups.K * 10:
        fold_of = dates_groups.folds(gold)
        dates_groups.print_folds(dates_groups.per_fold(days, each, gold, fold_of), list(days))
        if not args.no_cv:
            now = datetime.now(timezone.utc)
            facts = {n: extract_html(pages[n].encode("utf-8"), CONTENT_TYPE, urls[n]) for n in pages}
            dates_groups.print_cv(dates_groups.cross_validate(analyse_only(facts, urls, now), gold, fold_of))
    ours, theirs = results["content-decay"], results["htmldate"]
    gaps = [(name, gold[name].get("published"), ours[name][0], theirs[name][0], ours[name][1])
            for name in gold if theirs[name][0] == gold[name].get("published") != ours[name][0]]
    wins = sum(1 for name in gold if ours[name][0] == gold[name].get("published") != theirs[name][0])
    print(f"\ncontent-decay right where htmldate is wrong: {wins}; wrong where htmldate is right: {len(gaps)}")
    for name, expected, o, t, source in gaps[: args.show]:
        print(f"  {name[:48]:48s} gold {expected}  ours {o or '-':10s}  htmldate {t or '-':10s}  ({source or 'nothing'})")
    if args.json:
        Path(args.json).write_text(json.dumps({n: {"gold": gold[n].get("published"), "ours": ours[n][0],
                                                   "source": ours[n][1], "htmldate": theirs[n][0]} for n in gold},
                                              indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
