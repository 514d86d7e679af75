"""What the rules see of a page: its texts by region, its links and resources, and (only when a rule needs
it) its stored HTML, parsed once.

Pages come from the facts of the latest complete crawl (``page_texts``, ``links``, ``bodies``), read
in batches, or from one HTML document for ``decay rules test`` (extracted with the crawler's own
``extract_html``, so a rule sees the same regions either way).
"""
from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass, field
from typing import Iterator

from foundation.bodies import ERRORS as BODY_ERRORS, decompress as decompress_body
from foundation.reading.page import Regions, decode, extract_html
from foundation.urls import normalize, resolve

# links.position -> the region names of rules
POSITION = {"main": "content", "body": "content", "nav": "nav", "header": "header", "aside": "aside",
            "footer": "footer", "head": "head"}
# the same in SQL (links are the bulk of what the rules read: mapped by SQLite, not per link in Python)
POSITION_SQL = ("CASE l.position " + " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in POSITION.items())
                + " ELSE 'content' END")
CODE_TAGS = ("pre", "code", "kbd", "samp")
QUOTE_TAGS = ("blockquote", "q")   # someone else's words, quoted (texts["quote"]: searched as content)
# a page without any of these elements has nothing to split: looked for in its bytes before it is parsed again
_MAY_SPLIT = re.compile(rb"<(?:" + "|".join(CODE_TAGS + QUOTE_TAGS).encode() + rb")[\s>]", re.I)


@dataclass(slots=True)
class Link:
    kind: str             # a, img, script, link, iframe, form, ...
    url: str              # resolved, normalised target
    rel: str
    anchor: str
    position: str         # content, nav, header, aside, footer, head
    internal: bool
    new_window: bool
    written: str = ""     # the URL as the page wrote it, when the crawl stored the link under its twin (links.twin_url)

    @property
    def loaded_from(self) -> str:
        """The address a browser loads: as written when that is the plain-http twin of the stored https URL."""
        return self.written if self.written.startswith("http:") else self.url


@dataclass
class PageData:
    url_id: int | None
    url: str
    title: str = ""
    generator: str = ""
    texts: dict[str, list[str]] = field(default_factory=dict)   # region -> texts (content has main and body)
    links: list[Link] = field(default_factory=list)
    body: bytes | None = None        # raw HTML, when stored
    content_type: str | None = None
    _html: str | None = None
    _tree = None
    _split: bool = False

    @property
    def https(self) -> bool:
        return self.url.startswith("https:")

    @property
    def html(self) -> str:
        """The page source, decoded (empty when the HTML was not stored)."""
        if self._html is None:
            self._html = decode(self.body, self.content_type)[1] if self.body else ""
        return self._html

    def tree(self):
        """The page parsed with Lexbor (once); None without stored HTML."""
        if self._tree is None and self.html:
            from selectolax.lexbor import LexborHTMLParser

            self._tree = LexborHTMLParser(self.html)
        return self._tree

    def element_position(self, node) -> str:
        regions = getattr(self, "_regions", None)
        if regions is None:
            regions = self._regions = Regions(self.tree())
        return POSITION.get(regions.region(node), "content")

    def split_code(self) -> bool:
        """Separate code samples (<pre>, <code>, <kbd>, <samp>: texts["code"]) and quotations of the main text
        (<blockquote>, <q>: texts["quote"]) from the content text, re-extracting the page without them.
        False when the page's HTML was not stored (the content then still includes them)."""
        if self._split:
            return True
        if not self.body:
            return False
        if not _MAY_SPLIT.search(self.body):
            self._split = True
            return True
        from selectolax.lexbor import LexborHTMLParser

        tree = LexborHTMLParser(self.html)
        code = _take(tree, CODE_TAGS, _a_sample)
        regions = Regions(tree)
        quotes = _take(tree, QUOTE_TAGS,
                       lambda node: POSITION.get(regions.region(node), "content") == "content")
        if code or quotes:
            facts = extract_html((tree.html or "").encode("utf-8"), "text/html; charset=utf-8", self.url)
            self.texts["content"] = [t for t in (facts.texts.get("main"), facts.texts.get("body")) if t]
            self.texts["code"] = code
            self.texts["quote"] = quotes
            self.__dict__.pop("_sources_cache", None)
        self._split = True
        return True


def _a_sample(node) -> bool:
    """A code sample: a <pre> block, or a <code>, <kbd> or <samp> that stands on its own (all its parent's text).
    One inside a sentence ("The <code>DataSet</code> API is deprecated") is a word of the prose, not a sample."""
    if node.tag == "pre" or node.parent is None:
        return True
    own = " ".join((node.text(deep=True, separator=" ") or "").split())
    return own == " ".join((node.parent.text(deep=True, separator=" ") or "").split())


def _take(tree, tags: tuple[str, ...], keep=None) -> list[str]:
    """The texts of the outermost elements of these tags (``keep``: those it accepts), taken out of the tree."""
    out, nodes = [], []
    for node in tree.css(", ".join(tags)):
        if node.parent is None or any(p.tag in tags for p in _ancestors(node)) or (keep is not None and not keep(node)):
            continue
        nodes.append(node)
        t = " ".join((node.text(deep=True, separator=" ") or "").split())
        if t:
            out.append(t)
    for node in nodes:
        node.decompose()
    return out


def _ancestors(node):
    p = node.parent
    while p is not None:
        yield p
        p = p.parent


def _alts(links: list[Link]) -> list[str]:
    return [lk.anchor for lk in links if lk.kind in ("img", "area") and lk.anchor]


