"""Canonical article text, so that diffs show edits and not encoding noise.

Normalization is applied once, when a version is captured, and the stored
text is already canonical: ``normalize_text(stored) == stored`` is a fixity
check (see ``archive.audit.report``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence

from archive.errors import InvalidInput

__all__ = ["normalize_text", "is_normalized", "one_line", "one_line_options"]

# Horizontal spaces that render as a plain space: NBSP, the typographic spaces
# of U+2000..U+200A, narrow NBSP, medium math space, ideographic space, tab.
_SPACES = re.compile("[\t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]")
# Characters with no visible width that only make the same words compare unequal:
# zero-width space, word joiner, BOM, soft hyphen. ZWJ/ZWNJ are kept: they
# change how some scripts and emoji render, so they are content.
_INVISIBLE = re.compile("[\u200b\u2060\ufeff\u00ad]")
_LINE_BREAKS = re.compile("\r\n|\r|[\u2028\u2029\u0085\x0b\x0c]")
# Control characters (Unicode Cc) other than the line breaks and tab above: terminal escapes (ESC, BEL, the
# C1 CSI), NUL, backspace, DEL. They are removed, not replaced: they have no glyph, so no reader saw them
# on the page, and a visible U+FFFD would add a "word" to every diff; what they were stays in the raw capture.
_CONTROLS = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f]")
_RUNS_OF_SPACES = re.compile(" {2,}")


def normalize_text(text: str) -> str:
    """Return ``text`` in canonical form: one paragraph per line, ending in a newline.

    - Unicode NFC, so composed and decomposed accents compare equal.
    - Odd spaces (NBSP, thin, ideographic, tabs) become one ASCII space; zero-width
      characters and soft hyphens are dropped; runs of spaces collapse.
    - Line endings become ``\\n``; leading and trailing spaces of a line go; other control characters
      (ESC, BEL, NUL, DEL, C1) are dropped, so no terminal escape sequence is ever stored as text.
    - Paragraphs are kept: every non-empty line is one paragraph and blank lines
      go. Hard-wrapped lines are not re-joined, because no rule tells a wrapped
      line from a short paragraph or a Markdown list item without guessing.
    - Typographic quotes, dashes and ellipses are kept as they are: they are content.

    The result is empty (``""``) when the text has no visible characters.
    """
    text = _LINE_BREAKS.sub("\n", text)
    text = _CONTROLS.sub("", text)
    text = _INVISIBLE.sub("", text)
    text = _SPACES.sub(" ", text)
    # Composed last: dropping an invisible character can join a base letter to
    # its combining mark, which NFC then has to compose.
    text = unicodedata.normalize("NFC", text)
    lines = (_RUNS_OF_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    paragraphs = [line for line in lines if line]
    return "\n".join(paragraphs) + "\n" if paragraphs else ""


# Every character normalize_text replaces or drops: the controls (all but the newline), the line breaks, the odd
# spaces and the invisible characters above. Canonical text holds no whitespace but the space and the newline.
_NOT_CANONICAL = re.compile(
    "[\x00-\x09\x0b-\x1f\x7f-\x9f\u00a0\u00ad\u1680\u2000-\u200b\u2028\u2029\u202f\u205f\u2060\u3000\ufeff]"
)


def is_normalized(text: str) -> bool:
    """True when ``text`` is already canonical (normalizing it changes nothing).

    Checked without normalizing (``verify`` asks it of every version): no character normalization replaces,
    NFC already, and lines that are not empty and have no leading, trailing or double spaces.
    """
    if not text:
        return True
    return (
        text[-1] == "\n"
        and text[0] not in " \n"
        and "  " not in text
        and "\n\n" not in text
        and " \n" not in text
        and "\n " not in text
        and not _NOT_CANONICAL.search(text)
        and unicodedata.is_normalized("NFC", text)
    )


# What a one-line value may not hold: every control character (line breaks and tab included), the line and
# paragraph separators, and the bidi overrides and isolates that reorder how the rest of the line reads.
_NOT_ONE_LINE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def one_line(value: str, option: str) -> str:
    """``value`` if it is one line of printable text, else InvalidInput naming ``option`` (``--title``).

    Metadata given by hand is refused rather than repaired: a line break in a title would change the
    commit's subject and forge lines in ``show``, and silently rewriting what the user typed would store
    a value nobody gave. Captured metadata is normalized instead (``normalize_text``), since the page is
    what it is and its raw bytes are kept."""
    found = _NOT_ONE_LINE.search(value)
    if found:
        raise InvalidInput(
            f"{option} must be one line of printable text (it holds U+{ord(found.group()):04X} "
            f"at character {found.start() + 1})"
        )
    if not value.strip():
        raise InvalidInput(f"{option} must be one line of printable text (it is empty)")
    return value


def one_line_options(options: Mapping[str, str | Sequence[str] | None]) -> None:
    """``one_line`` for each given option (``{"--title": title, "--author": authors, …}``); None is not given."""
    for option, given in options.items():
        for value in [given] if isinstance(given, str) else given or ():
            one_line(value, option)
