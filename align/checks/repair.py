"""Numbers as constraints: a French number the machine's English lacks is written
there, in English conventions, as the term policy writes a glossary term.

After translation (and after the memory kept the model's own English), each pair the
model translated is checked by `number_mismatch` (align.checks.numbers, the one answer
to "is this number in that sentence?"). A French number written in digits that the
English lacks, by value, is repaired:

* *replaced* where the model wrote a wrong number: the English number aligned to the
  French one (the word alignment kept on the pair), or the only wrong number when the
  French has one missing and the English one too many;
* *inserted* where the model dropped it (nothing of the English aligned to it), where
  the term policy inserts a dropped term: after the English of the French word before it.

The number is written as the French wrote it, in English conventions: `40 000` →
`40,000`, `3,5` → `3.5`, `1,1 million` → `1.1 million`, `2 Md` → `2 billion`, `18 h 30`
→ `18:30` (a grouped French number is grouped, an ungrouped one such as a year is not);
a number the model copied in French conventions (`30 000`, `3,5`) is written in English
ones too. What cannot be written so safely — dates, ordinals, codes, numbers in words, a
separator that could be either (`1.500`), one number of a score or range (`4-0`,
`5-6 m`), numbers inside a glossary term or verbatim text — is left alone, and
`number-mismatch` still flags it. A repair is kept only when it leaves fewer French numbers missing and
no English number more: a sentence whose numbers all agree is never touched. Each
repair is a `number-repaired` flag naming the model's number and the written one.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from ..document import METADATA, ORIGIN_MEMORY, ORIGIN_MODEL, Document, SentencePair
from ..flags import FlagCode
from .numbers import SPACES, Mention, mentions, number_mismatch

REPAIR, FLAG = "repair", "flag"
SETTINGS = (REPAIR, FLAG)

# A French number in digits: grouped by spaces (any kind) or ungrouped, a decimal
# comma, then nothing or a scale. A dot between digits could group or mark decimals:
# such a number is not written for the model.
_FRENCH = re.compile(rf"(?P<int>\d{{1,3}}(?:[{SPACES}]\d{{3}})+|\d+)(?:,(?P<frac>\d+))?"
                     rf"(?:[{SPACES}]?(?P<scale>millions?|milliards?|Mds?|M|k))?\Z")
_SCALES = {"million": "million", "millions": "million", "milliard": "billion", "milliards": "billion",
           "md": "billion", "mds": "billion", "m": "million", "k": "thousand"}
_SCALE_VALUES = {"million": 10**6, "billion": 10**9, "thousand": 10**3}
_WORD = re.compile(r"\w+")
_FRENCH_TIME = re.compile(rf"(?P<h>[01]?\d|2[0-3])[{SPACES}]?h[{SPACES}]?(?P<m>[0-5]\d)?\Z")
_METRES = re.compile(rf"[{SPACES}]?m\Z")   # 100 m: metres (the check reads millions too)
_SPACE = f"[{SPACES}]"


@dataclass(frozen=True)
class Repair:
    """One number written in the English: over `start`-`end` (equal: an insertion)."""

    start: int
    end: int
    written: str        # the French number in English conventions
    model: str          # what the model wrote there ("–": nothing)
    source: Mention     # the French number


def english_number(mention: Mention) -> str | None:
    """The French number `mention` as an English text writes it, or None when it is
    no plain number, or one whose reading is in doubt."""
    if not mention.strong:
        return None
    time = _FRENCH_TIME.match(mention.text)
    if time is not None:   # 18 h 30: 18:30
        written = f"{int(time['h'])}:{time['m'] or '00'}"
        return written if f"t{written}" in mention.values else None
    match = _FRENCH.match(_METRES.sub("", mention.text) if mention.unit == "m" else mention.text)
    if match is None:
        return None
    digits = re.sub(_SPACE, "", match["int"])
    grouped = digits != match["int"]
    written = (f"{int(digits):,}" if grouped else digits) + (f".{match['frac']}" if match["frac"] else "")
    value = Decimal(digits + (f".{match['frac']}" if match["frac"] else ""))
    scale = _SCALES.get((match["scale"] or "").lower())
    if scale:
        written += f" {scale}"
        value *= _SCALE_VALUES[scale]
    if not any(_same(value, reading) for reading in mention.values):
        return None   # the check reads it another way: not ours to write
    return written + (" m" if mention.unit == "m" and _METRES.search(mention.text) else "")


def _same(value: Decimal, reading: str) -> bool:
    try:
        return Decimal(reading) == value
    except ArithmeticError:
        return False


def repairable(pair: SentencePair) -> bool:
    """The model's English (fresh, or from the memory); never a person's."""
    return pair.origin in (ORIGIN_MODEL, ORIGIN_MEMORY) and bool(pair.target.strip())


def repair_numbers(document: Document) -> Document:
    """Pipeline stage: every repairable prose pair's missing numbers written in its English."""
    for paragraph in document.paragraphs:
        if paragraph.kind != METADATA:
            for pair in paragraph.sentences:
                repair_pair(pair)
    return document


