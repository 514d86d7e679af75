"""Facts from one HTML page, in a single pass over the parsed tree.

``extract_html(body, content_type)`` returns a :class:`PageFacts`: head
metadata, every outgoing link with its kind, anchor text and the region of the
page it sits in (head, nav, header, footer, aside, main), the text of each
region, and the raw date signals (never judged here: the date analysis judges
them).  It does not resolve URLs: links keep their raw ``href`` and the
caller resolves them once per distinct value.

lxml is used directly (not BeautifulSoup, not parsel selectors): this runs
for every page of a crawl; see the README's "Libraries" section.
"""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field

from lxml import etree
from w3lib.encoding import html_to_unicode

from crawler.items import DateSignal, RawLink

MAX_SIGNALS = 60          # date signals kept per page
MAX_SIGNAL_CHARS = 200    # characters kept per signal value
MAX_TEXT_CHARS = 2_000_000
MAX_JSONLD_NODES = 2_000

_PARSER = etree.HTMLParser(remove_comments=True, remove_pis=True, no_network=True, recover=True, huge_tree=False)

REGION_TAGS = {"nav": "nav", "header": "header", "footer": "footer", "aside": "aside", "main": "main", "article": "main"}
ROLE_REGIONS = {"navigation": "nav", "banner": "header", "contentinfo": "footer", "complementary": "aside", "main": "main", "search": "nav", "menubar": "nav", "menu": "nav"}
TEMPLATE = frozenset(("nav", "header", "footer", "aside"))
# class or id tokens that mark a template region on a block element outside any explicit region
_HINT = re.compile(
    r"^(?:site|global|main|top|primary|secondary|sub|mobile)?[-_]?"
    r"(nav|navbar|navigation|menu|breadcrumbs?|header|masthead|footer|sidebar)$",
    re.I,
)
_HINT_REGION = {"nav": "nav", "navbar": "nav", "navigation": "nav", "menu": "nav", "breadcrumb": "nav", "breadcrumbs": "nav",
                "header": "header", "masthead": "header", "footer": "footer", "sidebar": "aside"}
_HINT_TAGS = frozenset(("div", "section", "ul", "ol", "table", "td", "span", "p"))
SKIP_TAGS = frozenset(("script", "style", "noscript", "template", "svg", "math", "iframe", "object", "select", "textarea", "canvas"))
BLOCK_TAGS = frozenset((
    "p", "div", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "td", "th", "tr", "br", "section", "article",
    "header", "footer", "nav", "aside", "main", "blockquote", "pre", "dd", "dt", "dl", "table", "figure", "figcaption",
    "form", "hr", "address", "title", "option", "label", "button",
))
LINK_ATTR = {
    "a": "href", "area": "href", "link": "href", "img": "src", "script": "src", "iframe": "src", "frame": "src",
    "form": "action", "embed": "src", "object": "data", "video": "src", "audio": "src", "source": "src", "track": "src",
}
DATE_KEYS = frozenset((
    "datepublished", "datemodified", "datecreated", "uploaddate", "startdate", "enddate", "validthrough", "validfrom",
    "expires", "availabilityends", "availabilitystarts", "pricevaliduntil", "lastreviewed", "datereleased", "dateissued",
    "copyrightyear", "releasedate", "applicationdeadline", "datedeleted", "dateposted", "temporalcoverage",
))
_META_DATE = re.compile(r"date|time|modified|published|created|updated|issued|expir|copyright|revised", re.I)
_META_NOT_DATE = frozenset(("viewport", "theme-color", "format-detection", "twitter:card"))
_CLASS_DATE = re.compile(
    r"(?:^|[\s_-])(date|dates|datetime|pubdate|published|updated|modified|posted|posted-on|timestamp|byline|dateline|"
    r"entry-date|post-date|article-date|meta-date|time|last-updated|lastmod|revised)(?:$|[\s_-])",
    re.I,
)
# Visible phrases that announce a date ("Last updated: 2 May 2019"), found in two steps: a plain
# substring search for the keywords in the lower-cased text (fast), then this pattern at each hit.
_TEXT_DATE_KEYS = ("updated", "modified", "posted", "published", "reviewed", "revised", "created", "publication",
                   "stand", "aktualisiert", "veröffentlicht", "erstellt", "mis à jour", "publié")
