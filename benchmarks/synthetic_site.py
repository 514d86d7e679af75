"""Generate a deterministic synthetic website for crawl benchmarks.

Pages are ~20 KB of HTML with 30-80 links each (45 on average), shaped like
real CMS pages rather than like prose: a header with a mega-menu, a
breadcrumb, a short article, a grid of teaser cards, a sidebar, a footer with
link columns, an inline script and style block, JSON-LD, icons.  Calibrated on
real pages (``../shared/data``, measured with foundation/reading/page.py): visible
text is ~8% of the HTML bytes (dates-dev: 7.6%, flink: 8.1%; median) and
there are 7-14 elements per KB; these pages have ~12% and ~11 per KB.

Every page is reachable from the home page (page N links to pages 2N+1 and
2N+2); the other links are random but deterministic (seeded).

    python benchmarks/synthetic_site.py --pages 20000 --out /tmp/site
"""
from __future__ import annotations

import argparse
import random
from pathlib import Path

GENERATOR_VERSION = 2  # bump when the pages change, so cached sites are regenerated

WORDS = (
    "organisation service community policy report annual update research support "
    "people programme project data information public access digital website team "
    "members partners funding events news guidance learning students health safety "
    "climate energy transport housing culture library museum archive history future "
    "strategy quality review customer experience online open resources training "
    "the a of and to in for with on by from as at is are was were be this that it"
).split()
SECTIONS = ["news", "about", "services", "events", "research", "blog", "help", "policies"]
ICON = ('<svg class="icon" viewBox="0 0 24 24" aria-hidden="true"><path d="M12 2l3 7h7l-5.5 4 2 7-6.5-4.5'
        '-6.5 4.5 2-7L2 9h7z"/></svg>')
INLINE_SCRIPT = ("window.dataLayer=window.dataLayer||[];function gtag(){dataLayer.push(arguments)}"
                 "gtag('js',new Date());gtag('config','G-EXAMPLE',{anonymize_ip:true});" * 36)
INLINE_STYLE = (".card{display:flex;flex-direction:column;border:1px solid #ddd;border-radius:4px;padding:1rem}"
                ".card img{max-width:100%;height:auto}.menu li{list-style:none;display:inline-block}" * 12)
COOKIE_BANNER = ('<div id="cookie-notice" class="cookie-notice" role="dialog" aria-live="polite" data-nosnippet>'
                 '<div class="cookie-notice-container"><span id="cn-notice-text" class="cn-text-container">'
                 'We use cookies to give you the best experience.</span><span id="cn-notice-buttons" '
                 'class="cn-buttons-container"><button id="cn-accept-cookie" data-cookie-set="accept" '
                 'class="cn-set-cookie cn-button" aria-label="Accept">Accept</button><button id="cn-refuse-cookie" '
                 'data-cookie-set="refuse" class="cn-set-cookie cn-button" aria-label="Refuse">Refuse</button>'
                 '</span></div></div>')


def page_path(i: int) -> str:
    if i == 0:
        return "/index.html"
    return f"/{SECTIONS[i % len(SECTIONS)]}/page-{i}.html"


def words(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n))


def sentence(rng: random.Random, n: int) -> str:
    return words(rng, n).capitalize() + "."


