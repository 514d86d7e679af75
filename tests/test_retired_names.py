"""A retired name named on purpose is not a list item (analysis/rules/mentions.py, analysis/retired_names.py).

The words around a mention first (unit), then a small local site crawled and analysed for real: the page that
announces the new name, an "About" page's history, a footer "formerly ...", a news listing showing old headlines,
old news articles and one written after the change, beside pages that really still use the old name.
"""
from __future__ import annotations

import json

import pytest

from analysis.rules.mentions import CHANGE, NEW_NAME, PASSAGE, TOLD, _quoted, deliberate, passage
from foundation.team_rules import Term
from tests.conftest import crawl, query, run_decay, write_config

OLD = Term("Harbour Foundation", "smart", "Harbourside Trust")


def why(text: str, term: Term = OLD) -> str | None:
    s = text.index(term.text)
    return deliberate(text, s, s + len(term.text), term)


@pytest.mark.parametrize("text", [
    "Harbourside Trust (formerly Harbour Foundation), 4 Quay Street",
    "Harbourside Trust is the operating name of Harbour Foundation, registered charity 1234567.",   # the legal name
    "Our registered name is still Harbour Foundation.",
    "The Harbourside Trust replaced the Harbour Foundation in 2021.",
    "We were founded in 1998 as the Harbour Foundation by three fishermen.",
    "Founded as Harbour Foundation, the trust has grown.",
    "From today, Harbour Foundation is called Harbourside Trust.",
    "Harbour Foundation is now Harbourside Trust",
    "Harbour Foundation has changed its name. Read more.",
    "In May the Harbour Foundation was renamed; our work goes on.",
    "Our old name, Harbour Foundation, is still on some signs.",
    "The charity was known as Harbour Foundation until 2019.",
    "In 1998 the then Harbour Foundation bought the boathouse.",
    "The charity, then called the Harbour Foundation, grew.",
    "We used to be called Harbour Foundation.",
    "You may know us as the Harbour Foundation.",
    "Until 2019 we were the Harbour Foundation.",
    "We were known until 2019 as the Harbour Foundation.",
    "Established 1998 as the Harbour Foundation.",
    "founded in 1998 by three local fishermen as the Harbour Foundation",
    "Harbour Foundation (1998–2019)",
    "Harbourside Trust (previously Harbour Foundation)",
    "Harbour Foundation – now Harbourside Trust",
    "Our charity (Harbour Foundation until 2019) looks after the quay.",
    "Harbour Foundation is changing its name to Harbourside Trust.",
    "We're renaming Harbour Foundation.",
    "Meet the new name for Harbour Foundation: Harbourside Trust.",
    "Harbour Foundation's new name is Harbourside Trust.",
    "Harbourside Trust, the charity that has looked after the quay, the beach and the boathouse for more than twenty "
    "years, was until 2019 called the Harbour Foundation",
])
def test_a_name_said_with_its_change_of_name_is_deliberate(text):
    assert why(text)


