"""Regular expressions with a time limit: one engine for URL patterns and pattern rules.

Python's ``re`` cannot be interrupted, so a pattern that backtracks catastrophically
(``(a+)+$``, ``(\\w+-?)+/print/``) on text taken from a crawled page keeps the process busy
for good.  The ``regex`` module takes a ``timeout=`` on every search and raises
TimeoutError when it passes; everything that matches user-written expressions against
crawled text goes through :func:`compile` and a ``timeout``.

:func:`slow_sample` runs a pattern on short and long hostile strings made of its own
characters ("aaaa…!"), each under a time limit: configuration checks use it to refuse a
pattern (URL patterns) or warn about it (pattern rules) before any crawl meets such text.
"""
from __future__ import annotations

import re
import time
from typing import Iterable

import regex

# the flags every user-written expression is compiled with (VERSION0: the syntax of Python's re)
FLAGS = regex.VERSION0

# URL-like samples: "https://example.org/" then a run of one character this long, then an end
URL_PROBE_LENGTHS = (40, 4000)
_PROBE_ENDS = ("!", "/")
_LITERAL_RUN = re.compile(r"(?:[A-Za-z0-9/_.=&?~%-]|\\.){2,}")


def compile(pattern: str, flags: int = 0) -> regex.Pattern:  # noqa: A001 (mirrors re.compile)
    """The pattern compiled by the time-limited engine; raises regex.error when it is not valid."""
    return regex.compile(pattern, FLAGS | flags)


def _pattern_chars(pattern: str, limit: int = 12) -> list[str]:
    """Characters the pattern itself uses (escapes such as \\w removed), the repeated material of a probe."""
    chars = dict.fromkeys(c for c in re.sub(r"\\[a-zA-Z]", "", pattern) if c.isalnum() or c in " -_.,")
    return list(chars)[:limit] or ["a"]


def text_samples(pattern: str) -> list[str]:
    """Short hostile texts for a pattern searched in page text (pattern rules)."""
    samples = [c * 40 + end for c in _pattern_chars(pattern) for end in ("!", "\x00", "")]
    return samples + ["a1 " * 30 + "!", "aaaa " * 20 + "\x00"]


def url_samples(pattern: str) -> list[str]:
    """Hostile URLs for a URL pattern: runs of the pattern's own characters (and "a", "1", "-") after the
    site root and after each literal piece of the pattern ("/news/"), 40 and 4,000 characters long."""
    chars = list(dict.fromkeys(_pattern_chars(pattern, 8) + ["a", "1", "-"]))
    prefixes = ["https://example.org/"]
    for lit in _LITERAL_RUN.findall(pattern)[:4]:
        lit = re.sub(r"\\(.)", r"\1", lit)
        prefixes.append("https://example.org" + (lit if lit.startswith("/") else "/" + lit))
    out = []
    for n in URL_PROBE_LENGTHS:
        for prefix in prefixes:
            for c in chars:
                for end in _PROBE_ENDS:
                    out.append(prefix + c * n + end)
    return out


def slow_sample(rx: regex.Pattern, samples: Iterable[str], budget: float = 0.05, total: float = 2.0,
                match: bool = False) -> str | None:
    """The first sample on which the pattern runs longer than ``budget`` seconds (or on which the samples together
    pass ``total`` seconds), or None when it is quick on all of them."""
    run = rx.match if match else rx.search
    deadline = time.monotonic() + total
    for s in samples:
        try:
            run(s, timeout=budget)
        except TimeoutError:
            return s
        if time.monotonic() > deadline:
            return s
    return None


def shown(sample: str) -> str:
    """A sample as a person reads it in a message: "https://example.org/aaaa… (4,001 characters, ending "!")"."""
    return f'{sample[:32]}… ({len(sample):,} characters, ending "{repr(sample[-1])[1:-1]}")'
