"""The rules and built-in checks of a large site, run in a process of their own beside the analysis.

The rules read the crawl's facts only (texts, links, stored HTML: analysis/rules), none of the judgments, and
on a million pages they take over a minute of one core.  So on a site large enough for its pages' dates to be
judged over several processes (``page_judgments.workers_for``), they run from the start of the analysis in a
worker (analysis/processes.py), on whatever core the analysis' own work leaves free: while it reads the pages
and their roles, and sharing the dates' chunks (analysis/page_judgments.py).  The findings are written to a
file.  The analysis waits for them before it builds the link graph, where a large site's memory peaks (the
worker has ended by then), and reads them back once the graph is freed, in the place of the rules' findings
among the site's (the same findings, in the same order, as the rules run in the analysis' own process).

Smaller sites, and every site on a one-core machine, get their rules in the analysis' own process.
"""
from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

from analysis import processes, rules
from analysis.findings import Finding
from foundation.config import Config

ENTRY = "analysis.rules_beside:worker_main"


def worker_main() -> None:
    """The worker: every site it was given, in order; each site's findings written to a file, then a notice."""
    processes.serve(_work)


def _work(inp: int, out: int) -> None:
    db_path, config, sites, tmp = processes.receive(inp)
    processes.exit_with_parent(inp)
    conn = sqlite3.connect(db_path, timeout=60)
    for i, (site_cfg, crawl_id) in enumerate(sites):
        path = Path(tmp) / f"rules-{i}"
        processes.dump(path, rules.analyse_rules(conn, config, site_cfg, crawl_id).findings)
        processes.send(out, ("ok", site_cfg.name, str(path)))
    conn.close()


class RulesBeside:
    """``start(sites)`` as the analysis begins; ``ready(site)`` before the site's link graph; ``findings(...)`` for the
    site's rule findings (from the worker, or computed here for a site it was not given); ``close()`` always."""

    def __init__(self, db_path: Path, config: Config) -> None:
        self.db_path, self.config = Path(db_path), config
        self.sites: list[tuple[object, int]] = []   # (site's configuration, its crawl) given to the worker
        self.done: dict[str, str] = {}   # site -> its findings' file, once the worker has written it
        self.proc = None
        self.tmp: Path | None = None

    def start(self, sites: list[tuple[object, int]]) -> "RulesBeside":
        """The worker started on these sites (none: nothing started)."""
        self.sites = sites
        if sites:
            self.tmp = processes.scratch_dir(self.db_path, "rules")
            self.proc = processes.start(ENTRY)
            try:
                processes.send(self.proc.stdin.fileno(), (str(self.db_path), self.config, self.sites, str(self.tmp)))
            except BrokenPipeError:
                pass   # it ended at once: its exit code says why (ready)
        return self

    def given(self, site: str) -> bool:
        return any(site_cfg.name == site for site_cfg, _ in self.sites)

    def ready(self, site: str) -> None:
        """Wait until the worker has written the site's findings (nothing to wait for if it was not given)."""
        while self.given(site) and site not in self.done:
            name, path = processes.notice(self.proc, "the process running the rules beside the analysis")
            self.done[name] = path

    def findings(self, conn: sqlite3.Connection, site_cfg, crawl_id: int) -> list[Finding]:
        """The site's rule and check findings: the worker's, or (a site it was not given) computed here."""
        if not self.given(site_cfg.name):
            return rules.analyse_rules(conn, self.config, site_cfg, crawl_id).findings
        self.ready(site_cfg.name)
        return processes.load_kept(Path(self.done.pop(site_cfg.name)))

    def close(self) -> None:
        """The worker stopped if it still runs (an analysis that failed, or was interrupted), its files removed."""
        if self.proc is not None:
            processes.stop(self.proc, farewell=False)
            self.proc = None
        if self.tmp is not None:
            shutil.rmtree(self.tmp, ignore_errors=True)
            self.tmp = None
