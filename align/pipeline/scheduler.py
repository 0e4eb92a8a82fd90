"""Batches across articles: the sentences of many documents, translated together.

A corpus of short articles translated one article at a time gives the engine
batches of two or three sentences, and an engine on the CPU is fastest at batches
of thousands of tokens (benchmarks/README.md, "Batch sizes"). The scheduler reads
documents ahead into a *window* (until its sentences hold `window_tokens` source
tokens), sorts the window's sentences by length, cuts them into the engine's
batches (`Engine.form_batches`: by tokens, padding included) and hands each document
back as soon as its last sentence is translated. Memory is bounded by the window,
never by the corpus.

Deterministic: the same documents and settings give the same windows and the same
batches. Each batch goes through `translate_batch`, a plain function of the
engine's settings and the batch's sentences (by default the engine's own), so the
work can be run elsewhere: a runner (align.mt.runners) translates the window's batches
in this process, or on a pool of Ray actors several at a time, and gives them back
in order. What changes with batching is only what the engine's
numerics make of padding: benchmarks/README.md measures it for both engines.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterable, Iterator

from ..document import Document
from ..mt.engines.base import Engine, Hypothesis
from ..mt.runners.base import BatchRunner, LocalRunner
from .translate import Job, finish, plan

WINDOW_BATCHES = 16     # a window holds about this many full batches of sentences
MAX_WINDOW_DOCUMENTS = 4096  # ... and at most this many documents


@dataclass
class Translated:
    """A document whose sentences are translated (their targets, alignment, and
    glossary terms placed); `error`: why they could not be (then the document is
    not to be written)."""

    payload: Any
    document: Document
    error: str = ""


@dataclass
class _Pending:
    payload: Any
    document: Document
    jobs: list[Job]
    waiting: int
    error: str = ""


class CorpusScheduler:
    """Translates the sentences of a stream of documents in batches across them.

    Each sentence is finished (align.pipeline.translate.finish: its pieces joined, its
    terms placed when `enforce_terms`) as soon as its translation is back, so a
    window holds finished sentences, not the engine's attention matrices.
    `on_sentences(n)`: n more sentences are translated (for a progress bar).
    """

    def __init__(self, engine: Engine, window_tokens: int | None = None,
                 translate_batch: Callable[[list[str]], list[Hypothesis]] | None = None,
                 on_sentences: Callable[[int], None] | None = None, enforce_terms: bool = True,
                 runner: BatchRunner | None = None) -> None:
        self.engine = engine
        self.window_tokens = window_tokens or WINDOW_BATCHES * engine.batch_tokens
        # Where batches are translated: this process (by `translate_batch`, the
        # engine's by default), or a pool of actors (align.mt.runners).
        self.runner = runner or LocalRunner(translate_batch or engine.translate_batch)
        self.on_sentences = on_sentences
        self.enforce_terms = enforce_terms

    @property
    def batches(self) -> int:
        """Batches sent to the engine so far (a batch split after a failure counts its parts)."""
        return self.runner.batches

    def run(self, documents: Iterable[tuple[Any, Document]]) -> Iterator[Translated]:
        """Each (payload, document) back as a Translated, once its sentences are:
        documents with nothing to translate at once, the others window by window."""
        window: list[_Pending] = []
        tokens = 0
        for payload, document in documents:
            jobs = plan(document, self.engine)
            if not jobs:
                yield Translated(payload, document)
                continue
            window.append(_Pending(payload, document, jobs, len(jobs)))
            tokens += sum(job.tokens for job in jobs)
            if tokens >= self.window_tokens or len(window) >= MAX_WINDOW_DOCUMENTS:
                yield from self._translate(window)
                window, tokens = [], 0
        if window:
            yield from self._translate(window)

    def _translate(self, window: list[_Pending]) -> Iterator[Translated]:
        places = [(pending, job) for pending in window for job in pending.jobs]
        back: dict[int, list[tuple[Job, Hypothesis]]] = {}  # a split sentence's pieces so far
        batches = [[places[i] for i in batch] for batch in self.engine.form_batches([job.tokens for _, job in places])]
        translations = self.runner.map([job.text for _, job in members] for members in batches)
        for members, results in zip(batches, translations):
            done = 0
            finished: list[_Pending] = []
            for (pending, job), result in zip(members, results):
                pending.waiting -= 1
                if pending.waiting == 0:
                    finished.append(pending)
                pieces = back.setdefault(id(job.pair), [])
                pieces.append((job, result))  # type: ignore[arg-type]
                if len(pieces) < job.pair.pieces:
                    continue
                del back[id(job.pair)]
                done += 1
                errors = [r for _, r in pieces if not isinstance(r, Hypothesis)]
                if errors or pending.error:
                    pending.error = pending.error or errors[0]
                    continue
                try:
                    finish([j for j, _ in pieces], [h for _, h in pieces], self.enforce_terms)
                except Exception as exc:  # noqa: BLE001 - a bug costs its article only
                    pending.error = f"{type(exc).__name__}: {exc}"
            if self.on_sentences and done:
                self.on_sentences(done)
            for pending in finished:  # in the order their last sentence came back
                yield Translated(pending.payload, pending.document, pending.error)
