"""Web: the read-only viewer (``archive serve``): HTTP routes over the API, pages from ``archive.present``."""
