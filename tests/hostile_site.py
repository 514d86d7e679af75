"""One hostile web server on 127.0.0.1 (port 0): every bad behaviour a crawl meets on a bad night, on one site.

Built on decay.localserver.LocalSite: each behaviour is a route whose handler computes its answer, sleeps,
drips, resets the connection or writes a raw, broken HTTP answer itself.  A handler that has answered (or
refused to) by writing to the socket itself ends with ``Handled`` (a ConnectionAbortedError, which the server
treats as a client that hung up), so LocalSite sends nothing more and closes the connection.

    site = hostile_site(hang_seconds=6).start()   # the crawl's [crawl] timeout must be shorter than hang_seconds
    site.url  ...  site.stop()

``PATHS`` names every behaviour and its path; the home page links to all of them.
"""
from __future__ import annotations

import gzip
import socket
import struct
import time
import urllib.parse

from decay.localserver import LocalSite, Route, raw, redirect, status

PATHS = {
    "5xx": "/server-error",
    "hang": "/hang",
    "drip": "/drip",
    "reset": "/reset",
    "truncated": "/truncated",
    "huge_with_length": "/huge-with-length",
    "huge_without_length": "/huge-without-length",
    "gzip_bomb": "/gzip-bomb",
    "bad_charset": "/bad-charset",
    "redirect_loop": "/loop-a",
    "redirect_chain": "/chain/1",
    "calendar": "/calendar?month=1",
    "many_links": "/many-links",
    "big_title": "/big-title",
    "long_url_page": "/long-url",
    "csv_title": "/csv-title",
    "deep": "/deep",
    "feed": "/feed.xml",
}
LONG_URL = "/q?" + "a" * 10_000                 # a 10,000-character URL, linked from /long-url
CSV_TITLE = '=HYPERLINK("https://evil.example/x","x")'
MANY_LINKS = 100_000
TITLE_BYTES = 1024 * 1024
HUGE_BYTES = 12 * 1024 * 1024                    # over the test's max_page_mb (8)
BOMB_BYTES = 64 * 1024 * 1024                    # what the gzip bomb expands to (~64 KB compressed)
ROBOTS_BYTES = 6 * 1024 * 1024
CHAIN_END = 300                                  # the server gives up first: endless for any sane bound
SITEMAP_CHAIN_END = 300
DEEP_LEVELS = 50_000


class Handled(ConnectionAbortedError):
    """The handler answered (or hung up) on its own: LocalSite must send nothing more."""


def html(title: str, body: str = "") -> bytes:
    return f"<!doctype html><html><head><title>{title}</title></head><body><h1>{title}</h1>{body}</body></html>".encode()


def _write_head(h, status_line: str, headers: dict[str, str]) -> None:
    lines = [f"HTTP/1.1 {status_line}", *(f"{k}: {v}" for k, v in headers.items()), "", ""]
    h.wfile.write("\r\n".join(lines).encode("latin-1"))
    h.wfile.flush()


def _stream(h, total: int, chunk: bytes, pause: float = 0.0, give_up: float = 30.0) -> None:
    """Write chunk after chunk until total bytes are out, the client hangs up or give_up seconds pass."""
    sent, started = 0, time.monotonic()
    try:
        while sent < total and time.monotonic() - started < give_up:
            h.wfile.write(chunk)
            h.wfile.flush()
            sent += len(chunk)
            if pause:
                time.sleep(pause)
    except OSError:
        pass
    raise Handled("streamed")


def _hang(seconds: float):
    def handler(h):
        time.sleep(seconds)    # longer than the crawl's timeout: the crawler has given up by now
        return status(200, html("Too late"))
    return handler


def _drip(h):
    _write_head(h, "200 OK", {"Content-Type": "text/html", "Content-Length": "1000000"})
    _stream(h, 1_000_000, b"<p>x</p>\n", pause=0.05, give_up=20)   # ~180 B/s: never done within the timeout


def _reset(h):
    # SO_LINGER 0: close() sends a TCP RST instead of a FIN
    h.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    h.rfile.read(0)
    h.connection.close()
    raise Handled("reset")


def _truncated(h):
    _write_head(h, "200 OK", {"Content-Type": "text/html; charset=utf-8", "Content-Length": "20000", "Connection": "close"})
    h.wfile.write(b"<!doctype html><html><head><title>Cut short</title></head><body><p>only the first part")
    h.wfile.flush()
    raise Handled("truncated")


def _huge_with_length(h):
    _write_head(h, "200 OK", {"Content-Type": "text/html", "Content-Length": str(HUGE_BYTES)})
    _stream(h, HUGE_BYTES, b"<p>" + b"x" * 65_000 + b"</p>\n")


def _huge_without_length(h):
    _write_head(h, "200 OK", {"Content-Type": "text/html", "Connection": "close"})   # body until the connection closes
    _stream(h, HUGE_BYTES, b"<p>" + b"x" * 65_000 + b"</p>\n")


