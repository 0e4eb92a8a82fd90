"""Engines that translate by copying: the document path's oracles.

`CopyEngine` writes its French back exactly, each piece attending to the French
piece it copies: whatever align does around the model (reading, segmenting, the
term policy, markup placement, escaping, writing) must then give every document
back unchanged, only its declared language changed. `ReverseEngine` writes each
sentence's words in reverse order, each attending to its own French word: the
words move, so markup must follow them, and every element and every word must
still be there as a reader sees it.

Pieces are split at single spaces, so a copy keeps the French's own spacing (two
spaces, a no-break space before a colon); a real model normalises those, which is
the model's business, not the document path's.
"""
from __future__ import annotations

from align.mt.engines.base import Engine, Hypothesis, detokenize

BOUNDARY = "\u2581"


class CopyEngine(Engine):
    name = "copy"

    def __init__(self, limit: int = 100_000):
        self.limit = limit
        self.calls = 0

    @property
    def max_input_tokens(self) -> int:
        return self.limit

    def count_tokens(self, texts):
        return [len(text.split()) + 1 for text in texts]

    def words(self, source: str) -> list[str]:
        return source.split(" ")

    def order(self, words: list[str]) -> list[int]:
        return list(range(len(words)))

    def translate_batch(self, sources, with_attention=True):
        self.calls += 1
        hypotheses = []
        for source in sources:
            words = self.words(source)
            source_pieces = [BOUNDARY + word for word in words] + ["</s>"]
            order = self.order(words)
            target_pieces = [BOUNDARY + words[i] for i in order]
            attention = []
            for i in order:
                row = [0.0] * len(source_pieces)
                row[i] = 1.0
                attention.append(row)
            text, _ = detokenize(target_pieces)
            hypotheses.append(Hypothesis(text=text, tokens=len(order), score=-0.1, source_pieces=source_pieces,
                                         target_pieces=target_pieces, attention=attention))
        return hypotheses

    def signature(self):
        return {"engine": self.name}


class ReverseEngine(CopyEngine):
    name = "reverse"

    def words(self, source: str) -> list[str]:
        return source.split()

    def order(self, words: list[str]) -> list[int]:
        return list(range(len(words)))[::-1]
