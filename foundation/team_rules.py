"""The team's rules: read from the configuration and its rule files, checked, and compiled once.

A rule is declared in the configuration as a ``[[rules]]`` table (``foundation.config.Rule``), or in a
rule file the configuration names (``[checks] rule_files``), so that a brand or legal team can own
its rules.  :func:`check_rules` finds every problem in every rule (not just the first), each as a
:class:`~foundation.config.ConfigError` naming the file, the rule and the fix; :func:`compile_rules`
turns valid rules into :class:`CompiledRule` objects the engine runs.
"""
from __future__ import annotations

import difflib
import re
import tomllib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Callable

import regex

from foundation.catalog import SEVERITIES
from foundation.settings import Checks, Config, ConfigError, Rule, build
from foundation import timed_regex
from foundation.urls import URL_PATTERN_TIMEOUT, compile_patterns, url_pattern_problem

PREFIX = "rules."                       # findings of configured rules are named rules.<id>
KINDS = ("term", "pattern", "banned_list", "retired_domain", "required", "forbidden_element")
CATEGORIES = ("brand", "legal", "security", "accessibility", "quality")
CASES = ("smart", "exact", "ignore")
TEXT_REGIONS = ("content", "code", "nav", "header", "aside", "footer", "title", "alt", "link_urls", "html", "scripts")
POSITIONS = ("content", "nav", "header", "aside", "footer", "head")   # where a link or an element sits
TEMPLATE = ("nav", "header", "aside", "footer")
REGIONS = tuple(dict.fromkeys(TEXT_REGIONS + POSITIONS + ("template",)))
DEFAULT_TEXT_WHERE = ("content", "code", "nav", "header", "aside", "footer", "title", "alt")
RULE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,79}$")
# which fields each kind reads (the others must stay empty, so a typo in kind is caught)
USES = {
    "term": {"terms", "replacement", "case", "retired_on"},
    "pattern": {"pattern"},
    "banned_list": {"file", "replacement", "case", "retired_on"},
    "retired_domain": {"domains"},
    "required": {"terms", "url", "selector", "case"},
    "forbidden_element": {"url", "selector"},
}
KIND_FIELDS = {"terms", "replacement", "retired_on", "pattern", "file", "domains", "url", "selector"}


@dataclass
class Term:
    text: str            # as written, whitespace collapsed
    case: str            # smart, exact or ignore
    replacement: str = ""

    @property
    def exact(self) -> bool:
        return self.case == "exact" or (self.case == "smart" and self.text != self.text.lower())


@dataclass
class CompiledRule:
    rule: Rule
    source: Path                     # the file that defines it
    label: str                       # rules[3] ("retired-name"), for messages
    regions: frozenset[str]
    terms: list[Term] = field(default_factory=list)
    pattern: regex.Pattern | None = None
    domains: tuple[str, ...] = ()
    url: Callable[[str], bool] | None = None
    included: Callable[[str], bool] = lambda url: True
    always: bool = True              # no include/exclude: applies to every page

    @property
    def id(self) -> str:
        return PREFIX + self.rule.id

    @property
    def kind(self) -> str:
        return self.rule.kind


@dataclass
class RuleSet:
    rules: list[CompiledRule]
    checks: Checks

    def by_id(self, rule_id: str) -> CompiledRule | None:
        for r in self.rules:
            if rule_id in (r.id, r.rule.id):
                return r
        return None


# ---------------------------------------------------------------------------- loading
def _rule_files(config: Config) -> list[Path]:
    return [Path(f) if Path(f).is_absolute() else config.path.parent / f for f in config.checks.rule_files]


