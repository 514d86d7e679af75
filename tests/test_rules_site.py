"""The rule engine end to end: a small site crawled under its production name, `decay analyse`, the findings table.

Every rule kind and built-in check has a page that must match and a near miss that must not; the
footer and navigation carry a retired name and a retired domain on every page (template findings,
reported once); one pattern backtracks catastrophically (the analysis finishes, the rule is reported
failing); `decay rules check` and `decay rules test` are run as a user would.
"""
from __future__ import annotations

import json

import pytest

from tests.conftest import crawl, query, run_decay, write_config

PROD = "https://www.rules.example"


def page(title: str, main: str, head: str = "", footer_extra: str = "", privacy: bool = True) -> str:
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>{head}</head><body>'
            f'<nav><a href="/">Home</a> <a href="/a.html">A</a> <a href="/b.html">B</a> <a href="/c.html">C</a> '
            f'<a href="/d.html">D</a> <a href="/e.html">E</a> <a href="https://shop.harbour-foundation.org/">Shop</a></nav>'
            f'<main><h1>{title}</h1>{main}</main>'
            f'<footer>{"<a href=/privacy.html>Privacy</a>" if privacy else ""} © Harbour Foundation, 4 Quay Street. {footer_extra}</footer>'
            f'</body></html>')


PAGES = {
    "index.html": page("Home", "<p>Welcome to the trust.</p>"),
    "privacy.html": page("Privacy", "<p>Your data.</p>"),
    # term (match in prose; not in the code sample, since the rule looks at content only; not "dataset api"),
    # pattern, banned list
    "a.html": page("Migrating", "<p>Write your batch jobs with the DataSet API. A dataset api in lower case is another thing, "
                                "and so is DataSetAPIs.</p><pre><code>DataSet API api = env.getDataSet API();</code></pre>"
                                "<p>Call 0800 123 456 today. Our synergy is unmatched, best-in-class even; synergies are not.</p>"),
    # near misses for everything
    "b.html": page("Near misses", "<p>Call 0800 123 457. <a href='https://partner.example/' target='_blank' rel='noopener'>Partner</a> "
                                  "<a href='https://notharbour-foundation.org/'>Not us</a> <img src='https://cdn.example/ok.png' alt='ok'></p>"
                                  "<form method='post' action='https://www.rules.example/send'><input name='email'></form>",
                   head='<script src="https://code.jquery.com/jquery-3.7.1.min.js"></script><script src="/js/urchin-free.js"></script>'),
    # matches for the built-in checks and the forbidden element
    "c.html": page("Old things", "<p><a href='https://partner.example/x' target='_blank'>Partner</a> "
                                 "<img src='http://cdn.example/old.png' alt='Harbour Foundation logo'></p>"
                                 "<form method='post' action='http://www.rules.example/login'><input name='user'>"
                                 "<input type='password' name='pw'></form>",
                   head='<meta name="generator" content="WordPress 4.9.8"><script src="/js/jquery-1.12.4.min.js"></script>'
                        '<script src="/js/urchin.js"></script>'),
    "d.html": page("No privacy link", "<p>This page's footer lost its privacy link.</p>", privacy=False),
    "e.html": page("Slow", "<p>" + "a" * 60 + "!</p>"),
}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    from decay.localserver import LocalSite

    root = tmp_path_factory.mktemp("rules-site")
    for name, html in PAGES.items():
        (root / name).write_text(html, encoding="utf-8")
    (root / "js").mkdir()
    for f in ("jquery-1.12.4.min.js", "urchin.js", "urchin-free.js"):
        (root / "js" / f).write_text("/* js */")
    s = LocalSite(root=root).start()
    tmp = tmp_path_factory.mktemp("rules-run")
    (tmp / "banned.txt").write_text("# words we do not use\nsynergy\nbest-in-class => leading\n", encoding="utf-8")
    (tmp / "brand-rules.toml").write_text('''
[[rules]]
id = "retired-name"
kind = "term"
category = "brand"
severity = "high"
terms = ["Harbour Foundation"]
replacement = "Harbourside Trust"

[[rules]]
id = "banned-words"
kind = "banned_list"
file = "banned.txt"
''', encoding="utf-8")
    cfg = write_config(tmp / "org.toml", f"""
        [organisation]
        name = "Rules Org"
        [[sites]]
        name = "rules"
        start_urls = ["{PROD}/"]
        aliases = {{ "{PROD}" = "{s.url}" }}
        check_external_links = false
        [crawl]
        autothrottle = false
        [checks]
        rule_files = ["brand-rules.toml"]
        [[rules]]
        id = "dataset-api"
        kind = "term"
        terms = ["DataSet API"]
        replacement = "DataStream API"
        where = ["content", "title"]
        [[rules]]
        id = "old-phone"
        kind = "pattern"
        category = "quality"
        pattern = "0800 ?123 ?456"
        [[rules]]
        id = "retired-domain"
        kind = "retired_domain"
        category = "security"
        domains = ["harbour-foundation.org"]
        [[rules]]
        id = "privacy-link"
        kind = "required"
        category = "legal"
        url = "*/privacy*"
        where = ["footer"]
        [[rules]]
        id = "old-analytics"
        kind = "forbidden_element"
        category = "security"
        selector = "script[src$='/urchin.js']"
        [[rules]]
        id = "slow"
        kind = "pattern"
        pattern = "(a|aa)+$"
        where = ["content"]
        """)
    db = tmp / "decay.db"
    r = crawl(cfg, db)
    s.stop()
    assert r.returncode == 0, r.stdout + r.stderr
    a = run_decay("analyse", "--config", str(cfg), "--db", str(db), "--now", "2026-11-24")
    assert a.returncode == 0, a.stdout + a.stderr
    return {"db": db, "cfg": cfg, "tmp": tmp, "root": root}


