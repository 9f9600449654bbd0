"""What the cogs call: answering behind a cooldown and a concurrency cap, and one ingest at a time.

Blocking work (models, Chroma) runs in worker threads so the gateway heartbeat never stalls.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from ingest.report import IngestReport
from ingest.settings import IngestSettings
from ingest.sources import SourceSpec
from ingest.sync import run_ingest
from retrieval.errors import BusyError, LLMError
from retrieval.models import Answer, Passage
from retrieval.runtime import Runtime, signal_index_changed
from retrieval.search import SearchOptions
from retrieval.store import Filters

log = logging.getLogger(__name__)


class Answerer(Protocol):
    """The answer service as the bot sees it."""

    def answer(
        self,
        question: str,
        filters: object | None = None,
        *,
        history: Sequence[tuple[str, str]] = (),
    ) -> Answer:
        """Answer a question from the index."""
        ...


class AnswerGate:
    """A per-user cooldown and a cap on answers generated at once, with a bounded queue."""

    def __init__(
        self,
        *,
        cooldown: float,
        concurrent: int,
        queued: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.cooldown = cooldown
        self.concurrent = concurrent
        self.queued = queued
        self._clock = clock
        self._last: dict[int, float] = {}
        self._semaphore = asyncio.Semaphore(concurrent)
        self._waiting = 0
        self._running = 0
        self._recent: list[float] = []  # durations of the last answers, for "try again in N s"

    def _estimate(self) -> float:
        average = sum(self._recent) / len(self._recent) if self._recent else 5.0
        return max(1.0, average * (self._waiting + 1) / self.concurrent)

    def check(self, user_id: int) -> None:
        """Raise BusyError when the user is cooling down or the queue is full."""
        now = self._clock()
        last = self._last.get(user_id)
        if last is not None and now - last < self.cooldown:
            wait = self.cooldown - (now - last)
            raise BusyError(f"You're asking quickly; try again in {wait:.0f} s.", wait)
        if self._running + self._waiting >= self.concurrent + self.queued:
            wait = self._estimate()
            raise BusyError(f"I'm busy answering others; try again in {wait:.0f} s.", wait)

    def admit(self, user_id: int) -> Ticket:
        """Reserve a place now (before any await), or raise BusyError."""
        # Check and reserve without yielding to the loop, so fifty commands arriving together
        # cannot all pass the check before any of them is counted.
        self.check(user_id)
        self._last[user_id] = self._clock()
        self._waiting += 1
        return Ticket(self)

    async def run(self, user_id: int, work: Callable[[], Awaitable[Answer]]) -> Answer:
        """Admit and run ``work`` when a slot is free."""
        return await self.admit(user_id).run(work)


class Ticket:
    """A reserved place in the answer queue; release it by running or by ``release()``."""

    def __init__(self, gate: AnswerGate) -> None:
        self._gate = gate
        self._held = True

    def release(self) -> None:
        """Give the place back without running (e.g. the interaction failed)."""
        if self._held:
            self._held = False
            self._gate._waiting -= 1

    async def run(self, work: Callable[[], Awaitable[Answer]]) -> Answer:
        """Wait for a slot, then run ``work``."""
        gate = self._gate
        try:
            await gate._semaphore.acquire()
        finally:
            self.release()
        gate._running += 1
        began = time.perf_counter()
        try:
            return await work()
        finally:
            gate._running -= 1
            gate._semaphore.release()
            gate._recent = [*gate._recent[-9:], time.perf_counter() - began]


@dataclass(slots=True)
class IngestStatus:
    """Progress of the running ingest, for the Discord progress message."""

    phase: str = "starting"
    done: int = 0
    total: int = 0
    label: str = ""


@dataclass(slots=True)
class Services:
    """Everything the cogs need, built once in the composition root."""

    runtime: Runtime
    answerer: Answerer
    ingest_settings: IngestSettings
    llm_mode: str
    answer_timeout: float
    started: float = field(default_factory=time.time)
    last_report: IngestReport | None = None
    _ingest_lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def answer(
        self,
        question: str,
        filters: Filters | None = None,
        history: list[tuple[str, str]] | None = None,
    ) -> Answer:
        """Answer off the event loop, giving up after the configured timeout."""
        try:
            return await asyncio.wait_for(
                asyncio.to_thread(
                    functools.partial(
                        self.answerer.answer, question, filters, history=history or ()
                    )
                ),
                timeout=self.answer_timeout,
            )
        except TimeoutError:
            raise LLMError(
                f"the answer took longer than {self.answer_timeout:g} s and was abandoned; "
                "try a narrower question or try again later"
            ) from None

    async def search(self, query: str, k: int, filters: Filters | None = None) -> list[Passage]:
        """Search passages off the event loop."""
        options = SearchOptions(
            k=k,
            mode=self.runtime.settings.search_mode,
            max_per_article=self.runtime.settings.max_per_article,
            filters=filters,
        )
        return await asyncio.to_thread(self.runtime.searcher.search, query, options)

    @property
    def ingest_running(self) -> bool:
        """Return True while an ingest is running."""
        return self._ingest_lock.locked()

    async def ingest(
        self,
        specs: list[SourceSpec],
        *,
        prune: bool,
        on_progress: Callable[[IngestStatus], Awaitable[None]],
    ) -> IngestReport:
        """Run one ingest in a worker thread, reporting progress; refuse a second at once."""
        if self._ingest_lock.locked():
            raise BusyError("An ingest is already running; try again when it has finished.", 30)
        async with self._ingest_lock:
            loop = asyncio.get_running_loop()
            status = IngestStatus()
            changed = asyncio.Event()

            def progress(phase: str, done: int, total: int, label: str) -> None:
                status.phase, status.done, status.total, status.label = phase, done, total, label
                loop.call_soon_threadsafe(changed.set)

            async def reporter() -> None:
                while True:
                    await changed.wait()
                    changed.clear()
                    await on_progress(status)
                    await asyncio.sleep(1.0)  # Discord rate-limits edits; once a second is plenty

            from ingest.lock import ingest_lock

            def work() -> IngestReport:
                with ingest_lock(self.runtime.settings.data_dir, wait=0):
                    return run_ingest(
                        specs,
                        self.runtime.store,
                        self.runtime.embedder,
                        self.ingest_settings,
                        prune=prune,
                        progress=progress,
                    )

            task = asyncio.create_task(reporter())
            try:
                report = await asyncio.to_thread(work)
                # Answers use the new content as soon as the keyword index follows the store.
                await asyncio.to_thread(self.runtime.keyword.refresh)
                if report.changed():
                    signal_index_changed(self.runtime.settings.data_dir)
            finally:
                task.cancel()
            self.last_report = report
            return report

    def status(self) -> dict[str, Any]:
        """Return index statistics, LLM mode, the last ingest and uptime."""
        stats = self.runtime.corpus_stats()
        stats["llm"] = self.llm_mode
        stats["uptime_seconds"] = int(time.time() - self.started)
        stats["last_ingest"] = (
            self.last_report.summary() if self.last_report else "none since start"
        )
        return stats
