"""align's decoding of pieces against SentencePiece's own (`decode_pieces`).

The oracle is the library: random piece sequences drawn from the test models'
vocabularies (the trained model's target and source SentencePiece models) and from
a byte-fallback model trained here, with the pieces that broke align before (lone
▁, <unk>, control pieces, stray bytes) mixed in.
"""
from __future__ import annotations

import io
from functools import lru_cache

import pytest
import sentencepiece
from hypothesis import given, settings
from hypothesis import strategies as st

from align.mt.engines.pieces import detokenize, piece_surfaces
from conftest import ROOT, SMALL_MODEL

TRICKY = ["\u2581", "<unk>", "<s>", "</s>", "<0xE2>", "<0x82>", "<0xAC>", "<0xF0>", "<0x9F>", "<0xC3>", "<0xA9>",
          "<0x41>", "<0xFF>", "<0x80>"]


@lru_cache(maxsize=None)
def processor(name: str) -> sentencepiece.SentencePieceProcessor:
    if name == "byte-fallback":
        lines = (ROOT / "data" / "newstest2013.fr").read_text(encoding="utf-8").splitlines()[:400]
        model = io.BytesIO()
        sentencepiece.SentencePieceTrainer.train(sentence_iterator=iter(lines), model_writer=model, vocab_size=420,
                                                 byte_fallback=True, character_coverage=0.98, minloglevel=2)
        return sentencepiece.SentencePieceProcessor(model_proto=model.getvalue())
    return sentencepiece.SentencePieceProcessor(model_file=str(SMALL_MODEL / name))


@lru_cache(maxsize=None)
def vocabulary(name: str) -> list[str]:
    sp = processor(name)
    return [sp.id_to_piece(i) for i in range(sp.get_piece_size())]


MODELS = ["target.spm", "source.spm", "byte-fallback"]


def piece_lists(name: str):
    # SentencePiece returns a piece its model lacks verbatim, so only the model's own pieces
    # (and the tricky ones it has) are drawn: those are what a model can generate.
    known = set(vocabulary(name))
    tricky = [piece for piece in TRICKY if piece in known]
    pieces = st.one_of(st.sampled_from(vocabulary(name)), st.sampled_from(tricky))
    return st.lists(pieces, max_size=12)


@pytest.mark.parametrize("name", MODELS)
def test_random_piece_sequences_decode_as_sentencepiece_decodes_them(name):
    sp = processor(name)

    @settings(max_examples=400, deadline=None)
    @given(piece_lists(name))
    def check(pieces):
        text, spans = detokenize(pieces)
        assert text == sp.decode_pieces(pieces)
        # Each piece's span is exactly what it contributed: in order, covering the text.
        assert len(spans) == len(pieces)
        assert "".join(text[start:end] for start, end in spans) == text
        assert all(a[1] == b[0] for a, b in zip(spans, spans[1:]))
        assert [text[start:end] for start, end in spans] == piece_surfaces(pieces)

    check()


@pytest.mark.parametrize("model, pieces, text", [
    ("target.spm", ["\u2581a", "\u2581", "ki", "lo", "meter"], "a kilometer"),  # a lone ▁ is a space (it was dropped)
    ("target.spm", ["\u2581community", "\u2581", "might"], "community might"),
    ("target.spm", ["\u2581", "\u2581a"], "a"),                              # the dummy prefix, even as a lone ▁
    ("target.spm", ["\u2581a", "\u2581", "\u2581b"], "a  b"),                  # two spaces, as SentencePiece writes
    ("target.spm", ["\u2581a", "<unk>", "\u2581b"], "a \u2047  b"),
    ("target.spm", ["</s>", "\u2581a", "<s>"], "a"),
    ("byte-fallback", ["<0xC5>", "<0xA0>", "e", "s", "\u2581de"], "\u0160es de"),  # Š from byte pieces
    ("byte-fallback", ["\u2581", "<0xE2>", "<0x82>"], "\ufffd\ufffd"),        # a cut character: U+FFFD per byte
])
def test_cases_that_broke_align_match_the_library(model, pieces, text):
    assert set(pieces) <= set(vocabulary(model))
    assert processor(model).decode_pieces(pieces) == text
    assert detokenize(pieces)[0] == text


def test_a_lone_word_boundary_piece_spans_its_space():
    text, spans = detokenize(["\u2581a", "\u2581", "ki", "lo", "meter"])
    assert [text[s:e] for s, e in spans] == ["a", " ", "ki", "lo", "meter"]


def test_byte_pieces_give_their_character_to_the_last_byte():
    text, spans = detokenize(["\u2581x", "<0xC3>", "<0xA9>"])
    assert text == "x\u00e9"
    assert [text[s:e] for s, e in spans] == ["x", "", "\u00e9"]
