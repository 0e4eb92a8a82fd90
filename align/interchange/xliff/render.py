"""XLIFF export: a folder's articles as XLIFF 1.2 or 2.0 (`export_folder`, `render_xliff`).

Written with translate-toolkit's XLIFF classes (`translate.storage.xliff`,
`translate.storage.xliff2`), then fixed with lxml where its output does not follow
the OASIS schemas: it writes XLIFF 1.1's namespace by default (so 1.2 starts from a
skeleton), and in 2.0 puts `<notes>` inside `<segment>` with `xml:space` (2.0 wants
`<notes>` first in `<unit>`, and no xml:space on a segment). Markup goes out as
inline codes on both sides (1.2: `xliff_inline`; 2.0: `inline_20`).
"""
from __future__ import annotations

import re
from pathlib import Path

from lxml import etree

from ...document import METADATA, STATUS_APPROVED, Document, SentencePair
from ...errors import InputError
from ...markup.codes import inline_codes, xliff_inline
from ...markup.placement import target_inlines
from ...output.files import atomic_write
from ...review.folder import ReviewFolder
from .common import ALIGN_NOTE, COMMENT_FROM, SOURCE_LANG, TARGET_LANG, VERSIONS, XLIFF12, XLIFF20, unit_ids
from .states import STATE_12, STATE_20, review_state

# translate-toolkit starts a file in XLIFF 1.1's namespace: 1.2 starts from this skeleton instead
_SKELETON_12 = (f'<?xml version="1.0" encoding="UTF-8"?>\n<xliff version="1.2" xmlns="{XLIFF12}">'
                f'<file original="-" source-language="{SOURCE_LANG}" target-language="{TARGET_LANG}" '
                f'datatype="plaintext"><body/></file></xliff>').encode("utf-8")
# 1.2 datatype of each article format (the standard's values, `x-` for the others)
DATATYPES = {"txt": "plaintext", "md": "x-markdown", "html": "html", "docx": "x-docx"}
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_text(text: str) -> str:
    """The text with the characters XML 1.0 cannot hold as spaces."""
    return _NOT_XML.sub(" ", text)


def _add_unit(store, pair: SentencePair, unit_id: str):
    """A translate-toolkit unit for `pair` (either XLIFF version), added to `store`."""
    unit = store.UnitClass(_xml_text(pair.source))
    unit.setid(unit_id)
    unit.target = _xml_text(pair.target)
    store.addunit(unit)
    return unit


def _set_inline_content(element, content: str, namespace: str = XLIFF12) -> None:
    """Replace `element`'s text with mixed content: text and inline codes (1.2:
    <g>, <x/>, <bx/>, <ex/>; 2.0: <pc>, <ph/>, <sc/>, <ec/>)."""
    wrapper = etree.fromstring(f'<wrap xmlns="{namespace}">{content}</wrap>')
    for child in list(element):
        element.remove(child)
    element.text = wrapper.text
    element.extend(list(wrapper))
    for node in element.iter():
        if node.text is None and len(node):
            # an empty text node makes it mixed content, which pretty printing leaves
            # alone: indentation inside a unit marked xml:space="preserve" would be text
            node.text = ""


def _align_note(pair: SentencePair) -> str:
    parts = []
    if pair.flags:
        parts.append("flags: " + "; ".join(str(f) for f in pair.flags))
    if pair.score is not None:
        parts.append(f"score: {pair.score:.4f}")
    if pair.suggestion:
        parts.append(f"earlier correction: {pair.suggestion}")
    return _xml_text(" | ".join(parts))


def render_xliff(documents: list[Document], version: str = "1.2") -> bytes:
    """One XLIFF file (bytes, UTF-8) with a <file> per Document."""
    if version == "1.2":
        return _render_12(documents)
    if version == "2.0":
        return _render_20(documents)
    raise ValueError(f"XLIFF version {version!r}: one of {', '.join(VERSIONS)}")


