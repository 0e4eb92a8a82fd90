"""The document path loses nothing, end to end (`translate_paths`: reading,
segmentation, the term policy, markup placement, escaping, the writers).

- An engine that copies its French (tests/copy_engines.py) gets every document
  back byte for byte: the real documents of tests/data/real/ (Markdown, HTML and
  Word from public sources, PROVENANCE.md), the examples of the CommonMark spec
  0.31.2 and the inputs of html5lib-tests' tree construction (tests/data/suites/,
  README.md there).
- An engine that reverses each sentence's words keeps every element and every word
  as a reader sees them, read by parsers align does not use to read them:
  markdown-it-py (CommonMark, tables) for Markdown, lxml for HTML, the OOXML of
  each paragraph's runs for Word.

A failure names the document and its first difference.
"""
from __future__ import annotations

import io
import json
import re
import shutil
import zipfile
from collections import Counter
from pathlib import Path

import lxml.html
import pytest
from lxml import etree
from markdown_it import MarkdownIt
from mdit_py_plugins.admon import admon_plugin
from mdit_py_plugins.attrs import attrs_plugin

from align.pipeline.run import translate_paths
from conftest import ROOT
from copy_engines import CopyEngine, ReverseEngine

REAL = ROOT / "tests" / "data" / "real"
SUITES = ROOT / "tests" / "data" / "suites"
OUTPUT_SUFFIX = {".md": ".en.md", ".html": ".en.html", ".htm": ".en.htm", ".docx": ".en.docx"}


REAL_FOLDERS = [REAL / "markdown", REAL / "html", REAL / "docx"]


def run(folders: Path | list[Path], out: Path, engine) -> dict[str, str]:
    """Translate every article of `folders` into `out`; the one-line error of each
    article that failed, by its file name."""
    errors: list[str] = []
    translate_paths(folders if isinstance(folders, list) else [folders], engine, out, glossary=None,
                    typography="keep", numbers="flag", on_error=errors.append)
    return {Path(line.split(": ")[0]).name: line for line in errors}


def first_difference(expected: bytes, got: bytes) -> str:
    at = next((k for k in range(min(len(expected), len(got))) if expected[k] != got[k]),
              min(len(expected), len(got)))
    return f"at byte {at}: {expected[max(0, at - 60):at + 60]!r} became {got[max(0, at - 60):at + 60]!r}"


def output_of(source: Path, root: Path, out: Path) -> Path:
    relative = source.relative_to(root)
    return out / relative.parent / (relative.name[:-len(source.suffix)] + OUTPUT_SUFFIX[source.suffix])


def copies_differing(root: Path, out: Path) -> list[str]:
    """The documents under `root` whose output under `out` is not the same bytes."""
    differing = []
    for source in sorted(p for p in root.rglob("*") if p.suffix in OUTPUT_SUFFIX and p.parent != REAL):
        output = output_of(source, root, out)
        if not output.is_file():
            differing.append(f"{source.relative_to(root)}: not written")
        elif output.read_bytes() != source.read_bytes():
            differing.append(f"{source.relative_to(root)}: {first_difference(source.read_bytes(), output.read_bytes())}")
    return differing


# ------------------------------------------------------------------ the corpora
@pytest.fixture(scope="module")
def real_copied(tmp_path_factory):
    out = tmp_path_factory.mktemp("real-copied")
    return out, run(REAL_FOLDERS, out, CopyEngine())


@pytest.fixture(scope="module")
def real_reversed(tmp_path_factory):
    out = tmp_path_factory.mktemp("real-reversed")
    return out, run(REAL_FOLDERS, out, ReverseEngine())


def suite_folder(tmp_path_factory, name: str, suffix: str, items: list[tuple[str, str]]) -> Path:
    folder = tmp_path_factory.mktemp(name)
    for stem, text in items:
        (folder / f"{stem}{suffix}").write_bytes(text.encode("utf-8"))
    return folder


