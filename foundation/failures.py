"""What a recorded failure says: did the crawler reach nobody at all?

An answer's text (``Answer.describe()`` of a social check, the ``error`` of a failed link check, as the
crawler's ``describe_failure`` words them) says the crawler reached nobody when the host name did not
resolve, nothing answered the connection, or there was no route.  A 404, a 410 or a suspended page is an
answer, never this.  The link checks and the social checks both ask, to tell "the crawler was offline"
from "the targets are gone".
"""
from __future__ import annotations

NO_HOST = ("dns lookup", "does not resolve", "could not contact dns servers", "dnslookuperror", "cannotresolvehost",
           "unknownhosterror", "connection refused", "connectionrefused", "cannot connect", "no route to host",
           "norouteerror", "network is unreachable")
NO_ANSWER = ("timeout: no answer", "tcptimedouterror")


def network_error(answer: str | None, timeouts: bool = True) -> bool:
    """Did this answer fail before any server answered?  ``timeouts``: count a connection that timed out too
    (a social check: the platform never answered); the link checks leave them out (one slow host is not an
    offline crawler)."""
    a = (answer or "").strip().lower()
    if not a or a.startswith("http "):
        return False
    return any(e in a for e in NO_HOST) or (timeouts and any(e in a for e in NO_ANSWER))
