"""Facts from one HTML page.

``extract_html(body, content_type)`` returns a :class:`PageFacts`: head
metadata, every outgoing link with its kind, anchor text and the region of the
page it sits in (head, nav, header, footer, aside, main, body), the text of
each region, and the raw date signals (never judged here: the date analysis
judges them).  It does not resolve URLs: links keep their raw ``href`` and
the caller resolves them once per distinct value.

The page is parsed with Lexbor (through selectolax), an HTML5 parser that
builds the same tree a browser does, and queried with CSS selectors that run
in C; Python only touches the elements that matter (links, region roots,
date-bearing elements).  This runs for every page of a crawl: see the README's
"Libraries" section and benchmarks/parsers.py for what the alternatives cost.
"""
from __future__ import annotations

import hashlib
import json
import operator
import re
from dataclasses import dataclass, field
from itertools import accumulate

from selectolax.lexbor import LexborHTMLParser, LexborNode
from w3lib.encoding import html_to_unicode

from foundation.facts import DateSignal, RawLink

MAX_SIGNALS = 60          # date signals kept per page
MAX_SIGNAL_CHARS = 200    # characters kept per signal value
MAX_TEXT_CHARS = 2_000_000
MAX_JSONLD_NODES = 2_000
MAX_CLASS_SIGNALS = 10    # elements whose class says date
MAX_TIME_SIGNALS = 25     # <time> elements (each gives up to two signals: datetime and text)
MAX_HTML_DEPTH = 2_000    # deeper pages are read without their structure (see nesting_depth)

# ---------------------------------------------------------------------------- regions
REGION_TAGS = {"nav": "nav", "header": "header", "footer": "footer", "aside": "aside", "main": "main", "article": "main"}
ROLE_REGIONS = {"navigation": "nav", "banner": "header", "contentinfo": "footer", "complementary": "aside",
                "main": "main", "search": "nav", "menubar": "nav", "menu": "nav"}
TEMPLATE = ("nav", "header", "footer", "aside")
# class or id tokens that mark a template region on a block element outside any explicit region
_HINT = re.compile(
    r"^(?:site|global|main|top|primary|secondary|sub|mobile)?[-_]?"
    r"(nav|navbar|navigation|menu|breadcrumbs?|header|masthead|footer|sidebar)$",
    re.I,
)
_HINT_REGION = {"nav": "nav", "navbar": "nav", "navigation": "nav", "menu": "nav", "breadcrumb": "nav",
                "breadcrumbs": "nav", "header": "header", "masthead": "header", "footer": "footer", "sidebar": "aside"}
_HINT_TAGS = ("div", "section", "ul")   # the containers that templates mark with a class or id
# region roots, and the elements whose class or id may name one (their tokens are checked in Python)
REGION_SELECTOR = ", ".join(
    ["nav", "header", "footer", "aside", "main", "article", "[role]"]
    + [f"{t}[{a}]" for t in _HINT_TAGS for a in ("class", "id")]
)
SKIP_TAGS = ["script", "style", "noscript", "template", "svg", "math", "iframe", "object", "select", "textarea", "canvas"]

# ---------------------------------------------------------------------------- links
LINK_ATTR = {
    "a": "href", "area": "href", "link": "href", "img": "src", "script": "src", "iframe": "src", "frame": "src",
    "form": "action", "embed": "src", "object": "data", "video": "src", "audio": "src", "source": "src", "track": "src",
}
LINK_SELECTOR = ", ".join([f"{t}[{a}]" for t, a in LINK_ATTR.items()] + ["img[data-src]", "meta[http-equiv]"])
_REFRESH = re.compile(r"url\s*=\s*['\"]?([^'\";]+)", re.I)

