"""Whether a sentence holds what a question asks for: the kind of answer, and whose words.

"When" wants a date the question lacks, "how many" a count, "who" or "which spokesperson" a
name of the right kind; "what did Hegseth say" wants Hegseth's own words, and "how did Japan
characterize it" Japan's (its people, its capital, its readout). The extractive answerer keeps
only the sentences that pass these checks for the part of the question they answer.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from retrieval.questions import asking_sentence
from retrieval.text import DURATION, MONTHS, NUMBER_WORDS
from retrieval.verify import NATIONS, STOPWORDS, terms

# A question asking "when" or "how many" is answered only by a sentence holding a date or a
# count the question does not already state: "the two agreed to expand drills" does not answer
# "when will the drills begin?", nor "on Jan. 15 they met" "how long did the Jan. 15 talks last?".
ASKS_TIME = re.compile(
    r"^\W*(?:(?:on|in|at|by|from|until)\s+)?(?:when\b|(?:what|which)\s+(?:[\w-]+\s+){0,2}?"
    r"(?:dates?|days?|months?|years?|time|week)\b)",
    re.IGNORECASE,
)
# "On what exact date …", "which day …" ask for a day: a month alone ("in October") is not one.
_ASKS_DAY = re.compile(
    r"^\W*(?:(?:on|by|from|until)\s+)?(?:what|which)\s+(?:[\w-]+\s+){0,2}?(?:dates?|days?)\b",
    re.IGNORECASE,
)
_ROUGHLY = r"(?:(?:roughly|approximately|about|around|exactly|precisely|for)\s+)?"
_ASKS_DURATION = re.compile(rf"^\W*{_ROUGHLY}how long\b", re.IGNORECASE)
# "What share of GDP …", "what percentage …", "what was the total …" ask for a figure too.
ASKS_COUNT = re.compile(
    rf"^\W*{_ROUGHLY}(?:how (?:many|much)\b|(?:what|which)\s+(?:(?:was|is|were|are)\s+the\s+)?"
    r"(?:[\w-]+\s+){0,2}?(?:share|percentage|percent|proportion|fraction|amount|sum|total|"
    r"figure|price|cost|number\s+of)\b)",
    re.IGNORECASE,
)
_TIME = re.compile(
    rf"\b(?:(?:{MONTHS})\b\.?(?:\s+\d{{1,2}}\b)?|\d{{1,2}}\s+(?:{MONTHS})\b|"
    r"(?:mon|tues|wednes|thurs|fri|satur|sun)day|(?:19|20)\d\d|"
    r"today|yesterday|tomorrow|tonight|morning|afternoon|evening|spring|summer|autumn|winter|"
    r"(?:next|last|this|coming|previous|following)\s+(?:week|month|year)|"
    rf"(?:\d+|{NUMBER_WORDS}|a)\s+(?:days?|weeks?|months?|years?)\s+(?:ago|later|earlier))\b",
    re.IGNORECASE,
)
# Digits in "Jan. 15, 2026" or "10:30 a.m." are dates and times, and "the two held talks"
# refers to people: neither is the count "how many" asks.
_DATE = re.compile(
    rf"\bthe\s+(?:two|three|four)\b|\b(?:(?:{MONTHS})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?"
    rf"(?:,?\s+(?:19|20)\d\d)?|\d{{1,2}}\s+(?:{MONTHS})\b\.?(?:,?\s+(?:19|20)\d\d)?|"
    r"(?:19|20)\d\d|\d{1,2}:\d\d)",
    re.IGNORECASE,
)
# The digit of a designation ("SM-3", "Block 2A", "F-35") counts nothing.
_COUNT = re.compile(
    r"(?<![\w-])\d+(?:[.,]\d+)*(?![\w])|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
    r"dozens?|hundreds?|thousands?|millions?|billions?|first|second|third|fourth|fifth|sixth|"
    r"seventh|eighth|ninth|tenth|once|twice|several|single)\b",
    re.IGNORECASE,
)
# "Who …", "which spokesperson …", "which unit …", "what was the name of …" ask for a name.
# The roles a "which …" question can ask to be named: people, and things with names.
_PERSON_ROLES = (
    r"spokes(?:person|man|woman)|politicians?|ministers?|officials?|leaders?|lawmakers?|"
    r"ambassadors?|envoys?|presidents?|secretar(?:y|ies)|commanders?|persons?|people|experts?|"
    r"analysts?|diplomats?|journalists?|reporters?"
)
_THING_ROLES = (
    r"units?|outfits?|regiments?|battalions?|brigades?|squadrons?|compan(?:y|ies)|firms?|"
    r"agenc(?:y|ies)|newspapers?|outlets?|airbases?|bases?|ships?|carriers?"
)
ASKS_PERSON = re.compile(
    r"^\W*(?:who\b|whom\b|what(?:'s|’s|\s+(?:was|is|were|are))\s+the\s+names?\b|"
    # "Which Chinese defense ministry spokesperson", not "what did the two ministers agree".
    r"(?:which|what)\s+(?:(?!(?:did|does|do|was|were|is|are|has|have|had|will|would)\b)"
    rf"[\w-]+\s+){{0,3}}?(?:{_PERSON_ROLES}|{_THING_ROLES})\b)",
    re.IGNORECASE,
)
_ROLE_ASKED = re.compile(
    r"^\W*(?:(?:which|what)\s+|who(?:'s|’s|\s+(?:is|was|are|were))\s+(?:the|an?)\s+|"
    r"(?:what(?:'s|’s|\s+(?:is|was|were|are))\s+)?the\s+names?\s+of\s+(?:the\s+)?)"
    r"(?:(?!(?:did|does|do|was|were|is|are|has|have|had|will|would|there|to)\b)[\w'’-]+\s+){0,5}?"
    rf"(?:{_PERSON_ROLES}|{_THING_ROLES}|vessels?|models?)\b",
    re.IGNORECASE,
)
_ROLE_CLAUSE = re.compile(
    rf"\b(?:{_PERSON_ROLES}|{_THING_ROLES})\s+(?:who|that)\s+(?P<clause>[\w'’-]+)",
    re.IGNORECASE,
)
# "What did they agree on / sign / decide?" asks for an outcome: the sentence holds that verb,
# or another word of one ("pledged", "reaffirmed", "a joint statement") and is no preview of
# talks still to come ("they will hold the 57th SCM").
_ASKS_OUTCOME = re.compile(
    # "How did the outlets describe what the agreed measures were about" asks no outcome: the
    # words between "did" and the verb hold no other question.
    r"\b(?:did|have|has|had)\b(?:\s+(?!(?:what|which|who|whom|how|when|where|why)\b)[\w'’-]+)"
    r"{1,9}?\s+(?P<verb>agre|decid|sign|conclud|adopt|approv|settl)\w*",
    re.IGNORECASE,
)
# "What phrase did he use", "what term does each use": the answer is quoted words.
_ASKS_PHRASE = re.compile(
    r"^\W*(?:what|which)\s+(?:[\w-]+\s+){0,2}?(?:phrases?|terms?|words?|wording|expressions?|"
    r"slogans?|labels?|catchphrases?)\b",
    re.IGNORECASE,
)
# "Compare how the two reports paraphrase what she said", "how did each word it": the words
# are the answer, and a report gives them in quotes.
_ASKS_WORDING = re.compile(
    r"\bparaphras\w*|\bcompare\s+(?:the\s+)?wording\b|"
    r"\bhow\s+(?:did|does|do)\b[^?]{0,80}?\b(?:word(?:ed|s)?|phrased?|put\s+it)\b",
    re.IGNORECASE,
)
# "Why did he need a checkup?" is answered by a sentence that gives a cause ("because he had
# given it everything", "due to the intensity"), not by one that only says he had it.
_ASKS_WHY = re.compile(r"^\W*why\b", re.IGNORECASE)
# "After the meeting, when reporters asked …": when the sentence happened, not why.
_SETTING_AFTER = re.compile(
    r"^\W*(?:after|following)\s+(?:the|their|that|this)\s+(?:[\w-]+\s+)?"
    r"(?:meeting|talks|call|session|summit|conference|visit|trip|speech|forum)\s*,",
    re.IGNORECASE,
)
_CAUSE = re.compile(
    r"\b(?:because|due to|owing to|as a result|result(?:ed|ing)? (?:in|from)|since|amid|after|"
    r"following|given that|so that|in order to|in response to|reasons?|why|prompt(?:ed|ing)|"
    r"led to|caus(?:e|ed|ing)|aim(?:ed|s)? (?:at|to)|intended to|meant to|to (?:show|ensure|"
    r"avoid|counter|deter|prevent|signal))\b",
    re.IGNORECASE,
)
_QUOTED = re.compile(r"[\"“‘][^\"“”‘’]{3,120}[\"”’]")
_OUTCOME_WORDS = re.compile(
    r"\b(?:agree|decid|decision|sign|conclu|adopt|approv|settl|pledg|commit|confirm|reaffirm|"
    r"affirm|vow|promis|resolv|underlin|accord|deal|joint\s+statement)\w*",
    re.IGNORECASE,
)
# A wish is no outcome either: "she hoped they could conclude an ACSA by year end" does not say
# that they did.
_PREVIEW = re.compile(
    r"\b(?:will|would|could|might|(?:is|are|was|were)\s+(?:set|scheduled|expected|due|slated|"
    r"going)\s+to|plans?\s+to|planned\s+to|intends?\s+to|ahead\s+of|hop(?:e|es|ed|ing)|"
    r"wish(?:es|ed)?|wants?|wanted|seeks?|sought|aims?\s+to|urg(?:e|es|ed)|call(?:s|ed)\s+for)\b",
    re.IGNORECASE,
)
# "What type of fighter", "which model of drone": the answer names the type ("J-15", "MQ-9",
# "Mogami-class"); "Chinese fighters" says what the question already says.
_ASKS_TYPE = re.compile(
    r"^\W*(?:what|which)\s+(?:exact\s+|specific\s+|particular\s+)?(?:(?:types?|models?|class(?:es)?|"
    r"variants?|makes?|versions?|designs?)\s+of\b|"
    # "What kind of Chinese fighter jets …" asks for a model too; "what kind of support" not.
    r"(?:kinds?|sorts?)\s+of\s+(?:[\w-]+\s+){0,2}?(?:jets?|fighters?|aircraft|(?:war)?planes?|"
    r"ships?|vessels?|frigates?|destroyers?|carriers?|submarines?|missiles?|interceptors?|"
    r"rockets?|drones?|helicopters?|tanks?)\b)",
    re.IGNORECASE,
)
_DESIGNATION = re.compile(r"\b[A-Z]{1,4}-?\d+[A-Za-z]?\b|\b[A-Z][\w-]*-class\b")
# "How much did they pledge / spend" wants an amount (a figure, money, a percentage), not the
# count in "three topics".
_ASKS_AMOUNT = re.compile(rf"^\W*{_ROUGHLY}how much\b", re.IGNORECASE)
_AMOUNT = re.compile(
    r"[$€£¥₩]|\d|\b(?:percent|per\s*cent|billion|million|trillion|thousand|hundred|dollars?|"
    r"yen|won|euros?|pounds?|rupees?|double[ds]?|tripled?|half)\b",
    re.IGNORECASE,
)
# "Which edition of the forum", "what round of talks": the answer is an ordinal ("the 12th").
_ASKS_ORDINAL = re.compile(
    r"^\W*(?:(?:to|by|at|in|on|of|for)\s+)?(?:what|which)\s+(?:[\w-]+\s+){0,2}?"
    r"(?:(?:edition|iteration|instal?lment|meeting\s+number)\b|(?:round|session)\s+of\b)|"
    # "What was historic about his talk at the forum?": what was a first.
    r"^\W*what\s+(?:was|is|were|are|made)\b[^?]*?\b(?:historic|unprecedented)\b|"
    # "Was the KL get-together a first, or have the four done this before?"
    r"^\W*(?:was|is|were|are)\b[^?]*?\b(?:a|the)\s+first\b(?!\s+(?:time\s+)?(?:that|since)\b)",
    re.IGNORECASE,
)
_ORDINAL = re.compile(
    r"\b\d+(?:st|nd|rd|th)\b|\b(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|"
    r"tenth|eleventh|twelfth|\w+teenth|\w+tieth)\b",
    re.IGNORECASE,
)
# A share is a percentage or a fraction, not any number ("three topics").
_ASKS_SHARE = re.compile(
    # "To what share of GDP?", "By what percentage …": a preposition may lead.
    r"^\W*(?:(?:to|by|at|of|in)\s+)?(?:what|which)\s+(?:(?:was|is)\s+the\s+)?(?:[\w-]+\s+){0,2}?"
    r"(?:share|percentage|percent|proportion|fraction)\b|^\W*(?:what|which)\s+%|"
    # "What spending target as a share of GDP …"
    r"^\W*(?:what|which)\b.*\bas\s+an?\s+(?:share|percentage|proportion|fraction)\b",
    re.IGNORECASE,
)
_SHARE = re.compile(r"%|\bper\s*cent\b|\bpercent\b|\b(?:half|third|quarter|fifth|tenth)s?\b", re.I)
# What kind of name a question wants: a person ("which spokesperson", "the name of the
# official") is not answered by an organisation's name, nor a ship or a unit by a minister's.
_PERSON_ROLE = re.compile(rf"\b(?:{_PERSON_ROLES})\b", re.IGNORECASE)
_THING_ROLE = re.compile(rf"\b(?:{_THING_ROLES}|vessels?|models?)\b", re.IGNORECASE)
# Words of country and capital names beyond the nationalities: "United States", "New Zealand".
_PLACE_WORDS = frozenset(
    """united states kingdom south north new zealand delhi manila canberra moscow taipei hanoi
    jakarta bangkok kuala lumpur wellington london paris berlin""".split()
)
# "Zhang Junshe, a Chinese military affairs expert": the role follows a name, so it is named.
_APPOSITION = re.compile(r"[A-Z][\w'’-]+,\s*$")
# One family of roles: a question asking for an expert is answered by an analyst too.
_EXPERT_ROLES = (
    "expert",
    "analyst",
    "scholar",
    "professor",
    "researcher",
    "commentator",
    "observer",
)
_EXPERTS = "|".join(f"{role}s?" for role in _EXPERT_ROLES)
# A named answer sits in a sentence that names the role too ("Zhang Xiaogang, spokesperson for
# …"); a sentence that names only somebody else answers a different question.
_DIPLOMATS = (
    r"diplomats?|ambassadors?|envoys?|high\s+commissioners?|consuls?(?:[\s-]general)?|"
    r"charg[ée]s?\s+d['’]affaires|attach[ée]s?"
)
_ROLE_WORDS = {
    "spokes": r"spokes(?:person|man|woman)|spokespeople",
    "unit": r"units?|regiments?|battalions?|brigades?|divisions?|squadrons?|guard",
    "regiment": r"regiments?|units?|guard",
    "outfit": r"units?|regiments?|battalions?|brigades?|divisions?|squadrons?|guard|corps",
    "battalion": r"battalions?|units?|regiments?|guard",
    "compan": r"compan(?:y|ies)|firms?|makers?|manufacturers?|contractors?|corporation|inc",
    "firm": r"compan(?:y|ies)|firms?|makers?|manufacturers?|contractors?",
    "carrier": r"carriers?",
    "ship": r"ships?|vessels?|destroyers?|frigates?|carriers?",
    "base": r"bases?|airbases?|air stations?",
    "newspaper": r"newspapers?|dailies|daily|times|shimbun|paper",
    "expert": _EXPERTS,
    "analyst": _EXPERTS,
    "diplomat": _DIPLOMATS,
    "envoy": _DIPLOMATS,
    "ambassador": _DIPLOMATS,
}
_ORG_WORDS = frozenset(
    """force forces ministry department army navy command agency times news daily press shimbun
    post forum islands island sea strait office council party union association nations
    government embassy regiment division corps fleet university institute center centre company
    corporation group bank committee parliament diet congress senate house""".split()
)
_PERSON_TITLES = frozenset(
    """mr mrs ms dr minister president secretary spokesperson spokesman spokeswoman ambassador gen
    adm admiral general lt col sen rep""".split()
)
# "…, Voice of Vienna reported.", "according to Kyodo", "Report.az said, citing the Financial
# Times" name the outlet, not the answer.
_MEDIA_ATTRIBUTION = re.compile(
    r"(?:,\s*)?(?:[Aa]ccording\s+to\s+(?:the\s+)?[A-Z][\w'’.-]*(?:\s+(?:of\s+)?[A-Z][\w'’.-]*)*"
    r"|(?:the\s+)?[A-Z][\w'’.-]*(?:\s+(?:of\s+)?[A-Z][\w'’.-]*)*\s+(?:reported|reports|"
    r"said(?=,\s+citing))|\b[Cc]iting\s+(?:the\s+)?[A-Z][\w'’.-]*(?:\s+(?:of\s+)?[A-Z][\w'’.-]*)*)"
)
# "Which newspaper did the Global Times cite", "which news agency was the source": an outlet.
_ASKS_OUTLET = re.compile(
    r"^\W*(?:which|what)\s+(?:[\w-]+\s+){0,2}?(?:newspapers?|papers?|outlets?|news\s+agenc(?:y|ies)|"
    r"wire\s+services?|broadcasters?|dailies|publications?|media)\b",
    re.IGNORECASE,
)
_OUTLET_NAME = re.compile(r"[A-Z][\w'’.-]*(?:\s+(?:of\s+)?[A-Z][\w'’.-]*)*")


def _cited_outlets(text: str, every_name: bool = False) -> set[str]:
    """Return the words of the outlets ``text`` cites ("the Asahi Shimbun reported" → Asahi…).

    With ``every_name``, every capitalised word counts: a question's outlet is any it names.
    """
    spans = [m.group() for m in _MEDIA_ATTRIBUTION.finditer(text)] if not every_name else [text]
    words = {
        w.removesuffix("'s").removesuffix("’s").lower()
        for span in spans
        for name in _OUTLET_NAME.findall(span)
        for w in name.split()
    }
    return words - {"according", "citing", "the", "reported", "reports", "said"} - _TITLES


# "What did Hegseth say …", "what habit … did Song Zhongping mention …": words attributed to
# somebody named in the question.
_ASKS_SPEAKER = re.compile(
    r"(?:^|,\s*)\W*(?i:what|how)\b(?:\s+[\w'’-]+){0,8}?\s+(?i:did|does|do)\s+"
    # "China's navy", "Japan's defense ministry": a country's institution speaks for it ("New
    # Zealand's defence minister" is a role: the sentence names her, not her country).
    r"(?P<who>(?:the\s+)?[A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*)*(?:['’]s\s+(?:[a-z]+\s+)?"
    r"(?:navy|army|military|government|ministry|embassy|side|cabinet|administration|forces))?)"
    r"(?:\s+(?:in|of|at)\s+[A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*)*)?"
    r"(?:\s+(?i:actually|really|exactly|specifically|publicly|first|later|then))?"
    r"\s+(?i:use\s+to\s+)?"
    r"(?i:say|tell|mention|describe|call|characteri[sz]e|claim|argue|warn|note|stress|add|"
    r"explain|respond|react|reply|answer|justify|frame|pitch|spin|portray|cast|interpret|view|"
    r"write|post|tweet)\b"
)
COUNTRY_VOICES = {
    "japan": ("Japanese", "Tokyo"),
    "china": ("Chinese", "Beijing"),
    "us": ("U.S.", "American", "Washington", "Pentagon"),
    "u.s": ("US", "American", "Washington", "Pentagon"),
    "america": ("U.S.", "US", "American", "Washington"),
    "korea": ("Korean", "Seoul"),
    "india": ("Indian", "New Delhi"),
    "australia": ("Australian", "Canberra"),
    "philippines": ("Philippine", "Filipino", "Manila"),
    "russia": ("Russian", "Moscow"),
    "taiwan": ("Taiwanese", "Taipei"),
    "tokyo": ("Japan", "Japanese"),
    "beijing": ("China", "Chinese"),
    "washington": ("U.S.", "US", "American", "Pentagon"),
    # "how did Japan's readout differ from the American one?": a side named by its demonym.
    "american": ("U.S.", "US", "Washington", "Pentagon"),
    "japanese": ("Japan", "Tokyo"),
    "chinese": ("China", "Beijing"),
}
# "How did a Chinese expert interpret …", "what one analyst saw in …": a speaker named by role.
_ASKS_ROLE_SPEAKER = re.compile(
    r"\b(?:what|how)\s+(?:(?:did|does|do)\s+)?(?:(?:an?|the|one|another|some)\s+)?"
    r"(?:[\w-]+\s+){0,3}?"
    r"(?P<role>expert|analyst|official|spokesperson|commentator|scholar|observer|diplomat)s?\s+"
    # "the Chinese experts in Global Times read it", "the military analyst Song read it".
    r"(?:(?:in|at|from|of|quoted\s+(?:in|by))\s+(?:the\s+)?(?:[A-Z][\w.'’-]*\s+)+)?"
    r"(?:[A-Z][\w'’-]+\s+){0,2}"
    r"(?:(?:had|has|have)\s+)?(?:interpret|see|saw|view|read|characteri[sz]|describ|explain|say|"
    r"said|call|frame|make|made|think|thought|spin|spun|portray|cast)\w*",
    re.IGNORECASE,
)
_SPEECH = (
    r"(?:said|says|say|saying|added|adding|continued|noted|noting|told|tells|telling|explained|"
    r"stressed|argued|warned|warning|described|describing|(?<!so-)called|calling|mentioned|urged|"
    r"replied|answered|asked|welcomed|praised|responded|accused|claimed|condemned|denounced|"
    r"criticized|criticised|insisted|countered|rejected|dismissed|protested|labell?ed|stated|"
    r"listed|wrote|writes|writing|posted|tweeted)\b"
)
# What a government's side is written in: "the US readout", "a statement issued by Tokyo".
_DOCUMENT = (
    r"(?:readouts?|statements?|versions?|accounts?|releases?|summar(?:y|ies)|communiqu[eé]s?)"
)
# Runs of capitalised words ("Katsuya Okada"), and the titles that precede names.
_NAME_RUN = re.compile(
    r"(?<![.!?]\s)(?<!^)\b(?:(?:[A-Z]\.)+\s+)?[A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+)*"
)
_WORDS = re.compile(r"[\w'’-]+")
_DEMONYM = re.compile(r"(?:ese|ian|ish|can|ean|ani|i)$")
_TITLES = frozenset(
    """mr mrs ms dr prime minister ministers president secretary spokesperson ambassador
    defense defence foreign chief gen adm admiral general deputy vice the a an monday tuesday
    wednesday thursday friday saturday sunday january february march april may june july august
    september october november december jan feb mar apr jun jul aug sep sept oct nov dec""".split()
)


@dataclass(frozen=True, slots=True)
class Candidate:
    """One sentence of a retrieved passage."""

    passage: int  # rank index into the retrieved passages
    text: str
    terms: frozenset[str]
    before: str = ""  # the sentence just before it in its passage
    after: str = ""  # and the one just after
    lede: bool = False  # the article's first sentence
    around: frozenset[str] = frozenset()  # the terms of its paragraph and its passage's first


def named_things(sentence: str, question: str) -> list[tuple[str, str]]:
    """Return (name, kind) for the names in ``sentence`` that ``question`` does not name.

    The kind is "person" (a title goes with it: "Defense Minister Shinjiro Koizumi"), "org"
    (an organisation's or place's word is in it: "Self-Defense Force"), "place" (a country or
    capital: "Tokyo", "Japan-US") or "other" ("Old Guard").
    """
    asked = {w.lower().removesuffix("'s").removesuffix("’s") for w in _WORDS.findall(question)}
    found = []
    for match in _NAME_RUN.finditer(_MEDIA_ATTRIBUTION.sub(" ", sentence)):
        whole = [w.removesuffix("'s").removesuffix("’s") for w in _WORDS.findall(match.group())]
        name = [w for w in whole if w.lower() not in _TITLES]
        # A name is new when its last word (the surname, the place) is not in the question; a
        # lone "Japanese" or "Chinese" is a nationality, not somebody's name.
        if len(name) == 1 and _DEMONYM.search(name[0]):
            continue
        if name and name[-1].lower() not in asked and len(name[-1]) > 1:
            lowered = {w.lower() for w in whole}
            places = [part for w in name for part in w.lower().split("-") if part]
            kind = (
                "org"
                if lowered & _ORG_WORDS
                else "person"
                if lowered & _PERSON_TITLES
                # "Washington", "Tokyo", "Japan-US": a country or capital answers no "who".
                else "place"
                if all(part in NATIONS or part in _PLACE_WORDS for part in places)
                else "other"
            )
            found.append((" ".join(name), kind))
    return found


def new_names(sentence: str, question: str) -> list[str]:
    """Return the capitalised names in ``sentence`` that ``question`` does not already name."""
    return [name for name, _ in named_things(sentence, question)]


# "… his first visit to the US since being appointed defense minister in October": the time in
# a "since" phrase dates the background, not what the sentence reports.
_SINCE = re.compile(r"\bsince\s+[^,;.]+", re.IGNORECASE)


def _without_background(sentence: str, question: str) -> str:
    """Return ``sentence`` without its "since …" phrases that share no word with the question."""
    asked = set(terms(question))
    return _SINCE.sub(lambda m: m.group() if set(terms(m.group())) & asked else " ", sentence)


def _time_tokens(text: str) -> set[str]:
    """Return the dates and times of ``text`` as comparable tokens ("jan", "jan 18", "2026")."""
    found = set()
    for match in _TIME.finditer(text):
        words = re.findall(r"\w+", match.group().lower())
        month = next((w[:3] for w in words if re.fullmatch(MONTHS, w)), "")
        day = next((w for w in words if w.isdigit() and len(w) <= 2), "")
        found.add(f"{month} {day}".strip() if month else " ".join(words))
        if month:
            found.add(month)
    return found


# "How many countries sent delegations": the count answers it only if it counts countries
# ("the first speech at the forum" counts speeches). "How many times", "how many of those" take
# any count: what is counted is said elsewhere.
_HOW_MANY = re.compile(r"^\W*how\s+many\s+(?P<words>(?:[\w'’-]+\s+){0,4}[\w'’-]+)", re.IGNORECASE)
_ANY_COUNTED = frozenset("time times of those them these they occasion occasions".split())
_COUNT_ADJECTIVES = frozenset(
    "separate different distinct individual other more new additional".split()
)
_AUXILIARIES = frozenset("did do does had have has were was are is will would could can".split())


def counted_phrase(part: str) -> str | None:
    """Return what a "how many …" part counts ("SM-3 Block IIA interceptors"), or None."""
    match = _HOW_MANY.search(part) or _HOW_MANY.search(asking_sentence(part))
    if not match:
        return None
    words = match.group("words").split()
    if words[0].lower() in _ANY_COUNTED:
        return None
    # The names before it and its first common noun: "SM-3 Block IIA interceptors",
    # "countries" (not "countries sent delegations"), "separate occasions".
    head = []
    for word in words:
        if word.lower() in _AUXILIARIES:
            break
        head.append(word)
        if word[:1].islower() and word.lower() not in _COUNT_ADJECTIVES:
            break
    return " ".join(head) or None


def count_followers(sentence: str, asked: str) -> list[str]:
    """Return the words after each count of ``sentence`` the question lacks: what it counts."""
    plain = _DATE.sub(" ", sentence)
    known = _count_tokens(asked)
    found = []
    for match in _COUNT.finditer(plain):
        if match.group().lower() in known:
            continue
        # "two occasions", "ten years have passed", "10-year framework", "4 rounds of talks".
        following = re.findall(r"[\w'’]+", plain[match.end() : match.end() + 40])[:4]
        if following:
            found.append(" ".join(following))
    return found


# "Where did they hold the summit?", "in which city?": a place the question does not name, or
# where it lies from one it does ("southeast of Okinawa").
_ASKS_WHERE = re.compile(
    r"^\W*(?:where\b|(?:in|at|to)\s+(?:what|which)\s+(?:city|country|town|place|venue|base)\b)",
    re.IGNORECASE,
)

_LOCATIVE = re.compile(
    r"\b(?:in|at|near|outside|inside|from|to|into|off|across|toward|towards|via|around|of|"
    r"visit(?:ed|ing|s)?|attend(?:ed|ing|s)?|tour(?:ed|ing|s)?|reach(?:ed|es)?|left|leaves)\s+"
    r"(?:the\s+)?$",
    re.IGNORECASE,
)
_DATELINE = re.compile(r"^[A-Z][A-Z .,'’-]{2,}\s+[—–-]")


def _names_a_place(sentence: str, asked: str) -> bool:
    """Return True when ``sentence`` names somewhere new, or says where from a named place."""
    known = {w.lower().removesuffix("'s").removesuffix("’s") for w in _WORDS.findall(asked)}
    if _DATELINE.match(sentence):
        return True
    text = _MEDIA_ATTRIBUTION.sub(" ", sentence)
    for match in _NAME_RUN.finditer(text):
        words = [w.removesuffix("'s").removesuffix("’s") for w in _WORDS.findall(match.group())]
        lowered = {w.lower() for w in words}
        # "Defense Minister Koizumi" is somebody; "Japan's defense spending" is whose, not where.
        if lowered & _PERSON_TITLES or re.search(r"['’]s$", match.group()):
            continue
        # A place is where something is or someone goes: "at Joint Base Myer-Henderson Hall",
        # "in Hawaii", "visited Honolulu"; "Hegseth said" and "the Old Guard" are who.
        if not _LOCATIVE.search(text, 0, match.start()):
            continue
        # "the Honolulu Defense Forum" is a new place for "a defense forum": any word is new.
        if any(w.lower() not in known and w.lower() not in _TITLES and len(w) > 1 for w in words):
            return True
    return bool(re.search(r"\b(?:(?:north|south|east|west)\w*|close\s+to|near)\b", sentence, re.I))


# "What day in October …": the day asked for is in that month.
_ASKED_MONTH = re.compile(rf"\bin\s+(?P<month>{MONTHS})\b", re.IGNORECASE)


def _count_tokens(text: str) -> set[str]:
    """Return the counts of ``text`` that are not parts of dates ("fourth", "3", "50")."""
    return {m.group().lower() for m in _COUNT.finditer(_DATE.sub(" ", text))}


# "Against what political backdrop did …", "which island chain does each name": the noun a
# "what"/"which" asks for is the word the answer's sentence says ("came against the backdrop
# of …"). Words that only say what kind of answer is wanted ("what day", "which one") are not.
_ASKED_NOUN = re.compile(
    r"^\W*(?:\w+\s+)?(?:what|which)\s+(?:[\w-]+\s+){0,2}?(?P<noun>[a-z][\w-]+)\s+"
    r"(?:did|does|do|was|were|is|are|has|have|had|will|would|could|can|[a-z]+ed)\b",
    re.IGNORECASE,
)
_GENERIC_NOUNS = frozenset("kind type sort name day date year month time one part role".split())


# "What date was the radar incident that they discussed?": "date" says what kind of answer,
# and the thing dated is what the answering sentence names ("the Dec. 6 incident in which …"),
# not some other date beside the question's names.
_DATED_NOUN = re.compile(
    r"^\W*(?:\w+\s+)?(?:what|which)\s+(?:date|day|time|year|month)\s+(?:was|is|were|are)\s+"
    r"(?:the|their|its|that)\s+(?:[\w-]+\s+){0,2}?(?P<noun>[a-z][\w-]+)"
    r"(?=\s+(?:that|which|who|in|on|at|of|between|with|held|take|took|\w+ed)\b|\s*[?,.;]|\s*$)",
    re.IGNORECASE,
)


def asked_noun(question: str) -> str | None:
    """Return the stem of the noun a "what/which …" question asks for, or None."""
    asking = asking_sentence(question)
    match = _ASKED_NOUN.search(asking)
    if not match or match.group("noun").lower() in _GENERIC_NOUNS:
        match = _DATED_NOUN.search(asking)
    if not match:
        return None
    return next(iter(terms(match.group("noun"))), None)


# "What did Koizumi thank Paparo for?", "what did Hegseth sign in Malaysia?": the verb a
# question asks about is what the answer's sentence did ("He thanked Paparo for …"), not a
# sentence naming the same people at another moment ("Koizumi is to meet Paparo"). After the
# subject (determiners and capitalised words), it is the last of the lowercase words before a
# function word, a name or the clause's end: "the US readout omit that" → "omit". Verbs that
# any report uses ("say", "describe") tell nothing.
_ASKED_VERB = re.compile(
    r"^\W*(?i:what|how|why|where|when|which\s+[\w-]+)\s+"
    r"(?i:did|does|do|will|would|could|can|has|have|had)\s+"
    r"(?:(?:the|a|an|his|her|its|their|[A-Z][\w'’.-]*)\s+){1,4}"
    r"(?P<run>[a-z][\w-]*(?:\s+[a-z][\w-]*)*)"
)
_GENERIC_VERBS = frozenset(
    "say said tell told do make think mean want get go see know describe characterize "
    "characterise call portray frame view talk discuss report write claim state put take give "
    "become come happen differ use show".split()
)


def asked_verb(question: str) -> str | None:
    """Return the stem of the verb a "what did X … ?" question asks about, or None."""
    match = _ASKED_VERB.search(asking_sentence(question))
    if not match:
        return None
    run: list[str] = []
    for word in match.group("run").split():
        if word.lower() in STOPWORDS:
            break
        run.append(word)
    if not run or run[-1].lower() in _GENERIC_VERBS:
        return None
    return next(iter(terms(run[-1])), None)


# "What incident featured in the call?" is not answered by "the readout named no specific
# incident": a sentence denying the thing asked for, unless the question asks what is missing.
_ASKS_ABSENCE = re.compile(
    r"\b(?:not?|never|without|omit\w*|leave\w*\s+out|left\s+out|lack\w*|missing|skip\w*)\b"
    r"|n['’]t\b",
    re.IGNORECASE,
)


def _denies(sentence: str, noun: str) -> bool:
    """Return True when ``sentence`` says there was no ``noun`` (a stem): "named no incident"."""
    return bool(
        re.search(
            rf"\b(?:no|not\s+(?:a|an|any)|nor\s+(?:a|an|any))\s+(?:[\w-]+\s+){{0,2}}?"
            rf"{re.escape(noun)}\w*",
            sentence,
            re.IGNORECASE,
        )
    )


_EMBEDDED = re.compile(
    r"\b(?:about|regarding|on|as\s+to)\s+((?:how\s+(?:long|many|much)|when|what\s+(?:exact\s+)?date)\b.*)",
    re.IGNORECASE,
)


def answers_kind(part: str, sentence: str, question: str = "") -> bool:
    """Return True when ``sentence`` holds the kind of thing ``part`` asks for.

    A date for "when", a duration for "how long", a count for "how many" (each one the question
    does not already hold), a name the question lacks for "who" or "which spokesperson".
    An embedded question counts too: "what did the report say about how long it lasted?".
    """
    embedded = _EMBEDDED.search(part)
    if embedded and not answers_kind(embedded.group(1), sentence, question or part):
        return False
    asked = question or part
    new_times = _time_tokens(_without_background(sentence, asked)) - _time_tokens(asked)
    if ASKS_TIME.search(part) and not new_times:
        return False
    if _ASKS_DAY.search(part) and not any(
        re.fullmatch(r"[a-z]{3} \d{1,2}", t) or t.endswith("day") for t in new_times
    ):
        return False
    if _ASKS_DURATION.search(part) and not DURATION.search(sentence):
        return False
    if ASKS_COUNT.search(part) and not _count_tokens(sentence) - _count_tokens(asked):
        return False
    if (
        _HOW_MANY.search(part)
        and not counted_phrase(part)
        and not _count_tokens(DURATION.sub(" ", sentence)) - _count_tokens(asked)
    ):
        # "How many times …" is not answered by "a 50-minute meeting".
        return False
    where = _ASKS_WHERE.search(part) or _ASKS_WHERE.search(asking_sentence(part))
    if where and not _names_a_place(sentence, asked):
        return False
    month = _ASKED_MONTH.search(part)
    if (
        _ASKS_DAY.search(part)
        and month
        and not any(t.startswith(month.group("month").lower()[:3] + " ") for t in new_times)
    ):
        # "What day in October was he appointed?" is not answered by a day in November.
        return False
    if _ASKS_SHARE.search(part) and not _SHARE.search(sentence):
        return False
    if _ASKS_ORDINAL.search(part) and not _ORDINAL.search(sentence):
        return False
    if _ASKS_AMOUNT.search(part) and not _AMOUNT.search(
        re.sub(r"\b\d+(?:st|nd|rd|th)\b", " ", _DATE.sub(" ", sentence))
    ):
        # Dates and ordinals ("the 57th SCM on Nov. 4") are not amounts.
        return False
    noun = asked_noun(part)
    if noun and _denies(sentence, noun) and not _ASKS_ABSENCE.search(asked):
        return False
    if _ASKS_WHY.search(part) and not _CAUSE.search(_SETTING_AFTER.sub("", sentence)):
        return False
    worded = _ASKS_PHRASE.search(part) or _ASKS_WORDING.search(part) or _ASKS_WORDING.search(asked)
    if worded and not _QUOTED.search(sentence):
        return False
    if _ASKS_TYPE.search(part) and not (
        {m.group() for m in _DESIGNATION.finditer(sentence)}
        - {m.group() for m in _DESIGNATION.finditer(asked)}
    ):
        return False
    outcome = _ASKS_OUTCOME.search(part)
    if outcome and not (
        re.search(rf"\b{outcome.group('verb')[:5]}", sentence, re.IGNORECASE)
        or (_OUTCOME_WORDS.search(sentence) and not _PREVIEW.search(sentence))
    ):
        return False
    if not ASKS_PERSON.search(part):
        return True
    if _ASKS_OUTLET.search(part):
        # "Which Japanese newspaper did the Global Times cite?": the outlet a sentence cites is
        # the answer here, where elsewhere it is only the attribution.
        return bool(_cited_outlets(sentence) - _cited_outlets(asked, every_name=True))
    kinds = {kind for _, kind in named_things(sentence, asked)}
    # The role named right after "which"/"the name of" decides what kind of name fits.
    # "Who was there to receive India's defence minister" asks for no minister: a role is asked
    # only in "which …", "who is the …" or "the name of the …".
    asked_role = _ROLE_ASKED.search(part)
    head = asked_role.group() if asked_role else ""
    role = _PERSON_ROLE.search(head) or _THING_ROLE.search(head)
    key = (
        next((k for k in _ROLE_WORDS if role.group().lower().startswith(k)), None) if role else None
    )
    # "the drone firm" is left unnamed by "a drone-related company" too: a role's whole family.
    family = _ROLE_WORDS[key] if key else re.escape(role.group().lower()) if role else ""
    unnamed = role and re.search(
        rf"\b(?:a|an|another|one)\s+(?:[\w-]+\s+){{0,3}}?(?:{family})\b",
        sentence,
        re.IGNORECASE,
    )
    if unnamed and not _APPOSITION.search(sentence, 0, unnamed.start()):
        # "a spokesperson for the Chinese navy", "a drone-related company": the article
        # mentions the role but leaves it unnamed ("Zhang Junshe, a … expert" names it).
        return False
    if key and not re.search(rf"\b(?:{_ROLE_WORDS[key]})\b", sentence, re.IGNORECASE):
        return False
    clause = _ROLE_CLAUSE.search(part)
    verb = set(terms(clause.group("clause"))) if clause else set()
    if verb and not verb & set(terms(sentence)):
        # "the official who briefed reporters": a sentence naming some other official of that
        # ministry does not answer; the one asked for is the one who did what the verb says.
        return False
    if _PERSON_ROLE.search(head) and not _THING_ROLE.search(head):
        if role is not None and not _role_modifiers_named(head[: role.start()], sentence):
            return False
        return bool(kinds & {"person", "other"})
    if _THING_ROLE.search(head) and not _PERSON_ROLE.search(head):
        return bool(kinds & {"org", "other"})
    return bool(kinds - {"place"})


_PICKING_WORDS = frozenset("remaining last final missing extra sole lone".split())


def _role_modifiers_named(lead: str, sentence: str) -> bool:
    """Return True when the words qualifying an asked role are in the sentence.

    "Which Chinese defense ministry spokesperson" is not answered by a foreign ministry's
    spokesperson: "defense" and "ministry" must be there (a nationality need not be).
    """
    words = re.findall(r"[\w-]+", lead)
    modifiers = []
    for word in reversed(words):
        lowered = word.lower()
        # The qualifiers end at the question's own words: "who is", "which", "the name of".
        if lowered in STOPWORDS or lowered in {"name", "names"}:
            break
        # "Who was the fourth minister besides Koizumi, Marles and Hegseth": an ordinal or
        # "remaining" picks one of those the role names; no sentence need say "fourth".
        picks = _ORDINAL.fullmatch(word) or lowered in _PICKING_WORDS
        if lowered not in NATIONS and not _DEMONYM.search(word) and not picks:
            modifiers.append(lowered[:5])
    said = {w.lower()[:5] for w in _WORDS.findall(sentence)}
    return all(m in said for m in modifiers)


def asks_speaker(part: str) -> bool:
    """Return True when ``part`` asks what somebody (named, or by role) said or how they saw it."""
    return bool(_asked_speaker(part) or _ASKS_ROLE_SPEAKER.search(part))


def _asked_speaker(part: str) -> re.Match[str] | None:
    # "The workout got framed differently. How did Hegseth pitch it": the asking sentence may
    # follow a statement.
    return _ASKS_SPEAKER.search(part) or _ASKS_SPEAKER.search(asking_sentence(part))


def speaker_named(part: str, candidate: Candidate) -> bool:
    """Return True unless ``part`` asks what someone said and the sentence is not theirs.

    "What did Hegseth say …?" is not answered by what Koizumi said. The speaker is named in the
    sentence, or named just before it with the sentence going on about "he"/"she", or named in
    the attribution that ends the next one ("…; on the other hand, … . …, Song continued.").
    """
    match = _asked_speaker(part)
    by_role = _ASKS_ROLE_SPEAKER.search(part) if not match else None
    if not match and not by_role:
        return True
    if by_role:
        # "How a Chinese expert interpreted it": whoever speaks must be called an expert (or
        # an analyst, a commentator: one family of roles).
        role = by_role.group("role").lower()
        family = _EXPERT_ROLES if role in _EXPERT_ROLES else (role,)
        names = [word for r in family for word in (r, r + "s")]
    else:
        # Any word of the name: "Song Zhongping" is "Song" on second mention.
        names = [
            w.removesuffix("'s").removesuffix("’s")
            for w in _WORDS.findall(match.group("who") if match else "")
            # "US" is a name too: dropping its two letters made "what did the US say" ask
            # nobody, and any sentence answered it.
            if w.lower() not in _TITLES and (len(w) > 2 or w.lower() in COUNTRY_VOICES)
        ]
        if not names:
            # "How did the PM describe it": a title alone names nobody to hold the words to.
            return True
    # A country speaks through its people and capital ("a spokesperson for the Chinese navy
    # responded", "Tokyo protested"), but only as the subject: "Takaichi said Chinese warplanes
    # …" is Japan speaking about China.
    voices = [alias for n in names for alias in COUNTRY_VOICES.get(n.lower(), ())]

    def own_verb(match: re.Match[str]) -> bool:
        # "…back Japan, as the NATO example shows, Song added": the verb is Song's, not Japan's.
        last = re.findall(r"[\w.'’-]+", match.group()[: match.start("verb") - match.start()])
        word = last[-1] if last else ""
        return not (word[:1].isupper() and word not in who_words and word.lower() not in _TITLES)

    who_words = set(names) | {"He", "She"}

    def speaks(text: str, who: Sequence[str]) -> bool:
        # "Hegseth told …", "Song Zhongping, another expert, said", "…, said Koizumi".
        return any(
            any(
                own_verb(m)
                for m in re.finditer(
                    rf"\b{re.escape(n)}\b(?:\W+\w+){{0,8}}?\W+(?P<verb>{_SPEECH})", text
                )
            )
            # "…, said Koizumi", but not "said Japan's claims were false" (Japan is the object).
            # Only titles may stand between: "would say if Hegseth pressed" is not Hegseth's.
            or re.search(
                rf"{_SPEECH},?\s+(?:[A-Z][\w.'’-]*\s+){{0,3}}?{re.escape(n)}\b(?!['’]s)", text
            )
            for n in who
        )

    # "…; on the other hand, it seeks … . In these maneuvers, Japan tries …, Song continued."
    trailing = any(
        re.search(rf"\b{re.escape(n)}\b(?:\W+\w+){{0,3}}?\W+{_SPEECH}\W*$", candidate.after)
        for n in names
    )

    def voiced(text: str) -> bool:
        return any(
            re.search(rf"\b{re.escape(v)}\b(?:\W+\w+){{0,3}}?\W+{_SPEECH}", text)
            # "Japanese Defence Minister Shinjiro Koizumi has accused …": a titled national.
            or re.search(
                rf"\b{re.escape(v)}(?:\s+[A-Z][\w.'’-]*)+\s+(?:(?:has|had|have)\s+)?{_SPEECH}", text
            )
            for v in voices
        )

    return (
        speaks(candidate.text, names)
        or voiced(candidate.text)
        # "Koizumi said he would meet Hegseth. He said he planned …" is Koizumi speaking.
        or (
            bool(set(subject_names(candidate.before)) & set(names))
            and speaks(candidate.text, ["he", "she", "He", "She"])
        )
        or trailing
    )


# "Japanese Defence Minister Shinjiro Koizumi", "Australia's Defence Minister Richard Marles":
# a titled name after a country's word, whose later "Koizumi said" and "He called it …" are
# that country speaking.
_TITLED_NATIONAL = re.compile(
    r"\b(?P<country>[A-Z][\w.]*\w)\.?(?:['’]s)?\s+"
    r"(?P<run>(?:(?:[A-Z][\w.'’-]*|of|and|for)\s+){1,7}[A-Z][\w'’-]*)"
)


def _country_keys() -> dict[str, str]:
    """Map every country word to one key per country: "Tokyo", "Japanese", "japan" → "japan"."""
    keys: dict[str, str] = {}

    def root(word: str) -> str:
        while keys.setdefault(word, word) != word:
            word = keys[word]
        return word

    for key, aliases in COUNTRY_VOICES.items():
        for alias in aliases:
            # One country's words join one group; the first key written names it.
            a, b = root(key.replace(".", "")), root(alias.lower().replace(".", ""))
            if a != b:
                keys[b] = a
    return {word: root(word) for word in list(keys)}


_COUNTRY_KEYS = _country_keys()


def country_key(word: str) -> str | None:
    """Return the country a word names or describes ("Japanese", "Tokyo" → "japan"), or None."""
    return _COUNTRY_KEYS.get(word.lower().replace(".", ""))


def nationals(texts: Sequence[str]) -> dict[str, set[str]]:
    """Return the people each country's titled mentions name: {"japan": {"Koizumi", …}}."""
    found: dict[str, set[str]] = {}
    for text in texts:
        for match in _TITLED_NATIONAL.finditer(text):
            key = country_key(match.group("country"))
            words = [w.removesuffix("'s").removesuffix("’s") for w in match.group("run").split()]
            # A title must come first: "Japanese Self-Defense Force aircraft" names no one.
            if key is None or not words or words[0].lower() not in _PERSON_TITLES | _TITLES:
                continue
            # "Secretary of War Pete Hegseth": the word after "of" is the title's.
            names = [
                w
                for before, w in zip(["", *words], words, strict=False)
                if w[:1].isupper()
                and w.lower() not in NOT_NAMES
                and len(w) > 2
                and before not in ("of", "for")
            ]
            if names:
                found.setdefault(key, set()).add(" ".join(names))
    return found


