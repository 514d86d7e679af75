"""Stale claims: words that present something as current ("our new ...", "the latest release", "coming
soon", "now available", "this year") on a page older than claim_max_age; English pages only."""
from __future__ import annotations

import re
from collections.abc import Sequence

from analysis.dates import Candidate, PageDates
from analysis.findings import Finding
from analysis.outdated_common import (DATE_EXPR, RULES, SILENT_ROLES, Context, day, historical, human_days, page_age,
                                      quote, sentence, sentence_start)
from analysis.outdated_expired import events_to_come, not_sure, shown_day
from analysis.pages import Page
from analysis.prefilter import fold, prefilter

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
# each pattern with its exact prefilter (analysis/prefilter.py): the words it cannot match without ("coming soon";
# "our " and "new"; "this" and "year" or "month"), looked for before the pattern scans the text
_CLAIM_TESTS = [(name, pattern, prefilter(pattern)) for name, pattern in CLAIMS]
# "find the latest release on ...", "get the latest version by running ...": a pointer to whatever is latest, true at any time
# ("sign up to receive our latest news", "you will need the latest version of Word", "keep up with our latest news")
POINTER = re.compile(r"\b(?:find|get|download|install|use|using|see|check(?: out)?|grab|upgrade to|update to|pull|try|run"
                     r"|receive|need|requires?|follow|hear about|keep up with|up to date with|subscribe to|sign up for)"
                     r"\s+(?:\w+\s+)?\Z", re.I)
# "for the latest updates on our lunch clubs, follow us on Facebook", "for our latest news, see the blog": "for" before
# the claim and a pointer after it, in the same sentence
_FOR_BEFORE = re.compile(r"\bfor\s+\Z", re.I)
_POINTER_AFTER = re.compile(r"[^.!?]{0,80}?,\s*(?:please\s+)?(?:follow|see|visit|check|read|go to|head to|sign up|subscribe"
                            r"|join|like|call|contact|email|e-mail|find|keep an eye on|look at|download|get|watch)\b", re.I)
# "our New Forest trek", "a new Year 7 class", "the New Street office": "New" and a capital after it is a name
_NAMED_NEW = re.compile(r"\bNew\s+(?:[A-Z][a-z]|\d)")
# a sentence that uses the words generically, not about the page's own time
GENERIC = re.compile(r"\b(?:last|previous|next|every|each|per|any)\s+(?:year|month)(?:'s|’s)?\b|\bcompar|\byear[- ]on[- ]year\b"
                     r"|\byou(?:'ve|’ve| have)?\s+recently\b|\b(?:who|that|which)\s+(?:have|has|had)\s+recently\b"
                     r"|\bat the time\b", re.I)
# Time words ("this year", "recently") that describe the reader or the people served rather than the page's own
# time: inside conditional guidance to the reader ("if your income this year is below ...", "when your child has
# recently started school"), with no clause break between the condition and the words ...
_TIME_KINDS = frozenset(("this year", "recently"))
_READER_CONDITION = re.compile(r"\b(?:if|when|whenever|whether|unless|once)\s+(?:you|your|you'(?:re|ve)|you’(?:re|ve))\b"
                               r"[^,;:.!?–—()]{0,80}\Z", re.I)
# ... or with people as the subject of "have recently": an audience ("many of the people we support have recently
# moved", "residents have recently been told"), not news ("we have recently moved to new offices")
_PEOPLE = re.compile(r"\b(?:people|persons|residents|families|famil(?:y|ies)|patients|clients|members|carers|parents|tenants"
                     r"|individuals|adults|children|pupils|students|newcomers|refugees|users|customers|visitors|neighbours"
                     r"|neighbors|households|couples|men|women)\b", re.I)
_PEOPLE_PRONOUN = re.compile(r"(?:many|most|some|those|others|anyone|anybody|someone|somebody|everyone|everybody)\Z", re.I)
_FILLER = frozenset("and or but so also then have has had been was were is are".split())
_OURS = frozenset("we our i my us".split())


