"""Running every rule and built-in check over the pages of a crawl, and turning hits into findings.

One pass per page: the texts of the page are searched once for every term of every rule (one
automaton), each pattern rule runs under a time limit, the links are walked once for every link rule
and check, and the stored HTML is decompressed and parsed only when a rule or check needs it.

A hit with the same surroundings in the page template (navigation, header, sidebar, footer, <head>)
on ``template_min_pages`` pages or more is reported once, as a *template* finding that lists the
pages, instead of once per page; the rest are reported per page (one finding per rule and page, with
every hit counted and the first ``max_quoted`` quoted with their surroundings).
"""
from __future__ import annotations

import hashlib
import re
import sqlite3
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from analysis.findings import Finding
from analysis.prefilter import fold, prefilter, uses_fold
from analysis.rules import builtin, mentions
from foundation.catalog import RULES, TEAM_KINDS, worst
from foundation.team_rules import TEMPLATE, CompiledRule, RuleSet
from analysis.rules.page import PageData, iter_pages
from analysis.rules.advisories import scripts_of
from analysis.rules.text import MAX_HITS, Hit, Joined, TermIndex, context, search_pattern

FAILED = "rules.rule_failed"   # a pattern rule that ran out of time (foundation/catalog.py)
TEMPLATE_POSITIONS = builtin.TEMPLATE_POSITIONS
LISTED = 1000           # pages listed in a template finding (the count covers them all)
MEMO_TEXTS = 2000       # distinct template texts (navigation, header, sidebar, footer) whose matches are kept
MEMO_CHARS = 20_000     # ... each at most this long
_MEMO_REGIONS = frozenset(TEMPLATE)
_SOURCE_REGIONS = frozenset(("scripts", "link_urls"))   # code and addresses, where no words tell of a retirement
# The words, confidences, categories and default severities: foundation/catalog.py (TEAM_KINDS, RULES).


@dataclass
class PageHits:
    url_id: int | None
    url: str
    title: str
    hits: list[Hit] = field(default_factory=list)
    counts: Counter = field(default_factory=Counter)      # (rule, key) -> hits found (beyond those kept)


@dataclass
class RulesResult:
    findings: list[Finding]
    pages: int = 0
    failures: dict[str, list[str]] = field(default_factory=dict)   # rule id -> pages where it ran out of time
    seconds: float = 0.0


