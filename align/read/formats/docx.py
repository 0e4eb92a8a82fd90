"""Word (.docx) articles through python-docx (and its lxml tree).

Each body paragraph (tables included) with words is one Paragraph; its runs'
formatting becomes Inline spans: the formatting that covers most of the text is
the paragraph's base, runs formatted otherwise (bold, italic, a character style...)
are spans, and hyperlinks (and tracked insertions, smart tags, inline content
controls) are spans around their runs. Tabs, breaks, drawings, fields (simple
and complex, e.g. page numbers, tables of contents), bookmarks, tracked
deletions (revision history, never sent to the model) and content controls
without words are placeholders, copied untouched.

Paragraphs of the body (tables and block content controls included), headers,
footers, footnotes and endnotes are translated, and so are the paragraphs of
their text boxes (role "textbox", each after the paragraph that anchors it). A
text box is usually written twice, as a drawing (`mc:Choice`) and as VML for old
readers (`mc:Fallback`): only the drawing's copy is translated, and the VML copy
becomes a copy of its translation. The writer re-opens the original file and
rebuilds only those paragraphs, so styles, numbering and images stay as they
were. The round trip is structural: the same paragraphs, styles, text and
formatting per character.

Hostile files: the zip's entries are checked before anything is inflated (count,
total size, compression ratio: a zip bomb is refused), XML parts that declare a
DTD are refused, and python-docx's parser never resolves entities (no XXE).
"""
from __future__ import annotations

import io
import re
import zipfile
from bisect import bisect_right
from copy import deepcopy
from dataclasses import dataclass, field

from lxml import etree

from ...document import Document, Paragraph
from ...errors import InputError
from .base import Format, ParagraphBuilder, protected_syntax, wholly_protected
from ...markup.spans import CLOSE, OPEN, POINT, TEXT, plain_escape
from ...markup.rendering import render_paragraph

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
# Elements that hold runs and are spans around them: links, tracked insertions,
# smart tags, inline content controls (their runs are in w:sdtContent).
CONTAINER_KINDS = ("hyperlink", "ins", "smartTag", "customXml", "moveTo", "sdt")
# A text-box paragraph's number in text_paragraphs(), set on its w:p in the parsed
# tree and in the writer's: the outer paragraph's rebuild copies its drawing from the
# parsed tree (and may move it among its words), so the writer finds text boxes
# again by number. Removed before saving.
SLOT = "align-slot"
CONTAINERS = {f"{{{W}}}{kind}" for kind in CONTAINER_KINDS}
PROOF_ERROR = f"{{{W}}}proofErr"
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
MAX_ENTRIES = 2000
MAX_UNCOMPRESSED = 256 * 2**20
MAX_RATIO = 200          # uncompressed / compressed, for entries over 1 MiB
MAX_XML_PART = 48 * 2**20  # an XML part is parsed into a tree several times its size
DTD_MARKERS = (b"<!DOCTYPE", b"<!ENTITY", b"<!doctype")
TEXT_CHILDREN = {f"{{{W}}}t", f"{{{W}}}rPr"}
BREAK_CHILDREN = {f"{{{W}}}tab", f"{{{W}}}br", f"{{{W}}}cr", f"{{{W}}}noBreakHyphen",
                  f"{{{W}}}softHyphen", f"{{{W}}}lastRenderedPageBreak"}


def w(tag: str) -> str:
    return f"{{{W}}}{tag}"


@dataclass
class DocxLayout:
    data: bytes
    slots: dict[int, int] = field(default_factory=dict)     # w:p index in the body -> paragraph index
    base: dict[int, object] = field(default_factory=dict)   # paragraph index -> base w:rPr (or None)


