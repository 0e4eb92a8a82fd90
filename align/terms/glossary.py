"""The project glossary: French terms, their English targets, and where they occur.

The glossary is a UTF-8 tab-separated file (see docs/glossary.md) whose first two
columns, ``source`` and ``target``, can be imported as they are by DeepL and
OmegaT. Optional columns: ``note``, ``case`` (auto/sensitive/insensitive/keep-case)
and ``variants`` (``form=target|form|...``).

Usage without the CLI::

    from align.terms.glossary import Glossary
    glossary = Glossary.load("glossary.tsv")            # InputError on bad files
    for term in glossary.find("Le PDG d’OpenAI parle de l'IAG."):
        print(term.start, term.end, term.source, "->", term.target)
    open("deepl.tsv", "w").write(glossary.export("deepl"))

Matching (`Glossary.find`, through the token trie of `align.terms.matcher`):
whole words only (Unicode letters and digits), typographic and ASCII apostrophes
alike, an elided article before a term is left out of the match (``l'IAG``
matches ``IAG``), case-insensitive unless the entry says otherwise (short
all-caps sources such as ``IA`` are case-sensitive by default), and where
matches overlap the longest wins. Offsets index the text as given.

Each `Term` found carries its entry's rules for the English side: ``forms``
(the entry's other targets), ``case_sensitive`` (the target must appear in its
own case: entries marked sensitive or keep-case, and under ``auto`` targets with
an upper-case letter right after a letter, such as ``AI``, ``GPT-4``, ``xAI``,
``iPhone``, ``OpenAI``) and ``keep_case`` (``case=keep-case``: never re-cased,
not even at the start of a sentence).
"""
from __future__ import annotations

import codecs
import csv
import hashlib
import io
import json
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator

from ..document import Document, Term, verbatim_spans
from ..errors import InputError
from ..read.text import plain_apostrophes, read_bytes, utf8_text
from .matcher import Matcher

SOURCE_LANG = "fr"
TARGET_LANG = "en"

# Columns of glossary.tsv, in their canonical order.
COLUMNS = ("source", "target", "note", "case", "variants")
REQUIRED = ("source", "target")

CASE_AUTO = "auto"
CASE_SENSITIVE = "sensitive"
CASE_INSENSITIVE = "insensitive"
# Written exactly as given on both sides: the source matches in this case only
# (not even capitalised at a sentence start), the target is never re-cased.
CASE_KEEP = "keep-case"
CASES = (CASE_AUTO, CASE_SENSITIVE, CASE_INSENSITIVE, CASE_KEEP)

# An acronym: at most 6 characters, no space, at least 2 letters, every letter
# uppercase (digits and hyphens allowed), e.g. IA, IAG, PDG, GPT-4. Such sources
# are case-sensitive under case=auto.
ACRONYM_MAX = 6

VARIANT_SEP = "|"
VARIANT_TARGET_SEP = "="

EXPORT_FORMATS = ("deepl", "google", "amazon", "omegat", "tbx", "csv")
IMPORT_FORMATS = ("csv", "tbx")

