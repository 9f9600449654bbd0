"""Settings of the ingest job (``READOUT_*`` from the environment and ``.env``)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from ingest.chunking import DEFAULT_MAX_CHARS, DEFAULT_OVERLAP_CHARS


class IngestSettings(BaseSettings):
    """Where sources are listed, how articles are chunked and fetched."""

    model_config = SettingsConfigDict(
        env_prefix="READOUT_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    sources_file: Path = Field(
        Path("sources.yaml"), description="What `readout ingest` with no argument re-runs."
    )
    chunk_max_chars: int = Field(DEFAULT_MAX_CHARS, ge=50, le=8000)
    chunk_overlap_chars: int = Field(DEFAULT_OVERLAP_CHARS, ge=0, le=4000)
    fetch_timeout: float = Field(20.0, gt=0, description="Seconds per HTTP request.")
    fetch_max_bytes: int = Field(20 * 1024 * 1024, ge=1024)
    user_agent: str = "Readout/0.1 (+news question answering)"
    embed_batch_chunks: int = Field(256, ge=1, description="Chunks embedded per model call.")
