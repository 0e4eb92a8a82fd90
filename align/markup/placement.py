"""Markup placed in translations, the way bergamot-translator re-inserts HTML tags
through the word alignment. Each of a pair's `Inline` pieces is put around the
English words aligned to the French it covered:

1. characters the translation copied unchanged (same text at aligned positions,
   e.g. names, numbers, or everything under an identity engine) map exactly;
2. else the hull of the English words aligned (`SentencePair.alignment`) to
   French words inside the span;
3. else the span's text found once, verbatim, in the translation;
4. else the sentence's edges, and the kind is reported moved (the checks flag
   `markup-moved`): a link wraps the sentence (it stays usable), formatting
   (bold, italics...) is left empty at the nearer edge.

Placed spans are then made properly nested (clipping, reported too), so every
writer emits well-formed markup. The result is computed once per translation and
kept on the pair (`placed_markup`): checks, the review page, XLIFF and the
format writers all read it.
"""
from __future__ import annotations

import re
import sys
from bisect import bisect_left, bisect_right, insort
from dataclasses import replace
from difflib import SequenceMatcher
from os.path import commonprefix

from ..document import ALIGNED_WORD_RE, Document, Inline, PlacedMarkup, SentencePair
from .spans import FORMATTING_KINDS, SINGLE_LEVEL_KINDS, SPACE_KINDS

def valid_links(alignment, source: str, target: str) -> list[tuple[int, int, int, int]]:
    """The links of an alignment that are non-empty spans inside `source` and `target`
    (one read from a file or a CAT tool may hold anything)."""
    n, m = len(source), len(target)
    return [tuple(a) for a in alignment
            if len(a) == 4 and 0 <= a[0] < a[1] <= n and 0 <= a[2] < a[3] <= m]


def copy_map(source: str, target: str, alignment: list[tuple[int, int, int, int]]) -> list[int]:
    """For each target character, the source character it copies unchanged, or -1.

    Aligned words with the same text are copies, and so are the characters between
    two such words (or before the first, after the last) when they match too.
    """
    mapping = [-1] * len(target)
    if not alignment:
        if source == target:
            return list(range(len(target)))
        return mapping
    words = sorted((a for a in alignment if source[a[0]:a[1]] == target[a[2]:a[3]]), key=lambda a: a[2])
    if not words:
        return mapping

    def link(ss: int, ts: int, length: int) -> None:
        for k in range(length):
            mapping[ts + k] = ss + k

    previous = None
    for ss, se, ts, te in words:
        if previous is None:
            if ts <= ss and target[:ts] == source[ss - ts:ss]:
                link(ss - ts, 0, ts)
        else:
            pse, pte = previous
            if pse <= ss and pte <= ts and target[pte:ts] == source[pse:ss]:
                link(pse, pte, ts - pte)
        link(ss, ts, te - ts)
        previous = (se, te)
    se, te = previous
    rest = len(target) - te
    if source[se:se + rest] == target[te:]:
        link(se, te, rest)
    return mapping


class _RangeExtremes:
    """Minimum or maximum of a fixed list over index ranges in constant time (a sparse
    table, built in O(n log n)): the hull of the words aligned inside a span, however
    many spans (nested 8,000 deep) ask."""

    def __init__(self, values: list[int], pick):
        self.pick, self.levels = pick, [values]
        width = 1
        while 2 * width <= len(values):
            last = self.levels[-1]
            self.levels.append([pick(last[i], last[i + width]) for i in range(len(last) - width)])
            width *= 2

    def __call__(self, i: int, j: int) -> int:
        """Over values[i:j], j > i."""
        level = (j - i).bit_length() - 1
        row = self.levels[level]
        return self.pick(row[i], row[j - (1 << level)])


