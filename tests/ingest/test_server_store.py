"""The same ingest and search code against a real `chroma run` server on 127.0.0.1."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.settings import IngestSettings
from ingest.sources import SourceSpec
from ingest.sync import run_ingest
from retrieval.embeddings import Embedder
from retrieval.errors import StoreError
from retrieval.runtime import Runtime
from retrieval.search import SearchOptions
from tests.conftest import make_settings

pytestmark = [pytest.mark.slow, pytest.mark.server]


def test_ingest_and_search_through_chroma_server(
    chroma_server: str,
    embedder: Embedder,
    ingest_settings: IngestSettings,
    corpus: Path,
    tmp_path: Path,
) -> None:
    settings = make_settings(tmp_path / "data", chroma_url=chroma_server, collection="server-test")
    runtime = Runtime(settings, embedder=embedder)
    first = run_ingest([SourceSpec("path", str(corpus))], runtime.store, embedder, ingest_settings)
    assert first.added and not first.failed
    assert not (tmp_path / "data" / "chroma").exists()  # nothing went to an embedded store

    # A second process-like client sees the same index and re-runs embed nothing.
    again = Runtime(settings, embedder=embedder)
    before = embedder.texts_embedded
    second = run_ingest([SourceSpec("path", str(corpus))], again.store, embedder, ingest_settings)
    assert len(second.unchanged) == len(first.added) and embedder.texts_embedded == before

    hits = again.searcher.search("Zhang Junshe defense industry missiles", SearchOptions(k=3))
    assert hits and any("Zhang Junshe" in p.text for p in hits)


def test_non_loopback_server_without_tls_is_refused(tmp_path: Path, embedder: Embedder) -> None:
    settings = make_settings(tmp_path, chroma_url="http://10.1.2.3:8000")
    with pytest.raises(StoreError, match="not loopback"):
        _ = Runtime(settings, embedder=embedder).store
    allowed = make_settings(tmp_path, chroma_url="http://10.1.2.3:8000", chroma_allow_insecure=True)
    assert allowed.chroma_exposure_problem() is None