# ---------------------------------------------------------------------------- dates
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
# JSON-LD, microdata, <h1>, <time> and dated classes in one pass (<meta itemprop> is read with the other meta tags).
DATES_SELECTOR = "script[type*=ld i], [itemprop], h1, time, " + CLASS_DATE_SELECTOR
# ... and the head's <meta> and <base> with them: every query is a pass over the whole tree, so the head
# metadata, the <h1> and the date-bearing elements are found by one query.
HEAD_SELECTOR = "meta, base[href], h1"
PAGE_SELECTOR = "meta, base[href], " + DATES_SELECTOR
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
BARE_DATE_WINDOW = (300, 1500)   # characters before and after the headline's start searched for bare dates
MAX_BARE_DATES = 4
# Visible phrases that announce a date ("Last updated: 2 May 2019"), found in two steps: a plain
# substring search for the keywords in the lower-cased text (fast), then this pattern at each hit.
# (keywords at the start of a word: "publi" finds published, publication, publié; "revi" reviewed, revised)
_TEXT_DATE_KEYS = ("updated", "modified", "posted", "publi", "revi", "created", "stand", "aktualisiert", "veröffentlicht",
                   "erstellt", "mis à jour", "erschienen", "geändert", "änderung", "edited", "zuletzt", "datum", "date:")
_TEXT_DATE_PREFIX = re.compile(r"(?:last|page|date\s+of|letzte)\s+$")
_TEXT_DATE = re.compile(
    r"(?:updated|modified|posted|published|reviewed|revised|"
    r"created|publication|stand|aktualisiert|veröffentlicht|erstellt|mis\s+à\s+jour|publié|erschienen|geändert|"
    r"änderung|edited|zuletzt|datum|date)(?:\s+(?:on|am|le|at|vom))?"
    r"\s*[:\-–]?\s*[^\n.!?]{0,12}?\d(?:[^\n]{0,30}?\b(?:1[89]|2\d)\d{2}\b|[^\n]{0,16})",  # up to the year, if any
    re.I,
)
_TEXT_DATE_KEYS_ASCII = tuple(k for k in _TEXT_DATE_KEYS if k.isascii())   # for texts without é, ä, ö, ü
MAX_PHRASES = 12
PHRASE_REGIONS = ("main", "header", "footer", "aside", "body")   # (a date in the navigation is not the page's)
PHRASE_HEAD, PHRASE_TAIL = 3_000, 1_500   # characters of a long text searched for phrases: around the headline, and its end
_COPYRIGHT_KEYS = ("©", "(c)", "copyright")
_COPYRIGHT = re.compile(r"(?:©|\(c\)|copyright)\s*(?:\s*(?:19|20)\d{2}\s*(?:[-–—/]|to|bis)\s*)?(?:19|20)\d{2}", re.I)
MAX_COPYRIGHTS = 3
COPYRIGHT_TAIL = 1_500   # the end of the main text searched for copyright notices (all of the footer)
_URL_DATE = re.compile(
    r"/((?:19|20)\d{2})[/_-](0?[1-9]|1[0-2])(?:[/_-](0?[1-9]|[12]\d|3[01]))?(?=[/_.-]|$)"
    r"|/((?:19|20)\d{2})(0[1-9]|1[0-2])([0-2]\d|3[01])(?=[/_.-]|$)")


@dataclass
class PageFacts:
    """What a page says about itself; no judgments."""

    encoding: str = ""
    title: str | None = None
    meta_description: str | None = None
    canonical: str | None = None       # raw href of <link rel=canonical>
    meta_robots: str | None = None
    lang: str | None = None
    h1: str | None = None
    h1_count: int = 0
    generator: str | None = None
    refresh: str | None = None         # raw href of a meta refresh
    base_href: str | None = None
    links: list[RawLink] = field(default_factory=list)
    signals: list[DateSignal] = field(default_factory=list)
    texts: dict[str, str] = field(default_factory=dict)  # region -> text
    main_text: str = ""
    word_count: int = 0
    text_hash: str | None = None
    error: str | None = None
    note: str | None = None            # read, but not fully (why, for a person): too deeply nested


def _clean(s: str | None, limit: int = 1000) -> str | None:
    """Collapse whitespace (faster than a regular expression); None for nothing."""
    if s is None:
        return None
    s = " ".join(s.split())
    return s[:limit] if s else None


def _text(node: LexborNode, limit: int = 1000) -> str | None:
    return _clean(node.text(deep=True, separator=" "), limit)


def decode(body: bytes, content_type: str | None) -> tuple[str, str]:
    """(encoding, text): HTTP header, BOM, <meta charset>, then UTF-8 / cp1252, the way browsers and Scrapy do."""
    return html_to_unicode(content_type or "text/html", body)


def _find_all(text: str, lower: str, keys: tuple[str, ...], pattern: re.Pattern[str], limit: int,
              prefix: re.Pattern[str] | None = None) -> list[str]:
    """Matches of pattern at the start of a word that is one of the keywords, extended backwards over
    the words ``prefix`` matches just before it ("Last " + "updated: ...")."""
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


