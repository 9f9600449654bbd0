"""What kind of answer a question asks for, and whose words it wants (retrieval/kinds.py)."""

from retrieval.kinds import (
    Candidate,
    answers_kind,
    asked_verb,
    asks_speaker,
    count_followers,
    counted_phrase,
    named_parts,
    named_things,
    nationals,
    new_names,
    side_voiced,
    speaker_named,
)
from retrieval.questions import asking_sentence, question_parts


def test_how_many_needs_a_count_not_a_date_or_the_two() -> None:
    asked = "How many discussions had Koizumi and Hegseth held by the Jan. 15 meeting"
    assert answers_kind(asked, "It was the pair's fourth discussion, phone calls included.")
    assert answers_kind(asked, "They had held 4 rounds of talks.")
    assert not answers_kind(asked, "They worked out together on Thursday, Jan. 15, 2026.")
    assert not answers_kind(asked, "Koizumi met Hegseth, and the two held their meeting later.")


def test_what_someone_said_must_be_theirs() -> None:
    asked = "What did Hegseth say when reporters asked him about the radar incident?"

    def said(text: str, before: str = "", after: str = "") -> bool:
        return speaker_named(asked, Candidate(0, text, frozenset(), before, after))

    assert said("Hegseth told reporters the incident was dangerous.")
    assert said("The incident was dangerous, said Pete Hegseth.")
    assert said("He said the incident was dangerous.", before="Hegseth met Koizumi.")
    assert said("It was dangerous.", after="We will respond, Hegseth added.")
    assert said("Hegseth welcomed this, describing the approach as realism.")
    # The next sentence must be the attribution of this one, not Hegseth saying something else.
    assert not said("Koizumi outlined the plan.", after="Hegseth welcomed this, describing it.")
    # Named, but not speaking; speaking, but somebody else; "he" with nobody named before.
    assert not said("Koizumi held a call with Hegseth in which the two raised concerns.")
    assert not said("When reporters asked Koizumi, he said he could not give details.")
    assert not said("He said he could not give details.", before="Koizumi met reporters.")
    # Questions that don't ask what someone said are not constrained.
    assert speaker_named("What incident did the call cover?", Candidate(0, "No.", frozenset()))


def test_when_and_how_long_need_a_time_the_question_lacks() -> None:
    back = "When was Koizumi scheduled to get back to Japan from his January US trip?"
    assert answers_kind(back, "He is due back in Japan on Jan. 18.")
    # "January" is already in the question: a sentence saying only that answers nothing.
    assert not answers_kind(back, "Koizumi visited the United States in January.")
    length = "How long was Koizumi's sit-down with Hegseth at the Pentagon on Jan. 15?"
    assert answers_kind(length, "In a 50-minute meeting at the Pentagon, the two agreed.")
    assert not answers_kind(length, "They met at the Pentagon on Thursday, Jan. 15, 2026.")
    count = "How many SM-3 Block 2A interceptors a year did they agree to produce?"
    assert not answers_kind(count, "They agreed to talks on producing the SM-3 Block 2A.")
    assert question_parts("He met Marles. Who is he, what other post does he hold?") == [
        "He met Marles. Who is he",
        "what other post does he hold",
    ]
    assert question_parts("According to the report, what was lacking?") == [
        "According to the report, what was lacking"
    ]
    assert question_parts("How did Hegseth frame it, versus how an expert read it?") == [
        "How did Hegseth frame it",
        "how an expert read it",
    ]
    assert question_parts("Was it a first? How many of those have there been recently?") == [
        "Was it a first",
        "How many of those have there been recently",
    ]


def test_who_questions_need_a_name_the_question_lacks() -> None:
    question = "Which opposition politician had been questioning Takaichi?"
    okada = "Takaichi was being pressed by Katsuya Okada of the main opposition party."
    takaichi = "The remarks of Japanese Prime Minister Sanae Takaichi drew criticism."
    assert new_names(okada, question) == ["Katsuya Okada"]
    # "Japanese" is a nationality and Takaichi is the one asked about: nobody new is named.
    assert new_names(takaichi, question) == []
    assert answers_kind(question, okada, question)
    assert not answers_kind(question, takaichi, question)
    # Only questions asking for a person need one.
    assert answers_kind("What did Takaichi say?", takaichi, "What did Takaichi say?")


