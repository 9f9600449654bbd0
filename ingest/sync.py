"""The incremental sync: load every source, embed only what changed, prune what is gone."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from ingest.chunking import ChunkingConfig, chunk_article
from ingest.loaders import LoadResult
from ingest.report import Entry, IngestReport
from ingest.settings import IngestSettings
from ingest.sources import Fetcher, SourceSpec, iter_units
from retrieval.embeddings import Embedder
from retrieval.models import ARTICLE_META_FIELDS, Article, Chunk
from retrieval.store import Store

log = logging.getLogger(__name__)

# Metadata a source may leave unsaid; "source" is where this run found the text, always set.
_KEPT_WHEN_UNSAID = tuple(name for name in ARTICLE_META_FIELDS if name != "source")

# (phase, done, total, label): phases are "load" (inputs) and "embed" (chunks).
Progress = Callable[[str, int, int, str], None]


def _no_progress(phase: str, done: int, total: int, label: str) -> None:
    return None


@dataclass(slots=True)
class _Pending:
    article: Article
    chunks: list[Chunk]
    entry: Entry
    outcome: str  # "added" or "updated"


def run_ingest(
    specs: Sequence[SourceSpec],
    store: Store,
    embedder: Embedder,
    settings: IngestSettings,
    *,
    prune: bool = False,
    progress: Progress | None = None,
) -> IngestReport:
    """Bring the store in line with ``specs`` and report what happened to every input."""
    began = time.perf_counter()
    progress = progress or _no_progress
    report = IngestReport()
    fetcher = Fetcher(settings)
    try:
        articles, failed_sources, whole_source_failed = _load_all(specs, fetcher, report, progress)
    finally:
        fetcher.close()

    records = store.records()
    by_hash: dict[str, str] = {}
    for record in records.values():
        by_hash.setdefault(record.hash, record.id)
    run_ids = {a.id for _, a in articles}

    # Who keeps a text that appears more than once: the id already stored (when this run still
    # lists it), else the first input in order. Everyone else is a duplicate of the keeper.
    keeper: dict[str, str] = {}
    for _, article in articles:
        stored = by_hash.get(article.hash)
        if stored is not None and (stored in run_ids or not prune):
            keeper.setdefault(article.hash, stored)
        keeper.setdefault(article.hash, article.id)

    config = ChunkingConfig(settings.chunk_max_chars, settings.chunk_overlap_chars)
    pending: list[_Pending] = []
    kept_ids: set[str] = set()
    seen_ids: set[str] = set()
    for label, article in articles:
        entry = Entry(label, article.id, article.title)
        if article.id in seen_ids:
            report.duplicate.append(_reason(entry, "listed twice in this run"))
            continue
        seen_ids.add(article.id)
        owner = keeper[article.hash]
        if owner != article.id:
            report.duplicate.append(_reason(entry, f"same text as {owner}"))
            continue
        kept_ids.add(article.id)
        existing = records.get(article.id)
        if existing is not None:
            # An empty field means this source does not say (a plain-text file names no
            # publisher), not that the publisher an earlier run was given is wrong: keep it.
            known = {
                name: getattr(existing, name)
                for name in _KEPT_WHEN_UNSAID
                if not getattr(article, name) and getattr(existing, name)
            }
            if known:
                article = replace(article, **known)
        if (
            existing is not None
            and existing.hash == article.hash
            and all(getattr(existing, name) == value for name, value in article.meta().items())
        ):
            report.unchanged.append(entry)
            continue
        # Same text with new metadata (a publisher now set in sources.yaml, a corrected title)
        # is an update too: every chunk carries the metadata that filters and citations read.
        outcome = "updated" if existing is not None else "added"
        pending.append(_Pending(article, chunk_article(article, config), entry, outcome))

    _embed_and_store(pending, store, embedder, settings.embed_batch_chunks, report, progress)

    if prune:
        if whole_source_failed:
            report.notes.append(
                "prune skipped: a whole source could not be read, so nothing was removed"
            )
        else:
            for record in records.values():
                if record.id in kept_ids or record.id in run_ids:
                    continue
                if record.source in failed_sources:
                    continue  # its file is broken now: keep what was indexed before
                store.delete_article(record.id)
                report.removed.append(Entry(record.source, record.id, record.title))
    if report.changed():
        store.bump_generation()
    report.seconds = time.perf_counter() - began
    log.info("ingest finished: %s in %.1f s", report.summary(), report.seconds)
    return report


def _reason(entry: Entry, reason: str) -> Entry:
    return Entry(entry.input, entry.article_id, entry.title, reason)


def _load_all(
    specs: Sequence[SourceSpec], fetcher: Fetcher, report: IngestReport, progress: Progress
) -> tuple[list[tuple[str, Article]], set[str], bool]:
    """Load every unit; return (label, article) pairs, failed sources, whole-source failure."""
    units = [(spec, unit) for spec in specs for unit in iter_units(spec, fetcher)]
    articles: list[tuple[str, Article]] = []
    failed_sources: set[str] = set()
    loaded_per_spec: dict[SourceSpec, int] = {spec: 0 for spec in specs}
    for done, (spec, unit) in enumerate(units, 1):
        progress("load", done - 1, len(units), unit.label)
        try:
            results = unit.load()
        except Exception as exc:
            log.exception("loading %s failed unexpectedly", unit.label)
            results = [LoadResult(unit.label, error=f"unexpected error: {exc!r}"[:300])]
        for result in results:
            if result.article is not None:
                articles.append((result.input, result.article))
                loaded_per_spec[spec] += 1
            else:
                report.failed.append(Entry(result.input, reason=result.error or "unknown error"))
                failed_sources.add(result.input.split("#L")[0])
        progress("load", done, len(units), unit.label)
    # A folder, page or feed that yielded nothing (gone, unreachable) says nothing about which
    # of its articles still exist, so pruning must not guess. A single broken file is covered
    # by failed_sources instead.
    whole_failed = any(
        n == 0 and not (spec.kind == "path" and Path(spec.target).is_file())
        for spec, n in loaded_per_spec.items()
    )
    return articles, failed_sources, whole_failed


def _embed_and_store(
    pending: list[_Pending],
    store: Store,
    embedder: Embedder,
    batch_chunks: int,
    report: IngestReport,
    progress: Progress,
) -> None:
    """Embed chunks in large batches across articles, then write each article whole."""
    total = sum(len(p.chunks) for p in pending)
    done = 0
    progress("embed", 0, total, "")
    i = 0
    while i < len(pending):
        group = [pending[i]]
        size = len(pending[i].chunks)
        i += 1
        while i < len(pending) and size + len(pending[i].chunks) <= batch_chunks:
            group.append(pending[i])
            size += len(pending[i].chunks)
            i += 1
        vectors = embedder.embed([c.text for p in group for c in p.chunks])
        items = []
        offset = 0
        for item in group:
            n = len(item.chunks)
            items.append((item.article, item.chunks, np.asarray(vectors[offset : offset + n])))
            offset += n
        store.put_articles(items)
        for item in group:
            getattr(report, item.outcome).append(item.entry)
        done += size
        report.chunks_embedded += size
        progress("embed", done, total, group[-1].entry.title or group[-1].entry.input)
