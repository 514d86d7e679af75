"""Old dated articles: one archive decision per section, not one list item per article.

A dated news or blog post, release notes or minutes (role ``article``, analysis/roles.py) is a
historical record: that it is old is not a defect to fix page by page, and its words about its own time
("the latest release", "the next meeting will take place on ...") are history.  Its findings of the date
analysis (stale page, stale claims, a past year in its title, an expired event or offer) are kept as
information (severity info, so they stay out of the cleanup list) and the old articles of each section
become ONE finding, ``outdated.old_articles``, about the section: how many, the oldest and the newest,
and the decision to take once (label them as historical, archive them, or keep them).

A publication of one period (an annual review under ``/annual-review/2019-20/``, analysis/roles.py) names its
period in its address and title: it is labelled as history already, so it joins no section's archive item.

Unless the site still presents one as current: an old article linked from a home page or from the
site's navigation (header, nav) keeps its own findings and its own list item.
"""
from __future__ import annotations

import re
import sqlite3
import threading
from dataclasses import replace
from typing import Callable
from urllib.parse import quote

from analysis.findings import Finding, as_information
from analysis.pages import Page
from analysis.roles import PERIOD_RECORD
from analysis.rules.builtin import mirrored
from foundation.bodies import ERRORS as BODY_ERRORS, decompress as decompress_body
from foundation.reading.page import decode
from foundation.catalog import CATEGORY
from foundation.urls import path_of, site_origin

RULE = "outdated.old_articles"
# the rules of the date analysis that judge a page's content by its time
TIME_RULES = frozenset(("outdated.stale_page", "outdated.stale_claim", "outdated.old_year_in_title",
                        "outdated.expired_event", "outdated.expired_offer"))
SITE_WIDE = 0.3   # a nav link on this share of the pages is the site's menu
LISTED = 200   # articles named in a section finding's evidence (the count covers them all)
_DATE_PART = re.compile(r"/(?:19|20)\d\d(?:[/-]|\Z)")


def section_of(url: str, sections: list[tuple[str, Callable[[str], str | None]]]) -> tuple[str, str]:
    """(key, words) of an article's section: a configured [[outdated.sections]] name, else the path before
    its date ("/news/" for /news/2019/05/x), else its first path segment ("/blog/")."""
    for name, match in sections:
        if match(url):
            return f"section:{name}", f'the section "{name}"'
    path = path_of(url).split("?", 1)[0]
    m = _DATE_PART.search(path)
    if m:
        prefix = path[:m.start() + 1]
        return prefix, ("the dated posts at the top of the site (/YYYY/...)" if prefix == "/" else f"the dated posts under {prefix}")
    parts = [p for p in path.split("/") if p]
    prefix = "/" + parts[0] + "/" if len(parts) > 1 else "/"
    return prefix, f"the articles under {prefix}"


