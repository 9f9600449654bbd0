"""Every payload fits every Discord limit, whatever the answer looks like."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot import formatting as fmt
from retrieval.models import Answer, Citation, Passage

texts = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=9000)


def citation(n: int, title: str, quote: str) -> Citation:
    return Citation(
        n=n,
        article_id=f"a{n}",
        chunk_id=f"a{n}:0",
        title=title,
        publisher="P" * (n % 300),
        published="2026-01-16",
        url=f"https://example.com/{n}",
        quote=quote,
        start=0,
        end=len(quote),
    )


def check(pages: list[fmt.Page]) -> None:
    assert pages
    for page in pages:
        assert 1 <= len(page.embeds) <= fmt.EMBEDS_MAX
        assert sum(len(e) for e in page.embeds) <= fmt.MESSAGE_EMBED_TOTAL
        for embed in page.embeds:
            assert len(embed.title or "") <= fmt.TITLE_MAX
            assert len(embed.description or "") <= fmt.DESCRIPTION_MAX
            assert len(embed.fields) <= fmt.FIELDS_MAX
            assert len(embed.footer.text or "") <= fmt.FOOTER_MAX
            for field in embed.fields:
                assert 0 < len(field.name or "") <= fmt.FIELD_NAME_MAX
                assert 0 < len(field.value or "") <= fmt.FIELD_VALUE_MAX
            assert "@everyone" not in (embed.description or "")
            assert "@here" not in (embed.description or "")


@settings(max_examples=60, deadline=None)
@given(texts, st.lists(st.tuples(texts, texts), max_size=60), st.booleans())
def test_answer_pages_fit_every_limit(
    text: str, cites: list[tuple[str, str]], abstained: bool
) -> None:
    citations = [citation(i + 1, t[:500], q) for i, (t, q) in enumerate(cites)]
    passages = [
        Passage(
            chunk_id=c.chunk_id,
            article_id=c.article_id,
            text=c.quote,
            start=0,
            end=1,
            score=0.0,
            title=c.title,
        )
        for c in citations
    ]
    answer = Answer(
        question=text[:3000], text=text, citations=citations, abstained=abstained, passages=passages
    )
    pages = fmt.answer_pages(answer, elapsed=1.234, mode="extractive")
    check(pages)
    check(fmt.passage_pages(answer))
    if not abstained and citations:
        # Every source is listed somewhere, in order.
        listed = "\n".join(f.value or "" for p in pages for e in p.embeds for f in e.fields)
        assert all(f"[{c.n}]" in listed for c in citations)


@settings(max_examples=40, deadline=None)
@given(st.lists(texts, max_size=30))
def test_search_pages_fit(texts_: list[str]) -> None:
    passages = [
        Passage(
            chunk_id=str(i),
            article_id=str(i),
            text=t,
            start=0,
            end=len(t),
            score=1.0,
            title=t[:300],
            url="https://x.example/",
        )
        for i, t in enumerate(texts_)
    ]
    check(fmt.passages_list_pages("query " * 100, passages))


def test_long_answer_is_paginated_not_cut() -> None:
    text = " ".join(f"Sentence {i} about the alliance [1]." for i in range(1500))
    answer = Answer(question="q", text=text, citations=[citation(1, "t", "quote")], abstained=False)
    pages = fmt.answer_pages(answer, elapsed=1.0, mode="local")
    assert len(pages) > 1
    joined = " ".join(e.description or "" for p in pages for e in p.embeds)
    assert "Sentence 1499 about" in joined and "Sentence 0 about" in joined
    assert (
        pages[-1].embeds[-1].footer.text
        and f"page {len(pages)}/{len(pages)}" in pages[-1].embeds[-1].footer.text
    )


def test_mentions_and_masked_links_are_neutralised() -> None:
    dirty = "@everyone @here <@123456789012345678> <@&123456789012345678> <#123> [click](https://evil.example)"
    clean = fmt.sanitize(dirty)
    assert "@everyone" not in clean and "@here" not in clean
    assert "<@123456789012345678>" not in clean and "<#123>" not in clean
    assert "https://evil.example" not in clean and "click" in clean
