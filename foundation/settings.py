"""What can be configured, declared once as data: each section of the TOML file is a dataclass whose fields
carry their help text, an example and whether they are required; :func:`build` reads one table into its
dataclass, reporting every unknown key, wrong type and missing value at once (each error names the file,
the key and the fix).

``foundation/config.py`` reads a whole file with it and checks what spans fields; ``foundation/team_rules.py``
reads rule files with it.  The README's configuration reference is generated from these declarations
(``decay reference config``; a test keeps the README in step).
"""
from __future__ import annotations

import dataclasses
import difflib
import re
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from foundation import __version__
from foundation.catalog import SEVERITIES
from foundation.profiles import PLATFORM_NAMES



class ConfigError(Exception):
    """A problem with the configuration file, worded for the person who wrote it."""

    def __init__(self, path: Path | str, key: str, message: str) -> None:
        self.path = str(path)
        self.key = key
        self.message = message
        super().__init__(f"{self.path}: {key}: {message}" if key else f"{self.path}: {message}")

    @property
    def errors(self) -> list["ConfigError"]:
        return [self]


class ConfigErrors(ConfigError):
    """Several problems found in one reading of the file, all reported at once (the first one names the
    exception; ``str()`` gives one line per problem, each after the first prefixed "error: " as the CLI
    prints the first)."""

    def __init__(self, errors: list[ConfigError]) -> None:
        self._errors = [e for err in errors for e in err.errors]
        first = self._errors[0]
        super().__init__(first.path, first.key, first.message)
        self.args = ("\nerror: ".join(str(e) for e in self._errors)
                     + (f"\n{len(self._errors)} problems in {first.path}" if len(self._errors) > 1 else ""),)

    def __str__(self) -> str:
        return self.args[0]

    @property
    def errors(self) -> list[ConfigError]:
        return list(self._errors)


def raise_all(errors: list[ConfigError]) -> None:
    if len(errors) == 1 and not isinstance(errors[0], ConfigErrors):
        raise errors[0]
    if errors:
        raise ConfigErrors(errors)


def doc(help: str, example: str = "", required: bool = False, choices: tuple[str, ...] = (),
        fold: str | None = None) -> dict[str, Any]:
    """A field's declaration: its help text, an example, whether it is required, and the values it may take
    (``choices``: checked by foundation.config.check_choices and listed in the configuration reference;
    ``fold``: "lower" or "upper", a value is compared and kept in that case)."""
    return {"help": help, "example": example, "required": required, "choices": tuple(choices), "fold": fold}


# --------------------------------------------------------------------------- sections
@dataclass
class Organisation:
    name: str = field(default="", metadata=doc("The organisation's name, as it should appear on its sites and profiles.", '"Harbourside Trust"', required=True))
    website: str = field(default="", metadata=doc("The organisation's main website (used when checking identity and links back).", '"https://www.example.org/"'))
    contact: str = field(default="", metadata=doc("An e-mail address or URL that site owners can use to reach whoever runs the crawl; it goes into the user agent.", '"webteam@example.org"'))


