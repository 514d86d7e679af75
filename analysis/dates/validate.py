"""The validators: is a parsed candidate credible evidence of what its role says?

Each rule that rejects a candidate says why, in words a web manager understands.
``accepted`` means "a credible date for its role": an event's start date can be
accepted (as an event date) and is still never used as the page's publication
date: the resolver reads only the published, modified and unknown roles.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta

from analysis.dates.model import SAME_TIME, Candidate, PageInput, SiteTrust

EARLIEST_YEAR = 1995             # before this, a date is not a web page's date
CLOCK_SKEW = timedelta(days=1)   # a date this far past the fetch is still believed (time zones, clocks)

_VERSION = re.compile(r"(?:\bv(?:ersion|er\.?)?\s?|release\s|\d\.)\d+(?:\.\d+){2,}|\bv\d+(?:\.\d+)+", re.I)
_PHONE = re.compile(r"(?:\+|\b00)\d{1,3}[\s/.-]*(?:\(0\)\s*)?\d{2,5}(?:[\s/.-]*\d{2,}){1,4}|\b(?:tel|phone|fon|fax)\b", re.I)


_LOOKALIKE = re.compile(r"\bv(?:ersion|er\.?)?\s?\d|\d\.\d+\.\d+\.\d|release\s\d|\+\s?\d|\b00\d|\b(?:tel|phone|fon|fax)\b", re.I)


_LOOKALIKE_HINTS = ("v", "+", "00", "release", "tel", "phone", "fon", "fax")


def number_lookalike(raw: str) -> str:
    """A sentence when the raw value is a version or phone number rather than a date, else ''."""
    low = raw.lower()
    if raw.count(".") < 3 and not any(h in low for h in _LOOKALIKE_HINTS):
        return ""   # (none of the patterns can match: cheaper than searching)
    if _LOOKALIKE.search(raw) is None:
        return ""
    m = _VERSION.search(raw)
    if m:
        return f"looks like a version number ({m.group(0).strip()}), not a date"
    m = _PHONE.search(raw)
    if m:
        return f"looks like a phone number ({m.group(0).strip()}), not a date"
    return ""


def _day(dt: datetime) -> str:
    return "%d-%02d-%02d" % (dt.year, dt.month, dt.day)   # (strftime's %Y-%m-%d, five times faster)


RELATIVE_NOTE = "a relative date, counted from when the page was fetched"

# Cross-candidate checks (``judge_page``), each measured with benchmarks/dates_eval.py's grouped evaluation
# (a constant chosen on some sites is re-chosen without each fold of others):
STALE_META_YEARS: int | None = 3   # a <meta> publication date this many years before all the page's other
                                    # day-precise dates is a template's (creation_date of 2000 on a 2020 article)
TEASER_DATES = True                # a dated element of a teaser or related-articles list is another page's date
_TEASER = re.compile(r"teaser|related|recommend|similar|popular|trending|most-?read|meistgelesen|carousel|slider|"
                     r"widget|toplist|more-?(?:news|stories|articles)|further|weitere|empfehl|verwandt|other-?(?:news|posts)",
                     re.I)
_STRONG_OTHER = ("jsonld", "microdata", "time", "class", "url", "feed")
CONTAINER_DATES = True   # ... and so is any dated element inside a container that names related articles
_RELATED = re.compile(r"related|recommend|similar|popular|trending|most-?read|meistgelesen|"
                      r"more-?(?:news|stories|articles)|weitere|empfehl|verwandt|other-?(?:news|posts)", re.I)
SCRIPT_DATES = True   # a publication key in a script's data counts only when no other day contradicts it
_STRUCTURED = ("jsonld", "microdata", "meta")
_CONTRADICT = ("jsonld", "microdata", "meta", "time", "class", "url", "feed")   # (as the page's own date)
_TEMPLATE_REGIONS = ("aside", "nav", "footer", "header")


def judge(c: Candidate, page: PageInput, *, now: datetime, trust: SiteTrust | None, foreign: str = "",
          parse_reason: str = "", server_date: datetime | None = None, relative: bool = False) -> Candidate:
    """Set ``c.accepted`` and ``c.reason``; returns c."""
    c.accepted, c.reason = _judge(c, page, now, trust, foreign, parse_reason, server_date)
    if relative and c.accepted and not c.reason:
        c.reason = RELATIVE_NOTE
    return c


def _judge(c: Candidate, page: PageInput, now: datetime, trust: SiteTrust | None, foreign: str,
           parse_reason: str, server_date: datetime | None) -> tuple[bool, str]:
    if c.value is None:
        if not parse_reason or parse_reason == "no date found":   # (a parser's own reason is more precise)
            lookalike = number_lookalike(c.raw)
            if lookalike:
                return False, lookalike
        return False, f"not a readable date: {parse_reason or 'no date found'}"
    if foreign:
        return False, foreign
    v = c.value
    fetched = page.fetched_at or now
    if v.year >= 2100:
        return False, f"implausible year {v.year} (a placeholder, not a real date)"
    if v.year < EARLIEST_YEAR:
        return False, f"implausible: {v.year} is before {EARLIEST_YEAR}, too early to date a web page"
    if c.role in ("event_start", "event_end"):
        what = "starts" if c.role == "event_start" else "ends"
        when = "upcoming" if v > fetched else "past"
        return True, f"an event on the page {what} {_day(v)} ({when}); never used as the page's own date"
    if c.role == "expires":
        when = "still valid" if v > fetched else "already expired"
        return True, f"an expiry date ({when}); never used as the page's own date"
    if v > fetched + CLOCK_SKEW:
        return False, f"in the future ({_day(v)}) relative to the crawl ({_day(fetched)}): cannot be when the page was written"
    if c.role == "copyright":
        return True, f"a copyright notice: evidence of the year {v.year} only, never of a day"
    if c.source == "http:last-modified":
        if abs(v - fetched) <= SAME_TIME or (server_date is not None and abs(v - server_date) <= SAME_TIME):
            return False, ("the server sends the time of the request as Last-Modified (the page is generated "
                           "on the fly): it says nothing about when the content changed")
    if c.source == "sitemap:lastmod" and c.precision == "time" and abs(v - fetched) <= SAME_TIME:
        return False, "the sitemap gives the time it was generated as lastmod, not when the page changed"
    if trust is not None and c.source in ("http:last-modified", "sitemap:lastmod"):
        stamp = trust.stamp(c.source, v)
        if stamp is not None:   # a value shared by many pages: a deploy or build time, not this page's
            return False, ("not trusted on this site: " if c.source in trust.distrusted else "") + stamp.reason
    if trust is not None and c.source in trust.distrusted:
        return False, f"not trusted on this site: {trust.distrusted[c.source]}"
    if c.source in ("text", "class") and c.precision != "time":
        lookalike = number_lookalike(c.raw)
        if lookalike and not re.search(r"\d{1,2}\.\s?\d{1,2}\.\s?(?:19|20)\d\d|\d{4}-\d\d-\d\d", c.raw):
            return False, lookalike
    if c.precision == "year":
        return True, f"gives the year {v.year} only"
    if c.precision == "month":
        return True, f"gives the month {v.year}-{v.month:02d} only"
    return True, ""


def judge_page(cands: list[Candidate]) -> None:
    """Checks that need the page's other candidates: a template's stale <meta> date, a teaser list's dates, the
    dates of a script's data. A candidate they reject keeps its value and says why."""
    if SCRIPT_DATES:
        _script_dates(cands)
    for c in cands:
        if not c.accepted or c.source not in ("time", "class", "url") or c.context.count(" ") < 2:
            continue
        rest = c.context.split(" ", 2)[2]
        own, _, inside = rest.partition(" in:")   # the element's own class; the container the reader found around it
        if TEASER_DATES and c.role in ("published", "unknown"):
            m = _TEASER.search(own.split(" in-link", 1)[0])
            if m:
                c.accepted = False
                c.reason = (f"the date of another article: the element is part of a teaser or related-articles "
                            f"list ('{m.group(0)}' in its class), not this page's date")
                continue
        if CONTAINER_DATES and inside and c.role in ("published", "unknown", "modified"):
            m = _RELATED.search(inside)
            if m:
                c.accepted = False
                c.reason = (f"the date of another article: the element sits inside a list of other articles "
                            f"('{m.group(0)}' in the class of {inside.split('.', 1)[0]} around it), not this page's date")
    if STALE_META_YEARS is None:
        return
    metas = [c for c in cands if c.accepted and c.source == "meta" and c.role == "published"
             and c.precision in ("day", "time") and "image" not in c.name.lower()]
    if not metas:
        return
    others = [c.value for c in cands if c.accepted and c.source in _STRONG_OTHER and c.value is not None
              and c.role in ("published", "modified", "unknown") and c.precision in ("day", "time")
              and not c.context.startswith(_TEMPLATE_REGIONS)]   # (a sidebar's dates are other pages')
    if not others:
        return
    first = min(others)
    for c in metas:
        if (first - c.value).days >= 365 * STALE_META_YEARS:
            c.accepted = False
            c.reason = (f"{_day(c.value)} is {(first - c.value).days // 365} years before every other date of the "
                        f"page (the earliest {_day(first)}): a template's stale meta, not this page's date")


