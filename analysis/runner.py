"""`decay analyse`: read the facts of the latest complete crawl, write the judgments.

Everything is computed first (reading only), then written in one short
transaction: an analysis that fails or is interrupted leaves the previous
judgments as they were, and the database is locked for writing only for the
seconds the write takes.

The bulk of the judgments (each page's dates and every date candidate, its role and its place in the link
graph, the cleanup list's items: millions of rows for a site of a million pages) is not held in memory: it is
staged in TEMP tables of the analysis' own connection as it is computed (analysis/staging.py), and copied into
the judgments tables by the write.  The findings are staged last, once the cleanup list is made: their evidence
is encoded before the write takes its lock (analysis/findings.py stage_findings).
"""
from __future__ import annotations

import ctypes
import gc
import hashlib
import os
import json
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from analysis import archive, cleanup, links, outdated, processes, retired_names, rules, sections, social, staging
from analysis.dates import learn_site_trust
from analysis.findings import Finding, FindingCounts, forget_texts, stage_findings, write_findings
from analysis.fulltext import FullTextBuild
from analysis.page_judgments import forget_times, judge_pages, workers_for
from analysis.pages import latest_complete_crawl, site_pages, with_signals
from analysis.roles import assign_roles
from analysis.rules_beside import RulesBeside
from foundation import __version__
from foundation.catalog import DATED, RULES
from foundation.config import Config
from foundation.schema import insert_sql, open_db
from foundation.team_rules import PREFIX, load_rules, retired_day
from foundation.testing import pause_point
from foundation.times import to_iso
from foundation.urls import SiteScope


@dataclass
class SiteResult:
    site: str
    crawl_id: int
    pages: int = 0
    signals: list[tuple] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    facts: cleanup.SiteFacts | None = None


