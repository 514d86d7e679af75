"""The rule engine: off-brand wording, legal and security risks, as rules the team writes.

- ``model``: rules from the configuration and rule files, checked and compiled;
- ``page``: what a rule sees of a page (texts by region, links, the stored HTML);
- ``text``: every term of every rule matched in one pass (Aho-Corasick), patterns under a time limit;
- ``advisories`` (+ ``advisories.csv``): vulnerable CMS and JavaScript library versions, and how they are recognised;
- ``builtin``: the checks that need no configuration;
- ``engine``: one pass per page over every rule and check; hits to findings, template hits once.

The runner calls :func:`analyse_rules` per site and resolves findings through :func:`rule_ids`.
"""
from __future__ import annotations

import sqlite3

from analysis.rules.builtin import BUILTIN
from analysis.rules.engine import FAILED, RulesResult, run_site
from foundation.team_rules import PREFIX, compile_rules
from foundation.config import Config
from foundation.urls import SiteScope

__all__ = ["analyse_rules", "rule_ids", "BUILTIN", "FAILED", "PREFIX"]


def analyse_rules(conn: sqlite3.Connection, config: Config, site_cfg, crawl_id: int) -> RulesResult:
    """The rule and check findings of one site's latest complete crawl (reads facts only)."""
    scope = SiteScope(site_cfg.name, site_cfg.start_urls, aliases=site_cfg.aliases, hosts=site_cfg.hosts)
    home = scope.canonical_start_urls[0] if scope.canonical_start_urls else site_cfg.start_urls[0]
    return run_site(conn, compile_rules(config), site_cfg.name, crawl_id, home)


def rule_ids(conn: sqlite3.Connection) -> set[str]:
    """Every rule id this engine writes or wrote: the built-in checks, and the rules.* ids in the findings table
    (so a rule that was removed, switched off or fixed gets its open findings resolved)."""
    ids = set(BUILTIN) | {FAILED}
    ids |= {r[0] for r in conn.execute("SELECT DISTINCT rule FROM findings WHERE rule LIKE 'rules.%' AND status = 'open'")}
    return ids
