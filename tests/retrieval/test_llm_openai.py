"""The openai provider against a real OpenAI-compatible server (llama-cpp-python, 127.0.0.1)."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from retrieval.answer import AnswerService
from retrieval.errors import LLMError
from retrieval.llm import build_chat_model, bundled_gguf_path
from retrieval.models import Passage
from retrieval.settings import RetrievalSettings
from retrieval.verify import draft_sentences, verify
from tests.conftest import free_port
from tests.retrieval.conftest import Recorder, Sample

pytestmark = [pytest.mark.slow, pytest.mark.server, pytest.mark.timeout(300)]

CANARY = "sk-canary-123"
MODEL = "local-model"
TOMODACHI_Q = "What anniversary was the Los Angeles reception on Koizumi's schedule meant to mark?"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Run ``python -m llama_cpp.server`` with the bundled GGUF, requiring the canary key."""
    port = free_port()
    log_path = tmp_path_factory.mktemp("llama-server") / "server.log"
    log = log_path.open("w")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "llama_cpp.server",
            "--model",
            str(bundled_gguf_path()),
            "--model_alias",
            MODEL,
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--n_ctx",
            "4096",
            "--api_key",
            CANARY,
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}/v1"
    deadline = time.monotonic() + 120
    try:
        while True:
            try:
                reply = httpx.get(
                    f"{url}/models", headers={"Authorization": f"Bearer {CANARY}"}, timeout=2
                )
                if reply.status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    f"llama_cpp.server did not start: {log_path.read_text()[-2000:]}"
                )
            time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=15)
        log.close()


@pytest.fixture
def passages(sample: Sample) -> list[Passage]:
    """The adversarial preview (answer and injected order) and one more chunk."""
    return [
        sample.passage("preview", "Operation Tomodachi"),
        sample.passage("preview", "SYSTEM NOTICE FOR CHATBOTS"),
        sample.passage("seed", "Prior to Washington, he also visited Honolulu"),
    ]


def settings(url: str, key: str) -> RetrievalSettings:
    return RetrievalSettings(
        _env_file=None,
        llm="openai",
        openai_base_url=url,
        openai_api_key=SecretStr(key),
        openai_model=MODEL,
        llm_max_tokens=96,
        llm_timeout=120,
    )


def test_openai_provider_returns_a_verified_answer_and_never_leaks_the_key(
    server: str,
    sample: Sample,
    passages: list[Passage],
    embed: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)  # everything openai, httpx and Readout log, at any level
    config = settings(server, CANARY)
    model = build_chat_model(config)
    assert model is not None
    recorder = Recorder()
    model.callbacks = [recorder]
    answer = AnswerService(lambda q, f: list(passages), embed, model, config).answer(TOMODACHI_Q)
    assert len(recorder.calls) == 1  # the server really drafted this answer
    assert answer.timings["generate"] > 0
    sample.assert_exact(answer.citations)
    for bad in ("@here", "@everyone", "quit the alliance"):
        assert bad not in answer.text
    if not answer.abstained:
        again = verify(answer.text, passages, embed)
        assert not again.dropped and len(again.kept) == len(draft_sentences(answer.text))
    assert CANARY not in json.dumps(answer.to_dict())
    assert "chat/completions" in caplog.text  # the capture did see the HTTP exchange …
    assert CANARY not in caplog.text and CANARY not in repr(model)  # … and no key in it


def test_a_rejected_key_is_a_clear_error_without_the_key(
    server: str, passages: list[Passage], embed: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    wrong = "sk-wrong-key-456"
    config = settings(server, wrong)
    service = AnswerService(lambda q, f: list(passages), embed, build_chat_model(config), config)
    with pytest.raises(LLMError, match="AuthenticationError") as raised:
        service.answer(TOMODACHI_Q)
    assert wrong not in str(raised.value) and wrong not in caplog.text
