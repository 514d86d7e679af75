"""decay crawl's API function (decay.api gathers it): its own module, so that the crawl loads no analysis."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from decay import crawl_step
from decay.api_common import CommandError, config_of, crawl_exit_status, run_lock, where  # noqa: F401
from foundation.config import Config


def crawl(config: str | Path | Config, db: str | Path | None = None, sites: list[str] | tuple[str, ...] | None = None,
          full: bool = False, only: str | None = None, *, settings: dict[str, Any] | None = None) -> dict:
    """Crawl the configured sites (``sites``: only these), then check the social profiles, under the database's run
    lock; returns the crawl's summary (decay.crawl_step.crawl says what it holds; crawl_exit_status() its exit status).

    ``only``: "sites" or "social"; ``full``: download every page again; ``settings``: Scrapy settings to override.
    Runs Scrapy's reactor, which cannot be restarted: call it once per process."""
    cfg = config_of(config)
    names = [s.name for s in cfg.sites]
    unknown = [s for s in sites or () if s not in names]
    if unknown:
        raise CommandError(f"{where(config)}: no site named {', '.join(unknown)}; the configured sites are: {', '.join(names)}")
    with run_lock(db or cfg.database_path, write=True):
        return crawl_step.crawl(cfg, db=db, sites=list(sites or ()) or None, settings=settings, full=full, only=only)
