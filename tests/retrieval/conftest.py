"""Fixtures for answering tests: the sample corpus indexed once per module."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ingest.settings import IngestSettings
from ingest.sources import SourceSpec
from ingest.sync import run_ingest
from retrieval.answering import AnswerService
from retrieval.embeddings import Embedder
from retrieval.models import Answer
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
    return AnswerService(
        runtime.retrieve,
        runtime.embedder.embed,
        model,
        timeout=timeout,
        corpus_stats=runtime.corpus_stats,
        known_term=runtime.keyword.has_term,
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
