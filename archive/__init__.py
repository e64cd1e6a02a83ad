"""archive: a reproducible, auditable record of how news articles change."""

__version__ = "0.1.0"
