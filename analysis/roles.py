"""Page roles: what kind of page each page is, with the evidence that decided it.

A page's role decides which judgments apply to it (README: Page roles):

- **home**: a start page or the root of a host;
- **listing**: archives, tag and category pages, paginated listings (``/blog/page/7/``), section
  indexes: pages that show teasers of other pages.  A listing is never dated from its teasers and never
  announces their events;
- **article**: a dated news or blog post, release notes, minutes, a publication of one past period (an annual
  review under ``/annual-review/2019-20/`` beside other years'): a historical record.  Its age and the
  words about its own time ("the latest release") are recorded, but old articles are one archive decision
  per section, not one list item each;
- **event** and **job**: an event page or a job advertisement (their dates can expire);
- **stub**: a meta-refresh redirect (a Hugo alias, an old URL kept alive): a redirect, not content;
- **error**: a page that answers 2xx but says it was not found (a "soft 404");
- **evergreen**: everything else (products, services, guides, policies, docs).

The evidence comes from the facts only: the URL, structured data types and article meta tags among the
date signals, the site's feeds, the meta refresh, the title, and the links in the main content.  The
team can set roles by URL pattern with ``[[outdated.roles]]``; those win.
"""
from __future__ import annotations

import re
import sqlite3
from collections import Counter
from typing import Callable, Iterable, Iterator

from analysis.pages import Page
from foundation.urls import compile_patterns, path_of

ROLES = ("home", "listing", "article", "event", "job", "evergreen", "stub", "error")

# a date in the path: /2019/05/14/slug, /2019/05/slug, /2019-05-14-slug, /news/2019/slug
_URL_DATE = re.compile(r"/((?:19|20)\d\d)[/-](0?[1-9]|1[0-2])(?:[/-](0?[1-9]|[12]\d|3[01]))?(?=[/-])")
_URL_YEAR_SLUG = re.compile(r"/(?:news|blog|press|posts?|articles?|stories|updates|announcements|minutes)/(?:19|20)\d\d/[^/]+")
# archive pages: a year, a year and month, or a year-month-day with nothing after it
_URL_DATE_ARCHIVE = re.compile(r"/(?:19|20)\d\d/(?:(?:0?[1-9]|1[0-2])/(?:(?:0?[1-9]|[12]\d|3[01])/)?)?(?:index\.html?)?\Z")
_LISTING_PATH = re.compile(
    r"/(?:page|p)/\d+/?\Z|[?&](?:page|paged|p|start|offset)=\d+"
    r"|/(?:tags?|categor(?:y|ies)|topics?|labels?|authors?|archives?|series|search|sitemap"
    r"|(?:past|previous|recent|upcoming|all|archived?|forthcoming)[-_](?:events?|exhibitions?|shows?))(?:/|\Z)", re.I)
_SECTION_WORDS = r"(?:news|blog|blogs|press|posts?|articles?|stories|updates|announcements|releases|minutes|events?|jobs?|vacancies|careers|media)"
# (and an events section's own names: "What's on", a calendar, a programme)
_SECTION_INDEX = re.compile(rf"/(?:{_SECTION_WORDS}|whats-?on|what-s-on|calendar|agenda|programme|exhibitions)/?(?:index\.html?)?\Z", re.I)
_EVENT_PATH = re.compile(r"/(?:events?|whats-on|what-s-on|calendar|agenda|webinars?|workshops?|meetups?)/[^/?]+", re.I)
_JOB_PATH = re.compile(r"/(?:jobs?|vacanc(?:y|ies)|careers?|positions?|openings?)/[^/?]+", re.I)
_ARTICLE_SECTION = re.compile(rf"/{_SECTION_WORDS}/[^/?]+", re.I)

_ARTICLE_TYPES = re.compile(r"\b(?:Article|NewsArticle|BlogPosting|Report|TechArticle|ScholarlyArticle|"
                            r"AnalysisNewsArticle|OpinionNewsArticle|ReportageNewsArticle|LiveBlogPosting|PressRelease)\b")
_EVENT_TYPES = re.compile(r"\w*Event\b")
_JOB_TYPES = re.compile(r"\bJobPosting\b")
_LISTING_TYPES = re.compile(r"\b(?:CollectionPage|ItemList|Blog|SearchResultsPage)\b")
# (article:published_time only: WordPress' SEO plugins and Hugo's own templates give every page, a policy or a
# contact page too, article:modified_time)
_ARTICLE_META = frozenset(("article:published_time",))
_SOFT_404 = re.compile(r"\b(?:404|page not found|not found|seite nicht gefunden|page introuvable|no longer exists)\b", re.I)