@dataclass
class Site:
    name: str = field(default="", metadata=doc("A short unique name for the site, used in every table and report.", '"main"', required=True))
    start_urls: list[str] = field(default_factory=list, metadata=doc("Where the crawl starts: one or more http(s) URLs, written as the production URLs (aliases map them to what is crawled).", '["https://www.example.org/"]', required=True))
    sitemaps: list[str] = field(default_factory=list, metadata=doc("Sitemap or sitemap-index URLs. When empty, the sitemaps named in robots.txt are used, else /sitemap.xml is tried.", '["https://www.example.org/sitemap.xml"]'))
    hosts: list[str] = field(default_factory=list, metadata=doc("Other host names that belong to this site (links to them are internal and crawled), besides the hosts of start_urls and aliases.", '["example.org"]'))
    include: list[str] = field(default_factory=list, metadata=doc("If set, only URLs matching one of these patterns are crawled. A pattern is a glob on the path and query (`*` matches anything, including `/`), or `re:` and a regular expression searched in the whole URL. Each pattern has 0.05 s per URL; `decay check` refuses one that backtracks catastrophically on a hostile URL (nested repetition such as `(\\w+-?)+`, `(a+)+`, `(a|aa)+`: write `[\\w-]+` instead), and a URL on which a pattern runs out of time is not included.", '["/en/*", "/about*"]'))
    exclude: list[str] = field(default_factory=list, metadata=doc("URLs matching any of these patterns are not crawled (same pattern syntax and limits as include); they are recorded as skipped. A URL on which a pattern runs out of time is excluded too, with that reason.", '["*/print/*", "re:[?&]sessionid="]'))
    max_depth: int = field(default=50, metadata=doc("Links are followed at most this many clicks away from a start URL.", "10"))
    max_pages: int = field(default=100_000, metadata=doc("At most this many URLs of the site are fetched per crawl (pages and checked resources).", "20000"))
    aliases: dict[str, str] = field(default_factory=dict, metadata=doc("Production origin -> origin actually crawled, to crawl a staging copy or a local mirror as if it were production. Links and sitemap entries on the production origin are fetched from the crawled origin and stored under the production URL.", '{ "https://www.example.org" = "http://127.0.0.1:8042" }'))
    check_resources: bool = field(default=True, metadata=doc("Check that linked images, scripts, stylesheets, documents and other non-HTML files exist (HEAD requests, no bodies downloaded).", "true"))
    check_external_links: bool = field(default=True, metadata=doc("Check that links to other websites still work: each external URL once per crawl, with a HEAD request (no body), obeying their robots.txt and at most external_links_per_host URLs per host ([crawl]).", "true"))


LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


@dataclass
class Crawl:
    obey_robots: bool = field(default=True, metadata=doc("Obey robots.txt. Turn off only for a site you own and have permission to crawl regardless.", "true"))
    user_agent: str = field(default="", metadata=doc("The User-Agent header. Default: content-decay/VERSION with the organisation's contact.", '"content-decay (+webteam@example.org)"'))
    robots_user_agent: str = field(default="content-decay", metadata=doc("The name matched against User-agent lines in robots.txt.", '"content-decay"'))
    concurrency: int = field(default=16, metadata=doc("Requests in flight at once, over all hosts.", "16"))
    concurrency_per_host: int = field(default=4, metadata=doc("Requests in flight at once to one host.", "4"))
    delay: float = field(default=0.0, metadata=doc("Seconds to wait between two requests to the same host (0: none).", "0.5"))
    autothrottle: bool = field(default=True, metadata=doc("Adapt the delay to the server's response times (Scrapy AutoThrottle), slowing down when the server slows down.", "true"))
    autothrottle_target: float = field(default=2.0, metadata=doc("With autothrottle, the average number of requests to send in parallel to each host.", "2.0"))
    timeout: float = field(default=30.0, metadata=doc("Seconds before a request is given up and recorded as a timeout.", "30"))
    retries: int = field(default=1, metadata=doc("Retries for connection failures, timeouts and 429/502/503/504 answers before the failure is recorded.", "1"))
    external_links_per_host: int = field(default=50, metadata=doc("At most this many URLs of one external host are checked per crawl (the rest are not checked; the links to them stay in the links table, so no broken-link finding is made for them).", "50"))
    max_page_mb: float = field(default=10.0, metadata=doc("Pages larger than this (MB) are not downloaded; they are recorded as too large.", "10"))
    max_redirects: int = field(default=10, metadata=doc("Redirects followed in one chain (A -> B -> C ...); the redirect that would be one more is recorded with the error \"redirect chain longer than N hops\" and its target is not requested (browsers give up after about 20).", "10"))
    max_sitemaps: int = field(default=1000, metadata=doc("At most this many sitemaps and sitemap indexes are read per site and crawl; the others are recorded in the sitemaps table with the reason, not requested.", "1000"))
    max_sitemap_depth: int = field(default=5, metadata=doc("Sitemap indexes nested deeper than this (an index listing an index listing ...) are not read; they are recorded in the sitemaps table with the reason. A sitemap named in robots.txt or sitemaps is at depth 0.", "5"))
    max_html_depth: int = field(default=2000, metadata=doc("A page whose elements nest deeper than this (measured cheaply before parsing) is read without its structure: title, links and text, no page regions; pages.error says so. Parsing deeply nested HTML takes time that grows faster than its size (200,000 nested <div>: minutes).", "2000"))
    progress_interval: float = field(default=30.0, metadata=doc("When not on a terminal, seconds between progress log lines.", "30"))
    log_level: str = field(default="WARNING", metadata=doc("Scrapy's log level (any case).", '"WARNING"', choices=LOG_LEVELS, fold="upper"))
    revalidation_pass: bool = field(default=True, metadata=doc("In an incremental crawl, first ask about every known page with a conditional HEAD request from a lean HTTP client (aiohttp), at the same politeness; pages answered 304 Not Modified are carried over without passing through Scrapy, and every other page is crawled as usual. On an unchanged 20,000-page site the re-crawl takes 7.8 s instead of 27.7 s. Turn it off for a server that answers HEAD requests wrongly (one that ignores the validators is detected and left to the crawl).", "true"))
    full_recrawl_every: str = field(default="7d", metadata=doc("Re-crawls are incremental: pages the previous complete crawl downloaded are re-validated with conditional requests (If-None-Match / If-Modified-Since), and a 304 Not Modified keeps their facts. Every this often (d, w, m, y) a site is downloaded in full instead; `decay crawl --full` forces it; \"0d\" makes every crawl full.", '"7d"'))


