"""Redirects: chains and loops, reported where people enter them, links that point at a redirect, and
sitemap entries that redirect or are broken (a sitemap should list pages at their final address)."""
from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

from analysis.findings import Finding
from analysis.graph import link_details
from analysis.links_common import Context, answer_of, broken_confidence
from foundation.urls import url_id

def same_page(url: str, to: str) -> bool:
    """Two spellings of one address: the scheme, the host's case, a trailing slash or index.html apart
    (/news -> /news/, http -> https)."""
    def key(u: str) -> tuple[str, str, str]:
        parts = urlsplit(u)
        path = parts.path
        for tail in ("index.html", "index.htm", "index.php"):
            path = path.removesuffix(tail)
        return parts.netloc.lower().removeprefix("www."), path.rstrip("/") or "/", parts.query
    return key(url) == key(to)


def _chain_cut(ctx: Context, url: str) -> str | None:
    """Why the crawl did not follow the redirect of this URL further (max_redirects), if it did not."""

    row = ctx.conn.execute("SELECT error FROM pages WHERE url_id = ? AND crawl_id = ?",
                           [url_id(url), ctx.g.crawl_id]).fetchone()
    return row[0] if row and row[0] and row[0].startswith("redirect chain longer than") else None


def redirect_findings(ctx: Context) -> list[Finding]:
    """Chains and loops, reported where people enter them; links that point at a redirect."""
    g = ctx.g
    redirects = {uid: (chain, via) for uid, chain, via in ctx.conn.execute(
        "SELECT url_id, redirect_chain, found_via FROM pages WHERE site = ? AND crawl_id = ? AND outcome = 'redirect'",
        [g.site, g.crawl_id])}
    if not redirects:
        return []
    refs = link_details(ctx.conn, g, redirects)
    out = []
    for uid in sorted(redirects, key=lambda u: g.nodes[g.index[u]].url if u in g.index else ""):
        n = g.index.get(uid)
        if n is None:
            continue
        chain_json, via = redirects[uid]
        chain = json.loads(chain_json) if chain_json else []
        node, links = g.nodes[n], refs.get(uid, [])
        entered = via != "redirect" or bool(links) or n in g.sitemaps
        loop = bool(chain) and chain[-1][1] == "loop"
        hops = len(chain) - 1
        shown = " → ".join(u for u, _ in chain)
        common = {"chain": chain, "hops": hops, "sitemaps": sorted(set(g.sitemaps.get(n, [])))}
        if loop and entered:
            evidence = {**common, **ctx.listed(links)}
            out.append(ctx.finding("links.redirect_loop", n, "high", 0.95,
                                   f"Redirect loop: {shown} never reaches a page; visitors get an error.", evidence))
        elif not loop and entered and hops >= 2 and chain[-1][1] is None and (cut := _chain_cut(ctx, chain[-2][0])):
            # the crawl stopped following it (max_redirects): no answer yet, and perhaps never (an endless chain)
            evidence = {**common, "final_url": None, "final_status": None, "cut": cut,
                        "fix": f"redirect {node.url} straight to the page it is meant for, and link to that page",
                        **ctx.listed(links)}
            out.append(ctx.finding("links.redirect_chain", n, "medium", 0.9,
                                   f"Redirect chain without an end in sight: {hops} redirects and no answer from "
                                   f"{node.url}; the crawl stopped at {chain[-2][0]}: {cut}.", evidence))
        elif not loop and entered and hops >= ctx.cfg.redirect_chain_hops:
            final = chain[-1][0] if chain else None
            evidence = {**common, "final_url": final, "final_status": chain[-1][1] if chain else None,
                        "fix": f"redirect {node.url} straight to {final}, and link to {final}", **ctx.listed(links)}
            out.append(ctx.finding("links.redirect_chain", n, "low", 0.95,
                                   f"Redirect chain: {hops} redirects before an answer ({shown}); redirect straight to the last one.",
                                   evidence))
        final = g.nodes[node.final] if node.final is not None else None
        if links and final is not None and final.outcome == "ok":
            temporary = node.status in (302, 303, 307)
            evidence = {"status": node.status, "link_to_instead": final.url, "final_status": final.status,
                        "hops": hops, "chain": chain, **ctx.listed(links)}
            pages = evidence["linking_pages"]
            message = (f"Links to a redirect: {node.url} ({node.status}) leads to {final.url}; link there instead "
                       f"({pages} page{'s' if pages != 1 else ''}).")
            severity = "low"
            if temporary and not same_page(node.url, final.url):
                # a login wall (/my-account/ -> /login?returnUrl=...), a language switch that sets a cookie, a
                # campaign link: the link is meant to go through it, and linking to where it leads today would break it
                severity = "info"
                evidence["note"] = (f"{node.status} is a temporary redirect to another page: the link is probably meant "
                                    "(a login, a language switch, a campaign); not listed")
                message += f" Not listed: {node.status} is a temporary redirect, probably meant (a login, a language switch)."
            elif temporary:
                evidence["note"] = f"{node.status} is a temporary redirect, but only to another spelling of the same address"
            out.append(ctx.finding("links.to_redirect", n, severity, 0.7 if temporary else 0.95, message, evidence))
    return out


