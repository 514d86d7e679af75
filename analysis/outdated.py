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
from foundation.catalog import categories
from foundation.config import Outdated, parse_duration
from foundation.urls import compile_patterns

RULES = categories("outdated.stale_page", "outdated.expired_event", "outdated.expired_offer", "outdated.stale_claim",
                   "outdated.old_copyright", "outdated.old_year_in_title")   # rule -> category (foundation/catalog.py)
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
# Stale claims: words that present something on the page as current.  Each pattern names what it caught;
# "new" alone is everywhere ("new users should ...", "a new line"), so it counts only where it qualifies
# something the page presents: "our new X", "the new X is now available", "New: ...", "NEW!".
_NOT_NEW = (r"(?!(?:to|users?|customers?|members?|starters?|joiners?|comers?|visitors?|readers?|contributors?|employees?"
            r"|staff|students?|line|lines|page|pages|tab|tabs|window|windows|row|rows|column|columns|file|files|folder|folders"
            r"|entry|entries|record|records|account|accounts|password|passwords|instance|instances|york|zealand|jersey"
            r"|mexico|delhi|hampshire|england|south|orleans|year|one|ones)\b)")
CLAIMS: list[tuple[str, re.Pattern]] = [
    ("our new", re.compile(rf"\bour (?:brand[- ])?new\s+{_NOT_NEW}[a-z][\w-]*", re.I)),
    ("brand new", re.compile(rf"\bbrand[- ]new\s+{_NOT_NEW}[a-z][\w-]*", re.I)),
    ("new", re.compile(r"(?:^|(?<=[.!?»|•:]\s)|(?<=\n))new\s*[:!]|\bnew\s*!", re.I)),
    ("the new ... is now available", re.compile(
        rf"\b(?:the|a|our) new\s+{_NOT_NEW}(?:[\w-]+(?:\.\w+)*\s+){{0,4}}?(?:is|are|has|have)\s+(?:now\s+|just\s+)?"
        r"(?:available|here|arrived|live|launched|open|out|ready|been (?:launched|released|published))\b", re.I)),
    ("launches a new", re.compile(
        rf"\b(?:launch(?:ed|es|ing)?|unveil(?:s|ed|ing)?|announc(?:e|es|ed|ing))"
        rf"\s+(?:the|a|an)\s+(?:all[- ])?new\s+{_NOT_NEW}[a-z][\w-]*", re.I)),
    ("our latest", re.compile(r"\bour (?:very )?(?:latest|newest)\b", re.I)),
    ("the latest", re.compile(
        r"\bthe (?:very )?(?:latest|newest)\s+(?:[\w-]+(?:\.\w+)*\s+){0,3}?(?:release|version|edition|issue|update|news|newsletter|report"
        r"|product|range|collection|offer|addition|innovation|generation|album|book|publication|brochure|guide|app)s?\b",
        re.I)),
    ("coming soon", re.compile(r"\bcoming soon\b", re.I)),
    ("now available", re.compile(r"\b(?:now (?:available|live|open for)|available now)\b", re.I)),
    ("just launched", re.compile(r"\bjust (?:launched|released|published|announced|opened|arrived|added|gone live)\b", re.I)),
    ("recently", re.compile(
        r"\b(?:(?:we|has|have|had|was|were|is|are|been)\s+recently\s+[a-z]+ed"
        r"|recently\s+(?:launched|released|updated|added|published|opened|introduced|announced|redesigned|refurbished"
        r"|relaunched|renovated|expanded|appointed))\b", re.I)),
    ("this year", re.compile(r"\b(?:(?:earlier|later|coming|in|for|throughout|during)\s+this\s+(?:year|month)"
                             r"|this\s+(?:year|month)(?:'s|’s)"
                             r"|this\s+(?:year|month)\s*,?\s+(?:we|our|the|it|is|marks|will|sees))\b", re.I)),
]
# "find the latest release on ...", "get the latest version by running ...": a pointer to whatever is latest, true at any time
POINTER = re.compile(r"\b(?:find|get|download|install|use|using|see|check(?: out)?|grab|upgrade to|update to|pull|try|run)"
                     r"\s+(?:\w+\s+)?\Z", re.I)
