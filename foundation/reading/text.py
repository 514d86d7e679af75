"""Text as the page reader keeps it: whitespace collapsed, cut to a limit, None for nothing."""
from __future__ import annotations

from selectolax.lexbor import LexborNode


def clean(s: str | None, limit: int = 1000) -> str | None:
    """Collapse whitespace (faster than a regular expression); None for nothing."""
    if s is None:
        return None
    s = " ".join(s.split())
    return s[:limit] if s else None


def node_text(node: LexborNode, limit: int = 1000) -> str | None:
    """An element's text (its descendants' joined by spaces), cleaned."""
    return clean(node.text(deep=True, separator=" "), limit)
