"""Markdown articles through markdown-it-py (CommonMark, plus tables and
strikethrough), the maintained port of markdown-it.

Its block tokens carry source line maps; inline tokens carry none, so each
inline token's children are matched in order against its source text (their
markup strings are known, and link tails are measured with markdown-it's own
link-destination and link-title parsers). A block whose children do not add up
to its source exactly is kept as it was, with a warning: the rebuild is always
byte for byte.

Translated: paragraphs, headings, list items, table cells, block quotes, link
text, image descriptions, link and image titles (reference definitions' too),
raw HTML blocks (read as HTML: their text is translated, their tags kept) and the
front matter keys in FRONT_MATTER_KEYS. Inline raw HTML tags are spans when they
pair up (<b>...</b>), else placeholders. Kept: code blocks and spans, autolinks,
URLs, the rest of the front matter.
"""
from __future__ import annotations

import json
import re
from dataclasses import replace
from bisect import bisect_right

from markdown_it import MarkdownIt
from markdown_it.helpers import parseLinkDestination, parseLinkTitle
from markdown_it.rules_block.html_block import HTML_SEQUENCES

from ...document import METADATA, Document, Paragraph
from ..protect import BUILTIN
from .base import FRONT_MATTER_RE, ParagraphBuilder, Skeleton, TextFormat, add_paragraph, glued_to_text
from .html import INLINE_TAGS, KEEP_INLINE, VERBATIM_TAGS, build_html, element_text, english_inline_languages, escaper_for_role, href_of
from ...markup.spans import CLOSE, OPEN, POINT, TEXT
from ...markup.rendering import render_paragraph, tokens_to_text
from .markdown_escape import escape_by_position, joined, positioned
from .mkdocs import ALTERNATIVES, TITLE_ROLE, attribute_list, mkdocs_block

FRONT_MATTER_KEYS = ("title", "subtitle", "description", "summary")
# The page's language in the front matter (Jekyll, Hugo...): lang/language/locale: fr
FRONT_MATTER_LANGUAGE_RE = re.compile(r"""^(lang|language|locale|languageCode)[ \t]*:[ \t]*["']?"""
                                      r"""(fr(?:[-_][A-Za-z0-9]+)*)["']?[ \t\r]*$""", re.MULTILINE | re.IGNORECASE)
FRONT_MATTER_LINE_RE = re.compile(r"^(%s)[ \t]*:[ \t]*(.*?)[ \t\r]*$" % "|".join(FRONT_MATTER_KEYS), re.MULTILINE)
ALWAYS_ESCAPED = set("\\`*_[]<>|~")
ESCAPED_AT_START = set("#+-=>")
YAML_PLAIN_UNSAFE = re.compile(r"""^[-?:,\[\]{}#&*!|>'"%@`]|: | #|:$|^\s|\s$""")
EMPHASIS = ("em", "strong", "s")
HTML_ROLE = "html "  # role prefix of the paragraphs of raw HTML blocks, read as HTML


def escape_markdown(char: str, at_start: bool) -> str:
    """The reader's escaper: which characters' source spelling a paragraph records
    (see ParagraphBuilder.text). Translations are escaped by position instead
    (markdown_escape)."""
    if char in ALWAYS_ESCAPED or (at_start and char in ESCAPED_AT_START):
        return "\\" + char
    return char


def _verbatim(char: str, at_start: bool) -> str:
    return char


escape_markdown.special = frozenset(ALWAYS_ESCAPED)
escape_markdown.special_at_start = frozenset(ESCAPED_AT_START)


def _title_escaper(delimiters: str):
    def escape_title(char: str, at_start: bool) -> str:
        return "\\" + char if char in delimiters or char == "\\" else char
    escape_title.special = frozenset(delimiters + "\\")
    return escape_title


# A link title's delimiter -> how its text is escaped: the closing delimiter and backslashes.
TITLE_ESCAPES = {'"': _title_escaper('"'), "'": _title_escaper("'"), "(": _title_escaper("()")}


def escape_yaml_double(char: str, at_start: bool) -> str:
    return {"\\": "\\\\", '"': '\\"'}.get(char, char)


def escape_yaml_single(char: str, at_start: bool) -> str:
    return "''" if char == "'" else char


def parser() -> MarkdownIt:
    # inline_definitions: link reference definitions as tokens, with their lines (for their titles)
    md = MarkdownIt("commonmark", {"html": True, "inline_definitions": True}).enable(["table", "strikethrough"])
    md.disable("text_join")  # keep escapes and entities apart: their source spelling is needed
    md.inline.ruler.after("text", "template", _template_tag)
    # MkDocs / Python-Markdown: admonitions, content tabs, attribute lists (align.read.formats.mkdocs)
    md.block.ruler.before("code", "mkdocs", mkdocs_block, {"alt": ALTERNATIVES})
    md.inline.ruler.after("template", "attrs", attribute_list)
    return md


_ORACLE: list[MarkdownIt] = []


def _oracle() -> MarkdownIt:
    """The reader's parser with escapes and entities merged into their text: what
    a translated slot is checked with (markdown_escape)."""
    if not _ORACLE:
        md = parser().enable("text_join")
        # Every link is a link here (markdown-it refuses javascript: and a few other
        # schemes; other readers may not): text must not make one whatever its URL.
        md.validateLink = lambda url: True
        _ORACLE.append(md)
    return _ORACLE[0]


