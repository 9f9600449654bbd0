"""How a question is read: the sentence that asks, and the parts a question asks for.

Shared by retrieval (a question of several parts is searched for context, see
``Searcher.retrieve``) and the extractive answerer (each part gets its own sentence).
"""

from __future__ import annotations

import difflib
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping

from retrieval.text import is_abbreviation
from retrieval.verify import terms

# "Where was it, and what theme did he stress?" asks two things; each part gets its own sentence.
QUESTIONS = re.compile(r"(?<=\?)\s+(?=\S)")
# "Who is he, what post does he hold, and …": a comma before a wh-word starts another question
# when what comes before it is one too (not "According to the report, what …").
COMMA_WH = re.compile(r",\s+(?=(?:what|which|who|whom|when|where|why|how)\b)", re.IGNORECASE)
SETTING_WHEN = re.compile(
    r"^\W*when\s+(?!(?:did|does|do|was|were|is|are|will|would|has|have|had|can|could|should)\b)",
    re.IGNORECASE,
)
ASKING = re.compile(
    # "To what share of GDP?", "On which day …": a preposition may lead a wh-word.
    r"^\W*(?:(?:(?:to|by|at|in|on|of|for|from|with|since|until)\s+)?"
    r"(?:what|which|who|whom|whose|when|where|why|how)|was|were|is|are|did|does|do|has|had|"
    r"can|could|will|would)\b",
    re.IGNORECASE,
)
PARTS = re.compile(
    r"(?:[,;:]\s*|\s+)(?:and|but|or|versus|vs\.?|whereas|while)\s+"
    r"(?=(?:(?:on|in|at|by|for|from|with|to)\s+)?"
    r"(?:what|which|who|whom|whose|when|where|why|how|was|were|is|are|did|does|do|has|had)\b)",
    re.IGNORECASE,
)

_ASKS_KIND_ALONE = re.compile(
    r"^\W*(?:(?:and|but|or)\s+)?(?:where|when|who|whom|how\s+(?:many|long|much|often))\b",
    re.IGNORECASE,
)


def question_parts(question: str) -> list[str]:
    """Split a question that asks several things ("…, and what …?", "…? How …?") into parts."""
    # "How close is Taiwan to Yonaguni? Someone mentioned a number." asks one thing: a
    # sentence that neither asks nor ends in "?" is context, not a part to answer.
    asked = [q for q in QUESTIONS.split(question) if q.rstrip().endswith("?") or ASKING.search(q)]
    parts = [p.strip(" ?") for q in asked or [question] for p in PARTS.split(q)]
    split: list[str] = []
    for part in parts:
        pieces = COMMA_WH.split(part)
        # The first piece's last sentence must ask too: "He met X in KL. Who is he, what …".
        head = sentences(pieces[0], _STATEMENT_END)[-1]
        # "When Koizumi met Collins in KL, what pact did she want?" asks one thing: a "when"
        # clause with no verb of asking after it is the setting.
        asks = len(pieces) > 1 and not SETTING_WHEN.search(head)
        if asks and all(ASKING.search(p) for p in [head, *pieces[1:]]):
            split.extend(pieces)
        else:
            split.append(part)
    parts = split
    # "…, and where was it?" has no content word, yet asks for a place the first part's answer
    # may lack; "and what about it?" asks nothing of its own.
    return [p for p in parts if terms(p) or _ASKS_KIND_ALONE.match(p)] or [question]


_STATEMENT_END = re.compile(r"(?<=[.!])\s+")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")


def sentences(text: str, end: re.Pattern[str]) -> list[str]:
    """Split ``text`` where ``end`` matches, but not after an abbreviation ("Adm. Paparo")."""
    pieces, pos = [], 0
    for match in end.finditer(text):
        if text[match.start() - 1] == "." and is_abbreviation(text, match.start()):
            continue
        pieces.append(text[pos : match.start()])
        pos = match.end()
    return [*pieces, text[pos:]]


_LEAD_CLAUSE = re.compile(
    r"^[^,?]{0,160},\s+(?=(?:what|which|who|whom|whose|when|where|why|how)\b)", re.IGNORECASE
)
_LATE_WH = re.compile(
    r"\b(?:which|what|who|whom|whose|when|where|why|how)\b[^?]*\??\s*$",
    re.IGNORECASE,
)


