"""Citation verification in code: keep only the sentences the retrieved passages support.

Nothing the model writes is trusted. Each sentence of a draft is cleaned (the model's own [n]
markers, Discord mentions and foreign links removed), scored against every retrieved passage,
kept only when a passage supports it, and given that passage's [n]. Citations are renumbered
1..m in order of first use and quote the passage exactly (``article_text[start:end]``).
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Callable, Collection, Container, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from retrieval.models import Citation, Passage
from retrieval.text import paragraph_spans, sentence_spans

log = logging.getLogger(__name__)

Embed = Callable[[list[str]], np.ndarray]
"""Texts → an (n, dim) array of L2-normalised vectors (so a dot product is a cosine)."""

# How support is scored and the thresholds it must pass, chosen on a calibration set of 73
# answer sentences over the dev questions' retrieved passages (hybrid, top 6). Faithful sentences
# (verbatim, trimmed, paraphrased) scored lexical 0.61-1.0, semantic 0.38-0.97. Hallucinations on
# the same topic (wrong person, month or number; claims no article makes) scored lexical <= 0.64,
# or 0 for a wrong number or month; the injected "Japan has quit the alliance." scored lexical 0.71
# but semantic 0.33, 0.52 combined. With these values all 33 hallucinations are removed and 35 of
# 40 faithful sentences kept; the 5 lost are loose paraphrases ("speed up" for "accelerate") whose
# words differ as much as a hallucination's. Erring that way is deliberate: a wrongly removed
# sentence costs less than a wrongly kept one.
W_SEMANTIC = 0.5
W_LEXICAL = 0.5
SUPPORT_MIN = 0.6
SEMANTIC_FLOOR = 0.3
LEXICAL_FLOOR = 0.68
# Names and numbers weigh more, so a claim can pass on them alone: half the plain words too.
PREDICATE_FLOOR = 0.5
# Numbers and dates are where a fluent model is most often wrong ("in July" for "in March"): a
# sentence with a number, month or weekday the supporting passage lacks is never supported.
NUMBER = re.compile(r"\d")
_DATE_WORDS = frozenset(
    """january february march april june july august september october november december
    monday tuesday wednesday thursday friday saturday sunday""".split()
)

# A draft sentence whose terms are this much the question's own just repeats the question (small
# models do: "The Japanese ambassador in Washington asked for more public support.").
ECHO_COVERAGE = 0.85

# Term weights for lexical overlap: names and numbers carry the claim, function words don't.
WEIGHT_NUMBER = 2.0
WEIGHT_NAME = 1.5
WEIGHT_WORD = 1.0

# Light verbs ("get back", "made the comments" mean what their object does) and contractions.
STOPWORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for from
    further had has have having he her here hers herself him himself his how i if in into is it
    its itself just me more most my myself no nor not now of off on once only or other our ours
    out over own same she should so some such than that the their theirs them themselves then
    there these they this those through to too under until up very was we were what when where
    which while who whom why will with would you your yours said says say told according also
    however whether whose one two many much may might must shall yet still ever even
    get gets got getting make makes made making
    don't doesn't didn't isn't wasn't aren't weren't hasn't haven't hadn't won't wouldn't can't
    couldn't shouldn't""".split()
)

