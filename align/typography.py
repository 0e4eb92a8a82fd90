"""English typography for the English align writes (issue 20).

opus-mt often keeps the French typography of its source: guillemets (« We will
not give in »), and a space (normal, no-break U+00A0, narrow no-break U+202F, thin
U+2009) before ; : ! ? and % and inside guillemets. `english_typography` rewrites
one text to English conventions and returns, with it, where each old offset went,
so that word alignments and term spans can follow; `apply_english_typography` is
the pipeline stage, run on machine translations only (a reviewer's or a
translator's English is flagged by align.checks.pair, never rewritten).

The rules, never applied inside `keep` spans (code, URLs: text copied verbatim):

* ``«`` and the spaces after it → ``“``; the spaces before ``»`` and it → ``”``;
  ``‹`` ``›`` likewise → ``‘`` ``’``;
* inside guillemets, English double quotes (a quotation within a quotation) →
  ``‘`` ``’``, spaces inside them going as inside guillemets; straight quotes
  are left alone (which of them opens cannot be told);
* spaces before ``; : ! ?`` go when a non-space character precedes them
  (``Note : voir`` → ``Note: voir``; a ``?`` opening the text stays as it is);
* spaces before ``%`` go when a digit precedes them (``50 %`` → ``50%``, but
  ``the % sign`` stays).

Text already in English typography comes back unchanged, with the identity map.
"""
from __future__ import annotations

from typing import Sequence

from .document import Document, Origin, SentencePair

# The spaces French typography puts around its marks.
SPACES = frozenset(" \u00a0\u202f\u2009")
OPENING = {"«": "“", "‹": "‘"}
CLOSING = {"»": "”", "›": "’"}
NESTED = {"“": "‘", "”": "’"}   # English double quotes inside guillemets
TIGHT = frozenset(";:!?")       # no space before them in English
# Whose English the pipeline stage rewrites: the machine's (this run's or the memory's).
MACHINE_ORIGINS = (Origin.MODEL, Origin.MEMORY)
SETTINGS = ("english", "keep")  # `align translate --typography`
# The characters a rule acts on: a text without any is already in English typography.
_MARKS = frozenset(OPENING) | frozenset(CLOSING) | frozenset(NESTED) | TIGHT | {"%"}


def _changes(text: str, keep: Sequence[tuple[int, int]] = ()) -> tuple[set[int], dict[int, str], list[str]]:
    """What the rules do to `text`: the offsets of the characters that go, the new
    character at each offset replaced, and the French marks found (in order: a
    guillemet as itself, a space-mark as " ;")."""
    kept = [False] * len(text)
    for start, end in keep:
        for i in range(max(0, start), min(len(text), end)):
            kept[i] = True

    def free_space(i: int) -> bool:
        return 0 <= i < len(text) and not kept[i] and text[i] in SPACES

    def spaces_before(i: int) -> int:
        """Where the run of free spaces ending at `i` starts."""
        while free_space(i - 1):
            i -= 1
        return i

    def spaces_after(i: int) -> int:
        while free_space(i):
            i += 1
        return i

    dropped: set[int] = set()
    replaced: dict[int, str] = {}
    marks: list[str] = []
    depth = 0  # guillemets open at this point
    for i, char in enumerate(text):
        if kept[i]:
            continue
        if char in OPENING or (char == "“" and depth):
            replaced[i] = OPENING.get(char) or NESTED[char]
            dropped.update(range(i + 1, spaces_after(i + 1)))
            if char == "«":
                depth += 1
        elif char in CLOSING or (char == "”" and depth):
            replaced[i] = CLOSING.get(char) or NESTED[char]
            dropped.update(range(spaces_before(i), i))
            if char == "»":
                depth = max(0, depth - 1)
        elif char in TIGHT or char == "%":
            start = spaces_before(i)
            before = text[start - 1] if start > 0 else ""
            if start < i and (before.isdecimal() if char == "%" else before != "" and before not in SPACES):
                dropped.update(range(start, i))
                marks.append(" " + char)
        if char in OPENING or char in CLOSING:
            marks.append(char)
    return dropped, replaced, marks


def english_typography(text: str, keep: Sequence[tuple[int, int]] = ()) -> tuple[str, list[int]]:
    """`text` in English typography (see the module's docstring), characters inside
    the `keep` spans (start, end) untouched; and for every offset 0..len(text) of
    `text`, its offset in the new text (a removed character maps to where the
    next kept one lands), so spans (a, b) become (map[a], map[b])."""
    dropped, replaced, _ = _changes(text, keep)
    out: list[str] = []
    offsets: list[int] = []
    for i, char in enumerate(text):
        offsets.append(len(out))
        if i not in dropped:
            out.append(replaced.get(i, char))
    offsets.append(len(out))
    return "".join(out), offsets


def french_marks(text: str, keep: Sequence[tuple[int, int]] = ()) -> str:
    """The French marks of `text` outside the `keep` spans, once each, in order, for
    a reviewer: guillemets as they are, a mark with a space before it quoted
    (``« » " ;"``); "" when none."""
    marks = dict.fromkeys(_changes(text, keep)[2])
    return " ".join(f'"{mark}"' if mark.startswith(" ") else mark for mark in marks)


def kept_spans(pair: SentencePair) -> list[tuple[int, int]]:
    """The spans of `pair.target` that typography must not touch: each verbatim text
    of the source (code, URLs, protected syntax, copied as it is by the term policy)
    at its first occurrence in the English not taken by another, and the glossary
    targets found there (the glossary's spelling is guaranteed)."""
    spans: list[tuple[int, int]] = []
    for inline in pair.inlines:
        text = pair.source[inline.start:inline.end]
        if not inline.verbatim or not text:
            continue
        at = pair.target.find(text)
        while at >= 0 and any(at < end and start < at + len(text) for start, end in spans):
            at = pair.target.find(text, at + 1)
        if at >= 0:
            spans.append((at, at + len(text)))
    spans += [(term.target_start, term.target_end) for term in pair.terms if term.target_start >= 0]
    return spans


def english_pair(pair: SentencePair) -> None:
    """`pair.target` in English typography, its word alignment's and its terms'
    target offsets moved with the words."""
    if _MARKS.isdisjoint(pair.target):  # (most sentences: nothing to do, nothing to scan)
        return
    target, offsets = english_typography(pair.target, kept_spans(pair))
    if target == pair.target:
        return
    def moved(offset: int) -> int:
        return offsets[min(offset, len(offsets) - 1)]

    pair.target = target
    pair.alignment = [(start, end, moved(target_start), moved(target_end))
                      for start, end, target_start, target_end in pair.alignment]
    for term in pair.terms:
        if term.target_start >= 0 and term.target_end >= 0:
            term.target_start, term.target_end = moved(term.target_start), moved(term.target_end)


def apply_english_typography(document: Document) -> Document:
    """Pipeline stage, after the memory stored the model's English and before the
    checks: every prose pair the machine translated (this run or an earlier one,
    from the memory) in English typography. Metadata, reviewers' corrections and
    existing translations are left as they are."""
    for pair in document.translatable_pairs():
        if pair.origin in MACHINE_ORIGINS and pair.target:
            english_pair(pair)
    return document
