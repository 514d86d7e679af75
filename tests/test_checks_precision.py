"""What real CMSs write that is not the problem it looks like (an adversarial review of a WordPress, Drupal and Hugo
site): a theme's ?ver=, a banner quoted in a stylesheet or a code sample, a copyright line written short or said to
go on, a photo credit.  Each is no finding; the real thing beside it still is."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from analysis.dates.candidates import _copyright
from analysis.rules.advisories import from_banners, from_script_url
from foundation.reading.dates import text_dates

HTML = """<html><head><style>/*! Bootstrap v4.1.0 | MIT */ .nav{}</style></head><body>
<pre><code>/*! jQuery v1.12.4 | (c) jQuery Foundation */</code></pre>
<!-- <script src="/old.js">/*! lodash 4.17.4 */</script> -->
<script type="text/template">/*! Underscore.js 1.8.3 */</script>
<script>/*! jQuery v1.11.0 | (c) jQuery Foundation | jquery.org/license */ !function(){}();</script>
</body></html>"""


def test_a_banner_counts_only_in_the_pages_own_javascript():
    assert [(s.technology, s.version) for s in from_banners(HTML)] == [("jquery", "1.11.0")]


@pytest.mark.parametrize("url, seen", [
    ("https://x.org/wp-content/themes/charity/js/bootstrap.min.js?ver=1.0.0", None),    # the theme's version
    ("https://x.org/wp-content/plugins/slider/js/jquery.min.js?ver=2.4", None),         # the plugin's
    ("https://x.org/wp-includes/js/jquery/jquery.min.js?ver=3.7.1", ("jquery", "3.7.1")),  # WordPress' own copy
    ("https://x.org/wp-content/themes/charity/js/jquery-1.8.3.min.js", ("jquery", "1.8.3")),  # in the file's name
])
def test_a_themes_ver_is_not_the_librarys_version(url, seen):
    s = from_script_url(url)
    assert (s and (s.technology, s.version)) == seen


AT = datetime(2026, 7, 1, tzinfo=timezone.utc)


@pytest.mark.parametrize("raw, year", [("© 2009–26 Hampshire Aid", 2026), ("Copyright © 2009 – present", 2026),
                                       ("© 2009-2026", 2026), ("© 2019/20", 2020), ("© 2009 Harbour", 2009),
                                       ("© 2009-12 Harbour", 2012)])
def test_a_copyright_notice_says_its_last_year(raw, year):
    assert _copyright(raw, AT)[0].year == year


def test_a_photo_credit_is_not_the_sites_copyright_and_does_not_hide_it():
    signals: list = []
    text_dates(signals, {"main": "Gallery. Photo © 2016 Jane Smith. Photo © 2017 Bob Jones. Image: © 2015 Getty. Credit: © 2014 AP.",
                         "footer": "© 2009–26 Hampshire Aid"}, "Gallery", "Gallery")
    assert [s.value for s in signals if s.source == "copyright"] == ["© 2009–26"]


@pytest.mark.parametrize("text, claims", [
    ("Sign up to receive our latest news.", []),                        # a newsletter: true at any time
    ("You will need the latest version of Microsoft Word.", []),        # a pointer to whatever is latest
    ("Join our New Forest Trek this spring.", []),                      # a place's name
    ("Visit our new shop on the quay.", ["our new"]),
    ("We support older people who have recently moved to the area.", []),   # the readers, not the page's news
    ("We have recently opened a shop on the quay.", ["recently"]),
    ("Our latest report shows the rivers are cleaner.", ["our latest"]),
])
def test_claims_that_are_true_at_any_time_or_names_are_not_claims(text, claims):
    from analysis.outdated_claims import find_claims

    assert [n for n, _ in find_claims(text)] == claims


def test_mixed_content_that_browsers_do_not_load_over_http_is_not_reported():
    from analysis.rules.builtin import mixed_content
    from analysis.rules.page import page_from_html

    def found(head: str, body: str) -> list[str]:
        html = f"<html><head><title>T</title>{head}</head><body><main>{body}</main></body></html>".encode()
        return [h.extra["content"] for h in mixed_content(page_from_html(html, "https://www.example.org/visit/"))]

    pixel = '<noscript><img src="http://c.statcounter.example/123/0/1/" alt=""></noscript>'
    image = '<img src="http://images.example.net/harbour.jpg" alt="">'
    assert found("", pixel + image) == ["passive"]   # the image, not the pixel browsers with JavaScript never load
    upgraded = '<meta http-equiv="Content-Security-Policy" content="upgrade-insecure-requests">'
    assert found(upgraded, image) == []


def test_a_redirect_stub_is_not_required_to_carry_the_footer(tmp_path):
    from analysis.rules.page import page_from_html
    from tests.test_rules_builtin import engine, hits

    e = engine(tmp_path, '[[rules]]\nid = "charity-number"\nkind = "required"\nterms = ["Registered charity 1234567"]\n')

    def required(head: str, body: str) -> list[str]:
        html = f"<html><head><title>T</title>{head}</head><body><main>{body}</main></body></html>".encode()
        return [h.rule for h in e.page(page_from_html(html, "https://www.x.example/docs/api/")).hits]

    assert required("", "<p>Docs.</p>") == ["rules.charity-number"]
    assert required('<meta http-equiv="refresh" content="0; url=https://www.x.example/docs/start/">', "<p>Moved.</p>") == []
    assert hits(e, "<p>Registered charity 1234567</p>") == []


@pytest.mark.parametrize("title, listed", [
    ("Your rights under the Equality Act 2010: a guide", False),   # the law's name
    ("A guide to the Data Protection Act 2018", False),
    ("Annual review 2019-20", False),                              # an archived publication, not a review to update
    ("The best volunteering apps of 2017", True),
    ("Summer events guide 2019", True),
])
def test_a_year_in_a_name_is_not_an_old_year_in_the_title(title, listed):
    from tests.test_outdated_precision import NOW, Outdated, Page, PageInput, outdated, page_candidates, resolve

    url = "https://www.example.org/page"
    page = Page(1, url, "example", title, title, "en", PageInput(url=url, fetched_at=NOW, signals=[], lang="en"),
                main_text="Text.", role="evergreen")
    cands = page_candidates(page.date_input, now=NOW)
    f = outdated.old_year_in_title(page, resolve(cands, now=NOW), outdated.Context.from_config(Outdated(), NOW))
    assert (f is not None and f.severity != "info") == listed, f and f.message


def test_an_archived_copy_runs_no_cms_to_update(tmp_path):
    from tests.test_rules_builtin import engine

    from analysis.rules.page import page_from_html

    e = engine(tmp_path, "")
    head = '<meta name="generator" content="Drupal 6 (http://drupal.org)">'
    mirror = "<!-- Mirrored from www.x.example/2009/ by HTTrack Website Copier/3.x [XR&CO'2014], Tue, 01 Jan 2019 -->"

    def tech(html: str) -> list[str]:
        return [h.rule for h in e.page(page_from_html(html.encode(), "https://www.x.example/archive/2009/")).hits
                if h.rule == "checks.outdated_technology"]

    assert tech(f"<html><head>{head}<title>T</title></head><body><main>Old site.</main></body></html>")
    assert not tech(f"<html>{mirror}<head>{head}<title>T</title></head><body><main>Old site.</main></body></html>")


@pytest.mark.parametrize("raw, day", [("Wed, 12/10/2025", "2025-12-10"),       # Drupal's US order: a Wednesday
                                      ("Sunday 12/10/2025", "2025-10-12"),
                                      ("12/10/2025", "2025-10-12"),            # no weekday: the page's language decides
                                      ("Thu 03/04/2025", "2025-04-03")])
def test_the_weekday_written_before_a_numeric_date_decides_its_order(raw, day):
    from analysis.dates.parse import parse_date

    assert parse_date(raw, now=datetime(2026, 12, 8, tzinfo=timezone.utc), lang="en")[0].date().isoformat() == day


@pytest.mark.parametrize("signals, updated", [
    # a month-only review statement later than any day the page gives: updated that month
    ([("phrase", "Page last reviewed: March 2026"), ("date", "6 April 2017")], "2026-03-01"),
    ([("phrase", "Stand: März 2026"), ("date", "3. Februar 2024")], "2026-03-01"),
    # earlier than the page's own day: the day stands
    ([("phrase", "Stand: März 2019"), ("date", "7. Juli 2019")], "2019-07-07"),
])
def test_a_month_only_update_statement_counts_when_it_is_the_latest(signals, updated):
    from analysis.dates import PageInput, page_candidates, resolve
    from foundation.facts import DateSignal

    now = datetime(2026, 12, 8, tzinfo=timezone.utc)
    page = PageInput(url="https://x.example/advice/", fetched_at=now, lang="en",
                     signals=[DateSignal("text", name, raw, "main" if name == "phrase" else "main h1+40") for name, raw in signals])
    d = resolve(page_candidates(page, now=now), now=now)
    assert d.updated_at.date().isoformat() == updated, d.explanation


def test_a_date_the_page_tells_of_near_its_headline_is_not_its_byline():
    signals: list = []
    text_dates(signals, {"main": "Universal Credit. Universal Credit was introduced on 6 April 2017 in our area."},
               "Universal Credit", "Universal Credit")
    assert [s.value for s in signals if s.name == "date"] == []
    signals = []
    text_dates(signals, {"main": "Pressemitteilung. Pressemitteilung vom 20.01.2022 zur Lage."}, "Pressemitteilung", "P")
    assert [s.value for s in signals if s.name == "date"] == ["20.01.2022"]   # "vom": a byline


# ---------------------------------------------------------------------------- words that are not the site's own
RULES = ('[[rules]]\nid = "old-name"\nkind = "term"\nterms = ["Harbour Foundation"]\nreplacement = "Harbourside Trust"\n'
         '[[rules]]\nid = "style"\nkind = "term"\nterms = ["master", "crippled"]\nreplacement = "main"\n'
         '[[rules]]\nid = "phone"\nkind = "pattern"\npattern = "\\\\b01632\\\\s?960000\\\\b"\n')


def _findings(tmp_path, body: str, rules: str = RULES) -> dict[str, tuple[str, list]]:
    """rule -> (severity, [(region, deliberate or None)]) of the findings of one page."""
    from analysis.rules.engine import Reporter
    from analysis.rules.page import page_from_html
    from tests.test_rules_builtin import engine

    e = engine(tmp_path, rules)
    html = f"<html><head><title>T</title></head><body><main>{body}</main></body></html>".encode()
    rep = Reporter(e, "x", "https://www.x.example/")
    rep.add(e.page(page_from_html(html, "https://www.x.example/about/")))
    return {f.rule: (f.severity, [(m["region"], m.get("deliberate")) for m in f.evidence["matches"]])
            for f in rep.findings() if f.rule.startswith("rules.")}


def test_a_name_in_a_quotation_is_someone_elses_words(tmp_path):
    quote = '<blockquote><p>"The Harbour Foundation saved our pier."</p><cite>Evening Post, 2015</cite></blockquote>'
    inline = '<p>The mayor called it <q>the Harbour Foundation miracle</q>.</p>'
    assert _findings(tmp_path, quote + inline)["rules.old-name"][0] == "info"
    # the site's own sentence beside the quotation is still to change, and listed first
    severity, matches = _findings(tmp_path, "<p>Give to the Harbour Foundation today.</p>" + quote)["rules.old-name"]
    assert severity == "medium" and matches[0] == ("content", None) and matches[1][1].startswith("in a quotation")
    # a banned word too, not a pattern (an old number quoted is still a number to call)
    found = _findings(tmp_path, "<blockquote>A crippled pier. Call 01632 960000.</blockquote>")
    assert found["rules.style"][0] == "info" and found["rules.phone"][0] != "info"


def test_words_in_a_code_sample_are_code(tmp_path):
    sample = '<p>Set the branch:</p><pre><code>git push origin master\n# or call 01632 960000</code></pre>'
    found = _findings(tmp_path, sample)
    assert found["rules.style"] == ("info", [("code", found["rules.style"][1][0][1])])
    assert found["rules.phone"][0] == "info"
    # prose beside the sample is still prose
    severity, matches = _findings(tmp_path, "<p>Merge into master first.</p>" + sample)["rules.style"]
    assert severity == "medium" and matches[0] == ("content", None)
    # a rule that asks for code samples (where names "code") lists them
    asked = RULES.replace('replacement = "main"\n', 'replacement = "main"\nwhere = ["content", "code"]\n')
    assert _findings(tmp_path, sample, asked)["rules.style"][0] == "medium"
    # a pattern rule reading only the content leaves the sample alone
    content_only = RULES + 'where = ["content"]\n'
    assert "rules.phone" not in _findings(tmp_path, sample, content_only)


@pytest.mark.parametrize("text, on_purpose", [
    ("under the Chronically Crippled Persons (Access) Regulations 1981, councils", True),
    ("the Crippled Children Act of 1960 gave", True),
    ("Crippled boats are towed free. The Harbours Act 1964 says so.", False),   # a sentence, then another law
    ("the crippled children Act 1970", False),                                  # not written as a title
])
def test_a_banned_word_in_the_title_of_a_law_is_its_name(tmp_path, text, on_purpose):
    severity, _ = _findings(tmp_path, f"<p>{text}</p>")["rules.style"]
    assert (severity == "info") == on_purpose


@pytest.mark.parametrize("script, seen", [
    ("/* Lodash 4.17+ and jQuery 1.9+ removed $.browser: test for old IE here */", []),    # a remark, not a banner
    ("// needs jQuery v1.7 or later\n$(function(){});", []),                               # a range
    ("/*! jQuery v1.9.1 | (c) 2005, 2012 jQuery Foundation, Inc. */", [("jquery", "1.9.1")]),
    ("/*\n * jQuery JavaScript Library v1.4.2\n * http://jquery.com/\n */", [("jquery", "1.4.2")]),
    ("//! moment.js\n//! version : 2.18.1", [("moment", "2.18.1")]),
])
def test_a_library_banner_is_a_header_with_a_release_not_a_remark(script, seen):
    assert [(s.technology, s.version) for s in from_banners(f"<script>{script}</script>")] == seen


def test_an_inline_script_wrapped_in_an_html_comment_is_still_javascript():
    html = "<script>\n<!--//--><![CDATA[//><!--\n/*! jQuery v1.8.3 */ ga('create', 'UA-1-1');\n//--><!]]>\n</script>"
    assert [(s.technology, s.version) for s in from_banners(html)] == [("jquery", "1.8.3")]
    assert not from_banners("<!-- <script>/*! jQuery v1.8.3 */</script> -->")   # a commented-out script is not


def test_a_pattern_rule_can_read_only_the_scripts(tmp_path):
    from analysis.rules.page import page_from_html
    from tests.test_rules_builtin import engine

    e = engine(tmp_path, '[[rules]]\nid = "ua"\nkind = "pattern"\npattern = "\\\\bUA-\\\\d{4,9}-\\\\d{1,4}\\\\b"\nwhere = ["scripts"]\n')

    def found(body: str) -> list[str]:
        html = f"<html><head><title>T</title></head><body><main>{body}</main></body></html>".encode()
        return [h.region for h in e.page(page_from_html(html, "https://www.x.example/p/")).hits]

    assert found("<p>Our old property (UA-1234567-1) stopped collecting data.</p>") == []   # prose about it
    assert found("<script>ga('create', 'UA-1234567-1', 'auto');</script>") == ["scripts"]
    assert found('<script async src="https://www.googletagmanager.com/gtag/js?id=UA-7654321-3"></script>') == ["scripts"]


def test_an_archived_copy_keeps_its_old_copyright_as_information(tmp_path):
    from analysis import outdated
    from analysis.outdated_common import Context
    from foundation.settings import Outdated
    from tests.test_outdated_precision import NOW, Page, PageInput

    def page(uid: int, path: str) -> Page:
        url = "https://www.x.example" + path
        return Page(uid, url, "x", "T", "T", "en", PageInput(url=url, fetched_at=NOW, signals=[], lang="en"), main_text="", role="listing")

    pages = [(page(i, f"/p{i}/"), (2026, "© 2026")) for i in range(1, 9)]
    pages += [(page(20, "/old/2008/"), (2008, "© 2008")), (page(21, "/shop/"), (2008, "© 2008"))]
    found = outdated.old_copyright(pages, Context.from_config(Outdated(), NOW), "x", "https://www.x.example/",
                                   archived=lambda ids: {20} & set(ids))
    assert sorted((f.subject_url.rsplit("/", 2)[-2], f.severity) for f in found) == [("2008", "info"), ("shop", "low")]


@pytest.mark.parametrize("text, on_purpose", [
    ("Our café is run by Harbour Foundation Trading Limited (company no. 01234567).", True),   # a registered company
    ("The minutes of the Harbour Foundation from 1998 to 2019 are at the county archives.", True),   # its years
    ("Harbour Foundation from 2024 onwards runs the café.", False),
    ("Harbour Foundation runs the café on Limited Lane.", False),
])
def test_a_company_name_and_the_years_of_a_name_are_its_history(tmp_path, text, on_purpose):
    severity, _ = _findings(tmp_path, f"<p>{text}</p>")["rules.old-name"]
    assert (severity == "info") == on_purpose


@pytest.mark.parametrize("text, on_purpose", [
    ("Our number has changed. The old number, 01632 960000, is no longer in use: please call 01632 960999.", True),
    ("Please note that 01632 960000 has been discontinued; call 01632 960999.", True),
    ("Our previous switchboard 01632 960000 was replaced by the contact centre.", True),
    ("Call us on 01632 960000 for bookings.", False),                    # the old number, used
    ("Call 01632 960000. Our fax is no longer in use.", False),          # another thing's retirement, another sentence
])
def test_a_pattern_match_told_as_the_old_one_is_a_notice_of_the_change(tmp_path, text, on_purpose):
    severity, matches = _findings(tmp_path, f"<p>{text}</p>")["rules.phone"]
    assert (severity == "info") == on_purpose, matches
