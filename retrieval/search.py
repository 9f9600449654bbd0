"""Dense, keyword and hybrid (reciprocal-rank-fused) passage search over the store."""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, replace

from retrieval.embeddings import Embedder
from retrieval.errors import ReadoutError
from retrieval.keyword import KeywordIndex
from retrieval.models import Passage
from retrieval.questions import as_written, question_parts
from retrieval.settings import SearchMode
from retrieval.store import Filters, Store
from retrieval.text import DURATION, names_past_opening, words
from retrieval.verify import NATIONS

log = logging.getLogger(__name__)

# Reciprocal rank fusion constant: 60 is the value of Cormack et al. and what most engines use;
# the candidate depth lets each retriever contribute passages the other ranks low.
RRF_K = 60
CANDIDATES = 30
# Each retriever's top passage is moved up to at least this position of the fused ranking, and
# the embeddings' second one to the next.
HEAD_SLOT = 3
DENSE_SECOND_SLOT = HEAD_SLOT + 1
# The paragraphs each of the first passages is read with (see Searcher.with_next_paragraphs):
# a comparison's or a multi-part question's first passage with up to three, its second with
# one; any other question's first two with one each. Over thirteen question sets (citations
# quoting only the paragraphs that support the answer), from one paragraph for comparisons
# only: mean recall@5 0.894 → 0.927, keyword accuracy 0.766 → 0.784, citation precision
# 0.742 → 0.772. Three paragraphs for every question's first: 0.941, 0.776, 0.765.
NEXT_PARAGRAPHS = (3, 1)
PLAIN_NEXT_PARAGRAPHS = (1, 1)
# "However, …", "Instead, …", "By contrast, …": a passage that opens by answering the paragraph
# before it is read with that paragraph. Over thirteen sets mean recall@5 0.927 → 0.931 and
# citation 0.776 → 0.778, one answer lost its keywords (c17: Japan's own readout now answers
# where the gold wants the lede's summary of it); the `make demo` question cites Japan's readout.
_POINTS_BACK = re.compile(
    r"\s*(?:However|But|Instead|Meanwhile|By contrast|In contrast|Still|Yet|Nevertheless|"
    r"Nonetheless|On the other hand)\b"
)
# Two passages sharing this fraction of their words say the same thing (overlapping chunks,
# wire copy republished by two outlets): keep the better-ranked one.
NEAR_DUPLICATE = 0.8


@dataclass(slots=True)
class SearchOptions:
    """How many passages to return and how to balance them."""

    k: int = 6
    mode: SearchMode = "hybrid"
    max_per_article: int = 3
    filters: Filters | None = None


