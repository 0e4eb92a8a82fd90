"""Protected syntax (align.protect): template tags, macros, shortcodes, alerts, MDN's
definition markers, bare domains and file names come back byte for byte, the model
never sees them, and `--protect REGEX` adds the user's own. The independent readers
(markdown-it, lxml) check what a translation keeps."""
from __future__ import annotations

import io
import re
import zipfile

import lxml.html
import pytest
from click.testing import CliRunner
from markdown_it import MarkdownIt

from align.cli import main
from align.formats.docx import DocxFormat
from align.formats.html import HtmlFormat
from align.formats.markdown import MarkdownFormat
from align.protect import Protection
from align.segment import sentence_spans
from conftest import SMALL_MODEL
from test_formats import reordered, round_trip, with_document_xml

# Real lines (MDN, Microsoft Learn, a Grav theme's documentation, a docxtpl letter,
# Hugo), each with the spans a translation must give back unchanged.
CASES = [
    ("La méthode {{jsxref(\"Array.prototype.map\")}} renvoie {{jsxref(\"undefined\")}} si rien.\n",
     ['{{jsxref("Array.prototype.map")}}', '{{jsxref("undefined")}}']),
    ("{{Specifications}}\n\nVoir {{domxref(\"Element\")}} pour la suite.\n",
     ["{{Specifications}}", '{{domxref("Element")}}']),
    ("> [!NOTE]\n> Cette fonctionnalité est en préversion publique.\n", ["[!NOTE]"]),
    ("[ui-tabs]\n[ui-tab title=\"À partir de l'interface web\"]\nOuvrez la page.\n[/ui-tab]\n[/ui-tabs]\n",
     ["[ui-tabs]", "[ui-tab title=\"À partir de l'interface web\"]", "[/ui-tab]", "[/ui-tabs]"]),
    ("Madame, {% if civilite %}chère {{ civilite }}{% endif %}, votre dossier est complet.\n",
     ["{% if civilite %}", "{{ civilite }}", "{% endif %}"]),
    ("Insérez {{< figure src=\"/images/a.png\" title=\"Un titre\" >}} puis {{% note %}}lisez{{% /note %}}.\n",
     ['{{< figure src="/images/a.png" title="Un titre" >}}', "{{% note %}}", "{{% /note %}}"]),
    ("{# un commentaire de gabarit #}Le texte suit.\n", ["{# un commentaire de gabarit #}"]),
    ("- `map`\n  - : La fonction appelée pour chaque élément.\n", [": "]),
    ("Le fichier planets-data.txt est sur docs.microsoft.com et www.example.org/a.\n",
     ["planets-data.txt", "docs.microsoft.com", "www.example.org/a"]),
]


def protected(document) -> list[str]:
    return [i.open for p in document.paragraphs for i in p.inlines if i.kind in ("protected", "url")]


@pytest.mark.parametrize("text,spans", CASES)
def test_markdown_protected_syntax_is_never_seen_by_the_model_and_comes_back_whole(text, spans):
    fmt = MarkdownFormat()
    document = fmt.parse(text.encode(), "t.md")
    # Placeholders, or literal text where nothing else is left in the block
    assert set(protected(document)) <= set(spans)
    for paragraph in document.paragraphs:  # the model sees none of it
        assert not any(span in paragraph.text for span in spans if span != ": ") and not paragraph.text.startswith(":")
    assert round_trip(fmt, text.encode(), "t.md").decode() == text
    english = reordered(fmt, text.encode(), "t.md").decode()
    for span in spans:
        assert english.count(span) == text.count(span), (span, english)
    # CommonMark reads the same blocks before and after
    blocks = [t.type for t in MarkdownIt("commonmark").parse(text) if t.nesting >= 0 and t.type != "inline"]
    assert [t.type for t in MarkdownIt("commonmark").parse(english) if t.nesting >= 0 and t.type != "inline"] \
        == blocks


