"""XLIFF import, inline codes: where the translator put each code in the target
(`Code`, read by `parse`) turned into a word alignment (`imported_alignment`),
from which the same-format writer puts the markup exactly there.

The links are chosen for the placer of align.read.formats.inline (`place_pair`;
see `_code_alignment`). Codes that do not fit the sentence's markup (unknown ids,
wrong kind, crossing spans, a <bx/> without its <ex/>) are ignored with a warning,
as are placements the writer cannot reproduce (e.g. a span over the whole French
sentence always covers the whole English one).
"""
from __future__ import annotations

from dataclasses import replace

from ...document import SentencePair
from ...markup.codes import code_shape
from ...markup.placement import place_pair, target_inlines
from ...markup.spans import SPACE_KINDS
from ...review.folder import carry_alignment, cleaned_with_positions
from .parse import Code, ImportedUnit

Link = tuple[int, int, int, int]
_SHAPES = {"g": "a span (<g>)", "x": "a placeholder (<x/>)", "bx": "a span opening here and closing in a later "
           "sentence (<bx/>)", "ex": "a span closing here, opened in an earlier sentence (<ex/>)"}


def _exported_codes(pair: SentencePair) -> dict[int, Code]:
    """The codes an export of the pair writes in its target."""
    codes = {}
    for inline in target_inlines(pair):
        shape = code_shape(inline)
        at = inline.end if shape == "ex" else inline.start
        codes[inline.id] = Code(shape, at, inline.end if shape == "g" else at)
    return codes


def _trim(text: str, x: int, y: int) -> tuple[int, int]:
    """The span x..y of `text` without the spaces at its edges."""
    while x < y and text[x].isspace():
        x += 1
    while y > x and text[y - 1].isspace():
        y -= 1
    return x, y


def _settled(tag: str, x: int, y: int, text: str) -> tuple[int, int]:
    """What the English file shows of a code (x, y: a code's start and end, or a
    placed span's): the words a span covers, without the spaces at its edges (the
    placer leaves them out); a <bx/> covers the rest of the sentence, an <ex/> its
    beginning."""
    if tag == "g":
        return _trim(text, x, y)
    if tag == "bx":
        return _trim(text, x, len(text))
    if tag == "ex":
        return _trim(text, 0, y)
    return x, x


def _same_codes(a: dict[int, Code], b: dict[int, Code], text: str) -> bool:
    """Whether two sets of codes show the same in the English file."""
    return a.keys() == b.keys() and all(
        code.tag == b[n].tag and _settled(*code, text) == _settled(*b[n], text) for n, code in a.items())


def _clean_codes(text: str, codes: dict[str, Code]) -> tuple[str, dict[str, Code]]:
    """The codes' offsets into the English as the review folder saves it
    (`clean_text`: line breaks and tabs as spaces, control characters dropped, trimmed)."""
    cleaned, where = cleaned_with_positions(text)
    return cleaned, {code_id: Code(code.tag, where[code.start], where[code.end]) for code_id, code in codes.items()}


def imported_alignment(pair: SentencePair, unit: ImportedUnit, target: str, warn) -> list[Link] | None:
    """The word alignment that puts the pair's markup where the unit's target codes
    are; None when the codes ask for nothing new (the row's alignment stays)."""
    for problem in unit.code_problems.values():
        warn(problem)
    text, raw_codes = _clean_codes(target, unit.codes)
    inlines = {inline.id: inline for inline in pair.inlines}
    codes = _without_crossings(_fitting_codes(raw_codes, inlines, warn), warn)
    exported = _exported_codes(pair)
    missing = _missing_codes(exported, raw_codes, unit.code_problems, inlines)
    same_text = text == pair.target
    if missing and (codes or same_text):
        warn(f"inline codes {_ids(missing)} are not in the target; "
             + ("kept where they were" if same_text else "placed from the other codes"))
    if same_text:
        codes = {**exported, **codes}   # codes left out keep their place
        if _same_codes(codes, exported, text):
            return None
    elif not codes:
        if missing:
            warn(f"the target has none of the sentence's inline codes ({_ids(missing)}); "
                 f"the markup is placed from the word alignment")
        return None
    # the row's links, on the words an edit left alone, place the markup without codes
    base = list(pair.alignment) if same_text else carry_alignment(pair.target, text, pair.alignment)
    links, misplaced = _code_alignment(pair, text, codes, base)
    _warn_misplaced(codes, misplaced, text, warn)
    return links or None


