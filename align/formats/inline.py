"""Inline markup as placeholders: split over sentences, placed in translations.

The model only ever sees plain text. A paragraph's markup is a list of `Inline`
spans over its text (see align.document). After segmentation each sentence pair
gets its own pieces (`split_inlines`); after translation each piece is put back
around the English words aligned to the French it covered (`place_pair`), the
way bergamot-translator re-inserts HTML tags through the word alignment:

1. characters the translation copied unchanged (same text at aligned positions,
   e.g. names, numbers, or everything under an identity engine) map exactly;
2. else the hull of the English words aligned (`SentencePair.alignment`) to
   French words inside the span;
3. else the span's text found once, verbatim, in the translation;
4. else the sentence's edges, and the pair is flagged `markup-moved`: a link
   wraps the sentence (it stays usable), formatting (bold, italics...) is left
   empty at the nearer edge.

Placed spans are then made properly nested (clipping, flagged too), so every
writer emits well-formed markup. Rendering yields tokens: ("text", str),
("open", Inline), ("close", Inline), ("point", Inline); text is already spelled
for the format (escaped, or copied with its source spelling).
"""
from __future__ import annotations

import re
import sys
from bisect import bisect_left, bisect_right
from dataclasses import replace
from typing import Callable, Iterator

from ..document import Inline, Paragraph, SentencePair
from ..flags import FlagCode

TEXT, OPEN, CLOSE, POINT = "text", "open", "close", "point"
MARKUP_MOVED = FlagCode.MARKUP_MOVED
# Spans that only format their words; when their words cannot be found they are
# dropped (flagged) rather than spread over the whole sentence.
FORMATTING_KINDS = {"em", "strong", "s", "b", "i", "u", "mark", "small", "big", "sub", "sup", "tt", "font",
                    "strike", "run"}
# Spans that may not contain another of their kind (a link in a link is no link).
SINGLE_LEVEL_KINDS = {"a", "hyperlink"}
# Placeholders that only carry layout (collapsed whitespace): dropped, never flagged.
SPACE_KINDS = {"space"}
# Placeholders that stand for words of their own (code, a URL, protected syntax, an
# image, inline HTML kept whole): one the translation puts against a word is kept apart
# from it by a space where the source had no letter on that side.
WORD_LIKE_KINDS = {"code", "kbd", "samp", "var", "url", "protected", "html", "kept", "image", "img"}

Token = tuple[str, object]
EscapeChar = Callable[[str, bool], str]  # (character, at start of the block) -> spelling


def plain_escape(char: str, at_start: bool) -> str:
    return char


plain_escape.special = frozenset()


# ----------------------------------------------------------------- splitting
def _events(paragraph: Paragraph) -> list[tuple[int, int, str, Inline]]:
    """(position, source order, OPEN/CLOSE/POINT, inline) for every markup event."""
    events = []
    for inline in paragraph.inlines:
        if inline.paired:
            events.append((inline.start, inline.order, OPEN, inline))
            events.append((inline.end, inline.close_order, CLOSE, inline))
        else:
            events.append((inline.start, inline.order, POINT, inline))
    events.sort(key=lambda e: (e[0], e[1]))
    return events


def assign_events(paragraph: Paragraph) -> tuple[list[list[tuple]], list[tuple]]:
    """Which sentence (or the whitespace between sentences) each event belongs to.

    At a position shared by a sentence's end and the next one's start, events are
    split so that emitting them region by region keeps their source order: closes
    and placeholders before the first opening go with the sentence that ends there.
    """
    spans = [(p.start, p.start + len(p.source)) for p in paragraph.sentences]
    starts = [s for s, _ in spans]
    ends = [e for _, e in spans]
    per_sentence: list[list[tuple]] = [[] for _ in spans]
    gap: list[tuple] = []
    events = _events(paragraph)
    i = 0
    while i < len(events):
        j = i
        while j < len(events) and events[j][0] == events[i][0]:
            j += 1
        group, position = events[i:j], events[i][0]
        i = j
        k = bisect_right(starts, position) - 1
        if k >= 0 and starts[k] < position < ends[k]:
            per_sentence[k].extend(group)
            continue
        left = bisect_left(ends, position)
        left = left if left < len(ends) and ends[left] == position else None
        right = bisect_left(starts, position)
        right = right if right < len(starts) and starts[right] == position else None
        first_open = next((n for n, e in enumerate(group) if e[2] == OPEN), len(group))
        before, after = group[:first_open], group[first_open:]
        (per_sentence[left] if left is not None else gap).extend(before)
        (per_sentence[right] if right is not None else gap).extend(after)
    return per_sentence, gap


