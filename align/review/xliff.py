"""XLIFF 1.2 and 2.0 both ways, for reviewers who work in a CAT tool.

Written and read with translate-toolkit's XLIFF classes (`translate.storage.xliff`,
`translate.storage.xliff2`), as the TBX glossary and TMX exports are. Where its
output does not follow the OASIS schemas, the elements are fixed with lxml
before writing: the toolkit writes XLIFF 1.1's namespace by default (so we
start from a 1.2 skeleton), and in 2.0 puts `<notes>` inside `<segment>` with
`xml:space` (2.0 wants `<notes>` first in `<unit>`, and no xml:space on a
segment). Every export is validated against the schemas in the tests.

One `<file>` per article (`original` = the article name), one unit per
sentence (id = the sentence id of the TSV, `p3s2`), French source, English
target, the review status as the unit's state, the reviewer's comment as a
note, and align's flags and score as a note of their own (ignored on import).
Metadata paragraphs are units with translate="no".

States (align status → XLIFF; import maps back, see `_STATUS_12`/`_STATUS_20`):

  machine output (origin model/memory, not reviewed)
        1.2 state="needs-review-translation" state-qualifier="mt-suggestion"
        2.0 state="initial" subState="align:mt"
  translated (by a reviewer)   1.2 translated     2.0 translated
  reviewed                     1.2 translated     2.0 reviewed
  approved                     1.2 final (approved="yes")   2.0 final
  needs-work                   1.2 needs-translation        2.0 initial subState="align:needs-work"

Import (`import_xliff`) brings back what changed (target, state, comment) as
reviewed sentences, through `ReviewFolder` (TSV, text, page, index, memory,
atomically). A unit whose French no longer matches the article's is skipped
with a warning; import does not check row versions (the file wins).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from ..document import METADATA, ORIGIN_REVIEWED, STATUS_APPROVED, STATUS_NEEDS_WORK, STATUS_REVIEWED, \
    STATUS_TRANSLATED, Document, SentencePair
from ..errors import InputError
from ..formats.inline import target_inlines, xliff_inline
from ..writers import atomic_write
from .folder import Edit, EditRejected, ReviewFolder

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
_STATE_12 = {MACHINE: ("needs-review-translation", "mt-suggestion"), STATUS_TRANSLATED: ("translated", None),
             STATUS_REVIEWED: ("translated", None), STATUS_APPROVED: ("final", None),
             STATUS_NEEDS_WORK: ("needs-translation", None)}
_STATE_20 = {MACHINE: ("initial", "align:mt"), STATUS_TRANSLATED: ("translated", None),
             STATUS_REVIEWED: ("reviewed", None), STATUS_APPROVED: ("final", None),
             STATUS_NEEDS_WORK: ("initial", "align:needs-work")}
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_text(text: str) -> str:
    return _NOT_XML.sub(" ", text)


def _add_unit(store, pair: SentencePair):
    """A translate-toolkit unit for `pair` (either XLIFF version), added to `store`."""
    unit = store.UnitClass(_xml_text(pair.source))
    unit.setid(pair.id)
    unit.target = _xml_text(pair.target)
    store.addunit(unit)
    return unit


def _set_inline_content(element, content: str) -> None:
    """Replace `element`'s text with XLIFF 1.2 mixed content (text, <g>, <x/>, <bx/>, <ex/>)."""
    wrapper = etree.fromstring(f'<wrap xmlns="{XLIFF12}">{content}</wrap>')
    for child in list(element):
        element.remove(child)
    element.text = wrapper.text
    element.extend(list(wrapper))


def review_state(pair: SentencePair) -> str:
    """The pair's status, or MACHINE for model output nobody reviewed."""
    if pair.origin != ORIGIN_REVIEWED and pair.review_status == STATUS_TRANSLATED:
        return MACHINE
    return pair.review_status


def _status_12(state: str | None, qualifier: str | None) -> str:
    """A 1.2 target state as an align status (MACHINE: untouched model output)."""
    if state == "needs-review-translation" and qualifier in ("mt-suggestion", "leveraged-mt"):
        return MACHINE
    if state in ("final", "signed-off"):
        return STATUS_APPROVED
    if state in ("translated", None):
        return STATUS_REVIEWED if state else MACHINE
    return STATUS_NEEDS_WORK   # new, needs-translation, needs-review-*, needs-*-l10n/adaptation


def _status_20(state: str | None, sub_state: str | None) -> str:
    if state == "final":
        return STATUS_APPROVED
    if state == "reviewed":
        return STATUS_REVIEWED
    if state == "translated":
        return STATUS_TRANSLATED
    return MACHINE if sub_state in (None, "align:mt") else STATUS_NEEDS_WORK


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
        for pair in document.pairs():
            unit = _add_unit(store, pair)
            element = unit.xmlelement
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
        root.append(filenode)
        store.body = filenode
        for pair in document.pairs():
            unit = _add_unit(store, pair)
            segment = unit.xmlelement
            unit_element = segment.getparent()
            segment.attrib.pop("{http://www.w3.org/XML/1998/namespace}space", None)
            if pair.origin == METADATA:
                unit_element.set("translate", "no")
                continue
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


