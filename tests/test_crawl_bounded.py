"""The crawl's memory stays bounded as the site grows (issue 18, "the crawl at scale").

Scrapy's scheduler holds at most DECAY_SCHEDULED_MAX requests; the others wait in the store process
(crawler/record/backlog.py: in memory, then in the staging file), in Scrapy's order, and come when the spider
asks for them.  The frontier keeps one packed int per URL met, and the route corrections as before.
"""
from __future__ import annotations

import json
import signal
import subprocess
import sys
import time

import pytest

from crawler.frontier import FETCHED, PENDING, PRIORITY_EXTERNAL, PRIORITY_SITEMAP_PAGE, SKIPPED_DEPTH, Frontier
from crawler.record.backlog import Backlog
from decay.localserver import Route, raw
from foundation.config import load_config
from foundation.facts import NewRequest
from foundation.urls import url_id
from tests.conftest import query, write_config

PROD = "https://www.bounded.example"
FANOUT, LEVELS = 3, 4                       # a tree of pages: 1 + 3 + 9 + 27 = 40 linked pages
SITEMAP_ONLY = [f"/orphan-{i}.html" for i in range(5)]


# ---------------------------------------------------------------------------- the backlog, alone
def nr(url: str, priority: int) -> NewRequest:
    return NewRequest(url, url, "main", "link", None, None, "page", priority)


@pytest.mark.parametrize("memory_max", [1, 3, 10_000])
def test_the_backlog_gives_the_highest_priority_first_and_first_in_first_out_within_one(tmp_path, memory_max, monkeypatch):
    import sqlite3

    import crawler.record.backlog as backlog_module

    monkeypatch.setattr(backlog_module, "LOAD_BATCH", 2)
    monkeypatch.setattr(backlog_module, "WRITE_BATCH", 2)
    b = Backlog(sqlite3.connect(tmp_path / "staging.db"), memory_max=memory_max)
    pushed = []
    for i in range(40):
        p = [0, -1, -2, PRIORITY_SITEMAP_PAGE, PRIORITY_EXTERNAL, 100][i * 7 % 6]
        pushed.append(nr(f"https://x/{i}", p))
    got = []
    for i, r in enumerate(pushed):          # pushes and takes interleaved, as answers come
        b.push(r)
        if i % 5 == 4:
            got += b.take(2)
    assert len(b) == 40 - len(got)
    got += b.take(100)
    assert not b and b.take(5) == []
    # what each take gave is, at that moment, the best waiting: overall every request once, and within a
    # priority in the order pushed
    assert sorted(r.url for r in got) == sorted(r.url for r in pushed)
    for p in {r.priority for r in pushed}:
        assert [r.url for r in got if r.priority == p] == [r.url for r in pushed if r.priority == p]
    assert (b.spilled > 0) == (memory_max < 40)
    tail = got[16:]                           # after the last push: strictly by priority
    assert [r.priority for r in tail] == sorted((r.priority for r in tail), reverse=True)


def one_site(tmp_path, extra: str = ""):
    """A configuration of one site, "main", at PROD (``extra``: more of its keys)."""
    return write_config(tmp_path / "org.toml", f"""
        [organisation]
        name = "Example"
        [[sites]]
        name = "main"
        start_urls = ["{PROD}/"]
        {extra}
        """)


def test_the_router_hands_out_only_what_the_spider_asked_for(tmp_path):
    from crawler.record.router import Router
    from tests.test_record_rooms import HTML, fetch, html

    rec = Router(load_config(one_site(tmp_path)), tmp_path / "decay.db")
    assert rec.handle("more", 0) == []                 # the spider's first word: requests wait until asked for
    assert rec.handle("start") == []
    first = rec.handle("more", 2)                       # the start URL, its robots.txt
    assert sorted(r.kind for r in first) == ["page", "robots"] and rec.credit == 0
    links = [f"/p{i}.html" for i in range(10)]
    assert rec.handle("page", fetch(f"{PROD}/", headers=HTML, via="start"), html("Home", *links)) == []
    assert len(rec.backlog) == 10
    got = rec.handle("more", 4)
    assert [r.url for r in got] == [PROD + u for u in links[:4]]
    rec.handle("more", 100)
    assert rec.credit == 100 - 6 and not rec.backlog    # credit left over: spent as soon as requests come
    rec.handle("finish", "interrupted", "test")


