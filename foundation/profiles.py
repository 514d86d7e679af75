"""Which platform a URL belongs to, whose profile it is, and the one canonical form of that profile.

``identify("https://twitter.com/Harbourside/")`` and ``identify("https://x.com/harbourside")`` are the same
profile: ``x:harbourside``, canonical URL ``https://x.com/harbourside``.  The key (platform and
normalised handle) gives the profile its stable id, the same in every crawl and every database, the way
``urls.id`` does for URLs.  Only profile URLs are identified: a link to a post, a share button or a
search page is not a profile and returns None.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qs, quote, urlsplit

from foundation.urls import url_id
from foundation.urls import normalize

# Platforms, with what content-decay can read of each without logging in.
OPEN_PLATFORMS = ("mastodon", "bluesky", "youtube", "medium", "substack", "feed")
CLOSED_PLATFORMS = ("x", "facebook", "instagram", "linkedin", "tiktok")
PLATFORMS = OPEN_PLATFORMS + CLOSED_PLATFORMS
# Names accepted in the configuration for a platform (aliases people write).
PLATFORM_NAMES = {p: p for p in PLATFORMS} | {
    "twitter": "x", "fediverse": "mastodon", "activitypub": "mastodon", "bsky": "bluesky", "rss": "feed", "atom": "feed",
    "blog": "feed", "podcast": "feed", "jsonfeed": "feed",
}
# Platforms where a deleted account's name can be registered again by anyone (a broken link to it is hijackable).
CLAIMABLE = frozenset(("x", "facebook", "instagram", "linkedin", "tiktok", "youtube", "bluesky", "mastodon", "medium", "substack"))
# Default origins of each platform (the configuration's base_urls may point them elsewhere, e.g. a local server).
DEFAULT_BASES = {
    "x": "https://x.com", "facebook": "https://www.facebook.com", "instagram": "https://www.instagram.com",
    "linkedin": "https://www.linkedin.com", "tiktok": "https://www.tiktok.com", "youtube": "https://www.youtube.com",
    "bluesky": "https://public.api.bsky.app", "medium": "https://medium.com",
}


@dataclass(frozen=True)
class ProfileRef:
    platform: str
    handle: str          # as people write it: "harbourside", "@harbourside@mastodon.social", "company/harbourside"
    key: str             # platform:normalised handle, the identity
    url: str             # canonical profile URL
    feed_url: str | None = None   # for feed-based platforms, the feed read

    @property
    def id(self) -> int:
        return profile_id(self.key)


# The longest name each platform lets anyone register: a link to a longer one is broken, but nobody can take it over.
MAX_NAME = {"x": 15, "instagram": 30, "tiktok": 24}


def registrable(ref: "ProfileRef") -> bool:
    """Could someone register this profile's name today if it were free?"""
    if ref.platform not in CLAIMABLE:
        return False
    limit = MAX_NAME.get(ref.platform)
    return limit is None or len(ref.handle.lstrip("@")) <= limit


def profile_id(key: str) -> int:
    """Stable 63-bit id of a profile key (same hash as urls.id, over "social:" + key)."""
    return url_id("social:" + key)


def _host(netloc: str) -> str:
    h = netloc.lower().split("@")[-1].split(":")[0].rstrip(".")
    return h[4:] if h.startswith("www.") else h


def _segments(path: str) -> list[str]:
    return [s for s in path.split("/") if s]


X_HOSTS = {"twitter.com", "x.com", "mobile.twitter.com", "mobile.x.com", "m.twitter.com", "m.x.com"}
X_FOLLOW = {"follow", "user"}   # twitter.com/intent/follow?screen_name=NAME: a "follow us" button names the account
X_RESERVED = {"intent", "share", "home", "search", "hashtag", "i", "explore", "settings", "login", "logout", "signup",
              "tos", "privacy", "notifications", "messages", "compose", "about", "download", "jobs", "rules", "help"}
X_HANDLE = re.compile(r"^[A-Za-z0-9_]{1,50}$")   # X allows 15 characters; longer ones are recognised (and cannot be registered)
FB_HOSTS = {"facebook.com", "m.facebook.com", "fb.com", "web.facebook.com", "mbasic.facebook.com", "business.facebook.com"}
FB_RESERVED = {"sharer", "sharer.php", "share", "share.php", "dialog", "plugins", "tr", "login", "login.php", "help",
               "policies", "policy.php", "events", "watch", "marketplace", "gaming", "photo", "photo.php", "permalink.php",
               "story.php", "hashtag", "home.php", "settings", "privacy", "legal", "l.php", "business", "ads", "recover",
               "reg", "r.php", "pg", "media", "video.php", "notes", "search", "friends"}
