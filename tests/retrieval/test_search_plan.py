"""How questions name publishers and which searches they need (no model, no store)."""

from __future__ import annotations

import pytest

from retrieval.errors import ReadoutError
from retrieval.models import Passage
from retrieval.questions import _slips, as_written, corpus_casing, respelled, truecase
from retrieval.search import (
    DENSE_SECOND_SLOT,
    HEAD_SLOT,
    Searcher,
    _holds_new_duration,
    _spans_paragraphs,
    balance,
    comparison_sides,
    is_comparison,
    mentioned_publishers,
    option_need,
    option_question,
    plan_queries,
    reserve,
    resolve_publisher,
)
from retrieval.store import Filters
from retrieval.text import names_past_opening

PUBLISHERS = [
    "Global Times",
    "Kyodo News (via Japan Today)",
    "Report.az (citing the Financial Times)",
    "The Japan News (Yomiuri Shimbun)",
    "The Nation (Thailand)",
    "Voice of Vienna",
]


def test_a_publisher_is_named_by_its_outlet_not_by_a_country_or_city_in_its_name() -> None:
    named = mentioned_publishers
    assert named("Yomiuri and Focus both report a 'top priority'.", PUBLISHERS) == [
        "The Japan News (Yomiuri Shimbun)"
    ]
    assert named("What did Japan and Thailand agree in Vienna?", PUBLISHERS) == []
    assert named("Global Times and the FT piece describe it differently.", PUBLISHERS) == [
        "Global Times",
        "Report.az (citing the Financial Times)",
    ]
    assert named("What did Kyodo report?", PUBLISHERS) == ["Kyodo News (via Japan Today)"]
    assert named("What did Voice of Vienna say?", PUBLISHERS) == ["Voice of Vienna"]


def test_a_comparison_of_two_named_publishers_is_searched_in_each() -> None:
    plans = plan_queries("How do the Global Times and the FT piece differ?", PUBLISHERS)
    assert [f.publisher for _, f in plans if isinstance(f, Filters)] == [
        "Global Times",
        "Report.az (citing the Financial Times)",
    ]
    # Countries are sides, not publishers: one search for the question and one per side.
    plans = plan_queries("How did Japan and China each characterize it?", PUBLISHERS)
    assert len(plans) == 3 and all(f is None for _, f in plans)


def test_a_question_asking_for_one_publishers_account_searches_it_first() -> None:
    plans = plan_queries("According to the FT report, what was lacking?", PUBLISHERS)
    assert [f.publisher if f else None for _, f in plans] == [
        "Report.az (citing the Financial Times)",
        None,
    ]
    assert plan_queries("What was lacking?", PUBLISHERS) == [("What was lacking?", None)]


def test_a_question_looking_past_the_named_publisher_searches_everywhere_first() -> None:
    question = "Yomiuri's write-up names no missile. Did another report say which one?"
    plans = plan_queries(question, PUBLISHERS)
    assert [f.publisher if f else None for _, f in plans] == [
        None,
        "The Japan News (Yomiuri Shimbun)",
    ]


def test_while_that_says_when_is_no_comparison() -> None:
    assert not is_comparison("Which drone company did Koizumi visit while he was in LA?")
    assert not is_comparison("What did he and Koizumi say they were both worried about?")
    assert is_comparison("Yomiuri and Focus both report a priority; which chain do they name?")
    assert is_comparison("Tokyo called it dangerous, while Beijing said what?")


