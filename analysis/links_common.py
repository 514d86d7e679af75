"""What the link rules share (``analysis/links.py`` runs them): their categories, the context of one site's
analysis (the graph, what was computed on it, the settings), and how a failed answer is said and trusted."""
from __future__ import annotations

import sqlite3
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from http import HTTPStatus
from typing import Any, Callable

from analysis.findings import Finding
from analysis.graph import Depths, LinkRef, Orphans, SiteGraph
from analysis.twins import TWIN_RULES
from foundation.catalog import categories
from foundation.config import Links

LINK_RULES = {   # rule -> category (foundation/catalog.py)
    **TWIN_RULES,   # links to twin URLs: http:// to the own https site, /x/index.html for /x/ (analysis/twins.py)
    **categories("links.orphan", "links.orphan_island", "links.deep_page", "links.dead_end", "links.broken_internal",
                 "links.redirect_chain", "links.redirect_loop", "links.to_redirect", "links.broken_external",
                 "links.broken_template", "links.reached_only_through_outdated", "links.sitemap_broken",
                 "links.sitemap_redirect", "links.external_unchecked"),
}


@dataclass
class Context:
    """Everything the rules share: the graph, what was computed on it, the settings."""
    conn: sqlite3.Connection
    g: SiteGraph
    cfg: Links
    now: datetime
    depths: Depths           # node -> clicks from a start page (graph.click_depths)
    orphans: Orphans
    flagged: set[int]                      # nodes the date analysis found outdated or expired
    exempt: Callable[[str], str | None]
    home: str = ""                         # the site's first start URL: subject of site and template findings
    template_min_pages: int = 3

    def finding(self, rule: str, n_or_url: int | str, severity: str, confidence: float, message: str,
                evidence: dict[str, Any], subject_id: int | None = None, title: str | None = None) -> Finding:
        if isinstance(n_or_url, int):
            node = self.g.nodes[n_or_url]
            url, subject_id, title = node.url, node.url_id, node.title
        else:
            url = n_or_url
        return Finding(rule=rule, category=LINK_RULES[rule], severity=severity, confidence=confidence, site=self.g.site,
                       subject_url=url, subject_id=subject_id, title=title, message=message, evidence=evidence)

    def listed(self, refs: list[LinkRef]) -> dict[str, Any]:
        """The linking pages as evidence: every one up to max_listed, always with complete counts."""
        out: dict[str, Any] = {
            "links": len(refs),
            "linking_pages": len({r.source for r in refs}),
            "by_position": dict(Counter(r.position or "unknown" for r in refs).most_common()),
            "linked_from": [r.as_evidence() for r in refs[:self.cfg.max_listed]],
        }
        if len(refs) > self.cfg.max_listed:
            out["not_listed"] = (f"{len(refs) - self.cfg.max_listed} more links; all of them: SELECT * FROM link_urls "
                                 f"WHERE target_url = '<this URL>'")
        return out


def answer_of(status: int | None, error: str | None) -> str:
    if status is None:
        return f"fails ({error})" if error else "fails"
    try:
        return f"answers {status} {HTTPStatus(status).phrase}"
    except ValueError:
        return f"answers {status}"


def broken_confidence(status: int | None, *, external: bool = False) -> float:
    """How sure a failed check means a broken link: a 404 is; a 403 or 429 may only refuse the crawler."""
    if status in (404, 410):
        return 0.9 if external else 0.95
    if status in (401, 403, 405, 406, 429, 451, 999):
        return 0.3 if external else 0.6
    return 0.6 if external else 0.7   # 5xx, timeouts, refused connections: may be passing
