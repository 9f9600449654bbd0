"""/ask, its Passages and vote buttons, and follow-up questions in the answer's thread."""

from __future__ import annotations

import logging
import re
import time
from datetime import date
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot import formatting as fmt
from bot.cogs.library import publisher_choices
from bot.errors import describe
from bot.services import Ticket
from retrieval.errors import ReadoutError
from retrieval.models import Answer
from retrieval.store import Filters

if TYPE_CHECKING:
    from bot.client import ReadoutBot

log = logging.getLogger(__name__)

_KEY = r"(?P<key>[0-9a-f]{16})"


def _check_date(value: str | None, name: str) -> str | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value.strip()).isoformat()
    except ValueError:
        raise ReadoutError(f"{name} must be a date like 2026-01-15, not {value!r}") from None


class PassagesButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=f"ro:p:{_KEY}"):
    """Show the quoted passages behind each [n], only to the user who clicks."""

    def __init__(self, key: str) -> None:
        super().__init__(
            discord.ui.Button(
                label="Passages", style=discord.ButtonStyle.secondary, custom_id=f"ro:p:{key}"
            )
        )
        self.key = key

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> PassagesButton:
        """Rebuild the button from its custom id (works after a restart)."""
        return cls(match["key"])

    async def callback(self, interaction: discord.Interaction) -> None:
        """Send the passages ephemerally."""
        bot: ReadoutBot = interaction.client  # type: ignore[assignment]
        answer = bot.state.get_answer(self.key)
        if answer is None:
            await interaction.response.send_message(
                "That answer is no longer stored; ask again.", ephemeral=True
            )
            return
        pages = fmt.passage_pages(answer)
        await interaction.response.send_message(embeds=pages[0].embeds, ephemeral=True)
        for page in pages[1:]:
            await interaction.followup.send(embeds=page.embeds, ephemeral=True)


class VoteButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]], template=f"ro:v:(?P<up>[01]):{_KEY}"
):
    """Record 👍 or 👎 for an answer."""

    def __init__(self, key: str, up: bool) -> None:
        super().__init__(
            discord.ui.Button(
                emoji="👍" if up else "👎",
                style=discord.ButtonStyle.secondary,
                custom_id=f"ro:v:{int(up)}:{key}",
            )
        )
        self.key = key
        self.up = up

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> VoteButton:
        """Rebuild the button from its custom id."""
        return cls(match["key"], match["up"] == "1")

    async def callback(self, interaction: discord.Interaction) -> None:
        """Store the vote and thank the user privately."""
        bot: ReadoutBot = interaction.client  # type: ignore[assignment]
        if bot.state.get_answer(self.key) is None:
            await interaction.response.send_message(
                "That answer is no longer stored.", ephemeral=True
            )
            return
        bot.state.vote(self.key, interaction.user.id, self.up)
        await interaction.response.send_message(
            "Thanks — noted as helpful." if self.up else "Thanks — noted; we'll look into it.",
            ephemeral=True,
        )


def register_dynamic_items(bot: commands.Bot) -> None:
    """Let buttons on old messages keep working after a restart."""
    bot.add_dynamic_items(PassagesButton, VoteButton)


def answer_view(key: str) -> discord.ui.View:
    """Return the buttons under an answer."""
    view = discord.ui.View(timeout=None)
    view.add_item(PassagesButton(key))
    view.add_item(VoteButton(key, True))
    view.add_item(VoteButton(key, False))
    return view


