"""decay.api on the configuration: check it without crawling."""
from __future__ import annotations

from pathlib import Path

from foundation.config import Config
from foundation.dbfile import DatabaseFileError, check_db_path
from decay.api_common import CommandError, config_of, where


def check(config: str | Path | Config) -> dict:
    """Check a configuration without crawling (ConfigError says what is wrong), and that its [output] database is a
    content-decay database or can become one; returns the file, its sites and its database."""
    cfg = config_of(config)
    try:
        check_db_path(cfg.database_path)
    except DatabaseFileError as e:
        raise CommandError(f"{where(config)}: output.database: {e}") from None
    return {"config": str(where(config)), "sites": [s.name for s in cfg.sites], "database": str(cfg.database_path)}
