"""The configuration file (TOML), declared once as data.

Each section is a dataclass whose fields carry their help text, an example and
whether they are required.  The same declaration validates a file (unknown
keys, wrong types, missing values: each error names the file, the key and the
fix), fills in defaults, and writes the configuration reference in the README
(``decay config-reference``; a test keeps the README in step).
"""
from __future__ import annotations

import dataclasses
import difflib
import re
import tomllib
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from decay import __version__
from decay.urls import compile_patterns, origin_of


class ConfigError(Exception):
    """A problem with the configuration file, worded for the person who wrote it."""

    def __init__(self, path: Path | str, key: str, message: str) -> None:
        self.path = str(path)
        self.key = key
        self.message = message
        super().__init__(f"{self.path}: {key}: {message}" if key else f"{self.path}: {message}")


def doc(help: str, example: str = "", required: bool = False) -> dict[str, Any]:
    return {"help": help, "example": example, "required": required}


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
    include: list[str] = field(default_factory=list, metadata=doc("If set, only URLs matching one of these patterns are crawled. A pattern is a glob on the path and query (`*` matches anything, including `/`), or `re:` and a regular expression searched in the whole URL.", '["/en/*", "/about*"]'))
    exclude: list[str] = field(default_factory=list, metadata=doc("URLs matching any of these patterns are not crawled (same pattern syntax as include); they are recorded as skipped.", '["*/print/*", "re:[?&]sessionid="]'))
    max_depth: int = field(default=50, metadata=doc("Links are followed at most this many clicks away from a start URL.", "10"))
    max_pages: int = field(default=100_000, metadata=doc("At most this many URLs of the site are fetched per crawl (pages and checked resources).", "20000"))
    aliases: dict[str, str] = field(default_factory=dict, metadata=doc("Production origin -> origin actually crawled, to crawl a staging copy or a local mirror as if it were production. Links and sitemap entries on the production origin are fetched from the crawled origin and stored under the production URL.", '{ "https://www.example.org" = "http://127.0.0.1:8042" }'))
    check_resources: bool = field(default=True, metadata=doc("Check that linked images, scripts, stylesheets, documents and other non-HTML files exist (HEAD requests, no bodies downloaded).", "true"))
    check_external_links: bool = field(default=True, metadata=doc("Check that links to other websites still work: each external URL once per crawl, with a HEAD request (no body), obeying their robots.txt and at most external_links_per_host URLs per host ([crawl]).", "true"))


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
    external_links_per_host: int = field(default=50, metadata=doc("At most this many URLs of one external host are checked per crawl (the rest are recorded as skipped).", "50"))
    max_page_mb: float = field(default=10.0, metadata=doc("Pages larger than this (MB) are not downloaded; they are recorded as too large.", "10"))
    progress_interval: float = field(default=30.0, metadata=doc("When not on a terminal, seconds between progress log lines.", "30"))
    log_level: str = field(default="WARNING", metadata=doc("Scrapy's log level: DEBUG, INFO, WARNING or ERROR.", '"WARNING"'))


@dataclass
class Output:
    database: str = field(default="output/decay.db", metadata=doc("The SQLite database file. A relative path is relative to the configuration file's folder.", '"output/decay.db"'))
    store_html: bool = field(default=True, metadata=doc("Keep each page's HTML, compressed and stored once per distinct content, so analysis can be re-run on it without crawling.", "true"))


@dataclass
class OutdatedSection:
    name: str = field(default="", metadata=doc("A name for this part of the sites, used in findings.", '"news"', required=True))
    patterns: list[str] = field(default_factory=list, metadata=doc("URL patterns of the section (the syntax of include); the first section that matches a page decides its threshold.", '["/news/*", "/press/*"]', required=True))
    max_age: str = field(default="", metadata=doc("A page of this section not updated for longer than this is stale: a number and a unit, y (years), m (months), w (weeks) or d (days), e.g. 18m or 1y6m.", '"2y"', required=True))


@dataclass
class Outdated:
    max_age: str = field(default="3y", metadata=doc("Pages not updated for longer than this are stale, unless a section says otherwise (y, m, w, d).", '"3y"'))
    sections: list[OutdatedSection] = field(default_factory=list, metadata=doc("Thresholds per part of the sites, as [[outdated.sections]] tables (see below).", ""))
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
    orphans: bool = field(default=True, metadata=doc("Report pages that no crawled page links to (links.orphan) and pages linked only from orphaned, outdated or expired pages (links.orphan_island).", "true"))
    earlier_crawls: bool = field(default=True, metadata=doc("Also report as orphans the pages an earlier crawl saw that no page of the latest crawl links to and no sitemap lists (the latest crawl did not request them, so whether they are still online is not known).", "true"))
    deep_pages: bool = field(default=True, metadata=doc("Report pages more than max_click_depth clicks from a start page.", "true"))
    dead_ends: bool = field(default=True, metadata=doc("Report pages with no link to another page of the site (links.dead_end).", "true"))
    broken_links: bool = field(default=True, metadata=doc("Report internal links (to pages, images, scripts, stylesheets, documents) whose target answers 4xx/5xx or fails.", "true"))
    broken_external: bool = field(default=True, metadata=doc("Report links to other websites that the crawl found broken (needs check_external_links in [[sites]]).", "true"))
    redirects: bool = field(default=True, metadata=doc("Report redirect chains, redirect loops and links to redirected URLs.", "true"))
    redirect_chain_hops: int = field(default=2, metadata=doc("A redirect that takes at least this many hops to reach a page is reported as a chain (links.redirect_chain).", "2"))
    max_listed: int = field(default=1000, metadata=doc("At most this many linking pages are listed in one finding's evidence; the counts always cover them all.", "1000"))


