"""The analysis' bulk rows staged in SQLite (analysis/staging.py) and the compact forms that replaced dicts and
sets of a million entries: what comes out must be exactly what the in-memory forms gave.

- the cleanup list ranked by SQL over staged rows (cleanup.RANK_SQL) is build()'s list, rank for rank and column
  for column, ties included (equal scores and actions keep the order the rows were made in);
- Importance (sorted arrays) answers like the dict of tuples it replaced;
- Depths (one int32 array) reads like the dict click_depths returned;
- findings staged and then written in SQL open, resolve and reopen as the row-by-row upsert did, history included.
"""
from __future__ import annotations

import sqlite3
from dataclasses import replace

import numpy as np
import pytest

from analysis import staging
from analysis.cleanup import RANK_ORDER, RANK_SQL, SiteFacts, build, Importance, staged_row, unranked
from analysis.graph import Depths
from foundation.schema import open_db, sorter_threads
from tests.test_cleanup_rules import cfg, f

NOW = "2026-11-24T00:00:00+00:00"


def _findings():
    fs = []
    for i in range(40):   # many equal scores: the same rule, severity and confidence on pages of equal importance
        fs.append(f("outdated.stale_page", f"/same/{i % 7}-{i}/", uid=100 + i, severity="medium" if i % 3 else "high"))
    fs += [f("links.orphan", "/orphan/", uid=1, severity="medium"), f("outdated.old_copyright", "/orphan/", uid=1, severity="low"),
           f("outdated.stale_page", "/a/", uid=2, severity="low", confidence=0.5),
           f("links.dead_end", "/info/", uid=3, severity="info")]
    return fs


def _many_findings():
    return [f("outdated.stale_page", f"/many/{i % 13}-{i}/", uid=100 + i, severity=("low", "medium", "high")[i % 3])
            for i in range(3_000)]


@pytest.mark.parametrize("findings, cache_pages", [(_findings, None), (_many_findings, 10)],
                         ids=["ties", "sorted-in-runs-with-a-helper-thread"])
def test_cleanup_ranked_in_sql_is_the_list_build_makes(tmp_path, findings, cache_pages):
    """The second case makes SQLite sort the list in runs on disk, with its helper threads allowed (open_db's
    PRAGMA threads), as a million-page list is: the same list, ties in the order made."""
    c = cfg()
    n_pages = len(findings())
    facts = {"main": SiteFacts("main", importance={100 + i: (i % 3, i % 2, 10.0 * (i % 4)) for i in range(n_pages)})}
    args = dict(suppressed=set(), latest_analysis_findings=set(), first_seen={}, now_iso=NOW, analysis_id=7, crawl_started_at=None)
    expected = build(findings(), facts, c, **args)
    assert len({(r.score, r.action) for r in expected}) < len(expected)   # the test needs ties

    db = open_db(tmp_path / "decay.db")
    conn = db.conn
    built_with = [o for (o,) in conn.execute("PRAGMA compile_options") if "MAX_WORKER_THREADS" in o]
    if not built_with or not built_with[0].endswith("=0"):   # (a build without helper threads reads back 0)
        assert conn.execute("PRAGMA threads").fetchone()[0] == sorter_threads()
    if cache_pages:
        conn.execute(f"PRAGMA cache_size = {cache_pages}")   # the sorter's memory follows the page cache: runs on disk
    staging.stage_tables(conn, ["cleanup"])
    n = staging.stage_all(conn, "cleanup", map(staged_row, unranked(findings(), facts, c, **args)))
    assert n == len(expected)
    staging.reorder(conn, "cleanup", RANK_ORDER, computed={"rank": RANK_SQL})
    conn.execute("BEGIN")
    staging.copy(conn, "cleanup", 7)
    conn.execute("COMMIT")
    cols = [r[1] for r in conn.execute("PRAGMA table_info(cleanup)")]
    got = [tuple(row) for row in conn.execute(f"SELECT {', '.join(cols)} FROM cleanup ORDER BY rowid")]
    assert got == [tuple(r) for r in expected]


