"""What surrounds an article's claims on a news page: correction notices, and the page's furniture.

A correction or update notice ("Correction: …", "An earlier version of this article misstated …") is the most
direct claim change there is; a bare update stamp says nothing. Bylines and credits, time stamps, copyright
lines, "Read more" links and datelines change with every edition of a page and carry no claim, and a credit
line is never the lede. ``archive.compare.claims`` asks this module which lines are which.
"""

from __future__ import annotations

import re

from archive.compare.changes import Reason, shorten
from archive.compare.sentences import split_sentences
from archive.compare.signals import CONTENT_WORD, VersionText

__all__ = ["notice_reason", "furniture_reason", "dateline_end", "DATELINE", "is_credit", "first_sentence"]

# A correction or update notice says what the newsroom changed and why: the most direct claim change.
_NOTICE = re.compile(
    r"(?i)^\W*(?:(?:correction|corrections|clarification|editor['’]?s['’]? note|update)\s*[:—–]"
    r"|an earlier version of this (?:article|story|report|post|piece)"
    r"|this (?:article|story|report|post|piece) (?:has been|was) "
    r"(?:updated|corrected|amended|revised) (?:to|with|after)"
    r"|(?:we|this (?:article|story)) (?:have |has )?(?:corrected|clarified|amended)\b)"
)
# "This story has been updated.", "Updated: 14:02 GMT": a stamp that says nothing about what changed.
_STAMP = re.compile(
    r"(?i)^\W*(?:this (?:article|story|report|post|piece|page) (?:has been|was) updated"
    r"|(?:last )?updated(?: on| at)?)\b"
)
_STAMP_WORDS = frozenset(
    "a m p an and at on by the gmt utc bst est edt pst pdt et pt am pm hours ago minutes since".split()
)
# Lines that credit a source or a photo ("Source: Reuters", "(AP) —"): never the lede.
_CREDIT = re.compile(
    r"(?i:^\W*(?:sources?|photo(?:graph)?|image|credits?|(?:additional )?reporting|written|edited)\b[^:]{0,30}:)"
    r"|^\W*(?i:by)\s+[A-Z][\w.'’-]*(?:,?\s+(?:and\s+)?[A-Z][\w.'’-]*){0,5}\s*$"
    r"|^\W*\(?[A-Z][\w.&'’ ]{0,40}\)?\s*[—–-]+\s*$"
)


def notice_reason(text: str) -> Reason | None:
    """The reason for a correction or update notice, a cosmetic one for a bare update stamp, else None."""
    stamp = _STAMP.match(text)
    if stamp:
        rest = [word for word in CONTENT_WORD.findall(text[stamp.end() :].lower()) if word not in _STAMP_WORDS]
        if all(word.isdigit() or _is_time_word(word) for word in rest):
            return Reason("boilerplate", f"update stamp, says nothing of what changed: {shorten(text)}", False)
    if _NOTICE.match(text):
        return Reason("notice", f"correction or update notice: {shorten(text)}", True, None, text)
    return None


# Page furniture: who reported, wrote, edited or photographed the article, when it was published or updated,
# its copyright, where to read more. Newsrooms change these lines with every edition; none is a claim.
_FURNITURE = re.compile(
    r"(?i)^\W*(?:(?:with )?(?:additional )?(?:reporting|writing|editing|edited|written|compiled|produced|research"
    r"|photographs?|photos?|pictures?|video|graphics?) by\b"
    r"|(?:copyright\s*(?:©|\(c\))?|©|\(c\))\s*(?:\d{4}|\d{4}\s*[-–]\s*\d{4})\b|all rights reserved\b"
    r"|this (?:material|article|content|story) (?:may|must) not be (?:published|reproduced|copied|redistributed)"
    r"|(?:read|see) (?:more|also)\s*[:|]|related(?: articles?| stories| coverage| content)?\s*[:|]"
    r"|(?:sign up|subscribe)\b.{0,80}\bnewsletter)"
)
# "Photo: Jane Roe/AP", "Image: Getty": a credit; a longer line after "Photo:" is a caption, which can be a claim.
_PICTURE_CREDIT = re.compile(r"(?i)^\W*(?:photo(?:graph)?s?|pictures?|images?|video|illustration|graphics?)\s*[:|]")
_PICTURE_CREDIT_WORDS = 8
# The page speaking to its reader (share, follow, listen, read on, check back): short lines around the article.
_PAGE_CALL = re.compile(
    r"(?i)^\W*(?:this (?:is a )?(?:developing|breaking) (?:story|news)|this (?:story|article) is developing"
    r"|check back (?:later )?for (?:more )?updates|follow us\b|share (?:this|on)\b|listen to this (?:article|story)"
    r"|\d+ min(?:ute)?s? read\b|click here\b|(?:the )?(?:story|article) continues below|get the latest\b"
    r"|have a (?:news )?tip\b|email us at\b|watch\s*:)"
)
_PAGE_CALL_WORDS = 12
_PAGE_LABEL = re.compile(r"(?i)^\W*(?:more from|related topics|breaking news|top stories|most read)\b")
_PAGE_LABEL_WORDS = 5
_CONTRIBUTED = re.compile(r"(?i)\bcontributed(?: reporting)? to this (?:report|story|article)\W*$")
_PUBLISHED = re.compile(
    r"(?i)^\W*(?:(?:first|originally) )?(?:published|posted|updated|last updated|last modified|modified)\b"
)
_PUBLISHED_WORDS = frozenset("published posted updated modified last first originally".split())
_FURNITURE_WORDS = 25  # a longer sentence is prose, whatever it starts with