FB_HANDLE = re.compile(r"^[A-Za-z0-9.\-]{2,80}$")
IG_RESERVED = {"p", "reel", "reels", "explore", "accounts", "stories", "tv", "about", "developer", "direct", "legal", "web"}
IG_HANDLE = re.compile(r"^[A-Za-z0-9_.]{1,30}$")
LI_KINDS = {"company", "in", "school", "showcase"}
TT_HANDLE = re.compile(r"^@([A-Za-z0-9_.]{2,24})$")
YT_HOSTS = {"youtube.com", "m.youtube.com"}
YT_CHANNEL = re.compile(r"^UC[A-Za-z0-9_-]{22}$")
YT_NAME = re.compile(r"^[A-Za-z0-9_.\-]{1,100}$")
MEDIUM_RESERVED = {"m", "p", "tag", "tags", "topic", "topics", "search", "about", "membership", "plans", "me", "new-story",
                   "jobs-at-medium", "policy", "creators", "feed", "signin", "sitemap", "_"}
MASTODON_USER = re.compile(r"^@([A-Za-z0-9_][A-Za-z0-9_.\-]{0,63})$")
MASTODON_REMOTE = re.compile(r"^@([A-Za-z0-9_][A-Za-z0-9_.\-]{0,63})@([A-Za-z0-9][A-Za-z0-9\-]*(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,})$")
# hosts where /@name is not an ActivityPub account
NOT_FEDIVERSE = {"medium.com", "tiktok.com", "threads.net", "youtube.com", "m.youtube.com", "substack.com", "github.com",
                 "bsky.app", "x.com", "twitter.com", "instagram.com", "facebook.com", "linkedin.com"}
BSKY_ACTOR = re.compile(r"^(did:[a-z]+:[A-Za-z0-9._:%-]+|[A-Za-z0-9][A-Za-z0-9.-]*\.[A-Za-z]{2,})$")


def _x(handle: str) -> ProfileRef:
    handle = handle.lower()
    return ProfileRef("x", handle, f"x:{handle.lower()}", f"https://x.com/{handle}")


def _instagram(handle: str) -> ProfileRef:
    handle = handle.lower()
    return ProfileRef("instagram", handle, f"instagram:{handle.lower()}", f"https://www.instagram.com/{handle}/")


def _tiktok(handle: str) -> ProfileRef:
    handle = handle.lower()
    return ProfileRef("tiktok", "@" + handle, f"tiktok:{handle.lower()}", f"https://www.tiktok.com/@{handle}")


def _linkedin(kind: str, name: str) -> ProfileRef:
    name = name.lower()
    h = f"{kind}/{name}"
    return ProfileRef("linkedin", h, f"linkedin:{kind}/{name.lower()}", f"https://www.linkedin.com/{h}/")


def _facebook(name: str) -> ProfileRef:
    if name.isdigit():
        return ProfileRef("facebook", name, f"facebook:id:{name}", f"https://www.facebook.com/profile.php?id={name}")
    name = name.lower()
    return ProfileRef("facebook", name, f"facebook:{name}", f"https://www.facebook.com/{name}")


def _youtube(kind: str, name: str) -> ProfileRef:
    if kind == "channel":
        return ProfileRef("youtube", name, f"youtube:channel:{name}", f"https://www.youtube.com/channel/{name}",
                          f"https://www.youtube.com/feeds/videos.xml?channel_id={name}")
    if kind != "channel":
        name = name.lower()
    if kind == "@":
        return ProfileRef("youtube", "@" + name, f"youtube:@{name.lower()}", f"https://www.youtube.com/@{name}")
    if kind == "user":
        return ProfileRef("youtube", name, f"youtube:user:{name.lower()}", f"https://www.youtube.com/user/{name}",
                          f"https://www.youtube.com/feeds/videos.xml?user={name}")
    return ProfileRef("youtube", name, f"youtube:c:{name.lower()}", f"https://www.youtube.com/c/{name}")


def _bluesky(actor: str) -> ProfileRef:
    a = actor if actor.startswith("did:") else actor.lower()
    return ProfileRef("bluesky", a, f"bluesky:{a}", f"https://bsky.app/profile/{a}")


def _mastodon(user: str, instance: str) -> ProfileRef:
    instance, user = instance.lower(), user.lower()
    return ProfileRef("mastodon", f"@{user}@{instance}", f"mastodon:{user.lower()}@{instance}", f"https://{instance}/@{user}",
                      f"https://{instance}/@{user}.rss")


def _medium(name: str, publication: bool = False) -> ProfileRef:
    name = name.lower()
    if publication:
        return ProfileRef("medium", name, f"medium:{name.lower()}", f"https://medium.com/{name}", f"https://medium.com/feed/{name}")
    return ProfileRef("medium", "@" + name, f"medium:@{name.lower()}", f"https://medium.com/@{name}",
                      f"https://medium.com/feed/@{name}")


