"""Is a glossary term's target in an English sentence? The project's one answer.

Every engine's term policy, the status report, `align score` and `align pair`
ask here, so they cannot disagree. A target is present when its words appear as
whole words of the English (never inside a longer word: `AI` is not in
`OpenAI`, though it is in `AI-powered`), with any amount of whitespace between
its words, ’ and ' alike, case-insensitively unless its entry is case-sensitive,
in any target form the entry declares (its variants' targets: plurals and other
forms). Counting matters: a sentence whose source holds a term twice needs its
target twice, and one target occurrence serves one source occurrence only.
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Callable, Optional, Sequence

from ..document import TERM_FAILED, TERM_MODEL, Term
from ..read.text import plain_apostrophes

_WORD = r"[^\W_]"  # a letter or a digit

Span = tuple[int, int]


def accepted_forms(term: Term) -> tuple[str, ...]:
    """The target spellings that satisfy `term`: its own target first, then the
    other targets its entry declares."""
    forms = [term.target, *term.forms]
    return tuple(dict.fromkeys(form for form in forms if form.strip()))


@lru_cache(maxsize=8192)
def _pattern(forms: tuple[str, ...], case_sensitive: bool, glued: tuple[str, str] = ("", "")) -> re.Pattern[str]:
    alternatives = []
    before, after = (re.escape(plain_apostrophes(c)) for c in glued)
    for form in sorted(forms, key=len, reverse=True):  # the longest spelling wins where they overlap
        form = plain_apostrophes(form.strip())
        body = r"\s+".join(re.escape(word) for word in form.split())
        if re.match(_WORD, form[0]):
            body = rf"(?:(?<!{_WORD})|(?<={before})){body}" if before else rf"(?<!{_WORD}){body}"
        if re.match(_WORD, form[-1]):
            body = rf"{body}(?:(?!{_WORD})|(?={after}))" if after else rf"{body}(?!{_WORD})"
        alternatives.append(body)
    return re.compile("|".join(alternatives), 0 if case_sensitive else re.IGNORECASE)


def occurrences(text: str, forms: Sequence[str], case_sensitive: bool = False,
                glued: tuple[str, str] = ("", "")) -> list[Span]:
    """Non-overlapping spans of `text` holding one of `forms` as whole words, or
    against the characters `glued` names on that side (what the source had there)."""
    forms = tuple(form for form in forms if form.strip())
    if not forms or not text:
        return []
    # plain_apostrophes keeps the length, so spans index `text` itself.
    return [m.span() for m in _pattern(forms, case_sensitive, glued).finditer(plain_apostrophes(text))]


def exact_case(term: Term) -> bool:
    """Must the target match in its own case? (case-sensitive and keep-case entries)"""
    return term.case_sensitive or term.keep_case


# Opening marks that may precede the first word of a sentence.
LEADING_MARKS = "\"'“‘«([¿¡ \u00a0"


def at_sentence_start(text: str, position: int) -> bool:
    """Is `position` the start of the sentence, opening marks aside?"""
    return not text[:position].strip(LEADING_MARKS)


def _spans(text: str, forms: tuple[str, ...], case_sensitive: bool, keep_case: bool,
           glued: tuple[str, str] = ("", "")) -> list[Span]:
    """Occurrences of `forms`; a case-sensitive (not keep-case) target also counts
    with its first letter capitalised at the start of the sentence, as the term
    policy may write it (`alignment` → `Alignment is ...`), unless it has inner
    capitals (`iPhone` is never `IPhone`)."""
    spans = occurrences(text, forms, case_sensitive, glued)
    if case_sensitive and not keep_case:
        capitalised = tuple(f[0].upper() + f[1:] for f in forms
                            if f[:1].islower() and not any(c.isupper() for c in f[1:]))
        for span in occurrences(text, capitalised, True):
            if at_sentence_start(text, span[0]) and not overlaps(span, spans):
                spans.append(span)
        spans.sort()
    return spans


def term_occurrences(text: str, term: Term) -> list[Span]:
    return _spans(text, accepted_forms(term), exact_case(term), term.keep_case, term.glued)


def is_present(text: str, term: Term) -> bool:
    return bool(term_occurrences(text, term))


def overlaps(span: Span, spans: Sequence[Span]) -> bool:
    """Does `span` share a character with any of `spans`?"""
    return any(span[0] < end and start < span[1] for start, end in spans)


Chooser = Callable[[list[int], list[Span]], list[Optional[Span]]]


def _in_order(indices: list[int], spans: list[Span]) -> list[Span | None]:
    return [spans[k] if k < len(spans) else None for k in range(len(indices))]


def locate(text: str, terms: Sequence[Term], choose: Chooser = _in_order) -> list[Span | None]:
    """For each source term occurrence of a sentence, the span of the English
    that carries its target, or None when it is missing.

    Occurrences of the same entry take target occurrences in order, one each
    (`choose`, given the occurrences' indices and every span of their targets,
    may pair them otherwise: by word alignment). Longer targets are located
    first, and a span they take is not counted again for a shorter one (the `AI`
    of `generative AI` serves `IA générative`, not another `IA`).
    """
    groups: dict[tuple, list[int]] = {}
    for index, term in enumerate(terms):
        groups.setdefault((accepted_forms(term), exact_case(term), term.keep_case, term.glued), []).append(index)
    taken: list[Span] = []
    found: list[Span | None] = [None] * len(terms)
    for (forms, case_sensitive, keep_case, glued), indices in sorted(
            groups.items(), key=lambda item: -max(map(len, item[0][0]), default=0)):
        spans = [s for s in _spans(text, forms, case_sensitive, keep_case, glued) if not overlaps(s, taken)]
        for index, span in zip(indices, choose(indices, spans)):
            if span is not None:
                found[index] = span
                taken.append(span)
    return found


def missing(text: str, terms: Sequence[Term]) -> list[int]:
    """Indices of the terms whose target `text` lacks (counting repeats)."""
    return [i for i, span in enumerate(locate(text, terms)) if span is None]


def mark_terms(text: str, terms: Sequence[Term], unset_stays: bool = False) -> None:
    """Where each term's target is in the English `text` (`target_start/end`) and
    its status, for English the term policy did not write (a reviewer's, a human
    translation's): "model" when it is there, "failed" when not. With
    `unset_stays`, a term without a status keeps none (a run without the policy)."""
    for term, span in zip(terms, locate(text, terms)):
        term.target_start, term.target_end = span if span else (-1, -1)
        if term.status or not unset_stays:
            term.status = TERM_MODEL if span else TERM_FAILED
