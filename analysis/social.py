"""Social findings: hijackable links, dormant, unlisted, unlinked, unavailable accounts, inconsistent identity.

Reads the facts of the latest complete social crawl (``social_profiles``, ``social_sources``,
``social_checks``, ``social_posts``) and the configuration; writes nothing (the runner writes the findings
in its one transaction).  Every finding is about a profile (``subject_type = 'profile'``, ``subject_id`` =
``social_profiles.id``, stable across crawls) and is filed under the site name ``(social)``: a profile
belongs to the organisation, not to one site; the evidence names the sites and pages that link to it.
"""
from __future__ import annotations

import json
import re
import sqlite3
from dataclasses import dataclass, field
from datetime import datetime
from difflib import SequenceMatcher
from urllib.parse import urlsplit

from analysis.findings import Finding
from foundation.catalog import categories
from foundation.times import parse_iso
from foundation.failures import network_error
from foundation.profiles import MAX_NAME, ProfileRef, identify, registrable
from foundation.config import Config, parse_duration

SOCIAL_SITE = "(social)"
RULES = categories("social.hijackable_link", "social.unavailable_account", "social.dormant_account", "social.unlisted_account",
                   "social.unlinked_account", "social.inconsistent_identity", "social.network_down")   # rule -> category (foundation/catalog.py)
# The social crawl is judged "network down" (the crawler itself reached no platform) when at least NETWORK_DOWN_SHARE of
# its checks, and at least NETWORK_DOWN_MIN of them, failed before any server answered (DNS, connection refused or
# timed out: foundation.failures.network_error); an HTTP answer (404, 410, a suspended page) is never such a failure.
NETWORK_DOWN_SHARE = 0.8
NETWORK_DOWN_MIN = 3
NETWORK_SUBJECT = "(social crawl)"
PLATFORM_NAMES = {"x": "X", "facebook": "Facebook", "instagram": "Instagram", "linkedin": "LinkedIn", "tiktok": "TikTok",
                  "youtube": "YouTube", "mastodon": "Mastodon", "bluesky": "Bluesky", "medium": "Medium",
                  "substack": "Substack", "feed": "feed"}
TEMPLATE_POSITIONS = ("nav", "header", "footer", "aside", "head")
CLAIMS = ("rel-me", "sameas")   # sources by which a page says "this profile is us"


@dataclass
class Profile:
    id: int
    key: str
    platform: str
    handle: str
    url: str
    declared: bool
    official: bool | None
    owner: str | None
    sources: list[dict] = field(default_factory=list)
    check: dict | None = None
    posts: list[dict] = field(default_factory=list)
    same_account: dict | None = None   # other URLs of this account, and why they are the same account (merge_accounts)

    @property
    def links(self) -> list[dict]:
        return [s for s in self.sources if s["source"] != "config"]

    @property
    def pages(self) -> list[str]:
        return sorted({s["page_url"] for s in self.links if s["page_url"]})

    @property
    def label(self) -> str:
        return f"{PLATFORM_NAMES.get(self.platform, self.platform)} {self.handle}"


def latest_social_crawl(conn: sqlite3.Connection) -> tuple[int, dict] | None:
    try:
        row = conn.execute("SELECT id, site_crawls FROM social_crawls WHERE status = 'complete' ORDER BY id DESC LIMIT 1").fetchone()
    except sqlite3.OperationalError:
        return None
    return (row[0], json.loads(row[1] or "{}")) if row else None


