"""The BM25 keyword index (bm25s), rebuilt from the store and cached on disk per store generation.

Names, numbers and rare terms are where dense MiniLM retrieval misses (FINDINGS.md: "what did
Zhang Junshe say?"), so the keyword side is what makes hybrid search worth it.
"""

from __future__ import annotations

import json
import logging
import math
import re
import shutil
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from retrieval.questions import corpus_casing
from retrieval.store import Filters, Store, published_ts
from retrieval.verify import MONTH_ABBREVIATIONS

if TYPE_CHECKING:
    import bm25s

log = logging.getLogger(__name__)

_INDEX_VERSION = 2  # bump when tokenisation or the manifest changes, so old caches are rebuilt


def _bm25s() -> Any:
    """Import bm25s (heavy, so only when needed) with its logger quiet."""
    import bm25s

    # bm25s sets its own logger to DEBUG when imported, which overrides the level the entry
    # point chose: "Building index from IDs objects" would show in every ingest's output.
    logging.getLogger("bm25s").setLevel(max(logging.WARNING, logging.getLogger().level))
    return bm25s


def _stemmer() -> Any:
    import Stemmer

    return Stemmer.Stemmer("english")


@dataclass(slots=True)
class _Columns:
    """The filterable metadata of every chunk as arrays, so a filter is one vector comparison."""

    article_id: np.ndarray
    publisher: np.ndarray
    published_ts: np.ndarray

    @classmethod
    def of(cls, metas: list[dict[str, Any]]) -> _Columns:
        """Build the columns from the slim per-chunk metadata."""
        return cls(
            np.array([m.get("article_id", "") for m in metas], dtype=str),
            np.array([m.get("publisher", "") for m in metas], dtype=str),
            np.array([int(m.get("published_ts", 0)) for m in metas], dtype=np.int64),
        )

    def mask(self, filters: Filters) -> np.ndarray:
        """Return 1.0 for the chunks that pass ``filters`` and 0.0 for the rest."""
        keep = np.ones(len(self.published_ts), dtype=bool)
        if filters.publisher:
            keep &= self.publisher == filters.publisher
        if filters.article_id:
            keep &= self.article_id == filters.article_id
        if filters.after:
            keep &= self.published_ts >= published_ts(filters.after)
        if filters.before:
            keep &= self.published_ts < published_ts(filters.before) + 86400
        return keep.astype(np.float32)

    def to_metas(self) -> list[dict[str, Any]]:
        """Return the columns as the slim per-chunk dicts the cache manifest stores."""
        return [
            {"article_id": a, "publisher": p, "published_ts": int(t)}
            for a, p, t in zip(
                self.article_id.tolist(),
                self.publisher.tolist(),
                self.published_ts.tolist(),
                strict=True,
            )
        ]


@dataclass(slots=True)
class _Loaded:
    generation: int
    ids: list[str]
    columns: _Columns
    retriever: bm25s.BM25 | None  # None for an empty store
    doc_freq: np.ndarray | None = None  # chunks holding each vocabulary token, built on demand
    casing: dict[str, str] | None = None  # lower-cased word → how the corpus capitalises it


# The answerer spells months out ("Jan." is "january" to it); chunks say "Jan.": a month's
# rarity is that of its commoner spelling.
_ABBREVIATED = {full: short.lower() for short, full in MONTH_ABBREVIATIONS.items()}


