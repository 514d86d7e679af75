"""How much a candidate counts, and how explanations name it.

Weights are on a 0-10 scale: 10 is a JSON-LD datePublished of the page's article, 6 a bare date
just under the headline, 2 a date in a sidebar. Position comes from the signal's context, written by
the crawler: ``"main h1+1 entry-date"`` is the first dated element after the first <h1>, in the main
content; ``"main pre-h1 ..."`` one before it; ``"main h1+152"`` a bare date 152 characters after the
start of the headline's text; ``"main @40"`` one 40 characters into a page without a headline.
"""
from __future__ import annotations

import re
from functools import lru_cache

from analysis.dates.model import Candidate
from analysis.dates.roles import MODIFIED_WORDS
from analysis.dates.validate import RELATIVE_NOTE

_ARTICLE_TYPE = re.compile(r"article|posting|blog|report|news", re.I)
_POS = re.compile(r"^(\w+)\s+(?:h1([+-]\d+)|(pre-h1)|@(\d+))?")
_LINK = re.compile(r"^\S+ \S+ a\.| in-link\b")   # an <a> itself, or inside one (the reader marks " in-link")
_TEMPLATE_REGIONS = ("aside", "nav", "footer")

_NAMES = {
    "jsonld": "JSON-LD {name}", "microdata": "microdata {name}", "meta": "<meta {name}>",
    "http:last-modified": "the Last-Modified header", "sitemap:lastmod": "the sitemap's lastmod",
    "feed": "the feed's {name}", "copyright": "the copyright notice", "script": "the page's script data {name}",
}
# weights of the forms read from scripts, attributes and notices (issue 17, phase 2), each below the page's visible
# and structured dates: they decide only where nothing stronger says otherwise
SCRIPT_WEIGHT = 4.5         # a publication key in a script's data (validate.py rejects a key with several days)
PERMALINK_WEIGHT = 3.5      # a dated data-permalink (often an attachment's or another article's address)
LOCATION_WEIGHT = 6.0       # a dated location.href (the address a script sends the reader to: usually the page's)
COPYRIGHT_DAY_WEIGHT = 3.0  # "Copyright © 19.12.2019": the day the site stamped on the page


def describe(c: Candidate) -> str:
    """How an explanation names a candidate: "JSON-LD datePublished", "the visible 'Updated 2 March 2019'"."""
    if c.source == "copyright" and c.name == "date":
        return f"the date in the copyright notice '{c.raw[:40]}'"
    if c.source == "url" and c.name in ("data-permalink", "location.href", "og:url"):
        return f"the date in the page's {c.name} ({c.raw})"
    if c.source == "time" and c.name == "abbr-title":
        return f"the date shown as '{c.raw[:60]}'"
    if c.source in _NAMES:
        return _NAMES[c.source].format(name=c.name)
    raw = c.raw if len(c.raw) <= 60 else c.raw[:57] + "..."
    if c.source == "time":
        return f"the <time> element '{raw}'" + (" in the article" if c.context.startswith("main") else "")
    if c.source == "class":
        return f"the visible date '{raw}' (class {c.name})"
    if c.source == "text":
        if c.name == "title":
            return f"the date in the title '{raw}'"
        if c.name == "revision":
            return f"the visible '{raw}' in a table of versions"
        return f"the visible '{raw}'"
    if c.source == "url":
        return "the date in the " + ("canonical URL" if c.name == "canonical" else "URL") + f" ({raw})"
    return f"{c.source} {c.name}"


def position(c: Candidate) -> tuple[str, int | None, bool]:
    """(region, offset after the headline or rank after it (None if unknown), before the headline?)."""
    return _position(c.context or "")


@lru_cache(maxsize=2048)
def _position(context: str) -> tuple[str, int | None, bool]:
    m = _POS.match(context)
    if not m:
        return "", None, False
    region = m.group(1)
    if m.group(2):
        return region, int(m.group(2)), int(m.group(2)) < 0
    if m.group(3):
        return region, None, True
    if m.group(4):
        return region, int(m.group(4)), False
    return region, None, False


