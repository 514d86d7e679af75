"""The requests the frontier decided on that Scrapy has not been given yet: kept here, in Scrapy's order.

Scrapy's scheduler holds a ``scrapy.Request`` (with its meta) per URL; on a site of 200,000 pages most of
the site would wait there.  So the spider keeps only a few thousand requests in its scheduler, enough to
keep every download slot busy, and asks the store process for more as they are used up (the message
``more``, crawler/record/router.py).  The rest wait here, as compact :class:`NewRequest` objects, and past
``MEMORY_MAX`` in a table of the staging file.

The order is Scrapy's own (crawler/settings.py: ``ScrapyPriorityQueue`` over ``FifoMemoryQueue``): the
highest priority first, first in first out within a priority.  So the frontier's priorities
(crawler/frontier.py ``PRIORITY_*``: shallow pages first, sitemap-only pages after linked ones, other
websites last) still decide what is fetched next.  Per priority the requests in memory are always older
than those on disk: once a priority has requests on disk, its new ones go there too, and the oldest come
back from disk only when its requests in memory are used up.
"""
from __future__ import annotations

import pickle
import sqlite3
from collections import deque

from foundation.facts import NewRequest

MEMORY_MAX = 10_000    # requests kept in memory (~300 bytes each); more wait in the staging file
LOAD_BATCH = 2_000     # requests read back from the staging file at a time
WRITE_BATCH = 1_000    # requests written to the staging file at a time


class Backlog:
    def __init__(self, conn: sqlite3.Connection, memory_max: int = MEMORY_MAX) -> None:
        self.conn = conn
        self.memory_max = memory_max
        self.memory: dict[int, deque[NewRequest]] = {}   # priority -> requests (never an empty deque)
        self.on_disk: dict[int, int] = {}                 # priority -> requests in the table (never 0)
        self.in_memory = 0
        self.seq = 0
        self.to_write: list[tuple[int, int, bytes]] = []
        self.table = False
        self.spilled = 0                                  # requests ever written to the table (for tests, reports)

    def __len__(self) -> int:
        return self.in_memory + sum(self.on_disk.values())

    def push(self, nr: NewRequest) -> None:
        p = nr.priority
        if p in self.on_disk or self.in_memory >= self.memory_max:
            self.seq += 1
            self.to_write.append((p, self.seq, pickle.dumps(nr, protocol=5)))
            self.on_disk[p] = self.on_disk.get(p, 0) + 1
            if len(self.to_write) >= WRITE_BATCH:
                self._write()
            return
        q = self.memory.get(p)
        if q is None:
            q = self.memory[p] = deque()
        q.append(nr)
        self.in_memory += 1

    def take(self, n: int) -> list[NewRequest]:
        """Up to n requests, the highest priority first (first in, first out within a priority)."""
        out: list[NewRequest] = []
        while len(out) < n and (self.memory or self.on_disk):
            p = max(self.memory.keys() | self.on_disk.keys())
            q = self.memory.get(p)
            if q is None:
                q = self._load(p)
            while q and len(out) < n:
                out.append(q.popleft())
            if not q:
                del self.memory[p]
        self.in_memory = sum(len(q) for q in self.memory.values())
        return out

    def _write(self) -> None:
        if not self.to_write:
            return
        if not self.table:
            self.conn.execute("CREATE TABLE IF NOT EXISTS backlog (priority INTEGER, seq INTEGER, request BLOB, "
                              "PRIMARY KEY (priority, seq)) WITHOUT ROWID")
            self.table = True
        with self.conn:
            self.conn.executemany("INSERT INTO backlog (priority, seq, request) VALUES (?, ?, ?)", self.to_write)
        self.spilled += len(self.to_write)
        self.to_write.clear()

    def _load(self, p: int) -> deque[NewRequest]:
        """The oldest requests of priority p back from the staging file."""
        self._write()
        rows = self.conn.execute("SELECT seq, request FROM backlog WHERE priority = ? ORDER BY seq LIMIT ?",
                                 [p, LOAD_BATCH]).fetchall()
        with self.conn:
            self.conn.execute("DELETE FROM backlog WHERE priority = ? AND seq <= ?", [p, rows[-1][0]])
        left = self.on_disk[p] - len(rows)
        if left:
            self.on_disk[p] = left
        else:
            del self.on_disk[p]
        q = self.memory[p] = deque(pickle.loads(blob) for _seq, blob in rows)
        return q
