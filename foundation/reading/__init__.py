"""How an HTML page is read into facts: one parse, one selector pass (regions, links, texts, date signals).

The crawl reads every page with it, and the rules read stored HTML with it, so both see the same regions.
"""
