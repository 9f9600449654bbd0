"""One writer, fresh reads across processes, crash-safe ingest, version guard, backup."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ingest.lock import ingest_lock
from retrieval.embeddings import Embedder
from retrieval.errors import StoreError
from retrieval.runtime import Runtime
from retrieval.settings import RetrievalSettings
from retrieval.store import VERSION_FILE, open_store
from tests.conftest import EXAMPLES, ROOT, make_settings

pytestmark = pytest.mark.slow

READOUT = str(Path(sys.executable).with_name("readout"))

NEW_ARTICLE = """---
title: "Koizumi inspects the Quokka Point radar station"
publisher: "Test Wire"
published: "2026-02-02"
url: "https://test.example/quokka"
---

Defense Minister Shinjiro Koizumi inspected the Quokka Point radar station on Monday, the first
visit by a minister to the remote site, and praised its crew for their vigilance.
"""


def cli(
    data_dir: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "READOUT_DATA_DIR": str(data_dir), **(env or {})}
    return subprocess.run(
        [READOUT, *args],
        capture_output=True,
        text=True,
        env=environment,
        cwd=ROOT,
        timeout=600,
        check=False,
    )


def test_second_ingest_is_refused_while_one_holds_the_lock(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with ingest_lock(data):
        result = cli(data, "ingest", str(EXAMPLES / "000_20936f9da8db826c.txt"))
    assert result.returncode == 3
    assert "another ingest is running" in result.stderr and f"pid {os.getpid()}" in result.stderr


def test_bot_process_sees_an_ingest_made_by_another_process(
    tmp_path: Path, embedder: Embedder, corpus: Path
) -> None:
    data = tmp_path / "data"
    assert cli(data, "ingest", str(corpus)).returncode == 0
    reader = Runtime(make_settings(data), embedder=embedder)
    before = reader.retrieve("Quokka Point radar station")
    assert before and not any("Quokka" in p.text for p in before)

    new = tmp_path / "new"
    new.mkdir()
    (new / "quokka.md").write_text(NEW_ARTICLE, "utf-8")
    result = cli(data, "ingest", str(new))
    assert result.returncode == 0, result.stderr
    reader.ensure_fresh(force=True)
    after = reader.retrieve("Quokka Point radar station")
    assert "Quokka" in after[0].text
    # The dense side sees it too, not only the keyword index.
    dense = reader.searcher.dense("Quokka Point radar station", 1)
    assert "Quokka" in dense[0].text


@pytest.mark.server
def test_server_reader_sees_new_articles_without_a_signal(
    tmp_path: Path, embedder: Embedder, chroma_server: str, corpus: Path
) -> None:
    env = {"READOUT_CHROMA_URL": chroma_server, "READOUT_COLLECTION": "fresh-reads"}
    assert cli(tmp_path / "a", "ingest", str(corpus), env=env).returncode == 0
    reader = Runtime(
        make_settings(tmp_path / "b", chroma_url=chroma_server, collection="fresh-reads"),
        embedder=embedder,
    )
    assert not any("Quokka" in p.text for p in reader.retrieve("Quokka Point radar station"))
    new = tmp_path / "new"
    new.mkdir()
    (new / "quokka.md").write_text(NEW_ARTICLE, "utf-8")
    assert cli(tmp_path / "a", "ingest", str(new), env=env).returncode == 0
    assert not (tmp_path / "b" / "index-changed").exists()  # no signal reaches this reader
    reader.ensure_fresh(force=True)
    assert "Quokka" in reader.retrieve("Quokka Point radar station")[0].text


def _big_corpus(folder: Path, copies: int) -> None:
    """Write many distinct articles from the examples, salted with random words."""
    import random
    import re

    rng = random.Random(7)
    vocabulary = sorted(
        {
            w.strip('.,"()')
            for p in EXAMPLES.glob("*.md")
            for w in p.read_text("utf-8").split()
            if w.isalpha()
        }
    )
    folder.mkdir()
    for path in EXAMPLES.glob("*.md"):
        head, body = path.read_text("utf-8").split("\n---\n", 1)
        for i in range(copies):

            def salt(_: object) -> str:
                return f". {' '.join(rng.choices(vocabulary, k=12))}. "

            # Random words after every sentence keep every chunk of every copy distinct.
            paragraphs = [
                re.sub(r"\. (?=[A-Z])", salt, p.strip()) + salt(None).rstrip()
                for p in body.split("\n\n")
                if p.strip()
            ]
            (folder / f"{i:03d}-{path.name}").write_text(
                head.replace('url: "', f'url: "https://copy{i}.example/?u=')
                + "\n---\n\n"
                + "\n\n".join(paragraphs)
                + "\n",
                "utf-8",
            )


def _fresh_runtime(data: Path, embedder: Embedder) -> Runtime:
    """Open the store anew: Chroma caches clients per path, and a cached one misses new vectors."""
    from chromadb.api.shared_system_client import SharedSystemClient

    SharedSystemClient.clear_system_cache()
    return Runtime(make_settings(data), embedder=embedder)


def _state(data: Path, embedder: Embedder) -> tuple[set[str], set[str], dict[str, int]]:
    runtime = _fresh_runtime(data, embedder)
    records = runtime.store.records()
    chunks = {cid: meta for cid, _, meta in runtime.store.iter_chunks()}
    per_article: dict[str, int] = {}
    for meta in chunks.values():
        per_article[meta["article_id"]] = per_article.get(meta["article_id"], 0) + 1
    return set(records), set(chunks), per_article


def test_kill_9_during_ingest_then_rerun_equals_a_clean_run(
    tmp_path: Path, embedder: Embedder
) -> None:
    corpus = tmp_path / "big"
    _big_corpus(corpus, 12)  # ~170 articles: long enough to be killed half-way
    crashed = tmp_path / "crashed"
    env = {**os.environ, "READOUT_DATA_DIR": str(crashed), "READOUT_EMBED_BATCH_CHUNKS": "16"}
    proc = subprocess.Popen(
        [READOUT, "ingest", str(corpus)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None
    deadline = time.monotonic() + 300
    for line in proc.stderr:  # plain progress lines, one per embedding step
        if line.startswith("embed ") and not line.startswith("embed 0/"):
            break
        assert time.monotonic() < deadline
    time.sleep(0.5)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    partial, _, _ = _state(crashed, embedder)

    rerun = cli(crashed, "ingest", str(corpus), "--json")
    assert rerun.returncode == 0, rerun.stderr
    clean = tmp_path / "clean"
    assert cli(clean, "ingest", str(corpus)).returncode == 0

    got, expected = _state(crashed, embedder), _state(clean, embedder)
    assert len(partial) < len(expected[0])  # the kill really interrupted the run
    assert got[0] == expected[0]  # same articles
    assert got[1] == expected[1]  # same chunk ids: no orphans, nothing missing
    assert got[2] == expected[2]
    assert not set(got[2]) - got[0]  # every chunk belongs to a recorded article
    report = json.loads(rerun.stdout)
    assert len(report["unchanged"]) == len(partial)  # committed articles were not redone
    # Every chunk is found by its own text: its vector is in the HNSW index, not only in SQLite.
    runtime = _fresh_runtime(crashed, embedder)
    for cid, text, _ in runtime.store.iter_chunks():
        assert runtime.searcher.dense(text, 1)[0].chunk_id == cid


def test_store_written_by_newer_chromadb_is_refused(tmp_path: Path, embedder: Embedder) -> None:
    settings = make_settings(tmp_path / "data")
    settings.data_dir.mkdir(parents=True)
    (settings.data_dir / VERSION_FILE).write_text(json.dumps({"chromadb": "99.0.0"}), "utf-8")
    with pytest.raises(StoreError, match=r"newer than the installed"):
        open_store(settings, embedding_model=embedder.name, dimension=embedder.dimension)
    assert not (settings.data_dir / "chroma").exists()  # refused before Chroma touched anything


def test_backup_is_a_working_copy(tmp_path: Path, embedder: Embedder, corpus: Path) -> None:
    data = tmp_path / "data"
    assert cli(data, "ingest", str(corpus)).returncode == 0
    result = cli(data, "backup", str(tmp_path / "copy"))
    assert result.returncode == 0, result.stderr
    original, copy = _state(data, embedder), _state(tmp_path / "copy", embedder)
    assert original == copy and original[0]
    shutil.rmtree(data)
    restored = Runtime(
        RetrievalSettings(_env_file=None, data_dir=tmp_path / "copy"),  # type: ignore[call-arg]
        embedder=embedder,
    )
    assert "Zhang Junshe" in " ".join(
        p.text for p in restored.retrieve("What did Zhang Junshe say?")
    )
    with ingest_lock(tmp_path / "copy"):
        locked = cli(tmp_path / "copy", "backup", str(tmp_path / "again"), "--wait", "0")
    assert locked.returncode == 3