def split_inlines(paragraph: Paragraph) -> None:
    """Give each sentence pair its pieces of the paragraph's markup, with offsets
    into the sentence; a span running over several sentences opens in one and
    closes in another (`opens`/`closes`)."""
    per_sentence, _ = assign_events(paragraph)
    for pair, events in zip(paragraph.sentences, per_sentence):
        start, end = pair.start, pair.start + len(pair.source)
        pieces: dict[int, Inline] = {}
        for _, _, what, inline in events:
            if what == POINT:
                pieces[id(inline)] = replace(inline, start=inline.start - start, end=inline.start - start)
                continue
            piece = pieces.get(id(inline))
            if piece is None:
                piece = pieces[id(inline)] = replace(
                    inline, start=max(inline.start, start) - start, end=min(inline.end, end) - start,
                    opens=False, closes=False)
            if what == OPEN:
                piece.opens = True
            else:
                piece.closes = True
        pair.inlines = list(pieces.values())


# ------------------------------------------------------------------ placement
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


class _Placer:
    def __init__(self, pair: SentencePair):
        self.source, self.target = pair.source, pair.target
        self.alignment = valid_links(pair.alignment, pair.source, pair.target)
        self.mapping = copy_map(self.source, self.target, self.alignment)
        self.inverse = {s: t for t, s in enumerate(self.mapping) if s >= 0}

    def _trim(self, x: int, y: int) -> tuple[int, int]:
        while x < y and self.target[x].isspace():
            x += 1
        while y > x and self.target[y - 1].isspace():
            y -= 1
        return x, y

    def span(self, a: int, b: int) -> tuple[int, int] | None:
        """Target span for the source span [a, b), or None when it cannot be placed."""
        inverse = self.inverse
        if a >= b:
            x = self.point(a)
            return None if x is None else (x, x)
        if a == 0 and b == len(self.source):
            return 0, len(self.target)  # the whole sentence
        if all(s in inverse for s in range(a, b)):
            x = inverse[a]
            if all(inverse[a + k] == x + k for k in range(b - a)):
                return x, x + (b - a)
        inside = [w for w in self.alignment if a <= (w[0] + w[1]) / 2 < b]
        if inside:
            x, y = min(w[2] for w in inside), max(w[3] for w in inside)
            # Punctuation at the span's edges comes along when the translation has it too.
            before = self.source[a:min(w[0] for w in inside)]
            after = self.source[max(w[1] for w in inside):b]
            if before and self.target[max(0, x - len(before)):x] == before:
                x -= len(before)
            if after and self.target.startswith(after, y):
                y += len(after)
            return self._trim(x, y)
        fragment = self.source[a:b].strip()
        if fragment and self.target.count(fragment) == 1:
            x = self.target.index(fragment)
            return x, x + len(fragment)
        return None

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
        before = [w for w in self.alignment if w[1] <= p]
        if before:
            end = max(w[1] for w in before)
            x = max(w[3] for w in before if w[1] == end)
            gap = self.source[end:p]  # e.g. the final period before a line break
            return x + len(gap) if gap and self.target.startswith(gap, x) else x
        after = [w for w in self.alignment if w[0] >= p]
        if after:
            start = min(w[0] for w in after)
            x = min(w[2] for w in after if w[0] == start)
            gap = self.source[p:start]
            return x - len(gap) if gap and self.target[max(0, x - len(gap)):x] == gap else x
        return None


class Placed:
    """A pair-level Inline with its span in the translation."""

    __slots__ = ("inline", "x", "y")

    def __init__(self, inline: Inline, x: int, y: int):
        self.inline, self.x, self.y = inline, x, y


