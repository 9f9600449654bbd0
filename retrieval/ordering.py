"""Questions of order ("did A come before or after B?"): the two events, their dates, the verdict.

An extractive answer can quote the sentence dating each event, but not say which came first:
no article sentence compares two events that different articles report. The verdict is computed
here from the dates of the two quoted sentences, and cites both, so a reader can check it.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from retrieval.text import DAY, day_of, nearest_date
from retrieval.verify import terms

# Associated Press style, as the articles write dates: "Nov. 1, 2025", "March 3, 2026".
_AP_MONTHS = "Jan. Feb. March April May June July Aug. Sept. Oct. Nov. Dec.".split()
# "Did the four-way meeting happen before or after Hegseth signed the framework?"
_BEFORE_OR_AFTER = re.compile(
    r"^\W*(?P<a>.+?)\s+(?:(?:come|happen|take\s+place|occur)\s+)?"
    r"(?:before\s+or\s+after|after\s+or\s+before)\s+(?P<b>[^?]+)",
    re.IGNORECASE,
)
_LEADING_AUX = re.compile(
    r"^\W*(?:did|does|do|was|were|is|are|has|have|had|will|would)\s+", re.IGNORECASE
)
# "In KL, did the signing come …": the words before the asking verb set the scene.
_SETTING = re.compile(
    r"^[^,]{0,80},\s+(?=(?:did|does|do|was|were|is|are|has|have|had)\b)", re.IGNORECASE
)
_PRONOUN = re.compile(r"(?:that|this|it|they|those)", re.IGNORECASE)
# "How many days apart?", "how long after?": the gap between the two events' dates.
ASKS_GAP = re.compile(
    r"\bhow\s+many\s+(?:days|weeks)\b|\bhow\s+(?:long|much\s+time|far)\b[^?]*?"
    r"\b(?:apart|between|separat\w*|later|earlier|after|before|passed|elapsed|gap)\b",
    re.IGNORECASE,
)
_SAID_THAT = re.compile(r",?\s+that\b", re.IGNORECASE)
_FIRST = re.compile(r"\b(?:first|earlier|earliest)\b", re.IGNORECASE)
_LATER = re.compile(r"\b(?:later|last|latest)\b", re.IGNORECASE)


def before_or_after(question: str) -> tuple[str, str] | None:
    """Return the two events of "did A … before or after B?", or None for other questions."""
    text = question.strip()
    setting = _SETTING.match(text)
    asked = text[setting.end() :] if setting else text
    match = _BEFORE_OR_AFTER.search(asked)
    if not match:
        return None
    first = _LEADING_AUX.sub("", match.group("a")).strip(" ,")
    if setting and _PRONOUN.fullmatch(first):
        # "The December call, was that before or after the radar lock?": "that" is the call.
        first = setting.group().strip(" ,")
    second = match.group("b").strip(" ,.")
    if not terms(first) or not terms(second):
        return None
    return first, second


def event_date(sentence: str, published: str = "") -> datetime.date | None:
    """Return the one day a sentence dates, or None when it names none or several.

    A day without a year takes the year that puts it nearest the article's publication.
    """
    days: set[tuple[int, int]] = set()
    years: set[int] = set()
    for match in DAY.finditer(sentence):
        if _SAID_THAT.match(sentence, match.end()):
            continue  # "said on Friday, Jan. 9, that he will go": the day of saying it
        month, day, year = day_of(match)
        days.add((month, day))
        if year:
            years.add(year)
    if len(days) != 1 or len(years) > 1:
        return None
    [(month, day)] = days
    if not years:
        return nearest_date(month, day, published)
    try:
        return datetime.date(years.pop(), month, day)
    except ValueError:
        return None


def ap_date(day: datetime.date) -> str:
    """Return a date as the articles write it: "Nov. 1, 2025"."""
    return f"{_AP_MONTHS[day.month - 1]} {day.day}, {day.year}"


@dataclass(frozen=True, slots=True)
class Verdict:
    """Which of two dated events came first, to be cited by the two sentences that date them."""

    template: str  # with {first} and {second}: the citation markers of the two sentences
    sentences: tuple[str, str]

    def render(self, markers: dict[str, str]) -> str | None:
        """Return the verdict with each sentence's marker, or None if either was not kept."""
        first, second = (markers.get(s) for s in self.sentences)
        if first is None or second is None:
            return None
        if first == second:
            # Two sentences of one passage: "Before: Oct. 31, 2025, against Nov. 1, 2025 [1]."
            text = self.template.format(first="", second=second)
            return re.sub(r"\s+,", ",", text)
        return self.template.format(first=first, second=second)


def verdict(
    question: str,
    events: tuple[str, str],
    dated: tuple[tuple[str, str], tuple[str, str]],
    choice: bool,
) -> Verdict | None:
    """Return the verdict on two events from the sentences dating them, or None when undated.

    ``dated`` holds (sentence, publication date) for each event, in the order of ``events``.
    A choice ("which came first: A or B?") is answered with the option's own words; a "before
    or after" question with the word it asks for.
    """
    days = [event_date(sentence, published) for sentence, published in dated]
    a, b = days
    if a is None or b is None or a == b:
        return None
    sentences = (dated[0][0], dated[1][0])
    if choice:
        # "Which came first" wants the earlier option; "which came later" the later one.
        later = bool(_LATER.search(question)) and not _FIRST.search(question)
        pick = 0 if (a < b) != later else 1
        option, said = events[pick].strip(" ,;:"), "came later" if later else "came first"
        own, other = (a, b) if pick == 0 else (b, a)
        marks = ("{first}", "{second}") if pick == 0 else ("{second}", "{first}")
        text = (
            f"{option[:1].upper()}{option[1:]} {said}: {ap_date(own)} {marks[0]}, "
            f"against {ap_date(other)} {marks[1]}."
        )
        return Verdict(text, sentences)
    word = "Before" if a < b else "After"
    gap = abs((b - a).days)
    # Asked how far apart, the two cited dates give it: no sentence need say "six days".
    apart = f", {gap} day{'s' if gap != 1 else ''} apart" if ASKS_GAP.search(question) else ""
    return Verdict(
        f"{word}: {ap_date(a)} {{first}}, against {ap_date(b)} {{second}}{apart}.", sentences
    )
