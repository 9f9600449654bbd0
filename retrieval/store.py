"""The one module that knows Chroma: chunks with their vectors, and one record per article.

Two collections: ``<name>`` holds chunks (cosine space) and records the embedding model and
dimension it was built with; ``<name>-articles`` holds each article's cleaned text and metadata.
The article record is written after its chunks and removed before them, so it acts as the commit
marker: an ingest killed half-way leaves an article without a record, which the next run redoes.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

import numpy as np

from retrieval.errors import ModelMismatchError, StoreError
from retrieval.models import ARTICLE_META_FIELDS, Article, Chunk, Passage
from retrieval.settings import RetrievalSettings

if TYPE_CHECKING:
    from chromadb.api import ClientAPI
    from chromadb.api.models.Collection import Collection

log = logging.getLogger(__name__)

PAGE = 2000  # rows per get() page: well under Chroma's max batch size (5,461)


def published_ts(published: str) -> int:
    """Return the publication time as epoch seconds (0 when unknown), for range filters."""
    if not published:
        return 0
    try:
        moment = datetime.fromisoformat(published.replace("Z", "+00:00"))
    except ValueError:
        return 0
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp())


@dataclass(frozen=True, slots=True)
class ArticleRecord:
    """What the store remembers about an ingested article (without its text)."""

    id: str
    hash: str
    chunks: int
    title: str
    publisher: str
    published: str
    url: str
    section: str
    source: str
    ingested_at: str

    @classmethod
    def from_meta(cls, article_id: str, meta: dict[str, Any]) -> ArticleRecord:
        """Build a record from a Chroma metadata dict."""
        return cls(
            id=article_id,
            hash=str(meta.get("hash", "")),
            chunks=int(meta.get("chunks", 0)),
            ingested_at=str(meta.get("ingested_at", "")),
            **{name: str(meta.get(name, "")) for name in ARTICLE_META_FIELDS},
        )


@dataclass(frozen=True, slots=True)
class Filters:
    """Restrict a search to a publisher, a publication window or one article."""

    publisher: str | None = None
    after: str | None = None  # ISO date, inclusive
    before: str | None = None  # ISO date, inclusive (the whole day)
    article_id: str | None = None

    def describe(self) -> str:
        """Return the filters in words: "publisher 'Focus', published on or after 2026-01-01"."""
        said = [f"publisher {self.publisher!r}"] if self.publisher else []
        said += [f"article {self.article_id!r}"] if self.article_id else []
        if self.after and self.before:
            said.append(f"published {self.after} to {self.before}")
        elif self.after:
            said.append(f"published on or after {self.after}")
        elif self.before:
            said.append(f"published on or before {self.before}")
        return ", ".join(said)

    def where(self) -> dict[str, Any] | None:
        """Return the equivalent Chroma ``where`` clause, or None for no filter."""
        clauses: list[dict[str, Any]] = []
        if self.publisher:
            clauses.append({"publisher": self.publisher})
        if self.article_id:
            clauses.append({"article_id": self.article_id})
        if self.after:
            clauses.append({"published_ts": {"$gte": published_ts(self.after)}})
        if self.before:
            clauses.append({"published_ts": {"$lt": published_ts(self.before) + 86400}})
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else {"$and": clauses}

    def is_empty(self) -> bool:
        """Return True when nothing is filtered."""
        return self.where() is None


def build_client(settings: RetrievalSettings) -> ClientAPI:
    """Return an embedded PersistentClient, or an HttpClient when a Chroma URL is set."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    # Telemetry would try the network; Readout never talks to anything but its own servers.
    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if settings.chroma_url:
        problem = settings.chroma_exposure_problem()
        if problem:
            raise StoreError(problem)
        parsed = urlparse(settings.chroma_url)
        token = settings.chroma_token.get_secret_value()
        headers = {"Authorization": f"Bearer {token}"} if token else None
        try:
            return chromadb.HttpClient(
                host=parsed.hostname or "127.0.0.1",
                port=parsed.port or (443 if parsed.scheme == "https" else 8000),
                ssl=parsed.scheme == "https",
                headers=headers,
                settings=chroma_settings,
            )
        except Exception as exc:  # noqa: BLE001 - connection errors come in many types
            raise StoreError(
                f"cannot reach the Chroma server at {parsed.scheme}://{parsed.hostname}:"
                f"{parsed.port}: {type(exc).__name__}. Is `chroma run` up?"
            ) from None
    settings.chroma_path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(settings.chroma_path), settings=chroma_settings)


