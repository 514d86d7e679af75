"""A retired name named on purpose: the mentions of a rule's name that are not to be changed.

A brand rule (``kind = "term"``, ``terms = ["Harbour Foundation"]``, ``replacement = "Harbourside Trust"``)
finds every mention of the old name, and most are to be changed.  Some are not: the page that announces the new
name, an "About" page's history ("founded in 1998 as the Harbour Foundation"), a footer line "Harbourside Trust
(formerly Harbour Foundation)", a listing or a sidebar showing another page's title.  Written with the new name
they would say nothing, or something false; a web manager would dismiss the item.  Such a mention is kept in the
finding's evidence with its reason, and a finding whose every mention is deliberate is information, never an item
of the cleanup list (analysis/rules/engine.py ``Reporter``).

- ``deliberate(text, start, stop, term)``: the words around a mention of a name, in English.  Its history said
  next to it ("formerly", "founded in 1998 as the", "the then", "used to be called", "(1998-2019)"), its new name
  ("was renamed", "changed its name", "is now Harbourside Trust", "joined the incubator as Apache Paimon"), or its
  retirement ("the legacy ...", "deprecate the ...", "migrate from ...", "... is deprecated", "... is no longer
  supported").  Only cues that say it: "legacy" alone is a gift in a will, "no longer" alone is "no longer accepts
  cheques", and the new name merely in the same sentence is two brands side by side, which is the problem.  Names
  only: the replacement, or without one the term, written with a capital letter (never a banned word such as
  "utilise", replaced by "use", nor house style such as "BAME", replaced by "ethnic minority").
- ``passage`` and ``about_it``: the mentions leading up to one said with the new name (the story told before it),
  and every mention on a page whose title says the new name or the retirement.
- ``QuotedTitles``: a mention inside the text of a link to another page of the site whose title names it too:
  the link quotes that page's title (a news listing's headlines, a "latest posts" sidebar), so the decision is
  that page's, through its own finding or the rule's ``exclude``, and changing its title changes the link.

What a page is and when it was written (a dated article published before the name was retired; a listing quoting
its articles' opening words) is judged after the dates, in analysis/retired_names.py.
"""
from __future__ import annotations

import bisect
import re
import sqlite3
from functools import lru_cache

from foundation.team_rules import Term
from foundation.urls import path_of

SENTENCE = 200   # characters either side of a mention searched for the end of its sentence
# the end of a sentence, a line, or a title's part ("Harbour Foundation opens a boathouse | Harbourside Trust")
_ENDS = re.compile(r"[.!?](?=\s|$)|[。！？]|\n|\s[|·•–—»«/~*]\s|\s-\s|\s::\s")
_LEAD = r"[\s,:;(\"'“‘]*(?:the\s+)?$"   # what may stand between a cue and the name after it
# the name's history said just before it ("formerly Harbour Foundation", "founded in 1998 as the ...", "the then ...")
_BEFORE = re.compile(
    r"(?:\bformerly(?:\s+(?:known\s+as|called|named))?"
    r"|\b(?:previously|originally|once|until\s+\d{4})\s+(?:known\s+as|called|named)|[(,]\s*then\s+(?:known\s+as|called|named)"
    r"|[(,–—]\s*(?:previously|originally|until\s+\d{4})"
    r"|\bf/?k/?a\b\.?"
    r"|\bthe\s+then(?:-|\s+)"
    r"|\bused\s+to\s+be(?:\s+(?:called|known\s+as|named))?"
    r"|\bknow\w*\s+us\s+as"
    r"|\b(?:until|before)\s+\d{4},?\s+we\s+were"
    r"|\b(?:old|former|previous|original)\s+name(?:\s+(?:was|of|is))?"
    r"|\b(?:was|were)(?:\s+[\w,]+){0,3}?\s+(?:called|known\s+as)"
    r"|\b(?:was|were)\s+known(?:\s+[\w,]+){0,3}?\s+as"
    r"|\b(?:founded|established|set\s+up)(?:\s+[\w,]+){0,8}?\s+as"
    r"|\b(?:operating|working|trading|legal|registered|company|charity)\s+name(?:\s+(?:of|is|was|remains))?(?:\s+still)?"
    r"|\bgoodbye,?)" + _LEAD, re.I)
