"""A small, real HTTP server on 127.0.0.1 for the demo site and the tests.

It serves a directory of static files the way a typical web server does
(directory index, ``Last-Modified`` from the file's mtime, ``ETag``,
conditional requests answered with 304, ``HEAD``) plus a table of *routes*
that override single paths: redirects, error statuses, slow answers, raw
bodies with chosen headers.  Every request is counted so tests can assert
what a crawl did to the server.

    site = LocalSite(root="site/", routes={"/old": redirect("/new")}).start()
    site.url            # "http://127.0.0.1:PORT"
    site.stop()
"""
from __future__ import annotations

import email.utils
import os
import posixpath
import threading
import time
import urllib.parse
from collections import Counter
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable


@dataclass
class Route:
    """A canned answer for one path (query string included when it has one)."""

    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    delay: float = 0.0  # seconds to wait before answering
    handler: Callable[["_Handler"], "Route | None"] | None = None  # computes the answer per request


def redirect(location: str, status: int = 301) -> Route:
    return Route(status=status, headers={"Location": location}, body=b"")


def status(code: int, body: bytes | str = b"", content_type: str = "text/html; charset=utf-8") -> Route:
    if isinstance(body, str):
        body = body.encode("utf-8")
    return Route(status=code, headers={"Content-Type": content_type}, body=body)


def raw(body: bytes | str, content_type: str, **headers: str) -> Route:
    if isinstance(body, str):
        body = body.encode("utf-8")
    h = {"Content-Type": content_type}
    h.update({k.replace("_", "-"): v for k, v in headers.items()})
    return Route(status=200, headers=h, body=body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    site: "LocalSite"

    def handle_error(self, request, client_address) -> None:
        # a client that hangs up early (a crawler stopping after the headers) is not an error here
        import sys

        if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            super().handle_error(request, client_address)


class _Handler(SimpleHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args) -> None:  # quiet
        pass

    # -- dispatch -------------------------------------------------------
    def do_GET(self) -> None:
        self._dispatch(head=False)

    def do_HEAD(self) -> None:
        self._dispatch(head=True)

    def do_POST(self) -> None:
        self._dispatch(head=False)

    def _dispatch(self, head: bool) -> None:
        site = self.server.site
        site._count(self)
        parsed = urllib.parse.urlsplit(self.path)
        key = parsed.path + ("?" + parsed.query if parsed.query else "")
        route = site.routes.get(key) or site.routes.get(parsed.path)
        if route is not None:
            if route.handler is not None:
                route = route.handler(self) or Route(status=404)
            if route.delay:
                time.sleep(route.delay)
            self._send_route(route, head)
            return
        if site.root is None:
            self._send_route(Route(status=404, body=b"not found"), head)
            return
        if head and site.head_status is not None:
            self._send_route(Route(status=site.head_status), head)
            return
        f = self.send_head()
        if f:
            try:
                if not head:
                    self.copyfile(f, self.wfile)
            finally:
                f.close()

    def _send_route(self, route: Route, head: bool) -> None:
        self.send_response(route.status)
        headers = dict(route.headers)
        headers.setdefault("Content-Length", str(len(route.body)))
        for k, v in headers.items():
            self.send_header(k, v)
        self.end_headers()
        if not head and route.body:
            self.wfile.write(route.body)

    # -- static files: like SimpleHTTPRequestHandler, plus ETag / If-None-Match
    def translate_path(self, path: str) -> str:
        path = urllib.parse.unquote(urllib.parse.urlsplit(path).path)
        parts = [p for p in posixpath.normpath(path).split("/") if p and p not in (".", "..")]
        return str(Path(self.server.site.root, *parts))

    def send_head(self):
        path = self.translate_path(self.path)
        if os.path.isdir(path):
            parts = urllib.parse.urlsplit(self.path)
            if not parts.path.endswith("/"):
                self.send_response(HTTPStatus.MOVED_PERMANENTLY)
                new = urllib.parse.urlunsplit(("", "", parts.path + "/", parts.query, ""))
                self.send_header("Location", new)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return None
            for index in ("index.html", "index.htm"):
                if os.path.isfile(os.path.join(path, index)):
                    path = os.path.join(path, index)
                    break
            else:
                self.send_error(HTTPStatus.NOT_FOUND, "No index")
                return None
        if not os.path.isfile(path):
            self.send_error(HTTPStatus.NOT_FOUND, "File not found")
            return None
        st = os.stat(path)
        etag = '"%x-%x"' % (int(st.st_mtime), st.st_size)
        inm = self.headers.get("If-None-Match")
        ims = self.headers.get("If-Modified-Since")
        if self.command == "HEAD" and self.server.site.head_ignores_conditions:
            inm = ims = None
        not_modified = False
        if inm is not None:
            not_modified = etag in [t.strip() for t in inm.split(",")] or inm.strip() == "*"
        elif ims is not None:
            try:
                since = email.utils.parsedate_to_datetime(ims).timestamp()
                not_modified = int(st.st_mtime) <= since
            except (TypeError, ValueError, IndexError, OverflowError):
                pass
        if not_modified:
            self.server.site._count_304()
            self.send_response(HTTPStatus.NOT_MODIFIED)
            self.send_header("ETag", etag)
            self.send_header("Last-Modified", self.date_time_string(st.st_mtime))
            self.send_header("Content-Length", "0")
            self.end_headers()
            return None
        ctype = self.guess_type(path)
        if path.endswith(".gz"):
            ctype = "application/gzip"
        else:
            charset = self.server.site.charset_for(path)
            if charset:
                ctype += "; charset=" + charset
        f = open(path, "rb")
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(st.st_size))
        self.send_header("Last-Modified", self.date_time_string(st.st_mtime))
        self.send_header("ETag", etag)
        for k, v in self.server.site.extra_headers.items():
            self.send_header(k, v)
        self.end_headers()
        return f


