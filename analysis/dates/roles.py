"""What a date signal claims to be: the page's publication, its last change, an event, an expiry, ...

``role_of(source, name, context, raw)`` returns ``(role, foreign)``: the role, and, when the
date belongs to something else shown on the page (a comment, an embedded photo, the
organisation), a sentence saying so (the validators then reject it as the page's own date).
"""
from __future__ import annotations

import re
from functools import lru_cache

# JSON-LD / microdata properties (lower-cased)
_PUBLISHED_KEYS = frozenset(("datepublished", "datecreated", "uploaddate", "dateposted", "dateissued", "datereleased",
                             "releasedate", "pubyear"))
_MODIFIED_KEYS = frozenset(("datemodified", "lastreviewed", "dateupdate", "dateupdated"))
_EXPIRES_KEYS = frozenset(("validthrough", "pricevaliduntil", "expires", "availabilityends", "applicationdeadline",
                           "datedeleted"))
_EVENT_KEYS = {"startdate": "event_start", "enddate": "event_end", "doortime": "event_start"}

# schema.org types whose dates are the page's own, and types whose dates are about something else
_OWN_TYPES = re.compile(r"article|posting|blog|report|webpage|page|news|creativework|review|recipe|howto|faq|"
                        r"scholarly|thesis|book|chapter|dataset|course|jobposting|product|offer|podcastepisode|episode",
                        re.I)
_FOREIGN_TYPES = (
    (re.compile(r"comment|answer|question|userreview|rating", re.I), "the date of a comment or answer on the page, not of the page itself"),
    (re.compile(r"imageobject|photograph|videoobject|mediaobject|audioobject|barcode", re.I), "the date of an embedded image or video, not of the page itself"),
    (re.compile(r"^(?:organization|corporation|person|place|localbusiness|brand|website|searchaction|sitenavigation)", re.I), "the date of the website or organisation, not of this page"),
)

# <meta> names and properties (lower-cased); anything else is judged by the words it contains
_META_PUBLISHED_EXACT = frozenset((
    "date", "dc.date", "dc:date", "dcterms.date", "citation_date", "sailthru.date", "timestamp", "displaydate", "pdate",
    "ptime", "doc_date", "gentime", "rbpubdate", "twt-published-at", "og:regdate", "meta",
))
_META_MODIFIED = re.compile(r"modif|updat|lastmod|last-mod|revis|moddate|utime|lastdate", re.I)
_META_PUBLISHED = re.compile(r"publi|pubdate|pub-date|pub_date|created|issued|release|post_date|posted|dateposted|"
                             r"firstpublished|creation|uploaded", re.I)
_META_EXPIRES = re.compile(r"expir|valid|deadline|unavailable_after", re.I)
_META_EVENT = re.compile(r"start|end_?date|event", re.I)

# words on the page (class names, phrases)
_HEAD = re.compile(r"\D{1,25}(?=\d)")
_PERIOD = re.compile(r"(?:\bvom\b|\bfrom\b|\bdu\b|\bdel\b|\bzwischen\b|\bbetween\b).{0,40}?"
                     r"(?:\bbis\b|\buntil\b|\btill\b|\bto\b|\bau\b|\bal\b|\bund\b|\band\b|–)", re.I)
_COMMENT = re.compile(r"comment|kommentar|reply|replies|respon[ds]", re.I)
MODIFIED_WORDS = re.compile(r"updat|modif|revis|review|lastmod|last-mod|changed|stand|aktualisiert|geändert|"
                             r"mise?\s+à\s+jour|actualis|bijgewerkt|edited|zuletzt", re.I)
_PUBLISHED_WORDS = re.compile(r"publi|posted|pubdate|entry-date|post-date|created|erstellt|veröffentlicht|erschienen|"
                              r"geschrieben|gepostet|gespeichert|publié|datum|dateline|byline|written|issued", re.I)
_EVENT_WORDS = re.compile(r"event|termin|veranstaltung|kalender|calendar|agenda|datepicker|countdown|deadline|"
                          r"expir|valid|bis\b|until|ends?\b", re.I)


