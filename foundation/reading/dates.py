"""The raw date signals of one HTML page: what it says about its own dates, never judged here (the date
analysis, ``analysis/dates``, judges them).

Found where pages put them: JSON-LD (walked, with ``sameAs`` profiles kept as links), microdata, ``<meta>``
tags, ``<time>`` elements, elements whose class or id says date, phrases in the visible text ("Last
updated: 2 May 2019"), bare dates near the headline, copyright notices, the title, and dates in the URL.

The page reader (``page.py``) parses the document once and queries it once (its PAGE_SELECTOR includes
DATES_SELECTOR); the functions here read the nodes and texts it hands over and never query the tree
themselves.  Each appends to the page's list of signals, at most MAX_SIGNALS of them.
"""
from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable

from selectolax.lexbor import LexborNode

from foundation.facts import DateSignal, RawLink
from foundation.reading.text import clean, node_text

MAX_SIGNALS = 60          # date signals kept per page
MAX_SIGNAL_CHARS = 200    # characters kept per signal value
MAX_JSONLD_NODES = 2_000
MAX_CLASS_SIGNALS = 10    # elements whose class says date
MAX_TIME_SIGNALS = 25     # <time> elements (each gives up to two signals: datetime and text)
MAX_SCRIPT_SIGNALS = 8    # dates under publication keys in scripts that are not JSON-LD
MAX_SCRIPT_TRIES = 40     # places a key's substring is looked at in one script
MAX_PERMALINKS = 3        # dated data-permalink attributes
CONTAINER_LEVELS = 8      # ancestors looked up for a link or a list container around a dated element
_CONTAINER_STOP = frozenset(("body", "html", "main", "article"))
_CONTAINER_TAGS = frozenset(("div", "section", "ul", "ol", "li", "aside", "nav", "p", "span", "footer", "header"))
# container class or id words that name a list of other articles (the analysis judges; this only records where)
_CONTAINER = re.compile(r"teaser|related|recommend|similar|popular|trending|most-?read|meistgelesen|carousel|"
                        r"slider|widget|toplist|more-?(?:news|stories|articles)|weitere|empfehl|verwandt|"
                        r"other-?(?:news|posts)", re.I)
# publication keys in a script's JSON or JS object, and their value when it starts with a year or a day
_SCRIPT_KEY_HINTS = ("ublish", "ublication", "reated")
_SCRIPT_DATE = re.compile(
    r"\\?[\"']((?:date_?)?publi(?:shed|cation|sh)_?(?:at|date|time|on)?|date_?published|first_?published(?:_?(?:at|date))?"
    r"|created_?(?:at|on)|date_?created)\\?[\"']\s*:\s*\\?[\"']((?:19|20)\d\d-[01]\d-[0-3]\d[^\"'\\]{0,24})", re.I)
_LOCATION = re.compile(r"location\.href\s*=\s*[\"']([^\"']{8,300})")

DATE_KEYS = frozenset((
    "datepublished", "datemodified", "datecreated", "uploaddate", "startdate", "enddate", "validthrough", "validfrom",
    "expires", "availabilityends", "availabilitystarts", "pricevaliduntil", "lastreviewed", "datereleased", "dateissued",
    "copyrightyear", "releasedate", "applicationdeadline", "datedeleted", "dateposted", "temporalcoverage",
))
_META_DATE = re.compile(r"date|time|modified|published|created|updated|uploaded|issued|expir|copyright|revised"
                        r"|^(?:og|twitter):image(?::(?:secure_)?url)?$", re.I)   # (a preview image's path may be dated)