def test_staged_tables_are_the_connections_own(tmp_path):
    db = open_db(tmp_path / "decay.db")
    staging.stage_tables(db.conn, ["page_roles"])
    staging.stage_all(db.conn, "page_roles", ((i, f"https://x.example/{i}", "main", "article", "dated") for i in range(45_000)))
    assert db.conn.execute("SELECT count(*) FROM temp.staged_page_roles").fetchone()[0] == 45_000
    other = sqlite3.connect(tmp_path / "decay.db")
    assert other.execute("SELECT count(*) FROM sqlite_master WHERE name LIKE 'staged_%'").fetchone()[0] == 0
    db.conn.close()


def test_importance_answers_like_the_dict_it_replaced():
    rows = [(uid, f"u{uid}", "main", uid % 5, 0, uid % 3, None, None if uid % 4 == 0 else uid / 7, 1, 0)
            for uid in (9_000_000_000_000_000_001, 5, -3, 42, 7)]
    imp = Importance(iter(rows), len(rows))
    as_dict = {r[0]: (r[3], r[5], r[7]) for r in rows}
    for uid in [*as_dict, 6, 10**18, -4]:
        assert imp.get(uid, (0, 0, None)) == as_dict.get(uid, (0, 0, None))
        got = imp.get(uid)
        assert got is None or all(type(a) is type(b) for a, b in zip(got, as_dict[uid]))
    asked = [*as_dict, 6, 10**18, -4, 5, 9_000_000_000_000_000_002]   # (the largest id + 1: past the end)
    many = imp.many(asked)
    assert many == {uid: as_dict[uid] for uid in asked if uid in as_dict}
    assert all(type(a) is type(b) for uid in many for a, b in zip(many[uid], as_dict[uid]))
    assert imp.many([]) == {} and Importance(iter([]), 0).many([5]) == {}


def test_the_list_reads_importance_held_as_arrays_as_it_read_the_dict():
    """unranked() looks the items' importance up at once (Importance.many): the same rows as with a dict, for pages
    that are nodes, pages that are not, a finding without a page id and one of a site without link facts."""
    fs = _findings() + [f("outdated.stale_page", "/no-id/", uid=None), f("outdated.stale_page", "/not-a-node/", uid=999)]
    fs[-2].subject_id = None
    fs.append(replace(f("outdated.stale_page", "/other/", uid=5), site="elsewhere"))
    as_dict = {100 + i: (i % 3, i % 2, None if i % 4 == 0 else 10.0 * (i % 4)) for i in range(40)}
    rows = [(uid, f"u{uid}", "main", v[0], 0, v[1], None, v[2], 1, 0) for uid, v in as_dict.items()]
    args = dict(suppressed=set(), latest_analysis_findings=set(), first_seen={}, now_iso=NOW, analysis_id=7, crawl_started_at=None)
    with_dict = list(unranked(fs, {"main": SiteFacts("main", importance=as_dict)}, cfg(), **args))
    with_arrays = list(unranked(fs, {"main": SiteFacts("main", importance=Importance(iter(rows), len(rows)))}, cfg(), **args))
    assert with_arrays == with_dict
    inlinks = {r.subject_url.rsplit("/", 2)[-2]: r.inlinks for r in with_dict}
    assert {k: inlinks[k] for k in ("no-id", "not-a-node", "other")} == {"no-id": 0, "not-a-node": 0, "other": 0}
    assert {r.link_score for r in with_arrays} >= {None, 10.0, 20.0, 30.0}   # a page without a score, and with


def test_depths_read_like_a_dict():
    d = Depths(np.array([0, 2, -1, 1, -1], dtype=np.int32))
    assert d == {0: 0, 1: 2, 3: 1} and dict(d.items()) == {0: 0, 1: 2, 3: 1}
    assert 3 in d and np.int64(3) in d and 2 not in d and 9 not in d and -1 not in d and "x" not in d
    assert d.get(2) is None and d.get(2, 5) == 5 and d[1] == 2 and len(d) == 3 and list(d) == [0, 1, 3]


