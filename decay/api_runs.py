"""decay.api's runs: crawl, analyse, nightly, prune, demo, and impact (what removing pages would break)."""
from __future__ import annotations

import json
import sqlite3
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Any

from foundation.config import Config, ConfigError, Crawl, Organisation, Output, Site, load_config, parse_duration
from analysis.impact import removal_impact
from analysis.processes import WorkerFailed
from decay import steps
from decay.api_crawl import crawl  # noqa: F401  (decay crawl's own module: it loads no analysis)
from decay import demo as demo_site
from decay.api_common import CommandError, config_of, crawl_exit_status, database, run_lock, where  # noqa: F401
from decay.lock import LockHeld, RunLock
from decay.nightly import nightly as run_nightly, summary_dir_of
from decay.prune import prune as prune_db
from decay.summary import EXIT_FAILED as NIGHTLY_FAILED, EXIT_LOCKED  # noqa: F401  (decay nightly's exit statuses)


def analyse(config: str | Path | Config | None = None, db: str | Path | None = None, now: str | datetime | None = None,
            top: int = 10) -> dict:
    """Judge the facts of the latest complete crawl, under the run lock; returns the analysis summary, with the
    first ``top`` items of the cleanup list (``summary["top"]``) and what was noted (``summary["notes"]``).

    Without ``config``, the configuration the crawl recorded in ``db`` when it still loads, else the defaults.
    ``now`` (YYYY-MM-DD) is the day to judge against; default today."""
    if config is None and db is None:
        raise CommandError("give the configuration (-c/--config FILE) or the database (-d/--db PATH)")
    notes: list[str] = []
    if config is not None:
        cfg = config_of(config)
    else:
        database(db, None)
        cfg, note = config_of_db(Path(db))
        notes.append(note)
    try:
        with run_lock(db or cfg.database_path, write=True, must_exist=True):
            summary = steps.analyse(cfg, db=db, now=now)
    except (ValueError, FileNotFoundError) as e:
        raise CommandError(str(e), notes=notes) from None
    except WorkerFailed as e:   # one of the analysis' own processes (its traceback went to stderr): status 5, as nightly's
        raise CommandError(f"the analysis failed: {e}. The previous results are kept (the analyses table records "
                           "the reason)", exit_code=5, notes=notes) from None
    except CommandError as e:
        e.notes[:0] = notes
        raise
    summary["notes"] = notes
    summary["top"] = steps.top_cleanup(summary["db"], top) if top else []
    return summary


def config_of_db(db: Path) -> tuple[Config, str]:
    """For decay analyse --db without --config: the configuration the latest complete crawl recorded, when that
    file still loads, else the default settings for the sites that crawl recorded; and a one-line note saying which."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        row = conn.execute("SELECT id, config FROM crawls WHERE status = 'complete' ORDER BY id DESC LIMIT 1").fetchone()
        sites = conn.execute("SELECT site, start_urls FROM crawl_sites WHERE crawl_id = ?", [row[0]]).fetchall() if row else []
    except sqlite3.Error:
        row, sites = None, []
    finally:
        conn.close()
    if row and row[1] and Path(row[1]).is_file():
        try:
            return load_config(row[1]), f"no --config: using {row[1]}, the configuration the crawl recorded"
        except ConfigError:
            pass
    cfg = Config(path=Path(db).parent / "(no configuration)", organisation=Organisation(),
                 sites=[Site(name=name, start_urls=json.loads(urls or "[]")) for name, urls in sites],
                 crawl=Crawl(), output=Output(database=str(Path(db).resolve())))
    return cfg, ("no --config: judged with the default thresholds (no [outdated] sections, [[rules]] or [[owners]]); "
                 "give -c FILE to use yours")


def impact(urls: list[str] | tuple[str, ...], db: str | Path | None = None, config: str | Path | Config | None = None) -> dict:
    """What would break if these pages were removed: the links to them (page, anchor, position), the pages
    that would be orphaned or cut off from the start pages, and a live page to redirect each one to.

    Reads the latest complete crawl of each URL's site (and the open findings, to never suggest an
    outdated page); writes nothing.  ``db`` defaults to the configuration's database.
    """
    if not urls:
        raise CommandError("give at least one URL to remove")
    cfg = config_of(config) if config is not None else None
    db_path = database(db, cfg, write=False)
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        report = removal_impact(conn, list(urls))
    except ValueError as e:   # a URL the crawl has not seen
        raise CommandError(str(e)) from None
    finally:
        conn.close()
    return {"db": str(db_path), **asdict(report)}


def demo(db: str | Path = Path("output/decay.db"), port: int = 0, keep_serving: bool = False, verbose: bool = False) -> int:
    """Crawl the bundled demo website and show what content-decay finds (the demo is a show: it prints as it
    goes); returns its exit status."""
    return demo_site.run_demo(db=Path(db), port=port, keep_serving=keep_serving, verbose=verbose)


def nightly(config: str | Path | Config, db: str | Path | None = None, full: bool = False, now: str | None = None,
            no_webhook: bool = False, no_prune: bool = False) -> dict:
    """The nightly run (crawl, analyse, compare, summarise, notify, prune); returns its summary, whose exit_code is
    the command's exit status (EXIT_LOCKED: another run holds the lock; NIGHTLY_FAILED: the run failed)."""
    cfg = config_of(config)
    try:
        return run_nightly(cfg, db=db, full=full, now=now, webhook=not no_webhook, prune=not no_prune)
    except ValueError as e:   # --now
        raise CommandError(str(e)) from None


def prune(keep: str, config: str | Path | Config | None = None, db: str | Path | None = None, dry_run: bool = False,
          vacuum: bool = False) -> dict:
    """Delete history and facts older than ``keep`` (180d, 6m, 1y), under the nightly lock; returns the database,
    ``dry_run`` and the PruneReport (what was deleted or, with ``dry_run``, would be)."""
    days = parse_duration(keep)
    if days is None:
        raise CommandError(f'--keep: "{keep}" is not a duration: write a number and a unit, e.g. 180d, 6m or 1y')
    cfg = config_of(config) if config is not None else None
    if db is None and cfg is None:
        raise CommandError("give the database (--db PATH) or the configuration (--config FILE)")
    db_path = Path(db) if db else cfg.database_path
    if not db_path.exists() and not db_path.is_symlink():
        raise CommandError(f"{db_path}: no database there")
    database(db_path, None, write=True)
    try:
        with RunLock(db_path, what=f"decay prune --keep {keep}"):
            rep = prune_db(db_path, days, dry_run=dry_run, vacuum=vacuum,
                           summary_dir=summary_dir_of(cfg, db_path) if cfg else db_path.parent / "runs")
    except LockHeld as e:
        raise CommandError(str(e), EXIT_LOCKED) from None
    return {"db": str(db_path), "dry_run": dry_run, "report": rep}
