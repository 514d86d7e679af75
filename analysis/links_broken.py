"""Broken links: internal targets that answer 4xx/5xx or fail, one finding per target, and the broken links
of the site template, one finding per template region.  (External targets: ``analysis/links_external.py``.)"""
from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from typing import Any, Iterable

from analysis.findings import Finding
from analysis.graph import ELEMENT_NAMES, NAV_KINDS, REGION_NAMES, TEMPLATE_POSITIONS, LinkRef, link_details
from analysis.links_common import LINK_RULES, Context, answer_of, broken_confidence

TEMPLATE_REGIONS = TEMPLATE_POSITIONS | {"aside"}   # where a link shared by many pages is the site template's


def _what(kinds: Iterable[str], node_kind: str | None) -> str:
    kinds = set(kinds)
    if kinds and not kinds & NAV_KINDS:
        return " and ".join(sorted({ELEMENT_NAMES.get(k, k) for k in kinds}))
    return "link" if node_kind != "resource" else "link to a file"


@dataclass
class Broken:
    """A link target that answers 4xx/5xx or fails, with every link to it (read by broken_link_findings)."""
    url: str
    subject_id: int
    node: int | None            # internal targets: the graph node
    external: bool
    status: int | None
    error: str | None
    answer: str
    what: str                   # link, image, link to a file, ...
    links: list[LinkRef]
    extra: dict[str, Any]       # redirect_chain (internal), checked_with/checked_at (external)
    via: str = ""               # " (through the redirect to ...)"

    @property
    def confidence(self) -> float:
        return broken_confidence(self.status, external=self.external)


def broken_internal(ctx: Context) -> list[Broken]:
    """Internal targets that answer 4xx/5xx or fail (or a redirect that ends on one), with every link to them."""
    g = ctx.g
    broken: dict[int, list[list[Any]] | None] = {}
    for n, node in enumerate(g.nodes):
        if not g.current(n):
            continue
        if node.outcome in ("http_error", "failed"):
            broken[n] = None
        elif node.outcome == "redirect" and node.final is not None and g.nodes[node.final].outcome in ("http_error", "failed"):
            broken[n] = _chain(ctx, n)
    if not broken:
        return []
    refs = link_details(ctx.conn, g, (g.nodes[n].url_id for n in broken))
    errors = dict(ctx.conn.execute("SELECT url_id, error FROM pages WHERE site = ? AND crawl_id = ? AND outcome IN "
                                   "('http_error', 'failed', 'redirect')", [g.site, g.crawl_id]))
    out = []
    for n in sorted(broken, key=lambda n: g.nodes[n].url):
        links = refs.get(g.nodes[n].url_id)
        if not links:
            continue
        node = g.nodes[n]
        end = g.nodes[node.final] if broken[n] else node
        error = errors.get(end.url_id)
        extra: dict[str, Any] = {"redirect_chain": broken[n]} if broken[n] else {}
        out.append(Broken(node.url, node.url_id, n, False, end.status, error, answer_of(end.status, error),
                          _what((r.kind for r in links), node.kind), links, extra,
                          f" (through the redirect to {end.url})" if broken[n] else ""))
    return out


def _template_links(ctx: Context, broken: list[Broken]) -> dict[str, list[tuple[Broken, list[LinkRef]]]]:
    """Template region -> the broken targets linked from that region of at least template_min_pages pages."""
    regions: dict[str, list[tuple[Broken, list[LinkRef]]]] = {}
    for b in broken:
        by_region: dict[str, list[LinkRef]] = {}
        for r in b.links:
            if r.position in TEMPLATE_REGIONS and r.kind in NAV_KINDS:
                by_region.setdefault(r.position, []).append(r)
        for region, refs in by_region.items():
            if len({r.source for r in refs}) >= ctx.template_min_pages:
                regions.setdefault(region, []).append((b, refs))
    return regions


