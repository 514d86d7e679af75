"""URLs: normalisation, stable ids, URL patterns and production/crawled aliases.

Every table identifies a URL by ``url_id(url)``: a 63-bit integer derived from
the normalised URL, so the same URL has the same id in every crawl and every
database, and links can be written without looking anything up.
"""
from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Iterable
from urllib.parse import urljoin, urlsplit, urlunsplit

import regex
from w3lib.url import safe_url_string

from foundation import timed_regex

DEFAULT_PORTS = {"http": "80", "https": "443"}
_WS = re.compile(r"[\t\n\r]")


def url_id(url: str) -> int:
    """Stable 63-bit id of a normalised URL (fits SQLite's signed INTEGER)."""
    return int.from_bytes(hashlib.blake2b(url.encode("utf-8", "surrogatepass"), digest_size=8).digest(), "big") >> 1


def normalize(url: str) -> str | None:
    """Normalise an absolute URL; None when it is not a usable http(s) URL.

    Lower-cases scheme and host, drops the fragment, the default port and
    empty userinfo, gives an empty path "/", percent-encodes what is not
    ASCII (IDNA for host names), writes every escape in upper case and drops
    campaign-tracking parameters (utm_*, gclid, fbclid, ...): one spelling
    of one address.  Query strings are otherwise kept as written: their
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
    if not host.isascii():
        host = _idna(host)   # left as written when it cannot be encoded: the recorder says "invalid host name"
    netloc = f"[{host}]" if ":" in host else host   # an IPv6 address keeps its brackets
    if port is not None and str(port) != DEFAULT_PORTS[scheme]:
        netloc = f"{netloc}:{port}"
    path = parts.path or "/"
    query = parts.query
    if query and _TRACKING_HINT.search(query):   # a campaign's tags: the same page (utm_source=newsletter)
        query = "&".join(p for p in query.split("&") if not _TRACKING.match(p))
    if "%" in path or "%" in query:   # one spelling of an escape: /caf%c3%a9/ is /caf%C3%A9/ (RFC 3986, 6.2.2.1)
        path, query = _ESCAPE.sub(_upper, path), _ESCAPE.sub(_upper, query)
    return urlunsplit((scheme, netloc, path, query, ""))


# parameters that only tell an analytics tool where a visitor came from: a link with them leads to the same page
# (Google Analytics' utm_*, Google's, Facebook's, Microsoft's and Mailchimp's click ids); nothing else is dropped
_TRACKING = re.compile(r"(?:utm_[a-z_]+|gclid|gbraid|wbraid|dclid|fbclid|msclkid|mc_cid|mc_eid|_hsenc|_hsmi|mkt_tok|igshid|yclid)"
                       r"(?:=|&|\Z)", re.I)
_TRACKING_HINT = re.compile(r"(?:^|[?&])(?:utm_|gclid|gbraid|wbraid|dclid|fbclid|msclkid|mc_[ce]id|_hs|mkt_tok|igshid|yclid)", re.I)
_ESCAPE = re.compile(r"%[0-9a-f][0-9a-fA-F]|%[0-9A-F][a-f]")   # an escape with a lower-case hex digit


def _upper(m: re.Match) -> str:
    return m.group(0).upper()


def _idna(host: str) -> str:
    """The host name in IDNA (punycode): 'bücher.example' -> 'xn--bcher-kva.example'; the host unchanged if it cannot be."""
    import idna

    try:
        return idna.encode(host, uts46=True).decode("ascii")
    except (idna.IDNAError, UnicodeError, ValueError):
        pass
    try:   # IDNA 2003 (Python's codec) also takes symbols and emoji (http://☃.example/), as browsers do
        return host.encode("idna").decode("ascii").lower()
    except UnicodeError:
        return host


_HOST_LABEL = re.compile(r"[a-z0-9_-]{1,63}\Z")


def invalid_host(url: str) -> str | None:
    """Why a normalised URL's host name cannot be requested; None if it can.

    A host is an IP address or dot-separated labels of letters, digits, '-' and '_' (at most 63 each), as
    IDNA (punycode) writes an internationalised name; normalize() left a name it could not encode as written."""
    import ipaddress

    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        return "invalid host name: the URL's host part cannot be read"
    try:
        ipaddress.ip_address(host)
        return None
    except ValueError:
        pass
    if host.isascii() and all(_HOST_LABEL.match(label) for label in host.rstrip(".").split(".")):
        return None
    why = ("cannot be written in IDNA (punycode)" if not host.isascii()
           else "is not a host name (letters, digits, '-' and '_' between dots, at most 63 each)")
    return f"invalid host name: {host[:100]!r} {why}; the link cannot be followed"


# A root-relative href that urljoin would copy unchanged (no dot segments, no spaces, nothing to encode).
_PLAIN_ROOT_PATH = re.compile(r"/[A-Za-z0-9.\-_~!$&'()*+,;=:@/%?]*\Z")


def resolve(base: str, href: str) -> str | None:
    """Resolve a link found on page ``base`` (a normalised URL) and normalise it; None for non-http links."""
    href = href.strip()
    if not href or href.startswith(("#", "javascript:", "data:", "about:")):
        return None
    if href[0] == "/" and href[1:2] != "/":
        h = href.split("#", 1)[0]
        if _PLAIN_ROOT_PATH.match(h) and "/." not in h and "%" not in h and not ("?" in h and _TRACKING_HINT.search(h)):
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


def site_origin(url: str) -> str:
    """'https://host:port' of a normalised URL (any path)."""
    return _split_origin(url)[0]


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


URL_PATTERN_TIMEOUT = 0.05    # seconds one pattern may take on one URL (timed_regex: the regex module's timeout)
URL_PATTERN_MAX_TIMEOUTS = 20  # after this many URLs ran out of time, a pattern gets a tenth of that per URL


class PatternMatcher:
    """URL patterns compiled for matching; calling it returns the first pattern that matches a URL, or None.

    Every pattern runs under a time limit per URL (``timeout`` seconds; a tenth of it once the pattern has
    run out of time on ``max_timeouts`` URLs, so a page of many hostile links stays cheap). A pattern that
    runs out of time on a URL does not match it; ``check`` says which pattern did, and ``timeouts`` counts
    them per pattern (``timeout_examples``: the first such URL of each).
    """

    def __init__(self, patterns: Iterable[str], timeout: float = URL_PATTERN_TIMEOUT,
                 max_timeouts: int = URL_PATTERN_MAX_TIMEOUTS) -> None:
        self.patterns: list[str] = []
        self.timeout, self.max_timeouts = timeout, max_timeouts
        self.timeouts: Counter[str] = Counter()
        self.timeout_examples: dict[str, str] = {}
        self._globs: list[tuple[str, Any, bool]] = []
        self._regexes: list[tuple[str, Any]] = []
        for p in patterns:
            self.patterns.append(p)
            if p.startswith("re:"):
                try:
                    self._regexes.append((p, timed_regex.compile(p[3:])))
                except (regex.error, ValueError, OverflowError) as e:
                    raise ValueError(f'the pattern "{p}" is not a valid regular expression: {e}') from None
            else:
                if not p:
                    raise ValueError("an empty pattern matches nothing; remove it")
                g = p if p.startswith(("/", "*")) else "*" + p
                # one * cannot backtrack more than once over the URL: Python's re, which is faster; more go timed
                rx = re.compile(_glob_to_regex(g) + r"\Z", re.S) if g.count("*") <= 1 else timed_regex.compile(_glob_to_regex(g) + r"\Z", regex.S)
                self._globs.append((p, rx, g.count("*") > 1))

    def __call__(self, url: str) -> str | None:
        return self.check(url)[0]

    def check(self, url: str) -> tuple[str | None, str | None]:
        """(the first pattern that matches the URL, the first pattern that ran out of time on it before that)."""
        slow = None
        if self._globs:
            pq = path_of(url)
            for p, rx, timed in self._globs:
                try:
                    if (rx.match(pq, timeout=self.budget(p)) if timed else rx.match(pq)):
                        return p, slow
                except TimeoutError:
                    slow = slow or self._timed_out(p, url)
        for p, rx in self._regexes:
            try:
                if rx.search(url, timeout=self.budget(p)):
                    return p, slow
            except TimeoutError:
                slow = slow or self._timed_out(p, url)
        return None, slow

    def budget(self, p: str) -> float:
        """The seconds pattern ``p`` may take on the next URL: a tenth of ``timeout`` once it ran out on ``max_timeouts``."""
        return self.timeout if self.timeouts[p] < self.max_timeouts else self.timeout / 10

    def _timed_out(self, p: str, url: str) -> str:
        self.timeouts[p] += 1
        self.timeout_examples.setdefault(p, url)
        return p

    def slow_note(self, what: str) -> str | None:
        """One sentence on the patterns that ran out of time ("the owners pattern re:… took too long on 3 URLs, e.g. …")."""
        if not self.timeouts:
            return None
        parts = [f'{what} pattern "{p}" took too long on {n} URL{"s" if n != 1 else ""} (more than {self.timeout:g} s; '
                 f'e.g. {self.timeout_examples[p][:200]}) and was treated as not matching them' for p, n in self.timeouts.items()]
        return "; ".join(parts) + ". Avoid nested repetition such as (a+)+ or (a|aa)+ in URL patterns."


def compile_patterns(patterns: Iterable[str], timeout: float = URL_PATTERN_TIMEOUT) -> PatternMatcher:
    """A matcher returning the first pattern that matches a URL, or None.

    A plain pattern is a glob matched against the whole path and query
    ("/news/*", "*.pdf"); only ``*`` is special and matches anything,
    including "/".  A pattern starting with ``re:`` is a regular expression
    searched anywhere in the full URL.  Each pattern has ``timeout`` seconds per
    URL (see PatternMatcher): one hostile URL never stops the caller.
    """
    return PatternMatcher(patterns, timeout)


def url_pattern_problem(pattern: str, budget: float = URL_PATTERN_TIMEOUT) -> str | None:
    """Why a URL pattern is refused (it backtracks catastrophically on a hostile URL), or None.

    The pattern is run, under the same time limit as in a crawl, on URLs made of its own characters
    (timed_regex.url_samples: "https://example.org/aaaa…!", 40 and 4,000 characters).
    """
    if pattern.startswith("re:"):
        rx, samples, match = timed_regex.compile(pattern[3:]), timed_regex.url_samples(pattern[3:]), False
    else:
        g = pattern if pattern.startswith(("/", "*")) else "*" + pattern
        rx = timed_regex.compile(_glob_to_regex(g) + r"\Z", regex.S)
        lits = [x for x in pattern.split("*") if x]
        samples = ["/" + "".join(x + c * n for x in lits) + end
                   for n in timed_regex.URL_PROBE_LENGTHS for c in (dict.fromkeys("".join(lits)) or "a") for end in ("!", "/")]
        match = True
    s = timed_regex.slow_sample(rx, samples, budget, match=match)
    if s is None:
        return None
    return (f'the pattern "{pattern}" can backtrack catastrophically: it ran longer than {budget:g} s on the URL '
            f"{timed_regex.shown(s)}, so one hostile link would stall the crawl. Avoid nested repetition such as "
            f"(a+)+, (\\w+-?)+ or (a|aa)+: write each part once, e.g. re:/[\\w-]+/print/ instead of re:/(\\w+-?)+/print/"
            if pattern.startswith("re:") else
            f'the pattern "{pattern}" has so many * that it ran longer than {budget:g} s on the URL {timed_regex.shown(s)}; use fewer *')


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
        if self._has_include:
            p, slow = self._include.check(url)
            if p is None:
                if slow is not None:
                    return f"the include pattern {slow} took too long on this URL (more than {self._include.timeout:g} s), so it is not crawled"
                return "outside include (" + ", ".join(self.include) + ")"
        p, slow = self._exclude.check(url)
        if p is not None:
            return f"matches exclude pattern {p}"
        if slow is not None:
            return f"the pattern {slow} took too long on this URL (more than {self._exclude.timeout:g} s), so it is excluded"
        return None
