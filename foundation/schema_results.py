"""The schema's results tables, declared once: what analysis judges (findings, page dates, the link graph), the
cleanup list and people's decisions on it, the history of runs and changes; and the views over them.

foundation/schema.py gathers these with the facts' tables (foundation/schema_facts.py), creates and migrates
them, and writes the README's schema section from them.
"""
from __future__ import annotations

from foundation.catalog import TRIAGE_STATES
from foundation.schema_facts import I, R, T, Table

# ---------------------------------------------------------------------------- judgments (written by `decay analyse`)
JUDGMENT_TABLES: list[Table] = [
    Table(
        "analyses", "One row per run of `decay analyse`: when, on which crawl, with what result.", [
            ("id", I, "Analysis number, increasing."),
            ("started_at", T, "When it started (UTC)."),
            ("finished_at", T, "When it ended."),
            ("status", T, "running, complete, failed or interrupted (its process died; marked by the next nightly run)."),
            ("reason", T, "Why it failed."),
            ("now", T, "The date the analysis judged against (today, unless --now was given)."),
            ("crawl_id", I, "The latest complete crawl whose facts were analysed."),
            ("config_hash", T, "Hash of the configuration file's content."),
            ("version", T, "content-decay version."),
            ("pages", I, "Pages analysed."),
            ("findings_open", I, "Findings open after this analysis."),
            ("findings_new", I, "Findings seen for the first time (or reopened)."),
            ("findings_resolved", I, "Findings that this analysis no longer finds (their problem is gone)."),
            ("pid", I, "Process id while it runs (an analysis whose process died is marked interrupted by the next command that opens the database)."),
        ], pk="id", kind="run",
    ),
    Table(
        "findings", "Every problem found, one row per rule and subject, with its evidence. Shared by all analyses; "
        "a finding keeps its id from crawl to crawl, so decisions about it (triage) stay attached.", [
            ("id", T, "Stable id: derived from the rule and the subject, the same in every analysis."),
            ("rule", T, "The rule that fired, e.g. outdated.stale_page (README: What each finding means)."),
            ("category", T, "outdated, expired, orphaned, links, social, and from rules: brand, legal, security, accessibility, quality."),
            ("severity", T, "critical, high, medium, low or info."),
            ("confidence", R, "How sure the evidence is, 0 to 1."),
            ("site", T, "Site name."),
            ("subject_type", T, "page, site, profile, template (a rule that matched in the site template, reported once: the evidence lists the pages), section (the old dated articles of one section, reported once: outdated.old_articles) or rule (a rule that failed)."),
            ("subject_id", I, "urls.id of the page (or profile) the finding is about."),
            ("subject_url", T, "Its URL."),
            ("title", T, "The page's title, for reading lists."),
            ("message", T, "What is wrong, in one sentence."),
            ("evidence", T, "JSON: everything needed to agree or disagree without reading code (dates and where they were found, quoted text, thresholds)."),
            ("evidence_hash", T, "Hash of the evidence that matters: it changes when the problem changes materially."),
            ("status", T, "open, or resolved (a later analysis no longer finds it)."),
            ("first_seen", T, "When an analysis first found it (UTC)."),
            ("last_seen", T, "When an analysis last found it."),
            ("resolved_at", T, "When it was found to be gone."),
            ("first_analysis_id", I, "analyses.id that first found it."),
            ("last_analysis_id", I, "analyses.id that last found it."),
        ], pk="id", indexes=[("status",), ("rule",), ("site",), ("subject_id",), ("category",)], kind="judgments",
    ),
    Table(
        "page_dates", "When each page was published and last updated, resolved from all its date evidence.", [
            ("url_id", I, "urls.id of the page."),
            ("url", T, "The page."),
            ("site", T, "Site name."),
            ("published_at", T, "Publication date (ISO 8601 in the time zone the page wrote it in, so that its first ten characters are the day the page shows; +00:00 when it named none); empty when no evidence says."),
            ("published_source", T, "The evidence that decided it, e.g. jsonld:datePublished."),
            ("updated_at", T, "Last update; equals published_at when nothing says the page changed since; empty when unknown."),
            ("updated_source", T, "The evidence that decided it."),
            ("age_days", I, "Days since updated_at at the time of the analysis."),
            ("confidence", R, "0 to 1."),
            ("explanation", T, "Why, in a sentence: which evidence agrees, what was ignored and why."),
            ("disagreements", T, "JSON list of trusted evidence that disagrees, each a sentence."),
            ("analysis_id", I, "The analysis that wrote it."),
        ], pk="url_id", indexes=[("site",), ("updated_at",)], kind="judgments",
    ),
    Table(
        "page_roles", "What kind of page each page is, and the evidence that decided it; every judgment reads it (README: Page roles).", [
            ("url_id", I, "urls.id of the page."),
            ("url", T, "The page."),
            ("site", T, "Site name."),
            ("role", T, "home, listing (archives, tags, categories, /page/N), article (a dated news or blog post, release notes, minutes: a historical record), event, job, evergreen (products, services, guides, policies, docs), stub (a meta-refresh redirect) or error (a page that says it was not found)."),
            ("reason", T, "The evidence that decided the role, in words (a [[outdated.roles]] pattern when the team set it)."),
            ("analysis_id", I, "The analysis that wrote it."),
        ], pk="url_id", indexes=[("site", "role")], kind="judgments",
    ),
    Table(
        "date_evidence", "Every date candidate of every page, parsed and judged: accepted, or rejected with the reason.", [
            ("url_id", I, "urls.id of the page."),
            ("ordinal", I, "Order of the candidate."),
            ("source", T, "http:last-modified, sitemap:lastmod, feed, jsonld, microdata, meta, time, class, text, url, copyright or script."),
            ("name", T, "Key or attribute (datePublished, article:modified_time, ...)."),
            ("raw", T, "The value as found."),
            ("value", T, "Parsed value (UTC, ISO 8601); empty if it could not be parsed."),
            ("precision", T, "day, month, year or time."),
            ("role", T, "published, modified, event_start, event_end, expires, copyright or unknown."),
            ("accepted", I, "1 if it counts as evidence of the page's own dates."),
            ("reason", T, "Why it was rejected (or a note)."),
            ("context", T, "Where it was found."),
        ], pk=("url_id", "ordinal"), without_rowid=True, kind="judgments",
    ),
    Table(
        "site_signals", "Per site and date source: is it evidence, or does it lie? (e.g. a sitemap that says today for every URL).", [
            ("site", T, "Site name."),
            ("source", T, "The date source (http:last-modified, sitemap:lastmod, ...); a stamp (one value shared by many pages, a deploy or build time, ignored as their date) is the source and its value: 'http:last-modified 2024-10-17 16:03 UTC'."),
            ("trusted", I, "0 when this source is ignored on this site."),
            ("reason", T, "What was measured."),
            ("pages", I, "Pages it is about: with a value of the source; for a stamp, the pages that share it."),
            ("analysis_id", I, "The analysis that judged it."),
        ], pk=("site", "source"), kind="judgments",
    ),
    Table(
        "page_graph", "Each URL of a site in the internal link graph of its latest complete crawl: what links to it, how deep "
        "it is, how much weight the site's links give it. Navigational links only (<a>, <area>, meta refresh); a link to a "
        "redirect counts for where the redirect ends.", [
            ("url_id", I, "urls.id of the URL."),
            ("url", T, "The URL."),
            ("site", T, "Site name."),
            ("inlinks", I, "Links to this URL from other pages of the latest crawl: <a>, <area>, meta refresh, and elements that show it (img, script, iframe, ...); <link> elements in <head> and form actions are not counted."),
            ("inlinks_main", I, "Of those, links in the main content (not in navigation, header, footer or sidebars)."),
            ("linking_pages", I, "Distinct pages with such a link."),
            ("depth", I, "Click depth: the fewest clicks from a start page, following navigational links (a redirect is not a click); empty when no start page leads here."),
            ("link_score", R, "Internal link score, 0 to 100: PageRank over the navigational links, on a logarithmic scale (0: nothing links here; 100: the page the site's links favour most). Empty for redirects, whose links count for where they lead."),
            ("reachable", I, "1 if a visitor can reach it by clicking from a start page."),
            ("outlinks_internal", I, "Navigational links from this page to other URLs of the site (0 on a dead end)."),
            ("analysis_id", I, "The analysis that wrote it."),
        ], pk="url_id", indexes=[("site",), ("depth",)], kind="judgments",
    ),
]

