"""Load, timeouts and secrets: 50 concurrent /ask, a hung model, and canaries in every output."""

from __future__ import annotations

import asyncio
import logging
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from retrieval.errors import LLMError
from retrieval.models import Answer
from retrieval.store import Filters
from tests.bot.test_bot_e2e import QUESTION, _build, _embed_text, data, fake, running  # noqa: F401
from tests.conftest import ROOT, free_port
from tests.fake_discord import FakeDiscord

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

TOKEN_CANARY = "fake-token-canary-5d1e"
KEY_CANARY = "sk-canary-key-9b7c"


async def test_fifty_concurrent_asks_are_all_acknowledged_and_answered_once(
    fake: FakeDiscord,  # noqa: F811
    data: Path,  # noqa: F811
    embedder,  # type: ignore[no-untyped-def]
) -> None:
    users = [fake.add_user(f"user{i}") for i in range(50)]
    bot = _build(fake, data, embedder, max_concurrent_answers=2, max_queued_answers=8)

    async def wave() -> float:
        """Send 50 concurrent /ask, check every outcome, return the peak RSS (MiB) meanwhile."""
        peak = _rss_mb()
        handles = await asyncio.gather(
            *(fake.send_slash("ask", {"question": QUESTION}, user=u) for u in users)
        )
        responses = await asyncio.gather(*(h.wait_response(timeout=10) for h in handles))
        # Every interaction was acknowledged in time: the fake records a late one as a problem.
        assert all(r["type"] in (4, 5) for r in responses)
        busy = [h for h, r in zip(handles, responses, strict=True) if r["type"] == 4]
        answered = [h for h, r in zip(handles, responses, strict=True) if r["type"] == 5]
        for handle in busy:
            data_ = handle.response["data"]  # type: ignore[index]
            assert (
                data_["flags"] & 64
                and "busy" in data_["content"]
                and "try again in" in data_["content"]
            )
        assert 2 <= len(answered) <= 10  # two running plus at most eight queued
        for handle in answered:
            (answer,) = await handle.wait_followups(1, timeout=120)
            assert "[1]" in _embed_text(answer)
            peak = max(peak, _rss_mb())
        await asyncio.sleep(0.3)
        assert all(len(h.followups) == 1 for h in answered)  # nothing answered twice
        assert all(len(h.followups) == 0 for h in busy)
        assert len(busy) + len(answered) == 50  # nothing lost
        return max(peak, _rss_mb())

    async with running(bot, fake):
        first = await wave()
        second = await wave()
    # Memory is bounded: the gate turns the overflow away instead of queueing it, so a second
    # wave of 50 needs no more memory than the first (a leak or an unbounded queue would grow).
    assert second - first < 64, (first, second)


def _rss_mb() -> float:
    """Return this process's resident set size in MiB (Linux /proc)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS in /proc/self/status")


class _Hung:
    """An answerer that never finishes in time, like a stuck LLM server."""

    def answer(
        self, question: str, filters: Filters | None = None, history: object = None
    ) -> Answer:
        time.sleep(3)
        raise AssertionError("should have been abandoned")


async def test_hung_model_times_out_cleanly_and_says_so(
    fake: FakeDiscord,  # noqa: F811
    data: Path,  # noqa: F811
    embedder,  # type: ignore[no-untyped-def]
) -> None:
    bot = _build(fake, data, embedder)
    bot.services.answerer = _Hung()
    bot.services.answer_timeout = 0.5
    async with running(bot, fake):
        handle = await fake.send_slash("ask", {"question": QUESTION})
        await handle.wait_response()
        (message,) = await handle.wait_followups(1, timeout=10)
        assert message["flags"] & 64
        assert "longer than 0.5 s" in message["content"]
    assert issubclass(LLMError, Exception)


async def test_secrets_never_appear_in_logs_replies_or_errors(
    data: Path,  # noqa: F811
    embedder,  # type: ignore[no-untyped-def]
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv("READOUT_DISCORD_TOKEN", TOKEN_CANARY)
    monkeypatch.setenv("READOUT_OPENAI_API_KEY", KEY_CANARY)
    async with FakeDiscord(token=TOKEN_CANARY, heartbeat_interval=1000) as server:
        bot = _build(server, data, embedder)
        bot.services.answerer = _Failing()
        async with running(bot, server):
            handle = await server.send_slash("ask", {"question": QUESTION})
            await handle.wait_response()
            (message,) = await handle.wait_followups(1, timeout=10)
            assert "error id" in message["content"]
        sent = " ".join(str(p) for p in server.requests)
    assert TOKEN_CANARY not in caplog.text and KEY_CANARY not in caplog.text
    assert KEY_CANARY not in sent and KEY_CANARY not in message["content"]

    # The CLI, pointed at a dead OpenAI endpoint, fails clearly without echoing the key.
    env = {
        **os.environ,
        "READOUT_DATA_DIR": str(data),
        "READOUT_LLM": "openai",
        "READOUT_OPENAI_BASE_URL": f"http://127.0.0.1:{free_port()}/v1",
        "READOUT_OPENAI_API_KEY": KEY_CANARY,
        "READOUT_LOG_LEVEL": "DEBUG",
    }
    result = subprocess.run(
        [str(Path(sys.executable).with_name("readout")), "ask", QUESTION],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=300,
        check=False,
    )
    assert result.returncode == 2 and "language model failed" in result.stderr
    assert KEY_CANARY not in result.stdout + result.stderr


class _Failing:
    """An answerer that fails with the secret in its exception, as a careless library might."""

    def answer(
        self, question: str, filters: Filters | None = None, history: object = None
    ) -> Answer:
        raise RuntimeError(f"upstream said: bad key {KEY_CANARY} for token {TOKEN_CANARY}")