_TEMPLATE_RE = re.compile(BUILTIN["template"])
# A pandoc grid table: a border line (+---+---+, = under a header), then lines that
# start with | or +, the last a border again; its caption may follow (`Table: …`).
_GRID_BORDER = r"\+(?:[-=:]+\+)+[ \t]*"
_GRID_TABLE = re.compile(rf"{_GRID_BORDER}\n(?:[|+][^\n]*\n)*{_GRID_BORDER}(?:\n(?:Table)?:[^\n]*)?")


def _template_tag(state, silent: bool) -> bool:
    """A template tag (`{{ … }}`, `{% … %}`, `{# … #}`) is one token, read before the
    code spans, escapes or emphasis its inside may hold (`{{% note "`a`" %}}`): a
    templating engine reads it first, so the page's author wrote it that way. A
    value may span lines (`{{ component("table", {` … `}) }}`): it is one too, kept
    whole (its braces balanced)."""
    if state.src[state.pos] != "{":
        return False
    match = _TEMPLATE_RE.match(state.src, state.pos, state.posMax)
    end = match.end() if match else _multiline_value(state.src, state.pos, state.posMax)
    if end is None:
        return False
    if not silent:
        token = state.push("template", "", 0)
        token.content = token.markup = state.src[state.pos:end]
    state.pos = end
    return True


MULTILINE_VALUE_LIMIT = 4000  # characters: a template call, not a page


def _multiline_value(text: str, start: int, end: int) -> int | None:
    """The end of a template value `{{ … }}` opened at `start` and closed on a later
    line, its braces balanced inside (a call's `{ key: value }` arguments); None
    when there is none."""
    if not text.startswith("{{", start) or text.startswith(("{{<", "{{%"), start):
        return None
    depth, quote = 0, ""
    for position in range(start, min(end, start + MULTILINE_VALUE_LIMIT)):
        char = text[position]
        if quote:
            if char == quote and text[position - 1] != "\\":
                quote = ""
            elif char == "\n" and quote != "`":
                return None  # a string does not span lines
        elif char in "\"'`" and depth >= 2:
            quote = char
        elif char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return position + 1 if text[position - 1] == "}" and "\n" in text[start:position] else None
            if depth < 2 and text[position + 1:position + 2] != "}":
                return None  # "}}" must close it
    return None


# Roles of text that is a paragraph's (a setext heading's is one, underlined): raw HTML
# at the start of one of its lines could open an HTML block. An ATX heading's text or a
# table cell's is no block.
PARAGRAPH_ROLES = frozenset(["p", "li", "blockquote", "setext h1", "setext h2"])
# Roles of text that is a Markdown block's own: spaces at its start are layout.
BLOCK_ROLES = PARAGRAPH_ROLES | {"h1", "h2", "h3", "h4", "h5", "h6", "td", "th", TITLE_ROLE}


class ReferenceMarkup(str):
    """The markup of a shortcut or collapsed reference link or image whose text is
    its label: a link's closing `]` or `][]`, an image's whole `![alt]` or `![alt][]`.
    Once the text is translated the writer spells the label out (`[English][label]`),
    or the link would no longer find its definition."""

    label: str
    tail: str  # "]" or "][]": where the markup ends
    after: str  # the character that followed it in the source

    def __new__(cls, markup: str, label: str, tail: str, after: str = "") -> "ReferenceMarkup":
        reference = super().__new__(cls, markup)
        reference.label, reference.tail, reference.after = label, tail, after
        return reference

    def __getnewargs__(self):  # (copies and pickles keep the label)
        return str(self), self.label, self.tail, self.after

    def labelled(self, markup: str | None = None) -> str:
        """`markup` (this one with its text translated; a link's close is itself)
        with the label written out."""
        markup = self if markup is None else markup
        if "\n" in self.label:
            return markup
        return markup[:len(markup) - len(self.tail)] + f"][{self.label}]"

    def collapsed(self) -> "ReferenceMarkup":
        """`[a]` as `[a][]`: the same link, which nothing after it can change."""
        return ReferenceMarkup(self + "[]", self.label, "][]", self.after)

    def misread_before(self, character: str) -> bool:
        """Whether a shortcut one (`[a]`) now followed by `character` would read as
        something else: `[a][b]`, an inline link `[a](x)`, or a definition `[a]:`
        (unless the source had it so)."""
        return self.tail == "]" and character in {"[", "(", ":"} - {self.after}


class _Mismatch(Exception):
    """The children of an inline token do not match its source."""