@dataclass
class Output:
    database: str = field(default="output/decay.db", metadata=doc("The SQLite database file. A relative path is relative to the configuration file's folder.", '"output/decay.db"'))
    store_html: bool = field(default=True, metadata=doc("Keep each page's HTML, compressed and stored once per distinct content, so analysis can be re-run on it without crawling.", "true"))


@dataclass
class OutdatedSection:
    name: str = field(default="", metadata=doc("A name for this part of the sites, used in findings.", '"news"', required=True))
    patterns: list[str] = field(default_factory=list, metadata=doc("URL patterns of the section (the syntax of include); the first section that matches a page decides its threshold.", '["/news/*", "/press/*"]', required=True))
    max_age: str = field(default="", metadata=doc("A page of this section not updated for longer than this is stale: a number and a unit, y (years), m (months), w (weeks) or d (days), e.g. 18m or 1y6m.", '"2y"', required=True))


ROLE_NAMES = ("home", "listing", "article", "event", "job", "evergreen", "stub", "error")


@dataclass
class OutdatedRole:
    role: str = field(default="", metadata=doc("The role these pages have, whatever the page itself suggests (README: Page roles).", '"article"', required=True, choices=ROLE_NAMES))
    patterns: list[str] = field(default_factory=list, metadata=doc("URL patterns of the pages (the syntax of include); the first [[outdated.roles]] entry that matches a page decides.", '["/minutes/*", "/press/*"]', required=True))


@dataclass
class Outdated:
    max_age: str = field(default="3y", metadata=doc("Pages not updated for longer than this are stale, unless a section says otherwise (y, m, w, d).", '"3y"'))
    sections: list[OutdatedSection] = field(default_factory=list, metadata=doc("Thresholds per part of the sites, as [[outdated.sections]] tables (see below).", ""))
    roles: list[OutdatedRole] = field(default_factory=list, metadata=doc("Page roles set by URL pattern, as [[outdated.roles]] tables (see below), for pages the tool would classify otherwise: a role decides which judgments apply (README: Page roles).", ""))
    exempt: list[str] = field(default_factory=list, metadata=doc("Pages never reported as stale (URL patterns): archives, historical records, legal texts that do not change.", '["/archive/*", "/history/*"]'))
    stale_pages: bool = field(default=True, metadata=doc("Report pages not updated for longer than their threshold.", "true"))
    expired_events: bool = field(default=True, metadata=doc("Report events still announced whose date has passed.", "true"))
    expired_offers: bool = field(default=True, metadata=doc("Report offers, deadlines and validity dates that have ended (\"offer ends 31 March 2019\", \"apply by\", JSON-LD validThrough).", "true"))
    stale_claims: bool = field(default=True, metadata=doc("Report pages that call themselves new, latest or upcoming while older than claim_max_age.", "true"))
    claim_max_age: str = field(default="1y", metadata=doc("How old a page may be before its \"new\" or \"latest\" claims are reported.", '"1y"'))
    copyright: bool = field(default=True, metadata=doc("Report copyright notices whose last year is more than copyright_grace_years behind the current year.", "true"))
    copyright_grace_years: int = field(default=1, metadata=doc("Years a copyright notice may lag behind before it is reported.", "1"))
    title_years: bool = field(default=True, metadata=doc("Report titles that name a year long past (\"Best tools of 2017\").", "true"))
    title_year_grace_years: int = field(default=2, metadata=doc("How many years old a year in a title may be before it is reported.", "2"))