# a publication of one period ("/annual-review/2019-20/" titled "Annual Review 2019–20", beside "/annual-review/2025-26/"):
# the last segment of its address is the period, its title names the same period, and its section holds another
# period's: a record of that period, like a dated article (a single year's segment is a date archive: a listing)
_PERIOD_SEGMENT = re.compile(r"/((?:19|20)\d\d)[-_–](\d\d|(?:19|20)\d\d)/?(?:index\.html?)?\Z")
_PERIOD_IN_TITLE = re.compile(r"(?<!\d)((?:19|20)\d\d)\s*[-–—/]\s*(\d\d|(?:19|20)\d\d)(?!\d)")
PERIOD_RECORD = "a publication of one period"
_LANGUAGE_HOME = re.compile(r"/[a-z]{2}(?:[-_][A-Za-z]{2})?/(?:index\.html?)?\Z")
_REAL_YEAR = re.compile(r"\b(?:199\d|20\d\d)\b")
LISTING_MIN_ARTICLE_LINKS = 5   # links in the main content to this many dated articles make a page a listing,
LISTING_MIN_SHARE = 0.5         # when they are at least this share of the pages its main content links to


_ROLE_SOURCES = ("jsonld", "microdata", "meta", "time")   # the only date signals that bear on a page's role
_NO_SIGNALS = ("", (), False)


def _signal_facts(signals: Iterable) -> tuple[str, tuple[str, ...], bool]:
    """What the role rules read of a page's date signals ((source, name, context) each, in the crawl's order):
    the JSON-LD / microdata types they name (the first type of each context), the article meta tags among
    them, and whether any is a structured or <time> date."""
    types, metas, dated = [], set(), False
    for source, name, context in signals:
        if source in _ROLE_SOURCES:
            dated = True
            if source == "meta":
                metas.add(name.lower())
            elif source != "time" and context:
                types.append(context.split(",")[0].strip())
    if not dated:
        return _NO_SIGNALS
    return " ".join(types), tuple(sorted(metas & _ARTICLE_META)), True


def _facts_in_hand(pages: Iterable[Page]) -> Iterator[tuple[Page, tuple]]:
    for p in pages:
        yield p, _signal_facts((s.source, s.name, s.context) for s in p.date_input.signals)


def _facts_from_db(conn: sqlite3.Connection, pages: list[Page], batch: int = 500) -> Iterator[tuple[Page, tuple]]:
    """The pages with their signal facts, read a batch at a time: only the rows of the sources that count,
    and only their source, name and context (not the values)."""
    marks = ", ".join("?" * len(_ROLE_SOURCES))
    for i in range(0, len(pages), batch):
        chunk = pages[i:i + batch]
        rows: dict[int, list] = {}
        for url_id, source, name, context in conn.execute(
                f"SELECT url_id, source, name, context FROM date_signals WHERE url_id IN ({', '.join('?' * len(chunk))}) "
                f"AND source IN ({marks}) ORDER BY url_id, ordinal", [*(p.url_id for p in chunk), *_ROLE_SOURCES]):
            rows.setdefault(url_id, []).append((source, name, context))
        for p in chunk:
            got = rows.get(p.url_id)
            yield p, (_signal_facts(got) if got else _NO_SIGNALS)


def _article_evidence(page: Page, feed_urls: set[str], types: str, article_meta: tuple[str, ...]) -> str:
    path = path_of(page.url)
    m = _URL_DATE.search(path)
    if m and not _URL_DATE_ARCHIVE.search(path):
        return f"a date in its address ({m.group(0).strip('/')})"
    if _URL_YEAR_SLUG.search(path):
        return "a year in its address under a news or blog section"
    t = _ARTICLE_TYPES.search(types) if types else None
    if t:
        return f"its structured data says {t.group(0)}"
    if article_meta:
        return f"article meta tags (<meta property={article_meta[0]}>)"
    if page.url in feed_urls:
        return "an entry of the site's feed"
    return ""


