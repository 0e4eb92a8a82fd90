"""align.tools.bitext: beads on tiny documents, edge cases, ladder format, documents, TMX,
and the `align pair` command."""
from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from align.tools.bitext import Bead, align_documents, align_segments, anchors, ladder_lines
from align.document import Document, Paragraph

ROOT = Path(__file__).resolve().parent.parent.parent
FR = (ROOT / "data" / "newstest2013.fr").read_text(encoding="utf-8").splitlines()[:40]
EN = (ROOT / "data" / "newstest2013.en").read_text(encoding="utf-8").splitlines()[:40]


def shape(beads: list[Bead]) -> list[tuple[tuple[int, ...], tuple[int, ...]]]:
    return [(b.fr, b.en) for b in beads]


def test_one_to_one():
    beads = align_segments(FR[:10], EN[:10])
    assert shape(beads) == [((i,), (i,)) for i in range(10)]
    assert all(0.0 <= b.score <= 1.0 for b in beads)


def test_two_to_one_and_one_to_two():
    fr = FR[:3] + [FR[3] + " " + FR[4]] + FR[5:9] + FR[9:12]
    en = EN[:3] + EN[3:5] + EN[5:7] + [EN[7] + " " + EN[8]] + EN[9:12]
    beads = shape(align_segments(fr, en))
    assert ((3,), (3, 4)) in beads          # 1-2: one French line, two English
    assert ((6, 7), (7,)) in beads          # 2-1: two French lines, one English
    assert beads == [((0,), (0,)), ((1,), (1,)), ((2,), (2,)), ((3,), (3, 4)), ((4,), (5,)),
                     ((5,), (6,)), ((6, 7), (7,)), ((8,), (8,)), ((9,), (9,)), ((10,), (10,))]


def test_deletions_at_both_ends_and_inside():
    fr = FR[:12]                             # extra French first and last
    en = EN[1:6] + EN[7:11]                  # English lacks 0, 6 and 11
    beads = shape(align_segments(fr, en))
    assert beads[0] == ((0,), ())
    assert beads[-1] == ((11,), ())
    assert ((6,), ()) in beads
    assert ((1,), (0,)) in beads and ((10,), (8,)) in beads


def test_english_only_segments_at_start_and_end():
    beads = shape(align_segments(FR[2:8], EN[:10]))
    assert beads[:2] == [((), (0,)), ((), (1,))]
    assert beads[-2:] == [((), (8,)), ((), (9,))]
    assert ((0,), (2,)) in beads


def test_empty_inputs():
    assert align_segments([], []) == []
    beads = align_segments(["Bonjour."], [])
    assert shape(beads) == [((0,), ())]
    beads = align_segments([], ["Hello.", "World."])
    assert shape(beads) == [((), (0,)), ((), (1,))]


def test_beads_cover_every_segment_once_in_order():
    fr, en = FR[:30], EN[3:25] + EN[27:40]
    beads = align_segments(fr, en)
    assert [i for b in beads for i in b.fr] == list(range(len(fr)))
    assert [j for b in beads for j in b.en] == list(range(len(en)))


def test_long_text_band_grows():
    # 300 sentences with 12 extra English ones in the middle: the diagonal band must follow.
    fr_all = (ROOT / "data" / "newstest2013.fr").read_text(encoding="utf-8").splitlines()[:300]
    en_all = (ROOT / "data" / "newstest2013.en").read_text(encoding="utf-8").splitlines()[:300]
    extra = [f"Filler sentence {'very ' * (k % 7)}much about nothing in particular." for k in range(40)]
    en = en_all[:100] + extra + en_all[100:]
    beads = shape(align_segments(fr_all, en, band=8))
    assert ((150,), (190,)) in beads
    assert sum(1 for f, e in beads if not f) >= 38     # a filler may join its neighbour (1-2)


def test_anchors():
    found = anchors("Le 12 mars, Obama a dit: « non ? »")
    assert "#12" in found and "N:obama" in found and "P:?" in found and "P:q" in found and "P::" in found


def test_glossary_anchor_is_used():
    from align.document import Term

    class Glossary:
        def find(self, text):
            return [Term("machin", 0, 6, "widget")] if "machin" in text else []

    fr = ["Il a un machin.", "Il pleut beaucoup aujourd'hui."]
    en = ["He has a widget.", "It rains a lot today."]
    assert shape(align_segments(fr, en, glossary=Glossary())) == [((0,), (0,)), ((1,), (1,))]