# Whitespace that is "stray" inside a cell: anything but a single ASCII space.
_SPACES_RE = re.compile(r"\s+")
# URLs and e-mail addresses: never searched for terms.
_ADDRESS_RE = re.compile(r"(?:[a-z][a-z0-9+.-]*://|www\.)[^\s<>\"]+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.IGNORECASE)
_IRREGULAR_SPACES_RE = re.compile(r"\s{2,}|[^\S ]")   # what _SPACES_RE.sub(" ", ...) would change
# A line of cells (tab-separated) with a cell that _clean would change: whitespace
# at a cell's start or end, a run of it, or whitespace other than spaces.
_STRAY_IN_LINE_RE = re.compile(r"(?:^|\t)[^\S\t]|[^\S\t](?:\t|$)|[^\S\t]{2,}|[^\S \t]")


def _is_acronym(text: str) -> bool:
    return (
        len(text) <= ACRONYM_MAX
        and text.upper() == text
        and sum(c.isalpha() for c in text) >= 2
        and bool(re.fullmatch(r"[^\W_](?:[^\W_]|-)*", text))
    )


def _has_inner_capital(text: str) -> bool:
    """An upper-case letter right after a letter: AI, GPT-4, xAI, iPhone, OpenAI."""
    return any(c.isupper() and p.isalpha() for p, c in zip(text, text[1:]))


def _clean(text: str) -> str:
    """NFC, single spaces, no surrounding whitespace."""
    if not text:
        return text
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    if _IRREGULAR_SPACES_RE.search(text):   # a search is cheaper than a sub that changes nothing
        text = _SPACES_RE.sub(" ", text)
    return text.strip()


def _stray_whitespace(text: str) -> bool:
    """Whitespace that _clean would change (around the text, runs, tabs...)."""
    return bool(text) and (text[0].isspace() or text[-1].isspace() or bool(_IRREGULAR_SPACES_RE.search(text)))


@dataclass(frozen=True)
class Entry:
    """One glossary row: a source term, its target, and its variant forms."""

    source: str
    target: str
    note: str = ""
    case: str = CASE_AUTO
    variants: tuple[tuple[str, str], ...] = ()   # (form, target) pairs
    line: int = field(default=0, compare=False)  # where it was read, 0 if built

    @property
    def case_sensitive(self) -> bool:
        """Whether the source forms match in their own case only."""
        if self.case == CASE_AUTO:
            return _is_acronym(self.source)
        return self.case in (CASE_SENSITIVE, CASE_KEEP)

    @property
    def keep_case(self) -> bool:
        return self.case == CASE_KEEP

    def target_case_sensitive(self, target: str) -> bool:
        """Whether `target` (one of this entry's) must appear in its own case."""
        if self.case == CASE_AUTO:
            return _has_inner_capital(target)
        return self.case in (CASE_SENSITIVE, CASE_KEEP)

    def targets(self) -> tuple[str, ...]:
        """Every target the entry accepts, the main one first, each once."""
        return tuple(dict.fromkeys(target for _, target in self.forms()))

    @property
    def dnt(self) -> bool:
        """Do not translate: the target is the source itself (names)."""
        return self.source == self.target and not self.variants

    def forms(self) -> list[tuple[str, str]]:
        """(form, target) for the source and every variant, source first."""
        return [(self.source, self.target), *self.variants]

    def variants_cell(self) -> str:
        return format_variants(self.variants, self.target)

    def row(self) -> dict[str, str]:
        return {
            "source": self.source,
            "target": self.target,
            "note": self.note,
            "case": "" if self.case == CASE_AUTO else self.case,
            "variants": self.variants_cell(),
        }


def format_variants(variants: Iterable[tuple[str, str]], default_target: str) -> str:
    parts = []
    for form, target in variants:
        parts.append(form if target == default_target else f"{form}{VARIANT_TARGET_SEP}{target}")
    return VARIANT_SEP.join(parts)


def parse_variants(cell: str, default_target: str) -> tuple[tuple[tuple[str, str], ...], list[str]]:
    """``a=x|b`` → ((a, x), (b, default_target)); also returns error messages."""
    variants: list[tuple[str, str]] = []
    errors: list[str] = []
    if not cell.strip():
        return (), errors
    for part in cell.split(VARIANT_SEP):
        form, sep, target = part.partition(VARIANT_TARGET_SEP)
        form, target = _clean(form), _clean(target)
        if not form:
            errors.append(f"empty variant form in {cell!r}")
            continue
        if sep and not target:
            errors.append(f"empty target for variant {form!r}")
            continue
        variants.append((form, target if sep else default_target))
    return tuple(variants), errors


@dataclass
class Problem:
    """A finding of `check`: str() is ``FILE:LINE: error|warning: message``."""

    path: str
    line: int
    severity: str   # "error" or "warning"
    message: str

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.severity}: {self.message}"

    def location(self) -> str:
        """``FILE:LINE: message``, the form of InputError."""
        return f"{self.path}:{self.line}: {self.message}"


