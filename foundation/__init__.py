"""The ground floor of content-decay: what the crawler, the analysis and the application all stand on.

Configuration (``config``), the database schema (``schema``), URL and social-profile identity (``urls``,
``profiles``), times, the facts a crawl records (``facts``), how an HTML page is read (``reading``), the
team's rule definitions (``team_rules``) and the catalog of findings (``catalog``).  Nothing here imports
``crawler``, ``analysis`` or ``decay``; the import contract in ``pyproject.toml`` keeps it so.
"""

__version__ = "0.2.1"
