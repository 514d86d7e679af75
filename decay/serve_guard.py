"""A datasette plugin of this project that guards `decay serve`'s sign-in (registered by decay.serve_run).

- **Throttling**: failed sign-ins (POST /-/login answered with the form again) are counted per client
  address and per user name.  The first ``free`` failures cost nothing; after that each key is locked for a
  delay that doubles with every further failure (1 s, 2 s, 4 s ... up to ``cap``), during which every
  sign-in for that user name or from that address, right or wrong, is refused with 429 and a message
  saying how long to wait (and a Retry-After header).  A key is forgotten after ``forget`` seconds without
  failures; a successful sign-in clears its user name's count.  At most ``max_keys`` keys are kept (the
  oldest are dropped), so a flood of made-up names cannot exhaust memory.
- **Cookies**: the sign-in cookie (ds_actor) and the message cookie (ds_messages) get HttpOnly; every
  cookie datasette sets gets SameSite=Lax unless it has one, and Secure when the request came over https
  (uvicorn believes X-Forwarded-Proto from a proxy on 127.0.0.1) or ``[serve] secure_cookies`` is true.
- **The decide column**: the canned query "This morning's list" returns the item's id in its decide column;
  this plugin renders it as links to the triage forms, and only on the pages of the database's canned
  queries (never for ad-hoc SQL or tables), only for a value shaped like an id, and only with links to
  this server's own triage queries.  Nothing anyone types into SQL becomes a link.

Settings come from the metadata's plugin section "decay-serve-guard" (no secrets there).
"""
from __future__ import annotations

import contextvars
import html
import re
import time
import urllib.parse
from collections import OrderedDict
from typing import Any, Callable

from datasette import hookimpl

PLUGIN = "decay-serve-guard"
LOGIN_PATH = "/-/login"
MAX_LOGIN_BODY = 64 * 1024
HTTPONLY_COOKIES = ("ds_actor", "ds_messages")
DECIDE_LINKS = (("accept", "accepted"), ("dismiss", "dismissed"), ("snooze", "snoozed"), ("done", "done"))
ID_SHAPE = re.compile(r"[0-9a-f]{6,64}")

_request_path: contextvars.ContextVar[str] = contextvars.ContextVar("decay_request_path", default="")


class Throttle:
    """Failures per key (("ip", address) or ("user", name)) and the delay they earn."""

    def __init__(self, free: int = 5, first: float = 1.0, cap: float = 900.0, forget: float = 3600.0,
                 max_keys: int = 10000, clock: Callable[[], float] = time.monotonic) -> None:
        self.free, self.first, self.cap, self.forget, self.max_keys, self.clock = free, first, cap, forget, max_keys, clock
        self._keys: OrderedDict[tuple[str, str], tuple[int, float]] = OrderedDict()   # key -> (failures, last failure)

    def _count(self, key: tuple[str, str], now: float) -> tuple[int, float]:
        n, last = self._keys.get(key, (0, 0.0))
        if n and now - last > self.forget:
            self._keys.pop(key, None)
            return 0, 0.0
        return n, last

    def delay_for(self, failures: int) -> float:
        """Seconds a key with this many failures stays locked after its last failure."""
        if failures < self.free:
            return 0.0
        return min(self.first * 2 ** (failures - self.free), self.cap)

    def wait(self, *keys: tuple[str, str]) -> float:
        """Seconds until a sign-in for these keys may be tried (0: now)."""
        now = self.clock()
        longest = 0.0
        for key in keys:
            n, last = self._count(key, now)
            longest = max(longest, last + self.delay_for(n) - now)
        return max(longest, 0.0)

    def failed(self, *keys: tuple[str, str]) -> None:
        now = self.clock()
        for key in keys:
            n, _ = self._count(key, now)
            self._keys.pop(key, None)
            self._keys[key] = (n + 1, now)
        while len(self._keys) > self.max_keys:
            self._keys.popitem(last=False)

    def succeeded(self, *keys: tuple[str, str]) -> None:
        for key in keys:
            self._keys.pop(key, None)


def _settings(datasette) -> dict[str, Any]:
    return datasette.plugin_config(PLUGIN) or {}


def _throttle_from(settings: dict[str, Any]) -> Throttle:
    t = settings.get("throttle") or {}
    return Throttle(free=int(t.get("free", 5)), first=float(t.get("first", 1.0)), cap=float(t.get("cap", 900.0)),
                    forget=float(t.get("forget", 3600.0)))


def _cookie_flags(value: bytes, secure: bool) -> bytes:
    text = value.decode("latin-1")
    name = text.split("=", 1)[0].strip()
    attrs = {a.strip().split("=", 1)[0].lower() for a in text.split(";")[1:]}
    if name in HTTPONLY_COOKIES and "httponly" not in attrs:
        text += "; HttpOnly"
    if "samesite" not in attrs:
        text += "; SameSite=Lax"
    if secure and "secure" not in attrs:
        text += "; Secure"
    return text.encode("latin-1")