# Discord mention syntax and links: a chat answer must never ping people or carry a link the
# citations don't vouch for (an injected passage may ask for exactly that).
MENTION = re.compile(
    r"@[\u200b\u2060]?(?:everyone|here)\b|<@[!&]?\d+>|<#\d+>|</[\w -]+:\d+>",
    re.IGNORECASE,
)
URL = re.compile(r"<?(?:https?://|www\.)[^\s<>()\[\]]+>?", re.IGNORECASE)
MASKED_LINK = re.compile(r"\[([^\]\n]{1,200})\]\((?:https?://|www\.)[^)\s]+\)", re.IGNORECASE)
# The model's own markers: [1], [1, 2], [1-3], [Passage 2], [source 1], (1) after a word, 【1】.
CITATION_MARK = re.compile(
    r"\s*(?:\[(?:passage|source|doc|n)?\s*=?\s*\d+(?:\s*[,;–-]\s*\d+)*\]|【\d+】|\(\d{1,2}\)(?=\W|$))",
    re.IGNORECASE,
)
_BULLET = re.compile(r"^\s*(?:[-*•]+|\d{1,2}[.)])\s+")
_LEAD_IN = re.compile(r"^\s*(?:the\s+)?(?:short\s+)?answer(?:\s+is)?\s*:\s*", re.IGNORECASE)
_TOKEN = re.compile(r"[\w'’-]+", re.UNICODE)
_NAME_COMPOUND = re.compile(r"[A-Z][\w'’.]*(?:-[A-Z][\w'’.]*)+")
_TRAILING = re.compile(r"[.!?…]+$")

# Sentences of a passage that address a model rather than a reader are prompt-injection
# attempts: they never count as support and are never extracted into an answer.
INSTRUCTION = re.compile(
    r"\b(?:ignore|disregard|forget|override)\b[^.]{0,40}\b(?:instructions?|rules|prompts?|"
    r"guidelines|directions)\b"
    r"|\bsystem\s+(?:notice|prompt|message|instruction)s?\b"
    # Not a bare "assistant": "Assistant Secretary Noh said the U.S. should …" is news.
    r"|\b(?:chatbots?|ai assistants?|language models?|llms?|ai models?|summari[sz]ers?)\b[^.]{0,40}"
    r"\b(?:must|should|shall|disregard|ignore|post|reply|respond|output)\b"
    r"|\b(?:post|reply|respond|output|write|say)\s+(?:only\s+)?exactly\b"
    r"|\bdo not (?:answer|mention|cite|reveal)\b",
    re.IGNORECASE,
)


# Sentences about the passages rather than the news ("The passages only mention …", "Passage 2
# says …") are commentary: quoting passage words makes them score as supported, yet they
# assert nothing a reader can check, and a small model's are often wrong. They never survive.
META = re.compile(
    r"\b(?:the|these|this|those|provided|given|above|following)\s+(?:passages?|context|"
    r"documents?|excerpts?|snippets?)\b|\bpassages?\s*\[?\d|\bas an ai\b|\bi (?:cannot|can't|"
    r"am unable|don't have)\b",
    re.IGNORECASE,
)


# A person's nationality is part of who they are: "China Defence Minister Shinjiro Koizumi" has
# every word of "Japanese Defence Minister Shinjiro Koizumi" yet names someone who does not
# exist (seen from a 0.5B model). A nation before a title and a name must be the passage's.
NATIONS = {
    "japan": "japan", "japanese": "japan", "tokyo": "japan",
    "china": "china", "chinese": "china", "beijing": "china", "prc": "china",
    "us": "us", "u.s": "us", "u.s.": "us", "american": "us", "america": "us", "washington": "us",
    "korea": "korea", "korean": "korea", "seoul": "korea",
    "india": "india", "indian": "india",
    "australia": "australia", "australian": "australia",
    "philippines": "philippines", "philippine": "philippines", "filipino": "philippines",
    "taiwan": "taiwan", "taiwanese": "taiwan",
    "russia": "russia", "russian": "russia",
    "britain": "uk", "british": "uk", "uk": "uk", "u.k.": "uk",
    "zealand": "nz", "nz": "nz", "thailand": "thailand", "thai": "thailand",
    "malaysia": "malaysia", "malaysian": "malaysia", "vietnam": "vietnam", "vietnamese": "vietnam",
    "indonesia": "indonesia", "indonesian": "indonesia", "singapore": "singapore",
    "singaporean": "singapore", "france": "france", "french": "france", "germany": "germany",
    "german": "germany", "ukraine": "ukraine", "ukrainian": "ukraine", "laos": "laos",
    "lao": "laos",
}  # fmt: skip
_QUALIFIED_NAME = re.compile(
    r"(?P<nation>\b[A-Z][\w.]*?)(?:'s|’s)?\s+"
    r"(?:(?:Prime|Defen[cs]e|Foreign|Deputy|Vice|Chief|Cabinet|Navy|Army|Military)\s+)*"
    r"(?:Minister|Secretary|President|Spokes(?:person|man|woman)|Ambassador|Admiral|Adm\.|Gen\.|"
    r"General|Commander|Premier|Chancellor)\s+(?:of\s+[A-Z]\w+\s+)?"
    r"(?P<name>[A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+){0,2})"
)


