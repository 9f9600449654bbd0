"""The composition root's building blocks: settings → embedder → store → keyword index → searcher.

Entry points (the CLI, ``python -m ingest``, the bot) build one ``Runtime`` and pass its parts
down; nothing here runs at import time, and each part is built on first use.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from retrieval.embeddings import Embedder, model_identity
from retrieval.keyword import KeywordIndex
from retrieval.models import Passage
from retrieval.search import Searcher, SearchOptions
from retrieval.settings import RetrievalSettings
from retrieval.store import Filters, Store, open_store

if TYPE_CHECKING:
    from retrieval.adapter import QuestionAdapter
    from retrieval.answer import AnswerService

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


SIGNAL_FILE = "index-changed"  # touched by every ingest; long-running readers watch it
FRESHNESS_INTERVAL = 1.0  # seconds between checks: a stat and a metadata read at most


def signal_index_changed(data_dir: Path) -> None:
    """Tell readers in other processes (the bot) that the index changed."""
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / SIGNAL_FILE).write_text(f"{time.time_ns()}\n", "utf-8")


class Runtime:
    """Lazily built, shared services for one process."""

    def __init__(self, settings: RetrievalSettings, *, embedder: Embedder | None = None) -> None:
        self.settings = settings
        self._embedder = embedder
        self._lock = threading.Lock()
        self._signal_seen = self._read_signal()
        self._checked = time.monotonic()

    def _read_signal(self) -> str:
        try:
            return (self.settings.data_dir / SIGNAL_FILE).read_text("utf-8")
        except OSError:
            return ""

    def ensure_fresh(self, *, force: bool = False) -> None:
        """Pick up an ingest made by another process before the next search.

        An embedded Chroma client keeps its HNSW index in memory and does not see vectors another
        process added (chroma #3792), so on the ingest signal the client is rebuilt. A server's
        client sees new data at once; only the keyword index has to follow the generation.
        """
        now = time.monotonic()
        if not force and now - self._checked < FRESHNESS_INTERVAL:
            return
        self._checked = now
        with self._lock:
            signal = self._read_signal()
            if signal != self._signal_seen and not self.settings.chroma_url:
                log.info("index changed on disk; reopening the store")
                from chromadb.api.shared_system_client import SharedSystemClient

                SharedSystemClient.clear_system_cache()
                for name in ("store", "keyword", "searcher"):
                    self.__dict__.pop(name, None)
            self._signal_seen = signal
        self.keyword.refresh()

    def retrieve(self, question: str, filters: object | None = None) -> list[Passage]:
        """Return the passages an answer should rest on (comparison-aware, balanced)."""
        self.ensure_fresh()
        options = SearchOptions(
            k=self.settings.top_k,
            mode=self.settings.search_mode,
            max_per_article=self.settings.max_per_article,
            filters=filters if isinstance(filters, Filters) else None,
        )
        return self.searcher.retrieve(question, options)

    @cached_property
    def embedder(self) -> Embedder:
        """Return the embedding model wrapper (loads the model on first embed)."""
        if self._embedder is not None:
            return self._embedder
        return Embedder.from_settings(self.settings)

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

    @cached_property
    def question_adapter(self) -> QuestionAdapter | None:
        """Return the question adapter the settings name; None when off or fit for another model."""
        choice = self.settings.question_adapter.strip()
        if choice.lower() in ("", "none", "off"):
            return None
        from retrieval.adapter import BUNDLED_ADAPTER, load_adapter

        path = BUNDLED_ADAPTER if choice.lower() == "bundled" else Path(choice).expanduser()
        adapter = load_adapter(path)
        model = self.settings.embedding_model
        if model_identity(adapter.model) != model_identity(model):
            # A map of one model's vectors means nothing for another's.
            log.warning(
                "the question adapter %s was fit for the embedding model %r, not %r: "
                "questions are matched to sentences without it",
                path,
                adapter.model,
                model,
            )
            return None
        return adapter

    @cached_property
    def answer_service(self) -> AnswerService:
        """Return the answer service for the configured LLM mode."""
        from retrieval.answer import AnswerService
        from retrieval.llm import build_chat_model

        return AnswerService(
            self.retrieve,
            self.embedder.embed,
            build_chat_model(self.settings),
            self.settings,
            corpus_stats=self.corpus_stats,
            rarity=self.keyword.rarity,
            reader=self.searcher.read,
            adapter=self.question_adapter,
        )

    def warm_up(self) -> None:
        """Load the models and indexes now, so the first question is not the slow one."""
        self.embedder.warm_up()
        self.keyword.refresh()
        _ = self.answer_service


_redacted: set[str] = set()


def redact_secrets(*secrets: str) -> None:
    """Make every log record blank out these values, in its message and its traceback.

    Libraries put credentials into exception messages ("bad key sk-…"); a record factory catches
    them before any handler, formatter or test capture sees the record.
    """
    new = {s for s in secrets if s and len(s) >= 6} - _redacted
    if not new:
        return
    first = not _redacted
    _redacted.update(new)
    if not first:
        return
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        message = record.getMessage()
        if any(s in message for s in _redacted):
            record.msg, record.args = _scrub(message), None
        if record.exc_info and record.exc_info[0] is not None:
            import traceback

            text = "".join(traceback.format_exception(*record.exc_info))
            if any(s in text for s in _redacted):
                record.exc_text, record.exc_info = _scrub(text).rstrip("\n"), None
        return record

    logging.setLogRecordFactory(factory)


def _scrub(text: str) -> str:
    for secret in _redacted:
        text = text.replace(secret, "[redacted]")
    return text
