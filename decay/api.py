"""The Python API: one function per `decay` command, with the command's parameter names (click's param.name).

``decay crawl --site x`` is ``api.crawl(config, sites=["x"])``, ``decay export cleanup`` is ``api.export_cleanup``,
``decay serve-password`` is ``api.serve_password``.  Each function checks what the command checks, takes the lock
the command takes, and returns data (dicts, dataclasses); it prints nothing.  decay/cli.py is a thin wrapper over
these, and decay/report.py turns their results into the text the command line prints; tests/test_cli_api.py holds
the two in step.  The functions live in small modules by concern (api_crawl: crawl; api_runs: analyse, nightly, prune, demo,
impact; api_results: triage, export, serve; api_config: check; api_docs: reference; api_rules: rules check and
test; api_common: what they share), so that a command loads only its own (decay triage need not load Scrapy);
this module gathers them all, the one place to import them from.  A refusal (wrong arguments, no database, the
lock held) raises CommandError with the message and the command's exit status; a wrong configuration raises
foundation.config.ConfigError (exit status 2).  Options that only choose how the terminal shows a result (--json,
--verbose) have no parameter here (decay.cli.SHOWN_ONLY); parameters a command has no option for are keyword-only (``crawl(..., settings=...)``).
"""
from __future__ import annotations

from decay.api_common import (  # noqa: F401  (the API)
    EXIT_FAILED, EXIT_OK, EXIT_SITE_FAILED, EXIT_USAGE, CommandError, config_of, crawl_exit_status, database, run_lock)
from decay.api_config import check  # noqa: F401
from decay.api_docs import reference  # noqa: F401
from decay.api_results import (  # noqa: F401
    ServePlan, export_cleanup, export_redirects, serve, serve_password, triage)
from decay.api_rules import rules_check, rules_test  # noqa: F401
from decay.api_crawl import crawl  # noqa: F401
from decay.api_runs import analyse, config_of_db, demo, impact, nightly, prune  # noqa: F401
from decay.steps import hard_stop_hooks, stop_timeout, top_cleanup, top_findings  # noqa: F401
from decay.summary import EXIT_FAILED as NIGHTLY_FAILED, EXIT_LOCKED  # noqa: F401  (decay nightly's, decay prune's)
