"""The recorder, in rooms: what the crawl fetched becomes rows, and the URLs to fetch next.

It runs in the store process (``crawler/worker.py``), or inside the Scrapy process with ``DECAY_WORKER=0``.
The spider sends it messages (``page``, ``sitemap``, ``failure`` ...); :class:`crawler.record.router.Router`
holds the table of the messages it accepts and routes each to one room:

    context.py     what every room shares: configuration, frontier, the staging writer, the counters, the
                   row of a fetched URL, link resolution
    pages.py       pages (HTML read, links followed) and resources (HEAD checks)
    carryover.py   304 Not Modified: the previous facts carried over, the stored links followed; the
                   conditional requests and the re-validation pass's answers
    sitemaps.py    robots.txt (its Sitemap: lines) and sitemaps (indexes, entries)
    feeds.py       the feeds a site announces
    externals.py   links to other websites: their robots.txt read once per host, then a HEAD each
    redirects.py   redirects followed (up to max_redirects) and, at the end, their chains
    finish.py      the live counts and the end of the crawl (the summary, the merge)
    router.py      the table: message name -> room
"""
