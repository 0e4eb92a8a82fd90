"""The article formats: a reader that yields a Document (plain text for the model,
markup aside) and a writer that rebuilds the same kind of file from it.

Text formats (Markdown, HTML) keep a *skeleton*: the file as a list of literal
source strings (everything not translated, byte for byte) and paragraph numbers
(the slots where translated paragraphs go). DOCX keeps its zip and rebuilds the
paragraphs in place. Every reader checks that its skeleton gives the input back
before translation, and keeps a block verbatim (with a warning) when it cannot.
"""
from __future__ import annotations

import re
import unicodedata
from abc import ABC, abstractmethod
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from ...document import PROSE, Document, Inline, Paragraph, verbatim_spans
from ...errors import InputError
from ..protect import DEFAULT, Protection, is_marker
from ...segment import GLUED_BEFORE, protected_spans  # the segmenter's URLs and e-mail addresses
from ..text import CONTROL_RE, decode, read_bytes
from ...markup.spans import EscapeChar
from ...markup.rendering import render_paragraph, tokens_to_text

# YAML front matter at the top of a file (Jekyll, Hugo, MDN: in Markdown and in HTML).
FRONT_MATTER_RE = re.compile(r"\A---[ \t]*\r?\n(.*?\r?\n)?(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.DOTALL)

# The protected syntax of the article being read (set by Format.load for its builders).
_PROTECTION: ContextVar[Protection] = ContextVar("protection", default=DEFAULT)

# Articles larger than this are refused before parsing: the model would need days
# for them anyway, and parsers must never exhaust the machine.
MAX_ARTICLE_BYTES = 64 * 1024 * 1024


class Format(ABC):
    """One file format: `read` a file into a Document, `write` it back as bytes."""

    name: str = ""
    suffixes: tuple[str, ...] = ()
    output_suffix: str = ""

    def read(self, path: str | Path, protection: Protection = DEFAULT) -> Document:
        path = Path(path)
        return self.load(read_bytes(path), path, protection)

    def load(self, data: bytes, path: Path, protection: Protection = DEFAULT) -> Document:
        """The article in `data` (read from `path`), named and numbered as `read` does;
        `protection`: the syntax kept out of translation (align.read.protect)."""
        if len(data) > MAX_ARTICLE_BYTES:
            raise InputError(f"{path}: file too large ({len(data) // 2**20} MiB; at most "
                             f"{MAX_ARTICLE_BYTES // 2**20} MiB per article)")
        token = _PROTECTION.set(protection)
        try:
            document = self.parse(data, str(path))
        finally:
            _PROTECTION.reset(token)
        document.path = path
        document.name = article_name(path)
        document.format = self.name
        for number, paragraph in enumerate(document.paragraphs, 1):
            paragraph.number = number
        return document

    @abstractmethod
    def parse(self, data: bytes, name: str) -> Document:
        """A Document from the file's bytes; `name` is for messages."""

    @abstractmethod
    def write(self, document: Document) -> bytes:
        """The file rebuilt with each paragraph's translation and markup."""


def article_name(path: Path) -> str:
    """The file name without its format suffix ("a.fr.md" -> "a.fr")."""
    suffix = path.suffix
    return path.name[:-len(suffix)] if suffix else path.name


# ---------------------------------------------------------------- text formats
@dataclass
class Skeleton:
    """A text file as literal source strings and paragraph slots (indexes into
    Document.paragraphs); `escapes` names each slot's escaper (see TextFormat)."""

    parts: list[str | int] = field(default_factory=list)
    data: bytes = b""  # the file as read (kept beside the outputs, see writers/formats.py)
    # Translatable attributes inside a paragraph's markup (alt, title, image text):
    # (paragraph index, Inline.order) -> [(start, end, paragraph index)]: the
    # characters start:end of the Inline's `open` are that paragraph's source;
    # keyed by Inline.close_order, of its `close` (a Markdown link's title).
    attributes: dict[tuple[int, int], list[tuple[int, int, int]]] = field(default_factory=dict)

    # Declarations of the document's language in literal parts (HTML's lang="fr", a
    # content-language meta tag): (part index, start, end, the English value), the
    # characters start:end of that part being the French value.
    languages: list[tuple[int, int, int, str]] = field(default_factory=list)

    def literal(self, text: str) -> None:
        if text:
            self.parts.append(text)  # neighbouring strings are simply written one after the other

    def language(self, start: int, end: int, english: str) -> None:
        """The last literal part declares French at start:end: `english` once translated."""
        self.languages.append((len(self.parts) - 1, start, end, english))

    def slot(self, index: int) -> None:
        self.parts.append(index)


class TextFormat(Format):
    """Formats whose files are text: decode, build a skeleton, re-encode the same way."""

    def escaper(self, paragraph: Paragraph) -> EscapeChar:
        raise NotImplementedError

    def slot_tokens(self, paragraph: Paragraph) -> list:
        return render_paragraph(paragraph, self.escaper(paragraph))

    def finish_slot(self, paragraph: Paragraph, text: str) -> str:
        return text

    def finish_markup(self, source: str, spliced: str) -> str:
        """A tag's markup once its translated attributes are in (`source` as read)."""
        return spliced

    def render_slot(self, document: Document, index: int) -> str:
        paragraph = document.paragraphs[index]
        attributes = document.layout.attributes

        def spliced(markup: str, order: int) -> str:
            values = attributes.get((index, order)) if order else None
            if not values:
                return markup
            out, cursor = [], 0
            for start, end, number in values:
                out += [markup[cursor:start], self.render_slot(document, number)]
                cursor = end
            return self.finish_markup(markup, "".join(out) + markup[cursor:])

        return self.finish_slot(paragraph, self.slot_text(
            document, index, self.slot_tokens(paragraph), lambda inline: spliced(inline.open, inline.order),
            lambda inline: spliced(inline.close, inline.close_order)))

    def slot_text(self, document: Document, index: int, tokens: list, opening: Callable, closing: Callable) -> str:
        """The slot's text from its tokens (`opening`, `closing`: a tag's markup, its
        translated attributes in); Markdown escapes here what lands where it would read
        as markup."""
        return tokens_to_text(tokens, opening, closing)

    def parse(self, data: bytes, name: str) -> Document:
        text, encoding, warnings = decode(data, name)
        document = Document(name=name, encoding=encoding, warnings=list(warnings))
        skeleton = Skeleton(data=data)
        self.build(text, document, skeleton, name)
        document.layout = skeleton
        return document

    @abstractmethod
    def build(self, text: str, document: Document, skeleton: Skeleton, name: str) -> None:
        """Fill the document's paragraphs and the skeleton from the decoded text."""

    def render(self, document: Document) -> str:
        parts = list(document.layout.parts)
        if any(pair.target != pair.source for pair in document.pairs()):
            # An English page declares English (readers' speech, spell-checkers, the
            # browser's "translate this page?"); an untranslated one stays as it was.
            for number, start, end, english in sorted(document.layout.languages, reverse=True):
                parts[number] = parts[number][:start] + english + parts[number][end:]
        out = []
        for part in parts:
            out.append(part if isinstance(part, str) else self.render_slot(document, part))
        return "".join(out)

    def write(self, document: Document) -> bytes:
        return encode(self.render(document), document.encoding, self.name == "html")


def encode(text: str, encoding: str, html: bool) -> bytes:
    """Bytes in the article's own encoding (a BOM if it had one). Characters the
    translation brings that a legacy encoding lacks become character references in
    HTML; a Markdown file is then written as UTF-8."""
    if encoding == "utf-8-sig":
        return text.encode("utf-8-sig")
    if encoding in ("utf-8", "utf-16"):
        return text.encode(encoding)
    try:
        return text.encode(encoding, errors="xmlcharrefreplace" if html else "strict")
    except UnicodeEncodeError:
        return text.encode("utf-8")


def add_paragraph(document: Document, skeleton: Skeleton, paragraph: Paragraph,
                  attributes: list[tuple[int, int, int, Paragraph]] = ()) -> None:
    """A slot for `paragraph`, after the paragraphs of its translatable attributes
    ((Inline.order, start, end, paragraph) each)."""
    spliced: dict[int, list[tuple[int, int, int]]] = {}
    for order, start, end, attribute in attributes:
        spliced.setdefault(order, []).append((start, end, len(document.paragraphs)))
        document.paragraphs.append(attribute)
    index = len(document.paragraphs)
    for order, values in spliced.items():
        skeleton.attributes[(index, order)] = sorted(values)
    skeleton.slot(index)
    document.paragraphs.append(paragraph)


# --------------------------------------------------------- building paragraphs
def _plain(text: str) -> str:
    """What the model sees of source text: NFC, tabs, form feeds and vertical tabs as
    spaces (they part words); other control characters as nothing (invisible, they
    part no words: `FOO&#x81;ZOO` is one word to a reader)."""
    return CONTROL_RE.sub(lambda m: " " if m.group() in "\x0b\x0c" else "",
                          unicodedata.normalize("NFC", text.replace("\t", " ")))


def _clusters(text: str) -> list[str]:
    """A character with the combining marks that follow it, one string each."""
    clusters: list[str] = []
    for char in text:
        if clusters and unicodedata.combining(char):
            clusters[-1] += char
        else:
            clusters.append(char)
    return clusters


def protected_syntax(text: str) -> list[tuple[int, int]]:
    """The protected syntax (align.read.protect) of `text`, with the protection being read with."""
    return _PROTECTION.get().spans(text)


def wholly_protected(text: str) -> bool:
    """Whether `text` is nothing but one URL, address, domain, file name or protected
    syntax (and spaces): an element holding only that is copied whole."""
    stripped = text.strip()
    if not stripped:
        return False
    spans = protected_spans(stripped) or protected_syntax(stripped)
    return len(spans) == 1 and spans[0] == (0, len(stripped))


# Protected syntax that is structure (align.read.protect.is_marker): no word to be glued to.
_MARKER_STARTS = ("{%", "{#", "{{<", "{{%")


def glued_to_text(text: str, start: int, end: int, before: str) -> bool:
    """Whether the protected span text[start:end] is written against other characters
    (`before`: the one written before it), not a space or a marker: one word with them."""
    return (not before.isspace() and not text[:start].endswith(("%}", "#}", ">}}", "%}}"))) or \
        (end < len(text) and not text[end].isspace() and not text.startswith(_MARKER_STARTS, end))


class ParagraphBuilder:
    """Accumulates one block's plain text, the source spelling of its characters
    and its inline markup, in source order."""

    def __init__(self, escape_char: EscapeChar, role: str = ""):
        self.escape_char = escape_char
        self.role = role
        self.chars: list[str] = []
        self.spellings: dict[int, str] = {}
        self.inlines: list[Inline] = []
        self.sequence = 0
        # Translatable text inside a placeholder (an image's description):
        # (Inline.order, start, end in its `open`, paragraph), see add_paragraph.
        self.attributes: list[tuple[int, int, int, Paragraph]] = []
        # Verbatim text ended in a space of its own (`<code>x </code>suite`): a reader
        # sees two words, so the model gets a space before what comes next.
        self.space_after_verbatim = False

    @property
    def length(self) -> int:
        return len(self.chars)

    def _next(self) -> int:
        self.sequence += 1
        return self.sequence

    def text(self, decoded: str, raw: str | None = None, urls: bool = True, protect: bool = True) -> None:
        """Characters read from the source: `raw` is how they were written there
        when that is not simply `decoded` (an entity, an escape, a line break).
        Protected syntax (align.read.protect), URLs, e-mail addresses, bare domains and file
        names in plain text become placeholders: never translated."""
        if self.space_after_verbatim:
            self._apart_from_verbatim(decoded)
        if protect and urls and raw is None and (spans := self.protected_spans(decoded)):
            self.placeholders(decoded, spans, "protected", lambda text: self.text(text, protect=False))
            return
        if urls and raw is None and (spans := self.url_spans(decoded)):
            self.placeholders(decoded, spans, "url", lambda text: self.text(text, urls=False))
            return
        if raw is None and decoded[:1] == " " and self.chars and self.chars[-1] == " ":
            decoded = self._space_after_space(decoded)
            if not decoded:
                return
        plain = _plain(decoded)
        if raw is None and plain != decoded:
            # Tabs, control characters, decomposed accents: each character (with its
            # combining marks) keeps its own source spelling.
            for cluster in _clusters(decoded):
                self.text(cluster, cluster, urls=False)
            return
        raw = decoded if raw is None else raw
        if plain != raw:  # spelled differently: the first character carries the source spelling
            self._respelled(plain, raw)
            return
        self._as_written(plain)

    def _apart_from_verbatim(self, decoded: str) -> None:
        """After verbatim text that ended in a space of its own: a silent space before
        `decoded` when it starts a word and no space is there already."""
        self.space_after_verbatim = False
        if decoded[:1] and not decoded[:1].isspace() and self.chars and not self.chars[-1].isspace():
            self.silent(" ")  # (not after a space the model has already: a line break's)

    def _space_after_space(self, decoded: str) -> str:
        """The spaces `decoded` starts with, read after a space, as a placeholder: what
        follows them is returned, to be read."""
        # a space after a space (around a placeholder): layout only, the model sees one
        rest = decoded.lstrip(" ")
        self.point("space", decoded[:len(decoded) - len(rest)])
        return rest

    def _respelled(self, plain: str, raw: str) -> None:
        """Characters whose source spelling `raw` is not their plain text: the first
        carries it, the others none (with no plain text, `raw` is a placeholder)."""
        if not plain:
            self.point("space", raw)
            return
        start = self.length
        self.chars.extend(plain)
        self.spellings[start] = raw
        for k in range(start + 1, self.length):
            self.spellings[k] = ""

    def _as_written(self, plain: str) -> None:
        """Characters written in the source as they read: a spelling is kept only for
        those the escaper would change."""
        special = getattr(self.escape_char, "special", None)
        if special is not None and special.isdisjoint(plain) and (
                self.chars or plain[:1] not in getattr(self.escape_char, "special_at_start", ())):
            self.chars.extend(plain)  # nothing the escaper would change
            return
        for char in plain:
            position = self.length
            if self.escape_char(char, position == 0) != char:
                self.spellings[position] = char
            self.chars.append(char)

    def placeholders(self, decoded: str, spans: list[tuple[int, int]], kind: str,
                     read_between: Callable[[str], None]) -> None:
        """`decoded` with its `spans` kept verbatim as `kind`, the text between them
        given to `read_between` (which does not look again for what `spans` found)."""
        cursor = 0
        for start, end in spans:
            if start > cursor:
                read_between(decoded[cursor:start])
            if kind == "protected":
                self.protected(decoded[start:end], glued=glued_to_text(
                    decoded, start, end, decoded[start - 1] if start else (self.chars or [" "])[-1]))
            else:
                self.verbatim(kind, decoded[start:end])
            cursor = end
        if cursor < len(decoded):
            read_between(decoded[cursor:])

    def url_spans(self, text: str) -> list[tuple[int, int]]:
        """The URLs, addresses, domains and file names of `text`, were it read next: not
        one glued to the characters before it (the tail of a token the parser cut,
        `C:\\Scripts\\Get-Log.ps1` read as `C:`, `\\S`, `cripts`, ...)."""
        spans = protected_spans(text)
        if spans and spans[0][0] == 0 and self.chars and GLUED_BEFORE.match(self.chars[-1]) \
                and not self._markup_edge():
            spans = spans[1:]
        return spans

    def _markup_edge(self) -> bool:
        """Does markup open, close or stand here (a link's start: `…gouv.fr</a><a>france.fr`
        are two addresses, not one token the parser cut)?"""
        at = self.length
        for inline in reversed(self.inlines):
            if inline.start == at or inline.end == at:
                return True
            if inline.start < at and (inline.end < 0 or inline.end < at):
                return False  # (inlines are in order: an earlier one cannot be at the edge)
        return False

    def protected_spans(self, text: str) -> list[tuple[int, int]]:
        """The protected syntax in `text` (align.read.protect), were it read next."""
        return _PROTECTION.get().spans(text, at_start=not self.chars and not self.inlines)

    def silent(self, char: str) -> None:
        """A character the model needs (a space for a line break) that the source
        did not have: written only in translations."""
        self.spellings[self.length] = ""
        self.chars.append(char)

    def open(self, kind: str, raw: object, url: str = "") -> Inline:
        inline = Inline(start=self.length, end=-1, kind=kind, open=raw, order=self._next(), url=url)
        self.inlines.append(inline)
        return inline

    def close(self, inline: Inline, raw: object) -> None:
        inline.end = self.length
        inline.close = raw
        inline.close_order = self._next()

    def point(self, kind: str, raw: object) -> Inline:
        inline = Inline(start=self.length, end=self.length, kind=kind, open=raw, paired=False,
                        order=self._next())
        self.inlines.append(inline)
        return inline

    def protected(self, raw: str, glued: bool = False) -> Inline:
        """Protected syntax (align.read.protect): a placeholder where it marks structure, else
        verbatim text of the sentence. One `glued` to the characters beside it
        (`"{{ base }}/api"`) is one word with them, as a reader reads it: the model
        reads it without its spaces (`{{base}}`), so its pieces never move apart."""
        if is_marker(raw):
            return self.point("protected", raw)
        return self.verbatim("protected", raw, "".join(raw.split()) if glued else None)

    def verbatim(self, kind: str, raw: object, text: str | None = None) -> Inline:
        """Code, a URL or protected syntax (`raw`, as in the source): its `text` (the
        raw string by default) stays in the sentence, so the model reads a whole
        sentence and the English gets its spaces from the source; the file gets
        `raw` back in its place. Text with nothing to read is a placeholder."""
        plain = _plain(raw if text is None else text)
        text = " ".join(plain.split())
        if not text:
            return self.point(kind, raw)
        if (plain[:1].isspace() or self.space_after_verbatim) and self.chars and not self.chars[-1].isspace():
            self.silent(" ")  # `mot<code> x</code>`: two words to a reader, and to the model
        self.space_after_verbatim = plain[-1:].isspace()
        start = self.length
        self.chars.extend(text)
        inline = Inline(start=start, end=self.length, kind=kind, open=raw, close="", order=self._next(),
                        verbatim=True)
        inline.close_order = inline.order
        self.inlines.append(inline)
        return inline

    def has_letters(self) -> bool:
        """Whether the block has words to translate (verbatim text is not)."""
        cursor = 0
        for start, end in verbatim_spans(self.inlines):  # (in order: verbatim text is read in order)
            if any(c.isalpha() for c in self.chars[cursor:start]):
                return True
            cursor = end
        return any(c.isalpha() for c in self.chars[cursor:])

    def paragraph(self) -> Paragraph:
        """The block as a Paragraph; spans left empty become placeholders."""
        inlines: list[Inline] = []
        for inline in self.inlines:
            if inline.paired and inline.start == inline.end and isinstance(inline.open, str):
                # An empty element (<a name="x"></a>, <b><br></b>): its tags are two placeholders.
                inlines.append(Inline(inline.start, inline.start, inline.kind, inline.open, paired=False,
                                      order=inline.order))
                inlines.append(Inline(inline.start, inline.start, inline.kind, inline.close, paired=False,
                                      order=inline.close_order))
            else:
                inlines.append(inline)
        inlines.sort(key=lambda i: i.order)
        for number, inline in enumerate(inlines, 1):
            inline.id = number
        return Paragraph(text="".join(self.chars), kind=PROSE, role=self.role,
                         inlines=inlines, spellings=self.spellings)
