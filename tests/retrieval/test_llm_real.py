"""The real local GGUF model in-process, and the `openai` provider against a real local server."""

from __future__ import annotations

import logging
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest
from pydantic import SecretStr

from retrieval.answering import build_chat_model, bundled_gguf_path
from retrieval.runtime import Runtime
from tests.conftest import free_port
from tests.retrieval.conftest import ZHANG, assert_exact, service

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

CANARY_KEY = "sk-canary-7f3a9c2e5b1d"


def test_local_gguf_answer_keeps_the_guarantees(indexed: Runtime) -> None:
    settings = indexed.settings.model_copy(update={"llm": "local", "llm_max_tokens": 96})
    model = build_chat_model(settings)
    assert model is not None
    answer = service(indexed, model, timeout=120).answer(ZHANG)
    # A 135M model is weak: assert what Readout guarantees, not the model's wisdom.
    assert answer.timings["generate"] > 0
    assert_exact(indexed, answer)
    if not answer.abstained:
        assert answer.citations and all(f"[{c.n}]" in answer.text for c in answer.citations)


@pytest.fixture(scope="module")
def llama_server() -> Iterator[str]:
    """Start llama-cpp-python's OpenAI-compatible server on 127.0.0.1 with the bundled model."""
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "llama_cpp.server",
            "--model",
            str(bundled_gguf_path()),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--n_ctx",
            "4096",
            "--api_key",
            CANARY_KEY,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/v1"
    deadline = time.monotonic() + 120
    while True:
        try:
            headers = {"Authorization": f"Bearer {CANARY_KEY}"}
            if httpx.get(f"{url}/models", headers=headers, timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError("llama_cpp.server did not start")
        time.sleep(0.5)
    try:
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def test_openai_provider_against_a_local_server(
    indexed: Runtime,
    llama_server: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    settings = indexed.settings.model_copy(
        update={
            "llm": "openai",
            "openai_base_url": llama_server,
            "openai_model": "local",
            "openai_api_key": SecretStr(CANARY_KEY),
            "llm_max_tokens": 96,
        }
    )
    model = build_chat_model(settings)
    answer = service(indexed, model, timeout=120).answer(ZHANG)
    assert_exact(indexed, answer)
    assert answer.timings["generate"] > 0.05  # a real generation happened over HTTP
    assert CANARY_KEY not in caplog.text
    assert CANARY_KEY not in str(answer.to_dict())
    assert CANARY_KEY not in repr(settings) and CANARY_KEY not in str(settings.model_dump())


def test_wrong_api_key_is_a_clear_error_without_the_key(
    indexed: Runtime,
    llama_server: str,
) -> None:
    from retrieval.errors import LLMError

    settings = indexed.settings.model_copy(
        update={
            "llm": "openai",
            "openai_base_url": llama_server,
            "openai_api_key": SecretStr("sk-wrong-key-0000"),
        }
    )
    with pytest.raises(LLMError) as failure:
        service(indexed, build_chat_model(settings), timeout=60).answer(ZHANG)
    assert "sk-wrong-key-0000" not in str(failure.value)
    assert "AuthenticationError" in str(failure.value)