@pytest.mark.parametrize("text", [
    "Harbour Foundation is proud to work with local and national organisations.",
    "Our trustees have guided Harbour Foundation since 1998. They meet four times a year.",
    "Harbour Foundation is now open on Sundays.",                    # "is now" without the new name
    "Harbour Foundation became a charity in 2001.",                  # "became" without the new name
    "Donate to Harbour Foundation. Harbourside Trust volunteers will call you.",   # another sentence
    "Harbour Foundation news | Harbourside Trust",                   # a title's site name is not the same sentence
    "© 2018 Harbour Foundation. Registered charity in England and Wales.",
    # words that look like cues but are about something else (found by a review; each a current use to change)
    "Leave a legacy to Harbour Foundation in your will.",
    "Harbour Foundation legacy giving",
    "Legacy Officer, Harbour Foundation",
    "Harbour Foundation no longer accepts cheques.",
    "Harbour Foundation was removed from the list of endangered charities.",
    "Meet Jane, retired, Harbour Foundation volunteer.",
    "Once Harbour Foundation volunteers arrive, we start.",
    "Previously, Harbour Foundation ran two shops.",
    "Harbour Foundation renamed its boats last year.",
    "Harbour Foundation rebranded its newsletter as The Quay",
    "We started in 2010 as Harbour Foundation volunteers.",
    "Port your number from Harbour Foundation Mobile.",
    # the two names side by side: the problem itself, not a change
    "Join Harbour Foundation and Harbourside Trust at the Quay Festival.",
    "Harbour Foundation shop: Harbourside Trust members get 10% off",
    "Harbour Foundation is now open on weekends at Harbourside Trust cafe",
    "Harbour Foundation works as Harbourside Trust's partner",
    "Harbourside Trust: Harbour Foundation shop",
    # found by a second review: each a current use
    "Harbour Foundation no longer operates the Sunday ferry.",
    "Harbour Foundation has discontinued its paper newsletter.",
    "Harbour Foundation is not supported by any government grant.",
    "Internet Explorer is no longer supported on the Harbour Foundation website.",
    "Harbour Foundation will be called on to help.",
    "Harbour Foundation is now known as one of the leading charities.",
    "Harbour Foundation has a new name for its cafe.",
    "I then called Harbour Foundation about the fair.",
    "Jane was named Harbour Foundation Volunteer of the Year.",
    "Registered with the Charity Commission as Harbour Foundation.",
    "Instead of the Harbour Foundation Christmas card, send an e-card.",
    "Home About Harbour Foundation Events Donate now Harbourside Trust shop",
])
def test_a_name_used_as_the_name_is_not(text):
    assert why(text) is None


def test_a_new_name_after_a_later_mention_is_that_mention_s():
    listing = "more news " * 30 + "Harbour Foundation opens community boathouse 18 March 2015 Harbour Foundation is now " \
        "Harbourside Trust 6 May 2019 " + "more news " * 30
    first = listing.index("Harbour Foundation")
    second = listing.index("Harbour Foundation", first + 1)
    assert deliberate(listing, first, first + 18, OLD) is None
    assert deliberate(listing, second, second + 18, OLD).startswith(NEW_NAME)


def test_house_style_replacements_are_not_names_and_chinese_sentences_end_at_their_full_stop():
    from analysis.rules.mentions import is_name

    assert not is_name("BAME", "ethnic minority") and is_name("harbour foundation", "Harbourside Trust")
    api = Term("DataSet API", "smart", "DataStream API")
    assert why("Flink 提供 DataSet API 进行批处理。Scala API 已被 deprecated", api) is None


def test_deprecated_and_renamed_products_on_flink():
    api = Term("DataSet API", "smart", "DataStream API")
    assert why("The DataSet API has been already formally deprecated and will be removed in the Flink 2.0", api)
    assert why("The community proposes to deprecate the DataSet API in favor of the Table API", api)
    assert why("how to migrate a pipeline from the DataSet API to the DataStream API", api)
    assert why("One major change is that the DataSet API is not supported anymore.", api)
    assert why("Flink 2.0 will remove long deprecated APIs, including: The DataSet API, all Scala APIs", api)
    assert why("Flink's DataStream API or DataSet API provide more low-level control.", api) is None   # current use
    store = Term("Flink Table Store", "smart", "Apache Paimon")
    assert why("Flink Table Store joined the Apache incubator as an independent project called Apache Paimon.", store)


def test_a_page_that_tells_the_history_and_then_uses_the_old_name():
    from pathlib import Path

    from analysis.rules.engine import Engine
    from analysis.rules.page import page_from_html
    from foundation.settings import Checks, Rule
    from foundation.team_rules import RuleSet, compile_one

    rule, problems = compile_one(Rule(id="old", kind="term", terms=["Harbour Foundation"], replacement="Harbourside Trust"),
                                 Path("org.toml"), "rules[0]")
    assert not problems
    engine = Engine(RuleSet([rule], Checks()))
    page = page_from_html(b"<html><head><title>About us</title></head><body><main><p>We were founded in 1998 as the "
                          b"Harbour Foundation. Harbour Foundation volunteers clean the beach on Sundays.</p></main></body></html>",
                          "https://www.h.example/about/", "text/html")
    hits = engine.page(page).hits
    assert [bool(h.extra.get("deliberate")) for h in hits] == [True, False]


