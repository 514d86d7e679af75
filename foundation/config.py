"""The configuration file (TOML): read, checked as a whole, and documented.

The sections and their fields are declared in ``foundation/settings.py`` (re-exported here, so callers
import everything configuration from one place).  :func:`load_config` reads a file, builds every section
(every problem reported at once, each naming the file, the key and the fix), checks what spans fields and
sections (URL patterns, owners, social profiles, the team's rules), and fills in defaults;
:func:`reference_markdown` writes the README's configuration reference from the same declarations.
"""
from __future__ import annotations

import dataclasses
import difflib
import re
import tomllib
import typing
from pathlib import Path
from typing import Any

from foundation.profiles import PLATFORM_NAMES, from_config
from foundation.settings import (
    subtable,
    type_name,
    build,
    Checks,
    Cleanup,
    Config,
    ConfigError,
    ConfigErrors,
    Crawl,
    doc,
    DURATION,
    Links,
    Nightly,
    Organisation,
    Outdated,
    OutdatedRole,
    OutdatedSection,
    Output,
    Owner,
    parse_duration,
    raise_all,
    ROLE_NAMES,
    Rule,
    SECTIONS,
    Serve,
    ServeUser,
    Site,
    SITE_NAME,
    SocialProfile,
    SocialSettings,
)
from foundation.team_rules import check_rules as _rule_problems
from foundation.urls import compile_patterns, origin_of, url_pattern_problem


def check_choices(obj: Any, where: str, path: Path) -> list[ConfigError]:
    """Every field that declares its allowed values (foundation.settings.doc(choices=...)) holds one of them, in
    its declared case (fold: the value is kept folded); arrays of tables inside are checked too.  An empty value
    is left to the required check."""
    errors: list[ConfigError] = []
    hints = typing.get_type_hints(type(obj))
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        if subtable(hints[f.name]) is not None:
            for i, item in enumerate(value):
                errors += check_choices(item, f"{where}.{f.name}[{i}]", path)
            continue
        choices, fold = f.metadata.get("choices"), f.metadata.get("fold")
        if not choices or not isinstance(value, str) or not value.strip():
            continue
        v = value.strip()
        v = v.lower() if fold == "lower" else v.upper() if fold == "upper" else v
        if v in choices:
            if fold:
                setattr(obj, f.name, v)
            continue
        close = difflib.get_close_matches(v, list(choices), n=1)
        fix = (f'did you mean "{close[0]}"? ' if close else "") + "use one of: " + ", ".join(choices)
        errors.append(ConfigError(path, f"{where}.{f.name}", f'unknown {f.name.replace("_", " ")} "{value}"; {fix}'))
    return errors


def _check_patterns(patterns: list[str], path: Path, key: str) -> None:
    """Each URL pattern compiles and stays within the crawl's time limit on hostile URLs (foundation.urls.url_pattern_problem)."""
    try:
        compile_patterns(patterns)
    except ValueError as e:
        raise ConfigError(path, key, str(e)) from None
    for p in patterns:
        problem = url_pattern_problem(p)
        if problem:
            raise ConfigError(path, key, problem)


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
        _check_patterns(getattr(site, key), path, f"{where}.{key}")
    if site.max_depth < 0 or site.max_pages < 1:
        key = "max_depth" if site.max_depth < 0 else "max_pages"
        raise ConfigError(path, f"{where}.{key}", "must be a positive number")


def _check_crawl(c: Crawl, path: Path) -> None:
    if c.concurrency < 1 or c.concurrency_per_host < 1:
        raise ConfigError(path, "crawl.concurrency", "concurrency and concurrency_per_host must be at least 1")
    if c.timeout <= 0 or c.delay < 0 or c.max_page_mb <= 0 or c.retries < 0:
        raise ConfigError(path, "crawl", "timeout and max_page_mb must be positive; delay and retries cannot be negative")
    for key, value, least in (("max_redirects", c.max_redirects, 1), ("max_sitemaps", c.max_sitemaps, 1),
                              ("max_sitemap_depth", c.max_sitemap_depth, 0), ("max_html_depth", c.max_html_depth, 50)):
        if value < least:
            raise ConfigError(path, f"crawl.{key}", f"must be at least {least} (got {value})")


def _check_outdated(o: Outdated, path: Path) -> None:
    durations = [("outdated.max_age", o.max_age), ("outdated.claim_max_age", o.claim_max_age)]
    durations += [(f"outdated.sections[{i}].max_age", s.max_age) for i, s in enumerate(o.sections)]
    for key, value in durations:
        if parse_duration(value) is None:
            raise ConfigError(path, key, f'"{value}" is not a duration: write a number and a unit, y, m, w or d, e.g. "2y", "18m", "1y6m"')
    for i, s in enumerate(o.sections):
        _check_patterns(s.patterns, path, f"outdated.sections[{i}].patterns")
    for i, r in enumerate(o.roles):
        _check_patterns(r.patterns, path, f"outdated.roles[{i}].patterns")
    _check_patterns(o.exempt, path, "outdated.exempt")


