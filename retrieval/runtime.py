"""The composition root's building blocks: settings → embedder → store → keyword index → searcher.

Entry points (the CLI, ``python -m ingest``, the bot) build one ``Runtime`` and pass its parts
down; nothing here runs at import time, and each part is built on first use.
"""

from __future__ import annotations

import logging
import os
import threading
from functools import cached_property
from typing import Any

from retrieval.embeddings import Embedder
from retrieval.keyword import KeywordIndex
from retrieval.search import Searcher
from retrieval.settings import RetrievalSettings
from retrieval.store import Store, open_store

log = logging.getLogger(__name__)


def configure_logging(level: str | None = None) -> None:
    """Configure logging once for an entry point (READOUT_LOG_LEVEL, default WARNING)."""
    chosen = (level or os.environ.get("READOUT_LOG_LEVEL") or "WARNING").upper()
    logging.basicConfig(
        level=getattr(logging, chosen, logging.WARNING),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # These libraries log every HTTP request or batch at INFO; that is noise for a user.
    for noisy in ("httpx", "chromadb", "sentence_transformers", "bm25s", "urllib3"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.root.level))


class Runtime:
    """Lazily built, shared services for one process."""

    def __init__(self, settings: RetrievalSettings, *, embedder: Embedder | None = None) -> None:
        self.settings = settings
        self._embedder = embedder
        self._lock = threading.Lock()

    @cached_property
    def embedder(self) -> Embedder:
        """Return the embedding model wrapper (loads the model on first embed)."""
        if self._embedder is not None:
            return self._embedder
        return Embedder(
            self.settings.embedding_model, batch_size=self.settings.embedding_batch_size
        )

    @cached_property
    def store(self) -> Store:
        """Return the opened store."""
        return open_store(
            self.settings,
            embedding_model=self.settings.embedding_model,
            dimension=self.embedder.dimension,
        )

    @cached_property
    def keyword(self) -> KeywordIndex:
        """Return the keyword index (cached under the data directory)."""
        return KeywordIndex(self.store, self.settings.data_dir / "keyword")

    @cached_property
    def searcher(self) -> Searcher:
        """Return the passage searcher."""
        return Searcher(self.store, self.embedder, self.keyword)

    def corpus_stats(self) -> dict[str, Any]:
        """Return articles, chunks, publishers and date span of the index."""
        records = self.store.records().values()
        dates = sorted(r.published[:10] for r in records if r.published)
        return {
            "articles": len(records),
            "chunks": self.store.count(),
            "publishers": sorted({r.publisher for r in records if r.publisher}),
            "earliest": dates[0] if dates else "",
            "latest": dates[-1] if dates else "",
        }
