"""Real documents (tests/data/real/, 389 files from 20 public repositories, provenance
and licences in PROVENANCE.md): French Markdown documentation, HTML pages and Word
templates as their authors published them. Each is read and written back unchanged
(identity), then with a translation that reverses every sentence's words (the words
move, the markup must follow), and checked with parsers align does not use to read
them: markdown-it's plain CommonMark (align's reader adds a template rule; MkDocs
admonitions and tabs read as MkDocs reads them), lxml for
HTML, the OOXML part itself for Word."""
from __future__ import annotations

import io
import json
import re
import zipfile
from collections import Counter

import lxml.html
import pytest
from lxml import etree
from markdown_it import MarkdownIt

from align.read.formats.docx import DocxFormat
from align.read.formats.html import HtmlFormat
from align.read.formats.markdown import FRONT_MATTER_RE, MarkdownFormat
from align.read.formats.mkdocs import mkdocs_block
from conftest import ROOT
from test_formats import docx_structure, reordered, round_trip

REAL = ROOT / "tests" / "data" / "real"
SOURCES = json.loads((REAL / "sources.json").read_text(encoding="utf-8"))
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"

# The test's own reading of protected syntax (not align.read.protect's): template tags on
# one line, closing and attribute-bearing bracket shortcodes, alerts.
TEMPLATE = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}")
ALERT = re.compile(r"\[![A-Z]+\]")


def files(suffix: str) -> list[str]:
    return [source["file"] for source in SOURCES if source["file"].endswith(suffix)]


def test_the_corpus_is_what_its_provenance_says():
    assert len(SOURCES) >= 30 and len({source["repo"] for source in SOURCES}) >= 8
    listed = {source["file"] for source in SOURCES}
    present = {str(path.relative_to(REAL)) for folder in ("markdown", "html", "docx") for path in (REAL / folder).iterdir()}
    assert listed == present
    for source in SOURCES:
        assert re.fullmatch(r"[0-9a-f]{40}", source["commit"]) and source["licence"] and source["repo"]


def markdown_reading(text: str) -> dict:
    """What CommonMark (plus tables) reads: blocks in order, links, images, code spans,
    code blocks; and the protected syntax in the text outside code."""
    front = FRONT_MATTER_RE.match(text)
    body = text[front.end():] if front else text
    md = MarkdownIt("commonmark").enable("table")
    # MkDocs admonitions and content tabs (FastAPI's docs) as MkDocs reads them: their
    # indented body is Markdown, not an indented code block (align.read.formats.mkdocs' block
    # rule; a plain CommonMark document reads the same with it or without it).
    md.block.ruler.before("code", "mkdocs", mkdocs_block)
    tokens = md.parse(body)
    reading = {"blocks": [t.type for t in tokens if t.nesting == 1 or t.type in ("fence", "code_block", "hr")],
               "links": Counter(), "images": Counter(), "code": Counter(), "blocks_code": Counter(),
               "protected": Counter()}
    for token in tokens:
        if token.type in ("fence", "code_block"):
            reading["blocks_code"][token.content] += 1
        for child in token.children or []:
            if child.type == "link_open":
                reading["links"][child.attrs.get("href", "")] += 1
            elif child.type == "image":
                reading["images"][child.attrs.get("src", "")] += 1
            elif child.type == "code_inline":
                reading["code"][child.content] += 1
        if token.type == "inline":
            for found in TEMPLATE.findall(token.content) + ALERT.findall(token.content):
                reading["protected"][found] += 1
    return reading


@pytest.mark.parametrize("name", files(".md"))
def test_real_markdown_comes_back_whole(name):
    data = (REAL / name).read_bytes()
    fmt = MarkdownFormat()
    assert round_trip(fmt, data, name) == data
    source, english = data.decode("utf-8"), reordered(fmt, data, name).decode("utf-8")
    before, after = markdown_reading(source), markdown_reading(english)
    for key in before:
        assert after[key] == before[key], key
    front = FRONT_MATTER_RE.match(source)
    if front:  # the front matter's keys all stay (only title/description values are translated)
        keys = re.findall(r"^([\w-]+):", front.group(), re.MULTILINE)
        assert re.findall(r"^([\w-]+):", FRONT_MATTER_RE.match(english).group(), re.MULTILINE) == keys