def test_answer_type_checks_catch_the_missing_name_number_date_and_outcome() -> None:
    # A name: the role must be named in the sentence, and not left unnamed ("a spokesperson").
    asked = "What was the name of the navy spokesperson who denied the report?"
    assert answers_kind(asked, "Navy spokesperson Wang Lei denied the report on Sunday.")
    assert not answers_kind(asked, "A spokesperson for the navy denied the report on Sunday.")
    assert not answers_kind(asked, "Defense Minister Carl Berg denied the report, NHK reported.")
    assert answers_kind(
        "What's the name of the firm he toured?", "He toured the firm Acme Robotics."
    )
    assert not answers_kind("What's the name of the firm he toured?", "He toured a drone firm.")
    # Left unnamed under another word of the role's family: a company is a firm.
    toured = (
        "He plans to visit a drone-related company and attend a reception for Operation Tomodachi."
    )
    assert not answers_kind("What's the name of the drone firm he toured?", toured)
    assert answers_kind("Which firm makes it?", "Acme Robotics, a drone company, makes it.")
    # A diplomat is one by title: a high commissioner is, a defence minister is not.
    landed = "Which Indian diplomat received him when he landed?"
    assert answers_kind(landed, "High Commissioner B.N. Reddy met him on arrival at the airbase.")
    assert not answers_kind(landed, "Defence Minister Rajnath Singh met Hegseth in Kuala Lumpur.")
    # A unit or a ship is not answered by a minister's name, nor by the outlet that reported it.
    ship = "Which carrier did the jets fly from?"
    assert answers_kind(ship, "The jets flew from the carrier Liaoning.")
    assert not answers_kind(ship, "The jets came close to the carrier, Voice of Vienna reported.")
    # A share is a percentage or a fraction, not any number.
    share = "What share of GDP did she pledge to spend on defense?"
    assert answers_kind(share, "She pledged 2% of GDP for defense.")
    assert not answers_kind(share, "She pledged to raise spending, one of three topics.")
    # "On what exact date" wants a day, not a month; "roughly how long" a duration.
    day = "On what exact date was he sworn in?"
    assert answers_kind(day, "He was sworn in on Oct. 21.")
    assert not answers_kind(day, "He was sworn in in October.")
    assert not answers_kind("Roughly how long did they meet?", "They met on Monday morning.")
    assert answers_kind("Roughly how long did they meet?", "They met for about an hour.")
    # An outcome needs its verb: a preview of talks is not what the talks agreed.
    outcome = "What did the two ministers agree on at the Seoul talks?"
    assert answers_kind(outcome, "The two ministers agreed to expand joint drills.")
    assert not answers_kind(outcome, "The two ministers will hold talks in Seoul on Nov. 4.")
    assert answers_kind(outcome, "The ministers reaffirmed that the 2016 ruling is binding.")
    assert not answers_kind(outcome, "Hegseth said the workout showed the alliance's strength.")
    assert not answers_kind(outcome, "The Pentagon said they would reaffirm the alliance.")


def test_a_speaker_question_with_an_adverb_still_needs_the_speakers_words() -> None:
    asked = "What did Richard Marles actually say to reporters after the talks?"
    theirs = Candidate(0, "Marles told reporters the talks were frank.", frozenset())
    other = Candidate(0, "Koizumi held talks with Richard Marles on Sunday.", frozenset())
    assert speaker_named(asked, theirs)
    assert not speaker_named(asked, other)