_TEXT_DATE = re.compile(
    r"(?:last\s+|page\s+|date\s+of\s+)?(?:updated|modified|posted|published|reviewed|revised|created|publication|"
    r"stand|aktualisiert|veröffentlicht|erstellt|mis\s+à\s+jour|publié)(?:\s+(?:on|am|le|at))?"
    r"\s*[:\-–]?\s*[^\n.!?]{0,12}?\d(?:[^\n]{0,30}?\b(?:1[89]|2\d)\d{2}\b|[^\n]{0,16})",  # up to the year, if any
    re.I,
)
_COPYRIGHT_KEYS = ("©", "(c)", "copyright")
_COPYRIGHT = re.compile(r"(?:©|\(c\)|copyright)\s*(?:\s*(?:19|20)\d{2}\s*(?:[-–—/]|to|bis)\s*)?(?:19|20)\d{2}", re.I)
_URL_DATE = re.compile(r"/((?:19|20)\d{2})[/_-](0?[1-9]|1[0-2])(?:[/_-](0?[1-9]|[12]\d|3[01]))?(?=[/_.-]|$)|/((?:19|20)\d{2})(0[1-9]|1[0-2])([0-2]\d|3[01])(?=[/_.-]|$)")
_WS = re.compile(r"\s+")
_SPECIAL = frozenset(("meta", "title", "base", "h1", "time", "script"))
_REFRESH = re.compile(r"url\s*=\s*['\"]?([^'\";]+)", re.I)


def _squash(s: str) -> str:
    """Collapse runs of whitespace (faster than a regular expression)."""
    return " ".join(s.split())


def _find_all(text: str, lower: str, keys: tuple[str, ...], pattern: re.Pattern[str], limit: int) -> list[str]:
    """Matches of pattern that start at, or shortly before, one of the keywords."""
    hits: list[str] = []
    starts = set()
    for k in keys:
        i = lower.find(k)
        while i >= 0 and len(starts) < limit * 4:
            starts.add(max(0, i - 16))
            i = lower.find(k, i + len(k))
    last_end = -1
    for st in sorted(starts):
        st = max(st, last_end)
        m = pattern.search(text, st, st + 120)
        if m and m.start() >= last_end:
            hits.append(m.group(0))
            last_end = m.end()
            if len(hits) >= limit:
                break
    return hits


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


def _clean(s: str | None, limit: int = 1000) -> str | None:
    if s is None:
        return None
    s = " ".join(s.split())
    return s[:limit] if s else None


def _text_of(el: etree._Element) -> str:
    return " ".join("".join(el.itertext()).split())


def decode(body: bytes, content_type: str | None) -> tuple[str, str]:
    """(encoding, text): HTTP header, BOM, <meta charset>, then UTF-8 / cp1252 - the way browsers and Scrapy do."""
    enc, text = html_to_unicode(content_type or "text/html", body)
    return enc, text


def _signal(facts: PageFacts, source: str, name: str, value: str | None, context: str = "") -> None:
    if value is None or len(facts.signals) >= MAX_SIGNALS:
        return
    value = " ".join(value.split())
    if value:
        facts.signals.append(DateSignal(source, name[:80], value[:MAX_SIGNAL_CHARS], context[:120]))


def _walk_jsonld(node, facts: PageFacts, typ: str, budget: list[int]) -> None:
    budget[0] -= 1
    if budget[0] < 0:
        return
    if isinstance(node, list):
        for n in node:
            _walk_jsonld(n, facts, typ, budget)
    elif isinstance(node, dict):
        t = node.get("@type", typ)
        if isinstance(t, list):
            t = ",".join(str(x) for x in t[:3])
        t = str(t) if t else typ
        for k, v in node.items():
            if k.lower() in DATE_KEYS and isinstance(v, (str, int)):
                _signal(facts, "jsonld", k, str(v), t)
            elif isinstance(v, (dict, list)):
                _walk_jsonld(v, facts, t, budget)


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


