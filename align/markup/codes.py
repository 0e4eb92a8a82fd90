"""A sentence's markup as XLIFF inline codes (<g>, <x/>, <bx/>, <ex/>)."""
from __future__ import annotations

from typing import Callable

from ..document import Inline

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
