"""MkDocs / Python-Markdown syntax (align.read.formats.mkdocs): admonitions, collapsible
admonitions, content tabs, attribute lists. Copied through the pipeline they come
back byte for byte; with each sentence's words reversed their markers stay as they
were, their titles and bodies are translated and stay in their block. The output is
read back by the test itself (marker lines, the body's indented lines) and each body
by markdown-it's plain CommonMark once dedented, as MkDocs reads it."""
from __future__ import annotations

import json
import re
from collections import Counter

import pytest
from markdown_it import MarkdownIt

from align.read.formats.markdown import MarkdownFormat, parser
from align.pipeline.run import translate_paths
from conftest import ROOT
from copy_engines import CopyEngine, ReverseEngine
from test_document_path import markdown_reading

MARKER = re.compile(r'^(?P<indent> *)(?P<head>(?:!!!|\?\?\?\+?)[ \t]*[\w-]+(?:[ \t]+[\w-]+)*|===[!+]{0,2})'
                    r'(?:[ \t]+"(?P<title>.*)")?[ \t]*$')
WORD = re.compile(r"\w+")

DOCUMENT = '''# Guide

!!! note "Titre de la note"
    Texte de la note, avec *emphase* et un [lien](https://x.org).

    Second paragraphe de la note :

    - un élément de liste
    - un autre élément

??? warning "Attention au danger"
    Corps replié de l'avertissement.

???+ tip
    Corps ouvert par défaut.

=== "Premier onglet"

    Contenu du premier onglet.

=== "Second onglet"
    Contenu du second onglet.

    ```python
    print("reste du code")
    ```

1. Une étape avec une note :

    !!! warning "Dans la liste"
        Le corps de la note dans la liste.

Un paragraphe avec attributs.
{: .classe }

## Sous-titre important {#ancre}

Voir [la page](https://x.org){: target="_blank" } et *ceci*{.rouge} aussi.
'''


def pipeline(markdown: str, engine, folder) -> str:
    (folder / "src").mkdir(exist_ok=True)
    (folder / "src" / "a.md").write_text(markdown, encoding="utf-8")
    translate_paths([folder / "src" / "a.md"], engine, folder / engine.name,
                    glossary=None, typography="keep", numbers="flag")
    return (folder / engine.name / "a.en.md").read_text(encoding="utf-8")


def containers(text: str) -> list[dict]:
    """Each marker line (its indent, marker and kind, title) and its body: the lines after
    it indented by four more columns (blank lines between them), dedented."""
    lines = text.split("\n")
    found = []
    for n, line in enumerate(lines):
        match = MARKER.match(line)
        if not match or not (match.group("title") is not None or n + 1 < len(lines) and lines[n + 1].startswith(
                match.group("indent") + "    ")):
            continue
        indent = len(match.group("indent")) + 4
        body, end = [], n + 1
        while end < len(lines) and (not lines[end].strip() or len(lines[end]) - len(lines[end].lstrip(" ")) >= indent):
            body.append(lines[end][indent:])
            end += 1
        while body and not body[-1].strip():
            body.pop()
        found.append({"line": n, "head": match.group("indent") + match.group("head"), "title": match.group("title"),
                      "body": "\n".join(body) + "\n"})
    return found


def body_reading(body: str) -> list:
    """The body as plain CommonMark reads it: its blocks, each inline content's words."""
    return [(token.type, Counter(WORD.findall(token.content)) if token.type == "inline" else token.content
             if token.type in ("fence", "code_block") else "")
            for token in MarkdownIt("commonmark").parse(body)]


def test_mkdocs_syntax_copied_comes_back_byte_for_byte(tmp_path):
    assert pipeline(DOCUMENT, CopyEngine(), tmp_path) == DOCUMENT


def test_mkdocs_titles_and_bodies_are_translated_in_their_block(tmp_path):
    english = pipeline(DOCUMENT, ReverseEngine(), tmp_path)
    before, after = containers(DOCUMENT), containers(english)
    assert [c["head"] for c in after] == [c["head"] for c in before] == [
        "!!! note", "??? warning", "???+ tip", "===", "===", "    !!! warning"]
    for source, translation in zip(before, after):
        assert translation["line"] == source["line"]  # (nothing was joined to the marker's line)
        if source["title"] is not None:  # the title: the same words, in reverse order
            assert WORD.findall(translation["title"]) == WORD.findall(source["title"])[::-1]
        # The body: the same blocks as CommonMark reads them once dedented, the same words,
        # moved (translated, not kept as code); nothing of it left outside the container.
        assert body_reading(translation["body"]) == body_reading(source["body"])
        if len(WORD.findall(source["body"])) > 1 and "```" not in source["body"]:
            assert translation["body"] != source["body"]
    # Fenced code in a tab stays code, as it was.
    assert '    ```python\n    print("reste du code")\n    ```\n' in english


