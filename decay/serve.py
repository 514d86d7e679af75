"""`decay serve`: datasette on the database, configured for the team.

Everything datasette needs is generated from the code: table and column descriptions come from the
schema declaration (foundation/schema.py), the triage queries run the same statement as ``decay triage``
(decay/triage.py), and the charts are datasette-dashboards definitions.  Pinned to the datasette 0.65
line, whose metadata file holds canned queries, permissions and plugin settings (the 1.0 alphas move
them to a separate configuration file).

Reading is open to anyone who can reach the server; the triage queries are writable canned queries
that only signed-in users ([[serve.users]], datasette-auth-passwords) may run.  The password hashes never go
into the metadata (datasette serves it to anyone): datasette-auth-passwords reads them from environment variables
(password_env).  decay.serve_guard throttles failed sign-ins, sets the cookie flags and renders the decide links.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from foundation.config import Config
from foundation import spawn
from foundation.catalog import TRIAGE_LABELS, TRIAGE_STATES
from foundation.schema import TABLES, VIEWS
from decay.triage import record_sql

LIST_COLUMNS = ("rank, action, subject_url, {decide}, owner, why, todo, target_url, title, status, score, severity, "
                "category, site, section, links_that_break, pages_orphaned, triage_note, id")

TABLE_SETTINGS: dict[str, dict[str, Any]] = {
    "cleanup": {"sort": "rank", "facets": ["action", "category", "site", "severity", "section", "owner"],
                "label_column": "subject_url"},
    "cleanup_list": {"sort": "rank", "facets": ["status", "action", "category", "site", "severity", "section", "owner"]},
    "findings": {"sort_desc": "last_seen", "facets": ["status", "category", "rule", "severity", "site"]},
    "page_dates": {"sort": "updated_at", "facets": ["site", "updated_source"]},
    "page_graph": {"sort": "link_score", "facets": ["site", "reachable"]},
    "pages": {"sort": "url", "facets": ["site", "outcome", "kind", "status"], "fts_table": "pages_fts", "fts_pk": "url_id",
              "searchmode": "escaped", "label_column": "url"},
    "triage": {"sort_desc": "updated_at", "facets": ["state", "who", "item"]},
    "triage_log": {"sort_desc": "id", "facets": ["state", "who"]},
    "date_evidence": {"facets": ["source", "accepted", "role"]},
    "links": {"facets": ["kind", "position", "internal"]},
    "crawls": {"sort_desc": "id"},
    "analyses": {"sort_desc": "id"},
}
HIDDEN = ("pages_fts", "bodies", "_decay_meta")
# this project's datasette plugins, registered by decay.serve_run (the process decay serve becomes)
PLUGINS = ["decay.serve_guard", "decay.triage_ui"]


def _decide_links(db: str) -> str:
    """The decide column: the row's id, which decay.serve_guard renders as links to the triage queries, only on the
    pages of the canned queries (never markdown: ad-hoc SQL could name any column decide)."""
    return "id AS decide"


def _queries(db: str) -> dict[str, dict[str, Any]]:
    latest = "(SELECT max(id) FROM analyses WHERE status = 'complete')"
    q: dict[str, dict[str, Any]] = {
        "this_mornings_list": {
            "title": "This morning's list",
            "description": "What needs doing, most urgent first: the cleanup list without the items people dismissed, "
                           "snoozed or finished. Leave owner empty for everyone's. The decide column opens the triage "
                           "form for the row (sign in first).",
            "sql": f"SELECT {LIST_COLUMNS.format(decide=_decide_links(db))} FROM cleanup_list WHERE visible = 1 "
                   "AND (:owner = '' OR owner = :owner) ORDER BY rank",
            "hide_sql": True,
        },
        "new_since_the_last_crawl": {
            "title": "New since the last crawl",
            "description": "Open findings first found in an analysis of the latest crawl: what the last crawl brought.",
            "sql": "SELECT f.severity, f.rule, f.subject_url, f.message, f.confidence, f.site, f.first_seen, f.id "
                   f"FROM findings f WHERE f.status = 'open' AND f.last_analysis_id = {latest} "
                   "AND f.first_analysis_id > coalesce((SELECT max(id) FROM analyses WHERE status = 'complete' AND crawl_id < "
                   f"(SELECT crawl_id FROM analyses WHERE id = {latest})), 0) "
                   "ORDER BY CASE f.severity WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2 "
                   "WHEN 'low' THEN 3 ELSE 4 END, f.subject_url",
        },
        "orphans": {
            "title": "Orphaned pages",
            "description": "Pages nothing links to, or only other dead pages do (links.orphan, links.orphan_island).",
            "sql": "SELECT f.subject_url, f.title, f.rule, f.message, g.inlinks, g.linking_pages, d.updated_at, f.site, f.id "
                   "FROM findings f LEFT JOIN page_graph g ON g.url_id = f.subject_id LEFT JOIN page_dates d ON d.url_id = f.subject_id "
                   "WHERE f.status = 'open' AND f.rule IN ('links.orphan', 'links.orphan_island') ORDER BY f.site, f.subject_url",
        },
        "hijackable_social_links": {
            "title": "Hijackable social links",
            "description": "Pages linking to social accounts that no longer exist: anyone can register the name and speak as you.",
            "sql": "SELECT f.subject_url AS profile, f.message, f.evidence, f.first_seen, f.id FROM findings f "
                   "WHERE f.status = 'open' AND f.rule = 'social.hijackable_link' ORDER BY f.subject_url",
        },
        "pages_not_updated_in_n_years": {
            "title": "Pages not updated in N years",
            "description": "Live pages whose last update (resolved from all date evidence) is more than :years years ago.",
            "sql": "SELECT d.url, p.title, substr(d.updated_at, 1, 10) AS updated, d.updated_source, d.age_days, d.confidence, "
                   "d.explanation, d.site FROM page_dates d JOIN pages p ON p.url_id = d.url_id "
                   "WHERE d.age_days > CAST(:years AS REAL) * 365 ORDER BY d.updated_at",
        },
    }
    for state in TRIAGE_STATES:
        name = "triage_" + state.replace(" ", "_")
        extra = " Until: the day it comes back (YYYY-MM-DD)." if state == "snoozed" else ""
        q[name] = {
            "title": f"{TRIAGE_LABELS[state]} an item",
            "description": f"Set a cleanup item or a finding to '{state}' (id from cleanup_list or findings), with a note.{extra} "
                           "Signed-in users only; every change is kept in triage_log.",
            "sql": record_sql(state),
            "write": True,
            "allow": {"id": "*"},
            "on_success_message": f"Recorded: {state}.",
            "on_error_message": "Not recorded",
        }
    return q


def _dashboards(db: str) -> dict[str, Any]:
    return {
        "overview": {
            "title": "content-decay overview",
            "description": "What has rotted, how it changes from crawl to crawl, and what the list asks for.",
            "layout": [["open-items", "critical-findings"], ["updated-years", "updated-years"],
                       ["findings-over-time", "findings-over-time"], ["actions", "owners"]],
            "charts": {
                "open-items": {"title": "Items on this morning's list", "db": db, "library": "metric",
                               "query": "SELECT count(*) AS count FROM cleanup_list WHERE visible = 1",
                               "display": {"field": "count"}},
                "critical-findings": {"title": "Open critical and high findings", "db": db, "library": "metric",
                                      "query": "SELECT count(*) AS count FROM findings WHERE status = 'open' "
                                               "AND severity IN ('critical', 'high')", "display": {"field": "count"}},
                "updated-years": {
                    "title": "Pages by last-updated year", "db": db, "library": "vega-lite",
                    "query": "SELECT coalesce(substr(updated_at, 1, 4), 'unknown') AS year, count(*) AS pages "
                             "FROM page_dates GROUP BY year ORDER BY year",
                    "display": {"mark": {"type": "bar", "tooltip": True},
                                "encoding": {"x": {"field": "year", "type": "ordinal", "title": "last updated"},
                                             "y": {"field": "pages", "type": "quantitative"}}}},
                "findings-over-time": {
                    "title": "Open findings by category over the last analyses", "db": db, "library": "vega-lite",
                    "query": "SELECT a.id AS analysis, substr(a.now, 1, 10) AS day, f.category, count(*) AS findings "
                             "FROM (SELECT * FROM analyses WHERE status = 'complete' ORDER BY id DESC LIMIT 60) a "
                             "JOIN findings f ON f.first_analysis_id <= a.id AND f.last_analysis_id >= a.id "
                             "GROUP BY a.id, f.category ORDER BY a.id",
                    "display": {"mark": {"type": "line", "point": True, "tooltip": True},
                                "encoding": {"x": {"field": "analysis", "type": "ordinal", "title": "analysis"},
                                             "y": {"field": "findings", "type": "quantitative"},
                                             "color": {"field": "category", "type": "nominal"}}}},
                "actions": {
                    "title": "The list by action", "db": db, "library": "vega-lite",
                    "query": "SELECT action, count(*) AS items FROM cleanup_list WHERE visible = 1 GROUP BY action",
                    "display": {"mark": {"type": "arc", "tooltip": True},
                                "encoding": {"color": {"field": "action", "type": "nominal"},
                                             "theta": {"field": "items", "type": "quantitative"}}}},
                "owners": {
                    "title": "The list by owner", "db": db, "library": "vega-lite",
                    "query": "SELECT owner, count(*) AS items FROM cleanup_list WHERE visible = 1 GROUP BY owner ORDER BY items DESC",
                    "display": {"mark": {"type": "bar", "tooltip": True},
                                "encoding": {"y": {"field": "owner", "type": "nominal", "sort": "-x"},
                                             "x": {"field": "items", "type": "quantitative"}}}},
            },
        }
    }


def metadata(db_path: Path, config: Config | None) -> dict[str, Any]:
    """datasette's metadata (0.65): descriptions, sorts, facets, search, canned queries, permissions, plugins."""
    name = db_path.stem
    tables: dict[str, Any] = {}
    for t in TABLES:
        entry: dict[str, Any] = {"description": t.description, "columns": {c: d for c, _, d in t.columns}}
        entry.update(TABLE_SETTINGS.get(t.name, {}))
        tables[t.name] = entry
    for view, (desc, _) in VIEWS.items():
        entry = {"description": desc}
        entry.update(TABLE_SETTINGS.get(view, {}))
        if view == "cleanup_list":
            cols = {c: d for c, _, d in next(t for t in TABLES if t.name == "cleanup").columns}
            cols.update({"status": "What the triage decision means today: new, dismissed, back: evidence changed since "
                                   "dismissed, snoozed, back: snooze ended, accepted, in progress, done: awaiting the next "
                                   "crawl, reopened: still there after a new crawl.",
                         "visible": "1 if the item belongs on this morning's list."})
            entry["columns"] = cols
        tables[view] = entry
    for h in HIDDEN:
        tables.setdefault(h, {})["hidden"] = True
    plugins: dict[str, Any] = {"datasette-dashboards": _dashboards(name),
                               # markdown nowhere: its default pattern *_markdown would render any ad-hoc column
                               "datasette-render-markdown": {"columns": [], "patterns": []},
                               "decay-serve-guard": {"secure_cookies": bool(config and config.serve.secure_cookies)}}
    users = config.serve.users if config else []
    if users:
        # never the hashes themselves: datasette serves its metadata to anyone (/-/metadata.json); the plugin reads
        # {"$env": NAME} from the environment, which decay serve fills (password_env)
        plugins["datasette-auth-passwords"] = {f"{u.name}_password_hash": {"$env": password_env(u)} for u in users}
    org = config.organisation.name if config else ""
    return {
        "title": f"content-decay{': ' + org if org else ''}",
        "description": "What has rotted on the websites and social accounts, and what to do about it. Start with "
                       "the canned query \"This morning's list\"; sign in (top right) to triage.",
        "about": "content-decay", "about_url": "https://github.com/content-decay/content-decay#readme",
        "databases": {name: {"tables": tables, "queries": _queries(name)}},
        "plugins": plugins,
    }