def load_rules(config: Config) -> tuple[list[tuple[Rule, Path, str]], list[ConfigError]]:
    """Every rule, from the configuration and then each rule file, with the file and label that name it."""
    out: list[tuple[Rule, Path, str]] = []
    problems: list[ConfigError] = []
    for i, r in enumerate(config.rules):
        out.append((r, config.path, f'rules[{i}] ("{r.id}")'))
    for j, path in enumerate(_rule_files(config)):
        key = f"checks.rule_files[{j}]"
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            problems.append(ConfigError(config.path, key, f"{path} does not exist; give the path of a TOML file of [[rules]] tables (relative to {config.path.name})"))
            continue
        except (OSError, UnicodeDecodeError) as e:
            problems.append(ConfigError(config.path, key, f"{path} cannot be read: {e}"))
            continue
        except tomllib.TOMLDecodeError as e:
            problems.append(ConfigError(path, "", f"is not valid TOML: {e}"))
            continue
        extra = [k for k in data if k != "rules"]
        if extra:
            problems.append(ConfigError(path, extra[0], "a rule file holds only [[rules]] tables"))
        raw = data.get("rules", [])
        if not isinstance(raw, list) or not all(isinstance(x, dict) for x in raw):
            problems.append(ConfigError(path, "rules", "must be [[rules]] tables"))
            continue
        for i, item in enumerate(raw):
            label = f'rules[{i}] ("{item["id"]}")' if isinstance(item.get("id"), str) else f"rules[{i}]"
            try:
                out.append((build(Rule, item, label, path), path, label))
            except ConfigError as e:
                problems.append(e)
    return out, problems


def _collapse(s: str) -> str:
    return " ".join(s.split())


def read_word_file(path: Path, case: str, default_replacement: str) -> list[Term]:
    """A banned-word file: one word or phrase per line; # comments; "word => replacement"."""
    terms = []
    for line in path.read_text(encoding="utf-8-sig").splitlines():
        line = line.split("#", 1)[0] if not line.lstrip().startswith("\\#") else line.replace("\\#", "#", 1)
        word, _, repl = line.partition("=>")
        word = _collapse(word)
        if word:
            terms.append(Term(word, case, _collapse(repl) or default_replacement))
    return terms


class UrlPattern:
    """A glob on the whole URL (``*`` matches anything) or ``re:`` and a regular expression searched in it."""

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern
        if pattern.startswith("re:"):
            self.rx = timed_regex.compile(pattern[3:])
            self.search = True
        else:
            g = pattern if pattern.startswith("*") or "://" in pattern else "*" + pattern
            g = g if g.endswith("*") else g + "*"
            self.rx = timed_regex.compile(".*".join(re.escape(p) for p in g.split("*")) + r"\Z", regex.S | regex.I)
            self.search = False

    def __call__(self, url: str) -> bool:
        """Whether the URL matches; a URL on which the pattern runs out of time (URL_PATTERN_TIMEOUT) does not."""
        try:
            return bool(self.rx.search(url, timeout=URL_PATTERN_TIMEOUT) if self.search else self.rx.match(url, timeout=URL_PATTERN_TIMEOUT))
        except TimeoutError:
            return False


def _domain(d: str) -> str | None:
    d = d.strip().lower()
    d = re.sub(r"^[a-z][a-z0-9+.-]*://", "", d).split("/", 1)[0].split(":", 1)[0].strip(".")
    if d.startswith("www."):
        d = d[4:]
    return d if re.fullmatch(r"[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+", d) else None


def retired_day(value: str) -> str | None:
    """A rule's ``retired_on`` as YYYY-MM-DD, or None when it is not a day of the calendar."""
    try:
        return date.fromisoformat(value.strip()).isoformat() if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()) else None
    except ValueError:
        return None


