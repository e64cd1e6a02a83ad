"""Canonical article text, so that diffs show edits and not encoding noise.

Normalization is applied once, when a version is captured, and the stored
text is already canonical: ``normalize_text(stored) == stored`` is a fixity
check (see ``archive.audit.report``).
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["normalize_text", "is_normalized"]

# Horizontal spaces that render as a plain space: NBSP, the typographic spaces
# of U+2000..U+200A, narrow NBSP, medium math space, ideographic space, tab.
_SPACES = re.compile("[\t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]")
# Characters with no visible width that only make the same words compare unequal:
# zero-width space, word joiner, BOM, soft hyphen. ZWJ/ZWNJ are kept: they
# change how some scripts and emoji render, so they are content.
_INVISIBLE = re.compile("[\u200b\u2060\ufeff\u00ad]")
_LINE_BREAKS = re.compile("\r\n|\r|[\u2028\u2029\u0085\x0b\x0c]")
_RUNS_OF_SPACES = re.compile(" {2,}")


def normalize_text(text: str) -> str:
    """Return ``text`` in canonical form: one paragraph per line, ending in a newline.

    - Unicode NFC, so composed and decomposed accents compare equal.
    - Odd spaces (NBSP, thin, ideographic, tabs) become one ASCII space; zero-width
      characters and soft hyphens are dropped; runs of spaces collapse.
    - Line endings become ``\\n``; leading and trailing spaces of a line go.
    - Paragraphs are kept: every non-empty line is one paragraph and blank lines
      go. Hard-wrapped lines are not re-joined, because no rule tells a wrapped
      line from a short paragraph or a Markdown list item without guessing.
    - Typographic quotes, dashes and ellipses are kept as they are: they are content.

    The result is empty (``""``) when the text has no visible characters.
    """
    text = _LINE_BREAKS.sub("\n", text)
    text = _INVISIBLE.sub("", text)
    text = _SPACES.sub(" ", text)
    # Composed last: dropping an invisible character can join a base letter to
    # its combining mark, which NFC then has to compose.
    text = unicodedata.normalize("NFC", text)
    lines = (_RUNS_OF_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    paragraphs = [line for line in lines if line]
    return "\n".join(paragraphs) + "\n" if paragraphs else ""


def is_normalized(text: str) -> bool:
    """True when ``text`` is already canonical (normalizing it changes nothing)."""
    return normalize_text(text) == text
