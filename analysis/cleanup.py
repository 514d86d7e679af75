"""The cleanup list: the open findings turned into one ranked decision per page, profile or template.

For every subject with open findings it decides an action (remove, redirect, update, fix links,
review), explains it, scores its urgency and says what a removal would break.  Rebuilt by every
``decay analyse``; people's decisions live in ``triage`` and are only read here.

Do no harm (README: The cleanup list):
- *remove* only a page that is both obsolete (stale, or an expired event or offer) and dead (an orphan
  or in an orphan island), that nothing links to, that no protected pattern or start URL covers, and
  whose evidence is at least ``remove_min_confidence`` sure;
- an obsolete, dead page that is still linked becomes *redirect* (to a live page, with the links to
  change first), or *update* when no live page fits;
- a protected page is only ever *update* or *review*; low-confidence evidence yields *review*.
"""
from __future__ import annotations

import csv
import hashlib
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator, NamedTuple

import numpy as np

from analysis.findings import Finding
from analysis.graph import REGION_NAMES, TEMPLATE_POSITIONS, reachable_mask
from analysis.impact import PageImpacts
from analysis.owners import Owners
from foundation.catalog import SEVERITIES, TEAM, TEAM_KINDS, lookup, with_role, worst
from foundation.config import Config
from foundation.urls import SiteScope, compile_patterns, normalize
from foundation.profiles import from_config

ACTIONS = ("remove", "redirect", "update", "fix links", "review")
SEVERITY_WEIGHT = dict(zip(SEVERITIES, (100.0, 40.0, 15.0, 5.0, 1.0)))   # how much a finding counts, by severity
# The rules' roles in the list (foundation/catalog.py ROLES): what the list does with their findings.
OBSOLETE = with_role("obsolete")
DEAD = with_role("dead")
FIX_LINKS = with_role("fix links")
REVIEW = with_role("review")
FURTHER = 0.5   # each further finding on the same subject counts this much of its weight


def _hint(f: Finding) -> str:
    ev = f.evidence if isinstance(f.evidence, dict) else {}
    if f.subject_type == "section" and ev.get("fix"):   # a section's finding says what to do for the whole section
        return str(ev["fix"])
    entry = lookup(f.rule)   # what to do, in words, from the catalog; {..} names come from the finding's evidence
    template = entry.hint if entry else None
    if template is None and entry is TEAM:   # the team's own rules (rules.<id>): by kind
        kind = TEAM_KINDS.get(ev.get("kind", ""))
        template = kind.hint if kind else None
    if template is None:
        return f.message.rstrip(".")
    if ev.get("template"):
        template += ", in the site template: once fixes all {pages} pages"
    else:
        template = _in_template(template, ev)
    first = ev.get("match") or (ev.get("matches") or [{}])[0]
    if isinstance(first, dict) and first.get("text"):
        ev = {**ev, "match": str(first["text"])[:80]}
    try:
        return template.format_map({k: ("?" if v is None else str(v)[:10] if k == "updated_at" else v) for k, v in ev.items()})
    except (KeyError, IndexError, ValueError):
        return f.message.rstrip(".")


LISTED_LINKS = re.compile(r"the links( to it)? on the \{linking_pages\} page\(s\) listed")
TEMPLATE_FROM = 3   # linking pages from which links only in the navigation, header or footer are the template's


def _in_template(hint: str, ev: dict) -> str:
    """"the links on the N page(s) listed" said as one change when every one of them is in the site's navigation,
    header or footer on at least TEMPLATE_FROM pages (a footer link to a redirect on every page is one edit of
    the template, not hundreds of pages to open).  Where they are: the evidence's ``by_position``, else its
    ``linked_from`` when that lists every link (a social profile's)."""
    counted, listed = ev.get("by_position"), ev.get("linked_from")
    if isinstance(counted, dict):
        where = set(counted)
    elif isinstance(listed, list) and len(listed) == ev.get("links"):   # every link listed
        where = {r.get("position") if isinstance(r, dict) else None for r in listed}
    else:
        where = set()
    if not where or not where <= TEMPLATE_POSITIONS or not isinstance(ev.get("linking_pages"), int) \
            or ev["linking_pages"] < TEMPLATE_FROM:
        return hint
    regions = " and ".join(REGION_NAMES[p] for p in REGION_NAMES if p in where)
    return LISTED_LINKS.sub(lambda m: f"the link{m[1] or ''} in the site's {regions} (on all {{linking_pages}} pages "
                                      "listed: one change to the template)", hint)


