"""The answer service: retrieve → draft (extractive or LLM) → verify → an Answer or an abstention.

Everything is injected: the retriever, the embedding function, the chat model (None = the
extractive answerer), settings and, optionally, corpus statistics for the abstention text.

Whether to answer at all is decided before any model runs, by the extractive answerer's tuned
relevance threshold: a model will happily restate a passage that is on topic but doesn't answer
("what did the embassy say about the video?"), and verification can only check support, not
relevance. So every mode abstains on the same questions, and the model is not called for them.

When a model's whole draft then fails verification (it obeyed an instruction hidden in a
passage, wandered off, or is simply too small), the service answers with the extractive draft
instead of abstaining: an unsupported draft says nothing about whether the passages answer the
question, and the gate above already said they do.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from retrieval import extractive
from retrieval.errors import LLMError, ReadoutError
from retrieval.models import Answer, Passage
from retrieval.prompts import build_messages, char_budget
from retrieval.questions import as_written
from retrieval.settings import RetrievalSettings
from retrieval.store import Filters
from retrieval.verify import MENTION, Embed, Verified, terms, verify

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from retrieval.adapter import QuestionAdapter

log = logging.getLogger(__name__)

Retrieve = Callable[[str, Any], list[Passage]]
"""(question, filters or None) → passages in rank order."""
CorpusStats = Callable[[], dict[str, Any]]
"""() → {"articles": int, "publishers": [str], "earliest": str, "latest": str}."""
History = Sequence[tuple[str, str]]
"""Earlier (question, answer) turns of a thread, oldest first."""

MAX_QUESTION_CHARS = 1000
CLOSEST_SHOWN = 3
PUBLISHERS_SHOWN = 6
# A follow-up like "what did he say about it?" names nobody: pronouns or very few content
# words mean the previous question must join the search query to find anything.
_ANAPHORA = re.compile(
    r"\b(?:he|she|it|they|him|her|his|hers|its|their|them|that|this|those|these|there|then|"
    r"the same|the other|both|either)\b",
    re.IGNORECASE,
)
FOLLOW_UP_MAX_TERMS = 3


def retrieval_query(question: str, history: History = ()) -> str:
    """Return the search query: the question, joined by the last one when it is a follow-up."""
    if not history:
        return question
    if _ANAPHORA.search(question) or len(terms(question)) <= FOLLOW_UP_MAX_TERMS:
        return f"{history[-1][0]} {question}"
    return question


def memoised(embed: Embed) -> Embed:
    """Return ``embed`` with a per-answer cache: verify re-embeds the sentences drafting used."""
    cache: dict[str, np.ndarray] = {}

    def cached(texts: list[str]) -> np.ndarray:
        missing = list(dict.fromkeys(t for t in texts if t not in cache))
        if missing:
            for text, vector in zip(missing, np.asarray(embed(missing)), strict=True):
                cache[text] = vector
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        return np.stack([cache[t] for t in texts])

    return cached


class AnswerService:
    """Answer questions from retrieved passages, with every sentence verified and cited."""

    def __init__(
        self,
        retrieve: Retrieve,
        embed: Embed,
        chat_model: BaseChatModel | None = None,
        settings: RetrievalSettings | None = None,
        *,
        corpus_stats: CorpusStats | None = None,
        rarity: extractive.Rarity | None = None,
        reader: Callable[[str], str] | None = None,
        adapter: QuestionAdapter | None = None,
    ) -> None:
        self._retrieve = retrieve
        self._embed = embed
        self._chat_model = chat_model
        self._settings = settings or RetrievalSettings(_env_file=None)
        self._corpus_stats = corpus_stats
        self._rarity = rarity
        self._adapter = adapter
        # How a question is read before anything else (capitals, "?", names' spelling).
        self._read = reader or (lambda q: as_written(q, {}))

    def answer(
        self, question: str, filters: object | None = None, *, history: History = ()
    ) -> Answer:
        """Answer ``question`` (optionally filtered, optionally following ``history``)."""
        question = " ".join(question.split())
        if not question:
            raise ReadoutError("the question is empty; ask something about the ingested news")
        if len(question) > MAX_QUESTION_CHARS:
            raise ReadoutError(
                f"the question is over {MAX_QUESTION_CHARS} characters; ask something shorter"
            )
        began = time.perf_counter()
        # "what did the us readout omit" is read as if typed "What did the US readout omit?":
        # sides, speakers and parts are told by capitals and question marks. Each question of a
        # thread is read so on its own: a cased first one leaves a lower-case follow-up as typed.
        written = [(self._read(q), a) for q, a in history]
        query = retrieval_query(self._read(question), written)
        passages = list(self._retrieve(query, filters))
        retrieved = time.perf_counter()
        embed = memoised(self._embed)
        # The extractive draft is computed in every mode: its relevance threshold is the one
        # model-independent judgement of whether the passages answer the question at all.
        fallback = (
            extractive.draft(query, passages, embed, self._rarity, self._adapter)
            if passages
            else None
        )
        draft = ""
        if fallback is not None and not fallback.abstained:
            draft = fallback.text
            if self._chat_model is not None:
                draft = self._generate(self._chat_model, question, passages, history)
        generated = time.perf_counter()
        # Only a model echoes the question back; an extracted sentence is the article's own.
        echo = question if self._chat_model is not None else ""
        verified = verify(draft, passages, embed, question=echo) if draft else None
        model_failed = verified is not None and verified.empty and self._chat_model is not None
        if model_failed and fallback is not None:
            log.warning(
                "no sentence of the model's draft was supported (%d dropped); using extractive",
                len(verified.dropped) if verified else 0,
            )
            verified = verify(fallback.text, passages, embed)
        finished = time.perf_counter()
        timings = {
            "retrieve": round(retrieved - began, 4),
            "generate": round(generated - retrieved, 4),
            "verify": round(finished - generated, 4),
            "total": round(finished - began, 4),
        }
        if verified is None or verified.empty:
            log.info("abstained after %.2f s (%d passages)", timings["total"], len(passages))
            return Answer(question, self.abstention(passages, filters), [], True, passages, timings)
        text = verified.text
        extracted = self._chat_model is None or model_failed
        if extracted and fallback is not None and fallback.verdict is not None:
            # "Before or after?" is answered in words, from the dates of the two sentences kept.
            ruling = fallback.verdict.render(markers(verified, passages))
            text = f"{ruling} {text}" if ruling else text
        log.info(
            "answered with %d sentences and %d citations in %.2f s",
            len(verified.kept),
            len(verified.citations),
            timings["total"],
        )
        return Answer(question, text, verified.citations, False, passages, timings)

    def _generate(
        self, model: BaseChatModel, question: str, passages: list[Passage], history: History
    ) -> str:
        """Return the chat model's draft, or raise LLMError on failure or timeout."""
        settings = self._settings
        messages = build_messages(
            question,
            passages,
            history=history,
            max_chars=char_budget(settings.llm_context, settings.llm_max_tokens),
        )
        box: dict[str, Any] = {}

        def run() -> None:
            try:
                box["message"] = model.invoke(messages)
            except Exception as exc:  # noqa: BLE001 - carried to the caller's thread below
                box["error"] = exc

        # A daemon thread, because a hung HTTP call or a model mid-token cannot be interrupted
        # from outside; the caller gets a clear error on time and the thread ends on its own.
        worker = threading.Thread(target=run, name="readout-generate", daemon=True)
        worker.start()
        worker.join(settings.llm_timeout)
        if worker.is_alive():
            raise LLMError(
                f"the language model ({settings.llm}) did not answer within "
                f"{settings.llm_timeout:g} s (READOUT_LLM_TIMEOUT); try again, ask a narrower "
                "question, or use a faster model"
            )
        if "error" in box:
            raise self._llm_error(box["error"])
        content = getattr(box.get("message"), "content", "")
        if isinstance(content, list):  # some providers return content blocks
            content = " ".join(
                str(b.get("text", "")) if isinstance(b, dict) else str(b) for b in content
            )
        log.debug("model draft: %.500s", content)
        return str(content)

    def _llm_error(self, exc: BaseException) -> ReadoutError:
        """Return a user-safe error for a model failure: short, and never carrying the key."""
        if isinstance(exc, ReadoutError):
            return exc
        detail = (str(exc).splitlines() or [""])[0][:200]
        secret = self._settings.openai_api_key.get_secret_value()
        if secret:
            detail = detail.replace(secret, "***")
        log.warning("language model failed: %s", type(exc).__name__)
        return LLMError(
            f"the language model ({self._settings.llm}) failed: {type(exc).__name__}"
            + (f": {detail}" if detail else "")
        )

    def abstention(self, passages: Sequence[Passage], filters: object | None = None) -> str:
        """Return the text that says plainly the articles don't answer, and what was searched."""
        lines = ["The ingested articles don't answer this question."]
        searched = self._searched(passages)
        if filters is not None:
            # Which filters, as asked: "Focus only" is why a corpus-wide answer was not found.
            said = filters.describe() if isinstance(filters, Filters) else ""
            searched += f" (only {said})" if said else " (with your filters applied)"
        lines.append(searched + ".")
        closest = _closest(passages)
        if closest:
            lines.append("The closest passages were:")
            lines += [f"- {entry}" for entry in closest]
        # Titles and publishers come from ingested text: no mention may reach a chat.
        return MENTION.sub("", "\n".join(lines))

    def _searched(self, passages: Sequence[Passage]) -> str:
        stats: dict[str, Any] | None = None
        if self._corpus_stats is not None:
            try:
                stats = self._corpus_stats()
            except (ReadoutError, OSError) as exc:
                log.warning("corpus statistics unavailable: %s", exc)
        if stats and stats.get("articles"):
            span = _span(str(stats.get("earliest", "")), str(stats.get("latest", "")))
            return (
                f"I searched {stats['articles']} ingested articles from "
                f"{_names(list(stats.get('publishers') or []))}{span}"
            )
        if not passages:
            return "No ingested passage matched the question"
        articles = {p.article_id for p in passages}
        dates = sorted(p.published[:10] for p in passages if p.published)
        span = _span(dates[0], dates[-1]) if dates else ""
        publishers = sorted({p.publisher for p in passages if p.publisher})
        return (
            f"I searched the ingested articles; the {len(passages)} closest passages come from "
            f"{len(articles)} articles by {_names(publishers)}{span}"
        )