def test_the_asked_roles_qualifiers_must_be_named_and_a_lead_clause_is_not_asked() -> None:
    asked = "In the paper's piece on the talks, which defense ministry spokesperson warned Japan?"
    assert asking_sentence(asked) == "which defense ministry spokesperson warned Japan?"
    ours = "Zhang Wei, spokesperson for the Ministry of National Defense, warned Japan on Friday."
    theirs = "Foreign Ministry spokesperson Lin Jian warned Japan on Monday."
    assert answers_kind(asking_sentence(asked), ours, asked)
    assert not answers_kind(asking_sentence(asked), theirs, asked)
    # A nationality qualifies the person without having to be repeated ("NZ" / "New Zealand").
    nz = "who was the NZ defence minister he met?"
    assert answers_kind(nz, "The Japanese Defence Minister met his counterpart, Judith Collins.")


def test_an_ordinal_before_the_role_picks_one_and_need_not_be_said() -> None:
    asked = "who was the fourth minister in the group besides Koizumi, Marles and Hegseth?"
    four = (
        "The four, Pete Hegseth, Defense Minister Koizumi Shinjiro, Defence Minister Richard "
        "Marles, and Philippine Defense Secretary Gilberto Teodoro Jr., held talks."
    )
    assert answers_kind(asked, four, asked)
    # A qualifier that is not an ordinal still has to be there.
    assert not answers_kind("who was the fourth navy minister there?", four)


def test_a_speaker_named_by_role_must_be_the_one_speaking() -> None:
    asked = "how a Chinese expert interpreted the anecdote"
    expert = Candidate(0, "It shows Japan's eagerness, Song, a military expert, said.", frozenset())
    report = Candidate(0, "Koizumi revealed he had mild dehydration, media reported.", frozenset())
    assert speaker_named(asked, expert)
    assert not speaker_named(asked, report)


def test_how_much_wants_an_amount_and_a_role_question_keeps_its_own_words_out() -> None:
    much = "How much did Seoul pledge to raise defense spending by?"
    assert answers_kind(much, "Seoul pledged to raise it by 8.2 percent next year.")
    assert not answers_kind(much, "They will hold the 57th SCM on Nov. 4, 2025.")
    assert not answers_kind(much, "The readout listed three topics.")
    # "Who is … minister": the question's "who is" are not qualifiers the answer must repeat.
    laos = "Who is Laos' defence minister?"
    assert answers_kind(laos, "He met Laos' Defence Minister, Khamlieng Outhakaisone, on Sunday.")


def test_a_since_phrase_dates_the_background() -> None:
    visit = (
        "This is Koizumi's first visit to the US since being appointed defense minister in October."
    )
    # "In October" dates his appointment, not his return from the trip.
    assert not answers_kind("When is Koizumi supposed to be back from the US trip?", visit)
    assert answers_kind("When is Koizumi due back?", "He is due back in Japan on Jan. 18.")
    # Asked about what the phrase says, its time is the answer.
    assert answers_kind("When did Koizumi become defense minister?", visit)


def test_an_embedded_question_sets_the_kind_too() -> None:
    asked = "What did the report say about how long the radar lock lasted?"
    assert not answers_kind(asked, "The report said Chinese jets locked radar on Japanese planes.")
    assert answers_kind(asked, "The report said the radar lock lasted about three minutes.")


def test_a_role_defined_by_what_it_did_needs_that_verb() -> None:
    asked = "What was the name of the defense ministry official who briefed reporters afterwards?"
    other = "The defense ministry said Defense Minister Shinjiro Koizumi held a call on Friday."
    assert not answers_kind(asked, other)
    assert answers_kind(asked, "Defense ministry official Ken Sato briefed reporters after it.")
    # A clause without a content verb ("who was there") asks nothing more of the sentence.
    assert answers_kind(
        "Which defense ministry official who was there spoke?",
        "Defense ministry official Ken Sato spoke to reporters.",
    )


def test_a_country_or_capital_is_not_who_and_an_expert_is_named_as_one() -> None:
    asked = "Who was the Chinese expert the paper quoted on the readouts?"
    places = 'Some Chinese experts said Japan wants an image of "Washington supporting Tokyo."'
    minister = "The paper said Defense Minister Shinjiro Koizumi held a call on Friday."
    expert = "Zhang Junshe, a Chinese military expert, told the paper the readouts differ."
    assert {kind for _, kind in named_things(places, asked)} == {"place"}
    assert not answers_kind(asked, places)
    assert not answers_kind(asked, minister)
    assert answers_kind(asked, expert)


