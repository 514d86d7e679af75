"""What the dates benchmarks share (dates_eval.py, dates_crawl.py, dates_dateutil.py): the gold set's place and its
pages' text, the production path's published day of a page, the score against the gold set and its table."""
from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from analysis.dates import PageInput, page_candidates, resolve  # noqa: E402
from foundation.reading.page import extract_html  # noqa: E402

import dates_groups  # noqa: E402

DEFAULT = REPO.parent / "shared" / "data" / "dates-dev"
CONTENT_TYPE = "text/html; charset=utf-8"


def load_text(path: Path) -> str:
    """The file as text: UTF-8, else the encoding charset_normalizer detects (htmldate's comparison does the same)."""
    data = path.read_bytes()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        from charset_normalizer import from_bytes

        best = from_bytes(data).best()
        return str(best) if best is not None else data.decode("utf-8", "replace")


def content_decay(body: bytes, url: str, now: datetime) -> tuple[str | None, str | None]:
    """(published day or None, winning source): the production path, from the body bytes a crawl receives."""
    return _published(extract_html(body, CONTENT_TYPE, url), url, now)


def _published(facts, url: str, now: datetime) -> tuple[str | None, str | None]:
    """The published day and its source, judged from a reading's date signals as the analysis judges them."""
    page = PageInput(url=url, fetched_at=now, signals=facts.signals, lang=facts.lang)
    dates = resolve(page_candidates(page, now=now), now=now)
    if dates.published_at is None:
        return None, None
    return dates.published_at.strftime("%Y-%m-%d"), dates.published_source


def score(results: dict[str, str | None], gold: dict[str, dict]) -> dict[str, float]:
    tp, fp, tn, fn = dates_groups.counts(results, gold, gold)
    return {
        "tp": tp, "fp": fp, "tn": tn, "fn": fn,
        "precision": tp / (tp + fp) if tp + fp else 0.0,
        "recall": tp / (tp + fn) if tp + fn else 0.0,
        "accuracy": (tp + tn) / (tp + tn + fp + fn) if gold else 0.0,
        "fscore": 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0,
    }


def print_table(scores: dict[str, dict], ms: dict[str, float], n: int, mode: str) -> None:
    print(f"{n} pages, {mode}")
    print(f"{'':20s} {'precision':>9s} {'recall':>7s} {'accuracy':>8s} {'F-score':>7s} {'ms/page':>8s}   tp  fp  tn  fn")
    for tool, s in scores.items():
        print(f"{tool:20s} {s['precision']:9.3f} {s['recall']:7.3f} {s['accuracy']:8.3f} {s['fscore']:7.3f} "
              f"{ms[tool]:8.2f}  {s['tp']:3d} {s['fp']:3d} {s['tn']:3d} {s['fn']:3d}")