class Searcher:
    """Find passages for a query with dense, BM25 or fused retrieval."""

    def __init__(self, store: Store, embedder: Embedder, keyword: KeywordIndex) -> None:
        self.store = store
        self.embedder = embedder
        self.keyword = keyword
        self._publishers: tuple[int, list[str]] | None = None
        self._casing: tuple[int, dict[str, str]] | None = None

    def dense(self, query: str, k: int, filters: Filters | None = None) -> list[Passage]:
        """Return the ``k`` passages closest in embedding space."""
        passages = self.store.query(self.embedder.embed_query(query), k, filters)
        for p in passages:
            p.scores["dense"] = p.score
        return passages

    def bm25(self, query: str, k: int, filters: Filters | None = None) -> list[Passage]:
        """Return the ``k`` best BM25 passages."""
        hits = self.keyword.search(query, k, filters)
        found = self.store.get_passages([cid for cid, _ in hits])
        out: list[Passage] = []
        for cid, score in hits:
            if cid in found:  # a chunk removed since the index was built is skipped
                p = found[cid]
                p.score = score
                p.scores["bm25"] = score
                out.append(p)
        return out

    def hybrid(self, query: str, k: int, filters: Filters | None = None) -> list[Passage]:
        """Fuse dense and BM25 rankings with reciprocal rank fusion."""
        depth = max(k, CANDIDATES)
        fused: dict[str, Passage] = {}
        totals: dict[str, float] = {}
        rankings = (self.dense(query, depth, filters), self.bm25(query, depth, filters))
        for ranking in rankings:
            for rank, p in enumerate(ranking):
                totals[p.chunk_id] = totals.get(p.chunk_id, 0.0) + 1.0 / (RRF_K + rank + 1)
                if p.chunk_id in fused:
                    fused[p.chunk_id].scores.update(p.scores)
                else:
                    fused[p.chunk_id] = p
        ranked = sorted(fused.values(), key=lambda p: totals[p.chunk_id], reverse=True)
        # RRF buries a passage only one retriever finds (the name BM25 matches, the paraphrase
        # only embeddings see) under passages both rank middling: each one's best stays near
        # the top.
        for ranking in rankings:
            if ranking:
                at = next(i for i, p in enumerate(ranked) if p.chunk_id == ranking[0].chunk_id)
                if at > HEAD_SLOT:
                    ranked.insert(HEAD_SLOT, ranked.pop(at))
        # The embeddings' second passage too: "He is due back in Japan on Jan. 18." is dense
        # rank 2 and BM25 rank 29 for "when is he supposed to be back home?". BM25's second
        # shares the question's names, which the fusion already rewards (kept too, it cost
        # recall on two sets).
        dense = rankings[0]
        if len(dense) > 1:
            at = next(i for i, p in enumerate(ranked) if p.chunk_id == dense[1].chunk_id)
            if at > DENSE_SECOND_SLOT:
                ranked.insert(DENSE_SECOND_SLOT, ranked.pop(at))
        for p in ranked:
            p.score = totals[p.chunk_id]
        return ranked[:k]

    def _resolved(self, options: SearchOptions) -> SearchOptions:
        """Return ``options`` with its publisher filter spelt as the index spells it."""
        filters = options.filters
        if filters is None or not filters.publisher:
            return options
        publisher = resolve_publisher(filters.publisher, self.publishers())
        if publisher == filters.publisher:
            return options
        return replace(options, filters=replace(filters, publisher=publisher))

    def read(self, question: str) -> str:
        """Return the question as an edited text writes it, names spelt as the corpus does."""
        english = self.embedder.words
        if not english:
            return as_written(question, self.casing())
        return as_written(question, self.casing(), lambda w: self.knows(w, english))

    def knows(self, word: str, english: frozenset[str]) -> bool:
        """Return True when ``word`` is one the corpus uses or an English word ("marbles")."""
        if self.keyword.knows(word):
            return True
        # The word list holds stems and whole words: "marbles" is "marble", "stances" "stance".
        return any(
            word.removesuffix(end) in english or word.removesuffix(end) + "e" in english
            for end in ("", "s", "es", "ed", "ing", "ly", "er", "est")
        )

    def casing(self) -> dict[str, str]:
        """Return how the corpus capitalises its words, and the publishers' names whole."""
        generation = self.store.generation
        if self._casing is not None and self._casing[0] == generation:
            return self._casing[1]
        casing = dict(self.keyword.casing())
        for publisher in self.publishers():
            for name in publisher_names(publisher):
                # "global times", "ft", "korea joongang daily"; a one-word name that is also a
                # word ("Focus") is left to the corpus's own casing.
                if " " in name or name.isupper():
                    casing.setdefault(name.lower(), name)
        self._casing = (generation, casing)
        return casing

    def publishers(self) -> list[str]:
        """Return the publishers in the index (cached per index generation)."""
        generation = self.store.generation
        if self._publishers is None or self._publishers[0] != generation:
            names = sorted({r.publisher for r in self.store.records().values() if r.publisher})
            self._publishers = (generation, names)
        return self._publishers[1]

    def retrieve(self, question: str, options: SearchOptions | None = None) -> list[Passage]:
        """Return passages for a question; a comparison is searched once per side."""
        options = self._resolved(options or SearchOptions())
        question = self.read(question)
        plans = plan_queries(question, self.publishers())
        if len(plans) == 1 or (options.filters is not None and options.filters.publisher):
            # One search; and a publisher the user chose is never swapped for one the
            # question names.
            return self.with_next_paragraphs(self._search(question, options), question)
        rankings = []
        for query, side in plans:
            filters = options.filters
            if side is not None:
                base = options.filters or Filters()
                filters = replace(base, publisher=side.publisher)
            rankings.append(self._search(query, replace(options, filters=filters)))
        if len(plans) == 2 and plans[0][1] is not None and plans[1][1] is None:
            # One publisher's account: its passages first, then the rest of the corpus. The
            # question asked for that account, so the per-article cap does not cut it short
            # ("according to the FT report, what was lacking …" is answered across the report);
            # one place stays for the rest, in case the publisher was misread.
            first, rest = rankings
            own = balance(first, max(1, options.k - 1), options.k)
            seen = {p.chunk_id for p in own}
            others = balance(
                [p for p in rest if p.chunk_id not in seen], options.k, options.max_per_article
            )
            # Near-duplicates across the two (wire copy) are still collapsed.
            found = balance([*own, *others], options.k, options.k)
        else:
            found = interleave(rankings, options.k, options.max_per_article)
        # Each option's best passage is read on: "Which topics featured: … one in the Pentagon
        # talks?" finds the Focus feature's opening, and its next paragraph names the missile.
        per_option = [query for query, _ in plans[1:]] == [
            option_question(question, o) for o in choice_alternatives(question)
        ]
        leads = {r[0].chunk_id for r in rankings[1:] if r} if per_option else set()
        return self.with_next_paragraphs(found, question, leads)

    def with_next_paragraphs(
        self, passages: list[Passage], question: str, leads: Collection[str] = ()
    ) -> list[Passage]:
        """Extend the first passages, and those in ``leads``, with the chunks after each.

        An account of two readouts runs over paragraphs: "Japan's ministry said they expressed
        serious concern …" and, two paragraphs on, "the U.S. readout named no specific
        incident". That one names neither the call nor the ministers, so no search finds it
        alone; read with the paragraphs before it, it comes with the passage that is found. The
        extended passage is still ``article_text[start:end]``.
        """
        out = list(passages)
        ids = {p.chunk_id for p in passages}
        following: dict[int, list[str]] = {}
        counts = NEXT_PARAGRAPHS if _spans_paragraphs(question) else PLAIN_NEXT_PARAGRAPHS
        for i, p in enumerate(passages):
            count = max(counts[i] if i < len(counts) else 0, 1 if p.chunk_id in leads else 0)
            if not count:
                continue
            article_id, _, index = p.chunk_id.rpartition(":")
            if not index.isdigit():
                continue
            after = [f"{article_id}:{j}" for j in range(int(index) + 1, int(index) + 1 + count)]
            after = [cid for cid in after if cid not in ids]
            if after:
                following[i] = after
        wanted = list(dict.fromkeys(cid for after in following.values() for cid in after))
        found = self.store.get_passages(wanted) if wanted else {}
        for i, after in following.items():
            p = passages[i]
            ends = [found[cid].end for cid in after if cid in found and found[cid].end > p.end]
            if not ends:
                continue
            article = self.store.get_article(p.article_id)
            if article is None:
                continue
            end = max(ends)
            out[i] = replace(p, text=article.text[p.start : end], end=end, scores=dict(p.scores))
        backed = self._with_paragraph_before(out)
        # A passage now read inside an extended one is not given twice.
        extended = [out[i] for i in following] + [out[i] for i in backed]
        return [q for q in out if not any(_holds(e, q) for e in extended if e is not q)]

    def _with_paragraph_before(self, passages: list[Passage]) -> list[int]:
        """Read a passage that opens by pointing back with the chunk before it, in place.

        "However, in a readout released by the US Department of War, the Pentagon did not go
        into details …" answers what the US readout left out only beside the paragraph before
        it, Japan's readout. Return the indexes of the passages extended.
        """
        before: dict[int, str] = {}
        for i, p in enumerate(passages):
            article_id, _, index = p.chunk_id.rpartition(":")
            if index.isdigit() and int(index) > 0 and _POINTS_BACK.match(p.text):
                before[i] = f"{article_id}:{int(index) - 1}"
        found = self.store.get_passages(list(before.values())) if before else {}
        # One read per article, however many of its passages point back.
        wanted = {passages[i].article_id for i, cid in before.items() if cid in found}
        articles = {aid: self.store.get_article(aid) for aid in wanted}
        extended = []
        for i, cid in before.items():
            p, prev = passages[i], found.get(cid)
            article = articles.get(p.article_id)
            if prev is None or article is None or prev.start >= p.start:
                continue
            passages[i] = replace(
                p, text=article.text[prev.start : p.end], start=prev.start, scores=dict(p.scores)
            )
            extended.append(i)
        return extended

    def search(self, query: str, options: SearchOptions | None = None) -> list[Passage]:
        """Return up to ``options.k`` diverse passages for ``query``."""
        # `readout search hegeth` finds Hegseth too, and "global times" the publisher.
        return self._search(self.read(query), self._resolved(options or SearchOptions()))

    def _search(self, query: str, options: SearchOptions) -> list[Passage]:
        """Search a query already read and filters already resolved (``retrieve``'s plans)."""
        depth = max(options.k * 3, CANDIDATES)
        run = {"dense": self.dense, "bm25": self.bm25, "hybrid": self.hybrid}[options.mode]
        ranked = run(query, depth, options.filters)
        top = balance(ranked, options.k, options.max_per_article)
        if _HOW_LONG.search(query):
            top = reserve(
                top, ranked, _holds_new_duration(query), DURATION_SLOTS, options.max_per_article
            )
        return top


