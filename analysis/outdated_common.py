"""What the date rules share (``analysis/outdated.py`` and its neighbours): their categories, the settings of
one analysis, English date expressions, how a date and a quotation are written, and the page roles that make
a finding information (a dated article is a historical record)."""
from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable, Iterable

from analysis.dates import PageDates, parse_date
from analysis.findings import Finding
from analysis.pages import Page
from foundation.catalog import categories
from foundation.config import Outdated, parse_duration
from foundation.urls import compile_patterns

RULES = categories("outdated.stale_page", "outdated.expired_event", "outdated.expired_offer", "outdated.stale_claim",
                   "outdated.old_copyright", "outdated.old_year_in_title")   # rule -> category (foundation/catalog.py)
CONTEXT_CHARS = 80
GRACE = timedelta(days=1)  # an event of yesterday may still be on the page this morning

_MONTHS = r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
MONTHS = _MONTHS   # (an English month's name, as the date expressions read it)
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


# the end of a sentence: a full stop, not the point of an abbreviation a date or a name is written with ("Nov. 27,
# 2026 - Jan. 3, 2027", "St. Mary's", "7 p.m. on Friday")
SENTENCE_END = re.compile(
    "".join(rf"(?<!\b{a})" for a in ("jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
                                     "mon", "tue", "tues", "wed", "thu", "thur", "thurs", "fri", "sat", "sun",
                                     "st", "mr", "mrs", "ms", "dr", "no", "vs", "etc", r"[ap]\.m", r"\b[a-z]"))
    + r"[.!?](?=\s|$)", re.I)


def sentence_start(text: str, at: int, limit: int = 160) -> int:
    """Where the sentence around position ``at`` starts (at most ``limit`` characters before it)."""
    starts = [m.end() for m in SENTENCE_END.finditer(text, max(0, at - limit), at)]
    return starts[-1] if starts else max(0, at - limit // 2)


def sentence(text: str, at: int, limit: int = 160) -> str:
    """The sentence around position ``at`` (at most ``limit`` characters)."""
    start = sentence_start(text, at, limit)
    m = SENTENCE_END.search(text, at)
    end = min(m.end() if m else len(text), start + limit)
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


# ---------------------------------------------------------------------------- page roles
HISTORICAL = "a dated article, judged as a historical record"
ON_HOME = "on the home page, whose text is mostly teasers of other pages: judged as information"
SILENT_ROLES = frozenset(("stub", "error"))  # a redirect stub or an error page is not content


def historical(f: Finding, page: Page) -> Finding:
    """An article's finding, kept as a record of the page (its role and why) but not as a list item.  The
    severity it would have is kept in the evidence: analysis/archive.py restores it when the site still
    presents the article as current (linked from the home page or the navigation), and says so."""
    f.evidence["severity_if_current"] = f.severity
    f.severity = "info"
    f.evidence["role"] = page.role
    f.evidence["judged_as"] = HISTORICAL
    if page.role_reason:
        f.evidence["role_reason"] = page.role_reason
    return f
