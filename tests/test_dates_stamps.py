"""Trust per value, not per source (trust.py, validate.py): a Last-Modified or sitemap lastmod shared by many
pages is a deploy or build stamp and is not those pages' date, whatever share of the site it covers, while the
other values of the same source still count.  Unit tests on PageInput lists, then one crawl of a small blog whose
files were deployed together (LocalSite sends Last-Modified from each file's mtime)."""
from __future__ import annotations

import json
import os
from datetime import datetime, timedelta, timezone

import pytest

from analysis.dates import PageInput, learn_site_trust, page_candidates, resolve
from foundation.facts import DateSignal as S
from decay import api
from tests.conftest import crawl, query, write_config

UTC = timezone.utc
NOW = datetime(2024, 10, 18, 12, 0, tzinfo=UTC)
DEPLOY = datetime(2024, 10, 17, 16, 3, 47, tzinfo=UTC)
LM, SM = "http:last-modified", "sitemap:lastmod"


def http(dt: datetime) -> str:
    return dt.strftime("%a, %d %b %Y %H:%M:%S GMT")


def published(i: int) -> datetime:
    """Post i's publication: one post every ten days, from 2016 on."""
    return datetime(2016, 1, 4, 9, tzinfo=UTC) + timedelta(days=10 * i)


def post(i: int, *, lm: datetime | None = None, lastmod: str | None = None) -> PageInput:
    return PageInput(url=f"https://blog.example.org/{published(i):%Y/%m/%d}/post-{i}/", fetched_at=NOW,
                     signals=[S("jsonld", "datePublished", published(i).isoformat(), "BlogPosting")],
                     last_modified=http(lm) if lm else None, sitemap_lastmods=[lastmod] if lastmod else [])


def judge(pages: list[PageInput]):
    trust = learn_site_trust(pages)
    out = []
    for p in pages:
        cands = page_candidates(p, now=NOW, trust=trust)
        out.append((cands, resolve(cands, now=NOW, trust=trust)))
    return trust, out


def header(cands):
    (c,) = [c for c in cands if c.source == LM]
    return c


def blog(n: int, stamped: int, *, spread: float = 0.0) -> list[PageInput]:
    """n posts; the first `stamped` files deployed together (within `spread` seconds), the others written when
    they were published (a few hours after, each its own time)."""
    return [post(i, lm=DEPLOY + timedelta(seconds=spread * i / max(stamped, 1)) if i < stamped
                 else published(i) + timedelta(hours=3, minutes=i)) for i in range(n)]


# ---------------------------------------------------------------------------- a bulk Last-Modified at any share

@pytest.mark.parametrize("n,stamped", [(40, 28), (50, 15)])   # 70% and 30% of the site
def test_a_bulk_last_modified_is_no_pages_update_at_any_share(n, stamped):
    trust, judged = judge(blog(n, stamped))
    assert LM not in trust.distrusted   # the source still counts for its other values
    for i, (cands, d) in enumerate(judged):
        c = header(cands)
        if i < stamped:
            assert not c.accepted
            assert c.reason == (f"the same Last-Modified 2024-10-17 16:03 UTC is on {stamped} of {n} pages: a deploy or "
                                f"build stamp, not this page's update (a stamp: one value, give or take 2 minutes, on 10 "
                                f"pages or more)")
            # the post's only other evidence is its publication date: that is its last update
            assert d.updated_at.date() == published(i).date() and d.updated_source == "jsonld:datePublished", d.explanation
            assert "ignored: the same Last-Modified 2024-10-17 16:03 UTC is on" in d.explanation
        else:
            assert c.accepted and c.reason == ""
            assert d.updated_source == LM and d.updated_at == published(i) + timedelta(hours=3, minutes=i)
    # what site_signals records: the source (trusted, with its pages) and the stamp with its count
    assert trust.rows()[0][:2] == (LM, 1) and trust.rows()[0][3] == n
    assert f"1 deploy or build stamp covers {stamped} of them" in trust.rows()[0][2]
    assert trust.rows()[1] == (f"{LM} 2024-10-17 16:03 UTC", 0, header(judged[0][0]).reason, stamped)