# the new name said just before it ("renamed from Harbour Foundation", "changed its name from ...")
_BEFORE_NEW = re.compile(r"(?:\b(?:renamed|rebranded)\s+from|\brenaming|\bchang(?:ed|ing)\s+(?:its|our|their|the|his|her)\s+name\s+from"
                         r"|\bnew\s+name\s+(?:for|of))"
                         + _LEAD, re.I)
# its retirement said just before it ("the legacy DataSet API", "deprecate the ...", "how to migrate from the ...")
_BEFORE_RETIRED = re.compile(
    r"(?:\bthe\s+(?:legacy|former|defunct)|\bdeprecat\w*|\b(?:replaced|repealed|revoked|superseded|invalidated)\s+the"
    r"|\bmigrat\w*(?:\s+[\w-]+){0,4}?\s+from|\bmigrat\w*(?:\s+(?:a|an|your|our|their|existing))*"
    r")" + _LEAD, re.I)
_INSTEAD = re.compile(r"\b(?:instead\s+of|rather\s+than|in\s+place\s+of|successor\s+(?:to|of))" + _LEAD, re.I)
# the change of name said just after it ("Harbour Foundation has changed its name", "... was renamed")
_AFTER_NEW = re.compile(
    r"^[\s,;:)\"'”’]*(?:"
    r"(?:was|were|is|are|has\s+been|have\s+been|had\s+been|will\s+be|is\s+being)\s+(?:now\s+)?(?:renamed|rebranded)"
    r"|(?:has|have|had)\s+changed\s+(?:its|our|their)\s+name"
    r"|(?:changed|changes|will\s+change)\s+(?:its|our|their)\s+name"
    r"|(?:has|have|gets?)\s+a\s+new\s+name(?=\s*(?:[.!:;,)]|$))"
    r"|['’]s\s+new\s+name\s+is"
    r"|(?:is|are)\s+changing\s+(?:its|our|their)\s+name"
    r"|rebranded\s+(?:as|to))\b", re.I)
# ... or the years it was used ("Harbour Foundation (1998-2019)", "the papers of the Harbour Foundation from 1998 to
# 2019"), or it is a company's registered name ("Harbour Foundation Trading Limited": only the company's own change of
# name changes it)
_AFTER = re.compile(r"^\s*(?:\(\s*(?:19|20)\d\d\s*[–—-]\s*(?:19|20)\d\d\s*\)|until\s+(?:19|20)\d\d\s*\)"
                    r"|(?:from|between)\s+(?:19|20)\d\d\s+(?:to|and|until)\s+(?:19|20)\d\d\b)")
_AFTER_COMPANY = re.compile(r"^\s*(?:\(?Trading\)?\s+)?(?:Limited|Ltd\.?|LLP|plc|PLC|CIC)(?!\w)")
COMPANY = "a company's registered name"
# ... or its retirement ("the DataSet API is deprecated", "... was removed in 2.0", "... is not supported any more")
_AFTER_RETIRED = re.compile(
    r"^[\s,;:)\"'”’]*(?:"
    r"(?:(?:was|were|is|are)|(?:has|have|had)\s+been|will\s+be)(?:\s+(?:now|already|officially|formally|being)){0,2}\s+"
    r"(?:deprecated|discontinued|superseded|phased\s+out|unsupported|repealed|revoked|invalidated|struck\s+down|abolished"
    r"|(?:removed|dropped|replaced)(?=\s*(?:[.;,)]|$|\s+(?:in|with|by)\b)))"
    r"|(?:is|are|was|were)?\s*(?:now\s+)?no\s+longer\s+(?:exists?|supported|available|used|in\s+use|operat\w*|trad\w*)"
    r"(?=\s*(?:[.;:,)!]|$|\s+(?:any\s*more|since|as\s+of|from|after)\b))"
    r"|(?:is|are|was|were)\s+(?:now\s+)?not\s+supported(?=\s*(?:[.;,)!]|$|\s+(?:any\s*more|since|as\s+of|from|after|in)\b)))", re.I)
