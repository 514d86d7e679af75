"""What the command line prints, in a web manager's words (issue 19).

The database keeps the rule ids, scores and ids; the terminal says what a person would say, and shows
the ids only with ``--verbose``.  Long texts are wrapped at word boundaries and, when shortened, end
with where the full text is (``decay triage ID``, or the item page /-/triage/item/ID of decay serve).
"""
from __future__ import annotations

import shutil
import textwrap

# Each rule, as a count line reads: "20  pages not updated for too long".
RULE_WORDS = {
    "outdated.stale_page": "pages not updated for too long",
    "outdated.expired_event": "past events still announced",
    "outdated.expired_offer": "offers or deadlines that have ended",
    "outdated.stale_claim": "pages that call something new or upcoming long after",
    "outdated.old_copyright": "pages with an old copyright year",
    "outdated.old_year_in_title": "pages with an old year in the title",
    "outdated.old_articles": "sections of old news or blog articles",
    "links.broken_internal": "broken links to your own pages",
    "links.broken_external": "broken links to other websites",
    "links.broken_template": "broken links in the site template",
    "links.broken_in_archive": "broken links on archive pages",
    "links.redirect_loop": "redirects that go round in a loop",
    "links.redirect_chain": "redirects through several steps",
    "links.to_redirect": "links that go through a redirect",
    "links.sitemap_broken": "sitemap entries that are broken",
    "links.sitemap_redirect": "sitemap entries that redirect",
    "links.orphan": "pages no page links to",
    "links.orphan_island": "pages that only unreachable pages link to",
    "links.reached_only_through_outdated": "pages reached only through outdated pages",
    "links.deep_page": "pages many clicks from the home page",
    "links.dead_end": "pages with no links onwards",
    "links.duplicate_url": "pages reachable under several addresses",
    "links.insecure_own_link": "links to your own site over plain http://",
    "links.external_unchecked": "links to other websites not checked",
    "social.hijackable_link": "links to social accounts that are gone (someone could take the name)",
    "social.unavailable_account": "social accounts that are gone or suspended",
    "social.dormant_account": "social accounts with no recent posts",
    "social.unlisted_account": "social accounts linked but not declared as yours",
    "social.unlinked_account": "your social accounts the site does not link to",
    "social.inconsistent_identity": "social accounts whose name or bio does not match",
    "social.network_down": "social networks that could not be checked",
    "checks.outdated_technology": "pages running outdated software",
    "checks.insecure_form": "forms that send over plain http://",
    "checks.mixed_content": "https pages loading http:// content",
    "checks.new_window_opener": "links opening a new window without rel=noopener",
    "checks.template_min_pages": "problems in the site template",
}

ACTION_WORDS = {"remove": "Remove", "redirect": "Redirect", "update": "Update", "fix links": "Fix links", "review": "Review"}


def rule_words(rule: str) -> str:
    """A rule id in words; the team's own rules (rules.<id>) by their id, which the team chose."""
    if rule in RULE_WORDS:
        return RULE_WORDS[rule]
    if rule.startswith("rules."):
        return f"pages breaking your rule \"{rule[6:]}\""
    return rule


def width() -> int:
    return max(60, min(110, shutil.get_terminal_size((100, 24)).columns))


def wrap(text: str | None, first: str, indent: str, cols: int, max_lines: int = 3) -> tuple[list[str], bool]:
    """The text wrapped at word boundaries after ``first`` (continuation lines start with ``indent``), at most
    ``max_lines`` lines; returns the lines and whether the text was shortened (then the last ends with '…')."""
    text = " ".join((text or "").split())
    lines = textwrap.wrap(text, width=cols, initial_indent=first, subsequent_indent=indent,
                          break_long_words=False, break_on_hyphens=False) or [first.rstrip()]
    if len(lines) <= max_lines:
        return lines, False
    lines = lines[:max_lines]
    last = lines[-1]
    while len(last) + 1 > cols and " " in last.strip():
        last = last.rsplit(" ", 1)[0]
    lines[-1] = last.rstrip(" ,;:") + " …"
    return lines, True


def format_analysis(summary: dict, verbose: bool = False) -> str:
    """The analysis summary: what was judged, how many problems of each kind (rule ids with --verbose), and how many
    findings were kept as information only (never list items: an old dated article, a name used on purpose)."""
    problems = summary.get("problems", summary["open"])
    by_rule = summary.get("problems_by_rule", summary["by_rule"])
    head = (f"Checked {summary['pages']} pages as of {summary['now'][:10]}: {problems} problems found "
            f"({summary.get('problems_new', summary['new'])} new since the last analysis, "
            f"{summary.get('problems_gone', summary['resolved'])} gone)")
    if summary.get("information"):
        head += f"; {summary['information']} findings kept as information only, not listed"
    head += f"; {summary['seconds']:.1f} s"
    if verbose:
        head += f" [analysis {summary['analysis_id']} of crawl {summary['crawl_id']}]"
    lines = [head]
    if verbose:
        for rule, n in sorted(by_rule.items(), key=lambda kv: (-kv[1], kv[0])):
            lines.append(f"  {n:5d}  {rule_words(rule)}  ({rule})")
    else:
        merged: dict[str, int] = {}
        for rule, n in by_rule.items():
            merged[rule_words(rule)] = merged.get(rule_words(rule), 0) + n
        for words, n in sorted(merged.items(), key=lambda kv: (-kv[1], kv[0])):
            lines.append(f"  {n:5d}  {words}")
    if summary.get("sites_without_crawl"):
        lines.append("  not checked (no complete crawl yet): " + ", ".join(summary["sites_without_crawl"]))
    return "\n".join(lines)


def format_cleanup(rows: list[dict], total: int | None = None, verbose: bool = False, cols: int | None = None,
                   show: str = "decay triage {id}") -> str:
    """The top of the cleanup list: what to do, where, why, for whom; wrapped at words, never cut mid-word.
    A shortened text says where the whole of it is: ``show`` (the command that prints the item), and serve's item page."""
    if not rows:
        return "The cleanup list is empty: nothing needs doing."
    cols = cols or width()
    head = "The cleanup list" + (f" (the first {len(rows)} of {total})" if total and total > len(rows) else "") + ":"
    lines = [head]
    for r in rows:
        who = r.get("owner") or "nobody yet"
        tail = f"  ({r['severity']} priority; {who})"
        if verbose:
            tail = f"  [{r['severity']}; {who}; score {r['score']:g}; id {r['id']}]"
        lines.append(f"{r['rank']:4d}. {ACTION_WORDS.get(r['action'], r['action']):9s} {r['subject_url']}{tail}")
        why, cut_why = wrap(r.get("why"), "       Why: ", " " * 12, cols)
        todo, cut_do = wrap(r.get("todo"), "       Do:  ", " " * 12, cols)
        lines += why + todo
        if cut_why or cut_do:
            lines += wrap(f"(in full: {show.format(id=r['id'])}, or the item's page in decay serve)", " " * 12, " " * 13,
                          cols, max_lines=9)[0]
    return "\n".join(lines)