# a sentence that uses the words generically, not about the page's own time
GENERIC = re.compile(r"\b(?:last|previous|next|every|each|per|any)\s+(?:year|month)(?:'s|’s)?\b|\bcompar|\byear[- ]on[- ]year\b"
                     r"|\byou(?:'ve|’ve| have)?\s+recently\b|\bat the time\b", re.I)
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


# ---------------------------------------------------------------------------- roles and the page's own words
HISTORICAL = "a dated article, judged as a historical record"
ON_HOME = "on the home page, whose text is mostly teasers of other pages: judged as information"
SILENT_ROLES = frozenset(("stub", "error"))  # a redirect stub or an error page is not content
# The page says its event is over: a status statement, anywhere on the page ...
EVENT_OVER = re.compile(
    r"\b(?:has|have)\s+(?:now\s+|already\s+)?(?:finished|ended|closed|passed|concluded|taken place|been held"
    r"|been (?:cancell?ed|postponed))\b"
    r"|\b(?:is|are)\s+(?:now\s+)?over\b|\b(?:is|are)\s+now\s+(?:finished|closed)\b"
    r"|\b(?:was|were|is|are|has been|have been)\s+(?:cancell?ed|postponed)\b"
    r"|\bthanks?(?: you)?(?: to (?:everyone|all)(?: who)?)? for (?:attending|coming|joining)\b|\b(?:this is|was) a past event\b"
    r"|\b(?:registration|bookings?|ticket sales?)\s+(?:is\s+|are\s+|has\s+|have\s+)?(?:now\s+)?closed\b", re.I)
# ... and past tense, which ends the event it is said of (in the title or heading, the opening lines, or
# the sentence that gives the event's date): "took place", "was held", "held on", "the meeting we held on ..."
PAST_TENSE = re.compile(r"\b(?:took place|(?:was|were) held|held on|we held|(?:was|were) attended|(?:has|have) taken place"
                        r"|(?:was|were) (?:hosted|organi[sz]ed) (?:on|in|at|by))\b", re.I)
# The page says its offer or vacancy is closed.
OFFER_OVER = re.compile(
    r"\b(?:vacancy|vacancies|position|job|role|post|competition|offer|promotion|sale|consultation|call|grant|scheme"
    r"|programme|program|applications?|registrations?|nominations?|entries|submissions?|tender|bids?|deal|voucher|code)"
    r"\s+(?:has|have|is|are|was|were)\s+(?:now\s+)?(?:been\s+)?(?:closed|ended|expired|finished|filled|over|withdrawn)\b"
    r"|\bno longer (?:accepting|available|open|taking|valid|running|recruiting|being offered)\b"
    r"|\bnow closed\b|\bstatus\W+closed\b|\bclosed (?:for|to) (?:applications|entries|registrations?|submissions|nominations)\b"
    r"|(?:^|[\[(])closed\b|\bclosed(?:[\])]|\s*$)", re.I)
# where one teaser ends and another starts in the flattened text of a listing
_BOUNDARY = re.compile(r"[.!?](?=\s)|[»«|•·\n]|continue reading|read more", re.I)
_TEASER = re.compile(r"continue reading|read more|»|\bmore\s*(?:…|\.\.\.)", re.I)
_HOME_SECTION = re.compile(r"\b(?:latest|recent) (?:news|posts|articles|stories|updates|blog posts)\b|\bupcoming events\b"
                           r"|\bwhat'?s on\b|\bfrom (?:the|our) blog\b|\bin the news\b|\bnews and events\b", re.I)


