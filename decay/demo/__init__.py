"""`decay demo`: crawl the bundled website of a fictional charity and show what content-decay finds.

The demo organisation is Harbourside Trust (formerly Harbour Foundation, the
retired brand name), whose production site is https://www.harbourside.example.
Its pages are in ``site/``; every page says at its top, in a
``<!-- demo: ... -->`` comment, which problem it is there to show.  The
non-static answers (redirects, a server error, a redirect loop, a page in a
legacy charset) are in ``routes.py``.

:func:`run_demo` serves a copy of the site on 127.0.0.1, crawls it through an
alias (so the database holds the production URLs), and prints a summary.  No
network is needed.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import tempfile
import textwrap
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from decay.demo.social import config_toml
from decay import report, steps, words
from decay.demo.routes import routes
from decay.demo.social import social_routes
from decay.localserver import LocalSite

SITE_DIR = Path(__file__).parent / "site"
ORIGIN = "https://www.harbourside.example"
SITE_NAME = "harbourside"

# When each file was last changed, consistent with what the page says (it becomes the
# server's Last-Modified header).  URL path -> ISO date; files not listed: 30 days ago.
LAST_MODIFIED: dict[str, str] = {
    "/": "2026-10-28",
    "/about/": "2025-11-03",
    "/about/team/": "2018-02-12",
    "/contact/": "2024-01-15",
    "/privacy/": "2019-05-12",
    "/accessibility/": "2026-03-14",
    "/news/": "2026-10-28",
    "/news/2015/03/harbour-foundation-opens-community-boathouse/": "2015-03-18",
    "/news/2016/11/coastal-communities-report/": "2016-11-04",
    "/news/2017/06/volunteers-week-thank-you/": "2017-06-09",
    "/news/2019/05/harbour-foundation-is-now-harbourside-trust/": "2019-05-06",
    "/news/2020/04/our-services-during-lockdown/": "2020-06-15",
    "/news/2022/09/harbour-wall-mural/": "2022-09-14",
    "/news/2026/03/spring-volunteer-intake/": "2026-03-12",
    "/news/2026/10/winter-coat-drive/": "2026-10-28",
    "/events/": "2019-05-20",
    "/events/2018/open-boat-day/": "2018-05-02",
    "/offers/": "2019-01-07",
    "/get-involved/": "2021-07-05",
    "/get-involved/volunteer/": "2023-02-01",
    "/get-involved/fundraise/": "2018-04-09",
    "/blog/": "2017-02-14",
    "/blog/best-volunteering-apps-2017/": "2017-02-14",
    "/reports/": "2016-11-02",
    "/reports/annual-review-2025/": "2026-04-20",
    "/annual-review/": "2026-04-20",
    "/donate/": "2017-10-30",
    "/partners/": "2018-06-25",
    "/campaigns/coastal-cleanup-2018/": "2018-08-30",
    "/campaigns/coastal-cleanup-2018/results/": "2018-09-20",
    "/heritage/": "2017-03-21",
    "/heritage/lighthouse/": "2017-03-21",
    "/heritage/net-lofts/": "2017-03-22",
    "/private/": "2024-05-01",
    "/cafe/": "2014-08-19",
    "/documents/coastal-communities-report-2016.pdf": "2016-11-02",
    "/sitemap.xml": "2026-10-28",
    "/sitemap-pages.xml": "2026-10-28",
    "/sitemap-news.xml.gz": "2026-10-28",
    "/robots.txt": "2024-05-01",
}
DEFAULT_AGE = timedelta(days=30)


def _file_for(url_path: str) -> str:
    """'/news/' -> 'news/index.html'; '/robots.txt' -> 'robots.txt'."""
    rel = url_path.lstrip("/")
    return rel + "index.html" if rel == "" or rel.endswith("/") else rel


def prepare_site(dest: Path, now: datetime | None = None) -> dict[str, float]:
    """Copy the demo site to dest and date every file (LAST_MODIFIED, else DEFAULT_AGE ago); returns rel path -> mtime."""
    shutil.copytree(SITE_DIR, dest, ignore=shutil.ignore_patterns("__pycache__"))
    now = now or datetime.now(timezone.utc)
    default = (now - DEFAULT_AGE).timestamp()
    dated = {_file_for(p): datetime.fromisoformat(d).replace(hour=10, tzinfo=timezone.utc).timestamp()
             for p, d in LAST_MODIFIED.items()}
    mtimes: dict[str, float] = {}
    for f in sorted(dest.rglob("*")):
        if not f.is_file():
            continue
        rel = f.relative_to(dest).as_posix()
        t = dated.get(rel, default)
        os.utime(f, (t, t))
        mtimes[rel] = t
    return mtimes


def _toml_str(s: str) -> str:
    return json.dumps(s)  # a JSON string is a valid TOML basic string


def social_config(site_url: str) -> str:

    return config_toml(site_url)


def write_config(path: Path, site_url: str, db: Path) -> Path:
    path.write_text(f"""# content-decay demo configuration (written by `decay demo`)