class Engine:
    """The compiled rules and checks, ready to run on pages one after another."""

    def __init__(self, ruleset: RuleSet, only: set[str] | None = None) -> None:
        self.checks = ruleset.checks
        self.rules = [r for r in ruleset.rules if only is None or r.id in only]
        self.builtins = [cid for cid, key in builtin.BUILTIN.items()
                         if (only is None and getattr(self.checks, key)) or (only is not None and cid in only)]
        self.text_rules = [i for i, r in enumerate(self.rules) if r.terms and r.kind in ("term", "banned_list", "required")]
        self.index = TermIndex([(i, t) for i in self.text_rules for t in self.rules[i].terms])
        self.pattern_rules = [i for i, r in enumerate(self.rules) if r.kind == "pattern"]
        # per pattern rule: the regions it reads, and its exact prefilter (analysis/prefilter.py): the literal
        # words it cannot match without, looked for before the pattern runs (and whether it looks in folded text)
        self.pattern_regions = {i: frozenset(self.rules[i].regions | ({"content"} if "code" in self.rules[i].regions else set()))
                                for i in self.pattern_rules}
        self.pattern_tests = {i: (prefilter(self.rules[i].pattern), uses_fold(self.rules[i].pattern)) for i in self.pattern_rules}
        # the template repeats the same texts on every page: their term and pattern matches, once per distinct text
        self.memo: dict[str, dict] = {}
        self.host_cache: dict[str, list[tuple[int, str]]] = {}
        self.url_cache: dict[tuple[int, str], bool] = {}
        text_kinds = set(self.text_rules) | set(self.pattern_rules)
        self.index_regions = set().union(*(self.rules[i].regions for i in self.text_rules)) if self.text_rules else set()
        # until a page is split, its code samples are in its content
        self.term_regions = frozenset(self.index_regions | ({"content"} if "code" in self.index_regions else set()))
        self.split_rules = {i for i in text_kinds if ("content" in self.rules[i].regions) != ("code" in self.rules[i].regions)}
        # the words of a code sample are code, and a quotation's someone else's: named on purpose (mentions.py) for a
        # term or banned word, and a code sample for a pattern too, unless the rule's `where` names "code" itself
        self.code_quiet = {i for i in text_kinds if "code" in self.rules[i].regions and "code" not in self.rules[i].rule.where
                           and self.rules[i].kind != "required"}
        self.quote_quiet = {i for i in self.text_rules if self.rules[i].kind in ("term", "banned_list")}
        self.resplit = self.split_rules | self.code_quiet | self.quote_quiet
        self.domain_rules: dict[str, list[int]] = defaultdict(list)
        for i, r in enumerate(self.rules):
            for d in r.domains:
                self.domain_rules[d].append(i)
        self.link_rules = [i for i, r in enumerate(self.rules) if r.url is not None]
        self.selector_rules = [i for i, r in enumerate(self.rules) if r.rule.selector]
        self.may_match = {i: _literal_filter(self.rules[i].rule.selector) for i in self.selector_rules}
        self.required = [i for i, r in enumerate(self.rules) if r.kind == "required"]
        self.needs_links = bool(self.domain_rules or self.link_rules or self.builtins
                                or any(self.rules[i].regions & {"alt", "link_urls"} for i in text_kinds))
        self.alt_links = any("alt" in self.rules[i].regions for i in text_kinds)
        self.needs_bodies = bool(self.selector_rules or self.split_rules or builtin.TECH in self.builtins
                                 or builtin.FORM in self.builtins or any(self.rules[i].regions & {"html", "scripts"} for i in text_kinds))
        self.timeouts: Counter = Counter()
        self.failures: dict[str, list[str]] = defaultdict(list)
        self.stopped: set[int] = set()

    # ------------------------------------------------------------------ one page
    def page(self, page: PageData) -> PageHits:
        out = PageHits(page.url_id, page.url, page.title)
        applies = [r.always or r.included(page.url) for r in self.rules]
        present: set[int] = set()
        self._terms(page, applies, out, present)
        self._patterns(page, applies, out)
        self._links(page, applies, out, present)
        self._selectors(page, applies, out, present)
        stub = any(lk.kind == "meta-refresh" for lk in page.links) if self.required else False
        for i in self.required:
            if stub:
                break   # a meta-refresh redirect (a Hugo alias, an old address kept alive): no page to require things of
            if applies[i] and i not in present:
                r = self.rules[i]
                if not page.body and (r.rule.selector or r.regions & {"html", "scripts"}):
                    continue   # the page's HTML was not stored ([output] store_html = false): nothing shows it is missing
                where = "template" if r.regions <= set(TEMPLATE) | {"head"} else ""
                what = ("phrase " + " or ".join(f'"{t.text}"' for t in r.terms[:5]) if r.terms else
                        f"link matching {r.rule.url}" if r.rule.url else f"element matching {r.rule.selector}")
                self._add(out, Hit(r.id, "missing", what, "", where, extra={"looked_in": sorted(r.regions)}))
        for cid in self.builtins:
            for h in builtin.CHECKS[cid](page):
                self._add(out, h)
        return out

    def _add(self, out: PageHits, h: Hit) -> None:
        k = (h.rule, h.key)
        out.counts[k] += 1
        if out.counts[k] <= MAX_HITS:
            out.hits.append(h)

    def _sources(self, page: PageData, regions: set[str] | frozenset[str]) -> list[tuple[str, str, Joined | None, list]]:
        """(region, text, joined items or None, positions of the items) for each text region wanted."""
        cache = page.__dict__.setdefault("_sources_cache", {})
        key = frozenset(regions)      # (the same frozenset when it is one)
        if key in cache:
            return cache[key]
        out = cache[key] = []
        for region in ("content", "code", "nav", "header", "aside", "footer", "title"):
            if region in regions:
                for t in page.texts.get(region, ()):
                    out.append((region, t, None, []))
                if region == "content":   # a split page's quotations (PageData.split_code) are content, quoted
                    for t in page.texts.get("quote", ()):
                        out.append(("quote", t, None, []))
        for region in ("alt", "link_urls"):
            if region in regions:
                if region not in cache:
                    items = ([(lk.anchor, lk.position) for lk in page.links if lk.kind in ("img", "area") and lk.anchor]
                             if region == "alt" else [(lk.url, lk.position) for lk in page.links])
                    j = Joined([a for a, _ in items]) if items else None
                    cache[region] = (region, j.text, j, [p for _, p in items]) if j else None
                if cache[region] is not None:
                    out.append(cache[region])
        if "html" in regions and page.body:
            out.append(("html", page.html, None, []))
        if "scripts" in regions and page.body:   # the page's own JavaScript, and the addresses of its scripts
            js = "\n".join([scripts_of(page.html)] + [lk.url for lk in page.links if lk.kind == "script"]).strip()
            if js:
                out.append(("scripts", js, None, []))
        return out

    def _hit(self, r: CompiledRule, region: str, text: str, start: int, stop: int, joined: Joined | None,
             positions: list, extra: dict[str, Any] | None = None) -> Hit:
        position = region if region in TEMPLATE_POSITIONS else ""
        if joined is not None:
            i, s, e = joined.local(start, stop)
            item = joined.items[i]
            position = positions[i] if positions[i] in TEMPLATE_POSITIONS else ""
            return Hit(r.id, region, item[s:e], context(item, s, e), position, extra=extra or {})
        return Hit(r.id, region, text[start:stop], context(text, start, stop), position, extra=extra or {})

    def _terms(self, page: PageData, applies: list[bool], out: PageHits, present: set[int]) -> None:
        if not self.text_rules or not any(applies[i] for i in self.text_rules):
            return
        regions = self.term_regions
        found: list[tuple[str, str, Any, list, int, Any, int, int]] = []
        for region, text, joined, positions in self._sources(page, regions):
            kept = self._kept(text) if region in _MEMO_REGIONS else None
            matches = kept.get("terms") if kept is not None else None
            if matches is None:
                matches = self.index.search(text)
                if kept is not None:
                    kept["terms"] = matches
            for ri, term, s, e in matches:
                if applies[ri]:
                    found.append((region, text, joined, positions, ri, term, s, e))
        if any(f[0] == "content" and f[4] in self.resplit for f in found) and page.split_code():
            found = [f for f in found if f[0] != "content"]
            for region, text, joined, positions in self._sources(page, {"content", "code"}):
                for ri, term, s, e in self.index.search(text):
                    if applies[ri]:
                        found.append((region, text, joined, positions, ri, term, s, e))
        kept: list[tuple] = []
        spans: dict[tuple[int, int], list[tuple[int, int, dict]]] = defaultdict(list)   # (rule, text) -> mentions
        for region, text, joined, positions, ri, term, s, e in found:
            r = self.rules[ri]
            quoted = region == "quote"   # (a split page's quotation: content, in someone else's words)
            label = region = "content" if quoted else region
            if region not in r.regions:
                if region == "content" and "code" in r.regions and not page._split:
                    pass          # content and code together, not separated on this page
                else:
                    continue
            if r.kind == "required":
                present.add(ri)
                continue
            extra = {"term": term.text}
            if term.replacement:
                extra["replacement"] = term.replacement
            why = (mentions.QUOTATION if quoted and ri in self.quote_quiet else
                   mentions.CODE if region == "code" and ri in self.code_quiet else
                   mentions.deliberate(text, s, e, term))   # a name said with its change of name (mentions.py)
            if why:
                extra["deliberate"] = why
            spans[(ri, id(text))].append((s, e, extra))
            kept.append((r, label, text, s, e, joined, positions, extra))
        for group in spans.values():
            mentions.passage(group)
        for r, label, text, s, e, joined, positions, extra in kept:
            self._add(out, self._hit(r, label, text, s, e, joined, positions, extra))

    def _patterns(self, page: PageData, applies: list[bool], out: PageHits) -> None:
        todo = [ri for ri in self.pattern_rules if applies[ri] and ri not in self.stopped]
        if not todo:
            return
        folds: dict[int, str] = {}
        kepts: dict[int, dict | None] = {}
        for ri in todo:
            r = self.rules[ri]
            possible, folding = self.pattern_tests[ri]
            deadline = time.monotonic() + self.checks.pattern_timeout
            try:
                hits = self._pattern_hits(page, ri, possible, folding, deadline, folds, kepts)
                if (ri in self.split_rules or ri in self.code_quiet) and not page._split \
                        and any(h.region == "content" for h in hits) and page.split_code():
                    # (a code sample in the content: the page's content again without it, and the sample apart)
                    hits = self._pattern_hits(page, ri, possible, folding, deadline, folds, kepts)
            except TimeoutError:
                self.failures[r.id].append(page.url)
                self.timeouts[ri] += 1
                if self.timeouts[ri] >= self.checks.max_timeouts:
                    self.stopped.add(ri)
                continue
            for h in hits:
                self._add(out, h)

    def _pattern_hits(self, page: PageData, ri: int, possible, folding: bool, deadline: float,
                      folds: dict[int, str], kepts: dict[int, dict | None]) -> list[Hit]:
        """One pattern rule's hits on the page (a code sample's named on purpose: ``code_quiet``)."""
        r = self.rules[ri]
        hits = []
        for region, text, joined, positions in self._sources(page, self.pattern_regions[ri]):
            kept = None    # a template text: the prefilter and the search once per distinct text
            if region in _MEMO_REGIONS:
                if id(text) not in kepts:
                    kepts[id(text)] = self._kept(text)
                kept = kepts[id(text)]
            spans = kept.get(ri) if kept is not None else None
            if spans is None:
                if folding:
                    folded = folds.get(id(text))
                    if folded is None:
                        folded = folds[id(text)] = fold(text)
                    ok = possible(text, folded)
                else:
                    ok = possible(text)
                spans = search_pattern(r.pattern, text, deadline) if ok else ()
                if kept is not None:
                    kept[ri] = spans
            code = region == "code" and ri in self.code_quiet
            for s, e in spans:
                # a code sample's, or one the words next to it tell is the old one ("The old number, ... is no longer
                # in use"): named on purpose
                why = mentions.CODE if code else mentions.told_retired(text, s, e) if region not in _SOURCE_REGIONS else None
                hits.append(self._hit(r, "content" if region == "quote" else region, text, s, e, joined, positions,
                                      {"deliberate": why} if why else None))
        return hits

    def _kept(self, text: str) -> dict | None:
        """What is known of a template region's text (the same on most pages): its term matches ("terms") and each
        pattern rule's spans (by rule index).  At most MEMO_TEXTS texts are kept (then forgotten together), each up
        to MEMO_CHARS long (None for a longer one).  A search that runs out of time is not kept."""
        if len(text) > MEMO_CHARS:
            return None
        kept = self.memo.get(text)
        if kept is None:
            if len(self.memo) >= MEMO_TEXTS:
                self.memo.clear()
            kept = self.memo[text] = {}
        return kept

    def _links(self, page: PageData, applies: list[bool], out: PageHits, present: set[int]) -> None:
        if not (self.domain_rules or self.link_rules) or not page.links:
            return
        for lk in page.links:
            if self.domain_rules:
                for ri, domain in self._retired(lk.url):
                    r = self.rules[ri]
                    if applies[ri] and lk.position in r.regions:
                        shown = f'<{lk.kind}> "{lk.anchor}" → {lk.url}' if lk.anchor else f"<{lk.kind}> {lk.url}"
                        self._add(out, Hit(r.id, lk.position, lk.url, shown,
                                           lk.position if lk.position in TEMPLATE_POSITIONS else "",
                                           extra={"domain": domain, "element": lk.kind}))
            for ri in self.link_rules:
                r = self.rules[ri]
                if not applies[ri] or lk.position not in r.regions:
                    continue
                ok = self.url_cache.get((ri, lk.url))
                if ok is None:
                    ok = r.url(lk.url)
                    if len(self.url_cache) < 200_000:
                        self.url_cache[(ri, lk.url)] = ok
                if ok:
                    if r.kind == "required":
                        present.add(ri)
                    else:
                        shown = f'<{lk.kind}> "{lk.anchor}" → {lk.url}' if lk.anchor else f"<{lk.kind}> {lk.url}"
                        self._add(out, Hit(r.id, lk.position, lk.url, shown,
                                           lk.position if lk.position in TEMPLATE_POSITIONS else "", extra={"element": lk.kind}))

    def _retired(self, url: str) -> list[tuple[int, str]]:
        """(rule, retired domain) for each retired_domain rule whose domain is the URL's host or a parent of it."""
        host = url.split("/", 3)[2].split(":", 1)[0].split("@")[-1] if "://" in url else ""
        retired = self.host_cache.get(host)
        if retired is None:
            parts = host.split(".")
            retired = [(ri, ".".join(parts[k:])) for k in range(len(parts) - 1)
                       for ri in self.domain_rules.get(".".join(parts[k:]), ())]
            if len(self.host_cache) < 100_000:
                self.host_cache[host] = retired
        return retired

    def link_targets(self, conn: sqlite3.Connection) -> list[int] | None:
        """The url ids whose links a rule or check can hit beyond the links every page gets (scripts, forms, links
        opening a new window: ``page.LINKS_FOR_CHECKS``): plain-http URLs (mixed content, insecure forms), URLs on
        a retired domain or matching a rule's url pattern.  Each distinct URL is judged once here, and only
        those links are read per page (a large site has tens of millions of links, nearly all of them
        irrelevant to the rules).  None when every link is needed (a rule reads link URLs as text).  The images and
        areas with an alt text are read too when a rule reads alt texts (``alt_links``)."""
        if any("link_urls" in self.rules[i].regions for i in (*self.text_rules, *self.pattern_rules)):
            return None
        out = []
        for uid, url in conn.execute("SELECT id, url FROM urls"):
            if url is None:
                continue
            if (url.startswith("http:") or (self.domain_rules and self._retired(url))
                    or any(self.rules[ri].url(url) for ri in self.link_rules)):
                out.append(uid)
        return out

    def _selectors(self, page: PageData, applies: list[bool], out: PageHits, present: set[int]) -> None:
        todo = [ri for ri in self.selector_rules if applies[ri] and self.may_match[ri](page.html)]
        if not todo or not page.body:
            return
        tree = page.tree()
        if tree is None:
            return
        for ri in todo:
            r = self.rules[ri]
            for node in tree.css(r.rule.selector):
                position = page.element_position(node)
                if position not in r.regions:
                    continue
                if r.kind == "required":
                    present.add(ri)
                    break
                shown = " ".join((node.html or "").split())
                shown = shown[:200] + ("…" if len(shown) > 200 else "")
                self._add(out, Hit(r.id, position, shown, shown, position if position in TEMPLATE_POSITIONS else "",
                                   extra={"selector": r.rule.selector}))


