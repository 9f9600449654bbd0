"""clean_text: normalization, de-duplication of repeated lines, boilerplate, idempotence."""

from __future__ import annotations

import sys
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.clean import clean_text

LONG = "US Secretary of Defense Pete Hegseth meets Koizumi. Photo: VCG"

# Characters that clean_text turns into "\n" rather than deleting.
LINE_BREAKS = {"\r", "\x0b", "\x0c", "\x85", "\u2028", "\u2029"}
KEPT_FORMAT = {"\u200c", "\u200d"}  # ZWNJ and ZWJ carry meaning in Persian, Indic and emoji


def test_nfc_and_line_endings() -> None:
    assert clean_text("Cafe\u0301\r\nnai\u0308ve\rend") == "Café\nnaïve\nend"


def test_controls_and_invisible_characters_are_removed() -> None:
    dirty = "\ufeffin\u00adter\u200bna\x00tio\x07nal\u202e \tx\u200dy\ud800"
    assert clean_text(dirty) == "international \tx\u200dy"


def test_every_control_format_and_surrogate_character_is_removed() -> None:
    # Guards the hard-coded table in ingest/clean.py against the running Unicode version.
    doomed = [
        chr(cp)
        for cp in range(sys.maxunicode + 1)
        if unicodedata.category(chr(cp)) in ("Cc", "Cf", "Cs")
        and chr(cp) not in LINE_BREAKS | KEPT_FORMAT | {"\t", "\n"}
    ]
    assert len(doomed) > 2000
    assert clean_text("a" + "".join(doomed) + "b") == "ab"


def test_control_between_letter_and_accent_does_not_block_composition() -> None:
    assert clean_text("e\x00\u0301") == "é"


def test_no_break_spaces_become_spaces_and_trailing_space_is_trimmed() -> None:
    text = "CHINA\xa0/\xa0DIPLOMACY\nstability.\xa0 \n    indented code\t\nlast \u3000"
    assert clean_text(text) == "CHINA / DIPLOMACY\nstability.\n    indented code\nlast"


def test_blank_line_runs_collapse_to_one_blank_line() -> None:
    assert clean_text("\n\n  a\n\n\n\n \n\t\nb\n\n\n") == "a\n\nb"


def test_repeated_long_lines_keep_only_the_first_occurrence() -> None:
    text = f"{LONG}\n\nFirst paragraph.\n\n{LONG}\n\nSecond paragraph.\n\n{LONG}\n"
    assert clean_text(text) == f"{LONG}\n\nFirst paragraph.\n\nSecond paragraph."


def test_short_repeated_lines_are_kept_but_short_captions_are_not() -> None:
    text = "Japan\n\nJapan\n\nQ:\n\nQ:\n\nPhoto: VCG\n\nPhoto: VCG"
    assert clean_text(text) == "Japan\n\nJapan\n\nQ:\n\nQ:\n\nPhoto: VCG"


def test_repeat_detection_ignores_trailing_whitespace() -> None:
    assert clean_text(f"{LONG}\xa0\n\n{LONG}  \n") == LONG


@pytest.mark.parametrize(
    "line",
    [
        "Advertisement",
        "ADVERTISEMENT",
        "Story continues below advertisement",
        "Share this article",
        "Share on Facebook",
        "Subscribe to our newsletter",
        "Sign up for our free newsletter to get the latest news.",
        "Read more: Japan, US agree on drills",
        "READ MORE:",
        "Also read: Koizumi visits Honolulu",
        "Click here to subscribe.",
        "All rights reserved.",
        "© 2026 Global Times. All rights reserved",
        "We use cookies to improve your experience on our site.",
        "This website uses cookies.",
        "Accept all cookies",
    ],
)
def test_boilerplate_lines_are_dropped(line: str) -> None:
    assert clean_text(f"Real sentence one.\n\n{line}\n\nReal sentence two.") == (
        "Real sentence one.\n\nReal sentence two."
    )


@pytest.mark.parametrize(
    "line",
    [
        "Advertisement revenue at the broadcaster fell five percent last year.",
        "Share prices in Tokyo rose after the talks.",
        "He told readers to read more about the treaty before judging it.",
        "Click here, the banner said, and thousands did.",
        "The 1951 treaty kept all rights reserved to the occupying power, he said.",
        "Officials said we use cookies as a metaphor, not a policy.",
        "Related talks are scheduled for March.",
        "Japan",
    ],
)
def test_sentences_that_only_mention_boilerplate_words_are_kept(line: str) -> None:
    assert clean_text(f"Intro.\n\n{line}") == f"Intro.\n\n{line}"


def test_result_is_stripped_and_empty_input_stays_empty() -> None:
    assert clean_text("") == ""
    assert clean_text(" \n\t\u200b\ufeff\n ") == ""
    assert clean_text("\n\n  Title  \n") == "Title"


@settings(max_examples=300)
@given(st.text())
def test_clean_text_is_idempotent_and_never_raises(text: str) -> None:
    once = clean_text(text)
    assert clean_text(once) == once


@settings(max_examples=200)
@given(st.text(st.characters(categories=["Cs", "Ll", "Lo", "Mn", "Cc", "Cf", "Zs", "Zl"])))
def test_clean_text_drops_lone_surrogates(text: str) -> None:
    out = clean_text(text)
    out.encode("utf-8")
    assert clean_text(out) == out


@settings(max_examples=200)
@given(
    st.lists(
        st.sampled_from(
            [LONG, "Japan", "", " ", "Advertisement", "Photo: X", "a\u0301", "\r\n", "\xa0", "\t"]
        )
        | st.text(max_size=30),
        max_size=30,
    )
)
def test_clean_text_output_invariants(parts: list[str]) -> None:
    out = clean_text("\n".join(parts))
    assert clean_text(out) == out
    out.encode("utf-8")  # no lone surrogates: the content hash must always work
    assert "\r" not in out and "\n\n\n" not in out
    assert unicodedata.is_normalized("NFC", out)
    assert all(line == line.rstrip() for line in out.split("\n"))
    long_lines = [line.strip() for line in out.split("\n") if len(line.strip()) >= 20]
    assert len(long_lines) == len(set(long_lines))
