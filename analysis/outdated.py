"""Outdated content and expired meaning: the findings of the date analysis.

Each rule turns one page's resolved dates, date evidence and text into zero or
more findings, each with the evidence a person needs to agree or disagree.
Rules that read visible text look for English phrases and run on English pages
only: on a page in another language they stay silent rather than guess.
Rules that read structured data (JSON-LD ``Event`` and ``Offer`` dates) run on
every page.

The rules by concern: stale pages, old years in titles and old copyright notices here; expired events and
offers in ``outdated_expired``; stale claims in ``outdated_claims``; what they share (the settings, date
expressions, page roles) in ``outdated_common``.
"""
from __future__ import annotations

import re
from typing import Callable

from analysis.dates import Candidate, PageDates
from analysis.findings import Finding
from analysis.outdated_claims import stale_claims
from analysis.outdated_common import (RULES, SILENT_ROLES, Context, day, historical, human_days, is_english,
                                      page_age)
from analysis.outdated_expired import expired_events, expired_offers
from analysis.pages import Page

__all__ = ["RULES", "Context", "copyright_years", "expired_events", "expired_offers", "human_days", "is_english",
           "old_copyright", "old_year_in_title", "stale_claims", "stale_page"]

TITLE_YEAR = re.compile(r"(?<![\d/.-])(19[5-9]\d|20\d\d)(?![\d/.-]*\d)")
TITLE_CURRENCY = re.compile(
    r"\b(?:best|top|guide|trends?|predictions?|latest|new|upcoming|calendar|schedule|programme|program|timetable"
    r"|deadline|tips|ultimate|(?<!annual )(?<!year in )review|outlook|what'?s on|this year)\b", re.I)
# a year that is part of a name: a law's ("the Equality Act 2010: a guide"), a regulation's, a treaty's
_NAMED_YEAR = re.compile(r"\b(?:act|acts|regulations?|order|rules|directive|convention|treaty|code|bill|measure|statute"
                         r"|standard|iso|bs|en)\s+(?:of\s+)?\Z", re.I)


def stale_page(page: Page, dates: PageDates, ctx: Context) -> Finding | None:
    if not ctx.cfg.stale_pages or dates.updated_at is None or page.role in SILENT_ROLES or page.role == "listing":
        return None   # a listing's dates are its teasers' dates: its age says nothing
    exempt = ctx.exempt(page.url)
    if exempt:
        return None
    section, days = ctx.threshold(page.url)
    age = (ctx.now - dates.updated_at).days
    if age <= days:
        return None
    severity = "medium" if age >= 2 * days else "low"
    where = f"{section} pages" if section != "default" else "pages"
    f = Finding(
        rule="outdated.stale_page", category=RULES["outdated.stale_page"], severity=severity, confidence=dates.confidence,
        site=page.site, subject_url=page.url, subject_id=page.url_id, title=page.title,
        message=(f"Not updated for {human_days(age)} (last update {day(dates.updated_at)}, from {dates.updated_by or dates.updated_source}); "
                 f"{where} are stale after {human_days(days)}."),
        evidence={"updated_at": day(dates.updated_at), "updated_source": dates.updated_source,
                  "published_at": day(dates.published_at), "age_days": age, "threshold_days": days, "section": section,
                  "explanation": dates.explanation, "disagreements": dates.disagreements},
        material={"section": section, "threshold_days": days, "updated_at": day(dates.updated_at)},
    )
    return historical(f, page) if page.role == "article" else f


def copyright_years(candidates: list[Candidate]) -> tuple[int, str] | None:
    """(latest year, notice) of the page's copyright notices."""
    best = None
    for c in candidates:
        if c.role == "copyright" and c.value is not None:
            if best is None or c.value.year > best[0]:
                best = (c.value.year, c.raw)
    return best


def old_copyright(pages: list[tuple[Page, tuple[int, str]]], ctx: Context, site: str, home: str,
                  archived: Callable[[list[int]], set[int]] | None = None) -> list[Finding]:
    """One finding per site when the notice is in the template (most pages), else one per page.  ``archived``: which
    of the given pages are an archived copy of an old site (analysis/archive.py ``archived_copies``), whose notice
    is that site's: information, not a list item."""
    if not ctx.cfg.copyright:
        return []
    limit = ctx.now.year - ctx.cfg.copyright_grace_years
    old = [(p, (year, notice)) for p, (year, notice) in pages if year < limit]
    if not old:
        return []
    by_notice: dict[str, list[Page]] = {}
    for p, (year, notice) in old:
        by_notice.setdefault(notice, []).append(p)
    findings = []
    total = max(len(pages), 1)
    one_by_one = [p.url_id for ps in by_notice.values() if not (len(ps) >= 3 and len(ps) / total >= 0.5) for p in ps]
    copies = archived(one_by_one) if archived is not None and one_by_one else set()
    for notice, ps in by_notice.items():
        year = max(int(y) for y in re.findall(r"(?:19|20)\d\d", notice))
        behind = ctx.now.year - year
        if len(ps) >= 3 and len(ps) / total >= 0.5:
            findings.append(Finding(
                rule="outdated.old_copyright", category=RULES["outdated.old_copyright"], severity="low", confidence=0.9,
                site=site, subject_type="site", subject_url=home, key=notice,
                message=(f"The site template says \"{notice}\" on {len(ps)} of {total} pages: {behind} years behind "
                         f"(a sign nobody maintains the template)."),
                evidence={"notice": notice, "year": year, "pages": len(ps), "of_pages": total,
                          "examples": [p.url for p in ps[:10]]},
                material={"notice": notice},
            ))
        else:
            for p in ps:
                copy = p.url_id in copies
                findings.append(Finding(
                    rule="outdated.old_copyright", category=RULES["outdated.old_copyright"], severity="info" if copy else "low",
                    confidence=0.8, site=site, subject_url=p.url, subject_id=p.url_id, title=p.title,
                    message=f"Its copyright notice \"{notice}\" is {behind} years behind" + (
                        ": the page is an archived copy of the old site (a mirroring tool saved it), whose notice it keeps;"
                        " nothing to change." if copy else "."),
                    evidence={"notice": notice, "year": year, **({"archived_copy": True} if copy else {})},
                ))
    return findings


def old_year_in_title(page: Page, dates: PageDates, ctx: Context) -> Finding | None:
    if not ctx.cfg.title_years or not page.title or ctx.exempt(page.url) or page.role in SILENT_ROLES or page.role == "listing":
        return None   # a listing's title names the year of its archive
    limit = ctx.now.year - ctx.cfg.title_year_grace_years
    years = [int(m.group(1)) for m in TITLE_YEAR.finditer(page.title) if not _NAMED_YEAR.search(page.title, 0, m.start())]
    if not years or max(years) >= limit:
        return None
    year = max(years)
    current = TITLE_CURRENCY.search(page.title)
    confidence, severity = (0.75, "medium") if current else (0.35, "info")
    reading = ("presents itself as current" if current else
               "may be an archive item (then exempt it) or present itself as current (then update it)")
    f = Finding(
        rule="outdated.old_year_in_title", category=RULES["outdated.old_year_in_title"], severity=severity, confidence=confidence,
        site=page.site, subject_url=page.url, subject_id=page.url_id, title=page.title,
        message=f"The title names {year}, {ctx.now.year - year} years ago: \"{page.title}\" {reading}.",
        evidence={"title": page.title, "year": year, "currency_word": current.group(0) if current else None,
                  "page_date": day(page_age(dates))},
    )
    return historical(f, page) if page.role == "article" else f
