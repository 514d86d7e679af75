"""The schema's facts tables, declared once: what a crawl records (pages, links, dates, sitemaps, robots.txt,
feeds) and what a check of the social profiles records.  Each table: its columns, types and what each means.

foundation/schema.py gathers these with the judgments' tables (foundation/schema_results.py), creates and
migrates them, and writes the README's schema section from them.
"""
from __future__ import annotations

from dataclasses import dataclass, field


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

# ---------------------------------------------------------------------------- the crawl's facts (crawler/)
CRAWL_TABLES: list[Table] = [
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
            ("kind", T, "The element: a, area, link, img, script, iframe, frame, form, embed, object, video, audio, source, track or meta-refresh; option for a jump menu's <option> (a <select> whose options name addresses it opens); sameas for a JSON-LD sameAs value (its anchor is the JSON-LD @type)."),
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
            ("source", T, "jsonld, microdata, meta, time, class (an element whose class says date/updated/...), text (a phrase such as 'Last updated 2 May 2019'), copyright, url or script (a publication key in a script's data, not JSON-LD)."),
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


# ---------------------------------------------------------------------------- social profiles (crawler/social, the `social` spider)
SOCIAL_TABLES: list[Table] = [
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
