"""The Python API. Each `decay` command is a thin wrapper over one function here, with the same parameters."""
from __future__ import annotations

import logging
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from foundation.config import Config, load_config
from crawler.spiders.site import SiteSpider
from crawler.spiders.social import SocialSpider
from analysis.runner import analyse as run
from analysis.impact import removal_impact
from decay.export import cleanup_rows
from analysis.rules import tool
from crawler.store import staging_path
from foundation.times import utcnow

# Exit statuses of `decay crawl` (documented in the README).
EXIT_OK = 0
EXIT_FAILED = 1          # the crawl failed or was interrupted
EXIT_USAGE = 2           # bad configuration or arguments; nothing was crawled
EXIT_SITE_FAILED = 3     # the crawl completed, but at least one site could not be crawled


def _config(config: str | Path | Config) -> Config:
    return config if isinstance(config, Config) else load_config(config)


def crawl(config: str | Path | Config, db: str | Path | None = None, sites: list[str] | None = None,
          settings: dict[str, Any] | None = None, full: bool = False, only: str | None = None) -> dict:
    """Crawl the configured sites into the database; returns the crawl's summary (the crawls row and per-site rows).

    Then check the social profiles (``summary["social"]``): those declared in [[social]] and those the
    sites link to.  ``only="sites"`` crawls the sites alone, ``only="social"`` checks the profiles alone
    (discovering them from the previous complete crawl of each site).  Without ``only``, profiles are
    checked when the configuration declares at least one [[social]] profile.

    Re-crawls are incremental (conditional requests; see [crawl] full_recrawl_every); ``full=True`` downloads
    every page again.

    Runs Scrapy's reactor, which cannot be restarted: call it once per process.
    """
    cfg = _config(config)
    from scrapy.crawler import CrawlerProcess
    from scrapy.settings import Settings


    s = Settings()
    s.setmodule("crawler.settings", priority="project")
    s.set("LOG_LEVEL", cfg.crawl.log_level, priority="cmdline")
    for k, v in (settings or {}).items():
        s.set(k, v, priority="cmdline")
    s.set("LOG_INSTALL_ROOT_HANDLER", True, priority="cmdline")
    s.set("DECAY_API", True, priority="cmdline")   # the site spider raises its UsageError instead of exiting
    process = CrawlerProcess(s)
    logging.getLogger("scrapy").setLevel(cfg.crawl.log_level)
    if only not in (None, "sites", "social"):
        raise ValueError(f'only: "{only}" is not one of sites, social')
    social = only == "social" or (only is None and bool(cfg.social))
    crawler = social_crawler = None
    if only != "social":
        crawler = process.create_crawler(SiteSpider)
        d = process.crawl(crawler, config=str(cfg.path), db=str(db) if db else None, sites=",".join(sites) if sites else None,
                          full=full)
    if social:

        social_crawler = process.create_crawler(SocialSpider)
        run = lambda: process.crawl(social_crawler, config=str(cfg.path), db=str(db) if db else None)  # noqa: E731
        if crawler is None:
            run()
        else:   # after the sites, so tonight's links are checked; not after an interrupted crawl (Ctrl-C)
            d.addBoth(lambda _: None if _site_interrupted(crawler) else run())
    deadline = _StopDeadline([c for c in (crawler, social_crawler) if c is not None], Path(db) if db else cfg.database_path)
    try:
        with deadline.watching_signals():
            process.start()
    finally:
        deadline.done.set()
    if crawler is not None:
        spider = crawler.spider
        summary = getattr(spider, "summary", None)
        if summary is None:
            summary = {"crawl_id": getattr(spider, "crawl_id", None), "status": "failed",
                       "reason": "the crawl did not start (see the messages above)"}
    else:
        summary = {"crawl_id": None, "status": "complete", "sites": []}
    if social_crawler is not None:
        sp = getattr(social_crawler, "spider", None)
        summary["social"] = getattr(sp, "summary", None) or {
            "status": "failed" if sp is not None or crawler is None else "not run",
            "reason": "the social crawl did not start" if crawler is None or sp is not None else "the site crawl was interrupted"}
        if crawler is None:
            summary["status"] = "complete" if summary["social"]["status"] == "complete" else "failed"
            summary["reason"] = summary["social"].get("reason")
    summary["db"] = str(Path(db) if db else cfg.database_path)
    return summary


