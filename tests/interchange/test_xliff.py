"""XLIFF 1.2 / 2.0 export and import (`align xliff`), validated against the
schemas in tests/data/xliff/ (see its README for where they come from)."""
from __future__ import annotations

import re

from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import etree

from align.cli import main
from align.document import METADATA
from align.output.memory import TranslationMemory, default_path
from align.review import Edit, ReviewFolder
from align.interchange.xliff import XLIFF12, XLIFF20, export_folder, import_xliff, read_xliff
from align.segment import segment_document
from align.read.sources import read_text
from align.output.writers import TsvWriter, TxtWriter
from align.output.writers.html import HtmlWriter
from align.output.writers.tsv import read_rows
from test_review_server import HOSTILE
from xliff_schemas import validation_errors

TEXT = "date 2025-01\n\nLe chat dort. Le chien aboie.\n\nLa pluie tombe sur la ville."
NS = {"x12": XLIFF12, "x20": XLIFF20}


def assert_valid(path: Path, version: str) -> etree._ElementTree:
    """Valid against the official OASIS schema (XLIFF 1.2 strict, 2.0 core)."""
    tree = etree.parse(str(path))
    assert validation_errors(tree, version) == ""
    return tree


@pytest.fixture
def folder(tmp_path) -> Path:
    out = tmp_path / "out"
    out.mkdir()
    for name in ("alpha", "beta two"):
        document = segment_document(read_text(TEXT, name))
        for paragraph in document.paragraphs:
            for pair in paragraph.sentences:
                if paragraph.kind == METADATA:
                    pair.target, pair.origin = pair.source, METADATA
                else:
                    pair.target, pair.origin, pair.score = f"EN {pair.source}", "model", -0.5
        for writer in (TsvWriter(), TxtWriter(), HtmlWriter()):
            writer.write(document, out)
    review = ReviewFolder(out)
    review.apply("alpha", "p2s2", Edit(0, target=HOSTILE, comment="cf. <glossary> & style"))
    review.apply("alpha", "p3s1", Edit(0, status="approved"))
    review.apply("alpha", "p2s1", Edit(0, status="needs-work"))
    return out


def rows(folder, name="alpha"):
    return {r["id"]: r for r in read_rows(folder / f"{name}.tsv")}


def test_the_schemas_refuse_what_they_should():
    bad_12 = (f'<xliff xmlns="{XLIFF12}" version="1.2"><file original="a" source-language="fr" datatype="plaintext">'
              f'<body><trans-unit id="1"><source>x</source><target state="done">y</target></trans-unit></body>'
              f'</file></xliff>')
    assert "state" in validation_errors(etree.fromstring(bad_12), "1.2")
    bad_20 = (f'<xliff xmlns="{XLIFF20}" version="2.0" srcLang="fr"><file id="f1"><unit id="u1">'
              f'<segment><source>x</source></segment><notes><note>n</note></notes></unit></file></xliff>')
    assert validation_errors(etree.fromstring(bad_20), "2.0")  # notes after the segment


