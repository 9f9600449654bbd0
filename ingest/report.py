"""The ingest report: what happened to every input, with a reason for each failure or skip."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

OUTCOMES = ("added", "updated", "unchanged", "removed", "duplicate", "failed")


@dataclass(frozen=True, slots=True)
class Entry:
    """One input's outcome."""

    input: str
    article_id: str = ""
    title: str = ""
    reason: str = ""


@dataclass(slots=True)
class IngestReport:
    """Lists of entries per outcome, plus run-level notes."""

    added: list[Entry] = field(default_factory=list)
    updated: list[Entry] = field(default_factory=list)
    unchanged: list[Entry] = field(default_factory=list)
    removed: list[Entry] = field(default_factory=list)
    duplicate: list[Entry] = field(default_factory=list)
    failed: list[Entry] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    chunks_embedded: int = 0
    seconds: float = 0.0

    def counts(self) -> dict[str, int]:
        """Return the number of entries per outcome."""
        return {name: len(getattr(self, name)) for name in OUTCOMES}

    def changed(self) -> bool:
        """Return True when the index was modified."""
        return bool(self.added or self.updated or self.removed)

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON shape of ``readout ingest --json``."""
        out: dict[str, Any] = {name: [asdict(e) for e in getattr(self, name)] for name in OUTCOMES}
        out["notes"] = list(self.notes)
        out["chunks_embedded"] = self.chunks_embedded
        out["seconds"] = round(self.seconds, 3)
        return out

    def summary(self) -> str:
        """Return a one-line summary, e.g. for a Discord message."""
        counts = ", ".join(f"{n} {name}" for name, n in self.counts().items() if n)
        return counts or "nothing to do"
