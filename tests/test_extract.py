"""Single-pass HTML fact extraction: regions, links, texts and raw date signals."""
from __future__ import annotations

from foundation.reading.dates import MAX_SIGNALS
from foundation.reading.page import extract_html

PAGE = b"""<!DOCTYPE html><html lang="en-GB"><head>
<meta charset="utf-8"><title>  Annual   report
 2019 </title>
<meta name="description" content="What we did">
<meta name="robots" content="noindex, follow">
<meta name="generator" content="Drupal 7 (https://www.drupal.org)">
<meta property="article:modified_time" content="2021-04-05T10:00:00+01:00">
<meta name="viewport" content="width=device-width">
<meta name="DC.date.issued" content="2019-01-31">
<link rel="canonical" href="/reports/2019">
<link rel="alternate" hreflang="de" href="/de/berichte/2019">
<base href="https://www.example.org/reports/">
<script type="application/ld+json">{"@context":"https://schema.org","@graph":[
  {"@type":"WebPage","dateModified":"2021-04-05"},
  {"@type":"Event","name":"Summer fair","startDate":"2019-06-14T10:00","location":{"@type":"Place"}}]}</script>
<script type="application/ld+json">{ not json </script>
<style>.x{color:red}</style>
</head><body>
<div id="header"><a href="/">Home</a></div>
<nav role="navigation"><ul><li><a href="/about">About <b>us</b></a></li></ul></nav>
<div class="sidebar"><a href="/related">Related</a></div>
<main>
<article>
<header><h1>Annual <em>report</em> 2019</h1><p class="post-date">Posted 31 January 2019</p></header>
<p>Our year. Last updated: 5 April 2021. <a href="2019.pdf" target="_blank" rel="noopener nofollow">PDF version</a>
<a href="https://partner.example/"><img src="/logo-partner.png" alt="Partner logo"></a></p>
<p itemprop="datePublished" content="2019-01-31">31/01/2019</p>
<time datetime="2019-06-14">14 June</time>
<script>var hidden = "not text";</script><noscript>Enable JS</noscript>
<form action="/search"><input name="q"></form>
<iframe src="/embed/video" title="Our video"></iframe>
<footer><p>Filed under reports</p></footer>
</article>
</main>
<footer role="contentinfo"><p>\xc2\xa9 2005 - 2019 Example Org. <a href="/privacy">Privacy</a></p></footer>
</body></html>"""


def facts():
    return extract_html(PAGE, "text/html; charset=utf-8", "https://www.example.org/reports/2019/01/annual")


def test_head_metadata():
    f = facts()
    assert f.title == "Annual report 2019"
    assert f.meta_description == "What we did"
    assert f.meta_robots == "noindex, follow"
    assert f.generator == "Drupal 7 (https://www.drupal.org)"
    assert f.canonical == "/reports/2019"
    assert f.base_href == "https://www.example.org/reports/"
    assert f.lang == "en-GB"
    assert f.h1 == "Annual report 2019" and f.h1_count == 1
    assert f.encoding == "utf-8"


def test_links_with_kind_anchor_and_region():
    links = {(l.kind, l.href): l for l in facts().links}
    assert links[("a", "/")].position == "header"          # id="header"
    assert links[("a", "/about")].position == "nav" and links[("a", "/about")].anchor == "About us"
    assert links[("a", "/related")].position == "aside"    # class="sidebar"
    pdf = links[("a", "2019.pdf")]
    assert pdf.position == "main" and pdf.new_window and pdf.nofollow and pdf.rel == "noopener nofollow"
    assert links[("a", "https://partner.example/")].anchor == "Partner logo"  # image link: alt text
    assert links[("img", "/logo-partner.png")].anchor == "Partner logo"
    assert links[("form", "/search")].position == "main"
    assert links[("iframe", "/embed/video")].anchor == "Our video"
    assert links[("link", "/de/berichte/2019")].rel == "alternate" and links[("link", "/de/berichte/2019")].anchor == "de"
    assert links[("link", "/reports/2019")].position == "head"
    assert links[("a", "/privacy")].position == "footer"   # role=contentinfo
    ordinals = [l.ordinal for l in facts().links]
    assert ordinals == sorted(ordinals) == list(range(len(ordinals)))


def test_template_words_in_a_class_or_id_are_read_in_any_ascii_case_only():
    """The region query tests the words in C (Lexbor's "i": ASCII case); Python's tokens test agrees with it: an
    upper-case class names a region, a look-alike letter ('ſ' for 's') neither does nor breaks the page."""
    f = extract_html(b'<html><body><div class="Site-Header"><a href="/h">h</a></div><div id="MainNav"><a href="/n">n</a>'
                     b'</div><div class="navbar-x \xc5\xbfidebar"><a href="/s">s</a></div><div id="\xc5\xbfidebar" class="nav-item">'
                     b'<a href="/t">t</a></div><main><p>x</p></main></body></html>')
    assert f.error is None
    assert [(l.href, l.position) for l in f.links] == [("/h", "header"), ("/n", "nav"), ("/s", "body"), ("/t", "body")]


def test_texts_by_region():
    f = facts()
    main = f.texts["main"]
    assert main.startswith("Annual report 2019 Posted 31 January 2019 Our year.")  # the article's own header is content
    assert "Filed under reports" in main                                         # ... and its footer
    assert "not text" not in main and "Enable JS" not in main and "color:red" not in main
    assert f.texts["nav"] == "About us"
    assert "Example Org" in f.texts["footer"] and "Example Org" not in main
    assert f.word_count == len(main.split())
    assert f.text_hash and len(f.text_hash) == 24


