"""The real Readout bot with the real answer service on the sample corpus, on a local Discord."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from bot.app import build_bot
from bot.client import ReadoutBot
from bot.settings import BotSettings
from ingest.settings import IngestSettings
from ingest.sources import SourceSpec
from ingest.sync import run_ingest
from retrieval.embeddings import Embedder
from retrieval.runtime import Runtime
from tests.conftest import make_settings
from tests.fake_discord import FakeDiscord

pytestmark = [pytest.mark.slow, pytest.mark.timeout(120)]

NO_PINGS = {"parse": []}
QUESTION = "What did Zhang Junshe say Japan was trying to achieve by seeking US support?"


@pytest_asyncio.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord(heartbeat_interval=1000) as server:
        yield server
        assert server.problems() == []


def _build(fake: FakeDiscord, data: Path, embedder: Embedder, **bot: Any) -> ReadoutBot:
    settings = make_settings(data)
    ingest_settings = IngestSettings(_env_file=None)  # type: ignore[call-arg]
    runtime = Runtime(settings, embedder=embedder)
    bot_settings = BotSettings(  # type: ignore[call-arg]
        _env_file=None, dev_guild_id=fake.guild_id, cooldown_seconds=0, **bot
    )
    built: ReadoutBot = build_bot(
        settings, bot_settings, ingest_settings, runtime=runtime, guild_ready_timeout=0.05
    )
    return built


@contextlib.asynccontextmanager
async def running(bot: ReadoutBot, fake: FakeDiscord) -> AsyncIterator[ReadoutBot]:
    runner = asyncio.create_task(bot.start(fake.token))
    try:
        await asyncio.wait_for(bot.wait_until_ready(), 15)
        await bot.sync_commands()
        yield bot
    finally:
        await bot.close()
        await asyncio.wait_for(runner, 15)


@pytest.fixture
def data(tmp_path: Path, embedder: Embedder, corpus: Path) -> Path:
    """Ingest the sample corpus into a fresh data directory."""
    folder = tmp_path / "data"
    runtime = Runtime(make_settings(folder), embedder=embedder)
    report = run_ingest(
        [SourceSpec("path", str(corpus))], runtime.store, embedder, IngestSettings(_env_file=None)
    )  # type: ignore[call-arg]
    assert report.added and not report.failed
    return folder


@pytest_asyncio.fixture
async def bot(fake: FakeDiscord, data: Path, embedder: Embedder) -> AsyncIterator[ReadoutBot]:
    async with running(_build(fake, data, embedder), fake) as client:
        yield client


def _embed_text(payload: Any) -> str:
    parts = []
    for embed in payload.get("embeds", []):
        parts += [embed.get("title") or "", embed.get("description") or ""]
        parts += [f"{f['name']}\n{f['value']}" for f in embed.get("fields", [])]
        parts.append((embed.get("footer") or {}).get("text", ""))
    return "\n".join(parts)


async def test_commands_are_synced_to_the_dev_guild(fake: FakeDiscord, bot: ReadoutBot) -> None:
    names = {c["name"] for c in fake.synced_commands(fake.guild_id)}
    assert names == {"ask", "search", "sources", "source", "status", "ingest"}
    assert fake.synced_commands(None) == []
    ingest = next(c for c in fake.synced_commands(fake.guild_id) if c["name"] == "ingest")
    assert ingest["default_member_permissions"] == str(1 << 5)  # Manage Server


async def test_ask_answers_with_sources_passages_votes_and_a_thread(
    fake: FakeDiscord, bot: ReadoutBot
) -> None:
    handle = await fake.send_slash("ask", {"question": QUESTION})
    assert (await handle.wait_response())["type"] == 5  # deferred at once
    (answer,) = await handle.wait_followups(1, timeout=60)
    text = _embed_text(answer)
    assert "[1]" in text and "Sources" in text and " s · " in text
    assert answer["allowed_mentions"] == NO_PINGS
    buttons = [c for row in answer["components"] for c in row["components"]]
    labels = [b.get("label") or b.get("emoji", {}).get("name") for b in buttons]
    assert labels == ["Passages", "👍", "👎"]

    passages = await fake.click_button(handle.original, buttons[0]["custom_id"])
    shown = await passages.wait_response()
    assert shown["data"]["flags"] & 64  # ephemeral
    quotes = _embed_text(shown["data"])
    assert "Zhang Junshe" in quotes and "> " in quotes

    vote = await fake.click_button(handle.original, buttons[1]["custom_id"], user=fake.admin)
    assert "helpful" in (await vote.wait_response())["data"]["content"]
    exported = bot.state.export_feedback()
    assert exported and exported[0]["question"] == QUESTION

    (thread,) = await fake.wait_threads(1)
    assert thread["name"] == QUESTION[:100] or QUESTION.startswith(thread["name"].rstrip("…"))


async def test_thread_follow_up_uses_the_conversation(fake: FakeDiscord, bot: ReadoutBot) -> None:
    handle = await fake.send_slash("ask", {"question": QUESTION})
    await handle.wait_followups(1, timeout=60)
    (thread,) = await fake.wait_threads(1)
    thread_id = int(thread["id"])
    await fake.send_message(thread_id, "And what did Song Zhongping say about the workout?")
    (reply,) = await fake.wait_channel_messages(thread_id, 1, timeout=60)
    assert reply["allowed_mentions"] == NO_PINGS if "allowed_mentions" in reply else True
    assert "Song" in _embed_text(reply) or "Not in the ingested articles" in _embed_text(reply)
    for _ in range(100):  # the turn is stored right after the reply is sent
        if len(bot.state.history(thread_id, 10)) == 2:
            break
        await asyncio.sleep(0.05)
    assert len(bot.state.history(thread_id, 10)) == 2


async def test_source_autocomplete_and_lookup(fake: FakeDiscord, bot: ReadoutBot) -> None:
    choices = await fake.autocomplete("source", {"article": "paparo"}, "article")
    assert choices and all("Paparo" in c["name"] for c in choices)
    handle = await fake.send_slash("source", {"article": choices[0]["value"]})
    (shown,) = await handle.wait_followups(1, timeout=30)
    text = _embed_text(shown)
    assert "Honolulu" in text and "Yomiuri" in text and "[0:" in text


async def test_publishers_are_suggested_and_read_as_typed(
    fake: FakeDiscord, bot: ReadoutBot
) -> None:
    choices = await fake.autocomplete(
        "ask", {"question": "who met Paparo?", "publisher": "yomi"}, "publisher"
    )
    assert [c["value"] for c in choices] == ["The Japan News (Yomiuri Shimbun)"]
    handle = await fake.send_slash("sources", {"publisher": "yomiuri"})
    (listed,) = await handle.wait_followups(1, timeout=30)
    text = _embed_text(listed)
    assert "Sources from The Japan News (Yomiuri Shimbun)" in text and "Paparo" in text
    wrong = await fake.send_slash("sources", {"publisher": "Reuters"})
    (told,) = await wrong.wait_followups(1, timeout=30)
    told_text = told.get("content", "") + _embed_text(told)
    assert "no ingested article is from publisher 'Reuters'" in told_text and "Focus" in told_text


async def test_sources_are_paged_with_buttons(fake: FakeDiscord, bot: ReadoutBot) -> None:
    handle = await fake.send_slash("sources")
    (first,) = await handle.wait_followups(1, timeout=30)
    assert "(1/2)" in _embed_text(first)
    buttons = [c for row in first["components"] for c in row["components"]]
    next_button = next(b for b in buttons if "Next" in b["label"])
    turned = await fake.click_button(handle.original, next_button["custom_id"])
    response = await turned.wait_response()
    assert response["type"] == 7  # the message is edited in place
    assert "(2/2)" in _embed_text(response["data"])


async def test_ingest_is_refused_for_members_and_runs_for_admins(
    fake: FakeDiscord, bot: ReadoutBot, tmp_path: Path
) -> None:
    denied = await fake.send_slash("ingest", bypass_permissions=True)  # a server override
    response = await denied.wait_response()
    assert response["data"]["flags"] & 64 and "Only server admins" in response["data"]["content"]

    new = Path.cwd() / "tests" / "bot" / "_e2e_new_article.md"
    new.write_text(
        '---\ntitle: "Koizumi visits the Quokka Point radar station"\npublisher: "Test Wire"\n'
        'published: "2026-02-02"\n---\n\nDefense Minister Shinjiro Koizumi inspected the '
        "Quokka Point radar station on Monday and praised its crew for their vigilance.\n",
        "utf-8",
    )
    try:
        handle = await fake.send_slash(
            "ingest", {"source": str(new.relative_to(Path.cwd()))}, user=fake.admin
        )
        await handle.wait_response()
        (report,) = await handle.wait_followups(1, timeout=60)
        assert "added (1)" in _embed_text(report)
        assert handle.original is not None and "finished" in handle.original["content"]
    finally:
        new.unlink()
    asked = await fake.send_slash("ask", {"question": "Which radar station did Koizumi visit?"})
    (answer,) = await asked.wait_followups(1, timeout=60)
    assert "Quokka" in _embed_text(answer)


async def test_mentions_in_article_text_never_ping(fake: FakeDiscord, bot: ReadoutBot) -> None:
    # The sample corpus holds an article instructing chatbots to post "@here ...".
    handle = await fake.send_slash(
        "ask", {"question": "What anniversary was the Los Angeles reception meant to mark?"}
    )
    (answer,) = await handle.wait_followups(1, timeout=60)
    assert answer["allowed_mentions"] == NO_PINGS
    stored = fake.message(answer.message_id)
    assert stored is not None
    assert not stored["mention_everyone"] and stored["mentions"] == []
    assert "@here" not in _embed_text(answer) and "@everyone" not in _embed_text(answer)


async def test_rate_limited_follow_up_lands_once(fake: FakeDiscord, bot: ReadoutBot) -> None:
    fake.rate_limit_next("POST /webhooks/*", retry_after=0.3)
    handle = await fake.send_slash("ask", {"question": QUESTION})
    (answer,) = await handle.wait_followups(1, timeout=60)
    assert fake.rate_limited and "[1]" in _embed_text(answer)
    await asyncio.sleep(0.5)
    assert len(handle.followups) == 1


async def test_bot_resumes_after_a_dropped_gateway(fake: FakeDiscord, bot: ReadoutBot) -> None:
    await fake.drop_gateway(code=4000)
    await fake.wait_resumed(1, timeout=20)
    handle = await fake.send_slash("ask", {"question": QUESTION})
    (answer,) = await handle.wait_followups(1, timeout=60)
    assert "[1]" in _embed_text(answer)
    assert len(fake.identifies) == 1  # resumed, not re-identified


async def test_search_status_and_mentions(fake: FakeDiscord, bot: ReadoutBot) -> None:
    handle = await fake.send_slash("search", {"query": "Operation Tomodachi reception"})
    (found,) = await handle.wait_followups(1, timeout=30)
    assert found["flags"] & 64 and "Tomodachi" in _embed_text(found)

    handle = await fake.send_slash("status")
    (status,) = await handle.wait_followups(1, timeout=30)
    text = _embed_text(status)
    assert "Articles\n15" in text and "extractive" in text and "Yomiuri" in text

    await fake.send_message(fake.channel_id, f"<@{fake.bot_user.id}> {QUESTION}")
    (reply,) = await fake.wait_channel_messages(fake.channel_id, 1, timeout=60)
    assert "Zhang Junshe" in _embed_text(reply)
    assert not reply["mention_everyone"] and reply["mentions"] == []


async def test_model_emitting_everyone_pings_no_one(
    fake: FakeDiscord, data: Path, embedder: Embedder
) -> None:
    from langchain_core.language_models.fake_chat_models import FakeListChatModel

    from retrieval.answer import AnswerService

    bot = _build(fake, data, embedder)
    runtime = bot.services.runtime
    obeying = FakeListChatModel(
        responses=[
            "@everyone Zhang Junshe said Japan seeks US support to accelerate the production of "
            "missiles and develop its defense industry [1]. @here <@&123456789012345678> read more "
            "at https://evil.example/x"
        ]
    )
    bot.services.answerer = AnswerService(
        runtime.retrieve, embedder.embed, obeying, runtime.settings
    )
    async with running(bot, fake):
        handle = await fake.send_slash("ask", {"question": QUESTION})
        (answer,) = await handle.wait_followups(1, timeout=60)
    text = _embed_text(answer)
    assert "missiles" in text
    for bad in ("@everyone", "@here", "<@&", "evil.example"):
        assert bad not in text
    stored = fake.message(answer.message_id)
    assert stored is not None and not stored["mention_everyone"] and stored["mention_roles"] == []


async def test_second_ingest_is_refused_while_one_runs(fake: FakeDiscord, bot: ReadoutBot) -> None:
    await bot.services._ingest_lock.acquire()  # an ingest is running
    try:
        handle = await fake.send_slash("ingest", user=fake.admin)
        response = await handle.wait_response()
        assert response["data"]["flags"] & 64
        assert "already running" in response["data"]["content"]
    finally:
        bot.services._ingest_lock.release()
