"""Capture: take a page (a URL, a saved file, standard input) and reduce it to text and metadata.

- ``fetch``: read a source into a ``Capture``, the raw bytes exactly as received, with a size cap
  and a check that the body arrived whole;
- ``extract``: HTML (trafilatura) or plain text to the article's text, title, byline and dates;
- ``normalize``: the one canonical form of stored text, so that equal texts hash equal.

Nothing here knows the store; ``archive.ingest`` takes captures into it.
"""
