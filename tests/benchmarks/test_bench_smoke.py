"""Smoke tests of the scale and answers benchmarks at a tiny size: structure, never thresholds."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.answers import run_answers
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


@pytest.mark.timeout(600)
def test_answers_benchmark_runs_at_a_tiny_size(embedder: Embedder) -> None:
    # Short local answers and a long model deadline: this checks the shape, and a busy shared
    # machine must not turn the local model's answers into timeouts (the real run uses defaults).
    overrides = {"llm_max_tokens": 32, "llm_timeout": 300.0, "llm_threads": 1}
    results = run_answers(
        embedder, 1, users=3, backends=("extractive", "local"), overrides=overrides
    )

    assert results["users"] == 3 and results["repeats"] == 1 and results["articles"] > 0
    assert results["limits"]["max_concurrent_answers"] >= 1
    assert results["limits"]["llm_max_tokens"] == 32 and results["overrides"] == overrides
    assert "loopback" in results["approximation"] or "127.0.0.1" in results["approximation"]
    assert [row["backend"] for row in results["backends"]] == ["extractive", "local"]
    for row in results["backends"]:
        assert "error" not in row, row.get("error")
        assert row["problems"] == []
        (wave,) = row["waves"]
        (interactions,) = row["interactions"]
        assert len(interactions) == 3
        # 3 users fit in the default limits (2 at once + 8 queued): nobody is turned away.
        assert wave["acknowledged"] == wave["answered"] == 3
        assert wave["busy"] == wave["failed"] == wave["not acknowledged"] == 0
        for outcome in interactions:
            assert _positive(outcome["ack"]), outcome
            assert outcome["response_type"] == 5
            assert outcome["status"] == "answered"
            assert outcome["answer"] > outcome["ack"]
            assert set(outcome["timings"]) == {"retrieve", "generate", "verify", "total"}
            assert all(v >= 0 for v in outcome["timings"].values())
            assert _positive(outcome["timings"]["total"])
            assert outcome["answer"] >= outcome["timings"]["total"]
        for stat in ("p50", "p99"):
            assert row["ack_ms"][stat]["runs"] == 1 and _positive(row["ack_ms"][stat]["median"])
        for name in ("retrieve", "generate", "verify", "total"):
            assert row["stages_s"][name]["runs"] == 1
        assert _positive(row["answer_s"]["p95"]["median"])
        assert row["first_ask"]["status"] == "answered"

    report = {"machine": "test", "command": "test", "mode": "quick", "repeats": 1}
    report["answers"] = results
    report["targets"] = targets(report)
    (ack,) = [row for row in report["targets"] if row["target"].startswith("Acknowledgement")]
    assert ack["pass"] is None and "not checked" in ack["miss"]  # 3 users, not 20
    markdown = to_markdown(report)
    assert "## Answers: /ask end to end through the local fake Discord" in markdown
    assert "| extractive |" in markdown and "| local |" in markdown