class Store:
    """Chunks, vectors and article records in Chroma."""

    def __init__(
        self, client: ClientAPI, name: str, *, embedding_model: str, dimension: int
    ) -> None:
        self.client = client
        self.name = name
        self.embedding_model = embedding_model
        self.dimension = dimension
        try:
            self.chunks: Collection = client.get_or_create_collection(
                name,
                embedding_function=None,
                configuration={"hnsw": {"space": "cosine"}},
                metadata={"embedding_model": embedding_model, "dimension": dimension},
            )
            self.articles: Collection = client.get_or_create_collection(
                f"{name}-articles", embedding_function=None
            )
        except ValueError as exc:
            raise StoreError(f"cannot open collection {name!r}: {exc}") from exc
        meta = self.chunks.metadata or {}
        stored_model = str(meta.get("embedding_model", embedding_model))
        stored_dim = int(meta.get("dimension", dimension))
        if stored_model != embedding_model or stored_dim != dimension:
            raise ModelMismatchError(name, f"{stored_model} ({stored_dim}d)", embedding_model)

    # -- writing -----------------------------------------------------------------------------

    def put_article(self, article: Article, chunks: Sequence[Chunk], vectors: np.ndarray) -> None:
        """Replace an article's chunks and record; safe to repeat after a crash."""
        self.put_articles([(article, chunks, vectors)])

    def put_articles(self, items: Sequence[tuple[Article, Sequence[Chunk], np.ndarray]]) -> None:
        """Replace several articles at once: old records, old chunks, new chunks, new records.

        One call per step for the whole group (each Chroma call costs milliseconds on the
        embedded store, which per article made ingest slower than a plain bulk add). Records
        are written last, so a crash leaves articles without a record, which the next run redoes.
        """
        if not items:
            return
        for _, chunks, vectors in items:
            if len(chunks) != len(vectors):
                raise ValueError("one vector per chunk")
        ids = [article.id for article, _, _ in items]
        self.articles.delete(ids=ids)
        # Also for new articles: a crashed run may have left chunks without a record.
        where: Any = {"article_id": {"$in": ids}}  # chromadb's Where type wants literal keys
        self.chunks.delete(where=where)
        chunk_ids: list[str] = []
        documents: list[str] = []
        metadatas: list[dict[str, Any]] = []
        vectors_all: list[np.ndarray] = []
        for article, chunks, vectors in items:
            base = {
                **article.meta(),
                "article_id": article.id,
                "hash": article.hash,
                "published_ts": published_ts(article.published),
            }
            for c in chunks:
                chunk_ids.append(c.id)
                documents.append(c.text)
                metadatas.append({**base, "index": c.index, "start": c.start, "end": c.end})
            vectors_all.append(np.asarray(vectors, dtype=np.float32))
        empty = np.zeros((0, self.dimension), np.float32)
        stacked: np.ndarray[Any, np.dtype[np.float32]] = (
            np.concatenate(vectors_all) if vectors_all else empty
        )
        batch = self.client.get_max_batch_size()
        for k in range(0, len(chunk_ids), batch):
            self.chunks.upsert(
                ids=chunk_ids[k : k + batch],
                embeddings=stacked[k : k + batch],
                documents=documents[k : k + batch],
                metadatas=metadatas[k : k + batch],  # type: ignore[arg-type]  # flat scalars
            )
        now = datetime.now(UTC).isoformat(timespec="seconds")
        self.articles.upsert(
            ids=ids,
            # The articles collection is never searched by vector; Chroma still wants one.
            embeddings=np.ones((len(items), 1), dtype=np.float32),
            documents=[article.text for article, _, _ in items],
            metadatas=[
                {
                    **article.meta(),
                    "hash": article.hash,
                    "chunks": len(chunks),
                    "published_ts": published_ts(article.published),
                    "ingested_at": now,
                }
                for article, chunks, _ in items
            ],
        )

    def delete_article(self, article_id: str) -> None:
        """Remove an article's record first, then its chunks."""
        self.articles.delete(ids=[article_id])
        self.chunks.delete(where={"article_id": article_id})

    def bump_generation(self) -> int:
        """Mark the index as changed, so keyword caches and readers know to reload."""
        meta = dict(self.chunks.metadata or {})
        generation = int(meta.get("generation", 0)) + 1
        meta["generation"] = generation
        self.chunks.modify(metadata=meta)
        return generation

    # -- reading -----------------------------------------------------------------------------

    @property
    def generation(self) -> int:
        """Return the change counter of the index."""
        fresh = self.client.get_collection(self.name, embedding_function=None)
        return int((fresh.metadata or {}).get("generation", 0))

    def records(self) -> dict[str, ArticleRecord]:
        """Return every article record by id."""
        out: dict[str, ArticleRecord] = {}
        offset = 0
        while True:
            page = self.articles.get(include=["metadatas"], limit=PAGE, offset=offset)
            for article_id, meta in zip(page["ids"], page["metadatas"] or [], strict=True):
                out[article_id] = ArticleRecord.from_meta(article_id, dict(meta))
            if len(page["ids"]) < PAGE:
                return out
            offset += PAGE

    def get_article(self, article_id: str) -> Article | None:
        """Return an ingested article with its cleaned text, or None."""
        got = self.articles.get(ids=[article_id], include=["documents", "metadatas"])
        if not got["ids"]:
            return None
        meta = dict((got["metadatas"] or [{}])[0])
        return Article(
            id=article_id,
            text=(got["documents"] or [""])[0] or "",
            hash=str(meta.get("hash", "")),
            **{name: str(meta.get(name, "")) for name in ARTICLE_META_FIELDS},
        )

    def article_chunks(self, article_id: str) -> list[Passage]:
        """Return an article's chunks in reading order."""
        got = self.chunks.get(where={"article_id": article_id}, include=["documents", "metadatas"])
        passages = [
            _passage(cid, doc or "", dict(meta), 0.0)
            for cid, doc, meta in zip(
                got["ids"], got["documents"] or [], got["metadatas"] or [], strict=True
            )
        ]
        return sorted(passages, key=lambda p: p.start)

    def count(self) -> int:
        """Return the number of chunks."""
        return int(self.chunks.count())

    def iter_chunks(self) -> Iterator[tuple[str, str, dict[str, Any]]]:
        """Yield (chunk id, text, metadata) for every chunk, page by page."""
        offset = 0
        while True:
            page = self.chunks.get(include=["documents", "metadatas"], limit=PAGE, offset=offset)
            for cid, doc, meta in zip(
                page["ids"], page["documents"] or [], page["metadatas"] or [], strict=True
            ):
                yield cid, doc or "", dict(meta)
            if len(page["ids"]) < PAGE:
                return
            offset += PAGE

    def query(self, vector: np.ndarray, k: int, filters: Filters | None = None) -> list[Passage]:
        """Return the ``k`` chunks nearest to ``vector`` (score = cosine similarity)."""
        if k <= 0 or self.count() == 0:
            return []
        result = self.chunks.query(
            query_embeddings=[vector],
            n_results=k,
            where=filters.where() if filters else None,
            include=["documents", "metadatas", "distances"],
        )
        ids = result["ids"][0]
        docs = (result["documents"] or [[]])[0]
        metas = (result["metadatas"] or [[]])[0]
        dists = (result["distances"] or [[]])[0]
        return [
            _passage(cid, doc or "", dict(meta), 1.0 - float(dist))
            for cid, doc, meta, dist in zip(ids, docs, metas, dists, strict=True)
        ]

    def get_passages(self, chunk_ids: Sequence[str]) -> dict[str, Passage]:
        """Return passages for the given chunk ids (missing ids are left out)."""
        if not chunk_ids:
            return {}
        got = self.chunks.get(ids=list(chunk_ids), include=["documents", "metadatas"])
        return {
            cid: _passage(cid, doc or "", dict(meta), 0.0)
            for cid, doc, meta in zip(
                got["ids"], got["documents"] or [], got["metadatas"] or [], strict=True
            )
        }


