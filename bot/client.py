"""The discord.py Bot: services injected, cogs added in setup_hook, commands synced on request."""

from __future__ import annotations

import logging
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.errors import reply_error
from bot.services import AnswerGate, Services
from bot.settings import BotSettings
from bot.state import BotState

log = logging.getLogger(__name__)


def intents_for(settings: BotSettings) -> discord.Intents:
    """Return default intents plus message content only when thread follow-ups are on."""
    intents = discord.Intents.default()
    intents.message_content = settings.message_content
    return intents


class ReadoutTree(app_commands.CommandTree["ReadoutBot"]):
    """A command tree whose errors all go through the one handler."""

    async def on_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        """Report the error to the user once."""
        await reply_error(interaction, error)


class ReadoutBot(commands.Bot):
    """Readout in Discord."""

    def __init__(
        self, services: Services, settings: BotSettings, state: BotState, **options: Any
    ) -> None:
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents_for(settings),
            # No reply may ping anyone: model output and article text are untrusted.
            allowed_mentions=discord.AllowedMentions.none(),
            tree_cls=ReadoutTree,
            help_command=None,
            **options,
        )
        self.services = services
        self.settings = settings
        self.state = state
        # One in-process GGUF model answers one question at a time: a second admitted answer
        # would only wait for the model's lock while its timeout runs. Queued, it waits first.
        concurrent = 1 if services.llm_mode == "local" else settings.max_concurrent_answers
        self.gate = AnswerGate(
            cooldown=settings.cooldown_seconds,
            concurrent=concurrent,
            queued=settings.max_queued_answers + settings.max_concurrent_answers - concurrent,
        )

    async def setup_hook(self) -> None:
        """Add the cogs and the persistent buttons (no sync here: that is an explicit step)."""
        from bot.cogs.admin import AdminCog
        from bot.cogs.ask import AskCog, register_dynamic_items
        from bot.cogs.library import LibraryCog

        await self.add_cog(AskCog(self))
        await self.add_cog(LibraryCog(self))
        await self.add_cog(AdminCog(self))
        register_dynamic_items(self)

    async def sync_commands(self, *, globally: bool = False) -> list[str]:
        """Sync slash commands to the dev guild (or globally) and return their names."""
        if self.settings.dev_guild_id and not globally:
            guild = discord.Object(id=self.settings.dev_guild_id)
            self.tree.copy_global_to(guild=guild)
            synced = await self.tree.sync(guild=guild)
        else:
            synced = await self.tree.sync()
        names = sorted(c.name for c in synced)
        log.info("synced %d commands: %s", len(names), ", ".join(names))
        return names

    async def on_ready(self) -> None:
        """Log who we are."""
        log.info("logged in as %s (%s)", self.user, self.user.id if self.user else "?")