def _signal(facts: PageFacts, source: str, name: str, value: str | None, context: str = "") -> None:
    if value is None or len(facts.signals) >= MAX_SIGNALS:
        return
    if "  " in value or "\n" in value or "\t" in value or "\r" in value or "\xa0" in value:
        value = " ".join(value.split())
    else:
        value = value.strip()
    if value:
        facts.signals.append(DateSignal(source, name[:80], value[:MAX_SIGNAL_CHARS], context[:120]))


def _walk_jsonld(node, facts: PageFacts, typ: str, budget: list[int]) -> None:
    budget[0] -= 1
    if budget[0] < 0:
        return
    if type(node) is list:
        for n in node:
            if type(n) is dict or type(n) is list:
                _walk_jsonld(n, facts, typ, budget)
    elif type(node) is dict:
        t = node.get("@type", typ)
        if isinstance(t, list):
            t = ",".join(str(x) for x in t[:3])
        t = str(t) if t else typ
        memo = _DATE_KEY_MEMO
        for k, v in node.items():
            if k == "sameAs":
                _same_as(v, facts, t)
                continue
            tv = type(v)
            if tv is dict or tv is list:
                _walk_jsonld(v, facts, t, budget)
            elif tv is str or tv is int:
                d = memo.get(k)
                if d is None:
                    d = _is_date_key(k)
                if d:
                    _signal(facts, "jsonld", k, str(v), t)


def _same_as(v, facts: PageFacts, typ: str) -> None:
    """JSON-LD sameAs (the organisation's profiles elsewhere): recorded as links of kind "sameas", the
    JSON-LD @type as their anchor.  A URL string, a list of them, or {"@id": URL}."""
    for u in (v if type(v) is list else (v,))[:50]:
        if type(u) is dict:
            u = u.get("@id")
        if type(u) is str and u.strip():
            facts.links.append(RawLink(len(facts.links), "sameas", u.strip(), None, typ[:100] or None, "head", False, False))


_DATE_KEY_MEMO: dict[str, bool] = {}


def _is_date_key(k: str) -> bool:
    """k.lower() in DATE_KEYS, memoised (JSON-LD repeats the schema.org vocabulary on every page)."""
    r = _DATE_KEY_MEMO.get(k)
    if r is None:
        r = k.lower() in DATE_KEYS
        if len(_DATE_KEY_MEMO) < 10_000:
            _DATE_KEY_MEMO[k] = r
    return r


def _jsonld(text: str, facts: PageFacts) -> None:
    text = text.strip()
    if text.startswith("<!--"):
        text = text[4:]
    if text.endswith("-->"):
        text = text[:-3]
    try:
        data = json.loads(text, strict=False)
    except (ValueError, RecursionError):
        facts.signals.append(DateSignal("jsonld", "error", "invalid JSON-LD", ""))
        return
    try:
        _walk_jsonld(data, facts, "", [MAX_JSONLD_NODES])
    except RecursionError:
        pass


class Regions:
    """Which region of the page each element is in, decided once per region root and memoised by node."""

    def __init__(self, tree: LexborHTMLParser) -> None:
        self.of: dict[int, str] = {}      # mem_id -> region, for region roots and every node looked up since
        self.roots: list[tuple[LexborNode, str]] = []
        self.has_main = False
        head, body = tree.head, tree.body
        if head is not None:
            self.of[head.mem_id] = "head"
        if body is not None:
            self.of[body.mem_id] = "body"
        root = tree.root
        if root is not None:
            self.of[root.mem_id] = "body"
        for node in tree.css(REGION_SELECTOR):  # document order: ancestors come first
            parent_region = self.region(node.parent)
            if parent_region == "head":
                continue
            r = self._own_region(node.tag, node.attributes, parent_region)
            if r is not None and r != parent_region:
                self.of[node.mem_id] = r
                self.roots.append((node, r))

    def _own_region(self, tag: str, attrs: dict, parent_region: str) -> str | None:
        role = (attrs.get("role") or "").strip().lower()
        r = ROLE_REGIONS.get(role) or REGION_TAGS.get(tag)
        if r is not None:
            if r == "main":
                self.has_main = True
                return "main" if parent_region == "body" else None
            if r in ("header", "footer") and parent_region == "main" and not role:
                return None  # an article's own header or footer is content
            return r
        if parent_region != "body" or tag not in _HINT_TAGS:
            return None
        for attr in ("id", "class"):
            for tok in (attrs.get(attr) or "").split():
                m = _HINT.match(tok)
                if m:
                    return _HINT_REGION[m.group(1).lower()]
        return None

    def region(self, node: LexborNode | None) -> str:
        """The region of a node: its own if it is a root, else its nearest root ancestor's (memoised)."""
        path = []
        of = self.of
        while node is not None:
            mid = node.mem_id
            r = of.get(mid)
            if r is not None:
                for m in path:
                    of[m] = r
                return r
            path.append(mid)
            node = node.parent
        for m in path:
            of[m] = "body"
        return "body"