class MarkdownFormat(TextFormat):
    name = "md"
    suffixes = (".md", ".markdown")
    output_suffix = ".en.md"

    def escaper(self, paragraph: Paragraph):
        if paragraph.role.startswith(HTML_ROLE):
            return escaper_for_role(paragraph.role[len(HTML_ROLE):])
        kind = paragraph.role.split(":")[0]
        if kind.startswith("title") and kind[5:] in TITLE_ESCAPES:
            return TITLE_ESCAPES[kind[5:]]
        return {"yaml\"": escape_yaml_double, "yaml'": escape_yaml_single, "yaml": _verbatim}.get(
            kind, escape_by_position)

    def slot_tokens(self, paragraph: Paragraph) -> list:
        tokens = english_inline_languages(paragraph, render_paragraph(paragraph, self.escaper(paragraph)))
        if paragraph.role.startswith(HTML_ROLE):
            return tokens
        out: list = []
        for token in tokens:
            what, value = token
            if what == POINT and value.kind in EMPHASIS and value.close:
                continue  # emphasis left with no words would read as literal "****"
            if what == TEXT and not value:
                continue
            if out and out[-1][0] == POINT and out[-1][1].open.endswith("`") and what != TEXT \
                    and (value.close if what == CLOSE else value.open).startswith("`"):
                out.append((TEXT, " "))  # two code spans brought together would read as one
            out.append(token)
        if paragraph.role in PARAGRAPH_ROLES:
            out = _no_html_block_start(out)
            out = _no_fence_start(out)
        out = _no_blank_line(out)
        block = paragraph.role in BLOCK_ROLES  # (a title's or the front matter's spaces are its own)
        while out and ((out[0][0] == POINT and out[0][1].kind in ("space", "br") and out[0][1].start > 0)
                       or (block and out[0][0] == TEXT and not out[0][1].strip())):
            del out[0]  # spaces or a line break the words moved away from: at a block's start
            #           four spaces make code, and a break's newline ends the paragraph
        if block and out and out[0][0] == TEXT:
            out[0] = (TEXT, out[0][1].lstrip())
        return _reference_labels(out)

    def slot_text(self, document: Document, index: int, tokens: list, opening, closing) -> str:
        paragraph = document.paragraphs[index]
        if self.escaper(paragraph) is not escape_by_position:
            return tokens_to_text(tokens, opening, closing)
        pieces: list[str] = []
        opened: dict[int, int] = {}  # a link's order -> where its text starts among the pieces
        for what, value in tokens:
            if what == TEXT:
                pieces.append(value)
            elif what == OPEN:
                opened[value.order] = len(pieces)
                pieces.append(opening(value))
            elif what == CLOSE:
                close = closing(value)
                if isinstance(value.close, ReferenceMarkup) and close in ("]", "][]") and value.order in opened:
                    # A link whose text is its label ([a] or [a][]): an escape would change the
                    # label, and the link would find no definition. Its text is the source's.
                    for n in range(opened[value.order], len(pieces)):
                        pieces[n] = str(pieces[n])
                pieces.append(close)
            else:
                pieces.append(opening(value) + closing(value))
        text = joined(pieces)
        if str(text) == getattr(document.layout, "slot_sources", {}).get(index):
            return str(text)  # a copy: as the source wrote it
        # Every character escaped where it lands (and only there): see markdown_escape.
        return positioned(_oracle(), text, paragraph.role, getattr(document.layout, "references", None))

    def finish_markup(self, source: str, spliced: str) -> str:
        # (an image whose alt, its label, was translated; a link's label is its text's)
        return source.labelled(spliced) if isinstance(source, ReferenceMarkup) and spliced != source else spliced

    def finish_slot(self, paragraph: Paragraph, text: str) -> str:
        if paragraph.role.startswith("yaml:") and text != paragraph.text and YAML_PLAIN_UNSAFE.search(text):
            return json.dumps(text, ensure_ascii=False)  # a plain YAML scalar that must now be quoted
        return text

    def build(self, text: str, document: Document, skeleton: Skeleton, name: str) -> None:
        body_start = 0
        front = FRONT_MATTER_RE.match(text)
        if front:
            body_start = front.end()
            self.front_matter(text[:body_start], document, skeleton)
        body = text[body_start:]
        lines = body.splitlines(keepends=True)
        line_starts = [0]
        for line in lines:
            line_starts.append(line_starts[-1] + len(line))
        bare = [line.rstrip("\r\n") for line in lines]
        cursor = 0
        cell_cursor: dict[int, int] = {}
        role_stack: list[str] = []
        md = parser()
        env: dict = {}
        tokens = md.parse(body, env)
        # What a translated slot is checked against (markdown_escape): the links it
        # may refer to, and each slot's source text (a copy is written as it was).
        skeleton.references = env.get("references", {})
        skeleton.slot_sources = sources = {}
        for token in tokens:
            if token.nesting == 1:
                # (a setext heading's text is a paragraph's underlined: it must not start a block)
                role_stack.append("p" if token.type == "paragraph_open" else "setext " + token.tag
                                  if token.type == "heading_open" and token.markup in ("=", "-") else token.tag)
            elif token.nesting == -1 and role_stack:
                role_stack.pop()
            if token.type in ("html_block", "definition") and token.map:
                start, end = line_starts[token.map[0]], line_starts[token.map[1]]
                if start >= cursor:
                    skeleton.literal(body[cursor:start])
                    if token.type == "html_block":
                        if not _html_block(token, body[start:end], document, skeleton) and token.content.strip():
                            document.warnings.append(f"{name}:{token.map[0] + 1}: raw HTML inside a quote or "
                                                     "list item kept untranslated")
                    else:
                        _definition(token, body[start:end], document, skeleton)
                    cursor = end
                continue
            if token.type != "inline" or not token.map or not token.content.strip():
                continue
            role = _role(role_stack)
            if role == "p" and _GRID_TABLE.fullmatch(token.content):
                # Pandoc's and zmarkdown's grid tables are a paragraph to CommonMark; their
                # cells cannot be translated without laying the grid out again
                document.warnings.append(f"{name}:{token.map[0] + 1}: grid table kept untranslated")
                continue
            if role in ("td", "th") and "|" in token.content:
                # Table cells arrive with "\|" already unescaped: parse the cell's source instead.
                cell = md.parseInline(token.content.replace("|", "\\|"))[0]
                cell.map = token.map
                token = cell
            try:
                offsets = _line_offsets(token, bare, line_starts, cell_cursor)
                length = _without_block_attributes(token)
                start, end = _to_file(offsets, 0), _to_file(offsets, length)
                if start < cursor:
                    raise _Mismatch
                paragraph, attributes = _paragraph(token, body, offsets, role, length)
            except (_Mismatch, ValueError, IndexError):
                document.warnings.append(f"{name}:{token.map[0] + 1}: markup not understood here; "
                                         "block kept untranslated")
                continue
            if paragraph is None:
                continue
            skeleton.literal(body[cursor:start])
            add_paragraph(document, skeleton, paragraph, attributes)
            index = len(document.paragraphs) - 1
            sources[index] = body[start:end]
            for inline in paragraph.inlines:  # (an image's description: its own slot)
                for a, b, number in skeleton.attributes.get((index, inline.order), ()):
                    sources[number] = inline.open[a:b]
            cursor = end
        skeleton.literal(body[cursor:])

    def front_matter(self, block: str, document: Document, skeleton: Skeleton) -> None:
        cursor = 0
        matches = sorted(list(FRONT_MATTER_LINE_RE.finditer(block)) + list(FRONT_MATTER_LANGUAGE_RE.finditer(block)),
                         key=lambda m: m.start())
        for match in matches:
            if match.re is FRONT_MATTER_LANGUAGE_RE:  # lang: fr -> en once translated
                skeleton.literal(block[cursor:match.start(2)])
                skeleton.literal(match.group(2))
                skeleton.language(0, len(match.group(2)), "en_US" if match.group(1).lower() == "locale" else "en")
                cursor = match.end(2)
                continue
            value, start = match.group(2), match.start(2)
            quote = value[:1] if value[:1] in "\"'" and len(value) >= 2 and value[-1] == value[0] else ""
            inner = value[1:-1] if quote else value
            if not inner or not any(c.isalpha() for c in inner) or (not quote and inner[0] in "|>&*!%@`{["):
                continue
            if quote == '"' and "\\" in inner:
                continue  # YAML escapes: not worth a second spelling model; kept as is
            escape = {'"': escape_yaml_double, "'": escape_yaml_single}.get(quote, _verbatim)
            builder = ParagraphBuilder(escape, role=f"yaml{quote}:{match.group(1)}")
            decoded = inner.replace("''", "'") if quote == "'" else inner
            builder.text(decoded, inner if decoded != inner else None)
            skeleton.literal(block[cursor:start + len(quote)])
            skeleton.slot(len(document.paragraphs))
            document.paragraphs.append(builder.paragraph())
            cursor = start + len(value) - len(quote)
        skeleton.literal(block[cursor:])