def test_why_wants_a_sentence_that_gives_a_cause() -> None:
    asked = "Why did Koizumi need a medical check before meeting Hegseth?"
    assert not answers_kind(asked, "He said the American team had given him a medical checkup.")
    assert answers_kind(asked, "He had mild dehydration due to the intensity of the workout.")


def test_commentators_asked_for_are_answered_by_experts_and_analysts_too() -> None:
    asked = "how did Chinese commentators spin that episode"
    expert = Candidate(0, "It shows Japan's eagerness, Song, a military expert, said.", frozenset())
    paper = Candidate(0, "The call came, the paper said, as Japan faced criticism.", frozenset())
    assert speaker_named(asked, expert)
    assert not speaker_named(asked, paper)


def test_rule_wordings_seen_in_a_blind_set_are_covered() -> None:
    # "end up agreeing" is an outcome question; a preview of the meeting does not answer it.
    asked = "What did Ahn and Hegseth end up agreeing at the SCM in Seoul?"
    assert not answers_kind(asked, "Ahn and Hegseth will hold the 57th SCM in Seoul on Nov. 4.")
    assert answers_kind(asked, "Ahn and Hegseth agreed to expand joint drills, the ministry said.")
    # "What %" wants a percentage.
    share = "What % of GDP did Takaichi promise to raise defense spending to?"
    assert not answers_kind(share, "Hegseth praised Takaichi's promise to raise defense spending.")
    assert answers_kind(share, "Takaichi promised to raise defense spending to 2% of GDP.")
    # An "outfit" is a unit, and must be named as one.
    outfit = "Which Army outfit did Koizumi and Hegseth train with?"
    assert not answers_kind(outfit, "They worked out with U.S. Army soldiers in Virginia.")
    assert answers_kind(outfit, "They trained with the Old Guard, the Army's oldest unit.")


def test_outlets_cited_and_countries_named_answer_no_who() -> None:
    asked = "Who was grilling Takaichi in the Diet over her Taiwan comments?"
    cited = (
        "Japan has pressed the United States to give Takaichi more support after her comments on "
        "Taiwan angered China, Report.az said, citing the Financial Times."
    )
    assert named_things(cited, asked) == [("United States", "place"), ("China", "place")]
    assert not answers_kind(asked, cited)
    assert answers_kind(asked, "Takaichi was being pressed by Katsuya Okada of the opposition.")


def test_a_country_side_speaks_or_its_readout_does_and_so_called_is_no_speech() -> None:
    def said(text: str) -> Candidate:
        return Candidate(0, text, frozenset())

    released = said("In a readout released by the US Department of War, the Pentagon was vague.")
    owned = said("The U.S. Department of War's readout named no specific incident.")
    so_called = said("It did not detail Japan-US cooperation or the so-called security situation.")
    assert side_voiced("US", released) and side_voiced("US", owned)
    assert not side_voiced("Japan", released)
    assert not side_voiced("Japan", so_called)
    # Two letters are a name too: Japan's readout, naming "Japan-US" ties, is not the US speaking.
    japans = said(
        "In a readout released by the Japanese Ministry of Defense, the Japanese side claimed "
        "that the two sides would expand the Japan-US joint presence."
    )
    assert side_voiced("Japan", japans)
    assert not side_voiced("US", japans)
    assert not speaker_named("What did the US say about it", japans)


def test_titled_nationals_speak_for_their_country_by_name_and_as_he() -> None:
    found = nationals(
        [
            "Japanese Defence Minister Shinjiro Koizumi has accused Chinese fighters of it.",
            "U.S. Secretary of War Pete Hegseth said so; Japanese Self-Defense Force jets flew.",
            "Australia's Defence Minister and Deputy Prime Minister Richard Marles attended.",
        ]
    )
    # "War" is the title's ("Secretary of War"); a "Self-Defense Force" is nobody.
    assert found == {
        "japan": {"Shinjiro Koizumi"},
        "america": {"Pete Hegseth"},
        "australia": {"Richard Marles"},
    }
    called = Candidate(
        0,
        "He called the radar illumination a dangerous act.",
        frozenset(),
        before="In a post on X, Koizumi said Tokyo had lodged a strong protest.",
    )
    assert not side_voiced("Japan", called)  # no Japanese word speaks in it
    assert side_voiced("Japan", called, found["japan"])
    assert not side_voiced("China", called, found.get("china", set()))