_META_NOT_DATE = frozenset(("viewport", "theme-color", "format-detection", "twitter:card"))
# Elements whose class or id says they hold a date (or the byline / meta line that usually does): found with
# substring selectors in C, then the class is checked here. Their text is kept when short and date-like.
# ("dat" finds date, datum, update, dateline, pubdate; "meta" the post-meta lines; "auth" the author lines
# that carry the date.) Every selector costs a pass over the tree (about 0.035 ms on a news page), so the
# list is short: measured with benchmarks/dates_eval.py, more words (info, byline, submitted, time, publi,
# posted, modif) find a page's own date on 4 more pages of 811 for 0.1 ms more per page. <time> elements
# are found by tag, phrases such as "Updated: 5 May 2020" in the text.
_CLASS_DATE_WORDS = ("dat", "meta", "auth")
_CLASS_DATE = re.compile("(" + "|".join(_CLASS_DATE_WORDS) + "|lastmod)", re.I)
CLASS_DATE_SELECTOR = ", ".join(f"[class*={w} i]" for w in _CLASS_DATE_WORDS)
# Elements whose class names a time ("h-time", "post-time", "timestamp"): found with one more substring selector,
# the token checked here (a "timeline" or "runtime" is not one).
_CLASS_TIME = re.compile(r"(?:^|[-_\s])(?:time|timestamp|pubtime|posttime|zeit)(?=$|[-_\s])", re.I)
# JSON-LD and the page's other scripts, microdata, <h1>, <time>, <abbr title>, permalinks and dated classes in one
# pass (<meta itemprop> is read with the other meta tags).
DATES_SELECTOR = ("script, [itemprop], h1, time, abbr[title], [data-permalink], [class*=time i], "
                  + CLASS_DATE_SELECTOR)

_CLASS_SKIP_TAGS = frozenset(("html", "body", "head", "main", "article", "section", "nav", "header", "footer", "aside",
                              "ul", "ol", "table", "tbody", "form", "meta", "script", "style", "link", "img", "input",
                              "select", "option", "textarea", "button", "svg", "path", "iframe"))
# date-like text, to tell a date line from any other short text with digits (raw values stay as written)
_LOOKS_DATED = re.compile(
    r"(?=\d)(?:(?:19|20)\d\d(?!\d)|\d{1,2}[./]\s?\d{1,2}[./]\s?\d\d"
    r"|\d{1,3}\s?(?:min|h\b|std|stunde|hour|tag|day|woche|week|monat|month|jahr|year|jour|heure|semaine|mois))",
    re.I,
)
# A bare date in the visible text ("16.10.2019", "2019-10-16", "16. Oktober 2019", "October 16, 2019"): read
# near the headline only (see _text_dates). Unanchored words before a year are checked by the analysis.
_BARE_DATE = re.compile(
    r"(?=\d)(?<![\w.,/-])(?:\d{1,2}\.\s?\d{1,2}\.\s?(?:19|20)?\d\d(?![\d:]|\.\d)"
    r"|(?:19|20)\d\d-[01]\d-[0-3]\d(?!\d)"
    r"|\d{1,2}/\d{1,2}/(?:19|20)?\d\d(?![\d/])"
    r"|\d{1,2}(?:st|nd|rd|th|er|\.)?\s?(?:de\s)?[^\W\d_]{3,10}\.?,?\s(?:de\s)?(?:19|20)\d\d(?!\d)"
    r"|(?P<md>\d{1,2}(?:st|nd|rd|th)?,?\s(?:19|20)\d\d(?!\d)))"
)
# a date in the path of a URL (a preview image's: /2019/05/04/photo.jpg), as the analysis reads it
_PATH_DATE = re.compile(r"/(?:19|20)\d{2}[/_-](?:0?[1-9]|1[0-2])(?:[/_-](?:0?[1-9]|[12]\d|3[01]))?(?=[/_.-])")
_MONTH_BEFORE = re.compile(r"[^\W\d_]{3,10}\.?\s$")   # "October " before "16, 2019"
# the words that make a date near the headline part of what the page tells, not when it was written
_HISTORY_BEFORE = re.compile(
    r"\b(?:since|seit(?:\s+dem)?|depuis(?:\s+le)?|desde(?:\s+el)?|sinds"   # (not "vom", "du": "Artikel vom 20.01.2022")
    r"|introduced|opened|founded|established|launched|began|started|born|died|built|signed|enacted|effective"
    r"|in\s+force|came\s+into\s+force)(?:\s+(?:on|in|at|the|der|dem|le|el))?\s*[,:]?\s*\Z", re.I)