def test_only_names_are_named_on_purpose():
    word = Term("utilise", "smart", "use")
    assert why("Formerly utilise was fine; use what you use.", word) is None
    assert why("Formerly Harbour Foundation.", Term("Harbour Foundation", "smart", "")) is not None   # a name, no replacement
    assert why("harbour foundation, now called Harbourside Trust", Term("harbour foundation", "smart", "Harbourside Trust"))


def test_the_mentions_leading_up_to_the_change_are_part_of_its_story_not_the_ones_after():
    told = {"deliberate": f'{NEW_NAME} ("is now X")'}
    spans = [(10, 20, {}), (PASSAGE + 100, PASSAGE + 110, {}), (PASSAGE + 200, PASSAGE + 210, told), (PASSAGE + 300, PASSAGE + 310, {})]
    passage(spans)
    assert "deliberate" not in spans[0][2]             # too far before
    assert spans[1][2]["deliberate"] == TOLD           # leads up to it
    assert "deliberate" not in spans[3][2]             # after it: the old name used again


def test_a_mention_inside_a_link_that_quotes_the_linked_title():
    anchors = [("Harbour Foundation opens community boathouse", "https://h.example/news/2015/boathouse/",
                "Harbour Foundation opens community boathouse | Harbourside Trust"),
               ("About us", "https://h.example/about/", "About Harbour Foundation")]
    ctx = "…report is out 2 November 2016 «Harbour Foundation» opens community boathouse 18 March 2015 Older…"
    assert _quoted("Harbour Foundation", ctx, anchors)[0] == "https://h.example/news/2015/boathouse/"
    # the same words outside a link, or a link whose page's title does not name it: not quoted
    assert _quoted("Harbour Foundation", "Our partners «Harbour Foundation» is proud to work", anchors) is None
    assert _quoted("Harbour Foundation", "«Harbour Foundation» opens community boathouse",
                   [(a, u, "Boathouse opens | Harbourside Trust") for a, u, _ in anchors[:1]]) is None
    # French quotes in the page itself do not move the match
    ctx = "…Le journal « Ouest-France » parle de «Harbour Foundation» opens community boathouse 18 March 2015"
    assert _quoted("Harbour Foundation", ctx, anchors)[0] == "https://h.example/news/2015/boathouse/"
    # a link that is the name alone (a menu's, a logo's) is the name in use, whatever the linked page's title
    assert _quoted("Harbour Foundation", "…Our trustees have guided «Harbour Foundation» since 1998…",
                   [("Harbour Foundation", "https://h.example/", "Harbour Foundation | Home")]) is None


# ------------------------------------------------------------------ a site, crawled and analysed
HEAD = '<meta charset="utf-8">'
NAV = ('<nav><a href="/">Home</a> <a href="/news/">News</a> <a href="/about/">About</a> <a href="/partners/">Partners</a> '
       '<a href="/history/">Harbour Foundation history</a></nav>')   # a menu link written by hand, still the old name


def page(title: str, main: str, footer: str = "Harbourside Trust, 4 Quay Street", head: str = "") -> str:
    return (f"<!DOCTYPE html><html lang='en'><head>{HEAD}<title>{title}</title>{head}</head><body>{NAV}"
            f"<main>{main}</main><footer><p>{footer}</p></footer></body></html>")


def article(day: str) -> str:
    return f'<meta property="article:published_time" content="{day}T09:00:00+00:00">'


