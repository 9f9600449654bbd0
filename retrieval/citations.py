"""Citation verification in code: every kept sentence rests on a retrieved passage, or goes.

Nothing a model writes is trusted: its [n] markers are stripped and re-attached to the passage
that best supports each sentence (embedding similarity and lexical overlap), unsupported
sentences are removed, mentions and foreign links are neutralised, and each citation quotes the
exact supporting sentence with offsets into the article's text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from retrieval.models import Citation, Passage
from retrieval.text import sentence_spans, words

Embed = Callable[[Sequence[str]], np.ndarray]

# A sentence is supported when its best passage sentence is this similar (MiniLM cosine) …
MIN_COSINE = 0.62
# … or when most of its content words stand in the passage and the meaning is still close.
MIN_OVERLAP = 0.6
MIN_COSINE_WITH_OVERLAP = 0.45

_MARKER = re.compile(r"\s*\[(\d+(?:\s*,\s*\d+)*)\]")
_MENTION = re.compile(r"@(everyone|here)\b|<@[!&]?\d+>|<#\d+>", re.IGNORECASE)
_URL = re.compile(r"https?://[^\s)>\]]+")
STOPWORDS = frozenset(
    """a an the and or but of in on at to for by with from as is are was were be been being it its
    this that these those he she they them his her their we our you your i what which who whom
    whose when where why how did does do has have had not no said says say also than then there
    about into over after before during while would could should will can may might""".split()
)


_NAME = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-z]+(?:[-'][A-Z]?[a-z]+)?\b")


def proper_names(sentence: str) -> set[str]:
    """Return the lower-cased capitalised words of a sentence, its first word excepted."""
    found = {m.group().lower().split("'")[0] for m in _NAME.finditer(sentence.strip())}
    return {w for part in found for w in part.split("-") if w not in STOPWORDS and len(w) > 1}


def content_words(text: str) -> set[str]:
    """Return the lower-cased words of ``text`` that carry meaning."""
    return {w for w in words(text) if w not in STOPWORDS and len(w) > 1}


@dataclass(slots=True)
class _Candidate:
    passage_index: int
    start: int  # offsets into passage.text
    end: int


def clean_sentence(sentence: str, allowed_urls: set[str]) -> str:
    """Remove [n] markers, mentions and links that are not cited sources."""
    sentence = _MARKER.sub("", sentence)
    sentence = _MENTION.sub("", sentence)
    sentence = _URL.sub(lambda m: m.group() if m.group() in allowed_urls else "", sentence)
    return " ".join(sentence.split())


def _candidates(passages: Sequence[Passage]) -> list[_Candidate]:
    out = []
    for i, p in enumerate(passages):
        for start, end in sentence_spans(p.text):
            out.append(_Candidate(i, start, end))
    return out


@dataclass(slots=True)
class Verified:
    """The verified answer text, its citations, and what was removed."""

    text: str
    citations: list[Citation]
    removed: list[str]


def verify(draft: str, passages: Sequence[Passage], embed: Embed) -> Verified:
    """Keep only supported sentences of ``draft``, each cited to its best passage sentence."""
    allowed = {p.url for p in passages if p.url}
    sentences = [clean_sentence(draft[s:e], allowed) for s, e in sentence_spans(draft)]
    sentences = [s for s in sentences if len(content_words(s)) >= 2]
    candidates = _candidates(passages)
    if not sentences or not candidates:
        return Verified("", [], sentences)
    cand_texts = [passages[c.passage_index].text[c.start : c.end] for c in candidates]
    vectors = embed([*sentences, *cand_texts])
    sims = vectors[: len(sentences)] @ vectors[len(sentences) :].T
    cand_words = [content_words(t) for t in cand_texts]
    # What a passage can vouch for by name: its own words, plus its article's title.
    passage_names = [content_words(f"{p.title} {p.publisher} {p.text}") for p in passages]

    kept: list[str] = []
    removed: list[str] = []
    citations: list[Citation] = []
    number_of: dict[tuple[int, int], int] = {}
    for i, sentence in enumerate(sentences):
        bag = content_words(sentence)
        names = proper_names(sentence)
        best, best_score = -1, -1.0
        for j, cand_bag in enumerate(cand_words):
            if not names <= passage_names[candidates[j].passage_index]:
                # A sentence naming someone the passage never mentions is not supported by it,
                # however similar the rest ("Zhang said …" resting on a quote of Takaichi).
                continue
            cosine = float(sims[i, j])
            overlap = len(bag & cand_bag) / len(bag) if bag else 0.0
            supported = cosine >= MIN_COSINE or (
                overlap >= MIN_OVERLAP and cosine >= MIN_COSINE_WITH_OVERLAP
            )
            if supported and cosine + 0.5 * overlap > best_score:
                best, best_score = j, cosine + 0.5 * overlap
        if best < 0:
            removed.append(sentence)
            continue
        cand = candidates[best]
        key = (cand.passage_index, cand.start)
        if key not in number_of:
            number_of[key] = len(number_of) + 1
            p = passages[cand.passage_index]
            citations.append(
                Citation(
                    n=number_of[key],
                    article_id=p.article_id,
                    chunk_id=p.chunk_id,
                    title=p.title,
                    publisher=p.publisher,
                    published=p.published,
                    url=p.url,
                    quote=p.text[cand.start : cand.end],
                    start=p.start + cand.start,
                    end=p.start + cand.end,
                )
            )
        marker = f" [{number_of[key]}]"
        # "… in October [1]." reads better than "… in October. [1]"
        kept.append(
            sentence[:-1] + marker + sentence[-1] if sentence[-1] in ".!?" else sentence + marker
        )
    return Verified(" ".join(kept), citations, removed)