# The list speaks a web manager's words; the findings keep the analysis's own (and the rules column the ids).
PLAIN = (("Orphan island: linked only from pages that are", "Only pages nobody can reach link to it: pages that are"),
         ("pages in the island", "pages in that group"), ("page in the island", "page in that group"),
         ("in this island", "in that group"), ("in an orphan island", "reached by no visitor"),
         ("orphan island", "group of pages nobody can reach"), ("Orphaned page: no page links to it", "No page links to it"),
         ("Orphaned page: no page of the latest crawl links to it", "No page of the latest crawl links to it"))


def plain(message: str) -> str:
    for old, new in PLAIN:
        message = message.replace(old, new)
    return message


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "!", "?", '."', ".)", "…")) else text + "."


def hints(fs: list[Finding]) -> str:
    seen, out = set(), []
    for f in fs:
        if f.rule not in seen:
            seen.add(f.rule)
            out.append(_hint(f))
    text = "; ".join(out[:4])
    return text[:1].upper() + text[1:] + "."


@dataclass
class SiteFacts:
    """What the cleanup list needs from one site's link analysis (computed while its graph is loaded)."""
    site: str
    importance: dict[int, tuple] | Importance = field(default_factory=dict)   # url_id -> (inlinks, linking_pages, link_score)
    linked_from_live: set[int] = field(default_factory=set)    # pages that pages reachable from a start page link to
    impacts: dict[int, tuple] = field(default_factory=dict)      # url_id -> (RemovedPage, [Consequence])
    crawl_started_at: str | None = None


class Importance:
    """url_id -> (inlinks, linking_pages, link_score) for every node of the link graph, like a dict's ``get``, held as
    sorted arrays: a million pages cost 24 MB instead of a dict of tuples' 250."""

    def __init__(self, graph_rows: Iterable[tuple], n: int) -> None:
        """``graph_rows``: the ``n`` page_graph rows (url_id, url, site, inlinks, inlinks_main, linking_pages, depth,
        link_score, reachable, outlinks), read once."""
        ids, inlinks = np.zeros(n, dtype=np.int64), np.zeros(n, dtype=np.int64)
        linking, score = np.zeros(n, dtype=np.int64), np.zeros(n, dtype=np.float64)
        for i, r in enumerate(graph_rows):
            ids[i], inlinks[i], linking[i], score[i] = r[0], r[3], r[5], np.nan if r[7] is None else r[7]
        order = np.argsort(ids, kind="stable")
        self.ids, self.inlinks, self.linking, self.score = ids[order], inlinks[order], linking[order], score[order]

    def many(self, url_ids: list[int]) -> dict[int, tuple]:
        """``get`` for many pages at once: url_id -> (inlinks, linking_pages, link_score) of those that are nodes.
        One search for them all (a search per page cost the cleanup list more than the rest of an item)."""
        if not url_ids or not len(self.ids):
            return {}
        wanted = np.asarray(url_ids, dtype=np.int64)
        pos = np.minimum(np.searchsorted(self.ids, wanted), len(self.ids) - 1)
        found = self.ids[pos] == wanted
        pos = pos[found]
        return {uid: (inl, lk, None if sc != sc else sc) for uid, inl, lk, sc in zip(
            wanted[found].tolist(), self.inlinks[pos].tolist(), self.linking[pos].tolist(), self.score[pos].tolist())}

    def get(self, url_id: int, default: tuple | None = None) -> tuple | None:
        """One page's (inlinks, linking_pages, link_score), like a dict's ``get``."""
        return self.many([url_id]).get(url_id, default)