BARE_DATE_WINDOW = (300, 1500)   # characters before and after the headline's start searched for bare dates
MAX_BARE_DATES = 4
# A table of versions or revisions ("Version | Approved by | Date approved", "Revision | Date | Changes", a document
# history, a change log): a header that names both a version and a date (no digit between them) right before two dates
# or more, each row close to the last.  Its dates are the page's changes (signal name "revision"): the latest is its
# last update, not the first row's.
_VERSION_WORDS = (r"(?:version|revision|rev\.?|issue|document\s+(?:control|history)|change\s*log|change\s+history"
                  r"|amendments?|änderung|fassung)")
_DATED_WORDS = r"(?:date|dated|approved|reviewed|updated|issued|datum|fecha)"
_REVISION_HEAD = re.compile(rf"\b{_VERSION_WORDS}\b[^\d.!?]{{0,60}}?\b{_DATED_WORDS}\b"
                            rf"|\b{_DATED_WORDS}\b[^\d.!?]{{0,60}}?\b{_VERSION_WORDS}(?![\w.])", re.I)
REVISION_HEAD_GAP = 80    # at most this many characters from the header to the first row's date
REVISION_ROW_GAP = 160    # ... and from one row's date to the next
MAX_REVISION_DATES = 12
# Visible phrases that announce a date ("Last updated: 2 May 2019"), found in two steps: a plain
# substring search for the keywords in the lower-cased text (fast), then this pattern at each hit.
# (keywords at the start of a word: "publi" finds published, publication, publié; "revi" reviewed, revised)
_TEXT_DATE_KEYS = ("updated", "modified", "posted", "publi", "revi", "created", "stand", "aktualisiert", "veröffentlicht",
                   "erstellt", "mis à jour", "mise à jour", "erschienen", "geändert", "änderung", "edited", "zuletzt", "datum", "date:",
                   "wurde am")   # ("Dieser Artikel wurde am 14. Dezember 2015 um 14:48 von ... veröffentlicht")
_TEXT_DATE_PREFIX = re.compile(r"(?:last|page|date\s+of|letzte)\s+$")
_TEXT_DATE = re.compile(
    r"(?:updated|modified|posted|published|reviewed|revised|"
    r"created|publication|stand|aktualisiert|veröffentlicht|erstellt|mise?\s+à\s+jour|publié|erschienen|geändert|"
    r"änderung|edited|zuletzt|datum|date|wurde(?=\s+am\b))(?:\s+(?:on|am|le|at|vom))?"
    r"\s*[:\-–]?\s*[^\n.!?]{0,12}?\d(?:[^\n]{0,30}?\b(?:1[89]|2\d)\d{2}\b|[^\n]{0,16})",  # up to the year, if any
    re.I,
)
_TEXT_DATE_KEYS_ASCII = tuple(k for k in _TEXT_DATE_KEYS if k.isascii())   # for texts without é, ä, ö, ü
MAX_PHRASES = 12
PHRASE_REGIONS = ("main", "header", "footer", "aside", "body")   # (a date in the navigation is not the page's)
PHRASE_HEAD, PHRASE_TAIL = 3_000, 1_500   # characters of a long text searched for phrases: around the headline, and its end
_COPYRIGHT_KEYS = ("©", "(c)", "copyright")
_COPYRIGHT = re.compile(r"(?:©|\(c\)|copyright)\s*(?:(?P<day>\d{1,2}\.\s?\d{1,2}\.\s?(?:19|20)\d{2}"
                        r"|(?:19|20)\d{2}-[01]\d-[0-3]\d)(?!\d)"     # "Copyright © 19.12.2019": a full date (name "date")
                        r"|(?:\s*(?:19|20)\d{2}\s*(?:[-–—/]|to|bis)\s*)?(?:19|20)\d{2}"
                        # a run of years to a short year or to now: "© 2009–26", "© 2009 – present"
                        r"(?:\s*(?:[-–—/]|to|bis)\s*(?:\d{2}(?![\d.])|present|now|today|date|heute|aujourd['’]hui|hoy|oggi|heden)\b)?)", re.I)
