"""The package's version, in one place: ``pyproject.toml`` reads it from here (``dynamic = ["version"]``).

Stored metadata records it (the plain-text extractor's version, the archiver's), so there must be one
source. It is a constant rather than a look-up in the installed package's metadata, because
``importlib.metadata`` would load the e-mail parser into every command's start-up (10-60 ms, measured).
"""

__version__ = "0.1.0"