# ---------------------------------------------------------------------------- the cleanup list and people's decisions
CLEANUP_TABLES: list[Table] = [
    Table(
        "cleanup", "The prioritised cleanup list: one row per page, profile or site-wide template that needs action, rebuilt "
        "by every `decay analyse` from the open findings. Read it through the view cleanup_list, which adds the triage "
        "decisions (README: The cleanup list).", [
            ("id", T, "Stable id of the item, derived from what it is about (the same in every analysis): triage decisions are keyed by it."),
            ("rank", I, "1 is the most urgent."),
            ("score", R, "Urgency: the findings' weight times the page's importance (README: How the score is computed)."),
            ("action", T, "remove, redirect, update, fix links or review."),
            ("target_url", T, "For redirect: the live page to redirect to."),
            ("target_reason", T, "Why that target is a real successor: the page itself points its readers there, or it is the same title for a later year or version (both quoted)."),
            ("site", T, "Site name (empty for social profiles that belong to no site)."),
            ("subject_type", T, "page, profile, template, section (old dated articles of one section) or site."),
            ("subject_id", I, "urls.id of the page, when it is one."),
            ("subject_url", T, "The page, profile or site."),
            ("title", T, "The page's title."),
            ("section", T, "The [[outdated.sections]] the page belongs to (default: every other page)."),
            ("owner", T, "Who looks after it, from [[owners]]; 'unowned' when no pattern matches."),
            ("category", T, "Category of the weightiest finding (outdated, expired, orphaned, links, brand, legal, security, social, ...)."),
            ("severity", T, "Highest severity among its findings."),
            ("confidence", R, "Confidence of the finding that decided the action."),
            ("rules", T, "The rules that fired, comma-separated (for faceting)."),
            ("findings", T, "JSON list of the findings behind it: id, rule, severity, confidence, message."),
            ("finding_count", I, "How many findings."),
            ("new_findings", I, "How many of them the latest analysis found for the first time (new since the last crawl)."),
            ("why", T, "What is wrong, in sentences (the findings' messages)."),
            ("todo", T, "What to do, in words: the action, its target, and what to change first so nothing breaks."),
            ("score_explanation", T, "How the score was computed, in words."),
            ("protected", T, "The [cleanup] protected pattern it matches (never removed or redirected), or empty."),
            ("link_score", R, "Internal link score 0 to 100 (page_graph.link_score)."),
            ("inlinks", I, "Links to it from pages of the latest crawl."),
            ("linking_pages", I, "Distinct pages linking to it."),
            ("traffic", I, "Visits from [cleanup] traffic_file; empty when not known."),
            ("links_that_break", I, "If it were removed: links on other pages that would break."),
            ("pages_orphaned", I, "If it were removed: pages that would lose their last link."),
            ("impact", T, "JSON: the links that would break (page, anchor, position), the pages that would be orphaned, the sitemaps and redirects that name it."),
            ("material", T, "JSON list of finding-id:evidence-hash pairs: what counts as its evidence when a dismissal is checked."),
            ("first_seen", T, "When an analysis first listed it (its oldest finding's first_seen)."),
            ("analysis_id", I, "The analysis that wrote it."),
            ("crawl_started_at", T, "When the crawl it was judged on started: an item marked done before that and still listed is reopened."),
        ], pk="id", indexes=[("rank",), ("action",), ("site",), ("owner",)], kind="judgments",
    ),
    Table(
        "triage", "People's decisions about cleanup items and findings. Written only by people (decay triage, datasette's "
        "triage queries); decay crawl and decay analyse never change it.", [
            ("id", T, "cleanup.id or findings.id the decision is about (stable across crawls)."),
            ("item", T, "cleanup or finding."),
            ("state", T, ", ".join(TRIAGE_STATES[:-1]) + f" or {TRIAGE_STATES[-1]}."),   # foundation/catalog.py
            ("snooze_until", T, "For snoozed: the date (YYYY-MM-DD) it comes back."),
            ("note", T, "Why, in the person's words."),
            ("who", T, "Who decided (the signed-in datasette user, or --who / the login name on the command line)."),
            ("updated_at", T, "When (UTC, ISO 8601)."),
            ("action", T, "The action the list recommended when the decision was made."),
            ("material", T, "The item's evidence when the decision was made (cleanup.material): a dismissal holds while no new evidence appears."),
            ("subject_url", T, "What it is about, for reading the table on its own."),
        ], pk="id", indexes=[("state",)], kind="people",
    ),
    Table(
        "triage_log", "Every triage decision ever made, oldest first (filled by a trigger on triage; never pruned by decay).", [
            ("id", I, "Log entry number."),
            ("item_id", T, "triage.id."),
            ("state", T, "The state set."),
            ("snooze_until", T, "For snoozed: until when."),
            ("note", T, "The note."),
            ("who", T, "Who."),
            ("at", T, "When."),
        ], pk="id", indexes=[("item_id",)], kind="people",
    ),
]


