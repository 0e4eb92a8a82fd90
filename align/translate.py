"""The translation stage: sentences of a Document through an Engine.

Sentences longer than the model's input limit are split at clause boundaries
(then at spaces), translated piece by piece and rejoined, so nothing is
silently truncated. Glossary terms are placed piece by piece by the term policy.
"""
from __future__ import annotations

import re
from typing import Callable, Optional

from dataclasses import replace

from .document import METADATA, ORIGIN_REVIEWED, TERM_FAILED, Document, SentencePair
from .engines.base import Engine, Hypothesis, ProgressCallback
from .terms.placement import Placement, align_words, place_terms, word_alignment
from .terms.presence import locate

# source start, end, translation, term placement, and the indices (in pair.terms) of the terms it placed
Piece = tuple[int, int, Hypothesis, Optional[Placement], list[int]]

# Clause boundaries, strongest first: after ; or :, after a comma, then any space.
CLAUSE_BREAKS = (re.compile(r"(?<=[;:])\s+"), re.compile(r"(?<=,)\s+"), re.compile(r"(?<=[–—-])\s+"),
                 re.compile(r"\s+"))


def split_long(text: str, limit: int, count: Callable[[list[str]], list[int]]) -> list[tuple[int, int]]:
    """Character spans of pieces of `text` that each fit in `limit` tokens.

    Pieces cover the text in order, whitespace between them aside. A piece with no
    break left (one enormous word) is cut by characters as a last resort.
    """
    def fits(span: tuple[int, int]) -> bool:
        return count([text[span[0]:span[1]]])[0] <= limit

    def split(span: tuple[int, int], level: int) -> list[tuple[int, int]]:
        if fits(span):
            return [span]
        start, end = span
        if level >= len(CLAUSE_BREAKS):  # no break left: halve by characters
            if end - start < 2:
                return [span]
            middle = (start + end) // 2
            return split((start, middle), level) + split((middle, end), level)
        segments, cursor = [], start
        for match in CLAUSE_BREAKS[level].finditer(text, start, end):
            if start < match.start() and match.end() < end:
                segments.append((cursor, match.start()))
                cursor = match.end()
        segments.append((cursor, end))
        if len(segments) == 1:
            return split(span, level + 1)
        # Greedily merge neighbouring segments while they fit, split the rest deeper.
        merged: list[tuple[int, int]] = []
        for segment in segments:
            if merged and fits((merged[-1][0], segment[1])):
                merged[-1] = (merged[-1][0], segment[1])
            else:
                merged.append(segment)
        return [piece for part in merged for piece in split(part, level + 1)]

    return split((0, len(text)), 0)


def translate_document(document: Document, engine: Engine, progress: ProgressCallback | None = None,
                       enforce_terms: bool = True) -> Document:
    """Fill `target` of every prose sentence pair (metadata is copied as is),
    with its confidence, word alignment and, when `enforce_terms`, every glossary
    term's target placed by the term policy (align.terms.placement)."""
    jobs: list[tuple[SentencePair, int, int]] = []  # (pair, piece start, piece end)
    pairs = []
    for paragraph in document.paragraphs:
        for pair in paragraph.sentences:
            if paragraph.kind == METADATA:
                pair.target, pair.origin = pair.source, METADATA
                continue
            if pair.origin in ("memory", ORIGIN_REVIEWED):  # from the memory, or a reviewer's correction
                continue
            pairs.append(pair)
    limit = engine.max_input_tokens
    counts = engine.count_tokens([p.source for p in pairs])
    for pair, tokens in zip(pairs, counts):
        spans = [(0, len(pair.source))] if tokens <= limit else split_long(pair.source, limit, engine.count_tokens)
        pair.pieces = len(spans)
        jobs.extend((pair, start, end) for start, end in spans)

    sources = [pair.source[start:end] for pair, start, end in jobs]
    hypotheses = engine.translate(sources, progress=progress) if sources else []
    pieces: dict[int, list[Piece]] = {}
    for (pair, start, end), hypothesis in zip(jobs, hypotheses):
        placement, inside = None, []
        if enforce_terms:
            inside = [i for i, t in enumerate(pair.terms) if start <= t.start and t.end <= end]
            placement = place_terms(pair.source[start:end], hypothesis,
                                    [replace(pair.terms[i], start=pair.terms[i].start - start,
                                             end=pair.terms[i].end - start) for i in inside])
        pieces.setdefault(id(pair), []).append((start, end, hypothesis, placement, inside))
    for pair in pairs:
        _join(pair, pieces.get(id(pair), []), enforce_terms)
    return document


def _join(pair: SentencePair, pieces: list[Piece], enforce_terms: bool) -> None:
    """A sentence from its translated pieces: text, alignment, confidence, terms."""
    texts: list[str] = []
    alignment: list[tuple[int, int, int, int]] = []
    offset = 0
    for start, end, hypothesis, placement, _ in pieces:
        text = placement.text if placement else hypothesis.text
        if placement is None:
            piece_alignment = word_alignment(align_words(pair.source[start:end], hypothesis))
        else:
            piece_alignment = placement.alignment
        lead = len(text) - len(text.lstrip())
        text = text.strip()
        if not text:
            continue
        if texts:
            offset += 1  # the space joining pieces
        alignment.extend((s + start, e + start, ts - lead + offset, te - lead + offset)
                         for s, e, ts, te in piece_alignment)
        texts.append(text)
        offset += len(text)
    pair.target = " ".join(texts)
    pair.alignment = alignment
    pair.origin = "model"
    tokens = sum(h.tokens + 1 for _, _, h, _, _ in pieces)  # + EOS, which the score counts
    scores = [(h.score, h.tokens + 1) for _, _, h, _, _ in pieces if h.score is not None]
    pair.score = sum(s * n for s, n in scores) / tokens if scores and tokens else None
    pair.truncated = any(h.truncated for _, _, h, _, _ in pieces)
    if enforce_terms:
        _set_term_statuses(pair, pieces)


def _set_term_statuses(pair: SentencePair, pieces: list[Piece]) -> None:
    """Each term's status from the placement of its piece; a term cut in two by a
    split is placed in the joined sentence, through the sentence's alignment."""
    outcome: dict[int, tuple[str, bool]] = {}
    for _, _, _, placement, inside in pieces:
        outcome.update(zip(inside, zip(placement.statuses, placement.late)))
    straddling = [i for i in range(len(pair.terms)) if i not in outcome]
    if straddling:
        placement = place_terms(pair.source, Hypothesis(text=pair.target), pair.terms, known=pair.alignment)
        pair.target, pair.alignment = placement.text, placement.alignment
        outcome.update((i, (placement.statuses[i], placement.late[i])) for i in straddling)
    found = locate(pair.target, pair.terms)
    for index, (term, span) in enumerate(zip(pair.terms, found)):
        status, late = outcome.get(index, (TERM_FAILED, False))
        term.status = status if span is not None else TERM_FAILED
        term.late = late and span is not None
        term.target_start, term.target_end = span if span is not None else (-1, -1)