# "How long did the sit-down last?": "In a 50-minute meeting at the Pentagon, the two confirmed
# …" shares one word with it, and ranks below twenty passages about the talks. The best
# passages stating a duration the question does not get places in the top k. (Looser than the
# answerer's check: "how long" anywhere in the question, not only leading its asking sentence.)
_HOW_LONG = re.compile(r"\bhow long\b", re.IGNORECASE)
DURATION_SLOTS = 3


def _holds(outer: Passage, inner: Passage) -> bool:
    """Return True when ``outer`` spans all of ``inner``'s text in the same article."""
    return (
        outer.article_id == inner.article_id
        and outer.start <= inner.start <= inner.end <= outer.end
    )


def _holds_new_duration(question: str) -> Callable[[Passage], bool]:
    asked = {m.lower() for m in DURATION.findall(question)}
    return lambda p: bool({m.lower() for m in DURATION.findall(p.text)} - asked)


def reserve(
    top: list[Passage],
    ranked: list[Passage],
    holds: Callable[[Passage], bool],
    slots: int,
    max_per_article: int,
) -> list[Passage]:
    """Give the best ``slots`` passages of ``ranked`` that ``holds`` accepts places in ``top``.

    Each one missing takes the place of the lowest passage that ``holds`` rejects, one of its
    own article's when that article is at the cap of passages per article.
    """
    out = list(top)
    for p in [p for p in ranked if holds(p)][:slots]:
        if any(o.chunk_id == p.chunk_id for o in out):
            continue
        # At its article's cap, it takes the place of one of that article's passages.
        full = sum(o.article_id == p.article_id for o in out) >= max_per_article
        lowest = next(
            (
                i
                for i in range(len(out) - 1, -1, -1)
                if not holds(out[i]) and (not full or out[i].article_id == p.article_id)
            ),
            None,
        )
        if lowest is None:
            continue
        out[lowest:] = [*out[lowest + 1 :], p]
    return out


