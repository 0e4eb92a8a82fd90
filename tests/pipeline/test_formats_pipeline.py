"""`align translate` on a folder mixing plain text, Markdown, HTML and DOCX, with
the small trained model: each article comes back in its own format with its
structure (headings, list items, links and their URLs, code) intact. Its English
is poor; only structure is checked."""
from __future__ import annotations

import re
import shutil
from html.parser import HTMLParser

import pytest
from click.testing import CliRunner

from align.cli import main
from align.read.formats.markdown import parser
from align.output.writers.tsv import read_rows
from conftest import ROOT, SMALL_MODEL

DATA = ROOT / "tests" / "data"
TXT = "004_4308e03e8e9adbfa.txt"


@pytest.fixture(scope="module")
def mixed_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("mixed")
    for name in ("altman-md.md", "altman-html.html", "altman-docx.docx"):
        shutil.copy(DATA / name, folder / name)
    shutil.copy(ROOT / "sources_fr" / TXT, folder / TXT)
    out = tmp_path_factory.mktemp("mixed_out")
    result = CliRunner().invoke(main, ["translate", str(folder), "--model", str(SMALL_MODEL), "-o", str(out),
                                       "--beams", "1", "--no-memory", "--no-glossary", "--quiet"])
    return result, folder, out


def test_every_article_is_written_in_its_own_format(mixed_run):
    result, _, out = mixed_run
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in out.iterdir() if p.is_file())
    for stem, suffix in (("altman-md", ".en.md"), ("altman-html", ".en.html"), ("altman-docx", ".en.docx"),
                         (TXT[:-4], ".en.txt")):
        assert f"{stem}{suffix}" in names
        assert f"{stem}.tsv" in names and f"{stem}.html" in names
    assert not any(n.startswith("004") and n.endswith((".en.md", ".en.html", ".en.docx")) for n in names)


def markdown_structure(text: str):
    tokens = parser().parse(text)
    headings = [t.tag for t in tokens if t.type == "heading_open"]
    items = sum(t.type == "list_item_open" for t in tokens)
    links = [c.attrs["href"] for t in tokens for c in t.children or [] if c.type == "link_open"]
    code = [c.content for t in tokens for c in t.children or [] if c.type == "code_inline"]
    fences = [t.content for t in tokens if t.type == "fence"]
    return headings, items, links, code, fences


def test_markdown_structure_survives_translation(mixed_run):
    _, folder, out = mixed_run
    source = (folder / "altman-md.md").read_text(encoding="utf-8")
    english = (out / "altman-md.en.md").read_text(encoding="utf-8")
    assert markdown_structure(english) == markdown_structure(source)
    assert english.startswith("---\ntitle: ") and "\nlayout: post\n---\n" in english
    assert english.split("\n")[1] != source.split("\n")[1]  # the title was translated


class Outline(HTMLParser):
    """Tags, attributes and the text of kept elements (script, style, pre, code)."""

    def __init__(self):
        super().__init__()
        self.tags, self.kept, self.open = [], [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, [a for a in attrs if a[0] not in ("alt", "title")]))
        self.open.append(tag)

    def handle_endtag(self, tag):
        self.tags.append(("/" + tag, []))
        if self.open and self.open[-1] == tag:
            self.open.pop()

    def handle_data(self, data):
        if self.open and self.open[-1] in ("script", "style", "pre", "code"):
            self.kept.append(data)


def outline(text: str):
    parsed = Outline()
    parsed.feed(text)
    return sorted(map(str, parsed.tags)), parsed.kept


def test_html_structure_survives_translation(mixed_run):
    _, folder, out = mixed_run
    source = (folder / "altman-html.html").read_text(encoding="utf-8")
    english = (out / "altman-html.en.html").read_text(encoding="utf-8")
    assert outline(english) == outline(source.replace('<html lang="fr">', '<html lang="en">'))
    assert english.startswith('<!DOCTYPE html>\n<html lang="en">')  # it is an English page now
    assert '<a href="https://www.microsoft.com/fr-fr/?ref=align&amp;lang=fr">' in english  # URLs untouched
    assert english.count("<h2>") == source.count("<h2>") and english.count("<li>") == source.count("<li>")


