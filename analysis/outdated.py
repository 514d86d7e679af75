"""Outdated content and expired meaning: the findings of the date analysis.

Each rule turns one page's resolved dates, date evidence and text into zero or
more findings, each with the evidence a person needs to agree or disagree.
Rules that read visible text look for English phrases and run on English pages
only: on a page in another language they stay silent rather than guess.
Rules that read structured data (JSON-LD ``Event`` and ``Offer`` dates) run on
every page.
"""
from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable, Iterable

from analysis.dates import Candidate, PageDates, parse_date
from analysis.findings import Finding
from analysis.pages import Page
from decay.config import Outdated, parse_duration
from decay.urls import compile_patterns

RULES = {
    "outdated.stale_page": "outdated",
    "outdated.expired_event": "expired",
    "outdated.expired_offer": "expired",
    "outdated.stale_claim": "outdated",
    "outdated.old_copyright": "outdated",
    "outdated.old_year_in_title": "outdated",
}
CONTEXT_CHARS = 80
GRACE = timedelta(days=1)  # an event of yesterday may still be on the page this morning

_MONTHS = r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
_DAY = r"(?:[0-3]?\d)(?:st|nd|rd|th)?"
_WEEKDAY = r"(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day,?\s+)?"
# an English date expression: "Saturday 15 June 2019", "June 15th, 2019", "15/06/2019", "2019-06-15", "June 2019"
DATE_EXPR = re.compile(
    rf"\b{_WEEKDAY}(?:{_DAY}\s+(?:of\s+)?{_MONTHS}\.?,?\s+(?:19|20)\d\d"
    rf"|{_MONTHS}\.?\s+{_DAY},?\s+(?:19|20)\d\d"
    rf"|[0-3]?\d[/.][01]?\d[/.](?:19|20)\d\d"
    rf"|(?:19|20)\d\d-[01]\d-[0-3]\d"
    rf"|{_MONTHS}\s+(?:19|20)\d\d)\b",
    re.I,
)
EVENT_PHRASE = re.compile(
    r"\b(?:join us|upcoming|will take place|will be held|takes place|save the date|book (?:your|a) (?:place|ticket|seat)s?"
    r"|register now|tickets? (?:are )?(?:now )?(?:on sale|available)|coming up|don'?t miss|come along|we look forward to seeing you)\b",
    re.I,
)
OFFER_PHRASE = re.compile(
    r"\b(?:(?:offers?|sales?|discounts?|promotions?|deals?|vouchers?|codes?|prices?)\b[^.!?\n]{0,60}?\b"
    r"(?:ends?|expires?|valid (?:until|till|through|to)|closes?|runs until|available until)"
    r"|(?:apply|register|enter|submit|book|order|sign up|nominate|respond|enrol|enroll)\b[^.!?\n]{0,40}?\b"
    r"(?:by|before|until|no later than)"
    r"|(?:deadline|closing date|applications close|entries close|last day)\b[^.!?\n]{0,20}?)",
    re.I,
)
CLAIM_PHRASE = re.compile(
    r"(?:\bnew!|\bbrand[- ]new\b|\bour (?:latest|newest)\b|\bthe latest\b|\bjust (?:launched|released|published|announced)\b"
    r"|\bcoming soon\b|\brecently (?:launched|updated|added|published)\b|\bnow available\b|\bthis (?:year|month)'?s\b)",
    re.I,
)
TITLE_YEAR = re.compile(r"(?<![\d/.-])(19[5-9]\d|20\d\d)(?![\d/.-]*\d)")
TITLE_CURRENCY = re.compile(
    r"\b(?:best|top|guide|trends?|predictions?|latest|new|upcoming|calendar|schedule|programme|program|timetable"
    r"|deadline|tips|ultimate|review|outlook|what'?s on|this year)\b", re.I)
ENGLISH_WORDS = frozenset("the and of to in is for that with on are this be by as at from you your our we it".split())


