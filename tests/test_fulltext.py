"""The full-text index built beside the analysis (analysis/fulltext.py): the same index as building it in
place, replaced in the write transaction or not at all, left alone when the pages have not changed."""
from __future__ import annotations

import sqlite3

import pytest

from analysis.fulltext import FullTextBuild
from foundation.schema import open_db

QUERIES = ("library", "student OR campus", "title:news", "rés*", "deadline")
WORDS = "library student campus news research deadline résumé policy".split()


def _pages(path, n: int = 300, start: int = 1) -> None:
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("INSERT OR IGNORE INTO crawls (id, started_at, status) VALUES (1, '2026-12-01T00:00:00+00:00', 'complete')")
        for i in range(start, start + n):
            words = " ".join(WORDS[(i * k) % len(WORDS)] for k in range(1, 6))
            conn.execute("INSERT OR REPLACE INTO pages (url_id, url, site, kind, outcome, status, is_html, title) "
                         "VALUES (?, ?, 's', 'page', ?, 200, 1, ?)",
                         [i, f"https://e.example/{i}", "ok" if i % 7 else "http_error", f"Page {i} {WORDS[i % len(WORDS)]}"])
            conn.execute("INSERT OR REPLACE INTO page_texts (url_id, main_text) VALUES (?, ?)", [i, f"Text {i}: {words}."])
    conn.close()


def _search(path) -> list:
    conn = sqlite3.connect(path)
    try:
        return [conn.execute("SELECT rowid FROM pages_fts WHERE pages_fts MATCH ? ORDER BY rowid", [q]).fetchall() for q in QUERIES]
    finally:
        conn.close()


def _reference(path, tmp_path) -> list:
    """The index built the plain way, in place, in a copy of the database."""
    ref = tmp_path / "ref.db"
    src = sqlite3.connect(path)
    src.execute("VACUUM INTO ?", [str(ref)])
    src.close()
    conn = sqlite3.connect(ref)
    with conn:
        conn.execute("INSERT INTO pages_fts (pages_fts) VALUES ('delete-all')")
        conn.execute("INSERT INTO pages_fts (rowid, title, main_text) SELECT p.url_id, p.title, t.main_text FROM pages p "
                     "JOIN page_texts t ON t.url_id = p.url_id WHERE p.outcome = 'ok' AND p.is_html = 1")
    conn.close()
    return _search(ref)


def _analyse_fulltext(path) -> bool:
    build = FullTextBuild(path).start()
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        build.attach(conn)
        conn.execute("BEGIN IMMEDIATE")
        installed = build.install(conn)
        conn.execute("COMMIT")
        build.detach(conn)
    finally:
        build.close()
        conn.close()
    assert not build.scratch.exists()
    return installed


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "decay.db"
    open_db(path).conn.close()
    _pages(path)
    return path


def test_the_index_built_beside_is_the_index_built_in_place(db, tmp_path):
    assert _analyse_fulltext(db) is True
    got = _search(db)
    assert got == _reference(db, tmp_path)
    assert all(got) and len(got[0]) < 300   # every query finds pages, not every page (the http_error ones are out)
    conn = sqlite3.connect(db)
    conn.execute("INSERT INTO pages_fts (pages_fts) VALUES ('integrity-check')")   # raises if the index is corrupt
    conn.close()


def test_unchanged_pages_leave_the_index_alone_and_a_new_crawl_rebuilds_it(db, tmp_path):
    assert _analyse_fulltext(db) is True
    assert _analyse_fulltext(db) is False           # the same crawl: nothing to rebuild
    _pages(db, n=20, start=1000)                     # more pages, as a crawl would add them
    conn = sqlite3.connect(db)
    with conn:
        conn.execute("INSERT INTO crawls (id, started_at, status) VALUES (2, '2026-12-02T00:00:00+00:00', 'complete')")
    conn.close()
    assert _analyse_fulltext(db) is True
    assert _search(db) == _reference(db, tmp_path)


def test_a_rolled_back_write_keeps_the_previous_index(db, tmp_path):
    assert _analyse_fulltext(db) is True
    before = _search(db)
    _pages(db, n=50, start=2000)
    build = FullTextBuild(db).start()
    conn = sqlite3.connect(db, isolation_level=None)
    build.attach(conn)
    conn.execute("BEGIN IMMEDIATE")
    build.install(conn)
    conn.execute("ROLLBACK")                         # the analysis failed after the index was copied
    build.detach(conn)
    build.close()
    conn.close()
    assert _search(db) == before


def test_a_failed_build_fails_the_analysis_and_leaves_no_scratch_file(tmp_path):
    path = tmp_path / "decay.db"
    open_db(path).conn.close()
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("DROP TABLE page_texts")        # the build cannot read the texts
    conn.close()
    build = FullTextBuild(path).start()
    with pytest.raises(sqlite3.OperationalError):
        build.wait()
    build.close()
    assert not build.scratch.exists()


def test_the_analysis_builds_the_index_once_its_link_graphs_are_done(flink_crawled, tmp_path, monkeypatch):
    """Not beside the dates (their processes take every core) nor beside the link graph (a large site's memory peak):
    started after the last site's graph, on the core the cleanup list leaves free, and installed by the write."""
    import analysis.fulltext as fulltext
    import analysis.runner as runner
    from foundation.config import load_config
    from tests.test_page_judgments import NOW

    order = []

    def recorded(owner, name: str) -> None:
        real = getattr(owner, name)
        monkeypatch.setattr(owner, name, lambda *a, **kw: order.append(name) or real(*a, **kw))

    recorded(runner.links, "analyse_links")
    recorded(runner, "judge_pages")
    recorded(runner, "_cleanup_rows")
    recorded(fulltext.FullTextBuild, "start")
    recorded(fulltext.FullTextBuild, "install")
    db = tmp_path / "decay.db"
    src = sqlite3.connect(flink_crawled["db"])
    src.execute("VACUUM INTO ?", [str(db)])
    src.close()
    runner.analyse(load_config(flink_crawled["tmp"] / "flink.toml"), db, now=NOW)
    assert order == ["judge_pages", "analyse_links", "start", "_cleanup_rows", "install"]
    assert _search(db) == _reference(db, tmp_path)   # and the index is the one built in place
    assert not (tmp_path / "decay.db.fts-build").exists()
