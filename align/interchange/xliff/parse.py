"""XLIFF import, reading: the units of an XLIFF 1.2 or 2.0 file (`read_xliff`),
each with its French, its English, its state as an align status, the reviewer's
comment, and where its inline codes sit in the English (`Code`).

The text is read with lxml (no entities, no network): 1.2 native codes (`<bpt>`,
`<ept>`, `<ph>`, `<it>`) are codes, never text, and a 2.0 unit a tool split into
several segments is joined back.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from lxml import etree

from ...errors import InputError
from .common import ALIGN_NOTE, XLIFF12, XLIFF20
from .states import status_12, status_20


class Code(NamedTuple):
    """Where an inline code sits in a target's plain text: a <g> span (start, end),
    or the position (start == end) of an <x/>, <bx/> or <ex/>. A <bx/> and an
    <ex/> of one id in one target read as the <g> they stand for."""
    tag: str
    start: int
    end: int


@dataclass
class ImportedUnit:
    """A unit as the file has it: its article, id and place, its French, its
    English (None: no target) and codes, its state and the reviewer's comment."""
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
                status=status_12(None if target is None else target.get("state"),
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


# 2.0 states from the least advanced: a unit split into segments is as far as its least advanced one.
_ORDER_20 = ("initial", "translated", "reviewed", "final")


def _read_20(root) -> list[ImportedUnit]:
    units = []
    for filenode in root.iter(f"{{{XLIFF20}}}file"):
        for element in filenode.iter(f"{{{XLIFF20}}}unit"):
            # A unit a tool split into segments (canResegment aside) is joined back: its
            # segments' and ignorables' contents in order, then spaces normalised once.
            parts = [child for child in element
                     if child.tag in (f"{{{XLIFF20}}}segment", f"{{{XLIFF20}}}ignorable")]
            source_atoms, target_atoms = _joined_atoms_20(parts)
            segments = [part for part in parts if part.tag == f"{{{XLIFF20}}}segment"]
            state, sub_state = _least_advanced_20(segments)
            text, codes, problems = (None, {}, {}) if target_atoms is None or not segments else \
                _codes_of(_spaced(target_atoms, segments[0]))
            notes = [(n.get("category"), n.text or "") for n in element.iter(f"{{{XLIFF20}}}note")]
            units.append(ImportedUnit(
                article=filenode.get("original") or filenode.get("id") or "", id=element.get("id") or "",
                name=element.get("name") or "",
                source=_codes_of(_spaced(source_atoms, segments[0] if segments else element))[0],
                target=text, status=status_20(state, sub_state), comment=_notes(notes),
                translate=element.get("translate", filenode.get("translate", "yes")) != "no",
                codes=codes, code_problems=problems))
    return units


def _joined_atoms_20(parts: list) -> tuple[list, list | None]:
    """The source's and the target's atoms of a 2.0 unit's segments and ignorables,
    in order; no target (None) when a segment was left untranslated."""
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
    return source_atoms, target_atoms


def _least_advanced_20(segments: list) -> tuple[str, str | None]:
    """A 2.0 unit's state and subState: its least advanced segment's."""
    states = sorted(((seg.get("state") or "initial", seg.get("subState")) for seg in segments),
                    key=lambda state: _ORDER_20.index(state[0]) if state[0] in _ORDER_20 else 0)
    return states[0] if states else ("initial", None)
