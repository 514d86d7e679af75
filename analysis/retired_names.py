"""A retired name in the site's own history: dated articles, and the listings that quote them.

The rules judge each mention of a retired name by the words around it (analysis/rules/mentions.py).  What they do
not know is what a page is and when it was written, which the analysis knows once the dates are judged:

- A dated article (role ``article``: a news item, a blog post, release notes, analysis/roles.py) is the record of
  its day (analysis/archive.py).  The name it used when it was published was right then, and rewriting it would
  make the record false ("Harbourside Trust opens community boathouse" in 2015).  Its finding is information, when
  the article was published before the name was retired and the site does not present it as current (linked from
  a home page or the menu).
- A listing (role ``listing``) shows its articles' titles and opening words: a mention there quoted from an
  article it links to is decided on that article, and changes with it.  When every mention on the listing is
  quoted, its finding is information.

The day the name was retired: the rule's ``retired_on``; else the day the site's own dated announcement of the
change was published (the earliest dated article with a mention said with its new name: "is now Harbourside
Trust", "was renamed", "changed its name"); else unknown, and every dated article is judged a record: which of
them came after the change cannot be told, and a finding the tool is unsure of is not a list item.
"""
from __future__ import annotations

import re
import sqlite3
from typing import Any

from analysis.findings import Finding, as_information
from analysis.pages import Page
from analysis.rules.mentions import NEW_NAME, around, folded

ANNOUNCING = (NEW_NAME,)   # mentions.deliberate's reason that says the new name (not a history, not a quoted title)
LINKED_ARTICLES = 200   # articles of a listing whose texts are read to find its quotes (one query: under SQLite's
# limit of bound values)
_WORDS = 3              # words either side of a mention that a quote must share with the article


def judge(conn: sqlite3.Connection, findings: list[Finding], pages: list[Page], current: dict[int, str],
          retired_on: dict[str, str]) -> list[Finding]:
    """The rules' findings again, a retired name's on an old dated article or quoted by a listing as information.

    ``current``: the articles the site presents as current (archive.presented_as_current); ``retired_on``: finding
    rule -> the day its name was retired (the rule's ``retired_on``, YYYY-MM-DD)."""
    by_id = {p.url_id: p for p in pages}
    named = [f for f in findings if f.subject_type == "page" and f.subject_id in by_id
             and isinstance(f.evidence, dict) and f.evidence.get("retired_name")]
    if not named:
        return findings
    articles = [f.subject_id for f in named if by_id[f.subject_id].role == "article"]
    published = _published(conn, articles)
    announced: dict[str, tuple[str, str]] = {}   # rule -> (day, the announcing article)
    for f in named:
        day = published.get(f.subject_id)
        if day and by_id[f.subject_id].role == "article" and any(
                str(m.get("deliberate", "")).startswith(ANNOUNCING) for m in f.evidence.get("matches", [])):
            if f.rule not in announced or day < announced[f.rule][0]:
                announced[f.rule] = (day, f.subject_url)
    judged: dict[int, Finding] = {}
    for f in named:
        if f.severity == "info":
            continue
        p = by_id[f.subject_id]
        if p.role == "article" and p.url_id not in current:
            judged[id(f)] = _record(f, p, published.get(p.url_id), retired_on.get(f.rule), announced.get(f.rule))
        elif p.role == "listing":
            quoted = _quoted_from_articles(conn, f, p, by_id)
            if quoted is not None:
                judged[id(f)] = quoted
    return [judged.get(id(f), f) for f in findings]


