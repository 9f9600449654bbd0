"""Shared fixtures: the real embedding model, temporary stores, a real `chroma run` server."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from ingest.settings import IngestSettings
from retrieval.embeddings import Embedder
from retrieval.runtime import Runtime
from retrieval.settings import RetrievalSettings

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "corpus"
SAMPLE = EXAMPLES / "000_20936f9da8db826c.txt"


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep a developer's READOUT_* variables out of every test."""
    for name in list(os.environ):
        if name.startswith("READOUT_"):
            monkeypatch.delenv(name)


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    """Return the real bundled embedding model, loaded once per session."""
    model = Embedder()
    model.warm_up()
    return model


def make_settings(data_dir: Path, **overrides: object) -> RetrievalSettings:
    """Build settings that ignore .env and the environment."""
    return RetrievalSettings(_env_file=None, data_dir=data_dir, **overrides)  # type: ignore[call-arg]


@pytest.fixture
def settings(tmp_path: Path) -> RetrievalSettings:
    """Return settings for an embedded store in a temporary directory."""
    return make_settings(tmp_path / "data")


@pytest.fixture
def ingest_settings() -> IngestSettings:
    """Return ingest settings that ignore .env and the environment."""
    return IngestSettings(_env_file=None)  # type: ignore[call-arg]


@pytest.fixture
def runtime(settings: RetrievalSettings, embedder: Embedder) -> Runtime:
    """Return a runtime on a temporary embedded store with the shared real model."""
    return Runtime(settings, embedder=embedder)


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """Return a private copy of the sample corpus."""
    target = tmp_path / "corpus"
    shutil.copytree(EXAMPLES, target)
    return target


def free_port() -> int:
    """Return a free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Start a real `chroma run` on 127.0.0.1 and yield its URL."""
    port = free_port()
    path = tmp_path_factory.mktemp("chroma-server")
    chroma = Path(sys.executable).with_name("chroma")
    log = (path / "server.log").open("w")
    proc = subprocess.Popen(
        [str(chroma), "run", "--host", "127.0.0.1", "--port", str(port), "--path", str(path)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{url}/api/v2/heartbeat", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError(f"chroma run did not start: {(path / 'server.log').read_text()}")
        time.sleep(0.2)
    try:
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
