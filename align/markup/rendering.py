"""Rendering: a sentence's translation with its placed markup, as tokens.

Tokens are ("text", str), ("open", Inline), ("close", Inline), ("point", Inline);
text is already spelled for the format (escaped, or copied with its source
spelling; an escaper with a `join` builds the text itself: Markdown's escapes by
where characters land, align.read.formats.markdown_escape). Also the review page's
styles for a span.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Callable, Iterator

from ..document import Inline, Paragraph, SentencePair
from .placement import placed_markup
from .spans import CLOSE, OPEN, POINT, SINGLE_LEVEL_KINDS, SPACE_KINDS, TEXT, WORD_LIKE_KINDS, EscapeChar, Token, \
    assign_events, plain_escape

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
        at = _inside_its_spans(sequence, point[1], at)
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


def _inside_its_spans(sequence: list[tuple[str, Inline]], point: Inline, at: int) -> int:
    """`at` moved inside the spans that held the placeholder in the French and outside
    the others (code a link held alone, where another link closes and that one opens);
    where both cannot be, inside its own."""
    held = [n for n, (what, span) in enumerate(sequence)
            if what != POINT and (span.order < point.order < span.close_order) == (what == OPEN)]
    free = [n for n, (what, _) in enumerate(sequence) if what != POINT and n not in held]
    lowest, highest = max([n + 1 for n in held], default=0), min(free, default=len(sequence))
    return min(max(at, lowest), highest) if lowest <= highest else lowest


def outside_written_around(pair: SentencePair) -> tuple[bool, bool]:
    """Whether the markup the sentence holds from the whitespace before it (and after
    it: `Inline.outside`) is written there, as in the source: when the translation puts
    all those spans at its start (all those ending at its end); else inside it."""
    if not any(inline.outside for inline in pair.inlines):
        return False, False
    length, before, after = len(pair.target), True, True
    for n, x, y in placed_markup(pair).spans:
        inline = pair.inlines[n]
        if inline.paired and inline.outside in ("open", "both") and x != 0:
            before = False
        if inline.paired and inline.outside in ("close", "both") and y != length:
            after = False
    return before, after


def _written_around(outside: str, what: str, around: tuple[bool, bool]) -> bool:
    """Is this event of a piece `outside` the sentence written around it (see above)?"""
    if what == CLOSE or (what == POINT and outside == "close"):
        return around[1] and outside in ("close", "both")
    return around[0] and outside in ("open", "both")


def render_pair(pair: SentencePair, spellings: dict[int, str], escape_char: EscapeChar,
                around: tuple[bool, bool]) -> list[Token]:
    """The translation with its markup (as placed once, `placed_markup`), as tokens;
    `around`: `outside_written_around(pair)`, which the paragraph decided once."""
    markup = placed_markup(pair)
    placed = [(pair.inlines[n], x, y) for n, x, y in markup.spans]  # outermost first
    target = pair.target
    # Verbatim text is written from its source markup: the English there is skipped,
    # and what other spans do inside it happens at its edges.
    skip = {x: y for inline, x, y in placed if inline.verbatim and inline.paired and x < y}
    at, after = _events_by_position(placed, sorted(skip.items()), around)
    mapping = markup.copies
    if _copied_as_is(pair, spellings, escape_char, mapping, at):
        return [(TEXT, target)] if target else []  # copied as is, nothing to escape or place
    tokens: list[Token] = []
    # Spans opened in an earlier sentence are open already, outermost first.
    open_stack: list[Inline] = sorted((inline for inline, _, _ in placed if inline.paired and not inline.opens),
                                      key=lambda inline: inline.order)
    buffer: list[tuple[str, str]] = []  # (spelling, character) of each character written
    i = 0
    while True:
        events = at.get(i)
        if events:
            if buffer:
                tokens.append((TEXT, _joined(buffer, escape_char)))
                buffer.clear()
            _write_events(tokens, _order_events(events, open_stack), open_stack, pair, i, after)
        if i == len(target):
            break
        if i in skip:
            i = skip[i]
            continue
        buffer.append(_spelled_char(pair, spellings, escape_char, mapping, i))
        i += 1
    if buffer:
        tokens.append((TEXT, _joined(buffer, escape_char)))
    return tokens


def _events_by_position(placed: list[tuple[Inline, int, int]], verbatim: list[tuple[int, int]],
                        around: tuple[bool, bool]) -> tuple[dict[int, list[tuple[str, Inline]]], dict[int, int]]:
    """The events (opens, closes, placeholders) to write at each English position, in
    the order of `placed`; and, by a verbatim placeholder's order, where the English
    resumes after it. A paired verbatim text becomes a placeholder; other spans' edges
    within one (`verbatim`, sorted) move to its edges; what is written around the
    sentence (`around`) is left out; a span left on no characters that opens and closes
    here, not outside the sentence, is a placeholder of both its tags."""
    at: dict[int, list[tuple[str, Inline]]] = {}
    after: dict[int, int] = {}  # a verbatim placeholder's order -> where the English resumes
    for inline, x, y in placed:
        if inline.verbatim and inline.paired:
            point = replace(inline, paired=False)
            after[point.order] = y
            at.setdefault(x, []).append((POINT, point))
            continue
        x, y = _verbatim_edge(verbatim, x, OPEN), _verbatim_edge(verbatim, y, CLOSE)
        if not inline.paired:
            if not _written_around(inline.outside, POINT, around):
                at.setdefault(x, []).append((POINT, inline))
            continue
        if x == y and inline.opens and inline.closes and not inline.outside:
            # nothing left to wrap: written as a placeholder of both tags
            at.setdefault(x, []).append((POINT, replace(inline, paired=False)))
            continue
        if inline.opens and not _written_around(inline.outside, OPEN, around):
            at.setdefault(x, []).append((OPEN, inline))
        if inline.closes and not _written_around(inline.outside, CLOSE, around):
            at.setdefault(y, []).append((CLOSE, inline))
    return at, after


def _verbatim_edge(verbatim: list[tuple[int, int]], position: int, what: str) -> int:
    """`position`, or, strictly inside a verbatim text's span, that span's end for a
    close (CLOSE) and its start for anything else."""
    for x, y in verbatim:
        if x < position < y:
            return y if what == CLOSE else x
    return position


def _copied_as_is(pair: SentencePair, spellings: dict[int, str], escape_char: EscapeChar, mapping: list[int],
                  at: dict[int, list[tuple[str, Inline]]]) -> bool:
    """Whether the translation is written exactly as its text: no markup to place, no
    source spelling within the sentence, every character a copy of the French at the
    same place, and an escaper that says which characters it escapes (`special`)
    with none of them in it (nor, in the paragraph's first sentence, one that escapes
    characters at the start)."""
    base = pair.start
    end = base + len(pair.source)
    target = pair.target
    return not at and not any(base <= k < end for k in spellings) and mapping == list(range(len(target))) \
        and escape_char.__dict__.get("special") is not None and escape_char.special.isdisjoint(target) \
        and not (base == 0 and getattr(escape_char, "special_at_start", None))


def _write_events(tokens: list[Token], ordered: list[tuple[str, Inline]], open_stack: list[Inline],
                  pair: SentencePair, i: int, after: dict[int, int]) -> None:
    """Appends the events at English position `i` (already ordered) to `tokens`, and keeps
    `open_stack` (the spans open) up to date. A word-like placeholder (code, a URL, an
    image: WORD_LIKE_KINDS) the French kept apart from a word stays apart in the English: a
    space before it (outside the spans opening there) and after it (outside the spans
    closing there), where the English puts it against a letter or a digit."""
    group_start, space_after = len(tokens), False
    for k, (what, inline) in enumerate(ordered):
        if space_after and not _link_edge(what, inline, CLOSE):  # (outside the spans closing there)
            tokens.append((TEXT, " "))
            space_after = False
        spaced = what == POINT and inline.kind in WORD_LIKE_KINDS
        if spaced and _needs_space_before(tokens, pair, inline, i):
            where = len(tokens)  # before the spans that open there: outside them
            while where > group_start and _link_edge(*tokens[where - 1], OPEN):
                where -= 1
            tokens.insert(where, (TEXT, " "))
        tokens.append((what, inline))
        if spaced and _needs_space_after(pair, inline, i, after, ordered, k):
            space_after = True
        _track_open_spans(open_stack, what, inline)
    if space_after:
        tokens.append((TEXT, " "))


def _needs_space_before(tokens: list[Token], pair: SentencePair, inline: Inline, i: int) -> bool:
    """Whether the word-like placeholder written at `i` needs a space before it: the
    English has a letter or digit right before, the tokens do not end in a space
    already, and the French kept it apart (`_spaced_before`)."""
    target = pair.target
    return 0 < i and target[i - 1].isalnum() and not _tokens_end_in_space(tokens) and _spaced_before(pair, inline)


def _needs_space_after(pair: SentencePair, inline: Inline, i: int, after: dict[int, int],
                       ordered: list[tuple[str, Inline]], k: int) -> bool:
    """Whether the word-like placeholder `ordered[k]` written at `i` needs a space after
    it: the English resumes (after a verbatim text's English: `after`) with a letter or
    digit, the French kept it apart (`_spaced_after`), and no layout placeholder comes
    after it among these events (its space is there already)."""
    target = pair.target
    resume = after.get(inline.order, i) if inline.verbatim else i
    return resume < len(target) and target[resume].isalnum() and _spaced_after(pair, inline) \
        and not any(e[0] == POINT and e[1].kind in SPACE_KINDS for e in ordered[k + 1:])


def _track_open_spans(open_stack: list[Inline], what: str, inline: Inline) -> None:
    """An opening pushes its span on `open_stack`, a close takes it off (the innermost
    occurrence); a placeholder changes nothing."""
    if what == OPEN:
        open_stack.append(inline)
    elif what == CLOSE:
        for n in range(len(open_stack) - 1, -1, -1):
            if open_stack[n] is inline:
                del open_stack[n]
                break


def _spelled_char(pair: SentencePair, spellings: dict[int, str], escape_char: EscapeChar, mapping: list[int],
                  i: int) -> tuple[str, str]:
    """(spelling, character) of the English character `i`: a copy of a French character
    keeps that character's source spelling when the English copies all of what the
    spelling wrote; else it is escaped, as the paragraph's first character where it copies
    that one or, copying nothing, starts the paragraph's first sentence."""
    target, base = pair.target, pair.start
    s = mapping[i]
    if s >= 0:
        spelled = spellings.get(base + s)
        if spelled is not None and not _spelling_copied_whole(spellings, mapping, base, i, s, len(pair.source)):
            spelled = None  # part of what one source spelling wrote (`it` of `&notit;`): as itself
        return (spelled if spelled is not None else escape_char(target[i], base + s == 0)), target[i]
    return escape_char(target[i], base == 0 and i == 0), target[i]


def _spelling_copied_whole(spellings: dict[int, str], mapping: list[int], base: int, i: int, s: int,
                           length: int) -> bool:
    """Whether the English copies, in one run, all the characters one source spelling
    wrote (`&notit;` for `¬it;`, its first character carrying it, the others ""), so
    that the spelling can stand for them; a character no spelling shares is alone."""
    head = s
    while head > 0 and spellings.get(base + head) == "":
        head -= 1
    if spellings.get(base + head) in (None, ""):
        return True  # a character the model needs that the source did not have (silent)
    end = head + 1
    while end < length and spellings.get(base + end) == "":  # (within the sentence)
        end += 1
    first = i - (s - head)
    return first >= 0 and i + (end - s) <= len(mapping) and \
        all(mapping[first + k] == head + k for k in range(end - head))


def _joined(pieces: list[tuple[str, str]], escape_char: EscapeChar) -> str:
    """The text of (spelling, character) pieces. An escaper with a `join` of its own
    (Markdown's) builds it: it escapes by where characters land, so it needs to know
    which characters it was given to write as they are."""
    join = getattr(escape_char, "join", None)
    return join(pieces) if join is not None else "".join(spelled for spelled, _ in pieces)


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
    end = inline.end if inline.verbatim else inline.start  # (after a verbatim text: after its text)
    if end >= len(pair.source) or not pair.source[end].isalnum():
        return True
    return any(other.kind in SPACE_KINDS and other.start == end and other.order > inline.order
               for other in pair.inlines)


def render_paragraph(paragraph: Paragraph, escape_char: EscapeChar = plain_escape) -> list[Token]:
    """The paragraph in the target language: each sentence's translation with its
    markup, and what lies between sentences (whitespace, markup) as in the source."""
    text, spellings = paragraph.text, paragraph.spellings
    per_sentence, gap_events = assign_events(paragraph)
    arounds = [outside_written_around(pair) for pair in paragraph.sentences]
    for around, events in zip(arounds, per_sentence):
        gap_events += [event[:4] for event in events
                       if len(event) > 4 and _written_around(event[4], event[2], around)]
    gap_events.sort(key=lambda e: (e[0], e[1]))
    gap_at: dict[int, list[tuple[str, Inline]]] = {}
    for position, _, what, inline in gap_events:
        gap_at.setdefault(position, []).append((what, inline))
    tokens: list[Token] = []

    def copy(a: int, b: int, include_end: bool) -> None:
        buffer: list[tuple[str, str]] = []
        for i in range(a, b + 1):
            events = gap_at.get(i)
            if events and (i < b or include_end):
                if buffer:
                    tokens.append((TEXT, _joined(buffer, escape_char)))
                    buffer = []
                tokens.extend(events)
            if i < b:
                spelled = spellings.get(i)
                buffer.append((spelled if spelled is not None else escape_char(text[i], i == 0), text[i]))
        if buffer:
            tokens.append((TEXT, _joined(buffer, escape_char)))

    cursor = 0
    previous = None
    for pair, around in zip(paragraph.sentences, arounds):
        if previous is not None and cursor == pair.start and _glued_apart(previous, pair):
            tokens.append((TEXT, " "))
        copy(cursor, pair.start, include_end=True)
        tokens.extend(render_pair(pair, spellings, escape_char, around))
        previous = pair
        cursor = pair.start + len(pair.source)
        gap_at.setdefault(cursor, [])
        # events at the sentence's end that belong to the gap come after the sentence
        pending = gap_at.pop(cursor)
        if pending:
            tokens.extend(pending)
    copy(cursor, len(text), include_end=True)
    return tokens


def _glued_apart(previous: SentencePair, pair: SentencePair) -> bool:
    """Two sentences the French glued together (`présent.Alors`, as scraped text
    has them) are kept apart by a space in the translation, unless the translation
    keeps the French's own characters where they meet (a copy stays a copy)."""
    before, after = previous.target, pair.target
    if not before or not after or before[-1].isspace() or after[0].isspace():
        return False
    return before[-1] != previous.source[-1:] or after[0] != pair.source[:1]


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
                 "del": "s", "strike": "s", "a": "link", "hyperlink": "link",
                 # verbatim text (code, URLs, template values): shown as code, kept as it is
                 "code": "code", "kbd": "code", "samp": "code", "var": "code", "url": "code", "autolink": "code",
                 "protected": "code",
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
