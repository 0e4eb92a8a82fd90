"""Tests of align.terms.matcher: the token trie behind Glossary.find.

`RegexMatcher` (the former regex alternation) is the reference: on any small
set of forms and any text the trie must return the same spans.
"""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from align.terms.matcher import Matcher, RegexMatcher, fold, longest_first


def found(forms, text):
    """(matched text, form index) for each match, checked against the reference."""
    spans = Matcher(forms).find(text)
    assert spans == RegexMatcher(forms).find(text)
    return [(text[start:end], index) for start, end, index in spans]


# --------------------------------------------------------------- overlaps

def test_longest_form_wins_at_one_start_and_across_overlaps():
    forms = [("intelligence artificielle", False), ("intelligence artificielle générale", False),
             ("artificielle générale", False)]
    assert found(forms, "l'intelligence artificielle générale, l'intelligence artificielle") == [
        ("intelligence artificielle générale", 1), ("intelligence artificielle", 0)]


def test_overlap_of_equal_length_keeps_the_earliest():
    assert found([("a b", False), ("b c", False)], "a b c") == [("a b", 0)]


def test_a_later_longer_match_beats_an_earlier_shorter_one():
    forms = [("grand modèle", False), ("modèle de langage étendu", False)]
    assert found(forms, "un grand modèle de langage étendu") == [("modèle de langage étendu", 1)]


def test_only_the_longest_form_at_a_start_competes():
    # As with the former regex: `grand` starts where the beaten `grand modèle`
    # does, so it is not offered in its place.
    forms = [("grand modèle", False), ("modèle de langage étendu", False), ("grand", False)]
    assert found(forms, "un grand modèle de langage étendu") == [("modèle de langage étendu", 1)]
    assert found(forms, "un grand modèle") == [("grand modèle", 0)]


def test_chains_of_overlaps_resolve_longest_first():
    forms = [("a b", False), ("b c d", False), ("d e", False), ("e f g h", False)]
    assert found(forms, "a b c d e f g h") == [("b c d", 1), ("e f g h", 3)]


def test_longest_first_directly():
    assert longest_first([]) == []
    # The longest first: (2, 6) beats both its neighbours, though together they are longer.
    assert longest_first([(5, 9, 0), (0, 3, 1), (2, 6, 2), (9, 10, 3)]) == [(2, 6, 2), (9, 10, 3)]
    assert longest_first([(5, 9, 0), (0, 3, 1), (9, 10, 3)]) == [(0, 3, 1), (5, 9, 0), (9, 10, 3)]


def test_same_form_twice_first_index_wins():
    assert found([("chat", False), ("Chat", False)], "Le chat") == [("chat", 0)]


# ------------------------------------------------------------- case rules

def test_case_insensitive_by_default_with_accents():
    forms = [("école normale", False)]
    assert found(forms, "École Normale, ÉCOLE NORMALE, école normale") == [
        ("École Normale", 0), ("ÉCOLE NORMALE", 0), ("école normale", 0)]


def test_case_sensitive_accepts_a_capitalised_first_letter_only():
    forms = [("alignement", True), ("IA", True)]
    assert found(forms, "Alignement alignement ALIGNEMENT aLignement IA ia Ia iA") == [
        ("Alignement", 0), ("alignement", 0), ("IA", 1)]
    assert found([("élan vital", True)], "Élan vital, ÉLAN VITAL") == [("Élan vital", 0)]


def test_case_sensitive_without_capital_start_is_exact():
    forms = [("eBay", True, False), ("xAI", True, False)]
    assert found(forms, "EBay eBay XAI xAI") == [("eBay", 0), ("xAI", 1)]


def test_a_failing_case_sensitive_form_leaves_the_place_to_another():
    forms = [("PDG", True), ("pdg", False)]
    assert found(forms, "PDG pdg Pdg") == [("PDG", 0), ("pdg", 1), ("Pdg", 1)]


def test_fold_keeps_length_and_follows_re_equivalences():
    text = "İSTANBUL ſ ΣΟΦΟΣ σοφος L’IA"
    assert len(fold(text)) == len(text)
    assert fold("İSTANBUL L’IA") == "istanbul l'ia"
    assert fold("ſ") == fold("S") == "s"
    assert fold("ΣΟΦΟΣ") == fold("σοφος") == fold("σοφοσ")   # final sigma folds like any sigma
    assert found([("istanbul", False), ("sofa", False), ("σοφος", False)], "İstanbul, ſofa, ΣΟΦΟΣ") == [
        ("İstanbul", 0), ("ſofa", 1), ("ΣΟΦΟΣ", 2)]


# ----------------------------------------------------- words and elision

def test_elided_article_stays_outside_the_match():
    forms = [("IAG", True), ("intelligence artificielle", False)]
    assert found(forms, "l'IAG, d’IAG, jusqu’à l'intelligence artificielle, qu'IAG") == [
        ("IAG", 0), ("IAG", 0), ("intelligence artificielle", 1), ("IAG", 0)]


