"""Settings of the Discord bot (``READOUT_*`` from the environment and ``.env``)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class BotSettings(BaseSettings):
    """Token, guild, admins, and the limits that keep one busy server from starving the others."""

    model_config = SettingsConfigDict(
        env_prefix="READOUT_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    discord_token: SecretStr = Field(SecretStr(""), description="The bot token (secret).")
    dev_guild_id: int = Field(0, ge=0, description="Sync commands to this guild; 0 = global.")
    # NoDecode: the environment carries "123,456", which the validator below splits.
    admin_ids: Annotated[list[int], NoDecode] = Field(
        default_factory=list, description="User or role ids allowed to run /ingest."
    )
    message_content: bool = Field(
        True, description="Answer thread follow-ups and mentions (needs the privileged intent)."
    )
    cooldown_seconds: float = Field(10.0, ge=0, description="Per-user pause between questions.")
    max_concurrent_answers: int = Field(2, ge=1, description="Answers generated at once.")
    max_queued_answers: int = Field(8, ge=0, description="Answers waiting beyond those.")
    history_turns: int = Field(4, ge=0, le=20, description="Thread turns used as context.")

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        # .env files carry lists as "123,456" more naturally than as JSON.
        if isinstance(value, str):
            return [int(part) for part in value.replace(" ", "").split(",") if part]
        if isinstance(value, int):
            return [value]
        return value