class Placer:
    """Where French positions and spans go in the English. Every query costs a
    logarithmic time (sorted links, bisection, range extremes), so that a paragraph
    with thousands of spans is placed in near-linear time."""

    def __init__(self, pair: SentencePair):
        self.source, self.target = pair.source, pair.target
        self.alignment = valid_links(pair.alignment, pair.source, pair.target)
        self.mapping = copy_map(self.source, self.target, self.alignment)
        self.inverse = {s: t for t, s in enumerate(self.mapping) if s >= 0}
        # run[s]: the end of the run of French characters from s copied contiguously
        # into the English (s itself when s is not copied).
        n = len(self.source)
        inverse, run = self.inverse, [0] * (n + 1)
        run[n] = n
        for s in range(n - 1, -1, -1):
            t = inverse.get(s)
            if t is None:
                run[s] = s
            elif inverse.get(s + 1) == t + 1:
                run[s] = run[s + 1]
            else:
                run[s] = s + 1
        self.run = run
        links = self.alignment
        # links by French midpoint (doubled: integer) for spans; by end, by start for points
        self.by_middle = sorted(links, key=lambda w: w[0] + w[1])
        self.middles = [w[0] + w[1] for w in self.by_middle]
        self._extremes = None
        self._marks: dict[str, list[int]] | None = None
        ends: dict[int, int] = {}
        starts: dict[int, int] = {}
        for w in links:
            ends[w[1]] = max(ends.get(w[1], -1), w[3])
            starts[w[0]] = min(starts.get(w[0], sys.maxsize), w[2])
        self.end_keys, self.start_keys = sorted(ends), sorted(starts)
        self.end_at, self.start_at = ends, starts
        # each English word's French word, by the English start and by the English end
        self.french_start = {w[2]: w[0] for w in links}
        self.french_end = {w[3]: w[1] for w in links}

    def marks(self, mark: str) -> list[int]:
        """The positions of `mark` in the English, spelled as the French has it or as
        English spells it (`"` for `«`), in order; indexed once per pair."""
        if self._marks is None:
            self._marks = {}
            for k, char in enumerate(self.target):
                if not char.isalnum() and not char.isspace():
                    self._marks.setdefault(char, []).append(k)
        spellings = {mark}.union(*(marks for marks in _SAME_PUNCTUATION if mark in marks))
        return sorted(k for char in spellings for k in self._marks.get(char, ()))

    def _trim(self, x: int, y: int) -> tuple[int, int]:
        while x < y and self.target[x].isspace():
            x += 1
        while y > x and self.target[y - 1].isspace():
            y -= 1
        return x, y

    def _hull(self, a: int, b: int) -> tuple[int, int, int, int] | None:
        """(min English start, max English end, min French start, max French end) of
        the links whose French midpoint is inside [a, b), or None."""
        i, j = bisect_left(self.middles, 2 * a), bisect_left(self.middles, 2 * b)
        if i >= j:
            return None
        if j - i <= 32:
            inside = self.by_middle[i:j]
            return (min(w[2] for w in inside), max(w[3] for w in inside),
                    min(w[0] for w in inside), max(w[1] for w in inside))
        if self._extremes is None:
            links = self.by_middle
            self._extremes = (_RangeExtremes([w[2] for w in links], min), _RangeExtremes([w[3] for w in links], max),
                              _RangeExtremes([w[0] for w in links], min), _RangeExtremes([w[1] for w in links], max))
        return tuple(extreme(i, j) for extreme in self._extremes)

    def span(self, a: int, b: int) -> tuple[int, int] | None:
        """Target span for the source span [a, b), or None when it cannot be placed."""
        if a >= b:
            x = self.point(a)
            return None if x is None else (x, x)
        if a == 0 and b == len(self.source):
            return 0, len(self.target)  # the whole sentence
        if self.run[a] >= b:  # copied as it is
            x = self.inverse[a]
            return x, x + (b - a)
        hull = self._hull(a, b)
        if hull is not None:
            x, y, first, last = hull
            # Punctuation at the span's edges comes along when the translation has it
            # next to the span's words too (French spacing or not: "Remarque :" → "Note:").
            before, after = self.source[a:first], self.source[last:b]
            if before and self.target[max(0, x - len(before)):x] == before:  # (as it is: letters too)
                x -= len(before)
            else:  # (the punctuation before the span's first letter)
                x = _punctuation_before(self.source[a:_letter_at_or_after(self.source, a, b)], self.target, x)
            if after and self.target.startswith(after, y):
                y += len(after)
            else:  # (the punctuation after its last letter: its last word may be unaligned)
                y = _punctuation_after(self.source[_letter_before(self.source, a, b):b], self.target, y)
            return self._trim(*self._glued_marks(a, b, x, y))
        fragment = self.source[a:b].strip()
        if fragment:
            x = self.target.find(fragment)
            if x >= 0 and self.target.find(fragment, x + 1) < 0:  # found once
                return x, x + len(fragment)
        return None

    def _glued_marks(self, a: int, b: int, x: int, y: int) -> tuple[int, int]:
        """x and y moved over the marks glued on the English words at the span's edges
        that the French had glued on those words inside the span [a, b): the `_` of
        `_bar` (`*foo _bar*` reversed is `*_bar foo*`, not `_*bar foo*`)."""
        source, target = self.source, self.target
        if (s := self.french_start.get(x)) is not None:
            k = s
            while k > a and not source[k - 1].isspace() and not source[k - 1].isalnum():
                k -= 1
            if k < s and target[max(0, x - (s - k)):x] == source[k:s]:
                x -= s - k
        if (e := self.french_end.get(y)) is not None:
            k = e
            while k < b and not source[k].isspace() and not source[k].isalnum():
                k += 1
            if k > e and target.startswith(source[e:k], y):
                y += k - e
        return x, y

    def point(self, p: int) -> int | None:
        # At a sentence's edge (an image before it, a bookmark, a break after it): same edge.
        if p == 0:
            return 0
        if p == len(self.source):
            return len(self.target)
        inverse = self.inverse
        if p - 1 in inverse:
            return inverse[p - 1] + 1
        if p in inverse:
            return inverse[p]
        k = bisect_right(self.end_keys, p)
        if k:  # the links ending before p: the last one's English end
            end = self.end_keys[k - 1]
            x = self.end_at[end]
            gap = self.source[end:p]  # e.g. the final period before a line break
            # (as much of it as the English has there: `]]` of `secret]] |`, never inside a token)
            return x + len(commonprefix([gap, self.target[x:x + len(gap)]]))
        k = bisect_left(self.start_keys, p)
        if k < len(self.start_keys):  # the links starting after p: the first one's English start
            start = self.start_keys[k]
            x = self.start_at[start]
            gap = self.source[p:start]
            return x - len(commonprefix([gap[::-1], self.target[max(0, x - len(gap)):x][::-1]]))
        return None


# Punctuation that the English may spell otherwise: French guillemets are English
# quotes, a French apostrophe a straight one.
_SAME_PUNCTUATION = [set("«“\"‹‘'„"), set("»”\"›’'"), set("’'")]