def test_docx_structure_survives_translation(mixed_run):
    import docx

    _, folder, out = mixed_run
    source = docx.Document(str(folder / "altman-docx.docx"))
    english = docx.Document(str(out / "altman-docx.en.docx"))
    assert [p.style.name for p in english.paragraphs] == [p.style.name for p in source.paragraphs]
    assert [p.text for p in english.paragraphs] != [p.text for p in source.paragraphs]
    links = [(link.address, link.text != "") for p in english.paragraphs for link in p.hyperlinks]
    assert links == [(link.address, True) for p in source.paragraphs for link in p.hyperlinks]
    assert [c.text for c in english.tables[0]._cells][3] == "2022"


def test_tsv_and_review_page_show_text_without_markup(mixed_run):
    _, _, out = mixed_run
    for stem in ("altman-md", "altman-html", "altman-docx"):
        rows = list(read_rows(out / f"{stem}.tsv"))
        assert len(rows) > 40
        assert not any(re.search(r"\*\*|<b>|</a>|\]\(", row["fr"]) for row in rows)
        page = (out / f"{stem}.html").read_text(encoding="utf-8")
        assert "<b>ChatGPT</b>" not in page  # the review page shows escaped text, never the article's tags


def test_review_page_shows_markup_as_styles_never_as_the_articles_tags(mixed_run):
    _, _, out = mixed_run
    for stem in ("altman-md", "altman-html", "altman-docx"):
        page = (out / f"{stem}.html").read_text(encoding="utf-8")
        assert '<span class="mk mk-strong">ChatGPT</span>' in page
        assert re.search(r'class="mk mk-link( mk-u)?" title="https://www.microsoft.com/fr-fr/\?ref=align&amp;lang=fr">'
                         r'Microsoft</span>', page), stem
        assert 'href="https://www.microsoft' not in page


def test_review_page_markup_is_escaped():
    from align.read.formats.html import HtmlFormat
    from align.segment import segment_document
    from align.output.writers.html import render_article

    document = HtmlFormat().parse(b'<p>Un <a href="javascript:alert(1)&quot;&gt;&lt;script&gt;">lien</a>.</p>', "t")
    segment_document(document)
    (pair,) = document.pairs()
    pair.target = "A link."
    page = render_article(document)
    assert 'class="mk mk-link" title="javascript:alert(1)&#34;&gt;&lt;script&gt;">lien</span>' in page
    assert "<script>" not in page.split("<body", 1)[1].split("<script", 1)[0]


def test_a_hostile_file_is_one_error_line_and_the_others_are_written(tmp_path):
    import zipfile

    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "bon.md").write_text("# Un titre\n\nUn *court* texte.\n", encoding="utf-8")
    with zipfile.ZipFile(folder / "bombe.docx", "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", b"\0" * (8 * 2**20))
    (folder / "xxe.html").write_text('<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><p>&e; Texte.</p>',
                                     encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["translate", str(folder), "--model", str(SMALL_MODEL), "-o", str(out),
                                       "--beams", "1", "--no-memory", "--no-glossary", "--quiet"])
    assert result.exit_code == 1
    errors = [line for line in result.output.splitlines() if line.startswith("align: error:")]
    assert errors == [f"align: error: {folder / 'bombe.docx'}: refused: word/document.xml is compressed "
                      f"{8 * 2**20 // zipfile.ZipFile(folder / 'bombe.docx').infolist()[0].compress_size} to 1 "
                      "(a zip bomb?)"]
    assert (out / "bon.en.md").read_text(encoding="utf-8").startswith("# ")
    english = (out / "xxe.en.html").read_text(encoding="utf-8")
    assert english.startswith('<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><p>')  # copied, never resolved
    assert "root:" not in english
