"""DOCX text outside plain body runs: text boxes (drawn and VML copies), content
controls (inline, block, in a table cell) and tracked deletions (never translated)."""
from __future__ import annotations

import io

import docx
from docx.oxml import parse_xml
from lxml import etree
from test_formats import docx_structure, round_trip, spans

from align.read.formats.docx import DocxFormat
from align.segment import segment_document

NAMESPACES = {
    "w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
    "mc": "http://schemas.openxmlformats.org/markup-compatibility/2006",
    "wp": "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing",
    "a": "http://schemas.openxmlformats.org/drawingml/2006/main",
    "wps": "http://schemas.microsoft.com/office/word/2010/wordprocessingShape",
    "v": "urn:schemas-microsoft-com:vml",
}
DECLARATIONS = " ".join(f'xmlns:{prefix}="{uri}"' for prefix, uri in NAMESPACES.items())


def paragraphs_xml(*texts: str) -> str:
    return "".join(f"<w:p><w:r><w:t>{text}</w:t></w:r></w:p>" for text in texts)


def drawn_box(name: str, content: str, box_id: int = 1) -> str:
    """A text box as Word writes it: a drawing (mc:Choice) and its VML copy (mc:Fallback)."""
    return (
        '<mc:AlternateContent><mc:Choice Requires="wps"><w:drawing>'
        '<wp:anchor distT="0" distB="0" distL="114300" distR="114300" simplePos="0" relativeHeight="1" '
        'behindDoc="0" locked="0" layoutInCell="1" allowOverlap="1"><wp:simplePos x="0" y="0"/>'
        '<wp:positionH relativeFrom="column"><wp:posOffset>0</wp:posOffset></wp:positionH>'
        '<wp:positionV relativeFrom="paragraph"><wp:posOffset>0</wp:posOffset></wp:positionV>'
        f'<wp:extent cx="2000000" cy="600000"/><wp:effectExtent l="0" t="0" r="0" b="0"/><wp:wrapNone/>'
        f'<wp:docPr id="{box_id}" name="{name}"/><wp:cNvGraphicFramePr/>'
        '<a:graphic><a:graphicData uri="http://schemas.microsoft.com/office/word/2010/wordprocessingShape">'
        '<wps:wsp><wps:cNvSpPr txBox="1"/><wps:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="2000000" cy="600000"/>'
        '</a:xfrm><a:prstGeom prst="rect"><a:avLst/></a:prstGeom></wps:spPr>'
        f'<wps:txbx><w:txbxContent>{content}</w:txbxContent></wps:txbx><wps:bodyPr/></wps:wsp>'
        '</a:graphicData></a:graphic></wp:anchor></w:drawing></mc:Choice>'
        f'<mc:Fallback><w:pict><v:rect id="{name}" style="width:157pt;height:47pt">'
        f'<v:textbox><w:txbxContent>{content}</w:txbxContent></v:textbox></v:rect></w:pict></mc:Fallback>'
        '</mc:AlternateContent>')


def box_run(name: str, content: str, box_id: int = 1) -> str:
    return f"<w:r {DECLARATIONS}>{drawn_box(name, content, box_id)}</w:r>"


def saved(word) -> bytes:
    buffer = io.BytesIO()
    word.save(buffer)
    return buffer.getvalue()


def paragraph_with(word, *pieces: str):
    """A body paragraph of plain runs (str) and XML elements (str starting with '<')."""
    paragraph = word.add_paragraph()
    for piece in pieces:
        if piece.startswith("<"):
            paragraph._p.append(parse_xml(piece))
        else:
            paragraph.add_run(piece)
    return paragraph


def translate(document, english: dict[str, str], words: dict[str, list[tuple[str, str]]] | None = None):
    segment_document(document)
    for pair in document.pairs():
        pair.target = english[pair.source]
        pair.alignment = spans(pair.source, pair.target, (words or {}).get(pair.source, []))
    return document


