"""Answers: ``/ask`` end to end through the local fake Discord, many users at once, per LLM backend.

The real bot (``bot.app.build_bot`` with default limits) logs in to the fake Discord of
``tests/fake_discord`` on 127.0.0.1, on the sample corpus. Each repeat, ``users`` different users
send ``/ask`` with different dev-set questions at the same moment; per interaction we take the
time from sending it to the fake receiving the interaction response (the acknowledgement: a
"thinking" defer, or an immediate "busy" reply) and to the fake receiving the answer follow-up.
The answer service's own stage timings (``Answer.timings``) are collected by wrapping the bot's
answerer, without changing product code.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shutil
import statistics
import tempfile
import time
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.common import CORPUS, DEV_QUESTIONS, forget_clients, percentile, spread
from bot.app import build_bot
from bot.client import ReadoutBot
from bot.settings import BotSettings
from ingest.settings import IngestSettings
from ingest.sources import SourceSpec
from ingest.sync import run_ingest
from retrieval.embeddings import Embedder
from retrieval.evaluation import load_questions
from retrieval.models import Answer
from retrieval.runtime import Runtime
from retrieval.settings import RetrievalSettings
from tests.fake_discord import FakeDiscord, FakeUser

log = logging.getLogger(__name__)

BACKENDS = ("extractive", "local")
USERS = 20
STAGES = ("retrieve", "generate", "verify", "total")
# Discord drops an interaction not acknowledged within 3 s; waiting a little longer tells a late
# acknowledgement (rejected by the fake, as by Discord) from a missing one.
ACK_WAIT = 10.0
# Generous: with the local model, the last of ten queued answers waits for nine generations.
ANSWER_WAIT = 600.0
APPROXIMATION = (
    "Fake Discord on 127.0.0.1 in the bot's own process and event loop: no network latency, no "
    "Discord-side queueing; the fake's REST and gateway work competes with the bot for the same "
    "2 cores and the same event loop, which real Discord does not."
)


class TimingAnswerer:
    """Wrap the bot's answerer and keep each answer's stage timings, keyed by question."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.timings: dict[str, dict[str, float]] = {}
        self.abstained: dict[str, bool] = {}

    def answer(
        self, question: str, filters: object | None = None, *, history: Sequence[Any] = ()
    ) -> Answer:
        """Answer through the wrapped service and record ``Answer.timings``."""
        answer: Answer = self.inner.answer(question, filters, history=history)
        # Runs in a worker thread; one dict item per question is safe under the GIL.
        self.timings[question] = dict(answer.timings)
        self.abstained[question] = answer.abstained
        return answer


@dataclass(slots=True)
class Outcome:
    """What happened to one ``/ask``: seconds from sending it, and how it ended."""

    user: str
    question: str
    ack: float | None = None  # send → interaction response received (None: never acknowledged)
    response_type: int | None = None  # 5 deferred ("thinking"), 4 immediate message (busy)
    status: str = "not acknowledged"  # answered | busy | failed | not acknowledged
    answer: float | None = None  # send → first follow-up received (answered only)
    timings: dict[str, float] = field(default_factory=dict)
    abstained: bool | None = None
    detail: str = ""


