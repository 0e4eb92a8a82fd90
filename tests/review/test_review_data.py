"""Review data: corrections in the memory, source-changed, low-confidence, TMX origins.

Hand-made Documents only (fast); the end-to-end round trips through
`align translate` are in test_review_cli.py.
"""
from __future__ import annotations

from lxml import etree

from align.checks.pair import check_document, low_confidence
from align.document import ORIGIN_REVIEWED, SentencePair, Term
from align.output.memory import TranslationMemory, memory_key
from align.segment import segment_document
from align.read.sources import read_text
from align.pipeline.translate import translate_document

from scripted_engine import ScriptedEngine

SIGNATURE = {"engine": "transformers", "model": "m", "revision": "r1", "beams": 4}
OTHER_ENGINE = {"engine": "ctranslate2", "model": "other", "revision": "r2", "beams": 1}
TEXT = "Le chat dort. Le chien aboie.\n\nLa pluie tombe."


def translated(text: str = TEXT, name: str = "article"):
    document = segment_document(read_text(text, name))
    for pair in document.translatable_pairs():
        pair.target, pair.origin, pair.score = f"EN[{pair.source}]", "model", -0.5
    return document


def corrected(memory: TranslationMemory, document, index: int, target: str, status: str, comment: str = ""):
    pair = list(document.translatable_pairs())[index]
    pair.target, pair.status, pair.comment, pair.origin = target, status, comment, ORIGIN_REVIEWED
    memory.store_review(document, pair, edited=True)
    return pair


def test_a_correction_is_reused_whatever_the_engine(tmp_path):
    with TranslationMemory(tmp_path / "m.sqlite") as memory:
        first = translated()
        memory.store(first, memory_key(SIGNATURE), SIGNATURE)
        corrected(memory, first, 1, "The dog barks <loudly>.", "approved", "checked")
        again = segment_document(read_text(TEXT, "article"))
        # another engine: its machine translations are not reused, the correction is
        assert memory.fill(again, memory_key(OTHER_ENGINE)) == 1
        pairs = list(again.translatable_pairs())
        assert [(p.origin, p.target, p.status, p.comment) for p in pairs] == [
            ("", "", "", ""), (ORIGIN_REVIEWED, "The dog barks <loudly>.", "approved", "checked"), ("", "", "", "")]
        # the same engine: the others come from its memory, the correction still wins
        again = segment_document(read_text(TEXT, "article"))
        assert memory.fill(again, memory_key(SIGNATURE)) == 3
        assert [p.origin for p in again.translatable_pairs()] == ["memory", ORIGIN_REVIEWED, "memory"]
        assert list(again.translatable_pairs())[0].score == -0.5  # the score is kept in the memory


def test_correction_found_after_whitespace_and_apostrophe_changes(tmp_path):
    with TranslationMemory(tmp_path / "m.sqlite") as memory:
        first = translated("L'orage gronde.")
        corrected(memory, first, 0, "The storm rumbles.", "reviewed")
        again = segment_document(read_text("L\u2019orage  gronde.", "article"))
        assert memory.fill(again, memory_key(SIGNATURE)) == 1
        assert next(again.translatable_pairs()).target == "The storm rumbles."


def test_changed_french_is_flagged_with_the_old_correction_as_suggestion(tmp_path):
    with TranslationMemory(tmp_path / "m.sqlite") as memory:
        first = translated()
        corrected(memory, first, 1, "The dog barks.", "approved")
        changed = segment_document(read_text(TEXT.replace("Le chien aboie.", "Le chien dort."), "article"))
        assert memory.fill(changed, memory_key(SIGNATURE)) == 0
        pairs = list(changed.translatable_pairs())
        assert [str(f) for f in pairs[1].flags] == ["source-changed"]
        assert pairs[1].suggestion == "The dog barks." and pairs[1].origin == ""
        assert [p.flags for p in (pairs[0], pairs[2])] == [[], []]
        # another article with a sentence at the same id is not concerned
        other = segment_document(read_text(TEXT.replace("Le chien aboie.", "Le chien dort."), "other"))
        memory.fill(other, memory_key(SIGNATURE))
        assert all(not p.flags for p in other.pairs())


def test_a_sentence_inserted_before_a_correction_is_not_source_changed(tmp_path):
    with TranslationMemory(tmp_path / "m.sqlite") as memory:
        first = translated()
        corrected(memory, first, 1, "The dog barks.", "approved")
        moved = segment_document(read_text(TEXT.replace("Le chat dort.", "Le chat dort. Il rêve."), "article"))
        memory.fill(moved, memory_key(SIGNATURE))
        pairs = list(moved.translatable_pairs())
        assert [p.id for p in pairs if p.origin == ORIGIN_REVIEWED] == ["p1s3"]
        assert all(not p.flags for p in pairs)


