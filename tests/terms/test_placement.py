"""The term policy (align.terms.placement) on scripted translations.

A ScriptedEngine says what the "model" wrote and which French word each English
word attended to, so every rule is checked exactly; tests/terms/test_terms_trained.py
checks the same guarantees on the small trained model.
"""
import pytest

from align.checks.pair import check_document
from align.document import Document, Paragraph, SentencePair, Term
from align.terms.placement import indefinite_article
from align.terms.presence import locate
from align.pipeline.translate import translate_document

from scripted_engine import ScriptedEngine


def term(source_text, french, target, nth=0, **fields):
    start = -1
    for _ in range(nth + 1):
        start = source_text.index(french, start + 1)
    return Term(french, start, start + len(french), target, entry=french, **fields)


def translate(source, words, terms, **engine_options):
    pair = SentencePair(source, paragraph=1, number=1, terms=terms)
    document = Document("t", [Paragraph(source, 1, sentences=[pair])])
    translate_document(document, ScriptedEngine({source: words}, **engine_options))
    check_document(document)
    assert_alignment_is_consistent(pair)
    return pair


def assert_alignment_is_consistent(pair):
    """Every alignment link joins a French word and an English word of the pair."""
    for src_start, src_end, tgt_start, tgt_end in pair.alignment:
        assert 0 <= src_start < src_end <= len(pair.source)
        assert 0 <= tgt_start < tgt_end <= len(pair.target)
        assert pair.target[tgt_start:tgt_end].strip() == pair.target[tgt_start:tgt_end]
        assert (tgt_start == 0 or not pair.target[tgt_start - 1].isalnum()) and \
            (tgt_end == len(pair.target) or not pair.target[tgt_end].isalnum())


def codes(pair):
    return [str(flag) for flag in pair.flags]


def test_a_term_the_model_wrote_is_left_alone():
    source = "Le PDG parle."
    pair = translate(source, [("The", "Le"), ("CEO", "PDG"), ("speaks.", "parle.")], [term(source, "PDG", "CEO")])
    assert pair.target == "The CEO speaks."
    assert [(t.status, t.late, t.target_start, t.target_end) for t in pair.terms] == [("model", False, 4, 7)]
    assert codes(pair) == []


def test_a_missing_term_replaces_the_words_translated_from_its_source():
    source = "Le PDG parle."
    pair = translate(source, [("The", "Le"), ("boss", "PDG"), ("speaks.", "parle.")], [term(source, "PDG", "CEO")])
    assert pair.target == "The CEO speaks."
    assert [(t.status, t.late) for t in pair.terms] == [("forced", False)]
    assert codes(pair) == ["term-forced:CEO"]
    assert (source.index("PDG"), source.index("PDG") + 3, 4, 7) in pair.alignment


def test_a_multiword_term_replaces_its_whole_run_and_keeps_the_article():
    source = "Le conseil d'administration a voté hier."
    words = [("The", "Le"), ("administrative", "d'administration"), ("council", "conseil"), ("voted", "voté"),
             ("yesterday.", "hier.")]
    pair = translate(source, words, [term(source, "conseil d'administration", "board of directors")])
    assert pair.target == "The board of directors voted yesterday."
    assert [(pair.source[a:b], pair.target[c:d]) for a, b, c, d in pair.alignment] == [
        ("Le", "The"), ("conseil d'administration", "board"), ("conseil d'administration", "of"),
        ("conseil d'administration", "directors"), ("voté", "voted"), ("hier", "yesterday")]


def test_a_before_the_placed_target_becomes_an_where_it_must():
    source = "Un sondage montre cela."
    words = [("A", "Un"), ("survey", "sondage"), ("shows", "montre"), ("this.", "cela.")]
    pair = translate(source, words, [term(source, "sondage", "opinion poll")])
    assert pair.target == "An opinion poll shows this."


@pytest.mark.parametrize("word, article", [("AGI", "an"), ("FBI", "an"), ("CEO", "a"), ("hour", "an"),
                                           ("university", "a"), ("opinion", "an"), ("board", "a"), ("", "a")])
def test_indefinite_article(word, article):
    assert indefinite_article(word) == article


def test_function_words_aligned_to_the_term_are_not_swallowed():
    source = "Le ministre a dit non."
    words = [("Minister", "ministre"), ("has", "ministre"), ("said", "dit"), ("no.", "non.")]
    pair = translate(source, words, [term(source, "ministre", "secretary")])
    assert pair.target == "Secretary has said no."


def test_a_dropped_term_is_inserted_after_the_preceding_words_english_and_flagged_late():
    source = "Il a rencontré le ministre hier."
    words = [("He", "Il"), ("met", "rencontré"), ("yesterday.", "hier.")]
    pair = translate(source, words, [term(source, "ministre", "secretary")])
    assert pair.target == "He met secretary yesterday."
    assert [(t.status, t.late) for t in pair.terms] == [("forced", True)]
    assert codes(pair) == ["term-forced:secretary", "term-late:secretary"]


