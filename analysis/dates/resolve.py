"""The resolver: from judged candidates to a page's publication and last-update dates.

Extractors found the candidates, validators judged them; the resolver decides, and says why.

- Only accepted candidates whose role is ``published``, ``modified`` or ``unknown`` can decide; a source
  the site's trust profile distrusts never decides (its candidates were rejected with the reason).
  Event, expiry and copyright dates never do.
- Each candidate has a weight (``weights.py``): what it is (JSON-LD datePublished, a <time> just under
  the headline, a bare date far from it, ...). Candidates naming the same day support each other; the
  best-supported day wins, the earlier day on a tie (the original publication).
- Dates are compared on the day the page shows: a timestamp is read in the time zone it was written in,
  and a UTC timestamp a few hours from midnight is shown on the neighbouring day when the page itself
  (its URL, its visible date) says that day.
- A list of dates (teasers, related articles) counts little; a key that gives several days (one
  datePublished per teaser) counts its first day fully.
- ``updated_at`` is the most credible modification claim at or after the publication (on-page statements
  first, then feeds, sitemaps and the Last-Modified header), else ``published_at``: "nothing says it
  changed since". An unlabelled date later than an explicit modification statement is something the page
  talks about, not its publication. With no publication date at all, the earliest modification stands in
  ("published no later than").
- Trusted candidates that claim another day for the same role are listed in ``disagreements`` (for the last
  update, a trusted sitemap lastmod or Last-Modified header too).
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from analysis.dates.model import Candidate, PageDates, SiteTrust
from analysis.dates.weights import describe, modified_weight, position, published_weight

MAX_DISAGREEMENTS = 5
STRONG = 7.0          # a candidate at least this strong is a claim worth reporting when it disagrees
STRONG_MODIFIED = 5.0  # ... and for the last update: a trusted sitemap or Last-Modified that says otherwise too
LISTING_ITEMS = 3     # one kind of element this many times, with different days, is a list of other pages' dates
LISTING_WEIGHT = 3.0
SHOWN_DAY_WEIGHT = 6.0  # a day-precise date this strong decides the day a UTC timestamp is shown on
BYLINE_DAY = True       # ... and a visible one (a byline, a <time> shown to readers) this strong:
BYLINE_WEIGHT = 3.0     # readers see the site's local day, not the UTC day of its structured data
_VISIBLE = ("time", "class", "text")
_UTC = timezone.utc


def _day(dt: datetime) -> str:
    return "%d-%02d-%02d" % (dt.year, dt.month, dt.day)   # (strftime's %Y-%m-%d, five times faster)


def stored_iso(dt: datetime | None) -> str | None:
    """A resolved date as ``page_dates`` stores it: ISO 8601 in the time zone the page wrote it in, so that its
    first ten characters are the day the page shows its readers (converted to UTC, an article published
    2023-11-08 at 19:30 in New York would be stored as the 9th); '+00:00' when the page named no zone.
    The same instant either way."""
    return dt.isoformat(timespec="seconds") if dt is not None else None


def _at(c: Candidate) -> datetime:
    return c.local if c.local is not None else c.value


def _key(c: Candidate) -> tuple[int, int, int]:
    """The day (or month) a candidate names, as the page shows it."""
    v = c.local if c.local is not None else c.value
    return (v.year, v.month, v.day if c.precision == "day" or c.precision == "time" else 0)


def _families(cands: list[Candidate]) -> set[str]:
    """Independent sources among candidates: a <time>'s datetime and its text are one source."""
    return {c.source if c.source not in ("time", "class", "text") else f"{c.source}:{c.context}" for c in cands}