class CleanupRow(NamedTuple):
    """One item of the cleanup list: a row of the table cleanup, its fields in the table's column order
    (README: Database schema, table cleanup)."""
    id: str
    rank: int
    score: float
    action: str
    target_url: str | None
    target_reason: str | None
    site: str
    subject_type: str
    subject_id: int | None
    subject_url: str
    title: str | None
    section: str | None
    owner: str
    category: str
    severity: str
    confidence: float
    rules: str
    findings: str
    finding_count: int
    new_findings: int
    why: str
    todo: str
    score_explanation: str
    protected: str | None
    link_score: float | None
    inlinks: int | None
    linking_pages: int | None
    traffic: int | None
    links_that_break: int | None
    pages_orphaned: int | None
    impact: str | None
    material: str
    first_seen: str
    analysis_id: int
    crawl_started_at: str | None


def cleanup_id(subject_type: str, subject_url: str) -> str:
    return hashlib.blake2b(f"cleanup\x1f{subject_type}\x1f{subject_url}".encode(), digest_size=8).hexdigest()


def leaving_candidates(findings: Iterable[Finding]) -> set[int]:
    """Pages that may be removed or redirected: obsolete and dead (by url id)."""
    findings = findings if isinstance(findings, list) else list(findings)
    dead = {f.subject_id for f in findings if f.rule in DEAD and f.subject_type == "page" and f.subject_id is not None}
    return {f.subject_id for f in findings if f.subject_id in dead and f.rule in OBSOLETE and f.subject_type == "page"}


def site_facts(conn, site_cfg, lr, findings: list[Finding], flagged: set[int], crawl_started_at: str | None) -> SiteFacts:
    """Importance of every page and the removal impact of the pages that may go, from the loaded link graph."""
    facts = SiteFacts(site_cfg.name, crawl_started_at=crawl_started_at)
    facts.importance = Importance(lr.rows(), len(lr.graph.nodes) if lr.graph is not None else 0)
    g = lr.graph
    if g is None:
        return facts
    leaving = [g.index[u] for u in leaving_candidates(findings) if u in g.index]
    if leaving:
        reachable = reachable_mask(g, set())
        facts.linked_from_live = {g.nodes[n].url_id for n in leaving if any(reachable[p] for p in g.linkers(n))}
        flagged_nodes = {g.index[u] for u in flagged if u in g.index}
        impacts = PageImpacts(conn, g, flagged_nodes, lr.orphans, set(leaving)).of(leaving)
        facts.impacts = {g.nodes[n].url_id: v for n, v in impacts.items()}
    return facts


def _profile_owners(config: Config) -> dict[int, str]:
    """Profile id -> owner, from [[social]] owner (an [[owners]] pattern that names the profile wins over it)."""
    out: dict[int, str] = {}
    for entry in getattr(config, "social", []) or []:
        if entry.owner:
            ref, _ = from_config(entry.platform, entry.url, entry.handle)
            if ref is not None:
                out[ref.id] = entry.owner
    return out


def load_traffic(config: Config) -> dict[str, int]:
    if not config.cleanup.traffic_file:
        return {}
    path = Path(config.cleanup.traffic_file)
    path = path if path.is_absolute() else config.path.parent / path
    out: dict[str, int] = {}
    with path.open(newline="", encoding="utf-8-sig") as fh:
        for row in csv.DictReader(fh):
            url, visits = (row.get("url") or "").strip(), (row.get("visits") or "").strip()
            try:
                n = int(float(visits))
            except ValueError:
                continue
            key = normalize(url) or url
            out[key] = out.get(key, 0) + n
    return out


@dataclass
class Decision:
    action: str
    confidence: float
    todo: str
    target_url: str | None = None
    target_reason: str | None = None


def _pct(x: float) -> str:
    return f"{x:.2f}"


