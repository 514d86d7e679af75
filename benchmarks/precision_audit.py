"""Is every item on the cleanup list right?  An audit of the list on a real site (issue 13).

    python benchmarks/precision_audit.py                        # flink.apache.org's static copy, as of 2024-10-18
    python benchmarks/precision_audit.py --site demo            # the bundled demo site, as of today
    python benchmarks/precision_audit.py --root DIR --origin https://www.example.org
    python benchmarks/precision_audit.py --compare /tmp/baseline   # before/after, side by side
    python benchmarks/precision_audit.py --db output/decay.db   # the figures of an existing database
    python benchmarks/precision_audit.py --json                 # the figures as JSON

It serves a local copy of a site on 127.0.0.1 and crawls it under its production origin (an alias), with
`decay crawl` and `decay analyse --now DATE` run as subprocesses, then reads the database and counts, for a
web manager's eye, what a careful person would call wrong on the list.  With --compare DIR, the `decay` of a
second checkout (DIR/.venv/bin/decay: a git worktree of an older commit with its own venv) crawls and
analyses the same served site in the same run, and both columns are printed side by side.

Every check is computed here from the facts (pages, links, urls, date_signals, bodies, crawl_sites), not
from the analysis' own judgments (page_graph, roles), so that it is an honest check of them:

- pages judged: rows of page_dates written by the latest analysis, out of the HTML pages that answered
  2xx in the latest crawl;
- twins judged: judged pages that are a second spelling of another judged page (the same host and path
  once the scheme is ignored and a trailing index.html dropped), plus judged http:// pages on a host
  whose start URL is https (a twin even when its https spelling was not judged);
- reachable: a breadth-first search from the start URLs (crawl_sites.start_urls) over the links of kind
  a, area and meta-refresh of pages that answered 2xx, and over redirects (pages.location and
  pages.final_url); the spellings of one page (scheme, index.html) are one node;
- orphaned findings on reachable pages: open findings of category orphaned and rule links.orphan or
  links.orphan_island whose page that search reaches;
- remove/redirect on linked pages: cleanup items with action remove or redirect whose page a reachable
  page links to (directly or through a redirect);
- dated articles: judged pages with a date /YYYY/MM/ (or /YYYY/MM/DD/) in the URL's path, JSON-LD Article,
  NewsArticle or BlogPosting (date_signals.context), an article:published_time meta, or og:type article in
  the stored HTML together with a datePublished (og:type alone is no date: Hugo gives it to every
  documentation page); never a meta-refresh stub (pages.refresh_url); an item is on a dated article when
  its page is one (in any spelling).

Standard library and the project only.  A benchmark, not a test: it asserts nothing.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import textwrap
import time
import zlib
from collections import Counter, defaultdict, deque
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(PROJECT))
from _common import tail  # noqa: E402

SHARED = PROJECT.parent / "shared" / "data" / "sites"
FLINK_ROOT = SHARED / "flink"
FLINK_MTIMES = SHARED / "flink.mtimes.tsv"
FLINK_ORIGIN = "https://flink.apache.org"
FLINK_NOW = "2024-10-18"   # the site's last day

NAV_KINDS = ("a", "area", "meta-refresh")
ORPHAN_RULES = ("links.orphan", "links.orphan_island")
DATED_PATH = re.compile(r"/(?:19|20)\d\d/(?:0[1-9]|1[0-2])/")
ARTICLE_TYPES = re.compile(r"\b(?:Article|NewsArticle|BlogPosting)\b")
META_TAG = re.compile(rb"<meta\b[^>]*>", re.I)
OG_ARTICLE = re.compile(rb"""property\s*=\s*["']?og:type["']?""", re.I)
CONTENT_ARTICLE = re.compile(rb"""content\s*=\s*["']?article["'\s/>]""", re.I)


# --------------------------------------------------------------------------- the sites
def flink_site(work: Path) -> tuple[Path, str, str, dict]:
    """A copy of the flink site with the real modification times; (root, origin, site name, routes)."""
    if not FLINK_ROOT.is_dir():
        raise SystemExit(f"the flink site is not at {FLINK_ROOT}")
    root = work / "flink"
    shutil.copytree(FLINK_ROOT, root)
    if FLINK_MTIMES.exists():
        for line in FLINK_MTIMES.read_text().splitlines()[1:]:
            rel, _, epoch = line.partition("\t")
            f = root / rel
            if rel and epoch and f.is_file():
                os.utime(f, (float(epoch), float(epoch)))
    return root, FLINK_ORIGIN, "flink", {}


def plain_config(name: str, origin: str, site_url: str) -> str:
    """What tests/conftest.py::flink_config writes: the site under its production origin, no external checks."""
    return textwrap.dedent(f"""\
        [organisation]
        name = "{name}"

        [[sites]]
        name = "{name}"
        start_urls = ["{origin}/"]
        aliases = {{ "{origin}" = "{site_url}" }}
        check_external_links = false

        [crawl]
        concurrency = 16
        concurrency_per_host = 16
        autothrottle = false
        """)


class Served:
    """The site to audit, served on 127.0.0.1 for the whole run, and the configuration that crawls it."""

    def __init__(self, args: argparse.Namespace, work: Path) -> None:
        from decay.localserver import LocalSite

        self.work = work
        if args.root:
            root, self.origin, self.name, routes = Path(args.root).resolve(), args.origin.rstrip("/"), None, {}
            self.name = re.sub(r"[^a-z0-9]+", "-", urlsplit(self.origin).hostname or "site").strip("-")
        elif args.site == "demo":
            from decay import demo
            from decay.demo.routes import routes as demo_routes
            from decay.demo.social import social_routes

            root = work / "site"
            mtimes = demo.prepare_site(root)
            routes = {**demo_routes(root, mtimes), **social_routes()}
            self.origin, self.name = demo.ORIGIN, demo.SITE_NAME
        else:
            root, self.origin, self.name, routes = flink_site(work)
        self.root = root
        self.site = LocalSite(root=root, routes=routes).start()
        self.args = args

    def config(self, path: Path) -> Path:
        if self.args.site == "demo" and not self.args.root:
            from decay import demo

            return demo.write_config(path, self.site.url, path.with_suffix(".db"))
        path.write_text(plain_config(self.name, self.origin, self.site.url), encoding="utf-8")
        return path

    def stop(self) -> None:
        self.site.stop()


# --------------------------------------------------------------------------- running decay
def decay_of(checkout: Path | None) -> str:
    if checkout is None:
        beside = Path(sys.executable).parent / "decay"
        found = str(beside) if beside.exists() else shutil.which("decay")
    else:
        found = next((str(p) for p in (checkout / ".venv" / "bin" / "decay", checkout / "bin" / "decay") if p.exists()), None)
    if not found:
        raise SystemExit(f"cannot find the `decay` command of {checkout or sys.executable}: "
                         "give --compare a checkout with its own .venv (python3 -m venv DIR/.venv && DIR/.venv/bin/pip install -e DIR)")
    return found


def describe(checkout: Path) -> str:
    out = subprocess.run(["git", "-C", str(checkout), "describe", "--always", "--dirty"], capture_output=True, text=True)
    return out.stdout.strip() or checkout.name


def run_decay(decay: str, args: list[str], log: Path) -> tuple[int, float]:
    """Run one decay command.  Its working directory is the log's: `decay crawl` starts `python -m crawler.worker`,
    which would import the crawler of the current directory (another checkout's) before its own."""
    started = time.perf_counter()
    with open(log, "ab") as out:
        rc = subprocess.run([decay, *args], cwd=log.parent, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                            env=os.environ | {"TERM": "dumb"}).returncode
    return rc, time.perf_counter() - started


def crawl_and_analyse(label: str, decay: str, served: Served, work: Path, now: str) -> dict:
    run_dir = work / label
    run_dir.mkdir()
    db, log = run_dir / "decay.db", run_dir / "decay.log"
    config = served.config(run_dir / "site.toml")
    rc, crawl_s = run_decay(decay, ["crawl", "--config", str(config), "--db", str(db)], log)
    if rc not in (0, 3):   # 3: complete, but a site could not be crawled (still worth auditing)
        raise SystemExit(f"{label}: decay crawl exited with status {rc}:\n{tail(log)}")
    rc, analyse_s = run_decay(decay, ["analyse", "--config", str(config), "--db", str(db), "--now", now, "--top", "0"], log)
    if rc != 0:
        raise SystemExit(f"{label}: decay analyse exited with status {rc}:\n{tail(log)}")
    figures = audit(db)
    figures["run"] = {"decay": decay, "db": str(db), "crawl_s": round(crawl_s, 1), "analyse_s": round(analyse_s, 1)}
    return figures


# --------------------------------------------------------------------------- the audit
def twin_key(url: str) -> tuple[str, str, str]:
    """One key for every spelling of a page: scheme ignored, a trailing index.html dropped."""
    parts = urlsplit(url)
    path = parts.path or "/"
    if path.endswith("/index.html"):
        path = path[: -len("index.html")]
    return (parts.netloc.lower(), path, parts.query)


def columns(conn: sqlite3.Connection, table: str) -> set[str]:
    return {r[1] for r in conn.execute(f"PRAGMA table_info({table})")}


def short(url: str, origins: list[str]) -> str:
    for o in origins:
        if url.startswith(o + "/"):
            return url[len(o):]
    return url


def first_sentence(text: str | None, width: int = 110) -> str:
    text = " ".join((text or "").split())
    m = re.match(r"(.+?[.!?])(?:\s|$)", text)
    text = m.group(1) if m else text
    return text if len(text) <= width else text[: width - 1] + "…"


def body_is_og_article(conn: sqlite3.Connection, body_hash: str | None) -> bool:
    if not body_hash:
        return False
    row = conn.execute("SELECT html FROM bodies WHERE hash = ?", [body_hash]).fetchone()
    if not row or row[0] is None:
        return False
    try:
        html = zlib.decompress(row[0])
    except zlib.error:
        html = bytes(row[0])
    head = html[:200_000]
    return any(OG_ARTICLE.search(tag) and CONTENT_ARTICLE.search(tag) for tag in META_TAG.findall(head))


def audit(db: Path) -> dict:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    try:
        return _audit(conn)
    finally:
        conn.close()


def _audit(conn: sqlite3.Connection) -> dict:
    crawl_id = conn.execute("SELECT max(id) FROM crawls WHERE status = 'complete'").fetchone()[0]
    analysis_id = conn.execute("SELECT max(id) FROM analyses WHERE status = 'complete'").fetchone()[0]
    if crawl_id is None or analysis_id is None:
        raise SystemExit("the database has no complete crawl and analysis")
    start_urls = []
    for row in conn.execute("SELECT start_urls FROM crawl_sites WHERE crawl_id = ?", [crawl_id]):
        start_urls += json.loads(row[0] or "[]")
    origins = sorted({f"{urlsplit(u).scheme}://{urlsplit(u).netloc}" for u in start_urls}, key=len, reverse=True)
    https_hosts = {urlsplit(u).netloc.lower() for u in start_urls if u.startswith("https://")}
    # the other spelling of an https origin, so that http:// URLs are shortened as visibly http
    url_of = {r[0]: r[1] for r in conn.execute("SELECT id, url FROM urls")}
    key_of = {i: twin_key(u) for i, u in url_of.items()}
    ids_of_url = {u: i for i, u in url_of.items()}

    def sh(url: str) -> str:
        return short(url, origins)

    # ---- pages judged
    html_ok = conn.execute("SELECT count(*) FROM pages WHERE is_html = 1 AND outcome = 'ok' AND crawl_id = ?",
                           [crawl_id]).fetchone()[0]
    pd_filter = " WHERE analysis_id = ?" if "analysis_id" in columns(conn, "page_dates") else ""
    judged = {r[0]: r[1] for r in conn.execute("SELECT url_id, url FROM page_dates" + pd_filter,
                                                 [analysis_id] if pd_filter else [])}

    # ---- twins among them
    groups: dict[tuple, list[str]] = defaultdict(list)
    for url in judged.values():
        groups[twin_key(url)].append(url)
    lone_http = [us[0] for us in groups.values()
                 if len(us) == 1 and us[0].startswith("http://") and urlsplit(us[0]).netloc.lower() in https_hosts]
    extra = sum(len(us) - 1 for us in groups.values())
    http_judged = [u for u in judged.values() if u.startswith("http://") and urlsplit(u).netloc.lower() in https_hosts]
    index_twins = [u for u in judged.values() if urlsplit(u).path.endswith("/index.html") and len(groups[twin_key(u)]) > 1]
    twin_samples = sorted(sorted(us) for us in groups.values() if len(us) > 1)[:5]

    # ---- cleanup list
    cu_cols = columns(conn, "cleanup")
    cu_filter = " WHERE analysis_id = ?" if "analysis_id" in cu_cols else ""
    items = [dict(r) for r in conn.execute("SELECT * FROM cleanup" + cu_filter + " ORDER BY rank",
                                           [analysis_id] if cu_filter else [])]
    by_action = Counter(it["action"] for it in items)
    by_rule = Counter(rule.strip() for it in items for rule in (it["rules"] or "").split(",") if rule.strip())

    # ---- reachability, computed here from the facts
    ok_pages = {r[0] for r in conn.execute("SELECT url_id FROM pages WHERE outcome = 'ok'")}
    out_edges: dict[tuple, list[tuple[tuple, int]]] = defaultdict(list)   # key -> [(target key, source id)]
    marks = ",".join("?" * len(NAV_KINDS))
    for src, tgt in conn.execute(f"SELECT source_id, target_id FROM links WHERE kind IN ({marks})", NAV_KINDS):
        if src in ok_pages and tgt in key_of:
            out_edges[key_of[src]].append((key_of[tgt], src))
    for pid, location, final in conn.execute(
            "SELECT url_id, location, final_url FROM pages WHERE outcome = 'redirect'"):
        for target in (location, final):
            if target and pid in key_of:
                out_edges[key_of[pid]].append((twin_key(target), pid))
    reached: dict[tuple, str] = {}          # key -> how it was reached (the linking page, or "start")
    linked: dict[tuple, str] = {}           # key -> a reachable page that links (or redirects) to it
    queue = deque()
    for u in start_urls:
        k = twin_key(u)
        if k not in reached:
            reached[k] = "start URL"
            queue.append(k)
    while queue:
        k = queue.popleft()
        for tk, src in out_edges.get(k, ()):
            if tk == k:
                continue
            linked.setdefault(tk, url_of.get(src, "?"))
            if tk not in reached:
                reached[tk] = url_of.get(src, "?")
                queue.append(tk)
    reachable_judged = sum(1 for u in judged.values() if twin_key(u) in reached)

    # ---- orphaned-category findings on reachable pages
    f_cols = columns(conn, "findings")
    f_where = "status = 'open' AND category = 'orphaned' AND rule IN (?, ?)"
    f_params: list = list(ORPHAN_RULES)
    if "last_analysis_id" in f_cols:
        f_where += " AND last_analysis_id = ?"
        f_params.append(analysis_id)
    orphans = [dict(r) for r in conn.execute(
        f"SELECT rule, subject_url, severity, message FROM findings WHERE {f_where} ORDER BY subject_url", f_params)]
    orphans_reachable = [o for o in orphans if o["subject_url"] and twin_key(o["subject_url"]) in reached]

    # ---- remove / redirect of pages that reachable pages link to
    harmful = [it for it in items if it["action"] in ("remove", "redirect") and it["subject_url"]
               and twin_key(it["subject_url"]) in linked]

    # ---- dated articles
    dated: dict[int, str] = {}
    for uid, url in judged.items():
        if DATED_PATH.search(urlsplit(url).path):
            dated[uid] = "date in the URL"
    for uid, ctx in conn.execute("SELECT url_id, context FROM date_signals WHERE source = 'jsonld'"):
        if uid in judged and uid not in dated and ARTICLE_TYPES.search(ctx or ""):
            dated[uid] = "JSON-LD article"
    for (uid,) in conn.execute("SELECT url_id FROM date_signals WHERE name = 'article:published_time'"):
        if uid in judged and uid not in dated:
            dated[uid] = "article:published_time"
    # og:type article alone is not a date (Hugo's template gives it to every documentation page): it counts
    # on a page that also has a publication date (datePublished in JSON-LD, microdata or a <time> element)
    published = {r[0] for r in conn.execute("SELECT DISTINCT url_id FROM date_signals WHERE name = 'datePublished'")}
    for uid, body_hash in conn.execute("SELECT url_id, body_hash FROM pages WHERE is_html = 1 AND outcome = 'ok'"):
        if uid in judged and uid not in dated and uid in published and body_is_og_article(conn, body_hash):
            dated[uid] = "og:type article + datePublished"
    # a meta-refresh stub (a Hugo alias such as /news/2015/01/21/release-0.8.html) is a redirect, not an article
    for (uid,) in conn.execute("SELECT url_id FROM pages WHERE coalesce(refresh_url, '') != ''"):
        dated.pop(uid, None)
    dated_keys = {twin_key(judged[uid]) for uid in dated}
    dated_items = [it for it in items if it["subject_url"] and twin_key(it["subject_url"]) in dated_keys]

    # ---- redirects
    redirects = [it for it in items if it["action"] == "redirect"]

    distinct = len(groups)
    return {
        "crawl_id": crawl_id,
        "analysis_id": analysis_id,
        "start_urls": start_urls,
        "html_pages_ok": html_ok,
        "pages_judged": len(judged),
        "distinct_pages_judged": distinct,
        "reachable_pages_judged": reachable_judged,
        "items": len(items),
        "items_per_page": round(len(items) / distinct, 3) if distinct else None,
        "pages_per_item": round(distinct / len(items), 1) if items else None,
        "items_by_action": dict(by_action.most_common()),
        "items_by_rule": dict(by_rule.most_common()),
        "twins_judged": extra + len(lone_http),
        "twins_http_judged": len(http_judged),
        "twins_index_html_judged": len(index_twins),
        "twin_samples": [[sh(u) for u in us] for us in twin_samples],
        "orphaned_findings": len(orphans),
        "orphaned_findings_on_reachable_pages": len(orphans_reachable),
        "orphaned_reachable_samples": [
            {"url": sh(o["subject_url"]), "rule": o["rule"], "reached_from": sh(reached[twin_key(o["subject_url"])])}
            for o in orphans_reachable[:5]],
        "remove_redirect_items": by_action.get("remove", 0) + by_action.get("redirect", 0),
        "remove_redirect_on_linked_pages": len(harmful),
        "remove_redirect_linked_samples": [
            {"action": it["action"], "url": sh(it["subject_url"]), "linked_from": sh(linked[twin_key(it["subject_url"])])}
            for it in harmful[:5]],
        "dated_articles_judged": len(dated),
        "dated_articles_by_signal": dict(Counter(dated.values()).most_common()),
        "items_on_dated_articles": len(dated_items),
        "items_on_dated_articles_by_action": dict(Counter(it["action"] for it in dated_items).most_common()),
        "redirect_items": len(redirects),
        "redirect_items_with_target": sum(1 for it in redirects if it.get("target_url")),
        "redirect_samples": [
            {"url": sh(it["subject_url"] or ""), "target": sh(it.get("target_url") or ""),
             "target_reason": it.get("target_reason") or ""} for it in redirects[:10]],
        "first_items": [
            {"rank": it["rank"], "action": it["action"], "url": sh(it["subject_url"] or it.get("site") or ""),
             "rules": it["rules"], "why": first_sentence(it.get("why") or it.get("title"))} for it in items[:20]],
    }


# --------------------------------------------------------------------------- printing
FIGURES = [
    ("HTML pages ok (latest crawl)", "html_pages_ok"),
    ("pages judged (page_dates rows)", "pages_judged"),
    ("  distinct pages among them", "distinct_pages_judged"),
    ("  reachable from a start URL", "reachable_pages_judged"),
    ("list items (cleanup rows)", "items"),
    ("  items per distinct page", "items_per_page"),
    ("  distinct pages per item", "pages_per_item"),
    ("twins judged", "twins_judged"),
    ("  http:// pages on an https host", "twins_http_judged"),
    ("  .../index.html spellings of a judged page", "twins_index_html_judged"),
    ("orphaned findings (orphan, island)", "orphaned_findings"),
    ("  on pages reachable from a start URL", "orphaned_findings_on_reachable_pages"),
    ("remove/redirect items", "remove_redirect_items"),
    ("  on pages a reachable page links to", "remove_redirect_on_linked_pages"),
    ("dated articles judged", "dated_articles_judged"),
    ("items on dated articles", "items_on_dated_articles"),
    ("redirect items", "redirect_items"),
    ("  with a target", "redirect_items_with_target"),
]


def table(rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    out = []
    for n, r in enumerate(rows):
        cells = [r[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(r[1:], widths[1:])]
        out.append("  ".join(cells).rstrip())
        if n == 0:
            out.append("  ".join("-" * w for w in widths))
    return "\n".join(out)


def fmt(v) -> str:
    return "" if v is None else str(v)


def counter_rows(title: str, key: str, runs: dict[str, dict]) -> list[list[str]]:
    names: list[str] = []
    for f in runs.values():
        names += [n for n in f[key] if n not in names]
    rows = [[title, *runs]]
    rows += [[f"  {n}", *(fmt(f[key].get(n, 0)) for f in runs.values())] for n in names]
    return rows


def report(runs: dict[str, dict], heading: str) -> str:
    out = [heading, ""]
    rows = [["figure", *runs]] + [[label, *(fmt(f[k]) for f in runs.values())] for label, k in FIGURES]
    out += [table(rows), ""]
    out += [table(counter_rows("items by action", "items_by_action", runs)), ""]
    out += [table(counter_rows("items by rule (an item counts once per rule it names)", "items_by_rule", runs)), ""]
    out += [table(counter_rows("items on dated articles, by action", "items_on_dated_articles_by_action", runs)), ""]
    out += [table(counter_rows("dated articles judged, by first matching signal", "dated_articles_by_signal", runs)), ""]
    for label, f in runs.items():
        run = f.get("run", {})
        out.append(f"===== {label}" + (f"  (crawl {run['crawl_s']} s, analyse {run['analyse_s']} s; {run['db']})" if run else ""))
        if f["twin_samples"]:
            out.append("twins judged, samples:")
            out += [f"  {'  =  '.join(us)}" for us in f["twin_samples"]]
        if f["orphaned_reachable_samples"]:
            out.append("orphaned findings on reachable pages, samples:")
            out += [f"  {s['rule']}: {s['url']}  (reached from {s['reached_from']})" for s in f["orphaned_reachable_samples"]]
        if f["remove_redirect_linked_samples"]:
            out.append("remove/redirect of linked pages, samples:")
            out += [f"  {s['action']}: {s['url']}  (linked from {s['linked_from']})" for s in f["remove_redirect_linked_samples"]]
        if f["redirect_samples"]:
            out.append(f"redirect items ({f['redirect_items']}; {f['redirect_items_with_target']} with a target), samples:")
            out += [f"  {s['url']}  ->  {s['target'] or '(no target)'}   [{s['target_reason']}]" for s in f["redirect_samples"]]
        out.append(f"the first {len(f['first_items'])} items of the list:")
        for it in f["first_items"]:
            out.append(f"  {it['rank']:>3} {it['action']:<9} {it['url']}  [{it['rules']}]")
            out.append(f"      {it['why']}")
        out.append("")
    return "\n".join(out)


# --------------------------------------------------------------------------- main
def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--site", choices=("flink", "demo"), default="flink",
                    help="flink: ../shared/data/sites/flink with its real file times, as https://flink.apache.org; "
                         "demo: the bundled demo site (decay/demo)")
    ap.add_argument("--root", help="any other static copy of a site (with --origin)")
    ap.add_argument("--origin", help="the production origin of --root, e.g. https://www.example.org")
    ap.add_argument("--now", help="judge as of this date (default: 2024-10-18 for flink, else today)")
    ap.add_argument("--db", help="audit this existing database (no crawl); with --config, `decay analyse` runs on it first")
    ap.add_argument("--config", help="with --db: the configuration to re-analyse it with")
    ap.add_argument("--compare", metavar="DIR", help="a second checkout of the project (with DIR/.venv): run on the same site, side by side")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    ap.add_argument("--keep", action="store_true", help="keep the working directory (databases, logs)")
    args = ap.parse_args(argv)
    if bool(args.root) != bool(args.origin):
        ap.error("--root and --origin go together")
    now = args.now or (FLINK_NOW if args.site == "flink" and not args.root else date.today().isoformat())

    if args.db:
        if args.compare:
            ap.error("--compare crawls the site: it does not go with --db")
        if args.config:
            log = Path(tempfile.mkdtemp(prefix="precision-audit-")) / "decay.log"
            rc, _ = run_decay(decay_of(None), ["analyse", "--config", str(Path(args.config).resolve()),
                                               "--db", str(Path(args.db).resolve()), "--now", now, "--top", "0"], log)
            if rc != 0:
                raise SystemExit(f"decay analyse exited with status {rc}")
        runs = {Path(args.db).name: audit(Path(args.db))}
        heading = f"precision audit of {args.db}"
    else:
        work = Path(tempfile.mkdtemp(prefix="precision-audit-"))
        served = Served(args, work)
        try:
            runs = {}
            checkouts: list[tuple[str, Path | None]] = []
            if args.compare:
                other = Path(args.compare).resolve()
                checkouts.append((f"before ({describe(other)})", other))
            checkouts.append((f"after ({describe(PROJECT)})" if args.compare else f"this ({describe(PROJECT)})", None))
            for n, (label, checkout) in enumerate(checkouts):
                print(f"{label}: crawling {served.origin} (served at {served.site.url}) and analysing as of {now} ...",
                      file=sys.stderr, flush=True)
                runs[label] = crawl_and_analyse(f"run{n}", decay_of(checkout), served, work, now)
        finally:
            served.stop()
            if not args.keep:
                shutil.rmtree(work, ignore_errors=True)
            else:
                print(f"kept {work}", file=sys.stderr)
        heading = f"precision audit: {served.origin} ({served.name}), judged as of {now}"
    if args.json:
        print(json.dumps({"heading": heading, "now": now, "runs": runs}, indent=2, ensure_ascii=False))
    else:
        print(report(runs, heading))
    return 0


if __name__ == "__main__":
    sys.exit(main())