def _form_key(form: str, sensitive: bool) -> str:
    """What duplicates share; `form` is already cleaned."""
    key = plain_apostrophes(form)
    return key if sensitive else key.casefold()


def parse_tsv(data: bytes, name: str) -> tuple[list[Entry], list[Problem]]:
    """Parse glossary.tsv bytes into entries and problems (errors and warnings).

    Rows with errors are left out of the entries. Line numbers are 1-based.
    """
    problems: list[Problem] = []
    entries: list[Entry] = []

    def report(line: int, severity: str, message: str) -> None:
        problems.append(Problem(name, line, severity, message))

    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
        report(1, "warning", "UTF-8 byte order mark (some tools read it as part of the first cell)")
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        report(1, "error", "file is UTF-16; save it as UTF-8")
        return entries, problems

    raw_lines = data.split(b"\n")
    if raw_lines and raw_lines[-1] == b"":
        raw_lines.pop()
    lines: list[str] = []
    for number, raw in enumerate(raw_lines, 1):
        if raw.endswith(b"\r"):
            raw = raw[:-1]
        try:
            lines.append(raw.decode("utf-8"))
        except UnicodeDecodeError as exc:
            report(number, "error",
                   f"not valid UTF-8 (byte 0x{raw[exc.start]:02X} at column {exc.start + 1}); save the file as UTF-8")
            lines.append(raw.decode("utf-8", errors="replace"))

    if not lines or not lines[0].strip():
        report(1, "error", "missing header row 'source<TAB>target<TAB>note'")
        return entries, problems
    header = [cell.strip().lower() for cell in lines[0].split("\t")]
    if header[:2] != list(REQUIRED):
        report(1, "error", f"header must start with 'source<TAB>target', found {lines[0]!r}")
        return entries, problems
    for index, column in enumerate(header):
        if column not in COLUMNS:
            report(1, "warning", f"unknown column {column!r} ignored")
        elif column in header[:index]:
            report(1, "error", f"column {column!r} appears twice")
            return entries, problems

    seen: dict[str, tuple[int, str, str]] = {}   # form key → (line, target, form)
    for number, text in enumerate(lines[1:], 2):
        if not text.strip():
            continue
        cells = text.split("\t")
        if len(cells) > len(header) or len(cells) < 2:
            report(number, "error", f"expected {len(header)} columns ({', '.join(header)}), found {len(cells)}")
            continue
        row = {column: cell for column, cell in zip(header, cells)}
        ok = True
        if _STRAY_IN_LINE_RE.search(text) or not unicodedata.is_normalized("NFC", text):
            for column in header[:len(cells)]:
                value = row[column]
                if column in COLUMNS and _stray_whitespace(value):
                    report(number, "warning", f"stray whitespace in {column} {value!r}")
            values = {column: _clean(row.get(column, "")) for column in COLUMNS}
        else:   # the usual line: every cell is clean already
            values = {column: row.get(column, "") for column in COLUMNS}
        for column in REQUIRED:
            if not values[column]:
                report(number, "error", f"empty {column}")
                ok = False
        case = values["case"].lower() or CASE_AUTO
        if case not in CASES:
            report(number, "error",
                   f"unknown case {values['case']!r} (use auto, sensitive, insensitive or {CASE_KEEP})")
            ok = False
        variants, variant_errors = parse_variants(values["variants"], values["target"])
        for message in variant_errors:
            report(number, "error", message)
            ok = False
        if not ok:
            continue
        entry = Entry(values["source"], values["target"], values["note"], case, variants, number)

        kept: list[tuple[str, str, str]] = []   # (form, target, key)
        own: dict[str, tuple[int, str, str]] = {}
        sensitive = entry.case_sensitive
        for position, (form, target) in enumerate(entry.forms()):
            key = _form_key(form, sensitive)
            if key in seen or key in own:
                line, other_target, other_form = seen.get(key) or own[key]
                what = "source" if position == 0 else "variant"
                if other_target == target:
                    report(number, "warning", f"duplicate {what} {form!r} (already on line {line})")
                else:
                    report(number, "error",
                           f"conflicting targets for {form!r}: {target!r} here, {other_target!r} on line {line}")
                    ok = False
                if position == 0:
                    break
                continue
            own[key] = (number, target, form)
            kept.append((form, target, key))
        if not ok or not kept or kept[0][0] != entry.source:
            continue
        for form, target, key in kept:
            seen[key] = (number, target, form)
        if len(kept) <= len(entry.variants):   # a duplicate variant was left out
            entry = Entry(entry.source, entry.target, entry.note, entry.case,
                          tuple((form, target) for form, target, _ in kept[1:]), number)
        entries.append(entry)
    return entries, problems


