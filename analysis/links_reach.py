"""Reachability findings: orphaned pages, orphan islands, pages reached only through outdated pages, pages
too many clicks deep, and dead ends (see ``analysis/links.py`` for what orphaned means here)."""
from __future__ import annotations

from typing import Any

from analysis.findings import Finding
from analysis.graph import ClickPaths, components, link_details, unread_near
from analysis.links_common import LINK_RULES, Context
from analysis.links_redirects import same_page
from analysis.sections import Counted, beyond_listed
from foundation.times import parse_iso

ISLAND_LISTED = 50   # pages of an island named in each of its pages' evidence


def _known_from(ctx: Context, n: int) -> list[dict[str, Any]]:
    """How the crawl knows a page that nothing links to: sitemaps, start URLs, earlier crawls, redirects."""
    g, node = ctx.g, ctx.g.nodes[n]
    known: list[dict[str, Any]] = [{"sitemap": s} for s in sorted(set(g.sitemaps.get(n, [])))]
    if node.url in g.start_urls or any(g.nodes[r].url in g.start_urls for r in g.redirects_to(n)):
        known.append({"start_url": node.url})
    known += [{"redirect_from": g.nodes[r].url} for r in g.redirects_to(n)]
    if not g.current(n):
        known.append({"earlier_crawl": node.crawl_id, "last_seen": (node.fetched_at or "")[:10]})
    if not known and node.found_via:
        row = ctx.conn.execute("SELECT found_on FROM pages WHERE url_id = ?", [node.url_id]).fetchone()
        known.append({"found_via": node.found_via, "found_on": row[0] if row else None})
    return known


def _how(known: list[dict[str, Any]], references: list[dict[str, Any]]) -> str:
    """How an orphan is known, in words, for its message."""
    sources = {k for d in known for k in d}
    if "sitemap" in sources:
        return "only its sitemap knows it"
    if "start_url" in sources:
        return "only the crawl's start URLs reach it"
    if "redirect_from" in sources:
        return "only a redirect leads to it"
    if references:
        r = references[0]
        return f"only a {r.get('element', 'link')} on {r['page']} points to it, which visitors do not follow"
    via = known[0].get("found_via") if known else None
    return f"the crawl found it through a {via}" if via else "no route to it is known"


EMBEDDING = frozenset(("iframe", "frame", "embed", "object"))   # shown inside the page that embeds it


def canonical_elsewhere(ctx: Context, nodes: list[int]) -> dict[int, str]:
    """The pages among ``nodes`` whose <link rel=canonical> names another address (a print version, a copy with
    tracking parameters): node -> that address."""
    g, out = ctx.g, {}
    for i in range(0, len(nodes), 500):
        chunk = {g.nodes[n].url_id: n for n in nodes[i:i + 500]}
        for uid, canonical in ctx.conn.execute(
                f"SELECT url_id, canonical FROM pages WHERE url_id IN ({', '.join('?' * len(chunk))}) AND canonical IS NOT NULL",
                list(chunk)):
            n = chunk[uid]
            if canonical != g.nodes[n].url and not same_page(g.nodes[n].url, canonical):
                out[n] = canonical
    return out


def _reached_otherwise(ctx: Context, n: int, refs: list, canonical: str | None, unread: str | None = None) -> str:
    """Why an orphan is still reached by visitors, or "": embedded in a reachable page (an iframe's widget or
    map: every visitor of that page sees it), the page a form on a reachable page sends them to (a thank-you
    page), a second address of another page (its canonical says which), or in a section with a page visitors are
    led to that the crawl could not read (``unread``: that page may link to it)."""
    reachable = ctx.orphans.reachable_mask   # (the set would cost a million pages' worth per orphan)
    for r in refs:
        if r.kind in EMBEDDING and reachable[r.source]:
            return (f"it is shown inside {r.source_url} (an {r.kind}), so every visitor of that page sees it; "
                    "removing it would break that page")
    for r in refs:
        if r.kind == "form" and reachable[r.source]:
            return (f"the form on {r.source_url} sends its visitors here (a confirmation or results page), so it is "
                    "reached without a link")
    if canonical:
        return f"its canonical address is {canonical}: it is another address of that page, not a page of its own"
    if unread:
        return _UNREAD.format(unread)
    return ""


_UNREAD = ("{} (a page of its section that visitors are led to) could not be read by the crawl (robots.txt forbids "
           "it, or it failed) and may link here, so that nothing links to it is not known")


