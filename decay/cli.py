"""The `decay` command line: each command is a thin wrapper over the function of decay.api with its name and its
parameter names (tests/test_cli_api.py checks them all): parse, call, print what decay.report makes of the result,
exit with the command's status.  Project modules are imported inside the commands, so that `decay --help` answers
at once (this is the only module allowed to do that: tests/test_floors.py)."""
from __future__ import annotations

import contextlib
import sys
from pathlib import Path

import click

from decay import __version__
from foundation.catalog import TRIAGE_STATES

# Options that only choose how the command line shows the API's result (JSON or text; rule ids or plain words):
# the API function returns the same data either way, so it has no such parameter.  tests/test_cli_api.py reads this.
SHOWN_ONLY = {"analyse": {"verbose"}, "impact": {"as_json"}, "nightly": {"as_json"}, "rules test": {"as_json"}}


def fail(message: str, code: int = 2) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


def note(message: str) -> None:
    click.echo(f"note: {message}", err=True)


@contextlib.contextmanager
def _refusals():
    """The API's refusals as the command's message and exit status (a wrong configuration: 2)."""
    from decay.api_common import CommandError
    from foundation.config import ConfigError

    try:
        yield
    except CommandError as e:
        for n in e.notes:
            note(n)
        fail(str(e), e.exit_code)
    except ConfigError as e:
        fail(str(e))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="content-decay")
def cli() -> None:
    """content-decay: find what has rotted on an organisation's websites, and say what to do about it.

    Typical use: `decay nightly --config org.toml` every night, then browse
    and triage the results with `decay serve --config org.toml`.  `decay demo` shows it all on a bundled
    demo site, with no configuration and no network.
    """


