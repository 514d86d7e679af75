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
    kind: str = "facts"    # facts, run, judgments, people

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
            ("method", T, "GET or HEAD."),
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
        ], pk="url_id", indexes=[("site",), ("outcome",), ("crawl_id",), ("url",)],
        foreign_keys=[("url_id", "urls", "id")], staged=True,
    ),
    Table(
        "links", "Every outgoing reference on every page: <a>, <area>, <link>, <img>, <script>, <iframe>, <form action> and more.", [
            ("source_id", I, "urls.id of the page the link is on."),
            ("ordinal", I, "Position of the link in the page (0, 1, 2, ...)."),
            ("target_id", I, "urls.id of the target."),
            ("kind", T, "The element: a, area, link, img, script, iframe, frame, form, embed, object, video, audio, source, track or meta-refresh."),
            ("rel", T, "rel attribute (nofollow, stylesheet, canonical, me, ...)."),
            ("anchor", T, "Anchor text; for images the alt text; for iframes the title."),
            ("position", T, "Where on the page: head, nav, header, footer, aside, main or body (outside <main> on a page that has one)."),
            ("internal", I, "1 if the target belongs to the same site."),
            ("nofollow", I, "1 if rel contains nofollow."),
            ("new_window", I, "1 if target=_blank."),
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
            ("status", T, "running, complete or failed."),
            ("reason", T, "Why it failed."),
            ("now", T, "The date the analysis judged against (today, unless --now was given)."),
            ("crawl_id", I, "The latest complete crawl whose facts were analysed."),
            ("config_hash", T, "Hash of the configuration file's content."),
            ("version", T, "content-decay version."),
            ("pages", I, "Pages analysed."),
            ("findings_open", I, "Findings open after this analysis."),
            ("findings_new", I, "Findings seen for the first time (or reopened)."),
            ("findings_resolved", I, "Findings that this analysis no longer finds (their problem is gone)."),
        ], pk="id", kind="run",
    ),
    Table(
        "findings", "Every problem found, one row per rule and subject, with its evidence. Shared by all analyses; "
        "a finding keeps its id from crawl to crawl, so decisions about it (triage) stay attached.", [
            ("id", T, "Stable id: derived from the rule and the subject, the same in every analysis."),
            ("rule", T, "The rule that fired, e.g. outdated.stale_page (README: What each finding means)."),
            ("category", T, "outdated, expired, and (in later analyses) orphaned, links, brand, legal, security, social."),
            ("severity", T, "critical, high, medium, low or info."),
            ("confidence", R, "How sure the evidence is, 0 to 1."),
            ("site", T, "Site name."),
            ("subject_type", T, "page, site or profile."),
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
            ("source", T, "The date source (http:last-modified, sitemap:lastmod, ...)."),
            ("trusted", I, "0 when this source is ignored on this site."),
            ("reason", T, "What was measured."),
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

TABLES_BY_NAME = {t.name: t for t in TABLES}


def insert_sql(name: str, verb: str = "INSERT") -> str:
    """An INSERT with the table's columns named, for executemany with rows in declaration order."""
    cols = TABLES_BY_NAME[name].column_names
    return f"{verb} INTO [{name}] ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"

VIEWS = {
    "link_urls": (
        "Links with their source and target URLs spelled out.",
        """SELECT l.source_id, s.url AS source_url, l.ordinal, l.kind, l.rel, l.anchor, l.position,
       l.internal, l.nofollow, l.new_window, l.target_id, t.url AS target_url
FROM links l JOIN urls s ON s.id = l.source_id JOIN urls t ON t.id = l.target_id""",
    ),
}


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
            db.create_view(name, sql, ignore=True)


def open_db(path: str | Path, create_schema: bool = True) -> sqlite_utils.Database:
    """Open (and create or migrate) the database in WAL mode."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite_utils.Database(path)
    db.execute("PRAGMA busy_timeout = 30000")
    if db.journal_mode != "wal":
        db.enable_wal()
    db.execute("PRAGMA synchronous = NORMAL")
    if create_schema:
        with db.conn:
            create(db)
            db.execute("CREATE TABLE IF NOT EXISTS _decay_meta (key TEXT PRIMARY KEY, value TEXT)")
            db.execute("INSERT OR IGNORE INTO _decay_meta VALUES ('schema_version', ?)", [str(SCHEMA_VERSION)])
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
