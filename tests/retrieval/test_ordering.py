"""Questions of order: the events asked about, the day each sentence dates, the verdict."""

from __future__ import annotations

import datetime

from retrieval.extractive import WHEN_IT_HAPPENED, needs
from retrieval.ordering import Verdict, ap_date, before_or_after, event_date, verdict

SIGNED = "Singh met Hegseth in Kuala Lumpur on Friday, Oct. 31, 2025, and the two signed it."
MET = "The four held talks in Kuala Lumpur, Malaysia, on Nov. 1, 2025, a statement said."


def test_before_or_after_names_both_events() -> None:
    asked = "In KL, did the framework signing come before or after the four-way meeting?"
    assert before_or_after(asked) == ("the framework signing", "the four-way meeting")
    assert before_or_after("Did the meeting happen after or before the call?") == (
        "the meeting",
        "the call",
    )
    assert before_or_after("What did Koizumi say before the meeting?") is None
    # Each event needs its own dated sentence, and one no sentence dates is not abstained on.
    assert [(event, kind) for event, kind, _ in needs(asked)] == [
        ("the framework signing", WHEN_IT_HAPPENED),
        ("the four-way meeting", WHEN_IT_HAPPENED),
    ]


def test_a_pronoun_before_or_after_is_the_event_set_before_it_and_the_gap_is_no_need() -> None:
    asked = (
        "The December call between Koizumi and Hegseth, was that before or after the radar "
        "lock incident? how many days apart roughly?"
    )
    events = ("The December call between Koizumi and Hegseth", "the radar lock incident")
    assert before_or_after(asked) == events
    # The two dates answer "how many days apart"; no sentence has to say it, so it is no need
    # that could make the answer abstain.
    assert [event for event, _, _ in needs(asked)][1:] == list(events)
    ruling = verdict(asked, ("the signing", "the meeting"), ((SIGNED, ""), (MET, "")), False)
    assert ruling is not None
    assert ruling.render({MET: "[1]", SIGNED: "[2]"}) == (
        "Before: Oct. 31, 2025 [2], against Nov. 1, 2025 [1], 1 day apart."
    )


def test_a_sentence_dates_one_day_in_the_year_nearest_its_story() -> None:
    assert event_date(MET) == datetime.date(2025, 11, 1)
    # No year: the one nearest the publication ("Dec. 6" in a January story is last year's).
    assert event_date("the Dec. 6 incident", "2026-01-16") == datetime.date(2025, 12, 6)
    assert event_date("on 4 November", "2025-10-27") == datetime.date(2025, 11, 4)
    assert event_date("the Dec. 6 incident") is None  # no year, no publication date
    assert event_date("from Jan. 12 to Jan. 15", "2026-01-16") is None  # which one?
    assert event_date("They met last week.", "2026-01-16") is None
    # "Said on Jan. 9 that he will go" dates the saying, not the trip.
    assert event_date("Koizumi said on Friday, Jan. 9, 2026, that he will visit the US.") is None
    assert ap_date(datetime.date(2026, 3, 2)) == "March 2, 2026"


def test_the_verdict_compares_the_two_days_and_cites_both() -> None:
    events = ("the four-way meeting", "the framework signing")
    ruling = verdict("Did it come before or after?", events, ((MET, ""), (SIGNED, "")), False)
    assert ruling is not None
    markers = {MET: "[1]", SIGNED: "[2]"}
    assert ruling.render(markers) == "After: Nov. 1, 2025 [1], against Oct. 31, 2025 [2]."
    flipped = verdict("before or after?", events[::-1], ((SIGNED, ""), (MET, "")), False)
    assert flipped is not None
    assert flipped.render(markers) == "Before: Oct. 31, 2025 [2], against Nov. 1, 2025 [1]."
    # A sentence verification dropped: no verdict. Two sentences of one passage: one marker.
    assert ruling.render({MET: "[1]"}) is None
    assert ruling.render({MET: "[1]", SIGNED: "[1]"}) == (
        "After: Nov. 1, 2025, against Oct. 31, 2025 [1]."
    )
    # The same day, or an undated event, tells nothing of the order.
    same = "They met again on Nov. 1, 2025."
    assert verdict("before or after?", events, ((MET, ""), (same, "")), False) is None
    assert verdict("before or after?", events, ((MET, ""), ("They met.", "")), False) is None


def test_a_choice_is_answered_with_the_options_words() -> None:
    events = ("the four-way meeting,", "the framework signing")
    dated = ((MET, ""), (SIGNED, ""))
    first = verdict("Which came first: the four-way meeting, or the signing?", events, dated, True)
    assert first == Verdict(
        "The framework signing came first: Oct. 31, 2025 {second}, against Nov. 1, 2025 {first}.",
        (MET, SIGNED),
    )
    later = verdict("Which came later: the meeting or the signing?", events, dated, True)
    assert later is not None
    assert later.template.startswith("The four-way meeting came later: Nov. 1, 2025 {first}")
