"""XLIFF 1.2 inline codes on import: where the translator put the markup in the
target is where the article in its own format gets it."""
from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest
from lxml import etree

from align.document import Inline, SentencePair
from align.read.formats import format_for
from align.pipeline.run import translate_paths
from align.review import ReviewFolder
from align.interchange.xliff import XLIFF12, XLIFF20, Code, export_folder, import_xliff, read_xliff
from scripted_engine import ScriptedEngine
from test_xliff import NS, assert_valid, folder, rows  # noqa: F401 (fixture)

HTML = ("<p>Le <b>chat <i>noir</i></b> dort sur le tapis.</p>\n"
        "<p>Le chat <img src='c.png'> dort.</p>\n"
        "<p>Le <i>chat</i> <b>dort. Le chien</b> aboie.</p>\n"
        "<p><b>Il pleut.</b></p>\n")
SCRIPT = {"Le chat noir dort sur le tapis.": [("The", "Le"), ("black", "noir"), ("cat", "chat"), ("sleeps", "dort"),
                                              ("on", "sur"), ("the", "le"), ("rug.", "tapis.")],
          "Le chat dort.": [("The", "Le"), ("cat", "chat"), ("sleeps.", "dort.")],
          "Le chien aboie.": [("The", "Le"), ("dog", "chien"), ("barks.", "aboie.")],
          "Il pleut.": [("It", "Il"), ("rains.", "pleut.")]}
MARKDOWN = "# Titre\n\nVoir [le site](https://example.org) ici.\n"


def translated(tmp_path: Path, name: str, text: str, script: dict) -> tuple[Path, Path]:
    article = tmp_path / "src" / name
    article.parent.mkdir(exist_ok=True)
    article.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    report = translate_paths([article], ScriptedEngine(script), out)
    assert report.exit_code == 0, report.failed
    return article, out


class Recorder:
    """The edits import_xliff applies, by sentence id (the alignment among them)."""

    def __init__(self, monkeypatch):
        self.edits = {}
        original = ReviewFolder.apply_many

        def apply_many(review, name, edits, check_versions=True):
            self.edits.update(edits)
            return original(review, name, edits, check_versions)

        monkeypatch.setattr(ReviewFolder, "apply_many", apply_many)


def same_format(out: Path, article: Path) -> str:
    """The article in its own format as the import left it (a review save rewrites
    it from the TSV's English and alignment: align.output.writers.formats.refresh_same_format)."""
    return (out / f"{article.stem}{format_for(article).output_suffix}").read_text(encoding="utf-8")


# 1.2 codes as 2.0 writes them (the export's ids and types)
TO_20 = [('<g id="1" ctype="bold">', '<pc id="1" type="fmt" subType="xlf:b">'),
         ('<g id="2" ctype="italic">', '<pc id="2" type="fmt" subType="xlf:i">'),
         ('<g id="1" ctype="link">', '<pc id="1" type="link">'), ("</g>", "</pc>"),
         ('<x id="1" ctype="image"/>', '<ph id="1" type="image"/>'), ('<x id="2" ctype="x-space"/>', '<ph id="2"/>')]


def set_target(tree, unit_id: str, content: str, version: str = "1.2") -> None:
    """Replace a unit's target content with mixed content (1.2 codes, written as
    2.0's for a 2.0 file)."""
    if version == "1.2":
        target = tree.find(f".//x12:trans-unit[@resname='{unit_id}']/x12:target", NS)
    else:
        target = tree.find(f".//x20:unit[@name='{unit_id}']/x20:segment/x20:target", NS)
        for code_12, code_20 in TO_20:
            content = content.replace(code_12, code_20)
    wrapper = etree.fromstring(f'<w xmlns="{XLIFF12 if version == "1.2" else XLIFF20}">{content}</w>')
    for child in list(target):
        target.remove(child)
    target.text = wrapper.text
    target.extend(list(wrapper))


def exported(tmp_path, out, version: str = "1.2") -> tuple[Path, etree._ElementTree]:
    [path] = export_folder(out, tmp_path / "post.xlf", version)
    return path, assert_valid(path, version)


