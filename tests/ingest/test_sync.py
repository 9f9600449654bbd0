"""The incremental sync on the real model and a real embedded Chroma store."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ingest.report import IngestReport
from ingest.settings import IngestSettings
from ingest.sources import SourceSpec
from ingest.sync import run_ingest
from retrieval.embeddings import Embedder
from retrieval.errors import ModelMismatchError
from retrieval.runtime import Runtime
from retrieval.settings import RetrievalSettings
from retrieval.store import Store
from tests.conftest import EXAMPLES

pytestmark = pytest.mark.slow

N_EXAMPLES = len([p for p in EXAMPLES.iterdir() if p.suffix in (".txt", ".md")])


def ingest(
    runtime: Runtime, ingest_settings: IngestSettings, *targets: Path, prune: bool = False
) -> IngestReport:
    specs = [SourceSpec("path", str(t)) for t in targets]
    return run_ingest(specs, runtime.store, runtime.embedder, ingest_settings, prune=prune)


def chunk_ids(store: Store) -> set[str]:
    return {cid for cid, _, _ in store.iter_chunks()}


def test_full_then_unchanged_rerun_embeds_nothing(
    runtime: Runtime, ingest_settings: IngestSettings, corpus: Path
) -> None:
    first = ingest(runtime, ingest_settings, corpus)
    assert len(first.added) == N_EXAMPLES and not first.failed, first.to_dict()
    assert first.chunks_embedded == runtime.store.count() > N_EXAMPLES
    before = runtime.embedder.texts_embedded
    generation = runtime.store.generation

    second = ingest(runtime, ingest_settings, corpus)
    assert runtime.embedder.texts_embedded == before  # zero embeddings computed
    assert second.chunks_embedded == 0
    assert len(second.unchanged) == N_EXAMPLES
    assert not (second.added or second.updated or second.removed or second.failed)
    assert runtime.store.generation == generation  # nothing changed, caches stay valid


def test_every_chunk_maps_back_to_its_article(
    runtime: Runtime, ingest_settings: IngestSettings, corpus: Path
) -> None:
    ingest(runtime, ingest_settings, corpus)
    for record in runtime.store.records().values():
        article = runtime.store.get_article(record.id)
        assert article is not None
        passages = runtime.store.article_chunks(record.id)
        assert len(passages) == record.chunks > 0
        for p in passages:
            assert article.text[p.start : p.end] == p.text
            assert p.title == article.title and p.published == article.published


def test_sample_article_metadata_in_store(
    runtime: Runtime, ingest_settings: IngestSettings, corpus: Path
) -> None:
    ingest(runtime, ingest_settings, corpus)
    records = {r.title: r for r in runtime.store.records().values()}
    sample = next(r for t, r in records.items() if t.startswith("Readout differences"))
    assert sample.published.startswith("2026-01-16")
    assert sample.section == "CHINA / DIPLOMACY"
    yomiuri = [r for r in records.values() if "Yomiuri" in r.publisher]
    assert len(yomiuri) >= 2 and all(r.url.startswith("https://") for r in yomiuri)


def test_changed_article_replaces_its_chunks(
    runtime: Runtime, ingest_settings: IngestSettings, corpus: Path
) -> None:
    ingest(runtime, ingest_settings, corpus)
    target = next(corpus.glob("*paparo*"))
    old_ids = {p.chunk_id for p in runtime.store.article_chunks(_id_of(runtime, target))}
    # Shrink the article: fewer chunks afterwards proves stale ones were deleted, not left over.
    text = target.read_text("utf-8")
    head = text.split("\n\n")[0] + "\n\nKoizumi addressed the forum about reconciliation.\n"
    target.write_text(head, "utf-8")
    before = runtime.embedder.texts_embedded

    report = ingest(runtime, ingest_settings, corpus)
    assert [e.input for e in report.updated] == [_source_of(target)]
    assert len(report.unchanged) == N_EXAMPLES - 1
    article_id = _id_of(runtime, target)
    passages = runtime.store.article_chunks(article_id)
    assert len(passages) == 1 and "reconciliation" in passages[0].text
    assert runtime.embedder.texts_embedded - before == 1  # only the changed article
    stale = old_ids - {p.chunk_id for p in passages}
    assert stale and not (stale & chunk_ids(runtime.store))


def test_a_publisher_set_later_updates_the_stored_metadata(
    runtime: Runtime, ingest_settings: IngestSettings, corpus: Path
) -> None:
    ingest(runtime, ingest_settings, corpus)
    sample = corpus / "000_20936f9da8db826c.txt"
    article_id = _id_of(runtime, sample)
    assert runtime.store.records()[article_id].publisher == ""  # the sample names none
    # The admin now lists the file with its publisher ahead of the folder (sources.yaml).
    specs = [SourceSpec("path", str(sample), "Global Times"), SourceSpec("path", str(corpus))]
    report = run_ingest(specs, runtime.store, runtime.embedder, ingest_settings)
    assert [e.input for e in report.updated] == [_source_of(sample)]
    assert len(report.unchanged) == N_EXAMPLES - 1
    assert runtime.store.records()[article_id].publisher == "Global Times"
    assert {p.publisher for p in runtime.store.article_chunks(article_id)} == {"Global Times"}
    again = run_ingest(specs, runtime.store, runtime.embedder, ingest_settings)
    assert len(again.unchanged) == N_EXAMPLES and not again.updated
    # A later run of the folder alone says nothing about the publisher: it is kept.
    folder = ingest(runtime, ingest_settings, corpus)
    assert len(folder.unchanged) == N_EXAMPLES and not folder.updated
    assert runtime.store.records()[article_id].publisher == "Global Times"


def test_prune_removes_articles_gone_from_sources(
    runtime: Runtime, ingest_settings: IngestSettings, corpus: Path
) -> None:
    ingest(runtime, ingest_settings, corpus)
    gone = next(corpus.glob("*radar-lock*"))
    gone_id = _id_of(runtime, gone)
    gone.unlink()

    kept = ingest(runtime, ingest_settings, corpus)  # without --prune nothing is removed
    assert not kept.removed and gone_id in runtime.store.records()

    pruned = ingest(runtime, ingest_settings, corpus, prune=True)
    assert [e.article_id for e in pruned.removed] == [gone_id]
    assert gone_id not in runtime.store.records()
    assert not runtime.store.article_chunks(gone_id)


def test_same_text_under_second_path_is_stored_once(
    runtime: Runtime, ingest_settings: IngestSettings, corpus: Path, tmp_path: Path
) -> None:
    copy_dir = tmp_path / "mirror"
    copy_dir.mkdir()
    shutil.copy(corpus / "000_20936f9da8db826c.txt", copy_dir / "copy-of-sample.txt")
    report = ingest(runtime, ingest_settings, corpus, copy_dir)
    assert len(report.added) == N_EXAMPLES
    assert len(report.duplicate) == 1
    assert "copy-of-sample.txt" in report.duplicate[0].input
    assert "same text as" in report.duplicate[0].reason
    assert len(runtime.store.records()) == N_EXAMPLES


def test_bad_files_are_reported_and_the_rest_indexed(
    runtime: Runtime, ingest_settings: IngestSettings, corpus: Path
) -> None:
    ingest(runtime, ingest_settings, corpus)
    count_before = runtime.store.count()
    (corpus / "empty.txt").write_bytes(b"")
    (corpus / "blank.md").write_text("   \n\n  \t\n", "utf-8")
    (corpus / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    (corpus / "broken.md").write_text("---\ntitle: [unclosed\n---\nBody text here.\n", "utf-8")
    (corpus / "nothing.html").write_text("<html><body><nav>Home</nav></body></html>", "utf-8")
    # An indexed article whose file turns broken keeps its old content, even with --prune.
    victim = next(corpus.glob("*radar-lock*"))
    victim_id = _id_of(runtime, victim)
    victim.write_bytes(b"\x00\x01\x02binary now")

    report = ingest(runtime, ingest_settings, corpus, prune=True)
    failed = {Path(e.input).name: e.reason for e in report.failed}
    assert set(failed) == {
        "empty.txt",
        "blank.md",
        "image.txt",
        "broken.md",
        "nothing.html",
        victim.name,
    }
    assert all(reason for reason in failed.values())
    assert len(report.unchanged) == N_EXAMPLES - 1
    assert not report.removed
    assert victim_id in runtime.store.records()
    assert runtime.store.count() == count_before


def test_store_refuses_another_embedding_model(
    runtime: Runtime, ingest_settings: IngestSettings, corpus: Path, settings: RetrievalSettings
) -> None:
    ingest(runtime, ingest_settings, corpus / "000_20936f9da8db826c.txt")
    other = Runtime(
        settings.model_copy(update={"embedding_model": "some-other-model"}),
        embedder=_Renamed(runtime.embedder, "some-other-model"),
    )
    with pytest.raises(ModelMismatchError, match="re-index"):
        _ = other.store


class _Renamed(Embedder):
    """The same vectors under another model name: enough to trip the guard."""

    def __init__(self, inner: Embedder, name: str) -> None:
        super().__init__(inner.name)
        self._model = inner._load()
        self.name = name


def _source_of(path: Path) -> str:
    from ingest.sources import display_path

    return display_path(path)


def _id_of(runtime: Runtime, path: Path) -> str:
    source = _source_of(path)
    return next(r.id for r in runtime.store.records().values() if r.source == source)