# words that say, anywhere in the sentence, that it is about the retirement ("... remove long deprecated APIs in
# Flink 2.0, including: the DataSet API")
_SAYS_RETIRED = re.compile(r"\b(?:deprecated|deprecation|repealed|invalidated|struck\s+down)\b",
                           re.I)
_WINDOW = 60   # characters before and after a mention that a cue may take
# the title of a law or another official document the word is part of, written in capitals up to its kind and year
# ("the Education (Handicapped Children) Act 1970", "Harbour Foundation (Transfer) Order 2021"): a proper name, which
# only the law itself can change
_TITLE_AFTER = re.compile(r"\)?(?:[ \t]+\(?(?:[A-Z][\w'’.-]*|of|and|for|the|on|in|to|&)\)?){0,8}?[ \t]+"
                          r"(?:Act|Acts|Regulations|Order|Directive|Bill|Rules|Measure|Ordinance|Convention)"
                          r"(?:[ \t]+\([^()\n]{1,40}\))?[ \t]+(?:of[ \t]+)?(?:1[6-9]|20)\d\d\b")
NEW_NAME = "said with its new name"   # (the only reason that dates the change: analysis/retired_names.py)
TITLE = "part of the title of a law or an official document"
QUOTATION = "in a quotation (<blockquote>, <q>): someone else's words"
CODE = "in a code sample (<pre>, <code>, <kbd>, <samp>): code, not the site's wording"
CHANGE = "said with its change of name"
RETIRED = "said with its retirement"
ABOUT = "on a page about it, as its title says"


# a value said to be the old one just before it ("The old number, 0161 496 0000, ...", "our former address: ..."): what a
# pattern rule finds (a number, a code, an address) has no name to be renamed, only a retirement to be told
_BEFORE_OLD = re.compile(r"\b(?:old|former|previous|retired|discontinued)\s+(?:[\w-]+\s+){0,2}?[\w-]+" + _LEAD, re.I)


def is_name(text: str, replacement: str = "") -> bool:
    """A term that is a name (its replacement, or without one the term itself, has a capital letter): the only terms
    named on purpose."""
    name = replacement or text
    return name != name.lower()


def deliberate(text: str, start: int, stop: int, term: Term) -> str | None:
    """Why the mention ``text[start:stop]`` of ``term`` is named on purpose, or None: see the module."""
    if text[start:start + 1].isupper() and (m := _TITLE_AFTER.match(text, stop)):
        return f'{TITLE} ("{" ".join((text[start:stop] + m.group(0)).split())}")'   # any word, a name or not
    if not is_name(term.text, term.replacement):
        return None
    near_before, near_after = text[max(0, start - _WINDOW):start], text[stop:stop + _WINDOW]
    for rx, what in ((_BEFORE_NEW, NEW_NAME), (_BEFORE, CHANGE), (_BEFORE_RETIRED, RETIRED)):
        m = rx.search(near_before)
        if m:
            return f'{what} ("{" ".join(m.group(0).split()).strip(" ,:;(")}")'
    for rx, what in ((_AFTER_NEW, NEW_NAME), (_AFTER, CHANGE), (_AFTER_COMPANY, COMPANY), (_AFTER_RETIRED, RETIRED)):
        m = rx.match(near_after)
        if m:
            return f'{what} ("{" ".join(m.group(0).split()).strip(" ,:;)")}")'
    before, after = _sentence(text, start, stop)
    repl = term.replacement
    m = _INSTEAD.search(near_before)
    if m and repl and repl.casefold() in (before + " " + after).casefold():   # "use the DataStream API instead of the DataSet API"
        return f'{RETIRED} ("{" ".join(m.group(0).split()).strip(" ,:;(")}")'
    if repl:   # "Harbour Foundation is now Harbourside Trust", "... joined the incubator as Apache Paimon"
        m = _becomes(repl).match(near_after.lstrip(" ,(–—-")) or _becomes(repl).search(after)
        if m and term.text.casefold() not in after[:m.start()].casefold():   # (this mention's, not a later one's)
            return f'{NEW_NAME} ("{" ".join(m.group(0).split())}")'
    m = _SAYS_RETIRED.search(before) or _SAYS_RETIRED.search(after)
    if m:
        return f'{RETIRED} ("{m.group(0)}", in the same sentence)'
    return None