# ---------------------------------------------------------------------------- nesting
# An HTML5 parser's work grows faster than the nesting depth (Lexbor: 12,500 nested <div> 0.2 s, 25,000 1 s,
# 200,000 minutes), so a page's depth is estimated before it is parsed, with one regular expression in C: open
# tags count +1, end tags -1; void elements, self-closed tags and the elements a parser closes by itself
# (p, li, td ...) are not counted.  An estimate (a "<div" inside a script counts), good enough to tell a
# page that nests a few dozen levels from one that nests thousands.
_NOT_COUNTED = frozenset((
    "area base br col embed hr img input link meta param source track wbr keygen command basefont bgsound frame isindex "
    "spacer nextid a p li dt dd option optgroup tr td th tbody thead tfoot colgroup caption rb rt rp rtc html head body "
    "!doctype").split())
_DEPTH_TAG = re.compile(rb"<(/?)([a-zA-Z][^\s/>]*)(?:[^>]*(/)>)?")   # (end tag?, name, self-closed?)
# the fallback keeps only elements that cannot nest (void, raw text, <a> and headings close their own kind)
_KEEP = ("a|area|link|meta|base|title|img|iframe|frame|embed|source|track|script|style|noscript|template|textarea|"
         "h1|h2|h3|h4|h5|h6|br|hr|html|head|body")
_FLATTEN = re.compile(rb"<(?:/?)(?!(?:" + _KEEP.encode() + rb")[\s/>])[a-zA-Z][^>]*>|<!(?!--)[^>]*>", re.I)


def nesting_depth(body: bytes, limit: int = 0) -> int:
    """Estimated element nesting depth of an HTML document (0 when it has no more than ``limit`` tags at all:
    it cannot nest deeper than that, and counting ``<`` costs next to nothing)."""
    if body.count(b"<") <= limit:
        return 0
    tags = _DEPTH_TAG.findall(body)
    step = {}
    for end, name, closed in set(tags):   # a few dozen distinct tags: decided once each, counted in C
        step[(end, name, closed)] = 0 if closed or name.decode("latin-1").lower() in _NOT_COUNTED else -1 if end else 1
    levels = list(accumulate(map(step.__getitem__, tags)))
    if not levels:
        return 0
    bound = max(levels) - min(0, min(levels))   # never less than the depth
    if bound <= limit:
        return bound
    # end tags without a start tag do not make the rest shallower: depth = level - lowest level before it
    return max(map(operator.sub, levels, accumulate(levels, min, initial=0)))


def flatten_html(body: bytes) -> bytes:
    """The document without its structure: every tag but those that cannot nest (links, head metadata, headings,
    scripts ...) removed.  What is left parses in linear time."""
    return _FLATTEN.sub(b" ", body)