def _check_links(c: Links, path: Path) -> None:
    for key, value, least in (("max_click_depth", c.max_click_depth, 1), ("redirect_chain_hops", c.redirect_chain_hops, 2),
                              ("max_listed", c.max_listed, 1)):
        if value < least:
            raise ConfigError(path, f"links.{key}", f"must be at least {least} (got {value})")
    _check_patterns(c.exempt, path, "links.exempt")


def _check_owners(owners: list[Owner], sites: list[str], path: Path) -> None:
    for i, o in enumerate(owners):
        if o.site and o.site not in sites:
            close = difflib.get_close_matches(o.site, sites, n=1)
            fix = f"did you mean \"{close[0]}\"?" if close else "use the name of one of the [[sites]]: " + ", ".join(sites)
            raise ConfigError(path, f"owners[{i}].site", f'no site is named "{o.site}"; {fix}')
        if "://" not in o.pattern:
            _check_patterns([o.pattern], path, f"owners[{i}].pattern")


def _check_cleanup(c: Cleanup, path: Path) -> None:
    if not 0 <= c.remove_min_confidence <= 1:
        raise ConfigError(path, "cleanup.remove_min_confidence", f"must be between 0 and 1 (got {c.remove_min_confidence})")
    _check_patterns(c.protected, path, "cleanup.protected")
    if c.traffic_file:
        f = Path(c.traffic_file) if Path(c.traffic_file).is_absolute() else path.parent / c.traffic_file
        if not f.is_file():
            raise ConfigError(path, "cleanup.traffic_file", f"{f} does not exist; give the path of a CSV file with the columns url and visits, or remove the key")


def _check_serve(s: Serve, path: Path) -> None:
    if not 0 < s.port < 65536:
        raise ConfigError(path, "serve.port", f"must be a port number between 1 and 65535 (got {s.port})")
    names = [u.name for u in s.users]
    for i, u in enumerate(s.users):
        if not re.match(r"^[A-Za-z0-9_.@-]+$", u.name):
            raise ConfigError(path, f"serve.users[{i}].name", f'"{u.name}" is not a usable user name: use letters, digits, ".", "-", "_" or "@"')
        if u.name in names[:i]:
            raise ConfigError(path, f"serve.users[{i}].name", f'the user "{u.name}" is listed twice')
        if not (u.password_hash.startswith("env:") or u.password_hash.startswith("pbkdf2_sha256$")):
            raise ConfigError(path, f"serve.users[{i}].password_hash",
                              "must be a hash made by `decay serve-password` (it starts with pbkdf2_sha256$) or env:VARIABLE; never write the password itself")


def _check_nightly(c: Crawl, n: Nightly, path: Path) -> None:
    if c.full_recrawl_every.strip() not in ("0", "0d") and parse_duration(c.full_recrawl_every) is None:
        raise ConfigError(path, "crawl.full_recrawl_every", f'"{c.full_recrawl_every}" is not a duration: write a number and a unit, d, w, m or y, e.g. "7d" ("0d": every crawl is full)')
    if n.keep and parse_duration(n.keep) is None:
        raise ConfigError(path, "nightly.keep", f'"{n.keep}" is not a duration: write a number and a unit, e.g. "180d" or "6m" ("" keeps everything)')
    if n.webhook_url and not (n.webhook_url.startswith("env:") or re.match(r"^https?://[^/\s]+", n.webhook_url)):
        raise ConfigError(path, "nightly.webhook_url", f'"{n.webhook_url}" is not an http(s) URL (or env:VARIABLE)')
    if n.webhook_timeout <= 0 or n.webhook_retries < 0:
        raise ConfigError(path, "nightly", "webhook_timeout must be positive and webhook_retries cannot be negative")


def _check_social(profiles: list[SocialProfile], st: SocialSettings, path: Path) -> None:

    keys: dict[str, int] = {}
    for i, p in enumerate(profiles):
        where = f"social[{i}]"
        if p.url and p.handle:
            raise ConfigError(path, f"{where}.handle", "give url or handle, not both")
        if not p.url and not p.handle:
            raise ConfigError(path, where, 'give the profile\'s url (for example: url = "https://mastodon.social/@harbourside"), or platform and handle')
        if p.platform and p.platform not in PLATFORM_NAMES:
            continue   # an unknown platform: reported by check_choices
        ref, why = from_config(p.platform, p.url, p.handle)
        if ref is None:
            raise ConfigError(path, f"{where}.{'url' if p.url else 'handle'}", why)
        if ref.key in keys:
            raise ConfigError(path, where, f"the same profile as social[{keys[ref.key]}] ({ref.url}); declare each profile once")
        keys[ref.key] = i
    if parse_duration(st.dormant_after) is None:
        raise ConfigError(path, "social_settings.dormant_after", f'"{st.dormant_after}" is not a duration: write a number and a unit, y, m, w or d, e.g. "6m", "1y"')
    for key, value, least in (("latest_posts", st.latest_posts, 0), ("max_profiles", st.max_profiles, 1)):
        if value < least:
            raise ConfigError(path, f"social_settings.{key}", f"must be at least {least} (got {value})")
    if st.timeout <= 0 or st.delay < 0 or st.max_response_mb <= 0:
        raise ConfigError(path, "social_settings", "timeout and max_response_mb must be positive; delay cannot be negative")
    for key, base in st.base_urls.items():
        k = key.lower().strip()
        if "://" in k:
            if origin_of(k) is None:
                raise ConfigError(path, "social_settings.base_urls", f'"{key}" must be a platform name or an origin such as "https://mastodon.social" (no path)')
        elif k not in PLATFORM_NAMES:
            raise ConfigError(path, "social_settings.base_urls", f'"{key}" is not a platform; use one of: ' + ", ".join(sorted(set(PLATFORM_NAMES.values()))) + ", or an origin")
        if not re.match(r"^https?://[^/\s]+", base):
            raise ConfigError(path, "social_settings.base_urls", f'the base URL for "{key}", "{base}", is not an http(s) URL')


