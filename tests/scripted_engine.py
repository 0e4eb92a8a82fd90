"""An engine whose translations are scripted, word by word, with their alignment.

A trained model decides for itself where words go; to test the term policy
exactly, this engine says what the "model" wrote and which French word each
English word attended to. Each word is one SentencePiece piece (▁word), and the
attention of a word is all on the French word named (none: on EOS only).
"""
from __future__ import annotations

from align.mt.engines.base import Engine, Hypothesis, detokenize


class ScriptedEngine(Engine):
    name = "scripted"

    def __init__(self, script: dict[str, list[tuple[str, str | int | None]]], limit: int = 512, truncated=()):
        # script: French sentence → [(English word, the French word it translates — by its
        # text, or its index where the text repeats — or None: attention on EOS)]
        self.script = script
        self.limit = limit
        self.truncated = set(truncated)
        self.calls: list[list[str]] = []

    @property
    def max_input_tokens(self) -> int:
        return self.limit

    def count_tokens(self, texts):
        return [len(t.split()) + 1 for t in texts]

    def translate_batch(self, sources, with_attention=True):
        self.calls.append(list(sources))
        hypotheses = []
        for source in sources:
            french = source.split()
            source_pieces = ["\u2581" + w for w in french] + ["</s>"]
            words = self.script.get(source) or [(w.upper(), w) for w in french]
            target_pieces = ["\u2581" + english for english, _ in words]
            attention = []
            for _, aligned in words:
                row = [0.0] * len(source_pieces)
                if aligned is None:
                    row[-1] = 1.0
                else:
                    row[aligned if isinstance(aligned, int) else french.index(aligned)] = 1.0
                attention.append(row)
            text, _ = detokenize(target_pieces)
            hypotheses.append(Hypothesis(text=text, tokens=len(words), score=-0.5, truncated=source in self.truncated,
                                         source_pieces=source_pieces, target_pieces=target_pieces,
                                         attention=attention))
        return hypotheses

    def signature(self):
        return {"engine": self.name}
