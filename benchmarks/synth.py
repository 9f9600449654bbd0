"""A generated corpus of realistic news text: sample-corpus sentences with varied names and dates.

Sentences of ``examples/corpus/`` are recombined into articles; people, places, dates and years
are swapped for others drawn from fixed lists, so the corpus grows without repeating itself
verbatim. Each sentence of the pool is embedded once with the real model; a chunk's vector is the
normalised mean of the vectors of the sentences it overlaps (an approximation of embedding the
chunk, which would take ~16 min per 100k chunks on 2 cores).
"""

from __future__ import annotations

import hashlib
import json
import logging
import random
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import numpy as np

from benchmarks.common import CORPUS, DEV_QUESTIONS
from ingest.chunking import chunk_article
from ingest.settings import IngestSettings
from ingest.sources import Fetcher, SourceSpec, iter_units
from retrieval.embeddings import Embedder
from retrieval.models import Article, Chunk
from retrieval.text import split_sentences

log = logging.getLogger(__name__)

VERSION = "synth-v1"  # bump when generation changes: it keys the cached stores

# Surface forms of the people in the sample corpus → a key, so one person stays one person
# within a sentence ("Shinjiro Koizumi … Koizumi"). Full forms are replaced by full names.
PEOPLE = {
    "Pete Hegseth": "hegseth",
    "Hegseth": "hegseth",
    "Shinjiro Koizumi": "koizumi",
    "Koizumi Shinjiro": "koizumi",
    "Koizumi": "koizumi",
    "Sanae Takaichi": "takaichi",
    "Takaichi": "takaichi",
    "Samuel Paparo": "paparo",
    "Paparo": "paparo",
    "Rajnath Singh": "singh",
    "Singh": "singh",
    "Judith Collins": "collins",
    "Collins": "collins",
    "Richard Marles": "marles",
    "Marles": "marles",
    "Gilberto Teodoro": "teodoro",
    "Teodoro": "teodoro",
    "Ahn Gyu-back": "ahn",
    "Zhang Junshe": "zhangj",
    "Song Zhongping": "song",
    "Zhang Xiaogang": "zhangx",
    "Wu Qiaoxi": "wu",
    "Khamlieng Outhakaisone": "khamlieng",
    "Donald Trump": "trump",
    "Trump": "trump",
    "Reddy": "reddy",
}
PLACES_IN = [
    *(
        "Japan China Taiwan Tokyo Washington Okinawa Malaysia Beijing Australia Arlington Hawaii "
        "Seoul Philippines India Venezuela Yonaguni Vietnam Vienna Russia Virginia Honolulu Manila "
        "Laos Asia"
    ).split(),
    *["New Zealand", "South Korea", "North Korea", "Kuala Lumpur", "Los Angeles"],
]

FIRST_NAMES = (
    "Maria Ahmed Olga Kenji Amara Lucas Priya Tomasz Ingrid Diego Fatima Hiroshi Chen Nadia "
    "Samuel Aisha Pierre Elena Kwame Yuki Rafael Leila Jonas Mei Oscar Zanele Arjun Sofia Ivan "
    "Hana Mateo Selin Dmitri Ama Lars Noor Felipe Anya Tariq Camille"
).split()
LAST_NAMES = (
    "Okafor Lindqvist Tanaka Haddad Novak Moreau Castillo Kowalski Nakamura Abebe Rossi Petrov "
    "Mensah Fischer Yamamoto Sato Alvarez Kaur Dubois Larsen Takahashi Oyelaran Ferreira Horvat "
    "Kim Nguyen Wang Bakr Silva Jansen Ito Mwangi Costa Weber Ozturk Park Reyes Byrne Sandoval"
).split()
PLACES = [
    *(
        "Brazil Kenya Norway Chile Poland Egypt Canada Peru Ghana Spain Turkey Jakarta "
        "Nairobi Lima Oslo Warsaw Cairo Ottawa Accra Madrid Ankara Hanoi Bangkok Manila "
        "Singapore Sydney Perth Auckland Lisbon Dublin Helsinki Tallinn Riga Vilnius "
        "Prague Vienna Athens Rome Berlin Paris Geneva Brussels Stockholm Copenhagen "
        "Reykjavik Mumbai Delhi Dhaka Colombo Karachi Doha Dubai Riyadh Amman Beirut "
        "Tunis Rabat Dakar Lagos Kampala Kigali Lusaka Harare Maputo Windhoek Santiago "
        "Bogota Quito Caracas Havana Panama Mexico Texas Guam Busan Osaka Sapporo Fukuoka "
        "Taipei Shanghai Guangzhou Hainan Mindanao Darwin Fiji Samoa"
    ).split(),
    *["South Africa", "New Caledonia", "Sri Lanka", "Papua New Guinea", "Hong Kong"],
]
PUBLISHERS = (
    "Reuters|Associated Press|Kyodo News|Yonhap|The Straits Times|Nikkei Asia|The Guardian|"
    "Al Jazeera|Deutsche Welle|ABC News|The Hindu|South China Morning Post|Japan Times|"
    "Philippine Daily Inquirer|Bangkok Post|Jakarta Post|Channel NewsAsia|BBC News|Le Monde|"
    "Defense News|Asahi Shimbun|Korea Herald|Taipei Times|New Zealand Herald|Financial Times"
).split("|")
SECTIONS = ["World", "Asia", "Defense", "Politics", "Diplomacy", "Security", "Economy"]
MONTHS = (
    "January February March April May June July August September October November December"
).split()
MONTHS_SHORT = "Jan. Feb. March April May June July Aug. Sept. Oct. Nov. Dec.".split()
WEEKDAYS = "Monday Tuesday Wednesday Thursday Friday Saturday Sunday".split()
TITLES = [
    "{p} meets {q} in {place}",
    "{place} and {place2} agree to expand defense cooperation",
    "{p} says {place} will speed up missile production",
    "{p} warns of tensions near {place}",
    "Talks between {p} and {q} end without a joint statement",
    "{place} hosts defense ministers as {p} seeks support",
    "{p} and {q} pledge deterrence after {place} meeting",
    "Readouts differ after call between {p} and {q}",
]