def own_text(page: Page) -> str:
    """The text the page says in its own name: on the home page, what comes before its teasers (a
    "Latest news" or "Upcoming events" heading, the sentence of the first date, a "Read more", "Continue
    reading" or "»"), at most 1,000 characters; elsewhere the first 3,000."""
    text = page.main_text
    if page.role != "home":
        return text[:3000]
    cut = 1000
    for pattern in (_TEASER, _HOME_SECTION):
        m = pattern.search(text, 0, cut)
        if m:
            cut = m.start()
    m = DATE_EXPR.search(text, 0, cut)
    if m:   # a teaser starts with its sentence: cut where that sentence starts
        end = max(text.rfind(mark, 0, m.start()) for mark in (". ", "! ", "? "))
        cut = end + 2 if end >= 0 else 0
    return text[:cut]


def _clause(text: str, start: int, end: int) -> str:
    """The clause around text[start:end], bounded by sentence ends and teaser separators."""
    a = max((m.end() for m in _BOUNDARY.finditer(text, max(0, start - 200), start)), default=max(0, start - 200))
    b = _BOUNDARY.search(text, end, end + 200)
    return text[a: b.start() if b else end + 200]


def _over_in_words(page: Page, pattern: re.Pattern, now: datetime, dated: Iterable[str] = (), opening: int = 0) -> str | None:
    """The page's own words saying its event or offer is over, quoted in their sentence: in the title, the
    heading or anywhere in the text; with ``dated`` (days "YYYY-MM-DD"), past tense too, in the title, the
    heading, the first ``opening`` characters of the text, or a sentence giving one of those days."""
    for text in (page.title or "", page.h1 or ""):
        m = pattern.search(text) or (PAST_TENSE.search(text) if dated else None)
        if m:
            return text.strip()
    text = page.main_text
    m = pattern.search(text)
    if m:
        return sentence(text, m.start())
    if dated:
        for m in PAST_TENSE.finditer(text):
            if m.start() < opening:
                return sentence(text, m.start())
            clause = _clause(text, m.start(), m.end())
            if any(day(v) in dated for _, v, _ in dates_in(clause, now, page.lang)):
                return sentence(text, m.start())
    return None


def _historical(f: Finding, page: Page) -> Finding:
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


def _by_role(findings: list[Finding], page: Page) -> list[Finding]:
    """Expired events and offers by the page's role: none on a listing, information on the home page and
    on a dated article."""
    if page.role == "listing":
        return []
    if page.role == "article":
        return [_historical(f, page) for f in findings]
    if page.role == "home":
        for f in findings:
            f.severity = "info"
            f.evidence["role"] = "home"
            f.evidence["judged_as"] = ON_HOME
            f.message += f" ({ON_HOME})."
    return findings


def _page_days(candidates: list[Candidate]) -> set[str]:
    """The page's own accepted publication and update days (a date next to "Upcoming Events" that is the
    post's byline is not an event date)."""
    return {day(c.value) for c in candidates
            if c.accepted and c.value is not None and c.role in ("published", "modified") and c.precision == "day"}


def _said_over(f: Finding, words: str, what: str) -> Finding:
    """An expired finding whose page says it is over: information that the structured data still carries the date."""
    f.severity = "info"
    f.confidence = 0.5
    f.evidence["page_says"] = words
    f.message = (f"The page says the {what} is over (\"{words[:160]}\"); only its structured data still gives "
                 f"{f.evidence.get('end') or f.evidence.get('raw') or f.key} ({f.evidence.get('source', 'structured data')}): "
                 f"nothing to announce, at most update the structured data.")
    return f


# ---------------------------------------------------------------------------- the rules
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
    return _historical(f, page) if page.role == "article" else f


def _jsonld_events(candidates: list[Candidate]) -> list[dict[str, Candidate]]:
    """The events of the page's structured data, in page order: a start opens an event, an end closes the
    last open one; the same event given twice (two blocks, microdata and JSON-LD) counts once."""
    events: list[dict[str, Candidate]] = []
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
    unique: dict[tuple, dict[str, Candidate]] = {}
    for e in events:
        unique.setdefault(tuple(day(e[k].value) if k in e else None for k in ("event_start", "event_end")), e)
    return list(unique.values())


