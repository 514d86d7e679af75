"""The rule engine on single pages (no crawl): term case modes, technology fingerprints and the advisory table."""
from __future__ import annotations

from pathlib import Path

import pytest

from analysis.rules.advisories import affected, from_banners, from_generator, from_script_url, table
from analysis.rules.engine import Engine
from foundation.team_rules import RuleSet, compile_rules
from analysis.rules.page import page_from_html
from foundation.config import Checks, load_config
from tests.conftest import write_config


def engine(tmp_path: Path, rules: str) -> Engine:
    cfg = write_config(tmp_path / "org.toml", '[organisation]\nname = "X"\n[[sites]]\nname = "x"\n'
                                               'start_urls = ["https://www.x.example/"]\n' + rules)
    return Engine(compile_rules(load_config(cfg)))


def hits(e: Engine, body: str, url: str = "https://www.x.example/p.html") -> list:
    return e.page(page_from_html(f"<html><head><title>T</title></head><body><main>{body}</main></body></html>".encode(), url)).hits


@pytest.mark.parametrize("case,text,expected", [
    ("smart", "The DataSet API. The Dataset API. the dataset api.", ["DataSet API"]),          # capitals: as written
    ("ignore", "The DataSet API. The Dataset API.", ["DataSet API", "Dataset API"]),
    ("exact", "The DataSet API. the dataset api.", ["DataSet API"]),
])
def test_term_case_modes(tmp_path, case, text, expected):
    e = engine(tmp_path, f'[[rules]]\nid = "t"\nkind = "term"\nterms = ["DataSet API"]\ncase = "{case}"\n')
    assert [h.text for h in hits(e, f"<p>{text}</p>")] == expected


def test_lower_case_term_matches_any_case_but_only_whole_words(tmp_path):
    e = engine(tmp_path, '[[rules]]\nid = "t"\nkind = "term"\nterms = ["harbour foundation"]\n')
    assert [h.text for h in hits(e, "<p>Harbour Foundation, HARBOUR FOUNDATION; harbour foundations; xharbour foundation</p>")] == [
        "Harbour Foundation", "HARBOUR FOUNDATION"]


def test_text_whose_lower_case_changes_length_still_matches(tmp_path):
    e = engine(tmp_path, '[[rules]]\nid = "t"\nkind = "term"\nterms = ["Istanbul office"]\ncase = "ignore"\n')
    assert [h.text for h in hits(e, "<p>İ at the start. Our istanbul office closed.</p>")] == ["istanbul office"]


def test_include_and_exclude_patterns(tmp_path):
    e = engine(tmp_path, '[[rules]]\nid = "t"\nkind = "term"\nterms = ["Old Name"]\ninclude = ["/products/*"]\nexclude = ["/products/archive/*"]\n')
    assert hits(e, "<p>Old Name</p>", "https://www.x.example/products/a.html")
    assert not hits(e, "<p>Old Name</p>", "https://www.x.example/news/a.html")
    assert not hits(e, "<p>Old Name</p>", "https://www.x.example/products/archive/a.html")


def test_required_phrase_and_selector(tmp_path):
    e = engine(tmp_path, '[[rules]]\nid = "p"\nkind = "required"\nterms = ["Registered charity"]\n'
                         '[[rules]]\nid = "s"\nkind = "required"\nselector = "a[href$=\'/privacy/\']"\n')
    missing = {h.rule for h in hits(e, "<p>Hello</p>") if h.region == "missing"}
    assert missing == {"rules.p", "rules.s"}
    assert not [h for h in hits(e, "<p>Registered charity 123</p><a href='/privacy/'>Privacy</a>") if h.region == "missing"]


@pytest.mark.parametrize("url,tech,version,vulnerable", [
    ("https://x/assets/js/jquery-1.12.4.min.js", "jquery", "1.12.4", True),
    ("https://code.jquery.com/jquery-3.7.1.min.js", "jquery", "3.7.1", False),
    ("https://ajax.googleapis.com/ajax/libs/jquery/3.4.1/jquery.min.js", "jquery", "3.4.1", True),
    ("https://cdn.example/jquery-ui-1.13.2/jquery-ui.min.js", "jquery-ui", "1.13.2", False),
    ("https://cdn.jsdelivr.net/npm/bootstrap@4.3.1/dist/js/bootstrap.min.js", "bootstrap", "4.3.1", False),
    ("https://cdn.jsdelivr.net/npm/bootstrap@4.3.0/dist/js/bootstrap.min.js", "bootstrap", "4.3.0", True),
    ("https://ajax.googleapis.com/ajax/libs/angularjs/1.5.8/angular.min.js", "angularjs", "1.5.8", True),
    ("https://cdnjs.cloudflare.com/ajax/libs/lodash.js/4.17.21/lodash.min.js", "lodash", "4.17.21", False),
    ("https://cdnjs.cloudflare.com/ajax/libs/lodash.js/4.17.4/lodash.min.js", "lodash", "4.17.4", True),
    ("https://cdnjs.cloudflare.com/ajax/libs/moment.js/2.29.4/moment.min.js", "moment", "2.29.4", False),
    ("https://x/wp-includes/js/jquery/jquery.min.js?ver=1.12.4", "jquery", "1.12.4", True),
])
def test_script_url_fingerprints(url, tech, version, vulnerable):
    s = from_script_url(url)
    assert (s.technology, s.version) == (tech, version)
    assert bool(affected(tech, version)) is vulnerable


