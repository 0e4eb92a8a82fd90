"""XLIFF 1.2 and 2.0 both ways, for reviewers who work in a CAT tool.

The modules, each on its own:
  common.py   the namespaces, languages, note categories and unit ids (`unit_ids`)
  states.py   review statuses as XLIFF states, both ways (`STATES`)
  render.py   export (`export_folder`, `render_xliff`): units, notes, states, inline codes
  parse.py    import, reading a file's units and their inline codes (`read_xliff`, `Code`)
  codes.py    import, inline codes → word alignment (`imported_alignment`)
  apply.py    import, finding each unit's sentence and applying its edits (`import_xliff`)

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

States, both ways (`STATES` in states.py; docs/review.md prints the same table):

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
(`Edit.alignment`) from which the same-format writer puts the markup exactly
there (see `codes._code_alignment` for how the links are chosen for the placer
of align.read.formats.inline). An import where only codes moved is an edit of
the alignment alone. Codes that do not fit
the sentence's markup (unknown ids, wrong kind, crossing spans, a <bx/> without
its <ex/>) are ignored with a warning, as are placements the writer cannot
reproduce (e.g. a span over the whole French sentence always covers the whole
English one).
"""
from __future__ import annotations

from .apply import ImportReport, import_xliff
from .common import ALIGN_NOTE, COMMENT_FROM, SOURCE_LANG, TARGET_LANG, VERSIONS, XLIFF12, XLIFF20, unit_ids
from .parse import Code, ImportedUnit, read_xliff
from .render import DATATYPES, export_folder, inline_20, render_xliff
from .states import KEEP, MACHINE, STATES, review_state

__all__ = ["ALIGN_NOTE", "COMMENT_FROM", "DATATYPES", "KEEP", "MACHINE", "SOURCE_LANG", "STATES", "TARGET_LANG",
           "VERSIONS", "XLIFF12", "XLIFF20", "Code", "ImportReport", "ImportedUnit", "export_folder",
           "import_xliff", "inline_20", "read_xliff", "render_xliff", "review_state", "unit_ids"]
