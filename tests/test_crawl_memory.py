"""Bounded memory at scale (issue 18): the re-validation plan is streamed in batches from the staging file, and the
answers of the pass that wait for their page to be discovered spill there past a bound.  Behaviour only: the
figures are benchmarks/nightly_bench.py --known and benchmarks/crawl_bench.py's."""
from __future__ import annotations

import pytest

import crawler.record.carryover as carryover
from crawler.record.router import Router
from foundation.config import load_config
from foundation.facts import Fetch
from tests.conftest import write_config

S = "https://www.example.org"
WHEN = "2026-11-23T02:00:00+00:00"
HTML = {"content-type": "text/html; charset=utf-8"}
N = 23   # pages under the home page


def html(title: str, *links: str) -> bytes:
    return (f"<html><head><title>{title}</title></head><body><main><p>Some text about {title}.</p>"
            + "".join(f'<a href="{u}">link {u}</a>' for u in links) + "</main></body></html>").encode()


def fetch(url: str, status: int = 200, headers: dict | None = None, via: str = "link") -> Fetch:
    return Fetch(url=url, site="main", requested_url=url, found_via=via, found_on=None, depth=None, kind="page",
                 status=status, headers=headers or {}, fetched_at=WHEN)


@pytest.fixture
def known(tmp_path):
    """A complete first crawl of a home page and N pages (each with an ETag); returns make() -> the next crawl's Router."""
    cfg = write_config(tmp_path / "org.toml", f"""
        [organisation]
        name = "Example"

        [[sites]]
        name = "main"
        start_urls = ["{S}/"]
        """)

    def make() -> Router:
        return Router(load_config(cfg), tmp_path / "decay.db")

    rec = make()
    rec.handle("start")
    pages = [f"/p{i}.html" for i in range(N)]
    rec.handle("page", fetch(f"{S}/", headers={**HTML, "etag": '"home"'}, via="start"), html("Home", *pages))
    for p in pages:
        rec.handle("page", fetch(S + p, headers={**HTML, "etag": f'"{p}"'}), html(p))
    assert rec.handle("finish", "complete")["status"] == "complete"
    return make


def test_the_plan_is_streamed_in_batches_and_gives_every_known_page_once(known, monkeypatch):
    monkeypatch.setattr(carryover, "PLAN_BATCH", 4)
    rec = known()
    assert rec.ctx.modes["main"][0] == "incremental"
    first = rec.handle("revalidation_plan")
    assert len(first) == 4
    batches = [first]
    while batch := rec.handle("revalidation_batch"):
        assert len(batch) <= 4
        batches.append(batch)
    assert rec.handle("revalidation_batch") == []          # the end stays the end
    plan = [c for b in batches for c in b]
    assert len(plan) == N + 1 and len({c.url_id for c in plan}) == N + 1
    assert plan[0].fetch_url == f"{S}/"                      # the shallowest first, as the single list was
    assert {c.etag for c in plan} == {'"home"', *(f'"/p{i}.html"' for i in range(N))}
    rec.handle("finish", "interrupted", "test")


def test_the_plan_is_empty_when_the_pass_is_off_or_the_crawl_is_full(known, tmp_path):
    rec = known()
    rec.ctx.config.crawl.revalidation_pass = False
    assert rec.handle("revalidation_plan") == [] and rec.handle("revalidation_batch") == []
    start = rec.handle("start")
    assert start[0].validators == ('"home"', None)          # conditional requests all the same
    rec.handle("finish", "interrupted", "test")


def test_answers_waiting_for_discovery_spill_to_the_staging_file_and_settle_the_same(known, monkeypatch):
    monkeypatch.setattr(carryover, "PLAN_BATCH", 5)
    monkeypatch.setattr(carryover, "WAITING_MAX", 3)
    rec = known()
    carry = rec.carry
    batch = rec.handle("revalidation_plan")
    answered = 0
    while batch:   # every answer comes before its page is discovered (start not sent yet)
        for c in batch:
            assert rec.handle("revalidated", [(c.url_id, (WHEN, 1.0, {"etag": c.etag}))]) == []
            answered += 1
            assert len(carry.answers) <= 4                   # never more than the bound (+ the one just come)
        batch = rec.handle("revalidation_batch")
    assert answered == N + 1 and carry.spilled >= N + 1 - 4
    requests = rec.handle("start")
    requests += rec.handle("revalidation_done", {"hosts": []})
    assert not [r for r in requests if r.kind == "page"]    # every page settled by its 304, spilled or not
    assert carry.spilled == 0 and not carry.answers
    summary = rec.handle("finish", "complete")
    assert summary["status"] == "complete" and summary["not_modified"] == N + 1
