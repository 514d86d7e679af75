"""The rule catalog (foundation/catalog.py): every rule the analysis emits is declared there once, with
what it means, what to do, its default severity and its role in the cleanup list; the cleanup list, the
engine, the runner, the README and the triage words read it from there."""
from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from analysis import cleanup, links, outdated, social, twins
from analysis.cleanup import CleanupRow, build
from analysis.findings import Finding
from analysis.rules import builtin
from decay import docs, export
from foundation import catalog
from foundation.catalog import CATALOG, ROLES, RULES, SEVERITIES, TEAM, TEAM_KINDS, TRIAGE_STATES, lookup, with_role
from foundation.config import parse_config
from foundation.schema import TABLES_BY_NAME
from foundation.settings import Rule as RuleSetting
from foundation import team_rules

ROOT = Path(__file__).resolve().parents[1]
RULE_ID = re.compile(r"""["']((?:outdated|links|social|checks|rules)\.[a-z_]+)["']""")
PROD = "https://www.org.example"


def emitted_rule_ids() -> dict[str, str]:
    """Every rule id written as a string anywhere in analysis/ -> where."""
    out = {}
    for path in sorted((ROOT / "analysis").rglob("*.py")):
        for m in RULE_ID.finditer(path.read_text(encoding="utf-8")):
            out.setdefault(m.group(1), str(path.relative_to(ROOT)))
    return out


def test_every_rule_the_analysis_names_is_in_the_catalog():
    ids = emitted_rule_ids()
    assert len(ids) > 30
    missing = {rid: where for rid, where in ids.items() if rid not in RULES}
    assert not missing, f"declare these rules in foundation/catalog.py: {missing}"
    # and the other way round: no catalog entry for a rule nothing emits
    assert set(RULES) <= set(ids) | set(builtin.BUILTIN)


def test_the_modules_rule_tables_come_from_the_catalog():
    for table in (outdated.RULES, social.RULES, links.LINK_RULES, twins.TWIN_RULES):
        assert table and all(table[r] == RULES[r].category for r in table)
    for cid in builtin.BUILTIN:
        assert RULES[cid].message and RULES[cid].category == "security"


def test_every_entry_says_what_it_means_what_to_do_and_how_severe():
    assert len({r.id for r in CATALOG}) == len(CATALOG)
    for r in CATALOG:
        assert r.severity in SEVERITIES, r.id
        assert len(r.means) > 30 and r.means.rstrip().endswith((".", ")")), r.id
        assert len(r.todo) > 10 and r.todo.endswith("."), r.id
        assert r.roles and set(r.roles) <= set(ROLES), r.id
        assert ("note" in r.roles) == (r.severity == "info"), r.id   # info never makes an item
        if r is not TEAM:
            assert r.category and r.id.split(".")[0] in ("outdated", "links", "social", "checks", "rules"), r.id
    # the info-only rules have no "what to do" in the list; every other built-in rule but rule_failed has one
    assert {r.id for r in RULES.values() if r.hint is None} == with_role("note") | {"rules.rule_failed"}


def test_team_rules_have_one_entry_and_words_for_every_kind():
    assert TEAM.id.startswith(team_rules.PREFIX) and lookup("rules.my-brand-rule") is TEAM
    assert lookup("rules.rule_failed") is RULES["rules.rule_failed"] and lookup("nonsense.rule") is None
    assert set(TEAM_KINDS) == set(team_rules.KINDS)
    default = next(f for f in dataclasses.fields(RuleSetting) if f.name == "severity").default
    assert TEAM.severity == default
    assert all(0 < k.confidence <= 1 and k.message and k.hint for k in TEAM_KINDS.values())
    assert {r.category for r in RULES.values()} - set(team_rules.CATEGORIES) == {"outdated", "expired", "orphaned", "links", "social"}


def test_cleanup_uses_the_catalog_roles():
    assert cleanup.OBSOLETE == with_role("obsolete") == {"outdated.stale_page", "outdated.expired_event", "outdated.expired_offer"}
    assert cleanup.DEAD == with_role("dead") == {"links.orphan", "links.orphan_island"}
    assert cleanup.FIX_LINKS == with_role("fix links")
    assert cleanup.REVIEW == with_role("review")
    assert list(cleanup.SEVERITY_WEIGHT) == list(SEVERITIES)
    assert sorted(cleanup.SEVERITY_WEIGHT.values(), reverse=True) == list(cleanup.SEVERITY_WEIGHT.values())
    with pytest.raises(ValueError):
        with_role("delete")


def _cfg():
    import tomllib

    return parse_config(tomllib.loads(f'[organisation]\nname = "Org"\n[[sites]]\nname = "main"\nstart_urls = ["{PROD}/"]\n'),
                        Path("/tmp/org.toml"))


@pytest.mark.parametrize("rule", sorted(RULES))
def test_a_rule_alone_gets_the_action_of_its_role(rule):
    """One finding of a rule on a page of its own: the item's action follows the rule's role in the catalog."""
    r = RULES[rule]
    f = Finding(rule, r.category, r.severity, 0.9, "main", f"{PROD}/x/", "Something is wrong.", {}, subject_id=7)
    rows = build([f], {}, _cfg(), suppressed=set(), latest_analysis_findings=set(), first_seen={},
                 now_iso="2026-11-24T00:00:00+00:00", analysis_id=1, crawl_started_at=None)
    if "note" in r.roles:
        assert rows == []
        return
    (row,) = rows
    expected = ("update" if "obsolete" in r.roles else "fix links" if "fix links" in r.roles
                else "review" if "review" in r.roles else "update")
    assert row.action == expected and row.severity == r.severity and row.rules == rule
    if r.hint and "{" not in r.hint:   # what to do: the catalog's words (or the message when the evidence lacks them)
        assert row.todo.lower().startswith(r.hint.lower()[:20])


def test_cleanup_rows_are_named_records_in_the_tables_column_order():
    assert CleanupRow._fields == tuple(TABLES_BY_NAME["cleanup"].column_names)


def test_readme_says_what_each_finding_means_from_the_catalog():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert docs.section(readme, "findings") == docs.reference("findings") == catalog.reference_markdown(), \
        "run: decay reference findings --update README.md"
    assert ", ".join(SEVERITIES) in catalog.reference_markdown()


def test_triage_words_have_one_home():
    assert list(catalog.TRIAGE_LABELS) == list(TRIAGE_STATES)
    assert set(catalog.TRIAGE_ACCEPTED) < set(TRIAGE_STATES)
    assert export.ACCEPTED == catalog.TRIAGE_ACCEPTED


def test_only_date_and_link_rules_make_a_page_obsolete_or_dead():
    # analysis/runner.py computes the removal impact (cleanup.site_facts) before the rules run, from the date and
    # link findings only, and frees the link graph: a rule of another family with these roles would be missed
    from foundation.catalog import with_role
    assert {r.split(".")[0] for r in with_role("obsolete") | with_role("dead")} <= {"outdated", "links"}
