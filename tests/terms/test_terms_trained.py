"""The glossary guarantee on the small *trained* model, with both engines.

A random model writes noise, so every term has to be placed and nobody can see
whether the sentence around it survives. The small trained model
(tests/models/small-fr-en) writes some terms itself, drops others, and has its
own word order: here the policy must add no copy, keep the model's sentence
outside the placed words, put targets it cannot spell out exactly, and report
what an independent check sees. Its translations are poor; only the policy's
behaviour is asserted, never their quality.
"""
from __future__ import annotations

import copy
import re
from pathlib import Path

import pytest

from align.checks.pair import check_document
from align.document import Document, Paragraph, SentencePair
from align.mt.engines import load_engine
from align.mt.engines.base import GenerationSettings
from align.terms.glossary import Glossary, find_terms
from align.pipeline.translate import translate_document

ROOT = Path(__file__).resolve().parent.parent.parent
ENGINES = ["transformers", "ctranslate2"]

# Held-out news (newstest2013) holding terms of the news glossary, and sentences
# whose targets the model's vocabulary cannot spell.
NEWS = [line for line in (ROOT / "data" / "newstest2013.fr").read_text(encoding="utf-8").splitlines()
        if line.strip()]
EXTRA_GLOSSARY = ("Skoda\tŠkoda\t\t\t\n"
                  "Orsted\tØrsted\t\t\t\n"
                  "Île-de-France\tÎle-de-France\t\t\t\n"
                  "xAI\txAI\t\t\t\n")
EXTRA = ["Le constructeur Skoda a présenté une nouvelle voiture à Paris.",
         "Le groupe Orsted construit des éoliennes en mer.",
         "La région Île-de-France investit dans les transports.",
         "xAI a levé des milliards de dollars cette année."]


@pytest.fixture(scope="module")
def glossary() -> Glossary:
    text = (ROOT / "tests" / "data" / "news_glossary.tsv").read_text(encoding="utf-8")
    return Glossary.loads(text + EXTRA_GLOSSARY, "news_glossary.tsv")


@pytest.fixture(scope="module")
def sentences(glossary):
    with_terms = [s for s in NEWS[:400] if glossary.find(s)][:14]
    return with_terms + EXTRA


def document_of(sentences, glossary) -> Document:
    paragraphs = [Paragraph(s, i + 1, sentences=[SentencePair(s, paragraph=i + 1, number=1)])
                  for i, s in enumerate(sentences)]
    return find_terms(Document("news", paragraphs), glossary)


@pytest.fixture(scope="module", params=ENGINES)
def runs(request, small_model, sentences, glossary):
    engine = load_engine(request.param, str(small_model), GenerationSettings(batch_size=8))
    free = document_of(sentences, glossary)
    pinned = copy.deepcopy(free)
    translate_document(free, engine, enforce_terms=False)
    translate_document(pinned, engine)
    check_document(pinned)
    return free, pinned


# An independent whole-word check (not align.terms.presence).
def count(text: str, spellings) -> int:
    text = text.replace("’", "'")
    total, taken = 0, []
    for spelling in sorted(set(spellings), key=len, reverse=True):
        pattern = r"(?<![^\W_])" + re.escape(spelling.replace("’", "'")) + r"(?![^\W_])"
        for match in re.finditer(pattern, text, re.IGNORECASE):
            if not any(match.start() < b and a < match.end() for a, b in taken):
                taken.append(match.span())
                total += 1
    return total


def spellings(glossary, term):
    entry = glossary.get(term.entry)
    return {target for _, target in entry.forms()} | {term.target}


def by_entry(pair):
    groups: dict[str, list] = {}
    for term in pair.terms:
        groups.setdefault(term.entry, []).append(term)
    return groups


def test_every_term_occurrence_is_in_the_translation_and_the_report_agrees(runs, glossary):
    _, pinned = runs
    for pair in pinned.pairs():
        for entry, terms in by_entry(pair).items():
            assert count(pair.target, spellings(glossary, terms[0])) >= len(terms), (pair.source, pair.target)
            assert all(t.status in ("model", "forced") for t in terms), (pair.target, terms)
            for term in terms:
                assert pair.target[term.target_start:term.target_end].lower() in \
                    {s.lower() for s in spellings(glossary, term)}


def test_the_policy_adds_no_copy_of_a_term(runs, glossary):
    free, pinned = runs
    for before, after in zip(free.pairs(), pinned.pairs()):
        for entry, terms in by_entry(after).items():
            forms = spellings(glossary, terms[0])
            assert count(after.target, forms) <= max(count(before.target, forms), len(terms)), \
                (after.source, before.target, after.target)


def test_terms_the_model_wrote_are_reported_as_its_own_and_leave_the_sentence_alone(runs, glossary):
    free, pinned = runs
    untouched = 0
    for before, after in zip(free.pairs(), pinned.pairs()):
        if after.terms and all(t.status == "model" for t in after.terms):
            assert after.target == before.target
            untouched += 1
    assert untouched > 0  # the trained model writes some terms itself


def _words(text: str) -> list[str]:
    return ["a" if w.lower() == "an" else w.lower() for w in re.findall(r"[^\W_]+", text)]


def test_outside_the_placed_words_the_sentence_is_the_models(runs):
    free, pinned = runs
    forced = 0
    for before, after in zip(free.pairs(), pinned.pairs()):
        placed = [t for t in after.terms if t.status == "forced"]
        forced += len(placed)
        # The pinned sentence without its placed targets is the model's sentence
        # with some words (those the targets replaced) left out, in the same order.
        kept = after.target
        for term in sorted(placed, key=lambda t: -t.target_start):
            kept = kept[:term.target_start] + " " + kept[term.target_end:]
        remaining = iter(_words(before.target))
        assert all(word in remaining for word in _words(kept)), (before.target, after.target)
        dropped = len(_words(before.target)) - len(_words(kept))
        assert dropped <= sum(len(_words(t.target)) + 3 for t in placed), (before.target, after.target)
    assert forced > 0  # the model left some terms out: the policy had work to do


def test_targets_the_model_cannot_spell_come_out_exactly(runs):
    _, pinned = runs
    found = {t.target: pair.target for pair in pinned.pairs() for t in pair.terms}
    for target in ("Škoda", "Ørsted", "Île-de-France", "xAI"):
        assert re.search(r"(?<![^\W_])" + re.escape(target) + r"(?![^\W_])", found[target]), found[target]


def test_a_fallback_placement_is_flagged_late_and_nothing_else_is(runs):
    _, pinned = runs
    for pair in pinned.pairs():
        late = {t.target for t in pair.terms if t.late}
        flagged = {f.detail for f in pair.flags if f.code == "term-late"}
        assert late == flagged
        assert all(t.status == "forced" for t in pair.terms if t.late)


def test_alignment_links_words_of_the_pair(runs):
    _, pinned = runs
    for pair in pinned.pairs():
        assert pair.alignment
        for src_start, src_end, tgt_start, tgt_end in pair.alignment:
            assert re.fullmatch(r"[^\W_]+(?:-[^\W_]+)*", pair.source[src_start:src_end])
            assert re.fullmatch(r"[^\W_]+(?:-[^\W_]+)*", pair.target[tgt_start:tgt_end])


def test_confidence_and_truncation_are_filled(runs):
    free, pinned = runs
    for pair in pinned.pairs():
        assert pair.score is not None and -20 < pair.score < 0
        assert pair.truncated is False  # the trained model ends its sentences