def _letter_at_or_after(text: str, a: int, b: int) -> int:
    """The first letter or digit of text[a:b] (b if none)."""
    while a < b and not text[a].isalnum():
        a += 1
    return a


def _letter_before(text: str, a: int, b: int) -> int:
    """Just after the last letter or digit of text[a:b] (a if none)."""
    while b > a and not text[b - 1].isalnum():
        b -= 1
    return b


def _same_punctuation(french: str, english: str) -> bool:
    return french == english or any(french in marks and english in marks for marks in _SAME_PUNCTUATION)


def _punctuation_after(french: str, target: str, y: int) -> int:
    """`y` moved past the English of `french` (what a span held after its last word:
    punctuation, spaces) where the English has that punctuation right after `y`;
    spaces may differ (typography), words stop it."""
    j, end = y, y
    for char in french:
        if char.isspace():
            continue
        if char.isalnum():
            break
        while j < len(target) and target[j].isspace():
            j += 1
        if j < len(target) and _same_punctuation(char, target[j]):
            j += 1
            end = j
        else:
            break
    return end


def _punctuation_before(french: str, target: str, x: int) -> int:
    """`x` moved back over the English of `french` (what a span held before its first
    word), as `_punctuation_after` does."""
    j, start = x, x
    for char in reversed(french):
        if char.isspace():
            continue
        if char.isalnum():
            break
        while j > 0 and target[j - 1].isspace():
            j -= 1
        if j > 0 and _same_punctuation(char, target[j - 1]):
            j -= 1
            start = j
        else:
            break
    return start


class Placed:
    """A pair-level Inline with its span in the translation."""

    __slots__ = ("inline", "x", "y")

    def __init__(self, inline: Inline, x: int, y: int):
        self.inline, self.x, self.y = inline, x, y


def nesting_key(p: Placed) -> tuple[int, int, int]:
    """Outer spans first: earlier start, later end, then source order. A span coming
    from the previous sentence starts before any, one running into the next ends
    after any: on the same words as a span of this sentence, it is the outer one,
    or their tags would cross."""
    return (p.x if p.inline.opens else -1, -p.y if p.inline.closes else -sys.maxsize, p.inline.order)


def _inside_word(text: str, x: int) -> bool:
    return 0 < x < len(text) and text[x - 1].isalnum() and text[x].isalnum()


def _word_edge(pair: SentencePair, p: int, x: int) -> int:
    """A placeholder that was between words in the French is put between words in the
    English: mapped inside a word (a character copy can land there), it moves to that
    word's nearer edge, its end on a tie."""
    if not _inside_word(pair.target, x) or _inside_word(pair.source, p):
        return x
    left, right = x, x
    while left > 0 and pair.target[left - 1].isalnum():
        left -= 1
    while right < len(pair.target) and pair.target[right].isalnum():
        right += 1
    return left if x - left < right - x else right


def _point(pair: SentencePair, placer: Placer, p: int) -> tuple[int, bool]:
    """Where the French position `p` goes in the English, between words, and whether
    the alignment said so (else the nearer edge of the sentence)."""
    x = placer.point(p)
    if x is None:
        return (0 if p < len(pair.source) / 2 else len(pair.target)), False
    if 0 < p < len(pair.source) and p - 1 not in placer.inverse and p not in placer.inverse:
        x = _against_marks(pair, placer, p, x)  # (a sentence's edges and a copy's positions are exact)
    return _word_edge(pair, p, x), True


def _outside_points_with_their_spans(placed: list[Placed]) -> None:
    """A placeholder read in the whitespace around the sentence (`Inline.outside`: the
    icon of `<a><i></i><span> Précédent`) stays inside the spans that held it there, at
    the start (the end) of the innermost."""
    spans = [p for p in placed if p.inline.paired and p.inline.outside]
    for point in placed:
        inline = point.inline
        if inline.paired or not inline.outside:
            continue
        holders = [s for s in spans if s.inline.order < inline.order < s.inline.close_order
                   and s.inline.outside in (inline.outside, "both")]
        if holders:
            inner = max(holders, key=lambda s: s.inline.order)
            point.x = point.y = inner.x if inline.outside == "open" else inner.y


def _take_verbatim_within(pair: SentencePair, placed: list[Placed]) -> None:
    """Spans grown over the verbatim text their French held that the English has right
    against them, a space apart at most (`*foo **bar** `#`*` reversed: `` *`#` **bar** foo* ``,
    the code inside the emphasis still): code is placed apart from the words around it."""
    target = pair.target
    verbatim = [p for p in placed if p.inline.verbatim and p.x < p.y]
    if not verbatim:
        return
    ending_before: dict[int, list[Placed]] = {}   # the first character after it, spaces skipped
    starting_after: dict[int, list[Placed]] = {}  # the end of the text before it, spaces dropped
    for v in verbatim:
        ending_before.setdefault(_SPACES.match(target, v.y).end(), []).append(v)
        k = v.x
        while k > 0 and target[k - 1].isspace():
            k -= 1
        starting_after.setdefault(k, []).append(v)
    for span in placed:
        inline = span.inline
        if inline.verbatim or not inline.paired or span.x >= span.y:
            continue

        def inside(v: Placed) -> bool:
            return inline.start <= v.inline.start and v.inline.end <= inline.end

        while inline.opens and (v := next((v for v in ending_before.get(span.x, ()) if inside(v)), None)):
            span.x = v.x
        while inline.closes and (v := next((v for v in starting_after.get(span.y, ()) if inside(v)), None)):
            span.y = v.y