def _script_dates(cands: list[Candidate]) -> None:
    """A script's data often holds other items' dates (related articles, a product list): a publication key
    there is believed only when all its values name one day, and no other evidence of the page's own date
    (structured data, a visible date outside the template, its address) names another day without naming
    this one."""
    scripts = [c for c in cands if c.accepted and c.source == "script" and c.precision in ("day", "time")]
    if not scripts:
        return
    days: dict[str, set] = {}
    for c in scripts:
        days.setdefault(c.name.lower(), set()).add(_shown_day(c))
    others = {_shown_day(c) for c in cands if c.accepted and c.source in _CONTRADICT and c.value is not None
              and (c.role in ("published", "unknown") or (c.role == "modified" and c.source in _STRUCTURED))
              and c.precision in ("day", "time")
              and not c.context.startswith(_TEMPLATE_REGIONS) and " in-link" not in c.context}
    for c in scripts:
        mine = days[c.name.lower()]
        if len(mine) > 1:
            c.accepted = False
            c.reason = (f"the script gives {len(mine)} different days under '{c.name}' (a list of items, such as related "
                        f"articles): not this page's date")
        elif others and _shown_day(c) not in others:
            c.accepted = False
            c.reason = (f"a date in the page's script data, contradicted by the page's own evidence "
                        f"({', '.join(sorted(others)[:3])}): another item's date")


def _shown_day(c: Candidate) -> str:
    v = c.local if c.local is not None else c.value
    return _day(v)
