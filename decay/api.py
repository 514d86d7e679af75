"""The Python API. Each `decay` command is a thin wrapper over one function here, with the same parameters."""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from decay.config import Config, load_config

# Exit statuses of `decay crawl` (documented in the README).
EXIT_OK = 0
EXIT_FAILED = 1          # the crawl failed or was interrupted
EXIT_USAGE = 2           # bad configuration or arguments; nothing was crawled
EXIT_SITE_FAILED = 3     # the crawl completed, but at least one site could not be crawled


def _config(config: str | Path | Config) -> Config:
    return config if isinstance(config, Config) else load_config(config)


def crawl(config: str | Path | Config, db: str | Path | None = None, sites: list[str] | None = None,
          settings: dict[str, Any] | None = None) -> dict:
    """Crawl the configured sites into the database; returns the crawl's summary (the crawls row and per-site rows).

    Runs Scrapy's reactor, which cannot be restarted: call it once per process.
    """
    cfg = _config(config)
    from scrapy.crawler import CrawlerProcess
    from scrapy.settings import Settings

    from crawler.spiders.site import SiteSpider

    s = Settings()
    s.setmodule("crawler.settings", priority="project")
    s.set("LOG_LEVEL", cfg.crawl.log_level, priority="cmdline")
    for k, v in (settings or {}).items():
        s.set(k, v, priority="cmdline")
    s.set("LOG_INSTALL_ROOT_HANDLER", True, priority="cmdline")
    process = CrawlerProcess(s)
    logging.getLogger("scrapy").setLevel(cfg.crawl.log_level)
    crawler = process.create_crawler(SiteSpider)
    process.crawl(crawler, config=str(cfg.path), db=str(db) if db else None, sites=",".join(sites) if sites else None)
    process.start()
    spider = crawler.spider
    summary = getattr(spider, "summary", None)
    if summary is None:
        summary = {"crawl_id": getattr(spider, "crawl_id", None), "status": "failed",
                   "reason": "the crawl did not start (see the messages above)"}
    summary["db"] = str(Path(db) if db else cfg.database_path)
    return summary


def datasette_command(db: str | Path) -> str:
    """The command that opens the database in datasette, runnable as printed (even when the venv is not on PATH)."""
    import shutil
    import sys

    exe = shutil.which("datasette")
    if exe is None:
        candidate = Path(sys.executable).parent / "datasette"
        exe = str(candidate) if candidate.exists() else "datasette"
    else:
        exe = "datasette"
    return f"{exe} {db}"


def crawl_exit_status(summary: dict) -> int:
    if summary.get("status") != "complete":
        return EXIT_FAILED
    if any(s.get("status") != "complete" for s in summary.get("sites", [])):
        return EXIT_SITE_FAILED
    return EXIT_OK


def format_crawl_summary(summary: dict) -> str:
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
        if s.get("reason"):
            line += f"\n    reason: {s['reason']}"
        lines.append(line)
    if "links" in summary:
        lines.append(f"  {summary.get('pages', 0)} HTML pages, {summary['links']} links, {summary.get('sitemap_entries', 0)} sitemap entries, "
                     f"{(summary.get('bytes') or 0) / 1e6:.1f} MB -> {summary.get('db')}")
    return "\n".join(lines)