_SPACES = re.compile(r"\s*")


def _after_glued(pair: SentencePair, placer: Placer, p: int) -> int | None:
    """Right after the English copy of the French token that ends at `p` with no space
    (an attribute list is the element's it is glued to: `…){target=…}`, a link once
    its templates are filled), or None."""
    source, q = pair.source, p - 1
    while q >= 0 and not source[q].isspace() and q not in placer.inverse:
        q -= 1
    if q < 0 or source[q].isspace():
        return None
    x, gap = placer.inverse[q] + 1, source[q + 1:p]
    return x + len(gap) if pair.target.startswith(gap, x) else None


def _char(text: str, at: int) -> str:
    """The character at `at`, "" outside the text."""
    return text[at] if 0 <= at < len(text) else ""


def _alike(english: str, french: str) -> bool:
    """Characters of a kind: both letters or digits, both spaces (or an edge), or the same mark."""
    if english.isalnum() or french.isalnum():
        return english.isalnum() and french.isalnum()
    if not english.strip() or not french.strip():
        return not english.strip() and not french.strip()
    return _same_punctuation(french, english)


def _against_marks(pair: SentencePair, placer: Placer, p: int, x: int) -> int:
    """A placeholder standing against punctuation in the French, not against a word
    (a link written as its URL before a sentence's final period: `site : [URL].`),
    stays against the English of that punctuation: the copy nearest to `x` (where
    the alignment put it) with the French's marks on both sides, else on the side
    it was glued to. The words around it say nothing of where it goes (none is
    aligned to it), and `x`, after the English of the last word before it, may be
    on the other side of the marks that were between (`e.contrôle [URL] : .`)."""
    source, target = pair.source, pair.target
    left, right = source[p - 1:p], source[p:p + 1]
    if left.isalnum() or right.isalnum():
        return x
    glued_left, glued_right = left.strip(), right.strip()
    if not glued_left and not glued_right:
        return x

    # An English mark is the French's with what the French had on its far side: a word,
    # a space (or the edge), or the same mark (not the `.` of `e.contrôle`, not between
    # the two stars of `**`).
    def after_mark(k: int) -> bool:  # k: just after a copy of the French's mark before it
        return _alike(_char(target, k - 2), _char(source, p - 2))

    def before_mark(k: int) -> bool:  # k: just before a copy of the mark after it
        return _alike(_char(target, k + 1), _char(source, p + 1))

    if glued_right:  # positions just before a copy of the mark after it
        found = _nearest(placer.marks(glued_right), x, lambda k: before_mark(k) and (
            not glued_left or (_same_punctuation(glued_left, _char(target, k - 1)) and after_mark(k))))
        if found is None and glued_left:
            found = _nearest(placer.marks(glued_right), x, before_mark)
    else:
        found = None
    if found is None and glued_left:  # just after a copy of the mark before it
        found = _nearest([k + 1 for k in placer.marks(glued_left)], x, after_mark)
    return x if found is None else found


def _nearest(positions: list[int], x: int, good) -> int | None:
    """The position of `positions` (sorted) nearest to `x` (the earlier on a tie) that is `good`."""
    right = bisect_left(positions, x)
    left = right - 1
    while left >= 0 or right < len(positions):
        if right >= len(positions) or (left >= 0 and x - positions[left] <= positions[right] - x):
            if good(positions[left]):
                return positions[left]
            left -= 1
        else:
            if good(positions[right]):
                return positions[right]
            right += 1
    return None


def place_pair(pair: SentencePair, placer: "Placer | None" = None) -> tuple[list[Placed], list[str]]:
    """Spans of the pair's markup in its translation, properly nested; and the kinds
    that could not be placed where their French was (for the `markup-moved` flag)."""
    placer = placer or Placer(pair)
    moved: list[str] = []
    placed: list[Placed] = []
    fallbacks: list[Inline] = []
    marks = _Taken()
    verbatim = _verbatim_spans(pair, placer)
    # an element holding verbatim text alone (a link on its address) is where that text is
    holding = {(i.start, i.end): verbatim[i.order] for i in pair.inlines if verbatim.get(i.order) is not None}
    for inline in pair.inlines:
        if inline.verbatim and inline.paired:
            placed.append(_placed_verbatim(pair, placer, inline, verbatim[inline.order], moved))
        elif inline.paired and inline.opens and inline.closes and (inline.start, inline.end) in holding:
            placed.append(Placed(inline, *holding[(inline.start, inline.end)]))
        elif not inline.paired:
            point = _placed_point(pair, placer, inline, moved)
            if point is not None:
                placed.append(point)
        elif (span := _placed_span(pair, placer, inline, marks)) is not None:
            placed.append(span)
        else:
            moved.append(inline.kind)
            fallbacks.append(inline)
    _take_verbatim_within(pair, placed)
    for inline in fallbacks:
        placed.append(Placed(inline, *_fallback_span(pair, placer, placed, inline)))
    _outside_points_with_their_spans(placed)
    _keep_continued_nesting(placed)
    # (verbatim text is written as one piece: spans around it nest, clipped at its edges by the writer)
    paired = [p for p in placed if p.inline.paired and not p.inline.verbatim]
    moved.extend(_make_laminar(paired))
    moved.extend(_links_out_of_links(paired, placer))
    moved.extend(_empty_links_out_of_links(placed))
    return placed, moved


