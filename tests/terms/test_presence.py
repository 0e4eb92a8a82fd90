"""align.terms.presence: the one answer to "is this term's target in that English?"."""
import pytest

from align.document import Term
from align.terms.presence import is_present, locate, missing, occurrences, term_occurrences


def term(target, *forms, case_sensitive=False, keep_case=False, start=0):
    return Term(source="x", start=start, end=start + 1, target=target, forms=forms,
                case_sensitive=case_sensitive, keep_case=keep_case)


@pytest.mark.parametrize("text, present", [
    ("OpenAI released it", False),        # never inside a longer word
    ("the AI model", True),
    ("AI-powered tools", True),           # a hyphen ends a word
    ("AIs", False),
    ("(AI)", True),
    ("said: AI.", True),
    ("MAIL", False),
])
def test_whole_words_only(text, present):
    assert is_present(text, term("AI", case_sensitive=True)) is present


def test_case_insensitive_unless_the_entry_says_otherwise():
    assert is_present("The Board Of Directors met", term("board of directors"))
    assert not is_present("the Ai model", term("AI", case_sensitive=True))
    assert not is_present("the ai model", term("AI", keep_case=True))
    assert is_present("the AI model", term("AI", keep_case=True))


def test_apostrophes_alike_and_any_whitespace_between_words():
    assert is_present("the board of  directors’ vote", term("board of directors"))
    assert is_present("Macy’s said", term("Macy's"))
    assert is_present("Macy's said", term("Macy’s"))
    assert is_present("board of\u00a0directors", term("board of directors"))


def test_declared_forms_are_accepted():
    assert is_present("two boards of directors", term("board of directors", "boards of directors"))
    assert not is_present("two boards of directors", term("board of directors"))


def test_spans_index_the_text_as_given():
    text = "l’AGI d’OpenAI et l'AGI"
    spans = term_occurrences(text, term("AGI", case_sensitive=True))
    assert [text[a:b] for a, b in spans] == ["AGI", "AGI"]


def test_counting_one_target_serves_one_occurrence():
    twice = [term("AGI", start=0), term("AGI", start=10)]
    assert locate("AGI is AGI", twice) == [(0, 3), (7, 10)]
    assert missing("AGI is near", twice) == [1]
    assert missing("AGI is near", twice[:1]) == []


def test_longer_targets_claim_their_words_first():
    terms = [term("AI", case_sensitive=True, start=0), term("generative AI", start=5)]
    # The only AI of the sentence belongs to "generative AI": the lone AI is missing.
    assert locate("generative AI matters", terms) == [None, (0, 13)]
    assert locate("generative AI and AI", terms) == [(18, 20), (0, 13)]


def test_longest_form_wins_where_forms_overlap():
    assert occurrences("the New York City council", ["New York", "New York City"]) == [(4, 17)]


def test_targets_starting_or_ending_with_punctuation():
    assert occurrences("we use C++ daily", ["C++"]) == [(7, 10)]
    assert occurrences("we use C+++ daily", ["C++"]) == [(7, 10)]  # punctuation edges are not word edges
    assert occurrences("", ["AI"]) == [] and occurrences("AI", [" "]) == []


def test_a_case_sensitive_target_may_open_the_sentence_capitalised_unless_keep_case():
    assert is_present("Alignment matters.", term("alignment", case_sensitive=True))
    assert not is_present("Its Alignment matters.", term("alignment", case_sensitive=True))
    assert not is_present("Alignment matters.", term("alignment", keep_case=True))
    assert not is_present("IPhone sales", term("iPhone", case_sensitive=True))
    assert is_present("« Alignment » matters", term("alignment", case_sensitive=True))


def test_verbatim_text_is_found_against_the_letters_its_french_had():
    promise = Term("Promise", 4, 11, "Promise", case_sensitive=True, keep_case=True, verbatim=True, glued=("", "s"))
    assert locate("The Promises are useful.", [promise]) == [(4, 11)]
    assert locate("The Promisey are useful.", [promise]) == [None]   # not what the French had against it
    code = Term("x", 12, 13, "x", case_sensitive=True, keep_case=True, verbatim=True, glued=("", "s"))
    assert locate("The maximum xsera is x.", [code]) == [(12, 13)]  # never inside another word
    alone = Term("x", 12, 13, "x", case_sensitive=True, keep_case=True, verbatim=True)
    assert locate("The variable xsera.", [alone]) == [None]