@pytest.mark.parametrize("version", ["1.2", "2.0"])
def test_export_is_valid_and_carries_ids_states_and_comments(folder, tmp_path, version):
    [path] = export_folder(folder, tmp_path / f"all-{version}.xlf", version)
    tree = assert_valid(path, version)
    text = path.read_text(encoding="utf-8")
    assert "<script>" not in text and "&lt;script&gt;" in text  # escaped, and text again once parsed
    units = read_xliff(path)
    assert [(u.article, u.name) for u in units] == [(a, i) for a in ("alpha", "beta two")
                                                    for i in ("p1s1", "p2s1", "p2s2", "p3s1")]
    # ids name the French and its occurrence: the same French in two articles, the same id
    assert all(re.fullmatch(r"s[0-9a-f]{16}-0", u.id) for u in units)
    assert [u.id for u in units if u.article == "alpha"] == [u.id for u in units if u.article == "beta two"]
    alpha = {u.name: u for u in units if u.article == "alpha"}
    assert alpha["p1s1"].translate is False  # metadata
    assert (alpha["p2s2"].target, alpha["p2s2"].comment) == (HOSTILE, "cf. <glossary> & style")
    assert [alpha[i].status for i in ("p2s1", "p2s2", "p3s1")] == ["needs-work", "reviewed", "approved"]
    assert {u.status for u in units if u.article == "beta two" and u.translate} == {"machine"}
    if version == "1.2":
        states = [(t.get("state"), t.get("state-qualifier")) for t in tree.iterfind(".//x12:target", NS)]
        assert states[:4] == [(None, None), ("needs-translation", None), ("signed-off", None), ("final", None)]
        assert states[5] == ("needs-review-translation", "mt-suggestion")
        assert tree.find(".//x12:trans-unit[@resname='p3s1']", NS).get("approved") == "yes"
        assert [f.get("original") for f in tree.iterfind("x12:file", NS)] == ["alpha", "beta two"]
    else:
        states = [(s.get("state"), s.get("subState")) for s in tree.iterfind(".//x20:segment", NS)]
        assert states[1:4] == [("initial", "align:needs-work"), ("reviewed", None), ("final", None)]
        assert states[5] == ("initial", "align:mt")
        assert [(f.get("id"), f.get("original")) for f in tree.iterfind("x20:file", NS)] == \
            [("f1", "alpha"), ("f2", "beta two")]


@pytest.mark.parametrize("version", ["1.2", "2.0"])
def test_round_trip_changing_one_target_and_one_state(folder, tmp_path, version):
    [path] = export_folder(folder, tmp_path / "out.xlf", version)
    assert import_xliff(path, folder).changed == []  # unchanged file: nothing to import
    tree = etree.parse(str(path))
    prefix = "x12" if version == "1.2" else "x20"
    unit, place = ("trans-unit", "resname") if version == "1.2" else ("unit", "name")
    # beta two p2s2: new English; beta two p3s1: approved as it is
    target = tree.find(f"{prefix}:file[@original='beta two']//{prefix}:{unit}[@{place}='p2s2']//{prefix}:target", NS)
    target.text = "The dog is barking."
    if version == "1.2":
        approved = tree.find("x12:file[@original='beta two']//x12:trans-unit[@resname='p3s1']/x12:target", NS)
        approved.set("state", "final")
        del approved.attrib["state-qualifier"]
    else:
        approved = tree.find("x20:file[@original='beta two']//x20:unit[@name='p3s1']/x20:segment", NS)
        approved.set("state", "final")
        del approved.attrib["subState"]
    tree.write(str(path), xml_declaration=True, encoding="UTF-8")
    assert_valid(path, version)

    result = CliRunner().invoke(main, ["xliff", "import", str(path), "--into", str(folder)])
    assert result.exit_code == 0, result.output
    assert result.output == "2 sentences imported as reviewed, 4 unchanged\n"
    beta = rows(folder, "beta two")
    assert (beta["p2s2"]["en"], beta["p2s2"]["status"], beta["p2s2"]["origin"]) == \
        ("The dog is barking.", "reviewed", "reviewed")
    assert (beta["p3s1"]["en"], beta["p3s1"]["status"]) == ("EN La pluie tombe sur la ville.", "approved")
    assert beta["p2s1"]["origin"] == "model"
    # the TSV, the memory, the English text and the static page agree
    with TranslationMemory(default_path(folder)) as memory:
        assert memory.review_for("Le chien aboie.")["target"] == "The dog is barking."
        assert memory.review_for("La pluie tombe sur la ville.")["status"] == "approved"
    assert "EN Le chat dort. The dog is barking." in (folder / "beta two.en.txt").read_text(encoding="utf-8")
    page = (folder / "beta two.html").read_text(encoding="utf-8")
    assert "The dog is barking." in page and page.count('data-status="approved"') == 1
    # the earlier review of alpha survived the round trip
    assert rows(folder)["p2s2"]["en"] == HOSTILE