def _substack(name: str) -> ProfileRef:
    name = name.lower()
    return ProfileRef("substack", name, f"substack:{name}", f"https://{name}.substack.com/", f"https://{name}.substack.com/feed")


def feed_profile(url: str) -> ProfileRef | None:

    n = normalize(url)
    if n is None:
        return None
    return ProfileRef("feed", n, f"feed:{n}", n, n)


def identify(url: str) -> ProfileRef | None:
    """The profile a URL points at, or None when it is not a profile URL of a known platform."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    host = _host(parts.netloc)
    seg = _segments(parts.path)
    if host in X_HOSTS:
        if not seg and parts.fragment.startswith("!/"):   # the old twitter.com/#!/name form
            seg = _segments(parts.fragment[2:].split("?")[0])
        if len(seg) == 2 and seg[0].lower() == "intent" and seg[1].lower() in X_FOLLOW:
            names = parse_qs(parts.query).get("screen_name")
            return _x(names[0].lstrip("@")) if names and X_HANDLE.match(names[0].lstrip("@")) else None
        if len(seg) == 1 and seg[0].lower() not in X_RESERVED and X_HANDLE.match(seg[0].lstrip("@")):
            return _x(seg[0].lstrip("@"))
        return None
    if host in FB_HOSTS:
        if not seg:
            return None
        first = seg[0].lower()
        if first == "profile.php":
            ids = parse_qs(parts.query).get("id")
            return _facebook(ids[0]) if ids and ids[0].isdigit() else None
        if first in ("pages", "people") and len(seg) >= 3 and seg[-1].isdigit():
            return _facebook(seg[-1])
        if first == "pg" and len(seg) >= 2 and FB_HANDLE.match(seg[1]):
            return _facebook(seg[1])
        if len(seg) == 1 and first not in FB_RESERVED and FB_HANDLE.match(seg[0]):
            return _facebook(seg[0])
        return None
    if host in ("instagram.com", "m.instagram.com"):
        if len(seg) == 1 and seg[0].lower() not in IG_RESERVED and IG_HANDLE.match(seg[0]):
            return _instagram(seg[0])
        return None
    if host == "linkedin.com" or host.endswith(".linkedin.com"):
        if len(seg) >= 2 and seg[0].lower() in LI_KINDS and seg[1].lower() != "unavailable" and len(seg) <= 3:
            return _linkedin(seg[0].lower(), seg[1])
        return None
    if host in ("tiktok.com", "m.tiktok.com"):
        m = TT_HANDLE.match(seg[0]) if len(seg) == 1 else None
        return _tiktok(m.group(1)) if m else None
    if host in YT_HOSTS:
        if len(seg) >= 1 and seg[0].startswith("@") and YT_NAME.match(seg[0][1:]) and len(seg) <= 2:
            return _youtube("@", seg[0][1:])
        if len(seg) >= 2 and seg[0] == "channel" and YT_CHANNEL.match(seg[1]):
            return _youtube("channel", seg[1])
        if len(seg) >= 2 and seg[0] in ("user", "c") and YT_NAME.match(seg[1]):
            return _youtube(seg[0], seg[1])
        return None
    if host == "bsky.app":
        if len(seg) == 2 and seg[0] == "profile" and BSKY_ACTOR.match(seg[1]):
            return _bluesky(seg[1])
        return None
    if host == "medium.com":
        if len(seg) == 1 and seg[0].startswith("@") and len(seg[0]) > 1:
            return _medium(seg[0][1:])
        if len(seg) == 1 and seg[0].lower() not in MEDIUM_RESERVED and YT_NAME.match(seg[0]):
            return _medium(seg[0], publication=True)
        return None
    if host.endswith(".medium.com") and host.count(".") == 2:
        sub = host.split(".")[0]
        if sub not in ("help", "policy", "blog", "about", "cdn-images-1", "miro") and not seg:
            return _medium(sub)
        return None
    if host.endswith(".substack.com") and host.count(".") == 2:
        sub = host.split(".")[0]
        if sub not in ("on", "support", "cdn", "substackcdn") and (not seg or seg == ["feed"]):
            return _substack(sub)
        return None
    if host not in NOT_FEDIVERSE and "." in host:
        if len(seg) == 1:
            m = MASTODON_USER.match(seg[0])
            if m:
                return _mastodon(m.group(1), host)
            m = MASTODON_REMOTE.match(seg[0])   # another server's view of an account (/@name@its.server): the same account
            if m and m.group(2).lower().rstrip(".") not in NOT_FEDIVERSE:
                return _mastodon(m.group(1), m.group(2).rstrip("."))
        if len(seg) == 2 and seg[0] == "users" and MASTODON_USER.match("@" + seg[1]):
            return _mastodon(seg[1], host)
    return None


def from_handle(platform: str, handle: str) -> ProfileRef | None:
    """A profile from a platform and a handle as people write it ("@harbourside", "@trust@mastodon.social")."""
    platform = PLATFORM_NAMES.get(platform.lower().strip(), "")
    h = handle.strip()
    if not platform or not h:
        return None
    if platform == "mastodon":
        m = re.match(r"^@?([A-Za-z0-9_][A-Za-z0-9_.\-]*)@([A-Za-z0-9.\-]+\.[A-Za-z]{2,})$", h)
        return _mastodon(m.group(1), m.group(2)) if m else None
    if platform == "x":
        h = h.lstrip("@")
        return _x(h) if X_HANDLE.match(h) else None
    if platform == "instagram":
        h = h.lstrip("@")
        return _instagram(h) if IG_HANDLE.match(h) else None
    if platform == "tiktok":
        h = h.lstrip("@")
        return _tiktok(h) if TT_HANDLE.match("@" + h) else None
    if platform == "facebook":
        return _facebook(h) if FB_HANDLE.match(h) else None
    if platform == "linkedin":
        seg = _segments(h)
        if len(seg) == 2 and seg[0].lower() in LI_KINDS:
            return _linkedin(seg[0].lower(), seg[1])
        return _linkedin("company", h) if len(seg) == 1 and re.match(r"^[A-Za-z0-9_\-%.]+$", h) else None
    if platform == "youtube":
        if YT_CHANNEL.match(h):
            return _youtube("channel", h)
        if h.startswith("@") and YT_NAME.match(h[1:]):
            return _youtube("@", h[1:])
        return None
    if platform == "bluesky":
        h = h.lstrip("@")
        return _bluesky(h) if BSKY_ACTOR.match(h) else None
    if platform == "medium":
        return _medium(h[1:]) if h.startswith("@") else (_medium(h, publication=True) if YT_NAME.match(h) else None)
    if platform == "substack":
        return _substack(h) if re.match(r"^[A-Za-z0-9\-]+$", h) else None
    return None


def from_config(platform: str, url: str, handle: str) -> tuple[ProfileRef | None, str]:
    """The profile a [[social]] table declares, or None and why not."""
    p = PLATFORM_NAMES.get((platform or "").lower().strip(), "") if platform else ""
    if platform and not p:
        return None, f'unknown platform "{platform}"; known platforms: {", ".join(PLATFORMS)}'
    if url:
        if p == "feed":
            ref = feed_profile(url)
            return (ref, "") if ref else (None, f'"{url}" is not an http(s) URL')
        ref = identify(url)
        if ref is None:
            if not p:
                return None, (f'"{url}" is not a profile URL of a known platform; write platform = "feed" for a blog, podcast '
                              "or other feed, or give the profile's own URL (e.g. https://x.com/name)")
            return None, f'"{url}" is not a profile URL of {p}'
        if p and ref.platform != p:
            return None, f'"{url}" is a {ref.platform} profile, not {p}'
        return ref, ""
    if not p:
        return None, "give url, or platform and handle"
    ref = from_handle(p, handle)
    if ref is None:
        return None, f'"{handle}" is not a {p} handle' + (' (write it as "@name@instance")' if p == "mastodon" else "")
    return ref, ""


def map_base(url: str, platform: str, bases: dict[str, str]) -> str:
    """The URL to request for a production URL: its origin replaced by the configured base for it.

    ``bases`` maps a production origin ("https://mastodon.social") or a platform name ("x") to a base URL,
    which may carry a path prefix ("http://127.0.0.1:8042/x").  An origin key wins over a platform key.
    """
    parts = urlsplit(url)
    origin = f"{parts.scheme}://{parts.netloc}".lower()
    base = bases.get(origin) or bases.get(platform)
    if not base:
        return url
    rest = parts.path + (f"?{parts.query}" if parts.query else "")
    return base.rstrip("/") + rest


def unmap_base(fetched: str, url_asked: str, fetched_asked: str) -> str:
    """The production form of a URL reached while fetching (a redirect target) when it lies under the same base."""
    base = fetched_asked[: len(fetched_asked) - len(_path_query(url_asked))] if fetched_asked.endswith(_path_query(url_asked)) else None
    if base and fetched.startswith(base + "/"):
        parts = urlsplit(url_asked)
        return f"{parts.scheme}://{parts.netloc}" + fetched[len(base):]
    return fetched


def _path_query(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def quote_actor(actor: str) -> str:
    return quote(actor, safe="@:.")
