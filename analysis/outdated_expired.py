"""Expired meaning: events the page still announces and offers, vacancies or deadlines it still makes after
their date, from structured data (every page) and from invitations in English text; a page that says the
event or offer is over announces nothing."""
from __future__ import annotations

import re
from datetime import datetime
from typing import Iterable

from analysis.dates import Candidate
from analysis.findings import Finding
from analysis.outdated_common import (GRACE, ON_HOME, RULES, SILENT_ROLES, Context, dates_in, day, end_of, historical,
                                      human_days, quote, sentence)
from analysis.pages import Page
from analysis.prefilter import prefilter

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
    if english and _MAY_INVITE(page.main_text):
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
    if english and _MAY_OFFER(page.main_text):
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