def password_env(user: Any) -> str:
    """The environment variable datasette-auth-passwords reads the user's hash from: the one named by
    password_hash = "env:NAME", else one decay serve sets from the hash written in the configuration."""
    h = user.password_hash
    if h.startswith("env:"):
        return h[4:]
    import hashlib

    tag = hashlib.sha256(user.name.encode()).hexdigest()[:8]   # names differing only in "." or "-" stay apart
    return "DECAY_SERVE_HASH_" + "".join(c if c.isalnum() else "_" for c in user.name.upper()) + "_" + tag


def password_environment(config: Config | None) -> dict[str, str]:
    """The environment variables to set for datasette: the hashes written in the configuration (not env:)."""
    users = config.serve.users if config else []
    return {password_env(u): u.password_hash for u in users if not u.password_hash.startswith("env:")}


def write_metadata(db_path: Path, config: Config | None, dest: Path) -> Path:
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)   # no secrets in it, but this user's only
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(metadata(db_path, config), fh, indent=2, ensure_ascii=False)
    os.replace(tmp, dest)
    return dest


def datasette_args(db_path: Path, meta: Path, host: str, port: int) -> list[str]:
    return [*spawn.python("-m", "decay.serve_run"), str(db_path), "--metadata", str(meta), "--host", host,
            "--port", str(port), "--setting", "sql_time_limit_ms", "5000", "--setting", "facet_time_limit_ms", "500",
            "--setting", "default_page_size", "50"]


def check_plugins() -> list[str]:
    """Names of required packages that are not installed."""
    import importlib.util

    return [m for m in ("datasette", "datasette_auth_passwords", "datasette_dashboards", "datasette_render_markdown")
            if importlib.util.find_spec(m) is None]