def test_whole_words_only_with_unicode_letters_and_digits():
    forms = [("chat", False), ("IA", True)]
    assert found(forms, "chaton achat échat chat2 2chat _chat_ chat-bot (chat) IAs VIA IA2 IA-générative") == [
        ("chat", 0), ("chat", 0), ("chat", 0), ("IA", 1)]


def test_forms_with_hyphens_apostrophes_and_digits():
    forms = [("start-up", False), ("GPT-4", True), ("GPT-3.5", True), ("conseil d'administration", False),
             ("aujourd'hui", False), ("COVID-19", False), ("article 12", False)]
    text = ("Une start-up, des start-ups, GPT-4o, GPT-4, GPT-3.5-turbo, le conseil d’administration, "
            "aujourd’hui, covid-19, l'article 12 et l'article 123.")
    assert found(forms, text) == [
        ("start-up", 0), ("GPT-4", 1), ("GPT-3.5", 2), ("conseil d’administration", 3),
        ("aujourd’hui", 4), ("covid-19", 5), ("article 12", 6)]


def test_forms_that_start_or_end_with_punctuation_have_no_boundary_there():
    forms = [("C++", False), (".NET", False), ("-ci", False)]
    assert found(forms, "C++x, ASP.NET, celui-ci, C++") == [("C++", 0), (".NET", 1), ("-ci", 2), ("C++", 0)]


def test_any_whitespace_run_matches_a_space_and_offsets_index_the_text():
    forms = [("intelligence artificielle", False), ("IA", True)]
    text = "  L'intelligence\u00a0 \n\tartificielle\n\n\u202fIA  "
    spans = Matcher(forms).find(text)
    assert spans == RegexMatcher(forms).find(text) == [(4, 32, 0), (35, 37, 1)]
    assert text[4:32] == "intelligence\u00a0 \n\tartificielle"


def test_blank_forms_and_empty_texts():
    matcher = Matcher([("", False), ("  ", True), ("chat", False)])
    assert matcher.size == 3
    assert matcher.find("un chat") == [(3, 7, 2)]
    assert matcher.find("") == [] and matcher.find("   ") == [] and Matcher().find("chat") == []


# --------------------------------------------------- agreement (property)

WORDS = ["ia", "IA", "Ia", "iag", "chat", "Chat", "CHAT", "chats", "école", "École", "ÉCOLE", "l", "d",
         "qu", "gpt", "GPT", "4", "3.5", "de", "la", "conseil", "Conseil", "administration", "x", "é", "œuvre",
         "Œuvre", "start", "up", "eBay", "EBay", "_"]
JOINS = [" ", "-", "'", "’", ""]
SEPARATORS = [" ", "  ", "\u00a0", "\n", " \t ", "'", "’", "-", ", ", ".", "", "_", "(", ") ", "2", "é"]

form = st.builds(lambda words, join: join.join(words),
                 st.lists(st.sampled_from(WORDS), min_size=1, max_size=3), st.sampled_from(JOINS))
forms = st.lists(st.tuples(form, st.booleans(), st.booleans()), min_size=1, max_size=12)
RECASE = [str, str.upper, str.lower, str.capitalize, str.title, str.swapcase]


@st.composite
def forms_and_texts(draw):
    """Forms, and a text made of those forms (recased), words and separators."""
    chosen = draw(forms)
    spellings = [form for form, _, _ in chosen]
    recased = st.tuples(st.sampled_from(spellings), st.sampled_from(RECASE)).map(lambda p: p[1](p[0]))
    piece = st.tuples(st.one_of(st.sampled_from(spellings), recased, st.sampled_from(WORDS)),
                      st.sampled_from(SEPARATORS)).map("".join)
    return chosen, "".join(draw(st.lists(piece, max_size=20)))


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(forms_and_texts())
def test_trie_agrees_with_the_regex_reference(case):
    forms, text = case
    trie, reference = Matcher(forms), RegexMatcher(forms)
    assert trie.find_all(text) == reference.find_all(text)
    assert trie.find(text) == reference.find(text)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.text(min_size=1, max_size=8), st.booleans(), st.booleans()), min_size=1, max_size=6),
       st.text(max_size=60))
def test_trie_agrees_with_the_regex_reference_on_any_text(forms, text):
    # Forms and texts of any characters, and forms taken from the text itself.
    if len(text) > 4:
        forms = forms + [(text[1:4], False), (text[2:5], True)]
    assert Matcher(forms).find_all(text) == RegexMatcher(forms).find_all(text)


def greedy_reference(candidates):
    """The former overlap rule, quadratic: longest first, then earliest."""
    taken = []
    for start, end, index in sorted(candidates, key=lambda c: (c[0] - c[1], c[0])):
        if all(end <= s or start >= e for s, e, _ in taken):
            taken.append((start, end, index))
    return sorted(taken)


spans = st.lists(st.tuples(st.integers(0, 60), st.integers(1, 12)), max_size=25, unique_by=lambda s: s[0]).map(
    lambda pairs: [(start, start + length, i) for i, (start, length) in enumerate(pairs)])


@settings(max_examples=500, deadline=None)
@given(spans)
def test_longest_first_agrees_with_the_quadratic_rule(candidates):
    assert longest_first(candidates) == greedy_reference(candidates)