def compile_one(rule: Rule, source: Path, label: str) -> tuple[CompiledRule | None, list[ConfigError]]:
    problems: list[ConfigError] = []

    def bad(key: str, message: str) -> None:
        problems.append(ConfigError(source, f"{label}.{key}" if key else label, message))

    if not RULE_ID.match(rule.id):
        bad("id", f'"{rule.id}" is not a usable id: use letters, digits, "-", "_" or "." (for example: id = "retired-product-name")')
    if rule.kind not in KINDS:
        close = difflib.get_close_matches(rule.kind, KINDS, n=1)
        bad("kind", f'unknown kind "{rule.kind}"; ' + (f'did you mean "{close[0]}"?' if close else "use one of: " + ", ".join(KINDS)))
        return None, problems
    if rule.category not in CATEGORIES:
        bad("category", f'unknown category "{rule.category}"; use one of: ' + ", ".join(CATEGORIES))
    if rule.severity not in SEVERITIES:
        bad("severity", f'unknown severity "{rule.severity}"; use one of: ' + ", ".join(SEVERITIES))
    if rule.case not in CASES:
        bad("case", f'"{rule.case}" is not a case mode; use smart, exact or ignore')
    for key in sorted(KIND_FIELDS - USES[rule.kind]):
        if getattr(rule, key):
            users = [k for k, used in USES.items() if key in used]
            bad(key, f"is not used by kind \"{rule.kind}\" (it is for {' or '.join(users)}); remove it or change the kind")
    if rule.retired_on and retired_day(rule.retired_on) is None:
        bad("retired_on", f'"{rule.retired_on}" is not a day; write it as YYYY-MM-DD, e.g. retired_on = "2019-05-06"')
    for w in rule.where:
        if w not in REGIONS:
            close = difflib.get_close_matches(w, REGIONS, n=1)
            bad("where", f'unknown region "{w}"; ' + (f'did you mean "{close[0]}"?' if close else "use: " + ", ".join(REGIONS)))
    where = set(rule.where)
    if "template" in where:
        where |= set(TEMPLATE)
    c = CompiledRule(rule, source, label, frozenset())
    try:
        inc, exc = compile_patterns(rule.include), compile_patterns(rule.exclude)
        c.always = not rule.include and not rule.exclude
        c.included = (lambda url: (not rule.include or inc(url) is not None) and exc(url) is None)
    except ValueError as e:
        bad("include", str(e))
    else:
        for key in ("include", "exclude"):
            for p in getattr(rule, key):
                problem = url_pattern_problem(p)
                if problem:
                    bad(key, problem)
    kind = rule.kind
    if kind in ("term", "banned_list", "pattern"):
        c.regions = frozenset(where or DEFAULT_TEXT_WHERE)
        bad_regions = sorted(c.regions & {"head"})
        if bad_regions:
            bad("where", '"head" holds no text; use "html" to search the page source')
    elif kind == "required" and rule.terms:
        c.regions = frozenset(where or DEFAULT_TEXT_WHERE)
    else:
        c.regions = frozenset(where or POSITIONS)
    if kind == "term":
        if not rule.terms or not all(_collapse(t) for t in rule.terms):
            bad("terms", 'give the words or phrases to find, e.g. terms = ["DataSet API"]')
        c.terms = [Term(_collapse(t), rule.case, rule.replacement) for t in rule.terms if _collapse(t)]
        # a replacement that is one of the terms: every page using the new name would be reported as using the old
        if rule.replacement and any(t.text.casefold() == _collapse(rule.replacement).casefold() for t in c.terms):
            bad("replacement", f'"{rule.replacement}" is also one of the terms to find; write what to use instead of '
                               f'them, e.g. replacement = "Harbourside Trust" for terms = ["Harbour Foundation"]')
    elif kind == "pattern":
        if not rule.pattern:
            bad("pattern", 'give a regular expression, e.g. pattern = "(?i)call us on 0800 ?123 ?456"')
        else:
            try:
                c.pattern = timed_regex.compile(rule.pattern)
            except (regex.error, ValueError, OverflowError) as e:
                bad("pattern", f"is not a valid regular expression: {e}")
            else:
                try:
                    if c.pattern.search("", timeout=0.1) is not None:
                        bad("pattern", "matches empty text, so it would match everywhere; make something in it required (e.g. + instead of *)")
                except TimeoutError:
                    pass
    elif kind == "banned_list":
        if not rule.file:
            bad("file", 'give the word file, e.g. file = "banned-words.txt" (one word or phrase per line)')
        else:
            path = Path(rule.file) if Path(rule.file).is_absolute() else source.parent / rule.file
            try:
                c.terms = read_word_file(path, rule.case, rule.replacement)
            except FileNotFoundError:
                bad("file", f"{path} does not exist (a relative path is relative to {source.name})")
            except (OSError, UnicodeDecodeError) as e:
                bad("file", f"{path} cannot be read: {e}")
            else:
                if not c.terms:
                    bad("file", f"{path} has no words (one word or phrase per line)")
    elif kind == "retired_domain":
        doms = [_domain(d) for d in rule.domains]
        if not rule.domains:
            bad("domains", 'give the retired domains, e.g. domains = ["harbour-foundation.org"]')
        for raw, d in zip(rule.domains, doms):
            if d is None:
                bad("domains", f'"{raw}" is not a domain name (write it as "example.org": no scheme, no path)')
        c.domains = tuple(d for d in doms if d)
    elif kind in ("required", "forbidden_element"):
        what = ("terms, url or selector" if kind == "required" else "url or selector")
        if not (rule.url or rule.selector or (kind == "required" and rule.terms)):
            bad("", f"give what {'must' if kind == 'required' else 'must not'} be on the page: {what}")
        given = [k for k in ("terms", "url", "selector") if getattr(rule, k)]
        if len(given) > 1:
            bad(given[1], f"give one of {what} per rule (write two rules for two requirements)")
        c.terms = [Term(_collapse(t), rule.case) for t in rule.terms if _collapse(t)]
        if rule.url:
            try:
                c.url = UrlPattern(rule.url)
            except (regex.error, re.error) as e:
                bad("url", f'"{rule.url}" is not a valid regular expression: {e}')
            else:
                problem = url_pattern_problem(rule.url) if rule.url.startswith("re:") else None
                if problem:
                    bad("url", problem)
        if rule.selector:
            err = selector_error(rule.selector)
            if err:
                bad("selector", err)
    return (None if problems else c), problems