def test_codes_are_read_as_xliff_defines_them(tmp_path):
    """The text is the XPath string value (translate-toolkit's), less the content of
    1.2's native codes: `<ph>&lt;b&gt;</ph>` is a placeholder, never English."""
    from translate.storage.xliff import xlifffile

    content = ('\n   The  <g id="1" ctype="bold">black\n <g id="2">cat</g></g> sleeps<x id="3"/>. '
               '<bx id="4"/>See<ex id="4"/> <mrk mtype="term">here</mrk> <ph id="5">&lt;b&gt;</ph>z'
               '<!-- a comment --> end <bx id="6"/>  <g id="7">a</g><g id="7">b</g>\n')
    data = (f'<xliff xmlns="{XLIFF12}" version="1.2"><file original="a" source-language="fr" datatype="plaintext">'
            f'<body><trans-unit id="p1s1"><source>x</source><target>{content}</target></trans-unit>'
            f'<trans-unit id="p1s2" xml:space="preserve"><source>x</source><target>{content}</target></trans-unit>'
            f'</body></file></xliff>')
    path = tmp_path / "codes.xlf"
    path.write_text(data, encoding="utf-8")
    toolkit = [unit.target.replace("<b>", "") for unit in xlifffile.parsestring(data.encode()).units]
    default, preserve = read_xliff(path)
    assert [default.target, preserve.target] == toolkit
    assert default.target == "The black cat sleeps. See here z end ab"
    spans = {code_id: default.target[c.start:c.end] for code_id, c in default.codes.items()}
    # bx + ex of one id: a span; the native <ph> a placeholder
    assert spans == {"1": "black cat", "2": "cat", "4": "See", "3": "", "5": "", "6": ""}
    assert default.codes["3"] == Code("x", 20, 20) and default.codes["6"].tag == "bx"
    assert default.code_problems == {"7": "inline code id '7' appears 2 times in the target; ignored"}
    assert {code_id: preserve.target[c.start:c.end] for code_id, c in preserve.codes.items()} == \
        {**spans, "1": "black\n cat"}


@pytest.mark.parametrize("version", ["1.2", "2.0"])
def test_moved_codes_put_the_markup_around_other_words(tmp_path, monkeypatch, version):
    article, out = translated(tmp_path, "post.html", HTML, SCRIPT)
    assert "<p>The <b><i>black</i> cat</b> sleeps on the rug.</p>" in (out / "post.en.html").read_text()
    path, tree = exported(tmp_path, out, version)
    # bold (1) and its nested italics (2) on other words; the image (3) after "The"
    set_target(tree, "p1s1", 'The black cat <g id="1" ctype="bold">sleeps <g id="2" ctype="italic">on</g> '
                             'the</g> rug.', version)
    set_target(tree, "p2s1", 'The <x id="1" ctype="image"/><x id="2" ctype="x-space"/>cat sleeps.', version)
    tree.write(str(path), xml_declaration=True, encoding="UTF-8")
    assert_valid(path, version)
    recorder = Recorder(monkeypatch)
    report = import_xliff(path, out)
    assert report.warnings == []
    assert report.changed == ["post p1s1", "post p2s1"]
    # the text is the same: the edits change the alignment only
    for sentence in ("p1s1", "p2s1"):
        edit = recorder.edits[sentence]
        assert edit.target is None and edit.alignment
    assert rows(out, "post")["p1s1"]["en"] == "The black cat sleeps on the rug."
    html = same_format(out, article)
    assert "<p>The black cat <b>sleeps <i>on</i> the</b> rug.</p>" in html
    assert "<p>The <img src='c.png'> cat sleeps.</p>" in html
    assert "<p>The <i>cat</i> <b>sleeps. The dog</b> barks.</p>" in html  # not in the edits: as it was


@pytest.mark.parametrize("version", ["1.2", "2.0"])
def test_new_english_with_codes_and_an_unchanged_file(tmp_path, monkeypatch, version):
    article, out = translated(tmp_path, "post.md", MARKDOWN, {})
    path, tree = exported(tmp_path, out, version)
    recorder = Recorder(monkeypatch)
    report = import_xliff(path, out)   # as exported: nothing changed, codes included
    assert (report.changed, report.warnings, recorder.edits) == ([], [], {})
    set_target(tree, "p2s1", '<g id="1" ctype="link">Look</g> at the site here.', version)
    tree.write(str(path), xml_declaration=True, encoding="UTF-8")
    report = import_xliff(path, out)
    assert (report.changed, report.warnings) == (["post p2s1"], [])
    assert recorder.edits["p2s1"].target == "Look at the site here."
    assert "[Look](https://example.org) at the site here." in same_format(out, article)


