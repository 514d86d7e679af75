"""Facts from one HTML page.

``extract_html(body, content_type)`` returns a :class:`PageFacts`: head
metadata, every outgoing link with its kind, anchor text and the region of the
page it sits in (head, nav, header, footer, aside, main, body), the text of
each region, and the raw date signals (never judged here: the date analysis
judges them: they are found by ``dates.py``).  It does not resolve URLs: links keep their raw ``href`` and
the caller resolves them once per distinct value.

The page is parsed with Lexbor (through selectolax), an HTML5 parser that
builds the same tree a browser does, and queried with CSS selectors that run
in C; Python only touches the elements that matter (links, region roots,
date-bearing elements), found by one query over the tree for the head, the
headline and the date signals together.  This runs for every page of a crawl: see the README's
"Libraries" section and benchmarks/parsers.py for what the alternatives cost.
"""
from __future__ import annotations

import hashlib
import operator
import re
from dataclasses import dataclass, field
from itertools import accumulate

from selectolax.lexbor import LexborHTMLParser, LexborNode
from w3lib.encoding import html_to_unicode

from foundation.facts import DateSignal, RawLink
from foundation.reading.dates import DATES_SELECTOR, element_dates, meta_date, text_dates, url_dates
from foundation.reading.text import clean, node_text

MAX_TEXT_CHARS = 2_000_000
MAX_HTML_DEPTH = 2_000    # deeper pages are read without their structure (see nesting_depth)

# ---------------------------------------------------------------------------- regions
REGION_TAGS = {"nav": "nav", "header": "header", "footer": "footer", "aside": "aside", "main": "main", "article": "main"}
ROLE_REGIONS = {"navigation": "nav", "banner": "header", "contentinfo": "footer", "complementary": "aside",
                "main": "main", "search": "nav", "menubar": "nav", "menu": "nav"}
TEMPLATE = ("nav", "header", "footer", "aside")
# class or id tokens that mark a template region on a block element outside any explicit region
_HINT = re.compile(
    r"^(?:site|global|main|top|primary|secondary|sub|mobile|page)?[-_]?"
    r"(nav|navbar|navigation|menu|breadcrumbs?|header|masthead|footer|sidebar)$",
    re.I | re.A,   # ASCII case only, as the selector below ("i"): no 'ſidebar' for 'sidebar'
)
_HINT_WORDS = ("nav", "menu", "breadcrumb", "header", "masthead", "footer", "sidebar")   # in every token _HINT matches
_HINT_WORD = re.compile("|".join(_HINT_WORDS), re.I | re.A)
_HINT_REGION = {"nav": "nav", "navbar": "nav", "navigation": "nav", "menu": "nav", "breadcrumb": "nav",
                "breadcrumbs": "nav", "header": "header", "masthead": "header", "footer": "footer", "sidebar": "aside"}
_HINT_TAGS = ("div", "section", "ul")   # the containers that templates mark with a class or id
# region roots, and the elements whose class or id may name one: a container whose class or id holds one of the
# words (as _HINT_WORD finds them, case-insensitive, anywhere in the value); its tokens are checked in Python.
# (one :is() for the containers: Lexbor tries every selector of a list on every element, so six selectors
# "div[class], div[id] ..." cost twice as much as this one, for the same elements; testing the words here, in C,
# spares Python every other container with a class: a third of the time on class-heavy templates)
REGION_SELECTOR = ", ".join(
    ["nav", "header", "footer", "aside", "main", "article", "[role]",
     f":is({', '.join(_HINT_TAGS)}):is({', '.join(f'[{a}*={w} i]' for a in ('class', 'id') for w in _HINT_WORDS)})"]
)
SKIP_TAGS = ["script", "style", "noscript", "template", "svg", "math", "iframe", "object", "select", "textarea", "canvas"]

# ---------------------------------------------------------------------------- links
LINK_ATTR = {
    "a": "href", "area": "href", "link": "href", "img": "src", "script": "src", "iframe": "src", "frame": "src",
    "form": "action", "embed": "src", "object": "data", "video": "src", "audio": "src", "source": "src", "track": "src",
}
# one :is(): each element once (a list gives an element once per selector it matches: an <img> with both src and
# data-src came twice, as two links to its src)
# and a jump menu's options: a <select> whose options name addresses, which its script opens when one is chosen
# (only values that look like an address: every country list's options would cost a Python step each)
_OPTION_ADDRESS = ['option[value^="/"]', 'option[value^="http"]', 'option[value^="./"]', 'option[value^="../"]']
LINK_SELECTOR = ":is(" + ", ".join([f"{t}[{a}]" for t, a in LINK_ATTR.items()] + ["img[data-src]", "meta[http-equiv]"]
                                   + _OPTION_ADDRESS) + ")"