_ATTR_VALUE = re.compile(r"""\[[^\]=]+[~|^$*]?=\s*(?:"([^"]*)"|'([^']*)'|([^\s\]"']+))\s*([iIsS])?\s*\]""")


def _literal_filter(selector: str):
    """A quick test on the page source: False when the selector cannot match because an attribute value it
    requires is nowhere in the HTML (saves parsing pages for a selector such as img[src*='logo-2015'])."""
    if "," in selector:
        return lambda html: True
    needles = []
    for m in _ATTR_VALUE.finditer(selector):
        value = next((g for g in m.groups()[:3] if g is not None), "")
        if value and "&" not in value and not m.group(4):
            needles.append(value)
    if not needles:
        return lambda html: True
    return lambda html: all(n in html for n in needles)


# ---------------------------------------------------------------------------- findings
def _short_hash(*parts: Any) -> str:
    return hashlib.blake2b("\x1f".join(map(str, parts)).encode(), digest_size=6).hexdigest()


class Reporter:
    """Hits of a site's pages -> findings (template ones once, the others per page)."""

    def __init__(self, engine: Engine, site: str, home: str) -> None:
        self.engine, self.site, self.home = engine, site, home
        self.rules = {r.id: r for r in engine.rules}
        self.pages: list[PageHits] = []
        self.template_pages: dict[tuple, list[PageHits]] = defaultdict(list)

    def add(self, ph: PageHits) -> None:
        if not ph.hits:
            return
        self.pages.append(ph)
        for sig in {h.signature for h in ph.hits if h.position}:
            self.template_pages[sig].append(ph)

    def findings(self) -> list[Finding]:
        least = self.engine.checks.template_min_pages
        template = {sig for sig, pages in self.template_pages.items() if len(pages) >= least}
        out: list[Finding] = []
        for ph in self.pages:
            groups: dict[tuple[str, str], list[Hit]] = defaultdict(list)
            for h in ph.hits:
                if not (h.position and h.signature in template):
                    groups[(h.rule, h.key)].append(h)
            for (rule, key), hits in groups.items():
                extra = ph.counts[(rule, key)] - sum(1 for h in ph.hits if h.rule == rule and h.key == key)
                out.append(self._finding(rule, key, hits, extra, ph))
        for sig in sorted(template, key=str):
            pages = self.template_pages[sig]
            out.append(self._template_finding(sig, pages))
        return out

    # -------------------------------------------------------------- wording
    def _describe(self, rule: str, hits: list[Hit]) -> tuple[str, str, str, float, dict[str, Any]]:
        """(category, severity, message, confidence, evidence about the rule) for these hits."""
        first = hits[0]
        r = self.rules.get(rule)
        texts = list(dict.fromkeys(h.text for h in hits))
        shown = ", ".join(f'"{t}"' for t in texts[:3]) + (f" and {len(texts) - 3} more" if len(texts) > 3 else "")
        if r is not None:
            rule_ev: dict[str, Any] = {"kind": r.kind, "rule_file": str(r.source)}
            for k in ("terms", "pattern", "domains", "url", "selector"):
                v = getattr(r.rule, k)
                if v:
                    rule_ev[k] = v if k != "terms" or len(v) <= 20 else v[:20] + [f"... {len(v) - 20} more"]
            if r.rule.file:
                rule_ev["file"] = r.rule.file
            base = r.rule.message or TEAM_KINDS[r.kind].message
            if r.kind == "required":
                msg = f"{base}: no {first.text} ({', '.join(sorted(r.regions))})"
            elif r.kind in ("term", "banned_list"):
                repl = list(dict.fromkeys(h.extra.get("replacement") for h in hits if h.extra.get("replacement")))
                msg = f"{base}: {shown}" + (f' (write {" or ".join(chr(34) + x + chr(34) for x in repl[:3])} instead)' if repl else "")
            elif r.kind == "retired_domain":
                doms = sorted({h.extra["domain"] for h in hits})
                msg = f"{base}: {', '.join(doms)} ({shown})"
            else:
                msg = f"{base}: {shown}"
            return r.rule.category, r.rule.severity, msg, TEAM_KINDS[r.kind].confidence, rule_ev
        check = RULES[rule]
        severity = worst(h.extra.get("severity", "medium") for h in hits)
        confidence = max(h.extra.get("confidence", 0.95) for h in hits)
        if rule == builtin.TECH:
            ids = [a["id"] for a in first.extra["advisories"]]
            msg = (f"{first.text} has {check.message} ({', '.join(ids[:4])}{' ...' if len(ids) > 4 else ''}; "
                   f"found in the {first.extra['found_in']}): update it")
        elif rule == builtin.FORM:
            msg = f"{check.message}: {shown}" + (" (with a password field)" if any(h.extra.get("password_field") for h in hits) else "")
        elif rule == builtin.MIXED:
            active = sum(1 for h in hits if h.extra.get("content") == "active")
            msg = f"{check.message}: {shown}" + (f" ({active} scripts, stylesheets or frames that browsers block)" if active else "")
        else:
            msg = f"{check.message}: {shown}"
        return check.category, severity, msg, confidence, {}

    def _finding(self, rule: str, key: str, hits: list[Hit], not_kept: int, ph: PageHits) -> Finding:
        mentions.about_it(hits)
        to_change = [h for h in hits if not h.extra.get("deliberate")]   # a name said on purpose (mentions.py)
        category, severity, msg, confidence, rule_ev = self._describe(rule, to_change or hits)
        n = len(hits) + max(0, not_kept)
        named = len(hits) - len(to_change)
        regions = Counter(h.region for h in hits)
        quoted = self.engine.checks.max_quoted
        if hits[0].region != "missing" and (rule in self.rules or n > 1):
            msg += f"; {n} time{'s' if n != 1 else ''} on this page ({', '.join(f'{r} {c}' for r, c in regions.most_common())})"
        if named and named == n:   # nothing to change: information, never a list item
            severity = "info"
            msg += f", {'each time ' if n > 1 else ''}named on purpose ({mentions.summary(hits)}): nothing to change"
        elif named:
            msg += f", {named} of them named on purpose ({mentions.summary(hits)}) and to be left as they are"
        # the ones to change quoted first
        hits = to_change + [h for h in hits if h.extra.get("deliberate")]
        evidence: dict[str, Any] = {**rule_ev, "hits": n, "regions": dict(regions.most_common()),
                                    "matches": [h.as_evidence() for h in hits[:quoted]]}
        if named:
            evidence["named_on_purpose"] = named
        if all(mentions.is_name(h.extra["term"], h.extra.get("replacement", "")) for h in hits if "term" in h.extra) \
                and any("term" in h.extra for h in hits):
            evidence["retired_name"] = True   # a name: on a dated article, history (analysis/retired_names.py)
        if n > quoted:
            evidence["not_quoted"] = n - quoted
        material = sorted(Counter((h.text, h.region) for h in hits).items())
        return Finding(rule=rule, category=category, severity=severity, confidence=confidence, site=self.site,
                       subject_url=ph.url, subject_id=ph.url_id, title=ph.title, message=msg, evidence=evidence,
                       key=key, material=material)

    def _template_finding(self, sig: tuple, pages: list[PageHits]) -> Finding:
        rule, key, region, position, _ = sig
        hit = next(h for h in pages[0].hits if h.signature == sig)
        category, severity, msg, confidence, rule_ev = self._describe(rule, [hit])
        where = {"html": "page source", "scripts": "scripts", "template": "template"}.get(position, position)
        urls = sorted(p.url for p in pages)
        msg = f"In the site template ({where}) of {len(urls)} pages: {msg}"
        if hit.extra.get("deliberate"):   # "Harbourside Trust (formerly Harbour Foundation)" in every footer
            severity = "info"
            msg += f", named on purpose ({mentions.summary([hit])}): nothing to change"
        evidence: dict[str, Any] = {**rule_ev, "template": True, "pages": len(urls), "region": region,
                                    "match": hit.as_evidence(), "affected_pages": urls[:LISTED]}
        if len(urls) > LISTED:
            evidence["not_listed"] = len(urls) - LISTED
        return Finding(rule=rule, category=category, severity=severity, confidence=confidence, site=self.site,
                       subject_type="template", subject_url=self.home, title=f"Site template: {where}",
                       message=msg, evidence=evidence, key=_short_hash(key, region, position, sig[4]),
                       material=(hit.text, region, len(urls)))


