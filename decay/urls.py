"""URLs: normalisation, stable ids, URL patterns and production/crawled aliases.

Every table identifies a URL by ``url_id(url)``: a 63-bit integer derived from
the normalised URL, so the same URL has the same id in every crawl and every
database, and links can be written without looking anything up.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Callable, Iterable
from urllib.parse import urljoin, urlsplit, urlunsplit

from w3lib.url import safe_url_string

DEFAULT_PORTS = {"http": "80", "https": "443"}
_WS = re.compile(r"[\t\n\r]")


def url_id(url: str) -> int:
    """Stable 63-bit id of a normalised URL (fits SQLite's signed INTEGER)."""
    return int.from_bytes(hashlib.blake2b(url.encode("utf-8", "surrogatepass"), digest_size=8).digest(), "big") >> 1


def normalize(url: str) -> str | None:
    """Normalise an absolute URL; None when it is not a usable http(s) URL.

    Lower-cases scheme and host, drops the fragment, the default port and
    empty userinfo, gives an empty path "/", and percent-encodes what is not
    ASCII (IDNA for host names).  Query strings are kept as written: their
    order can matter to the server.
    """
    url = url.strip()
    if not url.isascii() or " " in url or "\t" in url or "\n" in url:
        url = safe_url_string(_WS.sub("", url))
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        return None
    host = (parts.hostname or "").rstrip(".")
    if not host:
        return None
    netloc = host
    if port is not None and str(port) != DEFAULT_PORTS[scheme]:
        netloc = f"{host}:{port}"
    path = parts.path or "/"
    return urlunsplit((scheme, netloc, path, parts.query, ""))


# A root-relative href that urljoin would copy unchanged (no dot segments, no spaces, nothing to encode).
_PLAIN_ROOT_PATH = re.compile(r"/[A-Za-z0-9.\-_~!$&'()*+,;=:@/%?]*\Z")


def resolve(base: str, href: str) -> str | None:
    """Resolve a link found on page ``base`` (a normalised URL) and normalise it; None for non-http links."""
    href = href.strip()
    if not href or href.startswith(("#", "javascript:", "data:", "about:")):
        return None
    if href[0] == "/" and href[1:2] != "/":
        h = href.split("#", 1)[0]
        if _PLAIN_ROOT_PATH.match(h) and "/." not in h:
            return base[: base.find("/", base.find("//") + 2)] + h
    if "\n" in href or "\t" in href or "\r" in href:
        href = _WS.sub("", href)
    try:
        return normalize(urljoin(base, href))
    except ValueError:
        return None


def origin_of(url: str) -> str | None:
    """'https://www.example.org' for any URL on that origin; None if url is not an origin-like http(s) URL."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        return None
    scheme = parts.scheme.lower()
    netloc = parts.hostname.lower()
    if port is not None and str(port) != DEFAULT_PORTS[scheme]:
        netloc += f":{port}"
    return f"{scheme}://{netloc}"


def _split_origin(url: str) -> tuple[str, str]:
    """('https://host:port', '/path?query') for a normalised URL."""
    i = url.find("/", url.find("//") + 2)
    if i < 0:
        return url, "/"
    return url[:i], url[i:]


def netloc_of(url: str) -> str:
    """'host' or 'host:port' (non-default port) of a normalised URL."""
    o, _ = _split_origin(url)
    return o.split("//", 1)[1]


def path_of(url: str) -> str:
    return _split_origin(url)[1]


_INDEX_FILES = ("/index.html", "/index.htm")


def _directory_form(url: str) -> str:
    """'https://host/x/' for 'https://host/x/index.html' (or index.htm; a query string is kept); else url unchanged."""
    q = url.find("?")
    path = url if q < 0 else url[:q]
    for name in _INDEX_FILES:
        if path.endswith(name) and path.find("/", path.find("//") + 2) <= len(path) - len(name):
            return path[: len(path) - len(name) + 1] + ("" if q < 0 else url[q:])
    return url


# --------------------------------------------------------------------------- patterns
def _glob_to_regex(glob: str) -> str:
    return "".join(".*" if ch == "*" else re.escape(ch) for ch in glob)


def compile_patterns(patterns: Iterable[str]) -> Callable[[str], str | None]:
    """A matcher returning the first pattern that matches a URL, or None.

    A plain pattern is a glob matched against the whole path and query
    ("/news/*", "*.pdf"); only ``*`` is special and matches anything,
    including "/".  A pattern starting with ``re:`` is a regular expression
    searched anywhere in the full URL.
    """
    globs: list[tuple[str, re.Pattern[str]]] = []
    regexes: list[tuple[str, re.Pattern[str]]] = []
    for p in patterns:
        if p.startswith("re:"):
            try:
                regexes.append((p, re.compile(p[3:])))
            except re.error as e:
                raise ValueError(f'the pattern "{p}" is not a valid regular expression: {e}') from None
        else:
            if not p:
                raise ValueError("an empty pattern matches nothing; remove it")
            g = p if p.startswith(("/", "*")) else "*" + p
            globs.append((p, re.compile(_glob_to_regex(g) + r"\Z", re.S)))
    if not globs and not regexes:
        return lambda url: None

    def match(url: str) -> str | None:
        pq = path_of(url)
        for p, rx in globs:
            if rx.match(pq):
                return p
        for p, rx in regexes:
            if rx.search(url):
                return p
        return None

    return match


# --------------------------------------------------------------------------- scope & aliases
@dataclass
class SiteScope:
    """Which URLs belong to a site, and how production URLs map to crawled ones."""

    name: str
    start_urls: list[str]
    aliases: dict[str, str] = field(default_factory=dict)  # production origin -> crawled origin
    hosts: list[str] = field(default_factory=list)
    include: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._prod_to_crawled: dict[str, str] = {}
        self._crawled_to_prod: dict[str, str] = {}
        self._host_to_crawled: dict[str, str] = {}
        for prod, crawled in self.aliases.items():
            p, c = origin_of(prod), origin_of(crawled)
            if p is None or c is None:
                raise ValueError(f"bad alias {prod!r} -> {crawled!r}")
            self._prod_to_crawled[p] = c
            self._crawled_to_prod.setdefault(c, p)
            self._host_to_crawled[netloc_of(p + "/")] = c
        self.internal_hosts: set[str] = {h.lower() for h in self.hosts}
        self.internal_hosts.update(netloc_of(p + "/") for p in self._prod_to_crawled)
        # one scheme per internal host (URL twins): the scheme of the site's start URL for that host, else of its alias
        self._scheme: dict[str, str] = {}
        canon_starts = []
        for u in self.start_urls:
            n = normalize(u)
            if n is None:
                continue
            n = self.to_canonical(n)
            self._scheme.setdefault(netloc_of(n), n.split(":", 1)[0])
            n = _directory_form(n)
            if n not in canon_starts:
                canon_starts.append(n)
            self.internal_hosts.add(netloc_of(n))
        for p in self._prod_to_crawled:
            self._scheme.setdefault(netloc_of(p + "/"), p.split(":", 1)[0])
        self.canonical_start_urls = canon_starts
        self._include = compile_patterns(self.include)
        self._exclude = compile_patterns(self.exclude)
        self._has_include = bool(self.include)

    def to_canonical(self, url: str) -> str:
        """The production URL for a URL on a crawled origin (unchanged otherwise)."""
        if not self._crawled_to_prod:
            return url
        o, rest = _split_origin(url)
        p = self._crawled_to_prod.get(o)
        return p + rest if p else url

    def to_fetch(self, url: str) -> str:
        """The URL to request for a production URL (its crawled origin when aliased)."""
        if not self._host_to_crawled:
            return url
        o, rest = _split_origin(url)
        c = self._prod_to_crawled.get(o)
        if c is None:
            c = self._host_to_crawled.get(netloc_of(url))
        return c + rest if c else url

    def is_internal(self, url: str) -> bool:
        return netloc_of(url) in self.internal_hosts

    def page_url(self, url: str) -> tuple[str, str | None]:
        """(the site's own spelling of an internal production URL, the kind of twin it was or None).

        A *twin* is the same page spelled differently: with the other scheme than the site's start URL
        (or alias) for that host ("scheme": http://host/x for https://host/x), or with a trailing
        index.html / index.htm ("index": /x/index.html for /x/). Both kinds at once count as "scheme".
        """
        kind = None
        scheme, rest = url.split("://", 1)
        want = self._scheme.get(netloc_of(url))
        if want is not None and want != scheme:
            url = want + "://" + rest
            kind = "scheme"
        d = _directory_form(url)
        if d != url:
            url = d
            kind = kind or "index"
        return url, kind

    def prefer_scheme(self, url: str) -> bool:
        """The server of a start URL redirects it to the other scheme on the same host: that scheme is the site's.

        True when it changed (URLs already spelled the old way are twins from now on).
        """
        scheme = url.split(":", 1)[0]
        host = netloc_of(url)
        if self._scheme.get(host) == scheme:
            return False
        self._scheme[host] = scheme
        self.canonical_start_urls = [scheme + u[u.find(":"):] if netloc_of(u) == host else u for u in self.canonical_start_urls]
        return True

    def excluded_by(self, url: str) -> str | None:
        """Why an internal URL is not crawled (the pattern), or None when it is in scope."""
        if self._has_include and self._include(url) is None:
            return "outside include (" + ", ".join(self.include) + ")"
        p = self._exclude(url)
        if p is not None:
            return f"matches exclude pattern {p}"
        return None