def extract_html(body: bytes, content_type: str | None = None, url: str = "") -> PageFacts:
    """Parse an HTML document and return its facts."""
    facts = PageFacts()
    try:
        facts.encoding, text = decode(body, content_type)
    except Exception as e:  # w3lib is tolerant; this is belt and braces
        facts.error = f"cannot decode: {e}"
        return facts
    if not text.strip():
        facts.error = "empty document"
        return facts
    try:
        root = etree.fromstring(text, _PARSER)
    except (etree.ParserError, ValueError) as e:
        facts.error = f"unparseable HTML: {e}"
        return facts
    if root is None:
        facts.error = "unparseable HTML: no document element"
        return facts

    lang = root.get("lang") or root.get("{http://www.w3.org/XML/1998/namespace}lang")
    facts.lang = _clean(lang, 35)

    pieces: dict[str, list[str]] = {"body": [], "main": [], "nav": [], "header": [], "footer": [], "aside": [], "head": []}
    links = facts.links
    stack: list[tuple[etree._Element, str]] = []  # (element that opened a region, previous region)
    region = "body"
    has_main = False
    skip: etree._Element | None = None
    ordinal = 0
    signals_from_class = 0

    class_date_cache: dict[str, str | None] = {}
    for event, el in etree.iterwalk(root, events=("start", "end")):
        tag = el.tag
        if type(tag) is not str:
            if event == "end" and skip is None and el.tail:
                pieces[region].append(el.tail)
            continue
        if event == "end":
            if el is skip:
                skip = None
            elif skip is not None:
                continue
            if stack and stack[-1][0] is el:
                region = stack.pop()[1]
            if tag in BLOCK_TAGS:
                pieces[region].append(" ")
            if el.tail:
                pieces[region].append(el.tail)
            continue
        if skip is not None:
            continue
        keys = el.keys()

        # ---- region bookkeeping
        new_region = None
        if tag == "head":
            new_region = "head"
        elif region != "head":
            r = REGION_TAGS.get(tag)
            role = el.get("role") if keys and "role" in keys else None
            if role:
                r = ROLE_REGIONS.get(role.strip().lower(), r)
            if r is not None:
                if r == "main":
                    has_main = True
                    if region == "body":
                        new_region = "main"
                elif r in ("header", "footer") and region == "main" and not role:
                    pass  # an article's own header or footer is content
                elif r != region:
                    new_region = r
            elif keys and region == "body" and tag in _HINT_TAGS:
                for attr in ("id", "class"):
                    v = el.get(attr) if attr in keys else None
                    if v:
                        for tok in v.split():
                            m = _HINT.match(tok)
                            if m:
                                new_region = _HINT_REGION[m.group(1).lower()]
                                break
                    if new_region:
                        break
        if new_region is not None:
            stack.append((el, region))
            region = new_region
        if tag in BLOCK_TAGS:
            pieces[region].append(" ")

        # ---- links
        attr = LINK_ATTR.get(tag)
        if attr is not None and keys:
            href = el.get(attr)
            if tag == "img" and not href:
                href = el.get("data-src")
            if href and href.strip():
                rel = el.get("rel") if "rel" in keys else None
                rel = rel.lower().strip() if rel else None
                anchor = None
                if tag == "a":
                    if len(el) == 0:
                        anchor = _clean(el.text, 300)
                    else:
                        anchor = _clean(etree.tostring(el, method="text", encoding=str, with_tail=False), 300)
                    if not anchor:
                        anchor = _clean(el.get("aria-label") or el.get("title"), 300)
                        if not anchor and len(el):
                            img = el.find(".//img")
                            if img is not None:
                                anchor = _clean(img.get("alt"), 300)
                elif tag == "area" or tag == "img":
                    anchor = _clean(el.get("alt") or el.get("title"), 300)
                elif tag in ("iframe", "frame"):
                    anchor = _clean(el.get("title"), 300)
                elif tag == "link":
                    if rel == "canonical" and facts.canonical is None:
                        facts.canonical = href.strip()
                    anchor = _clean(el.get("hreflang") or el.get("type"), 100)
                target = el.get("target") if "target" in keys else None
                links.append(RawLink(
                    ordinal, tag, href.strip(), rel, anchor, region,
                    bool(rel and "nofollow" in rel), bool(target and target.strip().lower() == "_blank"),
                ))
                ordinal += 1

        # ---- head, metadata and date signals
        if tag in _SPECIAL:
            if tag == "meta":
                name = el.get("name") or el.get("property") or el.get("itemprop") or el.get("http-equiv")
                content = el.get("content")
                if name and content is not None:
                    key = name.strip().lower()
                    if key == "description" and facts.meta_description is None:
                        facts.meta_description = _clean(content, 1000)
                    elif key == "robots" and facts.meta_robots is None:
                        facts.meta_robots = _clean(content, 200)
                    elif key == "generator" and facts.generator is None:
                        facts.generator = _clean(content, 200)
                    elif key == "refresh" and facts.refresh is None:
                        m = _REFRESH.search(content)
                        if m:
                            facts.refresh = m.group(1).strip()
                            links.append(RawLink(ordinal, "meta-refresh", facts.refresh, None, _clean(content, 100), region, False, False))
                            ordinal += 1
                    elif key == "content-language" and not facts.lang:
                        facts.lang = _clean(content, 35)
                    if key not in _META_NOT_DATE and _META_DATE.search(key):
                        _signal(facts, "meta", name.strip(), content)
                continue
            elif tag == "title":
                if facts.title is None:
                    facts.title = _clean(el.text or "", 500) if region == "head" else _clean(_text_of(el), 500)
                skip = el  # the title is not body text
                continue
            elif tag == "base":
                if facts.base_href is None and el.get("href"):
                    facts.base_href = el.get("href").strip()
            elif tag == "h1":
                facts.h1_count += 1
                if facts.h1 is None:
                    facts.h1 = _clean(_text_of(el), 500)
            elif tag == "time":
                dt = el.get("datetime")
                cls = el.get("class") or el.get("itemprop") or ""
                ctx = region + (f" {cls.strip()}" if cls.strip() else "")
                if dt:
                    _signal(facts, "time", "datetime", dt, ctx)
                t = _text_of(el)
                if t:
                    _signal(facts, "time", "text", t, ctx)
            elif tag == "script":
                typ = (el.get("type") or "").lower()
                if "ld+json" in typ and el.text:
                    _jsonld(el.text, facts)
                skip = el
                continue

        if keys:
            if "itemprop" in keys:
                ip = el.get("itemprop")
                if ip and ip.lower() in DATE_KEYS:
                    _signal(facts, "microdata", ip, el.get("content") or el.get("datetime") or _text_of(el), tag)
            if "class" in keys and signals_from_class < 10 and tag not in ("html", "body", "time"):
                cls = el.get("class")
                try:
                    hit = class_date_cache[cls]
                except KeyError:
                    m = _CLASS_DATE.search(cls)
                    hit = class_date_cache[cls] = m.group(1).lower() if m else None
                if hit is not None:
                    t = _text_of(el)
                    if t and len(t) < 200 and any(c.isdigit() for c in t):
                        _signal(facts, "class", hit, t, f"{region} {tag}.{cls.strip()[:60]}")
                        signals_from_class += 1

        if tag in SKIP_TAGS:
            skip = el
            continue
        if el.text and region != "head":
            pieces[region].append(el.text)

    # ---- texts
    if not has_main:
        pieces["main"] = pieces["body"]
        for link in links:
            if link.position == "body":
                link.position = "main"
    for r, parts in pieces.items():
        if r in ("head",) or (r == "body" and not has_main):
            continue
        t = " ".join("".join(parts).split())
        if t:
            facts.texts[r] = t[:MAX_TEXT_CHARS]
    main = facts.texts.get("main", "")
    facts.main_text = main
    facts.word_count = len(main.split())
    facts.text_hash = hashlib.blake2b(main.encode("utf-8", "replace"), digest_size=12).hexdigest() if main else None

    # ---- visible date phrases and copyright notices
    for r in ("main", "header", "footer", "aside", "body"):
        t = facts.texts.get(r)
        if not t:
            continue
        t = t[:200_000]
        lower = t.lower()
        for hit in _find_all(t, lower, _TEXT_DATE_KEYS, _TEXT_DATE, 10):
            _signal(facts, "text", "phrase", hit, r)
        for hit in _find_all(t, lower, _COPYRIGHT_KEYS, _COPYRIGHT, 5):
            _signal(facts, "copyright", "notice", hit, r)
    if url:
        for m in _URL_DATE.finditer(url.split("?", 1)[0]):
            _signal(facts, "url", "path", m.group(0).strip("/"), "")
    return facts