def load(conn: sqlite3.Connection, run_id: int, checks_run: int | None = -1) -> list[Profile]:
    """The profiles of social crawl ``run_id``, with their checks from ``checks_run`` (default: the same crawl; None: none)."""
    checks_run = run_id if checks_run == -1 else checks_run
    profiles: dict[int, Profile] = {}
    for pid, key, platform, handle, url, declared, official, owner in conn.execute(
            "SELECT id, key, platform, handle, url, declared, official, owner FROM social_profiles WHERE social_crawl_id = ? "
            "ORDER BY key", [run_id]):
        profiles[pid] = Profile(pid, key, platform, handle, url, bool(declared), None if official is None else bool(official), owner)
    cols = ["profile_id", "ordinal", "source", "site", "page_id", "page_url", "link_url", "anchor", "position", "context"]
    for row in conn.execute(f"SELECT {', '.join(cols)} FROM social_sources ORDER BY profile_id, ordinal"):
        p = profiles.get(row[0])
        if p is not None:
            p.sources.append(dict(zip(cols, row)))
    ccols = ["profile_id", "checked_at", "adapter", "status", "reason", "confidence", "http_status", "requested_url", "final_url",
             "marker", "display_name", "handle", "bio", "bio_link", "moved_to", "feed_url", "last_post_at", "posts_90d", "posts_seen",
             "evidence"]
    for row in conn.execute(f"SELECT {', '.join(ccols)} FROM social_checks WHERE social_crawl_id = ?", [checks_run]):
        p = profiles.get(row[0])
        if p is not None:
            p.check = dict(zip(ccols, row))
            try:
                ev = json.loads(p.check["evidence"] or "[]")
            except ValueError:
                ev = []
            p.check["evidence"] = ev if isinstance(ev, list) else []
    for pid, published_at, url, text in conn.execute(
            "SELECT profile_id, published_at, url, excerpt FROM social_posts ORDER BY profile_id, ordinal"):
        p = profiles.get(pid)
        if p is not None:
            p.posts.append({"date": published_at, "url": url, "first_words": text})
    return list(profiles.values())


def _check_evidence(c: dict) -> dict:
    return {k: c[k] for k in ("status", "reason", "checked_at", "adapter", "http_status", "requested_url", "final_url", "marker")
            if c.get(k) is not None}


def _profile_evidence(p: Profile) -> dict:
    out = {"platform": p.platform, "handle": p.handle, "url": p.url, "declared": p.declared}
    if p.declared:
        out["official"] = p.official
        out["owner"] = p.owner or "(not given: add owner to its [[social]] table)"
    return out


def _linking(p: Profile, max_listed: int) -> dict:
    links = p.links
    out = {
        "linking_pages": len(p.pages),
        "links": len(links),
        "sites": sorted({s["site"] for s in links if s["site"]}),
        "linked_from": [{"page": s["page_url"], "site": s["site"], "how": {"link": "link", "rel-me": 'link rel="me"',
                                                                            "sameas": "JSON-LD sameAs"}[s["source"]],
                         "anchor": s["anchor"], "position": s["position"], "linked_as": s["link_url"], "element": s["context"]}
                        for s in links[:max_listed]],
    }
    if len(links) > max_listed:
        out["not_listed"] = f"{len(links) - max_listed} more; all of them: SELECT * FROM social_sources WHERE profile_id = {p.id}"
    return out