class Glossary:
    """An ordered collection of `Entry`, with matching and import/export."""

    def __init__(self, entries: Iterable[Entry] = (), path: str | Path | None = None,
                 warnings: Iterable[str] = ()) -> None:
        self.entries: list[Entry] = list(entries)
        self.path = Path(path) if path is not None else None
        self.warnings: list[str] = list(warnings)
        self._matcher: Matcher | None = None
        self._forms: list[tuple[Entry, str]] = []   # by matcher index: (entry, target)
        self._rules: dict[int, tuple[tuple[str, ...], bool, bool]] = {}   # by matcher index

    # ------------------------------------------------------------------ reading
    @classmethod
    def loads(cls, data: bytes | str, name: str = "<glossary>") -> "Glossary":
        """Parse glossary TSV; InputError (``NAME:LINE: ...``) on the first error."""
        if isinstance(data, str):
            data = data.encode("utf-8")
        entries, problems = parse_tsv(data, name)
        for problem in problems:
            if problem.is_error:
                raise InputError(problem.location())
        return cls(entries, None, [problem.location() for problem in problems])

    @classmethod
    def load(cls, path: str | Path) -> "Glossary":
        """Read a glossary.tsv; warnings (BOM, whitespace, duplicates) go to .warnings."""
        data = read_bytes(path)
        glossary = cls.loads(data, str(path))
        glossary.path = Path(path)
        return glossary

    @classmethod
    def import_file(cls, path: str | Path, fmt: str | None = None) -> "Glossary":
        """Read a CSV or TBX glossary (format from `fmt` or the file extension)."""
        fmt = (fmt or Path(path).suffix.lstrip(".")).lower()
        if fmt == "csv":
            return cls.from_csv(path)
        if fmt == "tbx":
            return cls.from_tbx(path)
        if fmt in ("tsv", "txt", "utf8"):
            return cls.load(path)
        raise InputError(f"{path}: unknown glossary format {fmt!r} (use csv or tbx)")

    @classmethod
    def from_csv(cls, path: str | Path) -> "Glossary":
        """CSV with a header row: either our column names (source, target, note,
        case, variants) or two language codes (``fr,en`` as Amazon writes)."""
        text = utf8_text(read_bytes(path), path)
        rows = list(csv.reader(io.StringIO(text, newline="")))
        if not rows:
            raise InputError(f"{path}:1: empty file, expected a header row 'source,target,...'")
        header = [cell.strip().lower() for cell in rows[0]]
        if header[:2] == [SOURCE_LANG, TARGET_LANG]:
            header = ["source", "target", *header[2:]]
        if header[:2] != list(REQUIRED):
            raise InputError(f"{path}:1: header must start with 'source,target' (or '{SOURCE_LANG},{TARGET_LANG}')")
        tsv = io.StringIO()
        keep = [i for i, column in enumerate(header) if column in COLUMNS]
        tsv.write("\t".join(header[i] for i in keep) + "\n")
        for number, row in enumerate(rows[1:], 2):
            cells = [row[i] if i < len(row) else "" for i in keep]
            for cell in cells:
                if "\t" in cell or "\n" in cell or "\r" in cell:
                    raise InputError(f"{path}:{number}: tab or line break inside a cell")
            tsv.write("\t".join(cells) + "\n")
        # Line numbers match as long as no cell spans lines (rejected above).
        return cls.loads(tsv.getvalue(), str(path))

    @classmethod
    def from_tbx(cls, path: str | Path) -> "Glossary":
        """TBX (TBX-Basic / TBX 2008, as `export("tbx")` writes and most tools)."""
        from translate.storage.tbx import tbxfile

        data = read_bytes(path)
        try:
            store = tbxfile.parsestring(data, sourcelanguage=SOURCE_LANG, targetlanguage=TARGET_LANG)
        except Exception as exc:  # lxml raises its own XMLSyntaxError
            raise InputError(f"{path}:1: not a readable TBX file ({exc})") from None
        tsv = io.StringIO()
        tsv.write("\t".join(COLUMNS) + "\n")
        for unit in store.units:
            sources = [term.text for term in unit.get_source_terms()]
            targets = [term.text for term in unit.get_target_terms()]
            if not sources or not targets:
                continue
            case = CASE_AUTO
            for note in unit.get_common_notes(source=True):
                if note.category == "x-case":
                    case = note.text.strip()
            note = unit.getnotes()
            variants = []
            for index, form in enumerate(sources[1:], 1):
                variants.append((form, targets[index] if index < len(targets) else targets[0]))
            cells = [sources[0], targets[0], note, "" if case == CASE_AUTO else case,
                     format_variants(variants, targets[0])]
            tsv.write("\t".join(_clean(cell.replace("\t", " ")) for cell in cells) + "\n")
        return cls.loads(tsv.getvalue(), str(path))

    # ----------------------------------------------------------------- the data
    def __len__(self) -> int:
        return len(self.entries)

    def __iter__(self) -> Iterator[Entry]:
        return iter(self.entries)

    def __repr__(self) -> str:
        return f"Glossary({len(self)} entries, path={str(self.path)!r})"

    def get(self, source: str) -> Entry | None:
        for entry in self.entries:
            if entry.source == source:
                return entry
        return None

    @property
    def sha256(self) -> str:
        """Hash of the normalised entries, independent of their order in the file."""
        rows = sorted(json.dumps([e.source, e.target, e.note, e.case, list(map(list, e.variants))],
                                 ensure_ascii=False) for e in self.entries)
        return hashlib.sha256("\n".join(rows).encode("utf-8")).hexdigest()

    # ----------------------------------------------------------------- matching
    def matcher(self) -> Matcher:
        """The token trie of every form, built on first use (`find` calls it)."""
        if self._matcher is None:
            forms: list[tuple[str, bool, bool]] = []
            self._forms = []
            for entry in self.entries:
                sensitive, capital_start = entry.case_sensitive, not entry.keep_case
                for form, target in entry.forms():
                    forms.append((form, sensitive, capital_start))
                    self._forms.append((entry, target))
            self._matcher = Matcher(forms)
        return self._matcher

    def find(self, text: str) -> list[Term]:
        """Glossary terms in `text`, sorted by start, longest match first, no overlaps.
        Nothing inside a URL or an e-mail address is a term (`cancer` in
        `…/prostate-cancer-screening`): they are not translated."""
        matcher = self.matcher()
        terms = []
        addresses = [m.span() for m in _ADDRESS_RE.finditer(text)] if ("/" in text or "@" in text
                                                                        or "www." in text) else []
        for start, end, index in matcher.find(text):
            if any(a < end and start < b for a, b in addresses):
                continue
            entry, target = self._forms[index]
            rules = self._rules.get(index)
            if rules is None:   # worked out once per form, when first found
                rules = self._rules[index] = (tuple(t for t in entry.targets() if t != target),
                                              entry.target_case_sensitive(target), entry.keep_case)
            forms, case_sensitive, keep_case = rules
            terms.append(Term(source=text[start:end], start=start, end=end, target=target,
                              entry=entry.source, note=entry.note, forms=forms,
                              case_sensitive=case_sensitive, keep_case=keep_case))
        return terms

    # ---------------------------------------------------------------- exporting
    def pairs(self) -> list[tuple[str, str, str]]:
        """(form, target, note) for every form, each form once."""
        seen: set[str] = set()
        result = []
        for entry in self.entries:
            for form, target in entry.forms():
                if form not in seen:
                    seen.add(form)
                    result.append((form, target, entry.note))
        return result

    def to_tsv(self) -> str:
        """The glossary.tsv text (all columns, header first)."""
        out = io.StringIO()
        out.write("\t".join(COLUMNS) + "\n")
        for entry in self.entries:
            row = entry.row()
            out.write("\t".join(row[column] for column in COLUMNS) + "\n")
        return out.getvalue()

    def export(self, fmt: str) -> str | bytes:
        """The glossary in `fmt` (one of EXPORT_FORMATS); bytes for tbx, else str."""
        fmt = fmt.lower()
        if fmt == "deepl":
            return "".join(f"{form}\t{target}\n" for form, target, _ in self.pairs())
        if fmt == "omegat":
            return "".join(f"{form}\t{target}\t{note}\n" for form, target, note in self.pairs())
        if fmt == "google":
            return _csv_text([[form, target] for form, target, _ in self.pairs()])
        if fmt == "amazon":
            return _csv_text([[SOURCE_LANG, TARGET_LANG]] + [[form, target] for form, target, _ in self.pairs()])
        if fmt == "csv":
            return _csv_text([list(COLUMNS)] + [[e.row()[c] for c in COLUMNS] for e in self.entries])
        if fmt == "tbx":
            return self._tbx()
        if fmt == "tsv":
            return self.to_tsv()
        raise ValueError(f"unknown export format {fmt!r} (use {', '.join(EXPORT_FORMATS)})")

    def write(self, path: str | Path, fmt: str = "tsv") -> None:
        data = self.export(fmt)
        if isinstance(data, str):
            data = data.encode("utf-8")
        Path(path).write_bytes(data)

    def _tbx(self) -> bytes:
        from lxml import etree
        from translate.storage.tbx import tbxfile

        store = tbxfile(sourcelanguage=SOURCE_LANG, targetlanguage=TARGET_LANG)
        store.setsourcelanguage(SOURCE_LANG)
        store.settargetlanguage(TARGET_LANG)
        for number, entry in enumerate(self.entries, 1):
            unit = store.addsourceunit(entry.source)
            unit.setid(f"c{number}")
            unit.set_source_terms([form for form, _ in entry.forms()], SOURCE_LANG)
            unit.set_target_terms([target for _, target in entry.forms()], TARGET_LANG)
            if entry.case != CASE_AUTO:
                # Not part of TBX-Basic: a concept-level description tools ignore.
                descrip = etree.Element(unit.namespaced("descrip"))
                descrip.set("type", "x-case")
                descrip.text = entry.case
                unit.xmlelement.insert(0, descrip)
            if entry.note:
                unit.addnote(entry.note)
                # TBX wants a concept's notes before its language sections.
                note = unit.xmlelement[-1]
                unit.xmlelement.remove(note)
                unit.xmlelement.insert(0, note)
        for p in store.document.getroot().iter(store.namespaced("p")):
            p.text = "align glossary"
        return bytes(store)


def _csv_text(rows: list[list[str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerows(rows)
    return out.getvalue()


def check(path: str | Path) -> list[Problem]:
    """Every problem of a glossary.tsv, errors and warnings, in line order.

    Raises InputError (without a line) when the file cannot be read at all.
    """
    entries, problems = parse_tsv(read_bytes(path), str(path))
    return sorted(problems, key=lambda p: p.line)


def find_terms(document: Document, glossary: Glossary) -> Document:
    """Pipeline stage: fill `pair.terms` for every pair of translatable paragraphs."""
    for pair in document.translatable_pairs():
        kept = verbatim_spans(pair.inlines)
        # (nothing inside code, a URL or protected syntax is a term: it is kept as it is)
        pair.terms = [t for t in glossary.find(pair.source) if not any(a < t.end and t.start < b for a, b in kept)]
    return document