def test_a_packed_finding_writes_the_same_evidence_and_unpacks_when_read():
    import pickle

    from analysis.findings import _EVIDENCE, Finding, Packed

    ev = {"updated_at": "2019-07-05", "age_days": 2698, "disagreements": [], "also": ["now available"], "nested": {"a": 1}}
    plain = Finding("outdated.stale_page", "outdated", "info", 0.8, "main", "https://x.example/a", "Stale.", dict(ev))
    packed = Finding("outdated.stale_page", "outdated", "info", 0.8, "main", "https://x.example/a", "Stale.", dict(ev)).pack()
    assert isinstance(_EVIDENCE.__get__(packed), Packed)   # the evidence slot holds the packed tuple until read
    assert (packed.evidence_json, packed.evidence_hash, packed.id) == (plain.evidence_json, plain.evidence_hash, plain.id)
    again = pickle.loads(pickle.dumps(packed, protocol=pickle.HIGHEST_PROTOCOL))   # a worker's answer
    assert isinstance(_EVIDENCE.__get__(again), Packed)   # crossed the pipe packed
    assert (again.evidence_json, again.evidence_hash) == (plain.evidence_json, plain.evidence_hash)
    assert again.evidence == ev and packed.evidence == ev and packed == plain   # read: a dict again, equal


def test_packed_findings_share_their_texts_and_their_material_hashes_the_same():
    """Finding.pack on the page-by-page date findings (a million at a million pages): a ``material`` dict is packed
    too and hashes as the dict did; equal texts of different findings (a message, an explanation, a day) are one
    object, also after a worker's pickle copied them and they were packed again; and nothing written changes."""
    import pickle

    from analysis.findings import _EVIDENCE, Finding, Packed

    def stale(path, day, packed=True):
        # texts made anew for each finding, as the judgments make them (equal, not the same object)
        f = Finding("outdated.stale_page", "outdated", "low", 0.8, "main", f"https://x.example/{path}",
                    "".join(["Not updated since ", day, "."]), {"updated_at": "".join([day]), "age_days": 2000,
                    "explanation": " ".join(["Published", day, "according to JSON-LD."]), "disagreements": []},
                    material={"section": "default", "updated_at": "".join([day])})
        return f.pack() if packed else f

    plain = stale("a", "2019-07-05", packed=False)
    a, b, c = stale("a", "2019-07-05"), stale("b", "2019-07-05"), stale("c", "2020-01-01")
    assert isinstance(a.material, Packed) and isinstance(_EVIDENCE.__get__(a), Packed)
    assert (a.evidence_json, a.evidence_hash, a.id) == (plain.evidence_json, plain.evidence_hash, plain.id)
    assert a.message is b.message and a.message is not c.message
    ev_a, ev_b = _EVIDENCE.__get__(a), _EVIDENCE.__get__(b)
    assert ev_a[0] is ev_b[0] and all(x is y for x, y in zip(ev_a[1:], ev_b[1:]) if isinstance(x, str))
    assert a.material[2] is ev_a[1]   # the material's day and the evidence's: one object
    # across a pipe: the copy's texts are its own until packed again, then the same objects, the same output
    copy = pickle.loads(pickle.dumps(b, protocol=pickle.HIGHEST_PROTOCOL))
    assert copy.message is not a.message and copy.message == a.message
    copy.pack()
    assert copy.message is a.message and _EVIDENCE.__get__(copy)[3] is ev_a[3]   # the explanation
    assert (copy.evidence_json, copy.evidence_hash) == (b.evidence_json, b.evidence_hash)
    assert copy.evidence == plain.evidence   # read: a dict again
    # a material that is not a dict (a tuple, a list) is left as it is
    t = Finding("links.broken_internal", "links", "low", 0.8, "main", "https://x.example/", "Broken.", {"n": 1},
                material=("footer", [1, 2])).pack()
    assert t.material == ("footer", [1, 2]) and type(t.material) is tuple


def _write(conn, found, analysis_id, now, rules=("outdated.stale_page",), sites=("main",)):
    from analysis.findings import stage_findings, write_findings

    staged = stage_findings(conn, found)
    conn.execute("BEGIN IMMEDIATE")
    counts = write_findings(conn, rules=set(rules), sites=set(sites), analysis_id=analysis_id, now=now)
    conn.execute("COMMIT")
    return staged, counts


