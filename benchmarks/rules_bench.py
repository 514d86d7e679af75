"""Speed and memory of the rule engine: 20,000 pages, 50 rules, every built-in check.

    python benchmarks/rules_bench.py                         # 20,000 pages, 50 rules, with the baseline
    python benchmarks/rules_bench.py --pages 2000 --no-baseline   # quick mode

The facts are generated straight into a database (the real schema, no crawl), the way a crawl of a
CMS site leaves them: per page ~600 words of main text, a navigation, a footer (with the retired
brand name on every page: a template finding), ~35 links (template, content, images with alt texts,
an old jQuery in <head>, some external links opening a new window, a few links to retired domains)
and the page's HTML stored compressed (~15 KB), as ``page_texts``, ``links`` and ``bodies`` hold them.
About 5% of pages use a retired term, 2% match a pattern.  The 50 rules: 30 term rules (1-3 terms
each), 5 banned lists of 20 words, 8 patterns, 3 retired domains, 2 required (a footer link, a phrase)
and 2 forbidden elements (a CSS selector, a resource URL).  The database is cached in /tmp.

Then, each in a fresh subprocess so that its peak memory is its own:

- **content-decay**: ``analysis.rules.analyse_rules`` (one pass per page over every rule and check,
  then the findings, template ones once);
- **baseline** (the obvious program): the same pages read the same way, then each rule on its own over
  every page: a regular expression per term or banned-list rule (``re``, whole words), each pattern
  with ``re``, each link rule over the links, each CSS rule parsing the page's HTML; the same built-in
  checks once per page; one finding per hit list, no template grouping.

Target: under 30 s for content-decay on this two-core machine.
"""
from __future__ import annotations

import argparse
import json
import random
import resource
import sys
import time
import zlib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

GENERATOR_VERSION = 1
SITE, PROD = "bench", "https://www.bench.example"
TARGET_SECONDS = 30
RETIRED = ["Harbour Foundation", "DataSet API", "Blink Planner", "Project Ocean", "OldCo Cloud", "Legacy Portal",
           "MegaWidget", "SuperSync", "FlexiPay", "QuickCart", "EasyShip", "StarDesk", "NovaMail", "OmniDocs",
           "PixelHub", "ZenBoard", "TurboForms", "CloudNine Suite", "BrightPath", "SkyVault", "InfoStream",
           "DataForge", "CodeNest", "WebSpark", "NetPulse", "AppCraft", "SmartLedger", "TeamSpace Classic",
           "Insight Pro", "ClearView 2", "PrimeLink", "FastTrack Online", "OpenDesk", "GreenLeaf Portal",
           "BlueOcean App", "RedRock Tools", "SilverLine", "GoldStar Plus", "IronGate", "CopperWire"]
DOMAINS = ["harbour-foundation.org", "oldco-cloud.com", "legacy-portal.net"]


def _words(rnd: random.Random) -> list[str]:
    syl = ["ka", "lo", "mi", "ne", "ra", "to", "vu", "se", "di", "pa", "ri", "mo", "ta", "zen", "ber", "ling", "son", "ter"]
    return ["".join(rnd.choice(syl) for _ in range(rnd.randint(1, 4))) for _ in range(8000)]