def _nation(word: str) -> str:
    return NATIONS.get(word.lower().removesuffix("'s").removesuffix("’s"), "")


def nations_of(text: str) -> dict[str, set[str]]:
    """Return surname → the nations written before a title and that name in ``text``."""
    found: dict[str, set[str]] = {}
    for match in _QUALIFIED_NAME.finditer(text):
        nation = _nation(match.group("nation"))
        if nation:
            surname = match.group("name").split()[-1].lower()
            found.setdefault(surname, set()).add(nation)
    return found


def nations_agree(sentence: str, passage_text: str) -> bool:
    """Return False when the sentence gives a person another nationality than the passage."""
    claimed = nations_of(sentence)
    if not claimed:
        return True
    known = nations_of(passage_text)
    return all(not known.get(name) or nations & known[name] for name, nations in claimed.items())


# "Zhang Junshe, a Chinese military affairs expert, told …" / "…, Song said.": who a claim says
# spoke. A fluent model moves a quote to the wrong person ("Zhang Junshe told the Global Times
# that [what 'some Chinese experts' said]") with every word still in the passage.
_SAID = r"(?:said|says|told|tells|noted|argued|stressed|warned|added|explained|claimed|insisted)"
_SPEAKER_FIRST = re.compile(
    rf"(?P<who>\b[A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+)*)(?:,[^,]{{1,80}},)?\s+{_SAID}\b"
)
_SPEAKER_LAST = re.compile(rf"\b{_SAID}\s+(?P<who>[A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+)*)\W*$")
_NOT_SPEAKERS = frozenset(
    """the a an he she they it we i this that these those there then but and so yet also
    however meanwhile earlier later monday tuesday wednesday thursday friday saturday sunday
    mr mrs ms dr minister secretary president spokesperson""".split()
    + list(_DATE_WORDS)
)


def claimed_speakers(sentence: str) -> list[tuple[str, ...]]:
    """Return the names a claim says spoke: "Song Zhongping … said" → [("Song", "Zhongping")]."""
    found = []
    for match in (*_SPEAKER_FIRST.finditer(sentence), *_SPEAKER_LAST.finditer(sentence)):
        words = [w.removesuffix("'s").removesuffix("’s") for w in match.group("who").split()]
        if words and words[-1].lower() not in _NOT_SPEAKERS and words[-1].lower() not in NATIONS:
            found.append(tuple(w for w in words if w.lower() not in _NOT_SPEAKERS))
    return found


def speakers_agree(sentence: str, unit_sentences: Sequence[str]) -> bool:
    """Return False when the passage sentence a claim rests on is not the claimed speaker's.

    The passage sentence most like the claim must name the speaker, or say "he/she said" right
    after a sentence that names them.
    """
    speakers = claimed_speakers(sentence)
    if not speakers or not unit_sentences:
        return True
    claim = terms(sentence)
    best = max(range(len(unit_sentences)), key=lambda i: coverage(claim, terms(unit_sentences[i])))
    here = unit_sentences[best]
    before = unit_sentences[best - 1] if best else ""
    pronoun = re.search(rf"\b(?:he|she)\s+{_SAID}\b|\b{_SAID}\s+(?:he|she)\b", here, re.I)

    # Any word of the name: "Zhang Junshe" is "Zhang" on second mention.
    def names(text: str, name: tuple[str, ...]) -> bool:
        return any(re.search(rf"\b{re.escape(word)}\b", text) for word in name)

    return all(names(here, name) or (pronoun and names(before, name)) for name in speakers)