def orphan_findings(ctx: Context) -> list[Finding]:
    g = ctx.g
    subjects = sorted((n for n in ctx.orphans.orphans if not ctx.exempt(g.nodes[n].url)
                       and (g.current(n) or ctx.cfg.earlier_crawls)), key=lambda n: g.nodes[n].url)
    others = link_details(ctx.conn, g, (g.nodes[n].url_id for n in subjects))
    canonical = canonical_elsewhere(ctx, subjects) if subjects else {}
    unread = unread_near(g, subjects, ctx.orphans.reachable_mask) if subjects else {}
    out = []
    for n in subjects:
        node = g.nodes[n]
        known = _known_from(ctx, n)
        evidence: dict[str, Any] = {
            "navigational_links_in": 0,
            "known_from": known,
            "other_references": [r.as_evidence() for r in others.get(node.url_id, [])][:ctx.cfg.max_listed],
        }
        if not g.current(n):
            seen = parse_iso(node.fetched_at)
            message = (f"Orphaned page: no page of the latest crawl links to it and no sitemap lists it; crawl {node.crawl_id} "
                       f"saw it{' on ' + node.fetched_at[:10] if node.fetched_at else ''} (whether it is still online is not known).")
            if seen:
                evidence["days_since_seen"] = (ctx.now - seen).days
            severity, confidence = "low", 0.5
        else:
            message = f"Orphaned page: no page links to it; {_how(known, evidence['other_references'])}."
            severity, confidence = "medium", 0.9
        if g.truncated:
            evidence["crawl_truncated"] = "max_pages stopped the crawl early: pages it did not reach may link here"
            confidence = min(confidence, 0.4)
        reached = _reached_otherwise(ctx, n, others.get(node.url_id, []), canonical.get(n), unread.get(n))
        if reached:
            evidence["reached_otherwise"] = reached
            severity, message = "info", message.rstrip(".") + f". Not listed: {reached}."
        out.append(ctx.finding("links.orphan", n, severity, confidence, message, evidence))
    return out


def _state(ctx: Context, n: int) -> str:
    if n in ctx.orphans.orphans:
        return "orphaned"
    if n in ctx.orphans.islands:
        return "in an orphan island"
    return "not reachable from a start page or a sitemap entry"


def island_findings(ctx: Context) -> list[Finding]:
    """Linked pages that no page reachable from a start page or a sitemap entry leads to."""
    g, orphans = ctx.g, ctx.orphans
    islands = [n for n in orphans.islands if not ctx.exempt(g.nodes[n].url)]
    if not islands:
        return []
    group_of: dict[int, set[int]] = {}
    for comp in components(g, orphans.dead()):
        for n in comp:
            group_of[n] = comp
    targets = {n: [g.nodes[n].url_id] + [g.nodes[r].url_id for r in g.redirects_to(n)] for n in islands}
    refs = link_details(ctx.conn, g, (u for ids in targets.values() for u in ids))
    unread = unread_near(g, islands, orphans.reachable_mask)
    out = []
    for n in sorted(islands, key=lambda n: g.nodes[n].url):
        links = sorted((r for u in targets[n] for r in refs.get(u, []) if r.navigational),
                       key=lambda r: r.source_url)
        group = sorted((g.nodes[m].url for m in group_of.get(n, {n}) if m in orphans.islands), key=str)
        linked_from = []
        for r in links[:ctx.cfg.max_listed]:
            d = r.as_evidence()
            d["page_is"] = "in this island" if r.source in group_of.get(n, ()) and r.source in orphans.islands else _state(ctx, r.source)
            linked_from.append(d)
        states = sorted({d["page_is"] for d in linked_from})
        evidence: dict[str, Any] = {
            "linked_from": linked_from,
            "linking_pages": len({r.source for r in links}),
            "island": group[:ISLAND_LISTED],
            "island_size": len(group),
            "reachable_by_clicking": False,
            "known_from": _known_from(ctx, n),
        }
        confidence = 0.8
        if g.truncated:
            evidence["crawl_truncated"] = "max_pages stopped the crawl early: pages it did not reach may link here"
            confidence = 0.4
        message = (f"Orphan island: linked only from pages that are {', '.join(states) or 'gone'} "
                   f"({evidence['linking_pages']} linking page{'s' if evidence['linking_pages'] != 1 else ''}; "
                   f"{len(group)} page{'s' if len(group) != 1 else ''} in the island); no page reachable from a start "
                   f"page or a sitemap entry leads here.")
        severity = "medium"
        if n in unread:
            evidence["reached_otherwise"] = _UNREAD.format(unread[n])
            severity, message = "info", message.rstrip(".") + f". Not listed: {evidence['reached_otherwise']}."
        out.append(ctx.finding("links.orphan_island", n, severity, confidence, message, evidence))
    return out


def through_outdated_findings(ctx: Context) -> list[Finding]:
    """Live pages the start pages reach only through outdated or expired pages: information, not orphaned.

    The posts behind a paginated listing the date analysis judged stale are still one click away for
    every visitor; this says which judged pages they hang on, so a person who retires those pages
    knows what else loses its route.  Severity info: never a cleanup item.
    """
    g, flagged = ctx.g, ctx.flagged
    subjects = sorted((n for n in ctx.orphans.through_flagged if not ctx.exempt(g.nodes[n].url)),
                      key=lambda n: g.nodes[n].url)
    out = []
    for n in subjects:
        via = sorted({g.nodes[p].url for p in g.linkers(n) if p in flagged})
        others = sorted({g.nodes[p].url for p in g.linkers(n) if p not in flagged})
        evidence: dict[str, Any] = {
            "linked_from_outdated_pages": via[:ctx.cfg.max_listed],
            "outdated_linking_pages": len(via),
            "other_linking_pages": others[:ctx.cfg.max_listed],
            "click_depth": ctx.depths.get(n),
            "note": "reachable by clicking from a start page, but every route passes through a page judged outdated or expired",
        }
        message = (f"Reached only through outdated pages: every route from a start page to it passes through a page judged "
                   f"outdated or expired ({len(via)} such page{'s' if len(via) != 1 else ''} link{'s' if len(via) == 1 else ''} "
                   f"here); it is still reachable, so it is not orphaned. If those pages are retired, link it from a live page.")
        out.append(ctx.finding("links.reached_only_through_outdated", n, "info", 0.9, message, evidence))
    return out