def side_voiced(side: str, candidate: Candidate, people: Collection[str] = ()) -> bool:
    """Return True when a country's side speaks in the sentence, or its readout does.

    "A spokesperson for the Chinese navy responded" is China's side; so is "a readout released
    by the US Department of War" or "the U.S. Department of War's readout named no incident".
    So is one of ``people`` (the country's titled nationals in the passages, see
    :func:`nationals`) speaking: "Koizumi said …", "He called it a dangerous act".
    """
    if speaker_named(f"What did {side} say", candidate):
        return True
    if any(speaker_named(f"What did {name} say", candidate) for name in people):
        return True
    alias = "|".join(re.escape(a) for a in (side, *COUNTRY_VOICES.get(side.lower(), ())))
    return bool(
        re.search(
            rf"\b(?:{alias})(?:['’]s)?\s+(?:[\w'’-]+\s+){{0,3}}?{_DOCUMENT}\b"
            rf"|\b{_DOCUMENT}\s+(?:(?:released|issued|published)\s+)?by\s+(?:the\s+)?(?:{alias})\b",
            candidate.text,
        )
    )


_NAME_WORDS = re.compile(r"\b[A-Z][a-z][\w'’-]*(?:\s+[A-Z][a-z][\w'’-]*)*")
_VOICES = frozenset(alias for aliases in COUNTRY_VOICES.values() for alias in aliases)


