"""The ONNX embedding backend: same vectors as torch, a safe export cache, no torch at run time."""

from __future__ import annotations

import json
import logging
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from ingest.chunking import chunk_article
from ingest.loaders import load_path
from retrieval import embeddings
from retrieval.embeddings import (
    Embedder,
    OnnxUnavailable,
    onnx_spec,
    resolve_model_path,
    token_runs,
)
from retrieval.evaluation import load_questions
from retrieval.runtime import Runtime
from retrieval.settings import DEFAULT_EMBEDDING_MODEL
from tests.conftest import EXAMPLES, ROOT, make_settings

DEV_QUESTIONS = ROOT / "examples" / "eval" / "dev_questions.jsonl"


def _corpus_texts() -> list[str]:
    """Every chunk of the sample corpus, three whole articles (over 256 word pieces), queries."""
    articles = [r.article for f in sorted(EXAMPLES.iterdir()) for r in load_path(f) if r.article]
    chunks = [c.text for a in articles for c in chunk_article(a)]
    questions = [q.question for q in load_questions(DEV_QUESTIONS)]
    return chunks + [a.text for a in articles[:3]] + questions


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("onnx-cache")


@pytest.fixture(scope="module")
def onnx_embedder(cache_dir: Path) -> Embedder:
    """An ONNX embedder whose export ran into this module's empty cache."""
    model = Embedder(backend="onnx", cache_dir=cache_dir)
    model.warm_up()
    assert model.active_backend == "onnx"  # else every comparison below is torch against torch
    assert model.export_seconds is not None
    return model


@pytest.fixture(scope="module")
def torch_embedder() -> Embedder:
    model = Embedder(backend="torch")
    model.warm_up()
    return model


@pytest.fixture(scope="module")
def texts() -> list[str]:
    return _corpus_texts()


