"""Word alignment from attention in arrays (`align_words`) against the per-word loop it
replaced, kept here as the oracle, on the small trained model's real attention and
on random attention with ties."""
from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest

from align.mt.engines.base import Hypothesis, detokenize
from align.read.text import plain_apostrophes
from align.segment import split_sentences
from align.terms.placement import (WORD_RE, AlignedWord, _in_words, _word_around, align_words,
                                   source_piece_spans)

REPO = Path(__file__).resolve().parent.parent.parent


# ------------------------------------------------------------------ the oracle
# align_words as it was before arrays (commit b16a5a1), one word at a time (with the
# helpers it shares with the array version, which did not change).
def _inside_copied_piece(text, piece_spans, rows, source, best, word):
    if best is None or len(rows) != 1:
        return None
    start, end = piece_spans[rows[0]]
    surface = text[start:end]
    body = surface.lstrip(" ")
    body_start = start + len(surface) - len(body)
    french = source[best[0]:best[1]]
    if plain_apostrophes(body) == plain_apostrophes(french):
        offset = word[0] - body_start
        if 0 <= offset and word[1] - body_start <= len(body):
            return best[0] + offset, best[0] + offset + word[1] - word[0]
    return None


def reference_align_words(source: str, hypothesis: Hypothesis) -> list[AlignedWord]:
    text, piece_spans = detokenize(hypothesis.target_pieces)
    assert text == hypothesis.text
    source_spans = source_piece_spans(source, hypothesis.source_pieces) if hypothesis.attention else []
    source_words = [m.span() for m in WORD_RE.finditer(source)]
    word_starts = [word[0] for word in source_words]
    source_spans = [span if span is not None and _in_words(span, source_words, word_starts) else None
                    for span in source_spans]
    attention = hypothesis.attention
    width = len(source_spans)
    matrix = np.zeros((len(attention), width))
    for i, row in enumerate(attention):
        row = row[:width]
        matrix[i, :len(row)] = row
    matrix[:, [s for s, span in enumerate(source_spans) if span is None]] = 0.0
    first = 0
    words = []
    for match in WORD_RE.finditer(text):
        while first < len(piece_spans) and piece_spans[first][1] <= match.start():
            first += 1
        rows = []
        for i in range(first, len(piece_spans)):
            start, end = piece_spans[i]
            if start >= match.end() and end > start:
                break
            if start < match.end() and match.start() < end and i < len(attention):
                rows.append(i)
        best = None
        if rows and width:
            weights = matrix[rows].sum(axis=0)
            s = int(np.argmax(weights))
            if weights[s] > 0.0:
                best = source_spans[s]
        inside = _inside_copied_piece(text, piece_spans, rows, source, best, match.span())
        if inside is not None:
            words.append(AlignedWord(match.start(), match.end(), inside, inside))
            continue
        words.append(AlignedWord(match.start(), match.end(), best,
                                 _word_around(source_words, best, word_starts) if best else None))
    return words


# ------------------------------------------------------------------ real attention
@pytest.fixture(scope="module")
def recorded(tmp_path_factory):
    """The small trained model's hypotheses (CTranslate2, attention included) for
    the sentences of the repository's articles and 150 newstest2012 lines."""
    from align.mt.engines import load_engine

    sentences = []
    for path in sorted((REPO / "sources_fr").glob("*.txt")):
        for line in path.read_text(encoding="utf-8").splitlines():
            sentences += split_sentences(line) if line.strip() else []
    news = (REPO / "data" / "newstest2012.fr").read_text(encoding="utf-8").splitlines()
    sentences += [line for line in news if line.strip()][:150]
    engine = load_engine("ctranslate2", str(REPO / "tests" / "models" / "small-fr-en"),
                         cache_dir=tmp_path_factory.mktemp("ct2"))
    return list(zip(sentences, engine.translate(sentences)))


def as_lists(hypothesis: Hypothesis) -> Hypothesis:
    attention = hypothesis.attention
    return Hypothesis(text=hypothesis.text, source_pieces=hypothesis.source_pieces,
                      target_pieces=hypothesis.target_pieces,
                      attention=attention.tolist() if isinstance(attention, np.ndarray) else attention)


def test_the_same_alignment_as_the_loop_on_the_trained_models_attention(recorded):
    assert len(recorded) > 250
    aligned = 0
    for source, hypothesis in recorded:
        words = align_words(source, hypothesis)
        assert words == reference_align_words(source, as_lists(hypothesis)), source
        aligned += sum(1 for word in words if word.word is not None)
    assert aligned > 2000  # the attention really aligns


def test_the_same_alignment_on_random_attention_with_ties(recorded):
    """Attention in quarters (many exact ties), zero rows, rows shorter or longer than
    the source: the argmax and its tie-breaking are the loop's."""
    rng = random.Random(30)
    for source, hypothesis in recorded[:200]:
        rows, columns = len(hypothesis.target_pieces), len(hypothesis.source_pieces)
        for shape in ((rows, columns), (rows, max(columns - 2, 0)), (max(rows - 3, 0), columns + 2)):
            attention = [[rng.choice((0.0, 0.0, 0.25, 0.5, 0.75, 1.0)) for _ in range(shape[1])]
                         for _ in range(shape[0])]
            varied = Hypothesis(text=hypothesis.text, source_pieces=hypothesis.source_pieces,
                                target_pieces=hypothesis.target_pieces, attention=attention)
            assert align_words(source, varied) == reference_align_words(source, varied)
            array = Hypothesis(text=varied.text, source_pieces=varied.source_pieces,
                               target_pieces=varied.target_pieces, attention=np.array(attention).reshape(shape))
            assert align_words(source, array) == reference_align_words(source, varied)


def test_no_attention_aligns_nothing(recorded):
    source, hypothesis = recorded[0]
    bare = Hypothesis(text=hypothesis.text, source_pieces=hypothesis.source_pieces,
                      target_pieces=hypothesis.target_pieces)
    words = align_words(source, bare)
    assert words and all(word.word is None for word in words)
    assert words == reference_align_words(source, bare)


def reference_normalised(row):
    """CTranslate2's attention rows as the engine normalised them before arrays."""
    total = sum(row)
    return [x / total for x in row] if total > 0 and abs(total - 1.0) > 1e-4 else row


def test_ctranslate2_attention_rows_are_normalised_as_before(tmp_path):
    """The engine's rows in an array, against the row-by-row normalisation on the raw
    attention of a batch (padded: the short sentences' first rows are off)."""
    from align.mt.engines import load_engine
    from align.mt.engines.ctranslate2 import attention_rows

    engine = load_engine("ctranslate2", str(REPO / "tests" / "models" / "small-fr-en"), cache_dir=tmp_path)
    sentences = ["Il pleut.", "Le conseil d'administration a approuvé hier soir le budget de l'année prochaine.",
                 "Bonjour à tous.", "Les négociations reprendront demain matin à Bruxelles."]
    tokens = engine.source_tokens(sentences)
    results = engine.translator.translate_batch(tokens, beam_size=2, return_attention=True, max_batch_size=0)
    off = 0
    for source, result in zip(tokens, results):
        pieces = result.hypotheses[0]
        raw = result.attention[0]
        expected = [reference_normalised(row[:len(source)]) for row in raw[:len(pieces)]]
        off += sum(1 for row in raw[:len(pieces)] if abs(sum(row[:len(source)]) - 1.0) > 1e-4)
        assert attention_rows(raw, len(source), len(pieces)).tolist() == expected
    assert off > 0  # the padded rows were met