def _record(f: Finding, p: Page, day: str | None, retired: str | None, announced: tuple[str, str] | None) -> Finding:
    """An article's finding: information when it was published before the name was retired (or when that cannot
    be told), else as it is."""
    since, source = (retired, "the rule's retired_on") if retired else (
        (announced[0], f"the day the site announced the change, {announced[1]}") if announced else (None, ""))
    if since is not None and day is not None and day >= since:
        return f   # written after the name was retired: to be changed
    if since is None:
        why = (f"A dated article (published {day or 'on a day not known'}), the record of its day: when the name was "
               "retired is not known (give the rule a retired_on day to list the articles published after it), "
               "so it is information, not a list item.")
    elif day is None:
        why = (f"A dated article whose day of publication is not known, so whether it came before the name was retired "
               f"({since}, {source}) cannot be told: information, not a list item.")
    else:
        why = (f"A dated article published on {day}, before the name was retired ({since}, {source}): the record of "
               "its day, not to be rewritten.")
    return as_information(f, why, role="article", role_reason=p.role_reason, published_at=day,
                          retired_on=since, historical_record=True)


def _published(conn: sqlite3.Connection, url_ids: list[int]) -> dict[int, str]:
    """Each page's day of publication (else of its last update) as this analysis judged it (staged page dates)."""
    out: dict[int, str] = {}
    for i in range(0, len(url_ids), 500):
        chunk = url_ids[i:i + 500]
        for uid, pub, upd in conn.execute(
                f"SELECT url_id, published_at, updated_at FROM temp.staged_page_dates "
                f"WHERE url_id IN ({', '.join('?' * len(chunk))})", chunk):
            if pub or upd:
                out[uid] = str(pub or upd)[:10]
    return out


def _quoted_from_articles(conn: sqlite3.Connection, f: Finding, p: Page, by_id: dict[int, Page]) -> Finding | None:
    """A listing's finding as information when every mention on it is quoted from an article it links to (or is
    named on purpose), else None."""
    ev: dict[str, Any] = f.evidence
    matches = ev.get("matches") or []
    if not matches or ev.get("not_quoted") or len(matches) < (ev.get("hits") or 0):
        return None   # some mentions are not quoted in the evidence: they cannot all be checked
    todo = [m for m in matches if not m.get("deliberate")]
    if not todo:
        return None
    targets = [t for (t,) in conn.execute("SELECT DISTINCT target_id FROM links WHERE source_id = ? AND kind = 'a'",
                                          [p.url_id]) if t in by_id and by_id[t].role == "article"][:LINKED_ARTICLES]
    if not targets:
        return None
    texts = [(by_id[uid].url, folded((by_id[uid].title or "") + " \n " + (main or ""))) for uid, main in conn.execute(
        f"SELECT url_id, main_text FROM page_texts WHERE url_id IN ({', '.join('?' * len(targets))})", targets)]
    found = {}
    for m in todo:
        url = _quoted_in(m, texts)
        if url is None:
            return None
        found[id(m)] = url
    return as_information(f, "A listing: each mention is quoted from an article it lists (its title or opening words), "
                             "so it is decided on that article and changes with it; information, not a list item.",
                          role="listing", named_on_purpose=len(matches),
                          matches=[({**m, "deliberate": QUOTED_ARTICLE, "quoted_from": found[id(m)]} if id(m) in found
                                    else m) for m in matches])


QUOTED_ARTICLE = "quoted from an article it lists (quoted_from): decided on that article"
_SPACE = re.compile(r"\s+")


def _quoted_in(m: dict, texts: list[tuple[str, str]]) -> str | None:
    """The article whose text has this mention with the words next to it (on one side at least), or None."""
    parts = around(m.get("context") or "", m.get("text") or "")
    if parts is None:
        return None
    before, hit, after = (_SPACE.sub(" ", t) for t in parts)   # as written: "batch («DataSet API») and"
    head = before.rsplit(" ", _WORDS)[1:] if before.count(" ") >= _WORDS else [before]
    tail = after.split(" ", _WORDS)[:_WORDS] if after.count(" ") >= _WORDS else [after]
    head_text, tail_text = " ".join(head), " ".join(tail)
    candidates = [p for p in (head_text + hit + tail_text, head_text + hit, hit + tail_text)
                  if len(p.split()) > len(hit.split())]
    for phrase in map(folded, candidates):
        for url, text in texts:
            if phrase in text:
                return url
    return None