# ---------------------------------------------------------------------------- the frontier's packed state
def frontier(tmp_path, max_depth: int = 10) -> tuple[Frontier, object]:
    f = Frontier(load_config(one_site(tmp_path, f"max_depth = {max_depth}")).sites)
    return f, f.sites["main"]


def test_a_better_route_found_while_waiting_is_the_one_recorded(tmp_path):
    f, sf = frontier(tmp_path)
    u = f"{PROD}/a.html"
    d = f.discover(sf, u, "sitemap", f"{PROD}/sitemap.xml", None, "page")
    assert d.request.priority == PRIORITY_SITEMAP_PAGE and d.request.found_on == f"{PROD}/sitemap.xml"
    assert f.discover(sf, u, "link", f"{PROD}/b.html", 3, "page") is None
    assert f.discover(sf, u, "link", f"{PROD}/c.html", 2, "page") is None
    assert f.discover(sf, u, "link", f"{PROD}/d.html", 5, "page") is None      # longer: changes nothing
    # the answer comes back with its request's route; the frontier knows a better one
    assert tuple(f.mark_fetched(u, d.request.found_on)) == ("link", f"{PROD}/c.html", 2)
    assert f.known(url_id(u)) == (FETCHED, "page", 2) and f.fetched == 1
    assert not f.routes and not f.corrected


def test_a_route_found_after_the_fetch_corrects_the_row_at_the_end(tmp_path):
    f, sf = frontier(tmp_path)
    u = f"{PROD}/a.html"
    d = f.discover(sf, u, "sitemap", f"{PROD}/sitemap.xml", None, "page")
    assert tuple(f.mark_fetched(u, d.request.found_on)) == ("sitemap", f"{PROD}/sitemap.xml", None)
    f.discover(sf, u, "link", f"{PROD}/b.html", 4, "page")
    f.discover(sf, u, "link", f"{PROD}/c.html", 1, "page")
    (uid, route), = f.corrected.items()
    assert (route.via, route.found_on, route.depth) == ("link", f"{PROD}/c.html", 1)
    assert tuple(f.mark_fetched(u, "ignored")) == ("link", f"{PROD}/c.html", 1)   # (fetched twice: the same)
    assert f.fetched == 1


def test_beyond_max_depth_then_reached_by_a_shorter_route(tmp_path):
    f, sf = frontier(tmp_path, max_depth=2)
    u = f"{PROD}/deep.html"
    assert f.discover(sf, u, "link", f"{PROD}/x.html", 3, "page").skipped.startswith("beyond max_depth (3 clicks")
    assert f.known(url_id(u)) == (SKIPPED_DEPTH, "page", 3)
    d = f.discover(sf, u, "link", f"{PROD}/y.html", 2, "resource")       # the kind first met is kept
    assert (d.request.found_on, d.request.depth, d.request.kind, d.request.priority) == (f"{PROD}/y.html", 2, "page", -2)
    assert f.known(url_id(u))[0] == PENDING


# ---------------------------------------------------------------------------- a real crawl, with a tiny scheduler
def logged(routes: dict[str, Route], log: list[str], name: str) -> dict[str, Route]:
    """The same routes, each request's path appended to log as it comes (both servers: one order)."""
    def answer(path: str, route: Route):
        def handler(_req):
            log.append(f"{name}{path}")
            return route
        return Route(handler=handler)
    return {path: answer(path, route) for path, route in routes.items()}


