"""This very code in a fresh interpreter (the analysis' workers, the crawl's store process, datasette for ``decay
serve``), whatever directory it is started from.

``python -m`` and ``python -c`` put the working directory first on the module path, ahead of PYTHONPATH and the
installed packages: run from a directory holding an ``analysis.py``, a ``crawler/`` or a ``decay.py`` of the user's
own, the child imported that instead and failed (a worker's ImportError ended the analysis).  ``-P`` (Python 3.11)
leaves the working directory out; the directory this code was imported from is put first on PYTHONPATH instead, so
the child runs the same code as its parent (a checkout run in place, or the installed package).
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = str(Path(__file__).resolve().parents[1])   # the directory holding foundation/, analysis/, crawler/, decay/


def python(*args: str) -> list[str]:
    """The command line: this interpreter, without the working directory on its module path, then ``args``."""
    return [sys.executable, "-P", *args]


def environment(base: dict[str, str] | None = None) -> dict[str, str]:
    """``base`` (default: this process' environment) with this code's directory first on PYTHONPATH."""
    env = dict(os.environ if base is None else base)
    env["PYTHONPATH"] = ROOT + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env