def test_a_type_wants_its_designation_and_a_wish_is_no_outcome() -> None:
    fighter = "What type of Chinese fighter locked its radar onto the Japanese jets?"
    assert not answers_kind(
        fighter, "Chinese fighters locked fire-control radar onto Japan's jets."
    )
    assert answers_kind(fighter, "Chinese J-15 fighters locked radar onto Japan's jets.")
    kind = "What kind of Chinese fighter jets were the ones that locked radar on Japan's planes?"
    assert not answers_kind(kind, "Chinese warplanes had locked their radars onto Japan's jets.")
    assert answers_kind(kind, "Chinese J-15 fighters locked radar onto Japan's jets.")
    # "What kind of" something other than hardware asks for no designation.
    assert answers_kind("What kind of support did Japan want?", "Japan wanted public support.")
    frigate = "Which class of frigate did Australia pick?"
    assert answers_kind(frigate, "Australia picked an upgraded Mogami-class frigate.")
    signed = "Did Japan and New Zealand end up signing the ACSA before the end of the year?"
    hoped = "Collins said she hoped Japan and New Zealand could conclude an ACSA by year end."
    assert not answers_kind(signed, hoped)
    assert answers_kind(signed, "Japan and New Zealand signed the ACSA in Tokyo on Dec. 3.")


def test_a_statement_or_a_when_clause_beside_the_question_is_no_part_of_it() -> None:
    asked = "How close is Taiwan to Yonaguni? Someone mentioned a number in the radar coverage."
    assert question_parts(asked) == ["How close is Taiwan to Yonaguni"]
    setting = "When Singh landed in Malaysia, who was there to receive him?"
    assert question_parts(setting) == [
        "When Singh landed in Malaysia, who was there to receive him"
    ]
    assert question_parts("When did Koizumi take office, and was it his first trip?") == [
        "When did Koizumi take office",
        "was it his first trip",
    ]
    assert question_parts("Any direct quote? What did Marles say?") == [
        "Any direct quote",
        "What did Marles say",
    ]


def test_another_speakers_verb_is_not_the_countrys() -> None:
    song = Candidate(0, "The US may not back Japan, as NATO shows, Song added.", frozenset())
    assert not speaker_named("What did Japan say about it?", song)
    assert speaker_named("What did Song say about it?", song)
    zhang = Candidate(0, "Zhang Junshe, a Chinese military affairs expert, said so.", frozenset())
    assert speaker_named("What did Zhang Junshe say?", zhang)


def test_a_countrys_institution_asked_for_must_be_the_one_explaining() -> None:
    asked = "After the radar lock-on, how did China's navy explain what happened"
    navy = Candidate(
        0, "A spokesperson for the Chinese navy responded that Japan disrupted it.", frozenset()
    )
    takaichi = Candidate(0, "Takaichi said Chinese warplanes had locked their radars.", frozenset())
    assert speaker_named(asked, navy)
    assert not speaker_named(asked, takaichi)
    # A role with its nationality is a person: the sentence names her, not her country.
    role = "What pact did New Zealand's defence minister say she wanted?"
    collins = Candidate(0, "Collins said she hoped to conclude an ACSA by year end.", frozenset())
    assert speaker_named(role, collins)


def test_a_role_is_asked_only_after_which_or_who_is_the_and_initials_are_a_name() -> None:
    asked = "Who was there to receive India's defence minister when his plane landed?"
    met = "Singh flew in; India's High Commissioner, B.N. Reddy, met him at Subang Airbase."
    assert ("B N Reddy", "other") in named_things(met, asked)
    assert answers_kind(asked, met)  # no "minister" asked for: the defence minister is Singh
    role = "Who's the Japanese ambassador pushing Washington to back Takaichi?"
    assert not answers_kind(role, "Washington offered support, Report.az said, citing the FT.")
    assert answers_kind(role, "Ambassador Shigeo Yamada has urged Washington to speak up.")


