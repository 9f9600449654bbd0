"""/ingest for admins: re-run the sources, or add one, with a live progress message."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import discord
from discord import app_commands
from discord.ext import commands

from bot import formatting as fmt
from bot.errors import NotAdmin
from bot.services import IngestStatus
from ingest.report import IngestReport
from ingest.sources import SourceSpec, is_url, parse_sources_file
from retrieval.errors import ConfigError

if TYPE_CHECKING:
    from bot.client import ReadoutBot

T = TypeVar("T")


def is_admin(interaction: discord.Interaction, admin_ids: list[int]) -> bool:
    """Return True for Manage Server, or a user or role on the allowlist."""
    user = interaction.user
    if user.id in admin_ids:
        return True
    if isinstance(user, discord.Member):
        if user.guild_permissions.manage_guild:
            return True
        return any(role.id in admin_ids for role in user.roles)
    return False


def _admin_only() -> Callable[[T], T]:
    async def predicate(interaction: discord.Interaction) -> bool:
        bot: ReadoutBot = interaction.client  # type: ignore[assignment]
        # Checked again at run time: default permissions can be changed by any server admin.
        if not is_admin(interaction, bot.settings.admin_ids):
            raise NotAdmin()
        return True

    return app_commands.check(predicate)


def resolve_source(source: str | None, sources_file: Path) -> tuple[list[SourceSpec], bool]:
    """Return the specs for /ingest: a URL, a path inside the working directory, or the list."""
    if not source:
        if not sources_file.is_file():
            raise ConfigError(f"{sources_file} does not exist; give a source or create it")
        return parse_sources_file(sources_file), True
    if is_url(source):
        return [SourceSpec("url", source)], False
    root = Path.cwd().resolve()
    path = (root / source).resolve()
    # Discord users must not be able to make the bot read arbitrary files on its host.
    if not path.is_relative_to(root):
        raise ConfigError("paths must lie inside the bot's working directory")
    return [SourceSpec("path", str(path))], False


def report_embed(report: IngestReport) -> discord.Embed:
    """Return the ingest report as an embed."""
    embed = discord.Embed(
        title="Ingest finished",
        description=f"{report.summary()} in {report.seconds:.1f} s",
        colour=discord.Colour.red() if report.failed else fmt.COLOR_ANSWER,
    )
    for outcome in ("added", "updated", "removed", "duplicate", "failed"):
        entries = getattr(report, outcome)
        if not entries:
            continue
        lines = [
            fmt.clip(f"{e.title or e.input}" + (f" — {e.reason}" if e.reason else ""), 200)
            for e in entries[:15]
        ]
        if len(entries) > 15:
            lines.append(f"… and {len(entries) - 15} more")
        embed.add_field(
            name=f"{outcome} ({len(entries)})",
            value=fmt.clip(fmt.sanitize("\n".join(lines)), fmt.FIELD_VALUE_MAX),
            inline=False,
        )
    for note in report.notes[:3]:
        embed.add_field(name="note", value=fmt.clip(note, fmt.FIELD_VALUE_MAX), inline=False)
    return embed


class AdminCog(commands.Cog):
    """Admin commands."""

    def __init__(self, bot: ReadoutBot) -> None:
        self.bot = bot

    @app_commands.command(name="ingest")
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.guild_only()
    @app_commands.describe(
        source="A URL or a path on the bot's host; empty re-runs the configured sources",
        prune="Also remove articles the sources no longer list",
    )
    @_admin_only()
    async def ingest(
        self, interaction: discord.Interaction, source: str | None = None, prune: bool = False
    ) -> None:
        """Add or refresh articles (admins only)."""
        if self.bot.services.ingest_running:
            await interaction.response.send_message(
                "An ingest is already running; yours was not started. Try again when it is done.",
                ephemeral=True,
            )
            return
        specs, prune_default = resolve_source(
            source, self.bot.services.ingest_settings.sources_file
        )
        await interaction.response.send_message("Ingest starting…")

        async def show(status: IngestStatus) -> None:
            verb = "Reading sources" if status.phase == "load" else "Embedding passages"
            bar_width = 20
            filled = bar_width * status.done // status.total if status.total else 0
            bar = "█" * filled + "░" * (bar_width - filled)
            text = f"{verb}: `{bar}` {status.done}/{status.total}\n{status.label[-80:]}"
            # A missed progress edit is harmless; the report follows.
            with contextlib.suppress(discord.HTTPException):
                await interaction.edit_original_response(content=fmt.content(text))

        report = await self.bot.services.ingest(
            specs, prune=prune or prune_default, on_progress=show
        )
        await interaction.edit_original_response(content="Ingest finished.")
        await interaction.followup.send(embed=report_embed(report))
