"""content-decay: find what has rotted on an organisation's web presence."""

__version__ = "0.2.1"
