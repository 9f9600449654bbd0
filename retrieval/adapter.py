"""A question adapter: a linear map that moves question vectors toward the sentences answering them.

MiniLM was trained to put paraphrases together, not a question beside its answer: "what historical
theme did he stress there?" lands nearer a sentence that repeats "there" and "he" than one about
"reconciliation … World War II hostility". A linear map of the question's vector, fit on questions
whose answering sentences are known (``readout tune``), closes some of that gap while the sentences'
own vectors stay as they are (the approach of Chroma's "embedding adapters" report). It is applied
only where the extractive answerer scores sentences against a question; retrieval and
verification use the model as it is.

The adapted cosine is mapped back onto the plain cosine's scale (a line keeping the training
questions' mean and best cosines), so the answerer's thresholds keep their meaning.

On by default (``READOUT_QUESTION_ADAPTER=bundled``, fit for the bundled MiniLM on the sample
corpus's tuning sets, their questions' parts and phone-typed copies included). On the six sets
it was not fit on, one more answer was right with it than without, and fewer of their citations
missed (README, "The question adapter").
"""

from __future__ import annotations

import json
import logging
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from retrieval.errors import ConfigError

if TYPE_CHECKING:
    from retrieval.evaluation import Question
    from retrieval.models import Passage

log = logging.getLogger(__name__)

BUNDLED_ADAPTER = Path(__file__).resolve().parent / "assets" / "question_adapter.npz"

# Fit settings. Chosen by fitting on the questions about half the corpus's articles and scoring
# the other half (five random halves): an L2 pull toward the identity of 0.1 to 0.3 scored the
# same, and 0.03 and below fit the training questions perfectly and the others worse.
L2 = 0.1
EPOCHS = 60
LEARNING_RATE = 0.01
TEMPERATURE = 20.0  # cosines span ~0.1-0.7; softmax over them needs sharpening to rank


@dataclass(frozen=True, slots=True)
class Example:
    """One training question: its vector, its candidate sentences' vectors, which answer it."""

    question: np.ndarray  # (d,)
    sentences: np.ndarray  # (n, d), L2-normalised
    answers: np.ndarray  # (n,) bool; at least one True
    source: str = ""  # the id of the question it comes from (its parts and copies share it)


