"""Every date candidate of a page: ``page_candidates(page, now=..., trust=...)``.

Extractors found the raw values (the crawl's ``date_signals``, the HTTP headers,
sitemaps and feeds); here each one is parsed (``parse.py``), given a role
(``roles.py``) and judged (``validate.py``).  Rejected candidates are kept with
their reason.  The number of candidates per page is bounded whatever the input.
"""
from __future__ import annotations

import re
from datetime import datetime
from functools import lru_cache

from analysis.dates.model import Candidate, PageInput, SiteTrust
from analysis.dates.parse import UTC, clear_parse_cache, parse_date, parse_date_relative
from analysis.dates.roles import role_of
from analysis.dates.validate import judge, judge_page

MAX_SIGNAL_CANDIDATES = 200   # from the page's own signals
MAX_EXTERNAL = 20             # sitemap lastmods, feed dates
_URL_PATH_DATE = re.compile(r"/((?:19|20)\d{2}[/_-](?:0?[1-9]|1[0-2])(?:[/_-](?:0?[1-9]|[12]\d|3[01]))?)(?=[/_.-])")
_YEARS = re.compile(r"(?<!\d)(?:19|20)\d{2}(?!\d)")


# the end of a notice's run of years written short ("© 2009–26") or said to go on ("© 2009 – present")
_SHORT_END = re.compile(r"((?:19|20)\d{2})\s*(?:[-–—/]|to)\s*(\d{2})(?!\d)")
_GOES_ON = re.compile(r"[-–—]\s*(?:present|now|today|date|heute|aujourd|hoy|oggi|heden)", re.I)


def _copyright(raw: str, at: datetime) -> tuple[datetime | None, str, str]:
    """The notice's year: its last, "© 2009–26" 2026, "© 2009 – present" the year it was read."""
    if _GOES_ON.search(raw):
        return datetime(at.year, 1, 1, tzinfo=UTC), "year", ""
    years = _YEARS.findall(raw)
    if not years:
        return None, "", "no year in the notice"
    year = int(years[-1])
    short = _SHORT_END.search(raw)
    if short and int(short.group(2)) > int(short.group(1)) % 100:
        year = max(year, int(short.group(1)) // 100 * 100 + int(short.group(2)))
    return datetime(year, 1, 1, tzinfo=UTC), "year", ""


CANDIDATE_CACHE = 16_384   # distinct (source, name, raw, context, lang, year) whose parse and role are kept


def _candidate(source: str, name: str, raw: str, context: str, page: PageInput, now: datetime,
               trust: SiteTrust | None, server_date: datetime | None) -> Candidate:
    raw = raw if isinstance(raw, str) else str(raw)
    at = page.fetched_at or now
    found = None
    if at is not None and parse_date_relative is _PARSER:   # (a benchmark may swap the parser: then not memoised)
        found = _found(source, name, raw, context, page.lang, at.year)
    if found is None:   # a relative date ("3 days ago"): counted from this page's fetch
        found = _find(source, name, raw, context, page.lang, at)
    short, value, local, precision, why, relative, role, foreign = found
    c = Candidate(source, name, short, value, precision, role, False, "", context, local)
    return judge(c, page, now=now, trust=trust, foreign=foreign, parse_reason=why, server_date=server_date,
                 relative=relative)


@lru_cache(maxsize=CANDIDATE_CACHE)
def _found(source: str, name: str, raw: str, context: str, lang: str | None, year: int) -> tuple | None:
    """``_find`` memoised: a site repeats its signals on every page (a copyright line, a template's dates); the
    answer depends on the fetch time only through its year, except a relative date's (None: not kept)."""
    found = _find(source, name, raw, context, lang, datetime(year, 7, 1, tzinfo=UTC))
    return None if found[5] or found[4].startswith("unreadable") else found


_PARSER = parse_date_relative


def clear_caches() -> None:
    """Empty the memos of candidates and of parsing (a benchmark's rounds each start cold, as a new crawl does)."""
    _found.cache_clear()
    clear_parse_cache()


class _parse:   # benchmarks/dates_eval.py empties the memos by this name before each round
    cache_clear = staticmethod(clear_caches)


def _find(source: str, name: str, raw: str, context: str, lang: str | None, at: datetime) -> tuple:
    """(raw as kept, value in UTC, value as written, precision, why unparseable, relative?, role, foreign reason)."""
    relative = False
    if source == "copyright" and name != "date":
        value, precision, why = _copyright(raw, at)
    elif "://" in raw[:12]:   # a URL (a preview image's): only a /2019/05/04/ path says a date
        m = _URL_PATH_DATE.search(raw)
        value, precision, why = None, "", "no date in the URL's path"
        if m:
            value, precision, why, relative = parse_date_relative(m.group(1).replace("_", "-"), now=at, lang=lang)
    else:
        text = raw.replace("_", "-") if source == "url" else raw.lstrip("©(cC) ") if source == "copyright" else raw
        value, precision, why, relative = parse_date_relative(text, now=at, lang=lang)
    local = value
    if value is not None and value.tzinfo is not UTC:
        try:
            value = value.astimezone(UTC)
        except (OverflowError, ValueError):
            value, local, precision, why = None, None, "", "out of range once converted to UTC"
    role, foreign = role_of(source, name, context, raw)
    return raw[:300], value, local, precision, why, relative, role, foreign


def page_candidates(page: PageInput, *, now: datetime, trust: SiteTrust | None = None) -> list[Candidate]:
    """Every date candidate of a page, parsed, with its role, judged by the validators (accepted/reason)."""
    out: list[Candidate] = []
    server_date = None
    if page.server_date:
        server_date, _, _ = parse_date(page.server_date, now=now)
    for s in page.signals[:MAX_SIGNAL_CANDIDATES]:
        if s.source == "jsonld" and s.name == "error":
            continue  # invalid JSON-LD: a fact about the page, not a date
        out.append(_candidate(s.source, s.name, s.value, s.context or "", page, now, trust, server_date))
    if page.last_modified:
        out.append(_candidate("http:last-modified", "Last-Modified", page.last_modified, "HTTP header", page, now,
                              trust, server_date))
    for raw in page.sitemap_lastmods[:MAX_EXTERNAL]:
        if raw:
            out.append(_candidate("sitemap:lastmod", "lastmod", raw, "sitemap", page, now, trust, server_date))
    for name, raw in page.feed_dates[:MAX_EXTERNAL]:
        if raw:
            out.append(_candidate("feed", name, raw, "feed entry", page, now, trust, server_date))
    judge_page(out)
    return out
