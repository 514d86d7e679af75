"""The stored HTML of a page (``bodies.html``): zlib's format, written and read with ISA-L when it is installed.

The format is plain zlib (RFC 1950), which any zlib reads: ``sqlite3`` users, datasette plugins and older versions
of content-decay read these blobs with ``zlib.decompress``.  Only the program that makes them changes: ISA-L
(the ``isal`` package, Intel's storage acceleration library) compresses a page 3.6 times as fast as zlib at level 1
with slightly smaller output, and decompresses it twice as fast (``benchmarks/compression.py`` on the pages of a real
site; README, "Libraries, and why").  Without ``isal`` (a platform it has no wheel for), the standard library's zlib does the same
job, slower.
"""
from __future__ import annotations

import zlib

try:
    from isal import isal_zlib as _codec
except ImportError:  # pragma: no cover - isal is a dependency; this is for platforms without its wheel
    _codec = zlib

LEVEL = 1   # ISA-L's levels are 0-3, zlib's 1-9: 1 is fast in both, and ISA-L's 1 compresses better than zlib's
ERRORS: tuple[type[Exception], ...] = tuple({zlib.error, _codec.error})


def compress(html: bytes) -> bytes:
    """A page's HTML as stored in ``bodies.html``."""
    return _codec.compress(html, LEVEL)


def decompress(blob: bytes) -> bytes:
    """The HTML of a ``bodies.html`` blob; raises one of ``ERRORS`` for a blob that is not zlib data."""
    return _codec.decompress(blob)