[organisation]
name = "Harbourside Trust"
website = "{ORIGIN}/"
contact = "webteam@harbourside.example"

[[sites]]
name = "{SITE_NAME}"
start_urls = ["{ORIGIN}/"]
aliases = {{ "{ORIGIN}" = {_toml_str(site_url)} }}
check_external_links = false   # the demo needs no network: links to other websites are not checked

[crawl]
concurrency = 8
concurrency_per_host = 8
autothrottle = false
progress_interval = 5

[output]
database = {_toml_str(str(db))}

[outdated]
max_age = "3y"
exempt = ["/heritage/*"]

[[outdated.sections]]
name = "news"
patterns = ["/news/*", "/blog/*"]
max_age = "2y"

[[outdated.sections]]
name = "policies"
patterns = ["/privacy/*", "/accessibility/*", "/terms/*"]
max_age = "1y"

# brand rules: the trust was the Harbour Foundation until 6 May 2019 (README: "Rules"); the page announcing
# the new name, the news of the old days and the heritage pages may say it (a dated article published before
# retired_on is the record of its day)
[[rules]]
id = "retired-brand-name"
kind = "term"
category = "brand"
terms = ["Harbour Foundation"]
replacement = "Harbourside Trust"
retired_on = "2019-05-06"
message = "The retired brand name"
exclude = ["/heritage/*"]

# who looks after what (the most specific pattern wins)
[[owners]]
pattern = "/*"
owner = "Web team"

[[owners]]
pattern = "/news/*"
owner = "Comms team"

[[owners]]
pattern = "/blog/*"
owner = "Comms team"

[[owners]]
pattern = "/privacy/*"
owner = "Legal"

