"""Would python-dateutil earn a job as a fallback date parser?  Measured on a gold set.

    python benchmarks/dates_dateutil.py [DATASET_DIR]

DATASET_DIR (default ../shared/data/dates-dev; see benchmarks/dates_eval.py) holds ``html/`` and ``gold.json``.
Every page is read once through the production extraction (``extract_html``); the raw date values it records
are then parsed by content-decay's own parser alone, and by the same parser with python-dateutil asked only for
the values it rejects (strict: the whole value must be a date; fuzzy: dateutil skips the words it does not
know).  For each: the values parsed, the values only dateutil read, and the publication dates the resolver
picks, scored as benchmarks/dates_eval.py scores them (exact day = true positive).
"""
from __future__ import annotations

import json
import sys
import time
import warnings
from datetime import datetime, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from dateutil import parser as du  # noqa: E402

import analysis.dates.candidates as cand_mod  # noqa: E402
from analysis.dates import PageInput, page_candidates, resolve  # noqa: E402
from analysis.dates.parse import UTC, parse_date_relative  # noqa: E402
from foundation.reading.page import extract_html  # noqa: E402

from dates_eval import DEFAULT, load_text, score  # noqa: E402  (one loader and one scorer for the dates benchmarks)


def fallback(fuzzy: bool):
    def parse(raw, *, now, lang=None):
        got = parse_date_relative(raw, now=now, lang=lang)
        if got[0] is not None:
            return got
        try:
            v = du.parse(str(raw)[:300], fuzzy=fuzzy, dayfirst=True, default=datetime(now.year, 1, 1))
        except (ValueError, OverflowError, TypeError):
            return got
        precision = "time" if (v.hour, v.minute, v.second) != (0, 0, 0) else "day"
        return (v.replace(tzinfo=UTC) if v.tzinfo is None else v.astimezone(UTC)), precision, "", False
    return parse


def main() -> int:
    root = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT
    if not (root / "gold.json").exists():
        print(f"no gold.json in {root}", file=sys.stderr)
        return 2
    warnings.filterwarnings("ignore")
    gold = json.loads((root / "gold.json").read_text(encoding="utf-8"))
    now = datetime.now(timezone.utc)
    facts = {name: extract_html(load_text(root / "html" / name).encode("utf-8"), "text/html; charset=utf-8", "")
             for name in gold}
    values = [s.value for f in facts.values() for s in f.signals if s.source != "copyright"]
    rejected = [v for v in values if parse_date_relative(v, now=now)[0] is None]
    print(f"{len(gold)} pages, {len(values)} raw date values, {len(rejected)} rejected by content-decay's parser")
    print(f"{'parser':34s} {'parsed':>6s} {'by dateutil':>11s} {'us/value':>8s} {'accuracy':>8s} {'F-score':>7s}   tp  fp  tn  fn")
    variants = {"content-decay alone": parse_date_relative, "+ dateutil fallback (strict)": fallback(False),
                "+ dateutil fallback (fuzzy)": fallback(True)}
    samples = {}
    for label, fn in variants.items():
        start = time.perf_counter()
        parsed = [v for v in values if fn(v, now=now)[0] is not None]
        us = (time.perf_counter() - start) / max(1, len(values)) * 1e6
        extra = [v for v in rejected if fn(v, now=now)[0] is not None]
        samples[label] = extra[:8]
        original = cand_mod.parse_date_relative
        cand_mod.parse_date_relative = fn
        cand_mod._parse.cache_clear()
        try:
            days = {}
            for name, f in facts.items():
                d = resolve(page_candidates(PageInput(url="", fetched_at=now, signals=f.signals, lang=f.lang), now=now), now=now)
                days[name] = d.published_at.strftime("%Y-%m-%d") if d.published_at else None
        finally:
            cand_mod.parse_date_relative = original
            cand_mod._parse.cache_clear()
        s = score(days, gold)
        print(f"{label:34s} {len(parsed):6d} {len(extra):11d} {us:8.1f} {s['accuracy']:8.3f} {s['fscore']:7.3f}  "
              f"{s['tp']:3d} {s['fp']:3d} {s['tn']:3d} {s['fn']:3d}")
    for label, extra in samples.items():
        if extra:
            print(f"\nread only by {label}: " + "; ".join(repr(v[:60]) for v in extra))
    return 0


if __name__ == "__main__":
    sys.exit(main())
