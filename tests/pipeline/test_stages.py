"""The translate and check stages, with small fakes where a model adds nothing."""

from hypothesis import given, settings
from hypothesis import strategies as st

from align.checks.pair import check_document, repeated_ngram
from align.document import Document, Paragraph, SentencePair
from align.segment import segment_document
from align.read.sources import read_text
from align.pipeline.translate import split_long, translate_document

from scripted_engine import ScriptedEngine


def word_count(texts):
    return [len(t.split()) + 1 for t in texts]  # +1 for EOS, as engines count


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["mot", "deux", "trois,", "fin;", "—", "x" * 30, " ", "  "]), min_size=1,
                max_size=80), st.integers(3, 12))
def test_split_long_pieces_fit_and_keep_every_character(words, limit):
    text = " ".join(words).strip() or "mot"
    spans = split_long(text, limit, word_count)
    assert spans == sorted(spans)
    assert all(a < b for a, b in spans)
    assert all(spans[i][1] <= spans[i + 1][0] for i in range(len(spans) - 1))
    covered = "".join(text[a:b] for a, b in spans)
    assert covered.replace(" ", "") == text.replace(" ", "")
    for a, b in spans:
        assert word_count([text[a:b]])[0] <= limit or " " not in text[a:b].strip()


def test_split_long_prefers_clause_boundaries():
    text = "un deux trois quatre, cinq six sept huit; neuf dix onze douze"
    assert [text[a:b] for a, b in split_long(text, 6, word_count)] == \
        ["un deux trois quatre,", "cinq six sept huit;", "neuf dix onze douze"]


class EchoEngine(ScriptedEngine):
    """Upper-cases its input, each word aligned to itself: enough to test the
    stage's bookkeeping."""

    def __init__(self, limit=512):
        super().__init__({}, limit=limit)


def test_long_sentences_are_split_translated_and_rejoined():
    long_sentence = ", ".join(f"proposition {i} assez longue" for i in range(12)) + "."
    document = segment_document(read_text(f"Court. Et {long_sentence}", "a"))
    engine = EchoEngine(limit=10)
    translate_document(document, engine)
    short, long_pair = document.pairs()
    assert short.pieces == 1 and short.target == "COURT."
    assert long_pair.pieces > 1
    assert all(word_count([s])[0] <= 10 for s in engine.calls[0])
    assert long_pair.target == ("Et " + long_sentence).upper()
    check_document(document)
    assert [str(f) for f in long_pair.flags] == [f"split:{long_pair.pieces} pieces"]


def test_metadata_is_copied_and_prose_translated():
    document = segment_document(read_text(" date 2024-03 Envoyé par OpenAI.", "a"))
    translate_document(document, EchoEngine())
    assert [(p.source, p.target, p.origin) for p in document.pairs()] == [
        ("date 2024-03", "date 2024-03", "metadata"), ("Envoyé par OpenAI.", "ENVOYÉ PAR OPENAI.", "model")]


def test_repeated_ngram():
    assert repeated_ngram("we are we are we are here") == "we are"
    assert repeated_ngram("the the the") == "the"
    assert repeated_ngram("a normal sentence, with the words the and the") is None


def test_checks_flag_untranslated_repetition_and_length_outliers():
    pairs = [SentencePair(f"Phrase numéro {i} assez ordinaire.", f"Sentence number {i} quite ordinary.", 1, i)
             for i in range(1, 9)]
    pairs.append(SentencePair("Une phrase laissée telle quelle ici.", "Une phrase laissée telle quelle ici.", 1, 9))
    pairs.append(SentencePair("Elle boucle sans fin sur un mot.", " ".join(["loop"] * 40) + ".", 1, 10))
    document = Document("d", [Paragraph("p", 1, sentences=pairs)])
    check_document(document)
    codes = {p.number: [f.code for f in p.flags] for p in pairs}
    assert codes[9] == ["untranslated"]
    assert codes[10] == ["repetition", "length-ratio"]
    assert all(codes[i] == [] for i in range(1, 9))
    assert document.flag_counts() == {"untranslated": 1, "repetition": 1, "length-ratio": 1}


def test_a_run_holds_its_settings_only_and_translates_again_as_the_first_time(tmp_path):
    """`Run` keeps what the user asked for; what one `translate` call holds (its header,
    the consistency store, the progress, the article order) lives for that call."""
    import re

    from align.pipeline.run import Run

    (tmp_path / "fr").mkdir()
    for name, text in (("a", "Le chat dort. Il rêve."), ("b", "Un chien aboie.")):
        (tmp_path / "fr" / f"{name}.txt").write_text(text + "\n", encoding="utf-8")
    totals: list[int | None] = []

    class Bar:
        def __init__(self, total):
            self.total = total

        def update(self, n):
            pass

        def refresh(self):
            totals.append(self.total)

        def close(self):
            pass

    run = Run(ScriptedEngine({}), tmp_path / "out", progress_factory=Bar)
    settings = dict(vars(run))
    outputs = []
    for _ in range(2):
        report = run.translate([tmp_path / "fr"])
        assert (report.articles, report.sentences) == (2, 3)
        assert vars(run) == settings  # nothing of the call stays on the run
        outputs.append({p.name: re.sub(r"\d{4}-\d\d-\d\dT[\d:.]+\+00:00", "T", p.read_text(encoding="utf-8"))
                        for p in (tmp_path / "out").glob("*.tsv")})
    assert outputs[0] == outputs[1] and len(outputs[0]) == 2
    assert totals[-1] == 3 and totals[len(totals) // 2 - 1] == 3  # each call's bar counts its own sentences


def test_the_stages_are_a_list_in_their_order(tmp_path):
    """A run's stages, named, in the one order: the memory keeps the model's own English
    (remember before typography), markup is placed before the checks read it."""
    import pytest

    from align.output.memory import TranslationMemory
    from align.pipeline.run import Run
    from align.pipeline.stages import ORDER, Stage, in_order
    from align.terms.glossary import Glossary

    glossary = Glossary.loads("source\ttarget\nIAG\tAGI\n")
    with TranslationMemory(tmp_path / "memory.sqlite") as memory:
        full = Run(ScriptedEngine({}), tmp_path / "out", glossary=glossary, memory=memory)
        assert [stage.name for stage in full.stages] == ["segment", "terms", "memory", "translate", "remember",
                                                         "numbers", "typography", "markup", "checks"] == list(ORDER)
    bare = Run(ScriptedEngine({}), tmp_path / "out", typography="keep", numbers="flag")
    assert [stage.name for stage in bare.stages] == ["segment", "memory", "translate", "markup", "checks"]
    with pytest.raises(ValueError, match="out of order"):
        in_order([Stage("segment", segment_document), Stage("translate"), Stage("checks", check_document),
                  Stage("markup", lambda document: document)])