def extract_html(body: bytes, content_type: str | None = None, url: str = "", dates: bool = True,
                 max_depth: int = MAX_HTML_DEPTH) -> PageFacts:
    """Parse an HTML document and return its facts; ``dates=False``: all but the date signals (what they cost
    is measured that way: benchmarks/dates_eval.py).  A document nested deeper than ``max_depth`` (0: no limit)
    is read without its structure (:func:`flatten_html`; ``facts.note`` says so)."""
    facts = PageFacts()
    if max_depth:
        depth = nesting_depth(body, max_depth)
        if depth > max_depth:
            body = flatten_html(body)
            facts.note = (f"nested about {depth:,} elements deep (more than max_html_depth = {max_depth:,}): read without "
                          "its structure (title, links and text only; no page regions, no dates from the layout)")
    try:
        facts.encoding, text = decode(body, content_type)
    except Exception as e:  # w3lib is tolerant; this is belt and braces
        facts.error = f"cannot decode: {e}"
        return facts
    if not text.strip():
        facts.error = "empty document"
        return facts
    try:
        # Lexbor parses UTF-8 bytes: a UTF-8 body that decoded without loss is handed over as it came (the same
        # bytes text.encode() would give back, without re-encoding every page)
        same = facts.encoding == "utf-8" and not body.startswith(b"\xef\xbb\xbf") and "\ufffd" not in text
        tree = LexborHTMLParser(body if same else text)
    except Exception as e:
        facts.error = f"unparseable HTML: {e}"[:300]
        return facts
    if tree.body is None and tree.head is None:
        facts.error = "unparseable HTML: no document element"
        return facts

    regions = Regions(tree)
    if url and dates:
        _url_dates(facts, url, "path")
    # <meta>, <base>, <h1> and the date-bearing elements, in one pass
    nodes = _query(tree, PAGE_SELECTOR if dates else HEAD_SELECTOR)
    _head(tree, facts, nodes, dates)
    _links(tree, facts, regions)
    if dates:
        if facts.canonical and facts.canonical != url:
            _url_dates(facts, facts.canonical, "canonical")
        _dates(tree, facts, regions, nodes)
    _texts(tree, facts, regions)
    if dates:
        _text_dates(facts)
    return facts


def _query(tree: LexborHTMLParser, selector: str) -> list[LexborNode]:
    """tree.css(selector) without repeats: Lexbor returns an element once for every selector of the list it
    matches (a <time itemprop=datePublished>, a <div class="post-meta date">), one after the other."""
    out: list[LexborNode] = []
    seen: set[int] = set()
    for node in tree.css(selector):
        mid = node.mem_id
        if mid not in seen:
            seen.add(mid)
            out.append(node)
    return out


def _head(tree: LexborHTMLParser, facts: PageFacts, nodes: list[LexborNode] | None = None, dates: bool = True) -> None:
    """Head metadata, the first <h1>, and the date signals of <meta> tags (unless not ``dates``). ``nodes``: the
    result of ``tree.css(PAGE_SELECTOR)`` (queried here when not given)."""
    if nodes is None:
        nodes = _query(tree, PAGE_SELECTOR)
    html = tree.css_first("html")
    if html is not None:
        facts.lang = _clean(html.attributes.get("lang") or html.attributes.get("xml:lang"), 35)
    title = tree.css_first("title")
    if title is not None:
        facts.title = _clean(title.text(deep=True), 500)
    metas, h1s = [], []
    base = None
    for node in nodes:
        tag = node.tag
        if tag == "meta":
            metas.append(node)
        elif tag == "h1":
            h1s.append(node)
        elif tag == "base" and base is None and "href" in node.attributes:
            base = node
    if base is not None:
        facts.base_href = (base.attributes.get("href") or "").strip() or None
    facts.h1_count = len(h1s)
    if h1s:
        facts.h1 = _text(h1s[0], 500)
    for meta in metas:
        a = meta.attributes
        name = a.get("name") or a.get("property") or a.get("itemprop") or a.get("http-equiv")
        content = a.get("content")
        if not name or content is None:
            continue
        key = name.strip().lower()
        if key == "description" and facts.meta_description is None:
            facts.meta_description = _clean(content, 1000)
        elif key == "robots" and facts.meta_robots is None:
            facts.meta_robots = _clean(content, 200)
        elif key == "generator" and facts.generator is None:
            facts.generator = _clean(content, 200)
        elif key == "content-language" and not facts.lang:
            facts.lang = _clean(content, 35)
        kind = _date_meta(key) if dates else 0
        if kind == 1 or (kind == 2 and _PATH_DATE.search(content) is not None):
            _signal(facts, "meta", name.strip(), content)


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


