"""Expired meaning: events the page still announces and offers, vacancies or deadlines it still makes after
their date, from structured data (every page) and from invitations in English text; a page that says the
event or offer is over announces nothing."""
from __future__ import annotations

import re
from datetime import datetime
from typing import Iterable

from analysis.dates import Candidate
from analysis.findings import Finding
from analysis.outdated_common import (GRACE, MONTHS, ON_HOME, RULES, SENTENCE_END, SILENT_ROLES, Context, dates_in, day, end_of,
                                      historical, human_days, quote, sentence)
from analysis.pages import Page
from analysis.prefilter import prefilter

_MONTH_NUMBER = {m: i for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1)}

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
# the words an invitation or an offer cannot be made without (analysis/prefilter.py): most texts have none of
# them, and are then not scanned
_MAY_INVITE = prefilter(EVENT_PHRASE)
_MAY_OFFER = prefilter(OFFER_PHRASE)
# The page says its event is over: a status statement, anywhere on the page ...
EVENT_OVER = re.compile(
    r"\b(?:has|have)\s+(?:now\s+|already\s+)?(?:finished|ended|closed|passed|concluded|taken place|been held"
    r"|been (?:cancell?ed|postponed))\b"
    r"|\b(?:is|are)\s+(?:now\s+)?over\b|\b(?:is|are)\s+now\s+(?:finished|closed)\b"
    r"|\b(?:was|were|is|are|has been|have been)\s+(?:cancell?ed|postponed)\b"
    r"|\bthanks?(?: you)?(?: to (?:everyone|all)(?: who)?)? for (?:attending|coming|joining)\b|\b(?:this is|was) a past event\b"
    r"|\b(?:registration|bookings?|ticket sales?)\s+(?:is\s+|are\s+|has\s+|have\s+)?(?:now\s+)?closed\b"
    # its recording offered in its place: "Missed it? Watch the recording", "the slides and recording are now available"
    r"|\b(?:watch|view|see|listen\s+to)\s+(?:the\s+|a\s+)?(?:full\s+)?(?:recording|replay)\b"
    r"|\b(?:recordings?|replay|slides)(?:\s+and\s+(?:the\s+)?(?:recordings?|slides))?\s+(?:is|are)\s+now\s+(?:available|online)\b"
    r"|\bif\s+you\s+missed\s+(?:it|the\s+(?:event|webinar|talk|session|conference|live\s*stream))\b"
    # a label: "CANCELLED – Open Mic Night", "Open Mic Night (postponed)", "Cancelled." on its own
    r"|(?:^|[\[(:|–—]\s*|[.!?]\s+)(?:cancell?ed|postponed|this event (?:has been )?cancell?ed)(?=\s*(?:[.!:)\]|–—-]|$))", re.I)
# The same said in the other languages a site is most often also written in (a structured-data event is judged on
# every page, whatever its language): "Este evento ya terminó", "Veranstaltung abgesagt", "a eu lieu", ...
EVENT_OVER_OTHER = re.compile(
    r"\bya\s+(?:termin[óo]|finaliz[óo]|pas[óo]|se\s+celebr[óo]|ha\s+(?:terminado|finalizado|pasado))"
    r"|\b(?:evento|actividad|concierto)\s+(?:finalizad[oa]|terminad[oa]|cancelad[oa]|suspendid[oa]|encerrad[oa])"
    r"|\b(?:se\s+celebr[óo]|tuvo\s+lugar|foi\s+cancelad[oa]|já\s+(?:terminou|aconteceu)|terminou|encerrou)\b"
    r"|\b(?:est|sont)\s+(?:maintenant\s+)?(?:terminée?s?|annulée?s?|reportée?s?)|\ba\s+eu\s+lieu|\bs['’]est\s+(?:tenue?|déroulée?)"
    r"|\b(?:ist|sind|wurde|wurden)\s+(?:bereits\s+|leider\s+)?(?:beendet|vorbei|abgesagt|verschoben)|\bhat\s+(?:bereits\s+)?stattgefunden"
    r"|\bfand\s+(?:am\s+[^.!?]{0,30}\s+)?statt\b"
    r"|\b(?:è|sono)\s+(?:già\s+)?(?:terminat[oaie]|conclus[oaie]|annullat[oaie])|\bsi\s+è\s+(?:svolt[oa]|tenut[oa])"
    r"|\b(?:is|zijn)\s+(?:al\s+)?(?:afgelopen|geannuleerd|voorbij)|\bheeft\s+plaatsgevonden|\bvond\s+plaats"
    r"|(?:^|[\[(:|–—]\s*|[.!?]\s+)(?:cancelad[oa]|annulée?|abgesagt|annullat[oa]|geannuleerd)(?=\s*(?:[.!:)\]|–—-]|$))",
    re.I)