def _overlap(a: set[str], b: set[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))


def balance(passages: list[Passage], k: int, max_per_article: int) -> list[Passage]:
    """Drop near-duplicates and cap passages per article, keeping rank order."""
    kept: list[Passage] = []
    kept_words: list[set[str]] = []
    per_article: dict[str, int] = {}
    capped: list[tuple[Passage, set[str]]] = []
    for p in passages:
        bag = set(words(p.text))
        if any(_overlap(bag, other) >= NEAR_DUPLICATE for other in kept_words):
            continue
        if per_article.get(p.article_id, 0) >= max_per_article:
            capped.append((p, bag))
            continue
        kept.append(p)
        kept_words.append(bag)
        per_article[p.article_id] = per_article.get(p.article_id, 0) + 1
        if len(kept) == k:
            return kept
    # The cap spreads the passages over articles when there are others to show; when there are
    # not (a search filtered to one publisher), the article's further passages fill the rest.
    for p, bag in capped:
        if len(kept) == k:
            break
        if not any(_overlap(bag, other) >= NEAR_DUPLICATE for other in kept_words):
            kept.append(p)
            kept_words.append(bag)
    return kept


_COMPARE = re.compile(
    r"\b(compar(?:e|es|ed|ing|ison)|differ(?:s|ed|ing)?|differences?|different|versus|vs\.?|"
    r"omit|omits|omitted|"
    r"left out|leaves? out|leaving out|"
    # "…, while Tokyo said …" contrasts; "while he was in LA" only says when.
    # "Yomiuri and Focus both report …" compares; "they were both worried" names no sides.
    r"each|(?<!they\s)(?<!were\s)(?<!are\s)(?<!them\s)both|whereas)\b|,\s*while\b",
    re.IGNORECASE,
)