def test_date_signals_are_raw_and_labelled():
    sig = {(s.source, s.name, s.value) for s in facts().signals}
    assert ("meta", "article:modified_time", "2021-04-05T10:00:00+01:00") in sig
    assert ("meta", "DC.date.issued", "2019-01-31") in sig
    assert not any(s[1] == "viewport" for s in sig)
    assert ("jsonld", "dateModified", "2021-04-05") in sig
    assert ("jsonld", "startDate", "2019-06-14T10:00") in sig
    assert ("jsonld", "error", "invalid JSON-LD") in sig
    assert ("microdata", "datePublished", "2019-01-31") in sig
    assert ("time", "datetime", "2019-06-14") in sig and ("time", "text", "14 June") in sig
    assert ("class", "post-date", "Posted 31 January 2019") in sig
    assert ("copyright", "notice", "\u00a9 2005 - 2019") in sig
    assert ("url", "path", "2019/01") in sig
    texts = [s[2] for s in sig if s[0] == "text"]
    assert any(t.startswith("Last updated: 5 April 2021") for t in texts)
    contexts = {s.name: s.context for s in facts().signals if s.source == "jsonld"}
    assert contexts["startDate"] == "Event"


def test_meta_refresh_is_a_link():
    f = extract_html(b'<html><head><meta http-equiv="refresh" content="0; url=/new-home/"></head><body></body></html>')
    assert f.refresh == "/new-home/"
    assert [(l.kind, l.href) for l in f.links] == [("meta-refresh", "/new-home/")]


def test_an_element_is_one_link_and_a_lazy_image_is_two():
    """An <img> with both src and data-src was matched by two selectors and recorded twice as its src; now its
    placeholder and the lazy-loaded picture are both links (a broken picture is found), each once."""
    f = extract_html(b'<html><body><main><img src="/blank.gif" data-src="/photos/team.jpg" alt="Our team">'
                     b'<img src="/same.png" data-src="/same.png"><img src="" data-src="/only-lazy.png">'
                     b'<a href="/x" rel="nofollow" target="_blank">x</a></main></body></html>')
    assert [(l.ordinal, l.kind, l.href, l.anchor, l.position) for l in f.links] == [
        (0, "img", "/blank.gif", "Our team", "main"), (1, "img", "/photos/team.jpg", "Our team", "main"),
        (2, "img", "/same.png", None, "main"), (3, "img", "/only-lazy.png", None, "main"), (4, "a", "/x", "x", "main")]
    assert f.links[4].nofollow and f.links[4].new_window
    blank = extract_html(b'<html><body><img src="  " data-src=" /lazy.png "><img src=" " data-src=""></body></html>')
    assert [(l.kind, l.href) for l in blank.links] == [("img", "/lazy.png")]   # a blank src is no link; data-src is


def test_no_main_element_means_everything_outside_the_template_is_main():
    f = extract_html(b"<html><body><nav><a href='/a'>A</a></nav><div><p>Body text <a href='/b'>B</a></p></div></body></html>")
    assert f.texts["main"] == "Body text B"
    assert [l.position for l in f.links] == ["nav", "main"]


def test_bad_input_never_raises():
    assert extract_html(b"").error == "empty document"
    assert extract_html(b"   \n ").error == "empty document"
    f = extract_html(bytes(range(256)) * 50, "text/html")
    assert f.error is None or "unparseable" in f.error
    deep = b"<div>" * 5000 + b"deep" + b"</div>" * 5000
    assert extract_html(deep).error is None


def test_hundreds_of_dates_stay_bounded():
    body = "".join(f"<p>Updated on {d % 28 + 1} May 20{d % 30:02d}. <time datetime='2019-05-{d % 28 + 1:02d}'>x</time></p>" for d in range(3000))
    f = extract_html(f"<html><body><main>{body}</main></body></html>".encode())
    assert len(f.signals) == MAX_SIGNALS
    assert f.word_count > 10_000


def test_without_dates_the_same_facts_and_no_date_signals():
    f, g = facts(), extract_html(PAGE, "text/html; charset=utf-8", "https://www.example.org/reports/2019/01/annual", dates=False)
    assert f.signals and g.signals == []
    assert (g.links, g.texts, g.title, g.h1, g.h1_count, g.lang, g.canonical, g.base_href, g.meta_description) == (
        f.links, f.texts, f.title, f.h1, f.h1_count, f.lang, f.canonical, f.base_href, f.meta_description)


def test_encodings_give_the_same_facts():
    """A UTF-8 body is parsed as it came; any other (a BOM, bytes that are not UTF-8, another charset) is decoded
    first: the facts are the same."""
    page = "<html lang='de'><head><title>Grüße</title></head><body><main><h1>Änderung</h1><p>Stand: 5. März 2020</p></main></body></html>"
    utf8 = extract_html(page.encode("utf-8"), "text/html; charset=utf-8")
    bom = extract_html(b"\xef\xbb\xbf" + page.encode("utf-8"), "text/html")
    latin = extract_html(page.encode("cp1252"), "text/html; charset=windows-1252")
    assert utf8.title == bom.title == latin.title == "Grüße"
    assert utf8.h1 == bom.h1 == latin.h1 == "Änderung"
    assert utf8.signals == bom.signals == latin.signals
    assert ("text", "phrase", "Änderung Stand: 5. März 2020") in [(s.source, s.name, s.value) for s in utf8.signals]
    broken = extract_html(page.encode("utf-8").replace("Grüße".encode(), b"Gr\xfc\xdfe"), "text/html; charset=utf-8")
    assert broken.title == "Gr\ufffd\ufffde" and broken.h1 == "Änderung"