def _reference_labels(tokens: list) -> list:
    """Shortcut and collapsed reference links whose text changed get their label
    written out: `[the page][la page]` (see ReferenceMarkup; images get theirs in
    finish_markup); a shortcut one that something now follows which would change its
    reading becomes collapsed."""
    out = list(tokens)
    opened: dict[int, int] = {}
    for n, (what, value) in enumerate(out):
        if what == OPEN and value.kind == "a":
            opened[id(value)] = n
        elif what == POINT and isinstance(value.open, ReferenceMarkup) \
                and value.open.misread_before(_next_character(out, n)):
            out[n] = (POINT, replace(value, open=value.open.collapsed()))
        elif what == POINT and value.paired is False and isinstance(value.close, ReferenceMarkup) \
                and value.close.label and "\n" not in value.close.label:
            # A reference link the translation left with no words: "[][label]" still
            # points where it did ("[]" alone would be text).
            out[n] = (POINT, replace(value, close=value.close.labelled()))
        elif what == CLOSE and isinstance(value.close, ReferenceMarkup) and id(value) in opened:
            label = value.close.label
            if tokens_to_text(out[opened[id(value)] + 1:n]) != label and "\n" not in label:
                out[n] = (CLOSE, replace(value, close=value.close.labelled()))
            elif value.close.misread_before(_next_character(out, n)):
                out[n] = (CLOSE, replace(value, close=value.close.collapsed()))
    return out


def _no_blank_line(tokens: list) -> list:
    """A hard line break brought next to a line end of the source (a soft break, or
    another hard one) would leave a blank line: the paragraph would end there, and
    an indented rest would be code. The source's line end goes; the break stays (of
    two breaks, the first)."""
    def is_br(token) -> bool:
        return token[0] == POINT and token[1].kind == "br"

    def newline_space(token) -> bool:  # whitespace with a line end in it: a soft break
        what, value = token
        return what in (TEXT, POINT) and not (text := value if what == TEXT else value.open).strip() \
            and "\n" in text and not is_br(token)

    out: list = []
    for token in tokens:
        what, value = token
        if out and is_br(out[-1]):  # after a break: no second line end
            if newline_space(token) or (is_br(token) and not value.open.strip()):
                continue
            if what == TEXT and "\n" in value[:len(value) - len(value.lstrip())]:
                token = (TEXT, value.lstrip())
        elif is_br(token) and not value.open.strip():  # "  \n" after a line end: that line blank
            while out and newline_space(out[-1]):
                out.pop()
            if out and out[-1][0] == TEXT and "\n" in out[-1][1][len(out[-1][1].rstrip()):]:
                out[-1] = (TEXT, out[-1][1].rstrip())
            if out and is_br(out[-1]):
                continue
        out.append(token)
    while out and (is_br(out[-1]) or newline_space(out[-1])) and any(is_br(token) for token in out):
        out.pop()  # a break the words left at the end (no source paragraph ends so): "\\" would show
    return out