# ---------------------------------------------------------------------------- history (what changed, run by run; crawler/changes.py, analysis/findings.py, decay/prune.py)
HISTORY_TABLES: list[Table] = [
    Table(
        "runs", "One row per `decay nightly` run: crawl, analysis, comparison with the previous complete run, summary.", [
            ("id", I, "Run number, increasing."),
            ("started_at", T, "When it started (UTC)."),
            ("finished_at", T, "When it ended."),
            ("status", T, "running, complete, failed or interrupted (killed or stopped by a signal; marked by the next run)."),
            ("reason", T, "Why it failed or was interrupted."),
            ("exit_code", I, "The exit status of `decay nightly` (README: Exit status of decay nightly)."),
            ("pid", I, "Process id while it runs."),
            ("config", T, "Path of the configuration file."),
            ("crawl_id", I, "The crawl of this run."),
            ("analysis_id", I, "The analysis of this run."),
            ("previous_run_id", I, "The previous complete run this one was compared with."),
            ("mode", T, "full, incremental or mixed (crawls.mode)."),
            ("pages_added", I, "Pages seen for the first time (or back after being gone)."),
            ("pages_gone", I, "Pages of the previous crawl no longer linked or listed, or now answering an error."),
            ("pages_changed", I, "Pages whose main text changed (pages.text_hash)."),
            ("status_changes", I, "URLs whose HTTP status or outcome changed."),
            ("findings_new", I, "Findings opened (or reopened) since the previous complete run."),
            ("findings_resolved", I, "Findings resolved since the previous complete run."),
            ("new_alerts", I, "New findings at or above [nightly] alert_severity."),
            ("summary_file", T, "The JSON summary written for this run."),
            ("webhook", T, "What the webhook answered: sent (HTTP status), failed (why), or empty when none is configured."),
        ], pk="id", kind="history",
    ),
    Table(
        "page_changes", "What changed on the sites, crawl by crawl: one row per page added, gone, changed or changing status, "
        "computed when a crawl is merged, against the previous complete crawl of the same site. Only changes are stored.", [
            ("crawl_id", I, "The crawl that saw the change."),
            ("url_id", I, "urls.id of the page."),
            ("change", T, "added (first seen, or back), gone (the previous crawl saw it live; now it is not linked or listed any more, or answers an error), changed (main text changed: pages.text_hash) or status (HTTP status or outcome changed)."),
            ("site", T, "Site name."),
            ("url", T, "The page."),
            ("kind", T, "page, resource or feed (pages.kind)."),
            ("before", T, "Before: status and outcome, or the main-text hash."),
            ("after", T, "After: status and outcome, or the main-text hash; for gone, what the crawl saw (not requested, or the error)."),
            ("detail", T, "In words: the title, the new error, where it redirects now, words added or removed."),
            ("previous_crawl_id", I, "The crawl it is compared with (the crawl that last saw the page before)."),
            ("since", T, "For gone: the last time a crawl saw it live (UTC); it has been gone since the next crawl. For added: when it was first requested."),
            ("at", T, "When the change was recorded (the crawl's merge, UTC)."),
        ], pk=("crawl_id", "url_id", "change"), indexes=[("url_id",), ("site", "change")], kind="history", without_rowid=True,
    ),
    Table(
        "finding_changes", "Findings opened, reopened and resolved, analysis by analysis (the findings table holds only each "
        "finding's latest state).", [
            ("analysis_id", I, "The analysis that saw the change."),
            ("finding_id", T, "findings.id."),
            ("change", T, "opened (first found), reopened (found again after being resolved) or resolved (no longer found)."),
            ("rule", T, "The rule."),
            ("category", T, "Its category."),
            ("severity", T, "Its severity at the time."),
            ("site", T, "Site name."),
            ("subject_url", T, "What it is about."),
            ("message", T, "The finding's message at the time."),
            ("at", T, "When (the analysis' date, UTC)."),
        ], pk=("analysis_id", "finding_id"), indexes=[("finding_id",)], kind="history", without_rowid=True,
    ),
]