class AskCog(commands.Cog):
    """Questions and answers."""

    def __init__(self, bot: ReadoutBot) -> None:
        self.bot = bot

    async def _answer(
        self,
        ticket: Ticket,
        question: str,
        filters: Filters | None,
        history: list[tuple[str, str]] | None = None,
    ) -> tuple[Answer, list[fmt.Page], str, float]:
        began = time.perf_counter()
        services = self.bot.services
        answer = await ticket.run(lambda: services.answer(question, filters, history))
        elapsed = time.perf_counter() - began
        key = self.bot.state.save_answer(answer)
        pages = fmt.answer_pages(answer, elapsed=elapsed, mode=services.llm_mode)
        return answer, pages, key, elapsed

    @app_commands.command(name="ask")
    @app_commands.describe(
        question="What you want to know",
        publisher="Only articles from this publisher",
        after="Only articles published on or after this date (YYYY-MM-DD)",
        before="Only articles published on or before this date (YYYY-MM-DD)",
        private="Only you see the answer (no thread)",
    )
    @app_commands.autocomplete(publisher=publisher_choices)
    async def ask(
        self,
        interaction: discord.Interaction,
        question: app_commands.Range[str, 3, 500],
        publisher: str | None = None,
        after: str | None = None,
        before: str | None = None,
        private: bool = False,
    ) -> None:
        """Answer a question from the ingested articles, citing the passages."""
        filters = Filters(
            publisher=publisher,
            after=_check_date(after, "after"),
            before=_check_date(before, "before"),
        )
        # Reserve a place before deferring, so a busy user is told at once, ephemerally.
        ticket = self.bot.gate.admit(interaction.user.id)
        try:
            await interaction.response.defer(thinking=True, ephemeral=private)
        except BaseException:
            ticket.release()
            raise
        answer, pages, key, _ = await self._answer(
            ticket, question, None if filters.is_empty() else filters
        )
        view = answer_view(key)
        message = await interaction.followup.send(
            embeds=pages[0].embeds,
            view=view if len(pages) == 1 else discord.utils.MISSING,
            ephemeral=private,
            wait=True,
        )
        for i, page in enumerate(pages[1:], 2):
            await interaction.followup.send(
                embeds=page.embeds,
                ephemeral=private,
                view=view if i == len(pages) else discord.utils.MISSING,
            )
        if not private and isinstance(interaction.channel, discord.TextChannel):
            await self._open_thread(interaction.channel, message, question, answer)

    async def _open_thread(
        self,
        channel: discord.TextChannel,
        message: discord.Message,
        question: str,
        answer: Answer,
    ) -> None:
        try:
            # A follow-up is a webhook message without guild info: start the thread from the
            # channel, on that message.
            thread = await channel.create_thread(
                name=fmt.clip(question, 100),
                message=discord.Object(message.id),
                auto_archive_duration=1440,
            )
        except discord.HTTPException as exc:
            # Missing "Create Public Threads" must not spoil the answer that was just given.
            log.warning("could not open a thread: %s", exc)
            return
        self.bot.state.add_turn(thread.id, question, answer.text)

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        """Answer follow-ups in an /ask thread, and messages that mention the bot."""
        if message.author.bot or not self.bot.user or not self.bot.settings.message_content:
            return
        in_thread = isinstance(message.channel, discord.Thread) and self.bot.state.is_conversation(
            message.channel.id
        )
        mentioned = self.bot.user in message.mentions
        if not (in_thread or mentioned):
            return
        question = re.sub(rf"<@!?{self.bot.user.id}>", "", message.content).strip()
        if len(question) < 3:
            return
        history = (
            self.bot.state.history(message.channel.id, self.bot.settings.history_turns)
            if in_thread
            else None
        )
        try:
            ticket = self.bot.gate.admit(message.author.id)
            async with message.channel.typing():
                answer, pages, key, _ = await self._answer(ticket, question, None, history)
        except Exception as exc:
            text, error_id = describe(exc)
            if error_id is not None:
                log.error("error %s answering a message", error_id, exc_info=exc)
            await message.reply(fmt.content(text), mention_author=False)
            return
        view = answer_view(key)
        for i, page in enumerate(pages, 1):
            await message.reply(
                embeds=page.embeds,
                view=view if i == len(pages) else discord.utils.MISSING,
                mention_author=False,
            )
        if in_thread:
            self.bot.state.add_turn(message.channel.id, question, answer.text)