class LocalSite:
    """A threaded HTTP server for one fixture site on 127.0.0.1 (port 0 by default)."""

    def __init__(
        self,
        root: str | os.PathLike | None = None,
        routes: dict[str, Route] | None = None,
        port: int = 0,
        extra_headers: dict[str, str] | None = None,
        charsets: dict[str, str] | None = None,
        head_ignores_conditions: bool = False,
        head_status: int | None = None,
    ) -> None:
        self.root = Path(root) if root is not None else None
        self.routes: dict[str, Route] = dict(routes or {})
        self.extra_headers = dict(extra_headers or {})
        self.charsets = dict(charsets or {})  # path -> charset to send in Content-Type (none by default, like many servers)
        # servers that get HEAD wrong: answer 200 to a conditional HEAD, or this status to every HEAD of a file
        self.head_ignores_conditions = head_ignores_conditions
        self.head_status = head_status
        self._port = port
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.hits: Counter[str] = Counter()  # "METHOD /path" -> count
        self.not_modified = 0
        self.requests: list[tuple[str, str, dict[str, str]]] = []

    def charset_for(self, path: str) -> str:
        rel = "/" + os.path.relpath(path, self.root).replace(os.sep, "/") if self.root else path
        return self.charsets.get(rel, "")

    def _count(self, h: _Handler) -> None:
        with self._lock:
            self.hits[f"{h.command} {urllib.parse.urlsplit(h.path).path}"] += 1
            self.requests.append((h.command, h.path, dict(h.headers.items())))

    def _count_304(self) -> None:
        with self._lock:
            self.not_modified += 1

    def start(self) -> "LocalSite":
        self._server = _Server(("127.0.0.1", self._port), _Handler)
        self._server.site = self
        self._thread = threading.Thread(target=self._server.serve_forever, name="localsite", daemon=True)
        self._thread.start()
        return self

    @property
    def port(self) -> int:
        assert self._server is not None, "server not started"
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> "LocalSite":
        return self.start() if self._server is None else self

    def __exit__(self, *exc) -> None:
        self.stop()
