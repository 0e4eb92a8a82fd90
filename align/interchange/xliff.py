"""XLIFF 1.2 and 2.0 both ways, for reviewers who work in a CAT tool.

Written and read with translate-toolkit's XLIFF classes (`translate.storage.xliff`,
`translate.storage.xliff2`), as the TBX glossary and TMX exports are. Where its
output does not follow the OASIS schemas, the elements are fixed with lxml
before writing: the toolkit writes XLIFF 1.1's namespace by default (so we
start from a 1.2 skeleton), and in 2.0 puts `<notes>` inside `<segment>` with
`xml:space` (2.0 wants `<notes>` first in `<unit>`, and no xml:space on a
segment). Every export is validated against the schemas in the tests.

One `<file>` per article (`original` = the article name; 1.2 `datatype` from the
article's format), one unit per sentence, French source, English target, the
review status as the unit's state, the reviewer's comment as a note, and align's
flags and score as a note of their own (ignored on import). Metadata paragraphs
are units with translate="no". A unit's id names its French, not its place:
`s` + 16 hex digits of the normalised French's sha256 + `-` + its occurrence in
the article (`unit_ids`), so ids stay the same when paragraphs are added or the
article is translated again; the place (`p3s2`) is the 1.2 `resname` / 2.0 `name`.
2.0 files say `canResegment="no"`.

States, both ways (`STATES`; docs/review.md prints the same table):

  align                          XLIFF 1.2                                   XLIFF 2.0
  machine output, not reviewed   needs-review-translation + mt-suggestion    initial, subState align:mt
  translated (by a reviewer)     translated                                  translated
  reviewed                       signed-off                                  reviewed
  approved                       final, approved="yes"                       final
  needs work                     needs-translation                           initial, subState align:needs-work

On import, 1.2 `approved="yes"` means approved whatever the state; `new` and a
state left out say nothing (the row keeps its status); the other `needs-*` states
mean needs work. 2.0 `initial` with another subState than align's means needs work.

Import (`import_xliff`) brings back what changed (target, state, comment),
through `ReviewFolder` (TSV, text, page, index, memory, all or nothing per
article). Units are found by their id's French and occurrence, wherever the
sentence now is; units of older exports (positional ids) by their place, or by
their French and its occurrence when the place moved. A unit whose French is no
longer in the article is skipped with a warning; import does not check row
versions (the file wins). 1.2 native codes (`<bpt>`, `<ept>`, `<ph>`, `<it>`) are
codes, never text; a 2.0 unit a tool split into several segments is joined back.

Inline codes: articles with markup (Markdown, HTML, Word) export it as inline
codes on both sides (1.2: <g>, <x/>, <bx/>, <ex/>; 2.0: <pc>, <ph/>, isolated
<sc/>/<ec/>; ids are the markup's). On import, where the translator put each
code in the target is read (`Code`) and turned into a word alignment
(`Edit.alignment`) from which the same-format writer puts the markup exactly there (see `_code_alignment`
for how the links are chosen for the placer of align.read.formats.inline). An import
where only codes moved is an edit of the alignment alone. Codes that do not fit
the sentence's markup (unknown ids, wrong kind, crossing spans, a <bx/> without
its <ex/>) are ignored with a warning, as are placements the writer cannot
reproduce (e.g. a span over the whole French sentence always covers the whole
English one).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import NamedTuple

from lxml import etree

from ..document import METADATA, ORIGIN_REVIEWED, STATUS_APPROVED, STATUS_NEEDS_WORK, STATUS_REVIEWED, \
    STATUS_TRANSLATED, Document, SentencePair
from ..errors import InputError
from ..markup.spans import SPACE_KINDS
from ..markup.codes import code_shape, inline_codes, xliff_inline
from ..markup.placement import place_pair, target_inlines
from ..output.writers import atomic_write
from ..review.folder import Edit, EditRejected, ReviewFolder, carry_alignment, clean_text, cleaned_with_positions

XLIFF12 = "urn:oasis:names:tc:xliff:document:1.2"
XLIFF20 = "urn:oasis:names:tc:xliff:document:2.0"
VERSIONS = ("1.2", "2.0")
SOURCE_LANG, TARGET_LANG = "fr", "en"
COMMENT_FROM = "reviewer"      # 1.2 <note from=...>, 2.0 <note category=...> of the reviewer's comment
ALIGN_NOTE = "align"           # flags and score: information, never imported
MACHINE = "machine"            # pseudo-status of unreviewed model output

_SKELETON_12 = (f'<?xml version="1.0" encoding="UTF-8"?>\n<xliff version="1.2" xmlns="{XLIFF12}">'
                f'<file original="-" source-language="{SOURCE_LANG}" target-language="{TARGET_LANG}" '
                f'datatype="plaintext"><body/></file></xliff>').encode("utf-8")
# align status → (1.2 state, state-qualifier), (2.0 state, subState); import reads it back.
STATES = {
    MACHINE: (("needs-review-translation", "mt-suggestion"), ("initial", "align:mt")),
    STATUS_TRANSLATED: (("translated", None), ("translated", None)),
    STATUS_REVIEWED: (("signed-off", None), ("reviewed", None)),
    STATUS_APPROVED: (("final", None), ("final", None)),
    STATUS_NEEDS_WORK: (("needs-translation", None), ("initial", "align:needs-work")),
}
_STATE_12 = {status: states[0] for status, states in STATES.items()}
_STATE_20 = {status: states[1] for status, states in STATES.items()}
KEEP = "keep"  # an import state that says nothing: the row keeps its status
# 1.2 datatype of each article format (the standard's values, `x-` for the others)
DATATYPES = {"txt": "plaintext", "md": "x-markdown", "html": "html", "docx": "x-docx"}
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_text(text: str) -> str:
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


def review_state(pair: SentencePair) -> str:
    """The pair's status, or MACHINE for model output nobody reviewed."""
    if pair.origin != ORIGIN_REVIEWED and pair.review_status == STATUS_TRANSLATED:
        return MACHINE
    return pair.review_status