def _spans_paragraphs(question: str) -> bool:
    """Return True when an answer likely runs over paragraphs: a comparison, or several parts.

    "How many talks had they held by Jan. 15, and what incident featured in the call before?"
    """
    return is_comparison(question) or len(question_parts(question)) > 1


def is_comparison(question: str) -> bool:
    """Return True when a question compares sources or sides."""
    return bool(_COMPARE.search(question))


def interleave(rankings: list[list[Passage]], k: int, max_per_article: int) -> list[Passage]:
    """Merge per-side rankings round-robin so every side is represented."""
    merged: list[Passage] = []
    seen: set[str] = set()
    for depth in range(max((len(r) for r in rankings), default=0)):
        for ranking in rankings:
            if depth < len(ranking) and ranking[depth].chunk_id not in seen:
                seen.add(ranking[depth].chunk_id)
                merged.append(replace(ranking[depth]))
    return balance(merged, k, max_per_article)


_GENERIC_NAME_WORDS = frozenset(
    """the a an and or of in on at to for by with from how what which who whom whose when where
    why did does do each both did was were is are has have had than that this these those
    according news daily times press post agency report reports said says readout readouts
    today nation citing shimbun global
    january february march april may june july august september october november december jan
    feb mar apr jun jul aug sep sept oct nov dec""".split()
)


@functools.lru_cache(maxsize=4096)
def publisher_names(publisher: str) -> tuple[str, ...]:
    """Return what a question may call a publisher: its name, distinctive words, acronyms.

    "The Japan News (Yomiuri Shimbun)" is "Yomiuri" (never "Japan": a country is not an
    outlet), "Report.az (citing the Financial Times)" is also "Financial Times" or "FT", and
    "Kyodo News (via Japan Today)" is "Kyodo" (the site it came through is not its name).
    """
    text = re.sub(r"\bvia\b[^)]*", " ", publisher)
    names = [publisher.split("(")[0].strip()]
    for run in re.findall(r"[A-Z][\w.-]*(?:\s+[A-Z][\w.-]*)+", text):
        words = run.split()
        names.append(run)
        names.append("".join(w[0] for w in words if w.lower() != "the"))
    for segment in re.split(r"[()]", text):
        # One distinctive word per part of the name: "Voice" of "Voice of Vienna", not the city.
        distinctive = [
            t
            for t in re.findall(r"[A-Z][\w.-]+", segment)
            if t.lower() not in _GENERIC_NAME_WORDS and t.lower() not in NATIONS
        ]
        names += distinctive[:1]
    return tuple(n for n in dict.fromkeys(names) if len(n) >= 2)