def test_reviewed_terms_are_located_in_the_correction(tmp_path):
    with TranslationMemory(tmp_path / "m.sqlite") as memory:
        first = translated("Le PDG arrive.")
        corrected(memory, first, 0, "The CEO arrives.", "reviewed")
        again = segment_document(read_text("Le PDG arrive.", "article"))
        pair = next(again.translatable_pairs())
        pair.terms = [Term("PDG", 3, 6, "CEO", entry="PDG"), Term("arrive", 7, 13, "lands", entry="arrive")]
        memory.fill(again, memory_key(SIGNATURE))
        assert [(t.status, t.target_start, t.target_end) for t in pair.terms] == [("model", 4, 7), ("failed", -1, -1)]


def test_reviewed_pairs_pass_through_the_engine_untouched():
    document = translated()
    pair = list(document.translatable_pairs())[0]
    pair.origin, pair.target = ORIGIN_REVIEWED, "A reviewer's own words."
    engine = ScriptedEngine({})
    translate_document(document, engine)
    assert (pair.origin, pair.target) == (ORIGIN_REVIEWED, "A reviewer's own words.")
    assert pair.source not in [s for call in engine.calls for s in call]


def test_tmx_export_marks_reviewed_units(tmp_path):
    with TranslationMemory(tmp_path / "m.sqlite") as memory:
        first = translated()
        memory.store(first, memory_key(SIGNATURE), SIGNATURE)
        corrected(memory, first, 0, "The cat sleeps.", "approved")
        assert memory.export_tmx(tmp_path / "tm.tmx") == 3
    root = etree.parse(str(tmp_path / "tm.tmx")).getroot()
    units = root.findall("body/tu")
    described = [([(p.get("type"), p.text) for p in tu.findall("prop")], tu.findall("tuv/seg")[1].text)
                 for tu in units]
    assert described == [
        ([("x-origin", "reviewed"), ("x-status", "approved")], "The cat sleeps."),
        ([("x-origin", "model")], "EN[Le chien aboie.]"),
        ([("x-origin", "model")], "EN[La pluie tombe.]"),
    ]
    # <prop> before <tuv>, as the TMX 1.4 DTD orders a <tu>'s children
    assert [child.tag for child in units[0]][:2] == ["prop", "prop"]


# ------------------------------------------------------------ low confidence
def scored(scores):
    return [SentencePair(f"s{i}", f"t{i}", 1, i + 1, origin="model", score=s) for i, s in enumerate(scores)]


def test_low_confidence_flags_the_lowest_tenth_of_an_article():
    pairs = scored([-0.4, -1.9, -0.5, -0.6, -0.7, -0.45, -0.8, -0.9, -0.35, -1.2, -0.42, -0.55])
    # 12 scored pairs: ceil(1.2) = the 2 lowest
    assert [p.score for p in low_confidence(pairs)] == [-1.9, -1.2]


def test_low_confidence_ignores_missing_scores_small_articles_and_confident_models():
    assert low_confidence(scored([None] * 20)) == []           # engines that give no score
    assert low_confidence(scored([-3.0, -0.5, -0.5, -0.5])) == []  # too few to have a lowest tenth
    assert low_confidence(scored([-0.1, -0.05, -0.2, -0.15, -0.12, -0.11])) == []  # all confident
    mixed = scored([None, -2.0, None, -0.5, -0.6, -0.7, -0.5])
    assert [p.score for p in low_confidence(mixed)] == [-2.0]
    reviewed = scored([-2.0, -0.5, -0.6, -0.7, -0.5, -0.4])
    reviewed[0].origin = ORIGIN_REVIEWED                        # a person checked it
    assert [p.score for p in low_confidence(reviewed)] == [-0.7]


def test_check_document_adds_the_low_confidence_flag_with_the_score():
    document = translated(" ".join(f"Phrase numéro {n} ici." for n in range(1, 11)))
    pairs = list(document.translatable_pairs())
    for pair, score in zip(pairs, [-0.5, -0.6, -2.25, -0.4, -0.5, -0.6, -0.7, -0.5, -0.6, -0.4]):
        pair.score = score
    check_document(document)
    assert [(p.id, [str(f) for f in p.flags]) for p in pairs if p.flags] == [("p1s3", ["low-confidence:-2.25"])]
