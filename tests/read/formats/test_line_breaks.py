"""Line breaks inside a paragraph (HTML <br>, Markdown hard breaks, Word's <w:br/>) are
sentence boundaries: lists written with breaks and addresses come back line by line.
Real cases: a French legal text's numbered cases separated by <br><br>, a postal
address written with Markdown hard breaks."""
from __future__ import annotations

import io
import re
import zipfile

import lxml.html
from markdown_it import MarkdownIt

from align.read.formats.docx import DocxFormat
from align.read.formats.html import HtmlFormat
from align.read.formats.markdown import MarkdownFormat
from align.segment import segment_document
from test_formats import reordered, round_trip, with_document_xml

LEGAL = ("<p>La commission est constituée :<br><br>1° Lorsque le maire le demande ;<br><br>"
         "2° Lorsque le conseil le décide.</p>\n")
ADDRESS_MD = "Adresse :  \n12 rue de la Paix  \n75002 Paris\n"


def sentences(fmt, data: bytes, name: str) -> list[list[str]]:
    document = segment_document(fmt.parse(data, name))
    return [[pair.source for pair in paragraph.sentences] for paragraph in document.paragraphs]


def test_html_breaks_end_sentences_and_each_line_comes_back_between_its_breaks():
    assert sentences(HtmlFormat(), LEGAL.encode(), "t.html") == [
        ["La commission est constituée :", "1° Lorsque le maire le demande ;", "2° Lorsque le conseil le décide."]]
    assert round_trip(HtmlFormat(), LEGAL.encode(), "t.html").decode() == LEGAL
    english = reordered(HtmlFormat(), LEGAL.encode(), "t.html").decode()
    (paragraph,) = lxml.html.fragments_fromstring(english)
    # lxml: the text between the breaks, line by line (each line reversed by the test engine)
    pieces = [paragraph.text] + [br.tail for br in paragraph.iter("br")]
    assert [piece for piece in pieces if piece] == ["constituée est commission La", "demande le maire le Lorsque 1",
                                                    "décide le conseil le Lorsque 2"]
    assert len(paragraph.findall("br")) == 4


def test_markdown_hard_breaks_end_sentences_and_keep_their_lines():
    assert sentences(MarkdownFormat(), ADDRESS_MD.encode(), "t.md") == [["Adresse :", "12 rue de la Paix",
                                                                         "75002 Paris"]]
    english = reordered(MarkdownFormat(), ADDRESS_MD.encode(), "t.md").decode()
    tokens = MarkdownIt("commonmark").parse(english)[1].children
    assert [t.type for t in tokens] == ["text", "hardbreak", "text", "hardbreak", "text"]
    assert [t.content for t in tokens if t.type == "text"] == ["Adresse", "Paix la de rue 12", "Paris 75002"]


def test_a_soft_line_break_is_not_a_boundary():
    assert sentences(MarkdownFormat(), "Une phrase qui\ncontinue ici.\n".encode(), "t.md") == [
        ["Une phrase qui continue ici."]]


def test_word_breaks_end_sentences():
    body = ('<w:p><w:r><w:t>Adresse :</w:t><w:br/><w:t>12 rue de la Paix</w:t><w:br/><w:t>75002 Paris</w:t>'
            '</w:r></w:p>')
    data = with_document_xml(('<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
                              f'<w:body>{body}</w:body></w:document>').encode())
    assert sentences(DocxFormat(), data, "t.docx") == [["Adresse :", "12 rue de la Paix", "75002 Paris"]]
    xml = zipfile.ZipFile(io.BytesIO(reordered(DocxFormat(), data, "t.docx"))).read("word/document.xml").decode()
    assert xml.count("<w:br/>") == 2
    texts = re.findall(r"<w:t[^>]*>([^<]*)</w:t>", re.sub(r"<w:br/>", "<w:t>|</w:t>", xml))
    assert "".join(texts).split("|") == ["Adresse", "Paix la de rue 12", "Paris 75002"]