def _verbatim_spans(pair: SentencePair, placer: Placer) -> dict[int, tuple[int, int] | None]:
    """Each paired verbatim text's English span, by inline order (None where the English
    does not have it); the spans found are taken, so that no two texts share one."""
    kept = _Taken()
    verbatim: dict[int, tuple[int, int] | None] = {}
    for inline in pair.inlines:
        if inline.verbatim and inline.paired:
            span = verbatim[inline.order] = _verbatim_span(pair, inline, placer, kept)
            if span is not None:
                kept.take(*span)
    return verbatim


def _placed_verbatim(pair: SentencePair, placer: Placer, inline: Inline, span: tuple[int, int] | None,
                     moved: list[str]) -> Placed:
    """A paired verbatim text on its English `span`; with none, at where its French was
    (reported in `moved`)."""
    if span is None:  # not in the English (a reviewer took it out): written where its French was
        moved.append(inline.kind)
        x, _ = _point(pair, placer, inline.start)
        span = (x, x)
    return Placed(inline, *span)


def _placed_point(pair: SentencePair, placer: Placer, inline: Inline, moved: list[str]) -> Placed | None:
    """A placeholder at the English of its French position (attributes glued to the word
    before them stay after its English); one not aligned is reported in `moved`, or,
    for layout spaces, left out (None)."""
    x, aligned = _point(pair, placer, inline.start)
    if inline.kind == "attrs" and (glued := _after_glued(pair, placer, inline.start)) is not None:
        x, aligned = glued, True
    if not aligned:
        if inline.kind in SPACE_KINDS:
            return None
        moved.append(inline.kind)
    return Placed(inline, x, x)


def _placed_span(pair: SentencePair, placer: Placer, inline: Inline, marks: _Taken) -> Placed | None:
    """A paired span on the English of its French words, or on the same punctuation;
    one open from the previous sentence starts at the English's start, one running into
    the next ends at its end. None when neither places it (it falls back, see place_pair)."""
    span = placer.span(inline.start, inline.end)
    if span is None:
        span = _marks_span(pair, inline, marks)
        # punctuation alone (a guillemet in a run of its own)
        return Placed(inline, *span) if span is not None else None
    x, y = span
    if not inline.opens:
        x = 0
    if not inline.closes:
        y = len(pair.target)
    return Placed(inline, x, y)


def _links_out_of_links(paired: list[Placed], placer: Placer) -> list[str]:
    """Links unnested one step at a time (`_unnest_links`), the spans clipped nested again
    after each, until none is left inside another; returns the kinds moved or clipped."""
    moved: list[str] = []
    for _ in range(4 * len(paired) ** 2 + 1):  # a bound: each step that counts moves one link
        unnested = _unnest_links(paired, placer)
        if not unnested:
            break
        moved.extend(unnested)
        moved.extend(_make_laminar(paired))
    return moved


def _marks_span(pair: SentencePair, inline: Inline, marks: "_Taken") -> tuple[int, int] | None:
    """A span over punctuation alone (no letter, no digit: `«` in a run of its own,
    which no word aligns): on the same marks in the English, the first free copy
    or one of the next few with the French's neighbours; None when there is none."""
    if not (inline.opens and inline.closes):
        return None
    text = pair.source[inline.start:inline.end]
    body = text.strip()
    if not body or any(c.isalnum() for c in body):
        return None
    span = _free_copy(pair, inline.start + len(text) - len(text.lstrip()), body, marks)
    if span is not None:
        marks.take(*span)
    return span


def _free_copy(pair: SentencePair, start: int, text: str, taken: "_Taken") -> tuple[int, int] | None:
    """A copy in the English of the French `text` at `start`, not yet taken: the first
    free one (those before the cursor were taken, and stay so), or one of the next
    few free ones with the French's neighbours (the `.` of `(.)`, not a sentence's end)."""
    target, size = pair.target, len(text)
    at = target.find(text, taken.cursor.get(text, 0))
    while at >= 0 and not taken.free(at, at + size):
        at = target.find(text, at + 1)
    taken.cursor[text] = max(at, 0) if at >= 0 else len(target)
    if at < 0:
        return None
    before, after = _char(pair.source, start - 1), _char(pair.source, start + size)
    # The French's very neighbours first, then neighbours of their kind (a space for
    # its no-break space: the `..` of `« .. »`, not the one of `../date`).
    for same in (lambda english, french: english == french, _alike):
        candidate, looked = at, 0
        while candidate >= 0 and looked < _NEIGHBOUR_LOOKS:
            if taken.free(candidate, candidate + size) and same(_char(target, candidate - 1), before) \
                    and same(_char(target, candidate + size), after):
                return candidate, candidate + size
            candidate, looked = target.find(text, candidate + 1), looked + 1
    return at, at + size


class _Taken:
    """The English spans verbatim texts took (disjoint, sorted): whether a span is free
    in logarithmic time, and per text where its first free occurrence may be."""

    def __init__(self):
        self.starts: list[int] = []
        self.ends: list[int] = []
        self.cursor: dict[str, int] = {}

    def free(self, x: int, y: int) -> bool:
        k = bisect_left(self.starts, y)  # spans starting before y: the last one must end by x
        return k == 0 or self.ends[k - 1] <= x

    def take(self, x: int, y: int) -> None:
        k = bisect_left(self.starts, x)
        self.starts.insert(k, x)
        self.ends.insert(k, y)


