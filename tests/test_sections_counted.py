"""A section's deep pages beyond the ones its item lists are only counted (analysis/sections.py Counted): the
section's item and the listed pages' findings are the same as when every page had a finding of its own."""
from __future__ import annotations

import random

from analysis.findings import Finding
from analysis.sections import LISTED, Counted, beyond_listed, group_sections

SITE, ORIGIN = "s", "https://e.example"


def _deep(url: str, depth: int, uid: int) -> Finding:
    return Finding(rule="links.deep_page", category="structure", severity="low", confidence=0.9, site=SITE, subject_url=url,
                   subject_id=uid, message=f"Deep page: {depth} clicks", title=None,
                   evidence={"depth": depth, "max_click_depth": 5, "path": [ORIGIN + "/"], "linking_pages": 1})


def _pages(rnd: random.Random) -> list[tuple[str, int, int]]:
    pages = [(f"{ORIGIN}/calendar/{i:04d}", rnd.randint(6, 40), i) for i in range(LISTED + 137)]   # a big section
    pages += [(f"{ORIGIN}/docs/{i}", rnd.randint(6, 9), 10_000 + i) for i in range(12)]            # a small group
    pages += [(f"{ORIGIN}/few/{i}", 7, 20_000 + i) for i in range(3)]                                 # not grouped
    pages += [(f"{ORIGIN}/calendar/tie-{i}", 40, 30_000 + i) for i in range(5)]                       # ties at the top
    return sorted(pages)


def _summary(findings) -> list:
    return [(f.id, f.severity, f.message, f.evidence_hash, sorted(f.evidence)) for f in findings]


def test_counting_beyond_the_listed_pages_gives_the_same_items_and_findings():
    rnd = random.Random(7)
    pages = _pages(rnd)
    every = [_deep(url, d, uid) for url, d, uid in pages]
    counted_keys = beyond_listed(pages)
    assert len(counted_keys) == len([p for p in pages if "/calendar/" in p[0]]) - LISTED   # only the big section's tail
    mixed = [Counted("links.deep_page", "structure", "low", 0.9, SITE, url, uid, d, 5) if uid in counted_keys
             else _deep(url, d, uid) for url, d, uid in pages]
    plain, fast = group_sections(every), group_sections(mixed)
    assert _summary(fast) == _summary(plain)
    section = [f for f in fast if f.subject_type == "section" and "calendar" in f.subject_url][0]
    assert section.evidence["pages"] == LISTED + 142 and len(section.evidence["listed"]) == LISTED
    assert not any(isinstance(f, Counted) for f in fast)


def test_counted_pages_never_leave_the_grouping_even_without_a_big_section():
    lone = Counted("links.deep_page", "structure", "low", 0.9, SITE, f"{ORIGIN}/x/y", 1, 9, 5)
    assert group_sections([lone, _deep(f"{ORIGIN}/a/b", 8, 2)])[0].subject_url == f"{ORIGIN}/a/b"
    assert len(group_sections([lone])) == 0