STOP_TIMEOUT_S = 30.0   # SIGTERM or Ctrl-C: the graceful stop gets this long (DECAY_STOP_TIMEOUT), then the store process is killed
STOP_GRACE_S = 10.0     # ... and if the crawl has still not ended this long after that, the process ends itself, marked interrupted
# called (last registered first) before the crawl process ends itself at the hard stop: decay nightly records its run there
hard_stop_hooks: list = []


def stop_timeout() -> float:
    """The graceful stop's deadline in seconds: DECAY_STOP_TIMEOUT from the environment, default 30."""
    import os

    raw = os.environ.get("DECAY_STOP_TIMEOUT", "").strip()
    try:
        value = float(raw) if raw else STOP_TIMEOUT_S
    except ValueError:
        value = STOP_TIMEOUT_S
    return value if value > 0 else STOP_TIMEOUT_S


class _StopDeadline:
    """A deadline for the graceful stop that SIGTERM or Ctrl-C starts.

    Scrapy's first signal closes the spider, which then waits for the store process to finish the crawl; a store
    process stuck on one page would keep it waiting for ever.  When the first signal comes, a timer starts: after
    stop_timeout() seconds the store processes still running are killed (the spider then records the crawl
    `interrupted`, nothing merged, and the run ends as for any interruption); if the crawl has still not ended
    STOP_GRACE_S later, this thread marks the crawl interrupted itself, removes its staging file and ends the
    process with the interrupted status (decay nightly's hooks record its run first)."""

    def __init__(self, crawlers: list, db_path: Path) -> None:
        import threading

        self.crawlers = crawlers
        self.db_path = db_path
        self.done = threading.Event()
        self.signal_name: str | None = None

    def watching_signals(self):
        """Wrap the shutdown handlers Scrapy installs while it runs, so that the first signal also starts the timer."""
        import contextlib

        import scrapy.crawler as scrapy_crawler

        original = scrapy_crawler.install_shutdown_handlers

        def install(function, *args, **kwargs):
            if callable(function):
                inner = function

                def function(signum, frame):   # noqa: F811 - the handler Scrapy asked for, with the timer started first
                    self.arm(signum)
                    return inner(signum, frame)
            return original(function, *args, **kwargs)

        @contextlib.contextmanager
        def patched():
            scrapy_crawler.install_shutdown_handlers = install
            try:
                yield
            finally:
                scrapy_crawler.install_shutdown_handlers = original
        return patched()

    def arm(self, signum: int) -> None:
        import signal
        import threading

        if self.signal_name is not None:
            return
        try:
            self.signal_name = signal.Signals(signum).name
        except ValueError:
            self.signal_name = f"signal {signum}"
        threading.Thread(target=self._expire, name="decay-stop-deadline", daemon=True).start()

    def _stores(self) -> list:
        return [st for c in self.crawlers for st in [getattr(getattr(c, "spider", None), "store", None)] if st is not None]

    def _expire(self) -> None:
        timeout = stop_timeout()
        if self.done.wait(timeout):
            return
        why = (f"stopped by a signal ({self.signal_name}), but the crawl did not stop within {timeout:g} s "
               "(DECAY_STOP_TIMEOUT): its store process was killed; facts not merged")
        logging.getLogger("decay").error("the crawl did not stop within %g s of %s: killing its store process", timeout,
                                         self.signal_name)
        for store in self._stores():
            proc = getattr(store, "proc", None)
            if proc is not None and proc.poll() is None:
                store.stopped = why
                proc.kill()
        if self.done.wait(STOP_GRACE_S):
            return
        self._hard_stop(why + f"; the crawl process did not end either and ended itself {STOP_GRACE_S:g} s later")

    def _hard_stop(self, why: str) -> None:
        import os
        import sqlite3


        for c in self.crawlers:
            crawl_id = getattr(getattr(c, "spider", None), "crawl_id", None)
            if crawl_id is None:
                continue
            try:
                conn = sqlite3.connect(self.db_path, timeout=5)
                with conn:
                    conn.execute("UPDATE crawls SET status = 'interrupted', reason = ?, finished_at = ?, pid = NULL "
                                 "WHERE id = ? AND status = 'running'", [why, utcnow(), crawl_id])
                conn.close()
            except sqlite3.Error:
                pass   # the next command marks it: its pid is gone
            for suffix in ("", "-wal", "-shm"):
                Path(str(staging_path(self.db_path, crawl_id)) + suffix).unlink(missing_ok=True)
        status = EXIT_FAILED
        for hook in reversed(hard_stop_hooks):
            try:
                status = hook(why)
            except Exception:   # noqa: BLE001 - ending is what matters now
                pass
        import sys

        sys.stderr.write(f"error: {why}\n")
        sys.stderr.flush()
        os._exit(status)


