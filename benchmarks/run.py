"""Run the benchmarks and write a markdown table and a JSON file (medians and spreads).

``python -m benchmarks.run`` (``make bench``) runs everything: ingest vs the LangChain baseline,
embedding backends and batch sizes, scale at 1k/10k/100k chunks with a memory probe, and
``/ask`` end to end through the local fake Discord (20 concurrent users, extractive and local).
``--quick`` stops at 10k chunks with 2 repeats (what CI and the smoke test use).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks import synth
from benchmarks.answers import run_answers
from benchmarks.backends import bench_backends, bench_batch_sizes
from benchmarks.common import CACHE, OUT, load_average, machine
from benchmarks.ingest_bench import bench_ingest
from benchmarks.report import targets, to_markdown
from benchmarks.scale import POOL_SIZE, run_scale
from retrieval.embeddings import Embedder

log = logging.getLogger("benchmarks")

FULL_SIZES = [1_000, 10_000, 100_000]
QUICK_SIZES = [1_000, 10_000]
PARTS = ["ingest", "embedding", "scale", "answers"]
# One repeat of the answers part with the local model is ~10 serialised generations (a minute
# or more on 2 cores), so a full run defaults to 3 repeats there instead of 5.
ANSWERS_FULL_REPEATS = 3


def generated_texts(embedder: Embedder, count: int) -> list[str]:
    """Return ``count`` chunk texts of the generated corpus (for embedding throughput)."""
    pool = synth.load_pool(embedder, POOL_SIZE, CACHE)
    return [c.text for _, chunks, _ in synth.iter_articles(pool, count, seed=3) for c in chunks]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1k/10k chunks, 2 repeats")
    parser.add_argument("--repeats", type=int, help="repeats per measure (default 5, quick 2)")
    parser.add_argument("--sizes", type=int, nargs="+", help="generated corpus sizes in chunks")
    parser.add_argument("--out", type=Path, default=OUT, help="where results.json/.md go")
    parser.add_argument("--cache", type=Path, default=CACHE, help="generated stores cache")
    parser.add_argument(
        "--merge",
        action="store_true",
        help="keep the other parts of an existing results.json (with --only)",
    )
    parser.add_argument(
        "--only",
        choices=PARTS,
        nargs="+",
        help="run only these parts",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    """Run every benchmark and write ``results.json`` and ``results.md``."""
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    for noisy in ("chromadb", "httpx", "sentence_transformers", "bm25s", "urllib3", "discord"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    for name in [n for n in os.environ if n.startswith("READOUT_")]:
        log.info("ignoring %s: benchmarks run on default settings", name)
        del os.environ[name]
    repeats = args.repeats or (2 if args.quick else 5)
    sizes = args.sizes or (QUICK_SIZES if args.quick else FULL_SIZES)
    parts = set(args.only or PARTS)
    began = time.perf_counter()
    results: dict[str, Any] = {}
    previous = args.out / "results.json"
    if args.merge and previous.exists():
        results = json.loads(previous.read_text("utf-8"))
        log.info("merging into %s (parts not run now are kept)", previous)
    runs = results.setdefault("runs", {})
    results |= {
        "machine": machine(),
        "load_average": load_average(),
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": "python -m benchmarks.run " + " ".join(sys.argv[1:] if argv is None else argv),
        "mode": "quick" if args.quick else "full",
        "repeats": repeats,
    }
    for part in parts:
        runs[part] = results["started"]
    embedder = Embedder()
    embedder.warm_up()
    embedder.embed(["warm the kernels up"] * 8)
    if "ingest" in parts:
        log.info("ingest: Readout vs the LangChain baseline, %d repeats", repeats)
        results["ingest"] = bench_ingest(embedder, repeats)
    if "embedding" in parts:
        texts = generated_texts(embedder, 128 if args.quick else 512)
        search = results.get("ingest", {}).get("sample_corpus_search", {})
        baseline_recall = search.get("baseline similarity_search", {}).get("recall@5")
        log.info("embedding backends on %d generated chunks", len(texts))
        results["embedding"] = bench_backends(embedder, texts, repeats, baseline_recall)
        results["batch_sizes"] = bench_batch_sizes(embedder, texts, repeats)
    if "scale" in parts:
        log.info("scale: %s chunks", sizes)
        results["scale"] = run_scale(
            sizes, args.cache, embedder, passes=2 if args.quick else 3, memory=True
        )
    if "answers" in parts:
        answer_repeats = args.repeats or (2 if args.quick else ANSWERS_FULL_REPEATS)
        log.info("answers: /ask through the fake Discord, %d repeats", answer_repeats)
        results["answers"] = run_answers(embedder, answer_repeats)
    results["targets"] = targets(results)
    results["seconds"] = round(time.perf_counter() - began, 1)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "results.json").write_text(json.dumps(results, indent=2, default=str), "utf-8")
    markdown = to_markdown(results)
    (args.out / "results.md").write_text(markdown, "utf-8")
    print(markdown)


if __name__ == "__main__":
    main()