def _next_character(tokens: list, n: int) -> str:
    """The first character written after token n ("" at the end)."""
    for token in tokens[n + 1:]:
        text = tokens_to_text([token])
        if text:
            return text[0]
    return ""


def _no_fence_start(tokens: list) -> list:
    """A code span written with three backticks or more over several lines (```x
    … ```) that the words left at the paragraph's start would open a fenced code
    block there: the first word after it comes before it."""
    first = next((n for n, (what, value) in enumerate(tokens) if not (what == TEXT and not value.strip())), None)
    if first is None or tokens[first][0] != POINT or tokens[first][1].kind != "code" \
            or not re.match(r"`{3,}[^`\n]*\n", str(tokens[first][1].open)):  # (a backtick after: no fence)
        return tokens
    for n in range(first + 1, len(tokens)):
        what, value = tokens[n]
        if what == TEXT and value.strip():
            word = re.match(r"\s*\S+", value).end()
            return tokens[:first] + [(TEXT, value[:word].lstrip() + " ")] + tokens[first:n] + \
                [(TEXT, value[word:])] + tokens[n + 1:]
        if what != TEXT:
            break
    return tokens


QUOTE_MARKERS = re.compile(r"(?:[ ]{0,3}>[ ]?)*")


def _no_html_block_start(tokens: list) -> list:
    """No line of a paragraph may begin with raw HTML that starts an HTML block (a
    comment, <script>, <div>...): at the paragraph's start CommonMark would read the
    whole paragraph as raw HTML, after a line break the rest of it, links and emphasis
    lost. The source had no such line; a translation that moved such a tag to a line's
    start gets it back after that line's first word."""
    out = list(tokens)
    # A first line of one tag alone is an HTML block (CommonMark's kind 7, which the
    # source's first line was not): a soft line end there joins the lines.
    for n, (what, value) in enumerate(out):
        if what == TEXT and "\n" in value and not value.strip():
            if HTML_SEQUENCES[-1][0].search(tokens_to_text(out[:n]).strip(" ")):
                out[n] = (TEXT, " ")
        elif (what == TEXT and not value.strip()) or (what != TEXT and value.open.startswith("<")):
            continue
        break
    starts = [0] + [n + 1 for n, token in enumerate(out)  # (a newline inside a tag starts no line)
                    if "\n" in tokens_to_text([token]) and not (token[0] == POINT and token[1].kind == "html")]
    for number in range(len(starts) - 1, -1, -1):  # from the last line: moves keep earlier indexes
        start, end = starts[number], starts[number + 1] if number + 1 < len(starts) else len(out)
        html = start
        while html < end and out[html][0] == TEXT and not out[html][1].strip():
            html += 1  # (up to three spaces may indent an HTML block)
        lead = html
        while lead < end and ((out[lead][0] == POINT and out[lead][1].kind == "html")
                              or (out[lead][0] == TEXT and not out[lead][1].strip() and "\n" not in out[lead][1])):
            lead += 1  # (tags with spaces between them: all move, or the next one starts the block)
        while lead > html and out[lead - 1][0] == TEXT:
            lead -= 1
        before = tokens_to_text([out[start - 1]]).rsplit("\n", 1)[1] if start else ""  # the line's start
        before = before[QUOTE_MARKERS.match(before).end():]  # (a quote's "> " is its container's, not the line's)
        line = before + tokens_to_text(out[start:end]).split("\n")[0]
        indent = len(line) - len(line.lstrip(" "))
        first = next((n for n in range(lead, len(out)) if out[n][0] == TEXT and out[n][1].strip()), None)
        if lead == html or before.strip() or indent > 3 or not any(
                opening.search(line[indent:]) and (number == 0 or interrupts)
                for opening, _, interrupts in HTML_SEQUENCES):
            continue
        if first is None:  # no word after it: to the end of the line before
            if number:
                moved, previous = out[html:lead], out[start - 1]
                cut = previous[1].rfind("\n") if previous[0] == TEXT else 0
                around = [(TEXT, previous[1][:cut])] + moved + [(TEXT, previous[1][cut:])] if cut > 0 \
                    else moved + [previous]
                out[start - 1:lead] = around + out[start:html]
            continue
        text = out[first][1]
        word = re.match(r"\s*\S+", text).end()
        out[html:first + 1] = out[lead:first] + [(TEXT, text[:word])] + out[html:lead] + [(TEXT, text[word:])]
    return out


def _html_block(token, source: str, document: Document, skeleton: Skeleton) -> bool:
    """Raw HTML between Markdown blocks (a <div>, a <table>...): read as HTML, its
    text translated and its tags kept. One inside a quote or a list (its lines
    carry the container's prefix) is kept as it is: returns False."""
    if token.content != source:
        skeleton.literal(source)
        return False
    first = len(document.paragraphs)
    build_html(source, document, skeleton)
    for paragraph in document.paragraphs[first:]:
        paragraph.role = HTML_ROLE + paragraph.role
    return True


