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
