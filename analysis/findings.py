"""Findings: what is wrong, about what, how sure, and the evidence, under an id that never changes.

Every analysis writes its judgments here (the shared ``findings`` table).  A
finding's id is derived from its rule and its subject, so a person's decision
about it (triage, a later issue) stays attached across crawls.  When an
analysis no longer finds a problem it had found before, the finding is marked
resolved, not deleted: the history of what was found and fixed stays.
"""
from __future__ import annotations

import hashlib
import json
import sqlite3
from dataclasses import dataclass, field, replace
from typing import Any, Iterable
from analysis import staging
from foundation.catalog import SEVERITIES  # one home for them all (re-exported)

# Evidence keys that change with the calendar or the crawl, not with the problem: not part of evidence_hash.
VOLATILE = frozenset({"age_days", "days_since_seen", "checked_at", "days_ago", "crawl_id", "fetched_at"})


def finding_id(rule: str, subject_type: str, subject: str) -> str:
    return hashlib.blake2b(f"{rule}\x1f{subject_type}\x1f{subject}".encode(), digest_size=8).hexdigest()


@dataclass(slots=True)   # a million of them on a large site: no dict per finding
class Finding:
    rule: str                 # e.g. "outdated.stale_page"
    category: str             # outdated, expired, ...
    severity: str             # one of SEVERITIES
    confidence: float         # 0..1
    site: str
    subject_url: str
    message: str
    evidence: dict[str, Any]
    subject_type: str = "page"
    subject_id: int | None = None
    title: str | None = None
    material: Any = None      # what counts as a material change of the evidence (default: the evidence itself)
    key: str = ""             # distinguishes several findings of one rule on one subject (e.g. two expired offers)
    _id: str | None = field(default=None, init=False, repr=False, compare=False)   # the id, once asked for

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            raise ValueError(f"unknown severity {self.severity!r}")
        self.confidence = round(max(0.0, min(1.0, self.confidence)), 2)

    @property
    def id(self) -> str:
        """Computed once (asked for several times per finding: grouping, the cleanup list, the write; never changes)."""
        if self._id is None:
            subject = self.subject_url + (f"#{self.key}" if self.key else "")
            self._id = finding_id(self.rule, self.subject_type, subject)
        return self._id

    def pack(self) -> Finding:
        """Hold the evidence dict as a tuple of its values beside one shared tuple of its keys, until something reads
        ``evidence`` (which makes it a dict again); the same for a ``material`` dict; and equal texts (the message,
        the evidence's strings) as one object.  For the findings nothing reads before the write (the page-by-page
        date judgments: about a million at a million pages): a dict of a dozen keys costs some 650 bytes, the tuple
        150, and the same JSON comes out; their texts repeat from page to page (a stale page's message and its
        dates' explanation say its day and its sources, and a site has far fewer days than pages: sharing them took
        the 83,321 date findings of 100,000 synthetic pages from 126 MB to 59).  Packing a packed finding again shares its texts again (after a pipe, whose pickle copies them).
        Returns the finding."""
        ev = _EVIDENCE.__get__(self)
        if type(ev) is dict and ev or type(ev) is Packed:
            _EVIDENCE.__set__(self, _pack(ev))
        material = self.material
        if type(material) is dict and material or type(material) is Packed:
            self.material = _pack(material)
        self.message = _shared(self.message)
        return self

    def _evidence_now(self) -> Any:
        """The evidence as a dict, without unpacking it in place (the write reads a packed finding once)."""
        ev = _EVIDENCE.__get__(self)
        return dict(zip(ev[0], ev[1:])) if type(ev) is Packed else ev

    @property
    def evidence_json(self) -> str:
        """The evidence as the findings table stores it."""
        return _as_json(self._evidence_now())

    @property
    def evidence_hash(self) -> str:
        material = self.material
        if type(material) is Packed:
            material = dict(zip(material[0], material[1:]))
        elif material is None:   # the evidence, without what changes every day while the problem stays the same
            ev = self._evidence_now()
            material = {k: v for k, v in ev.items() if k not in VOLATILE} if isinstance(ev, dict) else ev
        return hashlib.blake2b(_as_sorted_json(material).encode(), digest_size=8).hexdigest()


# json.dumps(x, ensure_ascii=False, default=str) and the same with sort_keys, without making an encoder per call
# (a million findings' evidence is encoded twice at the write; the text is the same)
_as_json = json.JSONEncoder(ensure_ascii=False, default=str).encode
_as_sorted_json = json.JSONEncoder(sort_keys=True, ensure_ascii=False, default=str).encode


class Packed(tuple):
    """A packed evidence dict (Finding.pack): (its keys, *its values)."""
    __slots__ = ()


