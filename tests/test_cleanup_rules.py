"""The cleanup list's decisions and ranking, rule by rule, on findings made by hand.

Every "do no harm" guarantee has its own test: a linked page is never removed, a protected page or a
start page is never removed or redirected, low-confidence evidence never yields remove.  The
end-to-end lifecycle (crawl, triage, crawl again) is in test_triage.py.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from analysis.cleanup import SiteFacts, build, decide, findings_weight, importance
from analysis.findings import Finding
from analysis.impact import RemovedPage, Suggestion
from analysis.owners import Owners
from foundation.config import Owner, parse_config

PROD = "https://www.org.example"


def cfg(extra: str = "") -> object:
    import tomllib

    text = f"""
[organisation]
name = "Org"
[[sites]]
name = "main"
start_urls = ["{PROD}/"]
[[outdated.sections]]
name = "news"
patterns = ["/news/*"]
max_age = "2y"
{extra}
"""
    return parse_config(tomllib.loads(text), Path("/tmp/org.toml"))


def f(rule: str, path: str, *, severity: str = "medium", confidence: float = 0.9, uid: int | None = None,
      category: str | None = None, **evidence) -> Finding:
    cat = category or {"outdated": "outdated", "links": "orphaned"}.get(rule.split(".")[0], rule.split(".")[0])
    if rule in ("outdated.expired_event", "outdated.expired_offer"):
        cat = "expired"
    return Finding(rule=rule, category=cat, severity=severity, confidence=confidence, site="main",
                   subject_url=PROD + path, subject_id=uid if uid is not None else hash(path) & 0xFFFFFF,
                   message=f"{rule} on {path}.", evidence=evidence or {"x": 1})


def impact(path: str, links: int = 0, target: str | None = "/events/", sitemaps=("s.xml",)) -> tuple:
    page = RemovedPage(PROD + path, "main", "T", "200",
                       links_that_break=[{"page": f"{PROD}/l{i}", "anchor": f"a{i}", "position": "main"} for i in range(links)],
                       sitemaps=[PROD + "/" + s for s in sitemaps],
                       redirect_to=Suggestion(PROD + target, "Events", "the same title for a later year or version") if target else None)
    return (page, [])


# ---------------------------------------------------------------------------------------- decide
def test_obsolete_orphan_nothing_links_to_is_removed_and_says_what_else_to_do():
    fs = [f("outdated.expired_event", "/events/2018/", severity="high", confidence=0.85),
          f("links.orphan", "/events/2018/", confidence=0.9)]
    d = decide(fs, protected=None, inlinks=0, impact=impact("/events/2018/"), min_conf=0.8)
    assert d.action == "remove"
    assert d.confidence == 0.85
    assert "nothing links to it" in d.todo and f"{PROD}/s.xml" in d.todo   # take it out of the sitemap too


def test_do_no_harm_a_linked_page_is_never_removed_it_is_redirected_with_the_links_to_change():
    fs = [f("outdated.stale_page", "/offers/", confidence=0.95), f("links.orphan_island", "/offers/", confidence=0.9)]
    d = decide(fs, protected=None, inlinks=2, impact=impact("/offers/", links=2), min_conf=0.8)
    assert d.action == "redirect"
    assert d.target_url == PROD + "/events/"
    assert f"{PROD}/l0" in d.todo and f"{PROD}/l1" in d.todo and "change the 2 link(s)" in d.todo


def test_do_no_harm_a_linked_page_without_a_real_successor_is_reviewed_not_removed():
    fs = [f("outdated.stale_page", "/offers/", confidence=0.95), f("links.orphan_island", "/offers/", confidence=0.9)]
    d = decide(fs, protected=None, inlinks=3, impact=impact("/offers/", links=3, target=None), min_conf=0.8)
    assert d.action == "review" and d.target_url is None
    assert "3 link(s) still point to it" in d.todo and "real successor" in d.todo


def test_do_no_harm_a_page_live_pages_link_to_is_never_removed_or_redirected():
    fs = [f("outdated.stale_page", "/offers/", confidence=0.95), f("links.orphan_island", "/offers/", confidence=0.9)]
    d = decide(fs, protected=None, inlinks=3, impact=impact("/offers/", links=3), min_conf=0.8, linked_from_live=True)
    assert d.action == "update" and d.target_url is None
    assert "still link to it" in d.todo


def test_do_no_harm_inlinks_alone_block_removal_even_if_the_impact_lists_none():
    fs = [f("outdated.stale_page", "/x/", confidence=0.95), f("links.orphan", "/x/", confidence=0.9)]
    d = decide(fs, protected=None, inlinks=1, impact=impact("/x/", links=0, target=None), min_conf=0.8)
    assert d.action != "remove"


def test_do_no_harm_a_protected_page_is_only_updated():
    fs = [f("outdated.stale_page", "/privacy/", confidence=0.99), f("links.orphan", "/privacy/", confidence=0.99)]
    d = decide(fs, protected="/privacy*", inlinks=0, impact=impact("/privacy/"), min_conf=0.8)
    assert d.action == "update"
    assert "protected (/privacy*)" in d.todo


def test_do_no_harm_low_confidence_evidence_never_yields_remove():
    fs = [f("outdated.stale_page", "/old/", confidence=0.6), f("links.orphan", "/old/", confidence=0.95)]
    d = decide(fs, protected=None, inlinks=0, impact=impact("/old/"), min_conf=0.8)
    assert d.action == "review"
    assert "60% sure; removal needs 80%" in d.todo
    # ... and neither does a sure date with an unsure orphan (seen only in an earlier crawl)
    fs = [f("outdated.stale_page", "/old/", confidence=0.95), f("links.orphan", "/old/", confidence=0.5)]
    assert decide(fs, protected=None, inlinks=0, impact=impact("/old/"), min_conf=0.8).action == "review"


def test_other_actions():
    stale = [f("outdated.stale_page", "/a/", updated_at="2019-03-02T00:00:00")]
    d = decide(stale, protected=None, inlinks=5, impact=None, min_conf=0.8)
    assert d.action == "update" and "last update 2019-03-02" in d.todo
    broken = [f("links.broken_internal", "/gone", severity="high", linking_pages=5)]
    d = decide(broken, protected=None, inlinks=5, impact=None, min_conf=0.8)
    assert d.action == "fix links" and "5 page(s)" in d.todo
    moved = [f("links.to_redirect", "/old", linking_pages=2, link_to_instead=PROD + "/new")]
    assert PROD + "/new" in decide(moved, protected=None, inlinks=2, impact=None, min_conf=0.8).todo
    orphan = [f("links.orphan", "/lonely/")]
    d = decide(orphan, protected=None, inlinks=0, impact=None, min_conf=0.8)
    assert d.action == "review"   # current content nothing links to: link it or retire it, a person decides
    brand = [f("rules.retired_name", "/about/", category="brand")]
    assert decide(brand, protected=None, inlinks=1, impact=None, min_conf=0.8).action == "update"


# ---------------------------------------------------------------------------------------- scoring and ranking
def test_score_is_weight_times_importance_and_further_findings_count_half():
    w, words = findings_weight([f("outdated.stale_page", "/a", severity="high", confidence=0.5),
                                f("outdated.stale_claim", "/a", severity="medium", confidence=1.0)])
    assert w == pytest.approx(40 * 0.5 + 15 * 1.0 * 0.5)
    assert "outdated.stale_page high 40×0.50" in words and "×½" in words
    imp, words = importance(50.0, 99, None)
    assert imp == pytest.approx(1 + 0.5 + 1.0)
    imp2, _ = importance(0.0, 0, 10_000)
    assert imp2 == pytest.approx(2.0)   # 10,000 visits count as much as the best link score


def rows_by_path(rows):
    return {r[9].removeprefix(PROD): r for r in rows}


def test_build_ranks_by_score_and_explains_it():
    c = cfg()
    important, minor = 11, 12
    sf = SiteFacts("main", importance={important: (120, 100, 100.0), minor: (1, 1, 2.0)})
    fs = [f("outdated.stale_page", "/minor/", severity="high", confidence=0.9, uid=minor),
          f("outdated.stale_page", "/important/", severity="medium", confidence=0.9, uid=important),
          f("outdated.old_copyright", "/important/", severity="low", confidence=0.9, uid=important)]
    rows = build(fs, {"main": sf}, c, suppressed=set(), latest_analysis_findings=set(), first_seen={},
                 now_iso="2026-11-24T00:00:00+00:00", analysis_id=1, crawl_started_at=None)
    by = rows_by_path(rows)
    # medium on a page the site links to heavily outranks high on a page nothing much links to
    assert by["/important/"][1] == 1 and by["/minor/"][1] == 2
    expl = by["/important/"][22]
    assert expl.startswith(f"score {by['/important/'][2]:g} = findings") and "link score 100/100" in expl
    assert by["/important/"][18] == 2   # two findings behind it


def test_build_leaves_out_info_and_suppressed_findings_and_marks_protected_and_sections():
    c = cfg()
    fs = [f("outdated.stale_page", "/news/x/", uid=1), f("outdated.stale_page", "/", uid=2),
          f("links.dead_end", "/info/", severity="info", uid=3), f("outdated.stale_page", "/dismissed/", uid=4)]
    suppressed = {fs[3].id}
    rows = by = rows_by_path(build(fs, {}, c, suppressed=suppressed, latest_analysis_findings={fs[0].id}, first_seen={},
                                   now_iso="2026-11-24T00:00:00+00:00", analysis_id=1, crawl_started_at=None))
    assert set(rows) == {"/news/x/", "/"}
    assert by["/"][23] == "a start page" and by["/"][3] == "update"
    assert by["/news/x/"][11] == "news" and by["/"][11] == "default"
    assert by["/news/x/"][19] == 1 and by["/"][19] == 0   # new in this analysis
    material = json.loads(by["/news/x/"][31])
    assert material == sorted([f"{fs[0].id}:{fs[0].evidence_hash}"]) + ["action:update"]


def test_material_ignores_what_changes_every_day():
    a = f("links.orphan", "/x", days_since_seen=3, known_from=[{"sitemap": "s"}])
    b = f("links.orphan", "/x", days_since_seen=4, known_from=[{"sitemap": "s"}])
    c = f("links.orphan", "/x", days_since_seen=4, known_from=[{"sitemap": "t"}])
    assert a.evidence_hash == b.evidence_hash != c.evidence_hash


# ---------------------------------------------------------------------------------------- owners
def test_owners_most_specific_pattern_wins_and_unowned_says_so():
    o = Owners([Owner("/*", "Web team"), Owner("/news/*", "Comms"), Owner("/news/press/*", "Press office"),
                Owner("https://mastodon.social/@org*", "Social team"), Owner("/*", "Other web team", site="other")])
    assert o.of(PROD + "/news/press/2020.html", "main")[0] == "Press office"
    assert o.of(PROD + "/news/a.html", "main")[0] == "Comms"
    assert o.of(PROD + "/about/", "main")[0] == "Web team"
    assert o.of(PROD + "/about/", "other")[0] == "Other web team"   # later and as specific: the later one wins
    assert o.of("https://mastodon.social/@org", None, profile=True)[0] == "Social team"
    assert o.of("https://x.com/org", None, profile=True) == ("unowned", None)   # "/*" is about pages, not profiles
    assert Owners([Owner("/news/*", "Comms")]).of(PROD + "/about/", "main") == ("unowned", None)


# ---------------------------------------------------------------------------------------- traffic and configuration
def test_traffic_file_raises_importance(tmp_path):
    (tmp_path / "traffic.csv").write_text(f"url,visits\n{PROD}/busy/,10000\n{PROD}/quiet/,3\nnot a url,x\n")
    import tomllib

    c = parse_config(tomllib.loads(f"""
