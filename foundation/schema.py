"""The database schema, declared once: tables, columns, types and what each means.

The same declaration creates the tables (sqlite-utils), writes the schema
section of the README (``decay schema``), and gives datasette its table and
column descriptions.  Facts (what the crawl saw) and judgments (what analysis
concluded) live in separate tables.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import sqlite_utils
from foundation.dbfile import check_db_path, mark_dead_processes
from foundation.catalog import TRIAGE_STATES  # one home for them all (re-exported)

SCHEMA_VERSION = 1


@dataclass
class Table:
    name: str
    description: str
    columns: list[tuple[str, str, str]]            # (name, SQLite type, description)
    pk: str | tuple[str, ...]
    indexes: list[tuple[str, ...]] = field(default_factory=list)
    unique_indexes: list[tuple[str, ...]] = field(default_factory=list)
    foreign_keys: list[tuple[str, str, str]] = field(default_factory=list)
    staged: bool = False   # written by a crawl into its staging file, merged at the end
    without_rowid: bool = False  # composite primary key, small rows: one b-tree instead of two
    kind: str = "facts"    # facts, run, judgments, people, history

    @property
    def column_names(self) -> list[str]:
        return [c[0] for c in self.columns]


T, I, R, B = "TEXT", "INTEGER", "REAL", "BLOB"

TABLES: list[Table] = [
    Table(
        "crawls", "One row per run of `decay crawl`: when, how it ended, and counts.", [
            ("id", I, "Crawl number, increasing."),
            ("started_at", T, "When the crawl started (UTC, ISO 8601)."),
            ("finished_at", T, "When it ended (UTC); empty while running."),
            ("status", T, "running, complete (all sites done; some may have failed, see crawl_sites), failed (no site could be crawled, or an internal error) or interrupted (stopped before the end; its facts were not merged)."),
            ("reason", T, "Why the crawl failed or was interrupted."),
            ("config", T, "Path of the configuration file."),
            ("config_hash", T, "Hash of the configuration file's content, to tell runs with different settings apart."),
            ("sites", T, "JSON list of the sites crawled."),
            ("version", T, "content-decay version."),
            ("pid", I, "Process id of the crawl while it runs (to detect a crawl that died)."),
            ("fetched", I, "URLs requested (pages and resources)."),
            ("pages", I, "HTML pages received (any status)."),
            ("ok", I, "URLs that answered 2xx."),
            ("redirects", I, "URLs that answered with a redirect."),
            ("http_errors", I, "URLs that answered 4xx or 5xx."),
            ("failures", I, "URLs with no usable answer (DNS, refused, timeout, too large, invalid)."),
            ("blocked", I, "URLs not requested because robots.txt disallows them."),
            ("skipped", I, "Internal URLs not requested because of include/exclude, max_depth or max_pages."),
            ("links", I, "Links recorded."),
            ("sitemap_entries", I, "Sitemap entries recorded."),
            ("bytes", I, "Bytes of response bodies received."),
            ("duration_s", R, "Wall-clock duration in seconds."),
            ("mode", T, "full (every page downloaded), incremental (pages re-validated with conditional requests: If-None-Match / If-Modified-Since) or mixed (some sites each way); crawl_sites says why."),
            ("not_modified", I, "Pages that answered 304 Not Modified: their facts were carried over from the crawl that last downloaded them."),
            ("revalidated", I, "Pages the re-validation pass asked about with a conditional HEAD before the crawl (see crawl_sites)."),
        ], pk="id", kind="run",
    ),
    Table(
        "crawl_sites", "One row per site per crawl: did this site's crawl succeed, and what it found.", [
            ("crawl_id", I, "The crawl (crawls.id)."),
            ("site", T, "Site name from the configuration."),
            ("status", T, "complete, failed (no start URL answered: the reason says why; the site's previous facts are kept) or interrupted."),
            ("reason", T, "Why the site failed."),
            ("start_urls", T, "JSON list of start URLs (production form)."),
            ("fetched", I, "URLs requested."),
            ("ok", I, "2xx answers."),
            ("redirects", I, "Redirect answers."),
            ("http_errors", I, "4xx/5xx answers."),
            ("failures", I, "Requests with no usable answer."),
            ("blocked", I, "URLs disallowed by robots.txt."),
            ("skipped", I, "URLs not requested (include/exclude, limits)."),
            ("truncated", I, "1 if max_pages stopped the crawl of this site early."),
            ("mode", T, "full or incremental (conditional requests for the pages the previous complete crawl downloaded)."),
            ("mode_reason", T, "Why this mode: --full, first crawl of the site, full_recrawl_every reached, another content-decay version, the site's hosts changed, or incremental."),
            ("not_modified", I, "Pages that answered 304 Not Modified (facts carried over)."),
            ("revalidated", I, "Pages the re-validation pass asked about with a conditional HEAD before the crawl (incremental crawls, [crawl] revalidation_pass): those answered 304 are counted in not_modified; the others were crawled as usual."),
            ("revalidation_note", T, "Why the re-validation pass left a host of this site to the crawl before it was done, if it did: the host answered 429 or 503, requests kept failing, robots.txt could not be read, or it does not answer conditional HEAD requests with 304."),
        ], pk=("crawl_id", "site"), foreign_keys=[("crawl_id", "crawls", "id")], kind="run",
    ),
    Table(
        "urls", "Every URL ever seen (pages, resources, external links), with its stable id.", [
            ("id", I, "Stable id derived from the URL (the same in every crawl and every database)."),
            ("url", T, "The normalised URL; for aliased sites, the production URL."),
            ("site", T, "The configured site it belongs to; empty for external URLs."),
            ("first_crawl_id", I, "The crawl that first saw it."),
        ], pk="id", unique_indexes=[("url",)], indexes=[("site",)], staged=True,
    ),
    Table(
        "pages", "One row per URL the crawl requested or decided not to request, with the latest facts about it.", [
            ("url_id", I, "urls.id of this URL."),
            ("url", T, "Normalised URL (the production URL when the site is aliased)."),
            ("site", T, "Site name."),
            ("kind", T, "page (requested in full, GET), resource (existence check: HEAD, no body), feed, or external (a link to another website, checked with HEAD; site is the site that links to it)."),
            ("requested_url", T, "The URL actually requested (differs from url when the site is crawled through an alias)."),
            ("found_via", T, "How the crawl first found it: start, link, sitemap or redirect."),
            ("found_on", T, "The page or sitemap where it was first found (empty for start URLs)."),
            ("depth", I, "Clicks from a start URL when found (0 for start URLs; empty when only a sitemap lists it)."),
            ("outcome", T, "ok (2xx), redirect (3xx), http_error (4xx/5xx), failed (no usable answer), blocked (robots.txt) or skipped (not requested: the error column says why)."),
            ("status", I, "HTTP status code of this URL's own answer (not of the redirect target)."),
            ("error", T, "Why there is no usable answer, or why the URL was skipped or blocked."),
            ("method", T, "GET or HEAD (a resource check, or a page the re-validation pass found unchanged with a conditional HEAD)."),
            ("content_type", T, "Content-Type header."),
            ("encoding", T, "Character encoding used to read the page."),
            ("size", I, "Body size in bytes (Content-Length when the body was not downloaded)."),
            ("response_ms", R, "Time to download, in milliseconds."),
            ("fetched_at", T, "When it was requested (UTC, ISO 8601)."),
            ("location", T, "Redirect target (normalised, production form)."),
            ("redirect_hops", I, "For a redirect: number of redirects until a final answer."),
            ("final_url", T, "For a redirect: where the chain ends."),
            ("final_status", I, "For a redirect: the status of the last URL of the chain (empty if the chain loops or leaves the crawl)."),
            ("redirect_chain", T, "For a redirect: JSON list of [url, status] for every hop, ending with the final URL; a loop ends with the repeated URL and status \"loop\"."),
            ("last_modified", T, "Last-Modified header, raw."),
            ("etag", T, "ETag header."),
            ("cache_control", T, "Cache-Control header."),
            ("x_robots_tag", T, "X-Robots-Tag header."),
            ("content_language", T, "Content-Language header."),
            ("server_date", T, "Date header (the server's clock at the answer), raw."),
            ("headers", T, "JSON of all response headers except cookies."),
            ("is_html", I, "1 when the body was parsed as HTML."),
            ("title", T, "<title>."),
            ("meta_description", T, "<meta name=description>."),
            ("canonical", T, "<link rel=canonical>, resolved and normalised."),
            ("meta_robots", T, "<meta name=robots> content."),
            ("lang", T, "<html lang> (or Content-Language meta)."),
            ("h1", T, "The first <h1>'s text."),
            ("h1_count", I, "Number of <h1> elements."),
            ("generator", T, "<meta name=generator> (CMS and version, when the site says)."),
            ("refresh_url", T, "Target of a <meta http-equiv=refresh>, resolved."),
            ("word_count", I, "Words in the main content (navigation, header, footer and sidebars excluded)."),
            ("text_hash", T, "Hash of the main content's text: changes when the content changes, not when the template does."),
            ("body_hash", T, "Hash of the raw body (bodies.hash when the HTML is stored)."),
            ("links_out", I, "Outgoing links recorded on this page."),
            ("links_internal", I, "Of those, links to the same site."),
            ("first_crawl_id", I, "The crawl that first requested it."),
            ("first_seen_at", T, "When it was first requested."),
            ("crawl_id", I, "The crawl that last requested it (compare with crawls.id to see what is current)."),
            ("not_modified", I, "1 when the last crawl's conditional request was answered 304 Not Modified: the page counts as seen by that crawl, and its facts (links, texts, date signals, body) are those of facts_crawl_id."),
            ("facts_crawl_id", I, "The crawl that last downloaded and parsed the page: where its facts come from (equals crawl_id unless not_modified)."),
        ], pk="url_id", indexes=[("site",), ("outcome",), ("crawl_id",), ("url",)],
        foreign_keys=[("url_id", "urls", "id")], staged=True,
    ),
    Table(
        "links", "Every outgoing reference on every page: <a>, <area>, <link>, <img>, <script>, <iframe>, <form action> and more.", [
            ("source_id", I, "urls.id of the page the link is on."),
            ("ordinal", I, "Position of the link in the page (0, 1, 2, ...)."),
            ("target_id", I, "urls.id of the target."),
            ("kind", T, "The element: a, area, link, img, script, iframe, frame, form, embed, object, video, audio, source, track or meta-refresh; sameas for a JSON-LD sameAs value (its anchor is the JSON-LD @type)."),
            ("rel", T, "rel attribute (nofollow, stylesheet, canonical, me, ...)."),
            ("anchor", T, "Anchor text; for images the alt text; for iframes the title."),
            ("position", T, "Where on the page: head, nav, header, footer, aside, main or body (outside <main> on a page that has one)."),
            ("internal", I, "1 if the target belongs to the same site."),
            ("nofollow", I, "1 if rel contains nofollow."),
            ("new_window", I, "1 if target=_blank."),
            ("twin_url", T, "The URL as written when it is a twin of a page of the site (the other scheme, as http:// for the https site, or a trailing index.html / index.htm): target_id is then the page itself, crawled once. Empty for other links."),
        ], pk=("source_id", "ordinal"), indexes=[("target_id",)],
        foreign_keys=[("source_id", "urls", "id"), ("target_id", "urls", "id")], staged=True, without_rowid=True,
    ),
    Table(
        "date_signals", "Raw date-like values found in each page, unjudged (the date analysis judges them).", [
            ("url_id", I, "urls.id of the page."),
            ("ordinal", I, "Order of discovery in the page."),
            ("source", T, "jsonld, microdata, meta, time, class (an element whose class says date/updated/...), text (a phrase such as 'Last updated 2 May 2019'), copyright or url."),
            ("name", T, "The key or attribute: datePublished, article:modified_time, datetime, notice, ..."),
            ("value", T, "The raw value as written."),
            ("context", T, "Where it was found: the JSON-LD @type, the region and class, or the tag."),
        ], pk=("url_id", "ordinal"), foreign_keys=[("url_id", "urls", "id")], staged=True, without_rowid=True,
    ),
    Table(
        "page_texts", "The visible text of each HTML page, by region.", [
            ("url_id", I, "urls.id of the page."),
            ("main_text", T, "Main content (inside <main>/<article> when the page has one, else everything outside navigation, header, footer and sidebars)."),
            ("nav_text", T, "Text of navigation menus."),
            ("header_text", T, "Text of the page header (outside the main content)."),
            ("footer_text", T, "Text of the page footer."),
            ("aside_text", T, "Text of sidebars."),
            ("body_text", T, "On pages with <main>, text that is outside it and outside the template regions."),
        ], pk="url_id", foreign_keys=[("url_id", "urls", "id")], staged=True,
    ),
    Table(
        "bodies", "Raw HTML of pages, zlib-compressed, stored once per distinct content (pages.body_hash).", [
            ("hash", T, "Hash of the raw body."),
            ("size", I, "Uncompressed size in bytes."),
            ("html", B, "zlib-compressed raw bytes, as received."),
        ], pk="hash", staged=True,
    ),
    Table(
        "sitemaps", "Each sitemap or sitemap index read, and how it was found.", [
            ("url_id", I, "urls.id of the sitemap."),
            ("url", T, "Sitemap URL (production form)."),
            ("site", T, "Site name."),
            ("found_via", T, "config, robots (a Sitemap: line), guess (/sitemap.xml) or index (listed by a sitemap index)."),
            ("parent", T, "The sitemap index that listed it."),
            ("status", I, "HTTP status."),
            ("error", T, "Why it could not be read."),
            ("type", T, "urlset, sitemapindex or invalid."),
            ("gzipped", I, "1 if the file was gzip-compressed."),
            ("entries", I, "Number of <url> or <sitemap> entries."),
            ("fetched_at", T, "When it was read."),
            ("crawl_id", I, "The crawl that last read it."),
        ], pk="url_id", indexes=[("site",)], staged=True,
    ),
    Table(
        "sitemap_entries", "Every <url> entry of every sitemap (and every <sitemap> of an index), with its lastmod as written.", [
            ("sitemap_id", I, "urls.id of the sitemap that lists it."),
            ("url_id", I, "urls.id of the listed URL."),
            ("url", T, "The listed URL (production form)."),
            ("site", T, "Site name."),
            ("lastmod", T, "<lastmod>, raw."),
            ("changefreq", T, "<changefreq>."),
            ("priority", T, "<priority>."),
            ("is_sitemap", I, "1 for an entry of a sitemap index (a child sitemap)."),
            ("crawl_id", I, "The crawl that last read it."),
        ], pk=("sitemap_id", "url_id"), indexes=[("url_id",), ("site",)],
        foreign_keys=[("sitemap_id", "urls", "id"), ("url_id", "urls", "id")], staged=True,
    ),
    Table(
        "robots", "robots.txt of each host crawled.", [
            ("url", T, "robots.txt URL (production form)."),
            ("site", T, "Site name."),
            ("status", I, "HTTP status (404 means no robots.txt: everything allowed)."),
            ("error", T, "Why it could not be fetched."),
            ("body", T, "The file's text (first 500 KB)."),
            ("sitemaps", T, "JSON list of Sitemap: lines."),
            ("fetched_at", T, "When it was fetched."),
            ("crawl_id", I, "The crawl that last fetched it."),
        ], pk="url", staged=True,
    ),
    Table(
        "feeds", "Each RSS, Atom or JSON feed the site announces (<link rel=alternate>), read once per crawl.", [
            ("url_id", I, "urls.id of the feed."),
            ("url", T, "Feed URL (production form)."),
            ("site", T, "Site name."),
            ("found_on", T, "The page that announced it."),
            ("status", I, "HTTP status."),
            ("error", T, "Why it could not be read."),
            ("format", T, "rss20, atom10, rss10, json, ... as detected."),
            ("title", T, "The feed's title."),
            ("entries", I, "Number of entries."),
            ("fetched_at", T, "When it was read."),
            ("crawl_id", I, "The crawl that last read it."),
        ], pk="url_id", indexes=[("site",)], staged=True,
    ),
    Table(
        "feed_entries", "Every entry of every feed, with its dates as written: evidence of when the page it points at was published.", [
            ("feed_id", I, "urls.id of the feed."),
            ("ordinal", I, "Position in the feed."),
            ("url_id", I, "urls.id of the page the entry links to."),
            ("url", T, "The entry's link (production form)."),
            ("site", T, "Site name."),
            ("title", T, "The entry's title."),
            ("published", T, "Publication date, raw."),
            ("updated", T, "Update date, raw."),
            ("crawl_id", I, "The crawl that last read it."),
        ], pk=("feed_id", "ordinal"), indexes=[("url_id",), ("site",)],
        foreign_keys=[("feed_id", "urls", "id"), ("url_id", "urls", "id")], staged=True, without_rowid=True,
    ),
]


# ---------------------------------------------------------------------------- judgments (written by `decay analyse`)
TABLES += [
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
            ("published_at", T, "Publication date (UTC, ISO 8601); empty when no evidence says."),
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
            ("source", T, "http:last-modified, sitemap:lastmod, feed, jsonld, microdata, meta, time, class, text, url or copyright."),
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
TABLES += [
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
            ("state", T, "new, accepted, in progress, done, dismissed or snoozed."),
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
TABLES += [
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

# ---------------------------------------------------------------------------- social profiles (crawler/social, the `social` spider)
TABLES += [
    Table(
        "social_crawls", "One row per check of the social profiles (the `social` part of `decay crawl`): when, how it ended, counts. "
        "Its facts (social_profiles, social_sources, social_checks, social_posts) are written in one transaction at its end: "
        "an interrupted check changes nothing but this row.", [
            ("id", I, "Social crawl number, increasing."),
            ("started_at", T, "When it started (UTC)."),
            ("finished_at", T, "When it ended."),
            ("status", T, "running, complete, failed or interrupted (its facts were not written)."),
            ("reason", T, "Why it failed or was interrupted."),
            ("pid", I, "Process id while it runs (a check whose process died is marked interrupted by the next one)."),
            ("site_crawls", T, "JSON {site: crawls.id}: the complete site crawl whose links, sameAs and rel=me were read to discover profiles."),
            ("profiles", I, "Profiles in the inventory."),
            ("checked", I, "Profiles checked."),
            ("alive", I, "Checked profiles found alive."),
            ("missing", I, "Checked profiles that do not exist."),
            ("suspended", I, "Checked profiles suspended, banned, terminated or deactivated."),
            ("unknown", I, "Checked profiles whose state could not be told (the reason is in social_checks)."),
            ("requests", I, "HTTP requests made."),
            ("duration_s", R, "Wall-clock duration in seconds."),
            ("version", T, "content-decay version."),
        ], pk="id", kind="run",
    ),
    Table(
        "social_profiles", "Every social profile the organisation declares ([[social]]) or its sites link to, stored once "
        "under a stable id derived from the platform and the normalised handle (x.com/Name and twitter.com/name/ are one profile).", [
            ("id", I, "Stable id: a hash of key, the same in every crawl and every database."),
            ("key", T, "platform:handle, normalised (lower case where the platform ignores case)."),
            ("platform", T, "x, facebook, instagram, linkedin, tiktok, youtube, mastodon, bluesky, medium, substack or feed."),
            ("handle", T, "The handle as people write it: name, @name@server (mastodon), company/name (linkedin), a channel id."),
            ("url", T, "The canonical profile URL."),
            ("feed_url", T, "The feed read for it, when the platform publishes one."),
            ("declared", I, "1 if [[social]] in the configuration declares it."),
            ("official", I, "From the configuration: 1 official, 0 not; empty when not declared."),
            ("owner", T, "From the configuration: who looks after it."),
            ("linked_pages", I, "Pages of the sites' latest crawls that link to it (links, sameAs or rel=me)."),
            ("first_seen_at", T, "When a social crawl first had it in its inventory (UTC)."),
            ("social_crawl_id", I, "The latest complete social crawl that had it in its inventory."),
        ], pk="id", indexes=[("platform",)],
    ),
    Table(
        "social_sources", "Where each profile was declared or linked from, as of the latest complete social crawl.", [
            ("profile_id", I, "social_profiles.id."),
            ("ordinal", I, "Order (config first, then by page)."),
            ("source", T, "config, link (<a>, <area>, <link>), rel-me (a link with rel=me: the page claims the profile) or sameas (JSON-LD sameAs)."),
            ("site", T, "The site of the linking page."),
            ("page_id", I, "urls.id of the linking page."),
            ("page_url", T, "The linking page."),
            ("link_url", T, "The URL as linked (before normalisation to the profile's canonical URL)."),
            ("anchor", T, "The link's anchor text."),
            ("position", T, "Where on the page: head, nav, header, footer, aside, main or body."),
            ("context", T, "The element (<a rel=me>), the JSON-LD @type, or for config the owner."),
            ("social_crawl_id", I, "The social crawl that recorded it."),
        ], pk=("profile_id", "ordinal"), indexes=[("page_id",)], without_rowid=True,
    ),
    Table(
        "social_checks", "What each platform answered about each profile, per social crawl (history is kept): status and the evidence.", [
            ("profile_id", I, "social_profiles.id."),
            ("social_crawl_id", I, "The social crawl (social_crawls.id)."),
            ("checked_at", T, "When (UTC)."),
            ("adapter", T, "How it was checked: mastodon, bluesky, youtube, feed or closed:PLATFORM (a liveness check of the public page)."),
            ("status", T, "alive, missing (the platform says no such account exists), suspended (suspended, banned, terminated or deactivated) or unknown (no clear answer: see reason)."),
            ("reason", T, "Why, in a sentence a person can check."),
            ("confidence", R, "How sure, 0 to 1."),
            ("http_status", I, "HTTP status of the answer that decided."),
            ("requested_url", T, "The URL requested for that answer (after base_urls)."),
            ("final_url", T, "Where it ended (after redirects), or the login page it redirected to."),
            ("marker", T, "The text or API error that decided, quoted (e.g. \"Couldn't find this account\", {\"error\": \"Record not found\"})."),
            ("display_name", T, "The profile's display name, as published."),
            ("handle", T, "The handle as the platform shows it."),
            ("bio", T, "The profile's description (first 1000 characters)."),
            ("bio_link", T, "The first link in the profile (its website field or bio)."),
            ("moved_to", T, "Mastodon: the account it says it moved to."),
            ("feed_url", T, "The feed read."),
            ("last_post_at", T, "Date of the newest public post (UTC, ISO 8601); empty when none or when the platform publishes no posts openly."),
            ("posts_90d", I, "Posts dated in the 90 days before the check (among those listed: feeds list the latest 15 to 20)."),
            ("posts_seen", I, "Posts the feed or API listed."),
            ("requests", I, "Requests made for this profile."),
            ("evidence", T, "JSON: every request made for it and what it answered, and notes."),
        ], pk=("profile_id", "social_crawl_id"), indexes=[("social_crawl_id",), ("status",)], without_rowid=True,
    ),
    Table(
        "social_posts", "The latest few public posts of each profile, as of its latest check.", [
            ("profile_id", I, "social_profiles.id."),
            ("ordinal", I, "0 for the newest."),
            ("published_at", T, "When (UTC, ISO 8601)."),
            ("url", T, "The post."),
            ("excerpt", T, "Its first words."),
            ("social_crawl_id", I, "The social crawl that read it."),
        ], pk=("profile_id", "ordinal"), without_rowid=True,
    ),
]

TABLES_BY_NAME = {t.name: t for t in TABLES}


def insert_sql(name: str, verb: str = "INSERT") -> str:
    """An INSERT with the table's columns named, for executemany with rows in declaration order."""
    cols = TABLES_BY_NAME[name].column_names
    return f"{verb} INTO [{name}] ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"

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

