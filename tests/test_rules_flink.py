"""A brand rule on the real flink.apache.org: the retired name "DataSet API", found exactly where the HTML says.

The site is crawled locally under its production name, then `decay analyse` runs with one term rule.
The expected pages and hit counts are computed here without the crawler or the rule engine: the
visible text of each HTML file (standard library html.parser; script, style and the other elements a
browser does not show as text skipped), its <title> and the alt texts of its images, searched for the
whole words "DataSet API" as written.
"""
from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest

from tests.conftest import flink_config, query, run_decay
from tests.test_crawl_flink import file_for

PROD = "https://flink.apache.org"
SKIP = {"script", "style", "noscript", "template", "svg", "math", "iframe", "object", "select", "textarea", "canvas"}
TERM = re.compile(r"(?<!\w)DataSet API(?!\w)")


class Visible(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.body: list[str] = []
        self.title: list[str] = []
        self.alts: list[str] = []
        self.skip = 0
        self.in_title = False
        self.in_body = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in SKIP:
            self.skip += 1
        elif tag == "title":
            self.in_title = True
        elif tag == "body":
            self.in_body = True
        elif tag == "img" and (a.get("src") or a.get("data-src")) and a.get("alt"):
            self.alts.append(a["alt"])

    def handle_endtag(self, tag):
        if tag in SKIP and self.skip:
            self.skip -= 1
        elif tag == "title":
            self.in_title = False

    def handle_data(self, data):
        if self.in_title:
            self.title.append(data)
        elif self.in_body and not self.skip:
            self.body.append(data)

    def count(self) -> int:
        texts = [" ".join(" ".join(self.body).split()), " ".join(" ".join(self.title).split())]
        texts += [" ".join(a.split()) for a in self.alts]
        return sum(len(TERM.findall(t)) for t in texts)


@pytest.fixture(scope="module")
def flink(flink_crawled):
    root, db = flink_crawled["root"], flink_crawled["db"]
    assert flink_crawled["result"].returncode == 0, flink_crawled["result"].stdout + flink_crawled["result"].stderr
    cfg = flink_config(flink_crawled["tmp"] / "flink-rules.toml", flink_crawled["site"].url, """
        [[rules]]
        id = "dataset-api"
        kind = "term"
        category = "brand"
        terms = ["DataSet API"]
        replacement = "DataStream API"
        message = "The DataSet API is retired"
        """)
    a = run_decay("analyse", "--config", str(cfg), "--db", str(db), "--top", "0")
    assert a.returncode == 0, a.stdout + a.stderr
    expected = {}
    for row in query(db, "SELECT url FROM pages WHERE outcome = 'ok' AND is_html = 1"):
        f = file_for(root, PROD + "/" + row["url"].split("/", 3)[3])   # (a few links say http://flink.apache.org/...)
        assert f is not None, row["url"]
        v = Visible()
        v.feed(f.read_text(encoding="utf-8", errors="replace"))
        if v.count():
            expected[row["url"]] = v.count()
    found = [dict(r, evidence=json.loads(r["evidence"])) for r in
             query(db, "SELECT * FROM findings WHERE rule = 'rules.dataset-api' AND status = 'open'")]
    listed = {r["subject_url"][len(PROD):] for r in
              query(db, "SELECT subject_url FROM cleanup WHERE rules LIKE '%rules.dataset-api%'")}
    return {"expected": expected, "found": found, "listed": listed}


def test_only_the_pages_presenting_the_retired_api_as_current_are_listed(flink):
    # release notes, migration guides and the roadmap name it on purpose (its deprecation, its history); the use
    # cases and the getting-help pages still offer it as a current choice (analysis/rules/mentions.py)
    assert flink["listed"] == {"/what-is-flink/use-cases/", "/zh/what-is-flink/use-cases/",
                               "/how-to-contribute/getting-help/", "/zh/how-to-contribute/getting-help/"}, sorted(flink["listed"])
    by_url = {f["subject_url"][len(PROD):]: f for f in flink["found"] if f["subject_type"] == "page"}
    assert by_url["/what-is-flink/roadmap/"]["severity"] == "info"
    assert "deprecated" in by_url["/what-is-flink/roadmap/"]["evidence"]["matches"][0]["deliberate"]


def test_the_site_really_uses_the_retired_name(flink):
    assert len(flink["expected"]) > 40 and sum(flink["expected"].values()) > 60


def test_found_on_exactly_the_pages_that_contain_it(flink):
    pages = {f["subject_url"] for f in flink["found"] if f["subject_type"] == "page"}
    for f in flink["found"]:
        if f["subject_type"] == "template":
            pages |= set(f["evidence"]["affected_pages"])
    assert pages == set(flink["expected"]), (sorted(pages - set(flink["expected"]))[:5], sorted(set(flink["expected"]) - pages)[:5])


def test_every_occurrence_is_counted(flink):
    got: dict[str, int] = {}
    for f in flink["found"]:
        if f["subject_type"] == "page":
            got[f["subject_url"]] = got.get(f["subject_url"], 0) + f["evidence"]["hits"]
        else:
            for p in f["evidence"]["affected_pages"]:
                got[p] = got.get(p, 0) + 1
    assert got == flink["expected"]
    f = next(f for f in flink["found"] if f["subject_type"] == "page")
    assert f["message"].startswith("The DataSet API is retired: \"DataSet API\" (write \"DataStream API\" instead)")
    assert all("«DataSet API»" in m["context"] for m in f["evidence"]["matches"])


# ------------------------------------------------------------------ a renamed product on the real site
# "Flink Table Store" joined the Apache Incubator as "Apache Paimon" in 2023; the site tells the story on an
# evergreen page ("What is Apache Paimon (formerly Flink Table Store)?"), in its roadmap, in the release
# announcements of 2022-2023 and the blog listings quoting them, and still offers the old releases on its
# downloads pages under the old name.  Only those are to be changed (analysis/rules/mentions.py,
# analysis/retired_names.py).
@pytest.fixture(scope="module")
def renamed(flink_crawled):
    import sqlite3

    assert flink_crawled["result"].returncode == 0, flink_crawled["result"].stdout + flink_crawled["result"].stderr
    db = flink_crawled["tmp"] / "flink-renamed.db"
    src, dst = sqlite3.connect(flink_crawled["db"]), sqlite3.connect(db)
    src.backup(dst)   # a copy: the other analyses of the shared crawl are not disturbed
    src.close()
    dst.close()
    cfg = flink_config(flink_crawled["tmp"] / "flink-renamed.toml", flink_crawled["site"].url, """
        [[rules]]
        id = "table-store"
        kind = "term"
        terms = ["Flink Table Store"]
        replacement = "Apache Paimon"
        """)
    a = run_decay("analyse", "--config", str(cfg), "--db", str(db), "--now", "2024-10-18", "--top", "0")
    assert a.returncode == 0, a.stdout + a.stderr
    found = {r["subject_url"][len(PROD):] if r["subject_type"] == "page" else "template": dict(r, evidence=json.loads(r["evidence"]))
             for r in query(db, "SELECT * FROM findings WHERE rule = 'rules.table-store' AND status = 'open'")}
    listed = {r["subject_url"][len(PROD):] for r in query(db, "SELECT subject_url FROM cleanup WHERE rules LIKE '%rules.table-store%'")}
    return {"found": found, "listed": listed}


def test_the_renamed_product_is_listed_only_where_it_is_still_offered_under_the_old_name(renamed):
    assert len(renamed["found"]) > 12   # every mention is still found, and kept as evidence
    assert renamed["listed"] == {"/downloads/", "/zh/downloads/"}, sorted(renamed["listed"])


def test_the_page_explaining_the_rename_and_the_roadmap_telling_it_name_it_on_purpose(renamed):
    for url in ("/what-is-flink-table-store/", "/what-is-flink/roadmap/", "/zh/what-is-flink/community/"):
        f = renamed["found"][url]
        assert f["severity"] == "info" and "nothing to change" in f["message"], (url, f["message"])
        assert all(m["deliberate"] for m in f["evidence"]["matches"])
    page = renamed["found"]["/what-is-flink-table-store/"]
    assert any("formerly" in m["deliberate"] for m in page["evidence"]["matches"])
    assert any('as Apache Paimon' in m["deliberate"] for m in page["evidence"]["matches"])


def test_release_announcements_are_records_and_listings_quote_them(renamed):
    for url, f in renamed["found"].items():
        if url.startswith(("/2022/", "/2023/")):
            assert f["severity"] == "info" and f["evidence"]["historical_record"] is True, (url, f["message"])
            assert "give the rule a retired_on day" in f["message"]   # the site never dates the change itself
        if url.startswith("/posts/page/"):
            assert f["severity"] == "info" and all(m["deliberate"] for m in f["evidence"]["matches"]), url
    # the sidebar that lists the latest posts in every page's navigation quotes their titles: one template
    # finding, information
    assert renamed["found"]["template"]["severity"] == "info"
    assert renamed["found"]["template"]["evidence"]["match"]["quoted_from"].startswith(PROD + "/20")