def _definition(token, source: str, document: Document, skeleton: Skeleton) -> None:
    """A link reference definition, `[label]: url "title"`: its title is translated."""
    meta = token.meta or {}
    head = "[" + meta.get("label", "") + "]:"
    position = len(source) - len(source.lstrip(" "))
    title = None
    if source.startswith(head, position):
        position = _skip_spaces(source, position + len(head))
        destination = parseLinkDestination(source, position, len(source))
        if destination.ok:
            position = _skip_spaces(source, destination.pos)
            if position < len(source) and source[position] in "\"'(":
                parsed = parseLinkTitle(source, position, len(source))
                if parsed.ok and parsed.str == meta.get("title"):
                    title = (position + 1, parsed.pos - 1)
    paragraph = _title_paragraph(source, title)
    if paragraph is None:
        skeleton.literal(source)
        return
    skeleton.literal(source[:title[0]])
    skeleton.slot(len(document.paragraphs))
    document.paragraphs.append(paragraph)
    skeleton.literal(source[title[1]:])


def _role(stack: list[str]) -> str:
    for tag in reversed(stack):
        if tag != "p" and tag in BLOCK_ROLES:  # (the innermost block that is not a plain paragraph)
            return tag
    return "p"


def _line_offsets(token, bare: list[str], line_starts: list[int], cell_cursor: dict[int, int]):
    """Where each line of the token's content starts in the file: (content line
    starts, file offsets)."""
    content_lines = token.content.split("\n")
    first = token.map[0]
    content_starts, file_starts = [], []
    position = 0
    for n, piece in enumerate(content_lines):
        line_number = first + n
        if line_number >= len(bare):
            raise _Mismatch
        line = bare[line_number]
        if n == 0:  # (after a table's earlier cells, or where a MkDocs title starts)
            column = line.find(piece, max(cell_cursor.get(line_number, 0), (token.meta or {}).get("column", 0)))
        elif n < len(content_lines) - 1:
            column = len(line) - len(piece) if line.endswith(piece) else -1
        else:
            stripped = line.rstrip(" \t")
            column = len(stripped) - len(piece) if stripped.endswith(piece) else -1
        if column < 0:
            raise _Mismatch
        if n == 0:
            cell_cursor[line_number] = column + len(piece)
        content_starts.append(position)
        file_starts.append(line_starts[line_number] + column)
        position += len(piece) + 1
    return content_starts, file_starts


def _to_file(offsets, position: int) -> int:
    content_starts, file_starts = offsets
    n = bisect_right(content_starts, position) - 1
    return file_starts[n] + position - content_starts[n]


def _without_block_attributes(token) -> int:
    """The length of the inline token's content without an attribute list that ends
    it after a space or on a line of its own (`## Titre {#id}`, `Texte.\\n{: .note }`):
    that one is the block's (Python-Markdown's attr_list), kept where it is."""
    children = token.children or []
    if children and children[-1].type == "attrs" and token.content.endswith(children[-1].content):
        before = token.content[:len(token.content) - len(children[-1].content)]
        if not before or before[-1] in " \t\n":
            return len(before)
    return len(token.content)


def _paragraph(token, body: str, offsets, role: str, length: int) -> Paragraph | None:
    """The inline token's plain text and markup (its first `length` characters);
    None when it has no words."""
    content = token.content[:length]
    children = token.children or []
    if length < len(token.content):
        children = children[:-1]  # a block's attribute list (_without_block_attributes)
    builder = ParagraphBuilder(escape_markdown, role=role)

    def raw(a: int, b: int) -> str:
        return body[_to_file(offsets, a):_to_file(offsets, b)]

    position = _consume(children, content, 0, builder, raw)
    if position != len(content):
        raise _Mismatch
    if not builder.has_letters():
        if not builder.attributes:
            return None, []
        # An image alone in its paragraph or table cell: its alt is translated, the
        # rest (no words) is copied as it is.
        paragraph = builder.paragraph()
        paragraph.kind = METADATA
        return paragraph, builder.attributes
    return builder.paragraph(), builder.attributes


def _expect(content: str, position: int, text: str) -> int:
    if not content.startswith(text, position):
        raise _Mismatch
    return position + len(text)


def _skip_spaces(content: str, position: int) -> int:
    while position < len(content) and content[position] in " \t\n":
        position += 1
    return position


def _link_tail(content: str, position: int) -> tuple[int, tuple[int, int] | None]:
    """End of a link's or image's tail starting at "]": "](url "title")", "][ref]", "]";
    and where the title's text is (inside its quotes), if it has one."""
    position = _expect(content, position, "]")
    title_span = None
    n = len(content)
    if position < n and content[position] == "(":
        position = _skip_spaces(content, position + 1)
        if position < n and content[position] != ")":
            destination = parseLinkDestination(content, position, n)
            if destination.ok:
                position = destination.pos
            position = _skip_spaces(content, position)
            if position < n and content[position] != ")":
                title = parseLinkTitle(content, position, n)
                if title.ok:
                    title_span = (position + 1, title.pos - 1)
                    position = title.pos
                position = _skip_spaces(content, position)
        return _expect(content, position, ")"), title_span
    if position < n and content[position] == "[":
        close = content.find("]", position)
        if close < 0:
            raise _Mismatch
        return close + 1, None
    return position, None


