"""What every command of decay.api shares: its refusal (CommandError), the configuration and the database it
works on, the database's run lock, and the exit statuses of decay crawl."""
from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Iterator

from foundation.config import Config, load_config
from foundation.dbfile import DatabaseFileError, check_db_path
from decay.lock import LockHeld, RunLock
from decay.summary import EXIT_LOCKED

# Exit statuses of `decay crawl` (documented in the README).
EXIT_OK = 0
EXIT_FAILED = 1          # the crawl failed or was interrupted
EXIT_USAGE = 2           # bad configuration or arguments; nothing was crawled
EXIT_SITE_FAILED = 3     # the crawl completed, but at least one site could not be crawled


class CommandError(Exception):
    """A command refused: ``str(e)`` says why, ``exit_code`` is the command's exit status, ``notes`` what was
    noted before (decay analyse --db: which configuration it judged with)."""

    def __init__(self, message: str, exit_code: int = 2, notes: list[str] | None = None) -> None:
        super().__init__(message)
        self.exit_code = exit_code
        self.notes = list(notes or [])


def config_of(config: str | Path | Config) -> Config:
    return config if isinstance(config, Config) else load_config(config)


def database(db: str | Path | None, config: str | Path | Config | None, write: bool = True) -> Path:
    """The database a command reads or writes: ``db``, else the configuration's; checked (CommandError: none there,
    or not a content-decay database)."""
    if db is None and config is None:
        raise CommandError("give the database (--db PATH) or the configuration (--config FILE)")
    path = Path(db) if db is not None else config_of(config).database_path
    if not path.exists() and not path.is_symlink():
        raise CommandError(f"{path}: no database there; run decay crawl and decay analyse first (or give --db)")
    try:
        check_db_path(path, write=write)
    except DatabaseFileError as e:
        raise CommandError(str(e)) from None
    return path


@contextlib.contextmanager
def run_lock(db_path: str | Path, write: bool = True, must_exist: bool = False) -> Iterator[None]:
    """The database's run lock (decay/lock.py, the one decay nightly takes) around a command that writes it: a
    second crawl or analysis of the same database is refused at once (exit status 4), nothing done.  Checks the
    path first.  ``must_exist``: no database, no lock (the command says what is missing)."""
    db_path = Path(db_path)
    if must_exist and not db_path.exists():
        yield
        return
    try:
        check_db_path(db_path, write=write)
    except DatabaseFileError as e:
        raise CommandError(str(e)) from None
    try:
        lock = RunLock(db_path).acquire()
    except LockHeld as e:
        raise CommandError(str(e), EXIT_LOCKED) from None
    except OSError as e:
        raise CommandError(f"{db_path}: could not take the lock {db_path.name}.lock next to it: {e.strerror or e}") from None
    try:
        yield
    finally:
        lock.release()


def where(config: str | Path | Config) -> Path | str:
    """The configuration as messages name it: the file."""
    return config.path if isinstance(config, Config) else config


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