def looks_like_instruction(sentence: str) -> bool:
    """Return True when a passage sentence speaks to a model instead of reporting news."""
    return bool(INSTRUCTION.search(sentence))


@functools.cache
def _stemmer() -> Any:
    import Stemmer  # PyStemmer, already a dependency of the keyword index; small C extension

    return Stemmer.Stemmer("english")


# News writes "Jan. 15" where a question says "January": one term for both. ("May" is left out:
# as a capitalised sentence start it is more often the verb.)
MONTH_ABBREVIATIONS = {
    "Jan": "january", "Feb": "february", "Mar": "march", "Apr": "april", "Jun": "june",
    "Jul": "july", "Aug": "august", "Sep": "september", "Sept": "september", "Oct": "october",
    "Nov": "november", "Dec": "december",
}  # fmt: skip


# "Adm. Samuel Paparo" is the admiral a question asks about: a title's abbreviation is its word.
TITLE_ABBREVIATIONS = {
    "Adm": "Admiral", "Gen": "General", "Lt": "Lieutenant", "Col": "Colonel", "Capt": "Captain",
    "Cmdr": "Commander", "Sgt": "Sergeant", "Gov": "Governor", "Sen": "Senator",
}  # fmt: skip


def terms(text: str) -> dict[str, float]:
    """Return the stemmed content terms of ``text`` with their weights."""
    found: dict[str, float] = {}
    # "Koizumi-Hegseth", "Japan-U.S.": a compound of names is each name ("sit-down" stays whole).
    raw = [
        part
        for t in _TOKEN.findall(text)
        for part in (t.split("-") if _NAME_COMPOUND.fullmatch(t) else [t])
    ]
    raw = [t.strip("'’-") for t in raw]
    raw = [t.removesuffix("'s").removesuffix("’s") for t in raw if t]
    raw = [TITLE_ABBREVIATIONS.get(t, t) for t in raw]
    stems = _stemmer().stemWords([t.lower() for t in raw])
    for token, stem in zip(raw, stems, strict=True):
        lower = MONTH_ABBREVIATIONS.get(token, token.lower())
        acronym = len(token) >= 2 and token.isupper()  # "US" is a name, "us" a stopword
        if (lower.replace("’", "'") in STOPWORDS and not acronym) or (
            len(lower) < 2 and not lower.isdigit()
        ):
            continue
        if NUMBER.search(token) or lower in _DATE_WORDS:
            weight = WEIGHT_NUMBER
            stem = lower
        elif token[0].isupper():
            weight = WEIGHT_NAME
        else:
            weight = WEIGHT_WORD
        found[stem] = max(weight, found.get(stem, 0.0))
    return found


def coverage(claim: dict[str, float], source: Container[str]) -> float:
    """Return the weighted share of ``claim``'s terms that ``source`` contains."""
    total = sum(claim.values())
    if not total:
        return 0.0
    return sum(w for t, w in claim.items() if t in source) / total


def numbers_supported(claim: dict[str, float], source: Container[str]) -> bool:
    """Return True when every number in the claim also appears in the source."""
    return all(t in source for t in claim if NUMBER.search(t) or t in _DATE_WORDS)


