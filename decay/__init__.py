"""content-decay: find what has rotted on an organisation's web presence.

This package is the application (the top floor): the command line, the API it mirrors, the nightly run,
the browser (serve, triage) and the exports.  It stands on ``crawler`` (facts), ``analysis`` (judgments)
and ``foundation`` (what both stand on).
"""
from foundation import __version__

__all__ = ["__version__"]