# a notice that credits someone else's work, not the site's ("Photo © 2016 Jane Smith", "Image: © 2019 Getty")
_CREDIT = re.compile(r"(?:photo(?:graph)?s?|images?|pictures?|illustrations?|credits?|fotos?|bild(?:er)?|artwork|icons?|"
                     r"map data|cover|video)\b[^.!?\n]{0,12}$", re.I)
_COPYRIGHT_DAY = re.compile(r"\d\.\s?(?:19|20)\d\d$|(?:19|20)\d\d-[01]\d-[0-3]\d$")   # a notice that gives a day
MAX_COPYRIGHTS = 3
COPYRIGHT_TAIL = 1_500   # the end of the main text searched for copyright notices (all of the footer)
_URL_DATE = re.compile(
    r"/((?:19|20)\d{2})[/_-](0?[1-9]|1[0-2])(?:[/_-](0?[1-9]|[12]\d|3[01]))?(?=[/_.-]|$)"
    r"|/((?:19|20)\d{2})(0[1-9]|1[0-2])([0-2]\d|3[01])(?=[/_.-]|$)")


def _find_all(text: str, lower: str, keys: tuple[str, ...], pattern: re.Pattern[str], limit: int,
              prefix: re.Pattern[str] | None = None, not_after: re.Pattern[str] | None = None) -> list[str]:
    """Matches of pattern at the start of a word that is one of the keywords, extended backwards over
    the words ``prefix`` matches just before it ("Last " + "updated: ..."); none just after what ``not_after``
    matches (a photo credit before a copyright sign)."""
    starts = []
    for k in keys:
        i = lower.find(k)
        while i >= 0 and len(starts) < limit * 4:
            if i == 0 or not lower[i - 1].isalnum():
                starts.append(i)
            i = lower.find(k, i + len(k))
    starts.sort()
    hits: list[str] = []
    last_end = -1
    for st in starts:
        if st < last_end:
            continue
        m = pattern.match(text, st, st + 120)
        if m and not_after is not None and not_after.search(lower, max(0, st - 30), st):
            continue
        if m:
            begin = st
            if prefix is not None and st:
                p = prefix.search(lower, max(0, st - 16), st)
                if p and p.start() >= last_end:
                    begin = p.start()
            hits.append(text[begin:m.end()])
            last_end = m.end()
            if len(hits) >= limit:
                break
    return hits


def add_signal(signals: list[DateSignal], source: str, name: str, value: str | None, context: str = "") -> None:
    """Keep a raw date signal (whitespace collapsed, cut to MAX_SIGNAL_CHARS), up to MAX_SIGNALS a page."""
    if value is None or len(signals) >= MAX_SIGNALS:
        return
    if "  " in value or "\n" in value or "\t" in value or "\r" in value or "\xa0" in value:
        value = " ".join(value.split())
    else:
        value = value.strip()
    if value:
        signals.append(DateSignal(source, name[:80], value[:MAX_SIGNAL_CHARS], context[:120]))