@dataclass
class Config:
    path: Path
    organisation: Organisation
    sites: list[Site]
    crawl: Crawl
    output: Output
    outdated: Outdated = field(default_factory=Outdated)
    links: Links = field(default_factory=Links)

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
]

SITE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$")


# --------------------------------------------------------------------------- validation
def _type_name(tp: Any) -> str:
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
        return " or ".join(_type_name(a) for a in typing.get_args(tp) if a is not type(None))
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


def _subtable(tp: Any) -> type | None:
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


def _build(cls: type, data: Any, where: str, path: Path) -> Any:
    if not isinstance(data, dict):
        raise ConfigError(path, where, f"must be a table ([{where}]), got {_describe(data)}")
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    values: dict[str, Any] = {}
    for key, value in data.items():
        if key not in fields:
            close = difflib.get_close_matches(key, list(fields), n=1)
            fix = f"did you mean '{close[0]}'?" if close else "valid keys are: " + ", ".join(fields)
            raise ConfigError(path, f"{where}.{key}", f"unknown key; {fix}")
        f = fields[key]
        sub = _subtable(hints[key])
        if sub is not None:  # an array of tables, e.g. [[outdated.sections]]
            if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
                raise ConfigError(path, f"{where}.{key}", f"must be [[{where}.{key}]] tables")
            values[key] = [_build(sub, v, f"{where}.{key}[{i}]", path) for i, v in enumerate(value)]
            continue
        try:
            values[key] = _check_type(hints[key], value)
        except TypeError:
            ex = f.metadata.get("example")
            raise ConfigError(
                path, f"{where}.{key}",
                f"expected {_type_name(hints[key])}, got {_describe(value)}" + (f" (for example: {key} = {ex})" if ex else ""),
            ) from None
    for name, f in fields.items():
        if f.metadata.get("required") and (name not in values or values[name] in ("", [], {})):
            ex = f.metadata.get("example")
            raise ConfigError(path, f"{where}.{name}", "is required: " + f.metadata["help"] + (f" For example: {name} = {ex}" if ex else ""))
    return cls(**values)


def _check_site(site: Site, where: str, path: Path) -> None:
    if not SITE_NAME.match(site.name):
        raise ConfigError(path, f"{where}.name", f'"{site.name}" is not a usable name: use letters, digits, "-", "_" or "." (for example: name = "main")')
    for i, u in enumerate(site.start_urls):
        if not re.match(r"^https?://[^/\s]+", u):
            raise ConfigError(path, f"{where}.start_urls[{i}]", f'"{u}" is not an http(s) URL (for example: "https://www.example.org/")')
    for i, u in enumerate(site.sitemaps):
        if not re.match(r"^https?://[^/\s]+", u):
            raise ConfigError(path, f"{where}.sitemaps[{i}]", f'"{u}" is not an http(s) URL')
    for prod, crawled in site.aliases.items():
        for label, o in (("production origin", prod), ("crawled origin", crawled)):
            if origin_of(o) is None:
                raise ConfigError(path, f"{where}.aliases", f'the {label} "{o}" must be an origin such as "https://www.example.org" or "http://127.0.0.1:8042" (scheme, host and optional port; no path)')
    for key in ("include", "exclude"):
        try:
            compile_patterns(getattr(site, key))
        except ValueError as e:
            raise ConfigError(path, f"{where}.{key}", str(e)) from None
    if site.max_depth < 0 or site.max_pages < 1:
        key = "max_depth" if site.max_depth < 0 else "max_pages"
        raise ConfigError(path, f"{where}.{key}", "must be a positive number")


def _check_crawl(c: Crawl, path: Path) -> None:
    if c.concurrency < 1 or c.concurrency_per_host < 1:
        raise ConfigError(path, "crawl.concurrency", "concurrency and concurrency_per_host must be at least 1")
    if c.timeout <= 0 or c.delay < 0 or c.max_page_mb <= 0 or c.retries < 0:
        raise ConfigError(path, "crawl", "timeout and max_page_mb must be positive; delay and retries cannot be negative")
    if c.log_level.upper() not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
        raise ConfigError(path, "crawl.log_level", f'"{c.log_level}" is not a log level; use DEBUG, INFO, WARNING or ERROR')
    c.log_level = c.log_level.upper()