class Rules:
    def __init__(self, config: Config, now: datetime, run_id: int, site_crawls: dict) -> None:
        self.config = config
        self.now = now
        self.run_id = run_id
        self.site_crawls = site_crawls
        self.checks_run: int | None = run_id   # the crawl whose checks are judged (an earlier one when this one had no network)
        self.not_checked = "not checked (over [social_settings] max_profiles, or check_discovered = false)"
        st = config.social_settings
        self.dormant_days = parse_duration(st.dormant_after) or 182
        self.max_listed = config.links.max_listed

    def finding(self, rule: str, p: Profile, severity: str, confidence: float, message: str, evidence: dict,
                material=None) -> Finding:
        c = p.check or {}
        extra = {"same_account": p.same_account} if p.same_account else {}
        if self.checks_run is not None and self.checks_run != self.run_id and c:
            extra["checked_in_social_crawl"] = self.checks_run   # the latest crawl reached no platform (social.network_down)
        return Finding(rule=rule, category=RULES[rule], severity=severity, confidence=confidence, site=SOCIAL_SITE,
                       subject_url=p.url, subject_id=p.id, subject_type="profile",
                       title=c.get("display_name") or p.label, message=message,
                       evidence={"profile": _profile_evidence(p), **evidence, **extra, "social_crawl_id": self.run_id},
                       material=material)

    # -------------------------------------------------------------------------------------------- rules
    def hijackable(self, p: Profile) -> Finding | None:
        c = p.check
        if not c or c["status"] != "missing" or not p.links:
            return None
        n = len(p.pages)
        claim = registrable(ProfileRef(p.platform, p.handle, p.key, p.url))
        limit = MAX_NAME.get(p.platform)
        msg = (f"{n} page{'s' if n != 1 else ''} link{'' if n != 1 else 's'} to {p.url}, {_article(PLATFORM_NAMES.get(p.platform, p.platform))} "
               "account that does not exist" + (
                   f": anyone can register {p.handle} and speak as you to everyone who follows those links." if claim else
                   f" (its name is longer than the {limit} characters {PLATFORM_NAMES.get(p.platform)} allows, so nobody can "
                   "register it: the links are broken, not hijackable)." if limit else "."))
        return self.finding("social.hijackable_link", p, "critical" if claim else "high", c["confidence"] or 0.7, msg, {
            "check": _check_evidence(c), **_linking(p, self.max_listed), "registrable": claim,
            "what_to_do": "Remove or replace the links" + (f", and consider registering {p.handle} yourself so nobody else can."
                                                           if claim else "."),
        }, material={"status": "missing", "pages": p.pages})

    def unavailable(self, p: Profile) -> Finding | None:
        c = p.check
        if not c or c["status"] not in ("missing", "suspended") or not (p.declared or p.links):
            return None
        if c["status"] == "missing" and p.links:
            return None   # social.hijackable_link says it, with the pages
        if c["status"] == "missing":
            sev, msg = "high", (f"The declared {p.label} does not exist any more ({c['reason']}); anyone can register the name "
                                "and speak as you to people who find it in print, e-mail signatures or old posts.")
        else:
            sev = "high" if (p.official or p.links) else "medium"
            msg = f"{p.label} is suspended or deactivated ({c['reason']})" + (
                f"; {len(p.pages)} page(s) still link to it." if p.links else ".")
        ev = {"check": _check_evidence(c)}
        if p.links:
            ev.update(_linking(p, self.max_listed))
        return self.finding("social.unavailable_account", p, sev, c["confidence"] or 0.7, msg, ev,
                            material={"status": c["status"], "pages": p.pages})

    def dormant(self, p: Profile) -> Finding | None:
        c = p.check
        if not c or c["status"] != "alive" or c["posts_seen"] is None:
            return None
        last = parse_iso(c["last_post_at"])
        threshold = self.config.social_settings.dormant_after
        public = bool(p.official or p.links)
        sev = "medium" if public else "low"
        if last is None:
            if c["posts_seen"]:
                return None   # posts, but none with a usable date: nothing can be said
            msg = f"{p.label} has no public post at all (its {'feed' if c['feed_url'] else 'profile'} lists none)."
            return self.finding("social.dormant_account", p, sev, 0.6, msg, {
                "last_post_at": None, "threshold": threshold, "posts_seen": 0, "check": _check_evidence(c),
                "feed_url": c["feed_url"]}, material={"last_post_at": None})
        days = (self.now - last).days
        if days <= self.dormant_days:
            return None
        msg = (f"No post on {p.label} since {last.date().isoformat()} ({days} days; the threshold is {threshold}): "
               "the account looks abandoned." + (f" It says it moved to {c['moved_to']}." if c.get("moved_to") else ""))
        return self.finding("social.dormant_account", p, sev, 0.9, msg, {
            "last_post_at": c["last_post_at"], "days_since": days, "threshold": threshold,
            "threshold_days": self.dormant_days, "posts_in_last_90_days": c["posts_90d"], "posts_seen": c["posts_seen"],
            "latest_posts": p.posts, "feed_url": c["feed_url"], "moved_to": c.get("moved_to"),
            "check": _check_evidence(c), **({"linking_pages": len(p.pages)} if p.links else {}),
        }, material={"last_post_at": c["last_post_at"]})

    def unlisted(self, p: Profile) -> Finding | None:
        if p.declared or not p.links:
            return None
        claims = [s for s in p.links if s["source"] in CLAIMS]
        template = [s for s in p.links if s["position"] in TEMPLATE_POSITIONS]
        strong = bool(claims or template)
        why = ("the site presents it as its own (" + ", ".join(sorted(
            {"rel=me" if s["source"] == "rel-me" else "JSON-LD sameAs" if s["source"] == "sameas" else f"a link in the {s['position']}"
             for s in (claims or template)})) + ")") if strong else "it is linked only from page content (it may be someone else's)"
        c = p.check or {}
        msg = (f"{p.label} is linked from {len(p.pages)} page(s) but is not in the inventory ([[social]]); {why}. "
               "If it is yours, declare it with an owner; if not, make sure the link is meant.")
        # linked only from page content (an author's or a partner's account, cited): information, not a cleanup item
        return self.finding("social.unlisted_account", p, "medium" if strong else "info", 0.8 if strong else 0.5, msg, {
            "why": why, "check": _check_evidence(c) if c else self.not_checked,
            **_linking(p, self.max_listed),
        }, material={"pages": p.pages})

    def unlinked(self, p: Profile) -> Finding | None:
        c = p.check
        if not p.declared or not p.official or p.links or not self.site_crawls:
            return None
        if c and c["status"] in ("missing", "suspended"):
            return None   # social.unavailable_account
        sites = ", ".join(sorted(self.site_crawls))
        msg = (f"The official {p.label} is not linked from any page of {sites}: visitors cannot find it from the site, and "
               "nothing on the site shows it is really yours.")
        return self.finding("social.unlinked_account", p, "low", 0.8, msg, {
            "sites_searched": self.site_crawls, "searched_for": "links (<a>, <area>, <link>), rel=me and JSON-LD sameAs to any form of its URL",
            "check": _check_evidence(c) if c else None,
        }, material={"linked": False})

    def identity(self, p: Profile, everyone: list[Profile]) -> Finding | None:
        c = p.check
        if not c or not p.declared or not p.official or c["status"] != "alive":
            return None
        org = self.config.organisation
        diffs: list[str] = []
        strong = False
        name = c.get("display_name")
        if name and org.name and not same_name(name, org.name):
            diffs.append(f'its display name "{name}" is not the organisation\'s name "{org.name}"')
            strong = True
        own = own_hosts(self.config)
        link = c.get("bio_link")
        if link and own and not host_matches(link, own):
            diffs.append(f"its profile links to {link}, not to {', '.join(sorted(own))}")
            strong = True
        majority = majority_handle(everyone)
        mine = norm_handle(p)
        if majority and mine and mine != majority:
            diffs.append(f'its handle "{p.handle}" differs from the one used on most platforms ("{majority}")')
        if not diffs:
            return None
        msg = f"{p.label} does not look like {org.name}: " + "; ".join(diffs) + "."
        table = [{"platform": q.platform, "handle": q.handle, "display_name": (q.check or {}).get("display_name"),
                  "bio_link": (q.check or {}).get("bio_link")} for q in everyone
                 if q.declared and q.official and q.check and q.check["status"] == "alive"]
        return self.finding("social.inconsistent_identity", p, "medium" if strong else "low", 0.8 if strong else 0.5, msg, {
            "differences": diffs, "organisation": {"name": org.name, "website": org.website or None, "own_hosts": sorted(own)},
            "this_profile": {"display_name": name, "handle": c.get("handle") or p.handle, "bio_link": link},
            "all_official_profiles": table,
        }, material={"differences": diffs})