def resolve_publisher(name: str, publishers: Sequence[str]) -> str:
    """Return the indexed publisher a filter means: its exact name, any case, or a name of it.

    "global times" is "Global Times" and "Yomiuri" is "The Japan News (Yomiuri Shimbun)". A
    name no publisher has is an error that lists them: filtering on it would find nothing and
    read as "the articles don't answer", when the filter was mistyped.
    """
    if name in publishers:
        return name
    wanted = " ".join(name.split()).casefold()
    for found in (
        [p for p in publishers if p.casefold() == wanted],
        [p for p in publishers if any(n.casefold() == wanted for n in publisher_names(p))],
        [p for p in publishers if wanted and wanted in p.casefold()],
    ):
        if len(found) == 1:
            return found[0]
        if found:
            raise ReadoutError(
                f"publisher {name!r} could be any of {_listed(found)}; give one in full"
            )
    raise ReadoutError(
        f"no ingested article is from publisher {name!r}; the publishers are "
        f"{_listed(publishers) if publishers else 'none yet (nothing is ingested)'}"
    )


def _listed(names: Sequence[str], most: int = 12) -> str:
    """Return names quoted and joined, with how many more past ``most``."""
    shown = ", ".join(repr(n) for n in names[:most])
    return shown + (f" and {len(names) - most} more" if len(names) > most else "")


def mentioned_publishers(question: str, publishers: list[str]) -> list[str]:
    """Return the known publishers a question names (by full name or a distinctive word)."""
    return [
        publisher
        for publisher in publishers
        if any(re.search(rf"\b{re.escape(n)}(?!\w)", question) for n in publisher_names(publisher))
    ]


_NAME = r"(?:[A-Z][a-z]+|[A-Z]{2,})"
_COORDINATED = re.compile(rf"\b({_NAME})(?:'s)?\s+(?:and|or|vs\.?|versus)\s+(?:the\s+)?({_NAME})\b")


def comparison_sides(question: str) -> list[str]:
    """Return the sides a comparison names: "Japan and China", or "the US … Japan's" (two names)."""
    sides: list[str] = []
    for match in _COORDINATED.finditer(question):
        for name in match.groups():
            if name.lower() not in _GENERIC_NAME_WORDS and name not in sides:
                sides.append(name)
    if sides:
        return sides
    names = [
        n.removesuffix("'s")
        for n in names_past_opening(rf"\b{_NAME}(?:'s)?", question)
        if n.removesuffix("'s").lower() not in _GENERIC_NAME_WORDS
    ]
    unique = list(dict.fromkeys(names))
    if len(unique) != 2:
        # "On the radar episode near Okinawa, how did Beijing's version differ from Tokyo's?":
        # the sides are the two countries (or capitals), not every place named.
        countries = [n for n in unique if n.lower() in NATIONS]
        unique = countries if len({NATIONS[n.lower()] for n in countries}) == 2 else []
    return unique if len(unique) == 2 else []


# "Which came first: the meeting in Kuala Lumpur or the SCM in Seoul?" and "which topics
# featured: one at his Los Angeles stop and one in the Pentagon talks?" offer alternatives; after
# a comma only "or" does (", and …" usually starts another clause).
_CHOICE = (
    re.compile(
        r"\b(?:which|who|whom|what)\b[^:?]*?:\s*(?P<a>[^?:]+?)\s+(?:and|or)\s+(?P<b>[^?,]+?)"
        r"\s*(?:[,?]|$)",
        re.IGNORECASE,
    ),
    re.compile(
        r"\b(?:which|who|whom|what)\b[^:?]*?,\s*(?P<a>[^?:,]+?)\s+or\s+(?P<b>[^?,]+?)\s*(?:[,?]|$)",
        re.IGNORECASE,
    ),
)


