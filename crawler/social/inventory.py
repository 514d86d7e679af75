"""The inventory: every profile to check, and where each was declared or linked from.

Declared profiles come from the configuration (``[[social]]``).  Discovered profiles come from the latest
complete crawl of each site, read from the database (nothing is crawled again):

- links (``<a>``, ``<area>``, ``<link>``) from the site's pages to a profile URL (the ``links`` table);
  a link whose rel contains ``me`` is recorded as ``rel-me`` (the page claims the profile as its own);
- JSON-LD ``sameAs`` values, which the crawl records as links of kind ``sameas`` (so they are found
  with ``store_html = false`` too).

Each profile appears once (by its key: platform and normalised handle), with all its sources.
"""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field

from foundation.profiles import ProfileRef, from_config, identify

LINK_KINDS = ("a", "area", "link", "sameas")   # sameas: JSON-LD sameAs values, recorded by the crawl as links


@dataclass
class Source:
    kind: str                  # config, link, rel-me, sameas
    site: str | None = None
    page_id: int | None = None
    page_url: str | None = None
    link_url: str | None = None   # the URL as linked (before the profile's canonical form)
    anchor: str | None = None
    position: str | None = None
    context: str | None = None    # link element, JSON-LD @type, owner ...


@dataclass
class Entry:
    ref: ProfileRef
    declared: bool = False
    official: bool | None = None
    owner: str | None = None
    name: str | None = None
    sources: list[Source] = field(default_factory=list)

    @property
    def linked(self) -> bool:
        return any(s.kind != "config" for s in self.sources)


@dataclass
class Inventory:
    entries: dict[str, Entry] = field(default_factory=dict)   # key -> entry, declared first
    site_crawls: dict[str, int] = field(default_factory=dict)  # site -> the crawl whose links were read

    def add(self, ref: ProfileRef, source: Source) -> Entry:
        e = self.entries.get(ref.key)
        if e is None:
            e = self.entries[ref.key] = Entry(ref)
        e.sources.append(source)
        return e


def declared(config) -> Inventory:
    inv = Inventory()
    for p in getattr(config, "social", []) or []:
        ref, _ = from_config(p.platform, p.url, p.handle)
        if ref is None:   # the configuration was validated: cannot happen
            continue
        e = inv.add(ref, Source("config", context=p.owner or None))
        e.declared, e.official, e.owner = True, p.official, p.owner or None
    return inv


def _latest_complete_crawl(conn: sqlite3.Connection, site: str) -> int | None:
    try:
        row = conn.execute("SELECT max(crawl_id) FROM crawl_sites WHERE site = ? AND status = 'complete'", [site]).fetchone()
    except sqlite3.OperationalError:
        return None
    return row[0] if row else None


def discover(conn: sqlite3.Connection, config, inv: Inventory) -> Inventory:
    """Add the profiles the sites link to (latest complete crawl of each site) to the inventory."""
    for site in config.sites:
        crawl_id = _latest_complete_crawl(conn, site.name)
        if crawl_id is None:
            continue
        inv.site_crawls[site.name] = crawl_id
        targets: dict[int, ProfileRef] = {}
        marks = ", ".join("?" * len(LINK_KINDS))
        for tid, url in conn.execute(
                f"""SELECT DISTINCT l.target_id, t.url FROM links l JOIN pages p ON p.url_id = l.source_id
                    JOIN urls t ON t.id = l.target_id
                    WHERE p.site = ? AND p.crawl_id = ? AND l.internal = 0 AND l.kind IN ({marks})""",
                [site.name, crawl_id, *LINK_KINDS]):
            ref = identify(url)
            if ref is not None:
                targets[tid] = ref
        if targets:
            conn.execute("CREATE TEMP TABLE IF NOT EXISTS _social_targets (id INTEGER PRIMARY KEY)")
            conn.execute("DELETE FROM temp._social_targets")
            conn.executemany("INSERT INTO temp._social_targets VALUES (?)", [(t,) for t in targets])
            for tid, link_url, page_id, page_url, anchor, position, kind, rel in conn.execute(
                    f"""SELECT l.target_id, t.url, l.source_id, s.url, l.anchor, l.position, l.kind, l.rel
                        FROM links l JOIN pages p ON p.url_id = l.source_id JOIN urls s ON s.id = l.source_id
                        JOIN urls t ON t.id = l.target_id
                        WHERE p.site = ? AND p.crawl_id = ? AND l.internal = 0 AND l.kind IN ({marks})
                          AND l.target_id IN (SELECT id FROM temp._social_targets)
                        ORDER BY s.url, l.ordinal""", [site.name, crawl_id, *LINK_KINDS]):
                if kind == "sameas":
                    inv.add(targets[tid], Source("sameas", site.name, page_id, page_url, link_url, None, "head",
                                                 f"JSON-LD {anchor or ''} sameAs".replace("  ", " ")))
                    continue
                is_me = "me" in (rel or "").split()
                inv.add(targets[tid], Source("rel-me" if is_me else "link", site.name, page_id, page_url, link_url,
                                             anchor, position, f"<{kind}{' rel=' + rel if rel else ''}>"))
            conn.execute("DROP TABLE temp._social_targets")
            conn.commit()
    return inv


def build(conn: sqlite3.Connection | None, config) -> Inventory:
    inv = declared(config)
    if conn is not None:
        discover(conn, config, inv)
    return inv