def page_from_html(body: bytes, url: str, content_type: str | None = None) -> PageData:
    """One page from its HTML (``decay rules test``): the regions the crawl would have stored."""
    facts = extract_html(body, content_type, url)
    base = resolve(url, facts.base_href) if facts.base_href else url
    p = PageData(None, url, facts.title or "", facts.generator or "", body=body, content_type=content_type)
    _set_texts(p, facts.texts.get("main"), facts.texts.get("body"), facts.texts.get("nav"), facts.texts.get("header"),
               facts.texts.get("aside"), facts.texts.get("footer"))
    host = url.split("/")[2] if "://" in url else ""
    for lk in facts.links:
        target = resolve(base, lk.href) or normalize(lk.href)   # (a local file: only absolute links resolve)
        if not target:
            continue
        internal = "://" in target and target.split("/")[2] == host
        p.links.append(Link(lk.kind, target, lk.rel or "", lk.anchor or "", POSITION.get(lk.position, "content"),
                            internal, lk.new_window))
    return p


def _set_texts(p: PageData, main, body, nav, header, aside, footer) -> None:
    p.texts = {"content": [t for t in (main, body) if t]}
    for name, t in (("nav", nav), ("header", header), ("aside", aside), ("footer", footer)):
        if t:
            p.texts[name] = [t]
    if p.title:
        p.texts["title"] = [p.title]


# the links every page gets when the rules read only some (Engine.link_targets): what the built-in checks
# look at (scripts, forms, a meta refresh: a stub is required to carry nothing, links to other websites opening a new window), whatever their target
# (and a link the page wrote over plain http to the site's own https address: an image stored under its https twin)
LINKS_FOR_CHECKS = ("(l.kind IN ('script', 'form', 'meta-refresh') OR (l.new_window = 1 AND coalesce(l.internal, 0) != 1 "
                    "AND l.kind IN ('a', 'area')) OR l.twin_url LIKE 'http:%')")


def iter_pages(conn: sqlite3.Connection, site: str, crawl_id: int, *, links: bool, bodies: bool,
               batch: int = 500, link_targets: list[int] | None = None, alt_links: bool = True) -> Iterator[PageData]:
    """The HTML pages that answered 2xx in the site's latest complete crawl, with what the rules need.

    ``link_targets``: read only the links to these url ids and ``LINKS_FOR_CHECKS`` (None: every link), and with
    ``alt_links`` the images and areas that have an alt text (the rules' "alt" region)."""
    where = ""
    if links and link_targets is not None:
        with conn:
            conn.execute("CREATE TEMP TABLE IF NOT EXISTS rule_link_targets (id INTEGER PRIMARY KEY)")
            conn.execute("DELETE FROM temp.rule_link_targets")
            conn.executemany("INSERT OR IGNORE INTO temp.rule_link_targets (id) VALUES (?)", ((i,) for i in link_targets))
        alt = " OR (l.kind IN ('img', 'area') AND coalesce(l.anchor, '') != '')" if alt_links else ""
        where = f"AND ({LINKS_FOR_CHECKS}{alt} OR l.target_id IN (SELECT id FROM temp.rule_link_targets))"
    rows = conn.execute(   # a batch at a time (a million pages' rows at once: about 330 MB)
        """SELECT url_id, url, title, generator, body_hash, content_type FROM pages
           WHERE site = ? AND crawl_id = ? AND is_html = 1 AND status BETWEEN 200 AND 299 ORDER BY url_id""",
        [site, crawl_id])
    while chunk := rows.fetchmany(batch):
        pages = {r[0]: PageData(r[0], r[1], r[2] or "", r[3] or "", content_type=r[5]) for r in chunk}
        marks = ", ".join("?" * len(pages))
        ids = list(pages)
        for url_id, main, nav, header, footer, aside, body in conn.execute(
                f"SELECT url_id, main_text, nav_text, header_text, footer_text, aside_text, body_text "
                f"FROM page_texts WHERE url_id IN ({marks})", ids):
            _set_texts(pages[url_id], main, body, nav, header, aside, footer)
        for p in pages.values():
            if not p.texts and p.title:
                p.texts["title"] = [p.title]
        if links:
            for source, kind, url, rel, anchor, position, internal, new_window, written in conn.execute(
                    f"""SELECT l.source_id, l.kind, u.url, coalesce(l.rel, ''), coalesce(l.anchor, ''), {POSITION_SQL},
                               l.internal, l.new_window, coalesce(l.twin_url, '')
                        FROM links l JOIN urls u ON u.id = l.target_id WHERE l.source_id IN ({marks}) {where}
                        ORDER BY l.source_id, l.ordinal""", ids):
                pages[source].links.append(Link(kind, url, rel, anchor, position, internal == 1, new_window == 1, written))
        if bodies:
            hashes = {r[4] for r in chunk if r[4]}
            blobs = {}
            if hashes:
                hm = ", ".join("?" * len(hashes))
                blobs = dict(conn.execute(f"SELECT hash, html FROM bodies WHERE hash IN ({hm})", list(hashes)))
            cache: dict[str, bytes] = {}
            for r in chunk:
                h = r[4]
                if h and h in blobs:
                    if h not in cache:
                        try:
                            cache[h] = decompress_body(blobs[h])
                        except BODY_ERRORS:
                            cache[h] = b""
                    pages[r[0]].body = cache[h]
        for url_id in ids:
            yield pages.pop(url_id)


def alts(p: PageData) -> list[str]:
    return _alts(p.links)
