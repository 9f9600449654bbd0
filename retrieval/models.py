"""The data contracts shared by ingest, retrieval, the CLI and the bot."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from typing import Any

# Chroma metadata must be flat scalars; these are the article fields copied onto every chunk.
ARTICLE_META_FIELDS = ("title", "publisher", "published", "url", "section", "source")


def content_hash(text: str) -> str:
    """Return the stable content hash of a cleaned article text."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class Article:
    """One cleaned article, as the loaders produce it and the store keeps it."""

    id: str
    title: str
    text: str
    publisher: str = ""
    published: str = ""  # ISO-8601 date or datetime, "" when unknown
    url: str = ""
    section: str = ""
    source: str = ""  # the file path or URL it was read from
    hash: str = ""

    def __post_init__(self) -> None:
        if not self.hash:
            object.__setattr__(self, "hash", content_hash(self.text))

    def meta(self) -> dict[str, str]:
        """Return the article's metadata as Chroma-legal flat strings."""
        return {name: str(getattr(self, name) or "") for name in ARTICLE_META_FIELDS}


@dataclass(frozen=True, slots=True)
class Chunk:
    """A passage of an article; `article.text[start:end] == text` always holds."""

    id: str  # "<article id>:<index>"
    article_id: str
    index: int
    text: str
    start: int
    end: int


@dataclass(slots=True)
class Passage:
    """A retrieved chunk with its article's metadata and a retrieval score."""

    chunk_id: str
    article_id: str
    text: str
    start: int
    end: int
    score: float
    title: str = ""
    publisher: str = ""
    published: str = ""
    url: str = ""
    section: str = ""
    source: str = ""
    scores: dict[str, float] = field(default_factory=dict)  # per retriever, for diagnostics

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return asdict(self)


@dataclass(slots=True)
class Citation:
    """One [n] of an answer: the exact quoted passage it points at."""

    n: int
    article_id: str
    chunk_id: str
    title: str
    publisher: str
    published: str
    url: str
    quote: str  # exactly article_text[start:end]
    start: int
    end: int

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return asdict(self)


@dataclass(slots=True)
class Answer:
    """An answer with [n] markers, its citations, and how long each stage took."""

    question: str
    text: str
    citations: list[Citation]
    abstained: bool
    passages: list[Passage] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)  # seconds per stage

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON shape the CLI prints and the bot formats."""
        return {
            "question": self.question,
            "text": self.text,
            "abstained": self.abstained,
            "citations": [c.to_dict() for c in self.citations],
            "passages": [
                {
                    "chunk_id": p.chunk_id,
                    "article_id": p.article_id,
                    "score": p.score,
                    "text": p.text,
                }
                for p in self.passages
            ],
            "timings": self.timings,
        }