def render_page(i: int, n_pages: int, rng: random.Random) -> str:
    n_links = max(30, min(80, int(rng.gauss(45, 10))))
    nav = [page_path(k) for k in range(10)]
    footer = [page_path(rng.randrange(n_pages)) for _ in range(8)]
    tree = [page_path(c) for c in (2 * i + 1, 2 * i + 2) if c < n_pages]
    n_content = max(0, n_links - len(nav) - len(footer) - len(tree) - 5)
    content = [page_path(rng.randrange(n_pages)) for _ in range(n_content)]
    n_cards = min(len(content), 8)
    cards, inline = content[:n_cards], content[n_cards:]
    year, month, day = 2010 + (i % 16), 1 + (i % 12), 1 + (i % 28)
    date = f"{year}-{month:02d}-{day:02d}"
    title = sentence(rng, 6)[:-1]
    out = [
        "<!DOCTYPE html>",
        '<html lang="en" class="no-js"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{title} | Example Organisation</title>",
        f'<meta name="description" content="{sentence(rng, 18)}">',
        '<meta name="generator" content="WordPress 5.2.1">',
        f'<meta property="og:title" content="{title}"><meta property="og:type" content="article">',
        f'<meta property="article:published_time" content="{date}T09:00:00Z">',
        f'<link rel="canonical" href="https://www.example.org{page_path(i)}">',
        '<link rel="stylesheet" href="/static/site.css">',
        '<link rel="icon" href="/static/logo.png">',
        '<script src="/static/jquery-1.12.4.min.js"></script>',
        f"<style>{INLINE_STYLE}</style>",
        f"<script>{INLINE_SCRIPT}</script>",
        '<script type="application/ld+json">{"@context":"https://schema.org","@type":"Article",'
        f'"headline":"{title}","datePublished":"{date}","dateModified":"{year + 1}-{month:02d}-{day:02d}",'
        '"publisher":{"@type":"Organization","name":"Example Organisation"}}</script>',
        "</head><body class=\"page-template-default page\">",
        '<a class="skip-link screen-reader-text" href="#content">Skip to content</a>',
        '<div id="page" class="site"><header id="masthead" class="site-header" role="banner">',
        '<div class="site-branding"><a class="logo" href="/index.html" rel="home">'
        '<img src="/static/logo.png" alt="Example Organisation" width="180" height="48"></a></div>',
        '<nav id="site-navigation" class="main-navigation" aria-label="Main"><ul id="primary-menu" class="menu">',
    ]
    for k, u in enumerate(nav):
        out.append(f'<li id="menu-item-{k}" class="menu-item menu-item-type-post_type menu-item-object-page '
                   f'menu-item-{k}" data-depth="0"><a href="{u}" class="menu-link" data-track="nav-{k}">'
                   f'<span class="menu-label">{rng.choice(WORDS).title()}</span></a></li>')
    out += ["</ul></nav></header>",
            '<div id="content" class="site-content"><div class="container"><div class="row">',
            '<nav class="breadcrumb" aria-label="Breadcrumb"><ol><li><a href="/index.html">Home</a></li>'
            f"<li><span>{SECTIONS[i % len(SECTIONS)].title()}</span></li></ol></nav>",
            '<main id="main" class="site-main col-md-8"><article class="post type-post status-publish">',
            f'<header class="entry-header"><h1 class="entry-title">{title}</h1>',
            f'<div class="entry-meta"><span class="posted-on">Posted on <time class="entry-date published" '
            f'datetime="{date}T09:00:00+00:00">{day} March {year}</time></span></div></header>',
            '<div class="entry-content">']
    for _ in range(3):
        para = words(rng, rng.randint(35, 55)).split()
        for _ in range(2):
            if inline:
                pos = rng.randrange(len(para))
                para.insert(pos, f'<a href="{inline.pop()}">{words(rng, 2)}</a>')
        out.append("<p>" + " ".join(para).capitalize() + ".</p>")
    if inline:
        out.append('<ul class="wp-block-list">' + "".join(
            f'<li><a href="{u}">{words(rng, 3).capitalize()}</a></li>' for u in inline) + "</ul>")
    out += [f'<figure class="wp-block-image"><img src="/static/img-{i % 50}.jpg" alt="{sentence(rng, 4)}" '
            f'loading="lazy" width="800" height="450"><figcaption>{sentence(rng, 6)}</figcaption></figure>',
            '</div><div class="related-posts"><h2>Related</h2><div class="cards">']
    for u in cards:
        out.append(f'<div class="card"><div class="card-image">{ICON}</div><div class="card-body">'
                   f'<h3 class="card-title"><a href="{u}">{words(rng, 4).capitalize()}</a></h3>'
                   f'<p class="card-text">{sentence(rng, 9)}</p></div></div>')
    out += ["</div></div></article></main>",
            '<aside id="secondary" class="widget-area col-md-4" role="complementary"><section class="widget">'
            '<h2 class="widget-title">In this section</h2><ul>']
    out += [f'<li class="cat-item"><a href="{u}">{words(rng, 3).capitalize()}</a></li>' for u in tree]
    out += ['</ul></section><section class="widget"><h2 class="widget-title">Follow us</h2>'
            f'<div class="social">{ICON}{ICON}{ICON}</div></section></aside>',
            "</div></div></div>",
            '<footer id="colophon" class="site-footer" role="contentinfo"><div class="footer-columns">']
    for col in range(2):
        out.append('<div class="footer-col"><ul class="menu">' + "".join(
            f'<li class="menu-item"><a href="{u}">{rng.choice(WORDS).title()}</a></li>'
            for u in footer[col * 4:(col + 1) * 4]) + "</ul></div>")
    out += [f'<div class="site-info"><p>&copy; 2008-{2015 + i % 10} Example Organisation. '
            "Registered charity.</p></div></div></footer></div>",
            COOKIE_BANNER, "</body></html>"]
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