def decide(fs: list[Finding], *, protected: str | None, inlinks: int, impact: tuple | None, min_conf: float,
           linked_from_live: bool = False) -> Decision:
    rules = {f.rule for f in fs}
    obsolete = [f for f in fs if f.rule in OBSOLETE]
    dead = [f for f in fs if f.rule in DEAD]
    top = max(fs, key=lambda f: (SEVERITY_WEIGHT[f.severity] * f.confidence, f.rule))
    if obsolete and dead and linked_from_live:   # do no harm: a page live pages link to is never removed or redirected
        conf = max(f.confidence for f in obsolete)
        return Decision("update", conf, "Update it: pages that visitors reach from the start page still link to it, so it is "
                                        "not removed or redirected. " + hints(fs))
    if obsolete and dead:
        conf = min(max(f.confidence for f in obsolete), max(f.confidence for f in dead))
        others = [f for f in fs if f.rule not in OBSOLETE | DEAD]
        also = (" Also: " + hints(others)) if others else ""
        page, orphaned = impact if impact else (None, [])
        breaks = len(page.links_that_break) if page else inlinks
        if protected:
            return Decision("update", conf, f"Update it: it is protected ({protected}), so it is never removed or redirected; "
                                            "then link it from a live page." + also)
        if conf < min_conf:
            return Decision("review", conf, f"Review it: it looks obsolete and unlinked, but the evidence is not sure enough "
                                            f"({conf:.0%} sure; removal needs {min_conf:.0%})." + also)
        if breaks == 0 and inlinks == 0:
            extra = []
            if page and page.sitemaps:
                extra.append("take it out of " + ", ".join(page.sitemaps))
            if page and page.redirects_that_break:
                extra.append(f"{len(page.redirects_that_break)} redirect(s) lead here: point them elsewhere")
            if page and page.redirect_to:
                extra.append(f"optionally redirect it to {page.redirect_to.url} for visitors with old bookmarks")
            return Decision("remove", conf, "Remove it: nothing links to it, so nothing breaks"
                            + ("; " + "; ".join(extra) if extra else "") + "." + also,
                            page.redirect_to.url if page and page.redirect_to else None,
                            page.redirect_to.reason if page and page.redirect_to else None)
        if page and page.redirect_to:
            first = [f"{d['page']} (\"{d['anchor']}\")" if d.get("anchor") else d["page"] for d in page.links_that_break[:3]]
            more = len(page.links_that_break) - len(first)
            return Decision("redirect", conf,
                            f"Redirect it to {page.redirect_to.url} ({page.redirect_to.reason}); first change the "
                            f"{len(page.links_that_break)} link(s) to it: " + ", ".join(first) + (f" and {more} more" if more > 0 else "")
                            + (f"; {len(orphaned)} page(s) it alone links to need another link" if orphaned else "") + "." + also,
                            page.redirect_to.url, page.redirect_to.reason)
        return Decision("review", conf, f"Review it: it looks obsolete and no page a visitor can reach leads to it, but {breaks} "
                                        "link(s) still point to it (the impact lists them), and no page is a real successor to "
                                        "redirect it to (the same page for a later year or version, or a page it points to as its "
                                        "replacement): remove it together with the pages that link to it, or link it from a live page." + also)
    if obsolete:
        conf = max(f.confidence for f in obsolete)
        return Decision("update", conf, hints(fs))
    if rules & FIX_LINKS:
        fixes = [f for f in fs if f.rule in FIX_LINKS]
        return Decision("fix links", max(f.confidence for f in fixes), hints(fixes + [f for f in fs if f not in fixes]))
    if rules <= REVIEW:
        return Decision("review", top.confidence, hints(fs))
    return Decision("update", top.confidence, hints(fs))


def findings_weight(fs: list[Finding]) -> tuple[float, str]:
    ws = sorted(((SEVERITY_WEIGHT[f.severity] * f.confidence, f) for f in fs), key=lambda t: -t[0])
    total, parts = 0.0, []
    for i, (w, f) in enumerate(ws):
        factor = 1.0 if i == 0 else FURTHER
        total += w * factor
        if i < 4:
            parts.append(f"{f.rule} {f.severity} {SEVERITY_WEIGHT[f.severity]:g}×{_pct(f.confidence)}" + ("" if i == 0 else "×½"))
    if len(ws) > 4:
        parts.append(f"{len(ws) - 4} more")
    return total, " + ".join(parts)