def _walk_jsonld(node, signals: list[DateSignal], links: list[RawLink], typ: str, budget: list[int]) -> None:
    budget[0] -= 1
    if budget[0] < 0:
        return
    if type(node) is list:
        for n in node:
            if type(n) is dict or type(n) is list:
                _walk_jsonld(n, signals, links, typ, budget)
    elif type(node) is dict:
        t = node.get("@type", typ)
        if isinstance(t, list):
            t = ",".join(str(x) for x in t[:3])
        t = str(t) if t else typ
        memo = _DATE_KEY_MEMO
        for k, v in node.items():
            if k == "sameAs":
                _same_as(v, links, t)
                continue
            tv = type(v)
            if tv is dict or tv is list:
                _walk_jsonld(v, signals, links, t, budget)
            elif tv is str or tv is int:
                d = memo.get(k)
                if d is None:
                    d = _is_date_key(k)
                if d:
                    add_signal(signals, "jsonld", k, str(v), t)


def _same_as(v, links: list[RawLink], typ: str) -> None:
    """JSON-LD sameAs (the organisation's profiles elsewhere): recorded as links of kind "sameas", the
    JSON-LD @type as their anchor.  A URL string, a list of them, or {"@id": URL}."""
    for u in (v if type(v) is list else (v,))[:50]:
        if type(u) is dict:
            u = u.get("@id")
        if type(u) is str and u.strip():
            links.append(RawLink(len(links), "sameas", u.strip(), None, typ[:100] or None, "head", False, False))


_DATE_KEY_MEMO: dict[str, bool] = {}


def _is_date_key(k: str) -> bool:
    """k.lower() in DATE_KEYS, memoised (JSON-LD repeats the schema.org vocabulary on every page)."""
    r = _DATE_KEY_MEMO.get(k)
    if r is None:
        r = k.lower() in DATE_KEYS
        if len(_DATE_KEY_MEMO) < 10_000:
            _DATE_KEY_MEMO[k] = r
    return r


def _jsonld(text: str, signals: list[DateSignal], links: list[RawLink]) -> None:
    text = text.strip()
    if text.startswith("<!--"):
        text = text[4:]
    if text.endswith("-->"):
        text = text[:-3]
    try:
        data = json.loads(text, strict=False)
    except (ValueError, RecursionError):
        signals.append(DateSignal("jsonld", "error", "invalid JSON-LD", ""))
        return
    try:
        _walk_jsonld(data, signals, links, "", [MAX_JSONLD_NODES])
    except RecursionError:
        pass


_DATE_META_MEMO: dict[str, int] = {}


def _date_meta(key: str) -> int:
    """Whether a <meta> name (lower-cased) may carry a date: 0 no, 1 yes, 2 a preview image's URL (a date only
    when its path has one). Memoised: pages repeat the same names."""
    r = _DATE_META_MEMO.get(key)
    if r is None:
        m = _META_DATE.search(key) if key not in _META_NOT_DATE else None
        r = 0 if m is None else 2 if key.startswith(("og:image", "twitter:image")) and "date" not in key else 1
        if len(_DATE_META_MEMO) < 10_000:
            _DATE_META_MEMO[key] = r
    return r


def meta_date(signals: list[DateSignal], key: str, name: str, content: str) -> None:
    """The date signal of a <meta> tag (``key``: its name lower-cased), if its name says it may carry one (a
    preview image's URL only when its path is dated)."""
    if key == "og:url":   # the page's own address, as it names itself to sharers (/2016/05/22/)
        url_dates(signals, content, "og:url")
        return
    kind = _date_meta(key)
    if kind == 1 or (kind == 2 and _PATH_DATE.search(content) is not None):
        add_signal(signals, "meta", name, content)