def parse_config(data: dict[str, Any], path: Path, check_rules: bool = True) -> Config:
    """The configuration, checked; every problem found is reported at once (ConfigErrors), not just the first."""
    errors: list[ConfigError] = []

    def attempt(fn, *args) -> Any:
        try:
            return fn(*args)
        except ConfigError as e:
            errors.extend(e.errors)
            return None

    known = {s[0] for s in SECTIONS}
    for key in data:
        if key not in known:
            close = difflib.get_close_matches(key, list(known), n=1)
            fix = f"did you mean [{close[0]}]?" if close else "valid sections are: " + ", ".join(f"[{k}]" for k in known)
            errors.append(ConfigError(path, key, f"unknown section; {fix}"))
    built: dict[str, Any] = {}
    for key, cls, kind, required in SECTIONS:
        raw = data.get(key)
        if raw is None:
            if required:
                hint = f"[[{key}]]" if kind == "array" else f"[{key}]"
                errors.append(ConfigError(path, key, f"the section {hint} is missing; see the configuration reference in README.md"))
            built[key] = [] if kind == "array" else cls()
            continue
        if kind == "array":
            if not isinstance(raw, list) or not raw:
                errors.append(ConfigError(path, key, f"must be one or more [[{key}]] tables"))
                built[key] = []
                continue
            items = []
            for i, item in enumerate(raw):
                label = f"{key}[{i}]"
                name = item.get("name", item.get("id")) if isinstance(item, dict) else None
                if isinstance(name, str):
                    label = f'{key}[{i}] ("{name}")'
                b = attempt(build, cls, item, label, path)
                if b is not None:
                    items.append(b)
            built[key] = items
        else:
            b = attempt(build, cls, raw, key, path)
            built[key] = b if b is not None else cls()
    for key, value in built.items():   # allowed values declared next to each setting ([[rules]]: foundation/team_rules.py)
        if key == "rules":
            continue
        for i, item in enumerate(value) if isinstance(value, list) else [(None, value)]:
            errors += check_choices(item, key if i is None else f"{key}[{i}]", path)
    names = [s.name for s in built["sites"]]
    for i, s in enumerate(built["sites"]):
        attempt(_check_site, s, f'sites[{i}] ("{s.name}")', path)
        if s.name in names[:i]:
            errors.append(ConfigError(path, f"sites[{i}].name", f'the name "{s.name}" is used by more than one site; names must be unique'))
    attempt(_check_crawl, built["crawl"], path)
    attempt(_check_outdated, built["outdated"], path)
    attempt(_check_links, built["links"], path)
    attempt(_check_social, built["social"], built["social_settings"], path)
    attempt(_check_nightly, built["crawl"], built["nightly"], path)
    attempt(_check_owners, built["owners"], [s.name for s in built["sites"]], path)
    attempt(_check_cleanup, built["cleanup"], path)
    attempt(_check_serve, built["serve"], path)
    raise_all(errors)
    config = Config(path=path, **built)
    if check_rules:  # every rule compiles, its files exist (`decay rules check` lists every problem, not just the first)
        problems = _rule_problems(config)
        if problems:
            raise_all(list(problems))
    return config


def load_config(path: str | Path, check_rules: bool = True) -> Config:
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
    return parse_config(data, path.resolve(), check_rules)


# --------------------------------------------------------------------------- docs
def reference_markdown() -> str:
    """The configuration reference, as it appears in README.md."""
    out: list[str] = []
    todo = [(key, cls, kind, required) for key, cls, kind, required in SECTIONS]
    for key, cls, kind, required in SECTIONS:  # arrays of tables inside sections get a table of their own
        for f in dataclasses.fields(cls):
            sub = subtable(typing.get_type_hints(cls)[f.name])
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
            if f.metadata.get("choices"):
                meaning += " One of: " + ", ".join(f"`{c}`" for c in f.metadata["choices"]) + "."
            if f.metadata.get("example"):
                meaning += f" Example: `{f.name} = {f.metadata['example']}`"
            out.append(f"| `{f.name}` | {type_name(hints[f.name])} | {dflt} | {meaning.replace('|', '&#124;')} |")
        out.append("")
    return "\n".join(out).rstrip() + "\n"