def asking_sentence(text: str, whole: bool = False) -> str:
    """Return the sentence of ``text`` that asks: "Koizumi met Marles. Who is he?" → "Who is he?".

    What kind of answer a question wants is read from its asking sentence; a statement before
    it ("The Global Times and the FT describe it differently.") would hide the "what phrase".
    A question word that comes late gives the clause from it on, or with ``whole`` the sentence.
    """
    asking = text
    for sentence in reversed(sentences(text.strip(), _SENTENCE_END)):
        # "They did a PT session with soldiers from which Army unit?", "Like what % of GDP?":
        # the question word may come late; what it asks is from there on.
        late = None if ASKING.search(sentence) else _LATE_WH.search(sentence)
        if late or ASKING.search(sentence):
            asking = late.group() if late and not whole else sentence
            break
    # "In the Global Times piece on the meeting, which spokesperson …": the setting before the
    # comma is not what is asked.
    return _LEAD_CLAUSE.sub("", asking)


# A word as the corpus writes it: "Japan's", "U.S.", "SM-3", "Self-Defense", "ADMM-Plus".
CASED_WORD = re.compile(r"(?:[A-Za-z]\.){2,}|[A-Za-z][A-Za-z0-9]*(?:[-'’][A-Za-z0-9]+)*")
# A sentence opens after ".", "!" or "?", but not after an abbreviation's dot ("the u.s. said").
_SENTENCE_START = re.compile(r"(^|(?<!\.[A-Za-z])[.!?]\s+)([a-z])")


def truecase(question: str, casing: Mapping[str, str]) -> str:
    """Restore the capitals of a question typed all in lower case, from how the corpus writes.

    "what did the us readout omit that japan's included?" reads as "What did the US readout
    omit that Japan's included?": names, sides and speakers are told by their capitals. A
    question with capitals of its own past the first letter is left as its writer cased it.
    """
    if not casing or any(ch.isupper() for ch in question[1:]):
        return question

    found = list(CASED_WORD.finditer(question))
    stems = [_possessive(m.group()) for m in found]
    forms = [_cased(stem, casing) + mark for stem, mark in stems]
    # A name of several words is restored whole: "global times" is "Global Times", though
    # "global" alone is written lower case. Longest first; words are one space apart.
    for size in range(PHRASE_WORDS, 1, -1):
        for i in range(len(found) - size + 1):
            window = range(i, i + size)
            apart = all(question[found[j].end() : found[j + 1].start()] == " " for j in window[:-1])
            phrase = casing.get(" ".join(stems[j][0] for j in window).lower()) if apart else None
            if phrase and len(phrase.split(" ")) == size:
                for j, word in zip(window, phrase.split(" "), strict=True):
                    forms[j] = word + stems[j][1]
    pieces, at = [], 0
    for match, form in zip(found, forms, strict=True):
        pieces += [question[at : match.start()], form]
        at = match.end()
    restored = "".join(pieces) + question[at:]
    return _SENTENCE_START.sub(lambda m: m.group(1) + m.group(2).upper(), restored)


PHRASE_WORDS = 4  # the longest name restored whole


def _cased(word: str, casing: Mapping[str, str]) -> str:
    """Return a word as the corpus writes it; "ft-based" is "FT-based" by its parts."""
    if word.lower() in casing or "-" not in word:
        return casing.get(word.lower(), word)
    return "-".join(casing.get(part.lower(), part) for part in word.split("-"))


def _possessive(word: str) -> tuple[str, str]:
    """Split a word from its possessive: "Japan's" → ("Japan", "'s")."""
    return (word[:-2], word[-2:]) if word[-2:] in ("'s", "’s") else (word, "")


_CURLY = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"'})
_WH_WORD = re.compile(r"\b(?:what|which|who|whom|whose|when|where|why|how)\b", re.IGNORECASE)