def test_no_fingerprint_without_a_version():
    assert from_script_url("https://x/js/jquery.min.js") is None
    assert from_script_url("https://x/js/jquery-migrate.min.js?ver=3.3.2") is None
    assert from_script_url("https://cdn/npm/@angular/core@12.0.0/bundles/core.umd.js") is None


def test_generators_and_coarse_versions():
    assert [a.advisory for a in affected(*_g("WordPress 4.9.8"))] == ["CVE-2019-8942"]
    assert affected(*_g("WordPress 6.4.2")) == ()
    assert [a.advisory for a in affected(*_g("Drupal 7 (https://www.drupal.org)"))] == ["end-of-life"]
    assert affected(*_g("Drupal 10 (https://www.drupal.org)")) == ()
    assert from_generator("Joomla! - Open Source Content Management") is None   # no version: nothing to judge
    assert affected("wordpress", "4") == ()    # "4" could be 4.7.1 or 4.9.9: undecidable against those rows


def _g(text):
    s = from_generator(text)
    return s.technology, s.version


def test_banners_of_inlined_libraries():
    seen = from_banners("<script>/*! jQuery v1.12.4 | (c) jQuery Foundation */</script><script>/*!\n * Bootstrap v5.3.2 "
                        "(https://getbootstrap.com/)</script><script>/*! jQuery UI - v1.12.1 - 2016</script>")
    assert [(s.technology, s.version) for s in seen] == [("jquery", "1.12.4"), ("bootstrap", "5.3.2"), ("jquery-ui", "1.12.1")]


def test_banner_check_on_a_page(tmp_path):
    e = engine(tmp_path, "")
    (h,) = [h for h in hits(e, "<script>/*! jQuery v3.4.1 | (c) JS Foundation */</script>") if h.rule == "checks.outdated_technology"]
    assert h.region == "html" and {a["id"] for a in h.extra["advisories"]} == {"CVE-2020-11022", "CVE-2020-11023"}
    assert not [h for h in hits(e, "<script>/*! jQuery v3.7.1 | (c) OpenJS Foundation */</script>")
                if h.rule == "checks.outdated_technology"]


def test_every_advisory_row_is_complete():
    rows = table()
    assert len(rows) >= 25
    for a in rows:
        assert a.url.startswith("https://") and a.advisory and a.summary and a.severity in ("critical", "high", "medium", "low")
        assert a.technology in {"jquery", "jquery-ui", "bootstrap", "angularjs", "lodash", "moment", "underscore", "wordpress",
                                "drupal", "joomla", "typo3", "mediawiki"}


def test_checks_switch_off(tmp_path):
    e = engine(tmp_path, "[checks]\noutdated_technology = false\nmixed_content = false\ninsecure_forms = false\nnew_window_opener = false\n")
    assert e.builtins == []
    assert not hits(e, "<script src='/jquery-1.8.3.js'></script><img src='http://x.example/a.png'>"
                       "<a href='https://y.example/' target='_blank'>y</a><form action='http://x.example/'></form>")


def test_near_misses_of_the_security_checks(tmp_path):
    e = engine(tmp_path, "")
    # on a plain-HTTP page: no mixed content; a GET search form without password to the same http page is still sent in clear
    got = {h.rule for h in hits(e, "<img src='http://cdn.example/a.png'><a href='https://y.example/' target='_blank' rel='noreferrer'>y</a>",
                                "http://www.x.example/p.html")}
    assert got == set()
    got = {h.rule for h in hits(e, "<a href='/internal.html' target='_blank'>internal</a><form action='https://www.x.example/s'></form>")}
    assert got == set()


def test_required_selector_is_not_reported_missing_when_the_html_was_not_stored(tmp_path):
    e = engine(tmp_path, '[[rules]]\nid = "cookie-banner"\nkind = "required"\nselector = "#cookie-consent"\n')
    html = b"<html><head><title>T</title></head><body><main><p>No banner here.</p></main></body></html>"
    with_html = page_from_html(html, "https://www.x.example/p.html")
    assert [(h.rule, h.region) for h in e.page(with_html).hits] == [("rules.cookie-banner", "missing")]   # rightly
    without = page_from_html(html, "https://www.x.example/p.html")
    without.body = None                                                   # as with [output] store_html = false
    assert e.page(without).hits == []
