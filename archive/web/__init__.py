"""Web: the read-only viewer (``archive serve``): HTTP routes over the API, pages from ``archive.present``;
``memento``: its Memento (RFC 7089) TimeGate, TimeMap and headers."""