def choice_alternatives(question: str) -> list[str]:
    """Return the alternatives of a choice question ("which came first: A or B?"), else []."""
    match = _CHOICE[0].search(question) or _CHOICE[1].search(question)
    if not match:
        return []
    first, second = (" ".join(g.split()) for g in match.group("a", "b"))
    return [first, second] if words(first) and words(second) else []


_ASKED_THING = re.compile(r"\b(?P<wh>which|what)\s+(?P<words>[^:?]+)", re.IGNORECASE)
_NOT_THING = frozenset(
    """did do does had have has were was are is will would could can came come went met made took
    got saw said told held gave drew stood rose led put set found brought became on in at of for
    from to by with about during""".split()
)


def option_need(question: str, option: str) -> str:
    """Return what an option asks: "Which topics came up: one at A …" → "Which topics at A?"."""
    one = _ONE_OF_THEM.match(option)
    match = _ASKED_THING.search(question)
    if not one or not match:
        return option
    thing: list[str] = []
    for word in match.group("words").split()[:4]:
        if word.lower() in _NOT_THING or word.lower().endswith("ed"):
            break
        thing.append(word)
    if not thing:
        return option
    return " ".join(f"{match.group('wh')} {' '.join(thing)} {option[one.end() :]}".split()) + "?"


def option_question(question: str, option: str) -> str:
    """Return a choice question asked of one option: "Which came first: A or B?" → "…: A?"."""
    match = _CHOICE[0].search(question) or _CHOICE[1].search(question)
    if match is None:
        return question
    head, tail = question[: match.start("a")], question[match.end("b") :]
    option = option.rstrip(" ,")
    one = _ONE_OF_THEM.match(option)
    if one:
        # "Which topics featured: one at his Los Angeles stop …": "one" stands for the topics.
        head, option = head.rstrip(" :"), option[one.end() :]
    return " ".join(f"{head} {option}{tail}".split())


_ONE_OF_THEM = re.compile(r"(?:the\s+)?ones?\b", re.IGNORECASE)


_ANOTHER_SOURCE = re.compile(
    r"\b(?:an?other|other|a different|different|any other)\s+"
    r"(?:\w+\s+)?(?:reports?|outlets?|articles?|papers?|sources?|accounts?|write-ups?|stor(?:y|ies)|"
    r"coverage|media)\b|\belsewhere\b",
    re.IGNORECASE,
)


def asks_another_source(question: str) -> bool:
    """Return True when a question looks past the source it names ("did another report …")."""
    return bool(_ANOTHER_SOURCE.search(question))


def plan_queries(question: str, publishers: list[str]) -> list[tuple[str, Filters | None]]:
    """Split a comparison question into one search per side; other questions stay whole.

    A question that asks for one publisher's account ("according to the FT report …", "in
    the Global Times piece …") is searched in that publisher first, then everywhere.
    """
    if not is_comparison(question):
        named = mentioned_publishers(question, publishers)
        if len(named) == 1 and asks_another_source(question):
            # "Yomiuri's write-up names no missile; did another report?": the answer is
            # elsewhere, so the whole corpus leads and the named publisher's passages follow.
            return [(question, None), (question, Filters(publisher=named[0]))]
        if len(named) == 1:
            return [(question, Filters(publisher=named[0])), (question, None)]
        # "Which topics featured: one at his Los Angeles stop and one in the Pentagon talks?":
        # the whole question finds the itinerary naming both; each option's own search finds
        # what was done there.
        options = choice_alternatives(question)
        return [(question, None), *((option_question(question, o), None) for o in options)]
    named = mentioned_publishers(question, publishers)
    if len(named) >= 2:
        return [(question, Filters(publisher=p)) for p in named]
    sides = comparison_sides(question)
    if len(sides) < 2:
        return [(question, None)]
    plans: list[tuple[str, Filters | None]] = [(question, None)]
    for side in sides[:3]:
        others = [s for s in sides if s != side]
        text = question
        for other in others:
            text = re.sub(rf"\b{re.escape(other)}(?:'s)?\b", " ", text)
        plans.append((" ".join(text.split()), None))
    return plans