# People's decisions are checked by the database itself, whoever writes them (decay triage, datasette, sqlite3),
# and every change is logged.
_TRIAGE_CHECK = """CREATE TRIGGER IF NOT EXISTS triage_check_{event} BEFORE {EVENT} ON triage
BEGIN
  SELECT RAISE(ABORT, 'state must be one of: new, accepted, in progress, done, dismissed, snoozed')
   WHERE NEW.state NOT IN ('new', 'accepted', 'in progress', 'done', 'dismissed', 'snoozed');
  SELECT RAISE(ABORT, 'snoozed needs a date to come back (YYYY-MM-DD)')
   WHERE NEW.state = 'snoozed' AND (NEW.snooze_until IS NULL OR date(NEW.snooze_until) IS NULL);
END"""
_TRIAGE_LOG = """CREATE TRIGGER IF NOT EXISTS triage_log_{event} AFTER {EVENT} ON triage
BEGIN
  INSERT INTO triage_log (item_id, state, snooze_until, note, who, at)
  VALUES (NEW.id, NEW.state, NEW.snooze_until, NEW.note, NEW.who, NEW.updated_at);
END"""
TRIGGERS = {
    **{f"triage_check_{e}": _TRIAGE_CHECK.format(event=e, EVENT=e.upper()) for e in ("insert", "update")},
    **{f"triage_log_{e}": _TRIAGE_LOG.format(event=e, EVENT=e.upper()) for e in ("insert", "update")},
}