def test_import_skips_units_whose_french_changed_and_unknown_articles(folder, tmp_path):
    [path] = export_folder(folder, tmp_path / "out.xlf", "1.2")
    tree = etree.parse(str(path))
    tree.find("x12:file[@original='alpha']//x12:trans-unit[@resname='p2s1']/x12:source", NS).text = "Le chat ronfle."
    tree.find("x12:file[@original='alpha']//x12:trans-unit[@resname='p2s1']/x12:target", NS).text = "The cat snores."
    tree.find("x12:file[@original='beta two']", NS).set("original", "gamma")
    tree.write(str(path))
    result = CliRunner().invoke(main, ["xliff", "import", str(path), "--into", str(folder)])
    assert result.exit_code == 1
    assert f"align: warning: {path}: alpha p2s1: its French is not in the article now; skipped" in result.output
    assert f"align: warning: {path}: article 'gamma' is not in {folder}; its units were skipped" in result.output
    assert rows(folder)["p2s1"]["en"] == "EN Le chat dort."


def test_cli_export_per_article_and_bad_files(folder, tmp_path):
    result = CliRunner().invoke(main, ["xliff", "export", str(folder), "--version", "2.0"])
    assert result.exit_code == 0, result.output
    assert result.output == f"2 XLIFF 2.0 files written: {folder / 'xliff'}\n"
    for name in ("alpha", "beta two"):
        assert_valid(folder / "xliff" / f"{name}.xlf", "2.0")
    bad = tmp_path / "bad.xlf"
    bad.write_text("<xliff><unclosed></xliff>")
    result = CliRunner().invoke(main, ["xliff", "import", str(bad), "--into", str(folder)])
    assert result.exit_code == 2
    assert result.output.startswith(f"align: error: {bad}: not an XML file (")
    assert len(result.output.strip().splitlines()) == 1
    other = tmp_path / "other.xml"
    other.write_text("<tmx version='1.4'/>")
    result = CliRunner().invoke(main, ["xliff", "import", str(other), "--into", str(folder)])
    assert result.output == f"align: error: {other}: not XLIFF 1.2 or 2.0 (root element tmx)\n"
    result = CliRunner().invoke(main, ["xliff", "export", str(tmp_path / "none")])
    assert result.output == f"align: error: {tmp_path / 'none'}: no such folder (give the -o folder of align translate)\n"


def test_markup_of_a_markdown_article_travels_as_inline_codes(tmp_path):
    from align.pipeline.run import translate_paths

    from scripted_engine import ScriptedEngine

    article = tmp_path / "src" / "post.md"
    article.parent.mkdir()
    article.write_text("# Titre\n\nLe **chat** dort. Voir [le site](https://example.org) ici.\n", encoding="utf-8")
    out = tmp_path / "out"
    # Unscripted: each French word comes back upper-cased, aligned to itself.
    report = translate_paths([article], ScriptedEngine({}), out)
    assert report.exit_code == 0, report.failed
    [path] = export_folder(out, tmp_path / "post.xlf", "1.2")
    tree = assert_valid(path, "1.2")
    units = {u.get("resname"): u for u in tree.iterfind(".//x12:trans-unit", NS)}

    def content(unit, side):
        return etree.tostring(unit.find(f"x12:{side}", NS), encoding="unicode", with_tail=False)

    bold, link = units["p2s1"], units["p2s2"]
    assert '>Le <g id="' in content(bold, "source") and 'ctype="bold">chat</g> dort.</source>' in content(bold, "source")
    assert 'ctype="bold">CHAT</g> DORT.</target>' in content(bold, "target")
    assert 'ctype="link">le site</g> ici.' in content(link, "source")
    assert 'ctype="link">LE SITE</g> ICI.' in content(link, "target")
    # Ids pair a span's source and target codes; importing an edited target keeps its text.
    g = link.find("x12:target/x12:g", NS)
    assert g.get("id") == link.find("x12:source/x12:g", NS).get("id")
    g.text = "THE SITE"
    tree.write(str(path), xml_declaration=True, encoding="UTF-8")
    assert import_xliff(path, out).changed
    assert rows(out, "post")["p2s2"]["en"] == "VOIR THE SITE ICI."