def _title_paragraph(content: str, span: tuple[int, int] | None) -> Paragraph | None:
    """A link's or image's title as a paragraph of its own, when it has words.
    Titles with escapes, entities or line breaks are kept as they are: their
    spelling is not worth a model of its own here."""
    if span is None:
        return None
    text = content[span[0]:span[1]]
    if not any(c.isalpha() for c in text) or any(c in text for c in "\\&\n") or text != text.strip():
        return None
    delimiter = content[span[0] - 1]
    builder = ParagraphBuilder(TITLE_ESCAPES[delimiter], role=f"title{delimiter}")
    builder.text(text, urls=False)
    return builder.paragraph()


HTML_TAG_RE = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)")


def _html_partners(children) -> dict[int, int]:
    """Inline HTML tags that make a span (`<b>...</b>`, `<sup>...</sup>`) or hold what
    is not prose (`<code>...</code>`, `<kbd>`): the index of each start tag's end tag
    among the children. A pair is kept only when the Markdown spans between the two
    are balanced (`<b>*x</b>*` stays two placeholders)."""
    partners: dict[int, int] = {}
    markdown: list[int] = []
    opened: list[tuple[str, int, tuple[int, ...]]] = []
    for n, child in enumerate(children):
        kind = child.type
        if kind in ("em_open", "strong_open", "s_open") or (kind == "link_open" and child.markup != "autolink"):
            markdown.append(n)
        elif kind in ("em_close", "strong_close", "s_close", "link_close") and markdown:
            markdown.pop()
        elif kind == "html_inline":
            match = HTML_TAG_RE.match(child.content)
            if not match or match.group(2).lower() not in INLINE_TAGS | KEEP_INLINE or child.content.endswith("/>"):
                continue
            tag = match.group(2).lower()
            if not match.group(1):
                opened.append((tag, n, tuple(markdown)))
            elif opened and opened[-1][0] == tag and opened[-1][2] == tuple(markdown):
                partners[opened.pop()[1]] = n
    return partners


def _consume(children, content: str, position: int, builder, raw) -> int:
    """Walk the children over `content` from `position`, feeding `builder` (None:
    only measure); returns the position after the last child."""
    reader = _InlineReader(children, content, position, builder, raw)
    while reader.n < len(children):
        child = children[reader.n]
        handler = _INLINE_RULES.get(child.type)
        if handler is None:
            raise _Mismatch
        reader.start = reader.position
        handler(reader, child)
        reader.n += 1
    return reader.position