_KEYS: dict[tuple, tuple] = {}   # one tuple for each set of evidence keys (a rule's evidence has the same few)
SHARED_MAX = 100_000   # distinct texts remembered by ``_shared`` before starting again (1,000,000 shared more at a
# million pages, but took no more off the analysis' peak: 3,587 MB against 3,553-3,661)
_SHARED: dict[str, str] = {}


def _shared(s: Any) -> Any:
    """One object for equal texts (bounded: a site's dates and sources repeat, a page's URL does not)."""
    if type(s) is not str:
        return s
    t = _SHARED.get(s)
    if t is None:
        if len(_SHARED) >= SHARED_MAX:
            _SHARED.clear()
        t = _SHARED[s] = s
    return t


def forget_texts() -> None:
    """What ``_shared`` remembers, let go: once a site's dates are judged (not held through its link graph, where a
    large site's memory peaks) and at the end of an analysis (``decay nightly`` runs on in the same process)."""
    _SHARED.clear()


def _pack(d: dict | Packed) -> Packed:
    """A dict (or a packed one again) as a Packed: its key tuple shared, its texts shared."""
    keys, values = (tuple(d), d.values()) if type(d) is dict else (d[0], d[1:])
    if len(_KEYS) < 10_000:
        keys = _KEYS.setdefault(keys, keys)
    return Packed((keys, *map(_shared, values)))


# ``evidence`` is the slot the dataclass made, behind a property that unpacks it when it is read
_EVIDENCE = Finding.evidence
_SLOTS = tuple(getattr(Finding, name) for name in Finding.__slots__)   # the slots themselves: pickled as they are


def _read_evidence(f: Finding) -> Any:
    ev = _EVIDENCE.__get__(f)
    if type(ev) is Packed:
        ev = dict(zip(ev[0], ev[1:]))
        _EVIDENCE.__set__(f, ev)
    return ev


def _getstate(f: Finding) -> tuple:
    return tuple(slot.__get__(f) for slot in _SLOTS)   # a packed finding crosses a pipe packed


def _setstate(f: Finding, state: tuple) -> None:
    for slot, value in zip(_SLOTS, state):
        slot.__set__(f, value)


Finding.evidence = property(_read_evidence, _EVIDENCE.__set__, doc="What the finding rests on (a dict, as JSON stores it).")
Finding.__getstate__, Finding.__setstate__ = _getstate, _setstate


@dataclass
class FindingCounts:
    """What an analysis wrote: every open finding (``open``, ``by_rule``: as the findings table counts them), and of
    them the problems, the findings that can be list items (severity above info), apart from the information kept
    for whoever looks (an old dated article, a mention of a retired name made on purpose): the summary a person
    reads counts problems, and says how many notes were kept."""
    open: int = 0
    new: int = 0
    resolved: int = 0
    by_rule: dict[str, int] = field(default_factory=dict)
    problems: int = 0
    problems_new: int = 0
    problems_gone: int = 0
    problems_by_rule: dict[str, int] = field(default_factory=dict)
    information: int = 0


# a finding as staged for the write (analysis/staging.py OWN); the write adds its status, dates and analysis ids
_STAGED = ", ".join(staging.columns("findings"))
UPSERT = f"""INSERT INTO findings ({_STAGED}, status, first_seen, last_seen, resolved_at, first_analysis_id, last_analysis_id)
           SELECT {_STAGED}, 'open', ?, ?, NULL, ?, ? FROM temp.staged_findings WHERE true ORDER BY rowid
           ON CONFLICT(id) DO UPDATE SET
             severity = excluded.severity, confidence = excluded.confidence, site = excluded.site,
             subject_id = excluded.subject_id, title = excluded.title, message = excluded.message,
             evidence = excluded.evidence, evidence_hash = excluded.evidence_hash, status = 'open',
             last_seen = excluded.last_seen, resolved_at = NULL, last_analysis_id = excluded.last_analysis_id"""


def stage_findings(conn: sqlite3.Connection, findings: Iterable[Finding]) -> int:
    """This analysis' findings, each id once (of two with one id, the first), staged in TEMP for ``write_findings``
    in the order given, with an index of their ids; their number.  Before the write, outside its lock: the
    evidence of a million findings encoded as JSON (twice: the row's and its hash's) is half a minute.  The index
    lets the write insert their history rows in key order: inserted in the findings' order, at random places of
    a B-tree larger than the page cache, they were a third of a large site's write.
    """
    seen: set[str] = set()

    def rows() -> Iterable[tuple]:
        for f in findings:
            fid = f.id
            if fid in seen:
                continue
            seen.add(fid)
            yield (fid, f.rule, f.category, f.severity, f.confidence, f.site, f.subject_type, f.subject_id,
                   f.subject_url, f.title, f.message, f.evidence_json, f.evidence_hash)

    staging.stage_tables(conn, ["findings"])
    n = staging.stage_all(conn, "findings", rows())
    del seen
    with conn:
        conn.execute("CREATE UNIQUE INDEX temp.staged_findings_id ON staged_findings (id)")
    return n