# ... and past tense, which ends the event it is said of (in the title or heading, the opening lines, or
# the sentence that gives the event's date): "took place", "was held", "held on", "the meeting we held on ..."
PAST_TENSE = re.compile(r"\b(?:took place|(?:was|were) held|held on|we held|(?:was|were) attended|(?:has|have) taken place"
                        r"|(?:was|were) (?:hosted|organi[sz]ed) (?:on|in|at|by))\b", re.I)
# The page says its offer or vacancy is closed.
OFFER_OVER = re.compile(
    r"\b(?:vacancy|vacancies|positions?|jobs?|roles?|posts?|competitions?|offers?|promotions?|sales?|consultations?|calls?"
    r"|grants?|schemes?|programmes?|programs?|applications?|registrations?|nominations?|entries|submissions?|tenders?|bids?"
    r"|deals?|vouchers?|codes?|discounts?|early[ -]bird)"
    r"\s+(?:(?:has|have|is|are|was|were|had)\s+(?:now\s+)?(?:been\s+)?(?:closed|ended|expired|finished|filled|over|withdrawn)"
    r"|(?:now\s+)?(?:closed|ended|expired))\b"
    r"|\bno longer (?:accepting|available|open|taking|valid|running|recruiting|being offered)\b"
    r"|\bnow closed\b|\bstatus\W+closed\b|\bclosed (?:for|to) (?:applications|entries|registrations?|submissions|nominations)\b"
    r"|(?:^|[\[(])closed\b|\bclosed(?:[\])]|\s*$)", re.I)
# where one teaser ends and another starts in the flattened text of a listing
_BOUNDARY = re.compile(SENTENCE_END.pattern + r"|[»«|•·\n]|continue reading|read more", re.I)
# a date that starts something ("running from 12 September", "open since May 2019", "starting on ..."): its passing
# ends nothing, and without the end said the page may be current
_STARTS = re.compile(r"\b(?:from|since|starting(?:\s+on)?|beginning(?:\s+on)?|commencing(?:\s+on)?|as\s+of|opens?(?:\s+on)?)\s*$", re.I)
# a recurring event: its structured data's date is its first occurrence ("every Saturday", "weekly", "each term")
RECURRING = re.compile(
    r"\b(?:every|each)\s+(?:other\s+|second\s+|first\s+|last\s+)?(?:day|week|weekend|month|year|term|season|morning|"
    r"afternoon|evening|night|(?:mon|tues|wednes|thurs|fri|satur|sun)day)s?\b"
    r"|\b(?:weekly|fortnightly|monthly|annually|yearly|daily)\b|\bon\s+(?:mon|tues|wednes|thurs|fri|satur|sun)days\b", re.I)
# structured-data event types that run for a time: a start alone does not say when they end
_RUNS = re.compile(r"exhibition|festival|series|course|season|residency|programme|program", re.I)
# what may stand between an offer's words and its date ("apply by 5pm on Friday 3 May", "deadline: ...", "deadline of
# ..."): "book by phone from 2 November" is not a deadline
_OFFER_GAP = re.compile(
    r"^[\s:,–—-]*(?:(?:is|was|are|were|of|on|the|at|by|for|midnight|noon|\d{1,2}(?:[:.]\d\d)?\s*(?:am|pm|a\.m\.|p\.m\.)?"
    r"|[ap]\.?m\.?|gmt|bst|utc|[ecmp][sd]t|(?:mon|tues|wednes|thurs|fri|satur|sun)day)[\s:,–—-]*)*$", re.I)