@pytest.mark.parametrize("version", ["1.2", "2.0"])
def test_codes_moved_back_where_they_were_is_unchanged(tmp_path, monkeypatch, version):
    article, out = translated(tmp_path, "post.html", HTML, SCRIPT)
    path, tree = exported(tmp_path, out, version)
    # a CAT tool's indentation and a span written as its two ends say the same
    if version == "1.2":
        ends = '<bx id="1" ctype="bold"/>', '<ex id="1"/>'
    else:
        ends = '<sc id="1" type="fmt" subType="xlf:b"/>', '<ec startRef="1"/>'
    set_target(tree, "p1s1", f'\n  The {ends[0]}<g id="2" ctype="italic">black</g> cat{ends[1]} '
                             'sleeps on the rug.\n', version)
    tree.write(str(path), xml_declaration=True, encoding="UTF-8")
    assert_valid(path, version)
    recorder = Recorder(monkeypatch)
    report = import_xliff(path, out)
    assert (report.changed, report.warnings, recorder.edits) == ([], [], {})


def test_xliff_20_export_writes_the_markup_as_inline_codes(tmp_path):
    article, out = translated(tmp_path, "post.html", HTML, SCRIPT)
    path, tree = exported(tmp_path, out, "2.0")

    def content(unit_id: str, side: str) -> str:
        element = tree.find(f".//x20:unit[@name='{unit_id}']/x20:segment/x20:{side}", NS)
        return etree.tostring(element, encoding="unicode", with_tail=False).split(">", 1)[1].rsplit("<", 1)[0] \
            .replace(f' xmlns="{XLIFF20}"', "")

    assert content("p1s1", "source") == ('Le <pc id="1" type="fmt" subType="xlf:b">chat <pc id="2" type="fmt" '
                                         'subType="xlf:i">noir</pc></pc> dort sur le tapis.')
    assert content("p1s1", "target") == ('The <pc id="1" type="fmt" subType="xlf:b"><pc id="2" type="fmt" '
                                         'subType="xlf:i">black</pc> cat</pc> sleeps on the rug.')
    assert content("p2s1", "target") == 'The cat <ph id="1" type="image"/><ph id="2" type="other"/>sleeps.'
    # the bold running over two sentences: isolated start and end codes, one per unit
    assert content("p3s1", "target") == ('The <pc id="1" type="fmt" subType="xlf:i">cat</pc> '
                                         '<sc id="2" isolated="yes" type="fmt" subType="xlf:b"/>sleeps.')
    assert content("p3s2", "target") == 'The dog<ec id="2" isolated="yes" type="fmt" subType="xlf:b"/> barks.'
    from translate.storage.xliff2 import Xliff2File

    units = {unit.name: unit for unit in read_xliff(path)}
    toolkit = [unit.target for unit in Xliff2File.parsestring(path.read_bytes()).unit_iter()]
    assert [unit.target for unit in units.values()] == toolkit
    assert units["p1s1"].target == "The black cat sleeps on the rug."
    assert units["p1s1"].codes == {"1": Code("g", 4, 13), "2": Code("g", 4, 9)}
    assert units["p3s2"].codes == {"2": Code("ex", 7, 7)}


