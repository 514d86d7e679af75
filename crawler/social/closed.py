"""Closed platforms (X/Twitter, Facebook, Instagram, LinkedIn, TikTok): is the profile page there?

One GET of the public profile page, exactly what a browser that is not logged in would ask for; never a
login, never a second page.  What each platform answers is recognised from a table (below): status
codes, redirects to its "unavailable" page, its own "this account doesn't exist" or "suspended" texts.

- A *strong* marker decides alone (TikTok's "Couldn't find this account", X's "This account doesn't
  exist", LinkedIn's redirect to /company/unavailable/).
- A *weak* marker (Facebook's "This content isn't available", which it also shows for content shared
  with a few people) counts only together with a 404 or 410 status.
- A 404 or 410 without any marker is missing with a lower confidence.
- A redirect to a login page, a 999 or 429 (refused automated requests), a page that does not name the
  profile (most of X is rendered by JavaScript): ``unknown``.  Never a guess.
- ``alive`` needs the page itself to name the profile (its canonical URL, og:url or title carries the
  handle); the display name comes from its title.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from crawler.social.base import ask, Ask, Check, CheckResult, read_page


@dataclass(frozen=True)
class PlatformAnswers:
    name: str
    missing_strong: tuple[str, ...] = ()
    missing_weak: tuple[str, ...] = ()
    suspended: tuple[str, ...] = ()
    unavailable_paths: tuple[str, ...] = ()     # a redirect here means the profile does not exist
    login_paths: tuple[str, ...] = ()           # a redirect here is a login wall: unknown
    refused: tuple[int, ...] = (403, 429, 999)  # statuses that mean "no automated requests"
    title_suffixes: tuple[str, ...] = ()        # removed from the page title to get the display name
    same_for_suspended: bool = False            # the platform answers a suspended account as a missing one


ANSWERS = {
    "x": PlatformAnswers(
        "X",
        missing_strong=("this account doesn't exist", "sorry, that page doesn't exist", "hmm...this page doesn't exist"),
        suspended=("account suspended", "x suspends accounts which violate", "twitter suspends accounts which violate",
                   "this account has been suspended"),
        login_paths=("/login", "/i/flow/login", "/i/flow/signup"),
        title_suffixes=(" / x", " / twitter", " on x", " on twitter"),
    ),
    "facebook": PlatformAnswers(
        "Facebook",
        same_for_suspended=True,
        missing_weak=("this content isn't available", "this page isn't available", "the link you followed may be broken",
                      "the page you requested cannot be displayed"),
        login_paths=("/login", "/login.php", "/login/", "/checkpoint"),
        title_suffixes=(" | facebook", " - home", " - facebook"),
    ),
    "instagram": PlatformAnswers(
        "Instagram",
        same_for_suspended=True,
        missing_weak=("sorry, this page isn't available", "the link you followed may be broken"),
        login_paths=("/accounts/login", "/challenge"),
        title_suffixes=(" • instagram photos and videos", " • instagram", " | instagram"),
    ),
    "linkedin": PlatformAnswers(
        "LinkedIn",
        same_for_suspended=True,
        missing_weak=("page not found", "this page doesn't exist", "this page doesn't exist"),
        unavailable_paths=("/company/unavailable", "/school/unavailable", "/showcase/unavailable"),
        login_paths=("/authwall", "/login", "/uas/login", "/checkpoint", "/signup"),
        title_suffixes=(" | linkedin",),
    ),
    "tiktok": PlatformAnswers(
        "TikTok",
        missing_strong=("couldn't find this account",),
        suspended=("account banned", "this account was banned", "account is banned"),
        login_paths=("/login",),
        title_suffixes=(" | tiktok",),
    ),
}
LOGIN_PATHS = {p: a.login_paths for p, a in ANSWERS.items()}

def _quote(visible: str, marker: str) -> str:
    i = visible.find(marker)
    return visible[max(0, i - 60): i + len(marker) + 60].strip()


def _display_name(title: str, answers: PlatformAnswers, handle: str) -> str | None:
    t = " ".join(title.split())
    low = t.lower()
    for suffix in answers.title_suffixes:
        if low.endswith(suffix):
            t, low = t[: -len(suffix)], low[: -len(suffix)]
    t = re.sub(r"\s*\(@?" + re.escape(handle.lstrip("@")) + r"\)\s*", " ", t, flags=re.I).strip(" -|•")
    return t or None


def check_closed(profile, now: datetime, keep: int) -> Check:
    answers = ANSWERS[profile.platform]
    res = CheckResult("unknown", "", adapter=f"closed:{profile.platform}", handle=profile.handle)
    a = yield from ask(res, Ask(profile.url, "page", accept="text/html,application/xhtml+xml"))
    name = answers.name
    if a.error:
        res.reason = f"{name} did not answer: {a.error}"
        return res
    final_path = urlsplit(a.stopped_at or a.final_url or a.url).path.rstrip("/").lower()
    for p in answers.unavailable_paths:
        if final_path.startswith(p):
            res.status, res.confidence = "missing", 0.9
            res.marker = f"redirect to {a.stopped_at or a.final_url}"
            res.reason = f"{name} redirects the profile to its \"unavailable\" page ({res.final_url}): no such account"
            return res
    if a.stopped_at:
        res.reason = f"{name} asks to log in (redirect to {a.stopped_at}); content-decay never logs in, so it cannot tell"
        return res
    page = read_page(a.text())
    visible = page.visible
    for m in answers.suspended:
        if m in visible:
            res.status, res.confidence, res.marker = "suspended", 0.9, _quote(visible, m)
            res.reason = f'{name} says the account is suspended: "{res.marker}"'
            return res
    for m in answers.missing_strong:
        if m in visible:
            res.status, res.confidence, res.marker = "missing", 0.9, _quote(visible, m)
            res.reason = f'{name} says no such account exists: "{res.marker}" (HTTP {a.status})'
            return res
    if a.status in (404, 410):
        weak = next((m for m in answers.missing_weak if m in visible), None)
        res.status = "missing"
        if weak:
            res.confidence, res.marker = 0.85, _quote(visible, weak)
            res.reason = f'{name} answers {a.status} and says "{res.marker}"'
        else:
            res.confidence, res.marker = 0.7, f"HTTP {a.status}"
            res.reason = f"{name} answers {a.status} (not found) for the profile page"
        if answers.same_for_suspended:
            res.confidence -= 0.1
            res.reason += f"; {name} gives the same answer for a suspended account, whose name is not free"
        return res
    if a.status in answers.refused:
        res.reason = f"{name} refused the request (HTTP {a.status}): it blocks automated visits, so nothing can be said"
        return res
    if not a.ok:
        res.reason = f"{name} answered HTTP {a.status}"
        return res
    meta = page.meta
    title = meta.get("og:title") or page.title
    handle = profile.handle.lstrip("@").split("/")[-1].lower()
    named_in = [where for where, v in (("canonical URL", page.canonical), ("og:url", meta.get("og:url", "")),
                                       ("title", title)) if handle and handle in v.lower()]
    if not named_in:
        weak = next((m for m in answers.missing_weak if m in visible), None)
        res.reason = (f'{name} answered 200 but the page does not show the profile' +
                      (f' (it says "{_quote(visible, weak)}", which {name} also says of restricted profiles)' if weak else
                       " (it is rendered by JavaScript or behind a wall)"))
        return res
    res.status, res.confidence = "alive", 0.8
    res.display_name = _display_name(title, answers, handle) if title else None
    res.bio = (meta.get("og:description") or "")[:1000] or None
    res.reason = f"{name} shows the profile (its {named_in[0]} names {profile.handle})"
    return res
