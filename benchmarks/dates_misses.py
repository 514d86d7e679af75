"""The pages to work on, classified: where content-decay says nothing (or a wrong day) and htmldate is right.

    python benchmarks/dates_misses.py [DATASET_DIR] [--all] [--context 90]

For each such page of the gold set (default ../shared/data/dates-dev): what content-decay decided and from
which evidence, and where the gold day is written in the HTML (searched in the usual spellings:
2016-05-22, 2016/05/22, 20160522, 22.05.2016, 22 May 2016, May 22, 2016 ...), each place with the form it
takes (a non-LD <script>, an attribute, a link's path, a © notice, a *-time class, text), so that the misses
can be grouped into classes of forms the extractors do not read.  ``--all`` also lists pages where both
tools are wrong.  The class of a place is a guess from the few characters around it: read the context.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from datetime import date, datetime, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from analysis.dates import PageInput, page_candidates, resolve  # noqa: E402
from foundation.reading.page import extract_html  # noqa: E402

import dates_eval  # noqa: E402

_MONTHS = ("january february march april may june july august september october november december".split(),
           "januar februar märz april mai juni juli august september oktober november dezember".split())


def spellings(d: date) -> list[str]:
    """The ways a page may write day d (regular-expression fragments)."""
    y, m, dd = d.year, d.month, d.day
    out = [f"{y}-{m:02d}-{dd:02d}", f"{y}/{m:02d}/{dd:02d}", f"{y}{m:02d}{dd:02d}", rf"0?{dd}\.\s?0?{m}\.\s?(?:{y}|{y % 100:02d})",
           f"0?{dd}/0?{m}/{y}", f"0?{m}/0?{dd}/{y}"]
    for names in _MONTHS:
        name = names[m - 1]
        out.append(rf"0?{dd}\.?\s{name[:3]}\w*\.?,?\s{y}")
        out.append(rf"{name[:3]}\w*\.?\s0?{dd}(?:st|nd|rd|th)?,?\s{y}")
    return out


def form(html: str, start: int, end: int) -> str:
    """A guess at the form a date is written in, from where it sits in the HTML."""
    before = html[max(0, start - 400):start]
    lower = before.lower()
    script = lower.rfind("<script")
    if script > lower.rfind("</script"):
        tag = before[script:script + 80].lower()
        return "script ld+json" if "ld+json" in tag else "script (not LD)"
    tag_open = before.rfind("<")
    if tag_open > before.rfind(">"):
        attr = re.findall(r"([\w:-]+)\s*=\s*[\"']?[^\"'<>]*$", before[tag_open:])
        return f"attribute {attr[-1] if attr else '?'} of <{before[tag_open + 1:].split()[0][:20]}>"
    if "©" in before[-30:] or "copyright" in lower[-40:]:
        return "copyright"
    return "text"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("dataset", nargs="?", default=str(dates_eval.DEFAULT))
    ap.add_argument("--all", action="store_true", help="also pages where both tools are wrong")
    ap.add_argument("--context", type=int, default=90, help="characters of HTML shown either side of a hit")
    ap.add_argument("--htmldate", help="a --json file of dates_eval.py (htmldate's answers, not recomputed)")
    args = ap.parse_args(argv)
    root = Path(args.dataset)
    gold = json.loads((root / "gold.json").read_text(encoding="utf-8"))
    now = datetime.now(timezone.utc)
    theirs = {}
    if args.htmldate:
        theirs = {n: v["htmldate"] for n, v in json.loads(Path(args.htmldate).read_text()).items()}
    classes: Counter[str] = Counter()
    for name, item in gold.items():
        expected = item.get("published")
        if not expected:
            continue
        html = dates_eval.load_text(root / "html" / name)
        facts = extract_html(html.encode("utf-8"), dates_eval.CONTENT_TYPE, "")
        cands = page_candidates(PageInput(url="", fetched_at=now, signals=facts.signals, lang=facts.lang), now=now)
        d = resolve(cands, now=now)
        ours = d.published_at.strftime("%Y-%m-%d") if d.published_at else None
        if ours == expected:
            continue
        if name in theirs:
            t = theirs[name]
        else:
            t = dates_eval.htmldate_tool(html, "", now)[0]
        if t != expected and not args.all:
            continue
        kind = "no answer" if ours is None else "wrong day"
        print(f"\n== {name}: gold {expected}, ours {ours or '-'} ({d.published_source or 'nothing'}), htmldate {t or '-'}")
        print(f"   {kind}; {d.explanation[:200]}")
        g = date.fromisoformat(expected)
        seen = set()
        hits = []
        for pat in spellings(g):
            for m in re.finditer(rf"(?<![\d]){pat}(?![\d])", html, re.I):
                if m.start() not in seen:
                    seen.add(m.start())
                    hits.append(m)
        hits.sort(key=lambda m: m.start())
        forms = Counter()
        for m in hits[:8]:
            f = form(html, m.start(), m.end())
            forms[f.split(" of ")[0]] += 1
            ctx = html[max(0, m.start() - args.context):m.end() + args.context].replace("\n", " ")
            print(f"   [{f}] ...{ctx}...")
        for c in cands:
            if c.value is not None and c.value.strftime("%Y-%m-%d") == expected:
                print(f"   read: {c.label} [{c.context}] accepted={c.accepted} {c.reason[:100]}")
        classes[f"{kind}: " + (", ".join(sorted(forms)) or "gold day not written in the HTML")] += 1
    print("\nclasses (by where the gold day is written):")
    for k, n in classes.most_common():
        print(f"  {n:3d}  {k}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