def findings(db, rule, status="open"):
    rows = query(db, "SELECT * FROM findings WHERE rule = ? AND status = ? ORDER BY subject_url", (rule, status))
    return [dict(r, evidence=json.loads(r["evidence"])) for r in rows]


def urls(fs):
    return {f["subject_url"] for f in fs}


def test_term_matches_prose_not_code_nor_other_spellings(site):
    (f,) = findings(site["db"], "rules.dataset-api")
    assert f["subject_url"] == PROD + "/a.html" and f["category"] == "brand" and f["subject_type"] == "page"
    ev = f["evidence"]
    # once in the prose; not in the <pre><code> sample (where = content), not "dataset api", not "DataSetAPIs"
    assert ev["hits"] == 1 and ev["regions"] == {"content": 1}
    (m,) = ev["matches"]
    assert m["text"] == "DataSet API" and m["replacement"] == "DataStream API"
    assert "with the «DataSet API». A dataset" in m["context"] and len(m["context"]) < 200
    assert 'write "DataStream API" instead' in f["message"]


def test_template_hit_is_reported_once_listing_the_pages(site):
    fs = findings(site["db"], "rules.retired-name")
    template = [f for f in fs if f["subject_type"] == "template"]
    assert len(template) == 1
    t = template[0]
    pages = {PROD + p for p in ("/", "/privacy.html", "/a.html", "/b.html", "/c.html", "/d.html", "/e.html")}
    assert set(t["evidence"]["affected_pages"]) == pages and t["evidence"]["pages"] == 7
    assert t["evidence"]["match"]["region"] == "footer" and "«Harbour Foundation»" in t["evidence"]["match"]["context"]
    assert t["subject_url"] == PROD + "/" and t["severity"] == "high"
    # the alt text of a logo on one page is not the template: a page finding
    page_level = [f for f in fs if f["subject_type"] == "page"]
    assert urls(page_level) == {PROD + "/c.html"}
    assert page_level[0]["evidence"]["regions"] == {"alt": 1}


def test_retired_domain_in_the_navigation_is_one_template_finding(site):
    fs = findings(site["db"], "rules.retired-domain")
    assert [f["subject_type"] for f in fs] == ["template"]
    assert fs[0]["evidence"]["pages"] == 7 and fs[0]["evidence"]["match"]["text"] == "https://shop.harbour-foundation.org/"
    # notharbour-foundation.org is another domain


def test_pattern_matches_and_near_miss(site):
    assert urls(findings(site["db"], "rules.old-phone")) == {PROD + "/a.html"}   # not "0800 123 457"


def test_banned_list_whole_words_with_replacement(site):
    (f,) = findings(site["db"], "rules.banned-words")
    assert f["subject_url"] == PROD + "/a.html"
    assert sorted(m["text"] for m in f["evidence"]["matches"]) == ["best-in-class", "synergy"]   # not "synergies"
    assert {m.get("replacement") for m in f["evidence"]["matches"]} == {None, "leading"}


def test_required_link_missing_from_one_footer(site):
    (f,) = findings(site["db"], "rules.privacy-link")
    assert f["subject_url"] == PROD + "/d.html" and f["category"] == "legal"
    assert "no link matching */privacy*" in f["message"]


def test_forbidden_element(site):
    (f,) = findings(site["db"], "rules.old-analytics")
    assert f["subject_url"] == PROD + "/c.html"   # not urchin-free.js
    assert "urchin.js" in f["evidence"]["matches"][0]["text"]


def test_catastrophic_pattern_is_stopped_and_reported(site):
    assert findings(site["db"], "rules.slow") == []
    (f,) = findings(site["db"], "rules.rule_failed")
    assert f["evidence"]["rule"] == "rules.slow" and f["evidence"]["pages_timed_out"] == [PROD + "/e.html"]
    assert f["subject_type"] == "rule" and "ran out of time" in f["message"]


def test_outdated_technology(site):
    fs = findings(site["db"], "checks.outdated_technology")
    assert {(f["subject_url"], f["evidence"]["matches"][0]["technology"]) for f in fs} == {
        (PROD + "/c.html", "WordPress"), (PROD + "/c.html", "jQuery")}   # jQuery 3.7.1 on b.html is current
    jq = next(f for f in fs if "jQuery" in f["message"])
    adv = {a["id"] for a in jq["evidence"]["matches"][0]["advisories"]}
    assert {"CVE-2019-11358", "CVE-2020-11022"} <= adv and "CVE-2012-6708" not in adv
    assert all(a["url"].startswith("https://") for a in jq["evidence"]["matches"][0]["advisories"])


