"""When was each page really published and last updated?

Extractors find (the crawl records raw date signals: ``foundation/reading/page.py``), validators judge,
a resolver decides: the split htmldate uses, with every rejected candidate kept with its reason.

    cands = page_candidates(page, now=now, trust=trust)   # parse.py, roles.py, validate.py
    dates = resolve(cands, now=now, trust=trust)          # weights.py, resolve.py

``learn_site_trust`` (trust.py) finds, once per site, the sources that lie there (a Last-Modified that
is the request time or the deploy time, a sitemap with one lastmod for every URL).
"""
from analysis.dates.candidates import page_candidates
from analysis.dates.model import Candidate, PageDates, PageInput, SiteTrust
from analysis.dates.parse import parse_date
from analysis.dates.resolve import resolve, stored_iso
from analysis.dates.trust import learn_site_trust

__all__ = ["Candidate", "PageDates", "PageInput", "SiteTrust", "learn_site_trust", "page_candidates", "parse_date",
           "resolve", "stored_iso"]
