"""Matching the text of a page: every term of every rule in one pass, patterns under a time limit.

Terms (of ``term``, ``banned_list`` and ``required`` rules) go into one Aho-Corasick automaton
(pyahocorasick) over lower-cased text: one pass over a page's text finds every occurrence of every
term, whatever the number of rules; each occurrence is then checked for whole-word boundaries and,
for a term that must match as written, its exact spelling.  Measured in ``benchmarks/rules_bench.py``
against one regular expression per rule and one combined alternation (README: "Rules").

Patterns are regular expressions of the ``regex`` module, run with a ``timeout``: a pattern that
backtracks catastrophically on a page (``(a|aa)+$``) stops there instead of hanging the analysis.
"""
from __future__ import annotations

import re
import time
from bisect import bisect_right
from dataclasses import dataclass, field
from typing import Any

import ahocorasick

from foundation.team_rules import Term

CONTEXT = 80          # characters of surroundings quoted either side of a match
MAX_HITS = 500        # hits kept per rule and page (the count goes on)


@dataclass
class Hit:
    rule: str                 # finding rule id (rules.<id> or checks.<name>)
    region: str               # content, code, nav, header, aside, footer, title, alt, link_urls, html, head
    text: str                 # what matched (or the element, the URL)
    context: str = ""         # the surroundings, the match between « »
    position: str = ""        # where on the page, when it can be part of the template (nav, header, aside, footer, head)
    key: str = ""             # one finding per (rule, page, key)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def signature(self) -> tuple:
        """What makes two pages' hits the same template hit: the rule, where in the template, and what matched."""
        return (self.rule, self.key, self.region, self.position, self.text)

    def as_evidence(self) -> dict[str, Any]:
        out: dict[str, Any] = {"text": self.text, "region": self.region}
        if self.context and self.context != self.text:
            out["context"] = self.context
        if self.position and self.position != self.region:
            out["position"] = self.position
        out.update(self.extra)
        return out


def is_word(c: str) -> bool:
    return c.isalnum() or c == "_"


def context(text: str, start: int, stop: int, width: int = CONTEXT) -> str:
    a, b = max(0, start - width), min(len(text), stop + width)
    if a > 0:
        sp = text.find(" ", a, start)
        a = sp + 1 if sp >= 0 else a
    if b < len(text):
        sp = text.rfind(" ", stop, b)
        b = sp if sp > stop else b
    return ("…" if a > 0 else "") + text[a:start] + "«" + text[start:stop] + "»" + text[stop:b] + ("…" if b < len(text) else "")


class TermIndex:
    """Every term of every rule, matched in one pass over a text."""

    def __init__(self, entries: list[tuple[int, Term]]) -> None:
        self.entries = entries
        self.automaton = ahocorasick.Automaton()
        groups: dict[str, list[tuple[int, Term]]] = {}
        for ri, t in entries:
            groups.setdefault(t.text.lower(), []).append((ri, t))
        for k, vals in groups.items():
            self.automaton.add_word(k, (len(k), vals))
        self.empty = not groups
        if not self.empty:
            self.automaton.make_automaton()
        self._slow: list[tuple[int, Term, re.Pattern[str]]] | None = None

    def search(self, text: str) -> list[tuple[int, Term, int, int]]:
        """(rule index, term, start, stop) of each whole-word occurrence; per rule, overlapping ones are dropped."""
        if self.empty or not text:
            return []
        low = text.lower()
        if len(low) != len(text):   # lower-casing changed the length (e.g. "İ"): offsets would not line up
            return self._search_slow(text)
        out = []
        n = len(text)
        for end, (length, vals) in self.automaton.iter(low):
            start, stop = end - length + 1, end + 1
            if start > 0 and is_word(text[start - 1]) and is_word(text[start]):
                continue
            if stop < n and is_word(text[stop]) and is_word(text[end]):
                continue
            seg = None
            for ri, t in vals:
                if t.exact:
                    if seg is None:
                        seg = text[start:stop]
                    if seg != t.text:
                        continue
                out.append((ri, t, start, stop))
        return _no_overlaps(out)

    def _search_slow(self, text: str) -> list[tuple[int, Term, int, int]]:
        if self._slow is None:
            self._slow = [(ri, t, re.compile(r"(?<!\w)" + re.escape(t.text) + r"(?!\w)", 0 if t.exact else re.I))
                          for ri, t in self.entries]
        return _no_overlaps([(ri, t, m.start(), m.end()) for ri, t, rx in self._slow for m in rx.finditer(text)])


def _no_overlaps(hits: list[tuple[int, Term, int, int]]) -> list[tuple[int, Term, int, int]]:
    if len(hits) < 2:
        return hits
    hits.sort(key=lambda h: (h[0], h[2], -h[3]))
    out, last_rule, last_end = [], None, -1
    for h in hits:
        if h[0] == last_rule and h[2] < last_end:
            continue
        out.append(h)
        last_rule, last_end = h[0], h[3]
    return out


def search_pattern(rx, text: str, deadline: float) -> list[tuple[int, int]]:
    """Spans of the pattern's matches; raises TimeoutError when the deadline (time.monotonic()) passes."""
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError
    out = []
    for m in rx.finditer(text, timeout=left):
        if m.end() > m.start():
            out.append((m.start(), m.end()))
            if len(out) >= MAX_HITS:
                break
    return out


class Joined:
    """Several short texts (alt texts, URLs) searched as one, each hit mapped back to its item."""

    def __init__(self, items: list[str]) -> None:
        self.items = items
        self.starts = []
        pos = 0
        for it in items:
            self.starts.append(pos)
            pos += len(it) + 1
        self.text = "\n".join(items)

    def item(self, offset: int) -> int:
        return bisect_right(self.starts, offset) - 1

    def local(self, start: int, stop: int) -> tuple[int, int, int]:
        i = self.item(start)
        return i, start - self.starts[i], min(stop, self.starts[i] + len(self.items[i])) - self.starts[i]