def _calendar(h):
    q = urllib.parse.parse_qs(urllib.parse.urlsplit(h.path).query)
    try:
        month = int(q.get("month", ["1"])[0])
    except ValueError:
        month = 1
    return status(200, html(f"Calendar, month {month}",
                            f'<a href="/calendar?month={month + 1}">next month</a> <a href="/calendar?month={month - 1}">previous</a>'))


def _chain(h):
    n = int(h.path.rsplit("/", 1)[1] or 0)
    if n >= CHAIN_END:
        return status(200, html("The end of the chain"))
    return redirect(f"/chain/{n + 1}", 302)


def _sitemap_chain(h):
    n = int(h.path.rsplit("/", 1)[1].split(".")[0])
    if n >= SITEMAP_CHAIN_END:
        body = f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>{h.server.site.url}/</loc></url></urlset>'
    else:
        body = ('<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                f'<sitemap><loc>{h.server.site.url}/sitemaps/{n + 1}.xml</loc></sitemap></sitemapindex>')
    return raw(body, "application/xml")


def _prefix_routes(prefix: str, handler, count: int) -> dict[str, Route]:
    return {f"{prefix}{i}": Route(handler=handler) for i in range(count + 2)}


def hostile_site(hang_seconds: float = 6.0) -> LocalSite:
    """A LocalSite (not started) serving every hostile behaviour; the home page links to all of them."""
    links = "".join(f'<li><a href="{p}">{name}</a></li>' for name, p in PATHS.items())
    home = html("Hostile home", f'<link rel="alternate" type="application/rss+xml" href="/feed.xml"><ul>{links}</ul>')
    many = "".join(f'<a href=//e.example/{i}>{i}</a>\n' for i in range(MANY_LINKS))   # 3.3 MB, other website's
    robots = "User-agent: *\nAllow: /\n" + "".join(f"Disallow: /private-{i:08d}/\n" for i in range(ROBOTS_BYTES // 28))
    robots += "Sitemap: /sitemap.xml\n"
    routes: dict[str, Route] = {
        "/": status(200, home),
        "/robots.txt": raw(robots, "text/plain"),
        PATHS["5xx"]: status(500, html("Internal Server Error")),
        PATHS["hang"]: Route(handler=_hang(hang_seconds)),
        PATHS["drip"]: Route(handler=_drip),
        PATHS["reset"]: Route(handler=_reset),
        PATHS["truncated"]: Route(handler=_truncated),
        PATHS["huge_with_length"]: Route(handler=_huge_with_length),
        PATHS["huge_without_length"]: Route(handler=_huge_without_length),
        PATHS["gzip_bomb"]: Route(status=200, body=gzip.compress(b"\0" * BOMB_BYTES, 9),
                                  headers={"Content-Type": "text/html", "Content-Encoding": "gzip"}),
        PATHS["bad_charset"]: raw(b"<!doctype html><html><head><title>Caf\xe9 \xff\xfe cr\xe8me</title></head>"
                                  b"<body><p>Caf\xe9 cr\xe8me br\xfbl\xe9e \x81\x8d\x8f</p></body></html>",
                                  "text/html; charset=x-no-such-charset-9"),
        "/loop-a": redirect("/loop-b", 302),
        "/loop-b": redirect("/loop-a", 302),
        "/calendar": Route(handler=_calendar),
        PATHS["many_links"]: status(200, html("Many links", many)),
        PATHS["big_title"]: status(200, html("T" * TITLE_BYTES, "<p>a page with a one-megabyte title</p>")),
        PATHS["long_url_page"]: status(200, html("A very long link", f'<a href="{LONG_URL}">long</a>')),
        PATHS["csv_title"]: status(200, html(CSV_TITLE.replace('"', "&quot;"), "<p>a title aimed at spreadsheets</p>")),
        PATHS["deep"]: status(200, b"<!doctype html><html><head><title>Deep</title></head><body>"
                              + b"<div>" * DEEP_LEVELS + b"deep text" + b"</div>" * DEEP_LEVELS + b"</body></html>"),
        PATHS["feed"]: raw(b'<?xml version="1.0"?><rss version="2.0"><channel><title>News &amp; <b>bold</title>'
                           b"<item><title>First</title><link>/</link></item><item><title>Se", "application/rss+xml"),
        # a sitemap index that lists itself, and one that lists the next index, and the next ...
        "/sitemap.xml": Route(handler=lambda h: raw(
            '<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            f"<sitemap><loc>{h.server.site.url}/sitemap.xml</loc></sitemap>"
            f"<sitemap><loc>{h.server.site.url}/sitemaps/1.xml</loc></sitemap></sitemapindex>", "application/xml")),
    }
    routes.update(_prefix_routes("/chain/", _chain, CHAIN_END))
    routes.update(_prefix_routes("/sitemaps/", _sitemap_chain, SITEMAP_CHAIN_END))
    for k in [k for k in routes if k.startswith("/sitemaps/")]:
        routes[k + ".xml"] = routes.pop(k)
    return LocalSite(routes=routes)