# Full-text search over page titles and main text (datasette: search box on the pages table). Contentless: the
# index only, the text stays in pages and page_texts. Rebuilt by decay analyse for the latest crawl's pages.
FTS_SQL = ("CREATE VIRTUAL TABLE IF NOT EXISTS pages_fts USING fts5(title, main_text, content='', "
           "tokenize='unicode61 remove_diacritics 2')")


def create(db: sqlite_utils.Database, tables: list[Table] | None = None, views: bool = True) -> None:
    """Create missing tables, columns, indexes and views (idempotent)."""
    for t in tables or TABLES:
        table = db[t.name]
        if not table.exists() and t.without_rowid:
            # sqlite-utils cannot create WITHOUT ROWID tables; the same declaration, in SQL
            cols = ", ".join(f"[{c}] {typ}" for c, typ, _ in t.columns)
            fks = "".join(f", FOREIGN KEY([{c}]) REFERENCES [{other}]([{oc}])" for c, other, oc in t.foreign_keys)
            pk = ", ".join(f"[{c}]" for c in ((t.pk,) if isinstance(t.pk, str) else t.pk))
            db.execute(f"CREATE TABLE [{t.name}] ({cols}, PRIMARY KEY ({pk}){fks}) WITHOUT ROWID")
        elif not table.exists():
            table.create(
                {c[0]: {"TEXT": str, "INTEGER": int, "REAL": float, "BLOB": bytes}[c[1]] for c in t.columns},
                pk=t.pk,
                foreign_keys=t.foreign_keys,
                not_null={t.pk} if isinstance(t.pk, str) else set(t.pk),
            )
        else:
            have = {c.name for c in table.columns}
            for name, typ, _ in t.columns:
                if name not in have:
                    table.add_column(name, {"TEXT": str, "INTEGER": int, "REAL": float, "BLOB": bytes}[typ])
        for cols in t.indexes:
            table.create_index(list(cols), if_not_exists=True)
        for cols in t.unique_indexes:
            table.create_index(list(cols), unique=True, if_not_exists=True)
    if views:
        for name, (_, sql) in VIEWS.items():
            have = db.execute("SELECT sql FROM sqlite_master WHERE type = 'view' AND name = ?", [name]).fetchone()
            if have and have[0] != f"CREATE VIEW {name} AS {sql}":   # a newer version defines it differently
                db.execute(f"DROP VIEW [{name}]")
            if not have or have[0] != f"CREATE VIEW {name} AS {sql}":
                db.execute(f"CREATE VIEW {name} AS {sql}")
    if db["triage"].exists():
        for sql in TRIGGERS.values():
            db.execute(sql)
    db.execute(FTS_SQL)


