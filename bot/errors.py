"""One place that turns any command failure into one friendly, ephemeral message.

Priority: a busy/cooldown refusal says when to retry; a permission failure says who may; any other
Readout error shows its own (secret-free) message; anything unexpected gets a short apology with
an error id, and the traceback goes only to the log under that id.
"""

from __future__ import annotations

import logging
import secrets

import discord
from discord import app_commands

from retrieval.errors import BusyError, ReadoutError

log = logging.getLogger(__name__)


class NotAdmin(app_commands.CheckFailure):
    """The user may not run an admin command."""


def describe(error: BaseException) -> tuple[str, str | None]:
    """Return (message for the user, error id when it was unexpected)."""
    if isinstance(error, app_commands.CommandInvokeError):
        error = error.original
    if isinstance(error, BusyError):
        return str(error), None
    if isinstance(error, NotAdmin):
        return (
            "Only server admins can do that (Manage Server, or a role or user on the "
            "READOUT_ADMIN_IDS allowlist).",
            None,
        )
    if isinstance(error, app_commands.CheckFailure):
        return "You can't use this command here.", None
    if isinstance(error, ReadoutError):
        return f"Sorry, that didn't work: {error}", None
    error_id = secrets.token_hex(4)
    return f"Sorry, something went wrong on my side (error id `{error_id}`).", error_id


async def reply_error(interaction: discord.Interaction, error: BaseException) -> None:
    """Send the one ephemeral error message for an interaction, logging the unexpected."""
    message, error_id = describe(error)
    if error_id is not None:
        command = interaction.command.qualified_name if interaction.command else "component"
        log.error(
            "error %s in %s (user %s, guild %s)",
            error_id,
            command,
            interaction.user.id if interaction.user else "?",
            interaction.guild_id,
            exc_info=error,
        )
    try:
        if interaction.response.is_done():
            await interaction.followup.send(message, ephemeral=True)
        else:
            await interaction.response.send_message(message, ephemeral=True)
    except discord.HTTPException:
        log.warning("could not deliver an error message for %s", error_id or type(error).__name__)
