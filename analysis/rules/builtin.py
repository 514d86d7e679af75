"""Built-in checks that need no configuration, each switched off in ``[checks]``.

- ``checks.outdated_technology``: CMS and JavaScript library versions with known vulnerabilities
  (``advisories.py`` and its bundled table);
- ``checks.insecure_form``: forms whose answers travel over plain HTTP;
- ``checks.mixed_content``: HTTPS pages that load scripts, stylesheets, frames, images or media over HTTP;
- ``checks.new_window_opener``: links to other websites opening a new window without rel=noopener.
"""
from __future__ import annotations

import re

from foundation.catalog import worst
from analysis.rules.advisories import NAMES, affected, from_banners, from_generator, from_script_url
from analysis.rules.page import PageData
from analysis.rules.text import Hit
from foundation.urls import resolve

TECH, FORM, MIXED, OPENER = "checks.outdated_technology", "checks.insecure_form", "checks.mixed_content", "checks.new_window_opener"
BUILTIN = {TECH: "outdated_technology", FORM: "insecure_forms", MIXED: "mixed_content", OPENER: "new_window_opener"}
TEMPLATE_POSITIONS = {"nav", "header", "aside", "footer", "head", "html", "scripts"}
ACTIVE = {"script", "iframe", "frame", "object", "embed"}
PASSIVE = {"img", "video", "audio", "source", "track"}
LOADED_RELS = {"stylesheet": "active", "preload": "active", "modulepreload": "active", "icon": "passive",
               "shortcut": "passive", "apple-touch-icon": "passive", "manifest": "active"}
_FORM = re.compile(r"<form\b", re.I)


def _pos(position: str) -> str:
    return position if position in TEMPLATE_POSITIONS else ""


def technology(page: PageData) -> list[Hit]:
    hits: list[Hit] = []
    seen: set[tuple[str, str]] = set()

    def add(s, region: str, position: str, confidence: float) -> None:
        if s is None or (s.technology, s.version) in seen:
            return
        advisories = affected(s.technology, s.version)
        if not advisories:
            return
        seen.add((s.technology, s.version))
        name = NAMES.get(s.technology, s.technology)
        hits.append(Hit(TECH, region, f"{name} {s.version}", s.evidence, _pos(position), key=s.technology, extra={
            "technology": name, "version": s.version, "found_in": s.source, "confidence": confidence,
            "severity": worst(a.severity for a in advisories),
            "advisories": [{"id": a.advisory, "url": a.url, "affected": f">= {a.introduced or 0}" + (f", < {a.fixed}" if a.fixed else ""),
                            "summary": a.summary, "severity": a.severity} for a in advisories]}))

    if page.generator and not mirrored(page.html):   # (an archived copy runs no CMS to update)
        add(from_generator(page.generator), "head", "head", 0.9)
    for lk in page.links:
        if lk.kind == "script":
            s = from_script_url(lk.url)
            add(s, "link_urls", lk.position, 0.6 if s is not None and "?ver" in s.source else 0.8)
    if page.body and ("/*" in page.html or "//!" in page.html):
        for s in from_banners(page.html):
            add(s, "html", "html", 0.9)
    return hits


def insecure_forms(page: PageData) -> list[Hit]:
    hits = []
    tree = page.tree() if page.body and _FORM.search(page.html) else None
    if tree is not None:
        base = page.url
        b = tree.css_first("base[href]")
        if b is not None:
            base = resolve(page.url, b.attributes.get("href") or "") or page.url
        for form in tree.css("form"):
            a = form.attributes
            action = (a.get("action") or "").strip()
            target = resolve(base, action) if action else page.url
            if not target or not target.startswith("http:"):
                continue
            method = (a.get("method") or "get").strip().lower()
            password = form.css_first("input[type=password i]") is not None
            fields = sorted({(i.attributes.get("name") or i.attributes.get("type") or "") for i in form.css("input, textarea, select")
                             if (i.attributes.get("type") or "").lower() not in ("hidden", "submit", "button", "image", "reset")} - {""})
            severity = "high" if (page.https or password) else "medium"
            shown = f'<form method="{method}" action="{action or "(this page)"}">'
            hits.append(Hit(FORM, page.element_position(form), target, shown, _pos(page.element_position(form)), extra={
                "method": method, "password_field": password, "fields": fields[:20], "severity": severity,
                "why": ("an HTTPS page whose form posts over plain HTTP: browsers warn before sending" if page.https
                        else "the page itself is plain HTTP, so its form is sent unencrypted")}))
    elif page.https:   # without stored HTML: the form actions the crawl recorded
        for lk in page.links:
            if lk.kind == "form" and lk.loaded_from.startswith("http:"):
                hits.append(Hit(FORM, lk.position, lk.loaded_from, f'<form action="{lk.loaded_from}">', _pos(lk.position),
                                extra={"severity": "high", "why": "an HTTPS page whose form posts over plain HTTP"}))
    return hits


