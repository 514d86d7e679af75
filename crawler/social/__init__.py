"""Social profiles: which accounts the organisation has (or its sites link to), and whether they are alive.

- ``platforms``: recognising profile URLs and handles, one canonical form and a stable id per profile.
- ``inventory``: the profiles to check: declared in the configuration ([[social]]) and discovered in the
  latest complete crawl of each site (links, JSON-LD sameAs, rel="me").
- one adapter per platform (``mastodon``, ``bluesky``, ``youtube``, ``feed``, ``closed``): generators that
  ask for URLs and decide alive / missing / suspended / unknown with the evidence.
- ``store``: the run's row, and its facts written in one transaction at the end.

The ``social`` spider (``crawler/spiders/social.py``) drives the adapters.
"""
from __future__ import annotations

from datetime import datetime

from crawler.social.base import Check
from crawler.social.bluesky import check_bluesky
from crawler.social.closed import check_closed
from crawler.social.feed import check_feed
from crawler.social.mastodon import check_mastodon
from foundation.profiles import CLOSED_PLATFORMS, ProfileRef
from crawler.social.youtube import check_youtube

ADAPTERS = {
    "mastodon": check_mastodon,
    "bluesky": check_bluesky,
    "youtube": check_youtube,
    "medium": check_feed,
    "substack": check_feed,
    "feed": check_feed,
    **{p: check_closed for p in CLOSED_PLATFORMS},
}


def check(profile: ProfileRef, now: datetime, keep: int) -> Check:
    """The adapter's generator for one profile."""
    return ADAPTERS[profile.platform](profile, now, keep)
