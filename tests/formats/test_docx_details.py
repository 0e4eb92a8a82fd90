"""Word files as administrations publish them (real cases: e-contrôle's questionnaire
template, docxtpl letters): a hyperlink whose text is its URL, template tags Word split
over runs and spelling marks. The OOXML part is read back with lxml."""
from __future__ import annotations

import io
import re
import zipfile

from lxml import etree

from align.formats.docx import DocxFormat
from test_formats import reordered, round_trip, with_document_xml

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def docx(body: str) -> bytes:
    return with_document_xml(f'<w:document xmlns:w="{W}" xmlns:r="{R}"><w:body>{body}</w:body></w:document>'.encode())


def body_of(data: bytes):
    return etree.fromstring(zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml"))


def test_a_hyperlink_whose_text_is_its_url_is_kept_whole():
    data = docx('<w:p><w:r><w:t xml:space="preserve">Ce document a été généré depuis le site : </w:t></w:r>'
                '<w:hyperlink r:id="rId8"><w:r><w:t>https://e-controle-beta.ccomptes.fr</w:t></w:r></w:hyperlink>'
                '<w:r><w:t>.</w:t></w:r></w:p>')
    for written in (round_trip(DocxFormat(), data, "t.docx"), reordered(DocxFormat(), data, "t.docx")):
        (link,) = body_of(written).iter(f"{{{W}}}hyperlink")
        assert link.get(f"{{{R}}}id") == "rId8"
        assert "".join(link.itertext()) == "https://e-controle-beta.ccomptes.fr"


def test_template_tags_split_over_runs_and_spelling_marks_are_kept():
    data = docx('<w:p><w:r><w:t xml:space="preserve">Fichiers annexes : {% </w:t></w:r><w:proofErr w:type="spellStart"/>'
                '<w:r><w:rPr><w:b/></w:rPr><w:t>endif</w:t></w:r><w:proofErr w:type="spellEnd"/>'
                '<w:r><w:t xml:space="preserve"> %} et {{ </w:t></w:r><w:r><w:t>nom }}</w:t></w:r></w:p>')
    document = DocxFormat().parse(data, "t.docx")
    paragraph = document.paragraphs[0]
    # the statement is kept out of the sentence; the value stands for a word: read, kept verbatim
    assert "endif" not in paragraph.text
    assert [paragraph.text[i.start:i.end] for i in paragraph.inlines if i.verbatim] == ["{{ nom }}"]
    text = "".join(body_of(reordered(DocxFormat(), data, "t.docx")).itertext())
    assert sorted(re.findall(r"\{%.*?%\}|\{\{.*?\}\}", text)) == ["{% endif %}", "{{ nom }}"]
