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
    max_page_mb: float = field(default=10.0, metadata=doc("Pages larger than this (MB) are not downloaded; they are recorded as too large.", "10"))
    progress_interval: float = field(default=30.0, metadata=doc("When not on a terminal, seconds between progress log lines.", "30"))
    log_level: str = field(default="WARNING", metadata=doc("Scrapy's log level: DEBUG, INFO, WARNING or ERROR.", '"WARNING"'))


@dataclass
class Output:
    database: str = field(default="output/decay.db", metadata=doc("The SQLite database file. A relative path is relative to the configuration file's folder.", '"output/decay.db"'))
    store_html: bool = field(default=True, metadata=doc("Keep each page's HTML, compressed and stored once per distinct content, so analysis can be re-run on it without crawling.", "true"))


@dataclass
class Config:
    path: Path
    organisation: Organisation
    sites: list[Site]
    crawl: Crawl
    output: Output

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
    for key, cls, kind, required in SECTIONS:
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