def test_a_designations_digit_is_no_count_and_as_a_share_of_wants_a_share() -> None:
    count = "How many SM-3 Block IIA interceptors a year will they build?"
    assert not answers_kind(count, "They agreed to talk about more Standard Missile-3 Block 2A.")
    assert answers_kind(count, "They plan to build 24 of the interceptors a year.")
    assert answers_kind("How many years does it run?", "They signed a 10-year framework.")
    share = "What defense spending target as a share of GDP did Takaichi commit to?"
    assert not answers_kind(share, "Hegseth praised Takaichi's promise to raise defense spending.")
    assert answers_kind(share, "Takaichi pledged defense spending of 2% of GDP.")


def test_he_speaks_for_the_subject_of_the_sentence_before() -> None:
    asked = "How did Hegseth characterize that effort?"
    before = "Koizumi said he would go to Washington to meet his counterpart, Pete Hegseth."
    planned = 'He said he planned a "frank discussion" with Hegseth about security.'
    # "He" is Koizumi, who named Hegseth as whom he would meet.
    assert not speaker_named(asked, Candidate(0, planned, frozenset(), before))
    hegseth = "Hegseth greeted Koizumi at the Pentagon with an honor cordon."
    assert speaker_named(
        asked, Candidate(0, "He called it hard-nosed realism.", frozenset(), hegseth)
    )


def test_a_question_led_by_a_preposition_still_asks_its_kind() -> None:
    # "By what percentage …" asks a share as "What percentage …" does; the statement before it
    # is context, not the asking sentence.
    asked = "The ministry said the budget would grow. By what percentage?"
    assert asking_sentence(asked) == "By what percentage?"
    assert not answers_kind(asking_sentence(asked), "The ministry said the budget would grow.")
    assert answers_kind(asking_sentence(asked), "The budget will grow by 9.4% next year.")
    assert asking_sentence("On which day did they sign it?") == "On which day did they sign it?"
    # An outcome asked with many words between "did" and its verb is still an outcome.
    signed = "Did the two navies actually get the new pact signed in the end?"
    assert not answers_kind(signed, "The navies hoped they could conclude the pact by March.")
    assert answers_kind(signed, "The two navies signed the pact in Manila on Monday.")
    # "How did they describe what the agreed steps were about" asks what, not whether.
    described = "How did the two outlets describe what the agreed steps were about?"
    assert answers_kind(described, "Both said they will expand joint drills near Okinawa.")


def test_which_edition_wants_an_ordinal() -> None:
    asked = "Which edition of the regional security dialogue was held in Singapore?"
    assert not answers_kind(asked, "The regional security dialogue was held in Singapore in June.")
    assert answers_kind(asked, "The 22nd regional security dialogue opened in Singapore.")
    assert answers_kind(asked, "It was the twentieth such dialogue held in Singapore.")
    # "Which edition was each?" asks the same; so does "was it a first, or done before?".
    assert not answers_kind("Which edition was each of them?", "The four met in Kuala Lumpur.")
    first = "Was the four-way get-together in KL a first, or have the four done this before?"
    assert not answers_kind(first, "The four held talks in Kuala Lumpur on Nov. 1.")
    assert answers_kind(first, "The gathering was the fifth of its kind in three years.")
    # "What was historic about it?" asks what was a first.
    historic = "What was historic about Koizumi's talk at the Honolulu Defense Forum?"
    assert answers_kind(historic, "It was the first speech at the forum by a defense minister.")
    assert not answers_kind(historic, "He would give a speech at the Honolulu Defense Forum.")