def markers(verified: Verified, passages: Sequence[Passage]) -> dict[str, str]:
    """Return each kept sentence's citation marker ("[2]"), by the sentence's text."""
    number = {c.chunk_id: c.n for c in verified.citations}
    return {
        sentence: f"[{number[passages[support.passage].chunk_id]}]"
        for sentence, support in verified.kept
    }


def _names(publishers: list[str]) -> str:
    if not publishers:
        return "unknown publishers"
    shown = publishers[:PUBLISHERS_SHOWN]
    more = len(publishers) - len(shown)
    text = ", ".join(shown)
    return f"{text} and {more} more" if more else text


def _span(earliest: str, latest: str) -> str:
    if earliest and latest and earliest[:10] != latest[:10]:
        return f", published {earliest[:10]} to {latest[:10]}"
    if earliest or latest:
        return f", published {(earliest or latest)[:10]}"
    return ""


def _closest(passages: Sequence[Passage]) -> list[str]:
    """Return "title — publisher, date" for the best passage of the top few articles."""
    seen: set[str] = set()
    entries = []
    for p in passages:
        if p.article_id in seen:
            continue
        seen.add(p.article_id)
        meta = ", ".join(x for x in (p.publisher, p.published[:10]) if x) or "no publisher or date"
        entries.append(f"{p.title or p.article_id} — {meta}")
        if len(entries) == CLOSEST_SHOWN:
            break
    return entries
