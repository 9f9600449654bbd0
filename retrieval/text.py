"""Offset-preserving text splitting shared by the chunker, verifier and extractive answerer."""

from __future__ import annotations

import datetime
import re

# A sentence ends at . ! ? (optionally followed by closing quotes/brackets) before whitespace and an
# opening capital, digit or quote. Abbreviations below are not sentence ends: news text is full of
# "U.S.", "Jan. 15" and "Adm. Paparo", and a split there would cut a citation in half.
_END = re.compile(r"""[.!?…]+["'”’)\]]*(?=\s+["'“‘(\[]?[A-Z0-9])""")
_ABBREVIATIONS = frozenset(
    """mr mrs ms dr prof sr jr st adm gen col lt sgt capt cmdr maj gov sen rep pres rev jan feb
    mar apr jun jul aug sep sept oct nov dec no vs etc inc corp co ltd dept fig approx u.s u.k
    u.n e.g i.e a.m p.m""".split()
)
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")
NUMBER_WORDS = (
    r"one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|"
    r"fifty|a few|several|a couple of"
)
# "a 50-minute meeting", "two hours", "a week": how long something lasted ("a few hours
# earlier" says when).
DURATION = re.compile(
    rf"\b(?:\d+|{NUMBER_WORDS}|an?)[\s-]+(?:minutes?|hours?|days?|weeks?|months?|years?)\b"
    r"(?!\s+(?:earlier|later|ago|before|after)\b)",
    re.IGNORECASE,
)
_WORD = re.compile(r"\w+", re.UNICODE)
MONTHS = (
    r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
)
MONTH_NUMBERS = {
    m: i for i, m in enumerate("jan feb mar apr may jun jul aug sep oct nov dec".split(), 1)
}
# "Jan. 15", "15 January", "Nov. 1, 2025": a day of a month, with its year when one is written.
DAY = re.compile(
    rf"\b(?P<m>{MONTHS})\.?\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s+(?P<y>(?:19|20)\d\d)\b)?|"
    rf"\b(?P<d2>\d{{1,2}})\s+(?P<m2>{MONTHS})\b\.?(?:,?\s+(?P<y2>(?:19|20)\d\d)\b)?",
    re.IGNORECASE,
)


def day_of(match: re.Match[str]) -> tuple[int, int, int | None]:
    """Return (month, day, year or None) of a ``DAY`` match."""
    month = MONTH_NUMBERS[(match.group("m") or match.group("m2")).lower()[:3]]
    year = match.group("y") or match.group("y2")
    return month, int(match.group("d") or match.group("d2")), int(year) if year else None


def nearest_date(month: int, day: int, published: str) -> datetime.date | None:
    """Return "Jan. 15" in the year nearest the ISO date ``published``, or None."""
    try:
        when = datetime.date.fromisoformat(published[:10])
    except ValueError:
        return None
    options = []
    for year in (when.year - 1, when.year, when.year + 1):
        try:
            options.append(datetime.date(year, month, day))
        except ValueError:
            continue
    return min(options, key=lambda d: abs((d - when).days), default=None)


def is_abbreviation(text: str, end: int) -> bool:
    """Return True when the period at ``end - 1`` closes an abbreviation or an initial."""
    start = end - 1
    while start > 0 and not text[start - 1].isspace():
        start -= 1
    token = text[start : end - 1].lower().lstrip("(\"'“‘")
    if token in _ABBREVIATIONS:
        return True
    # Single initials ("Pete B. Hegseth") and dotted acronyms ("U.S.") are not sentence ends.
    return (len(token) == 1 and token.isalpha()) or bool(re.fullmatch(r"(?:[a-z]\.)+[a-z]?", token))


def trim_span(text: str, start: int, end: int) -> tuple[int, int]:
    """Return the span narrowed to exclude leading and trailing whitespace."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def paragraph_spans(text: str) -> list[tuple[int, int]]:
    """Return (start, end) of each paragraph, whitespace-trimmed, separated by blank lines."""
    spans: list[tuple[int, int]] = []
    pos = 0
    for match in _PARAGRAPH_BREAK.finditer(text):
        s, e = trim_span(text, pos, match.start())
        if e > s:
            spans.append((s, e))
        pos = match.end()
    s, e = trim_span(text, pos, len(text))
    if e > s:
        spans.append((s, e))
    return spans


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Return (start, end) of each sentence within ``text[start:end]``; offsets index ``text``."""
    end = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    for p_start, p_end in paragraph_spans(text[start:end]):
        p_start += start
        p_end += start
        pos = p_start
        for match in _END.finditer(text, p_start, p_end):
            if match.group() == "." and is_abbreviation(text, match.start() + 1):
                continue
            s, e = trim_span(text, pos, match.end())
            if e > s:
                spans.append((s, e))
            pos = match.end()
        s, e = trim_span(text, pos, p_end)
        if e > s:
            spans.append((s, e))
    return spans


def split_sentences(text: str) -> list[str]:
    """Return the sentences of ``text``."""
    return [text[s:e] for s, e in sentence_spans(text)]


def words(text: str) -> list[str]:
    """Return the lower-cased word tokens of ``text``."""
    return [w.lower() for w in _WORD.findall(text)]


def names_past_opening(pattern: str | re.Pattern[str], text: str) -> list[str]:
    """Return the matches of a capitalised-name pattern, less one that only opens the text.

    "What did the US readout omit?" opens with a capital that names nothing; "what did the US
    readout omit?", typed as Discord users type, opens with none, and "US" is still a name.
    """
    opening = len(text) - len(text.lstrip(" \t\n\"'“‘("))
    return [m.group() for m in re.finditer(pattern, text) if m.start() != opening]