@dataclass
class Links:
    max_click_depth: int = field(default=4, metadata=doc("Pages more clicks than this away from a start page are reported as deep (links.deep_page). Following a redirect is not a click.", "4"))
    exempt: list[str] = field(default_factory=list, metadata=doc("Pages never reported as orphaned, in an orphan island or deep (URL patterns): landing pages that campaigns, e-mails or printed material send people to on purpose.", '["/campaigns/*", "/lp/*"]'))
    orphans: bool = field(default=True, metadata=doc("Report pages that no crawled page links to (links.orphan), pages that no page reachable from a start page or a sitemap entry leads to (links.orphan_island), and, as information, pages reached only through outdated or expired pages (links.reached_only_through_outdated).", "true"))
    earlier_crawls: bool = field(default=True, metadata=doc("Also report as orphans the pages an earlier crawl saw that no page of the latest crawl links to and no sitemap lists (the latest crawl did not request them, so whether they are still online is not known).", "true"))
    deep_pages: bool = field(default=True, metadata=doc("Report pages more than max_click_depth clicks from a start page.", "true"))
    dead_ends: bool = field(default=True, metadata=doc("Report pages with no link to another page of the site (links.dead_end).", "true"))
    broken_links: bool = field(default=True, metadata=doc("Report internal links (to pages, images, scripts, stylesheets, documents) whose target answers 4xx/5xx or fails.", "true"))
    broken_external: bool = field(default=True, metadata=doc("Report links to other websites that the crawl found broken (needs check_external_links in [[sites]]).", "true"))
    redirects: bool = field(default=True, metadata=doc("Report redirect chains, redirect loops and links to redirected URLs.", "true"))
    redirect_chain_hops: int = field(default=2, metadata=doc("A redirect that takes at least this many hops to reach a page is reported as a chain (links.redirect_chain).", "2"))
    max_listed: int = field(default=1000, metadata=doc("At most this many linking pages are listed in one finding's evidence; the counts always cover them all.", "1000"))


@dataclass
class Owner:
    pattern: str = field(default="", metadata=doc("Pages (URL pattern, the syntax of include: \"/news/*\") or social profiles (a full URL glob: \"https://mastodon.social/@example*\") this owner looks after. When several patterns match, the most specific wins (the one with the most characters that are not *); on a tie, the later one.", '"/news/*"', required=True))
    owner: str = field(default="", metadata=doc("The team or person, as the list should show it (a name, a team, an e-mail address).", '"Comms team"', required=True))
    site: str = field(default="", metadata=doc("Only pages of this site (a [[sites]] name); empty: every site.", '"main"'))


@dataclass
class Cleanup:
    protected: list[str] = field(default_factory=lambda: ["/", "/privacy*", "/data-protection*", "/imprint*", "/impressum*", "/legal*", "/terms*", "/cookie*", "/accessibility*", "/contact*"], metadata=doc("Pages never recommended for removal or redirection, whatever their findings (URL patterns, the syntax of include); they can only be updated or reviewed. Every site's start pages are always protected.", '["/", "/privacy*", "/legal/*"]'))
    remove_min_confidence: float = field(default=0.8, metadata=doc("Removal is recommended only when the findings that call a page obsolete are at least this sure (0 to 1); below it the page is listed for review.", "0.8"))
    traffic_file: str = field(default="", metadata=doc("Optional CSV file with visits per page (columns url and visits, e.g. an analytics export of the last 90 days); a relative path is relative to the configuration file. Used for each page's importance.", '"traffic.csv"'))


@dataclass
class ServeUser:
    name: str = field(default="", metadata=doc("User name to sign in with.", '"alice"', required=True))
    password_hash: str = field(default="", metadata=doc("The password's hash, made by `decay serve-password`; or env:VARIABLE to read it from the environment. Never the password itself.", '"env:DECAY_ALICE_HASH"', required=True))


@dataclass
class Serve:
    host: str = field(default="127.0.0.1", metadata=doc("Address datasette listens on (127.0.0.1: this machine only; 0.0.0.0: every interface, behind a proxy with TLS).", '"127.0.0.1"'))
    port: int = field(default=8001, metadata=doc("Port datasette listens on.", "8001"))
    secure_cookies: bool = field(default=False, metadata=doc("Mark the sign-in cookie Secure (sent over https only). Set it when people reach decay serve over https through a proxy on another machine; with a proxy on the same machine that sends X-Forwarded-Proto: https it happens by itself.", "true"))
    users: list[ServeUser] = field(default_factory=list, metadata=doc("People who may sign in and triage, as [[serve.users]] tables (see below). Everyone else can read but not change anything.", ""))


