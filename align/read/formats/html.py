"""HTML articles: text blocks translated, everything else kept byte for byte.

Tokenizer: align's own, a few regular expressions for the HTML tokenizer's main
states (tags with quoted attributes, comments, declarations, raw-text and RCDATA
elements, character references). A byte-exact rebuild needs each token's source
offsets, which lxml and html5lib do not give (they build trees, keep line numbers
only and re-serialise attributes and entities their own way); the standard
library's html.parser gives them but takes quadratic time on hostile input in
Python 3.11 ("<a " or "</" repeated: over a minute for 1 MB). These expressions
never backtrack, so any page is read in linear time; it never builds a tree, so
broken nesting costs nothing. benchmarks/formats_overhead.py measures all four.
Nothing is ever executed or fetched: scripts, styles and event attributes are
copied as they were.

Blocks: text between block-level tags (p, li, h1-h6, td, title, div...) is one
paragraph. Inline tags (b, em, a, span...) become Inline spans; br, img, inline
code and unmatched tags become placeholders. Untranslated: script, style, pre,
code, textarea, svg, math, template and any element with translate="no"; all
attributes except alt and title (and the content of a description meta tag),
which are their own paragraphs. French language declarations in tags outside
paragraphs (lang="fr", content-language, og:locale) become English once
translated (Skeleton.languages); those of inline tags inside a paragraph stay.
"""
from __future__ import annotations

import html as html_lib
import re
from dataclasses import replace

from ...document import Document, Paragraph
from .base import FRONT_MATTER_RE, ParagraphBuilder, Skeleton, TextFormat, add_paragraph
from ...markup.spans import OPEN, POINT, WORD_LIKE_KINDS
from ...markup.rendering import render_paragraph

INLINE_TAGS = frozenset("""a abbr b bdi bdo big button cite data del dfn em font i ins label mark nobr q s
    small span strike strong sub sup time tt u""".split())
PLACEHOLDER_TAGS = frozenset("br img wbr input embed source track area".split())
# Elements whose content is not prose: kept whole (a placeholder inside a block).
KEEP_INLINE = frozenset("code kbd samp var script style noscript svg math object canvas iframe".split())
# ... of which those whose text the model reads in its sentence, kept verbatim (align.markup).
VERBATIM_TAGS = frozenset("code kbd samp var".split())
TAG_RE = re.compile(r"<[^>]*>")


def element_text(markup: str) -> str:
    """The text of an element's markup (tags dropped, references decoded)."""
    return html_lib.unescape(TAG_RE.sub("", markup))
KEEP_BLOCK = frozenset("pre textarea template xmp listing plaintext".split())
VOID_TAGS = frozenset("area base br col embed hr img input link meta param source track wbr".split())
# Attributes whose value people read: an image's description, a tooltip, a form
# field's hint, an accessible name (screen readers say it), a button's label.
TRANSLATED_ATTRIBUTES = ("alt", "title", "placeholder", "aria-label", "aria-description")
HTML_SPACE = " \t\n\r\f"
ODD_SPACE_RE = re.compile(r"[\t\n\r\f]|  ")
WS_RE = re.compile(r"[ \t\n\r\f]+|[^ \t\n\r\f]+")
ATTRIBUTE_RE = re.compile(r"""(?<=[\s"'])(alt|title|placeholder|aria-label|aria-description)\s*=\s*"""
                          r"""(?:"([^"]*)"|'([^']*)')""", re.IGNORECASE)