# ---------------------------------------------------------------------------------------------- identity helpers
def _norm(s: str) -> str:
    return re.sub(r"[^0-9a-z]+", "", (s or "").casefold())


def same_name(display: str, org: str) -> bool:
    a, b = _norm(display), _norm(org)
    if not a or not b:
        return True
    return a == b or a in b or b in a or SequenceMatcher(None, a, b).ratio() >= 0.85


def _host(url: str) -> str:
    try:
        h = (urlsplit(url if "://" in url else "https://" + url).hostname or "").lower()
    except ValueError:
        return ""
    return h[4:] if h.startswith("www.") else h


def own_hosts(config: Config) -> set[str]:
    hosts = set()
    if config.organisation.website:
        hosts.add(_host(config.organisation.website))
    for s in config.sites:
        hosts.update(_host(u) for u in s.start_urls)
        hosts.update(_host(u) for u in s.aliases)
        hosts.update(h[4:] if h.startswith("www.") else h for h in s.hosts)
    return {h for h in hosts if h}


def host_matches(url: str, own: set[str]) -> bool:
    h = _host(url)
    return any(h == o or h.endswith("." + o) or o.endswith("." + h) for o in own)


def norm_handle(p: Profile) -> str:
    if p.platform in ("feed",) or p.platform == "youtube" and not p.handle.startswith("@"):
        return ""
    h = p.handle.lstrip("@").split("@")[0].split("/")[-1]
    if p.platform == "bluesky":
        h = h.split(".")[0]
    return re.sub(r"[^0-9a-z]", "", h.casefold())


