"""Numbers repaired like glossary terms (align.checks.repair): a French number the model
wrote wrong is written in English conventions, as babel's en_US writes it; a sentence whose
numbers agree is never touched; what cannot be written safely is left to the check."""
import json
from decimal import Decimal

import pytest
from babel.numbers import format_decimal
from hypothesis import given, settings
from hypothesis import strategies as st
from num2words import num2words

from align.checks.numbers import number_mismatch
from align.checks.repair import repair_pair
from align.document import ORIGIN_REVIEWED, Inline, SentencePair, Term
from align.output.memory import TranslationMemory
from align.pipeline.run import translate_paths
from scripted_engine import ScriptedEngine

amounts = st.one_of(st.integers(0, 10**9).map(Decimal),
                    st.decimals(min_value=0, max_value=10**6, places=2, allow_nan=False, allow_infinity=False))


def sentence(french_amount: str, english_amount: str) -> SentencePair:
    """Le projet coûte X euros. / The project costs Y euros., Y aligned to X."""
    source = f"Le projet coûte {french_amount} euros."
    target = f"The project costs {english_amount} euros."
    fs, es = source.index(french_amount), target.index(english_amount)
    fe, ee = fs + len(french_amount), es + len(english_amount)
    alignment = [(0, 2, 0, 3), (3, 9, 4, 11), (10, 15, 12, 17), (fs, fe, es, ee), (fe + 1, fe + 6, ee + 1, ee + 6)]
    return SentencePair(source, target, 1, 1, origin="model", alignment=alignment)


@settings(max_examples=200, deadline=None)
@given(amounts, amounts)
def test_a_changed_amount_is_written_as_en_us_writes_the_french_value(value, wrong):
    french, english = format_decimal(value, locale="fr_FR"), format_decimal(wrong, locale="en_US")
    pair = sentence(french, english)
    if not number_mismatch(pair.source, pair.target)[0]:
        return   # the same value (10 and 10.00): nothing to repair
    repairs = repair_pair(pair)
    assert pair.target == f"The project costs {format_decimal(value, locale='en_US')} euros."
    assert [f.code for f in pair.flags] == ["number-repaired"] and len(repairs) == 1
    assert number_mismatch(pair.source, pair.target) == ([], [])
    # the written number is aligned to the French one, the other words kept their alignment
    start = pair.target.index(format_decimal(value, locale="en_US"))
    assert any(s == pair.source.index(french) and ts == start for s, _, ts, _ in pair.alignment)
    assert (3, 9, 4, 11) in pair.alignment and all(pair.target[ts:te].strip() for _, _, ts, te in pair.alignment)


@settings(max_examples=200, deadline=None)
@given(amounts, st.sampled_from(["digits", "words"]))
def test_a_sentence_whose_numbers_agree_is_never_touched(value, how):
    """The English says the French's number, in digits or (num2words) in words."""
    english = format_decimal(value, locale="en_US") if how == "digits" else num2words(value, lang="en")
    pair = sentence(format_decimal(value, locale="fr_FR"), english)
    before = (pair.target, list(pair.alignment))
    assert repair_pair(pair) == []
    assert (pair.target, pair.alignment, pair.flags) == (*before, [])


@pytest.mark.parametrize("source, target, repaired", [
    ("40 000 hommes ont manifesté.", "400,000 men demonstrated.", "40,000 men demonstrated."),
    ("Une ligne de 220 kV.", "A 22 kV line.", "A 220 kV line."),
    ("Une hausse de 3,5 % cette année.", "An increase of 35% this year.", "An increase of 3.5% this year."),
    ("Environ 1,1 million d'euros.", "About 1 million euros.", "About 1.1 million euros."),
    ("Une dette de 2 Md€.", "A debt of 3 billion euros.", "A debt of 2 billion euros."),
    ("Il est arrivé à 18 h 30.", "He arrived at 5:30 pm.", "He arrived at 18:30."),   # a time
    ("Il part à 18 h 30 demain.", "He leaves at 5:30 p.m. tomorrow.", "He leaves at 18:30 tomorrow."),
    ("Une piscine de 50 m.", "A 25 m pool.", "A 50 m pool."),                              # a unit kept
    # copied as the French writes it: written as English does
    ("Environ 30 000 cerfs.", "About 30 000 deer.", "About 30,000 deer."),
    ("Un taux de 3,5 % cette année.", "A rate of 3,5 % this year.", "A rate of 3.5 % this year."),
    ("Pour 1 500 roubles.", "For 1,500 rubles.", "For 1,500 rubles."),
])
def test_the_issues_cases_are_repaired_without_alignment_one_wrong_number_each(source, target, repaired):
    """(Or in French conventions: nothing to align.)"""
    pair = SentencePair(source, target, 1, 1, origin="model")
    repair_pair(pair)
    assert pair.target == repaired