def tree_site(local_site, delay: float) -> tuple[object, dict[str, int], list[str]]:
    """A tree of pages (each links to its FANOUT children), a sitemap that also lists pages no page links to,
    and a link to another website (a second server) from the deepest page.  Returns (the site, the depth of
    each page's path, the log of requests to both servers in order)."""
    log: list[str] = []
    other = local_site(routes=logged({"/robots.txt": raw("", "text/plain"), "/x.html": raw("x", "text/html")},
                                     log, "other:"))
    depth_of: dict[str, int] = {}
    routes: dict[str, Route] = {}

    def page(title: str, links: list[str]) -> Route:
        body = "".join(f'<a href="{h}">{h}</a> ' for h in links)
        html = f"<!doctype html><html><head><title>{title}</title></head><body><main>{body}</main></body></html>"
        return Route(status=200, headers={"Content-Type": "text/html; charset=utf-8"}, body=html.encode(), delay=delay)

    level, made = ["/"], 0
    for d in range(LEVELS):
        nxt = []
        for path in level:
            depth_of[path] = d
            kids = [f"/n{made + k}.html" for k in range(FANOUT)] if d < LEVELS - 1 else []
            made += len(kids)
            nxt += kids
            links = kids + ([f"{other.url}/x.html"] if path == level[-1] and not kids else [])
            routes[path] = page(f"Page {path}", links)
        level = nxt
    for path in SITEMAP_ONLY:
        routes[path] = page(f"Orphan {path}", [])
    locs = "".join(f"<url><loc>{PROD}{p}</loc></url>" for p in [*SITEMAP_ONLY, "/"])
    routes["/sitemap.xml"] = raw(f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                                 f"{locs}</urlset>", "application/xml")
    routes["/robots.txt"] = raw("User-agent: *\nSitemap: /sitemap.xml\n", "text/plain")
    return local_site(routes=logged(routes, log, "")), depth_of, log


CRAWL = """
import json, sys
from crawler.spiders.site import SiteSpider
from decay.api import crawl
peaks = []
closed = SiteSpider.spider_closed
async def spider_closed(self, spider, reason):
    peaks.append(self.scheduled_peak)
    await closed(self, spider, reason)
SiteSpider.spider_closed = spider_closed
summary = crawl(sys.argv[1], sys.argv[2], settings={"DECAY_SCHEDULED_MAX": int(sys.argv[3])})
print(json.dumps({"status": summary["status"], "peak": peaks[0]}))
"""


def config(tmp_path, site_url: str, concurrency: int = 1):
    return write_config(tmp_path / "org.toml", f"""
        [organisation]
        name = "Bounded"
        [[sites]]
        name = "tree"
        start_urls = ["{PROD}/"]
        aliases = {{ "{PROD}" = "{site_url}" }}
        [crawl]
        concurrency = {concurrency}
        concurrency_per_host = {concurrency}
        autothrottle = false
        retries = 0
        timeout = 5
        """)


def test_a_tiny_scheduler_still_fetches_every_page_in_the_frontiers_order(local_site, tmp_path):
    site, depth_of, log = tree_site(local_site, delay=0.05)
    cfg, db = config(tmp_path, site.url), tmp_path / "decay.db"
    cap = 3
    r = subprocess.run([sys.executable, "-c", CRAWL, str(cfg), str(db), str(cap)], capture_output=True, text=True,
                       timeout=180)
    assert r.returncode == 0, r.stderr[-3000:]
    out = json.loads(r.stdout.strip().splitlines()[-1])
    assert out["status"] == "complete"
    assert 1 <= out["peak"] <= cap                    # Scrapy's scheduler never held more than its cap
    pages = {row["url"][len(PROD):]: row for row in query(db, "SELECT url, depth, found_via, status FROM pages "
                                                              "WHERE kind = 'page'")}
    assert set(pages) == set(depth_of) | set(SITEMAP_ONLY)
    assert all(p["status"] == 200 for p in pages.values())
    assert all(pages[p]["depth"] == d and pages[p]["found_via"] in ("start", "link") for p, d in depth_of.items())
    assert all(pages[p]["found_via"] == "sitemap" for p in SITEMAP_ONLY)
    order = [p for p in log if p in pages or p.startswith("other:")]
    assert order[0] == "/" and len(order) == len(pages) + 2 and len(set(order)) == len(order)
    linked = [depth_of[p] for p in order if p in depth_of]
    assert linked == sorted(linked)                   # shallow pages first (priority = -depth)
    n = len(depth_of)
    assert set(order[n:n + len(SITEMAP_ONLY)]) == set(SITEMAP_ONLY)   # sitemap-only pages after every linked one
    assert order[-2:] == ["other:/robots.txt", "other:/x.html"]     # the other website last
    (external,) = query(db, "SELECT outcome, status FROM pages WHERE kind = 'external'")
    assert (external["outcome"], external["status"]) == ("ok", 200)


