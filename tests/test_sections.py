"""Many deep pages or dead ends of one section are one list item (analysis/sections.py)."""
from __future__ import annotations

from analysis.findings import Finding
from analysis.sections import GROUP_FROM, group_sections, section_key

SITE = "https://www.example.org"


def deep(path: str, depth: int) -> Finding:
    return Finding("links.deep_page", "orphaned", "low", 0.9, "main", SITE + path, f"Deep page: {depth} clicks",
                   {"depth": depth, "max_click_depth": 4}, subject_id=hash(path) & 0xFFFF)


def test_section_key_reads_query_variants_as_their_path():
    assert section_key(SITE + "/calendar?month=7") == "/calendar/"
    assert section_key(SITE + "/calendar/2019/07/") == "/calendar/"
    assert section_key(SITE + "/about/") == "/"
    assert section_key(SITE + "/") == "/"


def test_many_deep_pages_of_one_section_are_one_finding_and_few_stay_their_own():
    fs = [deep(f"/calendar?month={m}", 5 + m) for m in range(GROUP_FROM + 2)] + [deep("/docs/a/b/", 6), deep("/docs/c/", 5)]
    out = group_sections(fs)
    sections = [f for f in out if f.subject_type == "section"]
    assert len(sections) == 1 and sections[0].subject_url == SITE + "/calendar/"
    assert sections[0].evidence["pages"] == GROUP_FROM + 2 and sections[0].evidence["deepest"] == 5 + GROUP_FROM + 1
    assert f"{GROUP_FROM + 2} pages under /calendar/ are more than 4 clicks" in sections[0].message
    months = [f for f in out if f.subject_type == "page" and "/calendar" in f.subject_url]
    assert len(months) == GROUP_FROM + 2 and {f.severity for f in months} == {"info"}
    docs = [f for f in out if "/docs/" in f.subject_url]
    assert len(docs) == 2 and {f.severity for f in docs} == {"low"}