def test_a_deploy_spread_over_minutes_is_one_stamp_and_a_real_edit_still_counts():
    """A slow upload writes its files over minutes; a real edit of one post a year after it was published counts."""
    pages = blog(30, 20, spread=400)     # 20 files over 6 minutes 40 seconds, ~20 s apart
    edited = published(25) + timedelta(days=365)
    pages[25] = post(25, lm=edited)
    trust, judged = judge(pages)
    (stamp,) = trust.stamps
    assert (stamp.label, stamp.pages) == ("2024-10-17 16:03 to 16:10 UTC", 20)
    assert all(not header(c).accepted for c, _ in judged[:20])
    cands, d = judged[25]
    assert header(cands).accepted and d.updated_at == edited and d.updated_source == LM


def test_stamps_on_every_page_distrust_the_source_and_each_page_says_its_own_stamp():
    """Two deploys share the site (60% and 40%): no single hour reaches 80%, yet nothing in the header is
    informative.  Each page's evidence names the stamp its value belongs to."""
    second = datetime(2024, 4, 2, 3, 27, 56, tzinfo=UTC)
    pages = [post(i, lm=DEPLOY if i < 18 else second) for i in range(30)]
    trust, judged = judge(pages)
    assert trust.distrusted[LM] == ("every Last-Modified on this site is a deploy stamp (2024-10-17 16:03 UTC on 18 pages, "
                                    "2024-04-02 03:27 UTC on 12 pages)")
    assert header(judged[0][0]).reason.startswith("not trusted on this site: the same Last-Modified 2024-10-17 16:03 UTC "
                                                  "is on 18 of 30 pages")
    assert header(judged[-1][0]).reason.startswith("not trusted on this site: the same Last-Modified 2024-04-02 03:27 UTC "
                                                   "is on 12 of 30 pages")
    assert all(d.updated_source == "jsonld:datePublished" for _, d in judged)
    assert [r[0] for r in trust.rows()] == [LM, f"{LM} 2024-10-17 16:03 UTC", f"{LM} 2024-04-02 03:27 UTC"]


def test_one_stamp_on_all_pages_of_a_small_site():
    trust, judged = judge([post(i, lm=DEPLOY) for i in range(6)])
    assert "same Last-Modified hour (2024-10-17 16:00 UTC) for 6 of 6 pages" in trust.distrusted[LM]
    assert header(judged[0][0]).reason.endswith("(a stamp: one value, give or take 2 minutes, on 5 pages or more and 20% of them)")
    # four alike prove nothing; five on a large site are no stamp either
    assert learn_site_trust([post(i, lm=DEPLOY) for i in range(4)]).stamps == []
    assert learn_site_trust(blog(40, 5)).stamps == []


# ---------------------------------------------------------------------------- the sitemap

def test_a_sitemap_lastmod_stamp_is_rejected_for_its_pages_only():
    pages = [post(i, lastmod="2023-02-23" if i < 20 else f"{published(i) + timedelta(days=2):%Y-%m-%d}") for i in range(30)]
    trust, judged = judge(pages)
    assert SM not in trust.distrusted
    for i, (cands, d) in enumerate(judged):
        (c,) = [c for c in cands if c.source == SM]
        if i < 20:
            assert not c.accepted and c.reason == (
                "the sitemap gives the same lastmod 2023-02-23 to 20 of 30 URLs: a build or migration stamp, not this "
                "page's update (a stamp: one value, give or take 2 minutes, on 10 pages or more)")
            assert d.updated_at.date() == published(i).date()
        else:
            assert c.accepted and d.updated_source == SM and d.updated_at.date() == (published(i) + timedelta(days=2)).date()
    assert (f"{SM} 2023-02-23", 0, trust.stamps[0].reason, 20) in trust.rows()


# ---------------------------------------------------------------------------- real values stay trusted

def test_varied_real_values_stay_trusted_even_on_a_busy_day():
    """A CMS sets each page's own time: 15 edits on one day, minutes apart but more than 2 minutes, three pages
    saved in the same second, and the rest spread over years are no stamp."""
    busy = datetime(2024, 3, 5, 9, tzinfo=UTC)
    pages = [post(i, lm=busy + timedelta(minutes=3 * i)) for i in range(15)]
    pages += [post(i, lm=datetime(2024, 6, 1, 12, tzinfo=UTC)) for i in range(15, 18)]
    pages += [post(i, lm=published(i) + timedelta(days=40)) for i in range(18, 60)]
    trust, judged = judge(pages)
    assert trust.stamps == [] and trust.distrusted == {}
    assert all(header(c).accepted for c, _ in judged)
    assert all(d.updated_source == LM for _, d in judged)
    assert trust.rows() == [(LM, 1, trust.notes[LM], 60)]


