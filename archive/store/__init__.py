"""The git store: one commit per new version of an article, readable with git alone.

Its modules, in the order a version goes through them:

- ``writer``: the versioning policy (is a capture a new version?) and the objects a new version becomes;
  it runs no diff, the caller measures the word counts (``archive.ingest.snapshot.add_version``)
- ``metadata``, ``commits``, ``layout``: store format 1 (``docs/store-format.md``), the only code that
  knows it: a version's ``meta.yaml`` (and canonical YAML), its commit message and trailers, where each
  file lives
- ``objects``: git objects encoded, written (loose, or one pack for a bulk write) and read back (trees)
- ``repository``: the ``Store``: opening, the write lock, publishing (the branch moves, then the working
  tree follows), crash recovery, and reading versions back
- ``lookup``: the SQLite cache of articles and versions in ``.git/archive``, rebuilt from git at will
- ``history``: the whole history in one pass, for verify, audit, reproduce, rebuild and export

Nothing is imported here, so that importing one of them loads only what it needs.
"""