def as_written(
    question: str, casing: Mapping[str, str], known: Callable[[str], bool] | None = None
) -> str:
    """Return a question as an edited text writes it: straight quotes, its "?", its capitals.

    Phones type "Japan’s", Discord users leave off the question mark and the capitals; the
    readers of a question (its parts, sides, speakers) are written for the edited form. With
    ``known`` (is a word in the corpus?), a misspelt name is spelt as the corpus spells it.
    """
    text = question.translate(_CURLY).strip()
    if known is not None:
        text = respelled(text, casing, known)
    # Only a question with no "?" at all gets one: "…? like what regiment" is an afterthought.
    if (
        "?" not in text
        and text[-1:] not in (".", "!")
        and (ASKING.search(text) or _WH_WORD.search(text))
    ):
        text += "?"
    return truecase(text, casing)


# A word no article uses, this close to a name the corpus capitalises, is taken for that name:
# one letter wrong, missing, extra or two swapped ("Koiuzmi", "Hegeth"); two in a long one.
RESPELL_MIN_LETTERS = 5
RESPELL_LONG = 8


def respelled(question: str, casing: Mapping[str, str], known: Callable[[str], bool]) -> str:
    """Return ``question`` with each unknown word that is one slip from a corpus name respelt.

    "What did Koiuzmi say?" finds nothing by its keyword and reads as no one the articles
    quote; "Koizumi" does. The word keeps the writer's case ("koiuzmi" → "koizumi"), so a
    lower-case question is still restored whole. Only a word no article uses is respelt, and
    only to a name it is nearer than to any other.
    """
    names = [n for n in casing if n.isalpha() and len(n) >= RESPELL_MIN_LETTERS]

    def fixed(match: re.Match[str]) -> str:
        word, mark = _possessive(match.group())
        lower = word.lower()
        if not word.isalpha() or len(word) < RESPELL_MIN_LETTERS or lower in casing:
            return match.group()
        if known(lower):
            return match.group()
        most = 2 if len(word) >= RESPELL_LONG else 1
        near = sorted(
            (d, n)
            for n in difflib.get_close_matches(lower, names, n=5, cutoff=0.6)
            if (d := _slips(lower, n)) <= most
        )
        if not near or (len(near) > 1 and near[1][0] == near[0][0]):
            return match.group()  # nothing near, or two names as near: leave it as typed
        name = casing[near[0][1]]
        return (name.lower() if word.islower() else name) + mark

    return CASED_WORD.sub(fixed, question)


def _slips(a: str, b: str) -> int:
    """Return the optimal-string-alignment distance: edits, counting a swap of two as one."""
    row2: list[int] = []
    row1 = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        row = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            row[j] = min(row1[j] + 1, row[j - 1] + 1, row1[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                row[j] = min(row[j], row2[j - 2] + 1)
        row2, row1 = row1, row
    return row1[len(b)]


# A word is restored to a capitalised form when that is how the corpus nearly always writes it
# inside a sentence (where a capital is not the sentence's): "Japan", "US", not "Minister".
CASING_MIN_COUNT = 2
CASING_MAX_LOWER = 0.05


def corpus_casing(texts: Iterable[str]) -> dict[str, str]:
    """Return lower-cased word → the capitalised form the texts nearly always write it in."""
    forms: dict[str, Counter[str]] = defaultdict(Counter)
    for text in texts:
        for match in CASED_WORD.finditer(text):
            at = match.start() - 1
            while at >= 0 and text[at].isspace():
                at -= 1
            before = text[at] if at >= 0 else ""
            if not before or before in ".!?\"“‘'\n:#*-—–(|[":
                continue  # a sentence's, heading's or quote's first word has its capital anyway
            word = _possessive(match.group())[0]
            forms[word.lower()][word] += 1
    casing: dict[str, str] = {}
    for lower, counts in forms.items():
        total = sum(counts.values())
        # A dateline's "KUALA LUMPUR —" is emphasis; the name is spelt "Kuala Lumpur".
        for shout in [f for f in counts if f.isupper() and len(f) > 1]:
            if shout.title() in counts:
                counts[shout.title()] += counts.pop(shout)
        form, n = counts.most_common(1)[0]
        if form != lower and n >= CASING_MIN_COUNT and counts[lower] <= CASING_MAX_LOWER * total:
            casing[lower] = form
    return casing