def _too_many(wait: float) -> tuple[dict, dict]:
    seconds = max(1, int(wait + 0.999))
    body = ("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Too many sign-in attempts</title></head>"
            "<body><h1>Too many failed sign-in attempts</h1>"
            f"<p>Too many wrong passwords for this user name or from this address. Wait {seconds} second"
            f"{'' if seconds == 1 else 's'} before you try again; each further wrong password makes the wait longer. "
            "If you have forgotten your password, ask whoever runs <code>decay serve</code> for a new hash "
            "(<code>decay serve-password</code>).</p>"
            f"<p><a href=\"{LOGIN_PATH}\">Back to sign in</a></p></body></html>").encode()
    start = {"type": "http.response.start", "status": 429,
             "headers": [(b"content-type", b"text/html; charset=utf-8"), (b"retry-after", str(seconds).encode()),
                         (b"content-length", str(len(body)).encode()), (b"cache-control", b"no-store")]}
    return start, {"type": "http.response.body", "body": body}


@hookimpl
def asgi_wrapper(datasette):
    state: dict[str, Throttle] = {}

    def wrap(app):
        async def guard(scope, receive, send):
            if scope["type"] != "http":
                return await app(scope, receive, send)
            settings = _settings(datasette)
            throttle = state.get("t")
            if throttle is None:
                throttle = state["t"] = _throttle_from(settings)
            secure = bool(settings.get("secure_cookies")) or scope.get("scheme") == "https"
            token = _request_path.set(scope.get("path", ""))
            outcome: dict[str, Any] = {}

            async def send_guarded(message):
                if message["type"] == "http.response.start":
                    outcome["status"] = message["status"]
                    new = []
                    for k, v in message.get("headers") or []:
                        if k.lower() == b"set-cookie":
                            if v.startswith(b"ds_actor=") and not v.startswith(b"ds_actor=;") and not v.startswith(b'ds_actor="";'):
                                outcome["signed_in"] = True
                            v = _cookie_flags(v, secure)
                        new.append((k, v))
                    message = dict(message, headers=new)
                await send(message)

            try:
                if scope.get("path") == LOGIN_PATH and scope.get("method") == "POST":
                    body = b""
                    more = True
                    while more:
                        m = await receive()
                        if m["type"] != "http.request":
                            return
                        body += m.get("body", b"")
                        more = m.get("more_body", False)
                        if len(body) > MAX_LOGIN_BODY:
                            return await _send_pair(send, _plain(413, "The sign-in form is too large."))
                    fields = urllib.parse.parse_qs(body.decode("utf-8", "replace"))
                    user = (fields.get("username") or [""])[0]
                    client = (scope.get("client") or ("unknown", 0))[0]
                    keys = [("ip", client)] + ([("user", user)] if user else [])
                    wait = throttle.wait(*keys)
                    if wait > 0:
                        return await _send_pair(send, _too_many(wait))
                    replayed = {"done": False}

                    async def replay():
                        if not replayed["done"]:
                            replayed["done"] = True
                            return {"type": "http.request", "body": body, "more_body": False}
                        return await receive()

                    await app(scope, replay, send_guarded)
                    if outcome.get("signed_in"):
                        throttle.succeeded(*keys[1:])
                    elif outcome.get("status") == 200:   # the form again, with "Invalid username or password"
                        throttle.failed(*keys)
                    return
                await app(scope, receive, send_guarded)
            finally:
                _request_path.reset(token)

        return guard

    return wrap


def _plain(status: int, text: str) -> tuple[dict, dict]:
    body = text.encode()
    return ({"type": "http.response.start", "status": status,
             "headers": [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode())]},
            {"type": "http.response.body", "body": body})


async def _send_pair(send, pair: tuple[dict, dict]) -> None:
    await send(pair[0])
    await send(pair[1])


@hookimpl
def render_cell(value, column, table, database, datasette):
    """The decide column of this project's canned queries: links to the triage forms for the row's id."""
    if column != "decide" or table is not None or not isinstance(value, str) or not ID_SHAPE.fullmatch(value):
        return None
    queries = datasette.metadata("queries", database=database, fallback=False) or {}
    base = datasette.urls.database(database)
    path = _request_path.get()
    name = path[len(base) + 1:] if path.startswith(base + "/") else ""
    if name not in queries or queries[name].get("write") or not all(f"triage_{s}" in queries for _, s in DECIDE_LINKS):
        return None
    from markupsafe import Markup

    q = urllib.parse.quote(value)
    links = [f'<a href="{html.escape(base)}/triage_{state}?id={q}">{label}</a>' for label, state in DECIDE_LINKS]
    return Markup(" · ".join(links))
