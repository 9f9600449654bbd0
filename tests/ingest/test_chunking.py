"""Chunking: bounded, sentence-aware, and offsets that map back exactly."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.chunking import ChunkingConfig, chunk_article, chunk_spans
from retrieval.models import Article
from tests.conftest import SAMPLE

WORDS = [
    "Koizumi",
    "met",
    "Hegseth.",
    "U.S.",
    "Jan.",
    "15",
    "the",
    "alliance!",
    "why?",
    "\n\n",
    "\n",
    "  ",
    "—",
    "日本",
    "x" * 120,
    "said:",
    '"Yes."',
]


def _covered(text: str, spans: list[tuple[int, int]]) -> bool:
    covered = [False] * len(text)
    for start, end in spans:
        for i in range(start, end):
            covered[i] = True
    return all(c or ch.isspace() for c, ch in zip(covered, text, strict=True))


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.sampled_from(WORDS) | st.text(max_size=12), max_size=300).map(" ".join),
    st.integers(min_value=50, max_value=1200),
    st.integers(min_value=0, max_value=24),
)
def test_offsets_exact_bounded_and_covering(text: str, max_chars: int, overlap: int) -> None:
    config = ChunkingConfig(max_chars=max_chars, overlap_chars=overlap)
    article = Article(id="a", title="t", text=text)
    chunks = chunk_article(article, config)
    for chunk in chunks:
        assert article.text[chunk.start : chunk.end] == chunk.text
        assert 0 < len(chunk.text) <= max_chars
        assert chunk.text == chunk.text.strip()
    assert [c.index for c in chunks] == list(range(len(chunks)))
    assert len({c.id for c in chunks}) == len(chunks)
    assert _covered(text, [(c.start, c.end) for c in chunks])
    starts = [c.start for c in chunks]
    assert starts == sorted(starts) and len(set(starts)) == len(starts)


def test_sample_article_keeps_paragraphs_whole() -> None:
    text = SAMPLE.read_text("utf-8")
    paragraphs = [p.strip() for p in text.split("\n\n") if p.strip()]
    chunks = [text[s:e] for s, e in chunk_spans(text)]
    short = [p for p in paragraphs if len(p) <= ChunkingConfig().max_chars]
    # Every paragraph that fits in a chunk lies whole inside one chunk.
    for paragraph in short:
        assert any(paragraph in chunk for chunk in chunks), paragraph[:60]


def test_long_paragraph_splits_at_sentences_with_overlap() -> None:
    sentences = [
        f"Sentence number {i} says the alliance met on Jan. {i % 28 + 1}." for i in range(40)
    ]
    text = " ".join(sentences)
    config = ChunkingConfig(max_chars=300, overlap_chars=120)
    spans = chunk_spans(text, config)
    assert len(spans) > 5
    for start, end in spans:
        piece = text[start:end]
        # Sentence-aware: a chunk starts at a sentence start and ends at a sentence end.
        assert piece.startswith("Sentence number") and piece.endswith(".")
    # Overlap: consecutive chunks share at least one sentence.
    assert all(spans[i + 1][0] < spans[i][1] for i in range(len(spans) - 1))


def test_config_rejects_nonsense() -> None:
    import pytest

    with pytest.raises(ValueError, match="max_chars"):
        ChunkingConfig(max_chars=10)
    with pytest.raises(ValueError, match="overlap"):
        ChunkingConfig(max_chars=100, overlap_chars=80)
