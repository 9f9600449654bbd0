"""Ingest of the sample corpus: Readout's ``run_ingest`` vs the plain LangChain pipeline."""

from __future__ import annotations

import logging
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks import baseline
from benchmarks.common import (
    CORPUS,
    DEV_QUESTIONS,
    forget_clients,
    percentile,
    spread,
    temp_runtime,
)
from ingest.settings import IngestSettings
from ingest.sources import SourceSpec
from ingest.sync import run_ingest
from retrieval.embeddings import Embedder
from retrieval.evaluation import evaluate, load_questions
from retrieval.models import Passage
from retrieval.runtime import Runtime
from retrieval.search import SearchOptions

log = logging.getLogger(__name__)


class _TimedEmbedder:
    """Wrap an Embedder and add up the seconds spent in ``embed`` (for the time breakdown)."""

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner
        self.seconds = 0.0

    def embed(self, texts: Any) -> Any:
        """Embed through the wrapped model, timing the call."""
        began = time.perf_counter()
        try:
            return self.inner.embed(texts)
        finally:
            self.seconds += time.perf_counter() - began


def readout_ingest(data: Path, embedder: Embedder) -> tuple[dict[str, float], Runtime]:
    """Ingest the corpus fully, then again unchanged; return the timings and the runtime."""
    runtime = temp_runtime(data, embedder)
    settings = IngestSettings(_env_file=None)  # type: ignore[call-arg]
    specs = [SourceSpec("path", str(CORPUS))]
    timed = _TimedEmbedder(embedder)
    began = time.perf_counter()
    store = runtime.store
    opened = time.perf_counter() - began
    put_articles = store.put_articles
    writes = 0.0

    def timed_put(*args: Any, **kwargs: Any) -> None:
        nonlocal writes
        start = time.perf_counter()
        try:
            put_articles(*args, **kwargs)
        finally:
            writes += time.perf_counter() - start

    store.put_articles = timed_put  # type: ignore[method-assign]
    try:
        report = run_ingest(specs, store, timed, settings)  # type: ignore[arg-type]
        full = time.perf_counter() - began
    finally:
        del store.put_articles  # type: ignore[method-assign]
    began = time.perf_counter()
    again = run_ingest(specs, store, embedder, settings)
    rerun = time.perf_counter() - began
    if again.chunks_embedded != 0:
        raise RuntimeError(f"an unchanged re-run embedded {again.chunks_embedded} chunks")
    chars = sum(len(text) for _, text, _ in store.iter_chunks())
    return {
        "seconds": full,
        "rerun_seconds": rerun,
        "chunks": report.chunks_embedded,
        "chars": chars,
        "open_store": opened,
        "embed": timed.seconds,
        "writes": writes,
        "other": full - opened - timed.seconds - writes,
    }, runtime


def _latencies(search: Callable[[str], object], queries: list[str]) -> dict[str, float]:
    search(queries[0])  # warm-up, not counted
    times = []
    for query in queries:
        began = time.perf_counter()
        search(query)
        times.append((time.perf_counter() - began) * 1000)
    return {"p50": round(percentile(times, 50), 2), "p95": round(percentile(times, 95), 2)}


