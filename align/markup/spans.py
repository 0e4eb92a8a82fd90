"""Inline markup over sentences: the kinds of spans, and each sentence pair's pieces.

A paragraph's markup is a list of `Inline` spans over its text (align.document);
after segmentation each sentence pair gets its own pieces (`split_inlines`), with
offsets into the sentence. align.markup.placement then puts them in the
translation, align.markup.rendering writes them back in the format's own syntax.
"""
from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import replace
from typing import Callable

from ..document import Inline, Paragraph

TEXT, OPEN, CLOSE, POINT = "text", "open", "close", "point"
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
WORD_LIKE_KINDS = {"code", "kbd", "samp", "var", "url", "autolink", "protected", "html", "kept", "image", "img"}

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
    Events in the whitespace around a sentence are that sentence's, marked outside it
    (a 5th member, "open" or "close": `Inline.outside`).
    """
    spans = [(p.start, p.start + len(p.source)) for p in paragraph.sentences]
    starts = [s for s, _ in spans]
    ends = [e for _, e in spans]
    text = paragraph.text
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
        if left is None:
            before = _closes_after_a_sentence(text, starts, ends, position, before, per_sentence)
        if right is None:
            after = _opens_before_a_sentence(text, starts, ends, position, after, per_sentence)
        (per_sentence[left] if left is not None else gap).extend(before)
        (per_sentence[right] if right is not None else gap).extend(after)
    return per_sentence, gap


def _closes_after_a_sentence(text: str, starts: list[int], ends: list[int], position: int,
                             before: list[tuple], per_sentence: list[list[tuple]]) -> list[tuple]:
    """Closes in the whitespace after a sentence (`Précédent </span>`), with the
    placeholders among them, go to that sentence, marked outside it; up to an element
    that opened after the sentence (`<a>&nbsp;</a>` stays between). Returns the rest."""
    near = bisect_right(ends, position) - 1
    if not any(e[2] == CLOSE for e in before) or near < 0 or text[ends[near]:position].strip() \
            or (near + 1 < len(starts) and starts[near + 1] <= position):
        return before
    k = next((n for n, e in enumerate(before) if e[2] == CLOSE and e[3].start >= ends[near]), len(before))
    per_sentence[near].extend(e + ("close",) for e in before[:k])
    return before[k:]


def _opens_before_a_sentence(text: str, starts: list[int], ends: list[int], position: int,
                             after: list[tuple], per_sentence: list[list[tuple]]) -> list[tuple]:
    """Opens in the whitespace before a sentence (`<span> Précédent`), with the
    placeholders among them, go to that sentence, marked outside it; from past an
    element that closes before the sentence (it stays between). Returns the rest."""
    near = bisect_left(starts, position)
    if not after or near == len(starts) or text[position:starts[near]].strip() \
            or (near > 0 and ends[near - 1] > position):
        return after
    k = max((n + 1 for n, e in enumerate(after) if e[2] == OPEN and e[3].end <= starts[near]), default=0)
    per_sentence[near].extend(e + ("open",) for e in after[k:])
    return after[:k]


def split_inlines(paragraph: Paragraph) -> None:
    """Give each sentence pair its pieces of the paragraph's markup, with offsets
    into the sentence; a span running over several sentences opens in one and
    closes in another (`opens`/`closes`)."""
    per_sentence, _ = assign_events(paragraph)
    for pair, events in zip(paragraph.sentences, per_sentence):
        start, end = pair.start, pair.start + len(pair.source)
        pieces: dict[int, Inline] = {}
        for event in events:
            what, inline, outside = event[2], event[3], event[4] if len(event) > 4 else ""
            if what == POINT:
                at = min(max(inline.start, start), end) - start
                pieces[id(inline)] = replace(inline, start=at, end=at, outside=outside)
                continue
            piece = pieces.get(id(inline))
            if piece is None:
                piece = pieces[id(inline)] = replace(
                    inline, start=min(max(inline.start, start), end) - start,
                    end=max(min(inline.end, end), start) - start, opens=False, closes=False)
            if what == OPEN:
                piece.opens = True
            else:
                piece.closes = True
            if outside:
                piece.outside = "both" if piece.outside and piece.outside != outside else outside
        pair.inlines = list(pieces.values())