def _site_interrupted(crawler) -> bool:
    summary = getattr(getattr(crawler, "spider", None), "summary", None) or {}
    return summary.get("status") not in ("complete", "failed")


def analyse(config: str | Path | Config, db: str | Path | None = None, now: str | datetime | None = None) -> dict:
    """Judge the facts of the latest complete crawl: write findings, page dates and date evidence; returns a summary.

    ``now`` (a date, "YYYY-MM-DD") is the day to judge against; default today.  Re-runnable: it reads
    only facts, and replaces only judgments (findings keep their ids, first-seen dates and history).
    """

    cfg = _config(config)
    if isinstance(now, str):
        try:
            now = datetime.fromisoformat(now)
        except ValueError:
            raise ValueError(f'--now: "{now}" is not a date (write it as YYYY-MM-DD)') from None
    if isinstance(now, datetime) and now.tzinfo is None:
        now = now.replace(tzinfo=timezone.utc)
    db_path = Path(db) if db else cfg.database_path
    if not db_path.exists():
        raise FileNotFoundError(f"{db_path}: no database yet; run decay crawl --config {cfg.path} first")
    return run(cfg, db_path, now)


def top_findings(db: str | Path, limit: int = 10) -> list[dict]:
    """The open findings that matter most: by severity, then confidence."""
    import sqlite3

    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    try:
        order = "CASE severity WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2 WHEN 'low' THEN 3 ELSE 4 END"
        return [dict(r) for r in conn.execute(
            f"SELECT rule, severity, confidence, subject_url, message FROM findings WHERE status = 'open' "
            f"ORDER BY {order}, confidence DESC, subject_url LIMIT ?", [limit])]
    finally:
        conn.close()


def format_analysis_summary(summary: dict, top: list[dict] | None = None) -> str:
    lines = [f"analysis {summary['analysis_id']} of crawl {summary['crawl_id']} (judged as of {summary['now'][:10]}): "
             f"{summary['pages']} pages, {summary['open']} open findings ({summary['new']} new, "
             f"{summary['resolved']} resolved) in {summary['seconds']:.1f} s"]
    for rule, n in sorted(summary["by_rule"].items(), key=lambda kv: -kv[1]):
        lines.append(f"  {n:5d}  {rule}")
    if summary.get("sites_without_crawl"):
        lines.append("  not analysed (no complete crawl yet): " + ", ".join(summary["sites_without_crawl"]))
    if top:
        lines.append("")
        lines.append("Top findings:")
        for f in top:
            lines.append(f"  [{f['severity']}] {f['subject_url']}")
            lines.append(f"      {f['message']}")
    return "\n".join(lines)


def impact(urls: list[str], db: str | Path | None = None, config: str | Path | Config | None = None) -> dict:
    """What would break if these pages were removed: the links to them (page, anchor, position), the pages
    that would be orphaned or cut off from the start pages, and a live page to redirect each one to.

    Reads the latest complete crawl of each URL's site (and the open findings, to never suggest an
    outdated page); writes nothing.  ``db`` defaults to the configuration's database.
    """
    import dataclasses
    import sqlite3


    if not urls:
        raise ValueError("give at least one URL to remove")
    if db is None:
        if config is None:
            raise ValueError("give the database (--db PATH) or the configuration (--config FILE)")
        db = _config(config).database_path
    db_path = Path(db)
    if not db_path.exists():
        raise FileNotFoundError(f"{db_path}: no database there; run decay crawl first (or give --db)")
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        report = removal_impact(conn, urls)
    finally:
        conn.close()
    return {"db": str(db_path), **dataclasses.asdict(report)}


