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
work can be run elsewhere. What changes with batching is only what the engine's
numerics make of padding: benchmarks/README.md measures it for both engines.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Iterator

from .document import Document
from .engines.base import Engine, Hypothesis
from .translate import Job, plan

WINDOW_BATCHES = 16     # a window holds about this many full batches of sentences
MAX_WINDOW_DOCUMENTS = 4096  # ... and at most this many documents


@dataclass
class Translated:
    """A document whose sentences are back: `hypotheses[i]` translates `jobs[i]`
    (align.translate.finish joins them). `error`: why its sentences could not be
    translated (then `hypotheses` is empty)."""

    payload: Any
    document: Document
    jobs: list[Job]
    hypotheses: list[Hypothesis] = field(default_factory=list)
    error: str = ""


@dataclass
class _Pending:
    payload: Any
    document: Document
    jobs: list[Job]
    hypotheses: list[Hypothesis | None]
    waiting: int
    error: str = ""

    def result(self) -> Translated:
        if self.error:
            return Translated(self.payload, self.document, self.jobs, [], self.error)
        return Translated(self.payload, self.document, self.jobs, list(self.hypotheses))  # type: ignore[arg-type]


class CorpusScheduler:
    """Translates the sentences of a stream of documents in batches across them.

    `on_sentences(n)`: n more sentences are translated (for a progress bar).
    """

    def __init__(self, engine: Engine, window_tokens: int | None = None,
                 translate_batch: Callable[[list[str]], list[Hypothesis]] | None = None,
                 on_sentences: Callable[[int], None] | None = None) -> None:
        self.engine = engine
        self.window_tokens = window_tokens or WINDOW_BATCHES * engine.batch_tokens
        self.translate_batch = translate_batch or engine.translate_batch
        self.on_sentences = on_sentences
        self.batches = 0  # batches sent to the engine so far

    def run(self, documents: Iterable[tuple[Any, Document]]) -> Iterator[Translated]:
        """Each (payload, document) back as a Translated, once its sentences are:
        documents with nothing to translate at once, the others window by window."""
        window: list[_Pending] = []
        tokens = 0
        for payload, document in documents:
            jobs = plan(document, self.engine)
            if not jobs:
                yield Translated(payload, document, [])
                continue
            window.append(_Pending(payload, document, jobs, [None] * len(jobs), len(jobs)))
            tokens += sum(job.tokens for job in jobs)
            if tokens >= self.window_tokens or len(window) >= MAX_WINDOW_DOCUMENTS:
                yield from self._translate(window)
                window, tokens = [], 0
        if window:
            yield from self._translate(window)

    def _translate(self, window: list[_Pending]) -> Iterator[Translated]:
        places = [(pending, index) for pending in window for index in range(len(pending.jobs))]
        pieces_left = {id(job.pair): job.pair.pieces for pending in window for job in pending.jobs}
        for batch in self.engine.form_batches([pending.jobs[index].tokens for pending, index in places]):
            members = [places[i] for i in batch]
            results = self._batch([pending.jobs[index].text for pending, index in members])
            done = 0
            finished: list[_Pending] = []
            for (pending, index), result in zip(members, results):
                if isinstance(result, Hypothesis):
                    pending.hypotheses[index] = result
                elif not pending.error:
                    pending.error = result
                pending.waiting -= 1
                pair = pending.jobs[index].pair
                pieces_left[id(pair)] -= 1
                done += pieces_left[id(pair)] == 0
                if pending.waiting == 0:
                    finished.append(pending)
            if self.on_sentences and done:
                self.on_sentences(done)
            for pending in finished:  # in the order their last sentence came back
                yield pending.result()

    def _batch(self, sources: list[str]) -> list[Hypothesis | str]:
        """The batch's translations; if the engine fails on the batch, each sentence
        alone, so one bad sentence costs only its own article (its error text)."""
        self.batches += 1
        try:
            return list(self.translate_batch(sources))
        except Exception as exc:  # noqa: BLE001 - reported per article below
            if len(sources) == 1:
                return [f"{type(exc).__name__}: {exc}"]
        results: list[Hypothesis | str] = []
        for source in sources:
            results.extend(self._batch([source]))
        return results