@pytest.mark.parametrize("source, target", [
    ("Rendez-vous à7h30 demain.", "Meet at 7.30 am tomorrow."),           # glued, scraped
    ("Ils reçoivent3,3 millions d'euros.", "They receive 3.3 million euros."),
    ("Il y avait30 personnes.", "There were 30 people."),
    ("Il a couru en 20 sec 53.", "He ran in 20.53."),
    ("Un relais 4x50 m.", "A 4x50m relay."),
    ("En Grade 8 (4ème).", "In eighth grade."),
    ("60 000 millions mais à 95 000.", "60 billion, but 95 billion."),     # the scale carried
    ("La version 2.3.1 et le score 120:108.", "Version 2.3.1 and the score 120:108."),
    ("Le 1er mai, au XXe siècle.", "On May 1st, in the 20th century."),
    ("Appelez le 01 23 45 67 89.", "Call 01 23 45 67 89."),
    ("Des vagues de 5-6 m.", "Waves of 5-6m."),
])
def test_scraped_and_written_otherwise_numbers_are_read_right(source, target):
    """The check's false alarms on human translations the issue lists: none, so nothing repaired."""
    assert number_mismatch(source, target) == ([], [])
    pair = SentencePair(source, target, 1, 1, origin="model")
    assert repair_pair(pair) == [] and pair.target == target


@pytest.mark.parametrize("source, target", [
    ("Le 1er mai.", "On May 2nd."),                                  # an ordinal
    ("Le prix passe de 1.500 à 2 000.", "The price goes from 1,600 to 2,000."),   # 1.500: either reading
    ("Né le 18 juin 1918.", "Born in 188."),                        # two French numbers on one English: in doubt
])
def test_what_cannot_be_written_safely_is_left_to_the_check(source, target):
    pair = SentencePair(source, target, 1, 1, origin="model")
    assert repair_pair(pair) == [] and pair.target == target
    assert number_mismatch(source, target) != ([], [])   # still flagged number-mismatch by the checks


def test_glossary_terms_verbatim_text_and_a_persons_english_are_never_touched():
    # a glossary term's French is not read for repair, nor its English written over
    term = Term("vol 4000", 3, 11, "flight 4000", status="model", target_start=4, target_end=15)
    pair = SentencePair("Un vol 4000 demain.", "One flight 4001 tomorrow.", 1, 1, origin="model", terms=[term])
    assert repair_pair(pair) == [] and pair.target == "One flight 4001 tomorrow."
    # code the model read (kept verbatim by the term policy): its English is not written over
    verbatim = SentencePair("Lancez make 40 ici.", "Run make 4 here.", 1, 1, origin="model",
                            inlines=[Inline(7, 14, "code", verbatim=True)],
                            alignment=[(0, 6, 0, 3), (7, 11, 4, 8), (12, 14, 9, 10), (15, 18, 11, 15)])
    assert repair_pair(verbatim) == [] and verbatim.target == "Run make 4 here."
    human = SentencePair("40 000 hommes.", "400,000 men.", 1, 1, origin=ORIGIN_REVIEWED)
    assert repair_pair(human) == [] and human.target == "400,000 men."
    target_term = Term("hommes", 7, 13, "40 men", status="forced", target_start=0, target_end=6)
    in_term = SentencePair("40 000 hommes.", "40 men.", 1, 1, origin="model", terms=[target_term])
    assert repair_pair(in_term) == [] and in_term.target == "40 men."


def test_a_dropped_number_is_inserted_where_a_dropped_term_would_be(tmp_path):
    source = "Il y a 12 ans ."
    engine = ScriptedEngine({source: [("It", "Il"), ("was", "a"), ("years", "ans"), ("ago", "y"), (".", ".")]})
    (tmp_path / "fr").mkdir()
    (tmp_path / "fr" / "a.txt").write_text(source + "\n", encoding="utf-8")
    translate_paths([tmp_path / "fr"], engine, tmp_path / "out", typography="keep")
    row = (tmp_path / "out" / "a.tsv").read_text(encoding="utf-8").splitlines()[1].split("\t")
    assert row[5] == "It was 12 years ago ." and "number-repaired:– → 12" in row[7]


def test_the_run_repairs_the_memory_keeps_the_models_english_and_flag_only_flags(tmp_path):
    source = "Ils sont 40 000 ."
    engine = ScriptedEngine({source: [("They", "Ils"), ("are", "sont"), ("400,000", 2), (".", ".")]})
    (tmp_path / "fr").mkdir()
    (tmp_path / "fr" / "a.txt").write_text(source + "\n", encoding="utf-8")
    out = tmp_path / "out"
    with TranslationMemory(tmp_path / "memory.sqlite") as memory:
        report = translate_paths([tmp_path / "fr"], engine, out, memory=memory)
        assert [target for _, target, _ in memory.entries()] == ["They are 400,000 ."]
    row = (out / "a.tsv").read_text(encoding="utf-8").splitlines()[1].split("\t")
    assert row[5] == "They are 40,000 ." and row[7] == "number-repaired:400,000 → 40,000"
    assert report.manifest.header.settings["numbers"] == "repair"
    assert report.manifest.header.signature.endswith("|numbers:repair")
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["settings"]["numbers"] == "repair"
    flagged = translate_paths([tmp_path / "fr"], engine, tmp_path / "flagged", numbers="flag")
    row = (tmp_path / "flagged" / "a.tsv").read_text(encoding="utf-8").splitlines()[1].split("\t")
    assert row[5] == "They are 400,000 ." and row[7].startswith("number-mismatch:")
    assert flagged.manifest.header.signature.endswith("|numbers:flag")