[organisation]
name = "Org"
[[sites]]
name = "main"
start_urls = ["{PROD}/"]
[cleanup]
traffic_file = "traffic.csv"
"""), tmp_path / "org.toml")
    fs = [f("outdated.stale_page", "/busy/", uid=1), f("outdated.stale_page", "/quiet/", uid=2)]
    by = rows_by_path(build(fs, {}, c, suppressed=set(), latest_analysis_findings=set(), first_seen={},
                            now_iso="2026-11-24T00:00:00+00:00", analysis_id=1, crawl_started_at=None))
    assert by["/busy/"][27] == 10000 and by["/quiet/"][27] == 3
    assert by["/busy/"][1] == 1 and "10000 visits" in by["/busy/"][22]


@pytest.mark.parametrize("body, key, words", [
    ('[[owners]]\npattern = "/news/*"\nowner = "Comms"\nsite = "mian"', "owners[0].site", 'did you mean "main"'),
    ('[[owners]]\npattern = "/news/*"', "owners[0].owner", "is required"),
    ('[cleanup]\nremove_min_confidence = 1.5', "cleanup.remove_min_confidence", "between 0 and 1"),
    ('[cleanup]\nprotect = ["/"]', "cleanup.protect", "did you mean 'protected'"),
    ('[cleanup]\ntraffic_file = "nope.csv"', "cleanup.traffic_file", "does not exist"),
    ('[[serve.users]]\nname = "alice"\npassword_hash = "hunter2"', "serve.users[0].password_hash", "never write the password"),
])
def test_config_errors_name_the_key_and_the_fix(tmp_path, body, key, words):
    from foundation.config import ConfigError, load_config

    path = tmp_path / "org.toml"
    path.write_text(f'[organisation]\nname = "Org"\n[[sites]]\nname = "main"\nstart_urls = ["{PROD}/"]\n{body}\n')
    with pytest.raises(ConfigError) as e:
        load_config(path)
    assert str(path) in str(e.value) and key in str(e.value) and words in str(e.value)


def test_what_to_do_about_rule_and_check_findings_is_not_the_message_again():
    from analysis.cleanup import hints

    def f(rule: str, message: str, evidence: dict) -> Finding:
        return Finding(rule=rule, category="brand", severity="medium", confidence=0.95, site="s",
                       subject_url="https://www.example.org/a", message=message, evidence=evidence)

    term = f("rules.retired-name", 'The retired brand name: "Old Name" (write "New Name" instead)',
             {"kind": "term", "hits": 2, "matches": [{"text": "Old Name", "region": "content"}]})
    assert hints([term]) == 'Change "Old Name" where the evidence quotes it.'
    template = f("rules.retired-name", "In the site template (footer) of 12 pages: ...",
                 {"kind": "term", "template": True, "pages": 12, "match": {"text": "Old Name", "region": "footer"}})
    assert hints([template]) == 'Change "Old Name" where the evidence quotes it, in the site template: once fixes all 12 pages.'
    tech = f("checks.outdated_technology", "WordPress 4.9.8 has known vulnerabilities (...): update it",
             {"hits": 1, "matches": [{"text": "WordPress 4.9.8", "region": "head"}]})
    assert hints([tech]) == "Update WordPress 4.9.8 to a supported version (the evidence cites each advisory)."
    # a rule kind with nothing to add, or evidence that does not fit, falls back to the message
    assert hints([f("rules.x", "Something is wrong", {"kind": "unknown"})]) == "Something is wrong."


def test_links_only_in_the_site_template_are_one_change_to_it():
    """A link to a redirect in every page's footer (flink.apache.org: /posts from 367 pages) is one edit of the
    template, not 367 pages to open; a link in page content, or in the template of fewer than 3 pages, is not."""
    from analysis.cleanup import hints

    def redirect(by_position: dict, pages: int) -> Finding:
        return Finding(rule="links.to_redirect", category="links", severity="low", confidence=0.95, site="s",
                       subject_url="https://www.example.org/posts", message="Links to a redirect",
                       evidence={"status": 301, "link_to_instead": "https://www.example.org/posts/", "links": pages,
                                 "linking_pages": pages, "by_position": by_position, "linked_from": []})

    assert hints([redirect({"footer": 367}, 367)]) == (
        "Change the link in the site's footer (on all 367 pages listed: one change to the template) to "
        "https://www.example.org/posts/.")
    assert hints([redirect({"footer": 40, "nav": 40}, 40)]) == (
        "Change the link in the site's navigation and footer (on all 40 pages listed: one change to the template) to "
        "https://www.example.org/posts/.")
    assert hints([redirect({"footer": 300, "main": 1}, 300)]) == (
        "Change the links on the 300 page(s) listed to https://www.example.org/posts/.")   # one is in a page's own text
    assert hints([redirect({"footer": 2}, 2)]) == "Change the links on the 2 page(s) listed to https://www.example.org/posts/."
    broken = Finding(rule="links.broken_external", category="links", severity="medium", confidence=0.9, site="s",
                     subject_url="https://gone.example/", message="Broken external link",
                     evidence={"linking_pages": 12, "by_position": {"header": 12}})
    assert hints([broken]) == ("Correct or remove the link to it in the site's header (on all 12 pages listed: one change "
                               "to the template).")
    # a social profile's evidence lists each link with its position instead of counting them: when it lists them all
    footer = [{"page": f"https://www.example.org/p{i}", "position": "footer"} for i in range(32)]
    gone = Finding(rule="social.hijackable_link", category="social", severity="high", confidence=0.9, site="s",
                   subject_url="https://x.com/old", message="Links to a deleted account",
                   evidence={"linking_pages": 32, "links": 32, "linked_from": footer})
    assert hints([gone]) == ("Remove or correct the link to it in the site's footer (on all 32 pages listed: one change "
                             "to the template).")
    partial = Finding(rule="social.hijackable_link", category="social", severity="high", confidence=0.9, site="s",
                      subject_url="https://x.com/old", message="Links to a deleted account",
                      evidence={"linking_pages": 40, "links": 40, "linked_from": footer})   # 8 links not listed
    assert hints([partial]) == "Remove or correct the links to it on the 40 page(s) listed."


def test_every_hint_that_names_the_linking_pages_can_be_said_as_one_template_change():
    """_in_template rewrites the catalog's "the links (to it) on the {linking_pages} page(s) listed": a hint reworded
    so that the phrase no longer matches would silently lose "one change to the template"."""
    from analysis.cleanup import LISTED_LINKS
    from foundation.catalog import CATALOG

    named = [r for r in CATALOG if r.hint and "{linking_pages}" in r.hint]
    assert len(named) >= 5   # broken internal and external links, loops, redirects, hijackable social links
    assert [r.id for r in named if not LISTED_LINKS.search(r.hint)] == []
