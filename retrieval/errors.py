"""Domain errors: each says what went wrong and what the user can do about it.

Every error here is safe to show to a user: messages never carry secrets or tracebacks.
The CLI prints ``str(error)`` and exits non-zero; the bot maps them to a friendly reply.
"""

from __future__ import annotations


class ReadoutError(Exception):
    """Base of every error Readout reports to a user."""


class ConfigError(ReadoutError):
    """A setting is missing, malformed, or contradicts another one."""


class StoreError(ReadoutError):
    """The vector store cannot be opened or used."""


class ModelMismatchError(StoreError):
    """The collection was built with another embedding model than the one configured."""

    def __init__(self, collection: str, stored: str, configured: str) -> None:
        self.collection = collection
        self.stored = stored
        self.configured = configured
        super().__init__(
            f"collection {collection!r} was indexed with embedding model {stored!r}, "
            f"but {configured!r} is configured; re-index with `readout ingest --reindex` "
            "or set READOUT_EMBEDDING_MODEL back"
        )


class InputError(ReadoutError):
    """One input (file, URL, feed entry) could not be turned into an article.

    ``reason`` is a short human sentence; the ingest report shows it next to the input.
    """

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


class LLMError(ReadoutError):
    """The language model failed or timed out."""


class BusyError(ReadoutError):
    """Too much work is in flight; ``retry_after`` says when to try again (seconds)."""

    def __init__(self, message: str, retry_after: float) -> None:
        self.retry_after = retry_after
        super().__init__(message)