def write_rules(folder: Path) -> Path:
    """The 50 rules, as a configuration file and its word files."""
    folder.mkdir(parents=True, exist_ok=True)
    rnd = random.Random(3)
    words = _words(rnd)
    rules = []
    for i in range(30):
        terms = [RETIRED[i]] + [rnd.choice(words).title() + " " + rnd.choice(words) for _ in range(rnd.randint(0, 2))]
        rules.append(f'[[rules]]\nid = "term-{i}"\nkind = "term"\nterms = {json.dumps(terms)}\nreplacement = "New name {i}"\n')
    for i in range(5):
        (folder / f"banned-{i}.txt").write_text("\n".join(rnd.choice(words) + "x" for _ in range(19)) + f"\n{RETIRED[30 + i].lower()}\n")
        rules.append(f'[[rules]]\nid = "banned-{i}"\nkind = "banned_list"\nfile = "banned-{i}.txt"\n')
    patterns = [r"0800 ?123 ?4\d\d", r"(?i)offer ends \d{1,2} \w+ 20[01]\d", r"\bUA-\d{4,9}-\d{1,4}\b", r"(?i)call us on \+?\d[\d ]{8,}",
                r"\b[A-Z]{3}-\d{4}-[A-Z]{2}\b", r"(?i)best in (?:the )?world", r"(?i)guarantee[ds]? \d+%", r"\b\d{2}/\d{2}/19\d\d\b"]
    for i, p in enumerate(patterns):
        rules.append(f'[[rules]]\nid = "pattern-{i}"\nkind = "pattern"\npattern = {json.dumps(p)}\n')
    for i, d in enumerate(DOMAINS):
        rules.append(f'[[rules]]\nid = "domain-{i}"\nkind = "retired_domain"\ndomains = ["{d}"]\n')
    rules.append('[[rules]]\nid = "privacy"\nkind = "required"\nurl = "*/privacy*"\nwhere = ["footer"]\n')
    rules.append('[[rules]]\nid = "charity-number"\nkind = "required"\nterms = ["Registered charity"]\nwhere = ["footer"]\n')
    rules.append('[[rules]]\nid = "old-logo"\nkind = "forbidden_element"\nselector = "img[src*=\'logo-2015\']"\n')
    rules.append('[[rules]]\nid = "urchin"\nkind = "forbidden_element"\nurl = "*google-analytics.com/urchin.js"\n')
    assert len(rules) == 50
    cfg = folder / "bench.toml"
    cfg.write_text(f'[organisation]\nname = "Bench"\n[[sites]]\nname = "{SITE}"\nstart_urls = ["{PROD}/"]\n\n' + "\n".join(rules))
    return cfg