def bot_limits(overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Return the bot and model limits the benchmark runs with (reported beside it)."""
    bot = BotSettings(_env_file=None)
    retrieval = RetrievalSettings(_env_file=None, **dict(overrides or {}))
    return {
        "max_concurrent_answers": bot.max_concurrent_answers,
        "max_queued_answers": bot.max_queued_answers,
        "cooldown_seconds": bot.cooldown_seconds,
        "answer_timeout_seconds": retrieval.llm_timeout + 15,  # as bot.app.build_bot sets it
        "llm_max_tokens": retrieval.llm_max_tokens,
        "llm_context": retrieval.llm_context,
        "top_k": retrieval.top_k,
        "search_mode": retrieval.search_mode,
    }


def ingest_corpus(data: Path, embedder: Embedder) -> int:
    """Ingest the sample corpus into ``data`` and return the number of articles added."""
    settings = RetrievalSettings(_env_file=None, data_dir=data)
    runtime = Runtime(settings, embedder=embedder)
    report = run_ingest(
        [SourceSpec("path", str(CORPUS))],
        runtime.store,
        embedder,
        IngestSettings(_env_file=None),
    )
    if report.failed or not report.added:
        raise RuntimeError(f"ingest of the sample corpus failed: {report.summary()}")
    return len(report.added)


def build(
    fake: FakeDiscord,
    data: Path,
    embedder: Embedder,
    backend: str,
    overrides: Mapping[str, Any] | None = None,
) -> tuple[ReadoutBot, TimingAnswerer]:
    """Build the real bot on ``data`` with ``backend`` and default limits; return it and the tap."""
    settings = RetrievalSettings(
        _env_file=None, data_dir=data, llm=backend, **dict(overrides or {})
    )
    runtime = Runtime(settings, embedder=embedder)
    bot_settings = BotSettings(_env_file=None, dev_guild_id=fake.guild_id)
    bot: ReadoutBot = build_bot(
        settings,
        bot_settings,
        IngestSettings(_env_file=None),
        runtime=runtime,
        # The fake sends no GUILD_CREATE chunks worth waiting for: don't stall start-up.
        guild_ready_timeout=0.05,
    )
    tap = TimingAnswerer(bot.services.answerer)
    bot.services.answerer = tap
    return bot, tap


@contextlib.asynccontextmanager
async def running(bot: ReadoutBot, fake: FakeDiscord) -> AsyncIterator[ReadoutBot]:
    """Start the bot against the fake, sync its commands, and close it afterwards."""
    # What `readout bot` does before going online (bot.app._run with warm=True).
    await asyncio.to_thread(bot.services.runtime.warm_up)
    runner = asyncio.create_task(bot.start(fake.token))
    try:
        await asyncio.wait_for(bot.wait_until_ready(), 30)
        await bot.sync_commands()
        yield bot
    finally:
        await bot.close()
        await asyncio.wait_for(runner, 30)
        bot.state.close()


async def ask(fake: FakeDiscord, tap: TimingAnswerer, user: FakeUser, question: str) -> Outcome:
    """Send one ``/ask`` as ``user`` and follow it to its acknowledgement and answer."""
    outcome = Outcome(user.username, question)
    sent = time.monotonic()
    handle = await fake.send_slash("ask", {"question": question}, user=user)
    try:
        response = await handle.wait_response(timeout=ACK_WAIT)
    except AssertionError:  # the fake's timeout: no (accepted) response at all
        outcome.detail = "; ".join(str(r.response)[:120] for r in handle.rejected)
        return outcome
    # Payload.at is when the fake received the request: independent of when this task wakes.
    outcome.ack = response.at - sent
    outcome.response_type = response.get("type")
    if outcome.response_type == 4:
        content = str((response.get("data") or {}).get("content", ""))
        outcome.status = "busy" if "busy" in content else "failed"
        outcome.detail = content[:160]
        return outcome
    try:
        (first, *_) = await handle.wait_followups(1, timeout=ANSWER_WAIT)
    except AssertionError:
        outcome.status, outcome.detail = "failed", "no follow-up"
        return outcome
    outcome.answer = first.at - sent
    if first.get("embeds") and question in tap.timings:
        outcome.status = "answered"
        outcome.timings = tap.timings[question]
        outcome.abstained = tap.abstained.get(question)
    else:  # an error message (timeout, model failure) instead of an answer
        outcome.status, outcome.detail = "failed", str(first.get("content", ""))[:160]
    return outcome


def _median(values: Sequence[float]) -> float | None:
    return round(statistics.median(values), 4) if values else None


def summarise_wave(outcomes: Sequence[Outcome]) -> dict[str, Any]:
    """Return the figures of one repeat: ack percentiles, counts, answer latency, stage medians."""
    acks = [o.ack * 1000 for o in outcomes if o.ack is not None]
    answered = [o for o in outcomes if o.status == "answered"]
    latencies = [o.answer for o in answered if o.answer is not None]
    counts = {
        status: sum(o.status == status for o in outcomes)
        for status in ("answered", "busy", "failed", "not acknowledged")
    }
    deferred = [o.ack * 1000 for o in outcomes if o.ack is not None and o.response_type == 5]
    return {
        "users": len(outcomes),
        "acknowledged": len(acks),
        **counts,
        "abstained": sum(bool(o.abstained) for o in answered),
        "ack_ms": {
            "p50": round(percentile(acks, 50), 1) if acks else None,
            "p99": round(percentile(acks, 99), 1) if acks else None,
            "max": round(max(acks), 1) if acks else None,
        },
        "deferred_ack_ms_p99": round(percentile(deferred, 99), 1) if deferred else None,
        "answer_s": {
            "p50": round(percentile(latencies, 50), 3) if latencies else None,
            "p95": round(percentile(latencies, 95), 3) if latencies else None,
        },
        "stages_s": {s: _median([o.timings[s] for o in answered]) for s in STAGES},
        # Time an answered /ask spent outside the answer service: the gate's queue, the thread
        # hand-off, formatting and the Discord round trips.
        "outside_service_s": _median(
            [o.answer - o.timings["total"] for o in answered if o.answer is not None]
        ),
    }


def _across(waves: Sequence[dict[str, Any]], *path: str) -> dict[str, Any]:
    """Return the spread over repeats of one figure of the per-repeat summaries."""
    values = []
    for wave in waves:
        value: Any = wave
        for key in path:
            value = value.get(key) if isinstance(value, dict) else None
        if isinstance(value, int | float):
            values.append(float(value))
    return spread(values)


async def bench_backend(
    data: Path,
    embedder: Embedder,
    backend: str,
    repeats: int,
    users: int,
    overrides: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Run ``repeats`` waves of ``users`` concurrent ``/ask`` against the bot on ``backend``."""
    questions = [q.question for q in load_questions(DEV_QUESTIONS)]
    # Discord's real heartbeat interval (the e2e tests shorten it; here it would only add load).
    async with FakeDiscord(heartbeat_interval=41250) as fake:
        # Fresh users every repeat, all known before the bot connects: each user asks once, so
        # the default per-user cooldown never turns a benchmark question away.
        waves_users = [
            [fake.add_user(f"{backend}-r{r}-u{i}") for i in range(users)] for r in range(repeats)
        ]
        warm_user = fake.add_user(f"{backend}-warm")
        bot, tap = build(fake, data, embedder, backend, overrides)
        began = time.perf_counter()
        async with running(bot, fake):
            started = time.perf_counter() - began
            # The first /ask after start loads what warm_up leaves lazy (the GGUF for `local`):
            # measured, reported apart, and kept out of the waves.
            first = await ask(fake, tap, warm_user, questions[-1])
            waves: list[dict[str, Any]] = []
            raw: list[list[dict[str, Any]]] = []
            for r, wave_users in enumerate(waves_users):
                # A different slice of the dev set each repeat; distinct questions within a wave
                # (the timings are keyed by question).
                chosen = [questions[(r * 7 + i) % len(questions)] for i in range(users)]
                # Questions recur across repeats: no timing may be read from an earlier answer.
                tap.timings.clear()
                tap.abstained.clear()
                outcomes = await asyncio.gather(
                    *(ask(fake, tap, u, q) for u, q in zip(wave_users, chosen, strict=True))
                )
                waves.append(summarise_wave(outcomes))
                raw.append([asdict(o) for o in outcomes])
                log.info(
                    "answers %s repeat %d: ack p50 %s ms p99 %s ms, %d answered, %d busy",
                    backend,
                    r + 1,
                    waves[-1]["ack_ms"]["p50"],
                    waves[-1]["ack_ms"]["p99"],
                    waves[-1]["answered"],
                    waves[-1]["busy"],
                )
                await asyncio.sleep(1.0)  # let thread creation after the last answer settle
        problems = fake.problems()
    return {
        "backend": backend,
        "start_seconds": round(started, 2),
        "first_ask": asdict(first),
        "waves": waves,
        "ack_ms": {
            "p50": _across(waves, "ack_ms", "p50"),
            "p99": _across(waves, "ack_ms", "p99"),
        },
        "deferred_ack_ms_p99": _across(waves, "deferred_ack_ms_p99"),
        "counts": {
            k: _across(waves, k)
            for k in ("acknowledged", "answered", "busy", "failed", "not acknowledged", "abstained")
        },
        "answer_s": {
            "p50": _across(waves, "answer_s", "p50"),
            "p95": _across(waves, "answer_s", "p95"),
        },
        "stages_s": {s: _across(waves, "stages_s", s) for s in STAGES},
        "outside_service_s": _across(waves, "outside_service_s"),
        "problems": problems[:10],
        "interactions": raw,
    }


def run_answers(
    embedder: Embedder,
    repeats: int,
    *,
    users: int = USERS,
    backends: Sequence[str] = BACKENDS,
    overrides: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Ingest the sample corpus once, then benchmark ``/ask`` through the fake per backend.

    ``overrides`` changes retrieval settings (e.g. ``llm_max_tokens``); ``make bench`` passes
    none, so the figures are those of the defaults. The smoke test uses it to stay fast.
    """
    root = Path(tempfile.mkdtemp(prefix="readout-bench-answers-"))
    try:
        data = root / "data"
        articles = ingest_corpus(data, embedder)
        rows = []
        for backend in backends:
            log.info("answers: %s, %d users, %d repeats", backend, users, repeats)
            try:
                rows.append(
                    asyncio.run(bench_backend(data, embedder, backend, repeats, users, overrides))
                )
            except Exception as exc:  # one backend failing must not hide the other
                log.exception("answers: %s failed", backend)
                rows.append({"backend": backend, "error": f"{type(exc).__name__}: {exc}"[:300]})
    finally:
        forget_clients()
        shutil.rmtree(root, ignore_errors=True)
    return {
        "users": users,
        "repeats": repeats,
        "articles": articles,
        "limits": bot_limits(overrides),
        "overrides": dict(overrides or {}),
        "approximation": APPROXIMATION,
        "backends": rows,
    }