def _fitting_codes(raw_codes: dict[str, Code], inlines: dict, warn) -> dict[int, Code]:
    """The target's codes that stand for the sentence's markup of their id, by that
    id; the others are ignored with a warning."""
    codes: dict[int, Code] = {}
    for code_id, code in raw_codes.items():
        number = int(code_id) if code_id.isascii() and code_id.isdigit() else None
        problem = _misfit(code, code_id, inlines.get(number))
        if problem is not None:
            warn(problem)
            continue
        codes[number] = code
    return codes


def _misfit(code: Code, code_id: str, inline) -> str | None:
    """Why `code` cannot stand for `inline`, the sentence's markup of its id (None:
    no such markup); None when it can."""
    label = _label(code.tag, code_id)
    if inline is None:
        return f"inline code {label}: the sentence has no markup of that id; ignored"
    shape = code_shape(inline)
    if code.tag == shape:
        return None
    if code.tag in ("bx", "ex") and shape == "g":
        other = "ex" if code.tag == "bx" else "bx"
        return f"inline code {label} without its {_label(other, code_id)}; ignored"
    return f"inline code {label}: markup {code_id} is {_SHAPES[shape]} in this sentence; ignored"


def _without_crossings(codes: dict[int, Code], warn) -> dict[int, Code]:
    """The codes less each <bx/> or <ex/> that would cross another code (ignored with
    a warning): a span running on into another sentence cannot open or close inside
    one closed here."""
    kept = dict(codes)
    for number, code in codes.items():
        if code.tag not in ("bx", "ex"):
            continue
        other = _crossed(code, kept)
        if other is not None:
            warn(f"inline code {_label(code.tag, number)} would cross {_label(kept[other].tag, other)}; ignored")
            del kept[number]
    return kept


def _crossed(code: Code, codes: dict[int, Code]) -> int | None:
    """The first of `codes` that the <bx/> or <ex/> `code` would cross: a <g> around
    it, else (for a <bx/>) an <ex/> after it; None when it crosses none."""
    around = [n for n, g in codes.items() if g.tag == "g" and g.start < code.start < g.end]
    crossed = [n for n, other in codes.items()
               if code.tag == "bx" and other.tag == "ex" and other.start > code.start]
    return (around or crossed)[0] if around or crossed else None


def _missing_codes(exported: dict[int, Code], raw_codes: dict[str, Code], problems: dict[str, str],
                   inlines: dict) -> list[int]:
    """The ids of the exported codes the target left out (those with a problem
    already have their warning)."""
    # (a collapsed space's placeholder carries nothing a reader sees: no warning)
    return [number for number in exported if str(number) not in raw_codes and str(number) not in problems
            and inlines[number].kind not in SPACE_KINDS]


def _warn_misplaced(codes: dict[int, Code], misplaced: dict[int, tuple[int, int]], text: str, warn) -> None:
    """A warning for each code the English file puts elsewhere, saying where."""
    for number, (x, y) in misplaced.items():
        code = codes[number]
        goes = f"at character {x}" if code.tag == "x" else f'around "{text[slice(*_settled(code.tag, x, y, text))]}"'
        warn(f"inline code {_label(code.tag, number)}: the English file cannot put it where the target has it; "
             f"it goes {goes}")


def _label(tag: str, code_id) -> str:
    """A code as the warnings name it: <g id="2">, <x id="3"/>."""
    return f'<{tag} id="{code_id}">' if tag == "g" else f'<{tag} id="{code_id}"/>'


def _ids(numbers) -> str:
    return ", ".join(str(n) for n in numbers)