_NEIGHBOUR_LOOKS = 16  # occurrences looked at for the French's neighbours (a bound: placement stays linear)


def _verbatim_span(pair: SentencePair, inline: Inline, placer: Placer, kept: _Taken) -> tuple[int, int] | None:
    """Where the English has the verbatim text of `inline` (the term policy put it
    there): where the alignment places it when the text is there, else the
    occurrence nearest to that, else the first one no other verbatim span took."""
    text = pair.source[inline.start:inline.end]
    target, size = pair.target, len(text)
    span = placer.span(inline.start, inline.end)
    if not text:
        return span
    if span is not None and target[span[0]:span[1]] == text and kept.free(*span):
        return span
    if span is None:
        return _free_copy(pair, inline.start, text, kept)
    # The free occurrence nearest to where the alignment put it, looking both ways.
    right = target.find(text, span[0])
    while right >= 0 and not kept.free(right, right + size):
        right = target.find(text, right + 1)
    left = target.rfind(text, 0, span[0] + size - 1) if span[0] > 0 else -1
    while left >= 0 and not kept.free(left, left + size):
        left = target.rfind(text, 0, left + size - 1) if left > 0 else -1
    found = [f for f in (left, right) if f >= 0]
    if not found:
        return None
    at = min(found, key=lambda f: (abs(f - span[0]), f))
    return at, at + size


def _fallback_span(pair: SentencePair, placer: Placer, placed: list[Placed], inline: Inline) -> tuple[int, int]:
    """Where a span the alignment could not place goes (`placed`: the spans placed so far)."""
    holder = next((p for p in reversed(placed) if p.inline.paired and not p.inline.verbatim
                   and p.inline.order < inline.order and inline.close_order < p.inline.close_order
                   and not _aligned(placer.alignment, p.inline)), None)
    if holder is not None and not _aligned(placer.alignment, inline):
        # inside a span whose words the English has none of either (a link's label):
        # where that span went (a link keeps its French there, keep_link_words)
        return holder.x, holder.y
    length, source = len(pair.target), pair.source
    if inline.kind in FORMATTING_KINDS and inline.opens and inline.closes:
        # Bold on the whole sentence would say something false: the tags sit,
        # empty, at the edge nearest to where they were (Markdown and DOCX drop them).
        edge = 0 if inline.start < len(source) - inline.end else length
        return edge, edge
    whole = inline.opens and inline.closes and inline.start < inline.end
    glued = whole and ((inline.start > 0 and source[inline.start - 1].isalnum() and source[inline.start].isalnum())
                       or (inline.end < len(source) and source[inline.end].isalnum()
                           and source[inline.end - 1].isalnum()))
    # A link glued to another in one French word shares that word's English; else it
    # takes the longest stretch no link holds, or, with none left, a word of the
    # link holding the most.
    x, y = _share_words(placed, inline, placer) if glued else (0, 0)
    if x == y:
        x, y = _free_stretch(placed, inline, placer)
    if x == y and whole:
        shared = _share_words(placed, inline, placer)
        if shared[0] < shared[1]:
            x, y = shared
    return 0 if not inline.opens else x, length if not inline.closes else y


def _aligned(alignment: list[tuple[int, int, int, int]], inline: Inline) -> bool:
    """Is a word of the span's French aligned to the English?"""
    return any(a[0] < inline.end and inline.start < a[1] for a in alignment)


def _free_stretch(placed: list[Placed], inline: Inline, placer: Placer) -> tuple[int, int]:
    """Where a link that lost its own words goes, so that it keeps some: the sentence,
    less what spans of its kind hold (a link inside a link is no link), the longest
    stretch left; the last one for a link running into the next sentence, the first
    for one coming from the previous (it must reach that edge)."""
    taken = sorted((p.x, p.y) for p in placed if p.inline.kind == inline.kind and p.inline.paired)
    stretches, cursor = [], 0
    for x, y in taken:
        stretches.append((cursor, max(cursor, x)))
        cursor = max(cursor, y)
    stretches.append((cursor, len(placer.target)))
    if inline.opens != inline.closes:
        return placer._trim(*stretches[-1 if inline.opens else 0])
    if inline.outside in ("open", "close"):  # (written around the sentence at that edge if it can)
        return placer._trim(*stretches[-1 if inline.outside == "close" else 0])
    return placer._trim(*max(stretches, key=lambda s: s[1] - s[0]))


def _share_words(placed: list[Placed], inline: Inline, placer: Placer) -> tuple[int, int]:
    """A link with words in the French and none left in the English, every word held
    by links: the link of its kind holding the most words gives it one, its first if
    the link came before it in the French, else its last; when none of its own words is
    aligned, only a word like its French (the model changed `12:04` to `12:05` and
    attended elsewhere). (Links next to links in one French word, "[a](x)[b](y)", get
    the English of that word between them.)"""
    best, words = None, []
    for other in placed:
        if other.inline.kind != inline.kind or not other.inline.paired or not (other.inline.opens
                                                                               and other.inline.closes):
            continue
        found = [m.span() for m in re.finditer(r"\S+", placer.target[other.x:other.y])]
        if len(found) > max(1, len(words)):
            best, words = other, found
    if best is None:
        return 0, 0
    first = inline.order < best.inline.order  # it came first: the first word is its
    x, y = (best.x + words[0][0], best.x + words[0][1]) if first else (best.x + words[-1][0], best.x + words[-1][1])
    if not _aligned(placer.alignment, inline) and not _resembles(placer.source[inline.start:inline.end],
                                                                 placer.target[x:y]):
        return 0, 0  # none of its words is in the English, nor that word like them: it keeps its French
    if first:
        best.x = best.x + words[1][0]
    else:
        best.y = best.x + words[-2][1]
    return x, y