def _passage(chunk_id: str, text: str, meta: dict[str, Any], score: float) -> Passage:
    return Passage(
        chunk_id=chunk_id,
        article_id=str(meta.get("article_id", "")),
        text=text,
        start=int(meta.get("start", 0)),
        end=int(meta.get("end", 0)),
        score=score,
        title=str(meta.get("title", "")),
        publisher=str(meta.get("publisher", "")),
        published=str(meta.get("published", "")),
        url=str(meta.get("url", "")),
        section=str(meta.get("section", "")),
        source=str(meta.get("source", "")),
    )


VERSION_FILE = "readout.json"


def _version_tuple(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in re.findall(r"\d+", version)[:3])


def check_data_dir(settings: RetrievalSettings, embedding_model: str) -> None:
    """Refuse a data directory written by a newer chromadb; record who writes it now.

    Chroma migrates its on-disk format forward only: opening a newer store with an older
    chromadb can corrupt it, so that is refused before Chroma touches the files.
    """
    import chromadb

    path = settings.data_dir / VERSION_FILE
    installed = chromadb.__version__
    if path.exists():
        try:
            recorded = json.loads(path.read_text("utf-8"))
        except (OSError, ValueError) as exc:
            raise StoreError(f"{path} is unreadable ({exc}); restore it from a backup") from None
        written_by = str(recorded.get("chromadb", "0"))
        if _version_tuple(written_by) > _version_tuple(installed):
            raise StoreError(
                f"{settings.data_dir} was written by chromadb {written_by}, newer than the "
                f"installed {installed}; install Readout's pinned versions (`make install`) or "
                "restore a backup made with this version"
            )
        if written_by == installed and recorded.get("embedding_model") == embedding_model:
            return
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    record = {"chromadb": installed, "embedding_model": embedding_model, "format": 1}
    path.write_text(json.dumps(record, indent=2) + "\n", "utf-8")


def open_store(settings: RetrievalSettings, *, embedding_model: str, dimension: int) -> Store:
    """Open (or create) the configured collection."""
    if not settings.chroma_url:
        check_data_dir(settings, embedding_model)
    return Store(
        build_client(settings),
        settings.collection,
        embedding_model=embedding_model,
        dimension=dimension,
    )


def reset_collections(settings: RetrievalSettings) -> None:
    """Delete the configured collections (for a re-index with another embedding model)."""
    client = build_client(settings)
    for name in (settings.collection, f"{settings.collection}-articles"):
        try:
            client.delete_collection(name)
        except Exception:  # noqa: BLE001 - absent collections raise various errors by version
            log.debug("collection %s did not exist", name)
