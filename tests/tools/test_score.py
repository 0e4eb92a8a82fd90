"""align.tools.score and `align score`: sacrebleu scores with signatures, term accuracy,
alignment of files whose line counts differ, folders."""
from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from align.tools.score import score_files

ROOT = Path(__file__).resolve().parent.parent.parent
EN = (ROOT / "data" / "newstest2013.en").read_text(encoding="utf-8").splitlines()[:20]
FR = (ROOT / "data" / "newstest2013.fr").read_text(encoding="utf-8").splitlines()[:20]


class _Glossary:
    """Stands in for align.glossary.Glossary: `.find(text)` returns terms."""

    def find(self, text):
        from align.document import Term

        start = text.find("fraude électorale")
        return [Term("fraude électorale", start, start + 17, "electoral fraud")] if start >= 0 else []


def test_identical_files_score_100_with_signatures():
    result = score_files(EN, EN)
    assert round(result.bleu.score, 2) == 100.0 and round(result.chrf.score, 2) == 100.0
    assert result.ter.score == 0.0
    text = str(result)
    assert text.splitlines()[0].startswith("BLEU|nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:2.")
    assert "= 100.00" in text.splitlines()[0]
    assert text.splitlines()[1].startswith("chrF2|nrefs:1|") and text.splitlines()[2].startswith("TER|nrefs:1|")
    assert result.as_dict()["BLEU"] == 100.0


def test_term_accuracy():
    hyp = list(EN)
    hyp[1] = hyp[1].replace("electoral fraud", "voting cheats")
    result = score_files(hyp, EN, glossary=_Glossary(), sources=FR)
    assert result.terms is not None
    assert result.terms.total == sum("fraude électorale" in s for s in FR)
    assert result.terms.correct == result.terms.total - 1
    assert "Terms|glossary = " in str(result)


def test_different_line_counts_are_aligned():
    hyp = EN[:5] + [EN[5] + " " + EN[6]] + EN[7:]
    result = score_files(hyp, EN)
    assert result.bleu.score > 99.0
    assert any(note.startswith("Aligned: 19 hypothesis lines with 20 reference lines") for note in result.notes)


def test_empty_hypothesis():
    result = score_files([], EN[:3])
    assert result.bleu.score == 0.0


def _write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_score_command_files_and_folders(tmp_path):
    from align.cli.pair import score

    ref = _write(tmp_path / "ref.txt", EN)
    result = CliRunner().invoke(score, [str(ref), str(ref)])
    assert result.exit_code == 0, result.output
    assert "BLEU|nrefs:1|" in result.output and "= 100.00" in result.output

    (tmp_path / "out").mkdir()
    (tmp_path / "refs").mkdir()
    (tmp_path / "src").mkdir()
    _write(tmp_path / "out" / "a.en.txt", EN[:10])
    _write(tmp_path / "refs" / "a.txt", EN[:10])
    _write(tmp_path / "src" / "a.txt", FR[:10])
    result = CliRunner().invoke(score, [str(tmp_path / "out"), str(tmp_path / "refs"), "--json"])
    assert result.exit_code == 0, result.output
    assert '"BLEU": 100.0' in result.output


def test_score_command_errors(tmp_path):
    from align.cli.pair import score

    ref = _write(tmp_path / "ref.txt", EN)
    result = CliRunner().invoke(score, [str(tmp_path / "nope.txt"), str(ref)])
    assert result.exit_code == 2
    assert result.stderr.strip() == f"align: error: {tmp_path / 'nope.txt'}: no such file or folder"
    result = CliRunner().invoke(score, [str(ref), str(ref), "--glossary", str(ref)])
    assert result.exit_code == 2 and "--glossary needs --source" in result.stderr
    result = CliRunner().invoke(score, [str(ref), str(tmp_path)])
    assert result.exit_code == 2 and "two files or two folders" in result.stderr
