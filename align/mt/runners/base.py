"""What a batch runner does for align.pipeline.scheduler: translate a stream of batches of
sentences and give each batch's translations back, in the order the batches came.

A runner may translate batches ahead of the one given back (a pool of actors keeps
several in flight), so the scheduler hands it an iterator and reads results
lazily. A sentence the engine fails on comes back as its error text (a string), not
an exception: one bad sentence costs only its own article. A runner that can
translate nothing more (every actor of a cluster lost) raises `RunnerStopped`.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, Callable, Iterable, Iterator

from ..engines.base import Hypothesis
from ...errors import AlignError

Result = list[Hypothesis | str]


class RunnerStopped(AlignError):
    """No batch can be translated any more; the run stops (what was written stays)."""


class BatchRunner(ABC):
    """Translates batches; counts them (`batches`) and says what it is (`describe`)."""

    batches: int = 0

    @abstractmethod
    def map(self, batches: Iterable[list[str]]) -> Iterator[Result]:
        """Each batch's translations, in the order of `batches`."""

    def describe(self) -> dict[str, Any]:
        """What the manifest records about where the batches ran."""
        return {}

    def close(self) -> None:
        """Stop whatever work is still running (Ctrl-C, an error): nothing is given back after."""


def split_on_failure(translate: Callable[[list[str]], list[Hypothesis]], sources: list[str],
                     count: Callable[[], None] | None = None) -> Result:
    """The batch's translations; if the engine fails on the batch, each sentence
    alone, so one bad sentence costs only its own article (its error text)."""
    if count:
        count()
    try:
        return list(translate(sources))
    except RunnerStopped:
        raise
    except Exception as exc:  # noqa: BLE001 - reported per article by the scheduler
        if len(sources) == 1:
            return [f"{type(exc).__name__}: {exc}"]
    results: Result = []
    for source in sources:
        results.extend(split_on_failure(translate, [source], count))
    return results


class LocalRunner(BatchRunner):
    """Batches translated one after the other in this process, by
    `translate_batch` (an engine's, by default)."""

    def __init__(self, translate_batch: Callable[[list[str]], list[Hypothesis]]) -> None:
        self.translate_batch = translate_batch
        self.batches = 0

    def _count(self) -> None:
        self.batches += 1

    def map(self, batches: Iterable[list[str]]) -> Iterator[Result]:
        for sources in batches:
            yield split_on_failure(self.translate_batch, sources, self._count)