def test_mt_mode_uses_translations():
    fr = ["Aaa bbb ccc ddd.", "Eee fff ggg hhh iii.", "Jjj kkk."]
    en = ["The cat is on the mat.", "Dogs bark loudly at night.", "Yes."]
    mt = ["The cat is on the mat.", "Dogs bark loudly at night.", "Yes."]
    assert shape(align_segments(fr, en, mt=mt)) == [((0,), (0,)), ((1,), (1,)), ((2,), (2,))]
    with pytest.raises(ValueError):
        align_segments(fr, en, mt=mt[:2])


def test_ladder_lines_exact():
    beads = [Bead((0, 1), (0,), 0.83121), Bead((2,), (), 0.0), Bead((), (1,), 0.5), Bead((3,), (2, 3), 1.0)]
    assert ladder_lines(beads) == ["[0,1]:[0]:0.8312", "[2]:[]:0.0000", "[]:[1]:0.5000", "[3]:[2,3]:1.0000"]


def _doc(name, lines):
    return Document(name=name, paragraphs=[Paragraph(text=t, number=k) for k, t in enumerate(lines, 1)])


def test_align_documents_pairs_flags_paragraphs():
    fr = _doc("a", [FR[0], FR[1] + " " + FR[2], FR[3]])
    en = _doc("a", [EN[0], EN[1], EN[2], EN[3], "An extra English sentence with nothing in French at all."])
    beads = []
    document = align_documents(fr, en, segmented=True, beads_out=beads)
    pairs = list(document.pairs())
    assert [p.paragraph for p in pairs] == [1, 2, 3, 3]
    assert pairs[1].source == FR[1] + " " + FR[2] and pairs[1].target == EN[1] + " " + EN[2]
    assert [str(f) for f in pairs[1].flags] == ["bead:1-2"]
    assert pairs[-1].source == "" and [str(f) for f in pairs[-1].flags] == ["bead:0-1"]
    assert all(p.origin == "pair" for p in pairs) and pairs[0].flags == []
    assert [p.number for p in pairs] == [1, 1, 1, 2]
    assert len(beads) == 4


def test_align_documents_splits_sentences():
    fr = _doc("b", [FR[1] + " " + FR[3]])
    en = _doc("b", [EN[1], EN[3]])
    pairs = list(align_documents(fr, en).pairs())
    assert [(p.source, p.target) for p in pairs] == [(FR[1], EN[1]), (FR[3], EN[3])]


def test_tmx_round_trip(tmp_path):
    from translate.storage.tmx import tmxfile

    from align.interchange.tmx import TmxWriter, write_tmx

    path = write_tmx([("Bonjour « toi » & moi", "Hello \"you\" & me"), ("Seul", ""), ("", "Alone"),
                      ("Deux", "Two")], tmp_path / "x.tmx")
    data = path.read_bytes()
    assert b'srclang="fr"' in data and b'xml:lang="en"' in data and b'version="1.4"' in data
    store = tmxfile.parsestring(data)
    assert [(u.source, u.target) for u in store.units] == [("Bonjour « toi » & moi", "Hello \"you\" & me"),
                                                          ("Deux", "Two")]
    document = align_documents(_doc("art", FR[:3]), _doc("art", EN[:3]), segmented=True)
    written = TmxWriter().write(document, tmp_path)
    assert written.name == "art.tmx"
    units = tmxfile.parsestring(written.read_bytes()).units
    assert [(u.source, u.target) for u in units] == list(zip(FR[:3], EN[:3]))


# ------------------------------------------------------------------ the command
def _write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + ("\n" if lines else ""), encoding="utf-8")
    return path


def test_pair_ladder_and_tmx(tmp_path):
    from align.cli.pair import pair

    fr = _write(tmp_path / "x.txt", FR[:5])
    en = _write(tmp_path / "x.en.txt", EN[:2] + EN[3:5])
    tmx = tmp_path / "all.tmx"
    result = CliRunner().invoke(pair, [str(fr), str(en), "--segmented", "--format", "ladder", "--tmx", str(tmx)])
    assert result.exit_code == 0, result.output
    ladder = [line for line in result.stdout.splitlines() if line.startswith("[")]
    assert [line.rsplit(":", 1)[0] for line in ladder] == ["[0]:[0]", "[1]:[1]", "[2]:[]", "[3]:[2]", "[4]:[3]"]
    assert tmx.exists() and tmx.read_bytes().count(b"</tu>") == 4