def test_each_retrievers_best_passage_stays_near_the_top_of_the_fusion() -> None:
    def passage(cid: str) -> Passage:
        return Passage(cid, cid, cid, 0, 1, 0.0)

    # Dense ranks "only-dense" first and "paraphrase" second, and BM25 finds neither; the rest
    # both rank alike.
    shared = [f"both-{i}" for i in range(12)]
    dense = ["only-dense", "paraphrase", *shared]
    keyword = list(shared)
    searcher = Searcher.__new__(Searcher)
    searcher.dense = lambda q, k, f=None: [passage(c) for c in dense[:k]]  # type: ignore[method-assign]
    searcher.bm25 = lambda q, k, f=None: [passage(c) for c in keyword[:k]]  # type: ignore[method-assign]
    ranked = [p.chunk_id for p in searcher.hybrid("q", 10)]
    # Plain reciprocal rank fusion would put it behind all twelve, out of the top 10.
    assert ranked.index("only-dense") <= HEAD_SLOT
    assert ranked.index("paraphrase") == DENSE_SECOND_SLOT
    assert ranked[:HEAD_SLOT] == shared[:HEAD_SLOT]
    # BM25's second passage is not moved: the fusion already rewards the names it shares.
    keyword = ["only-bm25", "bm25-second", *shared]
    dense = list(shared)
    ranked = [p.chunk_id for p in searcher.hybrid("q", 10)]
    assert ranked.index("only-bm25") <= HEAD_SLOT and "bm25-second" not in ranked


def test_the_sides_are_the_two_countries_when_more_places_are_named() -> None:
    asked = "On the radar episode near Okinawa, how did Beijing's version differ from Tokyo's?"
    assert comparison_sides(asked) == ["Beijing", "Tokyo"]
    # Two names of one country are no comparison of sides.
    assert comparison_sides("Near Okinawa, how did Beijing's account differ from China's?") == []


def test_the_per_article_cap_spreads_passages_but_never_leaves_slots_empty() -> None:
    def passage(article: str, n: int) -> Passage:
        text = f"{article} passage {n} " + " ".join(f"w{article}{n}x{i}" for i in range(8))
        return Passage(f"{article}:{n}", article, text, 0, 1, 0.0)

    ranked = [passage("a", 0), passage("a", 1), passage("a", 2), passage("b", 0), passage("a", 3)]
    spread = balance(ranked, 4, 2)
    assert [p.chunk_id for p in spread] == ["a:0", "a:1", "b:0", "a:2"]
    # One article only (a search filtered to one publisher): all its passages, in rank order.
    only = [passage("a", n) for n in range(5)]
    assert [p.chunk_id for p in balance(only, 5, 3)] == [f"a:{n}" for n in range(5)]
    # A near-duplicate stays out even when a slot is free.
    twin = Passage("a:9", "a", only[0].text, 0, 1, 0.0)
    assert len(balance([*only[:3], twin], 5, 2)) == 3


def test_leaving_out_compares_like_omitting() -> None:
    assert is_comparison("What did the US readout leave out that Japan's readout included?")
    assert is_comparison("What does the Kyodo story leave out?")
    assert not is_comparison("When did Koizumi leave for the United States?")


def test_a_how_long_question_keeps_places_for_passages_stating_a_duration() -> None:
    def passage(article: str, n: int, text: str = "") -> Passage:
        return Passage(f"{article}:{n}", article, text or f"{article} talks {n}", 0, 1, 0.0)

    top = [passage("a", 0), passage("b", 0, "a week-long trip"), passage("a", 1), passage("c", 0)]
    ranked = [*top, passage("d", 0), passage("a", 2, "In a 50-minute meeting at the Pentagon")]
    holds = _holds_new_duration("How long did the meeting last?")
    # The one already in the top stays where it is; the other replaces the lowest without one.
    kept = reserve(top, ranked, holds, 2, 3)
    assert [p.chunk_id for p in kept] == ["a:0", "b:0", "a:1", "a:2"]
    # At its article's cap it replaces one of its own article's passages, not another's.
    capped = reserve(top, ranked, holds, 2, 2)
    assert [p.chunk_id for p in capped] == ["a:0", "b:0", "c:0", "a:2"]
    # A duration the question states is no answer to it, nor is "a few hours earlier".
    assert not _holds_new_duration("How long after the 50-minute meeting?")(ranked[-1])
    assert not holds(passage("e", 0, "A few hours earlier the two had worked out"))


