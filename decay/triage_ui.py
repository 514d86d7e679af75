"""Triage in the browser: a datasette plugin of content-decay (``decay serve`` registers it).

Pages, under datasette's own look and sign-in:

- ``/-/triage``: this morning's list, most urgent first, paged (no 1,000-row cap), with filters (site, owner,
  action, category, severity, rule, URL pattern, new since the last run, status, free text) kept in the query
  string, so a filtered list is a link to send.
- ``/-/triage/item/<id>``: one item: every finding behind it with its evidence in words, what would break,
  the redirect target and why, a link to the page, and the decision history (triage_log).
- ``POST /-/triage/decide``: Dismiss, Snooze until a date, Done, Reopen, with a note, for one item, the rows
  ticked, or every item matching the filter.  Decisions go through decay.triage.record (the code and database
  triggers ``decay triage`` uses), with the signed-in user's name; only signed-in users decide.

Everything crawled is text to the templates (Jinja autoescape), and only http(s) URLs ever become links.
"""
from __future__ import annotations

import json
import re
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode

from datasette import hookimpl
from datasette.utils.asgi import Response

from decay import triage as tr
from foundation.catalog import SEVERITIES

TEMPLATES = Path(__file__).parent / "templates"
PERMISSION = "decay-triage"
PAGE_SIZE = 50
MAX_PAGE_SIZE = 500
FILTERS = ("q", "site", "owner", "action", "category", "severity", "rule", "url", "new", "status")
STATUSES = {
    "open": ("On the list (open)", "visible = 1"),
    "snoozed": ("Snoozed", "status = 'snoozed'"),
    "dismissed": ("Dismissed", "status = 'dismissed'"),
    "done": ("Done, awaiting the next crawl", "status = 'done: awaiting the next crawl'"),
    "all": ("Everything", "1 = 1"),
}
DECISIONS = {   # button value -> (triage state, label, past tense)
    "dismissed": ("dismissed", "Dismiss", "dismissed"),
    "snoozed": ("snoozed", "Snooze", "snoozed"),
    "done": ("done", "Done", "marked done"),
    "new": ("new", "Reopen", "reopened"),
}
LIST_COLUMNS = ("rank, id, action, subject_url, title, owner, why, todo, target_url, severity, category, site, rules, "
                "finding_count, new_findings, first_seen, status, triage_state, triage_who, triage_at, triage_note, "
                "snooze_until, links_that_break, pages_orphaned, subject_type, section")


# --- helpers (pure; used by the templates) -------------------------------------------------------------------

def safe_href(url: Any) -> str | None:
    """The URL if a browser may follow it (http or https only): never javascript:, data: or anything else."""
    if not isinstance(url, str):
        return None
    u = url.strip()
    if re.match(r"(?i)^https?://[^\s<>\"']+$", u) and not any(ord(c) < 32 for c in u):
        return u
    return None


def short_url(url: str | None, limit: int = 60) -> str:
    """A URL shortened for a table cell: without the scheme, the middle elided past ``limit`` characters."""
    if not url:
        return ""
    u = re.sub(r"(?i)^https?://", "", url)
    if len(u) <= limit:
        return u
    head = limit * 2 // 3
    return u[:head] + "…" + u[-(limit - head - 1):]


def when(value: str | None) -> str:
    """'2024-10-18' from an ISO timestamp, with how long ago."""
    if not value:
        return ""
    day = value[:10]
    try:
        d = date.fromisoformat(day)
    except ValueError:
        return value
    days = (datetime.now(timezone.utc).date() - d).days
    if days <= 0:
        ago = "today"
    elif days == 1:
        ago = "yesterday"
    elif days < 60:
        ago = f"{days} days ago"
    elif days < 730:
        ago = f"{days // 30} months ago"
    else:
        ago = f"{days // 365} years ago"
    return f"{day} ({ago})"


LABELS = {
    "linked_from": "Pages that link to it", "linking_pages": "Linking pages", "links": "Links",
    "updated_at": "Last updated", "updated_source": "Where that date was found", "published_at": "Published",
    "age_days": "Age in days", "threshold_days": "Counts as stale after (days)", "explanation": "How the date was decided",
    "link_to_instead": "Link here instead", "chain": "Redirect chain", "final_status": "Final HTTP status",
    "status": "HTTP status", "answer": "The server's answer", "by_position": "Where the links are",
    "anchor": "Link text", "position": "Place on the page", "page": "Page", "text": "Quoted text", "sentence": "Sentence",
    "claim": "Claim", "page_date": "Page date", "page_date_source": "Where the page date was found",
    "judged_as": "Judged as", "role_reason": "Why that role", "twin_url": "Address as linked", "page_url": "The page it stands for",
    "broken_links": "Links that would break", "orphaned_pages": "Pages that would lose their last link",
    "sitemaps": "Sitemaps that list it", "redirects": "Redirects that lead to it", "url": "Address",
    "matches": "Matches", "context": "Context", "why": "Why it matters", "max_click_depth": "Click limit",
    "path": "Shortest click path", "depth": "Clicks from the start page", "targets": "Targets", "listed": "Listed",
}