def deep_page_findings(ctx: Context, quiet: frozenset[int] | set[int] = frozenset()) -> list[Finding | Counted]:
    """A finding per deep page; a page its section's item will count without listing it (sections.py) is only
    counted (``Counted``: no click path, no message).  ``quiet``: url ids whose deep-page finding their role makes
    information (archive.quiet_ids), which no section item counts."""
    g, limit = ctx.g, ctx.cfg.max_click_depth
    paths = ClickPaths(g, ctx.depths)
    out: list[Finding | Counted] = []
    deep = [(n, d) for n, d in ctx.depths.items() if d > limit]   # the few first: sorting a million pages by URL costs
    judged = [(n, d) for n, d in sorted(deep, key=lambda kv: g.nodes[kv[0]].url)
              if g.is_candidate(n) and g.current(n) and not ctx.exempt(g.nodes[n].url)]
    only_counted = beyond_listed((g.nodes[n].url, d, n) for n, d in judged if g.nodes[n].url_id not in quiet)
    rule = "links.deep_page"
    url_paths = paths.url_paths(n for n, _ in judged if n not in only_counted)
    for n, d in judged:
        if n in only_counted:
            node = g.nodes[n]
            out.append(Counted(rule, LINK_RULES[rule], "low", 0.9, g.site, node.url, node.url_id, d, limit))
            continue
        evidence = {"depth": d, "max_click_depth": limit, "path": list(url_paths[n]), "linking_pages": g.linker_count(n)}
        message = (f"Deep page: {d} clicks from the start page (the limit is {limit}); "
                   f"link it from a page nearer the start.")
        out.append(ctx.finding("links.deep_page", n, "low", 0.9, message, evidence))
    return out


def dead_end_findings(ctx: Context) -> list[Finding]:
    g = ctx.g
    ends = [n for n in range(len(g.nodes)) if g.current(n) and g.is_candidate(n) and g.outlinks_internal[n] == 0]
    counts: dict[int, tuple[int, int]] = {}
    for i in range(0, len(ends), 500):
        chunk = [g.nodes[n].url_id for n in ends[i:i + 500]]
        for uid, out_, internal in ctx.conn.execute(
                f"SELECT url_id, links_out, links_internal FROM pages WHERE url_id IN ({', '.join('?' * len(chunk))})", chunk):
            counts[uid] = (out_ or 0, internal or 0)
    canonical = canonical_elsewhere(ctx, ends) if ends else {}
    embedded = _embedded(ctx, ends) if ends else {}
    out = []
    for n in sorted(ends, key=lambda n: g.nodes[n].url):
        links_out, internal = counts.get(g.nodes[n].url_id, (0, 0))
        evidence = {"navigational_links_to_the_site": 0, "links_out": links_out,
                    "links_to_other_sites": links_out - internal,
                    "other_internal_references": internal}
        message = "Dead end: the page links to no other page of the site; a visitor can only go back."
        severity = "low"
        why = (f"it is shown inside {embedded[n]}, whose own links surround it" if n in embedded else
               f"its canonical address is {canonical[n]} (a print version or a copy of that page)" if n in canonical else "")
        if why:
            severity, evidence["not_a_dead_end"] = "info", why
            message += f" Not listed: {why}."
        out.append(ctx.finding("links.dead_end", n, severity, 0.9, message, evidence))
    return out


def _embedded(ctx: Context, nodes: list[int]) -> dict[int, str]:
    """The pages among ``nodes`` another page of the site embeds (an iframe's widget, a map): node -> that page.
    Only the embedding links are read (a dead end in a million pages' footer has a million others)."""
    g, out = ctx.g, {}
    kinds = ", ".join(f"'{k}'" for k in sorted(EMBEDDING))
    for i in range(0, len(nodes), 500):
        chunk = {g.nodes[n].url_id: n for n in nodes[i:i + 500]}
        for target, source in ctx.conn.execute(
                f"SELECT target_id, source_id FROM links WHERE target_id IN ({', '.join('?' * len(chunk))}) "
                f"AND kind IN ({kinds}) AND source_id != target_id", list(chunk)):
            s = g.index.get(source)
            if s is not None and g.current(s) and chunk[target] not in out:
                out[chunk[target]] = g.nodes[s].url
    return out