@pytest.fixture(scope="module")
def commonmark(tmp_path_factory):
    examples = json.loads((SUITES / "commonmark-0.31.2.json").read_text(encoding="utf-8"))
    return suite_folder(tmp_path_factory, "commonmark", ".md",
                        [(f"example-{e['example']:03d}", e["markdown"]) for e in examples])


@pytest.fixture(scope="module")
def html5lib_inputs(tmp_path_factory):
    tests = json.loads((SUITES / "html5lib-tree-construction.json").read_text(encoding="utf-8"))
    return suite_folder(tmp_path_factory, "html5lib", ".html",
                        [(f"{t['file'][:-4]}-{t['index']:03d}", t["data"]) for t in tests])


def test_the_suites_are_whole():
    assert len(json.loads((SUITES / "commonmark-0.31.2.json").read_text(encoding="utf-8"))) == 652
    tests = json.loads((SUITES / "html5lib-tree-construction.json").read_text(encoding="utf-8"))
    assert len(tests) == 1792 and len({t["file"] for t in tests}) == 57


# -------------------------------------------------------------- copy: the bytes
def test_a_copy_gives_every_real_document_back_byte_for_byte(real_copied):
    out, errors = real_copied
    assert errors == {}
    assert copies_differing(REAL, out) == []


def test_a_copy_gives_every_commonmark_example_back_byte_for_byte(commonmark, tmp_path):
    assert run(commonmark, tmp_path, CopyEngine()) == {}
    assert copies_differing(commonmark, tmp_path) == []


def test_a_copy_gives_every_html5lib_input_back_byte_for_byte(html5lib_inputs, tmp_path):
    errors = run(html5lib_inputs, tmp_path, CopyEngine())
    # Inputs holding a NUL byte are refused as binary files, each in one line naming it.
    binary = {p.name for p in html5lib_inputs.iterdir() if b"\0" in p.read_bytes()}
    assert set(errors) == binary and all("binary file" in line for line in errors.values())
    differing = [line for line in copies_differing(html5lib_inputs, tmp_path)
                 if line.split(":")[0] not in binary]
    assert differing == []


# ---------------------------------------------------- reverse: what a reader sees
# CommonMark with tables, and what MkDocs documentation adds, read by mdit-py-plugins
# (admonitions; attributes after links and images); content tabs are read as admonitions.
MARKDOWN = MarkdownIt("commonmark").enable("table").use(admon_plugin).use(attrs_plugin)
CONTENT_TAB = re.compile(r'^([ \t]*)===([!+]?)[ \t]+(".*")[ \t]*$', re.MULTILINE)
# Attribute lists that stay outside the text (`## Titre {#v-if}`, `{: .note }` on a line).
ATTRIBUTE_LIST = re.compile(r"(?:(?<=\s)|^)\{(?::[^{}\n]*|[ \t]*[#.][^{}\n]*|[^{}\n=]*=[^{}\n]*)\}(?=\s|$)")
# Python-Markdown reads `{.internal-link target=\_blank}` after a link as its attributes
# (an escaped `_`, as FastAPI's docs write it); mdit-py-plugins' attrs wants it unescaped.
LINK_ATTRIBUTES = re.compile(r"(?<=\))\{[^{}\n]*\}")
FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n.*?\r?\n(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.DOTALL)
TAG = re.compile(r"</?([A-Za-z][A-Za-z0-9-]*)")


# Sentences glued by a missing space (`présent.Alors`, as scraped text has them) are
# two words to a reader; align keeps them apart in the translation.
GLUED_SENTENCES = re.compile(r"(?<=[.!?…])(?=[A-ZÀ-ÖØ-Þ])")


# Template statements and shortcodes are no text to a reader (the site's templates
# render them away): elements. A value ({{ name }}) is one word, what it stands for.
TEMPLATE_MARKER = re.compile(r"\{%[^{}]*?%\}|\{\{[%<][^{}]*?[%>]\}\}|\{#[^{}]*?#\}")
TEMPLATE_VALUE = re.compile(r"\{\{([^{}]*)\}\}")


