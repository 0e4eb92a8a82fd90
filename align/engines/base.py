"""What every translation engine offers the pipeline."""
from __future__ import annotations

import math
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, Callable


@dataclass
class Constraint:
    """A target string the translation must contain (a glossary term).

    `variants` are acceptable spellings, preferred first; `source_start` and
    `source_end` locate the term in the source sentence (characters), which lets
    an engine place the target where the model attends to the source term.
    """

    variants: list[str]
    source_start: int = 0
    source_end: int = 0


@dataclass
class Hypothesis:
    text: str
    tokens: int = 0                      # output tokens (without EOS)
    forced: list[bool] = field(default_factory=list)  # per constraint: decoding had to force it
    score: float | None = None           # the model's confidence: log-probability per output token
    truncated: bool = False              # stopped at the length bound instead of emitting EOS


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
    def translate(self, sources: list[str], constraints: list[list[Constraint]] | None = None,
                  progress: ProgressCallback | None = None) -> list[Hypothesis]:
        """Translate sentences, in order; every constraint's first variant (or
        another variant) appears in its hypothesis. `progress(n)` is called as
        sentences complete."""

    @abstractmethod
    def signature(self) -> dict[str, Any]:
        """What reproduces this engine's output: model id, revision, settings."""


def encode_constraints(source: str, constraints: list[Constraint], encode_target: Callable[[str], list],
                       count_source: Callable[[str], int]) -> list[dict]:
    """What engines force, per constraint: `variants`, the target token sequences
    (index 1 is the capitalised form that opens a sentence), their `texts`, and
    `span`, the source term's token positions (where attention should point)."""
    encoded = []
    for constraint in constraints:
        preferred = constraint.variants[0] if constraint.variants else ""
        capitalised = preferred[:1].upper() + preferred[1:]
        texts = [t for t in [preferred, capitalised, *constraint.variants[1:]] if t.strip()]
        variants: list[list] = []
        for text in texts:
            tokens = encode_target(text)
            if tokens and tokens not in variants:
                variants.append(tokens)
        if len(variants) == 1:  # keep index 1 = the capitalised form
            variants.append(variants[0])
        before = count_source(source[:constraint.source_start]) if constraint.source_start else 0
        upto = count_source(source[:constraint.source_end])
        encoded.append({"variants": variants, "texts": texts, "span": (before, max(upto, before + 1))})
    return encoded


def length_sorted_batches(lengths: list[int], batch_size: int) -> list[list[int]]:
    """Indices grouped into batches of similar length, longest first (less padding,
    and the slowest batch shows up early in the progress bar's estimate)."""
    order = sorted(range(len(lengths)), key=lambda i: (-lengths[i], i))
    return [order[i:i + batch_size] for i in range(0, len(order), batch_size)]