_REFRESH = re.compile(r"url\s*=\s*['\"]?([^'\";]+)", re.I)

# ---------------------------------------------------------------------------- the one query
# The head's <meta> and <base>, the <h1> and the date-bearing elements (dates.DATES_SELECTOR): every query is
# a pass over the whole tree, so they are found by one query, and the dates module reads the same nodes.
HEAD_SELECTOR = "meta, base[href], h1"
PAGE_SELECTOR = "meta, base[href], " + DATES_SELECTOR


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


def decode(body: bytes, content_type: str | None) -> tuple[str, str]:
    """(encoding, text): HTTP header, BOM, <meta charset>, then UTF-8 / cp1252, the way browsers and Scrapy do."""
    return html_to_unicode(content_type or "text/html", body)


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
        last = None
        for node in tree.css(REGION_SELECTOR):  # document order: ancestors come first
            mid = node.mem_id
            if mid == last:
                continue   # Lexbor returns an element once for every selector it matches, one after the other
            last = mid
            parent_region = self.region(node.parent)
            if parent_region == "head":
                continue
            r = self._own_region(node.tag, node.attributes, parent_region)
            if r is not None and r != parent_region:
                self.of[mid] = r
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
            v = attrs.get(attr)
            if not v or _HINT_WORD.search(v) is None:   # (no token can match without one of the words)
                continue
            for tok in v.split():
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
# "<" and a letter, but not a lower-case name that is not counted: at least as many as the start tags counted
# (an upper bound of the depth, found 3 times faster: without groups and without re.I)
_MAYBE_NESTING = re.compile(rb"<(?!(?:" + "|".join(sorted((n for n in _NOT_COUNTED if n[0].isalpha()), key=len,
                                                           reverse=True)).encode() + rb")[\s/>])[a-zA-Z]")
# the fallback keeps only elements that cannot nest (void, raw text, <a> and headings close their own kind)
_KEEP = ("a|area|link|meta|base|title|img|iframe|frame|embed|source|track|script|style|noscript|template|textarea|"
         "h1|h2|h3|h4|h5|h6|br|hr|html|head|body")
_FLATTEN = re.compile(rb"<(?:/?)(?!(?:" + _KEEP.encode() + rb")[\s/>])[a-zA-Z][^>]*>|<!(?!--)[^>]*>", re.I)


def nesting_depth(body: bytes, limit: int = 0) -> int:
    """Estimated element nesting depth of an HTML document (0 when it has no more than ``limit`` tags at all:
    it cannot nest deeper than that, and counting ``<`` costs next to nothing; 0 too when it has no more than
    ``limit`` start tags that may nest, counted with one cheap expression)."""
    if body.count(b"<") <= limit:
        return 0
    if limit and len(_MAYBE_NESTING.findall(body)) <= limit:
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


def extract_dates(body: bytes, content_type: str | None = None, url: str = "",
                  max_depth: int = MAX_HTML_DEPTH) -> PageFacts:
    """Only what the date judgement needs (a date-only reader: the parse, the one query, the date signals, the
    region texts the phrases are read from, the canonical URL): the same signals, title, <h1> and language as
    :func:`extract_html`, without the page's links (``links`` stays empty), text hash and word count.  Used to
    time what dates cost against a date-only tool (benchmarks/dates_eval.py)."""
    return extract_html(body, content_type, url, max_depth=max_depth, links=False)


def extract_html(body: bytes, content_type: str | None = None, url: str = "", dates: bool = True,
                 max_depth: int = MAX_HTML_DEPTH, links: bool = True) -> PageFacts:
    """Parse an HTML document and return its facts; ``dates=False``: all but the date signals (what they cost
    is measured that way: benchmarks/dates_eval.py); ``links=False``: the date path only (:func:`extract_dates`).
    A document nested deeper than ``max_depth`` (0: no limit) is read without its structure
    (:func:`flatten_html`; ``facts.note`` says so)."""
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
        url_dates(facts.signals, url, "path")
    # <meta>, <base>, <h1> and the date-bearing elements, in one pass
    nodes = _query(tree, PAGE_SELECTOR if dates else HEAD_SELECTOR)
    _head(tree, facts, nodes, dates)
    if links:
        _links(tree, facts, regions)
    else:
        facts.canonical = _canonical(tree)
    if dates:
        if facts.canonical and facts.canonical != url:
            url_dates(facts.signals, facts.canonical, "canonical")
        element_dates(nodes, facts.signals, facts.links if links else [], regions.region)
    _texts(tree, facts, regions, links)
    if dates:
        text_dates(facts.signals, facts.texts, facts.h1, facts.title)
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


