"""Which CMS and JavaScript library versions have known vulnerabilities: the bundled table, and how a
page's technology and version are recognised.

``advisories.csv`` (in this package) has one row per advisory and affected range, OSV-style: a version
is affected when ``introduced <= version < fixed`` (an empty ``fixed``: every later version too), and
every row cites its advisory (a CVE at NVD, or the project's own end-of-life notice).  Update it by
adding rows; ``tests/test_rules_builtin.py`` checks that it parses and that each row has a URL.

Versions are recognised from ``<meta name=generator>`` (CMSs), from script URLs
(``jquery-1.12.4.min.js``, ``/ajax/libs/jquery/3.4.1/``, ``lodash@4.17.4``, ``jquery.min.js?ver=1.12.4``)
and from the banner comment a library keeps at its top when inlined (``/*! jQuery v1.12.4``).
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources


@dataclass(frozen=True)
class Advisory:
    technology: str
    introduced: str
    fixed: str
    severity: str
    advisory: str
    url: str
    summary: str


@lru_cache(maxsize=1)
def table() -> tuple[Advisory, ...]:
    text = resources.files("analysis.rules").joinpath("advisories.csv").read_text(encoding="utf-8")
    return tuple(Advisory(**{k: (v or "").strip() for k, v in row.items()}) for row in csv.DictReader(io.StringIO(text)))


_VERSION = re.compile(r"(\d+(?:\.\d+)*)(?:[-.]?(alpha|beta|rc|a|b|pre)\.?\d*)?", re.I)


def parse_version(v: str) -> tuple[int, ...] | None:
    m = _VERSION.match(v.strip())
    if not m:
        return None
    parts = tuple(int(x) for x in m.group(1).split("."))
    return parts + (-1,) if m.group(2) else parts   # a pre-release comes before its release


def _cmp(a: tuple[int, ...], b: tuple[int, ...]) -> int:
    n = max(len(a), len(b))
    a, b = a + (0,) * (n - len(a)), b + (0,) * (n - len(b))
    return (a > b) - (a < b)


def _decidable(v: tuple[int, ...], bound: tuple[int, ...]) -> bool:
    """False when v is too coarse to compare with bound ("Drupal 7" against 7.58: 7.0 or 7.99?)."""
    return len(v) >= len(bound) or tuple(bound[:len(v)]) != v


@lru_cache(maxsize=4096)
def affected(technology: str, version: str) -> tuple[Advisory, ...]:
    """The advisories whose range contains this version of this technology."""
    v = parse_version(version)
    if v is None:
        return []
    out = []
    for a in table():
        if a.technology != technology:
            continue
        lo = parse_version(a.introduced or "0") or (0,)
        if a.introduced not in ("", "0") and (not _decidable(v, lo) or _cmp(v, lo) < 0):
            continue
        if a.fixed:
            hi = parse_version(a.fixed)
            if hi is None or not _decidable(v, hi) or _cmp(v, hi) >= 0:
                continue
        out.append(a)
    return tuple(out)


# ---------------------------------------------------------------------------- fingerprints
NAMES = {"jquery": "jQuery", "jquery-ui": "jQuery UI", "bootstrap": "Bootstrap", "angularjs": "AngularJS",
         "lodash": "Lodash", "moment": "Moment.js", "underscore": "Underscore.js", "wordpress": "WordPress",
         "drupal": "Drupal", "joomla": "Joomla", "typo3": "TYPO3", "mediawiki": "MediaWiki"}
_V = r"v?(\d+\.\d+(?:\.\d+)?(?:-?(?:alpha|beta|rc)\.?\d*)?)"
# in a script URL: the library's name then its version (as a folder, a file-name suffix, an npm @version)
_LIB_URL = {
    "jquery": r"jquery",
    "jquery-ui": r"jquery[-.]?ui|jqueryui",
    "bootstrap": r"(?:twitter-)?bootstrap",
    "angularjs": r"angular(?:js)?",
    "lodash": r"lodash",
    "moment": r"moment",
    "underscore": r"underscore",
}
_URL_RX = {lib: re.compile(rf"(?<![\w.-])(?:{n})(?:\.js)?(?:[@/-]|\.js/){_V}(?=[/._-]|$|\?)", re.I) for lib, n in _LIB_URL.items()}
_VER_RX = {lib: re.compile(rf"/(?:{n})(?:\.min|\.slim|\.slim\.min|\.bundle|\.bundle\.min)?\.js\?(?:[^#]*&)?ver(?:sion)?={_V}", re.I)
           for lib, n in _LIB_URL.items()}
_BANNER_NAMES = {"jquery": r"jQuery(?:\s+JavaScript\s+Library)?", "jquery-ui": r"jQuery\s+UI", "bootstrap": r"Bootstrap",
                 "angularjs": r"AngularJS", "moment": r"moment\.js", "lodash": r"lodash", "underscore": r"Underscore\.js"}
_BANNER = re.compile(
    r"(?:/\*!?|//!)[\s*]{0,12}(?:@license\s+)?(" + "|".join(f"(?P<{k.replace('-', '_')}>{v})" for k, v in _BANNER_NAMES.items())
    + r")(?:[\s*/!:-]{0,12}(?:version\s*:?\s*)?)" + _V)
_GENERATOR = re.compile(r"^\s*(WordPress|Drupal|Joomla!?|TYPO3|MediaWiki)\b\s*(?:CMS\s*)?(?:-\s*)?v?(\d+(?:\.\d+)*)", re.I)


@dataclass(frozen=True)
class Seen:
    technology: str
    version: str
    source: str        # generator, script URL or banner
    evidence: str      # the generator text, the URL, the banner


def from_generator(generator: str) -> Seen | None:
    m = _GENERATOR.match(generator or "")
    if not m:
        return None
    tech = m.group(1).lower().rstrip("!")
    return Seen(tech, m.group(2), "generator", generator)


@lru_cache(maxsize=65536)
def from_script_url(url: str) -> Seen | None:
    path = url.split("#", 1)[0]
    for lib, rx in _URL_RX.items():
        m = rx.search(path)
        if m and not (lib == "jquery" and re.match(r"[-.]?ui", path[m.start() + 6:], re.I)):
            if lib == "angularjs" and not m.group(1).startswith("1."):
                continue   # Angular 2 and later is another product
            return Seen(lib, m.group(1), "script URL", url)
    if _PACKAGED.search(path):
        return None   # a theme's or a plugin's copy: WordPress gives it the theme's or the plugin's version (?ver=1.0.0)
    for lib, rx in _VER_RX.items():
        m = rx.search(path)
        if m:
            return Seen(lib, m.group(1), "script URL (?ver=)", url)
    return None


# where a CMS serves a theme's or a plugin's own files: their ?ver= is the theme's or the plugin's version, not the
# library's (/wp-content/themes/charity/js/bootstrap.min.js?ver=1.0.0 is Bootstrap 5); WordPress' own copies under
# /wp-includes/ carry the library's
_PACKAGED = re.compile(r"/(?:wp-content|themes?|plugins?|modules|sites/all|extensions|templates)/", re.I)
# the JavaScript of a page: the text of its <script> elements (a banner in a stylesheet, an HTML comment or a code
# sample on the page is no library the page runs); a script whose type is not JavaScript (a template) is not
_SCRIPT = re.compile(r"<script\b(?![^>]*\btype\s*=\s*[\"']?(?!(?:text|application)/(?:x-)?(?:java|ecma)script|module)[\w/+-])"
                     r"[^>]*>(.*?)</script\s*>", re.I | re.S)


def scripts_of(html: str) -> str:
    """The text of the page's JavaScript <script> elements, one after another (outside HTML comments; inside a script,
    "<!--" is JavaScript's, as in the "<!--//--><![CDATA[//><!--" Drupal wraps its inline scripts in)."""
    return "\n".join(m.group(1) for m in _SCRIPT_OR_COMMENT.finditer(html) if m.group(1) and m.group(1).strip())