def test_a_graceful_stop_with_a_tiny_scheduler(local_site, tmp_path):
    site, _depth_of, log = tree_site(local_site, delay=0.3)
    cfg, db = config(tmp_path, site.url, concurrency=2), tmp_path / "decay.db"
    proc = subprocess.Popen([sys.executable, "-c", CRAWL, str(cfg), str(db), "2"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    deadline = time.monotonic() + 60
    while len(log) < 8 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert proc.poll() is None, "the crawl ended before it could be stopped"
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=60)
    assert "Traceback" not in err, err[-3000:]
    assert json.loads(out.strip().splitlines()[-1])["status"] == "interrupted"
    (row,) = query(db, "SELECT status, reason FROM crawls")
    assert row["status"] == "interrupted" and "signal" in row["reason"]
    assert not list(db.parent.glob("*.tmp"))
    assert len(log) < 20                              # it stopped: the tree has 40 pages


def test_the_first_urls_row_of_a_url_stands_after_the_set_of_known_ids_starts_again(tmp_path, monkeypatch):
    import crawler.store as store
    from crawler.store import Staging

    monkeypatch.setattr(store, "KNOWN_URLS_MAX", 2)
    s = Staging(tmp_path / "staging.db")
    for i in range(5):
        s.add_url(i, f"https://x/{i}", "first", 1)
    s.add_url(0, "https://x/0", "second", 1)        # forgotten by the set by now: written again, and ignored
    s.flush()
    assert s.db.conn.execute("SELECT count(*), min(site), max(site) FROM urls").fetchone() == (5, "first", "first")
    assert len(s.known_urls) <= 2
    s.remove()


def test_none_is_staged_as_null_through_the_registered_adapter(tmp_path):
    """The store binds None through an adapter registered for it (crawler/store.py: cheaper than CPython's search):
    it is still NULL in the table, not a text or a zero, in text and integer columns."""
    import sqlite3

    from crawler.store import Staging

    assert sqlite3.adapters.get((type(None), sqlite3.PrepareProtocol)) is not None
    s = Staging(tmp_path / "staging.db")
    s.add_url(7, "https://x/7", None, 1)
    s.add("links", (7, 0, 8, "a", None, None, "main", None, 0, 0, None))
    s.flush()
    assert s.db.conn.execute("SELECT typeof(site) FROM urls").fetchone() == ("null",)
    assert s.db.conn.execute("SELECT typeof(rel), typeof(anchor), typeof(internal), typeof(twin_url), typeof(nofollow) "
                             "FROM links").fetchone() == ("null", "null", "null", "null", "integer")
    assert s.db.conn.execute("SELECT count(*) FROM links WHERE rel IS NULL AND twin_url IS NULL").fetchone() == (1,)
    s.remove()


def test_the_outcome_code_rides_in_the_packed_state_and_leaves_the_route_alone(tmp_path):
    f, sf = frontier(tmp_path)
    u = f"{PROD}/a.html"
    f.discover(sf, u, "sitemap", f"{PROD}/sitemap.xml", None, "page")
    uid = url_id(u)
    assert f.swap_outcome(uid, 3) == 0 and f.swap_outcome(uid, 5) == 3
    f.discover(sf, u, "link", f"{PROD}/b.html", 2, "page")
    assert f.swap_outcome(uid, 5) == 5 and f.known(uid) == (PENDING, "page", 2)
    assert f.swap_outcome(url_id(f"{PROD}/never.html"), 1) is None