def _nesting_key(p: Placed) -> tuple[int, int, int]:
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


def place_pair(pair: SentencePair, placer: "_Placer | None" = None) -> tuple[list[Placed], list[str]]:
    """Spans of the pair's markup in its translation, properly nested; and the kinds
    that could not be placed where their French was (for the `markup-moved` flag)."""
    placer = placer or _Placer(pair)
    length = len(pair.target)
    moved: list[str] = []
    placed: list[Placed] = []
    fallbacks: list[Inline] = []
    for inline in pair.inlines:
        if not inline.paired:
            x = placer.point(inline.start)
            if x is None:
                if inline.kind in SPACE_KINDS:
                    continue
                moved.append(inline.kind)
                x = 0 if inline.start < len(pair.source) / 2 else length
            x = _word_edge(pair, inline.start, x)
            placed.append(Placed(inline, x, x))
            continue
        span = placer.span(inline.start, inline.end)
        if span is None:
            moved.append(inline.kind)
            fallbacks.append(inline)
            continue
        x, y = span
        if not inline.opens:
            x = 0
        if not inline.closes:
            y = length
        placed.append(Placed(inline, x, y))
    for inline in fallbacks:
        if inline.kind in FORMATTING_KINDS and inline.opens and inline.closes:
            # Bold on the whole sentence would say something false: the tags sit,
            # empty, at the edge nearest to where they were (Markdown and DOCX drop them).
            edge = 0 if inline.start < len(pair.source) - inline.end else length
            placed.append(Placed(inline, edge, edge))
            continue
        whole = inline.opens and inline.closes and inline.start < inline.end
        glued = whole and ((inline.start > 0 and pair.source[inline.start - 1].isalnum())
                           or (inline.end < len(pair.source) and pair.source[inline.end].isalnum()))
        # A link glued to another in one French word shares that word's English; else it
        # takes the longest stretch no link holds, or, with none left, a word of the
        # link holding the most.
        x, y = _share_words(placed, inline, placer) if glued else (0, 0)
        if x == y:
            x, y = _free_stretch(placed, inline, placer)
        if x == y and whole:
            x, y = _share_words(placed, inline, placer)
        placed.append(Placed(inline, 0 if not inline.opens else x, length if not inline.closes else y))
    _keep_continued_nesting(placed)
    paired = [p for p in placed if p.inline.paired]
    moved.extend(_make_laminar(paired))
    for _ in range(4 * len(paired) ** 2 + 1):  # a bound: each step that counts moves one link
        unnested = _unnest_links(paired, placer)
        if not unnested:
            break
        moved.extend(unnested)
        moved.extend(_make_laminar(paired))
    moved.extend(_empty_links_out_of_links(placed))
    return placed, moved


def _free_stretch(placed: list[Placed], inline: Inline, placer: _Placer) -> tuple[int, int]:
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
    return placer._trim(*max(stretches, key=lambda s: s[1] - s[0]))


def _share_words(placed: list[Placed], inline: Inline, placer: _Placer) -> tuple[int, int]:
    """A link with words in the French and none left in the English, every word held
    by links: the link of its kind holding the most words gives it one, its first if
    the link came before it in the French, else its last. (Links next to links in
    one French word, "[a](x)[b](y)", get the English of that word between them.)"""
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
    if inline.order < best.inline.order:  # it came first: the first word is its
        x, y = best.x + words[0][0], best.x + words[0][1]
        best.x = best.x + words[1][0]
    else:
        x, y = best.x + words[-1][0], best.x + words[-1][1]
        best.y = best.x + words[-2][1]
    return x, y


def _empty_links_out_of_links(placed: list[Placed]) -> list[str]:
    """An empty link is two placeholders (its "[" and its "](url)", or <a ...></a>);
    placed inside another link (which the source did not have around it) they
    would nest a link in a link: they move out, after that link's close when it
    closes in this sentence, else before its opening. Returns the kinds moved."""
    moved = []
    for point in placed:
        if point.inline.paired or point.inline.kind not in SINGLE_LEVEL_KINDS:
            continue
        for link in placed:
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