# ---------------------------------------------------------------------------- end to end

PROD = "https://blog.stamps.example"
POSTS = 30
STAMPED = 21          # 70% of the posts (and the home page): one deploy
EDITED = 3            # of the others, this one was really edited a year after it was published


def _html(title: str, body: str, head: str = "") -> str:
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>{head}</head>'
            f"<body><nav><a href='/'>Home</a></nav><main>{body}</main></body></html>")


def _post_path(i: int) -> str:
    return f"{published(i):%Y/%m/%d}/post-{i}/index.html"


@pytest.fixture(scope="module")
def stamped_blog(tmp_path_factory):
    from decay.localserver import LocalSite

    root = tmp_path_factory.mktemp("stampblog")
    mtimes = {}
    links = []
    for i in range(POSTS):
        p = root / _post_path(i)
        p.parent.mkdir(parents=True, exist_ok=True)
        ld = json.dumps({"@type": "BlogPosting", "headline": f"Post {i}", "datePublished": published(i).isoformat()})
        p.write_text(_html(f"Post {i}", f"<article><h1>Post {i}</h1><p>What happened, in words.</p></article>",
                           f'<script type="application/ld+json">{ld}</script>'), encoding="utf-8")
        links.append(f"<li><a href='/{_post_path(i).removesuffix('index.html')}'>Post {i}</a></li>")
        if i < STAMPED:
            mtimes[p] = DEPLOY
        elif i == STAMPED + EDITED:
            mtimes[p] = published(i) + timedelta(days=365)
        else:
            mtimes[p] = published(i) + timedelta(hours=3)
    index = root / "index.html"
    index.write_text(_html("Stamps blog", f"<h1>All posts</h1><ul>{''.join(links)}</ul>"), encoding="utf-8")
    mtimes[index] = DEPLOY
    for p, t in mtimes.items():
        os.utime(p, (t.timestamp(), t.timestamp()))
    site = LocalSite(root=root).start()
    tmp = tmp_path_factory.mktemp("stamprun")
    cfg = write_config(tmp / "org.toml", f"""
        [organisation]
        name = "Stamps"
        [[sites]]
        name = "stamps"
        start_urls = ["{PROD}/"]
        aliases = {{ "{PROD}" = "{site.url}" }}
        [crawl]
        autothrottle = false
        """)
    db = tmp / "decay.db"
    r = crawl(cfg, db)
    assert r.returncode == 0, r.stderr
    api.analyse(cfg, db=db, now=NOW)
    yield db
    site.stop()


def test_a_deploy_on_70_percent_of_a_blog_leaves_each_post_its_publication_date(stamped_blog):
    db = stamped_blog
    rows = {r["url"]: r for r in query(db, "SELECT * FROM page_dates")}
    posts = {i: rows[f"{PROD}/{_post_path(i).removesuffix('index.html')}"] for i in range(POSTS)}
    on_publication = [i for i, r in posts.items() if r["updated_at"][:10] == published(i).strftime("%Y-%m-%d")]
    assert len(on_publication) == POSTS - 1, [(i, r["updated_at"], r["updated_source"]) for i, r in posts.items()]
    edited = posts[STAMPED + EDITED]   # its own Last-Modified, a real later edit, still counts
    assert edited["updated_source"] == LM and edited["updated_at"][:10] == f"{published(STAMPED + EDITED) + timedelta(days=365):%Y-%m-%d}"
    # the rejected header says why, on the page's evidence
    (ev,) = query(db, "SELECT * FROM date_evidence WHERE url_id = ? AND source = ?", [posts[0]["url_id"], LM])
    assert ev["accepted"] == 0
    assert ev["reason"].startswith(f"the same Last-Modified 2024-10-17 16:03 UTC is on {STAMPED + 1} of {POSTS + 1} pages: "
                                   "a deploy or build stamp, not this page's update")
    signals = {r["source"]: r for r in query(db, "SELECT * FROM site_signals WHERE site = 'stamps'")}
    assert signals[LM]["trusted"] == 1 and signals[LM]["pages"] == POSTS + 1
    stamp = signals[f"{LM} 2024-10-17 16:03 UTC"]
    assert stamp["trusted"] == 0 and stamp["pages"] == STAMPED + 1 and stamp["reason"] == ev["reason"]