[[owners]]
pattern = "/events/*"
owner = "Events team"
""" + social_config(site_url), encoding="utf-8")
    return path


# --------------------------------------------------------------------------- the report
def _short(url: str | None) -> str:
    if not url:
        return ""
    return url[len(ORIGIN):] or "/" if url.startswith(ORIGIN) else url


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def findings(db: Path, crawl_id: int | None, analysis_id: int | None = None) -> list[str]:
    """A short, aligned 'what the crawl found' section: the crawl's facts, and the analysis' own results
    (its link graph for what no link reaches, its page dates for the oldest page)."""
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    try:
        def cond(alias: str = "") -> str:  # this site's rows from this crawl
            return f"{alias}site = ?" + (f" AND {alias}crawl_id = ?" if crawl_id is not None else "")

        where, pwhere = cond(), cond("p.")
        args: list = [SITE_NAME] + ([crawl_id] if crawl_id is not None else [])
        rows: list[tuple[str, str]] = []

        outcomes = conn.execute(f"SELECT outcome, count(*) AS n FROM pages WHERE {where} GROUP BY outcome ORDER BY n DESC", args).fetchall()
        kinds = dict(conn.execute(f"SELECT kind, count(*) FROM pages WHERE {where} AND outcome NOT IN ('blocked', 'skipped') GROUP BY kind", args).fetchall())
        rows.append(("URLs by outcome", ", ".join(f"{r['outcome']} {r['n']}" for r in outcomes)
                     + f"  ({_plural(kinds.get('page', 0), 'page')}, {_plural(kinds.get('resource', 0), 'resource')} checked)"))

        broken = conn.execute(f"""
            SELECT p.url, p.status,
                   (SELECT count(DISTINCT l.source_id) FROM links l WHERE l.target_id = p.url_id) AS n_pages,
                   (SELECT count(*) FROM sitemap_entries e WHERE e.url_id = p.url_id) AS n_sitemaps
            FROM pages p WHERE {pwhere} AND p.outcome = 'http_error'
            ORDER BY p.status, n_pages DESC, p.url""", args).fetchall()
        width = max((len(_short(r["url"])) for r in broken), default=0)
        for i, r in enumerate(broken):
            where_from = f"linked from {_plural(r['n_pages'], 'page')}" if r["n_pages"] else (
                "listed in a sitemap, linked from no page" if r["n_sitemaps"] else "linked from no page")
            rows.append(("Broken links" if i == 0 else "", f"{r['status']}  {_short(r['url']):<{width}}  {where_from}"))

        redirects = conn.execute(f"""
            SELECT url, redirect_hops, final_url, final_status, redirect_chain FROM pages
            WHERE {where} AND outcome = 'redirect' AND found_via != 'redirect' ORDER BY url""", args).fetchall()
        width = max((len(_short(r["url"])) for r in redirects), default=0)
        for i, r in enumerate(redirects):
            chain = json.loads(r["redirect_chain"] or "[]")
            statuses = "-".join(str(s) for _, s in chain[:-1])
            if chain and chain[-1][1] == "loop":
                end = f"loop back to {_short(chain[-1][0])}"
            else:
                end = f"{_short(r['final_url'])} ({r['final_status'] if r['final_status'] is not None else 'not fetched'})"
            rows.append(("Redirects" if i == 0 else "",
                         f"{_short(r['url']):<{width}}  {_plural(r['redirect_hops'] or 0, 'hop')} ({statuses}) -> {end}"))

        for i, r in enumerate(conn.execute(f"SELECT url, found_on FROM pages WHERE {where} AND outcome = 'blocked' ORDER BY url", args)):
            rows.append(("Blocked by robots.txt" if i == 0 else "", f"{_short(r['url'])}  (linked from {_short(r['found_on'])})"))

        # Orphans: pages the analysis' link graph does not reach from the start page (page_graph.reachable),
        # split by whether a sitemap lists them; redirect hops are not pages of their own.
        awhere = " AND g.analysis_id = ?" if analysis_id is not None else ""
        unreached = conn.execute(f"""
            SELECT p.url_id, p.url FROM page_graph g JOIN pages p ON p.url_id = g.url_id
            WHERE g.site = ? AND g.reachable = 0 AND p.kind = 'page' AND p.outcome != 'redirect'{awhere}""",
                                 [SITE_NAME] + ([analysis_id] if analysis_id is not None else [])).fetchall()
        in_sitemaps = {r[0] for r in conn.execute("SELECT url_id FROM sitemap_entries WHERE is_sitemap = 0 AND site = ?", [SITE_NAME])}
        only_sitemaps = sorted(_short(r["url"]) for r in unreached if r["url_id"] in in_sitemaps)
        through = sorted(_short(r["url"]) for r in unreached if r["url_id"] not in in_sitemaps)
        if only_sitemaps:
            rows.append(("Only in sitemaps", ", ".join(only_sitemaps)))
        if through:
            rows.append(("Linked only from those", ", ".join(through)))

        # The oldest date the analysis settled on (page_dates), and its own explanation of where it comes from.
        oldest = conn.execute(f"""
            SELECT url, min(coalesce(published_at, updated_at), coalesce(updated_at, published_at)) AS day, explanation
            FROM page_dates WHERE site = ? AND coalesce(published_at, updated_at) IS NOT NULL{awhere.replace('g.', '')}
            ORDER BY day, url LIMIT 1""", [SITE_NAME] + ([analysis_id] if analysis_id is not None else [])).fetchone()
        if oldest is not None:
            rows.append(("Oldest date", f"{oldest['day'][:10]}  {_short(oldest['url'])}"))
            rows += [("", line) for line in textwrap.wrap(oldest["explanation"] or "", 100)]
    finally:
        conn.close()

    label_w = max(len(label) for label, _ in rows)
    return ["What the crawl found"] + [f"  {label:<{label_w}}  {text}" for label, text in rows]


# --------------------------------------------------------------------------- the demo
def run_demo(db: Path, port: int = 0, keep_serving: bool = False, verbose: bool = False) -> int:
    """Serve the demo site on 127.0.0.1, crawl it into db, print what was found; the exit status."""

    db = Path(db).resolve()
    with tempfile.TemporaryDirectory(prefix="decay-demo-") as tmp:
        tmp_path = Path(tmp)
        root = tmp_path / "site"
        mtimes = prepare_site(root)
        site = LocalSite(root=root, routes={**routes(root, mtimes), **social_routes()}, port=port)
        try:
            site.start()
        except OSError as e:
            print(f"error: cannot start the demo web server on 127.0.0.1 port {port}: {e}")
            return 1
        try:
            print(f"Demo site of Harbourside Trust ({ORIGIN}) served at {site.url}/")
            print(f"Crawling it into {db} ...")
            config_path = write_config(tmp_path / "harbourside.toml", site.url, db)
            try:
                summary = steps.crawl(config_path, db=db)
            except Exception as e:  # a broken installation, a database that cannot be written, ...
                print(f"error: the demo crawl failed: {type(e).__name__}: {e}")
                return 1
            print()
            print(report.format_crawl_summary(summary))
            ok = steps.crawl_exit_status(summary) == steps.EXIT_OK
            if not ok:
                print("error: the demo crawl did not complete")
                return 1

            print()
            print("Analysing it ...")
            analysis = steps.analyse(config_path, db=db)
            print(words.format_analysis(analysis, verbose=verbose))

            print()
            print("\n".join(findings(db, summary.get("crawl_id"), analysis.get("analysis_id"))))
            print()
            print(words.format_cleanup(steps.top_cleanup(db, 10), analysis.get("cleanup"), verbose=verbose,
                                       show="decay triage {id} --db " + str(db)))
            print()
            print(f"Browse and triage the results:  {report.serve_command(db=db)}")
            print("(then open http://127.0.0.1:8001/-/triage in your browser: this morning's cleanup list)")

            if keep_serving:
                # Scrapy's shutdown handler stays installed after the crawl; give Ctrl-C back to Python.
                signal.signal(signal.SIGINT, signal.default_int_handler)
                print()
                print(f"The demo site is still running at {site.url}/  (Ctrl-C to stop)")
                try:
                    while True:
                        time.sleep(3600)
                except KeyboardInterrupt:
                    print("\nstopped")
            return 0
        finally:
            site.stop()