def test_how_someone_framed_it_wants_their_words_even_after_a_statement() -> None:
    asked = "The joint workout got framed very differently. How did Hegseth pitch it"
    hegseth = Candidate(0, 'Hegseth said they "showed the actual physical strength".', frozenset())
    koizumi = Candidate(0, "Koizumi said the training had been extremely intense.", frozenset())
    assert asks_speaker(asked)
    assert speaker_named(asked, hegseth)
    assert not speaker_named(asked, koizumi)
    # A title alone names nobody whose words could be checked: the sentence is not held to any.
    prime = "on the radar episode: how did the PM describe it"
    assert asks_speaker(prime)
    assert speaker_named(prime, Candidate(0, "Takaichi called it regrettable.", frozenset()))


def test_a_role_asked_with_its_paper_or_its_name_is_still_a_role() -> None:
    song = Candidate(
        0,
        'It reflects Japan\'s attempt to "pander", Song Zhongping, a military expert, said.',
        frozenset(),
    )
    lin = Candidate(0, "Spokesperson Lin Jian said Japan must retract the remarks.", frozenset())
    for asked in (
        "how the Chinese experts in Global Times read it",
        "how the Chinese military analyst Song read it",
    ):
        assert asks_speaker(asked)
        assert speaker_named(asked, song)
        assert not speaker_named(asked, lin)


def test_a_sentence_denying_the_thing_asked_for_does_not_answer_it() -> None:
    asked = "What incident featured in their preceding phone call?"
    none = "By the paper's account, the U.S. readout named no specific incident."
    assert not answers_kind(asked, none)
    assert answers_kind(asked, "They discussed the Dec. 6 incident in which jets aimed radar.")
    # Asked what is missing, the denial is the answer.
    assert answers_kind("What incident did the US readout leave out?", none)
    assert answers_kind("Which incident wasn't in the US readout?", none)


def test_the_verb_a_what_did_question_asks_about() -> None:
    assert asked_verb("What did Koizumi thank Admiral Paparo for in Hawaii?") == "thank"
    assert asked_verb("What did Hegseth sign during the Malaysia leg, and with whom?") == "sign"
    # The subject may hold lowercase words; the verb is the last before "that".
    assert asked_verb("What did the US readout omit that Japan's included?") == "omit"
    assert asked_verb("How did Japan's official readout differ from the American one?") is None
    assert asked_verb("What did Koizumi say about the drills?") is None  # any report says
    assert asked_verb("How did Japan and China each characterize it?") is None  # no verb found
    assert asked_verb("Which island chain does each report name?") is None  # not "what did X"


def test_how_many_names_what_it_counts_and_a_count_is_followed_by_it() -> None:
    assert counted_phrase("How many countries sent delegations to the forum?") == "countries"
    assert counted_phrase("How many SM-3 Block IIA interceptors a year?") == (
        "SM-3 Block IIA interceptors"
    )
    assert counted_phrase("How many separate occasions were there?") == "separate occasions"
    # "Times" and "those" say nothing of what is counted.
    assert counted_phrase("How many times had they talked?") is None
    assert counted_phrase("How many of those have there been?") is None
    asked = "How many discussions had they held by the Jan. 15 meeting?"
    assert count_followers("They had held 4 rounds of talks on Jan. 15.", asked) == [
        "rounds of talks on"
    ]
    # A duration still counts no times.
    times = "How many times had Koizumi and Hegseth talked?"
    assert answers_kind(times, "It was the pair's fourth discussion, phone calls included.")
    assert not answers_kind(times, "In a 50-minute meeting at the Pentagon, the two agreed.")


def test_a_day_in_a_named_month_and_a_place_not_a_possessive() -> None:
    october = "What day in October 2025 was Koizumi appointed defense minister?"
    assert not answers_kind(october, "The four held talks in Kuala Lumpur on Nov. 1.")
    assert answers_kind(october, "He was appointed on Oct. 21, 2025.")
    where = "Where did Takaichi and Trump hold their summit last year?"
    assert not answers_kind(where, "He praised the promise she made to raise Japan's spending.")
    assert answers_kind(where, "The two leaders met in Tokyo for the summit.")
    # A name with one word the question lacks is a new place: "a defense forum" → "Honolulu".
    assert answers_kind(
        "He spoke at a defense forum. Where was it?",
        "That evening he attended the Honolulu Defense Forum and spoke there.",
    )
    # Where it happened can be told from a place the question names.
    assert answers_kind(
        "Where did the radar lock-on near Okinawa happen?",
        "Chinese warplanes locked their radars onto jets southeast of Okinawa.",
    )