VIEWS = {
    "social_status": (
        "Each social profile with its latest check: platform, handle, status, why, display name, last post.",
        """SELECT p.id AS profile_id, p.platform, p.handle, p.url, p.declared, p.official, p.owner, p.linked_pages,
       c.status, c.reason, c.display_name, c.bio_link, c.last_post_at, c.posts_90d, c.checked_at, c.social_crawl_id
FROM social_profiles p LEFT JOIN social_checks c ON c.profile_id = p.id
 AND c.social_crawl_id = (SELECT max(social_crawl_id) FROM social_checks WHERE profile_id = p.id)""",
    ),
    "link_urls": (
        "Links with their source and target URLs spelled out.",
        """SELECT l.source_id, s.url AS source_url, l.ordinal, l.kind, l.rel, l.anchor, l.position,
       l.internal, l.nofollow, l.new_window, l.target_id, t.url AS target_url, l.twin_url
FROM links l JOIN urls s ON s.id = l.source_id JOIN urls t ON t.id = l.target_id""",
    ),
    "cleanup_list": (
        "The cleanup list as people see it: every cleanup row with its triage decision and what that decision means "
        "today (status), and visible = 0 for items a decision keeps off the list (dismissed with unchanged evidence, "
        "snoozed until a later date, marked done and not yet re-checked by a crawl).",
        """SELECT *, CASE WHEN status IN ('dismissed', 'snoozed', 'done: awaiting the next crawl') THEN 0 ELSE 1 END AS visible
FROM (
  SELECT c.rank, c.id, c.action, c.subject_url, c.title, c.owner, c.why, c.todo, c.target_url, c.score, c.score_explanation,
         c.severity, c.category, c.site, c.section, c.rules, c.finding_count, c.new_findings, c.confidence, c.protected,
         c.link_score, c.inlinks, c.linking_pages, c.traffic, c.links_that_break, c.pages_orphaned, c.subject_type,
         c.first_seen,
         CASE
           WHEN t.state IS NULL OR t.state = 'new' THEN 'new'
           WHEN t.state = 'dismissed' AND t.action IS c.action AND NOT EXISTS (
                SELECT 1 FROM json_each(c.material) m WHERE m.value NOT IN (SELECT value FROM json_each(coalesce(t.material, '[]'))))
             THEN 'dismissed'
           WHEN t.state = 'dismissed' THEN 'back: evidence changed since dismissed'
           WHEN t.state = 'snoozed' AND t.snooze_until > date('now') THEN 'snoozed'
           WHEN t.state = 'snoozed' THEN 'back: snooze ended'
           WHEN t.state = 'done' AND julianday(c.crawl_started_at) > julianday(t.updated_at) THEN 'reopened: still there after a new crawl'
           WHEN t.state = 'done' THEN 'done: awaiting the next crawl'
           ELSE t.state
         END AS status,
         t.state AS triage_state, t.note AS triage_note, t.who AS triage_who, t.updated_at AS triage_at, t.snooze_until
  FROM cleanup c LEFT JOIN triage t ON t.id = c.id
)""",
    ),
}
