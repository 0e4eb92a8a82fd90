"""MkDocs and Python-Markdown syntax, read by markdown-it as blocks of their own
(French documentation sites built with MkDocs Material, FastAPI's among them):

- admonitions, `!!! note "Titre"`, and collapsible ones (pymdownx.details),
  `??? note "Titre"` and `???+ note`;
- content tabs (pymdownx.tabbed), `=== "Onglet"` (`===!`, `===+` too);
- attribute lists (attr_list), `{: .class }`, `{ #id .class }`, `{target="_blank"}`.

An admonition or a tab is its marker line and the lines after it indented by four
more columns (blank lines between them): that body is Markdown, read as the
container's blocks (not as an indented code block), and the quoted title is text
of its own (a `mkdocs-title` block: translated, its marker kept). A marker line is
read so only at a block's start (it does not interrupt a paragraph, so a plain
CommonMark paragraph reads as before) and only when it has a quoted title or an
indented body: `!!! Important` alone on its line stays a paragraph.

An attribute list is an `attrs` inline token: kept byte for byte, never translated
(align.formats.markdown glues it to the element it follows, and keeps one at the
end of a block out of the block's text).
"""
from __future__ import annotations

import re

from markdown_it import MarkdownIt

# Python-Markdown's admonition, pymdownx.details and pymdownx.tabbed marker lines.
ADMONITION_RE = re.compile(r'(?P<marker>!!!|\?\?\?\+?)[ \t]*(?P<kind>[\w-]+(?:[ \t]+[\w-]+)*)'
                           r'(?:[ \t]+"(?P<title>.*)")?[ \t]*$')
DETAILS_TITLE_ONLY_RE = re.compile(r'(?P<marker>\?\?\?\+?)[ \t]*"(?P<title>.*)"[ \t]*$')
TAB_RE = re.compile(r'(?P<marker>===[!+]{0,2})[ \t]+"(?P<title>.*)"[ \t]*$')
# attr_list's attribute list: {: …} or {…} holding #id, .class, key=value (quoted or not).
ATTRS_RE = re.compile(r"""\{:?[ \t]*(?:(?:[#.][\w-]+|[\w-]+=(?:"[^"\n]*"|'[^'\n]*'|[^\s}"']+))[ \t]*)+\}""")
TITLE_ROLE = "mkdocs-title"


def mkdocs_block(state, start_line: int, end_line: int, silent: bool) -> bool:
    """An admonition, a collapsible admonition or a content tab: its marker line,
    its quoted title (an inline token of its own) and its indented body."""
    if state.sCount[start_line] - state.blkIndent >= 4:
        return False
    start = state.bMarks[start_line] + state.tShift[start_line]
    line = state.src[start:state.eMarks[start_line]]
    if line[:3] not in ("!!!", "???", "==="):
        return False
    match = ADMONITION_RE.match(line) or DETAILS_TITLE_ONLY_RE.match(line) or TAB_RE.match(line)
    if match is None:
        return False
    indent = state.sCount[start_line] + 4
    body_end = line_number = start_line + 1
    while line_number < end_line:
        if state.isEmpty(line_number):
            line_number += 1
            continue
        if state.sCount[line_number] < indent:
            break
        line_number += 1
        body_end = line_number
    title = match.group("title")
    if title is None and body_end == start_line + 1:
        return False  # "!!! Important" alone: a paragraph, as CommonMark reads it
    if silent:
        return True
    open_token = state.push("mkdocs_open", "div", 1)
    open_token.markup = match.group("marker")
    open_token.info = match.groupdict().get("kind") or ""
    open_token.map = [start_line, body_end]
    if title and title.strip():
        title_start = start + match.start("title")
        title_token = state.push("mkdocs_title_open", TITLE_ROLE, 1)
        title_token.map = [start_line, start_line + 1]
        inline = state.push("inline", "", 0)
        inline.content = title
        inline.map = [start_line, start_line + 1]
        inline.children = []
        # where the title starts in its line (the reader finds the text there, not in the marker)
        inline.meta = {"column": title_start - (state.src.rfind("\n", 0, title_start) + 1)}
        state.push("mkdocs_title_close", TITLE_ROLE, -1)
    if body_end > start_line + 1:
        old_parent, old_line_max, old_indent = state.parentType, state.lineMax, state.blkIndent
        state.parentType, state.lineMax, state.blkIndent = "mkdocs", body_end, indent
        state.md.block.tokenize(state, start_line + 1, body_end)
        state.parentType, state.lineMax, state.blkIndent = old_parent, old_line_max, old_indent
    close_token = state.push("mkdocs_close", "div", -1)
    close_token.markup = match.group("marker")
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
    md.block.ruler.before("code", "mkdocs", mkdocs_block)
    md.inline.ruler.after("text", "attrs", attribute_list)