def _unnest_links(spans: list[Placed], placer: _Placer) -> list[str]:
    """A link inside a link is no link: the outer one gives up the part around the
    inner one (the larger side stays); an inner one on the very same words takes
    the longest stretch no link holds, and an empty one moves out after it.
    Returns the kinds moved."""
    for outer in spans:
        if outer.inline.kind not in SINGLE_LEVEL_KINDS:
            continue
        for inner in spans:
            if inner is outer or inner.inline.kind != outer.inline.kind:
                continue
            if outer.inline.start <= inner.inline.start and inner.inline.end <= outer.inline.end \
                    and outer.inline.order < inner.inline.order:
                continue  # nested so in the source already: kept as it was
            inside = outer.x <= inner.x and inner.y <= outer.y and outer.y > outer.x and (
                _nesting_key(outer) < _nesting_key(inner))
            if not inside:
                continue
            left, right = inner.x - outer.x, outer.y - inner.y
            if inner.y > inner.x and outer.inline.closes and left > 0 and (left >= right or not outer.inline.opens):
                outer.y = inner.x
                if outer.inline.opens:
                    outer.x, outer.y = placer._trim(outer.x, outer.y)  # (the space before the inner one)
            elif inner.y > inner.x and outer.inline.opens and right > 0:
                outer.x = inner.y
                if outer.inline.closes:
                    outer.x, outer.y = placer._trim(outer.x, outer.y)
            elif inner.inline.opens and inner.inline.closes:
                # No words left for it: out, just after the outer link (or before one that runs on).
                x = y = outer.y if outer.inline.closes else outer.x
                if inner.inline.start < inner.inline.end:  # it had words in the source: some elsewhere
                    free = _free_stretch([s for s in spans if s is not inner], inner.inline, placer)
                    if free[1] > free[0]:
                        x, y = free
                if (inner.x, inner.y) == (x, y):
                    continue  # already where it can be: no change, nothing to report
                inner.x, inner.y = x, y
            else:
                continue
            return [outer.inline.kind]
    return []


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
    spans.sort(key=_nesting_key)
    stack: list[Placed] = []
    for span in spans:
        while stack and stack[-1].y <= span.x:
            stack.pop()
        for outer in reversed(stack):
            if outer.y >= span.y:
                break
            if span.inline.closes:
                span.y = outer.y
                clipped.append(span.inline.kind)
                break
            outer.y = span.x  # cannot clip a span that closes later: end the outer one here
            clipped.append(outer.inline.kind)
        stack = [s for s in stack if s.y > span.x]
        if span.y > span.x:
            stack.append(span)
    return clipped


def _order_events(events: list[tuple[str, Inline]], open_stack: list[Inline]) -> list[tuple[str, Inline]]:
    """Events at one position: closes first (in source order when that closes the
    innermost span first, else innermost first), then opens in nesting order
    (outermost first, as placed); placeholders among them in source order."""
    def key(event):
        what, inline = event
        return inline.close_order if what == CLOSE else inline.order

    closes = sorted((e for e in events if e[0] == CLOSE), key=key)
    stack = list(open_stack)
    for _, inline in closes:
        if not stack or stack[-1] is not inline:
            depth = {id(inline): n for n, inline in enumerate(open_stack)}
            closes.sort(key=lambda e: -depth.get(id(e[1]), -1))
            break
        stack.pop()
    sequence = closes + [e for e in events if e[0] == OPEN]  # opens: already in nesting order
    after = 0  # placeholders keep their source order (an empty link's two halves)
    for point in sorted((e for e in events if e[0] == POINT), key=key):
        at = next((n for n, e in enumerate(sequence) if e[0] != POINT and key(e) > key(point)), len(sequence))
        if point[1].kind in SINGLE_LEVEL_KINDS:
            # An empty link moved out of another link must not land back inside it
            # when the two meet at one position: after its close, before its open
            # (unless the source had it inside that link: kept as it was).
            same = [n for n, e in enumerate(sequence) if e[0] != POINT and e[1].kind == point[1].kind
                    and not e[1].order < point[1].order < e[1].close_order]
            at = max([at] + [n + 1 for n in same if sequence[n][0] == CLOSE])
            at = min([at] + [n for n in same if sequence[n][0] == OPEN])
        at = max(at, after)
        sequence.insert(at, point)
        after = at + 1
    return sequence