def test_codes_that_do_not_fit_are_ignored_with_a_warning(tmp_path):
    article, out = translated(tmp_path, "post.html", HTML, SCRIPT)
    path, tree = exported(tmp_path, out)
    set_target(tree, "p1s1", 'The <g id="9">black</g> cat <bx id="1"/>sleeps on the rug.')
    set_target(tree, "p3s1", 'The <g id="1" ctype="italic">cat <bx id="2" ctype="bold"/>sleeps</g>.')
    set_target(tree, "p3s2", '<g id="2">The dog</g> barks.')
    set_target(tree, "p4s1", '<g id="1" ctype="bold">It</g> rains.')  # bold on a whole sentence
    set_target(tree, "p2s1", 'The cat sleeps<x id="1"/><x id="1"/>.')
    tree.write(str(path), xml_declaration=True, encoding="UTF-8")
    report = import_xliff(path, out)
    where = f"{path}: post"
    assert report.warnings == [
        f'{where} p1s1: inline code <g id="9">: the sentence has no markup of that id; ignored',
        f'{where} p1s1: inline code <bx id="1"/> without its <ex id="1"/>; ignored',
        f'{where} p1s1: inline codes 2 are not in the target; kept where they were',
        f"{where} p2s1: inline code id '1' appears 2 times in the target; ignored",
        f'{where} p3s1: inline code <bx id="2"/> would cross <g id="1">; ignored',
        # the bold goes on from "sleeps" as before: the italics cannot cross it
        f'{where} p3s1: inline code <g id="1">: the English file cannot put it where the target has it; '
        f'it goes around "cat"',
        f'{where} p3s2: inline code <g id="2">: markup 2 is a span closing here, opened in an earlier sentence '
        f'(<ex/>) in this sentence; ignored',
        f'{where} p4s1: inline code <g id="1">: the English file cannot put it where the target has it; '
        f'it goes around "It rains."',
    ]
    assert report.changed == ["post p3s1", "post p4s1"]
    html = same_format(out, article)
    assert "<p>The <b><i>black</i> cat</b> sleeps on the rug.</p>" in html  # p1s1: nothing usable
    assert "<p>The <i>cat </i><b>sleeps. The dog</b> barks.</p>" in html  # clipped where the bold opens
    assert "<p><b>It rains.</b></p>" in html
    assert "<p>The cat <img src='c.png'> sleeps.</p>" in html


def test_codes_in_a_plain_text_article_are_ignored_with_a_warning(folder, tmp_path):
    [path] = export_folder(folder, tmp_path / "out.xlf", "1.2")
    tree = etree.parse(str(path))
    set_target(tree, "p3s1", 'Rain <g id="abc">falls</g> on the <x id="1"/>town.')
    tree.write(str(path), xml_declaration=True, encoding="UTF-8")
    report = import_xliff(path, folder)
    where = f"{path}: alpha p3s1"
    assert report.warnings == [f'{where}: inline code <g id="abc">: the sentence has no markup of that id; ignored',
                               f'{where}: inline code <x id="1"/>: the sentence has no markup of that id; ignored']
    assert rows(folder)["p3s1"]["en"] == "Rain falls on the town."


def placements(pair, codes: dict[int, Code], english: str | None = None):
    """What the writer does with codes imported in the target `english` (default:
    the pair's): {id: settled span}, and the warnings."""
    from align.markup.placement import place_pair
    from align.interchange.xliff import ImportedUnit
    from align.interchange.xliff.apply import _edit_for
    from align.interchange.xliff.codes import _settled

    english = pair.target if english is None else english
    unit = ImportedUnit("post", pair.id, pair.source, english, "reviewed", "",
                        codes={str(n): code for n, code in codes.items()})
    warnings = []
    edit = _edit_for(pair, unit, warnings, "here")
    assert edit is not None and edit.alignment is not None or english == pair.target
    alignment = edit.alignment if edit is not None and edit.alignment is not None else pair.alignment
    placed, _ = place_pair(replace(pair, target=english, alignment=alignment))
    return {p.inline.id: _settled(codes[p.inline.id].tag, p.x, p.y, english) for p in placed
            if p.inline.id in codes}, warnings


def words(text: str) -> tuple[list[tuple[int, int]], list[int]]:
    """Spans of one or more whole words, and the positions between words (not 0)."""
    found = [(m.start(), m.end()) for m in re.finditer(r"\S+", text)]
    spans = [(a, b) for a, _ in found for _, b in found if a < b]
    return spans, sorted({p for span in found for p in span} - {0})


@pytest.mark.parametrize("english", ["The black cat sleeps on the rug.",       # same text: the row's links stay
                                     "A black cat is sleeping on the carpet.",   # new text: some carried over
                                     "Un gato negro duerme en la alfombra."])   # new text: codes only