def presented_as_current(conn: sqlite3.Connection, site: str, crawl_id: int, pages: list[Page]) -> dict[int, str]:
    """Articles the site still shows as current: url_id -> where.  Linked from a home page (its latest-news
    teasers count), or from the site-wide navigation: a nav or header link found on at least
    ``SITE_WIDE`` of the pages (a blog's own sidebar on its listings is not the site's menu)."""
    articles = {p.url_id for p in pages if p.role == "article"}
    homes = {p.url_id: p.url for p in pages if p.role == "home"}
    out: dict[int, str] = {}
    if not articles:
        return out
    # counted by SQLite (a large site's links are not read into Python): the home pages' links to articles,
    # in the order of the pages and their links; then, per article, the other pages that link to it from
    # their navigation or header (a home page's links already made it current)
    with conn:
        for name, ids in (("current_articles", articles), ("current_homes", homes)):
            conn.execute(f"CREATE TEMP TABLE IF NOT EXISTS {name} (id INTEGER PRIMARY KEY)")
            conn.execute(f"DELETE FROM temp.{name}")
            conn.executemany(f"INSERT INTO temp.{name} (id) VALUES (?)", ((i,) for i in ids))
    try:
        for source, target in conn.execute(
                "SELECT l.source_id, l.target_id FROM temp.current_homes h JOIN pages p ON p.url_id = h.id "
                "JOIN links l ON l.source_id = h.id JOIN temp.current_articles a ON a.id = l.target_id "
                "WHERE p.site = ? AND p.crawl_id = ? AND l.kind IN ('a', 'area') AND l.internal = 1 "
                "AND l.position IN ('nav', 'header', 'main', 'body') AND l.target_id != l.source_id "
                "ORDER BY l.source_id, l.ordinal", [site, crawl_id]):
            if target not in out:
                out[target] = f"the home page {homes[source]}"
        content = sum(1 for p in pages if p.role not in ("stub", "error"))
        least = max(3, int(SITE_WIDE * content))
        for target, sources in conn.execute(
                "SELECT l.target_id, count(DISTINCT l.source_id) FROM pages p CROSS JOIN links l ON l.source_id = p.url_id "
                "JOIN temp.current_articles a ON a.id = l.target_id "
                "WHERE p.site = ? AND p.crawl_id = ? AND l.kind IN ('a', 'area') AND l.internal = 1 "
                "AND l.position IN ('nav', 'header') AND l.target_id != l.source_id "
                "AND l.source_id NOT IN (SELECT id FROM temp.current_homes) GROUP BY l.target_id", [site, crawl_id]):
            if target not in out and sources >= least:
                out[target] = f"the site's navigation (on {sources} pages)"
    finally:
        with conn:
            conn.execute("DELETE FROM temp.current_articles")
            conn.execute("DELETE FROM temp.current_homes")
    return out


class PresentedBeside:
    """``presented_as_current`` on a read-only connection of its own, in a thread started as soon as the pages have
    their roles: its two queries (SQLite, which lets the date judgments' Python run meanwhile) read every link of
    the site, a quarter of a minute on a million pages, and need only the roles and the facts.  ``result()`` waits
    for the answer (or raises what went wrong)."""

    def __init__(self, db_path, site: str, crawl_id: int, pages: list[Page]) -> None:
        self._answer: dict[int, str] | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(str(db_path), site, crawl_id, pages),
                                        name="presented-as-current", daemon=True)
        self._thread.start()

    def _run(self, db_path: str, site: str, crawl_id: int, pages: list[Page]) -> None:
        try:
            conn = sqlite3.connect(f"file:{quote(db_path)}?mode=ro", uri=True)
            try:
                self._answer = presented_as_current(conn, site, crawl_id, pages)
            finally:
                conn.close()
        except BaseException as e:   # told to the analysis by result()
            self._error = e

    def result(self) -> dict[int, str]:
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._answer or {}