# a run of days written as one date ("July 9–11, 2027", "9-11 July 2027"), which the date expressions do not read
_DAY_RUN = re.compile(rf"\b(?P<m1>{MONTHS})\.?\s+[0-3]?\d(?:st|nd|rd|th)?\s*[–-]\s*(?P<d1>[0-3]?\d)(?:st|nd|rd|th)?,?\s+(?P<y1>(?:19|20)\d\d)\b"
                      rf"|\b[0-3]?\d\s*[–-]\s*(?P<d2>[0-3]?\d)\s+(?P<m2>{MONTHS})\.?,?\s+(?P<y2>(?:19|20)\d\d)\b", re.I)
_MAY_RUN = re.compile(r"\d\s*[–-]\s*\d").search
_NUMERIC = re.compile(r"^\s*(\d{1,2})[/.](\d{1,2})[/.]((?:19|20)\d\d)\b")


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


def _by_role(findings: list[Finding], page: Page) -> list[Finding]:
    """Expired events and offers by the page's role: none on a listing, information on the home page and
    on a dated article."""
    if page.role == "listing":
        return []
    if page.role == "article":
        return [historical(f, page) for f in findings]
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


def not_sure(f: Finding, why: str, **evidence) -> Finding:
    """An expired finding the page itself makes doubtful (a later date, a recurring event, a date that reads both
    ways): information, with the reason, never a list item."""
    f.severity = "info"
    f.confidence = min(f.confidence, 0.5)
    f.evidence.update(evidence)
    f.evidence["not_sure"] = why
    f.message = f.message.rstrip(".") + f". Not listed: {why}."
    return f


def _to_come(value: datetime, precision: str, now: datetime) -> bool:
    return end_of(value, precision) + GRACE >= now


def _other_reading(raw: str, value: datetime) -> datetime | None:
    """The other reading of a numeric date whose day and month can be swapped ("12/10/2026": 12 October or
    10 December), or None when it reads one way only."""
    m = _NUMERIC.match(raw)
    if not m:
        return None
    a, b, y = int(m.group(1)), int(m.group(2)), int(m.group(3))
    if a == b or a > 12 or b > 12:
        return None
    day_first = (value.month, value.day) == (b, a)
    try:
        return value.replace(year=y, month=a if day_first else b, day=b if day_first else a)
    except ValueError:
        return None


def events_to_come(candidates: Iterable[Candidate], now: datetime) -> list[Candidate]:
    """The structured-data event dates of the page (start or end) still to come, in page order."""
    return [c for c in candidates if c.role in ("event_start", "event_end") and c.value is not None
            and _to_come(c.value, c.precision, now)]


def _read_both_ways_to_come(raw: str, value: datetime, precision: str, now: datetime) -> bool:
    other = _other_reading(raw, value)
    return other is not None and _to_come(other, precision, now)


def _to_come_in(text: str, now: datetime, lang: str | None) -> str | None:
    """A date in ``text`` still to come (either way it can be read, or the last day of a run of days), as written,
    or None."""
    for dm, value, precision in dates_in(text, now, lang):
        if _to_come(value, precision, now) or _read_both_ways_to_come(dm.group(0), value, precision, now):
            return dm.group(0)
    if _MAY_RUN(text):
        for m in _DAY_RUN.finditer(text):
            month = _MONTH_NUMBER.get((m.group("m1") or m.group("m2"))[:3].lower(), 0)
            y, d = int(m.group("y1") or m.group("y2")), int(m.group("d1") or m.group("d2"))
            if (y, month, d) >= (now.year, now.month, now.day):
                return m.group(0)
    return None


def shown_day(c: Candidate) -> str | None:
    """The day a reader of the page sees for a candidate (its own time zone), not its UTC day: an event at 8 pm in
    New York on 17 October ended on the 17th."""
    return day(c.local or c.value)


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