def _jsonld_foreign(context: str) -> str:
    t = context.split(",")[0].strip()
    if t and not _OWN_TYPES.search(t):
        for pattern, why in _FOREIGN_TYPES:
            if pattern.search(t):
                return why
    return ""


def _said(head: str) -> str:
    """'modified' or 'published' when the words before a date say so ("Updated: ...", "Veröffentlicht am
    ..."), the first such word winning; '' otherwise."""
    mod, pub = MODIFIED_WORDS.search(head), _PUBLISHED_WORDS.search(head)
    if mod and (not pub or mod.start() < pub.start()):
        return "modified"
    return "published" if pub else ""


def role_of(source: str, name: str, context: str, raw: str) -> tuple[str, str]:
    """(role, foreign-reason) of a raw date signal."""
    if source == "text" and name == "phrase":
        return _said(raw[:40]) or "unknown", ""
    if source in ("time", "class"):
        # the context is "region position class...": the position does not change the role (memoised without it)
        parts = context.split(" ", 2)
        role, foreign = _role_of(source, name, parts[2] if len(parts) > 2 else "")
        if source == "class" and role == "unknown" and not foreign:
            if _PERIOD.search(raw[:120]):
                return "unknown", "a period ('from ... to ...'), not the page's own date"
            head = _HEAD.match(raw)
            if head:   # a meta line "Updated: 5 May 2020": the words just before the first number
                role = _said(head.group(0)) or role
        return role, foreign
    return _role_of(source, name, context)


@lru_cache(maxsize=4096)
def _role_of(source: str, name: str, context: str) -> tuple[str, str]:
    key = name.lower()
    if source in ("jsonld", "microdata"):
        event = _EVENT_KEYS.get(key)
        if event:
            return event, ""
        if key in _EXPIRES_KEYS:
            return "expires", ""
        if key == "copyrightyear":
            return "copyright", ""
        if key in ("validfrom", "availabilitystarts"):
            return "unknown", "the start of an offer, not the page's own date"
        if key == "temporalcoverage":
            return "unknown", "the period the content is about, not when it was written"
        foreign = _jsonld_foreign(context) if source == "jsonld" else ""
        if re.search(r"event", context, re.I) and key in _PUBLISHED_KEYS | _MODIFIED_KEYS:
            foreign = ""
        if key in _PUBLISHED_KEYS:
            return "published", foreign
        if key in _MODIFIED_KEYS:
            return "modified", foreign
        return "unknown", foreign
    if source == "meta":
        if key in _META_PUBLISHED_EXACT:
            return "published", ""
        if key == "copyright" or "copyright" in key:
            return "copyright", ""
        if _META_MODIFIED.search(key):
            return "modified", ""
        if key == "expires":   # <meta http-equiv="Expires">: how long a browser may cache the page, not an offer's end
            return "unknown", "a caching instruction (meta Expires), not a date the page gives"
        if _META_EXPIRES.search(key):
            return "expires", ""
        if _META_PUBLISHED.search(key) or key in ("date.issued", "datecreated", "dc.date.issued"):
            return "published", ""
        if _META_EVENT.search(key):
            return "event_start" if "end" not in key else "event_end", ""
        if key == "last-modified":
            return "modified", ""
        return "unknown", ""
    if source in ("time", "class"):
        words = f"{name} {context}"
        if _COMMENT.search(words):
            return "unknown", "the date of a comment on the page, not of the page itself"
        if MODIFIED_WORDS.search(words):
            return "modified", ""
        if _PUBLISHED_WORDS.search(words):
            return "published", ""
        return "unknown", ""
    if source == "text":   # a row of a table of versions ("Version | Date approved"): a change of the page
        return ("modified" if key == "revision" else "unknown"), ""
    if source == "url":
        return "published", ""
    if source == "copyright":   # "Copyright © 19.12.2019": a day the site stamped, not only a year
        return ("unknown" if key == "date" else "copyright"), ""
    if source == "script":      # a publication key in a script's data (published_at, createdAt)
        return "published", ""
    if source == "http:last-modified" or source == "sitemap:lastmod":
        return "modified", ""
    if source == "feed":
        if MODIFIED_WORDS.search(key):
            return "modified", ""
        return "published", ""
    return "unknown", ""
