"""URL twins: one page, one row.

A *twin* is a second address of a page of the site.  The crawl recognises two kinds and never fetches or
stores them as pages of their own (``SiteScope.page_url``): the other scheme than the site's start URL for
that host (``http://`` links to the https site, aliased or not), and a trailing ``index.html`` /
``index.htm`` (the directory form ``/x/`` is the page).  A link to a twin is recorded as a link to the page
itself, with the spelling as written in ``links.twin_url``.  This module turns those facts into findings,
one per twin URL, listing the pages that use it:

- ``links.insecure_own_link``: links to the site's own https page over plain ``http://``;
- ``links.duplicate_url``: links to a second address of a page (``/x/index.html`` for ``/x/``, or https
  links to a site served over http).

A third kind is read from the pages themselves: a page whose ``<link rel=canonical>`` names another crawled
page of the site with the same main content (``text_hash``) is a *canonical twin*; the analysis judges
only the page it names (``canonical_twins``, read by ``analysis.pages.site_pages``).
An http:// form action, image, script or frame on the own host is not counted here: the security checks
report those (checks.insecure_form, checks.mixed_content), so one defect is one item.
"""
from __future__ import annotations

import sqlite3
from collections import Counter
from typing import Any

from analysis.findings import Finding, as_information
from analysis.graph import ELEMENT_NAMES
from foundation.catalog import categories
from foundation.urls import site_origin, url_id

TWIN_RULES = categories("links.insecure_own_link", "links.duplicate_url")   # rule -> category (foundation/catalog.py)


def _kind(twin: str, page: str) -> str:
    """'insecure' (http:// for an https page), 'scheme' (the other way round) or 'index'."""
    ts, ps = twin.split("://", 1)[0], page.split("://", 1)[0]
    if ts == ps:
        return "index"
    return "insecure" if ts == "http" and ps == "https" else "scheme"


def twin_findings(conn: sqlite3.Connection, site: str, crawl_id: int, *, max_listed: int = 1000) -> list[Finding]:
    """One low finding per twin URL that pages of the site's latest complete crawl link to."""
    by_twin: dict[str, dict[str, Any]] = {}
    for twin, page, source, anchor, position, kind, rel in conn.execute(
            """SELECT l.twin_url, t.url, s.url, l.anchor, l.position, l.kind, l.rel
               FROM links l JOIN pages s ON s.url_id = l.source_id JOIN urls t ON t.id = l.target_id
               WHERE l.twin_url IS NOT NULL AND s.site = ? AND s.crawl_id = ?
                 AND (l.kind IN ('a', 'area', 'link', 'meta-refresh') OR l.twin_url NOT LIKE 'http:%')
               ORDER BY l.twin_url, s.url, l.ordinal""", [site, crawl_id]):
        d = by_twin.setdefault(twin, {"page": page, "refs": []})
        ref = {"page": source, "anchor": anchor or "", "position": position or ""}
        if kind == "link":
            ref["element"] = f"<link rel={rel}>" if rel else "<link>"
        elif kind != "a":
            ref["element"] = ELEMENT_NAMES.get(kind, kind)
        d["refs"].append(ref)
    out = []
    for twin, d in by_twin.items():
        page, refs = d["page"], d["refs"]
        kind = _kind(twin, page)
        pages = sorted({r["page"] for r in refs})
        n = len(pages)
        evidence: dict[str, Any] = {
            "twin_url": twin, "page_url": page,
            "twin": {"insecure": "scheme", "scheme": "scheme", "index": "index"}[kind],
            "links": len(refs), "linking_pages": n,
            "by_position": dict(Counter(r["position"] or "unknown" for r in refs).most_common()),
            "linked_from": refs[:max_listed],
            "link_to_instead": page,
        }
        if len(refs) > max_listed:
            evidence["not_listed"] = (f"{len(refs) - max_listed} more links; all of them: SELECT * FROM link_urls "
                                      f"WHERE twin_url = '<this URL>'")
        who = f"{n} page{'s' if n != 1 else ''} link{'s' if n == 1 else ''}"
        if kind == "insecure":
            rule = "links.insecure_own_link"
            message = (f"{who} to the site's own page {page} over plain http:// ({twin}): change the links to "
                       f"https://; the crawl counts them as links to the https page")
        elif kind == "scheme":
            rule = "links.duplicate_url"
            message = (f"{who} to {twin}, a second address of {page} (the site is served with "
                       f"{page.split('://', 1)[0]}://): link to {page} so the page has one address")
        else:
            rule = "links.duplicate_url"
            message = (f"{who} to {twin}, a second address of {page}: link to {page} so the page has one address "
                       f"(the crawl counts them as links to it)")
        evidence["fix"] = f"change the links on the {n} page(s) listed to {page}"
        out.append(Finding(rule=rule, category=TWIN_RULES[rule], severity="low", confidence=0.95, site=site,
                           subject_url=twin, subject_id=url_id(twin), message=message, evidence=evidence,
                           material={"twin_url": twin, "page_url": page, "linking": pages}))
    return _one_item_per_rule(out, site)