def group_articles(findings: list[Finding], pages: list[Page], current: dict[int, str],
                   sections: list[tuple[str, Callable[[str], str | None]]], threshold_words: Callable[[str], str]) -> list[Finding]:
    """The findings again: time findings on articles as information, plus one finding per section of old articles."""
    by_id = {p.url_id: p for p in pages}
    out: list[Finding] = []
    groups: dict[str, dict] = {}
    for f in findings:
        p = by_id.get(f.subject_id) if f.subject_type == "page" else None
        if p is None or p.role != "article" or f.rule not in TIME_RULES:
            out.append(f)
            continue
        where = current.get(p.url_id)
        if where:
            ev = {**(f.evidence if isinstance(f.evidence, dict) else {"evidence": f.evidence}),
                  "role": "article", "role_reason": p.role_reason, "presented_as_current": where}
            out.append(replace(f, evidence=ev, severity=ev.pop("severity_if_current", f.severity),  # outdated.py made it info
                               message=f.message.rstrip(".") + f". A dated article, but the site still "
                                                                              f"presents it as current: it is linked from {where}.").pack())
            continue
        if p.role_reason.startswith(PERIOD_RECORD):   # it names its period: already labelled as history, no archive item
            out.append(as_information(f, "A publication of one past period (its address and title name the period), "
                                         "judged as a historical record.", role="article", role_reason=p.role_reason,
                                      historical_record=True).pack())
            continue
        f = as_information(f, "A dated article, judged as a historical record (see the archive item of its section).",
                           role="article", role_reason=p.role_reason, historical_record=True)
        if f.rule == "outdated.stale_page":
            key, words = section_of(p.url, sections)
            g = groups.setdefault(key, {"words": words, "site": f.site, "articles": [], "confidence": []})
            g["articles"].append((f.evidence.get("updated_at") or "", p.url, p.title))
            g["confidence"].append(f.confidence)
        out.append(f.pack())   # its evidence is not read again before the write (Finding.pack)
    for key, g in sorted(groups.items()):
        arts = sorted(g["articles"])
        n = len(arts)
        oldest, newest = arts[0], arts[-1]
        origin = site_origin(oldest[1])
        subject = origin + (key if key.startswith("/") else "/#" + key.split(":", 1)[-1] + "-articles")
        msg = (f"{n} dated article{'s' if n != 1 else ''} in {g['words']} {'were' if n != 1 else 'was'} last updated "
               f"longer ago than {threshold_words(oldest[1])} (oldest {str(oldest[0])[:10]}, newest {str(newest[0])[:10]}): "
               "a historical archive, not pages to fix one by one")
        out.append(Finding(
            rule=RULE, category=CATEGORY[RULE], severity="low", confidence=round(sorted(g["confidence"])[len(g["confidence"]) // 2], 2),
            site=g["site"], subject_url=subject, subject_type="section", title=f"Old articles: {g['words']}",
            message=msg + ".",
            evidence={"section": key, "articles": n, "oldest": {"url": oldest[1], "updated_at": oldest[0], "title": oldest[2]},
                      "newest": {"url": newest[1], "updated_at": newest[0], "title": newest[2]},
                      "listed": [{"url": u, "updated_at": d, "title": t} for d, u, t in arts[:LISTED]]},
            material={"section": key, "articles": sorted(u for _, u, _ in arts)},
        ))
    return out




DEPTH_RULES = frozenset(("links.deep_page",))
STUB_RULES = frozenset(("links.orphan", "links.orphan_island", "links.deep_page", "links.dead_end"))


def quiet_by_role(findings: list[Finding], pages: list[Page]) -> list[Finding]:
    """Link findings that a page's role explains, as information: a deep article or listing (an archive's
    pagination puts older posts many clicks away by design); an unlinked or dead-end meta-refresh stub
    (an old address kept as a redirect: nothing needs to link to it)."""
    role = {p.url_id: p.role for p in pages}
    out = []
    for f in findings:
        r = role.get(f.subject_id) if f.subject_type == "page" else None
        why = _quiet_because(r, f.rule)
        if why and f.severity != "info":
            f = as_information(f, why, role=r)
        out.append(f)
    return out


def _quiet_because(role: str | None, rule: str) -> str:
    if role in ("article", "listing") and rule in DEPTH_RULES:
        return ("A dated article or a listing: an archive's pages put older posts many clicks away by design, "
                "so this is information, not a list item.")
    if role == "stub" and rule in STUB_RULES:
        return ("A meta-refresh stub: an old address kept alive as a redirect, so nothing needs to link to it; "
                "this is information, not a list item.")
    if role == "error" and rule in STUB_RULES:
        return ("A not-found page (it answers 2xx but says the page was not found): the server shows it for addresses it "
                "does not have, so nothing needs to link to it; this is information, not a list item.")
    return ""


def quiet_ids(pages: list[Page], rule: str) -> frozenset[int]:
    """The pages whose finding of ``rule`` quiet_by_role makes information (so no section item counts it)."""
    return frozenset(p.url_id for p in pages if _quiet_because(p.role, rule))


LINK_RULE = "links.broken_in_archive"
BROKEN_RULES = frozenset(("links.broken_internal", "links.broken_external"))


def old_articles(findings: list[Finding], pages: list[Page], current: dict[int, str]) -> set[str]:
    """The articles judged a historical record: stale dated articles the site does not present as current."""
    ids = {p.url_id for p in pages if p.role == "article" and p.url_id not in current}
    return {f.subject_url for f in findings if f.rule == "outdated.stale_page" and f.subject_id in ids}


def group_archive_links(findings: list[Finding], articles: set[str],
                        sections: list[tuple[str, Callable[[str], str | None]]]) -> list[Finding]:
    """Broken links that only old dated articles (``articles``) carry: one item per section listing every
    target, instead of one item per target.  Each target's own finding is kept (as information) with its
    exact evidence; a target that any other page links to (a live page, a recent post, a listing, the
    menu) keeps its own item."""
    out: list[Finding] = []
    groups: dict[str, dict] = {}
    for f in findings:
        ev = f.evidence if isinstance(f.evidence, dict) else {}
        linked = ev.get("linked_from") or []
        sources = {r.get("page") for r in linked}
        if (f.rule not in BROKEN_RULES or f.severity == "info" or not sources or f.subject_type != "page"
                or len(linked) < (ev.get("links") or 0) or not sources <= articles):
            out.append(f)
            continue
        first = min(sources)
        key, words = section_of(first, sections)
        g = groups.setdefault(key, {"words": words, "site": f.site, "targets": [], "pages": set(), "conf": [], "first": first})
        g["targets"].append({"url": f.subject_url, "answer": ev.get("answer") or ev.get("error") or ev.get("status"),
                             "rule": f.rule, "linked_from": linked})
        g["pages"] |= sources
        g["conf"].append(f.confidence)
        out.append(as_information(f, f"Only old dated articles link to it: listed in one item for {words}.",
                                  grouped=f"only old dated articles link to it: one item for {words} lists it"))
    for key, g in sorted(groups.items()):
        n, m = len(g["targets"]), len(g["pages"])
        origin = site_origin(g["first"])
        subject = origin + (key if key.startswith("/") else "/") + "#broken-links" + ("" if key.startswith("/") else "-" + key.split(":", 1)[-1])
        out.append(Finding(
            rule=LINK_RULE, category=CATEGORY[LINK_RULE], severity="low", confidence=round(max(g["conf"]), 2), site=g["site"],
            subject_url=subject, subject_type="section", title=f"Broken links in old articles: {g['words']}",
            message=(f"{n} broken link target{'s' if n != 1 else ''} on {m} old dated article{'s' if m != 1 else ''} of "
                     f"{g['words']} (each target, its answer and the articles that link to it are listed)."),
            evidence={"section": key, "targets": g["targets"], "articles": m, "broken_targets": n,
                      "fix": (f"correct or remove the {n} broken link target(s) in the {m} article(s) listed, or, if the "
                              "articles are an archive, leave them and dismiss this item")},
            material={"section": key, "targets": sorted(t["url"] for t in g["targets"])},
        ))
    return out


def archived_copies(conn: sqlite3.Connection, url_ids: list[int]) -> set[int]:
    """The pages among these that are a static copy a mirroring tool saved ("<!-- Mirrored from ... by HTTrack
    Website Copier", analysis/rules/builtin.py ``mirrored``): an archive of an old site, which says what it said then
    (its copyright year among it).  Reads the stored HTML of these pages only."""
    out: set[int] = set()
    for i in range(0, len(url_ids), 500):
        chunk = url_ids[i:i + 500]
        for uid, blob, ctype in conn.execute(
                f"SELECT p.url_id, b.html, p.content_type FROM pages p JOIN bodies b ON b.hash = p.body_hash "
                f"WHERE p.url_id IN ({', '.join('?' * len(chunk))})", chunk):
            try:
                html = decode(decompress_body(blob), ctype)[1]
            except BODY_ERRORS:
                continue
            if mirrored(html):
                out.add(uid)
    return out
