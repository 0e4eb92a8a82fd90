"""SentencePiece pieces → text, exactly as SentencePiece decodes them, with the
character span each piece contributes.

Both engines return the pieces the model generated; the text align writes must be
what the model's own decoding gives (`sentencepiece`'s `decode_pieces`, which
MarianTokenizer.decode and CTranslate2's examples call), and term placement and
word alignment need to know which characters each piece produced. So this module
re-implements SentencePiece's decoder (sentencepiece 0.2, `Decode` in
sentencepiece_processor.cc) piece by piece:

* ``▁`` stands for a space, wherever it is in a piece: a lone ``▁`` piece is a
  space of its own (dropping it glued words: ``a▁ kilo`` → ``akilo``);
* while nothing has been written yet, a piece's leading ``▁`` is the dummy prefix
  the encoder added, and is dropped (so are lone ``▁`` pieces there);
* ``<unk>`` reads `` ⁇ `` (spaces included), control pieces (``<s>``, ``</s>``,
  and ``<pad>``, which Marian's tokenizer never decodes) read nothing;
* runs of byte-fallback pieces (``<0xE2>``) are joined and read as UTF-8: the
  last byte of a character carries it, an invalid byte reads U+FFFD.

`tests/mt/engines/test_pieces.py` checks this against `decode_pieces` on random piece
sequences of the test models' vocabularies and of a byte-fallback model.
"""
from __future__ import annotations

import re

WORD_BOUNDARY = "\u2581"   # SentencePiece's mark of a space (a piece that starts a word)
UNKNOWN_PIECE = "<unk>"
UNKNOWN_SURFACE = " \u2047 "  # SentencePiece's default unk_surface: " ⁇ "
CONTROL_PIECES = frozenset({"<s>", "</s>", "<pad>"})
REPLACEMENT = "\ufffd"
BYTE_PIECE_RE = re.compile(r"<0x([0-9A-Fa-f]{2})>")

Span = tuple[int, int]


def _utf8_length(lead: int) -> int:
    """Bytes of the UTF-8 sequence a lead byte announces (0: not a lead byte)."""
    if lead < 0x80:
        return 1
    if 0xC2 <= lead <= 0xDF:
        return 2
    if 0xE0 <= lead <= 0xEF:
        return 3
    if 0xF0 <= lead <= 0xF4:
        return 4
    return 0


def _byte_surfaces(data: bytes) -> list[str]:
    """One surface per byte: a valid character's text on its last byte ('' on
    the others), U+FFFD on a byte that starts no valid character."""
    surfaces: list[str] = []
    offset = 0
    while offset < len(data):
        size = _utf8_length(data[offset])
        try:
            character = data[offset:offset + size].decode("utf-8") if size else ""
        except UnicodeDecodeError:
            character = ""
        if len(character) == 1:
            surfaces.extend([""] * (size - 1) + [character])
            offset += size
        else:
            surfaces.append(REPLACEMENT)
            offset += 1
    return surfaces


def piece_surfaces(pieces: list[str]) -> list[str]:
    """The text each piece decodes to; their concatenation is the decoded text."""
    surfaces: list[str] = [""] * len(pieces)
    at_start = True  # nothing written yet: a leading ▁ is the dummy prefix
    index = 0
    while index < len(pieces):
        piece = pieces[index]
        if piece.startswith("<0x") and BYTE_PIECE_RE.fullmatch(piece):  # (the test first: one call a piece)
            end = index
            while end < len(pieces) and BYTE_PIECE_RE.fullmatch(pieces[end]):
                end += 1
            data = bytes(int(BYTE_PIECE_RE.fullmatch(p).group(1), 16) for p in pieces[index:end])
            surfaces[index:end] = _byte_surfaces(data)
            at_start = at_start and not any(surfaces[index:end])
            index = end
            continue
        if piece in CONTROL_PIECES:
            surface = ""
        elif piece == UNKNOWN_PIECE:
            surface = UNKNOWN_SURFACE
        else:
            if at_start and piece.startswith(WORD_BOUNDARY):
                piece = piece[1:]
            surface = piece.replace(WORD_BOUNDARY, " ")
        surfaces[index] = surface
        at_start = at_start and not surface
        index += 1
    return surfaces


def detokenize(pieces: list[str]) -> tuple[str, list[Span]]:
    """The decoded text and each piece's span in it (`text[start:end]` is what the
    piece contributed, its spaces included; empty for pieces that read nothing)."""
    spans: list[Span] = []
    length = 0
    surfaces = piece_surfaces(pieces)
    for surface in surfaces:
        spans.append((length, length + len(surface)))
        length += len(surface)
    return "".join(surfaces), spans
