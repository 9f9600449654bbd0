"""Why ingest holds a lock: two unlocked writers on one embedded store lose or corrupt entries."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

WRITER = """
import sys, numpy as np, chromadb
from chromadb.config import Settings
from ingest.lock import ingest_lock
from pathlib import Path
path, seed, locked = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "1"
def write():
    client = chromadb.PersistentClient(path=path, settings=Settings(anonymized_telemetry=False))
    col = client.get_or_create_collection(
        "race", embedding_function=None, configuration={"hnsw": {"space": "cosine"}})
    rng = np.random.default_rng(seed)
    for batch in range(30):
        ids = [f"w{seed}-{batch}-{i}" for i in range(100)]
        col.add(ids=ids, embeddings=rng.normal(size=(100, 16)).astype(np.float32))
if locked:
    with ingest_lock(Path(path).parent, wait=120):
        write()
else:
    write()
"""


READER = """
import sys, numpy as np, chromadb
from chromadb.config import Settings
client = chromadb.PersistentClient(path=sys.argv[1], settings=Settings(anonymized_telemetry=False))
col = client.get_collection("race", embedding_function=None)
got = col.get(include=["embeddings"])
result = col.query(query_embeddings=np.asarray(got["embeddings"]), n_results=1)
print(sum(1 for i, hit in zip(got["ids"], result["ids"]) if hit and hit[0] == i))
"""


def _race(folder: Path, locked: bool) -> int | None:
    """Run two writers at once; return how many of 6,000 vectors the index finds (None: a crash)."""
    path = folder / "chroma"
    writers = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(path), str(seed), str(int(locked))])
        for seed in (1, 2)
    ]
    # Unlocked writers can crash each other (e.g. both creating the schema at once).
    if [w.wait(timeout=300) for w in writers] != [0, 0]:
        return None
    # A damaged store can crash the reader outright (a segfault in Chroma's native code) or hang
    # it, so read it in a child process too and count any failure, or a hang, as "broken".
    try:
        reader = subprocess.run(
            [sys.executable, "-c", READER, str(path)], capture_output=True, text=True, timeout=120
        )
    except subprocess.TimeoutExpired:
        return None
    if reader.returncode != 0:
        return None
    return int(reader.stdout.strip().splitlines()[-1])


def test_unlocked_writers_lose_entries_and_locked_ones_do_not(tmp_path: Path) -> None:
    locked = _race(tmp_path / "locked", locked=True)
    assert locked == 6000
    # Interleaving is up to the OS scheduler, so give the race a few chances to show itself.
    outcomes = [_race(tmp_path / f"unlocked{i}", locked=False) for i in range(3)]
    assert any(found is None or found < 6000 for found in outcomes), outcomes
