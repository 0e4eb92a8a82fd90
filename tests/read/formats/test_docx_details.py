"""Word files as administrations publish them (real cases: e-contrôle's questionnaire
template, docxtpl letters): a hyperlink whose text is its URL, template tags Word split
over runs and spelling marks. The OOXML part is read back with lxml."""
from __future__ import annotations

import io
import re
import zipfile

from lxml import etree

from align.read.formats.docx import DocxFormat
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


# ------------------------------------------- reversed words through translate_paths
# Word files built with python-docx, translated by engines whose words move
# (tests/copy_engines.py, tests/scripted_engine.py) and read back with lxml: every
# format of a run holding text, and every word as Word shows it, stays.
import docx as python_docx  # noqa: E402
from docx.opc.constants import RELATIONSHIP_TYPE  # noqa: E402
from docx.oxml import OxmlElement  # noqa: E402
from docx.oxml.ns import qn  # noqa: E402
from docx.shared import RGBColor  # noqa: E402

from align.pipeline.run import translate_paths  # noqa: E402
from copy_engines import CopyEngine, ReverseEngine  # noqa: E402
from scripted_engine import ScriptedEngine  # noqa: E402
from test_document_path import word_reading  # noqa: E402

URL = "https://e-controle-beta.ccomptes.fr"


def translated(tmp_path, build, engine) -> tuple[bytes, bytes]:
    """(the French file `build` fills, the English that `engine` gives through translate_paths)."""
    document = python_docx.Document()
    build(document)
    folder = tmp_path / "in"
    folder.mkdir(exist_ok=True)
    document.save(folder / "a.docx")
    errors: list[str] = []
    translate_paths([folder], engine, tmp_path / "out",
                    glossary=None, typography="keep", numbers="flag", on_error=errors.append)
    assert errors == []
    return (folder / "a.docx").read_bytes(), (tmp_path / "out" / "a.en.docx").read_bytes()


def runs(data: bytes) -> list[list[tuple[str, str]]]:
    """Each paragraph's runs: (text, its w:color), lxml reading."""
    out = []
    for p in body_of(data).iter(f"{{{W}}}p"):
        found = []
        for r in p.iter(f"{{{W}}}r"):
            color = r.find(f"{{{W}}}rPr/{{{W}}}color")
            found.append(("".join(t.text or "" for t in r.iter(f"{{{W}}}t")),
                          color.get(f"{{{W}}}val") if color is not None else ""))
        out.append(found)
    return out


def colored(paragraph, text: str, color: str | None) -> None:
    run = paragraph.add_run(text)
    if color:
        run.font.color.rgb = RGBColor.from_string(color)


def add_link(paragraph, url: str) -> None:
    """A hyperlink whose text is its URL, as Word writes one."""
    relation = paragraph.part.relate_to(url, RELATIONSHIP_TYPE.HYPERLINK, is_external=True)
    link = OxmlElement("w:hyperlink")
    link.set(qn("r:id"), relation)
    run, text = OxmlElement("w:r"), OxmlElement("w:t")
    text.text = url
    run.append(text)
    link.append(run)
    paragraph._p.append(link)


def guillemets_in_their_own_runs(document) -> None:
    # As cdtn's letters have them: the marks in a run of their own, the closing one
    # with the space after the sentence; a sentence whose last run ends in a space.
    p = document.add_paragraph()
    colored(p, "«\u00a0", "4D73B8")
    colored(p, "Signature ", None)
    colored(p, "» ", "4D73B8")
    p = document.add_paragraph()
    colored(p, " «\u00a0", "4D73B8")
    colored(p, "en cas de courrier remis en main propre", None)
    colored(p, "\u00a0»", "4D73B8")
    p = document.add_paragraph()
    colored(p, "À cette date, la Société remettra ", None)
    colored(p, "au salarié", "C00000")
    colored(p, " le dernier bulletin de salaire et les documents de fin de contrat : ", None)
    colored(p, "certificat de travail et attestation Pôle emploi.", "00B050")
    colored(p, " ", "00B050")


