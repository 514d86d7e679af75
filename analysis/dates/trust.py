"""Which date sources lie on a site, learned in one pass over its pages: ``learn_site_trust``.

A server that sends the time of each request as Last-Modified, or one deploy time
for every page, and a sitemap that gives every URL the same lastmod (or the time
it was generated), say nothing about when a page's content changed.  One page
cannot show that; the whole site can.

Trust is judged per value, not only per source: a Last-Modified (or a sitemap
lastmod) shared by many pages is a *stamp*, the time of a deploy, a build or a
migration, and says nothing about those pages, whatever share of the site it
covers; the other values of the same source still count.  A deploy touches its
files within seconds or minutes (a CMS sets each page's own time), so values
within ``STAMP_GAP`` of one another are one stamp (a chain: a slow upload stays
one stamp).  A stamp is one value on at least ``STAMP_PAGES`` pages, or on at
least ``MIN_PAGES`` pages that are at least ``STAMP_SHARE`` of the pages with that
source (a small site).  A source is distrusted as a whole only when nothing in it
is informative: the request time on most pages, or stamps on every page.

Memory grows with the number of distinct values (one counter entry each), time
with the number of pages (and a sort of the distinct values).
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime, timedelta, timezone

from analysis.dates.model import SAME_TIME, PageInput, SiteTrust, Stamp
from analysis.dates.parse import parse_date

MIN_PAGES = 5          # fewer pages than this prove nothing
REQUEST_TIME_SHARE = 0.5   # Last-Modified equal to the request time on at least this share of pages
UNIFORM_SHARE = 0.8        # one hour on at least this share of pages: said so when every value is a stamp
STAMP_GAP = timedelta(minutes=2)   # values this close to the previous one belong to the same deploy
STAMP_PAGES = 10           # one value (one deploy) on at least this many pages is a stamp ...
STAMP_SHARE = 0.2          # ... or on MIN_PAGES pages or more that are at least this share of the source's pages

LM, SM = "http:last-modified", "sitemap:lastmod"
_UTC = timezone.utc


def _pct(n: int, total: int) -> str:
    return f"{round(100 * n / total)}%"


def _minutes() -> str:
    m = round(STAMP_GAP.total_seconds() / 60)
    return f"{m} minute{'s' if m != 1 else ''}"


def _when(first: int, last: int, day_only: bool) -> str:
    a, b = datetime.fromtimestamp(first, _UTC), datetime.fromtimestamp(last, _UTC)
    if day_only:
        return a.strftime("%Y-%m-%d")
    if last - first < 60:
        return a.strftime("%Y-%m-%d %H:%M UTC")
    return f"{a:%Y-%m-%d %H:%M} to {b:%H:%M} UTC" if a.date() == b.date() else f"{a:%Y-%m-%d %H:%M} to {b:%Y-%m-%d %H:%M} UTC"


def _find_stamps(source: str, values: Counter[int], total: int, day_only: set[int]) -> list[Stamp]:
    """Chains of values (epoch seconds) each within STAMP_GAP of the previous one, on enough pages to be a stamp."""
    gap = STAMP_GAP.total_seconds()
    chains: list[list[int]] = []
    for v in sorted(values):
        if chains and v - chains[-1][-1] <= gap:
            chains[-1].append(v)
        else:
            chains.append([v])
    stamps = []
    for chain in chains:
        n = sum(values[v] for v in chain)
        if n >= STAMP_PAGES:
            rule = f"a stamp: one value, give or take {_minutes()}, on {STAMP_PAGES} pages or more"
        elif n >= MIN_PAGES and n >= STAMP_SHARE * total:
            rule = (f"a stamp: one value, give or take {_minutes()}, on {MIN_PAGES} pages or more and "
                    f"{round(100 * STAMP_SHARE)}% of them")
        else:
            continue
        when = _when(chain[0], chain[-1], all(v in day_only for v in chain))
        if source == LM:
            reason = (f"the same Last-Modified {when} is on {n} of {total} pages: a deploy or build stamp, not this "
                      f"page's update ({rule})")
        else:
            reason = (f"the sitemap gives the same lastmod {when} to {n} of {total} URLs: a build or migration stamp, "
                      f"not this page's update ({rule})")
        stamps.append(Stamp(source, when, n, chain[0], chain[-1], reason, frozenset(chain)))
    return stamps


def _largest(stamps: list[Stamp], k: int = 5) -> list[Stamp]:
    return sorted(stamps, key=lambda s: (-s.pages, s.first))[:k]


def _summary(stamps: list[Stamp], total: int) -> str:
    covered = sum(s.pages for s in stamps)
    listed = ", ".join(f"{s.label} on {s.pages}" for s in _largest(stamps)) + (", ..." if len(stamps) > 5 else "")
    what = "stamp covers" if len(stamps) == 1 else "stamps cover"
    return (f"{len(stamps)} deploy or build {what} {covered} of them ({_pct(covered, total)}), ignored as those "
            f"pages' dates: {listed}")


def learn_site_trust(pages: Iterable[PageInput]) -> SiteTrust:
    """One pass over a site's pages (can be thousands: streaming, O(n))."""
    lm_total = lm_request_time = 0
    lm_hours: Counter[str] = Counter()
    lm_values: Counter[int] = Counter()
    sm_pages = sm_build_time = 0
    sm_raw: Counter[str] = Counter()
    sm_values: Counter[int] = Counter()
    sm_days: set[int] = set()
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
                    lm_hours["%d-%02d-%02d %02d:00" % (v.year, v.month, v.day, v.hour)] += 1
                    lm_values[int(v.timestamp())] += 1
        if page.sitemap_lastmods:
            raw = page.sitemap_lastmods[0].strip()
            v, precision, _ = parse_date(raw, now=now)
            if v is not None:
                sm_pages += 1
                sm_raw[raw] += 1
                if precision == "time" and abs(v - now) <= SAME_TIME:
                    sm_build_time += 1
                else:
                    key = int(v.timestamp())
                    sm_values[key] += 1
                    if precision != "time":
                        sm_days.add(key)
    distrusted: dict[str, str] = {}
    notes: dict[str, str] = {}
    stamps: list[Stamp] = []
    if lm_total:
        notes[LM] = (f"{lm_total} pages send Last-Modified; {_pct(lm_request_time, lm_total)} of them "
                     f"send the time of the request")
        lm_stamps = _find_stamps(LM, lm_values, lm_total, set()) if lm_total >= MIN_PAGES else []
        stamps += lm_stamps
        if lm_total >= MIN_PAGES and lm_request_time >= REQUEST_TIME_SHARE * lm_total:
            distrusted[LM] = (
                f"the server sends the time of the request as Last-Modified on {_pct(lm_request_time, lm_total)} of pages "
                f"(generated on the fly, not edit time)")
        elif lm_hours:
            hour, n = lm_hours.most_common(1)[0]
            notes[LM] += f"; the most common hour ({hour}) covers {_pct(n, lm_total)}"
            if lm_stamps:
                notes[LM] += "; " + _summary(lm_stamps, lm_total)
            if lm_stamps and sum(s.pages for s in lm_stamps) + lm_request_time == lm_total:
                # nothing informative left: every value is a stamp (or the request time)
                if n >= UNIFORM_SHARE * lm_total:
                    distrusted[LM] = (f"the server sends the same Last-Modified hour ({hour} UTC) for {n} of {lm_total} "
                                      f"pages (deploy time, not edit time)")
                else:
                    distrusted[LM] = (f"every Last-Modified on this site is a deploy stamp "
                                      f"({', '.join(f'{s.label} on {s.pages} pages' for s in _largest(lm_stamps))})")
    if sm_pages:
        value, n = sm_raw.most_common(1)[0]
        notes[SM] = (f"{sm_pages} pages have a sitemap lastmod; the most common value ({value}) "
                     f"covers {_pct(n, sm_pages)}")
        sm_stamps = _find_stamps(SM, sm_values, sm_pages, sm_days) if sm_pages >= MIN_PAGES else []
        stamps += sm_stamps
        if sm_stamps:
            notes[SM] += "; " + _summary(sm_stamps, sm_pages)
        if sm_pages >= MIN_PAGES and sm_build_time >= REQUEST_TIME_SHARE * sm_pages:
            distrusted[SM] = (
                f"the sitemap gives the time it was generated as lastmod for {sm_build_time} of {sm_pages} URLs")
        elif sm_stamps and sum(s.pages for s in sm_stamps) + sm_build_time == sm_pages:
            if n >= UNIFORM_SHARE * sm_pages:
                distrusted[SM] = f"the sitemap gives the same lastmod ({value}) to {n} of {sm_pages} URLs"
            else:
                distrusted[SM] = (f"every sitemap lastmod on this site is a build stamp "
                                  f"({', '.join(f'{s.label} on {s.pages} URLs' for s in _largest(sm_stamps))})")
    return SiteTrust(distrusted=distrusted, notes=notes, stamps=stamps,
                     totals={LM: lm_total, SM: sm_pages})