def html_reading(text: str) -> dict:
    root = lxml.html.document_fromstring(text.encode("utf-8")) if text.strip() else None
    elements = list(root.iter()) if root is not None else []
    return {"tags": Counter(str(e.tag) for e in elements if isinstance(e.tag, str)),
            "links": Counter(e.get("href") for e in elements if e.tag == "a"),
            "images": Counter(e.get("src") for e in elements if e.tag == "img"),
            "code": Counter(e.text_content() for e in elements if e.tag in ("code", "pre", "script", "style")),
            "protected": Counter(TEMPLATE.findall(text) + ALERT.findall(text))}


@pytest.mark.parametrize("name", files(".html"))
def test_real_html_comes_back_whole(name):
    data = (REAL / name).read_bytes()
    fmt = HtmlFormat()
    assert round_trip(fmt, data, name) == data
    english = reordered(fmt, data, name).decode("utf-8")
    before, after = html_reading(data.decode("utf-8")), html_reading(english)
    for key in before:
        assert after[key] == before[key], key
    front = FRONT_MATTER_RE.match(data.decode("utf-8"))
    if front:  # front matter at the top of an .html file (MDN, Jekyll) stays as it was
        assert english.startswith(front.group())


def word_reading(data: bytes) -> dict:
    xml = zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml")
    root = etree.fromstring(xml)
    text = "".join(t.text or "" for t in root.iter(W + "t"))
    return {"paragraphs": len(list(root.iter(W + "p"))), "tables": len(list(root.iter(W + "tbl"))),
            "hyperlinks": Counter(h.get("{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id")
                                  for h in root.iter(W + "hyperlink")),
            "breaks": len(list(root.iter(W + "br"))), "protected": Counter(TEMPLATE.findall(text))}


# Run properties that change nothing on the page: the proofing language and "do not
# check spelling" (ECMA-376 17.3.2.20, 17.3.2.21); align rewrites the first and may
# merge runs that differ only by them.
PROOFING = re.compile(rb"<w:(?:lang|noProof)\b[^>]*/>")


def visible_structure(data: bytes) -> list:
    """Paragraphs (style, runs): neighbouring runs whose visible formatting is the same
    merged, as Word shows them."""
    out = []
    for style, runs in docx_structure(data):
        merged: list[list] = []
        for text, properties, link in runs:
            key = PROOFING.sub(b"", re.sub(rb"\s+xmlns:\w+=\"[^\"]*\"", b"", properties))
            key = b"" if key in (b"<w:rPr/>", b"<w:rPr></w:rPr>") else key
            if merged and merged[-1][1:] == [key, link]:
                merged[-1][0] += text
            elif text:
                merged.append([text, key, link])
        out.append((style, merged))
    return out


@pytest.mark.parametrize("name", files(".docx"))
def test_real_word_files_come_back_whole(name):
    data = (REAL / name).read_bytes()
    fmt = DocxFormat()
    assert visible_structure(round_trip(fmt, data, name)) == visible_structure(data)
    before, after = word_reading(data), word_reading(reordered(fmt, data, name))
    for key in before:
        assert after[key] == before[key], key


def test_template_tags_in_real_files_are_there_to_be_checked():
    # The corpus holds the syntax it is meant to check: otherwise the tests above pass vacuously.
    found = Counter()
    for source in SOURCES:
        path = REAL / source["file"]
        if path.suffix == ".docx":
            found["docx"] += sum(word_reading(path.read_bytes())["protected"].values())
        else:
            text = path.read_text(encoding="utf-8")
            found[path.suffix] += len(TEMPLATE.findall(text) + ALERT.findall(text))
    assert found[".md"] >= 20 and found[".html"] >= 20 and found["docx"] >= 20, found
