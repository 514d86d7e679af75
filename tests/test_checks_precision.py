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
    ("Our latest report shows the rivers are cleaner.", ["our latest"]),
])
def test_claims_that_are_true_at_any_time_or_names_are_not_claims(text, claims):
    from analysis.outdated_claims import find_claims

    assert [n for n, _ in find_claims(text)] == claims