def subject_names(sentence: str) -> list[str]:
    """Return the words of a sentence's first name, its subject ("Shinjiro", "Koizumi"), or []."""
    for run in _NAME_WORDS.finditer(sentence):
        words = [w.removesuffix("'s").removesuffix("’s") for w in run.group().split()]
        names = [
            w
            for w in words
            if w.lower() not in NOT_NAMES
            and w.lower() not in COUNTRY_VOICES
            and w not in _VOICES
            and terms(w)
        ]
        if names:
            return names
        # "At a press conference, …", "Japanese Defense Minister …": no name yet.
    return []


NOT_NAMES = _TITLES | _PLACE_WORDS | _ORG_WORDS | _PERSON_TITLES


# "…, and what did he say about the alliance?": a later part's "he" is whom the earlier part is
# about. "her" before a noun is a possessive ("her deal"), else an object ("back her up").
_PART_PRONOUN = re.compile(
    r"\b(?:(?P<subject>he|she)|(?P<possessive>his)|(?P<her>her)(?P<next>\s+[a-z][\w-]*)?)\b",
    re.IGNORECASE,
)
_NOT_NOUNS = STOPWORDS | {"up", "back", "again", "too", "now", "then"}
# "Who's Paparo?" asks about someone named; "who was that?" and "who did he meet?" ask for
# someone the question does not name.
_WHO_IS_NAMED = re.compile(r"^\W*(?i:who)(?:'s|’s|\s+(?:is|was))\s+[A-Z]")
# "George Glass - who is he?" is about the name before it; "Koizumi met Australia's minister.
# Who is he?" is about the minister, whom the question does not name.
_WHO_IS_HE = re.compile(
    r"^(?P<topic>(?:[A-Z][\w'’.-]*\s*){1,3})\W*(?i:who)\s+(?:is|was)\s+(?:he|she)\b"
)