_PEOPLE_RE = re.compile(r"\b(" + "|".join(map(re.escape, sorted(PEOPLE, key=len)[::-1])) + r")\b")
_PLACES_RE = re.compile(
    r"\b(" + "|".join(map(re.escape, sorted(PLACES_IN, key=len)[::-1])) + r")\b"
)
_MONTH_ALT = "|".join(MONTHS + [m.rstrip(".") for m in MONTHS_SHORT if m.endswith(".")])
_DATE_RE = re.compile(rf"\b(?:{_MONTH_ALT})\.? \d{{1,2}}(?:, \d{{4}})?")
_WEEKDAY_RE = re.compile(r"\b(" + "|".join(WEEKDAYS) + r")\b")
_YEAR_RE = re.compile(r"\b20[12]\d\b")


@dataclass(slots=True)
class SentencePool:
    """Sentences with their unit vectors, and the names the variants use (for queries)."""

    sentences: list[str]
    vectors: np.ndarray
    people: list[str] = field(default_factory=list)
    places: list[str] = field(default_factory=list)


def base_sentences(folder: Path = CORPUS) -> list[str]:
    """Return the distinct sentences of the sample corpus, loaded and cleaned as Readout does."""
    fetcher = Fetcher(IngestSettings(_env_file=None))  # type: ignore[call-arg]
    seen: dict[str, None] = {}
    try:
        for unit in iter_units(SourceSpec("path", str(folder)), fetcher):
            for result in unit.load():
                if result.article is None:
                    continue
                for sentence in split_sentences(result.article.text):
                    if 40 <= len(sentence) <= 420 and "\n" not in sentence:
                        seen.setdefault(sentence, None)
    finally:
        fetcher.close()
    return list(seen)


def _person(rng: random.Random) -> tuple[str, str]:
    return rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)


def vary(sentence: str, rng: random.Random) -> tuple[str, list[str], list[str]]:
    """Swap people, places, dates and years; return the text and the people and places used."""
    people: dict[str, tuple[str, str]] = {}
    places: dict[str, str] = {}

    def person(match: re.Match[str]) -> str:
        form = match.group(1)
        first, last = people.setdefault(PEOPLE[form], _person(rng))
        return f"{first} {last}" if " " in form else last

    def place(match: re.Match[str]) -> str:
        return places.setdefault(match.group(1), rng.choice(PLACES))

    text = _PEOPLE_RE.sub(person, sentence)
    text = _PLACES_RE.sub(place, text)
    text = _DATE_RE.sub(lambda m: f"{rng.choice(MONTHS_SHORT)} {rng.randint(1, 28)}", text)
    text = _WEEKDAY_RE.sub(lambda m: rng.choice(WEEKDAYS), text)
    text = _YEAR_RE.sub(lambda m: str(rng.randint(2019, 2026)), text)
    return text, [f"{f} {s}" for f, s in people.values()], list(places.values())


def pool_sentences(size: int, seed: int = 7) -> tuple[list[str], list[str], list[str]]:
    """Return ``size`` distinct sentences (originals first, then variants), people and places."""
    rng = random.Random(seed)
    base = base_sentences()
    chosen: dict[str, None] = dict.fromkeys(base[:size])
    people: dict[str, None] = {}
    places: dict[str, None] = {}
    attempts = 0
    while len(chosen) < size and attempts < size * 20:
        attempts += 1
        text, who, where = vary(rng.choice(base), rng)
        if text not in chosen:
            chosen[text] = None
            people.update(dict.fromkeys(who))
            places.update(dict.fromkeys(where))
    return list(chosen), list(people), list(places)


