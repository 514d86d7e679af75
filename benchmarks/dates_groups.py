"""Grouped evaluation for ``dates_eval.py``: generalisation, not fit.

The dev set is split by source: each page's registrable domain (of its gold URL; an archived page by the
archived site's domain) goes to one of ``K`` folds by a stable hash, so no site is in two folds.  Two
readings:

- **per fold**: content-decay and htmldate side by side on each fold (F, accuracy, ms per page); the spread
  over folds says how much a score depends on which sites happen to be in the set.
- **tuned without the fold** (cross-validation of the heuristics' constants): the resolver's and validators'
  constants (``KNOBS``: weights, thresholds, each new rule's switch) were chosen looking at the whole set.
  For each fold, each knob's value is chosen again (one knob at a time, the others as shipped) on the
  *other* folds only, and the fold is scored with that choice.  A constant or a rule that only helps the
  pages it was made for is not chosen when those pages are held out, and the held-out score drops: the gap
  between "as shipped" and "tuned without the fold" is the part of the score that is fit.
"""
from __future__ import annotations

import importlib
import time
import zlib
from collections.abc import Callable
from urllib.parse import urlsplit

K = 5
_SECOND_LEVEL = frozenset(("co", "com", "org", "net", "gov", "ac", "edu", "or", "ne", "go"))

# (module, constant, values tried): the first value is the prior (the value before issue 17's tuning, or
# the rule switched off); the shipped value is the module's own and is always tried
KNOBS: list[tuple[str, str, tuple]] = [
    ("analysis.dates.resolve", "SHOWN_DAY_WEIGHT", (6.0, 3.0, 4.0, 5.0, 7.0)),
    ("analysis.dates.resolve", "LISTING_WEIGHT", (3.0, 2.0, 4.0, 5.0)),
    ("analysis.dates.resolve", "LISTING_ITEMS", (3, 2, 4)),
    ("analysis.dates.validate", "STALE_META_YEARS", (None, 1, 2, 3, 5)),
    ("analysis.dates.validate", "TEASER_DATES", (False, True)),
    ("analysis.dates.resolve", "BYLINE_DAY", (False, True)),
    # issue 17, phase 2: forms read from scripts, attributes and notices, and the container around a dated element
    ("analysis.dates.validate", "SCRIPT_DATES", (False, True)),
    ("analysis.dates.validate", "CONTAINER_DATES", (False, True)),
    ("analysis.dates.weights", "SCRIPT_WEIGHT", (4.5, 3.0, 6.0)),
    ("analysis.dates.weights", "COPYRIGHT_DAY_WEIGHT", (3.0, 1.5, 5.0)),
]


def domain(url: str) -> str:
    """The registrable domain of a gold URL ('www.zeit.de/...' -> 'zeit.de'; a web.archive.org copy -> the
    archived site's)."""
    host = (urlsplit(url).hostname or "").lower()
    if host == "web.archive.org":
        path = urlsplit(url).path
        i = path.find("http")
        if i >= 0:
            host = (urlsplit(path[i:].replace(":/", "://", 1).replace(":///", "://")).hostname or host).lower()
    labels = host.split(".")
    if len(labels) >= 3 and labels[-2] in _SECOND_LEVEL and len(labels[-1]) == 2:
        return ".".join(labels[-3:])
    return ".".join(labels[-2:])


def folds(gold: dict[str, dict], k: int = K) -> dict[str, int]:
    """File name -> fold, grouped by domain (a stable hash: the same split on every run and machine)."""
    return {name: zlib.crc32(domain(item.get("url") or name).encode()) % k for name, item in gold.items()}


def counts(results: dict[str, str | None], gold: dict[str, dict], names) -> list[int]:
    tp = fp = tn = fn = 0
    for name in names:
        result, expected = results[name], gold[name].get("published")
        if result is None and expected is None:
            tn += 1
        elif result is None:
            fn += 1
        elif result == expected:
            tp += 1
        else:
            fp += 1
    return [tp, fp, tn, fn]


def _f(c: list[int]) -> float:
    tp, fp, tn, fn = c
    return 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0


def _acc(c: list[int]) -> float:
    return (c[0] + c[2]) / sum(c) if sum(c) else 0.0


def per_fold(results: dict[str, dict[str, str | None]], times: dict[str, dict[str, float]], gold: dict[str, dict],
             fold_of: dict[str, int], k: int = K) -> list[dict]:
    """One row per fold: pages, domains, and per tool F, accuracy and ms per page."""
    rows = []
    for f in range(k):
        names = [n for n in gold if fold_of[n] == f]
        row = {"fold": f, "pages": len(names), "domains": len({domain(gold[n].get("url") or n) for n in names})}
        for tool, res in results.items():
            c = counts(res, gold, names)
            row[tool] = {"fscore": _f(c), "accuracy": _acc(c),
                         "ms": sum(times[tool][n] for n in names) / max(1, len(names)) * 1000}
        rows.append(row)
    return rows


