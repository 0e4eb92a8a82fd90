"""checks: the `truncated` flag, metadata that never counts as untranslated, and the repetition check against its first version."""
from hypothesis import given, settings
from hypothesis import strategies as st
from align.checks.pair import FLAG_CODES, check_document, check_pair
from align.document import METADATA, PROSE, Document, Paragraph, SentencePair
from align.segment import segment_document
from align.read.sources import read_text
from align.output.writers.tsv import TsvWriter, read_tsv


def test_a_truncated_pair_is_flagged_and_a_finished_one_is_not():
    cut = SentencePair("Une très longue phrase qui ne finit pas.", "A very long sentence that", 1, 1,
                       origin="model", truncated=True)
    whole = SentencePair("Une phrase complète.", "A whole sentence.", 1, 2, origin="model")
    document = Document("d", [Paragraph("p", 1, sentences=[cut, whole])])
    check_document(document)
    assert [str(f) for f in cut.flags] == ["truncated"]
    assert whole.flags == []
    assert document.flag_counts() == {"truncated": 1}
    assert "truncated" in FLAG_CODES


def test_the_truncated_flag_survives_the_tsv_round_trip(tmp_path):
    cut = SentencePair("Une phrase coupée net au milieu.", "A sentence cut", 1, 1, origin="model", truncated=True)
    document = check_document(Document("d", [Paragraph("p", 1, sentences=[cut])]))
    back = read_tsv(TsvWriter().write(document, tmp_path))[0]
    assert [str(f) for p in back.pairs() for f in p.flags] == ["truncated"]


def test_metadata_lines_are_never_untranslated():
    document = segment_document(read_text(" date 2024-03-05 Le conseil a voté hier soir.", "a"))
    metadata, prose = document.paragraphs
    assert metadata.kind == METADATA and prose.kind == PROSE
    pair = metadata.sentences[0]
    pair.target, pair.origin = pair.source, METADATA  # what translate_document does with metadata
    prose.sentences[0].target, prose.sentences[0].origin = "The board voted last night.", "model"
    check_document(document)
    assert document.flag_counts() == {}
    # The pair alone (as `align pair` or a caller checking pairs one by one would) is not flagged either.
    check_pair(pair)
    assert pair.flags == []


def test_a_copied_line_of_numbers_is_not_untranslated_but_copied_prose_is():
    numbers = SentencePair("12 345 678 - 2024", "12 345 678 - 2024", 1, 1, origin="model")
    prose = SentencePair("Une phrase laissée telle quelle.", "Une phrase laissée telle quelle.", 1, 2,
                         origin="model")
    for pair in (numbers, prose):
        check_pair(pair)
    assert numbers.flags == [] and [f.code for f in prose.flags] == ["untranslated"]


def _repeated_ngram_by_slices(text, max_n=4, min_repeats=3):
    """The oracle: every n-gram at every start compared with the slices after it (the
    check as first written)."""
    import re

    words = [w.lower() for w in re.findall(r"\w+", text)]
    for n in range(1, max_n + 1):
        for start in range(len(words) - n * min_repeats + 1):
            gram = words[start:start + n]
            if all(words[start + k * n:start + (k + 1) * n] == gram for k in range(1, min_repeats)):
                return " ".join(gram)
    return None


@given(words=st.lists(st.sampled_from(["the", "The", "budget", "vote", "a", "7", "ça"]), max_size=30),
       max_n=st.integers(1, 5), min_repeats=st.integers(1, 4))
@settings(max_examples=400, deadline=None)
def test_repeated_ngram_finds_what_comparing_every_slice_finds(words, max_n, min_repeats):
    from align.checks.pair import repeated_ngram

    text = " ".join(words)
    assert repeated_ngram(text, max_n, min_repeats) == _repeated_ngram_by_slices(text, max_n, min_repeats)


def test_repeated_ngram_on_a_model_loop_and_on_a_sentence_without_one():
    from align.checks.pair import repeated_ngram

    assert repeated_ngram("we will be able to to to go") == "to"
    assert repeated_ngram("the next complex complex complex and we will") == "complex"
    assert repeated_ngram("in the house in the house in the house today") == "in the house"
    assert repeated_ngram("The minister said that the vote was held on Tuesday.") is None