def _invitations(page: Page, candidates: list[Candidate], ctx: Context) -> tuple[dict[str, Finding], str | None]:
    """The page's English invitations to a day that has passed ("Join us on 5 May 2019"), as findings by day, and the
    first invitation to a day still to come, as written (None without one).  An invitation is judged by its whole
    sentence: a date in it still to come ("from 7 November 2026 through 21 March 2027", "rescheduled from 20 November
    to 19 March", "after a sold-out show on 17 October, returns on 19 December") makes it current; a date that starts
    something ("running every Saturday from 12 September") or reads both ways ("12/10/2026") ends nothing sure."""
    found: dict[str, Finding] = {}
    upcoming = None
    text = page.main_text
    byline = _page_days(candidates)
    for m in EVENT_PHRASE.finditer(text):
        clause = _clause(text, m.start(), m.end())
        later = _to_come_in(clause, ctx.now, page.lang)
        if later:
            upcoming = upcoming or later
            continue
        if RECURRING.search(clause):
            continue   # "our weekly club, every Saturday from ...": a series, not one day that passed
        window = text[m.start(): m.end() + 160]
        for dm, value, precision in dates_in(window, ctx.now, page.lang):
            at, until = m.start() + dm.start(), m.start() + dm.end()
            if _BOUNDARY.search(text, m.end(), at):
                break   # the date is in another sentence, or another teaser: not this invitation's
            if _to_come(value, precision, ctx.now):
                continue
            if _STARTS.search(text, max(0, at - 20), at):
                continue   # "from 12 September": a start, its end not said
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
    return found, upcoming


def expired_events(page: Page, candidates: list[Candidate], ctx: Context, english: bool) -> list[Finding]:
    """An event the page is about (its structured data's event, or an invitation in its text) whose date has
    passed while the page still announces it.  Several events in the structured data: the page is about the
    series, expired when the last one is.  A page that says the event is over ("This event has now finished",
    "took place", "the meeting we held on ...") announces nothing: at most information.  A page that also announces
    something still to come (an event in its structured data, an invitation in its text) is current: its past
    invitations are a calendar's; a structured-data event whose page names a later day, runs for a time with no end
    given, recurs, or has a date that reads both ways is information, not a list item."""
    if not ctx.cfg.expired_events or page.role in SILENT_ROLES or page.role == "listing":
        return []
    events = _jsonld_events(candidates)
    ends = [(e.get("event_end") or e.get("event_start"), e) for e in events]
    if any(_to_come(last.value, last.precision, ctx.now) for last, _ in ends):
        return []   # one event still to come: the page is current
    invited, upcoming = _invitations(page, candidates, ctx) if english and _MAY_INVITE(page.main_text) else ({}, None)
    found: dict[str, Finding] = {}
    if ends:
        last, roles = max(ends, key=lambda x: x[0].value)   # the series is over when its last event is
        typ = last.context or "Event"
        start = roles.get("event_start")
        key = day(last.value)
        f = found[key] = Finding(
            rule="outdated.expired_event", category=RULES["outdated.expired_event"], severity="high", confidence=0.85,
            site=page.site, subject_url=page.url, subject_id=page.url_id, title=page.title, key=key,
            message=(f"Announces an event ({typ}) that ended {human_days((ctx.now - last.value).days)} ago "
                     f"({shown_day(last)}, from structured data {last.name}); the page should say it is over, or go."),
            evidence={"event_type": typ, "start": start.raw if start else None, "end": last.raw,
                      "source": f"{last.source}:{last.name}", **({"events_in_structured_data": len(events)} if len(events) > 1 else {})},
        )
        later = upcoming or _to_come_in(page.main_text, ctx.now, page.lang)
        if later:
            not_sure(f, f"the page also names {later}, still to come (a later date or a run that goes on): "
                         "at most its structured data is out of date", later_date=later)
        elif "event_end" not in roles and _RUNS.search(typ):
            not_sure(f, f"a {typ} runs for a time, and its structured data gives only its start: when it ends is not said")
        elif recurs := RECURRING.search(page.title or "") or RECURRING.search(page.main_text):
            not_sure(f, f"the page says it recurs (\"{recurs.group(0)}\"): its structured data's date is its first")
        elif _read_both_ways_to_come(last.raw, last.value, last.precision, ctx.now):
            not_sure(f, f"{last.raw} reads both ways (day/month or month/day), and one of them is still to come")
    if not upcoming:
        for k, f in invited.items():
            if k in found:
                found[k].evidence.setdefault("text", f.evidence.get("text"))
                if found[k].severity != "info":
                    found[k].confidence = 0.95
            else:
                found[k] = f
    if not found:
        return []
    over = None
    if page.role != "article":
        over = (_over_in_words(page, EVENT_OVER, ctx.now, dated=set(found) | {day(e[k].value) for e in events for k in e},
                               opening=300) if english
                else _over_in_words(page, EVENT_OVER_OTHER, ctx.now))
    if over:
        return [_said_over(f, over, "event") for f in found.values()]
    return _by_role(list(found.values()), page)