def _status_12(state: str | None, qualifier: str | None, approved: str | None = None) -> str:
    """A 1.2 unit's state as an align status (MACHINE: untouched model output;
    KEEP: the state says nothing)."""
    if approved == "yes" or state == "final":
        return STATUS_APPROVED
    if state == "needs-review-translation" and qualifier in ("mt-suggestion", "leveraged-mt"):
        return MACHINE
    if state == "signed-off":
        return STATUS_REVIEWED
    if state == "translated":
        return STATUS_TRANSLATED
    if state in (None, "new"):
        return KEEP
    return STATUS_NEEDS_WORK   # needs-translation, needs-review-*, needs-*-l10n/adaptation


def _status_20(state: str | None, sub_state: str | None) -> str:
    if state == "final":
        return STATUS_APPROVED
    if state == "reviewed":
        return STATUS_REVIEWED
    if state == "translated":
        return STATUS_TRANSLATED
    if sub_state == "align:mt":
        return MACHINE
    return KEEP if sub_state is None else STATUS_NEEDS_WORK


def unit_ids(document: Document) -> dict[int, str]:
    """The XLIFF unit id of each of the document's pairs (by `id(pair)`): its
    French and which occurrence of that French it is, never its place."""
    from ..output.memory import occurrences, review_key

    pairs = list(document.pairs())
    return {id(pair): f"s{review_key(pair.source)[:16]}-{count}" for pair, count in zip(pairs, occurrences(pairs))}


def _align_note(pair: SentencePair) -> str:
    parts = []
    if pair.flags:
        parts.append("flags: " + "; ".join(str(f) for f in pair.flags))
    if pair.score is not None:
        parts.append(f"score: {pair.score:.4f}")
    if pair.suggestion:
        parts.append(f"earlier correction: {pair.suggestion}")
    return _xml_text(" | ".join(parts))