def test_a_run_ending_in_a_space_after_its_sentence_keeps_its_format_to_its_words(tmp_path):
    source, english = translated(tmp_path, guillemets_in_their_own_runs, ReverseEngine())
    assert word_reading(english) == word_reading(source)
    signature, letter, date = runs(english)
    # each format on its own words only: the reversed sentence is not formatted whole
    assert [text for text, color in signature if text.strip() and color] == ["»", "«"]
    assert "Signature" in "".join(text for text, color in signature if not color)
    assert "propre main en remis courrier de cas en" in "".join(text for text, color in letter if not color)
    assert [text for text, color in date if color == "00B050" and text.strip()] == [
        "emploi. Pôle attestation et travail de certificat"]
    assert [text for text, color in date if color == "C00000"] == ["salarié au"]
    assert "remettra Société la date, cette À" in "".join(text for text, color in date if not color)


def test_a_copy_of_runs_ending_in_spaces_is_the_file_itself(tmp_path):
    source, english = translated(tmp_path, guillemets_in_their_own_runs, CopyEngine())
    assert runs(english) == runs(source)


def line_breaks(document) -> None:
    p = document.add_paragraph()
    run = p.add_run("L'infraction est également constituée :")
    run.add_break()
    run = p.add_run()
    run.add_break()
    run = p.add_run("1° Lorsque ces propos sont imposés ;")
    run.add_tab()
    p.add_run("2° Lorsque ces propos caractérisent une répétition.")


def test_line_breaks_and_tabs_keep_the_lines_of_a_paragraph_apart(tmp_path):
    source, english = translated(tmp_path, line_breaks, ReverseEngine())
    assert word_reading(english) == word_reading(source)
    root = body_of(english)
    assert len(list(root.iter(f"{{{W}}}br"))) == 2 and len(list(root.iter(f"{{{W}}}tab"))) == 1
    lines = re.split(r"\n|\t", "".join(t.text or "" if t.tag == f"{{{W}}}t" else "\n" if t.tag == f"{{{W}}}br"
                                       else "\t" for t in root.iter(f"{{{W}}}t", f"{{{W}}}br", f"{{{W}}}tab")))
    # (the tab is inside a sentence: it stays after the semicolon it followed)
    assert [line.strip() for line in lines] == [": constituée également est L'infraction", "", "répétition. une caractérisent propos ces Lorsque 2° ;",
                     "imposés sont propos ces Lorsque 1°"]


def link_before_the_final_period(document) -> None:
    # e-contrôle's questionnaire template: a link written as its URL, then the period.
    p = document.add_paragraph("Ce document a été généré depuis le site e.contrôle\u00a0: ")
    add_link(p, URL)
    p.add_run(".")


# A model that keeps the French's punctuation where it was (`e.contrôle : .`) and puts
# the site after its name: the link's place comes from the marks around it, not from
# the last word before it (which put it before the colon).
SCRIPT = {"Ce document a été généré depuis le site e.contrôle\u00a0: .": [
    ("This", "Ce"), ("document", "document"), ("was", "a"), ("generated", "généré"), ("from", "depuis"),
    ("the", "le"), ("e.contrôle", "e.contrôle"), ("site", "site"), (":", ":"), (".", ".")]}


def test_a_link_written_as_its_url_stays_between_the_colon_and_the_period(tmp_path):
    source, english = translated(tmp_path, link_before_the_final_period, ScriptedEngine(SCRIPT))
    text = "".join(body_of(english).itertext())
    assert text == f"This document was generated from the e.contrôle site : {URL}."
    (link,) = body_of(english).iter(f"{{{W}}}hyperlink")
    assert "".join(link.itertext()) == URL


def test_reversed_words_keep_a_link_glued_to_its_period(tmp_path):
    source, english = translated(tmp_path, link_before_the_final_period, ReverseEngine())
    assert word_reading(english) == word_reading(source)
    assert "".join(body_of(english).itertext()).startswith(f"{URL}. : e.contrôle")


def glued_template_values(document) -> None:
    document.add_paragraph("Question {{ theme.numbering }}.{{ question.numbering }}")
    document.add_paragraph("{{ theme.numbering }}.\t{{ theme.title }}")


def test_template_values_glued_by_a_period_stay_one_word(tmp_path):
    source, english = translated(tmp_path, glued_template_values, ReverseEngine())
    assert word_reading(english) == word_reading(source)
    assert "{{ theme.numbering }}.{{ question.numbering }} Question" in "".join(body_of(english).itertext())