class KeywordIndex:
    """BM25 over every chunk in the store, consistent with the store's generation."""

    def __init__(self, store: Store, cache_dir: Path | None) -> None:
        self.store = store
        self.cache_dir = cache_dir
        self._loaded: _Loaded | None = None
        self._lock = threading.Lock()
        self._stem = _stemmer()

    def _tokenize(self, texts: list[str]) -> Any:
        bm25s = _bm25s()
        return bm25s.tokenize(texts, stopwords="en", stemmer=self._stem, show_progress=False)

    def refresh(self, *, force: bool = False) -> None:
        """Load the cached index for the store's generation, or rebuild it from the store."""
        with self._lock:
            generation = self.store.generation
            if not force and self._loaded and self._loaded.generation == generation:
                return
            loaded = None if force else self._load_cache(generation)
            if loaded is None:
                loaded = self._build(generation)
                self._save_cache(loaded)
            self._loaded = loaded

    def _build(self, generation: int) -> _Loaded:
        bm25s = _bm25s()
        ids: list[str] = []
        texts: list[str] = []
        metas: list[dict[str, Any]] = []
        for cid, text, meta in self.store.iter_chunks():
            ids.append(cid)
            # Title words are strong keyword evidence; the chunk text alone often lacks them.
            texts.append(f"{meta.get('title', '')}\n{text}")
            metas.append(_slim(meta))
        log.info("building keyword index over %d chunks", len(ids))
        if not ids:
            return _Loaded(generation, ids, _Columns.of(metas), None, casing={})
        retriever = bm25s.BM25()
        retriever.index(self._tokenize(texts), show_progress=False)
        casing = corpus_casing(texts)
        return _Loaded(generation, ids, _Columns.of(metas), retriever, casing=casing)

    def _dir(self) -> Path | None:
        return self.cache_dir / self.store.name if self.cache_dir else None

    def _load_cache(self, generation: int) -> _Loaded | None:
        bm25s = _bm25s()
        folder = self._dir()
        if folder is None or not (folder / "manifest.json").exists():
            return None
        try:
            manifest = json.loads((folder / "manifest.json").read_text("utf-8"))
            if manifest.get("generation") != generation or manifest.get("v") != _INDEX_VERSION:
                return None
            ids = manifest["ids"]
            metas = manifest["metas"]
            casing = manifest["casing"]
            retriever = bm25s.BM25.load(str(folder / "bm25"), show_progress=False) if ids else None
        except (OSError, ValueError, KeyError) as exc:
            log.warning("keyword cache unreadable (%s); rebuilding", exc)
            return None
        return _Loaded(generation, ids, _Columns.of(metas), retriever, casing=casing)

    def _save_cache(self, loaded: _Loaded) -> None:
        folder = self._dir()
        if folder is None:
            return
        tmp = folder.with_name(folder.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        if loaded.retriever is not None:
            loaded.retriever.save(str(tmp / "bm25"), show_progress=False)
        manifest = {"v": _INDEX_VERSION, "generation": loaded.generation, "ids": loaded.ids}
        manifest["metas"] = loaded.columns.to_metas()
        manifest["casing"] = loaded.casing or {}
        (tmp / "manifest.json").write_text(json.dumps(manifest), "utf-8")
        # Swap in whole so a reader never sees half an index.
        shutil.rmtree(folder, ignore_errors=True)
        tmp.rename(folder)

    def search(self, query: str, k: int, filters: Filters | None = None) -> list[tuple[str, float]]:
        """Return up to ``k`` (chunk id, BM25 score) pairs, best first, with positive scores."""
        if self._loaded is None:
            self.refresh()
        loaded = self._loaded
        if loaded is None or loaded.retriever is None or k <= 0:
            return []
        mask = None
        if filters is not None and not filters.is_empty():
            # Vectorised: a Python loop over 100k chunk metadata cost ~50 ms per filtered query.
            mask = loaded.columns.mask(filters)
            if not mask.any():
                return []
        bm25s = _bm25s()
        vocab = loaded.retriever.vocab_dict
        words = bm25s.tokenize(
            [query], stopwords="en", stemmer=self._stem, return_ids=False, show_progress=False
        )[0]
        # Words the corpus never uses carry no BM25 evidence (and bm25s rejects unknown tokens).
        tokens = [[w for w in words if w in vocab]]
        if not tokens[0]:
            return []
        k = min(k, len(loaded.ids))
        docs, scores = loaded.retriever.retrieve(
            tokens, k=k, show_progress=False, weight_mask=mask, n_threads=1
        )
        return [
            (loaded.ids[int(i)], float(s))
            for i, s in zip(docs[0], scores[0], strict=True)
            if float(s) > 0
        ]

    def knows(self, word: str) -> bool:
        """Return True when some chunk holds ``word`` (stemmed as the index stems it)."""
        if self._loaded is None:
            self.refresh()
        loaded = self._loaded
        if loaded is None or loaded.retriever is None:
            return False
        return self._stem.stemWord(word.lower()) in loaded.retriever.vocab_dict

    def casing(self) -> dict[str, str]:
        """Return lower-cased word → the capitalised form the corpus nearly always writes."""
        if self._loaded is None:
            self.refresh()
        loaded = self._loaded
        return (loaded.casing or {}) if loaded is not None else {}

    def rarity(self, term: str) -> float:
        """Return how rare a stemmed term is across the whole index, from 0 (everywhere) to 1.

        The extractive answerer weighs question words by this: "backdrop" picks the answering
        sentence, "Koizumi" (in most chunks of a Koizumi corpus) does not.
        """
        if self._loaded is None:
            self.refresh()
        loaded = self._loaded
        if loaded is None or loaded.retriever is None:
            return 1.0
        retriever = loaded.retriever
        if loaded.doc_freq is None:
            # bm25s keeps scores column-wise per token: a token's chunks are one indptr slice.
            loaded.doc_freq = np.diff(np.asarray(retriever.scores["indptr"]))
        n = len(loaded.ids)
        vocab = retriever.vocab_dict
        # "Japan-US" is one term to the answerer and two tokens to bm25s: take the rarer part.
        stems = self._stem.stemWords(re.findall(r"\w\w+", term.lower())) if "-" in term else [term]
        found = [int(loaded.doc_freq[vocab[t]]) for t in stems if vocab.get(t, -1) >= 0]
        short = _ABBREVIATED.get(term)
        if short is not None:
            found += [int(loaded.doc_freq[vocab[short]])] if vocab.get(short, -1) >= 0 else []
            found = [max(found)] if found else []
        if not found:
            return 1.0  # a word no chunk uses: as rare as it gets (and no sentence has it)
        df = max(1, min(found))
        # BM25's idf, scaled so a term in a single chunk is 1.
        return math.log(1 + (n - df + 0.5) / (df + 0.5)) / math.log(1 + (n - 0.5) / 1.5)


def _slim(meta: dict[str, Any]) -> dict[str, Any]:
    """Keep only what filters need, so the cached manifest stays small at 100k chunks."""
    return {
        "article_id": meta.get("article_id", ""),
        "publisher": meta.get("publisher", ""),
        "published_ts": int(meta.get("published_ts", 0)),
    }
