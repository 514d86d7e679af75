"""Links to other websites: checked politely, with that host's robots.txt read once per crawl first.

A link found on a page (or a redirect of an external check to yet another website) comes to
:meth:`ExternalChecks.discover`.  The first URL of a host asks for its robots.txt (message
``external_robots``, or a ``failure`` of that kind); the URLs waiting for it are then released: requested
(a HEAD, see the site spider), recorded as blocked when robots.txt disallows them, or as failed when the
host does not answer at all.  The HEAD answers themselves are resources (``crawler/record/pages.py``).
"""
from __future__ import annotations

from dataclasses import dataclass

from crawler.frontier import PRIORITY_EXTERNAL, SiteFrontier
from crawler.record.context import MAX_ROBOTS_CHARS, PAGE_COLUMNS, Context
from crawler.store import utcnow
from foundation.facts import Fetch, NewRequest
from foundation.urls import invalid_host, netloc_of, url_id


@dataclass
class ExternalHost:
    """Another website the crawl checks links to: its robots.txt, or why it does not answer."""

    pending: list[NewRequest] | None = None   # URLs waiting for the robots.txt answer (None once it came)
    robots: object = None                      # a Protego parser when the host has a robots.txt
    error: str | None = None                   # the host does not answer at all (DNS, refused, timeout)


class ExternalChecks:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.hosts: dict[str, ExternalHost] = {}

    def discover(self, sf: SiteFrontier, url: str, found_on: str, uid: int, out: list[NewRequest]) -> None:
        """Check a link to another website, politely: that host's robots.txt is read once per crawl first.

        A host that does not answer at all (DNS, refused) is asked nothing more: each of its URLs is
        recorded with that reason.  A URL its robots.txt disallows is recorded as blocked, not requested.
        """
        d = self.ctx.frontier.discover_external(sf, url, found_on, uid)
        if d is None or d.request is None:
            return
        bad_host = invalid_host(url)
        if bad_host:   # e.g. an internationalised name that cannot be written in punycode: an error row, not a request
            self.row(d.request, "failed", bad_host)
            return
        host = netloc_of(url)
        state = self.hosts.get(host)
        if state is None:
            self.hosts[host] = ExternalHost(pending=[d.request])
            robots = url[: url.find("/", url.find("//") + 2)] + "/robots.txt"
            out.append(NewRequest(robots, robots, sf.config.name, "link", found_on, None, "external_robots", PRIORITY_EXTERNAL + 1))
        elif state.pending is not None:
            state.pending.append(d.request)
        else:
            self.release(state, d.request, out)

    def release(self, state: ExternalHost, nr: NewRequest, out: list[NewRequest]) -> None:
        if state.error is not None:
            self.row(nr, "failed", state.error)
        elif state.robots is not None and not state.robots.can_fetch(nr.url, self.ctx.config.crawl.robots_user_agent):
            self.row(nr, "blocked", "disallowed by the other site's robots.txt")
        else:
            out.append(nr)

    def row(self, nr: NewRequest, outcome: str, error: str) -> None:
        """The row of an external URL that is not requested (blocked by its robots.txt, or its host does not answer)."""
        ctx = self.ctx
        ctx.frontier.mark_fetched(nr.url)
        row = dict.fromkeys(PAGE_COLUMNS)
        row.update(url_id=url_id(nr.url), url=nr.url, site=nr.site, kind="external", requested_url=None, found_via="link",
                   found_on=nr.found_on, outcome=outcome, error=error, fetched_at=utcnow(),
                   first_crawl_id=ctx.crawl_id, crawl_id=ctx.crawl_id)
        ctx.write_page(row)

    def robots(self, f: Fetch, body: bytes | None = None) -> list[NewRequest]:
        """The robots.txt of another website (or why it could not be read): release the URLs waiting for it."""
        from protego import Protego   # (third-party, imported when first needed, as before)

        state = self.hosts.get(netloc_of(f.url))
        if state is None or state.pending is None:
            return []
        if f.status is None:
            state.error = f.error or "no answer"
        elif 200 <= f.status < 300 and body:
            try:
                state.robots = Protego.parse(body.decode("utf-8", "replace")[:MAX_ROBOTS_CHARS])
            except Exception:
                state.robots = None  # an unreadable robots.txt allows everything, as for crawlers in general
        pending, state.pending = state.pending, None
        out: list[NewRequest] = []
        for nr in pending:
            self.release(state, nr, out)
        return out