@dataclass
class Nightly:
    summary_dir: str = field(default="", metadata=doc("Folder for the JSON summary of each run (run-N.json). Default: a folder runs/ next to the database. A relative path is relative to the configuration file's folder.", '"output/runs"'))
    alert_severity: str = field(default="critical", metadata=doc("New findings at or above this severity are listed first in the summary and make `decay nightly` exit with status 1; \"none\": never.", '"critical"', choices=SEVERITIES + ("none",), fold="lower"))
    webhook_url: str = field(default="", metadata=doc("Optional: after each run, POST the summary as JSON to this URL (e.g. a chat channel's incoming webhook; the short text is in the field \"text\"). env:VARIABLE reads the URL from the environment. A failed POST is logged, never fatal.", '"env:DECAY_WEBHOOK_URL"'))
    webhook_timeout: float = field(default=10.0, metadata=doc("Seconds to wait for the webhook to answer, per attempt.", "10"))
    webhook_retries: int = field(default=3, metadata=doc("Further attempts after a failed POST (a connection error, a timeout or a 5xx/429 answer), waiting 1, 2, 4, ... seconds between them.", "3"))
    webhook_headers: dict[str, str] = field(default_factory=dict, metadata=doc("Extra HTTP headers for the webhook POST (a value env:VARIABLE is read from the environment).", '{ "Authorization" = "env:DECAY_WEBHOOK_TOKEN" }'))
    keep: str = field(default="180d", metadata=doc("After each run, prune what is older than this (as `decay prune --keep`): facts of pages no crawl has seen since, history, old runs and summaries. Never the latest complete crawl, never triage decisions. \"\" keeps everything.", '"180d"'))


@dataclass
class Rule:
    id: str = field(default="", metadata=doc("A short unique id (letters, digits, -, _, .); findings name it rules.<id>, so keep it stable: triage decisions stay attached to it.", '"retired-product-name"', required=True))
    kind: str = field(default="", metadata=doc("term (words or phrases), pattern (a regular expression), banned_list (a file of words), retired_domain (links or embeds pointing at domains), required (a phrase, link or element every matching page must have) or forbidden_element (a CSS selector or resource URL). See \"Writing rules\" in README.md.", '"term"', required=True))
    category: str = field(default="brand", metadata=doc("brand, legal, security, accessibility or quality.", '"brand"'))
    severity: str = field(default="medium", metadata=doc("critical, high, medium, low or info.", '"medium"'))
    message: str = field(default="", metadata=doc("What is wrong, in words the person fixing it understands; the finding adds what matched and where.", '"Retired product name"'))
    terms: list[str] = field(default_factory=list, metadata=doc("term: the words or phrases to find (whole words; a term written with a capital letter matches only that spelling, see case). required: phrases of which at least one must be present.", '["DataSet API"]'))
    replacement: str = field(default="", metadata=doc("term, banned_list: what to write instead, shown in the finding.", '"DataStream API"'))
    retired_on: str = field(default="", metadata=doc("term, banned_list: the day the name was retired (YYYY-MM-DD). A dated article (news, blog post, release notes) published before it is the record of its day and keeps the old name as information; one published on or after it is listed. Without it, the day of the site's own dated announcement of the change is used when there is one; with neither, every dated article is judged a record.", '"2019-05-06"'))
    case: str = field(default="smart", metadata=doc("How terms match letter case: smart (a term in lower case matches any case; one with a capital letter only as written), exact, or ignore.", '"smart"'))
    pattern: str = field(default="", metadata=doc("pattern: a regular expression (Python syntax, run by the regex module with a time limit per page).", '"(?i)call us on 0800 ?123 ?456"'))
    file: str = field(default="", metadata=doc("banned_list: a text file of words or phrases, one per line (# starts a comment; word => replacement suggests one). Relative to the file that defines the rule.", '"banned-words.txt"'))
    domains: list[str] = field(default_factory=list, metadata=doc("retired_domain: domains the organisation gave up; a link, image, script, iframe, form or stylesheet pointing at one of them or a subdomain is reported.", '["harbour-foundation.org"]'))
    url: str = field(default="", metadata=doc("required: a link whose URL matches this pattern must be present. forbidden_element: no link, script, image, stylesheet or iframe may point at a matching URL. A glob on the whole URL (* matches anything) or re: and a regular expression.", '"*/privacy*"'))
    selector: str = field(default="", metadata=doc("required, forbidden_element: a CSS selector run on the stored HTML of each page.", '"script[src*=\'urchin.js\']"'))
    where: list[str] = field(default_factory=list, metadata=doc("Where on the page the rule looks: content (main text, without code samples), code (code samples: <pre>, and a <code>, <kbd> or <samp> standing on its own), nav, header, aside, footer, template (nav, header, aside and footer), title, alt (image alt texts), link_urls (URLs of links and resources), html (the page source), scripts (the page's JavaScript: its <script> elements and the addresses of its scripts). Default: content, code, nav, header, aside, footer, title and alt; by default a match in a code sample is named on purpose (information), as is a term's or a banned word's in a quotation (<blockquote>, <q>).", '["content", "title"]'))
    include: list[str] = field(default_factory=list, metadata=doc("Only pages matching one of these URL patterns (the syntax of [[sites]] include).", '["/products/*"]'))
    exclude: list[str] = field(default_factory=list, metadata=doc("Pages where the rule does not apply (URL patterns).", '["/news/20*", "/history/*"]'))
    enabled: bool = field(default=True, metadata=doc("false switches the rule off (its findings are resolved at the next analysis) without deleting it.", "true"))