def furniture_reason(text: str) -> Reason | None:
    """A cosmetic reason when every sentence of ``text`` is page furniture: a byline or credit, a time stamp
    ("Published … | Updated 4:15 p.m."), a copyright line, "Read more: …", "… contributed to this report", the
    page speaking to its reader ("Share this article", "This is a developing story. Check back for updates.")."""
    sentences = [sentence.text for sentence in split_sentences(text)]
    if not sentences or not all(_is_furniture(sentence) for sentence in sentences):
        return None
    return Reason(
        "boilerplate", f"page furniture (credit, time stamp, copyright or link), not a claim: {shorten(text)}", False
    )


# "LONDON, Dec 1 (Reuters) - ", "KYIV, Ukraine (AP) — ", "WASHINGTON — ": where and when a wire story was filed,
# ahead of its lede; the date in it moves with each filing.
_DATELINE = re.compile(
    r"^[A-Z][A-Z.'’-]+(?: [A-Z][A-Z.'’-]+){0,3}(?:, [A-Z][a-z]+\.?(?: [A-Z][a-z]+\.?)?)?"
    r"(?:,? (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.? \d{1,2})?"
    r"(?: ?\([A-Z][\w .&'’-]{0,30}\))? ?[-—–]+ ?"
)
DATELINE = Reason("boilerplate", "dateline: where and when the story was filed, not a claim", False)


def dateline_end(sentence: str) -> int:
    """The length of the dateline that opens ``sentence`` ("LONDON, Dec 1 (Reuters) - "), 0 when none does."""
    found = _DATELINE.match(sentence)
    return found.end() if found else 0


def _is_furniture(sentence: str) -> bool:
    words = CONTENT_WORD.findall(sentence)
    if len(words) > _FURNITURE_WORDS:
        return False
    if _PICTURE_CREDIT.match(sentence):
        return len(words) <= _PICTURE_CREDIT_WORDS
    if _PAGE_CALL.match(sentence):
        return len(words) <= _PAGE_CALL_WORDS
    if _PAGE_LABEL.match(sentence):
        return len(words) <= _PAGE_LABEL_WORDS
    if is_credit(sentence) or _FURNITURE.match(sentence) or _CONTRIBUTED.search(sentence):
        return True
    stamp = _PUBLISHED.match(sentence)
    if stamp is None:
        return False
    rest = [word for word in CONTENT_WORD.findall(sentence[stamp.end() :].lower()) if word not in _STAMP_WORDS]
    return all(word.isdigit() or word in _PUBLISHED_WORDS or _is_time_word(word) for word in rest)


def _is_time_word(word: str) -> bool:
    return bool(re.fullmatch(r"\d+(?:st|nd|rd|th)?|[a-z]{3,9}", word)) and (
        word[:3] in {"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"}
        or word[:3] in {"mon", "tue", "wed", "thu", "fri", "sat", "sun"}
        or word.rstrip("stndrh").isdigit()
    )


def first_sentence(version: VersionText) -> int:
    """The first sentence that is not a credit line ("Source: Reuters", "(AP) —"): the lede."""
    return next((sentence.index for sentence in version.sentences if not is_credit(sentence.text)), 0)


def is_credit(text: str) -> bool:
    """Whether a sentence only credits a source or author ("Source: Reuters", "(AP) —", "By Ann Holt")."""
    return bool(_CREDIT.match(text.strip())) and len(CONTENT_WORD.findall(text)) <= 12
