"""decay.api on the team's rules: check them all, try one on a page."""
from __future__ import annotations

from pathlib import Path

from foundation.config import Config, load_config
from analysis.rules import tool
from decay.api_common import CommandError, config_of


def rules_check(config: str | Path | Config) -> dict:
    """Validate every rule of the configuration and its rule files; returns the rules counted and every problem
    (bad regular expression, unknown kind, missing file, duplicate id, a pattern that backtracks catastrophically)."""
    cfg = config if isinstance(config, Config) else load_config(config, check_rules=False)
    return tool.check(cfg)


def rules_test(rule_id: str, target: str, config: str | Path | Config, url: str | None = None) -> dict:
    """What one rule or built-in check finds on one page (a local HTML file, or a URL fetched now); no crawl, no database.
    ``url``: the URL to judge the page as (include/exclude, mixed content), default the file's or the fetched URL."""
    cfg = config_of(config)
    try:
        return tool.test(cfg, rule_id, target, url=url)
    except (ValueError, OSError) as e:
        raise CommandError(str(e)) from None