# a static copy of a site a mirroring tool saved ("<!-- Mirrored from www.example.org/ by HTTrack Website Copier"):
# its generator tag names the CMS the old site ran, which no longer runs
_MIRRORED = re.compile(r"<!--\s*(?:Mirrored from\b|Added by HTTrack)|HTTrack Website Copier", re.I)


def mirrored(html: str) -> bool:
    """Whether the page is a static copy a mirroring tool saved (its comment, at the top of the page)."""
    return bool(_MIRRORED.search(html[:4000]))


_NOSCRIPT = re.compile(r"<noscript\b.*?</noscript\s*>", re.I | re.S)


def mixed_content(page: PageData) -> list[Hit]:
    """Plain-HTTP parts of an HTTPS page, as browsers load them: not on a page that asks browsers to upgrade them
    (Content-Security-Policy upgrade-insecure-requests), nor inside <noscript> (a tracking pixel browsers with
    JavaScript never load)."""
    if not page.https or not any(lk.loaded_from.startswith("http:") for lk in page.links):
        return []
    html = page.html or ""   # (decoded only for a page with a plain-HTTP link)
    lower = html.lower()
    if "upgrade-insecure-requests" in lower:
        return []
    noscript = " ".join(_NOSCRIPT.findall(html)) if "<noscript" in lower else ""
    hits = []
    for lk in page.links:
        url = lk.loaded_from   # (an image on the site's own host written http://: stored under its https twin)
        if not url.startswith("http:"):
            continue
        if noscript and (url in noscript or url.rstrip("/") in noscript):
            continue
        if lk.kind in ACTIVE:
            kind = "active"
        elif lk.kind in PASSIVE:
            kind = "passive"
        elif lk.kind == "link":
            kinds = [LOADED_RELS[r] for r in lk.rel.split() if r in LOADED_RELS]
            if not kinds:
                continue
            kind = "active" if "active" in kinds else "passive"
        else:
            continue
        element = f"<link rel={lk.rel}>" if lk.kind == "link" else f"<{lk.kind}>"
        hits.append(Hit(MIXED, lk.position, url, f"{element} {url}", _pos(lk.position), extra={
            "element": element, "content": kind, "severity": "high" if kind == "active" else "medium",
            "why": ("browsers block scripts, styles and frames loaded over plain HTTP on an HTTPS page, so this part of the "
                    "page does not work" if kind == "active" else
                    "images or media loaded over plain HTTP make browsers show the page as not fully secure")}))
    return hits


def new_window_opener(page: PageData) -> list[Hit]:
    hits = []
    for lk in page.links:
        if lk.new_window and not lk.internal and lk.kind in ("a", "area"):
            rels = set(lk.rel.split())
            if "noopener" in rels or "noreferrer" in rels:
                continue
            hits.append(Hit(OPENER, lk.position, lk.url, f'"{lk.anchor}" → {lk.url}' if lk.anchor else lk.url,
                            _pos(lk.position), extra={"rel": lk.rel or None, "severity": "info",
                                                      "why": "browsers released since 2021 open it as if rel=\"noopener\" were "
                                                             "there; older ones let the other website replace this page in the "
                                                             "visitor's first tab (tab-nabbing)"}))
    return hits


CHECKS = {TECH: technology, FORM: insecure_forms, MIXED: mixed_content, OPENER: new_window_opener}