def format_impact(report: dict, shown: int = 20) -> str:
    """The removal impact as a person reads it in a terminal (at most ``shown`` links per page; JSON has them all)."""
    lines: list[str] = []
    for p in report["pages"]:
        lines.append(f"Removing {p['url']} ({p['site']}; the latest crawl saw: {p['answer']})")
        links = p["links_that_break"]
        lines.append(f"  {len(links)} link{'s' if len(links) != 1 else ''} would break" + (":" if links else ""))
        for link in links[:shown]:
            extra = ", ".join(x for x in (link["position"], link.get("element"), link.get("via") and f"via {link['via']}") if x)
            lines.append(f"    {link['page']}  \"{link['anchor']}\"" + (f" ({extra})" if extra else ""))
        if len(links) > shown:
            lines.append(f"    ... and {len(links) - shown} more (--json lists them all)")
        for r in p["redirects_that_break"]:
            lines.append(f"  the redirect {r} leads here: point it at the new target")
        for sm in p["sitemaps"]:
            lines.append(f"  listed in {sm}: remove it there")
        s = p["redirect_to"]
        lines.append(f"  redirect it to: {s['url']} ({s['reason']})" if s else "  redirect it to: no live page found")
    for key, head in (("orphaned", "Pages that nothing would link to any more"),
                      ("unreachable", "Pages that no start page would lead to any more")):
        if report[key]:
            lines.append(f"{head}:")
            for c in report[key]:
                linked = ", ".join(c["linked_from"][:3]) + (f" and {len(c['linked_from']) - 3} more" if len(c["linked_from"]) > 3 else "")
                lines.append(f"  {c['url']}  (linked from: {linked or 'nothing'})")
    if not report["orphaned"] and not report["unreachable"]:
        lines.append("No other page would be orphaned or cut off.")
    return "\n".join(lines)


def top_cleanup(db: str | Path, limit: int = 10, owner: str | None = None) -> list[dict]:
    """The top of this morning's cleanup list (visible items, by rank)."""

    return cleanup_rows(Path(db), owner=owner)[:limit]


def format_cleanup_top(rows: list[dict], total: int | None = None) -> str:
    if not rows:
        return "The cleanup list is empty: nothing needs doing."
    head = "The cleanup list" + (f" (top {len(rows)} of {total})" if total and total > len(rows) else "") + ":"
    lines = [head]
    for r in rows:
        lines.append(f"{r['rank']:4d}. {r['action'].upper():9s} {r['subject_url']}  [{r['severity']}; {r['owner']}; "
                     f"score {r['score']:g}; id {r['id']}]")
        lines.append(f"       why: {_shorten(r['why'], 220)}")
        lines.append(f"       do:  {_shorten(r['todo'], 220)}")
    return "\n".join(lines)


def _shorten(text: str | None, n: int) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= n else text[: n - 1].rstrip() + "…"


def analyse_command(config_path: str | Path, db: str | Path | None = None) -> str:
    """The command that judges a crawl (decay analyse), as the next step after decay crawl."""
    return serve_command(config_path, db).replace(" serve ", " analyse ", 1)


def serve_command(config_path: str | Path | None = None, db: str | Path | None = None) -> str:
    """The command that opens the results in datasette, configured (decay serve)."""
    import shlex
    import shutil
    import sys

    exe = "decay" if shutil.which("decay") else str(Path(sys.executable).parent / "decay")
    parts = [exe, "serve"]
    if config_path is not None:
        parts += ["--config", shlex.quote(str(config_path))]
    if db is not None:   # with a configuration: only a --db given on the command line, which overrides its database
        parts += ["--db", shlex.quote(str(db))]
    return " ".join(parts)


def rules_check(config: str | Path | Config) -> dict:
    """Validate every rule of the configuration and its rule files; returns the rules counted and every problem
    (bad regular expression, unknown kind, missing file, duplicate id, a pattern that backtracks catastrophically)."""

    cfg = config if isinstance(config, Config) else load_config(config, check_rules=False)
    return tool.check(cfg)


def rules_test(rule_id: str, target: str, config: str | Path | Config, url: str | None = None) -> dict:
    """What one rule or built-in check finds on one page (a local HTML file, or a URL fetched now); no crawl, no database.
    ``url``: the URL to judge the page as (include/exclude, mixed content), default the file's or the fetched URL."""

    return tool.test(_config(config), rule_id, target, url=url)


def crawl_exit_status(summary: dict) -> int:
    """The exit status of `decay crawl` for its summary (the README's table): 3 when the crawl ran to its end but a
    site could not be crawled at all, even when that was every site (the crawl is then `failed`: nothing to merge)."""
    if summary.get("status") != "complete" and not _only_unreachable_sites(summary):
        return EXIT_FAILED
    if summary.get("social", {}).get("status") not in (None, "complete"):
        return EXIT_FAILED
    if any(s.get("status") != "complete" for s in summary.get("sites", [])):
        return EXIT_SITE_FAILED
    return EXIT_OK