def repair_pair(pair: SentencePair) -> list[Repair]:
    """The pair's missing numbers written in its English (its alignment and its terms'
    places moved with it), each with a `number-repaired` flag; returns the repairs made.
    A person's English is never repaired."""
    if not repairable(pair):
        return []
    missing, extra = number_mismatch(pair.source, pair.target)
    written_french = _in_french_conventions(pair)
    if not missing and not written_french:
        return []
    planned = sorted(written_french + (_plan(pair, missing, extra) if missing else []), key=lambda r: (r.start, r.end))
    repairs: list[Repair] = []
    for repair in planned:   # of two that overlap, the first (checked against the last one kept)
        if not repairs or repairs[-1].end <= repair.start:
            repairs.append(repair)
    if not repairs:
        return []
    text, alignment, move = _applied(pair, repairs)
    still_missing, now_extra = number_mismatch(pair.source, text)
    if len(now_extra) > len(extra) or len(still_missing) > len(missing) or \
            (len(still_missing) == len(missing) and len(repairs) > len(written_french)):
        return []   # no better: the model's English stays
    pair.target, pair.alignment = text, alignment
    for term in pair.terms:
        if term.target_start >= 0:   # (an end is exclusive: a number written right after it stays after it)
            term.target_start, term.target_end = move(term.target_start), move(term.target_end - 1) + 1
    for repair in repairs:
        pair.add_flag(FlagCode.NUMBER_REPAIRED, f"{repair.model} → {repair.written}")
    return repairs


# A number as French writes it: grouped by spaces, or with a decimal comma (never an
# English thousands group: 1,500).
_FRENCH_WRITTEN = re.compile(rf"\d{_SPACE}\d{{3}}|\d,\d{{1,2}}(?!\d)")


def _in_french_conventions(pair: SentencePair) -> list[Repair]:
    """French numbers the model copied as the French writes them (`30 000`, `3,5`):
    written in English conventions."""
    if not _FRENCH_WRITTEN.search(pair.target):
        return []
    french = {_spaced(m.text): m for m in mentions(pair.source, "fr")}
    _, english = _protected(pair)
    repairs = []
    for mention in mentions(pair.target, "en"):
        source = french.get(_spaced(mention.text))
        if source is None or not _FRENCH_WRITTEN.search(mention.text) or _overlaps(mention.start, mention.end, english):
            continue
        written = english_number(source)
        if written is not None and written != mention.text:
            repairs.append(Repair(mention.start, mention.end, written, mention.text, source))
    return repairs


def _spaced(text: str) -> str:
    return re.sub(_SPACE, " ", text)


def _protected(pair: SentencePair) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """French spans no repair reads from (glossary terms, verbatim text) and English
    spans none writes over (the terms' targets, the English of verbatim text)."""
    french = [(t.start, t.end) for t in pair.terms] + [(i.start, i.end) for i in pair.inlines if i.verbatim]
    english = [(t.target_start, t.target_end) for t in pair.terms if t.target_start >= 0]
    english += [(ts, te) for s, e, ts, te in pair.alignment if any(a <= s and e <= b for a, b in french)]
    return french, english


def _overlaps(start: int, end: int, spans: list[tuple[int, int]]) -> bool:
    return any(start < b and a < end for a, b in spans)


def _plan(pair: SentencePair, missing: list[Mention], extra: list[Mention]) -> list[Repair]:
    """Where each missing French number goes: over the wrong English number aligned to
    it; else, as many French numbers left as wrong English ones, over those in the same
    order (numbers keep their order across a translation far more often than not);
    else, when the English aligned to it holds no number, where the term policy would
    insert it."""
    french, english = _protected(pair)
    wrong = [e for e in extra if not _overlaps(e.start, e.end, english)]
    numbers_in_english = [(m.start, m.end) for m in mentions(pair.target, "en")]
    planned: list[Repair] = []
    used: set[int] = set()
    left: list[tuple[Mention, str, list[tuple[int, int]]]] = []
    for mention in missing:
        written = english_number(mention)
        if written is None or _overlaps(mention.start, mention.end, french) or _joined(pair.source, mention):
            continue
        aligned = [(ts, te) for s, e, ts, te in pair.alignment if s < mention.end and mention.start < e]
        index = next((i for i, e in enumerate(wrong) if i not in used and _overlaps(e.start, e.end, aligned)), None)
        if index is None:
            left.append((mention, written, aligned))
            continue
        used.add(index)
        planned.append(_over(pair, wrong[index], written, mention))
    unused = [e for i, e in enumerate(wrong) if i not in used]
    if left and len(left) == len(unused):
        return planned + [_over(pair, e, written, mention) for (mention, written, _), e in zip(left, unused)]
    for mention, written, aligned in left:
        if not any(_overlaps(s, e, numbers_in_english) for s, e in aligned) \
                and (position := _insertion_point(pair, mention)) is not None:
            position = _outside(pair.target, position, english + numbers_in_english)
            planned.append(Repair(position, position, written, "–", mention))   # dropped
    return planned


