"""Why the stored HTML is compressed with ISA-L (foundation/bodies.py): zlib's format, made by the alternatives, on real pages.

    python benchmarks/compression.py [SITE_DIR]

For each way of making zlib-format data (what ``bodies.html`` holds, and what any zlib reads back): milliseconds
per page to compress and to decompress (best of 5 rounds, interleaved), and the compressed size as a share of the
HTML.  Every blob is checked to come back as the page with the standard library's ``zlib.decompress``.  ``isal``
is a dependency of content-decay; zlib-ng (``pip install zlib-ng``) is compared when it is installed.  The crawl
compresses every page it stores, in the store process, which is the crawl's limit (README: "Speed and memory").
"""
from __future__ import annotations

import sys
import time
import zlib
from pathlib import Path

DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "data" / "sites" / "flink"


def codecs() -> dict[str, tuple]:
    """name -> (compress, decompress) of every codec installed."""
    out = {f"zlib level {lv} (standard library)": (lambda b, lv=lv: zlib.compress(b, lv), zlib.decompress) for lv in (1, 6)}
    try:
        from isal import isal_zlib

        for lv in (0, 1, 2):
            out[f"ISA-L level {lv} (isal)"] = (lambda b, lv=lv: isal_zlib.compress(b, lv), isal_zlib.decompress)
    except ImportError:
        print("(isal is not installed)", file=sys.stderr)
    try:
        from zlib_ng import zlib_ng

        out["zlib-ng level 1 (zlib-ng)"] = (lambda b: zlib_ng.compress(b, 1), zlib_ng.decompress)
    except ImportError:
        print("(zlib-ng is not installed: pip install zlib-ng to compare it)", file=sys.stderr)
    return out


def main() -> None:
    root = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT
    pages = [p.read_bytes() for p in sorted(root.rglob("*.html"))]
    if not pages:
        sys.exit(f"no HTML files under {root}")
    total = sum(map(len, pages))
    cases = codecs()
    best = {k: [float("inf"), float("inf")] for k in cases}
    size = {}
    for _ in range(5):
        for name, (comp, decomp) in cases.items():
            t = time.perf_counter()
            blobs = [comp(b) for b in pages]
            best[name][0] = min(best[name][0], (time.perf_counter() - t) / len(pages) * 1000)
            t = time.perf_counter()
            for z in blobs:
                decomp(z)
            best[name][1] = min(best[name][1], (time.perf_counter() - t) / len(pages) * 1000)
            if name not in size:
                if any(zlib.decompress(z) != b for z, b in zip(blobs, pages)):
                    sys.exit(f"{name}: a blob does not decompress to its page with zlib")
                size[name] = sum(map(len, blobs)) / total
    print(f"{len(pages)} pages from {root}, {total / len(pages) / 1024:.1f} KB each on average")
    print(f"{'codec':<36} {'compress ms':>12} {'decompress ms':>14} {'size':>7}")
    for name, (c, d) in best.items():
        print(f"{name:<36} {c:>12.3f} {d:>14.3f} {size[name]:>7.1%}")


if __name__ == "__main__":
    main()