def test_why_wants_a_cause_and_a_setting_is_none() -> None:
    why = "Why did Koizumi say he could not give details when asked about China?"
    assert not answers_kind(
        why, "After the meeting, when reporters asked Koizumi, he said he cannot give details."
    )
    assert answers_kind(why, "He could not give details because the talks were confidential.")


def test_who_wrote_or_answered_must_be_the_one_who_did() -> None:
    def by(part: str, text: str) -> bool:
        return speaker_named(part, Candidate(0, text, frozenset()))

    wrote = "What did Hegseth write in his X post about the workout?"
    assert by(wrote, "Hegseth wrote on X that the workout showed the alliance's strength.")
    assert not by(wrote, "Videos posted by Reuters and Hegseth himself showed the two training.")
    answered = "How did Tokyo answer the Chinese navy's claim about the SDF aircraft?"
    assert not by(answered, "A spokesperson for the Chinese navy responded that it was disrupted.")
    assert by(answered, "Tokyo protested that the claim was inconsistent with the facts.")


def test_which_newspaper_is_answered_by_the_outlet_a_sentence_cites() -> None:
    asked = "Which Japanese newspaper did the Global Times cite for the Diet exchange?"
    cited = "Citing the Asahi Shimbun, the Global Times said Takaichi was pressed by Okada."
    # The outlet the question names is no answer, nor is a name outside an attribution.
    own = "Lin Jian denounced the remarks at a press conference, the Global Times reported."
    assert answers_kind(asked, cited) and not answers_kind(asked, own)
    agency = "Which news agency was the source for Koizumi's answer on China?"
    assert answers_kind(agency, "He said he cannot give details, according to Jiji Press.")
    assert not answers_kind(agency, "He said he cannot give details to Hegseth.")


def test_a_later_parts_pronoun_is_whom_an_earlier_part_is_about() -> None:
    def read(question: str) -> list[str]:
        return named_parts(question_parts(question))

    first = read(
        "Who's Paparo again, the admiral Koizumi saw? And what did he say of the alliance?"
    )
    assert first[1] == "And what did Paparo say of the alliance"
    assert read("George Glass - who is he and what did he say about Takaichi?")[1] == (
        "what did Glass say about Takaichi"
    )
    assert read("Who is Marles and what is his other post?")[1] == "what is Marles's other post"
    assert (
        read("Collins wants an ACSA - what would it let them swap, and when does she want it?")[1]
        == "when does Collins want it"
    )
    # "Who was that?" and "who did he meet?" ask for someone unnamed: "he" is that answer.
    for question in (
        "Koizumi met Australia's minister in KL. Who is he, and what post does he hold?",
        "Koizumi met Australia's minister in KL. Who was that, and what post does he hold?",
        "Who did Koizumi meet in Hawaii, and what did he tell him?",
    ):
        assert read(question) == question_parts(question), question
    # A part naming the person already keeps its own words.
    assert read("Who's Paparo, and what did Paparo say?") == ["Who's Paparo", "what did Paparo say"]


def test_where_wants_a_place_someone_is_at_or_goes_to_not_any_new_name() -> None:
    question = "Which Army unit did they train with, and where was it?"
    where = question_parts(question)[-1]
    assert where == "where was it"  # a part with no content word still asks for a place
    for who in (
        "Opening it, Hegseth said they had trained with the Old Guard, a unit of the U.S. Army.",
        "Defense Minister Koizumi praised the Old Guard's soldiers.",
    ):
        assert not answers_kind(where, who, question), who
    for place in (
        "A photo shows them training at Joint Base Myer-Henderson Hall in Arlington.",
        "Prior to Washington, he also visited Honolulu and Los Angeles.",
        "HONOLULU — Koizumi met Adm. Samuel Paparo for about an hour.",
    ):
        assert answers_kind(where, place, question), place
