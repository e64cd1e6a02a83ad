"""The package's version, read once from its installed metadata.

Stored metadata records it (the plain-text extractor's version, the archiver's), so it must come
from one place: ``pyproject.toml``.
"""

from importlib.metadata import version

__version__ = version("archive")