def _render_12(documents: list[Document]) -> bytes:
    from translate.storage.xliff import xlifffile

    store = xlifffile.parsestring(_SKELETON_12)
    first = True
    for document in documents:
        if first:  # the skeleton's <file>
            store.setfilename(store.body.getparent(), document.name)
            store._filename = document.name
            first = False
        else:
            store.switchfile(document.name, createifmissing=True)
        store.body.getparent().set("datatype", DATATYPES.get(document.format, f"x-{document.format}"))
        ids = unit_ids(document)
        for pair in document.pairs():
            unit = _add_unit(store, pair, ids[id(pair)])
            element = unit.xmlelement
            element.set("resname", pair.id)  # the place, for a reader: p3s2
            element.attrib.pop("approved", None)
            target = element.find(f"{{{XLIFF12}}}target")
            for name in ("state", "state-qualifier"):
                target.attrib.pop(name, None)
            if pair.origin == METADATA:
                element.set("translate", "no")
                continue
            if pair.inlines:  # Markdown, HTML, Word: the markup as inline codes on both sides
                source = element.find(f"{{{XLIFF12}}}source")
                _set_inline_content(source, xliff_inline(_xml_text(pair.source), pair.inlines))
                _set_inline_content(target, xliff_inline(_xml_text(pair.target), target_inlines(pair)))
            state, qualifier = STATE_12[review_state(pair)]
            target.set("state", state)
            if qualifier:
                target.set("state-qualifier", qualifier)
            if pair.review_status == STATUS_APPROVED:
                element.set("approved", "yes")
            if pair.comment:
                unit.addnote(_xml_text(pair.comment), origin=COMMENT_FROM)
            if _align_note(pair):
                unit.addnote(_align_note(pair), origin=ALIGN_NOTE)
    root = store.document.getroot()
    etree.cleanup_namespaces(root)  # units made in 1.1's namespace leave unused declarations
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _render_20(documents: list[Document]) -> bytes:
    from translate.storage.xliff2 import Xliff2File

    store = Xliff2File(sourcelanguage=SOURCE_LANG, targetlanguage=TARGET_LANG)
    root = store.document.getroot()
    for old in root.findall(f"{{{XLIFF20}}}file"):
        root.remove(old)
    for number, document in enumerate(documents, 1):
        # file ids are NMTOKENs: article names may not be, so they go in `original`
        filenode = store.createfilenode(f"f{number}")
        filenode.set("original", document.name)
        filenode.set("canResegment", "no")  # a unit is align's sentence: joined back if split anyway
        root.append(filenode)
        store.body = filenode
        ids = unit_ids(document)
        for pair in document.pairs():
            unit = _add_unit(store, pair, ids[id(pair)])
            segment = unit.xmlelement
            unit_element = segment.getparent()
            unit_element.set("name", pair.id)  # the place, for a reader: p3s2
            # The English as it is, spaces included (xml:space may not go on a segment).
            unit_element.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
            segment.attrib.pop("{http://www.w3.org/XML/1998/namespace}space", None)
            if pair.origin == METADATA:
                unit_element.set("translate", "no")
                continue
            if pair.inlines:  # the markup as inline codes on both sides, as in 1.2
                _set_inline_content(segment.find(f"{{{XLIFF20}}}source"),
                                    inline_20(_xml_text(pair.source), pair.inlines), XLIFF20)
                _set_inline_content(segment.find(f"{{{XLIFF20}}}target"),
                                    inline_20(_xml_text(pair.target), target_inlines(pair)), XLIFF20)
            state, sub_state = STATE_20[review_state(pair)]
            segment.set("state", state)
            if sub_state:
                segment.set("subState", sub_state)
            notes = [(COMMENT_FROM, _xml_text(pair.comment)), (ALIGN_NOTE, _align_note(pair))]
            notes = [(category, text) for category, text in notes if text]
            if notes:
                container = etree.Element(f"{{{XLIFF20}}}notes")
                for category, text in notes:
                    note = etree.SubElement(container, f"{{{XLIFF20}}}note", category=category)
                    note.text = text
                unit_element.insert(0, container)  # 2.0: notes come before the segments
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


# XLIFF 2.0 type and subType of the kinds of markup (2.0 core, 4.3.1.35 and 4.3.1.36:
# the xlf: subTypes b, i, u and lb go with type "fmt"); others: "fmt" for formatting,
# "other" for the rest.
_TYPES_20 = {"b": ("fmt", "xlf:b"), "strong": ("fmt", "xlf:b"), "em": ("fmt", "xlf:i"), "i": ("fmt", "xlf:i"),
             "u": ("fmt", "xlf:u"), "br": ("fmt", "xlf:lb"), "a": ("link", None), "hyperlink": ("link", None),
             "img": ("image", None), "image": ("image", None)}


def inline_20(text: str, inlines: list) -> str:
    """XLIFF 2.0 content for a sentence with its markup, as `xliff_inline` for 1.2:
    spans as <pc>, placeholders as <ph/>, a span opening or closing in another
    sentence (another unit) as an isolated <sc/> or <ec/>. Ids are the Inline ids,
    the same in source and target."""
    from ...markup.spans import FORMATTING_KINDS

    def tag(inline, what: str) -> str:
        kind, sub_type = _TYPES_20.get(inline.kind, ("fmt" if inline.kind in FORMATTING_KINDS else "other", None))
        typed = f' type="{kind}"' + (f' subType="{sub_type}"' if sub_type else "")
        return {"x": f'<ph id="{inline.id}"{typed}/>', "g": f'<pc id="{inline.id}"{typed}>', "/g": "</pc>",
                "bx": f'<sc id="{inline.id}" isolated="yes"{typed}/>',
                "ex": f'<ec id="{inline.id}" isolated="yes"{typed}/>'}[what]

    return inline_codes(text, inlines, tag)


def export_folder(out_dir: str | Path, output: str | Path | None = None, version: str = "1.2",
                  on_warning=None) -> list[Path]:
    """Write the folder's articles as XLIFF: one file for all when `output` ends
    in .xlf/.xliff, else one file per article in the folder `output` (default
    OUT_DIR/xliff/). Returns the paths written. `on_warning` hears about files in
    the folder that align did not write (left out)."""
    folder = ReviewFolder(out_dir, on_warning=on_warning)
    names = folder.articles()
    if not names:
        raise InputError(f"{folder.out_dir}: no articles here (no NAME.tsv from align translate)")
    output = Path(output) if output is not None else folder.out_dir / "xliff"
    if output.suffix.lower() in (".xlf", ".xliff"):
        documents = [folder.load(name) for name in names]
        output.parent.mkdir(parents=True, exist_ok=True)
        return [atomic_write(output, render_xliff(documents, version))]
    output.mkdir(parents=True, exist_ok=True)
    return [atomic_write(output / f"{name}.xlf", render_xliff([folder.load(name)], version)) for name in names]
