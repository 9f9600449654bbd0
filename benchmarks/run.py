"""Run the benchmarks and write a markdown table and a JSON file (medians and spreads)."""

from __future__ import annotations

import argparse
import json
import platform
import shutil
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from ingest.settings import IngestSettings
from ingest.sources import SourceSpec
from ingest.sync import run_ingest
from retrieval.embeddings import Embedder
from retrieval.runtime import Runtime
from retrieval.settings import RetrievalSettings

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "examples" / "corpus"
OUT = ROOT / "benchmarks" / "results"


def _spread(values: list[float]) -> dict[str, float]:
    return {
        "median": round(statistics.median(values), 4),
        "min": round(min(values), 4),
        "max": round(max(values), 4),
        "runs": len(values),
    }


def bench_ingest(embedder: Embedder, repeats: int) -> dict[str, Any]:
    """Full ingest of the sample corpus into a fresh store, then an unchanged re-run."""
    full_times, rerun_times, rates, fractions = [], [], [], []
    chunks = 0
    for _ in range(repeats):
        data = Path(tempfile.mkdtemp(prefix="readout-bench-"))
        try:
            settings = RetrievalSettings(_env_file=None, data_dir=data)  # type: ignore[call-arg]
            runtime = Runtime(settings, embedder=embedder)
            ingest = IngestSettings(_env_file=None)  # type: ignore[call-arg]
            specs = [SourceSpec("path", str(CORPUS))]
            began = time.perf_counter()
            report = run_ingest(specs, runtime.store, embedder, ingest)
            full = time.perf_counter() - began
            began = time.perf_counter()
            again = run_ingest(specs, runtime.store, embedder, ingest)
            rerun = time.perf_counter() - began
            assert again.chunks_embedded == 0
            chunks = report.chunks_embedded
            full_times.append(full)
            rerun_times.append(rerun)
            rates.append(chunks / full)
            fractions.append(rerun / full)
        finally:
            shutil.rmtree(data, ignore_errors=True)
    return {
        "chunks": chunks,
        "full_seconds": _spread(full_times),
        "chunks_per_second": _spread(rates),
        "rerun_seconds": _spread(rerun_times),
        "rerun_fraction": _spread(fractions),
    }


def to_markdown(results: dict[str, Any]) -> str:
    """Render the results as the README's performance table."""
    ing = results["ingest"]
    lines = [
        f"Machine: {results['machine']}; medians of {ing['chunks_per_second']['runs']} runs "
        "(min–max).",
        "",
        "| measure | value |",
        "|---|---|",
        f"| ingest, sample corpus ({ing['chunks']} chunks) | "
        f"{ing['chunks_per_second']['median']:.1f} chunks/s "
        f"({ing['chunks_per_second']['min']:.1f}–{ing['chunks_per_second']['max']:.1f}) |",
        f"| unchanged re-run / full run | {ing['rerun_fraction']['median']:.1%} "
        f"({ing['rerun_fraction']['min']:.1%}–{ing['rerun_fraction']['max']:.1%}) |",
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    """Run every benchmark."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    embedder = Embedder()
    embedder.warm_up()
    embedder.embed(["warm the kernels up"] * 8)
    results = {
        "machine": f"{platform.machine()}, {platform.python_version()}, "
        f"{__import__('os').cpu_count()} cores",
        "ingest": bench_ingest(embedder, args.repeats),
    }
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "results.json").write_text(json.dumps(results, indent=2), "utf-8")
    markdown = to_markdown(results)
    (OUT / "results.md").write_text(markdown, "utf-8")
    print(markdown)


if __name__ == "__main__":
    main()