def assign_roles(conn: sqlite3.Connection, site: str, crawl_id: int, pages: list[Page], start_urls: Iterable[str],
                 overrides: Iterable[tuple[str, Iterable[str]]] = (), with_signals: object = None) -> Counter:
    """Set ``role`` and ``role_reason`` on every page; returns the count per role.

    ``with_signals``: None when ``pages`` carry their date signals; anything else (True, or the iterator
    ``analysis.pages.with_signals`` gives, which is then not read) when they were read without them: the few
    signals the rules need (the types and article meta tags) are then read here, a batch at a time, without
    their values."""
    if with_signals is None:
        in_turn = _facts_in_hand(pages)
    else:
        close = getattr(with_signals, "close", None)
        if close is not None:
            close()   # (a generator not started: nothing was read)
        in_turn = _facts_from_db(conn, pages)
    starts = set(start_urls)
    override: list[tuple[str, Callable[[str], str | None]]] = [(role, compile_patterns(pats)) for role, pats in overrides]
    # only the pages the first rules need these facts for (a redirect, or a short page): a million pages
    # are not a million entries; any other page has no refresh and 150 words or more
    facts = {uid: (refresh, wc) for uid, refresh, wc in conn.execute(
        "SELECT url_id, refresh_url, word_count FROM pages WHERE site = ? AND crawl_id = ? AND is_html = 1 "
        "AND (refresh_url IS NOT NULL OR word_count IS NULL OR word_count < 150)", [site, crawl_id])}
    # an entry of a feed with a real publication date (generators give undated pages the year 1 or none)
    feed_urls = {u for u, pub in conn.execute(
        "SELECT url, published FROM feed_entries WHERE site = ? AND url IS NOT NULL", [site]) if pub and _REAL_YEAR.search(pub)}

    reasons: dict[str, str] = {}   # one string for a reason many pages share
    undecided: list[Page] = []
    for p, sig in in_turn:
        role, reason = _first_pass(p, sig, starts, facts.get(p.url_id, _LONG_PAGE), feed_urls)
        p.role, p.role_reason = role, reasons.setdefault(reason, reason)
        if not role:
            undecided.append(p)
    facts.clear()
    if undecided:
        undecided = _period_records(pages, undecided)

    # a page whose main content mostly links to dated articles or events (and is none itself) is a listing: at least
    # LISTING_MIN_ARTICLE_LINKS of them, and LISTING_MIN_SHARE of the pages its main content links to.  So is a page
    # whose structured data names events (a calendar's, a "What's on" page's) and which mostly links to event pages
    by_types = [p for p in pages if p.role == "event" and p.role_reason.startswith(_EVENT_BY_TYPE)]
    if undecided or by_types:
        counts = _article_links(conn, site, crawl_id, [p.url_id for p in undecided + by_types],
                                [p.url_id for p in pages if p.role in ("article", "event")])
        for p in undecided + by_types:
            linked, n = counts.get(p.url_id, (0, 0))
            if n >= LISTING_MIN_ARTICLE_LINKS and n >= LISTING_MIN_SHARE * linked:
                p.role, p.role_reason = "listing", f"its main content links to {n} dated articles or events (of {linked} pages it links to)"
            elif not p.role:
                p.role, p.role_reason = "evergreen", _EVERGREEN

    for p in pages:
        for role, match in override:
            pat = match(p.url)
            if pat is not None:
                p.role, p.role_reason = role, f"set by [[outdated.roles]] pattern {pat}"
                break
    return Counter(p.role for p in pages)


def _period(first: str, last: str) -> tuple[str, str] | None:
    """("2019", "20") for 2019-20, 2019-2020 and 2019/20; None when the second part is not a later year (2019-05)."""
    return (first, last[-2:]) if 1 <= (int(last[-2:]) - int(first[-2:])) % 100 <= 10 else None


def _period_of(url: str) -> tuple[str, str, str] | None:
    """(section, first year, last two digits) of an address whose last segment is a period (_PERIOD_SEGMENT)."""
    path = path_of(url)
    m = _PERIOD_SEGMENT.search(path)
    period = _period(m.group(1), m.group(2)) if m else None
    return (path[:m.start()], m.group(1), period[1]) if period else None


def _period_records(pages: list[Page], undecided: list[Page]) -> list[Page]:
    """Give the role ``article`` to the undecided pages that are a publication of one period (_PERIOD_SEGMENT);
    returns the pages still undecided."""
    found = {p.url: f for p in pages if (f := _period_of(p.url))}
    sections: dict[str, set[tuple[str, str]]] = {}
    for section, first, last in found.values():
        sections.setdefault(section, set()).add((first, last))
    if not any(len(periods) > 1 for periods in sections.values()):
        return undecided
    rest = []
    for p in undecided:
        f = found.get(p.url)
        others = len(sections[f[0]]) - 1 if f else 0
        title = " ".join(x for x in (p.title, p.h1) if x)
        if others and any(_period(t.group(1), t.group(2)) == f[1:] for t in _PERIOD_IN_TITLE.finditer(title)):
            p.role = "article"
            p.role_reason = (f"{PERIOD_RECORD}: its address and title name {f[1]}–{f[2]}, beside {others} "
                             f"other period{'s' * (others > 1)} under {f[0]}/")
        else:
            rest.append(p)
    return rest


