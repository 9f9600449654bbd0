"""Chat model providers, and the bundled SmolLM2 GGUF run in-process by llama-cpp-python."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from retrieval.answer import AnswerService
from retrieval.errors import ConfigError, LLMError
from retrieval.llm import build_chat_model, bundled_gguf_path, local_chat_model
from retrieval.models import Passage
from retrieval.settings import RetrievalSettings
from retrieval.verify import draft_sentences, verify
from tests.retrieval.conftest import Recorder, Sample

ZHANG_Q = "What did Zhang Junshe say Japan was really trying to achieve by seeking US support?"


def settings(**overrides: Any) -> RetrievalSettings:
    return RetrievalSettings(_env_file=None, **overrides)


def test_bundled_gguf_is_found_without_importing_anything_heavy() -> None:
    path = bundled_gguf_path()
    assert path.suffix == ".gguf" and path.stat().st_size > 50_000_000
    code = (
        "import sys, retrieval.answer, retrieval.llm;"
        "retrieval.llm.bundled_gguf_path();"
        "print(sorted({'llama_cpp', 'llm', 'langchain_core', 'langchain_openai', 'torch'}"
        " & set(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_provider_choice_and_its_errors(tmp_path: Path) -> None:
    assert build_chat_model(settings(llm="extractive")) is None
    with pytest.raises(ConfigError, match="READOUT_LLM_MODEL_PATH"):
        build_chat_model(settings(llm="local", llm_model_path=str(tmp_path / "missing.gguf")))
    not_gguf = tmp_path / "model.gguf"
    not_gguf.write_bytes(b"this is not a GGUF file")
    model = build_chat_model(settings(llm="local", llm_model_path=str(not_gguf)))
    assert model is not None  # the file loads on first use, where the error is clear
    with pytest.raises(ConfigError, match=r"cannot load the GGUF model .*model\.gguf"):
        model.warm_up()  # type: ignore[attr-defined]
    with pytest.raises(ConfigError, match="READOUT_OPENAI_API_KEY is empty"):
        build_chat_model(settings(llm="openai", openai_base_url="https://api.example.com/v1"))
    local_server = build_chat_model(settings(llm="openai", llm_timeout=7, llm_max_tokens=50))
    assert type(local_server).__name__ == "ChatOpenAI"
    assert local_server.max_retries == 1 and local_server.request_timeout == 7  # type: ignore[union-attr]
    ollama = build_chat_model(settings(llm="ollama", ollama_model="llama3.2", llm_max_tokens=64))
    assert type(ollama).__name__ == "ChatOllama" and ollama.num_predict == 64  # type: ignore[union-attr]


def test_openai_key_stays_secret_in_the_model_object() -> None:
    key = "sk-canary-123"
    model = build_chat_model(settings(llm="openai", openai_api_key=SecretStr(key)))
    assert key not in repr(model) and key not in str(model)


@pytest.fixture
def passages(sample: Sample) -> list[Passage]:
    """Three real chunks: the answer first, then two related ones."""
    return [
        sample.passage("seed", "Zhang Junshe, a Chinese military affairs expert"),
        sample.passage("seed", "unilateral assertion by Japan"),
        sample.passage("workout", "a remark Hegseth answered with a thumbs-up"),
    ]


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_real_smollm2_answer_keeps_every_guarantee(
    sample: Sample, passages: list[Passage], embed
) -> None:
    config = settings(llm="local", llm_max_tokens=96, llm_timeout=120)
    model = local_chat_model(config)
    recorder = Recorder()
    model.callbacks = [recorder]
    service = AnswerService(lambda q, f: list(passages), embed, model, config)
    answer = service.answer(ZHANG_Q)
    assert len(recorder.calls) == 1  # the real model did draft this answer
    assert answer.timings["generate"] > 0
    sample.assert_exact(answer.citations)
    # A 135M model is weak: assert what Readout guarantees, not the model's wisdom.
    if answer.abstained:
        assert not answer.citations and "don't answer" in answer.text
        return
    assert [c.n for c in answer.citations] == list(range(1, len(answer.citations) + 1))
    assert all(f"[{c.n}]" in answer.text for c in answer.citations)
    # Every sentence of the final text is supported when checked again from scratch.
    again = verify(answer.text, passages, embed)
    assert not again.dropped and len(again.kept) == len(draft_sentences(answer.text))


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_real_model_stops_at_its_deadline_and_serves_threads_one_at_a_time() -> None:
    hurried = local_chat_model(settings(llm="local", llm_max_tokens=512, llm_timeout=0.2))
    hurried.warm_up()  # type: ignore[attr-defined]
    with pytest.raises(LLMError, match=r"did not finish within 0\.2 s"):
        hurried.invoke([("human", "Write a very long story about a lighthouse keeper.")])

    model = local_chat_model(settings(llm="local", llm_max_tokens=24, llm_timeout=120))
    results: list[str] = []
    errors: list[BaseException] = []

    def ask(question: str) -> None:
        try:
            results.append(str(model.invoke([("human", question)]).content))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=ask, args=(f"Name a colour number {i}.",)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors and len(results) == 3  # a shared Llama is safe: calls are serialised