def element_dates(nodes: Iterable[LexborNode], signals: list[DateSignal], links: list[RawLink],
                  region_of: Callable[[LexborNode], str]) -> None:
    """JSON-LD, microdata, <time> elements and elements whose class says date, in document order. ``nodes``:
    the page's one query, which includes DATES_SELECTOR (each pass over the tree costs; one pass with all the
    selectors costs least: other tags in it are passed over). JSON-LD ``sameAs`` profiles go to ``links``.
    ``region_of(node)``: the page region an element sits in. <time> and dated elements are placed relative
    to the first <h1>: "main h1+1 entry-date" is the first of them after the headline, in the main content;
    "header pre-h1 ..." one before it."""
    h1_seen = False
    after = n_time = n_class = n_script = n_permalink = 0
    last_text = None
    memo: dict[int, str] = {}
    for node in nodes:
        tag = node.tag
        if tag == "script":
            a = node.attributes
            if "src" in a:
                continue   # (an external script: no text here)
            typ = (a.get("type") or "").lower()
            if "ld+json" in typ:
                _jsonld(node.text(deep=True), signals, links)
            elif n_script < MAX_SCRIPT_SIGNALS and ("json" in typ or "javascript" in typ or not typ):
                n_script += script_dates(node.text(deep=True), signals, MAX_SCRIPT_SIGNALS - n_script)
            continue
        if tag == "h1":
            h1_seen = True
            continue
        if tag == "meta" or tag == "base":
            continue  # read with the head's metadata
        a = node.attributes
        permalink = a.get("data-permalink")
        if permalink is not None and n_permalink < MAX_PERMALINKS and _URL_DATE.search(permalink):
            n_permalink += 1
            url_dates(signals, permalink, "data-permalink", f"{region_of(node)} {tag}{container(node, memo)}")
        ip = a.get("itemprop")
        if ip is not None and ip.lower() in DATE_KEYS:
            add_signal(signals, "microdata", ip, a.get("content") or a.get("datetime") or node_text(node), tag)
        if tag == "time":
            if n_time >= MAX_TIME_SIGNALS:
                continue
            n_time += 1
            cls = (a.get("class") or ip or ("pubdate" if "pubdate" in a else "")).strip()
            dt = a.get("datetime")
            t = node_text(node)
            if not dt and not t:
                continue
            after += h1_seen
            where = f"{region_of(node)} {'h1+' + str(after) if h1_seen else 'pre-h1'}"
            ctx = where + (f" {cls}" if cls else "") + container(node, memo)
            if dt:
                add_signal(signals, "time", "datetime", dt, ctx)
            if t:
                add_signal(signals, "time", "text", t, ctx)
            continue
        if tag == "abbr":   # <abbr title="Freitag, 6. Oktober 2017 um 04:00" data-utime="...">: a date for readers
            title = a.get("title")
            if n_time < MAX_TIME_SIGNALS and title and _LOOKS_DATED.search(title):
                n_time += 1
                after += h1_seen
                where = f"{region_of(node)} {'h1+' + str(after) if h1_seen else 'pre-h1'}"
                add_signal(signals, "time", "abbr-title", title, f"{where} abbr{container(node, memo)}")
            continue
        if tag in _CLASS_SKIP_TAGS or n_class >= MAX_CLASS_SIGNALS:
            continue
        cls = a.get("class") or ""
        m = _CLASS_DATE.search(cls) or _CLASS_TIME.search(cls)
        attr = cls
        if not m:
            attr = a.get("id") or ""
            m = _CLASS_DATE.search(attr)
            if not m:
                continue
        raw = node.text(deep=True, separator=" ")
        t = clean(raw, 400) if len(raw) < 2000 else None
        if t is not None and (len(t) >= 200 or _LOOKS_DATED.search(t) is None):
            t = None   # a short, dated line is kept (a container is not one)
        if not t or t == last_text:
            title = a.get("title")  # <span title="20.06.2018">, <abbr title="...">
            if not title or not _LOOKS_DATED.search(title):
                continue
            t = clean(title, 200)
        last_text = t
        after += h1_seen
        where = f"{region_of(node)} {'h1+' + str(after) if h1_seen else 'pre-h1'}"
        token = attr[attr.rfind(" ", 0, m.start() + 1) + 1:].split(None, 1)[0]  # the class token that says date
        add_signal(signals, "class", token.lower(), t, f"{where} {tag}.{cls.strip()[:60]}{container(node, memo)}")
        n_class += 1