def export_folder(out_dir: str | Path, output: str | Path | None = None, version: str = "1.2") -> list[Path]:
    """Write the folder's articles as XLIFF: one file for all when `output` ends
    in .xlf/.xliff, else one file per article in the folder `output` (default
    OUT_DIR/xliff/). Returns the paths written."""
    folder = ReviewFolder(out_dir)
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
@dataclass
class ImportedUnit:
    article: str
    id: str
    source: str
    target: str | None
    status: str          # an align status, or MACHINE
    comment: str
    translate: bool = True


@dataclass
class ImportReport:
    changed: list[str] = field(default_factory=list)   # "article id"
    unchanged: int = 0
    warnings: list[str] = field(default_factory=list)


def read_xliff(path: str | Path) -> list[ImportedUnit]:
    """The units of an XLIFF 1.2 or 2.0 file (the version from its root)."""
    path = Path(path)
    try:
        data = path.read_bytes()
        root = etree.fromstring(data, parser=etree.XMLParser(resolve_entities=False, no_network=True))
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from None
    except etree.XMLSyntaxError as exc:
        raise InputError(f"{path}: not an XML file ({exc})") from None
    if root.tag == f"{{{XLIFF12}}}xliff":
        return _read_12(path, data)
    if root.tag == f"{{{XLIFF20}}}xliff":
        return _read_20(path, data)
    raise InputError(f"{path}: not XLIFF 1.2 or 2.0 (root element {root.tag})")


def _notes(pairs: list[tuple[str | None, str]]) -> str:
    return "\n".join(text for who, text in pairs if who != ALIGN_NOTE and text).strip()


def _read_12(path: Path, data: bytes) -> list[ImportedUnit]:
    from translate.storage.xliff import xlifffile

    store = xlifffile.parsestring(data)
    units = []
    for unit in store.unit_iter():
        element = unit.xmlelement
        filenode = next(element.iterancestors(f"{{{XLIFF12}}}file"))
        target = element.find(f"{{{XLIFF12}}}target")
        notes = [(n.get("from"), n.text or "") for n in element.findall(f"{{{XLIFF12}}}note")]
        units.append(ImportedUnit(
            article=filenode.get("original") or "", id=unit.getid().split("\x04")[-1], source=unit.source or "",
            target=None if target is None else unit.target,
            status=_status_12(None if target is None else target.get("state"),
                              None if target is None else target.get("state-qualifier")),
            comment=_notes(notes), translate=element.get("translate", "yes") != "no"))
    return units


def _read_20(path: Path, data: bytes) -> list[ImportedUnit]:
    from translate.storage.xliff2 import Xliff2File

    store = Xliff2File.parsestring(data)
    units = []
    for unit in store.unit_iter():
        segment = unit.xmlelement
        unit_element = segment.getparent()
        filenode = next(segment.iterancestors(f"{{{XLIFF20}}}file"))
        notes = [(n.get("category"), n.text or "") for n in unit_element.iter(f"{{{XLIFF20}}}note")]
        has_target = segment.find(f"{{{XLIFF20}}}target") is not None
        units.append(ImportedUnit(
            article=filenode.get("original") or filenode.get("id") or "", id=unit_element.get("id") or "",
            source=unit.source or "", target=unit.target if has_target else None,
            status=_status_20(segment.get("state"), segment.get("subState")), comment=_notes(notes),
            translate=unit_element.get("translate", "yes") != "no"))
    return units


def import_xliff(path: str | Path, out_dir: str | Path) -> ImportReport:
    """Bring a reviewed XLIFF file's changes into an output folder."""
    from ..memory import normalize_source

    folder = ReviewFolder(out_dir)
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
        pairs = {pair.id: pair for pair in document.pairs()}
        edits: list[tuple[str, Edit]] = []
        for unit in article_units:
            pair = pairs.get(unit.id)
            where = f"{path}: {article} {unit.id}"
            if pair is None:
                report.warnings.append(f"{where}: no such sentence in the article; skipped")
                continue
            if pair.origin == METADATA:
                continue
            if normalize_source(unit.source) != normalize_source(pair.source):
                report.warnings.append(f"{where}: the French changed since the export; skipped")
                continue
            edit = _edit_for(pair, unit)
            if edit is None:
                report.unchanged += 1
            else:
                edits.append((unit.id, edit))
        if edits:
            try:
                folder.apply_many(article, edits, check_versions=False)
            except EditRejected as exc:
                report.warnings.append(f"{path}: {article}: nothing imported ({exc})")
                continue
            report.changed.extend(f"{article} {sentence}" for sentence, _ in edits)
    return report


def _edit_for(pair: SentencePair, unit: ImportedUnit) -> Edit | None:
    """The edit a unit asks for, None when it says what the row says."""
    target = unit.target if unit.target is not None and unit.target.strip() else None
    new_target = target if target is not None and target != pair.target else None
    new_comment = unit.comment if unit.comment != pair.comment else None
    current = review_state(pair)
    same_state = unit.status == current or (unit.status == STATUS_REVIEWED and current == STATUS_TRANSLATED)
    if new_target is None and new_comment is None and same_state:
        return None
    status = None if unit.status == MACHINE else unit.status
    return Edit(version=pair.version, target=new_target, status=status, comment=new_comment)