def busy_timeout() -> float:
    """Seconds a write waits for another program's lock on the database (a long datasette query, a backup) before
    it fails with "database is locked": 30, or the environment variable DECAY_BUSY_TIMEOUT."""
    import os

    try:
        return max(0.0, float(os.environ.get("DECAY_BUSY_TIMEOUT", "") or 30))
    except ValueError:
        return 30.0


def open_db(path: str | Path, create_schema: bool = True, mark_dead: bool = True) -> sqlite_utils.Database:
    """Open (and create or migrate) the database in WAL mode.

    Refuses (foundation.dbfile.DatabaseFileError, before writing anything) a path that is not a content-decay
    database, an empty file or nothing yet.  Writers wait for another writer's lock up to busy_timeout()
    seconds.  ``mark_dead``: runs, crawls and analyses left 'running' by a process that has gone are marked
    interrupted (foundation.dbfile.mark_dead_processes).
    """

    path = Path(path)
    check_db_path(path, write=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite_utils.Database(path)
    db.execute(f"PRAGMA busy_timeout = {int(busy_timeout() * 1000)}")
    if db.journal_mode != "wal":
        db.enable_wal()
    db.execute("PRAGMA synchronous = NORMAL")
    if create_schema:
        with db.conn:
            create(db)
            db.execute("CREATE TABLE IF NOT EXISTS _decay_meta (key TEXT PRIMARY KEY, value TEXT)")
            db.execute("INSERT OR IGNORE INTO _decay_meta VALUES ('schema_version', ?)", [str(SCHEMA_VERSION)])
    if mark_dead:
        mark_dead_processes(db.conn)
    return db


def reference_markdown() -> str:
    """The schema section of the README."""
    out: list[str] = []
    for t in TABLES:
        pk = t.pk if isinstance(t.pk, str) else ", ".join(t.pk)
        out.append(f"#### `{t.name}`")
        out.append("")
        out.append(f"{t.description} Primary key: `{pk}`.")
        out.append("")
        out.append("| column | type | meaning |")
        out.append("|---|---|---|")
        for name, typ, desc in t.columns:
            out.append(f"| `{name}` | {typ} | {desc.replace('|', '&#124;')} |")
        out.append("")
    for name, (desc, _) in VIEWS.items():
        out.append(f"#### view `{name}`")
        out.append("")
        out.append(desc)
        out.append("")
    return "\n".join(out).rstrip() + "\n"