def text_dates(signals: list[DateSignal], texts: dict[str, str], h1: str | None, title: str | None) -> None:
    """Dates in the visible text: announced by a phrase ("Last updated: 2 May 2019") in any region but the
    navigation (in the main text: around the headline and at its end), copyright notices at the end of the
    page, bare dates around the headline (from 300 characters before it to 1,500 after), and a date in the
    title. ``texts``: the page's text by region; ``h1``: its first headline."""
    main_region = "main" if "main" in texts else "body"
    main = texts.get(main_region) or ""
    pos = main.find(h1[:60]) if h1 else -1
    n_phrases = n_copyright = 0
    for r in PHRASE_REGIONS:
        t = texts.get(r)
        if not t:
            continue
        if len(t) > PHRASE_HEAD + PHRASE_TAIL:   # phrases sit around the headline or at the end of the content
            head = max(0, pos - 500) if r == main_region and pos > 0 else 0
            t = t[head:head + PHRASE_HEAD] + " \n " + t[-PHRASE_TAIL:]
        lower = t.lower()
        if n_phrases < MAX_PHRASES:
            keys = _TEXT_DATE_KEYS_ASCII if t.isascii() else _TEXT_DATE_KEYS
            for hit in _find_all(t, lower, keys, _TEXT_DATE, MAX_PHRASES - n_phrases, _TEXT_DATE_PREFIX):
                add_signal(signals, "text", "phrase", hit, r)
                n_phrases += 1
        if n_copyright < MAX_COPYRIGHTS and r not in ("header", "aside"):
            tail = max(0, len(t) - COPYRIGHT_TAIL) if r != "footer" else 0   # notices close the page
            for hit in _find_all(t[tail:], lower[tail:], _COPYRIGHT_KEYS, _COPYRIGHT, MAX_COPYRIGHTS - n_copyright,
                                 not_after=_CREDIT):
                add_signal(signals, "copyright", "date" if _COPYRIGHT_DAY.search(hit) else "notice", hit, r)
                n_copyright += 1
    before, after = BARE_DATE_WINDOW
    start = max(0, pos - before) if pos >= 0 else 0
    found: list[tuple[int, int]] = []   # (start, end) of each bare date, in text order
    for m in _BARE_DATE.finditer(main, start, (pos if pos >= 0 else 0) + after):
        begin = m.start()
        if m.group("md"):
            w = _MONTH_BEFORE.search(main, max(0, begin - 12), begin)
            if w is None:
                continue
            begin = w.start()
        if _HISTORY_BEFORE.search(main, max(0, begin - 32), begin):
            continue   # "introduced on 6 April 2017", "Seit dem 1. Januar 2005": what the page tells of, not its byline
        found.append((begin, m.end()))
        if len(found) >= MAX_BARE_DATES + MAX_REVISION_DATES:
            break
    rows = _revision_rows(main, found)
    n = 0
    for i, (begin, end) in enumerate(found):
        if i not in rows:
            if n >= MAX_BARE_DATES:
                continue
            n += 1
        where = f"{main_region} h1{begin - pos:+d}" if pos >= 0 else f"{main_region} @{begin}"
        add_signal(signals, "text", "revision" if i in rows else "date", main[begin:end], where)
    if title:
        for m in _BARE_DATE.finditer(title):
            if not m.group("md"):
                add_signal(signals, "text", "title", m.group(0), "title")
                break


def _revision_rows(text: str, found: list[tuple[int, int]]) -> set[int]:
    """The indexes in ``found`` (bare dates, in text order) of the rows of a table of versions: a run of two dates
    or more, each at most REVISION_ROW_GAP characters after the last, right after a header that names a version and
    a date ("Version | Approved by | Date approved")."""
    rows: set[int] = set()
    i = 0
    while i < len(found) - 1:
        begin = found[i][0]
        head = None
        for head in _REVISION_HEAD.finditer(text, max(0, begin - REVISION_HEAD_GAP - 120), begin):
            pass   # (the last header before the date)
        j = i
        while j + 1 < len(found) and found[j + 1][0] - found[j][1] <= REVISION_ROW_GAP:
            j += 1
        if head is not None and begin - head.end() <= REVISION_HEAD_GAP and j > i:
            rows.update(range(i, min(j + 1, i + MAX_REVISION_DATES)))
            i = j + 1
        else:
            i += 1
    return rows