def published_weight(c: Candidate, usable: list[Candidate] | None = None) -> float:
    """How strongly c says when the page was first published (0: not at all)."""
    src, role = c.source, c.role
    if role == "modified":
        return 1.0 if src in ("jsonld", "meta", "microdata", "text", "time", "class", "feed") else 0.0
    if src == "copyright" and c.name == "date" and role == "unknown":
        return COPYRIGHT_DAY_WEIGHT
    if src in ("http:last-modified", "sitemap:lastmod", "copyright"):
        return 0.0
    w = _published_base(c)
    if c.reason == RELATIVE_NOTE:
        w *= 0.5   # "3 days ago" is only as good as the fetch time it is counted from
    if c.precision == "month":
        w *= 0.5
    elif c.precision == "year":
        w *= 0.25
    return max(w, 0.0)


def _published_base(c: Candidate) -> float:
    src, role = c.source, c.role
    explicit = role == "published"
    if src == "jsonld":
        return 10.5 if _ARTICLE_TYPE.search(c.context) else 10.0
    if src == "meta":
        if "image" in c.name.lower():   # a date in the path of the page's preview image: when it was uploaded
            return 2.5 if c.precision in ("day", "time") else 0.0
        return 9.5 if explicit else 5.0
    if src == "microdata":
        return 9.0 if explicit else 5.0
    if src == "feed":
        return 8.5
    if src == "script":
        return SCRIPT_WEIGHT
    if src == "url":
        if c.name == "data-permalink":
            return PERMALINK_WEIGHT
        return LOCATION_WEIGHT if c.name == "location.href" else 7.0
    region, off, pre = position(c)
    if src == "time":
        w = 8.5 if explicit else 6.5
        if _LINK.search(c.context):
            return min(w, 3.0)   # a date in a link is the date of the page it links to
        return _place(w, region, off, pre, rank=True)
    if src == "class":
        w = 8.0 if explicit else 5.5
        if _LINK.search(c.context):
            return min(w, 3.0)   # a date in a link's text is the date of the page it links to
        return _place(w, region, off, pre, rank=True)
    if src == "text":
        if c.name == "phrase":
            return 7.5 if explicit else 4.0
        if c.name == "title":
            return 5.5   # the publisher chose it to name the page
        if c.name == "date":
            if off is None:
                return 3.5
            if c.context.split(" ", 1)[-1].startswith("@"):   # no headline: distance from the content's start
                return max(2.0, 5.0 - off / 400)
            if off < 0:                                          # above the headline (a kicker, a dateline)
                return max(2.0, 5.5 + off / 300)
            return max(1.5, 6.5 - off / 300)                     # under it: the closer, the likelier the page's date
    return 2.0


def _place(w: float, region: str, off: int | None, pre: bool, rank: bool) -> float:
    if region in _TEMPLATE_REGIONS:
        return min(w, 2.0)
    if pre:
        return w - 0.5
    if off is not None:
        if off <= 1:
            return w + 1.0
        if off == 2:
            return w + 0.5
        if off > 5:
            return w - 1.5
    return w


def modified_weight(c: Candidate) -> float:
    """How credible c is as the page's last modification (0: not at all)."""
    src = c.source
    if src in ("jsonld", "meta", "microdata"):
        return 9.0
    if src == "text":
        return 8.5
    if src in ("time", "class"):
        region = position(c)[0]
        if region in ("aside", "nav"):
            return 3.0
        # marked up as a modification (class="updated", id="footer-info-lastmod") rather than only said so
        return 8.0 if MODIFIED_WORDS.search(f"{c.name} {c.context}") else 7.5
    if src == "feed":
        return 7.0
    if src == "sitemap:lastmod":
        return 6.0
    if src == "http:last-modified":
        return 5.0
    return 2.0
