"""The translation stage: sentences of a Document through an Engine.

Sentences longer than the model's input limit are split at clause boundaries
(then at spaces), translated piece by piece and rejoined, so nothing is
silently truncated. Glossary terms are placed piece by piece by the term policy.
"""
from __future__ import annotations

import re
from bisect import bisect_left
from typing import Callable, Optional

from dataclasses import dataclass, replace

from ..document import METADATA, ORIGIN_MEMORY, ORIGIN_MODEL, ORIGIN_REVIEWED, TERM_FAILED, Document, SentencePair
from ..mt.engines.base import Engine, Hypothesis, ProgressCallback
from ..terms.placement import Placement, align_words, place_terms, verbatim_terms, word_alignment
from ..terms.presence import locate

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


@dataclass
class Job:
    """One piece of a sentence for the engine: the sentence, or, for a sentence
    too long for the model, one of its clause-bounded pieces."""

    pair: SentencePair
    start: int        # the piece's span in pair.source
    end: int
    tokens: int       # source tokens (EOS included): what batches are filled by

    @property
    def text(self) -> str:
        return self.pair.source[self.start:self.end]


def plan(document: Document, engine: Engine) -> list[Job]:
    """The pieces of `document` the engine must translate, in document order.

    Metadata is copied as is; pairs filled from the memory or a reviewer's
    correction are left alone; a sentence over the model's input limit becomes
    several jobs (`pair.pieces`)."""
    pairs = []
    for paragraph in document.paragraphs:
        for pair in paragraph.sentences:
            if paragraph.kind == METADATA:
                pair.target, pair.origin = pair.source, METADATA
                continue
            if pair.origin in (ORIGIN_MEMORY, ORIGIN_REVIEWED):  # from the memory, or a reviewer's correction
                continue
            pairs.append(pair)
    jobs: list[Job] = []
    limit = engine.max_input_tokens
    for pair, tokens in zip(pairs, engine.count_tokens([p.source for p in pairs])):
        if tokens <= limit:
            spans = [(0, len(pair.source))]
        else:
            spans = split_long(pair.source, limit, engine.count_tokens)
        pair.pieces = len(spans)
        counts = [tokens] if len(spans) == 1 else engine.count_tokens([pair.source[a:b] for a, b in spans])
        jobs.extend(Job(pair, start, end, count) for (start, end), count in zip(spans, counts))
    return jobs


def finish(jobs: list[Job], hypotheses: list[Hypothesis], enforce_terms: bool = True) -> None:
    """Each planned sentence from its pieces' translations (`hypotheses[i]`
    translates `jobs[i]`): text, word alignment, confidence and, when
    `enforce_terms`, every glossary term's target placed by the term policy."""
    pieces: dict[int, list[Piece]] = {}
    pairs: dict[int, SentencePair] = {}
    verbatim: dict[int, tuple[list, list[int]]] = {}  # by pair: its verbatim terms and their starts
    for job, hypothesis in zip(jobs, hypotheses, strict=True):
        pair = job.pair
        placement, inside = None, []
        if enforce_terms:
            inside = [i for i, t in enumerate(pair.terms) if job.start <= t.start and t.end <= job.end]
        # Code, URLs and protected syntax the model read are kept verbatim by the same
        # policy, glossary or not (after the glossary's terms: their statuses come first).
        # (Found once per sentence: a long one is translated in pieces.)
        if id(pair) not in verbatim:
            terms = verbatim_terms(pair)
            verbatim[id(pair)] = terms, [t.start for t in terms]
        terms, starts = verbatim[id(pair)]
        kept = [t for t in terms[bisect_left(starts, job.start):bisect_left(starts, job.end)] if t.end <= job.end]
        if enforce_terms or kept:
            placement = place_terms(job.text, hypothesis,
                                    [replace(term, start=term.start - job.start, end=term.end - job.start)
                                     for term in [pair.terms[i] for i in inside] + kept])
        pieces.setdefault(id(pair), []).append((job.start, job.end, hypothesis, placement, inside))
        pairs[id(pair)] = pair
    for key, pair in pairs.items():
        _join(pair, sorted(pieces[key], key=lambda piece: piece[0]), enforce_terms)


def translate_document(document: Document, engine: Engine, progress: ProgressCallback | None = None,
                       enforce_terms: bool = True) -> Document:
    """Fill `target` of every prose sentence pair of one document (metadata is
    copied as is), with its confidence, word alignment and, when
    `enforce_terms`, every glossary term's target placed by the term policy
    (align.terms.placement). A corpus goes through align.pipeline.scheduler instead,
    which fills batches from many documents."""
    jobs = plan(document, engine)
    hypotheses = engine.translate([job.text for job in jobs], progress=progress) if jobs else []
    finish(jobs, hypotheses, enforce_terms)
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
    pair.origin = ORIGIN_MODEL
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
