"""CSV exports are safe to open in a spreadsheet: text that would be read as a formula is neutralised."""
from __future__ import annotations

import csv
import io

from decay.export import CLEANUP_COLUMNS, csv_cell, format_cleanup, format_redirects

EVIL = '=HYPERLINK("https://evil.example/x","x")'


def _row(**kw) -> dict:
    row = {c: None for c in CLEANUP_COLUMNS}
    row.update(rank=1, id="0001", action="review", subject_url="https://example.org/a", score=-3.5, **kw)
    return row


def test_cleanup_csv_neutralises_formula_cells_and_keeps_numbers():
    rows = [_row(title=EVIL, why="+1 to this", todo="-rm it", owner="@team", triage_note="\tx", section="\rcr",
                 category="dates", links_that_break=-2)]
    out = format_cleanup(rows, "csv")
    (back,) = list(csv.DictReader(io.StringIO(out)))
    assert back["title"] == "'" + EVIL
    assert back["why"] == "'+1 to this" and back["todo"] == "'-rm it" and back["owner"] == "'@team"
    assert back["triage_note"] == "'\tx" and back["section"] == "'\rcr"
    # numbers stay numbers, plain text is untouched
    assert back["score"] == "-3.5" and back["links_that_break"] == "-2" and back["rank"] == "1"
    assert back["category"] == "dates" and back["subject_url"] == "https://example.org/a"
    assert "\n=HYPERLINK" not in out and ",=HYPERLINK" not in out
    # JSON is data, not a spreadsheet: left as written
    assert '"title": "=HYPERLINK' in format_cleanup(rows, "json")


def test_redirects_csv_neutralises_formula_cells():
    rows = [{"source": "https://example.org/old", "target": "https://example.org/new", "state": "accepted",
             "who": "=cmd|' /C calc'!A0", "updated_at": "2024-01-01T00:00:00", "note": "@SUM(1+1)", "site": "main"}]
    out = format_redirects(rows, "csv")
    back = list(csv.reader(io.StringIO(out)))[1]
    assert back[:3] == ["https://example.org/old", "https://example.org/new", "accepted"]
    assert back[3] == "'=cmd|' /C calc'!A0" and back[5] == "'@SUM(1+1)"


def test_csv_cell():
    assert csv_cell("=1+1") == "'=1+1" and csv_cell("-x") == "'-x" and csv_cell("a=b") == "a=b"
    assert csv_cell(-1) == -1 and csv_cell(-1.5) == -1.5 and csv_cell(None) is None and csv_cell("") == ""