def strip_markup(sentence: str, allowed_urls: frozenset[str] = frozenset()) -> str:
    """Remove [n] markers, mentions and links (except ``allowed_urls``); normalise spaces."""
    text = MASKED_LINK.sub(r"\1", sentence)
    text = CITATION_MARK.sub("", text)
    text = MENTION.sub("", text)

    def _link(match: re.Match[str]) -> str:
        url = match.group().strip("<>").rstrip(".,;:!?'\"")
        return match.group() if url in allowed_urls else ""

    text = URL.sub(_link, text)
    text = _LEAD_IN.sub("", _BULLET.sub("", text))
    text = " ".join(text.split())
    # Removing a marker or link can leave " ." or an empty pair of brackets behind.
    text = re.sub(r"\s+([.,;:!?])", r"\1", text)
    text = re.sub(r"\(\s*\)|\[\s*\]", "", text)
    return text.strip(" ,;:")


def draft_sentences(draft: str) -> list[str]:
    """Split a model's draft into sentences (lines first: models love bullet lists)."""
    out: list[str] = []
    for line in draft.splitlines():
        line = _BULLET.sub("", line).strip()
        if line:
            out.extend(line[s:e] for s, e in sentence_spans(line))
    return out


def is_claim(sentence: str) -> bool:
    """Return True when a sentence asserts something checkable (not a name list or commentary)."""
    found = terms(sentence)
    # "Tokyo (Japan)" or "Sanae Takaichi (China)" are bare names: with nothing said about them,
    # every word matches some passage, so they would pass as supported while asserting nothing.
    if not any(weight == WEIGHT_WORD for weight in found.values()):
        return False
    return not META.search(sentence)


@dataclass(slots=True)
class PassageUnits:
    """The sentences of one passage usable as support (injected instructions left out)."""

    passage: Passage
    sentences: list[str]
    terms: dict[str, float]
    spans: list[tuple[int, int]]  # each sentence's (start, end) in the passage's text


def passage_units(passage: Passage) -> PassageUnits:
    """Split a passage into its supporting sentences and collect its terms."""
    spans = [
        (s, e)
        for s, e in sentence_spans(passage.text)
        if not looks_like_instruction(passage.text[s:e])
    ]
    sentences = [" ".join(passage.text[s:e].split()) for s, e in spans]
    return PassageUnits(passage, sentences, terms(" ".join(sentences)), spans)


@dataclass(frozen=True, slots=True)
class Support:
    """How well one passage supports one sentence."""

    passage: int  # index into the retrieved passages
    score: float
    semantic: float
    lexical: float
    also: int | None = None  # a second passage, when each holds a clause of the sentence
    unit: int | None = None  # the passage's sentence most like it (None: the whole passage)

    @property
    def ok(self) -> bool:
        """Return True when the support passes every threshold."""
        return (
            self.score >= SUPPORT_MIN
            and self.semantic >= SEMANTIC_FLOOR
            and self.lexical >= LEXICAL_FLOOR
        )


@dataclass(slots=True)
class Verified:
    """The verified answer: kept sentences with [n], their citations, and what was dropped."""

    text: str
    citations: list[Citation]
    kept: list[tuple[str, Support]] = field(default_factory=list)
    dropped: list[tuple[str, Support | None]] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        """Return True when no supported sentence remains (the answer must abstain)."""
        return not self.kept