# ------------------------------------------------------------------ export
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
            state, qualifier = _STATE_12[review_state(pair)]
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
            state, sub_state = _STATE_20[review_state(pair)]
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
    from ..markup.spans import FORMATTING_KINDS

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


# ------------------------------------------------------------------ import
class Code(NamedTuple):
    """Where an inline code sits in a target's plain text: a <g> span (start, end),
    or the position (start == end) of an <x/>, <bx/> or <ex/>. A <bx/> and an
    <ex/> of one id in one target read as the <g> they stand for."""
    tag: str
    start: int
    end: int


@dataclass
class ImportedUnit:
    article: str
    id: str
    source: str
    target: str | None
    status: str          # an align status, MACHINE, or KEEP
    comment: str
    translate: bool = True
    name: str = ""       # the place the export gave it (1.2 resname, 2.0 name): p3s2
    # The target's inline codes by id, as 1.2's (offsets into `target`), and what
    # was wrong with the others (duplicate ids), by id, for the import's warnings.
    codes: dict[str, Code] = field(default_factory=dict)
    code_problems: dict[str, str] = field(default_factory=dict)


@dataclass
class ImportReport:
    changed: list[str] = field(default_factory=list)   # "article id"
    unchanged: int = 0
    warnings: list[str] = field(default_factory=list)


_PARSER = dict(resolve_entities=False, no_network=True)


def read_xliff(path: str | Path) -> list[ImportedUnit]:
    """The units of an XLIFF 1.2 or 2.0 file (the version from its root)."""
    path = Path(path)
    try:
        root = etree.fromstring(path.read_bytes(), parser=etree.XMLParser(**_PARSER))
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from None
    except etree.XMLSyntaxError as exc:
        raise InputError(f"{path}: not an XML file ({exc})") from None
    if root.tag == f"{{{XLIFF12}}}xliff":
        return _read_12(root)
    if root.tag == f"{{{XLIFF20}}}xliff":
        return _read_20(root)
    raise InputError(f"{path}: not XLIFF 1.2 or 2.0 (root element {root.tag})")


def _notes(pairs: list[tuple[str | None, str]]) -> str:
    return "\n".join(text for who, text in pairs if who != ALIGN_NOTE and text).strip()


def _read_12(root) -> list[ImportedUnit]:
    units = []
    for filenode in root.iter(f"{{{XLIFF12}}}file"):
        for element in filenode.iter(f"{{{XLIFF12}}}trans-unit"):
            source = element.find(f"{{{XLIFF12}}}source")
            target = element.find(f"{{{XLIFF12}}}target")
            notes = [(n.get("from"), n.text or "") for n in element.findall(f"{{{XLIFF12}}}note")]
            text, codes, problems = (None, {}, {}) if target is None else _content(target)
            units.append(ImportedUnit(
                article=filenode.get("original") or "", id=element.get("id") or "", name=element.get("resname") or "",
                source="" if source is None else _content(source)[0], target=text,
                status=_status_12(None if target is None else target.get("state"),
                                  None if target is None else target.get("state-qualifier"), element.get("approved")),
                comment=_notes(notes), translate=element.get("translate", "yes") != "no",
                codes=codes, code_problems=problems))
    return units


_OPEN, _CLOSE, _POINT = "open", "close", "point"
_XPATH_SPACE = " \t\r\n"   # what XPath's normalize-space() collapses


# The inline codes of each version, as the 1.2 codes they stand for. 1.2's native
# codes (<bpt>, <ept>, <ph>, <it>) hold the original markup as their content: that
# is never text of the sentence.
_CODES_12 = {"g": "g", "x": "x", "bx": "bx", "ex": "ex", "bpt": "bx", "ept": "ex", "ph": "x", "it": "it"}
_NATIVE_12 = frozenset({"bpt", "ept", "ph", "it"})
_CODES_20 = {"pc": "g", "ph": "x", "sc": "bx", "ec": "ex"}