@dataclass
class Checks:
    rule_files: list[str] = field(default_factory=list, metadata=doc("Files of [[rules]] tables (TOML), relative to this file, so that a team (brand, legal) can own its rules.", '["brand-rules.toml"]'))
    outdated_technology: bool = field(default=True, metadata=doc("Report CMS versions (<meta name=generator>) and JavaScript libraries (script URLs, banner comments) with known vulnerabilities, from the table bundled with content-decay (each row cites its advisory).", "true"))
    insecure_forms: bool = field(default=True, metadata=doc("Report forms that send what people type over plain HTTP.", "true"))
    mixed_content: bool = field(default=True, metadata=doc("Report HTTPS pages that load scripts, stylesheets, frames, images or media over plain HTTP.", "true"))
    new_window_opener: bool = field(default=True, metadata=doc("Report links to other websites that open a new window (target=_blank) without rel=noopener or noreferrer, as information (browsers since 2021 imply noopener).", "true"))
    template_min_pages: int = field(default=3, metadata=doc("A hit with the same surroundings in the page template (navigation, header, sidebar, footer, <head>) on at least this many pages is reported once, as a template finding listing the pages.", "3"))
    pattern_timeout: float = field(default=0.25, metadata=doc("Seconds a pattern rule may spend on one page; a page that takes longer is skipped and the rule is reported as failing (rules.rule_failed).", "0.25"))
    max_timeouts: int = field(default=3, metadata=doc("After this many pages over pattern_timeout, a pattern rule is stopped for the rest of the analysis.", "3"))
    max_quoted: int = field(default=20, metadata=doc("At most this many hits are quoted (with their surroundings) in one finding; the counts always cover them all.", "20"))


@dataclass
class SocialProfile:
    url: str = field(default="", metadata=doc("The profile's URL (x.com/..., twitter.com/..., a Mastodon server's /@name, bsky.app/profile/..., youtube.com/@... or /channel/..., facebook.com/..., instagram.com/..., linkedin.com/company/..., tiktok.com/@..., medium.com/@..., NAME.substack.com), or for platform = \"feed\" the URL of a feed (RSS, Atom, JSON Feed: a blog, a podcast). Give url, or platform and handle.", '"https://mastodon.social/@harbourside"'))
    platform: str = field(default="", metadata=doc("The platform (twitter is x; fediverse and activitypub are mastodon; bsky is bluesky; rss, atom, blog, podcast and jsonfeed are feed). Optional with a url (it is recognised); required with a handle.", '"mastodon"', choices=tuple(PLATFORM_NAMES), fold="lower"))
    handle: str = field(default="", metadata=doc("The handle, instead of url: \"@name\" (x, instagram, tiktok, youtube), \"@name@server\" (mastodon), \"name.bsky.social\" (bluesky), \"company/name\" (linkedin), a channel id \"UC...\" (youtube).", '"@harbourside@mastodon.social"'))
    owner: str = field(default="", metadata=doc("Who looks after the account (a team, a person, an e-mail address); shown in its findings.", '"Comms team"'))
    official: bool = field(default=True, metadata=doc("true: the organisation's own account, which its sites should link to (social.unlinked_account) and whose name should match [organisation] (social.inconsistent_identity). false: an account it knows about but does not speak through (a partner's, a retired one kept on purpose).", "true"))


