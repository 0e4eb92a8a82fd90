"""The stages an article goes through, as a list of named steps (spaCy's
`nlp.pipeline` is the model): each takes the article's Document and returns it.

An article is read (`align.read.sources`), then goes through the stages before
`translate` as it is read; `translate` itself is the scheduler's (batches across
articles, align.pipeline.scheduler); the stages after it run as each article comes
back from the engine, before it is written. `Run.stages` is the list for one run:
a stage the run does not need (no glossary, no memory, typography kept) is left out.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional

from ..document import Document

TRANSLATE = "translate"

# The order, and why:
ORDER = (
    "segment",      # sentences: what every later stage works on
    "terms",        # the glossary's terms found in the French (needs the sentences)
    "memory",       # sentences already translated or corrected: not sent to the engine
    TRANSLATE,      # the engine, with the term policy placing terms piece by piece
    "remember",     # the model's own English kept in the memory, before numbers and typography rewrite it
    "numbers",      # French numbers the model wrote wrong or dropped, written in the English
    "typography",   # English typography of the machine's English
    "markup",       # inline markup placed once: the checks and the writers read it
    "checks",       # flags, on the English as it will be written
)


@dataclass(frozen=True)
class Stage:
    """A named step over a Document; `apply` is None for `translate`, which the
    scheduler runs across articles."""

    name: str
    apply: Optional[Callable[[Document], Document]] = None

    def __post_init__(self) -> None:
        if self.name not in ORDER:
            raise ValueError(f"unknown stage {self.name!r}")


def in_order(stages: list[Stage]) -> list[Stage]:
    """`stages` checked to be in `ORDER`, with `translate` among them."""
    names = [stage.name for stage in stages]
    if TRANSLATE not in names or names != sorted(names, key=ORDER.index) or len(set(names)) != len(names):
        raise ValueError(f"stages out of order: {names}")
    return stages


def around_translation(stages: list[Stage]) -> tuple[list[Stage], list[Stage]]:
    """The stages before `translate`, and those after it."""
    names = [stage.name for stage in stages]
    cut = names.index(TRANSLATE)
    return stages[:cut], stages[cut + 1:]


def run_stages(stages: list[Stage], document: Document) -> Document:
    for stage in stages:
        document = stage.apply(document)
    return document