# ---------------------------------------------------------------------------- settings of one analysis
@dataclass
class Context:
    now: datetime
    cfg: Outdated
    default_days: int
    sections: list[tuple[str, Callable[[str], str | None], int]]
    exempt: Callable[[str], str | None]
    claim_days: int

    @classmethod
    def from_config(cls, cfg: Outdated, now: datetime) -> "Context":
        sections = [(s.name, compile_patterns(s.patterns), parse_duration(s.max_age)) for s in cfg.sections]
        return cls(now, cfg, parse_duration(cfg.max_age), sections, compile_patterns(cfg.exempt),
                   parse_duration(cfg.claim_max_age))

    def threshold(self, url: str) -> tuple[str, int]:
        for name, match, days in self.sections:
            if match(url):
                return name, days
        return "default", self.default_days


def human_days(days: int) -> str:
    years, rest = divmod(days, 365)
    months = rest // 30
    if years and months:
        return f"{years} year{'s' * (years > 1)} {months} month{'s' * (months > 1)}"
    if years:
        return f"{years} year{'s' * (years > 1)}"
    if months:
        return f"{months} month{'s' * (months > 1)}"
    return f"{days} day{'s' * (days != 1)}"


def day(d: datetime | None) -> str | None:
    return d.date().isoformat() if d else None


def quote(text: str, start: int, end: int) -> str:
    """The matched text with about 80 characters either side."""
    a, b = max(0, start - CONTEXT_CHARS), min(len(text), end + CONTEXT_CHARS)
    return ("…" if a else "") + text[a:b] + ("…" if b < len(text) else "")