def told_retired(text: str, start: int, stop: int) -> str | None:
    """Why a pattern rule's match ``text[start:stop]`` (an old phone number, a tracking id) is named on purpose, or
    None: the words next to it tell that it is the old one or retired ("The old number, 0161 496 0000, is no longer
    in use", "UA-1234-1 was replaced by ...", "... is deprecated" in its sentence): a notice of the change, which
    a web manager keeps."""
    near_before, near_after = text[max(0, start - _WINDOW):start], text[stop:stop + _WINDOW]
    for rx in (_BEFORE_OLD, _BEFORE_RETIRED):
        m = rx.search(near_before)
        if m:
            return f'{RETIRED} ("{" ".join(m.group(0).split()).strip(" ,:;(")}")'
    m = _AFTER_RETIRED.match(near_after)
    if m:
        return f'{RETIRED} ("{" ".join(m.group(0).split()).strip(" ,:;)")}")'
    before, after = _sentence(text, start, stop)
    m = _SAYS_RETIRED.search(before) or _SAYS_RETIRED.search(after)
    return f'{RETIRED} ("{m.group(0)}", in the same sentence)' if m else None


@lru_cache(maxsize=256)
def _becomes(repl: str) -> re.Pattern[str]:
    """The new name after a word that makes the old one become it: "now", "called", "becomes", "as" ... (not
    "Harbourside Trust's")."""
    return re.compile(r"(?:(?:\b(?:is|are|was|were)|^|[,(–—-])\s*now|\bcalled|named|renamed(?:\s+(?:to|as))?|becomes?|became|rebranded\s+(?:as|to)|as)\s+"
                      r"(?:the\s+)?" + re.escape(repl) + r"(?!['’]s)(?!\w)", re.I)


def _sentence(text: str, start: int, stop: int) -> tuple[str, str]:
    """The words of the mention's sentence before it and after it, up to SENTENCE characters either side (or to the
    start or end of the text); on a side without a full stop that near (a listing's headlines, a menu), only the
    _WINDOW characters next to it."""
    left = text[max(0, start - SENTENCE):start]
    ends = list(_ENDS.finditer(left))
    left = left[ends[-1].end():] if ends else left if start <= SENTENCE else left[-_WINDOW:]
    right = text[stop:stop + SENTENCE]
    end = _ENDS.search(right)
    right = right[:end.start()] if end else right if stop + SENTENCE >= len(text) else right[:_WINDOW]
    return left, right


def about_it(hits: list) -> None:
    """A page whose title names the name with its change or retirement ("How to migrate from the DataSet API to the
    DataStream API", "Harbour Foundation is now Harbourside Trust") is about it: its other mentions are marked."""
    if any(h.region == "title" and str(h.extra.get("deliberate", "")).startswith((NEW_NAME, RETIRED)) for h in hits):
        for h in hits:
            if not h.extra.get("deliberate"):
                h.extra["deliberate"] = ABOUT


PASSAGE = 300   # characters before a mention said with the change of name whose mentions lead up to it
TOLD = "in the passage that tells of the change of name"


def passage(spans: list[tuple[int, int, dict]]) -> None:
    """Mentions (start, stop, extra) of one rule in one text: those up to PASSAGE characters before one said with the
    change of name lead up to it ("The community started the Flink Table Store subproject. ... Flink Table Store
    joined the incubator as Apache Paimon"), and are marked as such in their ``extra``.  Not the ones after it:
    "Founded as the Harbour Foundation. Harbour Foundation volunteers meet on Sundays" still uses the old name."""
    told = sorted(s for s, e, extra in spans if str(extra.get("deliberate", "")).startswith(NEW_NAME))
    if not told:
        return
    for s, e, extra in spans:
        i = bisect.bisect_right(told, s)   # the first telling after this mention
        if not extra.get("deliberate") and i < len(told) and told[i] - PASSAGE <= s:
            extra["deliberate"] = TOLD