_LONG_PAGE = (None, 150)   # (refresh, words) of a page not among the facts read
_EVERGREEN = "no sign of a listing, dated article, event, job or redirect"
_EVENT_BY_TYPE = "its structured data says "


def _article_links(conn: sqlite3.Connection, site: str, crawl_id: int, sources: list[int],
                   articles: list[int]) -> dict[int, tuple[int, int]]:
    """For each of ``sources``: (the pages its main content links to, how many of them are ``articles``),
    itself not counted.  Counted by SQLite over those pages' own links only (a site of a million pages has
    tens of millions of links: they are not read into Python)."""
    if not sources or not articles:
        return {}
    with conn:
        for name, ids in (("role_sources", sources), ("role_articles", articles)):
            conn.execute(f"CREATE TEMP TABLE IF NOT EXISTS {name} (id INTEGER PRIMARY KEY)")
            conn.execute(f"DELETE FROM temp.{name}")
            conn.executemany(f"INSERT OR IGNORE INTO temp.{name} (id) VALUES (?)", ((i,) for i in ids))
    try:
        return {source: (linked, n) for source, linked, n in conn.execute(
            """SELECT l.source_id, count(DISTINCT l.target_id), count(DISTINCT a.id)
               FROM temp.role_sources s JOIN pages p ON p.url_id = s.id JOIN links l ON l.source_id = s.id
               LEFT JOIN temp.role_articles a ON a.id = l.target_id
               WHERE p.site = ? AND p.crawl_id = ? AND l.kind IN ('a', 'area') AND l.position = 'main'
                 AND l.internal = 1 AND l.target_id != l.source_id
               GROUP BY l.source_id""", [site, crawl_id])}
    finally:
        with conn:
            conn.execute("DELETE FROM temp.role_sources")
            conn.execute("DELETE FROM temp.role_articles")


def _first_pass(p: Page, sig: tuple, starts: set[str], fact: tuple, feed_urls: set[str]) -> tuple[str, str]:
    refresh, words = fact
    types, article_meta, dated = sig
    path = path_of(p.url)
    title = " ".join(x for x in (p.title, p.h1) if x)
    if refresh and refresh != p.url and (words or 0) < 50:
        return "stub", f"a meta refresh to {refresh} with {words or 0} words of its own: a redirect"
    if p.url in starts or path == "/":
        return "home", "a start page" if p.url in starts else "the root of its host"
    if _LANGUAGE_HOME.match(path):
        return "home", "the home page of a language version (" + path + ")"
    if title and _SOFT_404.search(title) and (words or 0) < 150:
        return "error", f"it answers 2xx but its title says \"{title[:80]}\""
    m = _LISTING_PATH.search(path)
    if m:
        return "listing", f"its address is a listing's ({m.group(0).strip('/?&')})"
    if _URL_DATE_ARCHIVE.search(path):
        return "listing", "its address is a date archive (a year or month with nothing after it)"
    if _SECTION_INDEX.search(path):
        return "listing", "its address is a section index (" + path + ")"
    if types:   # (no type named: none of these can match)
        t = _LISTING_TYPES.search(types)
        if t and not _ARTICLE_TYPES.search(types):
            return "listing", f"its structured data says {t.group(0)}"
        if _JOB_TYPES.search(types):
            return "job", "its structured data says JobPosting"
        if _EVENT_TYPES.search(types) and not _ARTICLE_TYPES.search(types):
            return "event", _EVENT_BY_TYPE + _EVENT_TYPES.search(types).group(0)
    if _JOB_PATH.search(path):
        return "job", "its address is under a jobs or vacancies section"
    if _EVENT_PATH.search(path):
        return "event", "its address is under an events section"
    why = _article_evidence(p, feed_urls, types, article_meta)
    if why:
        return "article", why
    if dated and _ARTICLE_SECTION.search(path):
        return "article", "a dated page under a news or blog section"
    return "", ""