def _check_outdated(o: Outdated, path: Path) -> None:
    durations = [("outdated.max_age", o.max_age), ("outdated.claim_max_age", o.claim_max_age)]
    durations += [(f"outdated.sections[{i}].max_age", s.max_age) for i, s in enumerate(o.sections)]
    for key, value in durations:
        if parse_duration(value) is None:
            raise ConfigError(path, key, f'"{value}" is not a duration: write a number and a unit, y, m, w or d, e.g. "2y", "18m", "1y6m"')
    for i, s in enumerate(o.sections):
        try:
            compile_patterns(s.patterns)
        except ValueError as e:
            raise ConfigError(path, f"outdated.sections[{i}].patterns", str(e)) from None
    try:
        compile_patterns(o.exempt)
    except ValueError as e:
        raise ConfigError(path, "outdated.exempt", str(e)) from None


def _check_links(c: Links, path: Path) -> None:
    for key, value, least in (("max_click_depth", c.max_click_depth, 1), ("redirect_chain_hops", c.redirect_chain_hops, 2),
                              ("max_listed", c.max_listed, 1)):
        if value < least:
            raise ConfigError(path, f"links.{key}", f"must be at least {least} (got {value})")
    try:
        compile_patterns(c.exempt)
    except ValueError as e:
        raise ConfigError(path, "links.exempt", str(e)) from None


def parse_config(data: dict[str, Any], path: Path) -> Config:
    known = {s[0] for s in SECTIONS}
    for key in data:
        if key not in known:
            close = difflib.get_close_matches(key, list(known), n=1)
            fix = f"did you mean [{close[0]}]?" if close else "valid sections are: " + ", ".join(f"[{k}]" for k in known)
            raise ConfigError(path, key, f"unknown section; {fix}")
    built: dict[str, Any] = {}
    for key, cls, kind, required in SECTIONS:
        raw = data.get(key)
        if raw is None:
            if required:
                hint = f"[[{key}]]" if kind == "array" else f"[{key}]"
                raise ConfigError(path, key, f"the section {hint} is missing; see the configuration reference in README.md")
            built[key] = [] if kind == "array" else cls()
            continue
        if kind == "array":
            if not isinstance(raw, list) or not raw:
                raise ConfigError(path, key, f"must be one or more [[{key}]] tables")
            items = []
            for i, item in enumerate(raw):
                label = f"{key}[{i}]"
                if isinstance(item, dict) and isinstance(item.get("name"), str):
                    label = f'{key}[{i}] ("{item["name"]}")'
                items.append(_build(cls, item, label, path))
            built[key] = items
        else:
            built[key] = _build(cls, raw, key, path)
    names = [s.name for s in built["sites"]]
    for i, s in enumerate(built["sites"]):
        _check_site(s, f'sites[{i}] ("{s.name}")', path)
        if s.name in names[:i]:
            raise ConfigError(path, f"sites[{i}].name", f'the name "{s.name}" is used by more than one site; names must be unique')
    _check_crawl(built["crawl"], path)
    _check_outdated(built["outdated"], path)
    _check_links(built["links"], path)
    return Config(path=path, **built)


def load_config(path: str | Path) -> Config:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(path, "", "file not found (pass --config with the path of your TOML configuration)") from None
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(path, "", f"cannot be read: {e}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(path, "", f"is not valid TOML: {e}") from None
    return parse_config(data, path.resolve())


# --------------------------------------------------------------------------- docs
def reference_markdown() -> str:
    """The configuration reference, as it appears in README.md."""
    out: list[str] = []
    todo = [(key, cls, kind, required) for key, cls, kind, required in SECTIONS]
    for key, cls, kind, required in SECTIONS:  # arrays of tables inside sections get a table of their own
        for f in dataclasses.fields(cls):
            sub = _subtable(typing.get_type_hints(cls)[f.name])
            if sub is not None:
                todo.insert(todo.index((key, cls, kind, required)) + 1, (f"{key}.{f.name}", sub, "array", False))
    for key, cls, kind, required in todo:
        head = f"[[{key}]]" if kind == "array" else f"[{key}]"
        out.append(f"#### `{head}`" + (" (required)" if required else ""))
        out.append("")
        out.append("| key | type | default | meaning |")
        out.append("|---|---|---|---|")
        hints = typing.get_type_hints(cls)
        for f in dataclasses.fields(cls):
            if f.default is not dataclasses.MISSING:
                default = f.default
            elif f.default_factory is not dataclasses.MISSING:  # type: ignore[misc]
                default = f.default_factory()  # type: ignore[misc]
            else:
                default = None
            if f.metadata.get("required"):
                dflt = "required"
            elif default in ("", [], {}):
                dflt = "(none)"
            elif isinstance(default, bool):
                dflt = f"`{str(default).lower()}`"
            else:
                dflt = f"`{default}`"
            meaning = f.metadata["help"]
            if f.metadata.get("example"):
                meaning += f" Example: `{f.name} = {f.metadata['example']}`"
            out.append(f"| `{f.name}` | {_type_name(hints[f.name])} | {dflt} | {meaning.replace('|', '&#124;')} |")
        out.append("")
    return "\n".join(out).rstrip() + "\n"