def test_every_placement_nested_as_in_the_french_is_reproduced(english):
    from align.interchange.xliff.codes import _settled

    pair = SentencePair(source="Le chat noir dort sur le tapis.", target="The black cat sleeps on the rug.",
                        paragraph=1, number=1,
                        alignment=[(0, 2, 0, 3), (8, 12, 4, 9), (3, 7, 10, 13), (13, 17, 14, 20), (18, 21, 21, 23),
                                   (22, 24, 24, 27), (25, 31, 28, 32)],
                        inlines=[Inline(3, 12, "b", order=1, close_order=4, id=1),
                                 Inline(8, 12, "i", order=2, close_order=3, id=2),
                                 Inline(18, 18, "img", paired=False, order=5, id=3)])
    spans, points = words(english)
    tried = 0
    for outer in spans:
        for inner in (s for s in spans if outer[0] <= s[0] and s[1] <= outer[1]):
            for point in points:
                codes = {1: Code("g", *outer), 2: Code("g", *inner), 3: Code("x", point, point)}
                got, warnings = placements(pair, codes, english)
                assert (got, warnings) == ({n: _settled(*c, english) for n, c in codes.items()}, []), codes
                tried += 1
    assert tried > 2000


def test_spans_running_over_two_sentences_follow_their_bx_and_ex():
    from align.interchange.xliff.codes import _settled

    first = SentencePair(source="Le chat dort.", target="The cat sleeps.", paragraph=1, number=1,
                         alignment=[(0, 2, 0, 3), (3, 7, 4, 7), (8, 13, 8, 15)],
                         inlines=[Inline(3, 7, "i", order=1, close_order=2, id=1),
                                  Inline(8, 13, "b", order=3, close_order=4, id=2, closes=False)])
    spans, points = words(first.target)
    for span in spans:
        for point in points[:-1]:   # a <bx/> at the very end opens nothing here (below)
            if not span[0] < point < span[1]:
                codes = {1: Code("g", *span), 2: Code("bx", point, point)}
                assert placements(first, codes) == ({n: _settled(*c, first.target) for n, c in codes.items()}, [])
    got, warnings = placements(first, {1: Code("g", 4, 7), 2: Code("bx", 15, 15)})
    assert warnings == ['here: inline code <bx id="2"/>: the English file cannot put it where the target has it; '
                        'it goes around "sleeps."']
    second = SentencePair(source="Le chien aboie.", target="The dog barks.", paragraph=1, number=2,
                          alignment=[(0, 2, 0, 3), (3, 8, 4, 7), (9, 15, 8, 14)],
                          inlines=[Inline(0, 8, "b", order=3, close_order=4, id=2, opens=False)])
    for point in words(second.target)[1]:
        codes = {2: Code("ex", point, point)}
        assert placements(second, codes) == ({2: _settled(*codes[2], second.target)}, [])


def test_a_word_article_gets_its_bold_where_the_translator_moved_it(tmp_path):
    import io

    import docx

    source = docx.Document()
    paragraph = source.add_paragraph("Le chat ")
    paragraph.add_run("noir").bold = True
    paragraph.add_run(" dort sur le tapis.")
    (tmp_path / "src").mkdir()
    source.save(tmp_path / "src" / "chat.docx")
    out = tmp_path / "out"
    assert not translate_paths([tmp_path / "src" / "chat.docx"], ScriptedEngine(SCRIPT), out).failed

    def runs():
        english = docx.Document(io.BytesIO((out / "chat.en.docx").read_bytes()))
        return [(run.text, run.bold) for run in english.paragraphs[0].runs]

    assert runs() == [("The ", None), ("black", True), (" cat sleeps on the rug.", None)]
    [path] = export_folder(out, tmp_path / "chat.xlf", "1.2")
    text = path.read_text(encoding="utf-8")
    assert 'The <g id="1" ctype="x-run">black</g> cat' in text
    path.write_text(text.replace('The <g id="1" ctype="x-run">black</g> cat',
                                 'The black <g id="1" ctype="x-run">cat</g>'), encoding="utf-8")
    report = import_xliff(path, out)
    assert (report.changed, report.warnings) == (["chat p1s1"], [])
    assert runs() == [("The black ", None), ("cat", True), (" sleeps on the rug.", None)]
