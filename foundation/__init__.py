"""The ground floor of content-decay: what the crawler, the analysis and the application all stand on.

Configuration (``config``), the database schema (``schema``), URL and social-profile identity (``urls``,
``profiles``), times, the facts a crawl records (``facts``), how an HTML page is read (``reading``), the
team's rule definitions (``team_rules``) and the catalog of findings (``catalog``).  Nothing here imports
``crawler``, ``analysis`` or ``decay``; the import contract in ``pyproject.toml`` keeps it so.
"""

__version__ = "0.2.1"


def usable_cores() -> int:
    """The CPU cores this process may run on (its affinity where the system says, else the machine's)."""
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