def reader_words(text: str) -> list[str]:
    text = TEMPLATE_MARKER.sub(" ", text)
    text = TEMPLATE_VALUE.sub(lambda m: "{{" + "".join(m.group(1).split()) + "}}", text)
    return GLUED_SENTENCES.sub(" ", text).split()


def template_markers(text: str) -> Counter:
    return Counter(" ".join(m.split()) for m in TEMPLATE_MARKER.findall(text))


def markdown_reading(text: str) -> tuple[Counter, Counter]:
    """(elements, words) as CommonMark reads them: block and inline elements with the
    attributes that are not text (a link's href, an image's src, a list's start, a
    fence's info and content, raw HTML's tag names); the words of the text, code and
    image descriptions included."""
    front = FRONT_MATTER.match(text)
    elements, words = Counter(), Counter()
    body = CONTENT_TAB.sub(r"\1!!! tab\2 \3", text[front.end():] if front else text)
    body = LINK_ATTRIBUTES.sub(lambda m: m.group().replace("\\", ""), body)
    for token in MARKDOWN.parse(body):
        if token.type in ("fence", "code_block"):
            elements[(token.type, token.info, token.content)] += 1
        elif token.type == "html_block":
            elements.update(("html", tag.lower()) for tag in TAG.findall(token.content))
        elif token.nesting != -1 and token.type != "inline":
            elements[(token.type, token.tag, token.attrs.get("start"))] += 1
        # The words of a block as a reader reads them, across its inline markup.
        read = "".join(child.content if child.type in ("text", "code_inline") else
                       " " if child.type in ("softbreak", "hardbreak") else "" for child in token.children or [])
        elements.update(("attributes", found) for found in ATTRIBUTE_LIST.findall(read))
        elements.update(("template", found) for found in template_markers(read).elements())
        words.update(reader_words(ATTRIBUTE_LIST.sub(" ", read)))
        for child in token.children or []:
            if child.type == "html_inline":
                elements.update(("html", tag.lower()) for tag in TAG.findall(child.content))
            elif child.type == "link_open":
                elements[("link", tuple(sorted((k, v) for k, v in child.attrs.items() if k != "title")))] += 1
                words.update(reader_words(str(child.attrs.get("title", ""))))
            elif child.type == "image":
                elements[("image", tuple(sorted((k, v) for k, v in child.attrs.items() if k not in ("alt", "title"))))] += 1
                words.update(reader_words(str(child.attrs.get("title", ""))))
            elif child.nesting == 1 or child.type == "code_inline":
                elements[(child.type, child.tag)] += 1
    return elements, words


# Attributes whose values are text a reader reads (translated), not markup.
TEXT_ATTRIBUTES = {"alt", "title", "placeholder", "aria-label", "aria-description", "label", "summary",
                   "abbr", "lang", "xml:lang"}


def html_reading(data: bytes) -> tuple[Counter, Counter]:
    """(elements, words) as lxml reads the page: each element with its attributes but
    those holding text; the words of the text and of those attributes (a meta
    description's content among them)."""
    elements, words = Counter(), Counter()
    try:
        root = lxml.html.document_fromstring(data.decode("utf-8", errors="replace"))
    except etree.ParserError:  # nothing but a comment, a doctype or white space
        return elements, words
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        text_attributes = set(TEXT_ATTRIBUTES)
        if element.tag == "meta" and ((element.get("name") or element.get("property") or "").lower() in
                                      ("description", "og:title", "og:description", "twitter:title",
                                       "twitter:description")):
            text_attributes.add("content")
        if element.tag == "meta" and (element.get("http-equiv") or element.get("property") or "").lower() in \
                ("content-language", "og:locale"):
            text_attributes.add("content")  # the page's language: English once translated
        if element.tag in ("input", "button") and (element.get("type") or "").lower() in ("button", "submit", "reset"):
            text_attributes.add("value")
        elements[(element.tag, tuple(sorted((k, v) for k, v in element.attrib.items()
                                            if k not in text_attributes)))] += 1
        words.update(word for k, v in element.attrib.items() if k in text_attributes and k not in ("lang", "xml:lang")
                     for word in v.split())
    text = _reader_text(root)
    words.update(reader_words(text))  # across inline tags, as a reader reads them
    elements.update(("template", found) for found in template_markers(text).elements())
    return elements, words


