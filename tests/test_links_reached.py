"""Pages visitors reach without a link are not orphans to retire, and pages that are parts of others are not dead
ends (an adversarial review of a council's site): a widget or map shown in an iframe, the thank-you page a form
sends people to, a print version (its canonical names the page), a soft-404 page, a page linked only with a
campaign's utm tags, pages a jump menu (<select>) or a listing's <link rel=next> leads to, an event a robots.txt-blocked
calendar may link to.  One real crawl of a site served on 127.0.0.1; the analysis as `decay analyse` runs it."""
from __future__ import annotations

import json
import sqlite3

import pytest

from decay.localserver import LocalSite
from tests.conftest import crawl, run_decay, write_config

PROD = "https://www.council.example"


def page(title: str, main: str, head: str = "", nav: bool = True) -> str:
    menu = '<nav><a href="/">Home</a> <a href="/bins/">Bins</a> <a href="/contact/">Contact</a> <a href="/events/calendar/">Events</a></nav>' if nav else ""
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>{head}</head><body>'
            f'{menu}<main><h1>{title}</h1>{main}</main></body></html>')


EVENT = '<script type="application/ld+json">{{"@type": "Event", "startDate": "{day}T18:00", "endDate": "{day}T21:00"}}</script>'
PAGES = {
    "index.html": page("Council", '<p>Welcome. <a href="/bins/garden-waste/?utm_source=homepage&utm_medium=banner">Renew '
                                  'garden waste</a> <a href="/news/">News</a> <a href="/council-tax/">Council tax</a></p>'),
    # a jump menu: the bands are reached by choosing one; a form's <select> is a field, its values no links
    "council-tax/index.html": page("Council tax", '<select onchange="location.href = this.value"><option value="">Choose a band'
                                                  '</option><option value="/council-tax/band-a/">Band A</option>'
                                                  '<option value="/council-tax/band-z/">Band Z</option></select>'
                                                  '<form action="/search/"><select name="in"><option value="/bins/hidden/">Bins'
                                                  '</option></select></form>'),
    "council-tax/band-a/index.html": page("Band A", "<p>Band A charges.</p>"),
    "bins/hidden/index.html": page("Hidden", "<p>Only a form's field names this address.</p>"),
    # the second page of a listing is reached by a "Load more" button; its <link rel=next> says where it goes
    "news/index.html": page("News", '<p><a href="/news/fresh/">Fresh news</a></p><button data-next="/news/page/2/">Load more'
                                    '</button>', head='<link rel="next" href="/news/page/2/">'),
    "news/fresh/index.html": page("Fresh news", "<p>Today.</p>"),
    "news/page/2/index.html": page("News, page 2", '<p><a href="/news/older/">Older news</a></p>',
                                   head='<link rel="prev" href="/news/">'),
    "news/older/index.html": page("Older news", "<p>Last month.</p>"),
    "bins/index.html": page("Bins", '<p>Collection days below.</p><iframe src="/bins/widget/"></iframe>'
                                    '<form action="/bins/thank-you/" method="post"><input name="street"></form>'
                                    '<p><a href="/bins/guide/">Guide</a></p>'),
    "bins/widget/index.html": page("Collection day finder", "<p>Enter your postcode.</p>", nav=False),
    "bins/thank-you/index.html": page("Thank you", "<p>We have your report.</p>"),
    "bins/guide/index.html": page("Bins guide", '<p>What goes in which bin. <a href="/bins/guide/print/">Print</a></p>'),
    "bins/guide/print/index.html": page("Bins guide (print)", "<p>What goes in which bin.</p>",
                                        head=f'<link rel="canonical" href="{PROD}/bins/guide/">', nav=False),
    "bins/garden-waste/index.html": page("Garden waste", "<p>Renew your subscription.</p>"),
    "contact/index.html": page("Contact", "<p>Call us.</p>"),
    "404.html": page("Page not found", "<p>Sorry.</p>", nav=False),
    "old-orphan/index.html": page("Old orphan", "<p>Nothing links here.</p>"),
    # robots.txt keeps crawlers out of the calendar, which links to every event: an old event there may be linked
    "events/calendar/index.html": page("Calendar", '<p><a href="/events/bonfire-night/">Bonfire night</a></p>'),
    "events/bonfire-night/index.html": page("Bonfire night", "<p>Fireworks by the river. Book your place.</p>",
                                            head=EVENT.format(day="2025-11-05")),
    "campaigns/old-fair/index.html": page("Old fair", "<p>Stalls and games. Book your place.</p>", head=EVENT.format(day="2025-06-14")),
}
SITEMAP = ["/", "/404.html", "/old-orphan/", "/council-tax/band-a/", "/news/older/", "/bins/hidden/", "/bins/garden-waste/", "/bins/thank-you/", "/events/bonfire-night/",
           "/campaigns/old-fair/"]


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    root = tmp_path_factory.mktemp("council-site")
    for name, html in PAGES.items():
        p = root / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(html, encoding="utf-8")
    entries = "".join(f"<url><loc>{PROD}{p}</loc></url>" for p in SITEMAP)
    (root / "robots.txt").write_text("User-agent: *\nDisallow: /events/calendar/\n")
    (root / "sitemap.xml").write_text(f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</urlset>')
    site = LocalSite(root=root).start()
    tmp = tmp_path_factory.mktemp("council-run")
    cfg = write_config(tmp / "org.toml", f"""
        [organisation]
        name = "Council"
        [[sites]]
        name = "council"
        start_urls = ["{PROD}/"]
        aliases = {{ "{PROD}" = "{site.url}" }}
        [crawl]
        autothrottle = false
        """)
    path = tmp / "decay.db"
    try:
        r = crawl(cfg, path)
        assert r.returncode == 0, r.stdout + r.stderr
        r = run_decay("analyse", "--config", str(cfg), "--db", str(path), "--now", "2026-12-08")
        assert r.returncode == 0, r.stdout + r.stderr
    finally:
        site.stop()
    return path


def findings(db, rule: str) -> dict[str, tuple[str, str]]:
    with sqlite3.connect(db) as conn:
        return {url.removeprefix(PROD): (sev, msg) for url, sev, msg in conn.execute(
            "SELECT subject_url, severity, message FROM findings WHERE rule = ? AND status = 'open'", [rule])}


def test_pages_reached_without_a_link_are_not_listed_orphans(db):
    orphans = findings(db, "links.orphan")
    assert orphans["/old-orphan/"][0] != "info"                     # a real orphan stays a list item
    assert orphans["/bins/widget/"][0] == "info" and "shown inside" in orphans["/bins/widget/"][1]
    assert orphans["/bins/thank-you/"][0] == "info" and "the form on" in orphans["/bins/thank-you/"][1]
    assert orphans.get("/404.html", ("info",))[0] == "info"         # a not-found page: nothing needs to link to it
    # a link with a campaign's tags is a link to the page itself: /bins/garden-waste/ is linked, one address
    assert "/bins/garden-waste/" not in orphans
    with sqlite3.connect(db) as conn:
        urls = [u for (u,) in conn.execute("SELECT url FROM pages WHERE url LIKE '%garden-waste%'")]
    assert urls == [PROD + "/bins/garden-waste/"]


def test_parts_of_other_pages_are_not_listed_dead_ends(db):
    ends = findings(db, "links.dead_end")
    assert ends["/bins/widget/"][0] == "info" and "shown inside" in ends["/bins/widget/"][1]
    assert ends["/bins/guide/print/"][0] == "info" and "canonical" in ends["/bins/guide/print/"][1]
    with sqlite3.connect(db) as conn:
        listed = {u.removeprefix(PROD) for (u,) in conn.execute("SELECT subject_url FROM cleanup")}
    assert not listed & {"/bins/widget/", "/bins/thank-you/", "/bins/guide/print/", "/404.html", "/bins/garden-waste/"}, listed


def test_an_old_page_a_page_the_crawl_could_not_read_may_link_to_is_not_removed(db):
    with sqlite3.connect(db) as conn:
        actions = {u.removeprefix(PROD): (a, todo) for u, a, todo in conn.execute("SELECT subject_url, action, todo FROM cleanup")}
    assert actions["/campaigns/old-fair/"][0] == "remove"            # obsolete, unlinked, nothing unread near it
    # robots.txt keeps the crawl out of the calendar that may link to it: not an orphan, only its expiry is listed
    severity, message = findings(db, "links.orphan")["/events/bonfire-night/"]
    assert severity == "info" and "/events/calendar/" in message and "robots.txt" in message
    assert actions["/events/bonfire-night/"][0] == "update"


def test_pages_a_script_opens_are_linked(db):
    orphans, islands = findings(db, "links.orphan"), findings(db, "links.orphan_island")
    # the jump menu's option is a link: its page is reached, and a broken one is a broken link
    assert "/council-tax/band-a/" not in orphans
    severity, message = findings(db, "links.broken_internal")["/council-tax/band-z/"]
    assert severity != "info" and "jump-menu option" in json.dumps(evidence(db, "links.broken_internal", "/council-tax/band-z/"))
    # a form's field is not a link: the page only the sitemap and a form's option name is still an orphan
    assert orphans["/bins/hidden/"][0] != "info"
    # the listing's next page and the post only it lists are reached
    assert "/news/page/2/" not in orphans and "/news/older/" not in orphans and "/news/older/" not in islands
    with sqlite3.connect(db) as conn:
        kinds = dict(conn.execute("SELECT u.url, l.kind FROM links l JOIN urls u ON u.id = l.target_id WHERE l.kind = 'option'"))
    assert set(kinds) == {PROD + "/council-tax/band-a/", PROD + "/council-tax/band-z/"}


def evidence(db, rule: str, path: str) -> dict:
    with sqlite3.connect(db) as conn:
        (ev,) = conn.execute("SELECT evidence FROM findings WHERE rule = ? AND subject_url = ?", [rule, PROD + path]).fetchone()
    return json.loads(ev)