def _resembles(french: str, english: str) -> bool:
    """Is `english` a near copy of `french` (`12:05` of `12:04`, a name misspelt)?"""
    return SequenceMatcher(None, french.strip().lower(), english.lower()).ratio() >= 0.5


def _empty_links_out_of_links(placed: list[Placed]) -> list[str]:
    """An empty link is two placeholders (its "[" and its "](url)", or <a ...></a>);
    placed inside another link (which the source did not have around it) they
    would nest a link in a link: they move out, after that link's close when it
    closes in this sentence, else before its opening. Returns the kinds moved."""
    moved = []
    links = [p for p in placed if p.inline.kind in SINGLE_LEVEL_KINDS]
    for point in links:
        if point.inline.paired:
            continue
        for link in links:
            inline = link.inline
            if not inline.paired or inline.kind != point.inline.kind or link.y <= link.x \
                    or inline.order < point.inline.order < inline.close_order \
                    or not link.x < point.x < link.y + (0 if inline.closes else 1):
                continue
            if inline.closes:
                point.x = point.y = link.y
            elif inline.opens:
                point.x = point.y = link.x
            else:
                continue
            moved.append(point.inline.kind)
    return moved


def _unnest_links(spans: list[Placed], placer: Placer) -> list[str]:
    """A link inside a link is no link: the outer one gives up the part around the
    inner one (the larger side stays); an inner one on the very same words takes
    the longest stretch no link holds, and an empty one moves out after it.
    Returns the kinds moved (one step: at most one link changes)."""
    links = [s for s in spans if s.inline.kind in SINGLE_LEVEL_KINDS]
    for outer in links:
        for inner in links:
            if inner is outer or inner.inline.kind != outer.inline.kind:
                continue
            if _nested_in_source(outer, inner):
                continue  # nested so in the source already: kept as it was
            if not _placed_inside(outer, inner):
                continue
            if _outer_gives_up_around(outer, inner, placer) or _wordless_moved_out(outer, inner, spans, placer):
                return [outer.inline.kind]
    return []


def _nested_in_source(outer: Placed, inner: Placed) -> bool:
    """Whether the French had `inner` inside `outer` (then the English keeps it so)."""
    return outer.inline.start <= inner.inline.start and inner.inline.end <= outer.inline.end \
        and outer.inline.order < inner.inline.order


def _placed_inside(outer: Placed, inner: Placed) -> bool:
    """Whether `inner` was placed within `outer`, a link with words, and nests inside it."""
    return outer.x <= inner.x and inner.y <= outer.y and outer.y > outer.x and (
        nesting_key(outer) < nesting_key(inner))


def _outer_gives_up_around(outer: Placed, inner: Placed, placer: Placer) -> bool:
    """Where the inner link has words and the outer one has some beside them: the outer
    link ends before the inner one (its left side, the larger or the only one it may
    keep) or starts after it; whether it did."""
    left, right = inner.x - outer.x, outer.y - inner.y
    if inner.y > inner.x and outer.inline.closes and left > 0 and (left >= right or not outer.inline.opens):
        outer.y = inner.x
        if outer.inline.opens:
            outer.x, outer.y = placer._trim(outer.x, outer.y)  # (the space before the inner one)
        return True
    if inner.y > inner.x and outer.inline.opens and right > 0:
        outer.x = inner.y
        if outer.inline.closes:
            outer.x, outer.y = placer._trim(outer.x, outer.y)
        return True
    return False


def _wordless_moved_out(outer: Placed, inner: Placed, spans: list[Placed], placer: Placer) -> bool:
    """An inner link the outer one could not give words up around (on the very same
    words, or empty) moves to `_wordless_link_place` when it opens and closes in this
    sentence; whether it moved (not when it runs on into another, or is there already)."""
    if not (inner.inline.opens and inner.inline.closes):
        return False
    x, y = _wordless_link_place(outer, inner, spans, placer)
    if (inner.x, inner.y) == (x, y):
        return False  # already where it can be: no change, nothing to report
    inner.x, inner.y = x, y
    return True


def _wordless_link_place(outer: Placed, inner: Placed, spans: list[Placed], placer: Placer) -> tuple[int, int]:
    """Where an inner link with no words of its own goes: when it had words in the French,
    the longest stretch no link holds, else a word of the link holding the most; failing
    those, empty, out of the outer link."""
    # No words left for it: out, just after the outer link (or before one that runs on).
    x = y = outer.y if outer.inline.closes else outer.x
    if inner.inline.start < inner.inline.end:  # it had words in the source: some elsewhere
        free = _free_stretch([s for s in spans if s is not inner], inner.inline, placer)
        if free[1] == free[0]:  # none free: a word of the link holding the most
            free = _share_words([s for s in spans if s is not inner], inner.inline, placer)
        if free[1] > free[0]:
            x, y = free
    return x, y