_SCRIPT_OR_COMMENT = re.compile(r"<!--.*?-->|" + _SCRIPT.pattern, re.I | re.S)


# a banner's form: a comment kept by minifiers (/*!, //!), a licence tag, or the version written as a release
# ("v1.12.4", "version: 2.18.1", "jQuery JavaScript Library v1.9.1"); a plain comment naming a name and a number
# ("/* jQuery 1.9 removed $.browser */") is a remark about that version, not the file's header
_BANNER_FORM = re.compile(r"^(?:/\*!|//!)|@license|@version|\bversion\s*:?\s*$|(?<![\w.])v$", re.I)
# a range, never one version: "jQuery v1.9+", "1.9.x", "1.9 or later"
_RANGE = re.compile(r"(?:\+|\.[x*]\b|\s*(?:or|and)\s+(?:later|newer|higher|above|up)\b)", re.I)


def from_banners(html: str) -> list[Seen]:
    """The libraries whose licence banner ("/*! jQuery v1.12.4 ...") is in the page's own JavaScript (``scripts_of``):
    a banner quoted in a stylesheet, a code sample or a comment that only names a version ("jQuery 1.9+ removed
    $.browser": not in banner form, ``_BANNER_FORM``, and a range, ``_RANGE``) is not a library the page runs."""
    out, seen = [], set()
    code = scripts_of(html)
    for m in _BANNER.finditer(code):
        last = m.lastindex
        lead = code[m.start():m.start(last)]
        if not _BANNER_FORM.search(lead) or _RANGE.match(code, m.end()):
            continue
        lib = next(k.replace("_", "-") for k, v in m.groupdict().items() if v and k in {n.replace("-", "_") for n in _BANNER_NAMES})
        if lib == "angularjs" and not m.group(m.lastindex).startswith("1."):
            continue
        version = m.groups()[-1]
        if (lib, version) not in seen:
            seen.add((lib, version))
            out.append(Seen(lib, version, "banner", " ".join(m.group(0).split())[:120]))
    return out