def _only_unreachable_sites(summary: dict) -> bool:
    """The crawl ran to its end, but no site answered (the recorder's "no site could be crawled")."""
    sites = summary.get("sites") or []
    return (summary.get("status") == "failed" and bool(sites) and all(s.get("status") == "failed" for s in sites)
            and str(summary.get("reason") or "").startswith("no site could be crawled"))


def crawl_next_step(summary: dict, config_path: str | Path, db: str | Path | None = None) -> str | None:
    """What to do after `decay crawl`: analyse and browse when something was crawled; otherwise nothing to browse
    (the summary above says what went wrong), so None."""
    sites_ok = any(s.get("status") == "complete" for s in summary.get("sites") or [])
    social_ok = (summary.get("social") or {}).get("status") == "complete"
    if crawl_exit_status(summary) == EXIT_FAILED or summary.get("status") != "complete" or not (sites_ok or social_ok):
        return None
    return f"next: {analyse_command(config_path, db=db)}, then browse and triage it: {serve_command(config_path, db=db)}"


def format_social_summary(social: dict) -> str:
    if social.get("status") != "complete":
        return f"social crawl {social.get('social_crawl_id') or ''} {social.get('status')}: {social.get('reason') or ''}".replace("  ", " ")
    return (f"social crawl {social['social_crawl_id']} complete in {social['duration_s']:.1f} s: {social['checked']} of "
            f"{social['profiles']} profiles checked: {social['alive']} alive, {social['missing']} missing, "
            f"{social['suspended']} suspended, {social['unknown']} unknown ({social['requests']} requests)")


def format_crawl_summary(summary: dict) -> str:
    if summary.get("crawl_id") is None and "social" in summary and not summary.get("sites"):
        return format_social_summary(summary["social"])
    text = _format_site_crawl_summary(summary)
    return text + ("\n" + format_social_summary(summary["social"]) if "social" in summary else "")


def _format_site_crawl_summary(summary: dict) -> str:
    lines = []
    status = summary.get("status")
    head = f"crawl {summary.get('crawl_id')} {status}"
    if summary.get("duration_s") is not None:
        head += f" in {summary['duration_s']:.1f} s"
    if summary.get("merge_s"):
        head += f" (+ {summary['merge_s']:.1f} s to merge into the database)"
    lines.append(head + (f": {summary['reason']}" if summary.get("reason") else ""))
    for s in summary.get("sites", []):
        line = (f"  {s['site']}: {s['status']}; {s['fetched']} URLs requested: {s['ok']} ok, {s['redirects']} redirects, "
                f"{s['http_errors']} HTTP errors, {s['failures']} failures; {s['blocked']} blocked by robots.txt, "
                f"{s['skipped']} skipped")
        if s.get("truncated"):
            line += " (max_pages reached)"
        if s.get("mode") == "incremental":
            line += f"; incremental: {s.get('not_modified') or 0} pages unchanged (304 Not Modified), facts carried over"
        if s.get("reason"):
            line += f"\n    reason: {s['reason']}"
        lines.append(line)
    rv = summary.get("revalidation")
    if rv:
        left = [h for h in rv.get("hosts", []) if h.get("stopped")]
        lines.append(f"  re-validation pass: {rv['not_modified']} of {rv['pages']} known pages answered 304 to a conditional HEAD "
                     f"in {rv['seconds']:.1f} s; the others were crawled as usual"
                     + "".join(f"\n    {h['host']} was left to the crawl: {h['stopped']}" for h in left))
    if "links" in summary:
        carried = f" ({summary['links_carried']} carried over from unchanged pages)" if summary.get("links_carried") else ""
        lines.append(f"  {summary.get('pages', 0)} HTML pages, {summary['links']} links{carried}, "
                     f"{summary.get('sitemap_entries', 0)} sitemap entries, "
                     f"{(summary.get('bytes') or 0) / 1e6:.1f} MB -> {summary.get('db')}")
    if summary.get("sitemaps_skipped"):
        lines.append(f"  {summary['sitemaps_skipped']} sitemaps not read (max_sitemaps / max_sitemap_depth: "
                     "the sitemaps table says why)")
    return "\n".join(lines)