@dataclass
class SocialSettings:
    dormant_after: str = field(default="6m", metadata=doc("An account whose newest public post is older than this is dormant (social.dormant_account): a number and a unit, y, m, w or d.", '"6m"'))
    latest_posts: int = field(default=5, metadata=doc("How many of each profile's latest posts are kept (date, URL, first words) in social_posts.", "5"))
    check_discovered: bool = field(default=True, metadata=doc("Also check the profiles the sites link to that are not declared in [[social]] (links, JSON-LD sameAs, rel=\"me\"). Declared profiles are always checked.", "true"))
    max_profiles: int = field(default=500, metadata=doc("At most this many profiles are checked per crawl (declared ones first, then those linked from the most pages).", "500"))
    timeout: float = field(default=20.0, metadata=doc("Seconds before a request to a platform is given up (the profile is then unknown, with that reason).", "20"))
    delay: float = field(default=1.0, metadata=doc("Seconds between two requests to the same host. Requests to one host are never made in parallel.", "1.0"))
    max_response_mb: float = field(default=5.0, metadata=doc("Answers larger than this (MB) are not read; the profile is unknown (a feed that large is not a profile feed).", "5"))
    obey_robots: bool = field(default=True, metadata=doc("Obey each platform's robots.txt. Several closed platforms disallow every robot: their profiles are then unknown, never guessed.", "true"))
    base_urls: dict[str, str] = field(default_factory=dict, metadata=doc("Where to send the requests for a platform (x, facebook, instagram, linkedin, tiktok, youtube, bluesky, mastodon, medium, substack, feed) or for a production origin (\"https://mastodon.social\"), to check against a mirror or a local test server; a base URL may have a path prefix. An origin wins over a platform. Default: each platform's own public address (Bluesky: https://public.api.bsky.app).", '{ bluesky = "http://127.0.0.1:8042/bsky", "https://mastodon.social" = "http://127.0.0.1:8042/mastodon" }'))


@dataclass
class Config:
    path: Path
    organisation: Organisation
    sites: list[Site]
    crawl: Crawl
    output: Output
    outdated: Outdated = field(default_factory=Outdated)
    links: Links = field(default_factory=Links)
    social: list[SocialProfile] = field(default_factory=list)
    social_settings: SocialSettings = field(default_factory=SocialSettings)
    nightly: Nightly = field(default_factory=Nightly)
    owners: list[Owner] = field(default_factory=list)
    cleanup: Cleanup = field(default_factory=Cleanup)
    serve: Serve = field(default_factory=Serve)
    rules: list[Rule] = field(default_factory=list)
    checks: Checks = field(default_factory=Checks)

    @property
    def database_path(self) -> Path:
        p = Path(self.output.database)
        return p if p.is_absolute() else (self.path.parent / p)

    def user_agent(self) -> str:
        if self.crawl.user_agent:
            return self.crawl.user_agent
        contact = self.organisation.contact or self.organisation.website
        ua = f"content-decay/{__version__} (site-health crawler"
        return ua + (f"; contact: {contact})" if contact else ")")

    def site(self, name: str) -> Site:
        for s in self.sites:
            if s.name == name:
                return s
        raise KeyError(name)


# (section key, dataclass, "table" or "array of tables", required)
SECTIONS: list[tuple[str, type, str, bool]] = [
    ("organisation", Organisation, "table", True),
    ("sites", Site, "array", True),
    ("crawl", Crawl, "table", False),
    ("output", Output, "table", False),
    ("outdated", Outdated, "table", False),
    ("links", Links, "table", False),
    ("social", SocialProfile, "array", False),
    ("social_settings", SocialSettings, "table", False),
    ("nightly", Nightly, "table", False),
    ("owners", Owner, "array", False),
    ("cleanup", Cleanup, "table", False),
    ("serve", Serve, "table", False),
    ("rules", Rule, "array", False),
    ("checks", Checks, "table", False),
]

