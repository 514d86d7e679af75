"""Issue 19, the newcomer's words: the demo and the printed list speak a web manager's words (ids only with
--verbose), no line of the list is cut mid-word, analyse works with --db alone, -c everywhere, serve-password."""
from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from decay.localserver import status
from tests.conftest import run_decay, write_config

DECAY = str(Path(sys.executable).parent / "decay")
JARGON = re.compile(r"\b(outdated|links)\.[a-z_]+|\bscore\b|\bid\b|orphan island|canned query|confidence \d", re.I)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("demo")
    db = tmp / "decay.db"
    plain = subprocess.run([DECAY, "demo", "--db", str(db)], cwd=tmp, capture_output=True, text=True, timeout=300)
    assert plain.returncode == 0, plain.stdout + plain.stderr
    return db, plain.stdout


def test_demo_first_screen_speaks_plain_words(demo):
    db, out = demo
    first = out[:out.index("The cleanup list")]
    assert not JARGON.search(first), JARGON.search(first)
    assert "pages not updated for too long" in first and "past events still announced" in first
    assert "canned query" not in out and "/-/triage" in out


def test_demo_verbose_keeps_the_ids(demo, tmp_path):
    db, _ = demo
    r = subprocess.run([DECAY, "demo", "--db", str(tmp_path / "v.db"), "--verbose"], cwd=tmp_path, capture_output=True,
                       text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert "(outdated.stale_page)" in r.stdout and re.search(r"score [\d.]+; id [0-9a-f]{16}\]", r.stdout)


def _items(out: str) -> list[dict]:
    """The printed list: each item's id-less head, and its Why/Do texts as printed (continuations joined)."""
    items, cur, key = [], None, None
    for line in out[out.index("The cleanup list"):].splitlines()[1:]:
        if re.match(r"\s{0,3}\d+\. ", line):
            cur = {"head": line, "Why": "", "Do": "", "full": ""}
            items.append(cur)
            key = None
        elif cur is not None and line.startswith("       Why: "):
            key, cur["Why"] = "Why", line[12:]
        elif cur is not None and line.startswith("       Do:  "):
            key, cur["Do"] = "Do", line[12:]
        elif cur is not None and line.startswith("            (in full:"):
            key, cur["full"] = "full", line.strip()
        elif cur is not None and key and line.startswith("            "):
            cur[key] += " " + line.strip()
        else:
            break
    return items


def test_no_line_of_the_list_is_cut_mid_word(demo):
    db, out = demo
    conn = sqlite3.connect(db)
    items = _items(out)
    assert len(items) == 10
    shortened = 0
    for it, (why, todo, fid) in zip(items, conn.execute("SELECT why, todo, id FROM cleanup_list WHERE visible = 1 ORDER BY rank")):
        for printed, whole in ((it["Why"], why), (it["Do"], todo)):
            whole = " ".join(whole.split())
            if printed.endswith(" …"):   # shortened at a word: a prefix of the text, ending where a word ends
                shortened += 1
                kept = printed[:-2]
                # (a comma, semicolon or colon after the last word kept is dropped before the "…": decay/words.py wrap)
                assert whole.startswith(kept) and whole[len(kept):].lstrip(",;:")[:1] == " ", (kept, whole)
                assert f"decay triage {fid} --db {db}" in it["full"]
            else:
                assert printed == whole
    assert shortened >= 1   # the demo's long texts are shortened, and say where the whole text is
    assert all(len(line) <= 110 for line in out[out.index("The cleanup list"):].splitlines()
               if line.startswith("       Why") or line.startswith("            ") and "in full" not in line)


def test_list_texts_say_it_in_words(demo):
    db, _ = demo
    conn = sqlite3.connect(db)
    text = " ".join(w + " " + t for w, t in conn.execute("SELECT why, todo FROM cleanup"))
    assert "Orphan island" not in text and "Orphaned page:" not in text and "confidence 0." not in text
    assert "links.orphan" in " ".join(r[0] for r in conn.execute("SELECT rules FROM cleanup"))   # the ids stay in rules


@pytest.fixture()
def tiny(local_site, tmp_path):
    site = local_site(routes={"/": status(200, "<html><head><title>Hi</title></head><body><a href='/b'>b</a></body></html>"),
                              "/b": status(200, "<html><head><title>B</title></head><body>b</body></html>")})
    cfg = write_config(tmp_path / "org.toml", f"""
        [organisation]
        name = "Tiny"
        [[sites]]
        name = "tiny"
        start_urls = ["{site.url}/"]
        """)
    return cfg, tmp_path / "tiny.db"


def test_short_options_and_analyse_with_db_alone(tiny):
    cfg, db = tiny
    assert run_decay("check", "-c", str(cfg)).returncode == 0
    r = run_decay("crawl", "-c", str(cfg), "-d", str(db))
    assert r.returncode == 0, r.stderr
    r = run_decay("analyse", "-c", str(cfg), "-d", str(db), "--now", "2024-10-18")
    assert r.returncode == 0, r.stderr
    # --db alone: the configuration the crawl recorded, said in one line
    r = run_decay("analyse", "--db", str(db), "--now", "2024-10-18")
    assert r.returncode == 0, r.stderr
    assert f"using {cfg}" in r.stderr and "Checked 2 pages" in r.stdout
    # that file gone: the default settings, said in one line; no traceback
    cfg.rename(cfg.with_suffix(".gone"))
    r = run_decay("analyse", "--db", str(db), "--now", "2024-10-18")
    assert r.returncode == 0, r.stderr
    assert "default thresholds" in r.stderr and "Traceback" not in r.stderr and "Checked 2 pages" in r.stdout
    assert "serve --db" in r.stdout.splitlines()[-1]
    r = run_decay("analyse")
    assert r.returncode == 2 and "--config" in r.stderr and "--db" in r.stderr


def test_serve_password_and_the_old_flag(tmp_path):
    for args in (["serve-password"], ["serve", "--hash-password"]):
        r = subprocess.run([DECAY, *args], input="s3cret-pw\ns3cret-pw\n", capture_output=True, text=True, timeout=60)
        assert r.returncode == 0, r.stderr
        h = r.stdout.strip().splitlines()[-1]
        assert h.startswith("pbkdf2_sha256$") and "s3cret-pw" not in r.stdout
        from datasette_auth_passwords.utils import verify_password
        assert verify_password("s3cret-pw", h)
        assert ("deprecated" in r.stderr) == (args[0] == "serve")
