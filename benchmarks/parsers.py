"""Why the crawler parses with Lexbor (selectolax): the cost per page of the alternatives, on the real flink pages.

    python benchmarks/parsers.py [SITE_DIR]

Prints milliseconds per page (best of 5 rounds, interleaved) for:
content-decay's extract_html (every fact: links with regions, texts, date signals),
the parsers alone (Lexbor through selectolax, lxml, BeautifulSoup with lxml),
the links alone with lxml's iterlinks and with BeautifulSoup,
and htmldate's find_date (one date per page) for scale.  BeautifulSoup and htmldate are not dependencies of
content-decay (README: Libraries, and why): their rows appear when they are installed.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import lxml.html
from selectolax.lexbor import LexborHTMLParser

from foundation.reading.page import extract_html

DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "data" / "sites" / "flink"


def main() -> None:
    root = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT
    bodies = [p.read_bytes() for p in sorted(root.rglob("*.html"))]
    if not bodies:
        sys.exit(f"no HTML files under {root}")
    cases = {
        "content-decay extract_html (all facts)": lambda b: extract_html(b, "text/html"),
        "Lexbor (selectolax): parse only": lambda b: LexborHTMLParser(b),
        "lxml.html: parse only": lambda b: lxml.html.fromstring(b),
        "lxml.html: parse + iterlinks": lambda b: list(lxml.html.fromstring(b).iterlinks()),
    }
    try:
        from bs4 import BeautifulSoup

        cases["BeautifulSoup(lxml): parse only"] = lambda b: BeautifulSoup(b, "lxml")
        cases["BeautifulSoup(lxml): parse + links with text"] = lambda b: [
            (e.get("href") or e.get("src"), e.get_text(" ", strip=True))
            for e in BeautifulSoup(b, "lxml").find_all(["a", "link", "img", "script", "iframe", "area"])]
    except ImportError:
        print("(beautifulsoup4 is not installed: pip install beautifulsoup4 to compare it)", file=sys.stderr)
    try:
        from htmldate import find_date

        cases["htmldate find_date (one date)"] = lambda b: find_date(b.decode("utf-8", "replace"), original_date=True)
    except ImportError:
        pass
    best = {k: float("inf") for k in cases}
    for _ in range(5):
        for name, fn in cases.items():
            t = time.perf_counter()
            for b in bodies:
                fn(b)
            best[name] = min(best[name], (time.perf_counter() - t) / len(bodies) * 1000)
    base = best["content-decay extract_html (all facts)"]
    print(f"{len(bodies)} pages from {root}")
    for name, ms in best.items():
        print(f"  {name:48s} {ms:7.2f} ms/page  ({ms / base:4.1f}x)")


if __name__ == "__main__":
    main()