def _audience_subject(head: str) -> bool:
    """Is the subject of the clause that ends in ``head`` (the sentence up to "have recently ...") people the page
    serves rather than the organisation?  The last clause with a word of its own is the subject's."""
    for part in reversed(re.split(r"[,;:–—]", head)):
        words = re.findall(r"[\w'’]+", part.lower())
        while words and words[-1] in _FILLER:
            words.pop()
        while words and words[0] in _FILLER:
            words.pop(0)
        if not words:
            continue
        if words[0] in _OURS or words[-1] in _OURS:
            return False   # "we have recently ...", "our team has recently ...", "this spring we have recently ..."
        return bool(_PEOPLE.search(" ".join(words[:8])) or _PEOPLE_PRONOUN.match(" ".join(words)))
    return False


def _generic_time(name: str, text: str, m: re.Match) -> bool:
    """A "this year" or "recently" that is about the reader or the people served: a condition addressed to the reader,
    or people as the subject of "have recently"."""
    if name not in _TIME_KINDS:
        return False
    head = text[sentence_start(text, m.start()):m.start()]
    if _READER_CONDITION.search(head):
        return True
    return name == "recently" and _audience_subject(head)


# what announces an event: current while the event is still to come
_ANNOUNCING = frozenset(("coming soon", "now available", "just launched"))
# the teasers of a home page
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


def _not_a_claim(name: str, text: str, m: re.Match) -> bool:
    """A generic use, a pointer to whatever is latest, or time words about the reader or the people served."""
    at = m.start()
    return bool(GENERIC.search(sentence(text, at)) or POINTER.search(text, max(0, at - 30), at)
                or (_FOR_BEFORE.search(text, max(0, at - 8), at) and _POINTER_AFTER.match(text, m.end()))
                or _generic_time(name, text, m))


def find_claims(text: str) -> list[tuple[str, re.Match]]:
    """The stale-claim phrases of a text, in text order, each with the pattern's name; generic uses left out."""
    hits = []
    folded = fold(text)
    for name, pattern, possible in _CLAIM_TESTS:
        if not possible(text, folded):
            continue
        for m in pattern.finditer(text):
            if _NAMED_NEW.search(m.group(0)) and not m.group(0).isupper():
                continue
            if not _not_a_claim(name, text, m):
                hits.append((name, m))
                break
    return sorted(hits, key=lambda h: h[1].start())


def stale_claims(page: Page, dates: PageDates, ctx: Context, english: bool,
                 candidates: Sequence[Candidate] = ()) -> Finding | None:
    """Words that present something as current ("our new ...", "the latest release", "coming soon", "now
    available", "this year") on a page older than claim_max_age.  Not on a listing (its words are its
    teasers'); on the home page only its own words; on a dated article, information (history).  On a page
    whose structured data announces an event still to come, what announces it ("the programme is coming soon",
    "tickets now available") is current: information."""
    if not ctx.cfg.stale_claims or not english or page.role in SILENT_ROLES or page.role == "listing":
        return None
    when = page_age(dates)
    if when is None:
        return None
    age = (ctx.now - when).days
    if age <= ctx.claim_days:
        return None
    coming = None
    for label, text in (("title", page.title or ""), ("heading", page.h1 or ""), ("main content", own_text(page))):
        hits = find_claims(text)
        if not hits:
            continue
        if coming is None:
            coming = events_to_come(candidates, ctx.now) if candidates else []
        current = bool(coming) and all(name in _ANNOUNCING for name, _ in hits)
        name, m = next((h for h in hits if not coming or h[0] not in _ANNOUNCING), hits[0])
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
        if current:
            event = coming[-1]
            not_sure(f, f"the page announces an event still to come ({shown_day(event)}, structured data {event.name}): "
                        "what it says is coming or available is about that event", event=event.raw)
        return historical(f, page) if page.role == "article" else f
    return None
