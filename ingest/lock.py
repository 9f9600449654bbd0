"""One writer at a time: an exclusive lock on the data directory for the length of an ingest.

Two processes writing one embedded Chroma store at once silently lose index entries
(FINDINGS.md), so every ingest path (CLI, /ingest) takes this lock first.
"""

from __future__ import annotations

import json
import os
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

from retrieval.errors import ReadoutError


class LockedError(ReadoutError):
    """Another ingest holds the data directory."""


def _holder(info_path: Path) -> str:
    try:
        info = json.loads(info_path.read_text("utf-8"))
        since = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(info["since"]))
        return f"pid {info['pid']} on {info['host']} since {since}"
    except (OSError, ValueError, KeyError):
        return "another process"


@contextmanager
def ingest_lock(data_dir: Path, *, wait: float = 0.0) -> Iterator[None]:
    """Hold the data directory's ingest lock, waiting up to ``wait`` seconds for it."""
    data_dir.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(data_dir / "ingest.lock"))
    info_path = data_dir / "ingest.lock.json"
    try:
        lock.acquire(timeout=wait)
    except Timeout:
        raise LockedError(
            f"another ingest is running ({_holder(info_path)}); wait for it to finish, or "
            "pass --wait SECONDS"
        ) from None
    try:
        info = {"pid": os.getpid(), "host": socket.gethostname(), "since": time.time()}
        info_path.write_text(json.dumps(info), "utf-8")
        yield
    finally:
        info_path.unlink(missing_ok=True)
        lock.release()
