"""Looking sources up: /search, /sources (paged), /source (autocomplete), /status."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot import formatting as fmt
from retrieval.search import resolve_publisher
from retrieval.store import ArticleRecord, Filters

if TYPE_CHECKING:
    from bot.client import ReadoutBot

SOURCES_PER_PAGE = 10


async def publisher_choices(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    """Suggest the indexed publishers whose name holds what was typed."""
    client: ReadoutBot = interaction.client  # type: ignore[assignment]
    publishers = await asyncio.to_thread(client.services.runtime.searcher.publishers)
    needle = current.casefold().strip()
    # A name over Discord's 100-character cap is clipped; the filter still finds it by its
    # start, as it finds "yomiuri" typed by hand.
    return [
        app_commands.Choice(name=fmt.clip(p, 100), value=p[:100])
        for p in publishers
        if needle in p.casefold()
    ][:25]


class Pager(discord.ui.View):
    """Previous / Next buttons over pre-rendered pages; only the asker may turn them."""

    def __init__(self, pages: list[fmt.Page], owner_id: int) -> None:
        super().__init__(timeout=600)
        self.pages = pages
        self.owner_id = owner_id
        self.index = 0
        self._sync_buttons()

    def _sync_buttons(self) -> None:
        self.previous.disabled = self.index == 0
        self.next.disabled = self.index >= len(self.pages) - 1

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        """Let only the user who asked turn the pages."""
        if interaction.user.id != self.owner_id:
            await interaction.response.send_message(
                "Run /sources yourself to browse.", ephemeral=True
            )
            return False
        return True

    async def _show(self, interaction: discord.Interaction) -> None:
        self._sync_buttons()
        await interaction.response.edit_message(embeds=self.pages[self.index].embeds, view=self)

    @discord.ui.button(label="◀ Previous", style=discord.ButtonStyle.secondary)
    async def previous(self, interaction: discord.Interaction, _: discord.ui.Button[Any]) -> None:
        """Show the previous page."""
        self.index = max(0, self.index - 1)
        await self._show(interaction)

    @discord.ui.button(label="Next ▶", style=discord.ButtonStyle.secondary)
    async def next(self, interaction: discord.Interaction, _: discord.ui.Button[Any]) -> None:
        """Show the next page."""
        self.index = min(len(self.pages) - 1, self.index + 1)
        await self._show(interaction)


def _source_pages(records: list[ArticleRecord], title: str) -> list[fmt.Page]:
    pages: list[fmt.Page] = []
    total = max(1, -(-len(records) // SOURCES_PER_PAGE))
    for n in range(total):
        part = records[n * SOURCES_PER_PAGE : (n + 1) * SOURCES_PER_PAGE]
        lines = [f"{fmt.source_line(r)} · {r.chunks} passages" for r in part]
        body = "\n".join(lines) or "Nothing is ingested yet. An admin can run /ingest."
        page = fmt.paginate(
            f"{title} ({n + 1}/{total})", body, [], f"{len(records)} articles", fmt.COLOR_ANSWER
        )
        pages.extend(page)
    return pages


class LibraryCog(commands.Cog):
    """Browse what is indexed."""

    def __init__(self, bot: ReadoutBot) -> None:
        self.bot = bot

    async def _records(self) -> list[ArticleRecord]:
        records = await asyncio.to_thread(self.bot.services.runtime.store.records)
        return sorted(records.values(), key=lambda r: (r.published, r.title), reverse=True)

    @app_commands.command(name="search")
    @app_commands.describe(query="Words or a question", publisher="Only this publisher")
    @app_commands.autocomplete(publisher=publisher_choices)
    async def search(
        self,
        interaction: discord.Interaction,
        query: app_commands.Range[str, 2, 300],
        publisher: str | None = None,
    ) -> None:
        """Show the passages that match a query (no answer is written)."""
        await interaction.response.defer(thinking=True, ephemeral=True)
        filters = Filters(publisher=publisher) if publisher else None
        passages = await self.bot.services.search(query, 5, filters)
        pages = fmt.passages_list_pages(f"Passages for: {query}", passages)
        for page in pages:
            await interaction.followup.send(embeds=page.embeds, ephemeral=True)

    @app_commands.command(name="sources")
    @app_commands.describe(publisher="Only this publisher")
    @app_commands.autocomplete(publisher=publisher_choices)
    async def sources(self, interaction: discord.Interaction, publisher: str | None = None) -> None:
        """List the ingested articles, newest first."""
        await interaction.response.defer(thinking=True, ephemeral=True)
        records = await self._records()
        if publisher:
            # "yomiuri" lists The Japan News (Yomiuri Shimbun); a name of no publisher is an
            # error naming those there are.
            searcher = self.bot.services.runtime.searcher
            publisher = resolve_publisher(publisher, await asyncio.to_thread(searcher.publishers))
            records = [r for r in records if r.publisher == publisher]
        pages = _source_pages(records, "Sources" + (f" from {publisher}" if publisher else ""))
        view = Pager(pages, interaction.user.id)
        if len(pages) > 1:
            await interaction.followup.send(embeds=pages[0].embeds, view=view, ephemeral=True)
        else:
            await interaction.followup.send(embeds=pages[0].embeds, ephemeral=True)

    @app_commands.command(name="source")
    @app_commands.describe(article="Start typing a title")
    async def source(self, interaction: discord.Interaction, article: str) -> None:
        """Show one article's details and its passages."""
        await interaction.response.defer(thinking=True, ephemeral=True)
        store = self.bot.services.runtime.store
        found = await asyncio.to_thread(store.get_article, article)
        if found is None:
            records = await self._records()
            match = next((r for r in records if r.title.lower() == article.lower()), None)
            found = await asyncio.to_thread(store.get_article, match.id) if match else None
        if found is None:
            await interaction.followup.send(
                fmt.content(f"No ingested article matches {article!r}; try /sources."),
                ephemeral=True,
            )
            return
        passages = await asyncio.to_thread(store.article_chunks, found.id)
        header = (
            f"**{fmt.sanitize(found.publisher) or 'unknown publisher'}** · "
            f"{found.published[:10] or 'undated'}\n{found.url or found.source}\n"
            f"{len(found.text):,} characters in {len(passages)} passages"
        )
        body = (
            header
            + "\n\n"
            + "\n\n".join(f"`[{p.start}:{p.end}]` {fmt.sanitize(p.text)}" for p in passages)
        )
        pages = fmt.paginate(found.title or found.id, body, [], found.id, fmt.COLOR_ANSWER)
        for page in pages:
            await interaction.followup.send(embeds=page.embeds, ephemeral=True)

    @source.autocomplete("article")
    async def source_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        """Suggest titles containing what was typed (value = article id)."""
        needle = current.lower().strip()
        records = await self._records()
        hits = [r for r in records if needle in r.title.lower() or needle in r.publisher.lower()]
        choices = []
        for r in hits:
            # Discord caps choice values at 100 characters; a longer id is matched by title.
            value = r.id if len(r.id) <= 100 else fmt.clip(r.title, 100)
            choices.append(app_commands.Choice(name=fmt.clip(r.title or r.id, 100), value=value))
            if len(choices) == 25:
                break
        return choices

    @app_commands.command(name="status")
    async def status(self, interaction: discord.Interaction) -> None:
        """Show what is indexed, the answer mode, the last ingest and uptime."""
        await interaction.response.defer(thinking=True, ephemeral=True)
        stats = await asyncio.to_thread(self.bot.services.status)
        hours, rest = divmod(stats["uptime_seconds"], 3600)
        embed = discord.Embed(title="Readout status", colour=fmt.COLOR_ANSWER)
        embed.add_field(name="Articles", value=str(stats["articles"]))
        embed.add_field(name="Passages", value=str(stats["chunks"]))
        span = f"{stats['earliest'] or '?'} → {stats['latest'] or '?'}"
        embed.add_field(name="Published", value=span)
        embed.add_field(
            name="Publishers",
            value=fmt.clip(
                fmt.sanitize(", ".join(stats["publishers"])) or "none", fmt.FIELD_VALUE_MAX
            ),
            inline=False,
        )
        embed.add_field(name="Answers", value=stats["llm"])
        embed.add_field(name="Uptime", value=f"{hours} h {rest // 60} min")
        embed.add_field(
            name="Last ingest", value=fmt.clip(stats["last_ingest"], 1024), inline=False
        )
        await interaction.followup.send(embed=embed, ephemeral=True)