def analyse_site(conn, config: Config, site_cfg, crawl_id: int, ctx: outdated.Context, beside: RulesBeside) -> SiteResult:
    res = SiteResult(site_cfg.name, crawl_id)
    conn.execute(f"PRAGMA cache_size = -{CACHE_KIB}")   # until the link graph (_shrink_cache)
    pages = site_pages(conn, site_cfg.name, crawl_id, signals=False)   # each page's date signals: a batch at a time
    res.pages = len(pages)
    scope = SiteScope(site_cfg.name, site_cfg.start_urls, aliases=site_cfg.aliases, hosts=site_cfg.hosts)
    assign_roles(conn, site_cfg.name, crawl_id, pages, scope.canonical_start_urls,
                 [(r.role, r.patterns) for r in config.outdated.roles], with_signals=with_signals(conn, pages))
    staging.stage_all(conn, "page_roles", ((p.url_id, p.url, p.site, p.role, p.role_reason) for p in pages))
    db_path = next(row[2] for row in conn.execute("PRAGMA database_list") if row[1] == "main")
    # the articles the site still presents as current (its home page's and its menu's links): from the roles and the
    # facts alone, so in a thread beside the dates (the queries are SQLite's; the dates' Python runs meanwhile)
    current_beside = archive.PresentedBeside(db_path, site_cfg.name, crawl_id, pages)
    gc.freeze()   # the pages stay to the end: the collector need not walk a million of them again and again
    # (nor the findings: frozen as they are made, below; on a million pages each full collection walking them
    # again cost the analysis about 40 s in all)
    trust = learn_site_trust(p.date_input for p in pages)
    res.signals += [(site_cfg.name, *row) for row in trust.rows()]   # each source, then its deploy/build stamps
    # each page's dates and what they say (stale, claims, expired): over every core on a large site
    found, copyrights = judge_pages(conn, Path(db_path), pages, trust, ctx, config.outdated)   # frozen as made
    res.findings += found
    home = scope.canonical_start_urls[0] if scope.canonical_start_urls else site_cfg.start_urls[0]
    res.findings += outdated.old_copyright(copyrights, ctx, site_cfg.name, home,
                                           archived=lambda ids: archive.archived_copies(conn, ids))
    # old dated articles: one archive decision per section, unless the site still presents one as current
    current = current_beside.result()
    named_sections = [(name, match) for name, match, _ in ctx.sections]   # [[outdated.sections]], compiled once
    res.findings = archive.group_articles(res.findings, pages, current, named_sections,
                                          lambda url: outdated.human_days(ctx.threshold(url)[1]))
    forget_texts()   # the findings' texts are shared (Finding.pack): the memo of them goes before the link graph
    gc.freeze()   # the findings so far stay to the end (the analysis makes no reference cycles to collect)
    # the link graph knows which pages are outdated: a page reached only through them gets an info note
    flagged = {f.subject_id for f in res.findings if f.subject_type == "page" and f.subject_id is not None
               and f.category in DATED and f.severity != "info"}
    beside.ready(site_cfg.name)   # the rules' worker, if it has one, is done before the graph: not held beside it
    _shrink_cache(conn)   # the link graph is where a large site's memory peaks
    lr = links.analyse_links(conn, site_cfg, crawl_id, now=ctx.now, links_cfg=config.links, flagged=flagged,
                             template_min_pages=config.checks.template_min_pages,
                             quiet_deep=archive.quiet_ids(pages, "links.deep_page"), pages=pages)
    res.findings += archive.group_archive_links(sections.group_sections(archive.quiet_by_role(lr.findings, pages)),
                                                archive.old_articles(res.findings, pages, current), named_sections)
    # importance and removal impact while the graph is loaded; only date and link findings can make a page
    # obsolete or dead (foundation/catalog.py), so the rules' findings are not needed for it
    started = conn.execute("SELECT started_at FROM crawls WHERE id = ?", [crawl_id]).fetchone()
    res.facts = cleanup.site_facts(conn, site_cfg, lr, res.findings, flagged, started[0] if started else None)
    staging.stage_all(conn, "page_graph", lr.rows())
    del lr   # the graph (a million pages: about 2 GB): not held through the cleanup list (nor a small site's rules)
    gc.collect()   # anything of the graph's that only the collector frees goes now, then what is left stays
    gc.freeze()
    # brand, legal, security (analysis/rules_beside.py); a retired name on an old dated article is its day's record
    res.findings += retired_names.judge(conn, beside.findings(conn, site_cfg, crawl_id), pages, current,
                                        retired_names_on(config))
    return res


def retired_names_on(config: Config) -> dict[str, str]:
    """Finding rule -> the day its name was retired, for the team's rules that say (``retired_on``)."""
    rules_, _ = load_rules(config)
    return {PREFIX + r.id: day for r, _, _ in rules_ if r.retired_on and (day := retired_day(r.retired_on))}


def _large(conn, site: str) -> bool:
    """A site worth other processes (its URLs: a bound on its pages, from the index alone)."""
    return workers_for(conn.execute("SELECT count(*) FROM pages WHERE site = ?", [site]).fetchone()[0]) > 1


def _triage_suppressed(conn, findings: list[Finding], now_iso: str) -> set[str]:
    """Findings people dismissed (evidence unchanged since) or snoozed (until a later date): kept out of the cleanup list."""
    decided = {fid: (state, until, material) for fid, state, until, material in conn.execute(
        "SELECT id, state, snooze_until, material FROM triage WHERE item = 'finding' AND state IN ('dismissed', 'snoozed')")}
    current = {f.id: f for f in findings if f.id in decided} if decided else {}   # of two with one id, the last (as before)
    out = set()
    for fid, f in current.items():
        state, until, material = decided[fid]
        if state == "snoozed" and (until or "") > now_iso[:10]:
            out.add(fid)
        elif state == "dismissed" and f"{fid}:{f.evidence_hash}" in json.loads(material or "[]"):
            out.add(fid)
    return out