def test_comparisons_and_questions_of_several_parts_are_read_over_paragraphs() -> None:
    assert _spans_paragraphs("How did Japan and China each characterize the radar encounters?")
    assert _spans_paragraphs(
        "How many talks had they held by Jan. 15, and what incident featured in the call before?"
    )
    assert not _spans_paragraphs("What did Zhang Junshe say?")
    assert not _spans_paragraphs("When Koizumi met Collins in KL, what pact did she want?")


def test_sides_are_found_in_a_question_typed_without_an_opening_capital() -> None:
    # Discord users type "what did …": "US" opens no sentence and is a side.
    for asked in (
        "What did the US readout omit that Japan's included?",
        "what did the US readout omit that Japan's included?",
        "  what did the US readout omit that Japan's included?",
    ):
        assert comparison_sides(asked) == ["US", "Japan"], asked
    assert names_past_opening(r"[A-Z]\w+", "Did Japan sign?") == ["Japan"]
    assert names_past_opening(r"[A-Z]\w+", "did Japan sign?") == ["Japan"]
    assert names_past_opening(r"[A-Z]\w+", '"Did Japan sign?"') == ["Japan"]


CORPUS = [
    "KUALA LUMPUR — Koizumi met Marles in Kuala Lumpur on Sunday. The U.S. side said little.",
    "Officials in Kuala Lumpur said Japan's defense minister met Marles. Koizumi thanked the"
    " U.S. for its SM-3 work, and the Defense Minister of Japan said the SM-3 was jointly built.",
    "Japan and the US met. Readout details differ. Later the readout said Japan would act.",
]


def test_corpus_casing_keeps_the_capitals_a_word_nearly_always_has() -> None:
    casing = corpus_casing(CORPUS)
    assert casing["kuala"] == "Kuala" and casing["lumpur"] == "Lumpur"  # not the dateline's
    assert casing["marles"] == "Marles" and casing["sm-3"] == "SM-3"
    assert casing["u.s."] == "U.S." and casing["japan"] == "Japan"
    # "Defense Minister" once and "defense minister" once: the corpus writes it both ways.
    assert "minister" not in casing and "defense" not in casing
    # A capital at a sentence's start is not evidence ("Readout details differ").
    assert "readout" not in casing and "later" not in casing
    assert "koizumi" not in casing  # only ever a sentence's first word here: no evidence


def test_truecase_restores_a_lower_case_question_only() -> None:
    casing = corpus_casing(CORPUS)
    assert (
        truecase(
            "what did the u.s. say to japan's marles in kuala lumpur? who built the sm-3?", casing
        )
        == "What did the U.S. say to Japan's Marles in Kuala Lumpur? Who built the SM-3?"
    )
    # A question with capitals of its own is cased as its writer meant.
    cased = "What did the defense minister tell marles in Kuala Lumpur?"
    assert truecase(cased, casing) == cased
    assert truecase("what did he say?", {}) == "what did he say?"


def test_as_written_gives_a_typed_question_its_quotes_mark_and_capitals() -> None:
    casing = corpus_casing(CORPUS)
    typed = "what did the u.s. tell japan’s marles in kuala lumpur"
    assert as_written(typed, casing) == "What did the U.S. tell Japan's Marles in Kuala Lumpur?"
    # A search, a statement or a question with its own "?" gains no question mark.
    assert as_written("Marles SM-3 talks", casing) == "Marles SM-3 talks"
    assert as_written("Tell me what Marles said.", casing) == "Tell me what Marles said."
    afterthought = "Which unit did they train with? like what regiment"
    assert as_written(afterthought, casing) == "Which unit did they train with? Like what regiment"


def test_a_publisher_filter_is_read_as_the_index_spells_it() -> None:
    assert resolve_publisher("Global Times", PUBLISHERS) == "Global Times"
    assert resolve_publisher("global  times", PUBLISHERS) == "Global Times"
    assert resolve_publisher("yomiuri", PUBLISHERS) == "The Japan News (Yomiuri Shimbun)"
    assert resolve_publisher("Financial Times", PUBLISHERS).startswith("Report.az")
    assert resolve_publisher("vienna", PUBLISHERS) == "Voice of Vienna"  # part of the name
    with pytest.raises(ReadoutError, match=r"'times' could be any of 'Global Times', 'Report"):
        resolve_publisher("times", PUBLISHERS)
    with pytest.raises(ReadoutError, match=r"no ingested article is from publisher 'Reuters'"):
        resolve_publisher("Reuters", PUBLISHERS)
    with pytest.raises(ReadoutError, match="none yet"):
        resolve_publisher("Reuters", [])


