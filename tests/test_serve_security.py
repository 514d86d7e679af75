"""`decay serve`'s security: no secret served, sign-in throttled, cookie flags, no markdown from strangers' SQL.

Each test starts a real `decay serve --port 0` in a subprocess on the demo database (decay demo) and talks
plain HTTP to it with urllib, the way a browser or an attacker would.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar

import pytest

from decay import serve as sv
from foundation.config import load_config
from decay.serve_guard import Throttle
from tests.conftest import DECAY, query, run_decay, write_config

PASSWORD = "correct horse battery staple"
BOB_PASSWORD = "another long passphrase"
EVIL = "https://evil.example/login"


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("serve_security")
    db = tmp / "decay.db"
    r = run_decay("demo", "--db", str(db))
    assert r.returncode == 0, r.stdout + r.stderr
    from datasette_auth_passwords.utils import hash_password

    alice, bob = hash_password(PASSWORD), hash_password(BOB_PASSWORD)

    def config(name: str, extra: str = "") -> os.PathLike:
        return write_config(tmp / name, f"""
            [organisation]
            name = "Harbourside Trust"
            [[sites]]
            name = "harbourside"
            start_urls = ["https://www.harbourside.example/"]
            [output]
            database = "{db}"
            [serve]
            {extra}
            [[serve.users]]
            name = "alice"
            password_hash = "{alice}"
            [[serve.users]]
            name = "bob"
            password_hash = "env:TEST_BOB_HASH"
            """)

    return {"db": db, "config": config, "alice": alice, "bob": bob}


class Server:
    def __init__(self, cfg, env: dict[str, str]):
        self.proc = subprocess.Popen([DECAY, "serve", "--config", str(cfg), "--port", "0"], env=dict(os.environ, **env),
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        self.first_line = self.proc.stderr.readline()
        m = re.search(r"http://127\.0\.0\.1:(\d+)/", self.first_line)
        assert m, self.first_line
        self.port = int(m.group(1))
        self.base = f"http://127.0.0.1:{self.port}"
        for _ in range(150):
            try:
                urllib.request.urlopen(self.base + "/", timeout=2)
                break
            except (urllib.error.URLError, ConnectionError):
                if self.proc.poll() is not None:
                    pytest.fail("decay serve exited: " + self.proc.stderr.read())
                time.sleep(0.2)
        else:
            pytest.fail(f"decay serve printed {self.first_line!r} but nothing answers there")

    def stop(self):
        self.proc.terminate()
        self.proc.wait(10)
        self.proc.stderr.close()

    def get(self, path: str, headers: dict | None = None) -> tuple[int, str, object]:
        try:
            r = urllib.request.urlopen(urllib.request.Request(self.base + path, headers=headers or {}), timeout=10)
            return r.status, r.read().decode("utf-8", "replace"), r.headers
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode("utf-8", "replace"), e.headers


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """A cookie jar and the sign-in form (with its CSRF token), as a browser posts it."""

    def __init__(self, server: Server):
        self.server = server
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()), NoRedirect)
        page = self.opener.open(server.base + "/-/login", timeout=10).read().decode()
        self.token = re.search(r'name="csrftoken" value="([^"]+)"', page).group(1)

    def sign_in(self, user: str, password: str, headers: dict | None = None) -> tuple[int, str, object]:
        data = urllib.parse.urlencode({"username": user, "password": password, "csrftoken": self.token}).encode()
        req = urllib.request.Request(self.server.base + "/-/login", data=data, headers=headers or {})
        try:
            r = self.opener.open(req, timeout=30)
            return r.status, r.read().decode(), r.headers
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode(), e.headers


@pytest.fixture(scope="module")
def server(demo):
    s = Server(demo["config"]("serve.toml"), {"TEST_BOB_HASH": demo["bob"]})
    yield s
    s.stop()


def test_port_zero_prints_the_port_it_got(server):
    assert ":0/" not in server.first_line and server.port > 0
    assert server.get("/")[0] == 200   # the printed address is the one that answers


def test_no_password_hash_is_served(demo, server):
    """A hash written in the configuration never reaches datasette's metadata; it is still the one that signs in."""
    pages = ["/-/metadata.json", "/-/plugins.json", "/-/settings.json", "/-/config", "/-/config.json",
             "/-/versions.json", "/-/databases.json", "/-/actor.json", "/-/threads.json", "/", "/decay",
             "/decay/this_mornings_list?owner=", "/decay/_decay_meta", "/decay/triage", "/-/dashboards/overview"]
    for path in pages:
        status, body, _ = server.get(path)
        assert "pbkdf2_sha256" not in body, path
        assert demo["alice"].split("$")[-1] not in body and demo["bob"].split("$")[-1] not in body, path
    meta = json.loads(server.get("/-/metadata.json")[1])
    auth = meta["plugins"]["datasette-auth-passwords"]
    assert set(auth) == {"alice_password_hash", "bob_password_hash"}
    assert all(set(v) == {"$env"} for v in auth.values())   # names of variables, not values
    assert auth["bob_password_hash"] == {"$env": "TEST_BOB_HASH"}
    written = demo["db"].with_name("decay-datasette.json").read_text()
    assert "pbkdf2_sha256" not in written
    # the hash written in the file still works, through the environment of the datasette process
    assert Browser(server).sign_in("alice", PASSWORD)[0] == 302
    assert Browser(server).sign_in("bob", BOB_PASSWORD)[0] == 302


