"""What every translation engine offers the pipeline.

An engine translates freely (beam search as the model wants it) and returns, with
each translation, what the term policy (align.terms.placement) needs to decide
where glossary targets go: the source and target pieces and the decoder's
cross-attention between them. Engines never enforce terms themselves, so both
engines give the same guarantees through the same policy.
"""
from __future__ import annotations

import math
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, Callable

WORD_BOUNDARY = "\u2581"  # SentencePiece's mark of a piece that starts a word
UNKNOWN_PIECE = "<unk>"
UNKNOWN_TEXT = "\u2047"   # what SentencePiece decodes <unk> to: ⁇


@dataclass
class Hypothesis:
    text: str
    tokens: int = 0                      # output tokens (without EOS)
    score: float | None = None           # the model's confidence: log-probability per output token
    truncated: bool = False              # stopped at the length bound instead of emitting EOS
    source_pieces: list[str] = field(default_factory=list)  # as the encoder read them (EOS included)
    target_pieces: list[str] = field(default_factory=list)  # as generated (EOS excluded); `text` decodes them
    # attention[t][s]: cross-attention of the step that generated target piece t on
    # source piece s (last decoder layer, mean over heads); empty when not asked for.
    attention: list[list[float]] = field(default_factory=list)


@dataclass
class GenerationSettings:
    beams: int | None = None             # None: the model's generation config
    batch_size: int = 16
    device: str = "auto"                 # auto | cpu | cuda
    length_ratio: float = 1.5            # max new tokens = ratio × source tokens + slack
    length_slack: int = 10

    def max_new_tokens(self, source_tokens: int) -> int:
        return math.ceil(self.length_ratio * source_tokens) + self.length_slack


ProgressCallback = Callable[[int], None]


class Engine(ABC):
    """A loaded model that translates French sentences into English."""

    name: str = "base"

    @property
    @abstractmethod
    def max_input_tokens(self) -> int:
        """Longest source (in model tokens, EOS included) the model accepts."""

    @abstractmethod
    def count_tokens(self, texts: list[str]) -> list[int]:
        """Source token counts, EOS included."""

    @abstractmethod
    def translate(self, sources: list[str], progress: ProgressCallback | None = None,
                  with_attention: bool = True) -> list[Hypothesis]:
        """Translate sentences, in order. With `with_attention`, each hypothesis
        carries its pieces and cross-attention (what term placement and word
        alignment read). `progress(n)` is called as sentences complete."""

    @abstractmethod
    def signature(self) -> dict[str, Any]:
        """What reproduces this engine's output: model id, revision, settings."""


def detokenize(pieces: list[str]) -> tuple[str, list[tuple[int, int]]]:
    """SentencePiece pieces → text, with each piece's character span in it.

    The same rule for every engine (SentencePiece's own decoding: ▁ starts a word,
    <unk> reads ⁇), so offsets computed from pieces hold in the text.
    """
    text: list[str] = []
    spans: list[tuple[int, int]] = []
    length = 0
    for piece in pieces:
        body = UNKNOWN_TEXT if piece == UNKNOWN_PIECE else piece
        starts_word = body.startswith(WORD_BOUNDARY)
        body = body.lstrip(WORD_BOUNDARY)
        if starts_word and length and body:
            text.append(" ")
            length += 1
        text.append(body)
        spans.append((length, length + len(body)))
        length += len(body)
    return "".join(text), spans


def length_sorted_batches(lengths: list[int], batch_size: int) -> list[list[int]]:
    """Indices grouped into batches of similar length, longest first (less padding,
    and the slowest batch shows up early in the progress bar's estimate)."""
    order = sorted(range(len(lengths)), key=lambda i: (-lengths[i], i))
    return [order[i:i + batch_size] for i in range(0, len(order), batch_size)]