# ---------------------------------------------------------------------------- sitemaps
def sitemap_findings(ctx: Context) -> list[Finding]:
    """Sitemap entries whose URL answers 4xx/5xx or fails (medium), or redirects (low): one finding per URL,
    naming every sitemap that lists it.  A sitemap should list only the pages it means, at their final address."""
    g = ctx.g
    rows = ctx.conn.execute(
        """SELECT p.url_id, p.url, p.outcome, p.status, p.error, p.final_url, p.redirect_chain, s.url
           FROM sitemap_entries e JOIN pages p ON p.url_id = e.url_id JOIN urls s ON s.id = e.sitemap_id
           WHERE e.site = ? AND e.is_sitemap = 0 AND p.site = ? AND p.crawl_id = ?
             AND coalesce(p.kind, '') != 'external' AND p.outcome IN ('http_error', 'failed', 'redirect')""",
        [g.site, g.site, g.crawl_id]).fetchall()
    by_url: dict[int, dict[str, Any]] = {}
    for uid, url, outcome, status, error, final_url, chain, sitemap in rows:
        d = by_url.setdefault(uid, {"url": url, "outcome": outcome, "status": status, "error": error,
                                    "final_url": final_url, "chain": chain, "sitemaps": set()})
        d["sitemaps"].add(sitemap)
    out = []
    for uid, d in sorted(by_url.items(), key=lambda kv: kv[1]["url"]):
        if ctx.exempt(d["url"]):
            continue
        sitemaps = sorted(d["sitemaps"])
        named = ", ".join(sitemaps[:3]) + (f" and {len(sitemaps) - 3} more" if len(sitemaps) > 3 else "")
        if d["outcome"] == "redirect":
            chain = json.loads(d["chain"]) if d["chain"] else []
            final = d["final_url"] or (chain[-1][0] if chain else None)
            n = g.index.get(uid)
            end = g.nodes[g.nodes[n].final] if n is not None and g.nodes[n].final is not None else None
            end_answer = answer_of(end.status, None) if end is not None else None
            evidence = {"sitemaps": sitemaps, "status": d["status"], "redirects_to": final, "chain": chain,
                        "final_answer": end_answer,
                        "fix": f"list {final} in the sitemap instead of {d['url']}" if final else f"take {d['url']} out of the sitemap"}
            message = (f"Sitemap entry redirects: {named} list{'s' if len(sitemaps) == 1 else ''} {d['url']}, which answers "
                       f"{d['status']} and leads to {final or 'no page'}; list the final address instead.")
            out.append(ctx.finding("links.sitemap_redirect", n if n is not None else d["url"], "low", 0.95, message, evidence,
                                   subject_id=uid))
            continue
        answer = answer_of(d["status"], d["error"])
        evidence = {"sitemaps": sitemaps, "status": d["status"], "error": d["error"], "answer": answer,
                    "fix": f"take {d['url']} out of the sitemap, or bring the page back"}
        message = (f"Sitemap lists a broken URL: {named} list{'s' if len(sitemaps) == 1 else ''} {d['url']}, which {answer}; "
                   f"take it out of the sitemap or bring the page back.")
        n = g.index.get(uid)
        out.append(ctx.finding("links.sitemap_broken", n if n is not None else d["url"], "medium", broken_confidence(d["status"]),
                               message, evidence, subject_id=uid))
    return out