def label(key: str) -> str:
    return LABELS.get(key) or key.replace("_", " ").capitalize()


def evidence_tree(value: Any, depth: int = 0, max_items: int = 40) -> dict:
    """The evidence JSON as a tree the template renders as lists and definition lists, in words."""
    if isinstance(value, str) and value[:1] in "[{":
        try:
            value = json.loads(value)
        except ValueError:
            pass
    if depth > 6:
        return {"kind": "text", "text": json.dumps(value, ensure_ascii=False)[:500]}
    if isinstance(value, dict):
        return {"kind": "dict", "items": [(label(str(k)), evidence_tree(v, depth + 1, max_items))
                                          for k, v in value.items() if v not in (None, "", [], {})]}
    if isinstance(value, list):
        if value and all(not isinstance(v, (dict, list)) for v in value) and len(value) <= 12 and \
                not any(safe_href(v) for v in value):
            return {"kind": "text", "text": ", ".join(map(str, value))}
        return {"kind": "list", "items": [evidence_tree(v, depth + 1, max_items) for v in value[:max_items]],
                "more": max(0, len(value) - max_items)}
    if isinstance(value, bool):
        return {"kind": "text", "text": "yes" if value else "no"}
    if isinstance(value, str) and safe_href(value):
        return {"kind": "url", "href": value, "text": value}
    return {"kind": "text", "text": "" if value is None else str(value)}


def like_escape(s: str) -> str:
    return s.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def filter_sql(args: dict[str, str]) -> tuple[str, dict[str, Any]]:
    """WHERE clause over cleanup_list for the filters in ``args`` (the list and 'every item matching')."""
    where, params = [], {}
    status = args.get("status") or "open"
    where.append(STATUSES.get(status, STATUSES["open"])[1])
    for col in ("site", "owner", "action", "category", "severity"):
        if args.get(col):
            where.append(f"{col} = :{col}")
            params[col] = args[col]
    if args.get("rule"):
        where.append("instr(',' || replace(rules, ' ', '') || ',', ',' || :rule || ',') > 0")
        params["rule"] = args["rule"].strip()
    if args.get("url"):
        pat = args["url"].strip()
        like = like_escape(pat).replace("*", "%")
        if pat.startswith("/"):   # a path pattern: matched against the path of the URL, whatever the host
            where.append("(CASE WHEN instr(subject_url, '://') > 0 THEN substr(subject_url, instr(subject_url, '://') + 3 + "
                         "instr(substr(subject_url, instr(subject_url, '://') + 3), '/') - 1) ELSE subject_url END) "
                         "LIKE :url ESCAPE '\\'")
            params["url"] = like if "*" in pat else like + "%"
        else:
            where.append("subject_url LIKE :url ESCAPE '\\'")
            params["url"] = like if "*" in pat else "%" + like + "%"
    if args.get("new"):
        where.append("(new_findings > 0 OR status LIKE 'back:%' OR status LIKE 'reopened%')")
    if args.get("q"):
        where.append("(title LIKE :q ESCAPE '\\' OR subject_url LIKE :q ESCAPE '\\' OR why LIKE :q ESCAPE '\\' "
                     "OR todo LIKE :q ESCAPE '\\' OR rules LIKE :q ESCAPE '\\' OR owner LIKE :q ESCAPE '\\')")
        params["q"] = "%" + like_escape(args["q"].strip()) + "%"
    return " AND ".join(where), params


def change_badge(row: dict) -> str:
    st = row.get("status") or ""
    if st.startswith("back:"):
        return "came back: " + st[5:].strip()
    if st.startswith("reopened"):
        return "came back: still there after it was marked done"
    n, total = row.get("new_findings") or 0, row.get("finding_count") or 0
    if n and n >= total:
        return "new"
    if n:
        return f"{n} new finding{'s' if n > 1 else ''}"
    return ""


# --- datasette plumbing ----------------------------------------------------------------------------------------

def _database(datasette):
    for name, db in datasette.databases.items():
        if name != "_internal" and not db.is_memory:
            return db
    raise LookupError("no database")


async def can_decide(datasette, actor) -> bool:
    return bool(actor) and await datasette.permission_allowed(actor, PERMISSION, default=False)


def _args(request) -> dict[str, str]:
    return {k: request.args.get(k, "").strip() for k in FILTERS if request.args.get(k, "").strip()}