def check_package(data: bytes, name: str) -> None:
    """Refuse what is not a Word file, zip bombs and DTDs, before python-docx reads it."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError):
        raise InputError(f"{name}: not a DOCX file (not a zip archive)") from None
    if len(entries) > MAX_ENTRIES:
        raise InputError(f"{name}: refused: {len(entries)} entries in the zip (at most {MAX_ENTRIES})")
    total = sum(e.file_size for e in entries)
    if total > MAX_UNCOMPRESSED:
        raise InputError(f"{name}: refused: unpacks to {total // 2**20} MiB "
                         f"(at most {MAX_UNCOMPRESSED // 2**20} MiB; a zip bomb?)")
    for entry in entries:
        if entry.file_size > 2**20 and entry.file_size > MAX_RATIO * max(entry.compress_size, 1):
            raise InputError(f"{name}: refused: {entry.filename} is compressed {entry.file_size // max(entry.compress_size, 1)}"
                             f" to 1 (a zip bomb?)")
    for entry in entries:
        if entry.filename.endswith((".xml", ".rels")) and entry.file_size > MAX_XML_PART:
            raise InputError(f"{name}: refused: {entry.filename} unpacks to {entry.file_size // 2**20} MiB of XML "
                             f"(at most {MAX_XML_PART // 2**20} MiB)")
    names = {e.filename for e in entries}
    if "word/document.xml" not in names:
        raise InputError(f"{name}: not a Word document (no word/document.xml)")
    for entry in entries:
        if entry.filename.endswith((".xml", ".rels")):
            try:
                with archive.open(entry) as stream:
                    head = stream.read(65536)
            except (zipfile.BadZipFile, RuntimeError, NotImplementedError, OSError, EOFError) as exc:
                raise InputError(f"{name}: damaged zip entry {entry.filename} ({exc})") from None
            if any(marker in head for marker in DTD_MARKERS):
                raise InputError(f"{name}: refused: {entry.filename} declares a DTD (external or "
                                 "expanding entities are not allowed in DOCX)")


def open_docx(data: bytes, name: str):
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    check_package(data, name)
    try:
        return docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, KeyError, ValueError, etree.XMLSyntaxError, zipfile.BadZipFile) as exc:
        raise InputError(f"{name}: not a readable Word document ({type(exc).__name__}: "
                         f"{str(exc).splitlines()[0] if str(exc) else 'invalid'})") from None


PARTS_WITH_TEXT = re.compile(r"/word/(?:header\d*|footer\d*|footnotes|endnotes)\.xml")


def text_roots(word_document) -> list:
    """(root element, its part): the body, then headers, footers, footnotes, endnotes."""
    roots = [(word_document.element.body, word_document.part)]
    parts = [part for part in word_document.part.package.iter_parts()
             if PARTS_WITH_TEXT.fullmatch(str(part.partname)) and getattr(part, "element", None) is not None]
    return roots + [(part.element, part) for part in sorted(parts, key=lambda part: str(part.partname))]


def _boxes(branch) -> list:
    """The text boxes (w:txbxContent) in `branch`, less those inside another of them."""
    boxes = []
    for box in branch.iter(w("txbxContent")):
        ancestor = box.getparent()
        while ancestor is not None and ancestor is not branch and ancestor.tag != w("txbxContent"):
            ancestor = ancestor.getparent()
        if ancestor is branch:
            boxes.append(box)
    return boxes


def repeated_boxes(root) -> list[tuple[list, list]]:
    """(the drawing's text boxes, the VML copies) of each mc:AlternateContent whose
    Fallback repeats its Choice's text boxes (as many of them), in document order."""
    out = []
    for alternate in root.iter(f"{{{MC}}}AlternateContent"):
        choice, fallback = alternate.find(f"{{{MC}}}Choice"), alternate.find(f"{{{MC}}}Fallback")
        if choice is None or fallback is None:
            continue
        drawn, vml = _boxes(choice), _boxes(fallback)
        if drawn and len(drawn) == len(vml):
            out.append((drawn, vml))
    return out


def nesting(p) -> int:
    """How many paragraphs hold this one (text boxes in text boxes)."""
    return sum(1 for a in p.iterancestors(w("p")))


def text_paragraphs(word_document) -> list:
    """(w:p, its part) to translate, in document order: the body's (tables included),
    then those of headers, footers, footnotes and endnotes; a text box's paragraphs
    come after the paragraph holding it. The VML copy of a drawn text box is left
    out (the writer copies the drawing's translation into it). Paragraphs inside
    another are numbered with SLOT (their index here)."""
    out = []
    for root, part in text_roots(word_document):
        copies = {box for _, vml in repeated_boxes(root) for box in vml}
        for p in root.iter(w("p")):
            if any(box in copies for box in p.iterancestors(w("txbxContent"))):
                continue
            if nesting(p):
                p.set(SLOT, str(len(out)))
            out.append((p, part))
    return out


# Run properties that do not show: runs differing only in these are one span.
INVISIBLE_PROPERTIES = {w("lang"), w("noProof")}
SOURCE_LANGUAGE = "fr"      # proofing language of the French runs...
TARGET_LANGUAGE = "en-US"   # ...and of their translation


def _run_key(run) -> tuple[bytes, object]:
    properties = run.find(w("rPr"))
    if properties is None:
        return b"", None
    visible = [etree.tostring(child) for child in properties if child.tag not in INVISIBLE_PROPERTIES]
    return b"".join(visible), properties


class DocxFormat(Format):
    name = "docx"
    suffixes = (".docx",)
    output_suffix = ".en.docx"

    def parse(self, data: bytes, name: str) -> Document:
        word_document = open_docx(data, name)
        document = Document(name=name, encoding="docx")
        layout = DocxLayout(data=data)
        for index, (element, part) in enumerate(text_paragraphs(word_document)):
            paragraph, base = _read_paragraph(element, part)
            if paragraph is None:
                continue
            layout.slots[index] = len(document.paragraphs)
            layout.base[len(document.paragraphs)] = base
            document.paragraphs.append(paragraph)
        document.layout = layout
        return document

    def write(self, document: Document) -> bytes:
        layout: DocxLayout = document.layout
        word_document = open_docx(layout.data, document.name)
        translated = False
        rewritten: set[int] = set()
        touched: set[str] = set()  # the parts changed: only those are written anew

        def rewrite(element, index: int, part) -> None:
            nonlocal translated
            if index not in layout.slots:
                return
            number = layout.slots[index]
            paragraph = document.paragraphs[number]
            if all(pair.target == pair.source for pair in paragraph.sentences):
                return  # English as the French (a name, a number): Word's own runs stay as they were
            _write_paragraph(element, paragraph, layout.base[number])
            rewritten.add(index)
            touched.add(str(part.partname))
            _english_proofing(element, paragraph_only=True)  # (translated: it differs from the French)
            translated = True

        entries = text_paragraphs(word_document)
        deepest = max((nesting(p) for p, _ in entries), default=0)
        for index, (element, part) in enumerate(entries):
            if element.get(SLOT) is None:
                rewrite(element, index, part)
        # Text boxes: the outer paragraphs' rebuilds hold copies of the parse-time
        # (French) drawings, found again by their SLOT numbers, outermost first.
        roots = text_roots(word_document)
        for depth in range(1, deepest + 1):
            for root, part in roots:
                for element in [p for p in root.iter(w("p")) if p.get(SLOT) is not None and nesting(p) == depth]:
                    rewrite(element, int(element.get(SLOT)), part)
        for root, _ in roots:
            # innermost first, so that a copied text box holds its inner copies already
            for drawn, vml in reversed(repeated_boxes(root)):
                if any(int(p.get(SLOT, -1)) in rewritten for box in drawn for p in box.iter(w("p"))):
                    for source, copy in zip(drawn, vml):
                        for child in list(copy):
                            copy.remove(child)
                        copy.extend(deepcopy(child) for child in source)
            for p in root.iter(w("p")):
                p.attrib.pop(SLOT, None)
        if translated:  # the styles' default language too, for runs that declare none
            styles = word_document.styles.element
            _english_proofing(styles)
            touched.update(str(part.partname) for part in word_document.part.package.iter_parts()
                           if getattr(part, "element", None) is styles)
        return _repackaged(layout.data, {part.partname.lstrip("/"): part.blob
                                         for part in word_document.part.package.iter_parts()
                                         if str(part.partname) in touched})


def _repackaged(data: bytes, changed: dict[str, bytes]) -> bytes:
    """The original package with the `changed` parts' new bytes: every other member
    (content types, relationships, images, parts python-docx does not know) is copied
    as it was, in its order and compression, so the file stays Word's own."""
    if not changed:
        return data  # nothing translated: the file itself, byte for byte
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            content = changed.get(info.filename)
            target.writestr(info, source.read(info) if content is None else content)
    return out.getvalue()


def _english_proofing(element, paragraph_only: bool = False) -> None:
    """French proofing languages (`w:lang w:val="fr-FR"`) become English, so Word
    does not spell-check the translation as French. (East Asian and complex-script
    languages, `w:eastAsia`/`w:bidi`, are left as they are.) With `paragraph_only`,
    the paragraph's text boxes are left to their own paragraphs."""
    for lang in element.iter(w("lang")):
        if paragraph_only and next(lang.iterancestors(w("p")), None) is not element:
            continue
        value = lang.get(w("val"))
        if value and value.lower().split("-")[0] == SOURCE_LANGUAGE:
            lang.set(w("val"), TARGET_LANGUAGE)


def _pieces(element, in_field: list[int]):
    """(kind, payload, run) for the paragraph's content in order: ("text", str, run),
    ("point", element, None), ("open"/"close", hyperlink, None)."""
    for child in element:
        tag = child.tag
        if tag == w("pPr"):
            continue
        if tag in CONTAINERS:
            inner = child.find(w("sdtContent")) if tag == w("sdt") else child
            texts = [t.text for t in inner.iter(w("t")) if t.text] if inner is not None else []
            if tag == w("sdt"):  # a check box's mark, a number: copied as it is
                texts = [text for text in texts if any(c.isalpha() for c in text)]
            if not texts or in_field[0] or wholly_protected("".join(texts)):
                # (a hyperlink whose text is its URL is copied whole, link and all)
                yield "point", child, None
                continue
            yield "open", child, None
            yield from _pieces(inner, in_field)
            yield "close", child, None
            continue
        if tag != w("r"):
            yield "point", child, None
            continue
        kinds = {c.tag for c in child}
        if w("fldChar") in kinds:
            for mark in child.iter(w("fldChar")):
                kind = mark.get(w("fldCharType"))
                in_field[0] += 1 if kind == "begin" else -1 if kind == "end" else 0
                in_field[0] = max(in_field[0], 0)
            yield "point", child, None
            continue
        if in_field[0] or not kinds <= TEXT_CHILDREN | BREAK_CHILDREN:
            yield "point", child, None
            continue
        for sub in child:
            if sub.tag == w("t"):
                if sub.text:
                    yield "text", sub.text, child
            elif sub.tag in BREAK_CHILDREN:
                alone = deepcopy(child)
                for other in list(alone):
                    if other.tag != w("rPr"):
                        alone.remove(other)
                alone.append(deepcopy(sub))
                yield "break", alone, child


def _protected_across_runs(pieces: list) -> list:
    """Protected syntax whose characters Word split over several runs (it does after
    edits: `{{ ` in one run, `nom }}` in the next) as one ("protected", text, run) piece,
    in the first run's formatting; what is in one run is found when it is read."""
    def in_group(piece) -> bool:  # text, and the spelling marks Word puts between its runs
        return piece[0] == "text" or (piece[0] == "point" and piece[1].tag == PROOF_ERROR)

    out: list = []
    n = 0
    while n < len(pieces):
        if not in_group(pieces[n]):
            out.append(pieces[n])
            n += 1
            continue
        end = n
        while end < len(pieces) and in_group(pieces[end]):
            end += 1
        everything = pieces[n:end]
        group = [piece for piece in everything if piece[0] == "text"]
        n = end
        joined = "".join(text for _, text, _ in group)
        starts, position = [], 0
        for _, text, _ in group:
            starts.append(position)
            position += len(text)
        crossing = [(a, b) for a, b in protected_syntax(joined)
                    if bisect_right(starts, a) != bisect_right(starts, b - 1)]
        if not crossing:
            out.extend(everything)
            continue
        # (spelling marks inside the group go: Word puts them back when it checks again)
        cursor = 0
        for a, b in crossing:
            out.extend(_text_pieces(group, starts, cursor, a))
            out.append(("protected", joined[a:b], group[bisect_right(starts, a) - 1][2]))
            cursor = b
        out.extend(_text_pieces(group, starts, cursor, len(joined)))
    return out


def _text_pieces(group: list, starts: list[int], a: int, b: int) -> list:
    """The characters a:b of a group of text pieces, each in its own run."""
    out = []
    for (kind, text, run), start in zip(group, starts):
        lo, hi = max(a, start), min(b, start + len(text))
        if lo < hi:
            out.append((kind, text[lo - start:hi - start], run))
    return out


def _read_paragraph(element, part) -> tuple[Paragraph | None, object]:
    pieces = _protected_across_runs(list(_pieces(element, [0])))
    weight: dict[bytes, int] = {}
    properties: dict[bytes, object] = {}
    for kind, payload, run in pieces:
        if kind == "text":
            key, rpr = _run_key(run)
            weight[key] = weight.get(key, 0) + len(payload)
            properties[key] = rpr
    if not weight:
        return None, None
    base_key = max(weight, key=lambda k: weight[k])
    builder = ParagraphBuilder(plain_escape, role=_paragraph_role(element))
    _RunReader(builder, base_key, part).read(pieces)
    if not builder.has_letters():
        return None, None
    return builder.paragraph(), properties[base_key]


def _paragraph_role(element) -> str:
    """A paragraph's role: "textbox" in a text box, "td" in a table, else its style's
    name ("p" without one)."""
    style = element.find(f"{w('pPr')}/{w('pStyle')}")
    in_box = any(True for _ in element.iterancestors(w("txbxContent")))
    in_table = any(a.tag == w("tc") for a in element.iterancestors())
    return "textbox" if in_box else "td" if in_table else (style.get(w("val")) if style is not None else "p")


class _RunReader:
    """Reads a paragraph's pieces (see _pieces) into its builder: text in the base
    formatting (`base_key`) as it is, text formatted otherwise in a "run" span, and
    containers (hyperlinks, content controls...) as spans around their pieces."""

    def __init__(self, builder: ParagraphBuilder, base_key: bytes, part) -> None:
        self.builder = builder
        self.base_key = base_key
        self.part = part
        # The open span of non-base formatting, with its key, and what came after its last
        # text: its trailing spaces, breaks, marks. They join the span only if its text
        # goes on after them; else they are written outside it, in the base formatting (a
        # break keeps its own run's). So a span ends where its words end, and a space after
        # a sentence (in the gap before the next one) never makes the span run past the
        # sentence's end, where the English, its words moved, would be formatted whole.
        self.formatted = None
        self.pending: list = []
        self.links: list = []

    def read(self, pieces: list) -> None:
        """All the paragraph's pieces, in order; a span still open ends with them."""
        for kind, payload, run in pieces:
            if kind in ("text", "protected"):
                self.words(kind, payload, run)
            elif kind in ("break", "point"):
                self.mark(kind, payload, run)
            else:
                self.close_formatted()  # a container's edge
                self.container_edge(kind, payload)
        self.close_formatted()

    def close_formatted(self) -> None:
        """Ends the open formatted span, if any; what was pending after its text is
        written after it."""
        if self.formatted is not None:
            self.builder.close(self.formatted[0], None)
            self.formatted = None
        self.flush_pending()

    def flush_pending(self) -> None:
        """Writes what was pending, where the builder now stands."""
        for piece in self.pending:
            self.emit(*piece)
        self.pending.clear()

    def emit(self, kind, payload, run) -> None:
        """One piece, written to the builder where it now stands."""
        builder = self.builder
        if kind == "text":
            builder.text(payload)
        elif kind == "protected":
            builder.protected(payload)
        elif kind == "break":
            inner = etree.QName(payload[-1]).localname
            builder.point("br" if inner in ("br", "cr") else "break", payload)
            if inner == "noBreakHyphen":
                builder.silent("-")
            elif inner in ("tab", "br", "cr") and builder.chars and builder.chars[-1] != " ":
                builder.silent(" ")  # words on both sides stay apart for the model
        else:  # a placeholder: a hyperlink or other container read whole (no words, or
            # only its URL) is copied whole; the writer drops only the spans a translation left empty.
            name = etree.QName(payload).localname
            builder.point("kept" if payload.tag in CONTAINERS and name != "sdt" else name, payload)

    def words(self, kind, payload, run) -> None:
        """Text or protected syntax in its run's formatting: in the base formatting as
        it is; formatted otherwise, its words in a span, which the spaces around them
        do not join until more of its text follows."""
        key, rpr = _run_key(run)
        body = payload.strip() if kind == "text" else payload
        if self.formatted is not None and self.formatted[1] == key and not body:
            self.pending.append((kind, payload, run))  # spaces only: whether the span goes on is not known yet
            return
        if self.formatted is not None and self.formatted[1] == key:
            self.flush_pending()  # the span's text goes on: what was between is inside it
        else:
            self.close_formatted()
        if key == self.base_key or not body:
            self.emit(kind, payload, run)
            return
        lead = payload[:len(payload) - len(payload.lstrip())] if kind == "text" else ""
        trail = payload[len(lead) + len(body):] if kind == "text" else ""
        if self.formatted is None:
            if lead:
                self.emit("text", lead, run)
            self.formatted = (self.builder.open("run", rpr), key)
        elif lead:
            self.emit("text", lead, run)
        self.emit(kind, body, run)
        if trail:
            self.pending.append(("text", trail, run))

    def mark(self, kind, payload, run) -> None:
        """A break or a placeholder: pending while a formatted span is open (it is inside
        the span only if the span's text goes on after it)."""
        if self.formatted is not None:
            self.pending.append((kind, payload, run))
        else:
            self.emit(kind, payload, run)

    def container_edge(self, kind, payload) -> None:
        """A container's start ("open": a span around its pieces, holding an emptied copy
        of it and its link's URL) or end."""
        if kind == "open":
            shell = deepcopy(payload)
            emptied = shell.find(w("sdtContent")) if shell.tag == w("sdt") else shell
            for child in list(emptied):  # a content control keeps its properties
                emptied.remove(child)
            relation = payload.get(f"{{{R}}}id")
            url = self.part.rels[relation].target_ref if relation and relation in self.part.rels else ""
            self.links.append(self.builder.open(etree.QName(payload).localname, shell, url=url))
        else:
            self.builder.close(self.links.pop(), None)


def _write_paragraph(element, paragraph: Paragraph, base) -> None:
    tokens = render_paragraph(paragraph, plain_escape)
    for child in list(element):
        if child.tag != w("pPr"):
            element.remove(child)
    containers = [element]
    formats = [base]
    emptied = None  # the last formatted run left with no text: it may hold collapsed spaces
    for what, value in tokens:
        if what == TEXT:
            _add_text(containers[-1], formats[-1], value)
            emptied = None
        elif what == POINT:
            if value.kind == "sdt":  # a content control left with no words keeps its properties
                containers[-1].append(deepcopy(value.open))
                continue
            if value.kind == "run":
                emptied = value
                continue
            if value.kind in CONTAINER_KINDS:
                continue  # a span left with no text
            if isinstance(value.open, str):  # collapsed spaces, in the formatting they had
                inside = emptied is not None and emptied.order < value.order < emptied.close_order
                _add_text(containers[-1], emptied.open if inside else formats[-1], value.open)
                continue
            containers[-1].append(deepcopy(value.open))
        elif what == OPEN:
            if value.kind in CONTAINER_KINDS:
                shell = deepcopy(value.open)
                containers[-1].append(shell)
                containers.append(shell.find(w("sdtContent")) if value.kind == "sdt" else shell)
            else:
                formats.append(value.open)
        elif what == CLOSE:
            if value.kind in CONTAINER_KINDS:
                if len(containers) > 1:
                    containers.pop()
            elif len(formats) > 1:
                formats.pop()


def _add_text(container, properties, value: str) -> None:
    if not value:
        return
    run = etree.SubElement(container, w("r"))
    if properties is not None:
        run.append(deepcopy(properties))
    text = etree.SubElement(run, w("t"))
    text.text = value
    if value != value.strip():
        text.set(XML_SPACE, "preserve")