# Elements that break a line where they start and end: their words never join a neighbour's.
BLOCKS = frozenset("""address article aside blockquote body br caption dd details dialog div dl dt fieldset
    figcaption figure footer form h1 h2 h3 h4 h5 h6 head header hr html li main nav ol option p pre section
    select summary table tbody td tfoot th thead title tr ul""".split())


def _reader_text(element) -> str:
    parts = []

    def walk(node) -> None:
        block = isinstance(node.tag, str) and node.tag in BLOCKS
        if block:
            parts.append(" ")
        if isinstance(node.tag, str) and node.tag not in ("script", "style"):
            parts.append(node.text or "")
            for child in node:
                walk(child)
                parts.append(child.tail or "")
        if block:
            parts.append(" ")

    walk(element)
    return "".join(parts)


W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
BREAKS = (f"{W}tab", f"{W}br", f"{W}cr")


def word_reading(data: bytes) -> tuple[Counter, Counter]:
    """(elements, words) of a Word document's main part: paragraphs with their
    properties, the properties of the runs that hold text (the proofing language
    aside), and the words of the text."""
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        root = etree.fromstring(package.read("word/document.xml"))
    elements, words = Counter(), Counter()
    for lang in list(root.iter(f"{W}lang")):  # the proofing language: English once translated
        lang.getparent().remove(lang)
    for p in root.iter(f"{W}p"):
        properties = p.find(f"{W}pPr")
        elements[("p", etree.tostring(properties, method="c14n") if properties is not None else b"")] += 1
        formats = set()
        # A tab or a line break (w:tab, w:br, w:cr) keeps the words on its sides apart.
        text = "".join(t.text or "" if t.tag == f"{W}t" else " " if t.getparent().tag == f"{W}r" else ""
                       for t in p.iter(f"{W}t", *BREAKS))  # (not the tab stops of w:pPr)
        words.update(reader_words(text))
        elements.update(("template", found) for found in template_markers(text).elements())
        for r in p.iter(f"{W}r"):
            text = "".join(t.text or "" for t in r.iter(f"{W}t"))
            if text.strip():
                rpr = r.find(f"{W}rPr")
                formats.add(etree.tostring(rpr, method="c14n") if rpr is not None and len(rpr) else b"")
        elements.update(("run format", f) for f in formats)
    return elements, words


def reading(path: Path) -> tuple[Counter, Counter]:
    data = path.read_bytes()
    if path.suffix == ".md":
        return markdown_reading(data.decode("utf-8-sig"))
    if path.suffix == ".docx":
        return word_reading(data)
    return html_reading(data)


def reading_differences(root: Path, out: Path, skip=frozenset()) -> list[str]:
    """The documents whose output a reader does not see as the source's elements and words."""
    differing = []
    for source in sorted(p for p in root.rglob("*")
                         if p.suffix in OUTPUT_SUFFIX and p.name not in skip and p.parent != REAL):
        output = output_of(source, root, out)
        if not output.is_file():
            differing.append(f"{source.relative_to(root)}: not written")
            continue
        (elements, words), (got_elements, got_words) = reading(source), reading(output)
        if elements != got_elements:
            differing.append(f"{source.relative_to(root)}: elements lost {list((elements - got_elements))[:3]}, "
                             f"added {list((got_elements - elements))[:3]}")
        elif words != got_words:
            differing.append(f"{source.relative_to(root)}: words lost {list((words - got_words))[:5]}, "
                             f"added {list((got_words - words))[:5]}")
    return differing


