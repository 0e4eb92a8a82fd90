"""Markdown escaping by position: a character is escaped where it lands, not by
where it came from.

A translation moves words: a `*` that was literal between two spaces may end up
against a word and open emphasis, a `2.` may start a line and make a list, a `!`
may land before a link and make it an image. No fixed set of characters can say
which of them need a backslash: it depends on their neighbours. So a Markdown
slot is written in two steps:

1. with the least spelling: copied characters keep their source spelling (an
   escape, an entity, a line break with its container's `> `), every other
   character is written as it is; the text remembers where it wrote a character
   that Markdown could read as markup (`Marked`, the positions of `CANDIDATES`);
2. markdown-it reads it, in the block it lands in (a paragraph, a heading, a table
   cell, an image's description), and is compared with what it reads when every
   such character is escaped: that reading is the one meant (an escaped ASCII
   punctuation character is always literal). Where the two differ, the escapes
   that are needed are kept and the others dropped, one at a time (a few parses:
   only for text whose least spelling reads otherwise).

A copy comes back byte for byte: its least spelling is its source, which reads
as it did (and the slot's source text is written as it is, whatever an isolated
reading of it says).
"""
from __future__ import annotations

import re
from typing import Callable, Iterable

# Characters Markdown may read as markup somewhere (line starts: list markers, "1."
# and "1)", headings, quotes, setext underlines, thematic breaks, fences; inline:
# emphasis, code, links, images, autolinks and raw HTML, entities, escapes, table
# pipes, strikethrough; MkDocs' admonition markers, !!! and ???): written as they
# are unless that changes the reading.
CANDIDATES = frozenset("\\`*_[]<>|~#+-=!&.):?")
# Characters that close what another opens: the last to keep an escape.
CLOSING = frozenset(")]>")

# A line break's spelling ends with the next line's container prefix ("> ",
# a list item's indentation) and leading spaces: a block is read without them.
_LINE_PREFIX = re.compile(r"\r?\n[ \t>]*")


class Marked(str):
    """Text with the positions of the characters in it that were written as they
    are and that Markdown could read as markup (escaped later if they would be).
    Slicing and stripping keep the positions; concatenation with plain text keeps
    those of the marked side."""

    marks: tuple[int, ...]

    def __new__(cls, text: str, marks: Iterable[int] = ()) -> "Marked":
        marked = super().__new__(cls, text)
        marked.marks = tuple(marks)
        return marked

    def __getnewargs__(self):
        return str(self), self.marks

    def __getitem__(self, key):
        if isinstance(key, slice) and key.step in (None, 1):
            start, stop, _ = key.indices(len(self))
            return Marked(str.__getitem__(self, key), [m - start for m in self.marks if start <= m < stop])
        return str.__getitem__(self, key)

    def lstrip(self, chars: str | None = None) -> "Marked":
        return self[len(self) - len(str.lstrip(self, chars)):]

    def rstrip(self, chars: str | None = None) -> "Marked":
        return self[:len(str.rstrip(self, chars))]

    def strip(self, chars: str | None = None) -> "Marked":
        return self.lstrip(chars).rstrip(chars)

    def __add__(self, other: str) -> "Marked":
        return Marked(str(self) + other, self.marks + tuple(len(self) + m for m in getattr(other, "marks", ())))

    def __radd__(self, other: str) -> "Marked":
        return Marked(other + str(self), tuple(getattr(other, "marks", ())) + tuple(len(other) + m for m in self.marks))


def escape_by_position(char: str, at_start: bool) -> str:
    """Markdown's escaper: every character as it is (see `join`, `positioned`)."""
    return char


def _join(pieces: list[tuple[str, str]]) -> Marked:
    """The text of (spelling, character) pieces, the characters written as they are
    that Markdown could read as markup marked."""
    marks, position = [], 0
    for spelled, char in pieces:
        if spelled == char and char in CANDIDATES:
            marks.append(position)
        position += len(spelled)
    return Marked("".join(spelled for spelled, _ in pieces), marks)


escape_by_position.special = CANDIDATES
escape_by_position.join = _join


def joined(pieces: Iterable[str]) -> Marked:
    """Strings one after the other, the marks of the Marked ones kept."""
    text, marks = [], []
    length = 0
    for piece in pieces:
        marks.extend(length + m for m in getattr(piece, "marks", ()))
        text.append(piece)
        length += len(piece)
    return Marked("".join(text), marks)


# How a slot's text is read in its block: the role -> the text as a document of its own.
def _paragraph(text: str) -> str:
    return text + "\n"


CONTEXTS: dict[str, Callable[[str], str]] = {
    "p": _paragraph, "li": _paragraph, "blockquote": _paragraph,
    "setext h1": lambda text: text + "\n=\n",
    "setext h2": lambda text: text + "\n-\n",
    "td": lambda text: "| x |\n| - |\n| " + text + " |\n",
    "th": lambda text: "| " + text + " |\n| - |\n",
    "alt": lambda text: "![" + text + "](x)\n",
}
CONTEXTS["mkdocs-title"] = lambda text: "x " + text + "\n"  # (inline only: after a marker, in quotes)
for _level in range(1, 7):
    CONTEXTS[f"h{_level}"] = lambda text: "# " + text + "\n"


def _children(children) -> tuple:
    out: list = []
    for child in children or ():
        if child.type == "text" and out and out[-1][0] == "text":
            out[-1] = ("text", out[-1][1] + child.content)
            continue
        if child.type == "text":
            out.append(("text", child.content))
            continue
        out.append((child.type, child.tag, child.markup, tuple(sorted(child.attrs.items())), child.content,
                    _children(child.children)))
    return tuple(out)


def reading(md, text: str, references: dict | None = None) -> tuple:
    """What markdown-it reads in `text`: its blocks and their inline content (text
    merged, escapes and entities decoded)."""
    env = {"references": dict(references)} if references else {}
    out = []
    for token in md.parse(text, env):
        if token.type == "inline":
            out.append(("inline", _children(token.children)))
        else:
            out.append((token.type, token.tag, token.markup, token.info, token.content,
                        repr(sorted(token.meta.items())) if token.meta else ""))
    return tuple(out)


def with_escapes(text: str, marks: Iterable[int]) -> str:
    """`text` with a backslash before each position in `marks`."""
    out, cursor = [], 0
    for mark in sorted(marks):
        out += [text[cursor:mark], "\\"]
        cursor = mark
    return "".join(out) + text[cursor:]


def positioned(md, text: str, role: str, references: dict | None = None) -> str:
    """`text` (a Marked slot text: least spelling) with the escapes its block needs
    to read as meant: as it would with every marked character escaped."""
    marks = getattr(text, "marks", ())
    context = CONTEXTS.get(role.split(":")[0])
    text = str(text)
    if not marks or context is None:
        return text

    def read(marked: Iterable[int]) -> tuple:
        return reading(md, context(_LINE_PREFIX.sub("\n", with_escapes(text, marked))), references)

    meant = read(marks)
    if read(()) == meant:
        return text
    # Drop the escapes that are not needed: halves, then quarters... then one by one.
    # Closing characters first, then from the end: of the characters that make markup
    # together, the opening one keeps its escape ("\\[a](b)", "\\<br/>", "\\*a b*").
    kept = sorted(marks, key=lambda mark: (text[mark] not in CLOSING, -mark))
    size = max(1, len(kept) // 2)
    while True:
        n = 0
        while n < len(kept):
            trial = kept[:n] + kept[n + size:]
            if read(trial) == meant:
                kept = trial
            else:
                n += size
        if size == 1:
            break
        size //= 2
    return with_escapes(text, kept)