def broken_link_findings(ctx: Context, broken: list[Broken]) -> list[Finding]:
    """One finding per broken target, except the links of the site template: one finding per template region.

    A target linked from the same template region (navigation, header, footer, sidebar) of at least
    ``template_min_pages`` pages is a defect of the template: fixed once, whatever the number of pages.
    Those links become one ``links.broken_template`` finding per region that lists each target, its
    answer and its anchor; the target's own finding keeps only its other links (none: no finding).
    """
    regions = _template_links(ctx, broken)
    in_template: dict[int, set[tuple[int, str]]] = {}
    out = [_template_finding(ctx, region, items) for region, items in sorted(regions.items())]
    for region, items in regions.items():
        for b, refs in items:
            in_template.setdefault(id(b), set()).update((r.source, region) for r in refs)
    for b in broken:
        taken = in_template.get(id(b), set())
        links = [r for r in b.links if (r.source, r.position) not in taken]
        if not links:
            continue
        evidence: dict[str, Any] = {"status": b.status, "error": b.error, "answer": b.answer, **b.extra, **ctx.listed(links)}
        if taken:
            evidence["also_in_the_site_template"] = f"{len(taken)} template link(s) to it are reported in links.broken_template"
        pages = evidence["linking_pages"]
        if b.external:
            message = (f"Broken external link: {b.url} {b.answer}; {pages} page{'s' if pages != 1 else ''} "
                       f"link{'s' if pages == 1 else ''} to it.")
            out.append(ctx.finding("links.broken_external", b.url, "medium", b.confidence, message, evidence,
                                   subject_id=b.subject_id))
            continue
        template = bool(set(evidence["by_position"]) & TEMPLATE_POSITIONS)
        severity = "high" if template or pages >= 10 else "medium"
        message = (f"Broken {b.what}: it {b.answer}{b.via}; {pages} page{'s' if pages != 1 else ''} "
                   f"link{'s' if pages == 1 else ''} to it{', in the site template' if template else ''}.")
        out.append(ctx.finding("links.broken_internal", b.node, severity, b.confidence, message, evidence))
    return out


def _template_finding(ctx: Context, region: str, items: list[tuple[Broken, list[LinkRef]]]) -> Finding:
    where = REGION_NAMES.get(region, region)
    items = sorted(items, key=lambda it: (-len({r.source for r in it[1]}), it[0].url))
    pages = sorted({r.source_url for _, refs in items for r in refs})
    targets = []
    for b, refs in items:
        anchors = [a for a, _ in Counter(r.anchor or "" for r in refs).most_common() if a]
        targets.append({"url": b.url, "anchor": anchors[0] if anchors else "", "status": b.status, "error": b.error,
                        "answer": b.answer, "external": b.external, "pages": len({r.source for r in refs}),
                        **({"redirect_chain": b.extra["redirect_chain"]} if b.extra.get("redirect_chain") else {})})
    said = [f"the link '{t['anchor']}' to {t['url']}" if t["anchor"] else f"the link to {t['url']}" for t in targets]
    fixes = "; ".join(f"{s} {t['answer']}" for s, t in zip(said[:3], targets[:3]))
    if len(targets) > 3:
        fixes += f"; and {len(targets) - 3} more"
    one = len(targets) == 1
    fix = (f"fix {'the link' if one else f'the {len(targets)} links'} in the {where}: {fixes}")
    message = (f"Broken link{'' if one else 's'} in the site template ({where}) of {len(pages)} pages: {fixes}. "
               f"Fixing the template once fixes every page.")
    evidence: dict[str, Any] = {
        "template": True, "region": region, "pages": len(pages), "linking_pages": len(pages),
        "broken_links": targets, "fix": fix, "affected_pages": pages[:ctx.cfg.max_listed],
        "template_min_pages": ctx.template_min_pages,
    }
    if len(pages) > ctx.cfg.max_listed:
        evidence["not_listed"] = len(pages) - ctx.cfg.max_listed
    confidence = max(b.confidence for b, _ in items)
    return Finding(rule="links.broken_template", category=LINK_RULES["links.broken_template"], severity="high",
                   confidence=confidence, site=ctx.g.site, subject_type="template", subject_url=ctx.home,
                   title=f"Site template: {where}", message=message, evidence=evidence, key=region,
                   material=(region, [(t["url"], t["status"], t["error"]) for t in targets], len(pages)))


def _chain(ctx: Context, n: int) -> list[list[Any]]:
    row = ctx.conn.execute("SELECT redirect_chain FROM pages WHERE url_id = ?", [ctx.g.nodes[n].url_id]).fetchone()
    return json.loads(row[0]) if row and row[0] else []