def test_prose_brackets_and_braces_are_translated():
    document = MarkdownFormat().parse("Il a écrit [sic] et [1] puis {x} et {{ en trop.\n".encode(), "t.md")
    assert protected(document) == []
    assert document.paragraphs[0].text == "Il a écrit [sic] et [1] puis {x} et {{ en trop."


def test_glued_sentences_are_not_domains_but_file_names_and_domains_are_not_split():
    assert sentence_spans("Voir le fichier planets-data.txt. Puis docs.microsoft.com. Fin.") == [
        (0, 33), (34, 58), (59, 63)]
    text = "Il est parti.de plus il pleut et moi.me voilà."
    assert protected(MarkdownFormat().parse(text.encode(), "t.md")) == []


def test_html_template_tags_attributes_and_text_are_kept():
    page = ('<p>Bonjour {{ user.name }}, {% if messages %}vous avez des messages{% endif %}.</p>\n'
            '<p>{% trans "Bienvenue" %}</p>\n')
    fmt = HtmlFormat()
    assert round_trip(fmt, page.encode(), "t.html").decode() == page
    english = reordered(fmt, page.encode(), "t.html").decode()
    for span in ("{{ user.name }}", "{% if messages %}", "{% endif %}", '{% trans "Bienvenue" %}'):
        assert english.count(span) == 1
    assert len(lxml.html.fragments_fromstring(english)) == 2  # lxml reads the same two paragraphs


def test_a_docx_template_tag_in_one_run_is_kept():
    body = ('<w:p><w:r><w:t xml:space="preserve">Dossier {{ numero }} : {% if urgent %}urgent{% endif %}.</w:t>'
            '</w:r></w:p>')
    data = with_document_xml(('<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
                               f'<w:body>{body}</w:body></w:document>').encode())
    fmt = DocxFormat()
    english = reordered(fmt, data, "t.docx")
    xml = zipfile.ZipFile(io.BytesIO(english)).read("word/document.xml").decode()
    text = "".join(re.findall(r"<w:t[^>]*>([^<]*)</w:t>", xml))
    for span in ("{{ numero }}", "{% if urgent %}", "{% endif %}"):
        assert text.count(span) == 1


def test_user_patterns_are_protected_and_bad_ones_are_one_line():
    protection = Protection.with_patterns([r"\$[A-Z_]+\$"])
    assert protection.spans("Remplacez $NOM_CLIENT$ par le nom.") == [(10, 22)]
    with pytest.raises(ValueError, match=r"--protect '\(': not a regular expression"):
        Protection.with_patterns(["("])
    with pytest.raises(ValueError, match="matches empty text"):
        Protection.with_patterns(["x*"])


def test_cli_protect_is_used_for_translation_and_for_rereads(tmp_path):
    source = tmp_path / "in"
    source.mkdir()
    (source / "a.md").write_text("# Titre\n\nRemplacez $NOM_CLIENT$ par le nom du client.\n", encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["translate", str(source), "--model", str(SMALL_MODEL), "-o", str(out),
                                       "--beams", "1", "--no-glossary", "--quiet", "--protect", r"\$[A-Z_]+\$"])
    assert result.exit_code == 0, result.output
    assert "$NOM_CLIENT$" in (out / "a.en.md").read_text(encoding="utf-8")
    assert "$NOM_CLIENT$" not in (out / "a.tsv").read_text(encoding="utf-8")  # the model never saw it
    # A reviewer's save rebuilds a.en.md from the kept source, read with the same patterns.
    from align.review.folder import ReviewFolder
    from align.writers.formats import same_format_output

    document = ReviewFolder(out).load("a")
    path, data = same_format_output(out, document)
    assert data == (out / "a.en.md").read_bytes()
    bad = CliRunner().invoke(main, ["translate", str(source), "--model", str(SMALL_MODEL), "-o", str(out),
                                    "--protect", "("])
    assert bad.exit_code == 2 and "--protect '(': not a regular expression" in bad.output
    assert len(bad.output.strip().splitlines()) == 1
