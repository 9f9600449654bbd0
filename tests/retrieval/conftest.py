"""Fixtures for answering tests: the sample corpus indexed once per module."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from langchain_core.callbacks import BaseCallbackHandler

from ingest.chunking import chunk_article
from ingest.loaders import load_path
from ingest.settings import IngestSettings
from ingest.sources import SourceSpec
from ingest.sync import run_ingest
from retrieval.answer import AnswerService
from retrieval.embeddings import Embedder
from retrieval.models import Answer, Article, Citation, Passage
from retrieval.runtime import Runtime
from tests.conftest import make_settings

ZHANG = "What did Zhang Junshe say Japan was trying to achieve by seeking US support?"


@pytest.fixture(scope="module")
def indexed(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Runtime:
    """The sample corpus in a real embedded store, ingested once for this module."""
    data = tmp_path_factory.mktemp("answering") / "data"
    runtime = Runtime(make_settings(data), embedder=embedder)
    examples = Path(__file__).resolve().parents[2] / "examples" / "corpus"
    report = run_ingest(
        [SourceSpec("path", str(examples))], runtime.store, embedder, IngestSettings(_env_file=None)
    )  # type: ignore[call-arg]
    assert report.added
    return runtime


def service(runtime: Runtime, model: Any = None, timeout: float = 30.0) -> AnswerService:
    """Return an answer service over ``runtime`` with ``model`` (None: extractive)."""
    settings = runtime.settings.model_copy(update={"llm_timeout": timeout})
    return AnswerService(
        runtime.retrieve,
        runtime.embedder.embed,
        model,
        settings,
        corpus_stats=runtime.corpus_stats,
        rarity=runtime.keyword.rarity,
        reader=runtime.searcher.read,
        adapter=runtime.question_adapter,
    )


def assert_exact(runtime: Runtime, answer: Answer) -> None:
    """Every citation quotes exactly article_text[start:end], from a retrieved passage."""
    retrieved = {p.chunk_id for p in answer.passages}
    for c in answer.citations:
        article = runtime.store.get_article(c.article_id)
        assert article is not None
        assert article.text[c.start : c.end] == c.quote
        assert c.chunk_id in retrieved
        assert f"[{c.n}]" in answer.text
    assert sorted(c.n for c in answer.citations) == list(range(1, len(answer.citations) + 1))


# --- Fixtures of test_verify.py, test_answer.py and test_llm_*.py (retrieval.answer & co.) -----
# Passages are the ingest pipeline's own chunks of examples/corpus (loader + chunker), so every
# ``start``/``end`` is a real offset into the article's cleaned text and a citation's quote can be
# checked against ``article.text[start:end]`` without building a store.

SAMPLE_DIR = Path(__file__).resolve().parents[2] / "examples" / "corpus"
FILES = {
    "seed": "000_20936f9da8db826c.txt",
    "lokmat": "2025-10-31_lokmat-times-ians_rajnath-singh-hegseth-sign-10-year-framework.md",
    "nation": "2025-11-02_nation-thailand_koizumi-collins-frigate-talks-kuala-lumpur.md",
    "ft": "2025-12-07_report-az-ft_japan-frustrated-by-us-silence-in-china-row.md",
    "radar": "2025-12-08_voice-of-vienna_japan-accuses-chinese-jets-of-radar-lock.md",
    "readouts": "2025-12-12_global-times_koizumi-hegseth-call-readouts-differ.md",
    "preview": "2026-01-09_kyodo-japan-today_koizumi-to-visit-us-next-week.md",  # adversarial
    "paparo": "2026-01-13_yomiuri_koizumi-meets-paparo-and-speaks-at-honolulu-forum.md",
    "kyodo": "2026-01-15_kyodo-japan-today_koizumi-hegseth-exercise-together-discuss-alliance.md",
    "talks": "2026-01-16_yomiuri_koizumi-hegseth-agree-on-drills-and-missile-production.md",
    "workout": "2026-01-16_yomiuri_koizumi-hegseth-work-out-with-old-guard.md",
    "focus": "2026-01-23_focus_koizumi-hegseth-pledge-deterrence-and-missile-output.md",
}
CORPUS_STATS = {
    "articles": 15,
    "publishers": [
        "Global Times",
        "Kyodo News (via Japan Today)",
        "The Japan News (Yomiuri Shimbun)",
    ],
    "earliest": "2025-10-27",
    "latest": "2026-01-23",
}


@dataclass
class Sample:
    """The sample articles, and a way to pick the chunk that holds a given phrase."""

    articles: dict[str, Article]

    def passage(self, key: str, containing: str, score: float = 1.0) -> Passage:
        """Return the first chunk of article ``key`` whose text contains ``containing``."""
        article = self.articles[key]
        for chunk in chunk_article(article):
            if containing in chunk.text:
                return Passage(
                    chunk_id=chunk.id,
                    article_id=article.id,
                    text=chunk.text,
                    start=chunk.start,
                    end=chunk.end,
                    score=score,
                    title=article.title,
                    publisher=article.publisher,
                    published=article.published,
                    url=article.url,
                    source=article.source,
                )
        raise AssertionError(f"no chunk of {key} contains {containing!r}")

    def story(self, key: str) -> Passage:
        """Return all of article ``key`` as one passage, as a first passage read whole."""
        article = self.articles[key]
        first = self.passage(key, "")
        return replace(first, text=article.text, start=0, end=len(article.text))

    def assert_exact(self, citations: Iterable[Citation]) -> None:
        """Assert every citation quotes its article exactly at its offsets."""
        by_id = {a.id: a for a in self.articles.values()}
        for c in citations:
            article = by_id[c.article_id]
            assert c.quote == article.text[c.start : c.end], c
            assert c.quote.strip() and c.end > c.start


@pytest.fixture(scope="session")
def sample() -> Sample:
    """Return the sample articles as the loader cleans them."""
    articles = {}
    for key, name in FILES.items():
        [result] = load_path(SAMPLE_DIR / name)
        assert result.article is not None, result.error
        articles[key] = result.article
    return Sample(articles)


@pytest.fixture(scope="session")
def embed(embedder: Embedder) -> Callable[[list[str]], np.ndarray]:
    """Return the real bundled MiniLM as an ``embed`` function (loaded once per session)."""
    return embedder.embed


class Recorder(BaseCallbackHandler):
    """Collect the messages a chat model was called with."""

    def __init__(self) -> None:
        self.calls: list[list[Any]] = []

    def on_chat_model_start(self, serialized: Any, messages: Any, **kwargs: Any) -> None:
        self.calls.append(messages[0])