def _content(element, namespace: str = XLIFF12) -> tuple[str, dict[str, Code], dict[str, str]]:
    """A <source>'s or <target>'s plain text and its inline codes (as 1.2's, see `Code`).

    The text is the XPath string value (the text of every element, <mrk> included,
    space-normalised unless xml:space="preserve") less the content of 1.2's native
    codes, so the codes' offsets are into the text the import saves."""
    return _codes_of(_spaced(_atoms(element, namespace), element))


def _spaced(atoms: list, element) -> list:
    from translate.misc.xml_helpers import getXMLspaceInherited

    return atoms if getXMLspaceInherited(element, "default") == "preserve" else _normalize_space(atoms, _XPATH_SPACE)


def _atoms(element, namespace: str) -> list:
    """The element's characters, and (tag, id, _OPEN/_CLOSE/_POINT) code markers between them."""
    atoms: list = []

    def text(value: str | None) -> None:
        if value:
            atoms.extend(value)

    def visit(node) -> None:
        if not isinstance(node.tag, str):   # comment, processing instruction: no text
            text(node.tail)
            return
        name = etree.QName(node)
        local = name.localname if name.namespace == namespace else None
        tag = (_CODES_12 if namespace == XLIFF12 else _CODES_20).get(local)
        if tag == "it":  # an isolated native code: the start or the end of a span
            tag = "bx" if node.get("pos") == "open" else "ex"
        # 1.2: <bpt>/<ept> pair by rid (else id); 2.0: an <ec/> names its <sc/> by startRef
        code_id = (node.get("rid") or node.get("id")) if local in ("bpt", "ept") else \
            node.get("id") or (node.get("startRef") if tag == "ex" else None)
        if tag == "g" and code_id is not None:
            atoms.append(("g", code_id, _OPEN))
        elif tag in ("x", "bx", "ex") and code_id is not None:
            atoms.append((tag, code_id, _POINT))
        if namespace == XLIFF20 and local == "cp":  # a character XML cannot hold, by its code point
            try:
                atoms.append(chr(int(node.get("hex", ""), 16)))
            except (ValueError, OverflowError):
                pass
        elif not (namespace == XLIFF12 and local in _NATIVE_12):
            text(node.text)
            for child in node:
                visit(child)
        if tag == "g" and code_id is not None:
            atoms.append(("g", code_id, _CLOSE))
        text(node.tail)

    text(element.text)
    for child in element:
        visit(child)
    return atoms


def _normalize_space(atoms: list, spaces: str) -> list:
    """XPath normalize-space() over characters, markers kept in place: a run of
    `spaces` becomes one space where it began, none at either end."""
    out: list = []
    space_at = None
    seen_text = False
    for atom in atoms:
        if isinstance(atom, tuple):
            out.append(atom)
        elif atom in spaces:
            if seen_text and space_at is None:
                space_at = len(out)
        else:
            if space_at is not None:
                out.insert(space_at, " ")
                space_at = None
            out.append(atom)
            seen_text = True
    return out


def _codes_of(atoms: list) -> tuple[str, dict[str, Code], dict[str, str]]:
    chars: list[str] = []
    starts: dict[str, int] = {}
    points: dict[str, list[tuple[str, int]]] = {}
    spans: dict[str, list[tuple[int, int]]] = {}
    for atom in atoms:
        if not isinstance(atom, tuple):
            chars.append(atom)
            continue
        tag, code_id, what = atom
        if what == _OPEN:
            starts[code_id] = len(chars)   # XML nests <g>: an inner one of the same id closes first
            spans.setdefault(code_id, [])
        elif what == _CLOSE:
            spans[code_id].append((starts.pop(code_id, len(chars)), len(chars)))
        else:
            points.setdefault(code_id, []).append((tag, len(chars)))
    codes: dict[str, Code] = {}
    problems: dict[str, str] = {}
    for code_id in dict.fromkeys([*spans, *points]):
        found = [Code("g", a, b) for a, b in spans.get(code_id, [])]
        marks = points.get(code_id, [])
        tags = [tag for tag, _ in marks]
        if tags == ["bx", "ex"] and marks[0][1] <= marks[1][1]:
            found.append(Code("g", marks[0][1], marks[1][1]))   # a span written as its two ends
        else:
            found.extend(Code(tag, at, at) for tag, at in marks)
        if len(found) == 1:
            codes[code_id] = found[0]
        else:
            problems[code_id] = f"inline code id {code_id!r} appears {len(found)} times in the target; ignored"
    return "".join(chars), codes, problems


