"""Checks that flag sentence pairs for the reviewer.

Flag codes (stable; the TSV, HTML page and index count them):
  term-forced   a glossary term had to be forced into the translation
  term-failed   a glossary term's target is missing
  length-ratio  target/source length ratio far outside the article's norm
  untranslated  the output is identical to the source
  repetition    an n-gram repeats in a loop (opus-mt's failure on noisy input)
  split         the sentence exceeded the model's input limit and was split
  markup-moved  inline markup (bold, a link...) could not be placed on the words
                aligned to it and was put at the sentence's edge (align.formats)
"""
from __future__ import annotations

import re
import statistics

from .document import METADATA, TERM_FAILED, TERM_FORCED, Document, SentencePair

FLAG_CODES = ("term-forced", "term-failed", "length-ratio", "untranslated", "repetition", "split")
# Only articles with markup (align.formats) can have it: pages show it when it occurs.
MARKUP_FLAG_CODES = ("markup-moved",)
WORD_RE = re.compile(r"\w+", re.UNICODE)


def repeated_ngram(text: str, max_n: int = 4, min_repeats: int = 3) -> str | None:
    """The first n-gram (n ≤ max_n) repeated back to back `min_repeats` times."""
    words = [w.lower() for w in WORD_RE.findall(text)]
    for n in range(1, max_n + 1):
        for start in range(len(words) - n * min_repeats + 1):
            gram = words[start:start + n]
            if all(words[start + k * n:start + (k + 1) * n] == gram for k in range(1, min_repeats)):
                return " ".join(gram)
    return None


def _ratio(pair: SentencePair) -> float:
    return (len(pair.target) + 1) / (len(pair.source) + 1)


def check_pair(pair: SentencePair) -> None:
    for term in pair.terms:
        if term.status == TERM_FORCED:
            pair.add_flag("term-forced", term.target)
        elif term.status == TERM_FAILED:
            pair.add_flag("term-failed", term.target)
    if pair.pieces > 1:
        pair.add_flag("split", f"{pair.pieces} pieces")
    if pair.target and pair.target.strip() == pair.source.strip() and WORD_RE.search(pair.source) \
            and len(WORD_RE.findall(pair.source)) > 2:
        pair.add_flag("untranslated")
    loop = repeated_ngram(pair.target) if pair.target else None
    if loop:
        pair.add_flag("repetition", loop)
    if pair.inlines and pair.target:
        from .formats.inline import MARKUP_MOVED, place_pair
        for kind in dict.fromkeys(place_pair(pair)[1]):
            pair.add_flag(MARKUP_MOVED, kind)


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
            pair.add_flag("length-ratio", f"{ratio / median:.1f}x")
    return document
