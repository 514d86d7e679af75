"""Timestamps as the database stores them (ISO 8601 text, UTC), and whether a recorded process still runs."""
from __future__ import annotations

import os
from datetime import datetime, timezone


def utcnow() -> str:
    """Now, as stored: '2026-11-24T03:18:28+00:00'."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def to_iso(d: datetime | None) -> str | None:
    """A datetime as stored (converted to UTC); None stays None."""
    return d.astimezone(timezone.utc).isoformat(timespec="seconds") if d else None


def parse_iso(text: str | None) -> datetime | None:
    """A stored timestamp as an aware datetime (UTC when it names no zone); None if empty or unreadable."""
    if not text:
        return None
    try:
        d = datetime.fromisoformat(text)
    except ValueError:
        return None
    return d if d.tzinfo else d.replace(tzinfo=timezone.utc)


def pid_alive(pid) -> bool:
    """Does the process with this id (as recorded in a crawls, runs or lock row) still run?"""
    try:
        pid = int(pid)
    except (TypeError, ValueError):
        return False
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:   # alive, but someone else's
        return True
    return True
