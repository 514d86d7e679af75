"""`decay rules check` and `decay rules test`: validate the rules, and try one on one page without a crawl."""
from __future__ import annotations

import dataclasses
import urllib.request
from pathlib import Path
from typing import Any

from analysis.rules import builtin
from analysis.rules.engine import Engine, Reporter
from foundation.team_rules import RuleSet, compile_one, check_rules, compile_rules, load_rules, probe_pattern
from analysis.rules.page import page_from_html
from foundation.config import Config


def check(config: Config) -> dict[str, Any]:
    """Every problem with every rule: errors (bad regex, unknown kind, missing file, ...) and patterns that backtrack."""
    problems = [str(e) for e in check_rules(config)]
    rules, _ = load_rules(config)
    for rule, source, label in rules:
        if rule.kind == "pattern":
            c, errs = compile_one(rule, source, label)
            if c is not None and c.pattern is not None:
                warn = probe_pattern(c.pattern, rule.pattern)
                if warn:
                    problems.append(f"{source}: {label}.pattern: {warn}")
    return {"config": str(config.path), "rules": len(rules), "enabled": sum(1 for r, _, _ in rules if r.enabled),
            "rule_files": [str(f) for f in config.checks.rule_files], "problems": problems,
            "checks": {cid: getattr(config.checks, key) for cid, key in builtin.BUILTIN.items()}}


def _fetch(target: str, user_agent: str, timeout: float) -> tuple[bytes, str | None, str]:
    if target.startswith(("http://", "https://")):
        req = urllib.request.Request(target, headers={"User-Agent": user_agent, "Accept": "text/html,*/*;q=0.5"})
        with urllib.request.urlopen(req, timeout=timeout) as resp:   # noqa: S310 (http(s) only, checked above)
            return resp.read(20_000_000), resp.headers.get("Content-Type"), resp.geturl()
    path = Path(target)
    if not path.is_file():
        raise FileNotFoundError(f"{target}: no such file (give a local HTML file or an http(s) URL)")
    return path.read_bytes(), None, path.resolve().as_uri()


def resolve_rule_id(ruleset: RuleSet, rule_id: str) -> str:
    r = ruleset.by_id(rule_id)
    if r is not None:
        return r.id
    for cid, key in builtin.BUILTIN.items():
        if rule_id in (cid, cid.split(".", 1)[1], key):
            return cid
    known = [r.rule.id for r in ruleset.rules] + list(builtin.BUILTIN)
    raise ValueError(f'no enabled rule or check has the id "{rule_id}"; known: {", ".join(known) or "(none)"}')


def test(config: Config, rule_id: str, target: str, url: str | None = None, timeout: float = 30.0) -> dict[str, Any]:
    """What one rule (or built-in check) finds on one page: a local HTML file or a URL fetched now."""
    ruleset = compile_rules(config)
    rid = resolve_rule_id(ruleset, rule_id)
    body, content_type, fetched = _fetch(target, config.user_agent(), timeout)
    page_url = url or fetched
    page = page_from_html(body, page_url, content_type)
    ruleset.checks = dataclasses.replace(ruleset.checks, template_min_pages=10 ** 9)   # one page: nothing is a template
    engine = Engine(ruleset, only={rid})
    ph = engine.page(page)
    reporter = Reporter(engine, "test", page_url)
    reporter.add(ph)
    rule = ruleset.by_id(rid)
    applies = rule is None or rule.always or rule.included(page_url)
    return {"rule": rid, "kind": rule.kind if rule else "built-in check", "page": page_url, "applies": applies,
            "hits": ph.counts.get((rid, ""), 0) + sum(v for (r, k), v in ph.counts.items() if r == rid and k),
            "matches": [h.as_evidence() for h in ph.hits],
            "findings": [{"severity": f.severity, "message": f.message} for f in reporter.findings()],
            "failed": bool(engine.failures.get(rid))}
