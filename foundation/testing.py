"""Test-only hooks.  Nothing here does anything unless the environment asks for it.

``DECAY_TEST_PAUSE_AT=<point>`` makes the process that reaches the named point
stop there (sleep for an hour), after writing a line ``paused at <point>`` to
the file named by ``DECAY_TEST_PAUSE_FILE`` (if set) and to stderr.  The tests
use it to kill `decay nightly` with SIGKILL at a known moment:

    revalidate      the crawl process, in the re-validation pass, after a few answers
    crawl           the store process, after a few pages of the crawl were recorded
    merge           the store process, inside the merge transaction (facts half-written)
    analysis        after the analysis computed its judgments, before writing them
    analysis-write  inside the analysis' write transaction (findings half-written)
    history         after the analysis, before the run's summary and history are recorded
    prune           inside the prune transaction

``DECAY_TEST_PAUSE_SECONDS`` shortens the pause (then the process goes on).

Never set these variables in production: the process would simply stop.
"""
from __future__ import annotations

import os
import sys
import time

PAUSE_AT = os.environ.get("DECAY_TEST_PAUSE_AT", "")


def pause_point(name: str) -> None:
    """Stop here for an hour when DECAY_TEST_PAUSE_AT names this point (test-only)."""
    if not PAUSE_AT or PAUSE_AT != name:
        return
    marker = os.environ.get("DECAY_TEST_PAUSE_FILE")
    line = f"paused at {name} (pid {os.getpid()})\n"
    if marker:
        with open(marker, "a", encoding="utf-8") as f:
            f.write(line)
    sys.stderr.write(line)
    sys.stderr.flush()
    time.sleep(float(os.environ.get("DECAY_TEST_PAUSE_SECONDS", "") or 3600))
