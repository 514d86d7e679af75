"""This very code in a fresh interpreter (the analysis' workers, the crawl's store process, datasette for ``decay
serve``), whatever directory it is started from.

``python -m`` and ``python -c`` put the working directory first on the module path, ahead of PYTHONPATH and the
installed packages: run from a directory holding an ``analysis.py``, a ``crawler/`` or a ``decay.py`` of the user's
own, the child imported that instead and failed (a worker's ImportError ended the analysis).  ``-P`` (Python 3.11)
leaves the working directory out; the directory this code was imported from is put first on PYTHONPATH instead (a
checkout; an installed package's site-packages is found without it), so the child runs the same code as its parent.
"""
from __future__ import annotations

import os
import site
import sys
from pathlib import Path

ROOT = str(Path(__file__).resolve().parents[1])   # the directory holding foundation/, analysis/, crawler/, decay/


def python(*args: str) -> list[str]:
    """The command line: this interpreter, without the working directory on its module path, then ``args``."""
    return [sys.executable, "-P", *args]


def environment(base: dict[str, str] | None = None) -> dict[str, str]:
    """``base`` (default: this process' environment) with this code's directory first on PYTHONPATH, unless it is
    an installed package's site-packages, which the child finds anyway (first on PYTHONPATH, it would also come
    before the standard library, where a stray backport in site-packages could shadow a module of it)."""
    env = dict(os.environ if base is None else base)
    if ROOT not in _site_packages():
        env["PYTHONPATH"] = ROOT + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


def _site_packages() -> set[str]:
    dirs = list(site.getsitepackages()) if hasattr(site, "getsitepackages") else []
    if site.ENABLE_USER_SITE:
        dirs.append(site.getusersitepackages())
    return {str(Path(d).resolve()) for d in dirs}