def _cleanup_rows(conn, config: Config, results: list[SiteResult], analysis_id: int, now_iso: str) -> int:
    """The cleanup list's rows, staged unranked (the write ranks them); their number."""
    findings = [f for r in results for f in r.findings]
    previous: dict[str, tuple[str, str]] = {}
    ids = [f.id for f in findings]
    for i in range(0, len(ids), 500):
        chunk = ids[i:i + 500]
        for fid, status, first in conn.execute(
                f"SELECT id, status, first_seen FROM findings WHERE id IN ({', '.join('?' * len(chunk))})", chunk):
            previous[fid] = (status, first)
    new = {f.id for f in findings if previous.get(f.id, ("",))[0] != "open"}
    first_seen = {fid: first for fid, (status, first) in previous.items() if status == "open"}
    started = [r.facts.crawl_started_at for r in results if r.facts and r.facts.crawl_started_at]
    rows = cleanup.unranked(findings, {r.site: r.facts for r in results if r.facts}, config,
                            suppressed=_triage_suppressed(conn, findings, now_iso), latest_analysis_findings=new,
                            first_seen=first_seen, now_iso=now_iso, analysis_id=analysis_id,
                            crawl_started_at=max(started) if started else None)
    n = staging.stage_all(conn, "cleanup", map(cleanup.staged_row, rows))
    staging.reorder(conn, "cleanup", cleanup.RANK_ORDER, computed={"rank": cleanup.RANK_SQL})   # ranked before the write
    return n


# SQLite's page cache (a ceiling, not an allocation): large while the pages' facts are read (page roles scan the
# links: a tenth faster) and for the write (the judgments tables' indexes are updated at random places); small from
# the link graph on, where a million-page site's memory peaks (a full cache there is 256 MB of the peak)
CACHE_KIB = 256 * 1024
GRAPH_CACHE_KIB = 32 * 1024


def _shrink_cache(conn) -> None:
    """The page cache down to GRAPH_CACHE_KIB, its memory given back to the system (not only to malloc's free lists,
    where the graph's arrays and objects, allocated elsewhere, would not reuse it)."""
    conn.execute(f"PRAGMA cache_size = -{GRAPH_CACHE_KIB}")
    conn.execute("PRAGMA shrink_memory")
    try:
        ctypes.CDLL(None).malloc_trim(0)   # glibc; elsewhere the cache's memory stays with the process
    except (AttributeError, OSError):
        pass


def _write(conn, results: list[SiteResult], analysis_id: int, now_iso: str, fulltext: FullTextBuild) -> FindingCounts:
    conn.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
    fulltext.attach(conn)   # the full-text index built beside the analysis (analysis/fulltext.py), when it is ready
    conn.execute("BEGIN IMMEDIATE")
    try:
        for r in results:
            conn.execute("DELETE FROM date_evidence WHERE url_id IN (SELECT url_id FROM page_dates WHERE site = ?)", [r.site])
            conn.execute("DELETE FROM date_evidence WHERE url_id IN (SELECT url_id FROM pages WHERE site = ?)", [r.site])
            conn.execute("DELETE FROM page_dates WHERE site = ?", [r.site])
            conn.execute("DELETE FROM page_roles WHERE site = ?", [r.site])
            conn.execute("DELETE FROM site_signals WHERE site = ?", [r.site])
            conn.executemany(insert_sql("site_signals"), [row + (analysis_id,) for row in r.signals])
            conn.execute("DELETE FROM page_graph WHERE site = ?", [r.site])
        # the staged rows of every site (a site's deletes above touch only its own pages' rows)
        for name in ("page_dates", "date_evidence", "page_roles", "page_graph"):
            staging.copy(conn, name, analysis_id)
        counts = write_findings(conn, rules=set(RULES) | rules.rule_ids(conn),   # every built-in rule, the team's
                                sites={r.site for r in results}, analysis_id=analysis_id, now=now_iso)
        conn.execute("DELETE FROM cleanup")
        staging.copy(conn, "cleanup", analysis_id)
        fulltext.install(conn)
        pause_point("analysis-write")  # test-only (foundation/testing.py): killed with the judgments half-written
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    finally:
        fulltext.detach(conn)
    return counts


