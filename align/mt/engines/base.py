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

from .pieces import UNKNOWN_PIECE, WORD_BOUNDARY, detokenize

__all__ = ["UNKNOWN_PIECE", "WORD_BOUNDARY", "Engine", "GenerationSettings", "Hypothesis", "detokenize",
           "missing_dependency", "token_batches"]



@dataclass
class Hypothesis:
    text: str
    tokens: int = 0                      # output tokens (without EOS)
    score: float | None = None           # the model's confidence: log-probability per output token
    truncated: bool = False              # stopped at the length bound instead of emitting EOS
    source_pieces: list[str] = field(default_factory=list)  # as the encoder read them (EOS included)
    target_pieces: list[str] = field(default_factory=list)  # as generated (EOS excluded); `text` decodes them
    # attention[t, s]: cross-attention of the step that generated target piece t on
    # source piece s (last decoder layer, mean over heads), a numpy array (float64) from
    # the engines (a caller's own hypotheses may give lists of rows); empty when not asked for.
    attention: Any = field(default_factory=list)


@dataclass
class GenerationSettings:
    beams: int | None = None             # None: the model's generation config
    # A batch holds at most `batch_tokens` source tokens, padding included (sentences ×
    # the longest), and at most `batch_size` sentences; None: the engine's default,
    # measured on CPU (benchmarks/README.md, "Batch sizes").
    batch_tokens: int | None = None
    batch_size: int | None = None
    device: str = "auto"                 # auto | cpu | cuda
    length_ratio: float = 1.5            # max new tokens = ratio × source tokens + slack
    length_slack: int = 10

    def max_new_tokens(self, source_tokens: int) -> int:
        return math.ceil(self.length_ratio * source_tokens) + self.length_slack


ProgressCallback = Callable[[int], None]

# What to install when an engine's library is missing: the package itself, never
# a name of align's (the registry's `align` is another project).
INSTALL_HINTS = {
    "torch": "pip install torch --index-url https://download.pytorch.org/whl/cpu (the CPU build; "
             "PyPI's Linux torch is the CUDA build, several GB)",
    "ctranslate2": "pip install 'ctranslate2>=4.5'",
}


def missing_dependency(engine: str, exc: ImportError) -> str:
    """One line for an engine whose library cannot be imported, saying what to install."""
    module = (exc.name or str(exc)).split(".")[0]
    hint = INSTALL_HINTS.get(module, f"pip install {module}")
    return f"the {engine} engine needs {module}, which cannot be imported; install it: {hint}"


class Engine(ABC):
    """A loaded model that translates French sentences into English.

    `translate_batch` is the unit of work: a plain function of the engine's
    settings and one batch of sentences (no state carried from one call to the
    next), so a scheduler may form batches across articles, or run them
    elsewhere. `translate` forms the batches itself.
    """

    name: str = "base"
    # Batch limits when the settings give none (measured: benchmarks/README.md).
    default_batch_tokens: int = 2048
    default_batch_size: int = 64
    settings: GenerationSettings = GenerationSettings()  # engines set their own

    @property
    @abstractmethod
    def max_input_tokens(self) -> int:
        """Longest source (in model tokens, EOS included) the model accepts."""

    @abstractmethod
    def count_tokens(self, texts: list[str]) -> list[int]:
        """Source token counts, EOS included."""

    @abstractmethod
    def translate_batch(self, sources: list[str], with_attention: bool = True) -> list[Hypothesis]:
        """Translate one batch as given, in order. With `with_attention`, each
        hypothesis carries its pieces and cross-attention (what term placement
        and word alignment read)."""

    @abstractmethod
    def signature(self) -> dict[str, Any]:
        """What reproduces this engine's output: model id, revision, settings."""

    @property
    def batch_tokens(self) -> int:
        return self.settings.batch_tokens or self.default_batch_tokens

    @property
    def batch_size(self) -> int:
        return self.settings.batch_size or self.default_batch_size

    def form_batches(self, lengths: list[int]) -> list[list[int]]:
        """Indices of sentences of these token counts, grouped into this engine's batches."""
        return token_batches(lengths, self.batch_tokens, self.batch_size)

    def translate(self, sources: list[str], progress: ProgressCallback | None = None,
                  with_attention: bool = True) -> list[Hypothesis]:
        """Translate sentences, in order, in batches of similar length.
        `progress(n)` is called as sentences complete."""
        results: list[Hypothesis | None] = [None] * len(sources)
        for batch in self.form_batches(self.count_tokens(sources)):
            for index, hypothesis in zip(batch, self.translate_batch([sources[i] for i in batch], with_attention)):
                results[index] = hypothesis
            if progress:
                progress(len(batch))
        return [r for r in results if r is not None]


def token_batches(lengths: list[int], max_tokens: int, max_sentences: int) -> list[list[int]]:
    """Indices grouped into batches of similar length, longest first (less padding,
    and the slowest batch shows up early in a progress bar's estimate). A batch
    holds at most `max_sentences` and at most `max_tokens` tokens counting padding
    (its sentences × its longest); a sentence longer than that is a batch alone.
    Deterministic: ties keep their order."""
    order = sorted(range(len(lengths)), key=lambda i: (-lengths[i], i))
    batches: list[list[int]] = []
    for index in order:
        if batches:
            batch = batches[-1]
            longest = lengths[batch[0]]  # sorted: the first is the longest
            if len(batch) < max_sentences and (len(batch) + 1) * longest <= max_tokens:
                batch.append(index)
                continue
        batches.append([index])
    return batches
