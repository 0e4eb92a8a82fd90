"""MkDocs and Python-Markdown syntax, read by markdown-it as blocks of their own
(French documentation sites built with MkDocs Material, FastAPI's among them):

- admonitions, `!!! note "Titre"`, and collapsible ones (pymdownx.details),
  `??? note "Titre"` and `???+ note`;
- content tabs (pymdownx.tabbed), `=== "Onglet"` (`===!`, `===+` too);
- attribute lists (attr_list), `{: .class }`, `{ #id .class }`, `{target="_blank"}`.

Marker lines are read as mdit-py-plugins' admonition rule reads them (a content tab
as `!!! tab "Onglet"`), the reader the document path is checked with: any line that
starts with a marker and a kind is one (`??? Corps de réponse JSON`, cartes.gouv's
`???? GET "…"` too), and it interrupts a paragraph. Its title is the quoted text, or
else the words after its first one (`??? Corps de réponse JSON`: `de réponse JSON`,
the kind `Corps` kept as it is); `!!! note` alone has its kind's title, no text of
its own. Its body is the lines after it indented past the marker's start by the
marker and the spaces after it (four columns for `!!! note`), blank lines between
them (two end it): Markdown, read as the container's blocks (not as an indented code
block). The title is text of its own (a `mkdocs-title` block: translated, its
marker kept).

An attribute list is an `attrs` inline token: kept byte for byte, never translated
(align.read.formats.markdown glues it to the element it follows, and keeps one at the
end of a block out of the block's text).
"""
from __future__ import annotations

import re

from markdown_it import MarkdownIt

# The marker strings of an admonition (`!!!`) and a collapsible one (`???`, `???+`),
# the longest first; a content tab's line (`=== "Onglet"`).
MARKERS = ("???+", "???", "!!!")
TAB_RE = re.compile(r'(?P<marker>===[!+]{0,2})[ \t]+"(?P<title>.*)"[ \t]*$')
# A marker's words before a quoted title (`note "Titre"`, `? GET "Titre"`).
QUOTED_TITLE_RE = re.compile(r'^(?P<tokens>[^"\s](?:[^"]*[^"\s])?)\s+"(?P<title>.*)"[^\s"]*$')
# attr_list's attribute list: {: …} or {…} holding #id, .class, key=value (quoted or not).
_ATTR = r"""(?:[#.][\w-]+|[\w-]+=(?:"[^"\n]*"|'[^'\n]*'|[^\s}"']+))"""
# An attribute list: ids, classes and key=values, and, after one of those, bare words
# (markdown-it-attrs reads `{#Comparisons with Other Techniques}` as an id and attributes).
ATTRS_RE = re.compile(r"\{:?[ \t]*%s(?:[ \t]+(?:%s|[\w-]+))*[ \t]*\}" % (_ATTR, _ATTR))
TITLE_ROLE = "mkdocs-title"
# A marker line interrupts these (as mdit-py-plugins' admonitions do).
ALTERNATIVES = ["paragraph", "reference", "blockquote", "list"]


def marker_line(line: str) -> tuple[str, int, int, int] | None:
    """A marker line as mdit-py-plugins' admonition rule reads it (a content tab as
    `!!! tab "Onglet"`): (marker, where its body's indent is counted from, where
    its title starts and ends in the line: -1 when it has no title of its own, as
    `!!! note`, whose title is its kind's); None when it is none."""
    tab = TAB_RE.match(line)
    if tab:
        return tab.group("marker"), 4, tab.start("title"), tab.end("title")
    marker = next((m for m in MARKERS if line.startswith(m)), None)
    if marker is None:
        return None
    params = line[len(marker):]
    if not params.strip().split(" ", 1)[-1]:
        return None  # "???" alone: no kind, no admonition
    body = len(marker)
    while body < len(line) and line[body] == " ":
        body += 1
    indent = body + 3 - len(marker)  # (`???+` counts as three columns)
    stripped = params.strip()
    lead = len(marker) + len(params) - len(params.lstrip())
    quoted = QUOTED_TITLE_RE.match(stripped)
    if quoted:
        return marker, indent, lead + quoted.start("title"), lead + quoted.end("title")
    kind, _, title = stripped.partition(" ")
    if not title or title == '""':  # (the title is the kind's, or none)
        return marker, indent, -1, -1
    return marker, indent, lead + len(kind) + 1, lead + len(stripped)


def mkdocs_block(state, start_line: int, end_line: int, silent: bool) -> bool:
    """An admonition, a collapsible admonition or a content tab: its marker line,
    its title (an inline token of its own) and its indented body, read as
    mdit-py-plugins' admonition rule reads them (a marker line interrupts a
    paragraph; the body is the lines indented past the marker's start by the
    marker and the spaces after it, up to two blank lines)."""
    if state.sCount[start_line] - state.blkIndent >= 4:
        return False
    start = state.bMarks[start_line] + state.tShift[start_line]
    line = state.src[start:state.eMarks[start_line]]
    if line[:3] not in ("!!!", "???", "==="):
        return False
    found = marker_line(line)
    if found is None:
        return False
    if silent:
        return True
    marker, indent, title_start, title_end = found
    indent += state.blkIndent
    line_number, was_empty = start_line + 1, False
    while line_number < end_line:
        empty = state.sCount[line_number] < indent
        if empty and was_empty:
            break  # two blank lines end it
        was_empty = empty
        if state.bMarks[line_number] + state.tShift[line_number] < state.eMarks[line_number] \
                and state.sCount[line_number] < indent:
            break
        line_number += 1
    body_end = line_number
    open_token = state.push("mkdocs_open", "div", 1)
    open_token.markup = marker
    open_token.info = line[len(marker):title_start if title_start >= 0 else len(line)].strip(' \t"')
    open_token.map = [start_line, body_end]
    title = line[title_start:title_end] if title_start >= 0 else ""
    if title.strip():
        title_token = state.push("mkdocs_title_open", TITLE_ROLE, 1)
        title_token.map = [start_line, start_line + 1]
        inline = state.push("inline", "", 0)
        inline.content = title
        inline.map = [start_line, start_line + 1]
        inline.children = []
        # where the title starts in its line (the reader finds the text there, not in the marker)
        inline.meta = {"column": start + title_start - (state.src.rfind("\n", 0, start) + 1)}
        state.push("mkdocs_title_close", TITLE_ROLE, -1)
    old_parent, old_line_max, old_indent = state.parentType, state.lineMax, state.blkIndent
    state.parentType, state.lineMax, state.blkIndent = "mkdocs", body_end, indent
    state.md.block.tokenize(state, start_line + 1, body_end)
    state.parentType, state.lineMax, state.blkIndent = old_parent, old_line_max, old_indent
    close_token = state.push("mkdocs_close", "div", -1)
    close_token.markup = marker
    state.line = body_end
    return True


def attribute_list(state, silent: bool) -> bool:
    """`{: .class }`, `{ #id }`, `{key="value"}`: one `attrs` token."""
    if state.src[state.pos] != "{":
        return False
    match = ATTRS_RE.match(state.src, state.pos, state.posMax)
    if not match:
        return False
    if not silent:
        token = state.push("attrs", "", 0)
        token.content = token.markup = match.group()
    state.pos = match.end()
    return True


def mkdocs_plugin(md: MarkdownIt) -> None:
    md.block.ruler.before("code", "mkdocs", mkdocs_block, {"alt": ALTERNATIVES})
    md.inline.ruler.after("text", "attrs", attribute_list)
