"""Which date sources lie on a site, learned in one pass over its pages: ``learn_site_trust``.

A server that sends the time of each request as Last-Modified, or one deploy time
for every page, and a sitemap that gives every URL the same lastmod (or the time
it was generated), say nothing about when a page's content changed.  One page
cannot show that; the whole site can.  Memory grows with the number of distinct
values (one counter entry each), time with the number of pages.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from analysis.dates.model import SAME_TIME, PageInput, SiteTrust
from analysis.dates.parse import parse_date

MIN_PAGES = 5          # fewer pages than this prove nothing
REQUEST_TIME_SHARE = 0.5   # Last-Modified equal to the request time on at least this share of pages
UNIFORM_SHARE = 0.8        # one value on at least this share of pages


def _pct(n: int, total: int) -> str:
    return f"{round(100 * n / total)}%"


def learn_site_trust(pages: Iterable[PageInput]) -> SiteTrust:
    """One pass over a site's pages (can be thousands: streaming, O(n))."""
    lm_total = lm_request_time = 0
    lm_hours: Counter[str] = Counter()
    sm_pages = sm_build_time = 0
    sm_values: Counter[str] = Counter()
    for page in pages:
        now = page.fetched_at
        if page.last_modified:
            v, _, _ = parse_date(page.last_modified, now=now)
            if v is not None:
                lm_total += 1
                server = parse_date(page.server_date, now=now)[0] if page.server_date else None
                if abs(v - now) <= SAME_TIME or (server is not None and abs(v - server) <= SAME_TIME):
                    lm_request_time += 1
                else:
                    lm_hours[v.strftime("%Y-%m-%d %H:00")] += 1
        if page.sitemap_lastmods:
            raw = page.sitemap_lastmods[0].strip()
            v, precision, _ = parse_date(raw, now=now)
            if v is not None:
                sm_pages += 1
                sm_values[raw] += 1
                if precision == "time" and abs(v - now) <= SAME_TIME:
                    sm_build_time += 1
    distrusted: dict[str, str] = {}
    notes: dict[str, str] = {}
    if lm_total:
        notes["http:last-modified"] = (f"{lm_total} pages send Last-Modified; {_pct(lm_request_time, lm_total)} of them "
                                       f"send the time of the request")
        if lm_total >= MIN_PAGES and lm_request_time >= REQUEST_TIME_SHARE * lm_total:
            distrusted["http:last-modified"] = (
                f"the server sends the time of the request as Last-Modified on {_pct(lm_request_time, lm_total)} of pages "
                f"(generated on the fly, not edit time)")
        elif lm_hours:
            hour, n = lm_hours.most_common(1)[0]
            notes["http:last-modified"] += f"; the most common hour ({hour}) covers {_pct(n, lm_total)}"
            if lm_total >= MIN_PAGES and n >= UNIFORM_SHARE * lm_total and len(lm_hours) < lm_total:
                distrusted["http:last-modified"] = (
                    f"the server sends the same Last-Modified hour ({hour} UTC) for {n} of {lm_total} pages "
                    f"(deploy time, not edit time)")
    if sm_pages:
        value, n = sm_values.most_common(1)[0]
        notes["sitemap:lastmod"] = (f"{sm_pages} pages have a sitemap lastmod; the most common value ({value}) "
                                    f"covers {_pct(n, sm_pages)}")
        if sm_pages >= MIN_PAGES and sm_build_time >= REQUEST_TIME_SHARE * sm_pages:
            distrusted["sitemap:lastmod"] = (
                f"the sitemap gives the time it was generated as lastmod for {sm_build_time} of {sm_pages} URLs")
        elif sm_pages >= MIN_PAGES and n >= UNIFORM_SHARE * sm_pages and len(sm_values) < sm_pages:
            distrusted["sitemap:lastmod"] = f"the sitemap gives the same lastmod ({value}) to {n} of {sm_pages} URLs"
    return SiteTrust(distrusted=distrusted, notes=notes)