@pytest.fixture
def no_export(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make any export fail the test."""

    def refuse(spec: object, target: Path, key: str) -> float:
        raise AssertionError(f"exported again to {target}")

    monkeypatch.setattr(embeddings, "_export", refuse)


@pytest.mark.slow
def test_onnx_vectors_match_torch_on_the_sample_corpus(
    onnx_embedder: Embedder, torch_embedder: Embedder, texts: list[str]
) -> None:
    onnx_vectors = onnx_embedder.embed(texts)
    torch_vectors = torch_embedder.embed(texts)
    assert onnx_vectors.shape == torch_vectors.shape == (len(texts), 384)
    assert onnx_vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(onnx_vectors, axis=1), 1.0, atol=1e-5)
    cosine = (onnx_vectors * torch_vectors).sum(axis=1)
    worst = int(cosine.argmin())
    assert cosine[worst] >= 0.9999, (cosine[worst], texts[worst][:80])
    query = texts[-1]
    assert float(onnx_embedder.embed_query(query) @ torch_embedder.embed_query(query)) >= 0.9999
    assert onnx_embedder.dimension == torch_embedder.dimension == 384


def test_truncation_is_sentence_transformers_not_tokenizer_json() -> None:
    # tokenizer.json of MiniLM truncates at 128; sentence-transformers reads 256 word pieces.
    spec = onnx_spec(Path(resolve_model_path(DEFAULT_EMBEDDING_MODEL)))
    assert (spec.max_length, spec.lowercase, spec.dimension) == (256, False, 384)


@pytest.mark.slow
def test_batching_by_length_does_not_change_vectors(
    onnx_embedder: Embedder, texts: list[str]
) -> None:
    sample = texts[::3]
    together = onnx_embedder.embed(sample)
    alone = np.stack([onnx_embedder.embed_query(t) for t in sample])
    original = onnx_embedder.batch_size
    onnx_embedder.batch_size = 5
    try:
        small_batches = onnx_embedder.embed(sample[::-1])[::-1]
    finally:
        onnx_embedder.batch_size = original
    assert (together * alone).sum(axis=1).min() >= 0.99999
    assert (together * small_batches).sum(axis=1).min() >= 0.99999


def test_runs_respect_the_batch_size_and_the_token_budget() -> None:
    lengths = np.array([10, 3, 200, 3, 10, 3])
    order = np.argsort(lengths, kind="stable")
    runs = token_runs(order, lengths, batch_size=2, max_tokens=20)
    # Two texts at most; 2 × 10 tokens fit the budget, 10 + 200 do not; 200 alone still runs.
    assert [r.tolist() for r in runs] == [[1, 3], [5, 0], [4], [2]]


@pytest.mark.slow
@pytest.mark.usefixtures("no_export")
def test_second_construction_reuses_the_cache(onnx_embedder: Embedder, cache_dir: Path) -> None:
    (cached,) = cache_dir.glob("*.onnx")
    stamp = cached.stat().st_mtime_ns
    again = Embedder(backend="onnx", cache_dir=cache_dir)
    again.warm_up()
    assert again.active_backend == "onnx" and again.export_seconds is None
    assert cached.stat().st_mtime_ns == stamp
    # Only the finished file: the partial file of the export was renamed, not left behind.
    assert [p.name for p in cache_dir.iterdir()] == [cached.name]


@pytest.mark.slow
def test_embedding_from_the_cache_never_imports_torch(
    onnx_embedder: Embedder, cache_dir: Path
) -> None:
    code = textwrap.dedent(
        """
        import json, sys
        from pathlib import Path
        from retrieval.embeddings import Embedder

        model = Embedder(backend="onnx", cache_dir=Path(sys.argv[1]))
        vectors = model.embed(["Hegseth and Koizumi spoke by phone.", "Readouts differ."])
        query = model.embed_query("What did the readouts leave out?")
        heavy = {"torch", "sentence_transformers", "transformers"} & set(sys.modules)
        print(json.dumps({
            "backend": model.active_backend,
            "exported": model.export_seconds is not None,
            "shape": [list(vectors.shape), list(query.shape)],
            "heavy": sorted(heavy),
        }))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(cache_dir)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result == {
        "backend": "onnx",
        "exported": False,
        "shape": [[2, 384], [384]],
        "heavy": [],
    }


@pytest.mark.slow
def test_a_half_written_cache_file_is_rebuilt_with_a_logged_reason(
    onnx_embedder: Embedder, cache_dir: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (good,) = cache_dir.glob("*.onnx")
    broken = tmp_path / "cache" / good.name
    broken.parent.mkdir()
    broken.write_bytes(good.read_bytes()[: good.stat().st_size // 2])  # a copy cut short
    caplog.set_level(logging.INFO, logger="retrieval.embeddings")

    rebuilt = Embedder(backend="onnx", cache_dir=broken.parent)
    rebuilt.warm_up()

    assert rebuilt.active_backend == "onnx" and rebuilt.export_seconds is not None
    assert "unusable" in caplog.text and "exporting it again" in caplog.text
    sample = ["The two readouts of the call differ.", "Japan's defence minister visited."]
    assert (rebuilt.embed(sample) * onnx_embedder.embed(sample)).sum(axis=1).min() >= 0.99999
    assert [p.name for p in broken.parent.iterdir()] == [good.name]


@pytest.mark.slow
def test_a_file_exported_from_other_weights_is_not_used(
    onnx_embedder: Embedder,
    cache_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    import onnx

    (good,) = cache_dir.glob("*.onnx")
    stale = tmp_path / good.name
    proto = onnx.load(str(good))
    onnx.helper.set_model_props(proto, {"readout_key": "0" * 64})  # as from another model
    onnx.save(proto, str(stale))
    exports: list[Path] = []

    def copy_export(spec: object, target: Path, key: str) -> float:
        exports.append(target)
        shutil.copyfile(good, target)
        return 0.0

    monkeypatch.setattr(embeddings, "_export", copy_export)
    caplog.set_level(logging.WARNING, logger="retrieval.embeddings")
    model = Embedder(backend="onnx", cache_dir=tmp_path)
    assert model.active_backend == "onnx"
    assert exports == [stale]
    assert "not exported from these weights" in caplog.text


@pytest.mark.slow
def test_a_failed_export_falls_back_to_torch_with_the_reason(
    torch_embedder: Embedder,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    def failing(spec: object, target: Path, key: str) -> float:
        raise OnnxUnavailable("the ONNX export failed: ModuleNotFoundError: No module named 'x'")

    monkeypatch.setattr(embeddings, "_export", failing)
    caplog.set_level(logging.WARNING, logger="retrieval.embeddings")
    model = Embedder(backend="onnx", cache_dir=tmp_path)
    assert model.active_backend == "torch"
    assert "No module named 'x'" in caplog.text and "using torch" in caplog.text
    vector = model.embed_query("a question")
    assert float(vector @ torch_embedder.embed_query("a question")) >= 0.99999


def test_models_the_onnx_path_cannot_reproduce_are_refused(tmp_path: Path) -> None:
    source = Path(resolve_model_path(DEFAULT_EMBEDDING_MODEL))
    model = tmp_path / "model"
    shutil.copytree(source, model, ignore=shutil.ignore_patterns("*.safetensors", "*.bin"))
    with pytest.raises(OnnxUnavailable, match=r"no model\.safetensors"):
        onnx_spec(model)

    modules = json.loads((source / "modules.json").read_text("utf-8"))
    modules.insert(2, {"idx": 2, "name": "2", "path": "2_Dense", "type": "x.models.Dense"})
    (model / "modules.json").write_text(json.dumps(modules), "utf-8")
    with pytest.raises(OnnxUnavailable, match="Dense"):
        onnx_spec(model)

    (model / "modules.json").write_text((source / "modules.json").read_text("utf-8"), "utf-8")
    pooling = model / "1_Pooling" / "config.json"
    config = json.loads(pooling.read_text("utf-8"))
    config |= {"pooling_mode_mean_tokens": False, "pooling_mode_cls_token": True}
    pooling.write_text(json.dumps(config), "utf-8")
    with pytest.raises(OnnxUnavailable, match="not mean"):
        onnx_spec(model)

    with pytest.raises(OnnxUnavailable, match="not a local model directory"):
        onnx_spec(tmp_path / "sentence-transformers" / "all-mpnet-base-v2")


def test_the_backend_comes_from_settings(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, embedding_backend="torch", embedding_batch_size=16)
    model = Embedder.from_settings(settings)
    assert (model.backend, model.batch_size, model.name) == ("torch", 16, DEFAULT_EMBEDDING_MODEL)
    assert make_settings(tmp_path).embedding_backend == "onnx"
    # The runtime (what the CLI and the bot build) honours the setting too.
    assert Runtime(settings).embedder.backend == "torch"
    assert Runtime(make_settings(tmp_path)).embedder.backend == "onnx"