SITE = {
    "index.html": page("Harbourside Trust", "<h1>Welcome</h1><p>Looking after the coast since 1998.</p>"
                       '<p><a href="/news/">All the news</a></p>'),
    "news/index.html": page("News | Harbourside Trust", "<h1>News</h1><ul>"
                            '<li><a href="/news/2024/05/summer-fair/">Summer fair on the quay</a> 2 May 2024</li>'
                            '<li><a href="/news/2019/05/new-name/">Harbour Foundation is now Harbourside Trust</a> 6 May 2019</li>'
                            '<li><a href="/news/2015/03/boathouse/">Harbour Foundation opens community boathouse</a> 18 March 2015</li>'
                            "</ul>"),
    "news/2015/03/boathouse/index.html": page(
        "Harbour Foundation opens community boathouse | Harbourside Trust",
        "<h1>Harbour Foundation opens community boathouse</h1><p>Posted on 18 March 2015</p>"
        "<p>The Harbour Foundation opened its boathouse on the quay today.</p>", head=article("2015-03-18")),
    "news/2019/05/new-name/index.html": page(
        "Harbour Foundation is now Harbourside Trust | Harbourside Trust",
        "<h1>Harbour Foundation is now Harbourside Trust</h1><p>Posted on 6 May 2019</p>"
        "<p>From today, Harbour Foundation is called Harbourside Trust. Our work goes on.</p>", head=article("2019-05-06")),
    "news/2024/05/summer-fair/index.html": page(
        "Summer fair on the quay | Harbourside Trust",
        "<h1>Summer fair on the quay</h1><p>Posted on 2 May 2024</p>"
        "<p>Come to the Harbour Foundation summer fair on the quay.</p>", head=article("2024-05-02")),
    "about/index.html": page("About us | Harbourside Trust",
                             "<h1>About us</h1><p>We were founded in 1998 as the Harbour Foundation by three fishermen. "
                             "Today we look after forty miles of coast.</p>",
                             footer="Harbourside Trust (formerly Harbour Foundation), 4 Quay Street"),
    "partners/index.html": page("Partners | Harbourside Trust",
                                "<h1>Our partners</h1><p>Harbour Foundation is proud to work with local organisations.</p>",
                                footer="Harbourside Trust (formerly Harbour Foundation), 4 Quay Street"),
    "history/index.html": page("Harbour Foundation history | Harbourside Trust",
                               "<h1>Our history</h1><p>The boathouse was built in 1998.</p>"),
    "team/index.html": page("Team | Harbourside Trust",
                            "<h1>Team</h1><p>Our trustees have guided Harbour Foundation since 1998.</p>",
                            footer="Harbourside Trust (formerly Harbour Foundation), 4 Quay Street"),
}
PROD = "https://www.renamed.example"


@pytest.fixture(scope="module")
def analysed(tmp_path_factory):
    from decay.localserver import LocalSite

    root = tmp_path_factory.mktemp("renamed-site")
    for rel, html in SITE.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(html, encoding="utf-8")
    (root / "index.html").write_text(SITE["index.html"].replace(
        "</main>", '<p><a href="/about/">About</a> <a href="/partners/">Partners</a> <a href="/team/">Team</a></p></main>'),
        encoding="utf-8")
    s = LocalSite(root=root).start()
    tmp = tmp_path_factory.mktemp("renamed-run")
    db = tmp / "decay.db"
    url = s.url
    try:
        cfg = write_config(tmp / "crawl.toml", CONFIG.format(prod=PROD, url=url, extra=""))
        r = crawl(cfg, db)
    finally:
        s.stop()
    assert r.returncode == 0, r.stdout + r.stderr
    out = {}
    for label, extra in (("inferred", ""), ("explicit", 'retired_on = "2020-01-01"')):
        cfg = write_config(tmp / f"{label}.toml", CONFIG.format(prod=PROD, url=url, extra=extra))
        a = run_decay("analyse", "--config", str(cfg), "--db", str(db), "--now", "2026-12-01")
        assert a.returncode == 0, a.stdout + a.stderr
        found = {row["subject_url"].split("/", 3)[3] if row["subject_type"] == "page" else "template:" + row["title"].split(": ")[-1]:
                 dict(row, evidence=json.loads(row["evidence"]))
                 for row in query(db, "SELECT * FROM findings WHERE rule = 'rules.old-name' AND status = 'open'")}
        listed = {row["subject_url"].split("/", 3)[3] for row in query(
            db, "SELECT subject_url FROM cleanup WHERE rules LIKE '%rules.old-name%'")}
        out[label] = {"found": found, "listed": listed}
    return out


