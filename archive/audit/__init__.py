"""Audit: let anyone check what the store claims about itself, without writing to it.

- ``verify``: every version and the whole history; ``report``: the history for a reviewer;
- ``reproduce``: re-extract raw captures; ``rebuild``: replay them into a new store, same commit ids;
- ``export`` (and ``database``, ``wacz``): the archive in other tools' formats.
"""