def analyse(config: Config, db_path: Path, now: datetime | None = None) -> dict:
    """Analyse the latest complete crawl of every configured site; returns a summary."""
    database = open_db(db_path)
    conn = database.conn
    conn.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
    now = (now or datetime.now(timezone.utc)).astimezone(timezone.utc)
    now_iso = to_iso(now)
    started = time.monotonic()
    cfg_hash = hashlib.blake2b(config.path.read_bytes() if config.path.exists() else b"", digest_size=8).hexdigest()
    latest = conn.execute("SELECT max(id) FROM crawls WHERE status = 'complete'").fetchone()[0]
    with conn:
        cur = conn.execute("INSERT INTO analyses (started_at, status, now, crawl_id, config_hash, version, pid) "
                           "VALUES (?, 'running', ?, ?, ?, ?, ?)",
                           [to_iso(datetime.now(timezone.utc)), now_iso, latest, cfg_hash, __version__, os.getpid()])
    analysis_id = cur.lastrowid
    fulltext = FullTextBuild(db_path)
    beside = RulesBeside(db_path, config)
    try:
        processes.remove_leftovers(db_path)   # the workers' scratch directories a killed analysis left
        crawls = {s.name: latest_complete_crawl(conn, s.name) for s in config.sites}
        beside.start([(s, crawls[s.name]) for s in config.sites if crawls[s.name] is not None and _large(conn, s.name)])
        ctx = outdated.Context.from_config(config.outdated, now)
        staging.stage_tables(conn)
        results, skipped = [], []
        for site_cfg in config.sites:
            crawl_id = crawls[site_cfg.name]
            if crawl_id is None:
                skipped.append(site_cfg.name)
                continue
            results.append(analyse_site(conn, config, site_cfg, crawl_id, ctx, beside))
        # the full-text index from here, on the core the rest leaves free (the cleanup list, the findings' encoding,
        # the write: one core's work): not beside the dates, whose processes already take every core, nor beside
        # the link graph, where a large site's memory peaks (analysis/fulltext.py; removes its own leftovers)
        fulltext.start()
        social_result = social.analyse_social(conn, config, now)   # the profiles of the latest complete social crawl
        if social_result is not None:
            results.append(SiteResult(social.SOCIAL_SITE, social_result[0], findings=social_result[1]))
        listed = _cleanup_rows(conn, config, results, analysis_id, now_iso)
        stage_findings(conn, (f for r in results for f in r.findings))   # encoded before the write takes its lock
        pause_point("analysis")  # test-only (foundation/testing.py): killed after computing, before writing
        counts = _write(conn, results, analysis_id, now_iso, fulltext)
        pages = sum(r.pages for r in results)
        with conn:
            conn.execute("UPDATE analyses SET finished_at = ?, status = 'complete', pages = ?, findings_open = ?, "
                         "findings_new = ?, findings_resolved = ? WHERE id = ?",
                         [to_iso(datetime.now(timezone.utc)), pages, counts.open, counts.new, counts.resolved, analysis_id])
    except BaseException as e:
        with conn:
            conn.execute("UPDATE analyses SET finished_at = ?, status = 'failed', reason = ? WHERE id = ?",
                         [to_iso(datetime.now(timezone.utc)), f"{type(e).__name__}: {e}"[:2000], analysis_id])
        raise
    finally:
        fulltext.close()
        beside.close()
        gc.unfreeze()
        forget_texts()
        forget_times()
    return {
        "analysis_id": analysis_id, "now": now_iso, "crawl_id": latest, "pages": pages,
        "sites": [r.site for r in results], "sites_without_crawl": skipped,
        "open": counts.open, "new": counts.new, "resolved": counts.resolved, "by_rule": counts.by_rule,
        "problems": counts.problems, "problems_new": counts.problems_new, "problems_gone": counts.problems_gone,
        "problems_by_rule": counts.problems_by_rule, "information": counts.information,
        "seconds": round(time.monotonic() - started, 2), "db": str(db_path), "cleanup": listed,
    }
