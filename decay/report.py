"""What the command line prints: the API's results (decay/api.py) as a person reads them in a terminal.

The API returns data; this module makes the text, and decay/cli.py prints it.  The plain words for rules and
actions, the analysis summary and the cleanup list are decay/words.py's; the nightly summary is decay/summary.py's
(it is also what the webhook and runs/run-N.json carry).  It imports nothing heavy: decay triage loads it too.
"""
from __future__ import annotations

import shlex
import shutil
import sys
from pathlib import Path

from typing import Any

from decay.api_common import EXIT_FAILED, crawl_exit_status
from decay.summary import format_summary as format_nightly  # noqa: F401  (decay nightly)
from decay.words import format_analysis, format_cleanup  # noqa: F401  (decay analyse)


def analyse_command(config_path: str | Path, db: str | Path | None = None) -> str:
    """The command that judges a crawl (decay analyse), as the next step after decay crawl."""
    return serve_command(config_path, db).replace(" serve ", " analyse ", 1)


def serve_command(config_path: str | Path | None = None, db: str | Path | None = None) -> str:
    """The command that opens the results in datasette, configured (decay serve)."""
    exe = "decay" if shutil.which("decay") else str(Path(sys.executable).parent / "decay")
    parts = [exe, "serve"]
    if config_path is not None:
        parts += ["--config", shlex.quote(str(config_path))]
    if db is not None:   # with a configuration: only a --db given on the command line, which overrides its database
        parts += ["--db", shlex.quote(str(db))]
    return " ".join(parts)


def crawl_next_step(summary: dict, config_path: str | Path, db: str | Path | None = None) -> str | None:
    """What to do after `decay crawl`: analyse and browse when something was crawled; otherwise nothing to browse
    (the summary above says what went wrong), so None."""
    sites_ok = any(s.get("status") == "complete" for s in summary.get("sites") or [])
    social_ok = (summary.get("social") or {}).get("status") == "complete"
    if crawl_exit_status(summary) == EXIT_FAILED or summary.get("status") != "complete" or not (sites_ok or social_ok):
        return None
    return f"next: {analyse_command(config_path, db=db)}, then browse and triage it: {serve_command(config_path, db=db)}"


def format_social_summary(social: dict) -> str:
    if social.get("status") != "complete":
        return f"social crawl {social.get('social_crawl_id') or ''} {social.get('status')}: {social.get('reason') or ''}".replace("  ", " ")
    return (f"social crawl {social['social_crawl_id']} complete in {social['duration_s']:.1f} s: {social['checked']} of "
            f"{social['profiles']} profiles checked: {social['alive']} alive, {social['missing']} missing, "
            f"{social['suspended']} suspended, {social['unknown']} unknown ({social['requests']} requests)")


def format_crawl_summary(summary: dict) -> str:
    if summary.get("crawl_id") is None and "social" in summary and not summary.get("sites"):
        return format_social_summary(summary["social"])
    text = _format_site_crawl_summary(summary)
    return text + ("\n" + format_social_summary(summary["social"]) if "social" in summary else "")


def _format_site_crawl_summary(summary: dict) -> str:
    lines = []
    status = summary.get("status")
    head = f"crawl {summary.get('crawl_id')} {status}"
    if summary.get("duration_s") is not None:
        head += f" in {summary['duration_s']:.1f} s"
    if summary.get("merge_s"):
        head += f" (+ {summary['merge_s']:.1f} s to merge into the database)"
    lines.append(head + (f": {summary['reason']}" if summary.get("reason") else ""))
    for s in summary.get("sites", []):
        line = (f"  {s['site']}: {s['status']}; {s['fetched']} URLs requested: {s['ok']} ok, {s['redirects']} redirects, "
                f"{s['http_errors']} HTTP errors, {s['failures']} failures; {s['blocked']} blocked by robots.txt, "
                f"{s['skipped']} skipped")
        if s.get("truncated"):
            line += " (max_pages reached)"
        if s.get("mode") == "incremental":
            line += f"; incremental: {s.get('not_modified') or 0} pages unchanged (304 Not Modified), facts carried over"
        if s.get("reason"):
            line += f"\n    reason: {s['reason']}"
        lines.append(line)
    rv = summary.get("revalidation")
    if rv:
        left = [h for h in rv.get("hosts", []) if h.get("stopped")]
        lines.append(f"  re-validation pass: {rv['not_modified']} of {rv['pages']} known pages answered 304 to a conditional HEAD "
                     f"in {rv['seconds']:.1f} s; the others were crawled as usual"
                     + "".join(f"\n    {h['host']} was left to the crawl: {h['stopped']}" for h in left))
    if "links" in summary:
        carried = f" ({summary['links_carried']} carried over from unchanged pages)" if summary.get("links_carried") else ""
        lines.append(f"  {summary.get('pages', 0)} HTML pages, {summary['links']} links{carried}, "
                     f"{summary.get('sitemap_entries', 0)} sitemap entries, "
                     f"{(summary.get('bytes') or 0) / 1e6:.1f} MB -> {summary.get('db')}")
    if summary.get("sitemaps_skipped"):
        lines.append(f"  {summary['sitemaps_skipped']} sitemaps not read (max_sitemaps / max_sitemap_depth: "
                     "the sitemaps table says why)")
    return "\n".join(lines)