def _links(tree: LexborHTMLParser, facts: PageFacts, regions: Regions) -> None:
    links = facts.links
    region_of = regions.region
    for node in tree.css(LINK_SELECTOR):
        tag = node.tag
        a = node.attributes
        if tag == "meta":
            if (a.get("http-equiv") or "").strip().lower() != "refresh" or facts.refresh is not None:
                continue
            m = _REFRESH.search(a.get("content") or "")
            if not m:
                continue
            facts.refresh = m.group(1).strip()
            links.append(RawLink(len(links), "meta-refresh", facts.refresh, None, _clean(a.get("content"), 100),
                                 region_of(node), False, False))
            continue
        href = a.get(LINK_ATTR[tag]) or (a.get("data-src") if tag == "img" else None)
        if not href or not href.strip():
            continue
        rel = a.get("rel")
        rel = rel.lower().strip() if rel else None
        if tag == "a":
            anchor = _text(node, 300) or _clean(a.get("aria-label") or a.get("title"), 300)
            if not anchor:
                img = node.css_first("img[alt]")
                anchor = _clean(img.attributes.get("alt"), 300) if img is not None else None
        elif tag in ("img", "area"):
            anchor = _clean(a.get("alt") or a.get("title"), 300)
        elif tag in ("iframe", "frame"):
            anchor = _clean(a.get("title"), 300)
        elif tag == "link":
            if rel == "canonical" and facts.canonical is None:
                facts.canonical = href.strip()
            anchor = _clean(a.get("hreflang") or a.get("type"), 100)
        else:
            anchor = None
        target = a.get("target")
        links.append(RawLink(
            len(links), tag, href.strip(), rel, anchor, region_of(node),
            bool(rel and "nofollow" in rel), bool(target and target.strip().lower() == "_blank"),
        ))


def _dates(tree: LexborHTMLParser, facts: PageFacts, regions: Regions, nodes: list[LexborNode] | None = None) -> None:
    """JSON-LD, microdata, <time> elements and elements whose class says date, found with one query (each
    pass over the tree costs; one pass with all the selectors costs least) and read in document order.
    <time> and dated elements are placed relative to the first <h1>: "main h1+1 entry-date" is the first
    of them after the headline, in the main content; "header pre-h1 ..." one before it."""
    h1_seen = False
    after = n_time = n_class = 0
    last_text = None
    for node in (_query(tree, DATES_SELECTOR) if nodes is None else nodes):
        tag = node.tag
        if tag == "script":
            if "ld+json" in (node.attributes.get("type") or "").lower():
                _jsonld(node.text(deep=True), facts)
            continue
        if tag == "h1":
            h1_seen = True
            continue
        if tag == "meta" or tag == "base":
            continue  # read with the head's metadata
        a = node.attributes
        ip = a.get("itemprop")
        if ip is not None and ip.lower() in DATE_KEYS:
            _signal(facts, "microdata", ip, a.get("content") or a.get("datetime") or _text(node), tag)
        if tag == "time":
            if n_time >= MAX_TIME_SIGNALS:
                continue
            n_time += 1
            cls = (a.get("class") or ip or ("pubdate" if "pubdate" in a else "")).strip()
            dt = a.get("datetime")
            t = _text(node)
            if not dt and not t:
                continue
            after += h1_seen
            where = f"{regions.region(node)} {'h1+' + str(after) if h1_seen else 'pre-h1'}"
            ctx = where + (f" {cls}" if cls else "")
            if dt:
                _signal(facts, "time", "datetime", dt, ctx)
            if t:
                _signal(facts, "time", "text", t, ctx)
            continue
        if tag in _CLASS_SKIP_TAGS or n_class >= MAX_CLASS_SIGNALS:
            continue
        cls = a.get("class") or ""
        m = _CLASS_DATE.search(cls)
        attr = cls
        if not m:
            attr = a.get("id") or ""
            m = _CLASS_DATE.search(attr)
            if not m:
                continue
        raw = node.text(deep=True, separator=" ")
        t = _clean(raw, 400) if len(raw) < 2000 else None
        if t is not None and (len(t) >= 200 or _LOOKS_DATED.search(t) is None):
            t = None   # a short, dated line is kept (a container is not one)
        if not t or t == last_text:
            title = a.get("title")  # <span title="20.06.2018">, <abbr title="...">
            if not title or not _LOOKS_DATED.search(title):
                continue
            t = _clean(title, 200)
        last_text = t
        after += h1_seen
        where = f"{regions.region(node)} {'h1+' + str(after) if h1_seen else 'pre-h1'}"
        token = attr[attr.rfind(" ", 0, m.start()) + 1:].split(None, 1)[0]  # the class token that says date
        _signal(facts, "class", token.lower(), t, f"{where} {tag}.{cls.strip()[:60]}")
        n_class += 1


