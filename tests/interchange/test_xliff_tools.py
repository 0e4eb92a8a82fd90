"""XLIFF as CAT tools write it: stable unit ids, native codes, approved="yes",
segments a tool split, unchanged round trips; every export valid against the
official OASIS schemas (tests/data/xliff/oasis/)."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import etree

from align.cli import main
from align.output.memory import TranslationMemory, default_path
from align.pipeline.run import translate_paths
from align.interchange.xliff import XLIFF12, XLIFF20, export_folder, import_xliff, read_xliff
from align.output.writers.tsv import read_rows
from test_corrections import Upper
from xliff_schemas import validation_errors

DATA = Path(__file__).resolve().parent.parent / "data"
NS = {"x12": XLIFF12, "x20": XLIFF20}
ARTICLE = ("Le chat dort sur le tapis.\nLe chien aboie dans la rue.\nLa pluie tombe sur la ville. "
           "Les enfants rentrent.\n")


def translate(sources: Path, out: Path) -> None:
    with TranslationMemory(default_path(out)) as memory:
        report = translate_paths([sources], Upper(), out, memory=memory)
    assert not report.failed, report.failed


def rows(out: Path, name: str = "news") -> dict[str, dict[str, str]]:
    return {row["id"]: row for row in read_rows(out / f"{name}.tsv")}


@pytest.fixture
def news(tmp_path):
    sources, out = tmp_path / "fr", tmp_path / "out"
    sources.mkdir()
    (sources / "news.txt").write_text(ARTICLE, encoding="utf-8")
    translate(sources, out)
    return sources, out


def target_of(tree, version: str, place: str):
    if version == "1.2":
        return tree.find(f".//x12:trans-unit[@resname='{place}']/x12:target", NS)
    return tree.find(f".//x20:unit[@name='{place}']/x20:segment/x20:target", NS)


# ------------------------------------------------------------ stable ids
@pytest.mark.parametrize("version", ["1.2", "2.0"])
def test_a_file_exported_before_a_paragraph_was_inserted_imports_onto_the_right_sentences(news, tmp_path,
                                                                                          version):
    sources, out = news
    [path] = export_folder(out, tmp_path / "before.xlf", version)
    before = {u.name: u.id for u in read_xliff(path)}
    # the author adds a paragraph at the top; the article is translated again
    (sources / "news.txt").write_text("Un nouveau titre.\n" + ARTICLE, encoding="utf-8")
    translate(sources, out)
    tree = etree.parse(str(path))
    target_of(tree, version, "p2s1").text = "The dog barks in the street."   # now p3s1
    target_of(tree, version, "p3s2").text = "The children come home."        # now p4s2
    tree.write(str(path))
    report = import_xliff(path, out)
    assert report.warnings == [] and sorted(report.changed) == ["news p3s1", "news p4s2"]
    after = rows(out)
    assert (after["p3s1"]["en"], after["p4s2"]["en"]) == ("The dog barks in the street.", "The children come home.")
    assert after["p1s1"]["en"] == "UN NOUVEAU TITRE. [v1]"
    # the ids did not change with the place: a new export gives every old unit the id it had
    [again] = export_folder(out, tmp_path / "after.xlf", version)
    now = {u.id for u in read_xliff(again)}
    assert set(before.values()) <= now


def test_an_export_with_positional_ids_finds_moved_sentences_by_their_french(news, tmp_path):
    """Files exported before ids named the French (id = place) still import."""
    sources, out = news
    [path] = export_folder(out, tmp_path / "old.xlf", "1.2")
    tree = etree.parse(str(path))
    for unit in tree.iterfind(".//x12:trans-unit", NS):
        unit.set("id", unit.attrib.pop("resname"))
    unit = tree.find(".//x12:trans-unit[@id='p2s1']", NS)
    unit.find("x12:target", NS).text = "The dog barks."
    tree.write(str(path))
    (sources / "news.txt").write_text("Un nouveau titre.\n" + ARTICLE, encoding="utf-8")
    translate(sources, out)
    report = import_xliff(path, out)
    assert report.warnings == [] and report.changed == ["news p3s1"]
    assert rows(out)["p3s1"]["en"] == "The dog barks."


# ------------------------------------------------------------ what CAT tools write
def test_approved_yes_alone_is_approved_and_states_round_trip(news, tmp_path):
    _, out = news
    [path] = export_folder(out, tmp_path / "a.xlf", "1.2")
    tree = etree.parse(str(path))
    unit = tree.find(".//x12:trans-unit[@resname='p1s1']", NS)
    unit.set("approved", "yes")  # the state left as the export wrote it (machine output)
    tree.write(str(path))
    assert import_xliff(path, out).changed == ["news p1s1"]
    assert rows(out)["p1s1"]["status"] == "approved"


@pytest.mark.parametrize("version", ["1.2", "2.0"])
def test_every_status_survives_a_round_trip(news, tmp_path, version):
    _, out = news
    from align.review.folder import Edit, ReviewFolder

    folder = ReviewFolder(out)
    for place, status in (("p1s1", "translated"), ("p2s1", "reviewed"), ("p3s1", "approved"),
                          ("p3s2", "needs-work")):
        folder.apply("news", place, Edit(0, target=f"Mine {place}.", status=status))
    before = {place: (row["en"], row["status"], row["version"]) for place, row in rows(out).items()}
    [path] = export_folder(out, tmp_path / "all.xlf", version)
    assert validation_errors(etree.parse(str(path)), version) == ""
    report = import_xliff(path, out)
    assert (report.changed, report.warnings) == ([], [])
    assert {place: (row["en"], row["status"], row["version"]) for place, row in rows(out).items()} == before


def test_xliff_12_native_codes_are_codes(tmp_path):
    """A CAT tool that writes the markup as native codes (<bpt>/<ept>, <ph>) instead
    of <g>/<x/>: the original markup in them is not English."""
    sources, out = tmp_path / "fr", tmp_path / "out"
    sources.mkdir()
    (sources / "post.html").write_text("<p>Le <b>chat</b> dort.</p>\n", encoding="utf-8")
    translate(sources, out)
    [path] = export_folder(out, tmp_path / "p.xlf", "1.2")
    tree = etree.parse(str(path))
    target = tree.find(".//x12:trans-unit[@resname='p1s1']/x12:target", NS)
    for child in list(target):
        target.remove(child)
    target.text = "The "
    bpt = etree.SubElement(target, f"{{{XLIFF12}}}bpt", id="1")
    bpt.text, bpt.tail = "<b>", "cat"
    ept = etree.SubElement(target, f"{{{XLIFF12}}}ept", id="1")
    ept.text, ept.tail = "</b>", " sleeps."
    tree.write(str(path))
    report = import_xliff(path, out)
    assert report.warnings == [] and report.changed == ["post p1s1"]
    assert rows(out, "post")["p1s1"]["en"] == "The cat sleeps."
    assert "<p>The <b>cat</b> sleeps.</p>" in (out / "post.en.html").read_text(encoding="utf-8")


def test_a_unit_split_into_segments_is_joined_back(news, tmp_path):
    _, out = news
    [path] = export_folder(out, tmp_path / "s.xlf", "2.0")
    tree = etree.parse(str(path))
    unit = tree.find(".//x20:unit[@name='p1s1']", NS)
    segment = unit.find("x20:segment", NS)
    # a tool split "The cat / sleeps on the rug." and confirmed both halves
    halves = [("Le chat", "The cat"), ("dort sur le tapis.", "sleeps on the rug.")]
    unit.remove(segment)
    for n, (french, english) in enumerate(halves):
        if n:
            ignorable = etree.SubElement(unit, f"{{{XLIFF20}}}ignorable")
            etree.SubElement(ignorable, f"{{{XLIFF20}}}source").text = " "
        part = etree.SubElement(unit, f"{{{XLIFF20}}}segment", state="reviewed")
        etree.SubElement(part, f"{{{XLIFF20}}}source").text = french
        etree.SubElement(part, f"{{{XLIFF20}}}target").text = english
    tree.write(str(path))
    assert validation_errors(tree, "2.0") == ""
    report = import_xliff(path, out)
    assert report.warnings == [] and report.changed == ["news p1s1"]
    row = rows(out)["p1s1"]
    assert (row["en"], row["status"]) == ("The cat sleeps on the rug.", "reviewed")


# ------------------------------------------------------------ unchanged round trips
SAMPLES = {"messy.md": "messy-md.md", "messy.html": "messy-html.html", "altman-md.md": "altman-md.md",
           "altman-html.html": "altman-html.html", "altman-docx.docx": "altman-docx.docx"}


@pytest.fixture(scope="module")
def formatted(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("formatted")
    sources, out = tmp / "fr", tmp / "out"
    sources.mkdir()
    for name, copy in SAMPLES.items():
        shutil.copy(DATA / name, sources / copy)
    (sources / "plain.txt").write_text(ARTICLE, encoding="utf-8")
    translate(sources, out)
    return out


@pytest.mark.parametrize("version", ["1.2", "2.0"])
def test_an_unchanged_round_trip_changes_nothing_and_exits_0(formatted, tmp_path, version):
    before = {path.name: path.read_bytes() for path in formatted.iterdir() if path.is_file()}
    xlf = tmp_path / f"all-{version}.xlf"
    result = CliRunner().invoke(main, ["xliff", "export", str(formatted), "-o", str(xlf), "--version", version])
    assert result.exit_code == 0, result.output
    tree = etree.parse(str(xlf))
    assert validation_errors(tree, version) == ""
    if version == "1.2":  # the article's format, as XLIFF 1.2 names it
        datatypes = {f.get("original"): f.get("datatype") for f in tree.iterfind("x12:file", NS)}
        assert datatypes == {"altman-docx": "x-docx", "altman-html": "html", "altman-md": "x-markdown",
                             "messy-html": "html", "messy-md": "x-markdown", "plain": "plaintext"}
    else:
        assert {f.get("canResegment") for f in tree.iterfind("x20:file", NS)} == {"no"}
    result = CliRunner().invoke(main, ["xliff", "import", str(xlf), "--into", str(formatted)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("0 sentences imported")
    after = {path.name: path.read_bytes() for path in formatted.iterdir() if path.is_file()}
    assert after == before


def test_files_align_did_not_write_are_left_out_of_export_and_import(news, tmp_path):
    _, out = news
    (out / "glossary.tsv").write_text("source\ttarget\nIAG\tAGI\n", encoding="utf-8")
    xlf = tmp_path / "n.xlf"
    result = CliRunner().invoke(main, ["xliff", "export", str(out), "-o", str(xlf)])
    assert result.exit_code == 0, result.output
    warning = f"align: warning: {out / 'glossary.tsv'}: not an aligned TSV of align (another header), left out"
    assert result.output.splitlines()[0] == warning
    assert [f.get("original") for f in etree.parse(str(xlf)).iterfind("x12:file", NS)] == ["news"]
    result = CliRunner().invoke(main, ["xliff", "import", str(xlf), "--into", str(out)])
    assert result.exit_code == 0 and result.output.splitlines() == [warning, "0 sentences imported as reviewed, "
                                                                    "4 unchanged"], result.output