def _outside(text: str, position: int, spans: list[tuple[int, int]]) -> int:
    """`position` moved past a word, a term's target or a number it falls inside."""
    moved = True
    while moved:
        moved = False
        for start, end in spans:
            if start < position < end:
                position, moved = end, True
        while 0 < position < len(text) and text[position - 1].isalnum() and text[position].isalnum():
            position, moved = position + 1, True
    return position


def _over(pair: SentencePair, wrong: Mention, written: str, source: Mention) -> Repair:
    """`written` over the model's number; a full stop the model's number ended with
    ("5:30 p.m.") stays when it also ends the sentence."""
    if wrong.text.endswith(".") and not written.endswith(".") and not _WORD.search(pair.target, wrong.end):
        written += "."
    return Repair(wrong.start, wrong.end, written, wrong.text, source)


_JOINED = re.compile(rf"\d{_SPACE}?[-–:/]{_SPACE}?\Z|\A{_SPACE}?[-–:/]{_SPACE}?\d")


def _joined(source: str, mention: Mention) -> bool:
    """One number of a score, range or ratio (4-0, 120:108, 5-6 m, 24/7): the pair is
    one thing, and a model that wrote it otherwise is left to the reviewer."""
    return bool(_JOINED.search(source[max(0, mention.start - 3):mention.start])
                or _JOINED.search(source[mention.end:mention.end + 3]))


def _insertion_point(pair: SentencePair, mention: Mention) -> int | None:
    """Where the term policy puts a dropped term (align.terms.placement): after the
    English of the nearest French word before it that has any, unless that English
    ends the sentence and the French goes on; else before the English of the nearest
    word after it; None when no French word around it has English."""
    before = [a for a in pair.alignment if a[1] <= mention.start]
    after = [a for a in pair.alignment if a[0] >= mention.end]
    position = None
    if before:
        nearest = max(a[1] for a in before)
        position = max(a[3] for a in before if a[1] == nearest)
        if not pair.target[position:].strip(" .!?\"'”»)") and _WORD.search(pair.source, mention.end) and after:
            position = None
    if position is None and after:
        nearest = min(a[0] for a in after)
        position = min(a[2] for a in after if a[0] == nearest)
    return position


def _applied(pair: SentencePair, repairs: list[Repair]):
    """The English with the repairs made, its alignment (the model's words moved, each
    written number aligned to its French), and a function moving an offset of the
    model's English into the new one."""
    text = pair.target
    parts: list[str] = []
    moves: list[tuple[int, int]] = []     # (end of a repair in the model's English, change of length)
    written_at: list[tuple[int, int, Mention]] = []
    cursor = length = 0
    for repair in repairs:
        new = repair.written
        if repair.start == repair.end:   # inserted: a space on the side that has a word
            new = (" " + new if repair.start and not text[repair.start - 1].isspace() else new) + \
                  (" " if repair.start < len(text) and text[repair.start].isalnum() else "")
        kept = text[cursor:repair.start]
        parts.append(kept)
        length += len(kept)
        lead = len(new) - len(new.lstrip())
        written_at.append((length + lead, length + len(new.rstrip()), repair.source))
        parts.append(new)
        length += len(new)
        moves.append((repair.end, len(new) - (repair.end - repair.start)))
        cursor = repair.end
    parts.append(text[cursor:])
    final = "".join(parts)

    def move(offset: int) -> int:
        return offset + sum(change for end, change in moves if end <= offset)

    alignment = [(s, e, move(ts), move(ts) + te - ts) for s, e, ts, te in pair.alignment
                 if not any(r.start < te and ts < r.end for r in repairs if r.start < r.end)]
    for start, end, mention in written_at:
        alignment += [(mention.start, mention.end, m.start(), m.end()) for m in _WORD.finditer(final, start, end)]
    alignment.sort(key=lambda a: (a[2], a[0]))
    return final, alignment, move
