"""The shipped question sets are measuring instruments: a gold quote that is not in its article
would score every retriever 0 on that question and nobody would notice."""

from __future__ import annotations

from pathlib import Path

import pytest

from retrieval.evaluation import load_questions, normalise

ROOT = Path(__file__).resolve().parents[2]
SETS = sorted((ROOT / "examples" / "eval").glob("*_questions.jsonl"))
CORPUS = ROOT / "examples" / "corpus"
TYPES = {
    "factual",
    "entity",
    "temporal",
    "multi_doc",
    "comparison",
    "omission",
    "unanswerable",
    "injection",
}


def test_every_question_set_is_found() -> None:
    assert len(SETS) >= 11, [s.name for s in SETS]


@pytest.mark.parametrize("path", SETS, ids=[s.stem for s in SETS])
def test_gold_quotes_are_in_their_articles(path: Path) -> None:
    questions = load_questions(path)
    assert len({q.id for q in questions}) == len(questions), "ids repeat"
    for q in questions:
        assert q.type in TYPES, (q.id, q.type)
        if q.type == "unanswerable":
            assert not q.gold and not q.answer_keywords, q.id
            continue
        if q.type == "injection":
            continue
        assert q.gold and q.answer_keywords, q.id
        assert all(group and all(alt.strip() for alt in group) for group in q.answer_keywords)
        for gold in q.gold:
            article = CORPUS / gold["file"]
            assert article.is_file(), (q.id, gold["file"])
            text = normalise(article.read_text("utf-8"))
            assert normalise(gold["quote"]) in text, (q.id, gold["quote"][:60])
        if q.type == "multi_doc":
            assert len({g["file"] for g in q.gold}) >= 2, q.id