def expired_events(page: Page, candidates: list[Candidate], ctx: Context, english: bool) -> list[Finding]:
    """An event the page is about (its structured data's event, or an invitation in its text) whose date has
    passed while the page still announces it.  Several events in the structured data: the page is about the
    series, expired when the last one is.  A page that says the event is over ("This event has now finished",
    "took place", "the meeting we held on ...") announces nothing: at most information."""
    if not ctx.cfg.expired_events or page.role in SILENT_ROLES or page.role == "listing":
        return []
    found: dict[str, Finding] = {}
    events = _jsonld_events(candidates)
    ends = [(e.get("event_end") or e.get("event_start"), e) for e in events]
    if ends and all(end_of(last.value, last.precision) + GRACE < ctx.now for last, _ in ends):
        last, roles = max(ends, key=lambda x: x[0].value)   # the series is over when its last event is
        typ = last.context or "Event"
        start = roles.get("event_start")
        key = day(last.value)
        found[key] = Finding(
            rule="outdated.expired_event", category=RULES["outdated.expired_event"], severity="high", confidence=0.85,
            site=page.site, subject_url=page.url, subject_id=page.url_id, title=page.title, key=key,
            message=(f"Announces an event ({typ}) that ended {human_days((ctx.now - last.value).days)} ago "
                     f"({day(last.value)}, from structured data {last.name}); the page should say it is over, or go."),
            evidence={"event_type": typ, "start": start.raw if start else None, "end": last.raw,
                      "source": f"{last.source}:{last.name}", **({"events_in_structured_data": len(events)} if len(events) > 1 else {})},
        )
    if english:
        text = page.main_text
        byline = _page_days(candidates)
        for m in EVENT_PHRASE.finditer(text):
            window = text[m.start(): m.end() + 160]
            for dm, value, precision in dates_in(window, ctx.now, page.lang):
                at, until = m.start() + dm.start(), m.start() + dm.end()
                if _BOUNDARY.search(text, m.end(), at):
                    break   # the date is in another sentence, or another teaser: not this invitation's
                if end_of(value, precision) + GRACE >= ctx.now:
                    continue
                key = day(value)
                if key in byline and key not in found:
                    continue   # the page's own date next to "Upcoming ...": a byline, not an event
                if PAST_TENSE.search(_clause(text, at, until)):
                    continue   # "the meeting we held on 2020-07-22": history, not an invitation
                if key in found:
                    found[key].evidence.setdefault("text", quote(text, m.start(), until))
                    found[key].confidence = 0.95
                    continue
                found[key] = Finding(
                    rule="outdated.expired_event", category=RULES["outdated.expired_event"], severity="high", confidence=0.75,
                    site=page.site, subject_url=page.url, subject_id=page.url_id, title=page.title, key=key,
                    message=(f"Still invites people to an event on {dm.group(0)}, "
                             f"{human_days((ctx.now - value).days)} ago: \"{sentence(text, at)}\"."),
                    evidence={"phrase": m.group(0), "date": dm.group(0), "parsed": key,
                              "text": quote(text, m.start(), until)},
                )
                break
    if not found:
        return []
    if english and page.role != "article":
        over = _over_in_words(page, EVENT_OVER, ctx.now, dated=set(found) | {
            day(e[k].value) for e in events for k in e}, opening=300)
        if over:
            return [_said_over(f, over, "event") for f in found.values()]
    return _by_role(list(found.values()), page)


def expired_offers(page: Page, candidates: list[Candidate], ctx: Context, english: bool) -> list[Finding]:
    """An offer, vacancy or deadline whose date has passed while the page still makes it.  Several validity
    dates in the structured data: the page is about the offer that runs longest (one still running: nothing
    has ended).  A page that says it is closed ("This vacancy has now closed", "no longer accepting") makes no
    offer: at most information."""
    if not ctx.cfg.expired_offers or page.role in SILENT_ROLES or page.role == "listing":
        return []
    found: dict[str, Finding] = {}
    valid = [c for c in candidates if c.role == "expires" and c.value is not None]
    if valid and all(end_of(c.value, c.precision) + GRACE < ctx.now for c in valid):
        c = max(valid, key=lambda c: c.value)
        key = day(c.value)
        found[key] = Finding(
            rule="outdated.expired_offer", category=RULES["outdated.expired_offer"], severity="high", confidence=0.85,
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
                        rule="outdated.expired_offer", category=RULES["outdated.expired_offer"], severity="high", confidence=0.8,
                        site=page.site, subject_url=page.url, subject_id=page.url_id, title=page.title, key=key,
                        message=(f"\"{phrase} {dm.group(0)}\": that date passed "
                                 f"{human_days((ctx.now - value).days)} ago, but the page still says it."),
                        evidence=evidence,
                    )
                break
    if not found:
        return []
    if english and page.role != "article":
        over = _over_in_words(page, OFFER_OVER, ctx.now)
        if over:
            return [_said_over(f, over, "offer") for f in found.values()]
    return _by_role(list(found.values()), page)