def test_a_dropped_term_at_the_sentence_start_goes_before_the_next_words_english():
    source = "Sondage : les électeurs hésitent."
    words = [("Voters", "électeurs"), ("hesitate.", "hésitent.")]
    pair = translate(source, words, [term(source, "Sondage", "poll")])
    assert pair.target == "Poll Voters hesitate."
    assert pair.terms[0].late


def test_a_target_the_model_cannot_spell_comes_out_exactly():
    source = "Le PDG de Škoda et d'Ørsted parle."
    words = [("The", "Le"), ("CEO", "PDG"), ("of", "de"), ("koda", "Škoda"), ("and", "et"), ("rsted", "d'Ørsted"),
             ("speaks.", "parle.")]
    pair = translate(source, words, [term(source, "Škoda", "Škoda"), term(source, "Ørsted", "Ørsted")])
    assert pair.target == "The CEO of Škoda and Ørsted speaks."
    assert [t.status for t in pair.terms] == ["forced", "forced"]


@pytest.mark.parametrize("target, fields, expected", [
    ("survey", {}, "Survey shows this."),                          # lower-case, insensitive: capitalised
    ("xAI", {}, "xAI shows this."),                                # internal capital: kept
    ("iPhone", {"case_sensitive": True}, "iPhone shows this."),
    ("oui", {"keep_case": True}, "oui shows this."),             # keep-case: never re-cased
])
def test_sentence_initial_casing(target, fields, expected):
    source = "Sondage montre cela."
    words = [("Poll", "Sondage"), ("shows", "montre"), ("this.", "cela.")]
    pair = translate(source, words, [term(source, "Sondage", target, **fields)])
    assert pair.target == expected


def test_a_term_inside_the_sentence_is_not_capitalised():
    source = "Ils lisent le sondage."
    pair = translate(source, [("They", "Ils"), ("read", "lisent"), ("the", "le"), ("Poll.", "sondage.")],
                     [term(source, "sondage", "survey")])
    assert pair.target == "They read the survey."


def test_a_source_with_the_term_twice_gets_it_twice_and_once_gets_it_once():
    source = "Le ministre et le ministre parlent."
    words = [("The", 0), ("minister", 1), ("and", 2), ("the", 3), ("secretary", 4), ("speak.", 5)]
    both = [term(source, "ministre", "secretary"), term(source, "ministre", "secretary", nth=1)]
    pair = translate(source, words, both)
    assert pair.target == "The secretary and the secretary speak."
    assert [t.status for t in pair.terms] == ["forced", "model"]
    assert [pair.target[t.target_start:t.target_end] for t in pair.terms] == ["secretary", "secretary"]

    once = "Le ministre parle."
    pair = translate(once, [("The", 0), ("secretary", 1), ("speaks.", 2)], [term(once, "ministre", "secretary")])
    assert pair.target == "The secretary speaks."  # never a second copy


def test_a_target_inside_a_longer_word_does_not_count():
    source = "L'IA d'OpenAI progresse."
    words = [("OpenAI's", "d'OpenAI"), ("intelligence", "L'IA"), ("progresses.", "progresse.")]
    pair = translate(source, words, [term(source, "IA", "AI", case_sensitive=True)])
    assert pair.target == "OpenAI's AI progresses."
    assert pair.terms[0].status == "forced"


def test_an_accepted_form_counts_as_present():
    source = "Les conseils d'administration votent."
    words = [("The", "Les"), ("boards", "conseils"), ("of", "d'administration"), ("directors", "d'administration"),
             ("vote.", "votent.")]
    terms = [term(source, "conseils d'administration", "board of directors", forms=("boards of directors",))]
    pair = translate(source, words, terms)
    assert pair.target == "The boards of directors vote."
    assert pair.terms[0].status == "model"


def test_two_terms_in_one_sentence_and_the_report_agrees_with_presence():
    source = "Le PDG d'OpenAI parle de l'IAG."
    words = [("OpenAI's", "d'OpenAI"), ("boss", "PDG"), ("talks", "parle"), ("about", "de"), ("the", "l'IAG."),
             ("general", "l'IAG."), ("intelligence.", "l'IAG.")]
    terms = [term(source, "PDG", "CEO"), term(source, "IAG", "AGI", case_sensitive=True)]
    pair = translate(source, words, terms)
    assert pair.target == "OpenAI's CEO talks about the AGI."
    spans = locate(pair.target, pair.terms)
    assert [(t.target_start, t.target_end) for t in pair.terms] == spans
    assert all(t.status == "forced" and not t.late for t in pair.terms)