_ORDER_20 = ("initial", "translated", "reviewed", "final")


def _read_20(root) -> list[ImportedUnit]:
    units = []
    for filenode in root.iter(f"{{{XLIFF20}}}file"):
        for element in filenode.iter(f"{{{XLIFF20}}}unit"):
            # A unit a tool split into segments (canResegment aside) is joined back: its
            # segments' and ignorables' contents in order, then spaces normalised once.
            parts = [child for child in element
                     if child.tag in (f"{{{XLIFF20}}}segment", f"{{{XLIFF20}}}ignorable")]
            source_atoms: list = []
            target_atoms: list | None = []
            for part in parts:
                source = part.find(f"{{{XLIFF20}}}source")
                target = part.find(f"{{{XLIFF20}}}target")
                atoms = [] if source is None else _atoms(source, XLIFF20)
                source_atoms.extend(atoms)
                if target is not None and target_atoms is not None:
                    target_atoms.extend(_atoms(target, XLIFF20))
                elif part.tag == f"{{{XLIFF20}}}ignorable" and target_atoms is not None:
                    target_atoms.extend(atoms)   # an ignorable without target: its source stands
                else:
                    target_atoms = None          # a segment left untranslated
            segments = [part for part in parts if part.tag == f"{{{XLIFF20}}}segment"]
            # The least advanced state of its segments is the unit's.
            states = sorted(((seg.get("state") or "initial", seg.get("subState")) for seg in segments),
                            key=lambda state: _ORDER_20.index(state[0]) if state[0] in _ORDER_20 else 0)
            state, sub_state = states[0] if states else ("initial", None)
            text, codes, problems = (None, {}, {}) if target_atoms is None or not segments else \
                _codes_of(_spaced(target_atoms, segments[0]))
            notes = [(n.get("category"), n.text or "") for n in element.iter(f"{{{XLIFF20}}}note")]
            units.append(ImportedUnit(
                article=filenode.get("original") or filenode.get("id") or "", id=element.get("id") or "",
                name=element.get("name") or "",
                source=_codes_of(_spaced(source_atoms, segments[0] if segments else element))[0],
                target=text, status=_status_20(state, sub_state), comment=_notes(notes),
                translate=element.get("translate", filenode.get("translate", "yes")) != "no",
                codes=codes, code_problems=problems))
    return units


def import_xliff(path: str | Path, out_dir: str | Path, on_warning=None) -> ImportReport:
    """Bring a reviewed XLIFF file's changes into an output folder. `on_warning`
    hears about files in the folder that align did not write (left out)."""
    folder = ReviewFolder(out_dir, on_warning=on_warning)
    units = read_xliff(path)
    report = ImportReport()
    by_article: dict[str, list[ImportedUnit]] = {}
    for unit in units:
        if unit.translate:
            by_article.setdefault(unit.article, []).append(unit)
    known = set(folder.articles())
    for article, article_units in by_article.items():
        if article not in known:
            report.warnings.append(f"{path}: article {article!r} is not in {folder.out_dir}; its units were skipped")
            continue
        document = folder.load(article)
        find = _finder(document)
        edits: list[tuple[str, Edit]] = []
        for unit in article_units:
            where = f"{path}: {article} {unit.name or unit.id}"
            pair = find(unit)
            if pair is None:
                report.warnings.append(f"{where}: its French is not in the article now; skipped")
                continue
            if pair.origin == METADATA:
                continue
            edit = _edit_for(pair, unit, report.warnings, where)
            if edit is None:
                report.unchanged += 1
            else:
                edits.append((pair.id, edit))
        if edits:
            try:
                folder.apply_many(article, edits, check_versions=False)
            except EditRejected as exc:
                report.warnings.append(f"{path}: {article}: nothing imported ({exc})")
                continue
            report.changed.extend(f"{article} {sentence}" for sentence, _ in edits)
    return report