def box_texts(element, branch: str) -> list[str]:
    """The text of each text box under `branch` ("Choice" or "Fallback"), paragraphs joined by '|'."""
    boxes = xpath(element, f".//mc:{branch}//w:txbxContent[not(ancestor::w:txbxContent)]")
    return ["|".join("".join(xpath(p, ".//w:t/text()"))
                     for p in xpath(box, "./w:p")) for box in boxes]


def xpath(element, path: str):
    return etree._Element.xpath(element, path, namespaces=NAMESPACES)  # python-docx's own takes no namespaces


def body(data: bytes):
    return docx.Document(io.BytesIO(data)).element.body


def test_a_text_box_is_one_paragraph_translated_in_its_drawing_and_its_vml_copy():
    word = docx.Document()
    paragraph_with(word, "Avant la boîte ", box_run("Cadre", paragraphs_xml("Texte encadré")), " après la boîte.")
    word.add_paragraph("Fin du document.")
    data = saved(word)
    document = DocxFormat().parse(data, "box.docx")
    assert [(p.role, p.text) for p in document.paragraphs] == [
        ("p", "Avant la boîte après la boîte."), ("textbox", "Texte encadré"), ("p", "Fin du document.")]

    identity = round_trip(DocxFormat(), data)
    assert docx_structure(identity) == docx_structure(data)
    assert box_texts(body(identity), "Choice") == box_texts(body(identity), "Fallback") == ["Texte encadré"]

    english = DocxFormat().write(translate(document, {
        "Avant la boîte après la boîte.": "Before the box after the box.",
        "Texte encadré": "Boxed text", "Fin du document.": "End of the document."}))
    tree = body(english)  # python-docx opens it
    outer = xpath(tree, "./w:p")[0]
    assert box_texts(outer, "Choice") == box_texts(outer, "Fallback") == ["Boxed text"]
    assert len(xpath(outer, ".//w:drawing")) == 1
    assert len(xpath(outer, ".//w:pict")) == 1
    assert "".join(xpath(outer, "./w:r/w:t/text()")) == "Before the box after the box."
    assert b"align-slot" not in etree.tostring(tree)


def test_a_vml_text_box_without_a_drawing_is_translated_itself():
    word = docx.Document()
    vml = (f'<w:r {DECLARATIONS}><w:pict><v:rect style="width:150pt;height:40pt"><v:textbox><w:txbxContent>'
           f'{paragraphs_xml("Ancienne boîte", "Deuxième ligne")}'
           '</w:txbxContent></v:textbox></v:rect></w:pict></w:r>')
    paragraph_with(word, vml)
    data = saved(word)
    document = DocxFormat().parse(data, "vml.docx")
    assert [(p.role, p.text) for p in document.paragraphs] == [
        ("textbox", "Ancienne boîte"), ("textbox", "Deuxième ligne")]
    assert docx_structure(round_trip(DocxFormat(), data)) == docx_structure(data)
    english = DocxFormat().write(translate(document, {"Ancienne boîte": "Old box", "Deuxième ligne": "Second line"}))
    texts = xpath(body(english), ".//w:txbxContent//w:t/text()")
    assert texts == ["Old box", "Second line"]


def test_two_text_boxes_keep_their_own_translation_when_the_words_around_them_swap():
    word = docx.Document()
    paragraph_with(word, "Chat ", box_run("Un", paragraphs_xml("Boîte un"), 1), " chien ",
                   box_run("Deux", paragraphs_xml("Boîte deux"), 2), " oiseau")
    data = saved(word)
    document = DocxFormat().parse(data, "two.docx")
    assert [p.text for p in document.paragraphs] == ["Chat chien oiseau", "Boîte un", "Boîte deux"]
    # the English puts "dog" (after the second box) first: the boxes trade places
    english = DocxFormat().write(translate(
        document, {"Chat chien oiseau": "Dog bird cat", "Boîte un": "Box one", "Boîte deux": "Box two"},
        {"Chat chien oiseau": [("Chat", "cat"), ("chien", "Dog"), ("oiseau", "bird")]}))
    boxes = xpath(body(english), ".//mc:AlternateContent")
    by_name = {xpath(box, "string(.//wp:docPr/@name)"): box_texts(box, "Choice")
               + box_texts(box, "Fallback") for box in boxes}
    assert by_name == {"Un": ["Box one", "Box one"], "Deux": ["Box two", "Box two"]}


