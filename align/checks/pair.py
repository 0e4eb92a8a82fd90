"""Checks that flag sentence pairs for the reviewer.

Flag codes (stable; the TSV, HTML page and index count them):
  term-forced   a glossary term's target was placed by the term policy (the model's output lacked it)
  term-late     ... and no English was aligned to its source: placed by the fallback, after the
                English of the French word before it (check its place)
  term-failed   a glossary term's target is missing
  length-ratio  target/source length ratio far outside the article's norm
  untranslated  the output is identical to the source (never a metadata line,
                nor a line of numbers and codes, which stay the same in English)
  number-mismatch  the numbers of the French and the English differ, each read in its
                language's conventions (align.checks.numbers)
  empty         the model wrote nothing for a sentence with words
  repetition    an n-gram repeats in a loop (opus-mt's failure on noisy input)
  split         the sentence exceeded the model's input limit and was split
  truncated     the output stopped at the length bound, not at the model's own end
  low-confidence  among the article's lowest model scores (see `low_confidence`)
  source-changed  the French changed since a reviewer corrected this sentence
                  (set by the translation memory; the old correction is the
                  pair's `suggestion`)

The low-confidence threshold is relative to the article: the lowest
`LOW_CONFIDENCE_SHARE` of its scored sentences, except those the model is
sure of anyway (score ≥ `CONFIDENT_SCORE`). docs/review.md says why.

Pairs whose English a person wrote (a reviewer's correction, align pair's or a file's
English) also have:
  french-typography  French typography in the English (« », a space before ; : ! ? or
                  after a digit before %): the machine's English is rewritten by
                  align.typography instead, a person's is only flagged

Articles with markup (align.read.formats) also have:
  link-french   a link no English word held keeps its French text
  markup-moved  inline markup (bold, a link...) could not be placed on the words
                aligned to it and was put at the sentence's edge
"""
from __future__ import annotations

import math
import re
import statistics

from ..document import METADATA, ORIGIN_REVIEWED, TERM_FAILED, TERM_FORCED, Document, Origin, SentencePair
from ..flags import COLUMN_CODES, FlagCode
from .numbers import mismatch_detail, number_mismatch
from ..typography import french_marks, kept_spans

FLAG_CODES = COLUMN_CODES  # one definition: align.flags
LOW_CONFIDENCE_SHARE = 0.1   # the lowest tenth of an article's sentences...
CONFIDENT_SCORE = -0.3       # ...unless the model's mean token probability is above e^-0.3 ≈ 0.74
MIN_SCORED = 5               # below this many scored sentences an article has no "lowest tenth"
# Only articles with markup (align.read.formats) can have it: pages show it when it occurs.
MARKUP_FLAG_CODES = (FlagCode.MARKUP_MOVED, FlagCode.LINK_FRENCH)
WORD_RE = re.compile(r"\w+", re.UNICODE)
# English that a person wrote: flagged, never rewritten (align.typography rewrites the machine's).
HUMAN_ORIGINS = (Origin.REVIEWED, Origin.PAIR, Origin.FILE)


def repeated_ngram(text: str, max_n: int = 4, min_repeats: int = 3) -> str | None:
    """The first n-gram (n ≤ max_n) repeated back to back `min_repeats` times: the
    smallest n, then the earliest start. An n-gram at `start` repeats k times exactly
    when each of the (k - 1)·n words after it equals the word n before, so one pass
    a length counts such runs."""
    words = [w.lower() for w in WORD_RE.findall(text)]
    for n in range(1, max_n + 1):
        need = (min_repeats - 1) * n
        if need <= 0:  # once is always there
            if len(words) >= n:
                return " ".join(words[:n])
            continue
        run = 0
        for i in range(len(words) - n):
            if words[i] == words[i + n]:
                run += 1
                if run == need:
                    start = i - need + 1
                    return " ".join(words[start:start + n])
            else:
                run = 0
    return None


def _ratio(pair: SentencePair) -> float:
    return (len(pair.target) + 1) / (len(pair.source) + 1)


def _copied(pair: SentencePair) -> bool:
    """The output repeats a source of more than two words (numbers aside: a line
    of dates, amounts or codes is rightly the same in English)."""
    words = [w for w in WORD_RE.findall(pair.source) if not w.isdigit()]
    return bool(pair.target) and pair.target.strip() == pair.source.strip() and len(words) > 2