_PLACE_RE = re.compile(r"p\d+s\d+")


def _finder(document: Document):
    """Finds the pair a unit stands for: by its id's French and occurrence
    (`unit_ids`), wherever that sentence now is; a unit of an older export
    (positional id) by its place, or by its French and occurrence among the
    file's units when the place moved. None when the French is not there."""
    from ..read.text import normalize_source

    pairs = list(document.pairs())
    ids = unit_ids(document)
    by_id = {ids[id(pair)]: pair for pair in pairs}
    by_place = {pair.id: pair for pair in pairs}
    by_french: dict[str, list[SentencePair]] = {}
    for pair in pairs:
        by_french.setdefault(normalize_source(pair.source), []).append(pair)
    seen: dict[str, int] = {}

    def find(unit: ImportedUnit) -> SentencePair | None:
        french = normalize_source(unit.source)
        count = seen.get(french, 0)
        seen[french] = count + 1
        pair = by_id.get(unit.id)
        if pair is None:
            place = unit.name or (unit.id if _PLACE_RE.fullmatch(unit.id) else "")
            pair = by_place.get(place)
            if pair is None or normalize_source(pair.source) != french:
                same = by_french.get(french, [])
                pair = same[count] if count < len(same) else None
        if pair is not None and normalize_source(pair.source) != french:
            return None
        return pair

    return find


def _edit_for(pair: SentencePair, unit: ImportedUnit, warnings: list[str] | None = None,
              where: str = "") -> Edit | None:
    """The edit a unit asks for, None when it says what the row says. Problems with
    its inline codes go to `warnings`, each line starting with `where`."""
    warnings = warnings if warnings is not None else []
    target = unit.target if unit.target is not None and unit.target.strip() else None
    # compared as it would be saved (a CAT tool may wrap or indent the target)
    new_target = target if target is not None and clean_text(target, len(target), "") != pair.target else None
    alignment = None
    if target is not None and (pair.inlines or unit.codes):
        alignment = _imported_alignment(pair, unit, target, lambda line: warnings.append(f"{where}: {line}"))
    new_comment = unit.comment if unit.comment != pair.comment else None
    same_state = unit.status in (KEEP, review_state(pair))
    if new_target is None and new_comment is None and same_state and alignment is None:
        return None
    status = None if unit.status in (MACHINE, KEEP) else unit.status
    return Edit(version=pair.version, target=new_target, status=status, comment=new_comment, alignment=alignment)


# ------------------------------------------------------------------ inline codes → word alignment
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
    return a.keys() == b.keys() and all(
        code.tag == b[n].tag and _settled(*code, text) == _settled(*b[n], text) for n, code in a.items())


def _clean_codes(text: str, codes: dict[str, Code]) -> tuple[str, dict[str, Code]]:
    """The codes' offsets into the English as the review folder saves it
    (`clean_text`: line breaks and tabs as spaces, control characters dropped, trimmed)."""
    cleaned, where = cleaned_with_positions(text)
    return cleaned, {code_id: Code(code.tag, where[code.start], where[code.end]) for code_id, code in codes.items()}