def score_support(
    sentences: Sequence[str], units: Sequence[PassageUnits], embed: Embed
) -> list[list[Support]]:
    """Score every sentence against every passage; one embedding call for all texts."""
    texts = list(sentences)
    owners: list[int] = []
    for i, unit in enumerate(units):
        texts.extend(unit.sentences)
        owners.extend([i] * len(unit.sentences))
    if not sentences:
        return []
    vectors = np.asarray(embed(texts), dtype=np.float32)
    claims, pieces = vectors[: len(sentences)], vectors[len(sentences) :]
    owner = np.asarray(owners, dtype=np.int64)
    cosine = claims @ pieces.T if len(pieces) else np.zeros((len(sentences), 0), np.float32)
    result: list[list[Support]] = []
    for row, sentence in enumerate(sentences):
        claim = terms(sentence)
        # What is said of the names: "Koizumi told Judith Collins that Japan will quit the
        # alliance" has every name a passage has, and none of its words.
        predicate = {t: w for t, w in claim.items() if w == WEIGHT_WORD}
        supports = []
        for i, unit in enumerate(units):
            mask = owner == i
            # The best single sentence of the passage, not the whole chunk: a long chunk's
            # average meaning drifts away from any one claim it makes.
            semantic = float(cosine[row, mask].max()) if mask.any() else 0.0
            unit_index = int(cosine[row, mask].argmax()) if mask.any() else None
            lexical = coverage(claim, unit.terms)
            score = W_SEMANTIC * semantic + W_LEXICAL * lexical
            if (
                not numbers_supported(claim, unit.terms)
                or (predicate and coverage(predicate, unit.terms) < PREDICATE_FLOOR)
                or not nations_agree(sentence, unit.passage.text)
                or not speakers_agree(sentence, unit.sentences)
            ):
                score = 0.0
            supports.append(Support(i, score, semantic, lexical, unit=unit_index))
        result.append(supports)
    return result


def _with_marker(sentence: str, *numbers: int) -> str:
    """Put " [n]" (or " [n][m]") before the sentence's final punctuation (or at its end)."""
    marks = "".join(f"[{n}]" for n in sorted(set(numbers)))
    match = _TRAILING.search(sentence)
    if match:
        return f"{sentence[: match.start()].rstrip()} {marks}{match.group()}"
    return f"{sentence} {marks}"


# "The four met in Kuala Lumpur on Nov. 1, after Hegseth and Singh signed the framework on
# Oct. 31": a model joins what two articles report. Only these joints split a sentence, so
# each piece is a clause that asserts something of its own, not an apposition or a phrase.
_JOINT = re.compile(
    r"\s*;\s+|,\s+(?=(?:and|but|while|whereas|after|before|as|a day after|a day before)\s)",
    re.IGNORECASE,
)
MIN_CLAUSE_TERMS = 4
MAX_CLAUSES = 3


def clauses_of(sentence: str) -> list[str]:
    """Return the clauses a sentence joins (itself alone when it joins none, or too many)."""
    clauses = [c.strip(" ,;") for c in _JOINT.split(sentence)]
    clauses = [c for c in clauses if c]
    if not 2 <= len(clauses) <= MAX_CLAUSES or any(
        len(terms(c)) < MIN_CLAUSE_TERMS for c in clauses
    ):
        return [sentence]
    return clauses


def joint_support(sentence: str, units: Sequence[PassageUnits], embed: Embed) -> Support | None:
    """Return support from two passages, each holding a clause of ``sentence``, or None.

    Every clause must pass the same thresholds as a whole sentence, on one passage; the
    sentence then cites the one or two passages its clauses rest on.
    """
    clauses = clauses_of(sentence)
    if len(clauses) < 2:
        return None
    scored = score_support(clauses, units, embed)
    best = [
        max(supports, key=lambda s: (round(s.score, 6), -s.passage), default=None)
        for supports in scored
    ]
    if not all(b is not None and b.ok for b in best):
        return None
    found = [b for b in best if b is not None]
    passages = list(dict.fromkeys(b.passage for b in found))
    if len(passages) > 2:
        return None
    weakest = min(found, key=lambda b: b.score)
    second = passages[1] if len(passages) == 2 else None
    return Support(passages[0], weakest.score, weakest.semantic, weakest.lexical, also=second)