def find_claims(text: str) -> list[tuple[str, re.Match]]:
    """The stale-claim phrases of a text, in text order, each with the pattern's name; generic uses left out."""
    hits = []
    for name, pattern in CLAIMS:
        for m in pattern.finditer(text):
            if not GENERIC.search(sentence(text, m.start())) and not POINTER.search(text, max(0, m.start() - 30), m.start()):
                hits.append((name, m))
                break
    return sorted(hits, key=lambda h: h[1].start())


def stale_claims(page: Page, dates: PageDates, ctx: Context, english: bool) -> Finding | None:
    """Words that present something as current ("our new ...", "the latest release", "coming soon", "now
    available", "this year") on a page older than claim_max_age.  Not on a listing (its words are its
    teasers'); on the home page only its own words; on a dated article, information (history)."""
    if not ctx.cfg.stale_claims or not english or page.role in SILENT_ROLES or page.role == "listing":
        return None
    when = page_age(dates)
    if when is None:
        return None
    age = (ctx.now - when).days
    if age <= ctx.claim_days:
        return None
    for label, text in (("title", page.title or ""), ("heading", page.h1 or ""), ("main content", own_text(page))):
        hits = find_claims(text)
        if not hits:
            continue
        name, m = hits[0]
        said = sentence(text, m.start())
        if len(said) < 25 and m.end() < len(text):   # "NEW!" alone says little: with what follows it
            after = sentence(text, m.end() + 1)
            said = said if not after or after in said else f"{said} {after}"
        f = Finding(
            rule="outdated.stale_claim", category=RULES["outdated.stale_claim"], severity="medium", confidence=min(dates.confidence, 0.8),
            site=page.site, subject_url=page.url, subject_id=page.url_id, title=page.title,
            message=(f"Calls something \"{m.group(0)}\" in its {label}, but the page dates from {day(when)} "
                     f"({human_days(age)} ago): \"{said}\"."),
            evidence={"claim": m.group(0), "kind": name, "where": label, "sentence": said,
                      "text": quote(text, m.start(), m.end()), "also": [h.group(0) for _, h in hits[1:5]],
                      "page_date": day(when), "page_date_source": dates.updated_source or dates.published_source,
                      "claim_max_age_days": ctx.claim_days, "role": page.role},
            material={"claim": m.group(0).lower(), "where": label, "page_date": day(when)},
        )
        return _historical(f, page) if page.role == "article" else f
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
                findings.append(Finding(
                    rule="outdated.old_copyright", category=RULES["outdated.old_copyright"], severity="low", confidence=0.8,
                    site=site, subject_url=p.url, subject_id=p.url_id, title=p.title,
                    message=f"Its copyright notice \"{notice}\" is {behind} years behind.",
                    evidence={"notice": notice, "year": year},
                ))
    return findings


def old_year_in_title(page: Page, dates: PageDates, ctx: Context) -> Finding | None:
    if not ctx.cfg.title_years or not page.title or ctx.exempt(page.url) or page.role in SILENT_ROLES or page.role == "listing":
        return None   # a listing's title names the year of its archive
    limit = ctx.now.year - ctx.cfg.title_year_grace_years
    years = [int(y) for y in TITLE_YEAR.findall(page.title)]
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
    return _historical(f, page) if page.role == "article" else f
