"""Links to other websites: those whose check answered 4xx/5xx or failed, and the note that the checks say
nothing when the crawler itself was offline."""
from __future__ import annotations

from urllib.parse import urlsplit

from analysis.findings import Finding
from analysis.graph import link_details
from analysis.links_broken import Broken
from analysis.links_common import LINK_RULES, Context, answer_of
from foundation.failures import network_error

# The crawler was offline: at least this many external hosts were checked and at least this share of them
# failed only with DNS or connection errors (no host answered anything).
OFFLINE_MIN_HOSTS = 5
OFFLINE_SHARE = 0.8


def broken_external(ctx: Context) -> list[Broken]:
    """Links to other websites whose check (HEAD, once per URL per crawl) answered 4xx/5xx or failed."""
    g = ctx.g
    targets = {uid: (url, status, error, method, fetched_at) for uid, url, status, error, method, fetched_at in ctx.conn.execute(
        """SELECT url_id, url, status, error, method, fetched_at FROM pages
           WHERE site = ? AND crawl_id = ? AND kind = 'external' AND outcome IN ('http_error', 'failed')""",
        [g.site, g.crawl_id])}
    if not targets:
        return []
    refs = link_details(ctx.conn, g, targets)
    out = []
    for uid, (url, status, error, method, fetched_at) in sorted(targets.items(), key=lambda kv: kv[1][0]):
        links = refs.get(uid)
        if not links:
            continue
        out.append(Broken(url, uid, None, True, status, error, answer_of(status, error), "external link", links,
                          {"checked_with": method, "checked_at": fetched_at}))
    return out


# ---------------------------------------------------------------------------- the crawler's own network
def external_unchecked_finding(ctx: Context) -> Finding | None:
    """One note when the crawler itself was offline: at least OFFLINE_MIN_HOSTS external hosts were checked and
    at least OFFLINE_SHARE of them failed only with DNS or connection errors.  Its broken-link checks then say
    nothing about the links, so the caller reports no links.broken_external from this crawl."""
    g = ctx.g
    hosts: dict[str, list[bool]] = {}   # host -> per URL: failed with a network error?
    answered: set[str] = set()
    for url, outcome, status, error in ctx.conn.execute(
            "SELECT url, outcome, status, error FROM pages WHERE site = ? AND crawl_id = ? AND kind = 'external'",
            [g.site, g.crawl_id]):
        host = urlsplit(url).netloc.lower()
        if not host or outcome == "skipped":   # not asked
            continue
        hosts.setdefault(host, []).append(outcome == "failed" and network_error(error, timeouts=False))
        if status is not None or outcome == "blocked":   # blocked: its robots.txt answered
            answered.add(host)
    down = sorted(h for h, fails in hosts.items() if all(fails) and h not in answered)
    if len(hosts) < OFFLINE_MIN_HOSTS or len(down) < OFFLINE_SHARE * len(hosts):
        return None
    samples = dict(ctx.conn.execute(
        "SELECT error, count(*) FROM pages WHERE site = ? AND crawl_id = ? AND kind = 'external' AND outcome = 'failed' "
        "GROUP BY error ORDER BY count(*) DESC LIMIT 5", [g.site, g.crawl_id]).fetchall())
    urls = sum(len(hosts[h]) for h in down)
    evidence = {"hosts_checked": len(hosts), "hosts_failed": len(down), "urls_failed": urls,
                "threshold": f"at least {OFFLINE_MIN_HOSTS} hosts checked and at least {OFFLINE_SHARE:.0%} of them failing "
                             "only with DNS or connection errors",
                "errors": samples, "hosts": down[:50], "answering_hosts": sorted(set(hosts) - set(down))[:50],
                "consequence": "no links.broken_external findings from this crawl: re-crawl with a working network"}
    message = (f"External links could not be checked: {len(down)} of {len(hosts)} hosts failed with DNS or connection "
               f"errors; was the crawler offline? No broken external links are reported from this crawl.")
    return Finding(rule="links.external_unchecked", category=LINK_RULES["links.external_unchecked"], severity="info",
                   confidence=0.9, site=g.site, subject_type="site", subject_url=ctx.home, title="External link checks",
                   message=message, evidence=evidence, material=(len(hosts) // 10, len(down) * 10 // max(1, len(hosts))))