def importance(link_score: float | None, linking_pages: int, traffic: int | None) -> tuple[float, str]:
    a = (link_score or 0.0) / 100.0
    b = min(1.0, math.log10(1 + linking_pages) / 2)
    c = min(1.0, math.log10(1 + traffic) / 4) if traffic else 0.0
    words = f"link score {link_score or 0:.0f}/100 → +{a:.2f}, {linking_pages} linking page(s) → +{b:.2f}"
    if traffic is not None:
        words += f", {traffic} visits → +{c:.2f}"
    return 1.0 + a + b + c, words


def material(fs: list[Finding]) -> list[str]:
    return sorted(f"{f.id}:{f.evidence_hash}" for f in fs)


def build(findings: list[Finding], sites: dict[str, SiteFacts], config: Config, *, suppressed: set[str],
          latest_analysis_findings: set[str], first_seen: dict[str, str], now_iso: str, analysis_id: int,
          crawl_started_at: str | None) -> list[CleanupRow]:
    """The cleanup rows (named records in schema column order), ranked.  ``suppressed``: finding ids people dismissed or
    snoozed (their problem is unchanged), left out of the list; ``latest_analysis_findings``: ids found for the
    first time by this analysis; ``first_seen``: finding id -> when it was first found."""
    rows = sorted(unranked(findings, sites, config, suppressed=suppressed, latest_analysis_findings=latest_analysis_findings,
                           first_seen=first_seen, now_iso=now_iso, analysis_id=analysis_id, crawl_started_at=crawl_started_at),
                  key=rank_key)
    return [r._replace(rank=i) for i, r in enumerate(rows, 1)]


def rank_key(r: CleanupRow) -> tuple:
    """The list's order: score, then the action (remove first), then the URL; ties keep the order made.  RANK_SQL is
    the same order in SQL, over staged rows (``staged_row``)."""
    return -r.score, ACTIONS.index(r.action), r.subject_url


RANK_ORDER = "score DESC, rank_order, subject_url, rowid"   # rank_key over staged_row's columns (rowid: the order made)
RANK_SQL = f"row_number() OVER (ORDER BY {RANK_ORDER})"
_ANALYSIS_ID = CleanupRow._fields.index("analysis_id")


def staged_row(r: CleanupRow) -> tuple:
    """The row as analysis/staging.py stages it: without analysis_id (the write adds it), then its action's place."""
    return (*r[:_ANALYSIS_ID], *r[_ANALYSIS_ID + 1:], ACTIONS.index(r.action))


def _importance_of(groups: dict[tuple[str, str], list[Finding]], sites: dict[str, SiteFacts]) -> dict[str, dict]:
    """Per site, url_id -> (inlinks, linking_pages, link_score) of the items' subjects, looked up at once."""
    wanted: dict[str, list[int]] = {}
    for fs in groups.values():
        if fs[0].subject_id is not None:
            wanted.setdefault(fs[0].site or "", []).append(fs[0].subject_id)
    known: dict[str, dict] = {}
    for site, sf in sites.items():
        imp = sf.importance if sf else None
        known[site] = imp.many(wanted.get(site, [])) if isinstance(imp, Importance) else (imp or {})
    return known