def expired_offers(page: Page, candidates: list[Candidate], ctx: Context, english: bool) -> list[Finding]:
    """An offer, vacancy or deadline whose date has passed while the page still makes it.  Several validity
    dates in the structured data: the page is about the offer that runs longest (one still running: nothing
    has ended); an event the page announces still to come makes an ended validity a sales window (an early-bird
    price, online sales before the door): information.  A page that says it is closed ("This vacancy has now
    closed", "no longer accepting", "Early bird offer ended") makes no offer: at most information.  In the text, the
    date must follow the offer's words ("apply by 5 pm on 3 May", not "book by phone from 2 November"), and a date
    still to come in its sentence ("the deadline of 30 October has been extended to 15 January") makes it current."""
    if not ctx.cfg.expired_offers or page.role in SILENT_ROLES or page.role == "listing":
        return []
    found: dict[str, Finding] = {}
    valid = [c for c in candidates if c.role == "expires" and c.value is not None]
    if valid and all(not _to_come(c.value, c.precision, ctx.now) for c in valid):
        c = max(valid, key=lambda c: c.value)
        key = day(c.value)
        f = found[key] = Finding(
            rule="outdated.expired_offer", category=RULES["outdated.expired_offer"], severity="high", confidence=0.85,
            site=page.site, subject_url=page.url, subject_id=page.url_id, title=page.title, key=key,
            message=(f"Offers something valid until {shown_day(c)} ({c.name} in the structured data), "
                     f"which ended {human_days((ctx.now - c.value).days)} ago."),
            evidence={"source": f"{c.source}:{c.name}", "raw": c.raw, "context": c.context},
        )
        coming = events_to_come(candidates, ctx.now)
        if coming:
            not_sure(f, f"the event it sells is still to come ({shown_day(coming[-1])}): an early-bird price or a sales "
                         "window that ended, not the event's offer", event=coming[-1].raw)
        elif _read_both_ways_to_come(c.raw, c.value, c.precision, ctx.now):
            not_sure(f, f"{c.raw} reads both ways (day/month or month/day), and one of them is still to come")
    if english and _MAY_OFFER(page.main_text):
        text = page.main_text
        for m in OFFER_PHRASE.finditer(text):
            window = text[m.end(): m.end() + 40]
            for dm, value, precision in dates_in(window, ctx.now, page.lang):
                if not _OFFER_GAP.match(window[:dm.start()]):
                    break   # "book by phone from 2 November": not the offer's date
                if _to_come(value, precision, ctx.now) or _read_both_ways_to_come(dm.group(0), value, precision, ctx.now):
                    break
                if _to_come_in(_clause(text, m.start(), m.end() + dm.end()), ctx.now, page.lang):
                    break   # "the deadline of 30 October has been extended to 15 January"
                key = day(value)
                phrase = " ".join(m.group(0).split())
                evidence = {"phrase": phrase, "date": dm.group(0), "parsed": key,
                            "text": quote(text, m.start(), m.end() + dm.end())}
                if key in found:
                    found[key].evidence.update(evidence)
                    if found[key].severity != "info":
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
