"""Normalize article text so that offsets, hashes and quotes are stable across sources.

Everything a loader produces goes through :func:`clean_text` once; chunk offsets and the content
hash are computed on its output, so it must be deterministic and idempotent.
"""

from __future__ import annotations

import re
import unicodedata

# Every line-break flavour becomes "\n" before anything else, so that the per-line rules below
# see real lines (PDF text uses form feeds between pages, Word exports U+2028).
_LINE_BREAKS = re.compile("\r\n|[\r\x0b\x0c\x85\u2028\u2029]")

# Invisible characters that break exact matching (a soft hyphen or zero-width space inside a
# word hides it from keyword search and from quote checks) or are outright invalid (lone
# surrogates cannot be encoded as UTF-8, so the content hash would fail). This is Unicode's Cc
# (minus \t and \n), Cf and Cs; ZWNJ/ZWJ (U+200C/U+200D) stay because they change how Persian,
# Indic scripts and emoji read. tests/ingest/test_clean.py checks the table against
# unicodedata, so a newer Unicode version that adds format characters shows up as a failure.
_INVISIBLE = re.compile(
    "["
    "\x00-\x08\x0b-\x1f\x7f-\x9f"  # C0 and C1 controls, DEL
    "\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e"
    "\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f"
    "\ud800-\udfff"  # lone surrogates
    "\ufeff\ufff9-\ufffb"
    "\U000110bd\U000110cd\U00013430-\U00013438\U0001bca0-\U0001bca3"
    "\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f"
    "]"
)

# No-break and typographic spaces (the sample article ends paragraphs with U+00A0) become plain
# spaces so that "CHINA\xa0/\xa0DIPLOMACY" and "CHINA / DIPLOMACY" are the same text. U+3000
# (ideographic space) is kept: in CJK text it is a full-width character of its own.
_SPACES = str.maketrans(dict.fromkeys([0xA0, 0x1680, *range(0x2000, 0x200B), 0x202F, 0x205F], " "))

_BLANK_RUNS = re.compile(r"\n{3,}")

# A verbatim repeat of a line this long is a scraping artefact (captions, pull quotes, related
# links), never prose; shorter lines ("Japan", "Q:", "* * *") legitimately repeat.
_MIN_REPEAT_CHARS = 20
_CAPTION_MARK = "Photo:"

# Whole-line boilerplate only: each pattern is anchored at both ends and short, so a sentence
# that merely mentions a newsletter or cookies is never removed.
_BOILERPLATE = re.compile(
    r"""^(?:
        (?:story\ continues\ below\ )?advertisement(?:\ -\ scroll\ to\ continue)?
      | share(?:\ this)?(?:\ (?:article|story|page))?
        (?:\ on\ (?:facebook|twitter|x|linkedin|whatsapp))?
      | (?:subscribe|sign\ up)\ (?:to|for)\ (?:our|the)\ (?:free\ )?newsletters?\b.{0,80}
      | (?:read\ more|also\ read|related)\ ?:.{0,200}
      | click\ here\ (?:to|for)\b.{0,100}
      | .{0,80}\ball\ rights\ reserved\.?
      | (?:we\ use\ cookies|this\ (?:web)?site\ uses\ cookies|accept\ (?:all\ )?cookies)\b.{0,200}
    )[.!]?$""",
    re.IGNORECASE | re.VERBOSE,
)


def clean_text(text: str) -> str:
    """Normalize text: NFC, LF newlines, no invisible characters, repeats and boilerplate."""
    text = _LINE_BREAKS.sub("\n", text)
    # Remove before NFC: a stray control between a letter and its accent would block composition.
    text = _INVISIBLE.sub("", text)
    text = unicodedata.normalize("NFC", text)
    # After NFC, because NFC maps U+2000/U+2001 to U+2002/U+2003 anyway.
    text = text.translate(_SPACES)

    kept: list[str] = []
    seen: set[str] = set()
    for raw in text.split("\n"):
        line = raw.rstrip()
        key = line.strip()
        if key and _BOILERPLATE.match(key):
            continue
        if len(key) >= _MIN_REPEAT_CHARS or _CAPTION_MARK in key:
            if key in seen:
                continue
            seen.add(key)
        kept.append(line)
    # Collapse after removing lines, so a dropped line leaves no gap wider than one blank line.
    return _BLANK_RUNS.sub("\n\n", "\n".join(kept)).strip()