def test_terms_travel_with_their_piece_of_a_split_sentence():
    source = "Le PDG arrive, " + ", ".join(["mot mot mot"] * 6) + ", et l'IAG aussi."
    terms = [term(source, "PDG", "CEO"), term(source, "IAG", "AGI", case_sensitive=True)]
    pair = SentencePair(source, paragraph=1, number=1, terms=terms)
    document = Document("t", [Paragraph(source, 1, sentences=[pair])])
    engine = ScriptedEngine({}, limit=8)  # unscripted: each word upper-cased, aligned to itself
    translate_document(document, engine)
    assert pair.pieces > 1 and len(engine.calls[0]) == pair.pieces
    assert [t.status for t in pair.terms] == ["forced", "forced"]
    assert [pair.target[t.target_start:t.target_end] for t in pair.terms] == ["CEO", "AGI"]
    assert pair.target.startswith("LE CEO ARRIVE,") and pair.target.endswith(" AGI AUSSI.")
    assert_alignment_is_consistent(pair)
    # Alignment offsets hold across the joined pieces.
    assert (source.index("aussi"), source.index("aussi") + 5, pair.target.index("AUSSI"),
            pair.target.index("AUSSI") + 5) in pair.alignment


def test_without_the_glossary_nothing_is_placed_but_alignment_and_confidence_are_filled():
    source = "Le PDG parle."
    pair = SentencePair(source, paragraph=1, number=1, terms=[term(source, "PDG", "CEO")])
    document = Document("t", [Paragraph(source, 1, sentences=[pair])])
    words = [("The", "Le"), ("boss", "PDG"), ("speaks.", "parle.")]
    translate_document(document, ScriptedEngine({source: words}, truncated={source}), enforce_terms=False)
    assert pair.target == "The boss speaks." and pair.terms[0].status == ""
    assert pair.score == -0.5 and pair.truncated
    assert [(pair.source[a:b], pair.target[c:d]) for a, b, c, d in pair.alignment] == [
        ("Le", "The"), ("PDG", "boss"), ("parle", "speaks")]


@pytest.mark.parametrize("text, span, expected", [
    ("the U.S. document", (4, 5), "U.S."),      # an abbreviation is replaced whole
    ("in the U.S.", (7, 8), "U.S"),             # ... but the sentence's full stop stays
    ("205% of them", (0, 3), "205%"),
    ("OpenAI's model", (0, 6), "OpenAI"),       # the possessive stays
    ("(company) is", (1, 8), "company"),
    ("x.com/propt here", (2, 5), "com"),        # a URL-like token is never grown
])
def test_replaced_words_grow_to_their_whole_token(text, span, expected):
    from align.terms.placement import _whole_token

    start, end = _whole_token(text, *span)
    assert text[start:end] == expected


def test_an_insertion_never_splits_a_token():
    from align.terms.placement import _token_boundary

    assert _token_boundary("205% of", 3) == 4
    assert _token_boundary("205% of", 4) == 4
    assert _token_boundary("ends here.", 9) == 9  # before the full stop


def test_a_dropped_term_is_not_tacked_on_at_the_end_when_its_french_is_not_there():
    source = "Le risque de mourir d'un cancer chute de moitié."
    words = [("The", "Le"), ("risk", "risque"), ("halves", "moitié."), ("for", "de"), ("death.", "mourir")]
    pair = translate(source, words, [term(source, "cancer", "cancer")])
    assert pair.target == "The risk cancer halves for death."
    assert pair.terms[0].late
    # A term whose French ends the sentence may end the English too.
    source = "Il parle du cancer."
    pair = translate(source, [("He", "Il"), ("speaks", "parle"), ("about.", "du")], [term(source, "cancer", "cancer")])
    assert pair.target == "He speaks about cancer."


def test_a_term_cut_by_a_split_is_placed_through_the_sentence_alignment():
    source = "un deux trois quatre cinq conseil d'administration six sept huit neuf."
    pair = SentencePair(source, paragraph=1, number=1, terms=[term(source, "conseil d'administration",
                                                                   "board of directors")])
    document = Document("t", [Paragraph(source, 1, sentences=[pair])])
    engine = ScriptedEngine({}, limit=7)  # pieces "… cinq conseil" | "d'administration six …"
    translate_document(document, engine)
    assert [len(call) for call in engine.calls] == [2]
    # The upper-cased words of the term (aligned to it in both pieces) give way to the target.
    assert pair.target == "UN DEUX TROIS QUATRE CINQ board of directors SIX SEPT HUIT NEUF."
    assert [(t.status, t.late) for t in pair.terms] == [("forced", False)]
    assert_alignment_is_consistent(pair)
    assert (source.index("six"), source.index("six") + 3, pair.target.index("SIX"),
            pair.target.index("SIX") + 3) in pair.alignment
