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
from analysis.dates.parse import UTC, parse_date, parse_date_relative
from analysis.dates.roles import role_of
from analysis.dates.validate import judge, judge_page

MAX_SIGNAL_CANDIDATES = 200   # from the page's own signals
MAX_EXTERNAL = 20             # sitemap lastmods, feed dates
_URL_PATH_DATE = re.compile(r"/((?:19|20)\d{2}[/_-](?:0?[1-9]|1[0-2])(?:[/_-](?:0?[1-9]|[12]\d|3[01]))?)(?=[/_.-])")
_YEARS = re.compile(r"(?<!\d)(?:19|20)\d{2}(?!\d)")


def _copyright(raw: str) -> tuple[datetime | None, str, str]:
    years = _YEARS.findall(raw)
    if not years:
        return None, "", "no year in the notice"
    return datetime(int(years[-1]), 1, 1, tzinfo=UTC), "year", ""


@lru_cache(maxsize=1024)
def _parse(text: str, now: datetime, lang: str | None) -> tuple[datetime | None, str, str, bool]:
    """parse_date_relative, memoised: a page repeats its dates (meta, JSON-LD, a <time>, ...)."""
    return parse_date_relative(text, now=now, lang=lang)


def _candidate(source: str, name: str, raw: str, context: str, page: PageInput, now: datetime,
               trust: SiteTrust | None, server_date: datetime | None) -> Candidate:
    raw = raw if isinstance(raw, str) else str(raw)
    relative = False
    if source == "copyright" and name != "date":
        value, precision, why = _copyright(raw)
    elif "://" in raw[:12]:   # a URL (a preview image's): only a /2019/05/04/ path says a date
        m = _URL_PATH_DATE.search(raw)
        value, precision, why = None, "", "no date in the URL's path"
        if m:
            value, precision, why, relative = _parse(m.group(1).replace("_", "-"), page.fetched_at or now, page.lang)
    else:
        text = raw.replace("_", "-") if source == "url" else raw.lstrip("©(cC) ") if source == "copyright" else raw
        value, precision, why, relative = _parse(text, page.fetched_at or now, page.lang)
    local = value
    if value is not None and value.tzinfo is not UTC:
        try:
            value = value.astimezone(UTC)
        except (OverflowError, ValueError):
            value, local, precision, why = None, None, "", "out of range once converted to UTC"
    role, foreign = role_of(source, name, context, raw)
    c = Candidate(source, name, raw[:300], value, precision, role, False, "", context, local)
    return judge(c, page, now=now, trust=trust, foreign=foreign, parse_reason=why, server_date=server_date,
                 relative=relative)


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