def _imported_alignment(pair: SentencePair, unit: ImportedUnit, target: str, warn) -> list[Link] | None:
    """The word alignment that puts the pair's markup where the unit's target codes
    are; None when the codes ask for nothing new (the row's alignment stays)."""
    for problem in unit.code_problems.values():
        warn(problem)
    text, raw_codes = _clean_codes(target, unit.codes)
    inlines = {inline.id: inline for inline in pair.inlines}
    codes: dict[int, Code] = {}
    for code_id, code in raw_codes.items():
        label = _label(code.tag, code_id)
        number = int(code_id) if code_id.isascii() and code_id.isdigit() else None
        inline = inlines.get(number)
        if inline is None:
            warn(f"inline code {label}: the sentence has no markup of that id; ignored")
            continue
        shape = code_shape(inline)
        if code.tag != shape:
            if code.tag in ("bx", "ex") and shape == "g":
                other = "ex" if code.tag == "bx" else "bx"
                warn(f"inline code {label} without its {_label(other, code_id)}; ignored")
            else:
                warn(f"inline code {label}: markup {code_id} is {_SHAPES[shape]} in this sentence; ignored")
            continue
        codes[number] = code
    # A span running on into another sentence cannot open or close inside one closed here.
    for number, code in list(codes.items()):
        if code.tag not in ("bx", "ex"):
            continue
        around = [n for n, g in codes.items() if g.tag == "g" and g.start < code.start < g.end]
        crossed = [n for n, other in codes.items()
                   if code.tag == "bx" and other.tag == "ex" and other.start > code.start]
        if around or crossed:
            other = (around or crossed)[0]
            warn(f"inline code {_label(code.tag, number)} would cross {_label(codes[other].tag, other)}; ignored")
            del codes[number]
    exported = _exported_codes(pair)
    # (a collapsed space's placeholder carries nothing a reader sees: no warning)
    missing = [number for number in exported if str(number) not in raw_codes and str(number) not in unit.code_problems
               and inlines[number].kind not in SPACE_KINDS]
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
    for number, (x, y) in misplaced.items():
        code = codes[number]
        goes = f"at character {x}" if code.tag == "x" else f'around "{text[slice(*_settled(code.tag, x, y, text))]}"'
        warn(f"inline code {_label(code.tag, number)}: the English file cannot put it where the target has it; "
             f"it goes {goes}")
    return links or None


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
    spans: dict[int, tuple[int, int]] = {}
    for number, code in codes.items():
        if code.tag != "x":
            spans[number] = _settled(*code, text)
    anchors: list[Link] = []
    for number, (x, y) in spans.items():
        inline = inlines[number]
        if inline.end <= inline.start or y <= x:
            continue
        inner = [o for o in pair.inlines if o is not inline and o.paired and o.end > o.start
                 and inline.start <= o.start and o.end <= inline.end
                 and (o.start, -o.end, o.order) > (inline.start, -inline.end, inline.order)]
        private = [k for k in range(inline.start, inline.end) if not any(o.start <= k < o.end for o in inner)]
        chosen = {k for k in (inline.start, inline.end - 1) if k in set(private)} or set(private[:1])
        anchors.extend((k, k + 1, x, y) for k in sorted(chosen))
    covered = [(inlines[n].start, inlines[n].end) for n, (x, y) in spans.items()
               if inlines[n].end > inlines[n].start and y > x]
    kept = [w for w in base if not any(a <= (w[0] + w[1]) / 2 < b for a, b in covered)]

    def misplaced(links: list[Link]) -> dict[int, tuple[int, int]]:
        placed, _ = place_pair(replace(pair, target=text, alignment=links))
        where = {p.inline.id: (p.x, p.y) for p in placed}
        wrong = {}
        for number, code in codes.items():
            x, y = where.get(number, (-1, -1))
            if x < 0 or _settled(code.tag, x, y, text) != _settled(*code, text):
                wrong[number] = (x, y)
        return wrong

    links = anchors + kept
    wrong = misplaced(links)
    if kept and wrong:
        alone = misplaced(anchors)
        if len(alone) < len(wrong):
            links, wrong = anchors, alone
    for number, code in codes.items():
        if number not in wrong or code.tag != "x":
            continue
        at, t = inlines[number].start, code.start
        if at < 1 or t < 1:
            continue
        link = (at - 1, at, t - 1, t)
        trial = misplaced(links + [link])
        if len(trial) < len(wrong):
            links, wrong = links + [link], trial
    return links, wrong