# The real documents no placement can keep under reversed words, each with why. In
# each, reversing a sentence's words asks two elements for stretches of the English that
# cross, so one element must give up its words (then, a link keeps its French: never
# empty) or a glued word must part. A model keeps such words where their pieces go; the
# reversing engine is an oracle. Their reading may differ by exactly this, and no other
# document may differ at all.
REVERSE_IMPOSSIBLE = {
    # `created`</span><span class="composition-api">`setup()`: one word across two
    # elements, whose other words the reversal puts on the far side of it
    "markdown/vuedocs--scaling-up-ssr.md": "words lost ['createdsetup()'], added ['created', 'setup()']",
    # the link "Intéressé ? Contactez-nous" runs into the next sentence, so it must reach this
    # one's end, where the reversal puts the words of the link before it ("Télécharger le kit")
    "html/incubanct--kit-territoires.html": "words lost ['?'], added ['le', 'Télécharger', 'kit?']",
    # `<a>« Précédent</a><a>Suivant  »</a>`: "PrécédentSuivant" is one word across the two
    # links; reversed, each link's words lie on both sides of the other's
    "html/mdn--2d-breakout-game-pure-javascript-paddle-et-controle-clavier.html":
        "words lost ['»'], added ['Suivant', '»»']",
}


def test_reversed_words_keep_every_element_and_word_of_the_real_documents(real_reversed):
    out, errors = real_reversed
    assert errors == {}
    differing = dict(line.split(": ", 1) for line in reading_differences(REAL, out))
    assert differing == REVERSE_IMPOSSIBLE


def test_reversed_words_keep_every_element_and_word_of_the_commonmark_examples(commonmark, tmp_path):
    assert run(commonmark, tmp_path, ReverseEngine()) == {}
    assert reading_differences(commonmark, tmp_path) == []


def test_reversed_words_keep_every_element_and_word_of_the_html5lib_inputs(html5lib_inputs, tmp_path):
    errors = run(html5lib_inputs, tmp_path, ReverseEngine())
    binary = {p.name for p in html5lib_inputs.iterdir() if b"\0" in p.read_bytes()}
    assert set(errors) == binary
    assert reading_differences(html5lib_inputs, tmp_path, skip=binary) == []


# ------------------------------------------- verbatim text never takes its neighbours
NEIGHBOURS = [
    "La variable `x`sera de type `int`.\n",
    "Les `Promise`s sont utiles.\n",
    "Le fichier`config.json`est lu.\n",
    "Les <code>Promise</code>s sont utiles.\n",
    "Une image ![photo](photos-ajoute\u0301es-fr.png) ici.\n",
    "Ouvrez le fichier donne\u0301es.csv maintenant.\n",       # decomposed, as macOS names files
    "Ouvrez le fichier données.csv maintenant.\n",
    "Ouvrez le fichier photos-ajoutées-fr.png puis fermez-le.\n",
    'tapez : "C:\\Scripts\\Get-ServiceLog.ps1."\n',
    "Les <code>Symbol() + 1 </code>lève une exception.\n",         # a space of the code's own
    "Passez l'option `immediate: true` :\n",                       # the French's colon, a space away
    "On peut spécifier l'[`option compilerOptions.isCustomElement`](/api).\n",  # a word glued on a link
    "Une balise <code v-pre>{{ }}</code>), donc ce qui suit.\n",   # code of marks alone
    "Les crochets `[ ]` et `( )` sont vides.\n",
    # an attribute list glued on text that is a link once templates are filled (MkDocs macros)
    '- Pour l’API : [{{ urls.api }}/index.html]({{ urls.api }}/index.html){target="_blank"}\n',
    "[[secret]]\n| ![Daily Motion](http://a.fr/a.jpg)\n|\n| ![YouTube](http://a.fr/b.jpg)\n",  # zmarkdown
]


@pytest.mark.parametrize("text", NEIGHBOURS)
def test_verbatim_text_keeps_the_letters_of_its_neighbours(text, tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.md").write_bytes(text.encode("utf-8"))
    for engine, name in ((CopyEngine(), "copied"), (ReverseEngine(), "reversed")):
        assert run(tmp_path / "in", tmp_path / name, engine) == {}
    assert (tmp_path / "copied" / "a.en.md").read_bytes() == text.encode("utf-8")
    assert reading_differences(tmp_path / "in", tmp_path / "reversed") == []