def _keep_continued_nesting(placed: list[Placed]) -> None:
    """Spans running into the next sentence must stay nested as in the source:
    an outer one opens no later than the inner ones (and symmetrically for spans
    coming from the previous sentence), or the tags would cross between sentences."""
    running = sorted((p for p in placed if p.inline.paired and p.inline.opens and not p.inline.closes),
                     key=lambda p: p.inline.order)
    for outer, inner in zip(reversed(running[:-1]), reversed(running[1:])):
        outer.x = min(outer.x, inner.x)
    coming = sorted((p for p in placed if p.inline.paired and p.inline.closes and not p.inline.opens),
                    key=lambda p: p.inline.close_order)
    for inner, outer in zip(coming[:-1], coming[1:]):
        outer.y = max(outer.y, inner.y)


def _make_laminar(spans: list[Placed]) -> list[str]:
    """Clip spans so that any two are nested or disjoint; returns the clipped kinds."""
    clipped: list[str] = []
    spans.sort(key=nesting_key)
    stack: list[Placed] = []
    for span in spans:
        while stack and stack[-1].y <= span.x:
            stack.pop()
        shortened = False
        for outer in reversed(stack):
            if outer.y >= span.y:
                break
            if span.inline.closes:
                span.y = outer.y
                clipped.append(span.inline.kind)
                break
            outer.y = span.x  # cannot clip a span that closes later: end the outer one here
            clipped.append(outer.inline.kind)
            shortened = True
        if shortened:  # (else the spans left on the stack all run past span.x)
            stack = [s for s in stack if s.y > span.x]
        if span.y > span.x:
            stack.append(span)
    return clipped


def placed_markup(pair: SentencePair) -> PlacedMarkup:
    """The pair's markup placed in its translation: computed once (by `place_markup`,
    or here on first use) and kept on the pair until its translation changes."""
    markup = pair.markup
    if markup is None or not markup.matches(pair):
        placer = Placer(pair)
        placed, moved = place_pair(pair, placer) if pair.inlines else ([], [])
        index = {id(inline): n for n, inline in enumerate(pair.inlines)}
        placed.sort(key=nesting_key)
        markup = pair.markup = PlacedMarkup(pair.target, list(pair.alignment),
                                            [(index[id(p.inline)], p.x, p.y) for p in placed], moved,
                                            placer.mapping)
    return markup


def place_markup(document: Document) -> Document:
    """Pipeline stage, after translation: every pair's markup placed in its translation;
    a link left with no English word keeps its French text (`keep_link_words`)."""
    for pair in document.pairs():
        if pair.inlines:  # (a pair without markup is placed only if a writer renders it)
            keep_link_words(pair)
    return document


def keep_link_words(pair: SentencePair) -> list[str]:
    """A link that no English word is left to hold (the model merged, changed or
    dropped its words, or another link holds them) keeps its French text, put in the
    English where the link was placed and aligned to its French, so no link is ever
    empty; the texts are kept on the placement (`PlacedMarkup.kept`, the checks'
    `link-french` flag). Returns them."""
    if pair.origin == "reviewed":  # (a reviewer's English is theirs)
        return []
    kept: list[Inline] = []
    done: set[int] = set()  # (by Inline.order: a link keeps its French once)
    for _ in range(len(pair.inlines)):  # (placed again with the French in, another may have lost its words)
        empty = [(x, inline) for x, inline in _links_without_words(pair) if inline.order not in done]
        if not empty:
            break
        _write_french(pair, empty)
        kept += [inline for _, inline in empty]
        done.update(inline.order for _, inline in empty)
    if not kept:
        return []
    texts = [pair.source[inline.start:inline.end].strip() for inline in sorted(kept, key=lambda i: i.order)]
    placed_markup(pair).kept = texts  # placed again, on the English that holds the links' words now
    return texts


def _links_without_words(pair: SentencePair) -> list[tuple[int, Inline]]:
    """The links with words in the French that the placement left without any, where each went."""
    empty = []
    for n, x, y in placed_markup(pair).spans:
        inline = pair.inlines[n]
        if inline.kind in SINGLE_LEVEL_KINDS and inline.opens and inline.closes \
                and not any(c.isalnum() for c in pair.target[x:y]) \
                and any(c.isalnum() for c in pair.source[inline.start:inline.end]):
            empty.append((x, inline))
    return empty


def _write_french(pair: SentencePair, links: list[tuple[int, Inline]]) -> None:
    """Each link's French text written into the English at its place, aligned to its French."""
    target, alignment = pair.target, list(pair.alignment)
    for x, inline in sorted(links, key=lambda k: -k[0]):  # from the end: offsets before stay valid
        text = pair.source[inline.start:inline.end]
        lead = len(text) - len(text.lstrip())
        french = text.strip()
        before = " " if x > 0 and not target[x - 1].isspace() else ""
        after = " " if x < len(target) and target[x].isalnum() else ""
        inserted = before + french + after
        alignment = [(a, b, c + len(inserted) if c >= x else c, d + len(inserted) if c >= x else d)
                     for a, b, c, d in alignment]
        start = x + len(before)
        alignment += [(inline.start + lead + m.start(), inline.start + lead + m.end(),
                       start + m.start(), start + m.end()) for m in ALIGNED_WORD_RE.finditer(french)]
        target = target[:x] + inserted + target[x:]
    pair.target = target
    pair.alignment = sorted(alignment, key=lambda a: (a[2], a[0]))


def target_inlines(pair: SentencePair) -> list[Inline]:
    """The pair's markup with offsets into its translation (XLIFF's target side, the
    review page), outermost first."""
    return [replace(pair.inlines[n], start=x, end=y) for n, x, y in placed_markup(pair).spans]