def render_pair(pair: SentencePair, spellings: dict[int, str], escape_char: EscapeChar,
                placed: list[Placed] | None = None) -> list[Token]:
    """The translation with its markup, as tokens."""
    placer = _Placer(pair)
    if placed is None:
        placed, _ = place_pair(pair, placer) if pair.inlines else ([], [])
    target = pair.target
    at: dict[int, list[tuple[str, Inline]]] = {}
    empty_paired = []
    for p in sorted(placed, key=_nesting_key):
        inline = p.inline
        if not inline.paired:
            at.setdefault(p.x, []).append((POINT, inline))
            continue
        if p.x == p.y and inline.opens and inline.closes:
            empty_paired.append(p)  # nothing left to wrap: written as a placeholder of both tags
            at.setdefault(p.x, []).append((POINT, replace(inline, paired=False)))
            continue
        if inline.opens:
            at.setdefault(p.x, []).append((OPEN, inline))
        if inline.closes:
            at.setdefault(p.y, []).append((CLOSE, inline))
    mapping = placer.mapping
    tokens: list[Token] = []
    # Spans opened in an earlier sentence are open already, outermost first.
    open_stack: list[Inline] = sorted((p.inline for p in placed if p.inline.paired and not p.inline.opens),
                                      key=lambda inline: inline.order)
    buffer: list[str] = []
    base = pair.start

    def flush() -> None:
        if buffer:
            tokens.append((TEXT, "".join(buffer)))
            buffer.clear()

    end = base + len(pair.source)
    if not at and not any(base <= k < end for k in spellings) and mapping == list(range(len(target))) and escape_char.__dict__.get("special") is not None \
            and escape_char.special.isdisjoint(target) and not (base == 0 and getattr(escape_char, "special_at_start", None)):
        return [(TEXT, target)] if target else []  # copied as is, nothing to escape or place
    for i in range(len(target) + 1):
        events = at.get(i)
        if events:
            flush()
            ordered = _order_events(events, open_stack)
            group_start, space_after = len(tokens), False
            for k, (what, inline) in enumerate(ordered):
                if space_after and not _link_edge(what, inline, CLOSE):  # (outside the spans closing there)
                    tokens.append((TEXT, " "))
                    space_after = False
                spaced = what == POINT and inline.kind in WORD_LIKE_KINDS
                if spaced and 0 < i and target[i - 1].isalnum() and not _tokens_end_in_space(tokens) \
                        and _spaced_before(pair, inline):
                    where = len(tokens)  # before the spans that open there: outside them
                    while where > group_start and _link_edge(*tokens[where - 1], OPEN):
                        where -= 1
                    tokens.insert(where, (TEXT, " "))
                tokens.append((what, inline))
                if spaced and i < len(target) and target[i].isalnum() and _spaced_after(pair, inline) \
                        and not any(e[0] == POINT and e[1].kind in SPACE_KINDS for e in ordered[k + 1:]):
                    space_after = True
                if what == OPEN:
                    open_stack.append(inline)
                elif what == CLOSE:
                    for n in range(len(open_stack) - 1, -1, -1):
                        if open_stack[n] is inline:
                            del open_stack[n]
                            break
            if space_after:
                tokens.append((TEXT, " "))
        if i == len(target):
            break
        s = mapping[i]
        if s >= 0:
            spelled = spellings.get(base + s)
            buffer.append(spelled if spelled is not None else escape_char(target[i], base + s == 0))
        else:
            buffer.append(escape_char(target[i], base == 0 and i == 0))
    flush()
    return tokens


def _link_edge(what: str, value, side: str) -> bool:
    """An opening (`side` OPEN) or closing (CLOSE) of a span, or a half of a link left
    with no words of its own (its "[" and its "](url)" as placeholders)."""
    return what == side or (what == POINT and value.kind in SINGLE_LEVEL_KINDS)


