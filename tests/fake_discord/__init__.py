"""A local fake Discord (REST API v10 + gateway) that the real discord.py client logs in to."""

from .models import FakeUser, Perm
from .server import FakeDiscord, InteractionHandle, Payload, RecordedFile
from .validation import DiscordError

__all__ = [
    "DiscordError",
    "FakeDiscord",
    "FakeUser",
    "InteractionHandle",
    "Payload",
    "Perm",
    "RecordedFile",
]