def test_sign_in_cookie_is_httponly_and_samesite(server):
    status, _, headers = Browser(server).sign_in("alice", PASSWORD)
    assert status == 302
    actor = [c for c in headers.get_all("Set-Cookie") if c.startswith("ds_actor=")]
    assert actor, headers.get_all("Set-Cookie")
    flags = {a.strip().split("=")[0].lower(): a for a in actor[0].split(";")[1:]}
    assert "httponly" in flags and flags["samesite"].strip().lower() == "samesite=lax"
    assert "secure" not in flags   # plain http on 127.0.0.1: a Secure cookie would never come back
    # behind a proxy on this machine that terminates TLS
    status, _, headers = Browser(server).sign_in("alice", PASSWORD, headers={"X-Forwarded-Proto": "https"})
    actor = [c for c in headers.get_all("Set-Cookie") if c.startswith("ds_actor=")][0]
    assert "secure" in actor.lower().replace(" ", "").split(";")


def test_secure_cookies_setting(demo):
    cfg = demo["config"]("secure.toml", "secure_cookies = true")
    assert sv.metadata(demo["db"], load_config(cfg))["plugins"]["decay-serve-guard"]["secure_cookies"] is True
    s = Server(cfg, {"TEST_BOB_HASH": demo["bob"]})
    try:
        status, _, headers = Browser(s).sign_in("alice", PASSWORD)
        actor = [c for c in headers.get_all("Set-Cookie") if c.startswith("ds_actor=")][0]
        assert status == 302 and "secure" in actor.lower().replace(" ", "").split(";")
    finally:
        s.stop()


def test_decide_links_only_in_the_canned_list(demo, server):
    """Ad-hoc SQL that names a column decide (or *_markdown) shows text, never a link; the list still links."""
    sql = (f"select '[Session expired: sign in again]({EVIL})' as decide, '[x]({EVIL})' as note_markdown, "
           f"'<a href=\"{EVIL}\">x</a>' as decide2")
    status, body, _ = server.get("/decay?" + urllib.parse.urlencode({"sql": sql}))
    assert status == 200
    assert 'href="https://evil.example' not in body and "Session expired" in body
    top = query(demo["db"], "SELECT id FROM cleanup_list WHERE visible = 1 ORDER BY rank LIMIT 1")[0]["id"]
    # a value shaped like an id in ad-hoc SQL is not rendered either
    status, body, _ = server.get("/decay?" + urllib.parse.urlencode({"sql": f"select '{top}' as decide"}))
    assert f"triage_dismissed?id={top}" not in body
    status, body, _ = server.get("/decay/this_mornings_list?owner=")
    assert status == 200 and f'href="/decay/triage_dismissed?id={top}">dismiss</a>' in body
    assert 'href="http' not in body.split('<td class="col-decide">', 1)[1].split("</td>", 1)[0]