def sentence(text: str, at: int, limit: int = 160) -> str:
    """The sentence around position ``at`` (at most ``limit`` characters)."""
    start = max(text.rfind(". ", 0, at), text.rfind("! ", 0, at), text.rfind("? ", 0, at))
    start = start + 2 if start >= 0 and at - start < limit else max(0, at - limit // 2)
    end = min([i for i in (text.find(". ", at), text.find("! ", at), text.find("? ", at)) if i >= 0] or [len(text)])
    end = min(end + 1, start + limit)
    return text[start:end].strip()


def is_english(page: Page, text: str) -> bool:
    if page.lang:
        return page.lang.lower().startswith("en")
    words = text[:3000].lower().split()
    return bool(words) and sum(w in ENGLISH_WORDS for w in words) / len(words) > 0.06


def end_of(value: datetime, precision: str) -> datetime:
    """The last moment a date of this precision covers ("June 2019" lasts until 30 June)."""
    if precision == "year":
        return value.replace(month=12, day=31, hour=23, minute=59)
    if precision == "month":
        return value.replace(day=calendar.monthrange(value.year, value.month)[1], hour=23, minute=59)
    if precision == "day":
        return value.replace(hour=23, minute=59)
    return value


def dates_in(text: str, now: datetime, lang: str | None) -> Iterable[tuple[re.Match, datetime, str]]:
    for m in DATE_EXPR.finditer(text):
        value, precision, _ = parse_date(m.group(0), now=now, lang=lang)
        if value is not None:
            yield m, value, precision


def page_age(dates: PageDates) -> datetime | None:
    return dates.updated_at or dates.published_at


# ---------------------------------------------------------------------------- the rules
def stale_page(page: Page, dates: PageDates, ctx: Context) -> Finding | None:
    if not ctx.cfg.stale_pages or dates.updated_at is None:
        return None
    exempt = ctx.exempt(page.url)
    if exempt:
        return None
    section, days = ctx.threshold(page.url)
    age = (ctx.now - dates.updated_at).days
    if age <= days:
        return None
    severity = "medium" if age >= 2 * days else "low"
    where = f"{section} pages" if section != "default" else "pages"
    return Finding(
        rule="outdated.stale_page", category="outdated", severity=severity, confidence=dates.confidence,
        site=page.site, subject_url=page.url, subject_id=page.url_id, title=page.title,
        message=(f"Not updated for {human_days(age)} (last update {day(dates.updated_at)}, from {dates.updated_by or dates.updated_source}); "
                 f"{where} are stale after {human_days(days)}."),
        evidence={"updated_at": day(dates.updated_at), "updated_source": dates.updated_source,
                  "published_at": day(dates.published_at), "age_days": age, "threshold_days": days, "section": section,
                  "explanation": dates.explanation, "disagreements": dates.disagreements},
        material={"section": section, "threshold_days": days, "updated_at": day(dates.updated_at)},
    )


def expired_events(page: Page, candidates: list[Candidate], ctx: Context, english: bool) -> list[Finding]:
    if not ctx.cfg.expired_events:
        return []
    found: dict[str, Finding] = {}
    events: list[dict[str, Candidate]] = []  # in page order: a start opens an event, an end closes the last open one
    for c in candidates:
        if c.value is None:
            continue
        if c.role == "event_start":
            events.append({"event_start": c})
        elif c.role == "event_end":
            if events and "event_end" not in events[-1]:
                events[-1]["event_end"] = c
            else:
                events.append({"event_end": c})
    for roles in events:
        last = roles.get("event_end") or roles.get("event_start")
        typ = last.context or "Event"
        if end_of(last.value, last.precision) + GRACE >= ctx.now:
            continue
        start = roles.get("event_start")
        key = day(last.value)
        found[key] = Finding(
            rule="outdated.expired_event", category="expired", severity="high", confidence=0.85,
            site=page.site, subject_url=page.url, subject_id=page.url_id, title=page.title, key=key,
            message=(f"Announces an event ({typ}) that ended {human_days((ctx.now - last.value).days)} ago "
                     f"({day(last.value)}, from structured data {last.name}); the page should say it is over, or go."),
            evidence={"event_type": typ, "start": start.raw if start else None, "end": last.raw,
                      "source": f"{last.source}:{last.name}"},
        )
    if english:
        text = page.main_text
        for m in EVENT_PHRASE.finditer(text):
            window = text[m.start(): m.end() + 160]
            for dm, value, precision in dates_in(window, ctx.now, page.lang):
                if end_of(value, precision) + GRACE >= ctx.now:
                    continue
                key = day(value)
                if key in found:
                    found[key].evidence.setdefault("text", quote(text, m.start(), m.start() + dm.end()))
                    found[key].confidence = 0.95
                    continue
                found[key] = Finding(
                    rule="outdated.expired_event", category="expired", severity="high", confidence=0.75,
                    site=page.site, subject_url=page.url, subject_id=page.url_id, title=page.title, key=key,
                    message=(f"Still invites people to an event on {dm.group(0)}, "
                             f"{human_days((ctx.now - value).days)} ago: \"{sentence(text, m.start() + dm.start())}\"."),
                    evidence={"phrase": m.group(0), "date": dm.group(0), "parsed": key,
                              "text": quote(text, m.start(), m.start() + dm.end())},
                )
                break
    return list(found.values())


def expired_offers(page: Page, candidates: list[Candidate], ctx: Context, english: bool) -> list[Finding]:
    if not ctx.cfg.expired_offers:
        return []
    found: dict[str, Finding] = {}
    for c in candidates:
        if c.role != "expires" or c.value is None or end_of(c.value, c.precision) + GRACE >= ctx.now:
            continue
        key = day(c.value)
        found[key] = Finding(
            rule="outdated.expired_offer", category="expired", severity="high", confidence=0.85,
            site=page.site, subject_url=page.url, subject_id=page.url_id, title=page.title, key=key,
            message=(f"Offers something valid until {key} ({c.name} in the structured data), "
                     f"which ended {human_days((ctx.now - c.value).days)} ago."),
            evidence={"source": f"{c.source}:{c.name}", "raw": c.raw, "context": c.context},
        )
    if english:
        text = page.main_text
        for m in OFFER_PHRASE.finditer(text):
            window = text[m.end(): m.end() + 40]
            for dm, value, precision in dates_in(window, ctx.now, page.lang):
                if end_of(value, precision) + GRACE >= ctx.now:
                    break
                key = day(value)
                phrase = " ".join(m.group(0).split())
                evidence = {"phrase": phrase, "date": dm.group(0), "parsed": key,
                            "text": quote(text, m.start(), m.end() + dm.end())}
                if key in found:
                    found[key].evidence.update(evidence)
                    found[key].confidence = 0.95
                else:
                    found[key] = Finding(
                        rule="outdated.expired_offer", category="expired", severity="high", confidence=0.8,
                        site=page.site, subject_url=page.url, subject_id=page.url_id, title=page.title, key=key,
                        message=(f"\"{phrase} {dm.group(0)}\": that date passed "
                                 f"{human_days((ctx.now - value).days)} ago, but the page still says it."),
                        evidence=evidence,
                    )
                break
    return list(found.values())


def stale_claims(page: Page, dates: PageDates, ctx: Context, english: bool) -> Finding | None:
    if not ctx.cfg.stale_claims or not english:
        return None
    when = page_age(dates)
    if when is None:
        return None
    age = (ctx.now - when).days
    if age <= ctx.claim_days:
        return None
    for label, text in (("title", page.title or ""), ("heading", page.h1 or ""), ("main content", page.main_text[:3000])):
        m = CLAIM_PHRASE.search(text)
        if m:
            return Finding(
                rule="outdated.stale_claim", category="outdated", severity="medium", confidence=min(dates.confidence, 0.8),
                site=page.site, subject_url=page.url, subject_id=page.url_id, title=page.title,
                message=(f"Calls something \"{m.group(0)}\" in its {label}, but the page dates from {day(when)} "
                         f"({human_days(age)} ago)."),
                evidence={"claim": m.group(0), "where": label, "text": quote(text, m.start(), m.end()),
                          "page_date": day(when), "page_date_source": dates.updated_source or dates.published_source,
                          "claim_max_age_days": ctx.claim_days},
                material={"claim": m.group(0).lower(), "where": label, "page_date": day(when)},
            )
    return None


def copyright_years(candidates: list[Candidate]) -> tuple[int, str] | None:
    """(latest year, notice) of the page's copyright notices."""
    best = None
    for c in candidates:
        if c.role == "copyright" and c.value is not None:
            if best is None or c.value.year > best[0]:
                best = (c.value.year, c.raw)
    return best


def old_copyright(pages: list[tuple[Page, tuple[int, str]]], ctx: Context, site: str, home: str) -> list[Finding]:
    """One finding per site when the notice is in the template (most pages), else one per page."""
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
    for notice, ps in by_notice.items():
        year = max(int(y) for y in re.findall(r"(?:19|20)\d\d", notice))
        behind = ctx.now.year - year
        if len(ps) >= 3 and len(ps) / total >= 0.5:
            findings.append(Finding(
                rule="outdated.old_copyright", category="outdated", severity="low", confidence=0.9,
                site=site, subject_type="site", subject_url=home, key=notice,
                message=(f"The site template says \"{notice}\" on {len(ps)} of {total} pages: {behind} years behind "
                         f"(a sign nobody maintains the template)."),
                evidence={"notice": notice, "year": year, "pages": len(ps), "of_pages": total,
                          "examples": [p.url for p in ps[:10]]},
                material={"notice": notice},
            ))
        else:
            for p in ps:
                findings.append(Finding(
                    rule="outdated.old_copyright", category="outdated", severity="low", confidence=0.8,
                    site=site, subject_url=p.url, subject_id=p.url_id, title=p.title,
                    message=f"Its copyright notice \"{notice}\" is {behind} years behind.",
                    evidence={"notice": notice, "year": year},
                ))
    return findings


def old_year_in_title(page: Page, dates: PageDates, ctx: Context) -> Finding | None:
    if not ctx.cfg.title_years or not page.title or ctx.exempt(page.url):
        return None
    limit = ctx.now.year - ctx.cfg.title_year_grace_years
    years = [int(y) for y in TITLE_YEAR.findall(page.title)]
    if not years or max(years) >= limit:
        return None
    year = max(years)
    current = TITLE_CURRENCY.search(page.title)
    confidence, severity = (0.75, "medium") if current else (0.35, "info")
    reading = ("presents itself as current" if current else
               "may be an archive item (then exempt it) or present itself as current (then update it)")
    return Finding(
        rule="outdated.old_year_in_title", category="outdated", severity=severity, confidence=confidence,
        site=page.site, subject_url=page.url, subject_id=page.url_id, title=page.title,
        message=f"The title names {year}, {ctx.now.year - year} years ago: \"{page.title}\" {reading}.",
        evidence={"title": page.title, "year": year, "currency_word": current.group(0) if current else None,
                  "page_date": day(page_age(dates))},
    )