def failure_findings(engine: Engine, site: str, home: str) -> list[Finding]:
    out = []
    for r in engine.rules:
        pages = engine.failures.get(r.id)
        if not pages:
            continue
        stopped = engine.rules.index(r) in engine.stopped
        msg = (f"The rule {r.rule.id} ({r.source.name}) ran out of time (pattern_timeout {engine.checks.pattern_timeout:g} s) "
               f"on {len(pages)} page{'s' if len(pages) != 1 else ''}" + (" and was stopped for the rest of the analysis" if stopped else "")
               + ": its results are incomplete. Rewrite the pattern without nested repetition such as (a+)+ or (a|aa)+ "
               "(`decay rules check` tests it).")
        out.append(Finding(rule=FAILED, category=RULES[FAILED].category, severity=RULES[FAILED].severity, confidence=1.0, site=site, subject_type="rule",
                           subject_url=home, title=f"Rule {r.rule.id}", message=msg, key=r.rule.id,
                           evidence={"rule": r.id, "rule_file": str(r.source), "pattern": r.rule.pattern,
                                     "timeout_s": engine.checks.pattern_timeout, "stopped": stopped,
                                     "pages_timed_out": pages[:50]},
                           material=(r.rule.pattern, stopped)))
    return out


def run_site(conn: sqlite3.Connection, ruleset: RuleSet, site: str, crawl_id: int, home: str) -> RulesResult:
    """Every rule and check over the pages of a site's latest complete crawl; reads facts, writes nothing."""
    started = time.perf_counter()
    engine = Engine(ruleset)
    if not engine.rules and not engine.builtins:
        return RulesResult([])
    reporter = Reporter(engine, site, home)
    n = 0
    targets = engine.link_targets(conn) if engine.needs_links else None
    quoted = mentions.QuotedTitles(conn)
    for page in iter_pages(conn, site, crawl_id, links=engine.needs_links, bodies=engine.needs_bodies, link_targets=targets,
                           alt_links=engine.alt_links):
        ph = engine.page(page)
        quoted.mark(page.url_id, ph.hits)   # a mention in a link quoting the linked page's title: decided there
        reporter.add(ph)
        n += 1
    findings = reporter.findings() + failure_findings(engine, site, home)
    return RulesResult(findings, n, dict(engine.failures), time.perf_counter() - started)
