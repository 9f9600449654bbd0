"""The answer gate, the bot's state, admin checks and error messages, without Discord."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.cogs.admin import resolve_source
from bot.errors import NotAdmin, describe
from bot.services import AnswerGate
from bot.settings import BotSettings
from bot.state import BotState
from retrieval.errors import BusyError, ConfigError, StoreError
from retrieval.models import Answer, Citation, Passage


def _answer(text: str = "Zhang said so [1].") -> Answer:
    passage = Passage(
        chunk_id="a:0",
        article_id="a",
        text="Zhang said so.",
        start=0,
        end=14,
        score=1.0,
        title="T",
        source="examples/corpus/x.md",
    )
    cite = Citation(
        n=1,
        article_id="a",
        chunk_id="a:0",
        title="T",
        publisher="P",
        published="2026-01-16",
        url="",
        quote="Zhang said so.",
        start=0,
        end=14,
    )
    return Answer(
        question="What did Zhang say?",
        text=text,
        citations=[cite],
        abstained=False,
        passages=[passage],
    )


async def test_gate_cooldown_and_queue() -> None:
    now = [100.0]
    gate = AnswerGate(cooldown=10, concurrent=1, queued=1, clock=lambda: now[0])
    release = asyncio.Event()

    async def slow() -> Answer:
        await release.wait()
        return _answer()

    first = asyncio.create_task(gate.run(1, slow))
    await asyncio.sleep(0)
    second = asyncio.create_task(gate.run(2, slow))  # queued behind the first
    await asyncio.sleep(0)
    with pytest.raises(BusyError, match="busy") as busy:
        gate.check(3)  # one running, one queued: full
    assert busy.value.retry_after >= 1
    with pytest.raises(BusyError, match="try again in 10 s"):
        gate.check(1)  # the same user within the cooldown
    release.set()
    assert (await first).text and (await second).text
    now[0] += 11
    gate.check(1)  # cooled down, and the queue is empty again


def test_state_roundtrip_votes_threads_and_export(tmp_path: Path) -> None:
    state = BotState(tmp_path / "bot.sqlite3")
    key = state.save_answer(_answer())
    restored = state.get_answer(key)
    assert restored is not None and restored.citations[0].quote == "Zhang said so."
    assert state.get_answer("0" * 16) is None
    # Discord-sized ids: a two-digit id could turn up by chance inside the export's hex ids.
    alice, bob = 987654321012345678, 987654321012345679
    state.vote(key, alice, True)
    state.vote(key, alice, False)  # a change of mind replaces the vote
    state.vote(key, bob, False)
    state.add_turn(7, "q1", "a1")
    state.add_turn(7, "q2", "a2")
    assert state.history(7, 1) == [("q2", "a2")] and state.is_conversation(7)
    assert not state.is_conversation(8)
    cases = state.export_feedback()
    assert len(cases) == 1 and cases[0]["question"] == "What did Zhang say?"
    assert cases[0]["type"] == "needs_review"  # two 👎 of two votes
    assert str(alice) not in str(cases) and str(bob) not in str(cases)
    assert state.user_hash(alice) != state.user_hash(bob)
    state.close()
    again = BotState(tmp_path / "bot.sqlite3")  # the salt survives a restart
    assert again.get_answer(key) is not None


def test_resolve_source_keeps_discord_inside_the_working_directory(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="inside"):
        resolve_source("../../etc/passwd", tmp_path / "sources.yaml")
    with pytest.raises(ConfigError, match="does not exist"):
        resolve_source(None, tmp_path / "missing.yaml")
    specs, prune = resolve_source("https://example.com/a", tmp_path / "sources.yaml")
    assert specs[0].kind == "url" and not prune


def test_error_messages() -> None:
    assert "try again in" in describe(BusyError("busy; try again in 3 s", 3))[0]
    assert "admins" in describe(NotAdmin())[0]
    message, error_id = describe(StoreError("cannot reach the Chroma server"))
    assert "Chroma" in message and error_id is None
    message, error_id = describe(RuntimeError("secret internals"))
    assert error_id and error_id in message and "secret internals" not in message


def test_admin_ids_from_env_string() -> None:
    settings = BotSettings(_env_file=None, admin_ids="123, 456")  # type: ignore[call-arg]
    assert settings.admin_ids == [123, 456]


def test_admin_ids_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("READOUT_ADMIN_IDS", "11, 22")
    assert BotSettings(_env_file=None).admin_ids == [11, 22]  # type: ignore[call-arg]
    monkeypatch.setenv("READOUT_ADMIN_IDS", "")
    assert BotSettings(_env_file=None).admin_ids == []  # type: ignore[call-arg]


@pytest.mark.parametrize(("llm", "running", "waiting"), [("extractive", 3, 5), ("local", 1, 7)])
def test_one_local_model_answers_one_question_at_a_time(
    tmp_path: Path, llm: str, running: int, waiting: int
) -> None:
    from bot.app import build_bot
    from ingest.settings import IngestSettings
    from tests.conftest import make_settings

    bot_settings = BotSettings(  # type: ignore[call-arg]
        _env_file=None, max_concurrent_answers=3, max_queued_answers=5
    )
    bot = build_bot(
        make_settings(tmp_path / "data", llm=llm),
        bot_settings,
        IngestSettings(_env_file=None),  # type: ignore[call-arg]
    )
    # A second answer admitted beside the first would spend its timeout waiting for the model
    # lock; it waits in the queue instead, and no more users are turned away than before.
    assert (bot.gate.concurrent, bot.gate.queued) == (running, waiting)
