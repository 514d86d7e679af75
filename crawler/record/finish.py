"""The live counts (message ``stats``) and the end of the crawl (message ``finish``): the carried-over facts, the
routes corrected, the redirect chains, the figures per site and for the crawl, and the merge into the main
database."""
from __future__ import annotations

import json
import time

from crawler.record.carryover import CARRIED_COLUMNS, CarryOver
from crawler.record.context import HEADER_COLUMNS, Context
from crawler.record.redirects import fill_chains
from crawler.record.sitemaps import SitemapsAndRobots
from crawler.store import utcnow


def site_counts(c: dict[str, int]) -> dict[str, int]:
    """A site's figures from its URLs' outcomes (outcome -> count), as the crawls rows, the summary and the live
    progress say them: requested (every URL but those skipped or blocked by robots.txt), ok, redirects, HTTP errors,
    failures (no HTTP answer, or a URL that could not be requested: an invalid host name ...), blocked, skipped."""
    return dict(fetched=sum(v for k, v in c.items() if k not in ("skipped", "blocked")), ok=c.get("ok", 0),
                redirects=c.get("redirect", 0), http_errors=c.get("http_error", 0), failures=c.get("failed", 0),
                blocked=c.get("blocked", 0), skipped=c.get("skipped", 0))


def overall_mode(modes) -> str:
    distinct = set(modes)
    return distinct.pop() if len(distinct) == 1 else ("mixed" if distinct else "full")


class Finish:
    def __init__(self, ctx: Context, carry: CarryOver, sitemaps: SitemapsAndRobots) -> None:
        self.ctx = ctx
        self.carry = carry
        self.sitemaps = sitemaps

    def stats(self) -> dict[str, dict[str, int]]:
        """The counts so far, per site, as the summary will say them (site_counts): for the live progress."""
        ctx, nm = self.ctx, self.carry.not_modified
        return {s.name: dict(site_counts(ctx.outcome_n.get(s.name, {})), not_modified=nm.get(s.name, 0))
                for s in ctx.sites_cfg}

    def correct_discovery(self) -> None:
        """found_via, found_on and depth by the best route found during the whole crawl.

        Sitemap-only URLs are requested last, but a link to one can still be found after it was fetched
        (the queue held nothing else for a moment); its row then says how it is really reached.
        """
        staging = self.ctx.staging
        rows = [(st.via, st.found_on, st.depth, uid) for uid, st in self.ctx.frontier.corrected.items()]
        if rows:
            staging.flush()
            with staging.db.conn as conn:
                conn.executemany("UPDATE pages SET found_via = ?, found_on = ?, depth = ? WHERE url_id = ?", rows)

    def revalidation_of(self, site: str) -> dict:
        hosts = [h for h in (self.carry.revalidation or {}).get("hosts", []) if h["site"] == site]
        notes = [f"{h['host']}: {h['stopped']}" for h in hosts if h.get("stopped")]
        return {"revalidated": sum(h["requested"] for h in hosts), "revalidation_note": "; ".join(notes) or None}

    def finish(self, status: str = "complete", reason: str | None = None) -> dict:
        """End the crawl: complete (merge the facts), or interrupted/failed (keep the last good results)."""
        ctx = self.ctx
        if ctx.finished:
            return {"crawl_id": ctx.crawl_id, "status": status}
        ctx.finished = True
        now = utcnow()
        duration = round(time.monotonic() - ctx.started, 2)
        not_modified = self.carry.not_modified
        if any(not_modified.values()):
            ctx.staging.carry_over(ctx.db_path, CARRIED_COLUMNS, list(HEADER_COLUMNS.values()))
        self.correct_discovery()
        fill_chains(ctx.staging)
        conn = ctx.staging.db.conn
        counts: dict[str, dict[str, int]] = {}
        for site, outcome, n in conn.execute("SELECT site, outcome, count(*) FROM pages GROUP BY site, outcome"):
            counts.setdefault(site, {})[outcome] = n
        pages_n = {site: n for site, n in conn.execute("SELECT site, count(*) FROM pages WHERE is_html = 1 GROUP BY site")}
        links_n = conn.execute("SELECT count(*) FROM links").fetchone()[0]
        links_carried = 0
        if any(not_modified.values()):   # the links of pages answered 304 stay in the main database: count them too
            conn.execute("ATTACH DATABASE ? AS m", [str(ctx.db_path)])
            try:
                links_carried = conn.execute(
                    "SELECT count(*) FROM m.links WHERE source_id IN "
                    "(SELECT url_id FROM main.pages WHERE not_modified = 1 AND outcome != 'failed')").fetchone()[0]
            finally:
                conn.execute("DETACH DATABASE m")
        entries_n = conn.execute("SELECT count(*) FROM sitemap_entries").fetchone()[0]
        site_rows = []
        merged = []
        for s in ctx.sites_cfg:
            c = counts.get(s.name, {})
            if status != "complete":
                sstatus, sreason = status, reason
            elif not ctx.answered.get(s.name):
                sstatus = "failed"
                sreason = "no answer from the site: " + ctx.start_errors.get(s.name, "no start URL could be fetched")
            else:
                sstatus, sreason = "complete", None
            if sstatus == "complete":
                merged.append(s.name)
            sf = ctx.site(s.name)
            site_rows.append(dict(
                crawl_id=ctx.crawl_id, site=s.name, status=sstatus, reason=sreason,
                start_urls=json.dumps(sf.scope.canonical_start_urls),
                **site_counts(c), truncated=int(sf.truncated),
                mode=ctx.modes[s.name][0], mode_reason=ctx.modes[s.name][1], not_modified=not_modified.get(s.name, 0),
                **self.revalidation_of(s.name),
            ))
        if status == "complete" and not merged:
            status = "failed"
            reason = "no site could be crawled: " + "; ".join(f"{r['site']}: {r['reason']}" for r in site_rows)
        total = lambda key: sum(r[key] for r in site_rows)  # noqa: E731
        crawl_values = dict(
            finished_at=now, status=status, reason=reason, pid=None, duration_s=duration,
            fetched=total("fetched"), pages=sum(pages_n.values()), ok=total("ok"), redirects=total("redirects"),
            http_errors=total("http_errors"), failures=total("failures"), blocked=total("blocked"), skipped=total("skipped"),
            links=links_n + links_carried, sitemap_entries=entries_n, bytes=ctx.bytes,
            mode=overall_mode(r["mode"] for r in site_rows), not_modified=total("not_modified"),
            revalidated=total("revalidated"),
        )
        ctx.staging.flush()
        ctx.staging.db.conn.close()
        t = time.monotonic()
        ctx.main.merge(ctx.staging.path, ctx.crawl_id, merged if status == "complete" else [], site_rows, crawl_values)
        merge_s = round(time.monotonic() - t, 2)
        ctx.staging.remove()
        return {"crawl_id": ctx.crawl_id, "status": status, "reason": reason, "sites": site_rows, "merge_s": merge_s,
                "links_carried": links_carried, "revalidation": self.carry.revalidation,
                "sitemaps_skipped": sum(self.sitemaps.skipped.values()), **crawl_values}