def print_folds(rows: list[dict], tools: list[str]) -> None:
    print(f"\ngrouped by site: {len(rows)} folds of whole domains (no site in two folds)")
    head = "".join(f" {t[:22]:>22s}" for t in tools)
    print(f"{'fold':>4s} {'pages':>5s} {'sites':>5s}{head}      (F / accuracy / ms per page)")
    for r in rows:
        cells = "".join((f" {r[t]['fscore']:.3f}/{r[t]['accuracy']:.3f}" + (f"/{r[t]['ms']:4.1f}" if r[t]['ms'] else ""))
                        .rjust(23) for t in tools)
        print(f"{r['fold']:4d} {r['pages']:5d} {r['domains']:5d}{cells}")
    for label, fn in (("mean", lambda xs: sum(xs) / len(xs)), ("worst", min)):
        cells = "".join(f" {fn([r[t]['fscore'] for r in rows]):.3f}/{fn([r[t]['accuracy'] for r in rows]):.3f}"
                        .rjust(23) for t in tools)
        print(f"{label:>16s}{cells}")


def cross_validate(run: Callable[[], dict[str, str | None]], gold: dict[str, dict], fold_of: dict[str, int],
                   k: int = K) -> dict:
    """For each fold, each knob re-chosen on the other folds, the fold scored with the choices together.
    ``run()`` returns file name -> published day with the modules' current constants.  A knob's first value
    is its prior (a rule switched off, or the value it had before any tuning): another value must do
    strictly better on the other folds to be chosen, so a rule that only helps pages of the held-out fold is
    switched off for it."""
    shipped = run()
    start = time.perf_counter()
    knobs = []   # (module object, attr, shipped value, {value: results})
    for module, attr, values in KNOBS:
        mod = importlib.import_module(module)
        if not hasattr(mod, attr):
            continue
        own = getattr(mod, attr)
        tried = {own: shipped}
        for v in values:
            if v in tried:
                continue
            setattr(mod, attr, v)
            try:
                tried[v] = run()
            finally:
                setattr(mod, attr, own)
        knobs.append((mod, attr, own, values[0], tried))
    held = [0, 0, 0, 0]
    ship = [0, 0, 0, 0]
    changes: list[str] = []
    for f in range(k):
        train = [n for n in gold if fold_of[n] != f]
        test = [n for n in gold if fold_of[n] == f]
        choice = {}
        for mod, attr, own, prior, tried in knobs:
            scores = {v: _f(counts(res, gold, train)) for v, res in tried.items()}
            top = max(scores.values())
            pick = prior if scores.get(prior, -1) >= top - 1e-9 else own if scores[own] >= top - 1e-9 else \
                max(scores, key=scores.get)
            if pick != own:
                choice[(mod, attr)] = pick
        if choice:
            saved = {key: getattr(*key) for key in choice}
            for (mod, attr), v in choice.items():
                setattr(mod, attr, v)
            try:
                res = run()
            finally:
                for (mod, attr), v in saved.items():
                    setattr(mod, attr, v)
            changes.append(f"fold {f}: " + ", ".join(f"{a}={v}" for (_, a), v in choice.items()))
        else:
            res = shipped
        c = counts(res, gold, test)
        s = counts(shipped, gold, test)
        held = [a + b for a, b in zip(held, c)]
        ship = [a + b for a, b in zip(ship, s)]
        if choice:
            changes[-1] += f" (held-out F {_f(s):.3f} as shipped -> {_f(c):.3f})"
    seconds = time.perf_counter() - start
    return {"shipped": {"fscore": _f(ship), "accuracy": _acc(ship)},
            "held_out": {"fscore": _f(held), "accuracy": _acc(held)},
            "changes": changes, "variants": sum(len(t) - 1 for *_, t in knobs), "knobs": len(knobs),
            "seconds": seconds}


def print_cv(cv: dict) -> None:
    print(f"\nconstants re-chosen without each fold ({cv['variants']} variants of {cv['knobs']} knobs, "
          f"{cv['seconds']:.1f} s):")
    print(f"  as shipped (chosen on all pages): F {cv['shipped']['fscore']:.3f}  accuracy {cv['shipped']['accuracy']:.3f}")
    print(f"  tuned without the fold (unseen):  F {cv['held_out']['fscore']:.3f}  accuracy {cv['held_out']['accuracy']:.3f}")
    for line in cv["changes"] or ["no fold would choose another value"]:
        print("   ", line)