def format_impact(report: dict, shown: int = 20) -> str:
    """The removal impact as a person reads it in a terminal (at most ``shown`` links per page; JSON has them all)."""
    lines: list[str] = []
    for p in report["pages"]:
        lines.append(f"Removing {p['url']} ({p['site']}; the latest crawl saw: {p['answer']})")
        links = p["links_that_break"]
        lines.append(f"  {len(links)} link{'s' if len(links) != 1 else ''} would break" + (":" if links else ""))
        for link in links[:shown]:
            extra = ", ".join(x for x in (link["position"], link.get("element"), link.get("via") and f"via {link['via']}") if x)
            lines.append(f"    {link['page']}  \"{link['anchor']}\"" + (f" ({extra})" if extra else ""))
        if len(links) > shown:
            lines.append(f"    ... and {len(links) - shown} more (--json lists them all)")
        for r in p["redirects_that_break"]:
            lines.append(f"  the redirect {r} leads here: point it at the new target")
        for sm in p["sitemaps"]:
            lines.append(f"  listed in {sm}: remove it there")
        s = p["redirect_to"]
        lines.append(f"  redirect it to: {s['url']} ({s['reason']})" if s else "  redirect it to: no live page found")
    for key, head in (("orphaned", "Pages that nothing would link to any more"),
                      ("unreachable", "Pages that no start page would lead to any more")):
        if report[key]:
            lines.append(f"{head}:")
            for c in report[key]:
                linked = ", ".join(c["linked_from"][:3]) + (f" and {len(c['linked_from']) - 3} more" if len(c["linked_from"]) > 3 else "")
                lines.append(f"  {c['url']}  (linked from: {linked or 'nothing'})")
    if not report["orphaned"] and not report["unreachable"]:
        lines.append("No other page would be orphaned or cut off.")
    return "\n".join(lines)


def format_history(h: dict) -> str:
    lines = [f"{h['id']}  {h['item']}  {h['subject']}"]
    if h["list"]:
        r = h["list"]
        lines.append(f"  in the cleanup list: rank {r['rank']}, {r['action']}, status: {r['status']}")
        lines.append(f"  why: {r['why']}")
        lines.append(f"  to do: {r['todo']}")
    elif h["finding"]:
        f = h["finding"]
        lines.append(f"  finding {f['rule']} ({f['severity']}, {f['status']}): {f['message']}")
    else:
        lines.append("  no longer in the cleanup list or the findings")
    if not h["log"]:
        lines.append("  no decision yet")
    for e in h["log"]:
        until = f" until {e['snooze_until']}" if e["snooze_until"] else ""
        note = f": {e['note']}" if e["note"] else ""
        lines.append(f"  {e['at']}  {e['who']}  {e['state']}{until}{note}")
    return "\n".join(lines)


def format_triage(done: list[dict], state: str, until: str | None = None) -> str:
    """The decisions decay triage recorded, one line each."""
    return "\n".join(f"{d['id']}  {state}{' until ' + until if until else ''}  ({d['item']}: {d['subject']})" for d in done)


def format_check(result: dict) -> str:
    """decay check: the configuration is fine."""
    return (f"{result['config']}: ok ({len(result['sites'])} site(s): {', '.join(result['sites'])}; "
            f"database {result['database']})")


def format_prune(result: dict) -> str:
    """decay prune: what was deleted (or would be, with --dry-run)."""
    rep = result["report"]
    verb = "would delete" if result["dry_run"] else "deleted"
    counts = ", ".join(f"{n} {t}" for t, n in rep.deleted.items() if n) or "nothing"
    return (f"{result['db']}: older than {rep.cutoff}: {verb} {counts}"
            + (f"; removed {len(rep.files)} file(s)" if rep.files else "")
            + f" (kept crawls {', '.join(map(str, rep.kept_crawls)) or 'none'}) in {rep.seconds:.1f} s")


def format_rules_check(config: str | Path, report: dict) -> tuple[list[str], str]:
    """decay rules check: one error line per problem, and the closing line (to standard error when there are problems)."""
    errors = [f"error: {p}" for p in report["problems"]]
    if report["problems"]:
        return errors, f"{config}: {len(report['problems'])} problem(s) in {report['rules']} rule(s)"
    checks = ", ".join(f"{cid.split('.', 1)[1]} {'on' if on else 'off'}" for cid, on in report["checks"].items())
    return errors, f"{config}: ok ({report['rules']} rule(s), {report['enabled']} enabled; built-in checks: {checks})"


def format_test(report: dict[str, Any]) -> str:
    """decay rules test: what one rule matched on one page, where, and the findings it would make."""
    lines = [f"{report['rule']} ({report['kind']}) on {report['page']}"]
    if not report["applies"]:
        lines.append("  note: the rule's include/exclude patterns leave this URL out (give --url to test as another URL); shown anyway:")
    if report["failed"]:
        lines.append("  the rule ran out of time on this page (pattern_timeout): it would be reported as failing")
    if not report["matches"]:
        lines.append("  no match")
    for m in report["matches"]:
        where = m["region"] + (f" ({m['position']})" if m.get("position") else "")
        if m["region"] == "missing":
            lines.append(f"  missing: no {m['text']} in {', '.join(m.get('looked_in', []))}")
            continue
        line = f"  [{where}] {m.get('context') or m['text']}"
        if m.get("deliberate"):   # a retired name said on purpose (analysis/rules/mentions.py): left as it is
            line += f"  (named on purpose: {m['deliberate']})"
        elif m.get("replacement"):
            line += f'  -> write "{m["replacement"]}"'
        lines.append(line)
    if report["hits"] > 1:
        lines.append(f"  {report['hits']} hits")
    for f in report["findings"]:
        lines.append(f"  finding [{f['severity']}]: {f['message']}")
    return "\n".join(lines)