def _head(tree: LexborHTMLParser, facts: PageFacts, nodes: list[LexborNode], dates: bool = True) -> None:
    """Head metadata, the first <h1>, and the date signals of <meta> tags (unless not ``dates``). ``nodes``: the
    page's one query (PAGE_SELECTOR, or HEAD_SELECTOR without dates)."""
    html = tree.css_first("html")
    if html is not None:
        facts.lang = clean(html.attributes.get("lang") or html.attributes.get("xml:lang"), 35)
    title = tree.css_first("title")
    if title is not None:
        facts.title = clean(title.text(deep=True), 500)
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
        facts.h1 = node_text(h1s[0], 500)
    for meta in metas:
        a = meta.attributes
        name = a.get("name") or a.get("property") or a.get("itemprop") or a.get("http-equiv")
        content = a.get("content")
        if not name or content is None:
            continue
        key = name.strip().lower()
        if key == "description" and facts.meta_description is None:
            facts.meta_description = clean(content, 1000)
        elif key == "robots" and facts.meta_robots is None:
            facts.meta_robots = clean(content, 200)
        elif key == "generator" and facts.generator is None:
            facts.generator = clean(content, 200)
        elif key == "content-language" and not facts.lang:
            facts.lang = clean(content, 35)
        if dates:
            meta_date(facts.signals, key, name.strip(), content)




def _canonical(tree: LexborHTMLParser) -> str | None:
    """The raw href of the first <link rel=canonical>, as :func:`_links` finds it."""
    for node in tree.css("link[href]"):
        a = node.attributes
        href, rel = a.get("href"), a.get("rel")
        if href and href.strip() and rel and rel.lower().strip() == "canonical":
            return href.strip()
    return None


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
            links.append(RawLink(len(links), "meta-refresh", facts.refresh, None, clean(a.get("content"), 100),
                                 region_of(node), False, False))
            continue
        if tag == "option":
            href = _jump_to(node)
            if href:
                links.append(RawLink(len(links), "option", href, None, node_text(node, 300), region_of(node), False, False))
            continue
        href = a.get(LINK_ATTR[tag])
        href = href.strip() if href else None
        lazy = None
        if tag == "img":   # a lazy-loaded image: data-src is the picture itself (src, when set, often a placeholder)
            lazy = (a.get("data-src") or "").strip() or None
            if lazy == href or not href:
                href, lazy = href or lazy, None
        if not href:
            continue
        rel = a.get("rel")
        rel = rel.lower().strip() if rel else None
        if tag == "a":
            anchor = node_text(node, 300) or clean(a.get("aria-label") or a.get("title"), 300)
            if not anchor:
                img = node.css_first("img[alt]")
                anchor = clean(img.attributes.get("alt"), 300) if img is not None else None
        elif tag in ("img", "area"):
            anchor = clean(a.get("alt") or a.get("title"), 300)
        elif tag in ("iframe", "frame"):
            anchor = clean(a.get("title"), 300)
        elif tag == "link":
            if rel == "canonical" and facts.canonical is None:
                facts.canonical = href
            anchor = clean(a.get("hreflang") or a.get("type"), 100)
        else:
            anchor = None
        target = a.get("target")
        region = region_of(node)
        nofollow, new_window = bool(rel and "nofollow" in rel), bool(target and target.strip().lower() == "_blank")
        links.append(RawLink(len(links), tag, href, rel, anchor, region, nofollow, new_window))
        if lazy:
            links.append(RawLink(len(links), tag, lazy, rel, anchor, region, nofollow, new_window))



def _jump_to(option: LexborNode) -> str | None:
    """The address a jump menu's option opens: its value, when its <select> is a jump menu (it has an onchange
    script, or is in no form: a script elsewhere wires it); None for a form's field, whose value is submitted."""
    value = (option.attributes.get("value") or "").strip()
    if value.startswith("http") and value[4:5] not in (":", "s"):
        return None   # "httpd", not an address
    node, select = option.parent, None
    while node is not None:
        if node.tag == "select" and select is None:
            select = node
            if "onchange" in node.attributes:
                return value
        elif node.tag == "form":
            return None
        node = node.parent
    return value if select is not None else None


def _texts(tree: LexborHTMLParser, facts: PageFacts, regions: Regions, summary: bool = True) -> None:
    """Text by region. Destructive: runs last. Template regions are read and removed innermost first.
    ``summary``: also the main text's word count and hash (not for the date path)."""
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
    if not summary:
        return
    facts.word_count = len(main.split())
    facts.text_hash = hashlib.blake2b(main.encode("utf-8", "replace"), digest_size=12).hexdigest() if main else None
