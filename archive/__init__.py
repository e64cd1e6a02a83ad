"""archive: a reproducible, auditable record of how news articles change."""
