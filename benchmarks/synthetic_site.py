"""Generate a deterministic synthetic website for crawl benchmarks.

Pages are ~20 KB of realistic HTML with 30-80 links each (45 on average):
a header with navigation, a sidebar, a main article with in-text links and
dates, and a footer.  Every page is reachable from the home page (page N links
to pages 2N+1 and 2N+2), the rest of the links are random but deterministic.

    python benchmarks/synthetic_site.py --pages 20000 --out /tmp/site
"""
from __future__ import annotations

import argparse
import random
from pathlib import Path

WORDS = (
    "organisation service community policy report annual update research support "
    "people programme project data information public access digital website team "
    "members partners funding events news guidance learning students health safety "
    "climate energy transport housing culture library museum archive history future "
    "strategy quality review customer experience online open resources training "
    "the a of and to in for with on by from as at is are was were be this that it"
).split()
SECTIONS = ["news", "about", "services", "events", "research", "blog", "help", "policies"]


def page_path(i: int) -> str:
    if i == 0:
        return "/index.html"
    return f"/{SECTIONS[i % len(SECTIONS)]}/page-{i}.html"


def sentence(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize() + "."


def render_page(i: int, n_pages: int, rng: random.Random) -> str:
    n_links = max(30, min(80, int(rng.gauss(45, 10))))
    nav = [page_path(k) for k in range(0, 10)]
    footer = [page_path(rng.randrange(n_pages)) for _ in range(8)]
    tree = [page_path(c) for c in (2 * i + 1, 2 * i + 2) if c < n_pages]
    n_content = max(0, n_links - len(nav) - len(footer) - len(tree) - 4)
    content = [page_path(rng.randrange(n_pages)) for _ in range(n_content)]
    year = 2010 + (i % 16)
    month = 1 + (i % 12)
    day = 1 + (i % 28)
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{sentence(rng, 6)[:-1]} | Example Organisation</title>",
        f'<meta name="description" content="{sentence(rng, 20)}">',
        '<meta name="generator" content="WordPress 5.2.1">',
        f'<meta property="article:published_time" content="{year}-{month:02d}-{day:02d}T09:00:00Z">',
        f'<link rel="canonical" href="https://www.example.org{page_path(i)}">',
        '<link rel="stylesheet" href="/static/site.css">',
        '<script src="/static/jquery-1.12.4.min.js"></script>',
        '<script type="application/ld+json">{"@context":"https://schema.org","@type":"Article",'
        f'"datePublished":"{year}-{month:02d}-{day:02d}","dateModified":"{year + 1}-{month:02d}-{day:02d}"}}</script>',
        "</head><body>",
        '<header class="site-header"><a class="logo" href="/index.html"><img src="/static/logo.png" alt="Example"></a>',
        '<nav class="main-nav"><ul>',
    ]
    out += [f'<li><a href="{u}">{rng.choice(WORDS).title()} {rng.choice(WORDS)}</a></li>' for u in nav]
    out += ["</ul></nav></header>", '<div class="container"><aside class="sidebar"><ul>']
    out += [f'<li><a href="{u}">Related: {sentence(rng, 3)}</a></li>' for u in tree]
    out += ["</ul></aside>", "<main><article>", f"<h1>{sentence(rng, 7)[:-1]}</h1>",
            f'<p class="byline">Posted on <time datetime="{year}-{month:02d}-{day:02d}">{day} March {year}</time></p>']
    # paragraphs with in-text links, to reach ~20 KB
    k = 0
    while k < len(content) or sum(len(x) for x in out) < 17000:
        words = [rng.choice(WORDS) for _ in range(rng.randint(40, 90))]
        if k < len(content):
            for _ in range(rng.randint(1, 3)):
                if k >= len(content):
                    break
                pos = rng.randrange(len(words))
                words.insert(pos, f'<a href="{content[k]}">{rng.choice(WORDS)} {rng.choice(WORDS)}</a>')
                k += 1
        out.append("<p>" + " ".join(words).capitalize() + ".</p>")
    out += [f'<p><img src="/static/img-{i % 50}.jpg" alt="{sentence(rng, 4)}"></p>',
            "</article></main></div>", '<footer class="site-footer"><ul>']
    out += [f'<li><a href="{u}">{rng.choice(WORDS).title()}</a></li>' for u in footer]
    out += [f"</ul><p>&copy; 2008-{2015 + i % 10} Example Organisation</p></footer>", "</body></html>"]
    return "\n".join(out)


def generate(n_pages: int, out: Path, seed: int = 42) -> Path:
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    for i in range(n_pages):
        p = out / page_path(i).lstrip("/")
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(render_page(i, n_pages, rng), encoding="utf-8")
    static = out / "static"
    static.mkdir(exist_ok=True)
    (static / "site.css").write_text("body{font-family:sans-serif}\n")
    (static / "jquery-1.12.4.min.js").write_text("/* placeholder */\n")
    (static / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    for j in range(50):
        (static / f"img-{j}.jpg").write_bytes(b"\xff\xd8\xff\xe0")
    (out / "robots.txt").write_text("User-agent: *\nDisallow: /private/\n")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pages", type=int, default=2000, help="number of HTML pages (default 2000)")
    ap.add_argument("--out", type=Path, required=True, help="directory to write the site into")
    ap.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    a = ap.parse_args()
    generate(a.pages, a.out, a.seed)
    print(f"wrote {a.pages} pages to {a.out}")


if __name__ == "__main__":
    main()