def write_findings(conn: sqlite3.Connection, *, rules: set[str], sites: set[str], analysis_id: int, now: str
                   ) -> FindingCounts:
    """Upsert this analysis' findings (``stage_findings``); mark resolved the open findings of these rules and sites
    it did not find; record what opened, reopened and resolved.

    Runs inside the caller's transaction.
    """
    # what this analysis knew before: the findings of its rules and sites (none when it has neither)
    known = (f"f.rule IN ({', '.join('?' * len(rules))}) AND f.site IN ({', '.join('?' * len(sites))})"
             if rules and sites else "0")
    params = [*rules, *sites] if rules and sites else []
    counts = FindingCounts()
    # read before the upsert changes them: the ones known but not open (reopened), the ones not known (opened,
    # their history row from the staged finding itself), the open ones not found again (resolved)
    reopened = [fid for (fid,) in conn.execute(
        f"SELECT s.id FROM temp.staged_findings s JOIN findings f ON f.id = s.id WHERE {known} AND f.status != 'open'",
        params)]
    opened = conn.execute(
        "INSERT OR REPLACE INTO finding_changes (analysis_id, finding_id, change, rule, category, severity, site, "
        "subject_url, message, at) SELECT ?, s.id, 'opened', s.rule, s.category, s.severity, s.site, s.subject_url, "
        f"s.message, ? FROM temp.staged_findings s WHERE NOT EXISTS (SELECT 1 FROM findings f WHERE f.id = s.id AND {known}) "
        "ORDER BY s.id", [analysis_id, now, *params]).rowcount   # in the history's key order (staged_findings_id)
    gone = [fid for (fid,) in conn.execute(
        f"SELECT f.id FROM findings f WHERE {known} AND f.status = 'open' "
        "AND NOT EXISTS (SELECT 1 FROM temp.staged_findings s WHERE s.id = f.id)", params)]
    conn.execute(UPSERT, [now, now, analysis_id, analysis_id])
    conn.executemany("UPDATE findings SET status = 'resolved', resolved_at = ? WHERE id = ?", [(now, fid) for fid in gone])
    for rule, info, n in conn.execute("SELECT rule, severity = 'info', count(*) FROM temp.staged_findings GROUP BY 1, 2"):
        counts.by_rule[rule] = counts.by_rule.get(rule, 0) + n
        if info:
            counts.information += n
        else:
            counts.problems_by_rule[rule] = n
    counts.open = sum(counts.by_rule.values())
    counts.problems = counts.open - counts.information
    counts.new = opened + len(reopened)
    counts.resolved = len(gone)
    record_finding_changes(conn, analysis_id, now, [(fid, "reopened") for fid in reopened], gone)
    for change, n in conn.execute("SELECT change = 'resolved', count(*) FROM finding_changes "
                                  "WHERE analysis_id = ? AND severity != 'info' GROUP BY 1", [analysis_id]):
        if change:
            counts.problems_gone = n
        else:
            counts.problems_new = n
    return counts


# history: what was opened, reopened and resolved, in the analysis' own write transaction
def record_finding_changes(conn: sqlite3.Connection, analysis_id: int, now: str,
                           opened: list[tuple[str, str]], resolved: list[str]) -> None:
    """``opened``: (finding id, "opened" or "reopened") of findings this analysis wrote (already upserted);
    ``resolved``: ids it just marked resolved.  Runs inside the caller's transaction."""
    rows = [(fid, change) for fid, change in opened] + [(fid, "resolved") for fid in resolved]
    conn.executemany(
        "INSERT OR REPLACE INTO finding_changes (analysis_id, finding_id, change, rule, category, severity, site, "
        "subject_url, message, at) SELECT ?, id, ?, rule, category, severity, site, subject_url, message, ? "
        "FROM findings WHERE id = ?", [(analysis_id, change, now, fid) for fid, change in rows])


def as_information(f: Finding, why: str, **evidence: Any) -> Finding:
    """The finding kept, as information (severity info, so never a list item), with the reason said in its
    message and any extra evidence: what a page's role explains, or what one grouped item lists."""
    ev = dict(f.evidence) if isinstance(f.evidence, dict) else {"evidence": f.evidence}
    ev.update(evidence)
    return replace(f, severity="info", evidence=ev, message=f.message.rstrip(".") + ". " + why)