def test_insecure_form_mixed_content_and_new_window(site):
    (form,) = findings(site["db"], "checks.insecure_form")
    assert form["subject_url"] == PROD + "/c.html" and form["severity"] == "high"
    assert form["evidence"]["matches"][0]["password_field"] is True
    (mixed,) = findings(site["db"], "checks.mixed_content")
    assert mixed["subject_url"] == PROD + "/c.html"
    assert [m["text"] for m in mixed["evidence"]["matches"]] == ["http://cdn.example/old.png"]
    (opener,) = findings(site["db"], "checks.new_window_opener")
    assert opener["subject_url"] == PROD + "/c.html" and opener["severity"] == "info"   # browsers imply noopener: never an item


def test_removed_rule_and_switched_off_check_are_resolved(site, tmp_path):
    cfg = site["cfg"].read_text().replace('[checks]\n', '[checks]\nmixed_content = false\n')
    cfg = cfg.replace('id = "old-phone"', 'id = "old-phone"\nenabled = false')
    other = site["tmp"] / "org2.toml"
    other.write_text(cfg)
    r = run_decay("analyse", "--config", str(other), "--db", str(site["db"]), "--now", "2026-11-25")
    assert r.returncode == 0, r.stderr
    assert findings(site["db"], "rules.old-phone") == [] and len(findings(site["db"], "rules.old-phone", "resolved")) == 1
    assert findings(site["db"], "checks.mixed_content") == []
    assert len(findings(site["db"], "rules.dataset-api")) == 1   # the others stay open, same ids


def test_rules_check_cli_names_every_problem(site, tmp_path):
    (tmp_path / "team.toml").write_text('[[rules]]\nid = "w"\nkind = "banned_list"\nfile = "nowhere.txt"\n'
                                        '[[rules]]\nid = "sel"\nkind = "forbidden_element"\nselector = "p["\n')
    cfg = write_config(tmp_path / "org.toml", """
        [organisation]
        name = "X"
        [[sites]]
        name = "x"
        start_urls = ["https://www.x.example/"]
        [checks]
        rule_files = ["team.toml", "missing.toml"]
        [[rules]]
        id = "bad-regex"
        kind = "pattern"
        pattern = "(unclosed"
        [[rules]]
        id = "typo"
        kind = "terms"
        [[rules]]
        id = "slow"
        kind = "pattern"
        pattern = "(a|aa)+$"
        """)
    r = run_decay("rules", "check", "--config", str(cfg))
    assert r.returncode == 1 and "Traceback" not in r.stderr
    err = r.stderr
    assert 'org.toml: rules[0] ("bad-regex").pattern: is not a valid regular expression' in err
    assert 'rules[1] ("typo").kind: unknown kind "terms"; did you mean "term"?' in err
    assert 'team.toml: rules[0] ("w").file:' in err and "nowhere.txt does not exist" in err
    assert 'team.toml: rules[1] ("sel").selector:' in err
    assert "checks.rule_files[1]" in err and "missing.toml does not exist" in err
    assert 'rules[2] ("slow").pattern: backtracks catastrophically' in err
    # the other commands refuse the configuration too, with the first problem and exit status 2
    c = run_decay("check", "--config", str(cfg))
    assert c.returncode == 2 and "Traceback" not in c.stderr and "error:" in c.stderr
    # the site's configuration: only its deliberately slow pattern
    one = run_decay("rules", "check", "--config", str(site["cfg"]))
    assert one.returncode == 1 and one.stderr.count("error:") == 1 and '("slow").pattern: backtracks' in one.stderr
    fine = site["tmp"] / "fine.toml"
    fine.write_text(site["cfg"].read_text().replace('pattern = "(a|aa)+$"', 'pattern = "a+$"'))
    ok = run_decay("rules", "check", "--config", str(fine))
    assert ok.returncode == 0 and "ok (8 rule(s), 8 enabled" in ok.stdout


def test_rules_test_cli_on_a_file_and_a_url(site):
    r = run_decay("rules", "test", "dataset-api", str(site["root"] / "a.html"), "--config", str(site["cfg"]))
    assert r.returncode == 0, r.stderr
    assert "[content] Migrating Write your batch jobs with the «DataSet API»." in r.stdout and '-> write "DataStream API"' in r.stdout
    assert r.stdout.count("«DataSet API»") == 1
    from decay.localserver import LocalSite

    s = LocalSite(root=site["root"]).start()
    try:
        r = run_decay("rules", "test", "checks.mixed_content", s.url + "/c.html", "--config", str(site["cfg"]),
                      "--url", PROD + "/c.html", "--json")
    finally:
        s.stop()
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout)
    assert report["page"] == PROD + "/c.html" and [m["text"] for m in report["matches"]] == ["http://cdn.example/old.png"]
    bad = run_decay("rules", "test", "no-such-rule", str(site["root"] / "a.html"), "--config", str(site["cfg"]))
    assert bad.returncode == 2 and 'no enabled rule or check has the id "no-such-rule"' in bad.stderr