def named_parts(parts: Sequence[str]) -> list[str]:
    """Return the parts with a later part's "he"/"his" named as the person an earlier part is about.

    "Who's Paparo again? And what did he say about the alliance?" asks what Paparo said: alone,
    the second part would take Koizumi's words about the alliance as well as anyone's. A part
    that names that person already changes nothing; after "who was that?" the "he" is the
    answer, whom nobody can name yet.
    """
    out: list[str] = []
    person: list[str] = []
    for part in parts:
        if person and not any(re.search(rf"\b{re.escape(w)}\b", part) for w in person):
            name = person[-1]

            def named(match: re.Match[str], name: str = name) -> str:
                if match.group("subject"):
                    return name
                if match.group("possessive"):
                    return f"{name}'s"
                following = match.group("next") or ""
                if following and following.split()[0].lower() not in _NOT_NOUNS:
                    return f"{name}'s{following}"
                return f"{name}{following}"

            part = _PART_PRONOUN.sub(named, part, count=1)
        out.append(part)
        asking = asking_sentence(part)
        if ASKS_PERSON.search(asking) and not (
            _WHO_IS_NAMED.search(asking) or _WHO_IS_HE.search(part)
        ):
            break
        person = person or subject_names(part)
    return out + list(parts[len(out) :])