def url_dates(signals: list[DateSignal], url: str, name: str, context: str = "") -> None:
    """Dates in the path of a URL (/2019/05/04/, /20190504/), as signals named ``name`` (path, canonical, og:url,
    location.href, data-permalink)."""
    for m in _URL_DATE.finditer(url.split("?", 1)[0]):
        add_signal(signals, "url", name, m.group(0).strip("/"), context)


def container(node: LexborNode, memo: dict[int, str] | None = None) -> str:
    """Where an element sits, when that says its date may be another page's: " in-link" inside an <a href> to
    another address (not "#..."), " in:<tag>.<class>" inside a container whose class or id names a list of
    other articles (teaser, related, ...), looked up to CONTAINER_LEVELS ancestors; '' otherwise. ``memo``
    (one per page): what each ancestor says, read once (the items of a list share their ancestors)."""
    out = ""
    link = False
    node = node.parent
    for _ in range(CONTAINER_LEVELS):
        if node is None:
            break
        tag = node.tag
        if tag in _CONTAINER_STOP:
            break
        if tag == "a" or tag in _CONTAINER_TAGS:
            key = node.mem_id
            said = memo.get(key) if memo is not None else None
            if said is None:
                said = _ancestor(tag, node.attributes)
                if memo is not None:
                    memo[key] = said
            if said == " in-link":
                link = True
            elif said:
                out = said
                break
        node = node.parent
    return (" in-link" if link else "") + out


def _ancestor(tag: str, a: dict) -> str:
    """What one ancestor says about the dates inside it: " in-link", " in:div.related-news", or ''."""
    if tag == "a":
        href = a.get("href")
        return " in-link" if href and not href.lstrip().startswith(("#", "javascript:")) else ""
    words = f"{a.get('class') or ''} {a.get('id') or ''}"
    m = _CONTAINER.search(words) if len(words) > 1 else None
    if m is None:
        return ""
    start = words.rfind(" ", 0, m.start()) + 1   # the whole class token: "related-news-widget"
    end = words.find(" ", m.end())
    return f" in:{tag}.{words[start:end if end >= 0 else len(words)][:30]}"


def script_dates(text: str, signals: list[DateSignal], limit: int) -> int:
    """Dates under publication keys in a script that is not JSON-LD ("published_at", "createdAt", "datePublished"
    in application/json or an inline JS object; escaped quotes too), and a dated ``location.href`` the script
    sends the reader to. Raw: a script often holds other items' dates too (the analysis judges: a key with
    several days is a list). Returns the number of signals added."""
    n = 0
    hits = []
    for k in _SCRIPT_KEY_HINTS:   # (a substring search finds the few keys; the pattern is tried only there)
        i = text.find(k)
        tries = 0
        while i >= 0 and tries < MAX_SCRIPT_TRIES:
            tries += 1
            m = _SCRIPT_DATE.search(text, max(0, i - 16), i + 80)
            if m is not None and m.start(1) <= i:
                hits.append((m.start(), m.group(1), m.group(2)))
            i = text.find(k, i + len(k))
    for _, key, value in sorted(hits)[:limit]:
        add_signal(signals, "script", key, value, "script")
        n += 1
    if "location.href" in text:
        m = _LOCATION.search(text)
        if m and _URL_DATE.search(m.group(1)):
            before = len(signals)
            url_dates(signals, m.group(1), "location.href", "script")
            n += len(signals) - before
    return n