def test_pair_folders_tsv(tmp_path):
    from align.cli.pair import pair

    (tmp_path / "fr").mkdir()
    (tmp_path / "en").mkdir()
    _write(tmp_path / "fr" / "a.txt", [" ".join(FR[1:4]), FR[4]])
    _write(tmp_path / "en" / "a.en.txt", [" ".join(EN[1:4]), EN[4]])
    _write(tmp_path / "fr" / "b.txt", FR[5:7])
    _write(tmp_path / "en" / "b.txt", [])          # empty English file: all unaligned
    out = tmp_path / "out"
    result = CliRunner().invoke(pair, [str(tmp_path / "fr"), str(tmp_path / "en"), "-o", str(out)])
    assert result.exit_code == 0, result.output
    tsv = (out / "a.tsv").read_text(encoding="utf-8").splitlines()
    assert len(tsv) == 1 + 4 and "pair" in tsv[1]
    assert (out / "b.tsv").read_text(encoding="utf-8").count("bead:1-0") == 2


def test_pair_usage_errors(tmp_path):
    from align.cli.pair import pair

    fr = _write(tmp_path / "x.txt", FR[:2])
    result = CliRunner().invoke(pair, [str(fr), str(tmp_path / "missing.txt")])
    assert result.exit_code == 2
    assert result.stderr.strip() == f"align: error: {tmp_path / 'missing.txt'}: no such file or folder"
    result = CliRunner().invoke(pair, [str(fr), str(tmp_path)])
    assert result.exit_code == 2 and "two files or two folders" in result.stderr
    assert "Traceback" not in result.output


def test_pair_is_a_qa_pass_over_a_human_translation(tmp_path):
    """`align pair` runs every check that needs no model on the existing English:
    numbers, glossary terms (with --glossary), French typography. Sentences of
    newstest2013 (data/, lines 2916-2918, 2927 and 1231), the English as its
    translator wrote it except where said."""
    from align.cli.pair import pair
    from align.output.writers.tsv import read_tsv

    data = Path(__file__).resolve().parent.parent.parent / "data"
    fr_lines = (data / "newstest2013.fr").read_text(encoding="utf-8").splitlines()
    en_lines = (data / "newstest2013.en").read_text(encoding="utf-8").splitlines()
    lines = [2916, 2917, 2918, 2927, 1231]
    english = [en_lines[n - 1] for n in lines]
    english[1] = english[1].replace("1931", "1913")                      # a slip on a date
    english[2] = english[2].replace('"Dallas"', "« Dallas »")          # French quotes kept
    english[3] = english[3].replace("cirrhosis of the liver", "liver disease")  # the glossary's term lost
    fr = _write(tmp_path / "hagman.txt", [fr_lines[n - 1] for n in lines])
    en = _write(tmp_path / "hagman.en.txt", english)
    glossary = tmp_path / "glossary.tsv"
    glossary.write_text("source\ttarget\ncirrhose hépatique\tcirrhosis of the liver\n", encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(pair, [str(fr), str(en), "--segmented", "-o", str(out),
                                       "--glossary", str(glossary)])
    assert result.exit_code == 0, result.output
    assert "5 beads (1-1 5), 4 flagged" in result.output
    [document] = read_tsv(out / "hagman.tsv")
    flags = [[(f.code, f.detail) for f in p.flags] for p in document.pairs()]
    assert flags == [
        [],
        [("number-mismatch", "fr 1931 → en 1913")],
        [("french-typography", "« »")],
        [("term-failed", "cirrhosis of the liver")],
        [("number-mismatch", "fr 1963 → en 1962")],   # the translator's own slip
    ]
    page = (out / "hagman.html").read_text(encoding="utf-8")
    assert page.count('<td class="flags"><span class="badge flag-number-mismatch"') == 2
    assert 'data-code="number-mismatch" data-count="2"' in page and "fr 1931 → en 1913" in page