def majority_handle(profiles: list[Profile]) -> str:
    from collections import Counter

    hs = [norm_handle(p) for p in profiles if p.declared and p.official and p.check and p.check["status"] == "alive"]
    counts = Counter(h for h in hs if h)
    if len(counts) < 2:
        return ""
    (top, n), = counts.most_common(1)
    return top if n >= 2 else ""


# ---------------------------------------------------------------------------------------------- one account, one profile
def _identities(p: Profile) -> list[tuple[str, str]]:
    """(key, why) of the stable identity the platform named for this profile, when it differs from the profile's own key:
    a YouTube @handle, /c/ or /user/ name -> its /channel/UC... id (its channel page's canonical link or channel-id meta, or
    its feed), a Bluesky handle -> its did.  Only from a check that reached the account (alive or suspended)."""
    c = p.check
    if not c or c["status"] not in ("alive", "suspended"):
        return []
    out = []
    for e in c.get("evidence") or []:
        if isinstance(e, dict) and e.get("same_as"):
            ref = identify(str(e["same_as"]))
            if ref is not None and ref.platform == p.platform and ref.key != p.key:
                out.append((ref.key, str(e.get("how") or f"the platform names {ref.url} as {p.url}")))
    if not out and p.platform == "youtube" and not p.key.startswith("youtube:channel:"):
        # crawls before the identity was recorded: the channel feed the check read names the channel id
        m = re.search(r"[?&]channel_id=(UC[A-Za-z0-9_-]{22})", c.get("feed_url") or "")
        if m:
            out.append((f"youtube:channel:{m.group(1)}", f"the check of {p.url} found and read the feed of channel {m.group(1)}"))
    return out


def merge_accounts(profiles: list[Profile]) -> list[Profile]:
    """One profile per account: the URLs the platform says are one account (a YouTube channel by its id and by its
    @handle, a Bluesky handle and its did) are judged as one, under the declared one (else the stable id, else the most
    linked), with all their links and the evidence of why in ``same_account``.  twitter.com and x.com, www./m./mobile.
    hosts, letter case, trailing slashes and ?lang= are one profile already (``foundation.profiles.identify``)."""
    parent: dict[str, str] = {}

    def find(k: str) -> str:
        while parent.setdefault(k, k) != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    why: dict[str, list[str]] = {}
    targets: set[str] = set()
    for p in profiles:
        for key, how in _identities(p):
            parent[find(p.key)] = find(key)
            why.setdefault(p.key, []).append(how)
            targets.add(key)
    groups: dict[str, list[Profile]] = {}
    for p in profiles:
        groups.setdefault(find(p.key), []).append(p)
    out = []
    for p in profiles:
        group = groups.pop(find(p.key), None)
        if group is None:
            continue
        if len(group) == 1:
            out.append(group[0])
            continue
        ordered = sorted(group, key=lambda q: (not q.declared, q.key not in targets, -len(q.pages), q.key))
        first = ordered[0]
        declared = [q for q in ordered if q.declared]
        m = Profile(first.id, first.key, first.platform, first.handle, first.url, bool(declared),
                    declared[0].official if declared else None, next((q.owner for q in declared if q.owner), None))
        m.sources = [s for q in ordered for s in q.sources]
        known = [q for q in ordered if q.check and q.check["status"] != "unknown"]
        chosen = first if first.check and first.check["status"] != "unknown" else (known[0] if known else first)
        m.check, m.posts = chosen.check, chosen.posts
        m.same_account = {
            "urls": [q.url for q in ordered],
            "because": [h for q in ordered for h in why.get(q.key, [])],
            "profiles": [{"url": q.url, "profile_id": q.id, "declared": q.declared, "linking_pages": len(q.pages),
                          "check": (q.check or {}).get("status")} for q in ordered],
            "judged_as": first.url,
        }
        out.append(m)
    return out


# ---------------------------------------------------------------------------------------------- the crawler's own network
def network_failed(check: dict | None) -> str | None:
    """The error, when every request of this check failed before any server answered (DNS, refused, timed out)."""
    if not check or check["status"] != "unknown":
        return None
    answers = [e.get("answer") for e in check.get("evidence") or [] if isinstance(e, dict) and "answer" in e]
    if answers and all(network_error(a) for a in answers):
        return answers[0]
    return None