@cli.command()
@click.option("--config", "-c", "config", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The TOML configuration file (see the configuration reference in README.md).")
@click.option("--db", "-d", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The SQLite database to write (default: [output] database from the configuration).")
@click.option("--site", "sites", multiple=True, metavar="NAME",
              help="Crawl only this site (repeatable). Default: every configured site.")
@click.option("--full", is_flag=True,
              help="Download every page again instead of re-validating them with conditional requests "
                   "(a full re-crawl also happens by itself every [crawl] full_recrawl_every).")
@click.option("--only", type=click.Choice(["sites", "social"]), default=None,
              help="Crawl only the sites, or only check the social profiles (declared in [[social]] and linked from the "
                   "previous complete crawl of each site). Default: the sites, then the social profiles when the "
                   "configuration declares any.")
def crawl(config: Path, db: Path | None, sites: tuple[str, ...], full: bool, only: str | None) -> None:
    """Crawl every configured site and record what was found in the database.

    Then checks the social profiles: those declared in [[social]] and those
    the sites link to (alive, missing, suspended or unknown; last post).

    A re-crawl is incremental: the pages of the previous complete crawl are
    first asked about with conditional HEAD requests (the re-validation pass,
    [crawl] revalidation_pass); those answered 304 Not Modified keep their
    facts, and only the others are downloaded again.

    Records facts only (pages, links, redirects, errors, sitemaps, date
    signals); the analysis stage judges them.  The previous
    complete results stay in place until this crawl finishes: an interrupted
    crawl changes nothing but its own row in the `crawls` table.

    Exit status: 0 all sites crawled; 3 the crawl completed but a site could
    not be crawled (see crawl_sites.reason); 1 the crawl failed or was
    interrupted; 2 the configuration or arguments are wrong, or --db is not a
    content-decay database (nothing crawled); 4 another run (crawl, analyse,
    nightly, prune) holds the database's lock (nothing crawled).
    """
    from decay import api_crawl as api
    from decay import report

    with _refusals():
        summary = api.crawl(config, db=db, sites=sites, full=full, only=only)
    click.echo(report.format_crawl_summary(summary))
    step = report.crawl_next_step(summary, config, db=db)   # none after a failed crawl: nothing new to browse
    if step:
        click.echo(step)
    sys.exit(api.crawl_exit_status(summary))


@cli.command()
@click.option("--config", "-c", "config", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The TOML configuration file (thresholds and checks: [outdated]). Optional with --db: then the "
                   "configuration the crawl recorded, if it is still there, else the default settings.")
@click.option("--db", "-d", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The database to analyse (default: [output] database from the configuration).")
@click.option("--now", default=None, metavar="YYYY-MM-DD",
              help="Judge as of this date instead of today (to reproduce an earlier analysis).")
@click.option("--top", default=10, show_default=True, help="How many items of the cleanup list to print (0: none).")
@click.option("--verbose", "-v", is_flag=True, help="Also print the rule ids, scores and item ids (the database always has them).")
def analyse(config: Path | None, db: Path | None, now: str | None, top: int, verbose: bool) -> None:
    """Judge the facts of the latest complete crawl: page dates, outdated content, expired meaning.

    Reads only the facts (no crawling), writes the judgments: the findings
    table (each finding with its rule, severity, confidence and evidence), the
    resolved publication and update date of every page (page_dates), every
    date candidate with why it was accepted or rejected (date_evidence), and
    which date sources each site can be trusted for (site_signals).  Run it
    after every crawl; findings keep their ids, and those no longer found are
    marked resolved.

    Exit status: 0 done; 2 the configuration or arguments are wrong, or
    the database is missing or not a content-decay database; 4 another run
    holds the database's lock (nothing was done); 5 the analysis failed in
    one of its worker processes (nothing written, the previous results kept).
    """
    from decay import api_runs as api
    from decay import report

    with _refusals():
        summary = api.analyse(config, db=db, now=now, top=top)
    for n in summary["notes"]:
        note(n)
    click.echo(report.format_analysis(summary, verbose=verbose))
    if top:
        click.echo("")
        show = "decay triage {id} " + (f"-c {config}" if config is not None and db is None else f"--db {summary['db']}")
        click.echo(report.format_cleanup(summary["top"], summary.get("cleanup"), verbose=verbose, show=show))
    click.echo("")
    click.echo(f"browse and triage it: {report.serve_command(config, db=db)}")


@cli.command()
@click.argument("urls", nargs=-1, required=True, metavar="URL...")
@click.option("--db", "-d", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The database to read (default: [output] database of --config).")
@click.option("--config", "-c", "config", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The TOML configuration file (used for the database when --db is not given).")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON instead of text.")
def impact(urls: tuple[str, ...], db: Path | None, config: Path | None, as_json: bool) -> None:
    """What would break if these pages were removed, and where to redirect them.

    For the pages URL... (production URLs, as the crawl stored them) it lists
    every link that would break (the linking page, its anchor text and where
    on the page it is), the redirects and sitemaps that point at them, the
    pages that nothing would link to any more or that no start page would
    lead to, and for each page a real successor to redirect it to, when one
    exists: the same page for a later year or version, or the page it points
    its readers to as its replacement (never an outdated or orphaned page,
    never a page chosen by common words).
    Reads the latest complete crawl; changes nothing.
    """
    from decay import api_runs as api
    import json

    from decay import report

    with _refusals():
        result = api.impact(urls, db=db, config=config)
    click.echo(json.dumps(result, indent=2, ensure_ascii=False) if as_json else report.format_impact(result))


@cli.command()
@click.option("--config", "-c", "config", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The TOML configuration file to check.")
def check(config: Path) -> None:
    """Check a configuration file without crawling: unknown keys, wrong types, missing values, bad URLs and patterns,
    and an [output] database path that is not a content-decay database (or cannot be written)."""
    from decay import api_config as api
    from decay import report

    with _refusals():
        result = api.check(config)
    click.echo(report.format_check(result))


@cli.command()
@click.option("--db", "-d", type=click.Path(dir_okay=False, path_type=Path), default=Path("output/decay.db"), show_default=True,
              help="Where to write the demo database.")
@click.option("--port", type=int, default=0, help="Port for the demo web server (default: any free port).")
@click.option("--keep-serving", is_flag=True, help="Keep the demo website running after the crawl, until Ctrl-C.")
@click.option("--verbose", "-v", is_flag=True, help="Also print the rule ids, scores and item ids (the database always has them).")
def demo(db: Path, port: int, keep_serving: bool, verbose: bool) -> None:
    """Crawl the bundled demo website and show what content-decay finds.

    Starts the demo organisation's website on 127.0.0.1 (it is part of the
    package: no network needed), crawls it into output/decay.db, runs the
    analysis, prints a summary, and says how to browse the results.
    """
    from decay import api_runs as api
    with _refusals():
        status = api.demo(db=db, port=port, keep_serving=keep_serving, verbose=verbose)
    sys.exit(status)


@cli.command()
@click.argument("what", type=click.Choice(["schema", "config", "findings"]))
@click.option("--update", "update", type=click.Path(dir_okay=False, exists=True, path_type=Path), default=None,
              help="Rewrite this file's generated section (between <!-- BEGIN WHAT --> and <!-- END WHAT -->) instead of printing.")
def reference(what: str, update: Path | None) -> None:
    """Print the database schema or the configuration reference, as in README.md (both are generated from the code)."""
    from decay import api_docs as api
    with _refusals():
        text = api.reference(what, update=update)
    if update is None:
        click.echo(text, nl=False)
        return
    click.echo(f"{update}: {what} reference updated")


DB_OPTION = click.option("--db", "-d", type=click.Path(dir_okay=False, path_type=Path), default=None,
                         help="The database (default: [output] database of --config).")
CONFIG_OPTION = click.option("--config", "-c", "config", type=click.Path(dir_okay=False, path_type=Path), default=None,
                             help="The TOML configuration file (for the database when --db is not given).")


@cli.command()
@click.argument("ids", nargs=-1, required=True, metavar="ID...")
@click.option("--state", type=click.Choice(TRIAGE_STATES), default=None,
              help="The decision. Without --state, show the item and every decision made about it.")
@click.option("--note", default="", help="Why, in your words (kept with the decision and in triage_log).")
@click.option("--until", default=None, metavar="YYYY-MM-DD", help="For --state snoozed: the day the item comes back.")
@click.option("--who", default=None, help="Who decides (default: your login name).")
@DB_OPTION
@CONFIG_OPTION
def triage(ids: tuple[str, ...], state: str | None, note: str, until: str | None, who: str | None,
           db: Path | None, config: Path | None) -> None:
    """Record a decision about cleanup items or findings, or show one's history.

    ID is the id column of cleanup_list (or of findings); 6 or more leading
    characters are enough.  States: new, accepted, in progress, done,
    dismissed (stays off the list until its evidence changes: a new finding,
    a finding whose evidence changed, or a different recommended action),
    snoozed (off the list until --until), done (off the list; reopened if a
    later crawl still finds the problem).  Nothing decay crawl or decay
    analyse does changes these decisions.  Examples:

      decay triage 3f2a9c --state dismissed --note "kept for the archive" --config org.toml

      decay triage 3f2a9c --config org.toml
    """
    from decay import api_results as api
    from decay import report

    if state is None:   # one item at a time: each history is printed before the next id is looked up
        for i in ids:
            with _refusals():
                result = api.triage([i], db=db, config=config)
            click.echo(report.format_history(result["history"][0]))
        return
    with _refusals():
        result = api.triage(ids, state=state, note=note, until=until, who=who, db=db, config=config)
    click.echo(report.format_triage(result["recorded"], state, until))


@cli.command()
@DB_OPTION
@CONFIG_OPTION
@click.option("--host", default=None, help="Address to listen on (default: [serve] host, 127.0.0.1).")
@click.option("--port", type=int, default=None, help="Port (default: [serve] port, 8001; 0 for any free port).")
@click.option("--hash-password", "hash_password", is_flag=True, hidden=True,
              help="Deprecated: use decay serve-password.")
@click.option("--metadata-only", is_flag=True, help="Write datasette's metadata file next to the database and print its path, without serving.")
def serve(db: Path | None, config: Path | None, host: str | None, port: int | None, hash_password: bool,
          metadata_only: bool) -> None:
    """Browse and triage the results in datasette, with everything configured.

    Table and column descriptions, default sorts and facets, full-text search
    on pages, canned queries (this morning's list, new since the last crawl,
    orphans, hijackable social links, pages not updated in N years), charts
    (Dashboards menu), and triage queries that only users who signed in
    ([[serve.users]]) can run; everyone else can read only.
    """
    from decay import api_results as api
    import os

    with _refusals():
        plan = api.serve(db=db, config=config, host=host, port=port, hash_password=hash_password,
                         metadata_only=metadata_only)
    if plan.hash_password:
        for n in plan.notes:
            note(n)
        _hash_password()
        return
    if metadata_only:
        click.echo(str(plan.metadata))
    for n in plan.notes:
        note(n)
    if metadata_only:
        return
    os.environ.update(plan.env)   # the hashes reach datasette-auth-passwords here, never its metadata
    sys.stdout.flush()
    os.execv(plan.args[0], plan.args)   # decay.serve_run prints the address (the real port when --port 0)


def _hash_password() -> None:
    from decay import api_results as api

    pw = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    with _refusals():
        click.echo(api.serve_password(password=pw))


@cli.command("serve-password")
def serve_password() -> None:
    """Ask for a password (twice) and print its hash, for password_hash in [[serve.users]].

    Write the hash in the configuration, or put it in an environment variable
    and write password_hash = "env:VARIABLE".  The password itself is never
    stored.  (Replaces decay serve --hash-password, which still works.)
    """
    _hash_password()


@cli.group()
def export() -> None:
    """Export the cleanup list or a redirect map (see decay export cleanup --help)."""


@export.command("cleanup")
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv", show_default=True)
@click.option("--owner", default=None, help="Only the items of this owner (as [[owners]] names them; 'unowned' for the rest).")
@click.option("--all", "everything", is_flag=True, help="Every row, also those dismissed, snoozed or done.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Write to this file (default: standard output).")
@DB_OPTION
@CONFIG_OPTION
def export_cleanup(fmt: str, owner: str | None, everything: bool, output: Path | None, db: Path | None, config: Path | None) -> None:
    """This morning's cleanup list (what cleanup_list shows as visible), most urgent first."""
    from decay import api_results as api
    with _refusals():
        text = api.export_cleanup(fmt=fmt, owner=owner, everything=everything, output=output, db=db, config=config)
    _emit(text, output)


@export.command("redirects")
@click.option("--format", "fmt", type=click.Choice(["nginx", "apache", "csv"]), default="nginx", show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Write to this file (default: standard output).")
@DB_OPTION
@CONFIG_OPTION
def export_redirects(fmt: str, output: Path | None, db: Path | None, config: Path | None) -> None:
    """A redirect map of the redirect actions people accepted (triage state accepted, in progress or done)."""
    from decay import api_results as api
    with _refusals():
        text = api.export_redirects(fmt=fmt, output=output, db=db, config=config)
    _emit(text, output)


def _emit(text: str, output: Path | None) -> None:
    """The exported document on standard output, or where the API wrote it."""
    if output is None:
        click.echo(text, nl=False)
    else:
        click.echo(f"wrote {output}", err=True)


@cli.command()
@click.option("--config", "-c", "config", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The TOML configuration file ([nightly] for the summary, the alert severity and the webhook).")
@click.option("--db", "-d", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The database (default: [output] database from the configuration).")
@click.option("--full", is_flag=True, help="Download every page again instead of re-validating them (conditional requests).")
@click.option("--now", default=None, metavar="YYYY-MM-DD", help="Judge as of this date instead of today.")
@click.option("--no-webhook", "no_webhook", is_flag=True, help="Do not POST the summary to [nightly] webhook_url this time.")
@click.option("--no-prune", "no_prune", is_flag=True, help="Do not prune the database after the run ([nightly] keep).")
@click.option("--json", "as_json", is_flag=True, help="Print the whole summary as JSON instead of the short text.")
def nightly(config: Path, db: Path | None, full: bool, now: str | None, no_webhook: bool, no_prune: bool, as_json: bool) -> None:
    """The nightly run: crawl, analyse, compare with the previous complete run, summarise.

    Crawls every site (incrementally: unchanged pages answer 304 Not
    Modified), analyses, records what changed (pages added, gone, changed,
    status changes; findings opened and resolved), prints a short summary,
    writes the whole summary as JSON (runs/run-N.json next to the database)
    and POSTs it to [nightly] webhook_url if set.  One run at a time (a lock
    next to the database); a run killed at any moment leaves the last
    complete results and every triage decision intact.

    Exit status: 0 complete; 1 complete with new findings at or above
    [nightly] alert_severity (default critical); 2 configuration or
    arguments wrong; 3 the crawl failed or a site could not be crawled; 4
    another run holds the lock; 5 the analysis failed; 6 interrupted
    (SIGTERM, Ctrl-C); 7 the run failed (a crash, or a database locked by
    another program for longer than the busy timeout).
    """
    from decay import api_runs as api
    import json

    from decay import report

    with _refusals():
        summary = api.nightly(config, db=db, full=full, now=now, no_webhook=no_webhook, no_prune=no_prune)
    if summary["exit_code"] == api.EXIT_LOCKED:
        fail(summary["reason"], api.EXIT_LOCKED)
    if summary["exit_code"] == api.NIGHTLY_FAILED:
        fail(f"nightly failed: {summary.get('reason')}", api.NIGHTLY_FAILED)
    if as_json:
        click.echo(json.dumps(summary, indent=2, ensure_ascii=False, default=str))
    else:
        click.echo(summary.get("text") or report.format_nightly(summary))
        click.echo(f"browse and triage it: {report.serve_command(config, db=db)}")
    sys.exit(summary["exit_code"])


@cli.command()
@click.option("--keep", required=True, metavar="DURATION",
              help="Keep what is younger than this: a number and a unit, d, w, m or y (180d, 6m, 1y).")
@click.option("--config", "-c", "config", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The configuration file (for the database and the summaries folder).")
@click.option("--db", "-d", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The database (default: [output] database of --config).")
@click.option("--dry-run", is_flag=True, help="Count what would be deleted; delete nothing.")
@click.option("--vacuum", is_flag=True, help="Afterwards, give the freed space back to the file system (VACUUM: needs the database's size again in free disk, and a moment without readers).")
def prune(keep: str, config: Path | None, db: Path | None, dry_run: bool, vacuum: bool) -> None:
    """Bound the database: delete history and facts older than --keep.

    Deletes the facts of pages no crawl has requested for longer than
    --keep, older crawls, runs, analyses and history rows, leftover staging
    files and old run summaries, in one transaction.  Never the latest
    complete crawl of any site, never the findings (their ids carry people's
    decisions), never triage.  Takes the nightly lock (exit 4 if a run holds
    it).
    """
    from decay import api_runs as api
    from decay import report

    with _refusals():
        result = api.prune(keep, config=config, db=db, dry_run=dry_run, vacuum=vacuum)
    click.echo(report.format_prune(result))


@cli.group()
def rules() -> None:
    """Check the team's rules, and try one on a page without crawling.

    Rules are [[rules]] tables in the configuration or in the files named by
    [checks] rule_files (README: "Writing rules").  Their findings are named
    rules.<id>; the built-in checks (outdated technology, insecure forms, mixed
    content, new windows without rel=noopener) are checks.*.
    """


@rules.command("check")
@click.option("--config", "-c", "config", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The TOML configuration file whose rules (and rule files) to check.")
def rules_check(config: Path) -> None:
    """Validate every rule: unknown kind, bad regular expression, missing word or rule file, duplicate id, bad CSS selector,
    a pattern that backtracks catastrophically.  Lists every problem with the file, the rule and the fix.

    Exit status: 0 all rules are fine; 1 at least one rule has a problem; 2 the configuration itself is wrong.
    """
    from decay import api_rules as api
    from decay import report

    with _refusals():
        result = api.rules_check(config)
    errors, closing = report.format_rules_check(config, result)
    for line in errors:
        click.echo(line, err=True)
    if result["problems"]:
        click.echo(closing, err=True)
        sys.exit(1)
    click.echo(closing)


@rules.command("test")
@click.argument("rule_id", metavar="RULE_ID")
@click.argument("target", metavar="URL|FILE")
@click.option("--config", "-c", "config", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The TOML configuration file that defines the rule.")
@click.option("--url", default=None, metavar="URL",
              help="Judge the page as if it were at this URL (include/exclude patterns, HTTPS checks, relative links); "
                   "default: the URL fetched, or the file's path.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def rules_test(rule_id: str, target: str, config: Path, url: str | None, as_json: bool) -> None:
    """Show what one rule matches on one page: a local HTML file, or a URL fetched now (no crawl, no database).

    RULE_ID is a rule's id (with or without the rules. prefix) or a built-in
    check (checks.outdated_technology, checks.insecure_form,
    checks.mixed_content, checks.new_window_opener).  Each match is shown with
    the region it was found in and its surroundings, as a finding would show it.
    """
    from decay import api_rules as api
    import json

    from decay import report

    with _refusals():
        result = api.rules_test(rule_id, target, config, url=url)
    click.echo(json.dumps(result, indent=2, ensure_ascii=False) if as_json else report.format_test(result))


def main() -> None:
    try:
        cli(standalone_mode=True)
    except Exception as e:  # noqa: BLE001
        from foundation.config import ConfigError
        from foundation.dbfile import DatabaseFileError

        if isinstance(e, ConfigError):   # raised below a command: same clear message, no traceback
            fail(str(e))
        if isinstance(e, DatabaseFileError):   # raised by open_db below a command: exit 2, nothing written
            fail(str(e))
        import sqlite3

        if isinstance(e, sqlite3.OperationalError) and "locked" in str(e):
            from foundation.schema import busy_timeout

            fail(f"the database is locked by another program (waited {busy_timeout():.0f} s, DECAY_BUSY_TIMEOUT); "
                 "nothing was changed; try again when it is free", 1)
        raise
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)


if __name__ == "__main__":
    main()