async def _options(db) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for col in ("site", "owner", "action", "category"):
        out[col] = [r[0] for r in await db.execute(f"SELECT DISTINCT {col} FROM cleanup WHERE {col} IS NOT NULL "
                                                   f"AND {col} != '' ORDER BY {col}")]
    present = {r[0] for r in await db.execute("SELECT DISTINCT severity FROM cleanup")}
    out["severity"] = [s for s in SEVERITIES if s in present]
    out["rule"] = [r[0] for r in await db.execute(
        "SELECT DISTINCT json_extract(j.value, '$.rule') AS r FROM cleanup, json_each(cleanup.findings) j "
        "WHERE r IS NOT NULL ORDER BY r")]
    return out


async def _render(datasette, request, template: str, ctx: dict, status: int = 200) -> Response:
    ctx.update({"safe_href": safe_href, "short_url": short_url, "when": when, "statuses": STATUSES,
                "decisions": DECISIONS, "can_decide": await can_decide(datasette, request.actor),
                "login_url": "/-/login", "database_name": _database(datasette).name, "path_with_query": request.full_path if hasattr(request, "full_path") else request.path})
    html = await datasette.render_template(template, ctx, request=request)
    return Response.html(html, status=status)


async def list_view(datasette, request):
    db = _database(datasette)
    args = _args(request)
    try:
        size = min(MAX_PAGE_SIZE, max(1, int(request.args.get("size") or PAGE_SIZE)))
        page = max(1, int(request.args.get("page") or 1))
    except ValueError:
        size, page = PAGE_SIZE, 1
    where, params = filter_sql(args)
    total = (await db.execute(f"SELECT count(*) FROM cleanup_list WHERE {where}", params)).first()[0]
    pages = max(1, -(-total // size))
    page = min(page, pages)
    rows = [dict(r) for r in await db.execute(
        f"SELECT {LIST_COLUMNS} FROM cleanup_list WHERE {where} ORDER BY rank LIMIT :_limit OFFSET :_offset",
        {**params, "_limit": size, "_offset": (page - 1) * size})]
    for r in rows:
        r["change"] = change_badge(r)
    on_list = (await db.execute("SELECT count(*) FROM cleanup_list WHERE visible = 1")).first()[0]

    def link(**over) -> str:
        q = {**args, **({"size": str(size)} if size != PAGE_SIZE else {}), **over}
        return "/-/triage?" + urlencode({k: v for k, v in q.items() if v not in ("", None)})

    return await _render(datasette, request, "decay_triage_list.html", {
        "rows": rows, "args": args, "options": await _options(db), "total": total, "page": page, "pages": pages,
        "size": size, "first": (page - 1) * size + 1 if total else 0, "last": min(total, page * size),
        "prev_url": link(page=str(page - 1)) if page > 1 else None,
        "next_url": link(page=str(page + 1)) if page < pages else None,
        "first_url": link(page="1"), "last_url": link(page=str(pages)),
        "this_url": link(page=str(page)) if page > 1 else link(), "on_list": on_list,
        "tomorrow": date.fromordinal(datetime.now(timezone.utc).date().toordinal() + 1).isoformat(),
        "filtered": bool(set(args) - {"status"}) or args.get("status", "open") != "open",
    })


async def item_view(datasette, request):
    db = _database(datasette)
    fid = request.url_vars["id"].strip().lower()
    row = (await db.execute(f"SELECT {LIST_COLUMNS}, score_explanation, confidence, protected, link_score, inlinks, "
                            "traffic FROM cleanup_list WHERE id = :id", {"id": fid})).first()
    extra = (await db.execute("SELECT findings, impact, target_reason, material FROM cleanup WHERE id = :id", {"id": fid})).first()
    if row is not None:
        item = dict(row)
        ids = [f.get("id") for f in json.loads(extra["findings"] or "[]")]
        item["change"] = change_badge(item)
    else:
        ids = [fid]
        item = None
    findings = [dict(r) for r in await db.execute(
        "SELECT * FROM findings WHERE id IN (SELECT value FROM json_each(:ids)) ORDER BY "
        "CASE severity WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2 WHEN 'low' THEN 3 ELSE 4 END, rule",
        {"ids": json.dumps(ids)})]
    if item is None and not findings:
        return await _render(datasette, request, "decay_triage_missing.html", {"id": fid}, status=404)
    for f in findings:
        f["tree"] = evidence_tree(f.get("evidence") or "{}")
    triage_row = (await db.execute("SELECT * FROM triage WHERE id = :id", {"id": fid})).first()
    log = [dict(r) for r in await db.execute("SELECT state, snooze_until, note, who, at FROM triage_log "
                                             "WHERE item_id = :id ORDER BY id DESC", {"id": fid})]
    subject = item or findings[0]
    return await _render(datasette, request, "decay_triage_item.html", {
        "id": fid, "item": item, "findings": findings, "subject": subject,
        "impact": evidence_tree(extra["impact"]) if extra is not None and extra["impact"] else None,
        "target_reason": extra["target_reason"] if extra is not None else None,
        "triage": dict(triage_row) if triage_row else None, "log": log,
        "back": request.args.get("back") if (request.args.get("back") or "").startswith("/-/triage") else "/-/triage",
        "tomorrow": date.fromordinal(datetime.now(timezone.utc).date().toordinal() + 1).isoformat(),
    })


def _safe_next(value: str | None) -> str:
    return value if value and value.startswith("/-/triage") and "//" not in value and "\\" not in value else "/-/triage"


async def decide_view(datasette, request):
    if request.method != "POST":
        return Response.redirect("/-/triage")
    body = parse_qs((await request.post_body()).decode("utf-8", "replace"), keep_blank_values=True)
    form = {k: v[-1] for k, v in body.items()}
    nxt = _safe_next(form.get("next"))
    if not await can_decide(datasette, request.actor):
        return await _render(datasette, request, "decay_triage_refused.html", {
            "message": "Only people who have signed in can triage: nothing was recorded.", "next": nxt}, status=403)
    choice = form.get("decision", "")
    if choice not in DECISIONS:
        return await _error(datasette, request, f"Choose Dismiss, Snooze, Done or Reopen (got {choice!r}).", nxt)
    state, lab, past = DECISIONS[choice]
    db = _database(datasette)
    if form.get("scope") == "filter":
        fargs = {k: form.get("f_" + k, "").strip() for k in FILTERS if form.get("f_" + k, "").strip()}
        where, params = filter_sql(fargs)
        ids = [r[0] for r in await db.execute(f"SELECT id FROM cleanup_list WHERE {where} ORDER BY rank", params)]
        if not ids:
            return await _error(datasette, request, "No item matches this filter: nothing was recorded.", nxt)
    else:
        ids = [i for i in body.get("ids", []) if i.strip()]
        if not ids:
            return await _error(datasette, request, "Tick at least one item (or choose \"every item matching this filter\"): "
                                                    "nothing was recorded.", nxt)
    until = form.get("until", "").strip() if state == "snoozed" else None
    who = str(request.actor.get("id") or request.actor.get("name") or "someone")
    note = form.get("note", "").strip()
    try:   # the rules of decay triage, then its statement on datasette's own write connection
        tr.check(ids, state, until or None)
        done = await db.execute_write_fn(lambda conn: tr.record_on(conn, ids, state, note=note, who=who,
                                                                   until=until or None, exact=True), block=True)
    except tr.TriageError as e:
        msg = str(e).replace("--state snoozed needs --until YYYY-MM-DD", "Snooze needs a date")
        msg = msg.replace("--until ", "The date ")
        return await _error(datasette, request, f"Not recorded: {msg}", nxt)
    n = len(done)
    datasette.add_message(request, f"Recorded: {n} item{'s' if n != 1 else ''} {past}"
                          f"{' until ' + until if until else ''} by {who}.", datasette.INFO)
    return Response.redirect(nxt)


async def _error(datasette, request, message: str, nxt: str) -> Response:
    return await _render(datasette, request, "decay_triage_refused.html", {"message": message, "next": nxt}, status=400)


# --- hooks -----------------------------------------------------------------------------------------------------

@hookimpl
def register_routes(datasette):
    return [
        (r"^/-/triage$", list_view),
        (r"^/-/triage/item/(?P<id>[0-9A-Za-z_.:-]+)$", item_view),
        (r"^/-/triage/decide$", decide_view),
    ]


@hookimpl
def permission_allowed(datasette, actor, action, resource):
    if action == PERMISSION:
        return bool(actor and actor.get("id"))   # every signed-in user ([[serve.users]]) triages
    return None


@hookimpl
def prepare_jinja2_environment(env, datasette):
    from jinja2 import FileSystemLoader

    loader = FileSystemLoader(str(TEMPLATES))
    if loader not in getattr(env.loader, "loaders", []):
        env.loader.loaders.insert(0, loader)   # our index.html extends default:index.html


@hookimpl
def menu_links(datasette, actor, request):
    return [{"href": "/-/triage", "label": "Triage: this morning's list"}]


@hookimpl
def forbidden(datasette, request, message):
    async def inner():
        return await _render(datasette, request, "decay_triage_refused.html", {
            "message": "You need to sign in for this: reading is open to everyone, deciding (triage) is for the team.",
            "next": "/-/triage"}, status=403)

    return inner


__all__ = ["register_routes", "permission_allowed", "prepare_jinja2_environment", "menu_links", "forbidden"]
