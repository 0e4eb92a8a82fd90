"""checks: the `truncated` flag, and metadata that never counts as untranslated."""
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