def _tokens_end_in_space(tokens: list[Token]) -> bool:
    """Whether what the tokens write so far ends with a space (a layout placeholder's, too)."""
    for what, value in reversed(tokens):
        if what == TEXT:
            return value[-1:].isspace() if value else False
        if what == POINT and value.kind in SPACE_KINDS:
            return True
        if what == POINT:
            return False
    return False


def _spaced_before(pair: SentencePair, inline: Inline) -> bool:
    """Whether the source had no letter or digit right before this placeholder (a
    space, punctuation, the sentence's start): one the English puts there is kept apart."""
    return inline.start == 0 or not pair.source[inline.start - 1].isalnum()


def _spaced_after(pair: SentencePair, inline: Inline) -> bool:
    """Whether the source had no letter or digit right after this placeholder (a space,
    collapsed spaces kept as a layout placeholder, punctuation, the sentence's end)."""
    if inline.start >= len(pair.source) or not pair.source[inline.start].isalnum():
        return True
    return any(other.kind in SPACE_KINDS and other.start == inline.start and other.order > inline.order
               for other in pair.inlines)


def render_paragraph(paragraph: Paragraph, escape_char: EscapeChar = plain_escape) -> list[Token]:
    """The paragraph in the target language: each sentence's translation with its
    markup, and what lies between sentences (whitespace, markup) as in the source."""
    text, spellings = paragraph.text, paragraph.spellings
    _, gap_events = assign_events(paragraph)
    gap_at: dict[int, list[tuple[str, Inline]]] = {}
    for position, _, what, inline in gap_events:
        gap_at.setdefault(position, []).append((what, inline))
    tokens: list[Token] = []

    def copy(a: int, b: int, include_end: bool) -> None:
        buffer: list[str] = []
        for i in range(a, b + 1):
            events = gap_at.get(i)
            if events and (i < b or include_end):
                if buffer:
                    tokens.append((TEXT, "".join(buffer)))
                    buffer = []
                tokens.extend(events)
            if i < b:
                spelled = spellings.get(i)
                buffer.append(spelled if spelled is not None else escape_char(text[i], i == 0))
        if buffer:
            tokens.append((TEXT, "".join(buffer)))

    cursor = 0
    for pair in paragraph.sentences:
        copy(cursor, pair.start, include_end=True)
        tokens.extend(render_pair(pair, spellings, escape_char))
        cursor = pair.start + len(pair.source)
        gap_at.setdefault(cursor, [])
        # events at the sentence's end that belong to the gap come after the sentence
        pending = gap_at.pop(cursor)
        if pending:
            tokens.extend(pending)
    copy(cursor, len(text), include_end=True)
    return tokens


def target_inlines(pair: SentencePair) -> list[Inline]:
    """The pair's markup with offsets into its translation (for XLIFF's target side)."""
    placed, _ = place_pair(pair)
    return [replace(p.inline, start=p.x, end=p.y) for p in placed]


def tokens_to_text(tokens: Iterator[Token] | list[Token],
                   opening: Callable[[Inline], str] | None = None,
                   closing: Callable[[Inline], str] | None = None) -> str:
    """Markup as strings (Markdown, HTML): concatenate text and the tags' source;
    `opening` and `closing` may rewrite a tag (to put translated attributes in)."""
    opening = opening or (lambda inline: inline.open)
    closing = closing or (lambda inline: inline.close)
    out: list[str] = []
    for what, value in tokens:
        if what == TEXT:
            out.append(value)
        elif what == CLOSE:
            out.append(closing(value))
        elif what == OPEN:
            out.append(opening(value))
        else:  # a placeholder, or a span left empty: both tags
            out.append(opening(value) + closing(value))
    return "".join(out)


# Review-page styles (class names mk-*) by markup kind; DOCX runs by their properties.
REVIEW_STYLES = {"b": "strong", "strong": "strong", "em": "em", "i": "em", "u": "u", "ins": "u", "s": "s",
                 "del": "s", "strike": "s", "a": "link", "hyperlink": "link", "code": "code", "kbd": "code",
                 "mark": "mark", "sub": "sub", "sup": "sup"}
