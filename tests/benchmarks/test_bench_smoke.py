"""Smoke test of the scale benchmark at a tiny size: structure only, never timing thresholds."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.report import targets, to_markdown
from benchmarks.scale import FILTERED, MODES, ONE_THREAD, run_scale
from retrieval.embeddings import Embedder

pytestmark = pytest.mark.slow


def _positive(value: object) -> bool:
    return isinstance(value, float | int) and value > 0


def test_scale_benchmark_runs_at_a_tiny_size(tmp_path: Path, embedder: Embedder) -> None:
    results = run_scale(
        [300], tmp_path / "cache", embedder, pool_size=150, passes=1, n_queries=6, memory=True
    )

    assert results["queries"] == 6
    assert results["pool_sentences"] == 150
    assert "mean" in results["approximation"]
    (size,) = results["sizes"]
    assert size["chunks"] == 300
    assert size["articles"] > 0
    assert size["cached"] is False
    assert _positive(size["insert_seconds"])
    for name in (*MODES, FILTERED, ONE_THREAD, "query_embedding", "store_count"):
        for stat in ("p50", "p95"):
            spread = size["latency_ms"][name][stat]
            assert spread["runs"] == 1
            assert all(_positive(spread[k]) for k in ("median", "min", "max")), (name, spread)
    assert size["empty_results"]["dense"] == 0

    memory = results["memory"]
    assert "error" not in memory, memory.get("error")
    assert memory["chunks"] == 300
    assert _positive(memory["peak_rss_mb"])
    assert memory["peak_rss_mb"] >= max(memory["stages_rss_mb"].values()) - 1
    assert memory["llm_loaded"] is True, memory["llm_error"]
    assert all(_positive(mb) for mb in memory["stages_rss_mb"].values())

    # A second run reuses the generated store instead of rebuilding it.
    again = run_scale(
        [300], tmp_path / "cache", embedder, pool_size=150, passes=1, n_queries=6, memory=False
    )
    assert again["sizes"][0]["cached"] is True
    assert "memory" not in again

    report = {"machine": "test", "command": "test", "mode": "quick", "repeats": 1}
    report["scale"] = results
    report["targets"] = targets(report)
    markdown = to_markdown(report)
    assert "| 300 |" in markdown
    assert "Hybrid retrieval p95" in markdown
