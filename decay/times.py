"""Timestamps as the database stores them: ISO 8601 text, UTC."""
from __future__ import annotations

from datetime import datetime, timezone


def parse_iso(text: str | None) -> datetime | None:
    """A stored timestamp as an aware datetime (UTC when it names no zone); None if empty or unreadable."""
    if not text:
        return None
    try:
        d = datetime.fromisoformat(text)
    except ValueError:
        return None
    return d if d.tzinfo else d.replace(tzinfo=timezone.utc)
