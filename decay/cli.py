"""The `decay` command line. Each command wraps one function of decay.api with the same parameter names."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from decay import __version__
from decay.config import ConfigError


def fail(message: str, code: int = 2) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="content-decay")
def cli() -> None:
    """content-decay: find what has rotted on an organisation's websites, and say what to do about it.

    Typical use: `decay crawl --config org.toml` every night, then browse
    output/decay.db with datasette.  `decay demo` shows it all on a bundled
    demo site, with no configuration and no network.
    """


@cli.command()
@click.option("--config", "config", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The TOML configuration file (see the configuration reference in README.md).")
@click.option("--db", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The SQLite database to write (default: [output] database from the configuration).")
@click.option("--site", "sites", multiple=True, metavar="NAME",
              help="Crawl only this site (repeatable). Default: every configured site.")
def crawl(config: Path, db: Path | None, sites: tuple[str, ...]) -> None:
    """Crawl every configured site and record what was found in the database.

    Records facts only (pages, links, redirects, errors, sitemaps, date
    signals); the analysis stage judges them.  The previous
    complete results stay in place until this crawl finishes: an interrupted
    crawl changes nothing but its own row in the `crawls` table.

    Exit status: 0 all sites crawled; 3 the crawl completed but a site could
    not be crawled (see crawl_sites.reason); 1 the crawl failed or was
    interrupted; 2 the configuration or arguments are wrong (nothing crawled).
    """
    from decay import api

    cfg = _load(config)
    names = [s.name for s in cfg.sites]
    unknown = [s for s in sites if s not in names]
    if unknown:
        fail(f"{config}: no site named {', '.join(unknown)}; the configured sites are: {', '.join(names)}")
    summary = api.crawl(cfg, db=db, sites=list(sites) or None)
    click.echo(api.format_crawl_summary(summary))
    click.echo(f"browse it: {api.datasette_command(summary['db'])}")
    sys.exit(api.crawl_exit_status(summary))


@cli.command()
@click.option("--config", "config", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The TOML configuration file (thresholds and checks: [outdated]).")
@click.option("--db", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The database to analyse (default: [output] database from the configuration).")
@click.option("--now", default=None, metavar="YYYY-MM-DD",
              help="Judge as of this date instead of today (to reproduce an earlier analysis).")
@click.option("--top", default=10, show_default=True, help="How many of the most serious findings to print.")
def analyse(config: Path, db: Path | None, now: str | None, top: int) -> None:
    """Judge the facts of the latest complete crawl: page dates, outdated content, expired meaning.

    Reads only the facts (no crawling), writes the judgments: the findings
    table (each finding with its rule, severity, confidence and evidence), the
    resolved publication and update date of every page (page_dates), every
    date candidate with why it was accepted or rejected (date_evidence), and
    which date sources each site can be trusted for (site_signals).  Run it
    after every crawl; findings keep their ids, and those no longer found are
    marked resolved.
    """
    from decay import api

    cfg = _load(config)
    try:
        summary = api.analyse(cfg, db=db, now=now)
    except (ValueError, FileNotFoundError) as e:
        fail(str(e))
    click.echo(api.format_analysis_summary(summary, api.top_findings(summary["db"], top) if top else None))
    click.echo(f"browse it: {api.datasette_command(summary['db'])}")


@cli.command()
@click.argument("urls", nargs=-1, required=True, metavar="URL...")
@click.option("--db", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The database to read (default: [output] database of --config).")
@click.option("--config", "config", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The TOML configuration file (used for the database when --db is not given).")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON instead of text.")
def impact(urls: tuple[str, ...], db: Path | None, config: Path | None, as_json: bool) -> None:
    """What would break if these pages were removed, and where to redirect them.

    For the pages URL... (production URLs, as the crawl stored them) it lists
    every link that would break (the linking page, its anchor text and where
    on the page it is), the redirects and sitemaps that point at them, the
    pages that nothing would link to any more or that no start page would
    lead to, and for each page a live page to redirect it to: same section,
    closest path or most similar title, never an outdated or orphaned page.
    Reads the latest complete crawl; changes nothing.
    """
    import json

    from decay import api

    cfg = _load(config) if config is not None else None
    try:
        report = api.impact(list(urls), db=db, config=cfg)
    except (ValueError, FileNotFoundError) as e:
        fail(str(e))
    click.echo(json.dumps(report, indent=2, ensure_ascii=False) if as_json else api.format_impact(report))


@cli.command()
@click.option("--config", "config", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The TOML configuration file to check.")
def check(config: Path) -> None:
    """Check a configuration file without crawling: unknown keys, wrong types, missing values, bad URLs and patterns."""
    cfg = _load(config)
    click.echo(f"{config}: ok ({len(cfg.sites)} site(s): {', '.join(s.name for s in cfg.sites)}; database {cfg.database_path})")


@cli.command()
@click.option("--db", type=click.Path(dir_okay=False, path_type=Path), default=Path("output/decay.db"), show_default=True,
              help="Where to write the demo database.")
@click.option("--port", type=int, default=0, help="Port for the demo web server (default: any free port).")
@click.option("--keep-serving", is_flag=True, help="Keep the demo website running after the crawl, until Ctrl-C.")
def demo(db: Path, port: int, keep_serving: bool) -> None:
    """Crawl the bundled demo website and show what content-decay finds.

    Starts the demo organisation's website on 127.0.0.1 (it is part of the
    package: no network needed), crawls it into output/decay.db, runs the
    analysis, prints a summary, and says how to browse the results.
    """
    from decay import demo as demo_mod

    sys.exit(demo_mod.run_demo(db=db, port=port, keep_serving=keep_serving))


@cli.command()
@click.argument("what", type=click.Choice(["schema", "config"]))
@click.option("--update", "update", type=click.Path(dir_okay=False, exists=True, path_type=Path), default=None,
              help="Rewrite this file's generated section (between <!-- BEGIN WHAT --> and <!-- END WHAT -->) instead of printing.")
def reference(what: str, update: Path | None) -> None:
    """Print the database schema or the configuration reference, as in README.md (both are generated from the code)."""
    from decay import docs

    text = docs.reference(what)
    if update is None:
        click.echo(text, nl=False)
        return
    try:
        docs.update_section(update, what, text)
    except ValueError as e:
        fail(str(e))
    click.echo(f"{update}: {what} reference updated")


def _load(config: Path):
    from decay.config import load_config

    try:
        return load_config(config)
    except ConfigError as e:
        fail(str(e))


def main() -> None:
    try:
        cli(standalone_mode=True)
    except ConfigError as e:  # raised below a command: same clear message, no traceback
        fail(str(e))
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)


if __name__ == "__main__":
    main()
