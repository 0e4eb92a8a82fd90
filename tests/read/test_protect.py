"""Protected syntax (align.read.protect): template tags, macros, shortcodes, alerts, MDN's
definition markers, bare domains and file names come back byte for byte (the model
reads those that stand for words in their sentence, and none of the markers), and `--protect REGEX` adds the user's own. The independent readers
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
from align.read.formats.docx import DocxFormat
from align.read.formats.html import HtmlFormat
from align.read.formats.markdown import MarkdownFormat
from align.read.protect import Protection, is_marker
from align.segment import segment_document
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
def test_markdown_protected_syntax_is_read_whole_or_kept_out_and_comes_back_whole(text, spans):
    fmt = MarkdownFormat()
    document = segment_document(fmt.parse(text.encode(), "t.md"))
    # Verbatim spans or placeholders, or literal text where nothing else is left in the block
    assert set(protected(document)) <= set(spans)
    for paragraph in document.paragraphs:
        for inline in paragraph.inlines:
            if inline.kind not in ("protected", "url"):
                continue
            if is_marker(inline.open):  # structure (an alert, a shortcode, a definition marker): kept out
                assert not inline.verbatim and inline.open not in paragraph.text
            else:  # words: the model reads them in one sentence, as they are
                assert inline.verbatim and paragraph.text[inline.start:inline.end] == inline.open
                assert sum(p.start <= inline.start and inline.end <= p.start + len(p.source)
                           for p in paragraph.sentences) == 1
        assert not paragraph.text.startswith(":")
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


def assert_kept_once(out, text):
    """`text` once in the English file, and in its sentence on both sides of the TSV
    (the model read it; the term policy kept it as it was)."""
    from align.output.writers.tsv import read_tsv

    assert (out / "a.en.md").read_text(encoding="utf-8").count(text) == 1
    [pair] = [p for d in read_tsv(out / "a.tsv") for p in d.pairs() if text in p.source]
    assert pair.source.count(text) == pair.target.count(text) == 1


def test_cli_protect_is_used_for_translation_and_for_rereads(tmp_path):
    source = tmp_path / "in"
    source.mkdir()
    (source / "a.md").write_text("# Titre\n\nRemplacez $NOM_CLIENT$ par le nom du client.\n", encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["translate", str(source), "--model", str(SMALL_MODEL), "-o", str(out),
                                       "--beams", "1", "--no-glossary", "--quiet", "--protect", r"\$[A-Z_]+\$"])
    assert result.exit_code == 0, result.output
    assert_kept_once(out, "$NOM_CLIENT$")
    # A reviewer's save rebuilds a.en.md from the kept source, read with the same patterns.
    from align.review.folder import ReviewFolder
    from align.output.writers.formats import same_format_output

    document = ReviewFolder(out).load("a")
    path, data = same_format_output(out, document)
    assert data == (out / "a.en.md").read_bytes()
    bad = CliRunner().invoke(main, ["translate", str(source), "--model", str(SMALL_MODEL), "-o", str(out),
                                    "--protect", "("])
    assert bad.exit_code == 2 and "--protect '(': not a regular expression" in bad.output
    assert len(bad.output.strip().splitlines()) == 1


# A team's patterns in protect.txt (align.read.protect.PATTERNS_FILE), beside the glossary.

def test_read_patterns_skips_comments_and_blank_lines_and_a_bom(tmp_path):
    from align.read.protect import read_patterns

    path = tmp_path / "protect.txt"
    path.write_bytes("\ufeff# Variables of our templates\r\n\\$[A-Z_]+\\$\r\n\r\n   \n  # indented comment\n"
                     "  %%[a-z]+%%  \n\\#\\d+\nÉtape [0-9]+\n".encode("utf-8"))
    assert read_patterns(path) == [r"\$[A-Z_]+\$", "%%[a-z]+%%", r"\#\d+", "Étape [0-9]+"]
    (tmp_path / "empty.txt").write_text("# nothing yet\n\n", encoding="utf-8")
    assert read_patterns(tmp_path / "empty.txt") == []


def test_a_bad_pattern_in_a_file_is_one_line_with_file_and_line(tmp_path):
    from align.errors import InputError
    from align.read.protect import read_patterns

    path = tmp_path / "protect.txt"
    path.write_text("# ours\n\\$[A-Z_]+\\$\n([a-z\n", encoding="utf-8")
    with pytest.raises(InputError) as error:
        read_patterns(path)
    assert str(error.value) == f'{path}:3: bad pattern "([a-z" (unterminated character set at position 1)'
    path.write_text("\n\nx*\n", encoding="utf-8")
    with pytest.raises(InputError) as error:
        read_patterns(path)
    assert str(error.value) == (f'{path}:3: bad pattern "x*" '
                                f'(matches empty text; a pattern must match something)')
    path.write_text("(?i)todo\n", encoding="utf-8")  # compiles alone, not among the others
    with pytest.raises(InputError, match=r":1: bad pattern \"\(\?i\)todo\" \(global flags"):
        read_patterns(path)
    path.write_bytes(b"ok\n\xe9t\xe9\n")
    with pytest.raises(InputError) as error:
        read_patterns(path)
    assert str(error.value) == f"{path}:2: not valid UTF-8; save the file as UTF-8"
    with pytest.raises(InputError) as error:
        read_patterns(tmp_path / "none.txt")
    assert str(error.value) == f"{tmp_path / 'none.txt'}: no such file"


def test_files_come_first_then_protect_and_each_pattern_once(tmp_path):
    (tmp_path / "a.txt").write_text("A+\nB+\n", encoding="utf-8")
    (tmp_path / "b.txt").write_text("B+\nC+\n", encoding="utf-8")
    protection = Protection.from_files([tmp_path / "a.txt", tmp_path / "b.txt"], ["D+", "A+"])
    assert protection.user == ("A+", "B+", "C+", "D+")
    with pytest.raises(ValueError, match="--protect '\\(': not a regular expression"):
        Protection.from_files([tmp_path / "a.txt"], ["("])
    with pytest.raises(ValueError, match="do not go together"):  # a group name twice: no traceback
        Protection.with_patterns(["(?P<n>a)", "(?P<n>b)"])


def team_folder(tmp_path, article: str, patterns: str):
    """An article folder, and a glossary with a protect.txt beside it: (source, terms)."""
    source = tmp_path / "in"
    source.mkdir()
    (source / "a.md").write_text(article, encoding="utf-8")
    terms = tmp_path / "terms"
    terms.mkdir()
    (terms / "glossary.tsv").write_text("source\ttarget\nclient\tcustomer\n", encoding="utf-8")
    (terms / "protect.txt").write_text(patterns, encoding="utf-8")
    return source, terms


def test_cli_reads_protect_txt_beside_the_glossary(tmp_path):
    import json

    source, terms = team_folder(tmp_path, "# Titre\n\nRemplacez $NOM_CLIENT$ par le nom du client.\n",
                                "# template variables\n\\$[A-Z_]+\\$\n")
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["translate", str(source), "--model", str(SMALL_MODEL), "-o", str(out),
                                       "--beams", "1", "--glossary", str(terms / "glossary.tsv"), "--quiet",
                                       "--protect", "Titre", "--protect", r"\$[A-Z_]+\$"])
    assert result.exit_code == 0, result.output
    assert_kept_once(out, "$NOM_CLIENT$")
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["settings"]["protect"] == [r"\$[A-Z_]+\$", "Titre"]  # the file's first, each once
    assert json.loads((out / ".align" / "protect.json").read_text(encoding="utf-8")) == {
        "user": [r"\$[A-Z_]+\$", "Titre"]}


def test_cli_bad_protect_files_are_one_line_before_any_model(tmp_path, monkeypatch):
    source, terms = team_folder(tmp_path, "Bonjour.\n", "# ours\n\n([a-z\n")
    no_model = str(tmp_path / "no-model")  # loading it would be another error

    def run(*options):
        result = CliRunner().invoke(main, ["translate", str(source), "--model", no_model,
                                           "-o", str(tmp_path / "out"), *options])
        assert result.exit_code == 2 and len(result.output.strip().splitlines()) == 1, result.output
        return result.output.strip()

    assert run("--glossary", str(terms / "glossary.tsv")) == (
        f'align: error: {terms / "protect.txt"}:3: bad pattern "([a-z" (unterminated character set at position 1)')
    assert run("--protect-file", str(tmp_path / "ours.txt")) == f"align: error: {tmp_path / 'ours.txt'}: no such file"
    assert not (tmp_path / "out" / "manifest.json").exists()
    # No --glossary: ./protect.txt, where ./glossary.tsv is looked for; --no-glossary reads it too.
    monkeypatch.chdir(terms)
    for options in ((), ("--no-glossary",)):
        assert run(*options) == 'align: error: protect.txt:3: bad pattern "([a-z" ' \
                                '(unterminated character set at position 1)'
    monkeypatch.chdir(source)  # none there: no patterns, and the run goes on to the model
    message = run("--no-glossary")
    assert "no-model" in message and "protect.txt" not in message