def test_a_text_box_inside_a_text_box_is_translated_at_every_level():
    inner = f'<w:r>{drawn_box("Dedans", paragraphs_xml("Boîte intérieure"), 2)}</w:r>'
    outer_box = f"<w:p><w:r><w:t>Boîte extérieure </w:t></w:r>{inner}</w:p>"
    word = docx.Document()
    paragraph_with(word, "Texte principal ", box_run("Dehors", outer_box, 1))
    data = saved(word)
    document = DocxFormat().parse(data, "nested.docx")
    assert [(p.role, p.text) for p in document.paragraphs] == [
        ("p", "Texte principal "), ("textbox", "Boîte extérieure "), ("textbox", "Boîte intérieure")]
    assert docx_structure(round_trip(DocxFormat(), data)) == docx_structure(data)
    english = DocxFormat().write(translate(document, {
        "Texte principal": "Main text", "Boîte extérieure": "Outer box", "Boîte intérieure": "Inner box"}))
    texts = ["".join(xpath(box, "./w:p/w:r/w:t/text()")) for box in xpath(body(english), ".//w:txbxContent")]
    # outer drawing (its text, its inner drawing and VML copy), then the outer VML copy likewise
    assert texts == ["Outer box ", "Inner box", "Inner box"] * 2


def test_a_header_text_box_in_a_paragraph_without_words_is_translated():
    french = '<w:rPr><w:lang w:val="fr-FR"/></w:rPr>'
    content = f"<w:p><w:pPr>{french}</w:pPr><w:r>{french}<w:t>Texte de l'en-tête</w:t></w:r></w:p>"
    word = docx.Document()
    word.sections[0].header.paragraphs[0]._p.append(parse_xml(box_run("Logo", content)))
    paragraph_with(word, "Le chat dort ", box_run("Note", content.replace("l'en-tête", "la note"), 2))
    data = saved(word)
    document = DocxFormat().parse(data, "header.docx")
    assert [(p.role, p.text) for p in document.paragraphs] == [
        ("p", "Le chat dort "), ("textbox", "Texte de la note"), ("textbox", "Texte de l'en-tête")]
    english = docx.Document(io.BytesIO(DocxFormat().write(translate(document, {
        "Le chat dort": "The cat sleeps", "Texte de la note": "Texte de la note",  # left in French
        "Texte de l'en-tête": "Header text"}))))
    header = english.sections[0].header._element
    assert box_texts(header, "Choice") == box_texts(header, "Fallback") == ["Header text"]
    assert xpath(header, ".//w:txbxContent//w:lang/@w:val") == ["en-US"] * 4
    # the translated outer paragraph leaves its untranslated text box's proofing French
    assert xpath(english.element.body, ".//w:txbxContent//w:lang/@w:val") == ["fr-FR"] * 4


def sdt(tag: str, content: str, extra: str = "") -> str:
    return (f'<w:sdt {DECLARATIONS}><w:sdtPr><w:alias w:val="{tag.title()}"/><w:tag w:val="{tag}"/>{extra}'
            f'</w:sdtPr><w:sdtEndPr/><w:sdtContent>{content}</w:sdtContent></w:sdt>')