def test_repeated_wrong_passwords_are_refused(demo):
    """40 wrong passwords in a row: the first 5 are checked, then 429 with a wait that grows; the right password
    is refused too while the user name is locked, and from this address for another user name."""
    s = Server(demo["config"]("throttle.toml"), {"TEST_BOB_HASH": demo["bob"]})
    try:
        b = Browser(s)
        started = time.monotonic()
        answers = [b.sign_in("alice", f"guess {i}") for i in range(40)]
        took = time.monotonic() - started
        codes = [a[0] for a in answers]
        assert codes[:5] == [200] * 5 and "Invalid username or password" in answers[0][1]
        assert codes.count(200) <= 6 and codes.count(429) >= 34, (codes, took)
        refused = next(a for a in answers if a[0] == 429)
        assert "Too many failed sign-in attempts" in refused[1] and "Wait" in refused[1]
        assert int(refused[2]["Retry-After"]) >= 1
        assert b.sign_in("alice", PASSWORD)[0] == 429   # locked: the right password is not even checked
        assert b.sign_in("bob", BOB_PASSWORD)[0] == 429   # the same address, another name
        time.sleep(float(refused[2]["Retry-After"]) + 0.2)
        assert b.sign_in("alice", "one more guess")[0] == 200   # the lock ended; the guess is checked (and wrong)
        again = b.sign_in("alice", PASSWORD)
        assert again[0] == 429 and int(again[2]["Retry-After"]) >= 2   # the wait doubled
        time.sleep(float(again[2]["Retry-After"]) + 0.2)
        assert b.sign_in("alice", PASSWORD)[0] == 302
    finally:
        s.stop()


def test_throttle_delays_grow_per_key_and_end():
    now = [1000.0]
    t = Throttle(free=5, first=1.0, cap=60.0, forget=3600.0, clock=lambda: now[0])
    ip, alice, bob = ("ip", "10.0.0.1"), ("user", "alice"), ("user", "bob")
    for _ in range(4):
        t.failed(ip, alice)
    assert t.wait(ip, alice) == 0
    t.failed(ip, alice)
    assert t.wait(ip, alice) == 1.0 and t.wait(("ip", "10.0.0.2"), bob) == 0   # other address, other name: free
    assert t.wait(("ip", "10.0.0.2"), alice) == 1.0   # alice from anywhere
    waits = []
    for _ in range(8):
        now[0] += t.wait(ip, alice)
        t.failed(ip, alice)
        waits.append(t.wait(ip, alice))
    assert waits == [2.0, 4.0, 8.0, 16.0, 32.0, 60.0, 60.0, 60.0]   # doubling, capped
    t.succeeded(alice)
    assert t.wait(("ip", "10.0.0.2"), alice) == 0 and t.wait(ip) == 60.0   # the address stays throttled
    now[0] += 3601
    assert t.wait(ip) == 0   # forgotten after an hour without failures
    small = Throttle(max_keys=3, clock=lambda: now[0])
    for i in range(10):
        small.failed(("user", f"made-up {i}"))
    assert len(small._keys) == 3


def test_metadata_only_names_the_variables_it_needs(demo):
    cfg = demo["config"]("metaonly.toml")
    r = run_decay("serve", "--config", str(cfg), "--metadata-only")
    assert r.returncode == 0, r.stderr
    written = open(r.stdout.strip()).read()
    assert "pbkdf2_sha256" not in written
    name = sv.password_env(load_config(cfg).serve.users[0])
    assert name.startswith("DECAY_SERVE_HASH_ALICE_") and name in written and name in r.stderr