def _text_dates(facts: PageFacts) -> None:
    """Dates in the visible text: announced by a phrase ("Last updated: 2 May 2019") in any region but the
    navigation (in the main text: around the headline and at its end), copyright notices at the end of the
    page, bare dates around the headline (from 300 characters before it to 1,500 after), and a date in the
    title."""
    main_region = "main" if "main" in facts.texts else "body"
    main = facts.texts.get(main_region) or ""
    h1 = facts.h1
    pos = main.find(h1[:60]) if h1 else -1
    n_phrases = n_copyright = 0
    for r in PHRASE_REGIONS:
        t = facts.texts.get(r)
        if not t:
            continue
        if len(t) > PHRASE_HEAD + PHRASE_TAIL:   # phrases sit around the headline or at the end of the content
            head = max(0, pos - 500) if r == main_region and pos > 0 else 0
            t = t[head:head + PHRASE_HEAD] + " \n " + t[-PHRASE_TAIL:]
        lower = t.lower()
        if n_phrases < MAX_PHRASES:
            keys = _TEXT_DATE_KEYS_ASCII if t.isascii() else _TEXT_DATE_KEYS
            for hit in _find_all(t, lower, keys, _TEXT_DATE, MAX_PHRASES - n_phrases, _TEXT_DATE_PREFIX):
                _signal(facts, "text", "phrase", hit, r)
                n_phrases += 1
        if n_copyright < MAX_COPYRIGHTS and r not in ("header", "aside"):
            tail = max(0, len(t) - COPYRIGHT_TAIL) if r != "footer" else 0   # notices close the page
            for hit in _find_all(t[tail:], lower[tail:], _COPYRIGHT_KEYS, _COPYRIGHT, MAX_COPYRIGHTS - n_copyright):
                _signal(facts, "copyright", "notice", hit, r)
                n_copyright += 1
    before, after = BARE_DATE_WINDOW
    start = max(0, pos - before) if pos >= 0 else 0
    n = 0
    for m in _BARE_DATE.finditer(main, start, (pos if pos >= 0 else 0) + after):
        begin = m.start()
        if m.group("md"):
            w = _MONTH_BEFORE.search(main, max(0, begin - 12), begin)
            if w is None:
                continue
            begin = w.start()
        where = f"{main_region} h1{begin - pos:+d}" if pos >= 0 else f"{main_region} @{begin}"
        _signal(facts, "text", "date", main[begin:m.end()], where)
        n += 1
        if n >= MAX_BARE_DATES:
            break
    if facts.title:
        for m in _BARE_DATE.finditer(facts.title):
            if not m.group("md"):
                _signal(facts, "text", "title", m.group(0), "title")
                break


def _url_dates(facts: PageFacts, url: str, name: str) -> None:
    for m in _URL_DATE.finditer(url.split("?", 1)[0]):
        _signal(facts, "url", name, m.group(0).strip("/"), "")


def _texts(tree: LexborHTMLParser, facts: PageFacts, regions: Regions) -> None:
    """Text by region. Destructive: runs last. Template regions are read and removed innermost first."""
    tree.strip_tags(SKIP_TAGS)
    parts: dict[str, list[str]] = {}
    for node, r in reversed(regions.roots):
        if r == "main":
            continue
        parts.setdefault(r, []).append(node.text(deep=True, separator=" "))
        node.decompose()
    mains = [node for node, r in regions.roots if r == "main"]
    for node in reversed(mains):
        parts.setdefault("main", []).append(node.text(deep=True, separator=" "))
        node.decompose()
    body = tree.body
    rest = body.text(deep=True, separator=" ") if body is not None else ""
    if regions.has_main:
        parts.setdefault("body", []).append(rest)
    else:
        parts.setdefault("main", []).append(rest)
        for link in facts.links:
            if link.position == "body":
                link.position = "main"
    for r, texts in parts.items():
        t = " ".join(" ".join(reversed(texts)).split())
        if t:
            facts.texts[r] = t[:MAX_TEXT_CHARS]
    main = facts.texts.get("main", "")
    facts.main_text = main
    facts.word_count = len(main.split())
    facts.text_hash = hashlib.blake2b(main.encode("utf-8", "replace"), digest_size=12).hexdigest() if main else None