def generate(path: Path, pages: int, seed: int = 7) -> None:
    from foundation.schema import TABLES_BY_NAME, insert_sql, open_db
    from foundation.urls import url_id

    rnd = random.Random(seed)
    words = _words(rnd)
    db = open_db(path)
    conn = db.conn
    now = "2026-11-23T02:00:00+00:00"
    conn.execute("INSERT INTO crawls (id, started_at, finished_at, status, sites) VALUES (1, ?, ?, 'complete', ?)", [now, now, json.dumps([SITE])])
    conn.execute("INSERT INTO crawl_sites (crawl_id, site, status, start_urls, truncated) VALUES (1, ?, 'complete', ?, 0)",
                 [SITE, json.dumps([PROD + "/"])])
    cols = TABLES_BY_NAME["pages"].column_names
    nav_links = [(PROD + f"/s{k}/", f"Section {k}") for k in range(12)]
    nav = " ".join(a for _, a in nav_links)
    footer = "Privacy Contact Terms © 2026 Harbour Foundation. Registered charity 1234567."
    template = [("a", u, a, "nav") for u, a in nav_links] + [("a", PROD + "/privacy.html", "Privacy", "footer"),
                                                            ("a", PROD + "/contact.html", "Contact", "footer"),
                                                            ("script", PROD + "/js/jquery-1.12.4.min.js", None, "head"),
                                                            ("link", PROD + "/style.css", "text/css", "head")]
    urls: dict[str, int] = {}
    batch_pages, batch_texts, batch_links, batch_bodies = [], [], [], []

    def flush():
        with conn:
            conn.executemany(insert_sql("pages"), batch_pages)
            conn.executemany(insert_sql("page_texts"), batch_texts)
            conn.executemany(insert_sql("links"), batch_links)
            conn.executemany("INSERT OR IGNORE INTO bodies (hash, size, html) VALUES (?, ?, ?)", batch_bodies)
        for b in (batch_pages, batch_texts, batch_links, batch_bodies):
            b.clear()

    for n in range(pages):
        url = PROD + f"/s{n % 12}/page-{n}.html"
        uid = url_id(url)
        paras = []
        for _ in range(12):
            ws = [rnd.choice(words) for _ in range(50)]
            if rnd.random() < 0.005:
                ws.insert(rnd.randint(0, 50), rnd.choice(RETIRED))
            if rnd.random() < 0.002:
                ws.insert(rnd.randint(0, 50), "call us on 0800 123 456")
            paras.append(" ".join(ws) + ".")
        main = " ".join(paras)
        title = f"{rnd.choice(words).title()} {rnd.choice(words)} | Bench"
        content = [("a", PROD + f"/s{rnd.randrange(12)}/page-{rnd.randrange(pages)}.html", rnd.choice(words), "main") for _ in range(12)]
        content += [("img", PROD + f"/img/{n}-{k}.jpg", f"{rnd.choice(words)} {rnd.choice(words)}", "main") for k in range(3)]
        content += [("a", f"https://ext{rnd.randrange(50)}.example/{n}", rnd.choice(words), "main") for _ in range(3)]
        if rnd.random() < 0.01:
            content.append(("a", f"https://www.{rnd.choice(DOMAINS)}/x", "old site", "main"))
        if rnd.random() < 0.005:
            content.append(("img", PROD + "/img/logo-2015.png", "logo", "main"))
        links = template + content
        html_links = "".join(f'<a href="{t}">{a}</a> ' if k == "a" else f'<img src="{t}" alt="{a}">' for k, t, a, p in content)
        html = (f'<!DOCTYPE html><html><head><title>{title}</title><script src="/js/jquery-1.12.4.min.js"></script>'
                f'<link rel="stylesheet" href="/style.css"></head><body><nav>{"".join(f"<a href={u}>{a}</a> " for u, a in nav_links)}</nav>'
                f'<main><h1>{title}</h1>' + "".join(f"<p>{p}</p>" for p in paras) + html_links +
                f'</main><footer><a href="/privacy.html">Privacy</a> <a href="/contact.html">Contact</a> {footer}</footer></body></html>')
        raw = html.encode()
        bh = f"{n:016x}"
        r = dict.fromkeys(cols)
        r.update(url_id=uid, url=url, site=SITE, kind="page", outcome="ok", status=200, is_html=1, method="GET", crawl_id=1,
                 first_crawl_id=1, fetched_at=now, title=title, body_hash=bh, content_type="text/html; charset=utf-8")
        batch_pages.append(tuple(r.values()))
        batch_texts.append((uid, main, nav, None, footer, None, None))
        batch_bodies.append((bh, len(raw), zlib.compress(raw, 1)))
        for o, (kind, t, anchor, pos) in enumerate(links):
            tid = urls.setdefault(t, url_id(t))
            batch_links.append((uid, o, tid, kind, None, anchor, pos, int(t.startswith(PROD)), 0,
                                int(kind == "a" and not t.startswith(PROD) and o % 2 == 0), None))
        urls[url] = uid
        if len(batch_pages) >= 1000:
            flush()
    flush()
    with conn:
        conn.executemany("INSERT OR IGNORE INTO urls (id, url, site, first_crawl_id) VALUES (?, ?, ?, 1)",
                         [(i, u, SITE if u.startswith(PROD) else None) for u, i in urls.items()])
        conn.execute("CREATE TABLE IF NOT EXISTS _bench (key TEXT PRIMARY KEY, value TEXT)")
    conn.execute("ANALYZE")


def ensure_db(pages: int) -> tuple[Path, Path]:
    import sqlite3

    folder = Path(f"/tmp/decay-rules-bench-{pages}-v{GENERATOR_VERSION}")
    db = folder / "bench.db"
    cfg = write_rules(folder)
    if db.exists():
        conn = sqlite3.connect(db)
        try:
            if conn.execute("SELECT value FROM _bench WHERE key = 'complete'").fetchone():
                return db, cfg
        except sqlite3.Error:
            pass
        finally:
            conn.close()
    for f in folder.glob("bench.db*"):
        f.unlink()
    generate(db, pages)
    conn = sqlite3.connect(db)
    with conn:
        conn.execute("INSERT OR REPLACE INTO _bench VALUES ('complete', '1')")
    conn.close()
    return db, cfg


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child_decay(db: Path, cfg: Path) -> dict:
    import sqlite3
    from collections import Counter

    from analysis.rules import analyse_rules
    from foundation.config import load_config

    config = load_config(cfg)
    started = time.perf_counter()
    conn = sqlite3.connect(db)
    res = analyse_rules(conn, config, config.sites[0], 1)
    conn.close()
    by_type = Counter(f.subject_type for f in res.findings)
    return {"seconds": time.perf_counter() - started, "peak_mb": peak_mb(), "pages": res.pages,
            "findings": len(res.findings), "by_type": dict(by_type),
            "by_rule": dict(Counter(f.rule.split(".")[0] + "." + f.rule.split(".")[1].split("-")[0] for f in res.findings))}