# <input type="submit" value="Envoyer">: the value is the button's label (of other inputs, data)
BUTTON_INPUT_RE = re.compile(r"""(?<=[\s"'])type\s*=\s*["']?(?:submit|button|reset)\b""", re.IGNORECASE)
VALUE_RE = re.compile(r"""(?<=[\s"'])(value)\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.IGNORECASE)
# <meta name="description" content="...">, and its Open Graph and Twitter cousins.
DESCRIPTION_META_RE = re.compile(r"""(?:name|property)\s*=\s*["']?(?:description|og:title|og:description|"""
                                 r"""twitter:title|twitter:description)["'\s/>]""", re.IGNORECASE)
CONTENT_RE = re.compile(r"""(?<=[\s"'])(content)\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.IGNORECASE)
REFERENCE_RE = re.compile(r"&(?:#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[A-Za-z][A-Za-z0-9]*;?)")
TRANSLATE_NO_RE = re.compile(r"""\btranslate\s*=\s*["']?no\b""", re.IGNORECASE)


TEXT_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
DOUBLE_QUOTED_ESCAPES = {**TEXT_ESCAPES, '"': "&quot;"}
SINGLE_QUOTED_ESCAPES = {**TEXT_ESCAPES, "'": "&#39;"}


def escape_text(char: str, at_start: bool) -> str:
    return TEXT_ESCAPES.get(char, char)


def escape_double_quoted(char: str, at_start: bool) -> str:
    return DOUBLE_QUOTED_ESCAPES.get(char, char)


def escape_single_quoted(char: str, at_start: bool) -> str:
    return SINGLE_QUOTED_ESCAPES.get(char, char)


# The characters each escaper changes (ParagraphBuilder's fast path).
escape_text.special = frozenset(TEXT_ESCAPES)
escape_double_quoted.special = frozenset(DOUBLE_QUOTED_ESCAPES)
escape_single_quoted.special = frozenset(SINGLE_QUOTED_ESCAPES)


# The HTML tokenizer's main states as regular expressions, each match anchored
# where the previous ended, with possessive quantifiers: no backtracking, so any
# input is read in linear time (see the module docstring).
TOKEN_RE = re.compile(r"""
    (?P<comment> <!--.*?(?:-->|\Z) )
  | (?P<cdata> <!\[CDATA\[.*?(?:\]\]>|\Z) )
  | (?P<decl> <![^>]*+>? )
  | (?P<pi> <\?[^>]*+>? )
  | (?P<end> </(?P<end_name>[A-Za-z][^\s/>]*+)(?:[^>"']++|"[^"]*+"|'[^']*+'|["'])*+>? )
  | (?P<bogus> </(?![A-Za-z])[^>]*+>? )
  | (?P<start> <(?P<start_name>[A-Za-z][^\s/>]*+)
        (?:[^>"']++|"[^"]*+"|'[^']*+'|["'])*+ >? )
  | (?P<ref> &(?:\#[0-9]++;?|\#[xX][0-9a-fA-F]++;?|[A-Za-z][A-Za-z0-9]*+;?) )
  | (?P<data> [^<&]++|[<&] )
""", re.DOTALL | re.VERBOSE)
# Elements whose content is text up to their end tag: no tags inside (raw text),
# or only character references (RCDATA).
RAW_TEXT = frozenset("script style xmp iframe noembed noframes".split())
RCDATA = frozenset("title textarea".split())
REF_OR_TEXT_RE = re.compile(r"&(?:#[0-9]++;?|#[xX][0-9a-fA-F]++;?|[A-Za-z][A-Za-z0-9]*+;?)|[^&]++|&")


def tokenize(text: str) -> list[tuple[str, str, str | None]]:
    """(kind, raw source, tag) for every token, in order; the raws add up to `text`.
    Kinds: start, startend, end, data, ref, other (comments, declarations)."""
    spans: list[list] = []  # [kind, start, end, tag]; neighbouring text is one data token
    position, length = 0, len(text)

    def data(start: int, end: int) -> None:
        if spans and spans[-1][0] == "data" and spans[-1][2] == start:
            spans[-1][2] = end  # a lone "<" or "&" is text
        elif end > start:
            spans.append(["data", start, end, None])

    while position < length:
        match = TOKEN_RE.match(text, position)
        kind, start, position = match.lastgroup, match.start(), match.end()
        if kind == "start":
            tag = match.group("start_name").lower()
            spans.append(["startend" if text.endswith("/>", start, position) else "start", start, position, tag])
            if tag in RAW_TEXT or tag in RCDATA or tag == "plaintext":
                close = re.compile(r"</%s(?=[\s/>])" % re.escape(tag), re.IGNORECASE).search(text, position) \
                    if tag != "plaintext" else None
                stop = close.start() if close else length
                if tag in RCDATA:
                    for piece in REF_OR_TEXT_RE.finditer(text, position, stop):
                        if piece.group()[0] == "&" and piece.end() - piece.start() > 1:
                            spans.append(["ref", piece.start(), piece.end(), None])
                        else:
                            data(piece.start(), piece.end())
                else:
                    data(position, stop)
                position = stop
        elif kind == "end":
            spans.append(["end", start, position, match.group("end_name").lower()])
        elif kind == "ref":
            spans.append(["ref", start, position, None])
        elif kind == "data":
            data(start, position)
        else:
            spans.append(["other", start, position, None])
    return [(kind, text[start:end], tag) for kind, start, end, tag in spans]


class HtmlFormat(TextFormat):
    name = "html"
    suffixes = (".html", ".htm")
    output_suffix = ".en.html"

    def escaper(self, paragraph: Paragraph):
        return escaper_for_role(paragraph.role)

    def slot_tokens(self, paragraph: Paragraph) -> list:
        tokens = render_paragraph(paragraph, self.escaper(paragraph))
        return english_inline_languages(paragraph, tokens)

    def build(self, text: str, document: Document, skeleton: Skeleton, name: str) -> None:
        front = FRONT_MATTER_RE.match(text)
        if front:  # front matter on an .html page (MDN, Jekyll): data for the site's generator, kept
            skeleton.literal(front.group())
            text = text[front.end():]
        build_html(text, document, skeleton)


def escaper_for_role(role: str):
    """How a paragraph's characters are written back: as text, or inside a quoted attribute."""
    return {'attr"': escape_double_quoted, "attr'": escape_single_quoted}.get(role.split(":")[0], escape_text)


def build_html(text: str, document: Document, skeleton: Skeleton) -> None:
    """Paragraphs and skeleton of an HTML page, or of a fragment (raw HTML in Markdown)."""
    _Builder(document, skeleton).run(tokenize(text))


class _Builder:
    def __init__(self, document: Document, skeleton: Skeleton):
        self.document, self.skeleton = document, skeleton
        self.items: list[tuple[str, str, str | None]] = []  # the current block's tokens
        self.role = "body"

    # --------------------------------------------------------------- skeleton
    def literal(self, raw: str, kind: str = "other", tag: str | None = None) -> None:
        """Raw source outside any block; a start tag's alt/title (and a page
        description's content) become paragraphs, its French lang="fr" is noted."""
        if kind in ("start", "startend"):
            cursor = 0
            for start, end, paragraph in self.attribute_values(raw, tag):
                self.tag_literal(raw[cursor:start], tag)
                self.skeleton.slot(len(self.document.paragraphs))
                self.document.paragraphs.append(paragraph)
                cursor = end
            self.tag_literal(raw[cursor:], tag)
            return
        self.skeleton.literal(raw)

    def tag_literal(self, raw: str, tag: str | None) -> None:
        """Part of a start tag, with where it declares French (see Skeleton.languages)."""
        if not raw:
            return
        self.skeleton.literal(raw)
        if "lang" in raw.lower() or (tag == "meta" and "content" in raw.lower()):
            for start, end, english in french_declarations(raw, tag):
                self.skeleton.language(start, end, english)

    def attribute_paragraph(self, raw_value: str, attribute: str, quote: str) -> Paragraph | None:
        builder = ParagraphBuilder(escape_double_quoted if quote == '"' else escape_single_quoted,
                                   role=f"attr{quote}:{attribute}")
        cursor = 0
        for match in REFERENCE_RE.finditer(raw_value):
            self.add_data(builder, raw_value[cursor:match.start()])
            builder.text(html_lib.unescape(match.group()), match.group())
            cursor = match.end()
        self.add_data(builder, raw_value[cursor:])
        if not builder.has_letters() or raw_value != raw_value.strip(HTML_SPACE):
            return None
        return builder.paragraph()

    @staticmethod
    def add_data(builder: ParagraphBuilder, raw: str) -> None:
        if ODD_SPACE_RE.search(raw) and (spans := builder.protected_spans(raw)):
            # Protected syntax is found in the whole text before its spaces are collapsed
            # (a template tag's words would be cut apart).
            builder.placeholders(raw, spans, "protected", lambda text: _Builder.add_spaced(builder, text))
            return
        _Builder.add_spaced(builder, raw)

    @staticmethod
    def add_spaced(builder: ParagraphBuilder, raw: str) -> None:
        if not raw:
            return
        if not ODD_SPACE_RE.search(raw) and not (raw[:1] == " " and builder.chars and builder.chars[-1] == " "):
            builder.text(raw)  # single spaces only: nothing to collapse
            return
        for match in WS_RE.finditer(raw):
            piece = match.group()
            if piece[0] in HTML_SPACE:
                if builder.length and builder.chars[-1] == " ":
                    builder.point("space", piece)  # collapses into the space before
                else:
                    builder.text(" ", piece)
            else:
                builder.text(piece)

    # ------------------------------------------------------------------ blocks
    def flush(self) -> None:
        items, self.items = self.items, []
        if not items:
            return
        # Whitespace at the block's edges stays in the skeleton.
        first, last = 0, len(items)
        while first < last and items[first][0] == "data" and not items[first][1].strip(HTML_SPACE):
            first += 1
        while last > first and items[last - 1][0] == "data" and not items[last - 1][1].strip(HTML_SPACE):
            last -= 1
        paragraph, attributes = self.block_paragraph(items[first:last]) if first < last else (None, [])
        if paragraph is None:
            for kind, raw, tag in items:
                self.literal(raw, kind, tag)
            return
        for kind, raw, tag in items[:first]:
            self.literal(raw, kind, tag)
        add_paragraph(self.document, self.skeleton, paragraph, attributes)
        for kind, raw, tag in items[last:]:
            self.literal(raw, kind, tag)

    def block_paragraph(self, items) -> Paragraph | None:
        # Match inline tags first: an end tag closes only the innermost open one.
        partner: dict[int, int] = {}
        stack: list[int] = []
        for n, (kind, raw, tag) in enumerate(items):
            if kind == "start" and tag in INLINE_TAGS:
                stack.append(n)
            elif kind == "end" and tag in INLINE_TAGS and stack and items[stack[-1]][2] == tag:
                partner[stack.pop()] = n
        builder = ParagraphBuilder(escape_text, role=self.role)
        opened = {}
        attributes = []
        for n, (kind, raw, tag) in enumerate(items):
            if kind == "data":
                self.add_data(builder, raw)
            elif kind == "ref":
                builder.text(html_lib.unescape(raw), raw)
            elif kind == "start" and n in partner:
                opened[partner[n]] = inline = builder.open(tag, raw, url=href_of(raw) if tag == "a" else "")
                attributes += [(inline.order, *found) for found in self.attribute_values(raw, tag)]
            elif kind == "end" and n in opened:
                builder.close(opened.pop(n), raw)
            elif kind == "keep" and tag in VERBATIM_TAGS:
                builder.verbatim(tag, raw, element_text(raw))
            else:
                inline = builder.point(tag or kind, raw)
                if kind in ("start", "startend"):
                    attributes += [(inline.order, *found) for found in self.attribute_values(raw, tag)]
                if tag == "br" and builder.chars and builder.chars[-1] != " ":
                    builder.silent(" ")  # "un<br>deux" is two words to the model
        if not builder.has_letters():
            return None, []
        return builder.paragraph(), attributes

    def attribute_values(self, raw: str, tag: str | None = None) -> list[tuple[int, int, Paragraph]]:
        """(start, end, paragraph) for each translatable attribute value of a tag."""
        lower = raw.lower()
        if tag == "meta" and DESCRIPTION_META_RE.search(raw):
            matches = list(CONTENT_RE.finditer(raw))
        elif any(name in lower for name in TRANSLATED_ATTRIBUTES) or tag == "input":
            matches = list(ATTRIBUTE_RE.finditer(raw))
            if tag == "input" and BUTTON_INPUT_RE.search(raw):
                matches = sorted(matches + list(VALUE_RE.finditer(raw)), key=lambda m: m.start())
        else:
            return []
        found = []
        for match in matches:
            group = 2 if match.group(2) is not None else 3
            start, end = match.span(group)
            value = raw[start:end]
            # Spaces and line breaks around the words stay in the tag (a description
            # written over several lines).
            start += len(value) - len(value.lstrip(HTML_SPACE))
            end -= len(value) - len(value.rstrip(HTML_SPACE))
            paragraph = self.attribute_paragraph(raw[start:end], match.group(1).lower(), '"' if group == 2 else "'")
            if paragraph is not None:
                found.append((start, end, paragraph))
        return found

    # -------------------------------------------------------------------- run
    def run(self, tokens) -> None:
        n = 0
        while n < len(tokens):
            kind, raw, tag = tokens[n]
            keep = kind == "start" and tag not in VOID_TAGS and (
                tag in KEEP_INLINE or tag in KEEP_BLOCK or TRANSLATE_NO_RE.search(raw))
            if keep:
                end = _element_end(tokens, n)
                whole = "".join(t[1] for t in tokens[n:end])
                if tag in KEEP_BLOCK:
                    self.flush()
                    self.skeleton.literal(whole)
                else:
                    self.items.append(("keep", whole, tag))
                n = end
                continue
            if kind in ("start", "end", "startend") and tag not in INLINE_TAGS and tag not in PLACEHOLDER_TAGS:
                self.flush()
                self.literal(raw, kind, tag)
                if kind == "start":
                    self.role = tag
                n += 1
                continue
            self.items.append((kind, raw, tag))
            n += 1
        self.flush()


LANG_RE = re.compile(r"""(?<=[\s"'])(?:xml:)?lang\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>=`]+))""", re.IGNORECASE)
# <meta http-equiv="content-language" content="fr">, <meta property="og:locale" content="fr_FR">
LANGUAGE_META_RE = re.compile(r"""(?:http-equiv|property)\s*=\s*["']?(content-language|og:locale)["'\s/>]""",
                              re.IGNORECASE)
FRENCH_RE = re.compile(r"fr(?:[-_][A-Za-z0-9]+)*", re.IGNORECASE)


def french_declarations(raw: str, tag: str | None) -> list[tuple[int, int, str]]:
    """(start, end, English value) of each French language declaration in a tag:
    lang/xml:lang="fr-FR" (-> "en"), a content-language or og:locale meta tag
    (-> "en", "en_US")."""
    found = []
    values = [(m, (1, 2, 3), "en") for m in LANG_RE.finditer(raw)]
    meta = LANGUAGE_META_RE.search(raw) if tag == "meta" else None
    if meta:
        english = "en_US" if meta.group(1).lower() == "og:locale" else "en"
        values += [(m, (2, 3), english) for m in CONTENT_RE.finditer(raw)]  # group 1 is the name
    for match, groups, english in values:
        group = next(g for g in groups if match.group(g) is not None)
        if FRENCH_RE.fullmatch(match.group(group)):
            found.append((match.start(group), match.end(group), english))
    return found


def english_inline_languages(paragraph: Paragraph, tokens: list) -> list:
    """A translated paragraph's inline tags that declared French (`<span lang="fr">`)
    declare English: their words are English now."""
    if not any(pair.target != pair.source for pair in paragraph.sentences):
        return tokens
    out = []
    for what, value in tokens:
        if what in (OPEN, POINT) and isinstance(value.open, str) and value.open.startswith("<") \
                and value.kind not in WORD_LIKE_KINDS and "lang" in value.open.lower():  # a tag, not code
            markup = value.open
            for start, end, english in sorted(french_declarations(markup, None), reverse=True):
                markup = markup[:start] + english + markup[end:]
            if markup != value.open:
                value = replace(value, open=markup)
        out.append((what, value))
    return out


def _element_end(tokens, start: int) -> int:
    """Index after the end tag that closes tokens[start] (or the end of the file)."""
    tag = tokens[start][2]
    depth = 0
    for n in range(start, len(tokens)):
        kind, _, other = tokens[n]
        if other == tag:
            if kind == "start":
                depth += 1
            elif kind == "end":
                depth -= 1
                if depth == 0:
                    return n + 1
    return len(tokens)


def href_of(raw: str) -> str:
    """A link tag's target, decoded."""
    match = re.search(r"""\bhref\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", raw, re.IGNORECASE)
    if not match:
        return ""
    return html_lib.unescape(next(g for g in match.groups() if g is not None))