def load_pool(embedder: Embedder, size: int, cache_dir: Path | None, seed: int = 7) -> SentencePool:
    """Build the sentence pool and embed it with the real model (cached on disk when asked)."""
    sentences, people, places = pool_sentences(size, seed)
    digest = hashlib.sha256("\n".join([embedder.name, *sentences]).encode()).hexdigest()[:16]
    cached = cache_dir / f"pool-{VERSION}-{size}-{digest}.npy" if cache_dir else None
    if cached is not None and cached.exists():
        vectors = np.load(cached)
        log.info("sentence pool: %d vectors from %s", len(vectors), cached)
    else:
        log.info("embedding a pool of %d sentences with the real model", len(sentences))
        vectors = embedder.embed(sentences)
        if cached is not None:
            cached.parent.mkdir(parents=True, exist_ok=True)
            np.save(cached, vectors)
    return SentencePool(sentences, np.asarray(vectors, dtype=np.float32), people, places)


def _title(rng: random.Random, pool: SentencePool) -> str:
    people = pool.people or [" ".join(_person(rng))]
    places = pool.places or PLACES
    return rng.choice(TITLES).format(
        p=rng.choice(people),
        q=rng.choice(people),
        place=rng.choice(places),
        place2=rng.choice(places),
    )


def chunk_vectors(
    chunks: Sequence[Chunk], spans: Sequence[tuple[int, int, int]], vectors: np.ndarray
) -> np.ndarray:
    """Return, per chunk, the normalised mean vector of the pool sentences it overlaps."""
    out = np.zeros((len(chunks), vectors.shape[1]), dtype=np.float32)
    for row, chunk in enumerate(chunks):
        members = [i for start, end, i in spans if start < chunk.end and end > chunk.start]
        mean = vectors[members].mean(axis=0)
        out[row] = mean / (np.linalg.norm(mean) or 1.0)
    return out


def iter_articles(
    pool: SentencePool, total_chunks: int, seed: int = 11
) -> Iterator[tuple[Article, list[Chunk], np.ndarray]]:
    """Yield generated articles, chunked by Readout's chunker, until ``total_chunks`` exist."""
    rng = random.Random(seed)
    produced = 0
    number = 0
    first_day = date(2019, 1, 1)
    while produced < total_chunks:
        text = ""
        spans: list[tuple[int, int, int]] = []
        for _ in range(rng.randint(5, 16)):  # ~11 chunks: a 700-900-word article
            for j, index in enumerate(rng.sample(range(len(pool.sentences)), rng.randint(1, 4))):
                text += " " if j else ""
                spans.append((len(text), len(text) + len(pool.sentences[index]), index))
                text += pool.sentences[index]
            text += "\n\n"
        published = first_day + timedelta(days=rng.randrange(8 * 365))
        article = Article(
            id=f"https://news.example/{seed}/{number:06d}",
            title=_title(rng, pool),
            text=text.rstrip(),
            publisher=rng.choice(PUBLISHERS),
            published=published.isoformat(),
            url=f"https://news.example/{seed}/{number:06d}",
            section=rng.choice(SECTIONS),
            source=f"https://news.example/{seed}/{number:06d}",
        )
        chunks = chunk_article(article)[: total_chunks - produced]
        yield article, chunks, chunk_vectors(chunks, spans, pool.vectors)
        produced += len(chunks)
        number += 1


_QUERY_TEMPLATES = [
    "What did {p} say about {place}?",
    "Why did {p} travel to {place}?",
    "What did {p} and {q} agree on?",
    "{place} missile production agreement",
    "When did {p} meet the defense minister of {place}?",
    "How did {place} respond to the radar lock incident?",
    "{p} statement on deterrence in the Indo-Pacific",
    "What was discussed at the security meeting in {place}?",
]


def queries(pool: SentencePool, count: int, seed: int = 5) -> list[str]:
    """Return about half dev-set questions and half generated ones naming the corpus' people."""
    dev = [json.loads(line)["question"] for line in DEV_QUESTIONS.read_text("utf-8").splitlines()]
    rng = random.Random(seed)
    people = pool.people or [" ".join(_person(rng))]
    places = pool.places or PLACES
    chosen = dev[: count // 2]
    while len(chosen) < count:
        chosen.append(
            rng.choice(_QUERY_TEMPLATES).format(
                p=rng.choice(people), q=rng.choice(people), place=rng.choice(places)
            )
        )
    return chosen