def unranked(findings: list[Finding], sites: dict[str, SiteFacts], config: Config, *, suppressed: set[str],
             latest_analysis_findings: set[str], first_seen: dict[str, str], now_iso: str, analysis_id: int,
             crawl_started_at: str | None) -> Iterator[CleanupRow]:
    """build's rows one at a time, in the order made, each with rank 0 (a million-page site has hundreds of
    thousands: the analysis stages them as they come and ranks them in SQL)."""
    owners = Owners(config.owners)
    profile_owners = _profile_owners(config)
    protected_match = compile_patterns(config.cleanup.protected)
    starts = {u for s in config.sites   # production form, as the findings name pages: always protected
              for u in SiteScope(s.name, s.start_urls, aliases=s.aliases, hosts=s.hosts).canonical_start_urls}
    traffic = load_traffic(config)
    sections = [(sec.name, compile_patterns(sec.patterns)) for sec in config.outdated.sections]
    groups: dict[tuple[str, str], list[Finding]] = {}
    for f in findings:
        if f.severity == "info" or f.id in suppressed:
            continue
        groups.setdefault((f.subject_type, f.subject_url), []).append(f)
    known = _importance_of(groups, sites)
    for (stype, url), fs in groups.items():
        fs.sort(key=lambda f: (-SEVERITY_WEIGHT[f.severity] * f.confidence, f.rule, f.id))
        site = fs[0].site or ""
        sf = sites.get(site)
        uid = fs[0].subject_id
        inlinks, linking, link_score = known[site].get(uid, (0, 0, None)) if sf and uid is not None else (0, 0, None)
        if stype != "page":
            linking = max([f.evidence.get("linking_pages") or 0 for f in fs if isinstance(f.evidence, dict)] + [linking or 0])
        visits = traffic.get(url) if traffic else None
        protected = None
        if stype == "page":
            if url in starts:
                protected = "a start page"
            else:
                protected = protected_match(url)
        impact = sf.impacts.get(uid) if sf and uid is not None else None
        d = decide(fs, protected=protected, inlinks=inlinks or 0, impact=impact, min_conf=config.cleanup.remove_min_confidence,
                   linked_from_live=bool(sf and uid is not None and uid in sf.linked_from_live))
        w, w_words = findings_weight(fs)
        imp, imp_words = importance(link_score, linking or 0, visits)
        score = round(w * imp, 1)
        if stype == "profile":   # an [[owners]] URL pattern naming the profile, else its [[social]] owner
            owner, pattern = owners.of(url, None, profile=True)
            if pattern is None and uid in profile_owners:
                owner = profile_owners[uid]
        else:
            owner, _ = owners.of(url, site or None)
        section = next((name for name, m in sections if m(url)), "default") if stype == "page" else None
        impact_json, breaks, orphaned = None, None, None
        if impact:
            page, orph = impact
            breaks, orphaned = len(page.links_that_break), len(orph)
            impact_json = json.dumps({
                "links_that_break": page.links_that_break[:200], "links_that_break_count": len(page.links_that_break),
                "pages_orphaned": [{"url": c.url, "title": c.title} for c in orph],
                "sitemaps": page.sitemaps, "redirects_that_break": page.redirects_that_break,
                "redirect_to": page.redirect_to.url if page.redirect_to else None,
            }, ensure_ascii=False)
        elif stype == "page":
            breaks = inlinks or 0
        yield CleanupRow(
            id=cleanup_id(stype, url), rank=0, score=score, action=d.action, target_url=d.target_url,
            target_reason=d.target_reason, site=site, subject_type=stype, subject_id=uid, subject_url=url,
            title=next((f.title for f in fs if f.title), None), section=section, owner=owner, category=fs[0].category,
            severity=worst(f.severity for f in fs), confidence=d.confidence, rules=", ".join(sorted({f.rule for f in fs})),
            findings=json.dumps([{"id": f.id, "rule": f.rule, "severity": f.severity, "confidence": f.confidence,
                                  "message": f.message} for f in fs], ensure_ascii=False),
            finding_count=len(fs), new_findings=sum(1 for f in fs if f.id in latest_analysis_findings),
            why=" ".join(_sentence(plain(f.message)) for f in fs[:5]) + (f" (And {len(fs) - 5} more findings.)" if len(fs) > 5 else ""),
            todo=d.todo,
            score_explanation=f"score {score:g} = findings {w:.1f} ({w_words}) × importance {imp:.2f} (1 + {imp_words})",
            protected=protected, link_score=link_score, inlinks=inlinks, linking_pages=linking, traffic=visits,
            links_that_break=breaks, pages_orphaned=orphaned, impact=impact_json,
            material=json.dumps(material(fs) + [f"action:{d.action}"]),
            first_seen=min((first_seen.get(f.id, now_iso) for f in fs), default=now_iso), analysis_id=analysis_id,
            crawl_started_at=crawl_started_at,
        )
