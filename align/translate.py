"""The translation stage: sentences of a Document through an Engine.

Sentences longer than the model's input limit are split at clause boundaries
(then at spaces), translated piece by piece and rejoined, so nothing is
silently truncated. Glossary terms travel with their piece as constraints.
"""
from __future__ import annotations

import re
from typing import Callable

from .document import METADATA, Document, SentencePair
from .engines.base import Constraint, Engine, ProgressCallback
from .terms.enforce import constraint_for, set_term_statuses

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
                       use_constraints: bool = True) -> Document:
    """Fill `target` of every prose sentence pair (metadata is copied as is)."""
    jobs: list[tuple[SentencePair, int, int]] = []  # (pair, piece start, piece end)
    pairs = []
    for paragraph in document.paragraphs:
        for pair in paragraph.sentences:
            if paragraph.kind == METADATA:
                pair.target, pair.origin = pair.source, METADATA
                continue
            if pair.origin == "memory":  # filled from the translation memory
                continue
            pairs.append(pair)
    limit = engine.max_input_tokens
    counts = engine.count_tokens([p.source for p in pairs])
    for pair, tokens in zip(pairs, counts):
        spans = [(0, len(pair.source))] if tokens <= limit else split_long(pair.source, limit, engine.count_tokens)
        pair.pieces = len(spans)
        jobs.extend((pair, start, end) for start, end in spans)

    sources = [pair.source[start:end] for pair, start, end in jobs]
    constraints: list[list[Constraint]] = []
    for pair, start, end in jobs:
        inside = [t for t in pair.terms if start <= t.start and t.end <= end] if use_constraints else []
        constraints.append([constraint_for(t, start) for t in inside])

    hypotheses = engine.translate(sources, constraints, progress=progress) if sources else []
    outputs: dict[int, list[str]] = {}
    forced: dict[int, list[bool]] = {}
    for (pair, start, end), hypothesis, piece_constraints in zip(jobs, hypotheses, constraints):
        outputs.setdefault(id(pair), []).append(hypothesis.text.strip())
        forced.setdefault(id(pair), []).extend(hypothesis.forced or [False] * len(piece_constraints))
    for pair in pairs:
        pair.target = " ".join(t for t in outputs.get(id(pair), []) if t)
        pair.origin = "model"
        if use_constraints:
            # Terms sit in piece order, matching the order of `forced`.
            set_term_statuses(pair, forced.get(id(pair), []))
    return document