def test_findings_staged_then_written_open_reopen_and_resolve_with_their_history(tmp_path):
    from analysis.findings import Finding

    def stale(path, msg="Stale."):
        return Finding("outdated.stale_page", "outdated", "medium", 0.8, "main", f"https://x.example{path}", msg, {"p": path})

    conn = open_db(tmp_path / "decay.db").conn
    # the first of two findings with one id is the one written (as the cleanup list reads them)
    staged, counts = _write(conn, [stale("/a", "First."), stale("/b"), stale("/a", "Second."), stale("/c")], 1, "d1")
    assert staged == 3 and (counts.open, counts.new, counts.resolved, counts.by_rule) == (3, 3, 0, {"outdated.stale_page": 3})
    assert conn.execute("SELECT message FROM findings WHERE subject_url LIKE '%/a'").fetchone()[0] == "First."
    # /c not found again: resolved; /d new
    _, counts = _write(conn, [stale("/a"), stale("/b"), stale("/d")], 2, "d2")
    assert (counts.open, counts.new, counts.resolved) == (3, 1, 1)
    # /c again: reopened (its row kept its first sighting); /a /b /d not found: resolved
    _, counts = _write(conn, [stale("/c")], 3, "d3")
    assert (counts.open, counts.new, counts.resolved) == (1, 1, 3)
    rows = {url.rsplit("/", 1)[1]: rest for url, *rest in conn.execute(
        "SELECT subject_url, status, first_seen, last_seen, resolved_at, first_analysis_id, last_analysis_id FROM findings")}
    assert rows == {"a": ["resolved", "d1", "d2", "d3", 1, 2], "b": ["resolved", "d1", "d2", "d3", 1, 2],
                    "c": ["open", "d1", "d3", None, 1, 3], "d": ["resolved", "d2", "d2", "d3", 2, 2]}
    history = [(a, url.rsplit("/", 1)[1], change) for a, url, change in conn.execute(
        "SELECT analysis_id, subject_url, change FROM finding_changes ORDER BY analysis_id, subject_url")]
    assert history == [(1, "a", "opened"), (1, "b", "opened"), (1, "c", "opened"), (2, "c", "resolved"), (2, "d", "opened"),
                       (3, "a", "resolved"), (3, "b", "resolved"), (3, "c", "reopened"), (3, "d", "resolved")]
    # another site's findings, or rules this analysis does not own, are neither resolved nor counted as known
    _, counts = _write(conn, [stale("/c")], 4, "d4", sites=("other",))
    assert (counts.open, counts.new, counts.resolved) == (1, 1, 0)
    assert conn.execute("SELECT status FROM findings WHERE subject_url LIKE '%/c'").fetchone()[0] == "open"


def test_the_counts_tell_problems_from_information_kept(tmp_path):
    """The summary a person reads counts problems (findings that can be list items), not the information kept beside
    them (an old dated article, a name used on purpose): written, counted apart, new and gone apart."""
    from analysis.findings import Finding
    from decay.words import format_analysis

    def stale(path, severity="medium"):
        return Finding("outdated.stale_page", "outdated", severity, 0.8, "main", f"https://x.example{path}", "Stale.", {"p": path})

    conn = open_db(tmp_path / "decay.db").conn
    _, counts = _write(conn, [stale("/a"), stale("/b", "info"), stale("/c", "info")], 1, "d1")
    assert (counts.open, counts.new, counts.by_rule) == (3, 3, {"outdated.stale_page": 3})   # the table's count
    assert (counts.problems, counts.problems_new, counts.problems_gone, counts.information) == (1, 1, 0, 2)
    assert counts.problems_by_rule == {"outdated.stale_page": 1}
    # /a gone, /d a new problem, /b still information
    _, counts = _write(conn, [stale("/b", "info"), stale("/d", "low")], 2, "d2")
    assert (counts.problems, counts.problems_new, counts.problems_gone, counts.information) == (1, 1, 1, 1)
    summary = {"pages": 4, "now": "2026-12-08T00:00:00+00:00", "seconds": 0.1, "open": 2, "new": 1, "resolved": 2,
               "by_rule": counts.by_rule, "problems": counts.problems, "problems_new": counts.problems_new,
               "problems_gone": counts.problems_gone, "problems_by_rule": counts.problems_by_rule,
               "information": counts.information}
    text = format_analysis(summary)
    assert text.splitlines()[0] == ("Checked 4 pages as of 2026-12-08: 1 problems found (1 new since the last analysis, "
                                    "1 gone); 1 findings kept as information only, not listed; 0.1 s")
    assert text.splitlines()[1].split() == ["1", "pages", "not", "updated", "for", "too", "long"]