def test_attribute_lists_stay_where_they_belong(tmp_path):
    english = pipeline(DOCUMENT, ReverseEngine(), tmp_path)
    assert "attributs. avec paragraphe Un\n{: .classe }\n" in english  # the paragraph's, on its last line
    assert "## important Sous-titre {#ancre}\n" in english  # the heading's, at its end
    # an element's, right after it: moved with it
    assert "[page la](https://x.org){: target=\"_blank\" }" in english and "*ceci*{.rouge}" in english


def test_mkdocs_marker_lines_read_as_mdit_py_plugins_reads_them():
    # Any marker line with a kind is an admonition, that interrupts a paragraph; "???"
    # alone is none. Its title: the quoted text, else the words after its kind (cartes.gouv's
    # "??? Corps de réponse JSON": "de réponse JSON"); "!!! Important" alone has none of its own.
    def read(markdown):
        return [(t.type, t.content) for t in parser().parse(markdown) if t.type != "inline" or t.content]

    assert read("!!! Important\nSuite du texte.\n") == [
        ("mkdocs_open", ""), ("mkdocs_close", ""), ("paragraph_open", ""), ("inline", "Suite du texte."),
        ("paragraph_close", "")]
    assert read("Texte.\n??? Corps de réponse JSON\n```json\n{}\n```\n???\n")[:7] == [
        ("paragraph_open", ""), ("inline", "Texte."), ("paragraph_close", ""), ("mkdocs_open", ""),
        ("mkdocs_title_open", ""), ("inline", "de réponse JSON"), ("mkdocs_title_close", "")]
    assert [t.type for t in parser().parse('???? GET "{{ url }}/a"\n    corps\n???\n')] == [
        "mkdocs_open", "mkdocs_title_open", "inline", "mkdocs_title_close", "paragraph_open", "inline",
        "paragraph_close", "mkdocs_close", "paragraph_open", "inline", "paragraph_close"]


def test_mkdocs_marker_lines_keep_their_reading_reversed(tmp_path):
    # The oracle is mdit-py-plugins' admonition rule: the same admonitions, titles and words.
    markdown = ("Texte avant.\n??? Corps de réponse JSON\n```json\n{}\n```\n???\n????\n\n"
                "???? GET \"{{ urls.api }}/datastores/{datastore}/processings\"\n"
                "1. Récupérer le fichier géocodé (`GET /x`).\n???\n"
                "??? Le mode authentifié\nPour bénéficier du mode authentifié, il faut un espace.\n\n"
                "!!! note \"Titre de la note\"\n    Le corps de la note.\n")
    assert pipeline(markdown, CopyEngine(), tmp_path) == markdown
    english = pipeline(markdown, ReverseEngine(), tmp_path)
    assert markdown_reading(english) == markdown_reading(markdown)
    assert "??? Corps JSON réponse de\n" in english  # (its kind stays first)


def test_mkdocs_bodies_are_not_code_blocks():
    tokens = parser().parse('!!! note\n\n    Texte de la note.\n\n        du code\n')
    assert [t.type for t in tokens] == ["mkdocs_open", "paragraph_open", "inline", "paragraph_close", "code_block",
                                        "mkdocs_close"]
    document = MarkdownFormat().parse('!!! note "Titre"\n\n    Texte de la note.\n'.encode(), "t.md")
    assert [(p.role, p.text) for p in document.paragraphs] == [("mkdocs-title", "Titre"), ("p", "Texte de la note.")]


def test_commonmark_documents_read_as_before():
    # Every spec example: the same tokens with the MkDocs rules as without them.
    spec = json.loads((ROOT / "tests" / "data" / "suites" / "commonmark-0.31.2.json").read_text(encoding="utf-8"))
    with_rules, without = parser(), parser()
    without.block.ruler.disable("mkdocs")
    without.inline.ruler.disable("attrs")

    def tokens(md, text):
        return [(t.type, t.content, [(c.type, c.content) for c in t.children or []]) for t in md.parse(text)]

    changed = [e["example"] for e in spec if tokens(with_rules, e["markdown"]) != tokens(without, e["markdown"])]
    assert changed == []


@pytest.mark.parametrize("markdown", [
    '!!! tip "Astuce"\n    Un texte.\n',
    '> !!! note "Dans une citation"\n>     Le corps cité.\n',
    '=== "Onglet"\n\n    - un\n    - deux\n\n=== "Autre"\n\n    Texte.\n',
    'Un lien [ici](https://x.org){ #id .classe } et `code`{.python} là.\n',
])
def test_mkdocs_snippets_copied_come_back_byte_for_byte(markdown, tmp_path):
    assert pipeline(markdown, CopyEngine(), tmp_path) == markdown