def selector_error(selector: str) -> str | None:
    from selectolax.lexbor import LexborHTMLParser

    try:
        LexborHTMLParser("<html><body><p>x</p></body></html>").css(selector)
    except Exception as e:  # selectolax raises its own error type for a selector it cannot parse
        return f'"{selector}" is not a CSS selector Lexbor understands ({e})'
    return None


def check_rules(config: Config) -> list[ConfigError]:
    """Every problem with every rule (an empty list when all is well)."""
    rules, problems = load_rules(config)
    seen: dict[str, str] = {}
    for rule, source, label in rules:
        _, ps = compile_one(rule, source, label)
        problems += ps
        if rule.id in seen:
            problems.append(ConfigError(source, f"{label}.id", f'the id "{rule.id}" is also used by {seen[rule.id]}; ids must be unique'))
        seen.setdefault(rule.id, f"{label} in {source.name}")
    c = config.checks
    if c.template_min_pages < 2:
        problems.append(ConfigError(config.path, "checks.template_min_pages", f"must be at least 2 (got {c.template_min_pages})"))
    if c.pattern_timeout <= 0 or c.max_timeouts < 1 or c.max_quoted < 1:
        problems.append(ConfigError(config.path, "checks", "pattern_timeout must be positive; max_timeouts and max_quoted at least 1"))
    return problems


def compile_rules(config: Config) -> RuleSet:
    """The enabled rules, compiled; raises the first ConfigError (``decay rules check`` lists them all)."""
    rules, problems = load_rules(config)
    if problems:
        raise problems[0]
    out = []
    for rule, source, label in rules:
        c, ps = compile_one(rule, source, label)
        if ps:
            raise ps[0]
        if rule.enabled:
            out.append(c)
    return RuleSet(out, config.checks)


def rule_count(config: Config) -> tuple[int, int]:
    """(rules declared, rules enabled)."""
    rules, _ = load_rules(config)
    return len(rules), sum(1 for r, _, _ in rules if r.enabled)


def probe_pattern(rx: regex.Pattern, pattern: str, budget: float = 0.05) -> str | None:
    """A warning when the pattern backtracks catastrophically on short text made of its own characters
    ("aaaa…!" for (a+)+$): the analysis would stop it on every such page after pattern_timeout."""
    s = timed_regex.slow_sample(rx, timed_regex.text_samples(pattern), budget)
    if s is None:
        return None
    shown = s[:12] + "…" + repr(s[-1])[1:-1]
    return (f"backtracks catastrophically: more than {budget:g} s on {len(s)} characters ({shown}); the analysis stops it "
            f"after pattern_timeout on each such page and reports the rule as failing (rules.rule_failed). Avoid nested "
            f"repetition such as (a+)+ or (a|aa)+")