def bench_ingest(embedder: Embedder, repeats: int) -> dict[str, Any]:
    """Alternate Readout and baseline full ingests (after one untimed warm-up run of each)."""
    hf = baseline.load_embeddings()
    hf.embed_documents(["warm the kernels up"] * 8)
    rows: dict[str, list[float]] = {
        k: []
        for k in (
            "readout_rate",
            "baseline_rate",
            "ratio",
            "readout_char_rate",
            "baseline_char_rate",
            "char_ratio",
            "full",
            "rerun",
            "fraction",
            "open_store",
            "embed",
            "writes",
            "other",
            "baseline_split",
            "baseline_from_documents",
        )
    }
    chunks = {"readout": 0, "baseline": 0}
    quality: dict[str, Any] = {}
    warm = Path(tempfile.mkdtemp(prefix="readout-bench-warm-"))
    try:  # one untimed run of each: first-use imports and caches are not ingest speed
        readout_ingest(warm / "readout", embedder)
        baseline.ingest(CORPUS, hf, warm / "baseline")
    finally:
        forget_clients()
        shutil.rmtree(warm, ignore_errors=True)
    for n in range(repeats):
        data = Path(tempfile.mkdtemp(prefix="readout-bench-"))
        try:
            order = ["readout", "baseline"] if n % 2 == 0 else ["baseline", "readout"]
            for who in order:
                if who == "readout":
                    ours, runtime = readout_ingest(data / "readout", embedder)
                else:
                    theirs = baseline.ingest(CORPUS, hf, data / "baseline")
            rows["readout_rate"].append(ours["chunks"] / ours["seconds"])
            rows["baseline_rate"].append(theirs.chunks / theirs.seconds)
            rows["ratio"].append(rows["readout_rate"][-1] / rows["baseline_rate"][-1])
            rows["readout_char_rate"].append(ours["chars"] / ours["seconds"])
            rows["baseline_char_rate"].append(theirs.chars / theirs.seconds)
            rows["char_ratio"].append(
                rows["readout_char_rate"][-1] / rows["baseline_char_rate"][-1]
            )
            rows["full"].append(ours["seconds"])
            rows["rerun"].append(ours["rerun_seconds"])
            rows["fraction"].append(ours["rerun_seconds"] / ours["seconds"])
            for part in ("open_store", "embed", "writes", "other"):
                rows[part].append(ours[part])
            rows["baseline_split"].append(theirs.split_seconds)
            rows["baseline_from_documents"].append(theirs.seconds - theirs.split_seconds)
            chunks = {"readout": int(ours["chunks"]), "baseline": theirs.chunks}
            log.info(
                "ingest repeat %d: readout %.1f chunks/s, baseline %.1f chunks/s",
                n + 1,
                rows["readout_rate"][-1],
                rows["baseline_rate"][-1],
            )
            if n == repeats - 1:
                quality = _quality(runtime, theirs.store)
        finally:
            forget_clients()
            shutil.rmtree(data, ignore_errors=True)
    return {
        "corpus": str(CORPUS.relative_to(CORPUS.parent.parent)),
        "chunks": chunks,
        "readout_chunks_per_second": spread(rows["readout_rate"], 2),
        "baseline_chunks_per_second": spread(rows["baseline_rate"], 2),
        "ratio": spread(rows["ratio"], 3),
        "readout_chars_per_second": spread(rows["readout_char_rate"], 0),
        "baseline_chars_per_second": spread(rows["baseline_char_rate"], 0),
        "char_ratio": spread(rows["char_ratio"], 3),
        "full_seconds": spread(rows["full"]),
        "rerun_seconds": spread(rows["rerun"]),
        "rerun_fraction": spread(rows["fraction"]),
        "readout_breakdown_seconds": {
            part: spread(rows[part]) for part in ("open_store", "embed", "writes", "other")
        },
        "baseline_breakdown_seconds": {
            "read_and_split": spread(rows["baseline_split"]),
            "from_documents": spread(rows["baseline_from_documents"]),
        },
        "sample_corpus_search": quality,
    }


def _quality(runtime: Runtime, store: Any) -> dict[str, Any]:
    """Recall@5 on the dev set and query latency at sample-corpus size, both pipelines."""
    questions = load_questions(DEV_QUESTIONS)
    texts = [q.question for q in questions]
    modes: dict[str, Callable[[str], list[Passage]]] = {
        "baseline similarity_search": lambda q: baseline.search(store, q, 5),
    }
    for mode in ("dense", "hybrid"):
        options = SearchOptions(k=5, mode=mode, max_per_article=runtime.settings.max_per_article)
        modes[f"readout {mode}"] = lambda q, o=options: runtime.searcher.retrieve(q, o)
    out: dict[str, Any] = {}
    for name, search in modes.items():
        recall = evaluate(questions, search)["overall"]["recall@5"]
        out[name] = {"recall@5": recall, "latency_ms": _latencies(search, texts)}
    log.info("sample corpus recall@5: %s", {k: v["recall@5"] for k, v in out.items()})
    return out