@dataclass(frozen=True)
class QuestionAdapter:
    """A (d × d) map of question vectors and the line putting its cosines on the plain scale."""

    matrix: np.ndarray
    slope: float = 1.0
    intercept: float = 0.0
    model: str = ""
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def dimension(self) -> int:
        """Return the embedding dimension the adapter maps."""
        return int(self.matrix.shape[0])

    def questions(self, vectors: np.ndarray) -> np.ndarray:
        """Return the question vectors (rows) mapped and L2-normalised."""
        mapped = np.asarray(vectors, dtype=np.float32) @ self.matrix.T
        norms = np.linalg.norm(mapped, axis=1, keepdims=True)
        unit: np.ndarray = mapped / np.maximum(norms, 1e-12)
        return unit

    def calibrate(self, cosines: np.ndarray) -> np.ndarray:
        """Return adapted cosines on the scale of the model's plain cosines."""
        calibrated: np.ndarray = np.asarray(self.slope * cosines + self.intercept, np.float32)
        return calibrated

    def similarity(self, questions: np.ndarray, sentences: np.ndarray) -> np.ndarray:
        """Return the calibrated (questions × sentences) similarity."""
        return self.calibrate(self.questions(questions) @ np.asarray(sentences).T)

    def save(self, path: Path) -> None:
        """Write the adapter to ``path`` (.npz, the matrix as float16: it stays near identity)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        meta = {"slope": self.slope, "intercept": self.intercept, "model": self.model, **self.info}
        with path.open("wb") as out:
            np.savez_compressed(
                out, matrix=self.matrix.astype(np.float16), meta=np.array(json.dumps(meta))
            )


def load_adapter(path: Path) -> QuestionAdapter:
    """Read an adapter written by :meth:`QuestionAdapter.save`."""
    try:
        with np.load(path, allow_pickle=False) as data:
            matrix = np.asarray(data["matrix"], dtype=np.float32)
            meta = json.loads(str(data["meta"]))
    except (OSError, EOFError, KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise ConfigError(f"cannot read the question adapter {path}: {exc}") from exc
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1]:
        raise ConfigError(f"the question adapter {path} is not a square matrix: {matrix.shape}")
    slope, intercept = float(meta.pop("slope", 1.0)), float(meta.pop("intercept", 0.0))
    return QuestionAdapter(matrix, slope, intercept, str(meta.pop("model", "")), meta)


def _adam(
    grad: Callable[[np.ndarray], tuple[float, np.ndarray]], start: np.ndarray, steps: int, lr: float
) -> tuple[np.ndarray, list[float]]:
    """Minimise with Adam from ``start``; return the result and the loss at each step."""
    x, m, v = start.copy(), np.zeros_like(start), np.zeros_like(start)
    beta1, beta2, eps = 0.9, 0.999, 1e-8
    losses = []
    for t in range(1, steps + 1):
        loss, g = grad(x)
        losses.append(loss)
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        x -= lr * (m / (1 - beta1**t)) / (np.sqrt(v / (1 - beta2**t)) + eps)
    return x, losses


def fit_adapter(
    examples: Sequence[Example],
    model: str = "",
    *,
    l2: float = L2,
    epochs: int = EPOCHS,
    learning_rate: float = LEARNING_RATE,
    info: dict[str, Any] | None = None,
) -> QuestionAdapter:
    """Fit the map so each question's answering sentences outscore its other candidates.

    The loss is the cross-entropy of a softmax over each question's candidates (its answers
    sharing the target), plus ``l2`` times the squared distance from the identity, so a map
    fit on a few hundred questions stays close to the model it adapts.
    """
    usable = [e for e in examples if e.answers.any() and len(e.answers) > 1]
    if not usable:
        raise ValueError("no question has both an answering and another candidate sentence")
    dim = usable[0].question.shape[0]
    eye = np.eye(dim, dtype=np.float64)
    data = [
        (
            np.asarray(e.question, dtype=np.float64),
            np.asarray(e.sentences, dtype=np.float64),
            e.answers / e.answers.sum(),
        )
        for e in usable
    ]

    def loss_and_grad(delta: np.ndarray) -> tuple[float, np.ndarray]:
        matrix = eye + delta
        total, grad = 0.0, np.zeros_like(delta)
        for q, sentences, target in data:
            mapped = matrix @ q
            norm = float(np.linalg.norm(mapped))
            unit = mapped / norm
            logits = TEMPERATURE * (sentences @ unit)
            logits -= logits.max()
            p = np.exp(logits)
            p /= p.sum()
            total -= float(target @ np.log(p + 1e-12))
            d_unit = TEMPERATURE * sentences.T @ (p - target)
            d_mapped = (d_unit - unit * (unit @ d_unit)) / norm
            grad += np.outer(d_mapped, q)
        n = len(data)
        return total / n + l2 * float((delta**2).sum()), grad / n + 2 * l2 * delta

    delta, losses = _adam(loss_and_grad, np.zeros((dim, dim)), epochs, learning_rate)
    adapter = QuestionAdapter((eye + delta).astype(np.float32), model=model)
    # The line that keeps both the mean cosine and the mean best cosine of a question where they
    # were: thresholds are applied to best scores, and the ranking must not turn over (its slope
    # is positive whenever a question's best sentence beats its average one).
    plain = [s @ (q / np.linalg.norm(q)) for q, s, _ in data]
    adapted = [s @ adapter.questions(q[None, :])[0] for q, s, _ in data]
    mean_p, mean_a = float(np.concatenate(plain).mean()), float(np.concatenate(adapted).mean())
    best_p = float(np.mean([p.max() for p in plain]))
    best_a = float(np.mean([a.max() for a in adapted]))
    slope = (best_p - mean_p) / max(best_a - mean_a, 1e-6)
    intercept = mean_p - slope * mean_a
    stats = {
        "examples": len(data),
        "questions": len({e.source for e in usable})
        if all(e.source for e in usable)
        else len(data),
        "sentences": sum(len(p) for p in plain),
        "l2": l2,
        "epochs": epochs,
        "loss_first": round(losses[0], 4),
        "loss_last": round(losses[-1], 4),
        **(info or {}),
    }
    return QuestionAdapter(adapter.matrix, float(slope), float(intercept), model, stats)


def training_examples(
    questions: Sequence[Question],
    retrieve: Callable[[str], Sequence[Passage]],
    embed: Callable[[list[str]], Any],
    progress: Callable[[], None] | None = None,
    *,
    parts: bool = False,
    variants: Callable[[str], Sequence[str]] | None = None,
) -> list[Example]:
    """Return an example per answerable question: the candidate sentences of its passages.

    A candidate answers when it holds, or lies within, one of the question's gold quotes (from
    the same file). Questions none of whose candidates answer teach nothing and are left out.
    With ``parts``, each part of a several-part question is an example too, searched by what
    the answerer searches it by; ``variants`` gives other ways of typing a question (as on a
    phone). Both share the question's candidates and answers.
    """
    from retrieval.evaluation import sentence_in_gold
    from retrieval.extractive import candidates, needs, own_query

    found: list[Example] = []
    for question in questions:
        if question.answerable and question.gold:
            passages = list(retrieve(question.question))
            pool = candidates(passages)
            answers = np.array(
                [sentence_in_gold(c.text, passages[c.passage].source, question.gold) for c in pool],
                dtype=bool,
            )
            if answers.any() and not answers.all():
                asked = [question.question]
                if parts:
                    publishers = sorted({p.publisher for p in passages if p.publisher})
                    asked += [
                        own_query(part) for part, _, _ in needs(question.question, publishers)
                    ]
                if variants is not None:
                    asked += list(variants(question.question))
                asked = list(dict.fromkeys(asked))
                vectors = np.asarray(embed([*asked, *(c.text for c in pool)]), dtype=np.float32)
                sentences = vectors[len(asked) :]
                found += [
                    Example(vectors[i], sentences, answers, question.id) for i in range(len(asked))
                ]
        if progress is not None:
            progress()
    return found


def top1(examples: Sequence[Example], adapter: QuestionAdapter | None = None) -> float:
    """Return the share of questions whose most similar candidate answers them."""
    hits = []
    for e in examples:
        q = e.question[None, :]
        scores = (
            adapter.similarity(q, e.sentences)[0]
            if adapter
            else e.sentences @ (e.question / np.linalg.norm(e.question))
        )
        hits.append(bool(e.answers[int(np.argmax(scores))]))
    return sum(hits) / max(len(hits), 1)
