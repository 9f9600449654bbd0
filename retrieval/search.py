"""Dense, keyword and hybrid (reciprocal-rank-fused) passage search over the store."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, replace

from retrieval.embeddings import Embedder
from retrieval.keyword import KeywordIndex
from retrieval.models import Passage
from retrieval.settings import SearchMode
from retrieval.store import Filters, Store
from retrieval.text import words

log = logging.getLogger(__name__)

# Reciprocal rank fusion constant: 60 is the value of Cormack et al. and what most engines use;
# the candidate depth lets each retriever contribute passages the other ranks low.
RRF_K = 60
CANDIDATES = 30
# Two passages sharing this fraction of their words say the same thing (overlapping chunks,
# wire copy republished by two outlets): keep the better-ranked one.
NEAR_DUPLICATE = 0.8


@dataclass(slots=True)
class SearchOptions:
    """How many passages to return and how to balance them."""

    k: int = 6
    mode: SearchMode = "hybrid"
    max_per_article: int = 3
    filters: Filters | None = None


class Searcher:
    """Find passages for a query with dense, BM25 or fused retrieval."""

    def __init__(self, store: Store, embedder: Embedder, keyword: KeywordIndex) -> None:
        self.store = store
        self.embedder = embedder
        self.keyword = keyword

    def refresh(self) -> None:
        """Pick up a newer generation of the index (after an ingest)."""
        self.keyword.refresh()

    def dense(self, query: str, k: int, filters: Filters | None = None) -> list[Passage]:
        """Return the ``k`` passages closest in embedding space."""
        passages = self.store.query(self.embedder.embed_query(query), k, filters)
        for p in passages:
            p.scores["dense"] = p.score
        return passages

    def bm25(self, query: str, k: int, filters: Filters | None = None) -> list[Passage]:
        """Return the ``k`` best BM25 passages."""
        hits = self.keyword.search(query, k, filters)
        found = self.store.get_passages([cid for cid, _ in hits])
        out: list[Passage] = []
        for cid, score in hits:
            if cid in found:  # a chunk removed since the index was built is skipped
                p = found[cid]
                p.score = score
                p.scores["bm25"] = score
                out.append(p)
        return out

    def hybrid(self, query: str, k: int, filters: Filters | None = None) -> list[Passage]:
        """Fuse dense and BM25 rankings with reciprocal rank fusion."""
        depth = max(k, CANDIDATES)
        fused: dict[str, Passage] = {}
        totals: dict[str, float] = {}
        for ranking in (self.dense(query, depth, filters), self.bm25(query, depth, filters)):
            for rank, p in enumerate(ranking):
                totals[p.chunk_id] = totals.get(p.chunk_id, 0.0) + 1.0 / (RRF_K + rank + 1)
                if p.chunk_id in fused:
                    fused[p.chunk_id].scores.update(p.scores)
                else:
                    fused[p.chunk_id] = p
        ranked = sorted(fused.values(), key=lambda p: totals[p.chunk_id], reverse=True)
        for p in ranked:
            p.score = totals[p.chunk_id]
        return ranked[:k]

    def search(self, query: str, options: SearchOptions | None = None) -> list[Passage]:
        """Return up to ``options.k`` diverse passages for ``query``."""
        options = options or SearchOptions()
        depth = max(options.k * 3, CANDIDATES)
        run = {"dense": self.dense, "bm25": self.bm25, "hybrid": self.hybrid}[options.mode]
        return balance(run(query, depth, options.filters), options.k, options.max_per_article)


def _overlap(a: set[str], b: set[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))


def balance(passages: list[Passage], k: int, max_per_article: int) -> list[Passage]:
    """Drop near-duplicates and cap passages per article, keeping rank order."""
    kept: list[Passage] = []
    kept_words: list[set[str]] = []
    per_article: dict[str, int] = {}
    for p in passages:
        if per_article.get(p.article_id, 0) >= max_per_article:
            continue
        bag = set(words(p.text))
        if any(_overlap(bag, other) >= NEAR_DUPLICATE for other in kept_words):
            continue
        kept.append(p)
        kept_words.append(bag)
        per_article[p.article_id] = per_article.get(p.article_id, 0) + 1
        if len(kept) == k:
            break
    return kept


_COMPARE = re.compile(
    r"\b(compare|comparison|differ|difference|different|versus|vs\.?|omit|omitted|left out|"
    r"each|both|whereas|while)\b",
    re.IGNORECASE,
)


def is_comparison(question: str) -> bool:
    """Return True when a question compares sources or sides."""
    return bool(_COMPARE.search(question))


def interleave(rankings: list[list[Passage]], k: int, max_per_article: int) -> list[Passage]:
    """Merge per-side rankings round-robin so every side is represented."""
    merged: list[Passage] = []
    seen: set[str] = set()
    for depth in range(max((len(r) for r in rankings), default=0)):
        for ranking in rankings:
            if depth < len(ranking) and ranking[depth].chunk_id not in seen:
                seen.add(ranking[depth].chunk_id)
                merged.append(replace(ranking[depth]))
    return balance(merged, k, max_per_article)
