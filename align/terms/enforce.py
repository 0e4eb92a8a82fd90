"""Glossary enforcement: terms become decoding constraints, then get a status.

Engines guarantee constraints while decoding (see engines/); this stage builds
the constraints from the terms found in each sentence and, once translated,
records how each term was satisfied: produced by the model, forced, or failed
(the target is missing, which a correct engine never lets happen).
"""
from __future__ import annotations

from ..document import TERM_FAILED, TERM_FORCED, TERM_MODEL, SentencePair, Term
from ..engines.base import Constraint
from ..sources import plain_apostrophes


def constraint_for(term: Term, offset: int = 0) -> Constraint:
    return Constraint(variants=[term.target], source_start=term.start - offset, source_end=term.end - offset)


def find_target(translation: str, target: str, start: int = 0) -> int:
    """Position of `target` in the translation, or -1. Apostrophes are compared
    plainly, and the first letter's case may differ (sentence-initial terms)."""
    haystack = plain_apostrophes(translation)
    needle = plain_apostrophes(target)
    if not needle:
        return -1
    for candidate in dict.fromkeys((needle, needle[:1].upper() + needle[1:], needle[:1].lower() + needle[1:])):
        found = haystack.find(candidate, start)
        if found >= 0:
            return found
    return -1


def set_term_statuses(pair: SentencePair, forced: list[bool]) -> SentencePair:
    """Mark each term model/forced/failed from the translation and the engine's report."""
    cursor: dict[str, int] = {}
    for term, was_forced in zip(pair.terms, forced + [False] * (len(pair.terms) - len(forced))):
        # Repeated terms look for successive occurrences of their target.
        position = find_target(pair.target, term.target, cursor.get(term.target, 0))
        if position < 0:
            position = find_target(pair.target, term.target)
        if position < 0:
            term.status = TERM_FAILED
            term.target_start = term.target_end = -1
            continue
        cursor[term.target] = position + len(term.target)
        term.status = TERM_FORCED if was_forced else TERM_MODEL
        term.target_start, term.target_end = position, position + len(term.target)
    return pair