def _code_alignment(pair: SentencePair, text: str, codes: dict[int, Code],
                    base: list[Link]) -> tuple[list[Link], dict[int, tuple[int, int]]]:
    """Links from which `place_pair` puts each code's markup where the code is in
    `text`, and the codes it still places elsewhere (with where it puts them).

    The placer puts a span around the hull of the English aligned to French
    characters inside its French span. A span's link is therefore anchored on
    one French character (its first and last, else any) that no span nested in
    it covers, and points to the whole English span: a link over the span's
    whole French would, by its middle, also count for a nested span. Spans with
    the same French as a nested one follow it (the writer cannot tell them
    apart). A <bx/> is the span from it to the sentence's end, an <ex/> from the
    start to it. Placeholders get a one-character link beside their French
    position (the placer takes the neighbouring link's edge) when that places
    them right without moving anything else. The row's links (`base`, carried
    over an edit of the English) are kept outside the spans' French, for the
    markup without codes; dropped if they misplace a code that the anchors alone
    place right."""
    inlines = {inline.id: inline for inline in pair.inlines}
    spans = {number: _settled(*code, text) for number, code in codes.items() if code.tag != "x"}
    anchors = _span_anchors(pair, inlines, spans)
    kept = _links_outside_spans(base, inlines, spans)
    links = anchors + kept
    wrong = _misplaced(pair, text, codes, links)
    if kept and wrong:
        alone = _misplaced(pair, text, codes, anchors)
        if len(alone) < len(wrong):
            links, wrong = anchors, alone
    return _with_placeholder_links(pair, text, codes, inlines, links, wrong)


def _span_anchors(pair: SentencePair, inlines: dict, spans: dict[int, tuple[int, int]]) -> list[Link]:
    """Each span's links: from the French characters it is anchored on to its whole
    English span (none for a span empty on either side)."""
    anchors: list[Link] = []
    for number, (x, y) in spans.items():
        inline = inlines[number]
        if inline.end <= inline.start or y <= x:
            continue
        anchors.extend((k, k + 1, x, y) for k in _anchor_characters(inline, pair.inlines))
    return anchors


def _anchor_characters(inline, all_inlines: list) -> list[int]:
    """The French characters a span is anchored on: its first and last, else any,
    that no span nested in it covers."""
    inner = [other for other in all_inlines if _nested_in(other, inline)]
    private = [k for k in range(inline.start, inline.end) if not any(o.start <= k < o.end for o in inner)]
    chosen = {k for k in (inline.start, inline.end - 1) if k in set(private)} or set(private[:1])
    return sorted(chosen)


def _nested_in(other, inline) -> bool:
    """Whether `other` is a span nested in the span `inline`: inside its French, and
    opened after it (or closed before it) when they share an edge."""
    return (other is not inline and other.paired and other.end > other.start
            and inline.start <= other.start and other.end <= inline.end
            and (other.start, -other.end, other.order) > (inline.start, -inline.end, inline.order))


def _links_outside_spans(base: list[Link], inlines: dict, spans: dict[int, tuple[int, int]]) -> list[Link]:
    """The links of `base` whose middle is outside every span's French (those inside
    would move the spans' markup)."""
    covered = [(inlines[n].start, inlines[n].end) for n, (x, y) in spans.items()
               if inlines[n].end > inlines[n].start and y > x]
    return [w for w in base if not any(a <= (w[0] + w[1]) / 2 < b for a, b in covered)]


def _misplaced(pair: SentencePair, text: str, codes: dict[int, Code], links: list[Link]) -> dict[int, tuple[int, int]]:
    """The codes that `place_pair` with `links` puts elsewhere than `text` has them,
    with where it puts them ((-1, -1): nowhere)."""
    placed, _ = place_pair(replace(pair, target=text, alignment=links))
    where = {p.inline.id: (p.x, p.y) for p in placed}
    wrong = {}
    for number, code in codes.items():
        x, y = where.get(number, (-1, -1))
        if x < 0 or _settled(code.tag, x, y, text) != _settled(*code, text):
            wrong[number] = (x, y)
    return wrong


def _with_placeholder_links(pair: SentencePair, text: str, codes: dict[int, Code], inlines: dict, links: list[Link],
                            wrong: dict[int, tuple[int, int]]) -> tuple[list[Link], dict[int, tuple[int, int]]]:
    """`links` and `wrong` with, for each misplaced placeholder, a one-character link
    beside its French position where that places more codes right."""
    for number, code in codes.items():
        if number not in wrong or code.tag != "x":
            continue
        at, t = inlines[number].start, code.start
        if at < 1 or t < 1:
            continue
        link = (at - 1, at, t - 1, t)
        trial = _misplaced(pair, text, codes, links + [link])
        if len(trial) < len(wrong):
            links, wrong = links + [link], trial
    return links, wrong
