"""Answers, passages and lists as Discord payloads that always fit Discord's limits.

Limits (discord.com/developers/docs/resources/message#embed-object-embed-limits): content 2000,
embed title 256, description 4096, 25 fields of name 256 / value 1024, footer 2048, 6000
characters across all embeds of a message, 10 embeds. Anything longer is split into pages,
never rejected.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import discord

from retrieval.models import Answer, Citation, Passage
from retrieval.store import ArticleRecord

CONTENT_MAX = 2000
TITLE_MAX = 256
DESCRIPTION_MAX = 4096
FIELD_NAME_MAX = 256
FIELD_VALUE_MAX = 1024
FIELDS_MAX = 25
FOOTER_MAX = 2048
MESSAGE_EMBED_TOTAL = 6000
EMBEDS_MAX = 10
# A page's embeds stay below the total with room for footers added later ("page 2/3").
PAGE_BUDGET = 5500

COLOR_ANSWER = discord.Colour.blurple()
COLOR_ABSTAIN = discord.Colour.light_grey()

_CHANNEL_MENTION = re.compile(r"<#(\d+)>")
_MASKED_LINK = re.compile(r"\[([^\]]*)\]\((<)?(https?://[^)\s>]+)(>)?\)")


def sanitize(text: str) -> str:
    """Neutralise mentions and links a model or an article could smuggle into a reply."""
    text = discord.utils.escape_mentions(text)
    text = _CHANNEL_MENTION.sub("#\u200b\\1", text)
    # Masked links could disguise a destination; show the words only.
    text = _MASKED_LINK.sub(r"\1", text)
    return text


def clip(text: str, limit: int) -> str:
    """Return ``text`` cut to ``limit`` characters with an ellipsis when cut."""
    return text if len(text) <= limit else text[: max(0, limit - 1)].rstrip() + "…"


def split_text(text: str, limit: int) -> list[str]:
    """Split ``text`` into pieces of at most ``limit`` characters at paragraph or word ends."""
    pieces: list[str] = []
    rest = text.strip()
    while len(rest) > limit:
        cut = -1
        for sep in ("\n\n", "\n", ". ", " "):
            cut = rest.rfind(sep, limit // 2, limit)
            if cut > 0:
                cut += len(sep) if sep != "\n\n" else 0
                break
        if cut <= 0:
            cut = limit
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        pieces.append(rest)
    return pieces or [""]


def _date(published: str) -> str:
    return published[:10] if published else "undated"


def source_line(c: Citation | Passage | ArticleRecord, n: int | None = None) -> str:
    """Return "[n] title — publisher, date" with the title linked to the article url."""
    fallback = c.id if isinstance(c, ArticleRecord) else c.article_id
    title = sanitize(clip(c.title or fallback, 200)).replace("[", "(").replace("]", ")")
    label = f"[{title}](<{c.url}>)" if c.url.startswith(("http://", "https://")) else title
    prefix = f"[{n}] " if n is not None else ""
    publisher = sanitize(clip(c.publisher, 100)) or "unknown publisher"
    return f"{prefix}{label} — {publisher}, {_date(c.published)}"


def _fields(name: str, lines: Iterable[str]) -> list[tuple[str, str]]:
    """Pack lines into as few fields as fit (value ≤ 1024), continuing the name."""
    fields: list[tuple[str, str]] = []
    current = ""
    for line in lines:
        line = clip(line, FIELD_VALUE_MAX)
        if current and len(current) + 1 + len(line) > FIELD_VALUE_MAX:
            fields.append((name if not fields else f"{name} (cont.)", current))
            current = line
        else:
            current = f"{current}\n{line}" if current else line
    if current:
        fields.append((name if not fields else f"{name} (cont.)", current))
    return fields


@dataclass(slots=True)
class Page:
    """One message: its embeds, within every limit."""

    embeds: list[discord.Embed]


def paginate(
    title: str,
    body: str,
    fields: list[tuple[str, str]],
    footer: str,
    colour: discord.Colour,
) -> list[Page]:
    """Lay out a body and fields over as many embeds and messages as the limits need."""
    title = clip(title, TITLE_MAX)
    chunks = split_text(body, DESCRIPTION_MAX)
    embeds: list[discord.Embed] = []
    for i, chunk in enumerate(chunks):
        embeds.append(
            discord.Embed(title=title if i == 0 else None, description=chunk, colour=colour)
        )
    for name, value in fields:
        last = embeds[-1]
        if len(last.fields) >= FIELDS_MAX or len(last) + len(name) + len(value) > PAGE_BUDGET:
            last = discord.Embed(colour=colour)
            embeds.append(last)
        last.add_field(name=clip(name, FIELD_NAME_MAX), value=value, inline=False)
    pages: list[Page] = []
    current: list[discord.Embed] = []
    size = 0
    for embed in embeds:
        if current and (len(current) >= EMBEDS_MAX or size + len(embed) > PAGE_BUDGET):
            pages.append(Page(current))
            current, size = [], 0
        current.append(embed)
        size += len(embed)
    if current:
        pages.append(Page(current))
    total = len(pages)
    for number, page in enumerate(pages, 1):
        text = footer if total == 1 else f"{footer} · page {number}/{total}"
        # The footer is clipped well below FOOTER_MAX so it fits the margin left by PAGE_BUDGET.
        page.embeds[-1].set_footer(text=clip(text, 200))
    return pages


def answer_pages(answer: Answer, *, elapsed: float, mode: str) -> list[Page]:
    """Return the answer as messages: text with [n], a Sources field, a footer with the time."""
    footer = f"{elapsed:.1f} s · {mode}"
    if answer.abstained:
        closest = [source_line(p) for p in answer.passages[:5]]
        fields = _fields("Closest passages", closest) if closest else []
        return paginate(
            "Not in the ingested articles", sanitize(answer.text), fields, footer, COLOR_ABSTAIN
        )
    lines = [source_line(c, c.n) for c in sorted(answer.citations, key=lambda c: c.n)]
    return paginate(
        clip(sanitize(answer.question), TITLE_MAX),
        sanitize(answer.text),
        _fields("Sources", lines),
        footer,
        COLOR_ANSWER,
    )


def passage_pages(answer: Answer) -> list[Page]:
    """Return the quoted passages behind each [n], for the Passages button."""
    blocks = []
    for c in sorted(answer.citations, key=lambda c: c.n):
        quote = "\n".join(f"> {line}" for line in sanitize(c.quote).splitlines() if line.strip())
        blocks.append(f"**{source_line(c, c.n)}**\n{quote}")
    body = "\n\n".join(blocks) or "This answer cites no passages."
    return paginate("Passages", body, [], f"{len(answer.citations)} passages", COLOR_ANSWER)


def passages_list_pages(title: str, passages: list[Passage]) -> list[Page]:
    """Return search results as pages: each passage under its source line."""
    blocks = [
        f"**{source_line(p, i)}**\n" + clip(sanitize(p.text), 900)
        for i, p in enumerate(passages, 1)
    ]
    body = "\n\n".join(blocks) or "No passages match."
    return paginate(
        clip(sanitize(title), TITLE_MAX), body, [], f"{len(passages)} passages", COLOR_ANSWER
    )


def content(text: str) -> str:
    """Return plain message content, sanitised and within 2000 characters."""
    return clip(sanitize(text), CONTENT_MAX)