def child_baseline(db: Path, cfg: Path) -> dict:
    """Each rule on its own over every page (re, one regex per rule; a parse per CSS rule); the same checks once per page."""
    import re
    import sqlite3

    from selectolax.lexbor import LexborHTMLParser

    from analysis.rules import builtin
    from foundation.team_rules import compile_rules
    from analysis.rules.page import iter_pages
    from foundation.config import load_config

    config = load_config(cfg)
    ruleset = compile_rules(config)
    started = time.perf_counter()
    compiled = []
    for r in ruleset.rules:
        if r.terms:
            alts = "|".join(("" if t.exact else "(?i:") + re.escape(t.text) + ("" if t.exact else ")") for t in r.terms)
            compiled.append((r, re.compile(rf"(?<!\w)(?:{alts})(?!\w)")))
        elif r.pattern is not None:
            compiled.append((r, re.compile(r.rule.pattern)))
        else:
            compiled.append((r, None))
    conn = sqlite3.connect(db)
    pages = list(iter_pages(conn, SITE, 1, links=True, bodies=True))   # the same facts, all read first
    findings = 0
    for r, rx in compiled:
        for p in pages:
            if not (r.always or r.included(p.url)):
                continue
            hits = 0
            if rx is not None:
                for region, texts in p.texts.items():
                    if region in r.regions:
                        for t in texts:
                            hits += sum(1 for _ in rx.finditer(t))
            if r.domains:
                hits += sum(1 for lk in p.links if any(lk.url.split("/")[2].endswith(d) for d in r.domains))
            if r.url is not None:
                hits += sum(1 for lk in p.links if r.url(lk.url))
            if r.rule.selector:
                hits += len(LexborHTMLParser(p.html).css(r.rule.selector))
            if (hits > 0) != (r.kind == "required"):
                findings += 1
    for p in pages:
        for check in builtin.CHECKS.values():
            findings += bool(check(p))
    conn.close()
    return {"seconds": time.perf_counter() - started, "peak_mb": peak_mb(), "pages": len(pages), "findings": findings}


def run_child(which: str, db: Path, cfg: Path) -> dict:
    from _common import run_child_json

    return run_child_json(__file__, which, "--db", str(db), "--cfg", str(cfg))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pages", type=int, default=20_000)
    ap.add_argument("--no-baseline", action="store_true", help="measure content-decay only")
    ap.add_argument("--json", type=Path, help="also write the results to this file")
    ap.add_argument("--child", choices=["decay", "baseline"], help=argparse.SUPPRESS)
    ap.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--cfg", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps((child_decay if args.child == "decay" else child_baseline)(args.db, args.cfg)))
        return
    t = time.perf_counter()
    db, cfg = ensure_db(args.pages)
    print(f"database: {db} ({db.stat().st_size / 2**20:,.0f} MB; ready in {time.perf_counter() - t:.0f} s); rules: {cfg}")
    results = {"decay": run_child("decay", db, cfg)}
    if not args.no_baseline:
        results["baseline"] = run_child("baseline", db, cfg)
    print(f"\n{'':44} {'seconds':>8} {'peak MB':>8}  findings")
    for name, label in (("decay", "content-decay (one pass per page)"), ("baseline", "baseline (each rule over every page)")):
        if name in results:
            r = results[name]
            print(f"{label:44} {r['seconds']:8.1f} {r['peak_mb']:8.0f}  {r['findings']:,}")
    d = results["decay"]
    print(f"\ncontent-decay: {d['pages']:,} pages; findings by subject: {d['by_type']}; by rule kind: {d['by_rule']}")
    if "baseline" in results:
        b = results["baseline"]
        print(f"content-decay takes {d['seconds'] / b['seconds']:.2f}x the baseline's time and {d['peak_mb'] / b['peak_mb']:.2f}x its memory "
              f"(the baseline writes one finding per page and rule, no template grouping)")
    print(f"target: under {TARGET_SECONDS} s: {'met' if d['seconds'] < TARGET_SECONDS else 'NOT met'}")
    if args.json:
        args.json.write_text(json.dumps({"pages": args.pages, **results}, indent=2))


if __name__ == "__main__":
    main()
