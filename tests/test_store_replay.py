"""The store process's messages, recorded during a crawl (DECAY_RECORD_MESSAGES) and replayed without Scrapy
(benchmarks/store_replay.py): the replay records the same facts as the crawl did, so what the benchmark measures
is the store process's real work."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import crawl, query, write_config

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"
PROD = "https://www.replay.example"


def _site(root: Path) -> None:
    nav = '<nav><a href="/">Home</a> <a href="/news/">News</a> <a href="/about.html">About</a></nav>'
    pages = {
        "index.html": f'<html lang="en"><head><title>Home</title></head><body>{nav}<main><h1>Welcome</h1>'
                      '<p>Updated <time datetime="2021-04-01">1 April 2021</time>. <a href="/gone.html">Old</a> '
                      '<img src="/logo.png" alt="Logo"></p></main><footer>&copy; 2015-2021</footer></body></html>',
        "about.html": f'<html><head><title>About</title><meta name="description" content="Us"></head><body>{nav}'
                      '<main><p>Since 2009. <a href="/news/item.html">Our news</a></p></main></body></html>',
        "news/index.html": f'<html><head><title>News</title></head><body>{nav}<main><a href="item.html">An item</a>'
                           '</main></body></html>',
        "news/item.html": f'<html><head><title>Item</title><meta property="article:published_time" '
                          f'content="2019-02-03T10:00:00Z"></head><body>{nav}<main><h1>Item</h1><p>Posted 3 February '
                          '2019.</p></main></body></html>',
    }
    for name, text in pages.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    (root / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 64)


def test_a_recorded_crawl_replays_into_the_same_facts(local_site, tmp_path):
    root = tmp_path / "site"
    root.mkdir()
    _site(root)
    site = local_site(root=root)
    config = write_config(tmp_path / "replay.toml", f"""
        [organisation]
        name = "Replay"

        [[sites]]
        name = "replay"
        start_urls = ["{PROD}/"]
        aliases = {{ "{PROD}" = "{site.url}" }}
        check_external_links = false

        [crawl]
        autothrottle = false
        """)
    messages = tmp_path / "messages.bin"
    crawled = tmp_path / "crawled.db"
    result = crawl(config, crawled, env={"DECAY_RECORD_MESSAGES": str(messages)})
    assert result.returncode == 0, result.stderr
    assert messages.stat().st_size > 0

    replayed = tmp_path / "replayed.db"
    proc = subprocess.run([sys.executable, str(BENCH / "store_replay.py"), "--child", "--messages", str(messages),
                           "--db", str(replayed)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout.strip().splitlines()[-1])
    assert summary["n_errors"] == 0, summary["errors"]
    assert summary["messages"]["init"] == 1 and summary["messages"]["finish"] == 1
    assert summary["messages"]["page"] >= 4   # the four pages (and the 404 page's answer)
    assert summary["pages"] == len(query(crawled, "SELECT 1 FROM pages WHERE is_html = 1 AND status = 200")) == 4

    diff = subprocess.run([sys.executable, str(BENCH / "crawl_facts_diff.py"), str(crawled), str(replayed)],
                          capture_output=True, text=True, timeout=120)
    assert diff.returncode == 0, diff.stdout + diff.stderr
    # the replay's crawl is complete and merged, as the recorded one was
    assert [r["status"] for r in query(replayed, "SELECT status FROM crawls")] == ["complete"]
    assert query(replayed, "SELECT count(*) AS n FROM links")[0]["n"] == query(crawled, "SELECT count(*) AS n FROM links")[0]["n"] > 0