CONFIG = """
[organisation]
name = "Harbourside Trust"
[[sites]]
name = "renamed"
start_urls = ["{prod}/"]
aliases = {{ "{prod}" = "{url}" }}
check_external_links = false
[crawl]
autothrottle = false
[[rules]]
id = "old-name"
kind = "term"
terms = ["Harbour Foundation"]
replacement = "Harbourside Trust"
{extra}
"""


def test_the_pages_that_really_use_the_old_name_are_listed(analysed):
    for run in analysed.values():
        assert {"partners/", "team/"} <= run["listed"]
        assert run["found"]["partners/"]["severity"] == "medium"


def test_the_announcement_the_history_and_the_footer_formerly_are_not(analysed):
    for run in analysed.values():
        found, listed = run["found"], run["listed"]
        for url in ("news/2019/05/new-name/", "about/", "news/"):
            assert found[url]["severity"] == "info", (url, found[url]["message"])
            assert url not in listed
            assert found[url]["evidence"]["named_on_purpose"] == found[url]["evidence"]["hits"]
            assert all(m["deliberate"] for m in found[url]["evidence"]["matches"])
        assert "nothing to change" in found["about/"]["message"]
        # the news listing's old headlines: quoted from the articles they link to, which decide
        quoted = [m for m in found["news/"]["evidence"]["matches"] if m.get("quoted_from")]
        assert any(m["quoted_from"].endswith("/news/2015/03/boathouse/") for m in quoted)
        # "Harbourside Trust (formerly Harbour Foundation)" in every footer: one template finding, information
        assert found["template:footer"]["severity"] == "info" and "formerly" in found["template:footer"]["message"]
        # the menu's "Harbour Foundation history", linking to a page whose title says the same: written by hand, so
        # not a quote (only a dated post's title in a sidebar is); listed, as is the page's own title
        assert found["template:nav"]["severity"] == "medium" and "quoted_from" not in found["template:nav"]["evidence"]["match"]
        assert found["history/"]["severity"] == "medium" and "history/" in listed


def test_an_old_article_is_the_record_of_its_day_a_later_one_is_listed(analysed):
    inferred, explicit = analysed["inferred"], analysed["explicit"]
    # the day is the site's own announcement (2019-05-06), or the rule's retired_on
    old = inferred["found"]["news/2015/03/boathouse/"]
    assert old["severity"] == "info" and old["evidence"]["historical_record"] is True
    assert old["evidence"]["retired_on"] == "2019-05-06" and "announced the change" in old["message"]
    assert explicit["found"]["news/2015/03/boathouse/"]["evidence"]["retired_on"] == "2020-01-01"
    for run in (inferred, explicit):
        assert "news/2015/03/boathouse/" not in run["listed"]
        assert run["found"]["news/2024/05/summer-fair/"]["severity"] == "medium"   # written after the change
        assert "news/2024/05/summer-fair/" in run["listed"]


def test_a_replacement_that_is_one_of_the_terms_is_refused_and_retired_on_must_be_a_day(tmp_path):
    from foundation.settings import Rule
    from foundation.team_rules import compile_one

    _, problems = compile_one(Rule(id="old", kind="term", terms=["Harbour Foundation"], replacement="harbour foundation"),
                              tmp_path / "org.toml", 'rules[0] ("old")')
    assert [p.key for p in problems] == ['rules[0] ("old").replacement'] and "also one of the terms" in str(problems[0])
    _, problems = compile_one(Rule(id="old", kind="term", terms=["Harbour Foundation"], replacement="Harbourside Trust",
                                   retired_on="6 May 2019"), tmp_path / "org.toml", 'rules[0] ("old")')
    assert [p.key for p in problems] == ['rules[0] ("old").retired_on'] and "YYYY-MM-DD" in str(problems[0])