def test_a_name_of_several_words_is_restored_whole() -> None:
    casing = {"global times": "Global Times", "ft": "FT", "japan": "Japan", "times": "Times"}
    assert (
        truecase("how do the ft-based report and the global times describe japan?", casing)
        == "How do the FT-based report and the Global Times describe Japan?"
    )
    # Only words one space apart make the name: "global, times" are two words.
    assert truecase("is it global, times said?", casing) == "Is it global, Times said?"


def test_a_name_one_slip_away_is_spelt_as_the_corpus_spells_it() -> None:
    assert [_slips("koiuzmi", "koizumi"), _slips("hegeth", "hegseth"), _slips("ab", "ab")] == [
        1,
        1,
        0,
    ]
    assert _slips("paparro", "paparo") == 1 and _slips("marles", "miles") == 2
    casing = {"koizumi": "Koizumi", "hegseth": "Hegseth", "marles": "Marles", "mogami": "Mogami"}
    english = {"what", "did", "say", "about", "the", "marbles", "tell"}
    known = english.__contains__
    assert (
        respelled("What did Koiuzmi say about the marbles?", casing, known)
        == "What did Koizumi say about the marbles?"  # "marbles" is a word, not "Marles"
    )
    # The writer's case is kept, so a lower-case question is still restored whole after.
    assert respelled("what did hegeth tell marls", casing, known) == "what did hegseth tell marles"
    assert (
        as_written("what did hegeth tell marls", casing, known) == "What did Hegseth tell Marles?"
    )
    # Too short, too far, or as near to two names: left as typed.
    assert respelled("Did Marl or Kozumix or Mogamo say?", casing, known) == (
        "Did Marl or Kozumix or Mogami say?"
    )
    near_two = {"marles": "Marles", "martes": "Martes"}
    assert respelled("What did Marxes say?", near_two, known) == "What did Marxes say?"


TOPICS = (
    "Which defense-industrial topics featured on Koizumi's trip: one at his Los Angeles stop and "
    "one in the Pentagon talks?"
)


def test_a_choice_question_is_searched_whole_and_once_per_option() -> None:
    assert plan_queries(TOPICS, PUBLISHERS) == [
        (TOPICS, None),
        (
            "Which defense-industrial topics featured on Koizumi's trip at his Los Angeles stop?",
            None,
        ),
        ("Which defense-industrial topics featured on Koizumi's trip in the Pentagon talks?", None),
    ]
    first = "Which came first: the meeting in Kuala Lumpur or the SCM in Seoul?"
    assert [q for q, _ in plan_queries(first, PUBLISHERS)] == [
        first,
        "Which came first: the meeting in Kuala Lumpur?",
        "Which came first: the SCM in Seoul?",
    ]
    # A publisher the question names still leads; its options are read by the answerer.
    named = "According to Kyodo, which came first: the forum in Honolulu or the talks?"
    assert plan_queries(named, PUBLISHERS)[0][1] == Filters(
        publisher="Kyodo News (via Japan Today)"
    )


def test_an_option_that_says_one_asks_for_the_thing_the_question_names() -> None:
    assert option_need(TOPICS, "one at his Los Angeles stop") == (
        "Which defense-industrial topics at his Los Angeles stop?"
    )
    assert (
        option_need(
            "Which US officials did he meet: one in Honolulu and one at the Pentagon?",
            "one at the Pentagon",
        )
        == "Which US officials at the Pentagon?"
    )
    # An option that names its own event is asked as it is.
    assert option_need(TOPICS, "the meeting in Kuala Lumpur") == "the meeting in Kuala Lumpur"
    assert option_question("What came up?", "one in Seoul") == "What came up?"
