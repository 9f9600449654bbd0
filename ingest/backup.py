"""`readout backup`: a consistent copy of the data directory, taken under the ingest lock."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

from ingest.lock import ingest_lock
from retrieval.errors import ConfigError

_SKIP = {"ingest.lock", "ingest.lock.json"}


def backup_data_dir(data_dir: Path, destination: Path, *, wait: float = 0.0) -> int:
    """Copy ``data_dir`` to ``destination`` while no ingest can write; return files copied."""
    if not data_dir.is_dir():
        raise ConfigError(f"{data_dir} does not exist: nothing to back up")
    if destination.exists():
        raise ConfigError(f"{destination} already exists; choose a new backup folder")
    copied = 0
    with ingest_lock(data_dir, wait=wait):
        for source in sorted(data_dir.rglob("*")):
            relative = source.relative_to(data_dir)
            target = destination / relative
            if source.is_dir():
                target.mkdir(parents=True, exist_ok=True)
                continue
            if source.name in _SKIP or source.name.endswith(("-wal", "-shm", "-journal")):
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            if source.suffix in (".sqlite3", ".sqlite", ".db"):
                # SQLite's own backup API includes pages still in the WAL and is safe while a
                # reader (the bot) has the database open.
                with sqlite3.connect(str(source)) as src, sqlite3.connect(str(target)) as dst:
                    src.backup(dst)
            else:
                shutil.copy2(source, target)
            copied += 1
    return copied