QUOTED = "the title of the page it links to (quoted_from): decided on that page"
_DATED = re.compile(r"/(?:19|20)\d\d(?:[/-]|\Z)")   # a date in a path (/2019/05/..., /news/2019-05-06-...)
QUOTABLE = frozenset({"content", "nav", "header", "aside", "footer"})   # regions whose text holds links' text
_QUERY = """SELECT l.anchor, t.url, t.title FROM links l JOIN pages t ON t.url_id = l.target_id
            WHERE l.source_id = ? AND l.kind = 'a' AND l.target_id != l.source_id
              AND coalesce(l.anchor, '') != '' AND coalesce(t.title, '') != ''"""


class QuotedTitles:
    """Marks the mentions that quote the title of the page a link leads to (see the module); per site, one query of
    a page's links for the pages with a mention left to judge, and a template's mention judged once."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.memo: dict[tuple, tuple[str, str] | None] = {}   # (rule, region, context) of a template mention -> mark

    def mark(self, url_id: int | None, hits: list) -> None:
        # (one in the passage leading up to a change may be a headline beside another: quoting a title is surer)
        todo = [h for h in hits if h.region in QUOTABLE and h.extra.get("term") and h.extra.get("deliberate") in (None, TOLD)
                and is_name(h.extra["term"], h.extra.get("replacement", ""))]
        if not todo or url_id is None:
            return
        anchors: list[tuple[str, str, str]] | None = None
        for h in todo:
            key = (h.rule, h.region, h.context) if h.position else None
            if key is not None and key in self.memo:
                found = self.memo[key]
            else:
                if anchors is None:
                    anchors = [(" ".join(a.split()), url, title) for a, url, title in self.conn.execute(_QUERY, [url_id])]
                found = _quoted(h.text, h.context, anchors)
                if found is not None and h.position and not _DATED.search(path_of(found[0])):
                    found = None   # a menu's link is written by hand ("About Harbour Foundation"); a "latest posts"
                    # sidebar's are dated posts' titles, and change with them
                if key is not None and len(self.memo) < 10_000:
                    self.memo[key] = found
            if found is not None:
                h.extra["deliberate"] = QUOTED
                h.extra["quoted_from"] = found[0]


def around(ctx: str, match: str = "") -> tuple[str, str, str] | None:
    """A quoted match's surroundings (text.context: "…before«match»after…") as (before, match, after), the
    ellipses of a cut taken off; None without the marks."""
    at = ctx.find(f"«{match}»") if match else -1
    if at >= 0:
        return ctx[:at].lstrip("…"), match, ctx[at + len(match) + 2:].rstrip("…")
    if "«" not in ctx:
        return None
    before, _, rest = ctx.partition("«")
    match, _, after = rest.partition("»")
    return before.lstrip("…"), match, after.rstrip("…")


def folded(text: str) -> str:
    """A text as the quote checks compare it: its spaces collapsed, its case folded."""
    return " ".join(text.split()).casefold()


def _quoted(text: str, ctx: str, anchors: list[tuple[str, str, str]]) -> tuple[str, str] | None:
    """(url, title) of a link whose text holds this mention and whose page's title names it too, or None."""
    needle = folded(text)
    parts = around(ctx, text)
    if parts is None:
        return None
    before, after = folded(parts[0]), folded(parts[2])
    for anchor, url, title in anchors:
        a = anchor.casefold()
        if needle not in a or needle not in folded(title):
            continue
        j = a.find(needle)
        while j >= 0:   # the mention is this occurrence in the link's text: the words around it are the link's
            head, tail = a[:j].strip(), a[j + len(needle):].strip()
            # (a link that is the name alone, a menu's or a logo's, is the name in use: never a quote)
            if (head or tail) and before.endswith(head) and after.startswith(tail):
                return url, title
            j = a.find(needle, j + 1)
    return None


def summary(hits: list) -> str:
    """The reasons of the deliberate mentions among ``hits``, each once (a quoted title's without its page)."""
    return "; ".join(dict.fromkeys(h.extra["deliberate"].replace(" (quoted_from)", "") for h in hits
                                   if h.extra.get("deliberate")))
