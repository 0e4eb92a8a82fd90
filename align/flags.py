"""Every review flag, once: its code (stable: the TSV, the pages and the index
count it), its label, what it means and what the reviewer should do.

The checks (align.checks.pair), the memory and the review folder set flags by these
codes; the review page and the index show the labels and meanings;
docs/review.md prints this table (`markdown_table`, checked by a test).
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class FlagCode(StrEnum):
    TERM_FORCED = "term-forced"
    TERM_LATE = "term-late"
    TERM_FAILED = "term-failed"
    LENGTH_RATIO = "length-ratio"
    UNTRANSLATED = "untranslated"
    NUMBER_MISMATCH = "number-mismatch"
    NUMBER_REPAIRED = "number-repaired"
    EMPTY = "empty"
    REPETITION = "repetition"
    SPLIT = "split"
    TRUNCATED = "truncated"
    LOW_CONFIDENCE = "low-confidence"
    SOURCE_CHANGED = "source-changed"
    CORRECTION_REUSED = "correction-reused"
    INCONSISTENT = "inconsistent"
    TYPOGRAPHY = "french-typography"
    MARKUP_MOVED = "markup-moved"
    LINK_FRENCH = "link-french"
    BEAD = "bead"


@dataclass(frozen=True)
class FlagInfo:
    code: FlagCode
    label: str      # the badge
    meaning: str    # what it says about the sentence
    action: str     # what the reviewer should do


FLAGS: dict[str, FlagInfo] = {info.code: info for info in (
    FlagInfo(FlagCode.TERM_FORCED, "term forced",
             "a glossary term's target was placed by align's term policy: the model's English lacked it",
             "check that the sentence still reads well around the placed term"),
    FlagInfo(FlagCode.TERM_LATE, "term placed late",
             "the model dropped a term's French; its target was inserted after the English of the word before it",
             "move the term where it belongs"),
    FlagInfo(FlagCode.TERM_FAILED, "term failed",
             "a glossary term's target is missing from the English",
             "put the glossary's target in, or fix the glossary entry"),
    FlagInfo(FlagCode.LENGTH_RATIO, "length ratio",
             "the English is far longer or shorter than the article's other sentences, for their French",
             "look for dropped or invented content"),
    FlagInfo(FlagCode.UNTRANSLATED, "untranslated",
             "the English is identical to the French",
             "translate it, unless it should stay as it is (a name, a quotation)"),
    FlagInfo(FlagCode.NUMBER_MISMATCH, "numbers differ",
             "a number of the French is missing from the English, or the English has one the French lacks, "
             "once each language's way of writing them is read (10 000 and 10,000, 3,5 % and 3.5%, "
             "18 h 30 and 6:30 pm, dix and 10, kg and pounds; detail: the numbers on each side)",
             "correct the number, or leave it when the English says the same another way"),
    FlagInfo(FlagCode.NUMBER_REPAIRED, "number repaired",
             "the model wrote a French number wrong or dropped it: align wrote the French's number in English "
             "conventions (40 000 → 40,000, 3,5 → 3.5) over the model's, or where the term policy inserts a "
             "dropped term (detail: the model's number, – for none, and the one written)",
             "check the number reads well where it stands (--numbers flag only flags it)"),
    FlagInfo(FlagCode.EMPTY, "empty",
             "the model wrote nothing for a sentence with words (a button's label, a short title)",
             "write the English"),
    FlagInfo(FlagCode.REPETITION, "repetition",
             "a word or phrase repeats in a loop, the model's failure on noisy input",
             "rewrite the sentence"),
    FlagInfo(FlagCode.SPLIT, "split",
             "the sentence was too long for the model and was translated in pieces",
             "check the joins between the pieces"),
    FlagInfo(FlagCode.TRUNCATED, "truncated",
             "the translation stopped at the length limit: its end may be missing",
             "compare the end of the sentence with the French"),
    FlagInfo(FlagCode.LOW_CONFIDENCE, "low confidence",
             "among the article's lowest model scores (mean log-probability per token)",
             "read these first"),
    FlagInfo(FlagCode.SOURCE_CHANGED, "source changed",
             "the French changed since a reviewer corrected this sentence; the old correction is shown",
             "take what still holds of the earlier correction, then save"),
    FlagInfo(FlagCode.CORRECTION_REUSED, "correction reused",
             "the English is a reviewer's correction of the same French in another article (named)",
             "check that it fits this article, then save it to make it this article's own"),
    FlagInfo(FlagCode.INCONSISTENT, "inconsistent",
             "the same French (a sentence, a glossary term or a name) has other English elsewhere in the output "
             "folder (detail: the French, the other English and the first article with it)",
             "choose the right English and correct the rows that differ: the index lists them all under "
             "Inconsistent translations"),
    FlagInfo(FlagCode.TYPOGRAPHY, "French typography",
             "a person's English (a reviewer's correction, an existing translation) has French typography: "
             "« », or a space before ; : ! ? or in 50 % (detail: the marks); align rewrites only the machine's",
             "use English quotes (“ ” and ‘ ’ inside them) and no space before those marks"),
    FlagInfo(FlagCode.MARKUP_MOVED, "markup moved",
             "inline markup (bold, a link...) could not follow its words and sits at the sentence's edge",
             "check where the markup landed in the article's own format"),
    FlagInfo(FlagCode.LINK_FRENCH, "link in French",
             "a link had no English word left to hold it (the model merged or dropped its words, or gave them "
             "to a neighbouring link): it keeps its French text, so it is never empty (detail: that text)",
             "translate the link's words, or move the link onto the English that says it"),
    FlagInfo(FlagCode.BEAD, "bead",
             "align pair matched this row other than one sentence to one (detail: French-English counts, "
             "e.g. 2-1, or 1-0 for a sentence with no counterpart)",
             "check that the two sides say the same thing"),
)}

# The index's and the page's columns: every flag a translated plain-text article can
# have (markup-moved, bead and french-typography, only on a person's English, appear
# only where they occur; so does inconsistent, which compares the article with others).
COLUMN_CODES = tuple(code for code in FlagCode
                     if code not in (FlagCode.MARKUP_MOVED, FlagCode.LINK_FRENCH, FlagCode.BEAD,
                                     FlagCode.TYPOGRAPHY, FlagCode.INCONSISTENT))


def label(code: str) -> str:
    info = FLAGS.get(code)
    return info.label if info else code


def meaning(code: str) -> str:
    info = FLAGS.get(code)
    return info.meaning if info else ""


def markdown_table() -> str:
    """The table docs/review.md prints."""
    rows = ["| flag | meaning | what to do |", "|---|---|---|"]
    rows += [f"| `{info.code}` | {info.meaning} | {info.action} |" for info in FLAGS.values()]
    return "\n".join(rows)