GROUP_FROM = 3   # this many twin URLs of one kind on a site are one list item for the site, not one each


def _one_item_per_rule(findings: list[Finding], site: str) -> list[Finding]:
    """Many twin URLs of one kind are one habit of the site's editors (or one template), so one item: a site
    finding that lists them all; each twin's own finding is kept as information."""
    out: list[Finding] = []
    for rule in sorted({f.rule for f in findings}):
        fs = [f for f in findings if f.rule == rule]
        if len(fs) < GROUP_FROM:
            out += fs
            continue
        fs = [as_information(f, "One item for the site lists it with the other twin URLs of this kind.",
                             grouped="one site item lists every twin URL of this kind") for f in fs]
        pages = sorted({r["page"] for f in fs for r in f.evidence["linked_from"]})
        links = sum(f.evidence["links"] for f in fs)
        first = fs[0].evidence["page_url"]
        home = site_origin(first) + "/"
        what = "over plain http://" if rule == "links.insecure_own_link" else "by a second address"
        out.append(Finding(
            rule=rule, category=TWIN_RULES[rule], severity="low", confidence=0.95, site=site, subject_url=home,
            subject_type="site", title="Links to the site's own pages " + what,
            message=(f"{len(pages)} pages link to {len(fs)} of the site's own pages {what} ({links} links): "
                     "each twin URL, the page it stands for and the linking pages are listed"),
            evidence={"twins": [{"twin_url": f.evidence["twin_url"], "page_url": f.evidence["page_url"],
                                 "linking_pages": f.evidence["linking_pages"],
                                 "linked_from": f.evidence["linked_from"][:50]} for f in fs],
                      "links": links, "linking_pages": len(pages),
                      "fix": (f"change the {links} links on the {len(pages)} pages listed to the pages' own addresses "
                              "(each twin URL is listed with its page)")},
            material={"twins": sorted(f.evidence["twin_url"] for f in fs)},
        ))
        out += fs
    return out


def canonical_twins(conn: sqlite3.Connection, site: str, crawl_id: int) -> dict[int, str]:
    """url_id of each canonical twin in the crawl -> the canonical URL it names.

    A canonical twin is an HTML page (2xx) whose ``<link rel=canonical>`` names another page of the same crawl
    that answered 2xx with the same main content (equal ``text_hash``) and that names no other page as its
    canonical itself (so two pages naming each other are both kept, and no chain drops a page twice).
    """
    rows = conn.execute(
        """SELECT url_id, url, canonical, text_hash FROM pages
           WHERE site = ? AND crawl_id = ? AND is_html = 1 AND status BETWEEN 200 AND 299
             AND canonical IS NOT NULL AND canonical != url AND text_hash IS NOT NULL""", [site, crawl_id]).fetchall()
    if not rows:
        return {}
    wanted = {url_id(c) for _, _, c, _ in rows}
    targets: dict[int, tuple[str, str | None]] = {}
    ids = list(wanted)
    for i in range(0, len(ids), 500):
        chunk = ids[i:i + 500]
        for uid, text_hash, canonical, url in conn.execute(
                f"""SELECT url_id, text_hash, canonical, url FROM pages
                    WHERE url_id IN ({', '.join('?' * len(chunk))}) AND site = ? AND crawl_id = ? AND is_html = 1
                      AND status BETWEEN 200 AND 299""", [*chunk, site, crawl_id]):
            if canonical is None or canonical == url:
                targets[uid] = (url, text_hash)
    out: dict[int, str] = {}
    for uid, url, canonical, text_hash in rows:
        t = targets.get(url_id(canonical))
        if t is not None and t[1] == text_hash:
            out[uid] = canonical
    return out
