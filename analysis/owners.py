"""Who owns a page or a social profile: [[owners]] patterns, like a CODEOWNERS file.

A pattern with "://" is a glob over the whole URL (social profiles, or one host of a site); any other
pattern is matched, against pages only, like include/exclude patterns (the path and query, ``*`` matches anything, ``re:``
for a regular expression).  When several patterns match, the most specific wins: the one with the
most characters that are not ``*`` (a regular expression counts its length); on a tie, the later one
in the file, as in CODEOWNERS.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

from foundation.config import Owner
from foundation.urls import compile_patterns

UNOWNED = "unowned"


@dataclass
class _Rule:
    owner: str
    site: str
    pattern: str
    specificity: int
    order: int
    match: Callable[[str], object]


def _url_glob(pattern: str) -> Callable[[str], object]:
    rx = re.compile("".join(".*" if ch == "*" else re.escape(ch) for ch in pattern) + r"\Z", re.I | re.S)
    return rx.match


class Owners:
    def __init__(self, owners: list[Owner]) -> None:
        self.rules: list[_Rule] = []
        for i, o in enumerate(owners):
            match = _url_glob(o.pattern) if "://" in o.pattern else compile_patterns([o.pattern])
            spec = len(o.pattern) - 3 if o.pattern.startswith("re:") else len(o.pattern.replace("*", ""))
            self.rules.append(_Rule(o.owner, o.site, o.pattern, spec, i, match))

    def of(self, url: str, site: str | None = None, *, profile: bool = False) -> tuple[str, str | None]:
        """(owner, the pattern that decided), or ("unowned", None).  A social profile (``profile``) is matched
        by full-URL patterns only: a path pattern such as "/*" is about the pages of the sites."""
        best: _Rule | None = None
        for r in self.rules:
            if (r.site and r.site != site) or (profile and "://" not in r.pattern):
                continue
            if r.match(url) and (best is None or (r.specificity, r.order) > (best.specificity, best.order)):
                best = r
        return (best.owner, best.pattern) if best else (UNOWNED, None)