def _shown(usable: list[Candidate]) -> None:
    """Set ``local`` to the time the page shows: a UTC timestamp that another candidate gives with the
    page's own time zone (same instant) is shown in that zone."""
    zoned = {}
    for c in usable:
        if c.precision == "time" and c.local is not None and c.local.utcoffset():
            zoned.setdefault(int(c.value.timestamp()) // 60, c.local)
    for c in usable:
        local = c.local if c.local is not None else c.value
        if zoned and c.precision == "time" and not local.utcoffset():
            local = zoned.get(int(c.value.timestamp()) // 60, local)
        c.local = local


def _utc_days(usable: list[Candidate], weight: dict[int, float]) -> None:
    """A timestamp written in UTC a few hours from midnight is shown on the neighbouring day when the page's
    own day-precise dates (its URL, a visible date under the headline) say that day, and nothing as strong
    says the UTC day."""
    if not any(c.precision == "time" and c.local is not None and c.local.tzinfo is _UTC for c in usable):
        return   # (no UTC timestamp to place: the common case)
    strongest: dict[tuple, float] = {}
    for c in usable:
        if c.precision == "day" or (c.precision == "time" and c.local is not None and c.local.tzinfo is not _UTC):
            k = _key(c)
            w = weight.get(id(c), 0.0)
            if BYLINE_DAY and c.source in _VISIBLE and w >= BYLINE_WEIGHT and position(c)[0] not in ("aside", "nav",
                                                                                                       "footer"):
                w = max(w, SHOWN_DAY_WEIGHT)   # what the page shows its readers decides the day
            strongest[k] = max(strongest.get(k, 0.0), w)
    if not strongest:
        return
    for c in usable:
        if c.precision != "time" or c.local is None or c.local.tzinfo is not _UTC:
            continue
        v = c.value
        here = strongest.get(_key(c), 0.0)
        for shift in (1, -1):
            # reachable: UTC+14 at the latest reaches the next day from 10:00, UTC-12 the previous one before 12:00
            if (shift == 1 and v.hour < 10) or (shift == -1 and v.hour >= 12):
                continue
            other = v + timedelta(days=shift)
            w = strongest.get((other.year, other.month, other.day), 0.0)
            if w >= SHOWN_DAY_WEIGHT and w > here:
                secs = v.hour * 3600 + v.minute * 60 + v.second
                hours = -(-(86400 - secs) // 3600) if shift == 1 else -(secs // 3600 + 1)
                c.local = v.astimezone(timezone(timedelta(hours=hours)))
                break


def _group_key(c: Candidate) -> tuple | None:
    """Elements of one kind in one region (for listing detection); None for sources that are not lists."""
    if c.source not in ("time", "class"):
        return None
    region = position(c)[0]
    rest = c.context.split(" ", 2)[2] if c.context.count(" ") >= 2 else ""
    return (c.source, c.name if c.source == "class" else "", region, rest)


def _listings(usable: list[Candidate], weight: dict[int, float]) -> None:
    """Dates of a list (teasers, related articles, comments, a calendar: one kind of element, three times or
    more, with different days) count little; the first of them a little more."""
    if sum(1 for c in usable if c.source == "time" or c.source == "class") < LISTING_ITEMS:
        return   # (too few elements to make a list)
    groups: dict[tuple, list[Candidate]] = {}
    for c in usable:
        k = _group_key(c)
        if k is not None and id(c) in weight:
            groups.setdefault(k, []).append(c)
    for members in groups.values():
        contexts = {c.context for c in members}
        if len(contexts) < LISTING_ITEMS or len({_key(c) for c in members}) < 2:
            continue
        first = members[0].context
        for c in members:
            cap = LISTING_WEIGHT + (1.0 if c.context == first else 0.0)
            weight[id(c)] = min(weight[id(c)], cap)


def _repeats(usable: list[Candidate], weight: dict[int, float]) -> None:
    """A key that gives several different days (a datePublished per teaser) counts its first day fully,
    the later ones less: the page's own item comes first."""
    seen: dict[tuple[str, str], list] = {}
    for c in usable:
        if c.source in ("jsonld", "microdata", "meta") and id(c) in weight:
            days = seen.setdefault((c.source, c.name.lower()), [])
            k = _key(c)
            if k not in days:
                days.append(k)
            weight[id(c)] -= min(3.0, 1.0 * days.index(k))


def _best(pool: list[tuple[float, Candidate]]) -> tuple[Candidate | None, float, list[Candidate]]:
    """The best-supported day: (representative candidate, score, all its candidates)."""
    groups: dict[tuple, list[tuple[float, Candidate]]] = {}
    for w, c in pool:
        groups.setdefault(_key(c), []).append((w, c))
    best = None
    for members in groups.values():
        members.sort(key=lambda wc: -wc[0])
        top_w, top = members[0]
        support = len({c.source for w, c in members if w >= 3.0}) - 1
        score = top_w + 0.6 * min(max(support, 0), 3)
        rank = (score, -top.value.timestamp())   # ties: the earlier day (the original publication)
        if best is None or rank > best[0]:
            best = (rank, top, score, [c for _, c in members])
    if best is None:
        return None, 0.0, []
    return best[1], best[2], best[3]


def _confidence(score: float, agreeing: int, disagreeing: int, precision: str) -> float:
    base = 0.85 if score >= 9 else 0.75 if score >= 7 else 0.6 if score >= 5 else 0.45 if score >= 3 else 0.3
    if precision == "month":
        base = min(base, 0.4)
    elif precision == "year":
        base = min(base, 0.25)
    conf = base + 0.05 * min(agreeing, 2) - 0.1 * min(disagreeing, 3)
    return round(max(0.05, min(0.98, conf)), 2)


def _disagreements(role: str, winner: Candidate, pool: list[tuple[float, Candidate]]) -> list[str]:
    out, seen = [], set()
    win_day = _at(winner).date()
    for w, c in sorted(pool, key=lambda wc: -wc[0]):
        if w < (STRONG if role == "published" else STRONG_MODIFIED) or c.role != role or c.precision not in ("day", "time"):
            continue
        if abs((_at(c).date() - win_day).days) <= 1:
            continue
        k = (c.label, _at(c).date())
        if k in seen:
            continue
        seen.add(k)
        verb = "published" if role == "published" else "last updated"
        out.append(_sentence(f"{describe(c)} says {verb} {_day(_at(c))}, but {describe(winner)} says {_day(_at(winner))}"))
        if len(out) >= MAX_DISAGREEMENTS:
            break
    return out


def _ignored(candidates: list[Candidate]) -> list[str]:
    """Sentences for notable rejections: distrusted or request-time headers and sitemaps."""
    out, seen = [], set()
    for c in candidates:
        if c.accepted or c.source not in ("http:last-modified", "sitemap:lastmod") or c.value is None:
            continue
        if c.source in seen:
            continue
        seen.add(c.source)
        out.append(f"{describe(c)} ({_day(c.value)}) ignored: {c.reason.removeprefix('not trusted on this site: ')}")
    return out


def _when(c: Candidate) -> str:
    v = _at(c)
    return "%d-%02d" % (v.year, v.month) if c.precision == "month" else str(v.year) if c.precision == "year" else _day(v)


def _sentence(s: str) -> str:
    s = s.strip()
    return (s[0].upper() + s[1:] + ("" if s.endswith(".") else ".")) if s else s


def _unknown(ignored: list[str]) -> PageDates:
    why = "; ".join(ignored) if ignored else "the page shows no date, and no header, sitemap or feed gives one"
    return PageDates(None, None, None, None, 0.05 if ignored else 0.0, "Unknown: no credible date. " + _sentence(why), [])


def resolve(candidates: list[Candidate], *, now: datetime, trust: SiteTrust | None = None) -> PageDates:
    """Extractors find, validators judge, the resolver decides (htmldate's split): rejected candidates stay
    in the list with their reason; the decision names the winning candidate and says why.

    Fills in ``Candidate.local`` (the time the page shows) on the usable candidates."""
    distrusted = trust.distrusted if trust is not None else {}
    usable = [c for c in candidates if c.accepted and c.value is not None and c.source not in distrusted
              and c.role in ("published", "modified", "unknown")]
    ignored = _ignored(candidates)
    if not usable:   # (nothing can decide: the common case of a page without dates of its own)
        return _unknown(ignored)
    _shown(usable)
    weight = {id(c): w for c in usable if (w := published_weight(c)) > 0}
    _listings(usable, weight)
    _repeats(usable, weight)
    _utc_days(usable, weight)

    # last update: the most credible modification claim (on-page statements first, then feeds, sitemaps, headers)
    mod_pool = [(w, c) for c in usable if c.role == "modified" and c.precision in ("day", "time")
                and (w := modified_weight(c)) > 0]
    mod, mod_group, mod_score = None, [], 0.0
    if mod_pool:
        top = max(w for w, _ in mod_pool)
        tier = [c for w, c in mod_pool if w >= top - 0.5]
        mod = max(tier, key=lambda c: c.value)
        mod_group = [c for _, c in mod_pool if _key(c) == _key(mod)]
        mod_score = top + 0.6 * min(len(_families(mod_group)) - 1, 3)

    # publication: the best-supported day among publication claims and unlabelled dates
    pub_pool = [(weight[id(c)], c) for c in usable if id(c) in weight and weight[id(c)] > 0]
    if mod is not None and mod_score >= 8.0:
        limit = _key(mod)
        pub_pool = [(w, c) for w, c in pub_pool if c.role != "unknown" or _key(c) <= limit]
    pub, pub_score, pub_group = _best([(w, c) for w, c in pub_pool if c.precision in ("day", "time")])
    if pub is None:
        pub, pub_score, pub_group = _best(pub_pool)  # a month or a year is better than nothing

    # a statement on the page that gives only the month of its last change ("Page last reviewed: March 2026", "Stand:
    # März 2026"), in a later month than any day the page gives: it changed that month (its first day: never younger
    # than it is)
    month_mods = [c for c in usable if c.role == "modified" and c.precision == "month" and c.source == "text"]
    if month_mods:
        latest = max(month_mods, key=lambda c: c.value)
        days = [c for c in (mod, pub) if c is not None]
        if days and all(_key(latest)[:2] > _key(c)[:2] for c in days):
            mod, mod_group, mod_score = latest, [latest], max(modified_weight(latest), 0.1)

    if pub is None and mod is None:
        return _unknown(ignored)

    sentences: list[str] = []
    disagreements: list[str] = []
    published_at, conf_pub = None, 0.0
    if pub is not None:
        published_at = _at(pub)
        agree = [describe(c) for c in [c for c in pub_group if c is not pub and c.source != pub.source][:2]]
        disagreements += _disagreements("published", pub, pub_pool)
        conf_pub = _confidence(pub_score, len(_families(pub_group)) - 1, len(disagreements), pub.precision)
        if pub.role == "modified":
            conf_pub = min(conf_pub, 0.5)
            s = (f"No publication date on the page; published no later than {_when(pub)}, its earliest "
                 f"modification date ({describe(pub)})")
        else:
            s = f"Published {'in ' if pub.precision in ('month', 'year') else ''}{_when(pub)} according to {describe(pub)}"
            if pub.precision in ("month", "year"):
                s += f" (the {pub.precision} only)"
        if agree:
            s += ", agreeing with " + " and ".join(agree)
        sentences.append(_sentence(s))

    if mod is not None and (published_at is None or mod.value >= pub.value - timedelta(days=1)):
        updated_at, updated_source, updated_by = _at(mod), mod.label, describe(mod)
        mod_dis = _disagreements("modified", mod, [(modified_weight(c), c) for c in usable if c.role == "modified"])
        disagreements += mod_dis
        conf_mod = _confidence(mod_score, len(_families(mod_group)) - 1, len(mod_dis), mod.precision)
        agree = [describe(c) for c in [c for c in mod_group if c is not mod and c.source != mod.source][:2]]
        when = f"in {_when(mod)} (the month only)" if mod.precision == "month" else _day(_at(mod))
        if pub is mod:
            s = f"Last updated {when}"
        else:
            s = f"Last updated {when} according to {describe(mod)}"
            if agree:
                s += ", agreeing with " + " and ".join(agree)
        sentences.append(_sentence(s))
        confidence = conf_mod if published_at is None else min(conf_mod, conf_pub) + 0.05
    elif mod is not None:
        # a modification before the publication: keep the publication, report the contradiction
        disagreements.append(_sentence(f"{describe(mod)} says last updated {_day(_at(mod))}, before the publication "
                                       f"date {_day(published_at)} given by {describe(pub)}"))
        updated_at, updated_source, updated_by = published_at, pub.label, describe(pub)
        sentences.append("No credible sign of a change since publication.")
        confidence = max(0.05, conf_pub - 0.1)
    else:
        updated_at, updated_source, updated_by = published_at, pub.label, describe(pub)
        sentences.append("Nothing says it changed since.")
        confidence = max(0.05, conf_pub - 0.05)
    if ignored:
        sentences.append(_sentence("; ".join(ignored)))
    return PageDates(published_at, pub.label if pub is not None else None, updated_at, updated_source,
                     round(min(confidence, 0.98), 2), " ".join(sentences), disagreements, updated_by)
