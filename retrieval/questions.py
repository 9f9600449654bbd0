"""How a question is read: the sentence that asks, and the parts a question asks for.

Shared by retrieval (a question of several parts is searched for context, see
``Searcher.retrieve``) and the extractive answerer (each part gets its own sentence).
"""

from __future__ import annotations

import re

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
        head = re.split(r"(?<=[.!])\s+", pieces[0])[-1]
        # "When Koizumi met Collins in KL, what pact did she want?" asks one thing: a "when"
        # clause with no verb of asking after it is the setting.
        asks = len(pieces) > 1 and not SETTING_WHEN.search(head)
        if asks and all(ASKING.search(p) for p in [head, *pieces[1:]]):
            split.extend(pieces)
        else:
            split.append(part)
    parts = split
    return [p for p in parts if terms(p)] or [question]


_LEAD_CLAUSE = re.compile(
    r"^[^,?]{0,160},\s+(?=(?:what|which|who|whom|whose|when|where|why|how)\b)", re.IGNORECASE
)
_LATE_WH = re.compile(
    r"\b(?:which|what|who|whom|whose|when|where|why|how)\b[^?]*\??\s*$",
    re.IGNORECASE,
)


def asking_sentence(text: str) -> str:
    """Return the sentence of ``text`` that asks: "Koizumi met Marles. Who is he?" → "Who is he?".

    What kind of answer a question wants is read from its asking sentence; a statement before
    it ("The Global Times and the FT describe it differently.") would hide the "what phrase".
    """
    sentences = re.split(r"(?<=[.!?])\s+(?=[A-Z])", text.strip())
    asking = text
    for sentence in reversed(sentences):
        # "They did a PT session with soldiers from which Army unit?", "Like what % of GDP?":
        # the question word may come late; what it asks is from there on.
        late = None if ASKING.search(sentence) else _LATE_WH.search(sentence)
        if late or ASKING.search(sentence):
            asking = late.group() if late else sentence
            break
    # "In the Global Times piece on the meeting, which spokesperson …": the setting before the
    # comma is not what is asked.
    return _LEAD_CLAUSE.sub("", asking)
