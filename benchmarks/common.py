"""Shared helpers: paths, spreads and percentiles, timing, machine description."""

from __future__ import annotations

import math
import os
import platform
import statistics
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "examples" / "corpus"
DEV_QUESTIONS = ROOT / "examples" / "eval" / "dev_questions.jsonl"
OUT = ROOT / "benchmarks" / "results"
CACHE = ROOT / "benchmarks" / ".cache"


def spread(values: Sequence[float], digits: int = 4) -> dict[str, Any]:
    """Return median, min, max and the number of runs of ``values``."""
    if not values:
        return {"median": None, "min": None, "max": None, "runs": 0}
    return {
        "median": round(statistics.median(values), digits),
        "min": round(min(values), digits),
        "max": round(max(values), digits),
        "runs": len(values),
    }


def percentile(values: Sequence[float], q: float) -> float:
    """Return the nearest-rank ``q`` percentile (0 < q ≤ 100) of ``values``."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def machine() -> str:
    """Describe the machine the figures were measured on."""
    return f"{platform.machine()}, Python {platform.python_version()}, {os.cpu_count()} cores"


def load_average() -> list[float]:
    """Return the 1/5/15-minute load average (other work shares these cores)."""
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return []


def temp_runtime(data: Path, embedder: Any) -> Any:
    """Return a Runtime with default settings on ``data`` (ignoring .env) and ``embedder``."""
    from retrieval.runtime import Runtime
    from retrieval.settings import RetrievalSettings

    settings = RetrievalSettings(_env_file=None, data_dir=data)  # type: ignore[call-arg]
    return Runtime(settings, embedder=embedder)


def forget_clients() -> None:
    """Drop Chroma's cached clients so a deleted temporary store releases files and memory."""
    from chromadb.api.shared_system_client import SharedSystemClient

    SharedSystemClient.clear_system_cache()