class _InlineReader:
    """One walk of markdown-it's inline tokens over their source (`_consume`): the
    position in `content`, the token index `n`, and the spans open. Each rule of
    `_INLINE_RULES` reads one token type (as markdown-it-py's renderer has a rule per
    token type): it moves `position` past the token's source (`start` is where the
    token began) and tells `builder` (None: only measure)."""

    def __init__(self, children, content: str, position: int, builder, raw):
        self.children, self.content, self.position, self.builder, self.raw = children, content, position, builder, raw
        self.n = 0
        self.start = position
        self.stack: list = []
        self.label_start: dict[int, int] = {}  # a link's Inline (id) -> where its text starts
        self.partners = _html_partners(children) if builder else {}
        self.html_spans: dict = {}

    def expect(self, text: str) -> None:
        self.position = _expect(self.content, self.position, text)

    def attributes_after(self, position: int) -> None:
        """`position` past the token, and past an attribute list right after it (its own)."""
        self.position, self.n = _attributes_after(self.children, self.n, self.content, position)

    def source(self) -> str:
        return self.raw(self.start, self.position)

    # -- the rules
    def text(self, child) -> None:
        self.expect(child.content)
        if self.builder and child.content:
            self.builder.text(child.content)

    def text_special(self, child) -> None:
        self.expect(child.markup)
        if self.builder:
            self.builder.text(child.content, child.markup)

    def template(self, child) -> None:
        self.expect(child.content)
        if self.builder:  # (glued to what is written beside it: one word with it)
            start, content = self.start, self.content
            before = (self.builder.chars or [" "])[-1] if start and not content[start - 1].isspace() else " "
            self.builder.protected(self.source() if "\n" in child.content else child.content,
                                   glued=glued_to_text(content, start, self.position, before))

    def line_break(self, child) -> None:
        content = self.content
        if content.startswith("\\\n", self.position):
            self.position += 1
        while self.position < len(content) and content[self.position] == " ":
            self.position += 1
        self.expect("\n")
        while self.position < len(content) and content[self.position] in " \t":
            self.position += 1
        if self.builder:
            if child.type == "softbreak":
                self.builder.text(" ", self.source())
            else:
                self.builder.point("br", self.source())
                self.builder.silent(" ")

    def emphasis_open(self, child) -> None:
        self.expect(child.markup)
        if self.builder:
            self.stack.append(self.builder.open(child.type[:-5], self.source()))

    def emphasis_close(self, child) -> None:
        self.expect(child.markup)
        self.attributes_after(self.position)
        if self.builder:
            self.builder.close(self.stack.pop(), self.source())

    def link_open(self, child) -> None:
        if child.markup == "autolink":
            self.autolink()
            return
        self.expect("[")
        if self.builder:
            self.stack.append(self.builder.open("a", self.source(), url=child.attrs.get("href", "")))
            self.label_start[id(self.stack[-1])] = self.position

    def autolink(self) -> None:
        close = self.content.find(">", self.position)
        if close < 0:
            raise _Mismatch
        while self.n + 1 < len(self.children) and self.children[self.n].type != "link_close":
            self.n += 1
        self.attributes_after(close + 1)
        if self.builder:
            self.builder.verbatim("autolink", self.source(), self.content[self.start + 1:self.position - 1])

    def link_close(self, child) -> None:
        start, content = self.start, self.content
        self.position, title_span = _link_tail(content, self.position)
        label = content[start:self.position] in ("]", "][]")  # [label] or [label][]: the text is the label
        if not label:  # (a reference's label stays its tail)
            self.attributes_after(self.position)
        if self.builder:
            link = self.stack.pop()
            close = self.source()
            if label:
                close = ReferenceMarkup(close, self.raw(self.label_start[id(link)], start), close,
                                        content[self.position:self.position + 1])
            self.builder.close(link, close)
            title = _title_paragraph(content, title_span)
            if title is not None:  # spliced into the link's closing markup
                self.builder.attributes.append((link.close_order, len(self.raw(start, title_span[0])),
                                                len(self.raw(start, title_span[1])), title))

    def code_inline(self, child) -> None:
        self.expect(child.markup)
        match = re.compile(r"(?<!`)%s(?!`)" % re.escape(child.markup)).search(self.content, self.position)
        if not match:
            raise _Mismatch
        self.attributes_after(match.end())
        if self.builder:
            self.builder.verbatim("code", self.source(), child.content)

    def html_inline(self, child) -> None:
        self.expect(child.content)
        builder, n = self.builder, self.n
        tag = HTML_TAG_RE.match(child.content).group(2).lower() if n in self.partners else ""
        if tag in KEEP_INLINE:  # <code>...</code>, <kbd>...</kbd>: kept whole, as in HTML articles
            end = self.partners[n]
            self.position = _consume(self.children[n + 1:end], self.content, self.position, None, self.raw)
            self.expect(self.children[end].content)
            if builder and tag in VERBATIM_TAGS:
                builder.verbatim(tag, self.source(), element_text(self.source()))
            elif builder:
                builder.point("html", self.source())
            self.n = end
        elif builder and n in self.partners:
            self.html_spans[self.partners[n]] = builder.open(tag, self.source(),
                                                             url=href_of(child.content) if tag == "a" else "")
        elif builder and n in self.html_spans:
            builder.close(self.html_spans.pop(n), self.source())
        elif builder:
            builder.point("html", self.source())

    def image(self, child) -> None:
        start, content, builder = self.start, self.content, self.builder
        self.expect("![")
        alt_start = self.position
        alt = ParagraphBuilder(escape_markdown, role="alt") if builder else None
        self.position = alt_end = _consume(child.children or [], content, self.position, alt, self.raw)
        self.position, title_span = _link_tail(content, self.position)
        label = content[alt_end:self.position] in ("]", "][]")  # ![alt] or ![alt][]: the alt is the label
        if not label:
            self.attributes_after(self.position)
        if builder:
            markup = self.source()
            if label:
                markup = ReferenceMarkup(markup, self.raw(alt_start, alt_end), content[alt_end:self.position],
                                         content[self.position:self.position + 1])
            image = builder.point("image", markup)
            if alt.has_letters() and "\n" not in content[alt_start:alt_end]:  # its text is translated
                builder.attributes.append((image.order, len(self.raw(start, alt_start)),
                                           len(self.raw(start, alt_end)), alt.paragraph()))
            title = _title_paragraph(content, title_span)
            if title is not None:
                builder.attributes.append((image.order, len(self.raw(start, title_span[0])),
                                           len(self.raw(start, title_span[1])), title))

    def attrs(self, child) -> None:
        """An attribute list after no element: kept as it is."""
        self.expect(child.content)
        builder = self.builder
        if not builder:
            return
        last = builder.inlines[-1] if builder.inlines else None
        if last is not None and last.verbatim and last.end == builder.length and self.start > 0 \
                and not self.content[self.start - 1].isspace():
            # glued on verbatim text (`[{{ url }}](…){target=…}`, a link once the
            # templates are filled): it goes where that text goes
            last.open += self.source()
        else:
            builder.point("attrs", self.source())


# Each inline token type and the rule that reads it; a type not here is markup not
# understood (the block is kept untranslated, with a warning).
_INLINE_RULES = {
    "text": _InlineReader.text,
    "text_special": _InlineReader.text_special,
    "template": _InlineReader.template,
    "softbreak": _InlineReader.line_break,
    "hardbreak": _InlineReader.line_break,
    **{f"{kind}_open": _InlineReader.emphasis_open for kind in ("em", "strong", "s")},
    **{f"{kind}_close": _InlineReader.emphasis_close for kind in ("em", "strong", "s")},
    "link_open": _InlineReader.link_open,
    "link_close": _InlineReader.link_close,
    "code_inline": _InlineReader.code_inline,
    "html_inline": _InlineReader.html_inline,
    "image": _InlineReader.image,
    "attrs": _InlineReader.attrs,
}


def _attributes_after(children, n: int, content: str, position: int) -> tuple[int, int]:
    """An attribute list right after children[n] (`[a](u){: .c}`, `*a*{.c}`) is that
    element's (Python-Markdown's attr_list): its markup goes with the element's end
    (the position after it, and the index of its token)."""
    if n + 1 < len(children) and children[n + 1].type == "attrs" \
            and content.startswith(children[n + 1].content, position):
        return position + len(children[n + 1].content), n + 1
    return position, n
