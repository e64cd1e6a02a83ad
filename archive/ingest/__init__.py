"""Ingest: captures into the store, one at a time or many.

- ``snapshot``: one capture (``archive snapshot``), and ``add_version``, which measures what a new
  version changed and hands it to the store's writer;
- ``engine``: the bulk path (extraction on every core, one pack per batch), with the same commit ids;
- ``warc``, ``folder``, ``sources``: WARC files and folders of saved pages (``archive import``);
- ``feeds``: following RSS/Atom feeds (``archive watch``); ``remote``: sharing a store (push, pull).
"""
