"""XLIFF import, applying: what changed in each unit (target, state, comment,
inline codes) brought back into an output folder through `ReviewFolder` (TSV,
text, page, index, memory, all or nothing per article).

Units are found by their id's French and occurrence (`unit_ids`), wherever the
sentence now is; units of older exports (positional ids) by their place, or by
their French and its occurrence when the place moved. A unit whose French is no
longer in the article is skipped with a warning; import does not check row
versions (the file wins).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ...document import METADATA, Document, SentencePair
from ...review.folder import Edit, EditRejected, ReviewFolder, clean_text
from .codes import imported_alignment
from .common import unit_ids
from .parse import ImportedUnit, read_xliff
from .states import KEEP, MACHINE, review_state


@dataclass
class ImportReport:
    """What an import did: the sentences it changed, how many units it left as
    they were, and its warnings."""
    changed: list[str] = field(default_factory=list)   # "article id"
    unchanged: int = 0
    warnings: list[str] = field(default_factory=list)


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
    from ...read.text import normalize_source

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
        alignment = imported_alignment(pair, unit, target, lambda line: warnings.append(f"{where}: {line}"))
    new_comment = unit.comment if unit.comment != pair.comment else None
    same_state = unit.status in (KEEP, review_state(pair))
    if new_target is None and new_comment is None and same_state and alignment is None:
        return None
    status = None if unit.status in (MACHINE, KEEP) else unit.status
    return Edit(version=pair.version, target=new_target, status=status, comment=new_comment, alignment=alignment)