SITE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$")


# --------------------------------------------------------------------------- validation
def type_name(tp: Any) -> str:
    origin = typing.get_origin(tp)
    if tp is str:
        return "a string"
    if tp is bool:
        return "true or false"
    if tp is int:
        return "a whole number"
    if tp is float:
        return "a number"
    if origin is list and dataclasses.is_dataclass(typing.get_args(tp)[0]):
        return "tables"
    if origin is list:
        return "a list of strings"
    if origin is dict:
        return "a table of strings"
    if origin in (typing.Union, types.UnionType):
        return " or ".join(type_name(a) for a in typing.get_args(tp) if a is not type(None))
    return str(tp)


def _describe(value: Any) -> str:
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, str):
        return f'the string "{value}"'
    if isinstance(value, (int, float)):
        return f"the number {value}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a table"
    return type(value).__name__


def _check_type(tp: Any, value: Any) -> Any:
    """Return the value coerced to tp, or raise TypeError."""
    origin = typing.get_origin(tp)
    if tp is bool:
        if isinstance(value, bool):
            return value
    elif tp is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    elif tp is float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
    elif tp is str:
        if isinstance(value, str):
            return value
    elif origin is list:
        if isinstance(value, str):  # a single string where a list is expected is forgiven
            value = [value]
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return list(value)
    elif origin is dict:
        if isinstance(value, dict) and all(isinstance(v, str) for v in value.values()):
            return dict(value)
    raise TypeError


def subtable(tp: Any) -> type | None:
    """The dataclass of a list-of-tables field, else None."""
    if typing.get_origin(tp) is list:
        (arg,) = typing.get_args(tp)
        if dataclasses.is_dataclass(arg):
            return arg
    return None


DURATION = re.compile(r"^\s*(?:(\d+)\s*y)?\s*(?:(\d+)\s*m)?\s*(?:(\d+)\s*w)?\s*(?:(\d+)\s*d)?\s*$", re.I)


def parse_duration(text: str) -> int | None:
    """Days in '2y', '18m', '1y6m', '90d', '3w' (a year is 365 days, a month 30); None if it is not a duration."""
    m = DURATION.match(text or "")
    if not m or not any(m.groups()):
        return None
    y, mo, w, d = (int(g) if g else 0 for g in m.groups())
    return y * 365 + mo * 30 + w * 7 + d


def build(cls: type, data: Any, where: str, path: Path) -> Any:
    if not isinstance(data, dict):
        raise ConfigError(path, where, f"must be a table ([{where}]), got {_describe(data)}")
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    values: dict[str, Any] = {}
    errors: list[ConfigError] = []   # every problem of the table, reported together
    for key, value in data.items():
        if key not in fields:
            close = difflib.get_close_matches(key, list(fields), n=1)
            fix = f"did you mean '{close[0]}'?" if close else "valid keys are: " + ", ".join(fields)
            errors.append(ConfigError(path, f"{where}.{key}", f"unknown key; {fix}"))
            continue
        f = fields[key]
        sub = subtable(hints[key])
        if sub is not None:  # an array of tables, e.g. [[outdated.sections]]
            if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
                errors.append(ConfigError(path, f"{where}.{key}", f"must be [[{where}.{key}]] tables"))
                continue
            items = []
            for i, v in enumerate(value):
                try:
                    items.append(build(sub, v, f"{where}.{key}[{i}]", path))
                except ConfigError as e:
                    errors.extend(e.errors)
            values[key] = items
            continue
        try:
            values[key] = _check_type(hints[key], value)
        except TypeError:
            ex = f.metadata.get("example")
            errors.append(ConfigError(
                path, f"{where}.{key}",
                f"expected {type_name(hints[key])}, got {_describe(value)}" + (f" (for example: {key} = {ex})" if ex else ""),
            ))
    for name, f in fields.items():
        # required and missing or empty (a value of the wrong type is reported above, once)
        if f.metadata.get("required") and (name not in data or values.get(name, "?") in ("", [], {})):
            ex = f.metadata.get("example")
            errors.append(ConfigError(path, f"{where}.{name}", "is required: " + f.metadata["help"] + (f" For example: {name} = {ex}" if ex else "")))
    raise_all(errors)
    return cls(**values)