DOCX_STYLES = {"b": "strong", "i": "em", "u": "u", "strike": "s", "dstrike": "s"}


def review_style(inline: Inline) -> list[str]:
    """How the review page shows a span: a few fixed style names."""
    if inline.kind == "run" and hasattr(inline.open, "iterchildren"):
        names = {getattr(child, "tag", "").rsplit("}", 1)[-1]: child for child in inline.open.iterchildren()}
        styles = [style for tag, style in DOCX_STYLES.items() if tag in names
                  and str(names[tag].get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}val", "1"))
                  not in ("0", "false", "none")]
        return styles or ["fmt"]
    style = REVIEW_STYLES.get(inline.kind)
    return [style] if style else []


# XLIFF 1.2 ctype values for the kinds of markup (others: "x-<kind>"). The standard's
# values differ for spans (<g>, <bx/>) and placeholders (<x/>): a lone <b> tag is an
# "x-b" placeholder, never a "bold" one.
XLIFF_CTYPES = {"b": "bold", "strong": "bold", "em": "italic", "i": "italic", "u": "underlined",
                "a": "link", "hyperlink": "link", "br": "lb", "image": "image", "img": "image"}
_SPAN_CTYPES = frozenset({"bold", "italic", "underlined", "link"})
_PLACEHOLDER_CTYPES = frozenset({"image", "pb", "lb"})


def xliff_ctype(inline: Inline, placeholder: bool) -> str:
    ctype = XLIFF_CTYPES.get(inline.kind)
    if ctype not in (_PLACEHOLDER_CTYPES if placeholder else _SPAN_CTYPES):
        ctype = "x-" + ("".join(c for c in inline.kind if c.isalnum()) or "code")
    return ctype


def code_shape(inline: Inline) -> str:
    """How a pair's Inline travels in XLIFF: "x" a placeholder, "g" a span within the
    sentence, "bx"/"ex" a span opening here and closing in another sentence, or
    closing here (the 1.2 names; 2.0 writes <ph/>, <pc>, <sc/>, <ec/>)."""
    if not inline.paired:
        return "x"
    if inline.opens and inline.closes:
        return "g"
    return "bx" if inline.opens else "ex"


def inline_codes(text: str, inlines: list[Inline], tag: Callable[[Inline, str], str]) -> str:
    """`text` XML-escaped with its markup as inline codes: `tag(inline, what)` writes
    each code, `what` being a code_shape, or "g" and "/g" for a span's two ends."""
    from xml.sax.saxutils import escape

    events: list[tuple[int, int, str]] = []
    for inline in inlines:
        shape = code_shape(inline)
        if shape == "g":
            events.append((inline.start, inline.order, tag(inline, "g")))
            events.append((inline.end, inline.close_order, tag(inline, "/g")))
        elif shape == "ex":
            events.append((inline.end, inline.close_order, tag(inline, "ex")))
        else:
            events.append((inline.start, inline.order, tag(inline, shape)))
    events.sort()
    out, cursor = [], 0
    for position, _, markup in events:
        out += [escape(text[cursor:position]), markup]
        cursor = position
    return "".join(out) + escape(text[cursor:])


def xliff_inline(text: str, inlines: list[Inline]) -> str:
    """XLIFF 1.2 content for a sentence with its markup: spans as <g>, a span that
    opens or closes in another sentence as <bx/> or <ex/>, placeholders as <x/>
    (ids are the Inline ids, shared by a span's pieces). Text is XML-escaped; the
    markup's own source stays out (the skeleton keeps it)."""
    def tag(inline: Inline, what: str) -> str:
        ctype = xliff_ctype(inline, placeholder=what == "x")
        return {"x": f'<x id="{inline.id}" ctype="{ctype}"/>', "g": f'<g id="{inline.id}" ctype="{ctype}">',
                "/g": "</g>", "bx": f'<bx id="{inline.id}" ctype="{ctype}"/>', "ex": f'<ex id="{inline.id}"/>'}[what]

    return inline_codes(text, inlines, tag)