def citation_for(
    passage: Passage, n: int, spans: Collection[tuple[int, int]] | None = None
) -> Citation:
    """Return the citation [n] quoting ``passage`` exactly: the paragraphs holding ``spans``.

    A passage read with the paragraphs after it runs over several; the quote is the run of
    paragraphs holding the sentences that support the answer (all of it when ``spans`` is None),
    so what a reader is shown is what the answer rests on.
    """
    start, end = 0, len(passage.text)
    if spans:
        held = [
            (p_start, p_end)
            for p_start, p_end in paragraph_spans(passage.text)
            if any(p_start <= s < p_end for s, _ in spans)
        ]
        if held:
            start, end = held[0][0], held[-1][1]
    if (start, end) == (0, len(passage.text)):
        quote = passage.text  # the chunk's text is article_text[start:end] by construction
    else:
        quote = passage.text[start:end]
    return Citation(
        n=n,
        article_id=passage.article_id,
        chunk_id=passage.chunk_id,
        title=passage.title,
        publisher=passage.publisher,
        published=passage.published,
        url=passage.url,
        quote=quote,
        start=passage.start + start,
        end=passage.start + start + len(quote),
    )


def verify(
    draft: str, passages: Sequence[Passage], embed: Embed, *, question: str = ""
) -> Verified:
    """Keep the draft's supported sentences, each citing its best passage; drop the rest.

    With ``question``, a sentence that only restates it is dropped too: it is "supported"
    whenever the question's words are in a passage, yet answers nothing.
    """
    units = [passage_units(p) for p in passages]
    asked = set(terms(question))
    raws: list[str] = []
    candidates: list[str] = []
    dropped: list[tuple[str, Support | None]] = []
    for raw in draft_sentences(draft):
        clean = strip_markup(raw)  # scored without any link: a URL is never evidence
        if is_claim(clean) and not (asked and coverage(terms(clean), asked) >= ECHO_COVERAGE):
            raws.append(raw)
            candidates.append(clean)
        else:
            dropped.append((raw, None))
    kept: list[tuple[str, Support]] = []
    kept_raw: list[str] = []
    seen: set[str] = set()
    scored = score_support(candidates, units, embed)
    for raw, sentence, supports in zip(raws, candidates, scored, strict=True):
        # Ties go to the better-ranked passage: overlapping chunks share sentences.
        best = max(supports, key=lambda s: (round(s.score, 6), -s.passage), default=None)
        joint = joint_support(sentence, units, embed)
        if joint is None and len(clauses_of(sentence)) > 1:
            # "Singh and Hegseth signed the framework on Oct. 31, while Collins sold three
            # frigates to India": the whole is "supported" by its first clause's passage, yet
            # the second clause rests on none.
            best = None
        elif joint is not None and (best is None or not best.ok or joint.also is not None):
            # Each clause rests on a passage: cite the one or two passages they rest on.
            best = joint
        key = sentence.lower()
        if best is not None and best.ok and key not in seen:
            kept.append((sentence, best))
            kept_raw.append(raw)
            seen.add(key)
        else:
            dropped.append((sentence, best))
            log.debug("dropped unsupported sentence (best %s): %.80s", best, sentence)
    numbers: dict[int, int] = {}
    for _, support in kept:
        for passage in (support.passage, support.also):
            if passage is not None:
                numbers.setdefault(passage, len(numbers) + 1)
    # Each passage is quoted where its supporting sentences are; a sentence resting on two
    # passages' clauses, or on the passage as a whole, is quoted with all of it.
    held: dict[int, set[tuple[int, int]] | None] = {}
    for _, support in kept:
        for i in (support.passage, support.also):
            if i is None:
                continue
            spans = held.setdefault(i, set())
            if spans is None or support.also is not None or support.unit is None:
                held[i] = None
            else:
                spans.add(units[i].spans[support.unit])
    citations = [citation_for(passages[i], n, held.get(i)) for i, n in numbers.items()]
    # A link survives only when it is the URL of a passage this answer cites.
    allowed = frozenset(c.url for c in citations if c.url)
    parts = [
        _with_marker(
            strip_markup(raw, allowed),
            *(numbers[p] for p in (support.passage, support.also) if p is not None),
        )
        for raw, (_, support) in zip(kept_raw, kept, strict=True)
    ]
    return Verified(" ".join(parts), citations, kept, dropped)