def test_an_inline_content_control_is_a_span_that_keeps_its_properties():
    checkbox = sdt("case", "<w:r><w:t>☐</w:t></w:r>")
    word = docx.Document()
    paragraph = paragraph_with(word, "Le client ", sdt("client", "<w:r><w:t>la société</w:t></w:r>"), " a signé ",
                               checkbox, " hier.")
    data = saved(word)
    document = DocxFormat().parse(data, "sdt.docx")
    (read,) = document.paragraphs
    assert read.text == "Le client la société a signé hier."
    assert [i.kind for i in read.inlines if i.paired] == ["sdt"]
    assert docx_structure(round_trip(DocxFormat(), data)) == docx_structure(data)

    source = "Le client la société a signé hier."
    english = DocxFormat().write(translate(document, {source: "The client the company signed yesterday."}, {
        source: [("Le", "The"), ("client", "client"), ("la", "the"), ("société", "company"), ("signé", "signed"),
                 ("hier", "yesterday")]}))
    out = xpath(body(english), "./w:p")[0]
    (control, box) = xpath(out, "./w:sdt")
    assert xpath(control, "string(./w:sdtPr/w:tag/@w:val)") == "client"
    assert xpath(control, "string(./w:sdtPr/w:alias/@w:val)") == "Client"
    assert xpath(control, "./w:sdtContent//w:t/text()") == ["the company"]
    assert etree.tostring(box) == etree.tostring(paragraph._p.xpath("./w:sdt")[1])  # no words: untouched
    assert "".join(xpath(out, ".//w:t/text()")) == "The client the company signed ☐ yesterday."


def test_block_content_controls_in_the_body_and_in_a_table_cell_are_translated():
    word = docx.Document()
    word.element.body.insert(0, parse_xml(sdt("resume", paragraphs_xml("Paragraphe dans un contrôle"))))
    cell = word.add_table(rows=1, cols=1).cell(0, 0)
    cell._tc.remove(cell._tc.xpath("./w:p")[0])
    cell._tc.append(parse_xml(sdt("cellule", paragraphs_xml("Texte de cellule"))))
    data = saved(word)
    document = DocxFormat().parse(data, "blocks.docx")
    assert [(p.role, p.text) for p in document.paragraphs] == [
        ("p", "Paragraphe dans un contrôle"), ("td", "Texte de cellule")]
    assert docx_structure(round_trip(DocxFormat(), data)) == docx_structure(data)
    english = body(DocxFormat().write(translate(document, {
        "Paragraphe dans un contrôle": "Paragraph in a control", "Texte de cellule": "Cell text"})))
    controls = xpath(english, ".//w:sdt")
    assert [(xpath(c, "string(./w:sdtPr/w:tag/@w:val)"),
             xpath(c, "./w:sdtContent/w:p//w:t/text()")) for c in controls] == [
        ("resume", ["Paragraph in a control"]), ("cellule", ["Cell text"])]
    assert xpath(english, "count(.//w:tc/w:sdt)") == 1


def test_tracked_deletions_are_neither_sent_to_the_model_nor_changed():
    deletion = (f'<w:del {DECLARATIONS} w:id="7" w:author="Relecteur" w:date="2026-01-02T00:00:00Z">'
                '<w:r><w:delText xml:space="preserve">très ancien </w:delText></w:r></w:del>')
    word = docx.Document()
    paragraph = paragraph_with(word, "Le texte ", deletion, "reste.")
    data = saved(word)
    document = DocxFormat().parse(data, "del.docx")
    segment_document(document)
    (pair,) = document.pairs()
    assert pair.source == "Le texte reste."
    english = DocxFormat().write(translate(document, {"Le texte reste.": "The text remains."},
                                           {"Le texte reste.": [("Le", "The"), ("texte", "text"),
                                                                ("reste", "remains")]}))
    out = xpath(body(english), "./w:p")[0]
    (kept,) = xpath(out, "./w:del")
    assert etree.tostring(kept) == etree.tostring(paragraph._p.xpath("./w:del")[0])
    assert "".join(xpath(out, ".//w:t/text()")) == "The text remains."