def _network_down(profiles: list[Profile]) -> tuple[int, list[tuple[Profile, str]]] | None:
    checked = [p for p in profiles if p.check]
    failed = [(p, e) for p in checked for e in [network_failed(p.check)] if e]
    if len(checked) >= NETWORK_DOWN_MIN and len(failed) >= NETWORK_DOWN_SHARE * len(checked):
        return len(checked), failed
    return None


def _usable_before(conn: sqlite3.Connection, run_id: int) -> tuple[int, str] | None:
    """The latest complete social crawl before ``run_id`` that reached the platforms: (id, finished_at)."""
    for rid, finished in conn.execute("SELECT id, finished_at FROM social_crawls WHERE status = 'complete' AND id < ? "
                                      "ORDER BY id DESC LIMIT 30", [run_id]).fetchall():
        if _network_down(load(conn, rid)) is None:
            return rid, finished
    return None


def _network_note(run_id: int, checked: int, failed: list[tuple[Profile, str]], earlier: tuple[int, str] | None) -> Finding:
    kinds: dict[str, int] = {}
    for _, e in failed:
        k = e.split(":")[0].strip()
        kinds[k] = kinds.get(k, 0) + 1
    hosts = sorted({urlsplit((p.check or {}).get("requested_url") or p.url).netloc for p, _ in failed})
    msg = (f"Social profiles could not be checked: {len(failed)} of {checked} checks of social crawl {run_id} failed with DNS "
           "or connection errors before any platform answered; the crawler had no network? No account is judged from this crawl"
           + (f"; the account findings come from social crawl {earlier[0]} ({(earlier[1] or '')[:10]}), the latest that reached "
              "the platforms." if earlier else "."))
    return Finding(rule="social.network_down", category=RULES["social.network_down"], severity="info", confidence=0.9, site=SOCIAL_SITE,
                   subject_url=NETWORK_SUBJECT, subject_type="social_crawl", title="Social crawl without network", message=msg,
                   evidence={"social_crawl_id": run_id, "checks": checked, "failed_before_any_answer": len(failed),
                             "errors": kinds, "hosts": hosts[:20],
                             "examples": [{"profile": p.url, "error": e} for p, e in failed[:5]],
                             "threshold": f"at least {NETWORK_DOWN_SHARE:.0%} of at least {NETWORK_DOWN_MIN} checks",
                             "checks_judged_instead": {"social_crawl_id": earlier[0], "finished_at": earlier[1]} if earlier else None,
                             "what_to_do": "check the crawling machine's DNS, proxy and firewall, then run decay crawl --only social"},
                   material={"network_down": True, "checks_judged_instead": earlier[0] if earlier else None})


def analyse_social(conn: sqlite3.Connection, config: Config, now: datetime) -> tuple[int, list[Finding]] | None:
    """The findings about the profiles of the latest complete social crawl; None when there is none yet.

    When that crawl reached no platform (social.network_down), its checks judge nothing: the accounts are judged from
    the checks of the latest earlier crawl that did, if any (its inventory, the pages that link, is still this crawl's)."""
    latest = latest_social_crawl(conn)
    if latest is None:
        return None
    run_id, site_crawls = latest
    profiles = load(conn, run_id)
    rules = Rules(config, now, run_id, site_crawls)
    findings: list[Finding] = []
    down = _network_down(profiles)
    if down is not None:
        earlier = _usable_before(conn, run_id)
        findings.append(_network_note(run_id, down[0], down[1], earlier))
        profiles = load(conn, run_id, earlier[0] if earlier else None)
        rules.checks_run = earlier[0] if earlier else None
        rules.not_checked = (f"not checked: social crawl {run_id} reached no platform (see social.network_down)"
                             + (f" and social crawl {earlier[0]} did not check it" if earlier else ""))
    profiles = merge_accounts(profiles)
    for p in profiles:
        for f in (rules.hijackable(p), rules.unavailable(p), rules.dormant(p), rules.unlisted(p), rules.unlinked(p),
                  rules.identity(p, profiles)):
            if f is not None:
                findings.append(f)
    return run_id, findings


def _article(name: str) -> str:
    """ "an X", "an Instagram", "a Mastodon": by how the name is said, not spelt."""
    return ("an " if name[:1].upper() in "AEIOUX" else "a ") + name