def check_pair(pair: SentencePair) -> None:
    if pair.origin == METADATA:  # copied on purpose, never translated: nothing to flag
        return
    for term in pair.terms:
        if term.status == TERM_FORCED:
            pair.add_flag(FlagCode.TERM_FORCED, term.target)
            if term.late:
                pair.add_flag(FlagCode.TERM_LATE, term.target)
        elif term.status == TERM_FAILED:
            pair.add_flag(FlagCode.TERM_FAILED, term.target)
    if pair.pieces > 1:
        pair.add_flag(FlagCode.SPLIT, f"{pair.pieces} pieces")
    if pair.truncated:
        pair.add_flag(FlagCode.TRUNCATED)
    if _copied(pair):
        pair.add_flag(FlagCode.UNTRANSLATED)
    if not pair.target.strip() and any(c.isalnum() for c in pair.source) and pair.origin != Origin.PAIR:
        pair.add_flag(FlagCode.EMPTY)   # (align pair's French with no English is a 1-0 bead)
    if pair.target.strip() and pair.source.strip():   # (one side alone is align pair's 1-0 or 0-1 bead)
        missing, extra = number_mismatch(pair.source, pair.target)
        if missing or extra:
            pair.add_flag(FlagCode.NUMBER_MISMATCH, mismatch_detail(missing, extra))
    loop = repeated_ngram(pair.target) if pair.target else None
    if loop:
        pair.add_flag(FlagCode.REPETITION, loop)
    if pair.origin in HUMAN_ORIGINS and (marks := french_marks(pair.target, kept_spans(pair))):
        pair.add_flag(FlagCode.TYPOGRAPHY, marks)
    if pair.inlines and pair.target:
        from ..markup.placement import placed_markup  # placed once, kept on the pair
        markup = placed_markup(pair)
        for kind in dict.fromkeys(markup.moved):
            pair.add_flag(FlagCode.MARKUP_MOVED, kind)
        for text in markup.kept:
            pair.add_flag(FlagCode.LINK_FRENCH, text)


def low_confidence(pairs: list[SentencePair], share: float = LOW_CONFIDENCE_SHARE,
                   confident: float = CONFIDENT_SCORE, min_scored: int = MIN_SCORED) -> list[SentencePair]:
    """The pairs to flag: the ceil(share × n) lowest scores of the n scored
    pairs (ties at the cut included), less those scoring ≥ `confident`. Pairs
    without a score (None: not translated by a model, or an engine that gives
    none) are never flagged, nor are reviewers' corrections."""
    scored = [p for p in pairs if p.score is not None and p.origin != ORIGIN_REVIEWED]
    if len(scored) < min_scored:
        return []
    cut = sorted(p.score for p in scored)[math.ceil(share * len(scored)) - 1]
    return [p for p in scored if p.score <= cut and p.score < confident]


def check_document(document: Document, spread: float = 3.0) -> Document:
    """Flag pairs; the length-ratio norm is the article's own median ratio, and a
    pair is an outlier beyond `spread` times (or below 1/`spread` times) it."""
    pairs = [p for para in document.paragraphs if para.kind != METADATA for p in para.sentences
             if p.target and p.origin != METADATA]
    ratios = [_ratio(p) for p in pairs]
    median = statistics.median(ratios) if ratios else 1.0
    for pair, ratio in zip(pairs, ratios):
        check_pair(pair)
        if len(pair.source) >= 20 and (ratio > median * spread or ratio < median / spread):
            pair.add_flag(FlagCode.LENGTH_RATIO, f"{ratio / median:.1f}x")
    for pair in low_confidence(pairs):
        pair.add_flag(FlagCode.LOW_CONFIDENCE, f"{pair.score:.2f}")
    return document


def check_translation(document: Document, glossary=None) -> Document:
    """`align pair`'s QA pass over an existing translation: with a glossary, its
    terms found in the French and looked for in the English (term-failed where
    the English lacks one); then every check that needs no model (numbers,
    untranslated, length ratio, repetition, typography...)."""
    if glossary is not None:
        from ..terms.glossary import find_terms
        from ..terms.presence import mark_terms

        find_terms(document, glossary)
        for pair in document.translatable_pairs():
            mark_terms(pair.target, pair.terms)
    return check_document(document)
