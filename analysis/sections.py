"""Many findings of one structural rule in one part of a site are one list item, not one per page.

A deep page or a dead end is usually not a defect of one page but of how a section is built: a calendar
whose "next month" links go on for years, a catalogue paginated 40 deep, a folder of exported documents
without navigation.  When ``GROUP_FROM`` or more pages of one section (the first path segment; query
variants of one path count as that path) have the same finding, the section gets one finding that lists
them (how many, the deepest, the list) and each listed page's own finding is kept as information.

At most ``LISTED`` pages are listed (the deepest first): the others are counted in the section's item
and its evidence says how to list them all from ``page_graph`` (depth, outlinks_internal), instead of
keeping one information finding each.  Measured (benchmarks/graph_bench.py): on the synthetic site of
1,000,000 pages 895,462 pages are deep, and writing an information finding for each costs more than
the whole rest of the link analysis, for rows no list shows.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

from analysis.findings import Finding, as_information
from foundation.catalog import worst
from foundation.urls import path_of, site_origin

RULES = frozenset(("links.deep_page", "links.dead_end"))
GROUP_FROM = 10
LISTED = 200
_QUERY = {"links.deep_page": "SELECT url, depth FROM page_graph WHERE site = '{site}' AND url LIKE '{prefix}%' AND depth > {limit} "
                             "ORDER BY depth DESC",
          "links.dead_end": "SELECT url FROM page_graph WHERE site = '{site}' AND url LIKE '{prefix}%' AND outlinks_internal = 0"}
_WORDS = {"links.deep_page": ("more than {limit} clicks from the start page (the deepest: {deepest} clicks)",
                              "link the section from a page nearer the start page, or shorten its chain of "
                              "pages (pagination, \"next\" links); if the pages are a trap (an endless calendar), "
                              "exclude them from the crawl"),
          "links.dead_end": ("without a link to another page of the site",
                             "add the site's navigation or related links to the section's template")}


def section_key(url: str) -> str:
    """'/calendar/' for /calendar?month=7 and /calendar/2019/07/, '/' for pages at the top."""
    path = path_of(url).split("?", 1)[0]
    parts = [p for p in path.split("/") if p]
    if len(parts) > 1 or (parts and "?" in path_of(url)):
        return "/" + parts[0] + "/"
    return "/"


@dataclass(slots=True)
class Counted:
    """A page its section's item counts without listing it (beyond the ``LISTED`` deepest): what the item needs of
    its finding, without building one.  On a million pages most deep pages are these (``beyond_listed``)."""
    rule: str
    category: str
    severity: str
    confidence: float
    site: str
    subject_url: str
    subject_id: int | None
    depth: int
    max_click_depth: int
    subject_type: str = "page"

    @property
    def evidence(self) -> dict[str, Any]:
        return {"depth": self.depth, "max_click_depth": self.max_click_depth}


def _order(url: str, depth: int | None) -> tuple:
    """A section's pages, as its item lists them: the deepest first, then by address."""
    return (-(depth or 0), url)


def beyond_listed(pages: Iterable[tuple[str, int, Any]]) -> set:
    """Of one site's pages with one rule's finding (url, depth, key), the keys of those ``group_sections`` would
    count without listing: in a section of ``GROUP_FROM`` or more, all but the ``LISTED`` first in its order."""
    by: dict[str, list[tuple[str, int, Any]]] = {}
    for page in pages:
        by.setdefault(section_key(page[0]), []).append(page)
    out = set()
    for members in by.values():
        if len(members) >= GROUP_FROM and len(members) > LISTED:
            members.sort(key=lambda m: _order(m[0], m[1]))
            out.update(m[2] for m in members[LISTED:])
    return out


def group_sections(findings: list[Finding | Counted]) -> list[Finding]:
    groups: dict[tuple[str, str, str], list[Finding]] = {}
    for f in findings:
        if f.rule in RULES and f.subject_type == "page" and f.severity != "info":
            groups.setdefault((f.site, f.rule, section_key(f.subject_url)), []).append(f)
    big = {k: fs for k, fs in groups.items() if len(fs) >= GROUP_FROM}
    if not big:
        return [f for f in findings if not isinstance(f, Counted)]
    order = lambda f: _order(f.subject_url, f.evidence.get("depth")) if isinstance(f.evidence, dict) else (0, f.subject_url)   # noqa: E731
    big = {k: sorted(fs, key=order) for k, fs in big.items()}
    listed = {id(f) for fs in big.values() for f in fs[:LISTED]}
    unlisted = {id(f) for fs in big.values() for f in fs[LISTED:]}
    out: list[Finding] = []
    for f in findings:
        if id(f) in listed:
            key = section_key(f.subject_url)
            f = as_information(f, f"One item for its section ({key}) lists it with the others.",
                               grouped=f"one item for its section ({key}) lists it")
        elif id(f) in unlisted or isinstance(f, Counted):
            continue   # counted in its section's item, listed by its query
        out.append(f)
    for (site, rule, key), fs in sorted(big.items()):
        first = fs[0].subject_url
        origin = site_origin(first)
        deepest = max((f.evidence.get("depth") or 0) for f in fs if isinstance(f.evidence, dict)) if rule == "links.deep_page" else 0
        limit = next((f.evidence.get("max_click_depth") for f in fs if isinstance(f.evidence, dict) and f.evidence.get("max_click_depth")), "?")
        what, fix = _WORDS[rule]
        severity = worst(f.severity for f in fs)
        out.append(Finding(
            rule=rule, category=fs[0].category, severity=severity, confidence=max(f.confidence for f in fs), site=site,
            subject_url=origin + key, subject_type="section", title=f"Section {key}",
            message=f"{len(fs)} pages under {key} are " + what.format(limit=limit, deepest=deepest) + ".",
            evidence={"section": key, "pages": len(fs), "fix": fix, "deepest": deepest or None,
                      "listed": [{"url": f.subject_url, "depth": f.evidence.get("depth") if isinstance(f.evidence, dict) else None}
                                 for f in fs[:LISTED]],
                      **({"not_listed": f"{len(fs) - LISTED} more pages, counted here without a finding each; all of them: "
                                        + _QUERY[rule].format(site=site.replace("'", "''"), prefix=(origin + key.rstrip("/")).replace("'", "''"),
                                                              limit=limit)} if len(fs) > LISTED else {})},
            material={"section": key, "pages": sorted(f.subject_url for f in fs)},
            key=rule.split(".")[-1],
        ))
    return out
