"""The bad-input battery: every bad input gets one clear line naming the file
(and line), the other articles are still translated, the exit code says whether
anything failed, and no traceback ever reaches the user.

Runs the CLI in-process (click's CliRunner) with the tiny random model; most
bad files share one run (`battery`) to keep the suite fast.
"""
from __future__ import annotations

import codecs
import pathlib
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from align.cli import main
from align.segment import segment_document
from align.read.sources import ARTICLE_SUFFIXES, read_document
from align.output.writers.tsv import COLUMNS, read_rows

KINDS = "(" + ", ".join(ARTICLE_SUFFIXES) + ")"  # as "folder has no articles" lists them

GOOD = "Le chat dort sur la table.\n"
ACCENTED = "L'été coûte cher : 5 € à Noël, ça suffit."
HTML = "<p>Le <b>texte</b> & <script>alert('x')</script> reste tel quel.</p>"
UNUSUAL_NAME = "été 2024 – IA.txt"


def run(*args: str, model: Path):
    result = CliRunner().invoke(main, ["translate", *args, "--model", str(model), "--beams", "1",
                                       "--no-glossary", "-q"])
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    return result


def error_lines(result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("align: error: ")]


def outputs_of(out: Path, stem: str) -> bool:
    return (out / f"{stem}.tsv").is_file() and (out / f"{stem}.en.txt").is_file()


# ------------------------------------------------------------ one shared run
@pytest.fixture(scope="module")
def battery(tmp_path_factory, tiny_model):
    src = tmp_path_factory.mktemp("battery")
    out = src.parent / (src.name + "-out")
    (src / "good.txt").write_text(GOOD, encoding="utf-8")
    (src / "empty.txt").write_bytes(b"")
    (src / "blank.txt").write_bytes(b"   \n\t\n \r\n  ")
    (src / "binary.txt").write_bytes(b"PK\x03\x04\x00\x00 du binaire \x00\xff\xfe")
    (src / "latin1.txt").write_bytes((ACCENTED + "\r\n").encode("cp1252"))
    (src / "utf16.txt").write_bytes(codecs.BOM_UTF16_LE + (ACCENTED + "\n").encode("utf-16-le"))
    (src / "controls.txt").write_text("Un\ttexte\x07 avec\x0b des\x1b contrôles\x7f ici.\n", encoding="utf-8")
    (src / "html.txt").write_text(HTML + "\n", encoding="utf-8")
    (src / UNUSUAL_NAME).write_text(GOOD, encoding="utf-8")
    (src / "locked.txt").write_text(GOOD, encoding="utf-8")
    real_read_bytes = pathlib.Path.read_bytes

    def read_bytes(self):  # the permission error root does not get from chmod 000
        if self.name == "locked.txt":
            raise PermissionError(13, "Permission denied", str(self))
        return real_read_bytes(self)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(pathlib.Path, "read_bytes", read_bytes)
        result = run(str(src), "-o", str(out), model=tiny_model)
    return src, out, result


def test_battery_exit_code_and_one_line_per_bad_file(battery):
    src, out, result = battery
    assert result.exit_code == 1
    assert sorted(error_lines(result)) == sorted([
        f"align: error: {src / 'binary.txt'}: binary file (contains NUL bytes), not a text article",
        f"align: error: {src / 'blank.txt'}: empty article (no text to translate)",
        f"align: error: {src / 'empty.txt'}: empty article (no text to translate)",
        f"align: error: {src / 'locked.txt'}: cannot read file (permission denied)",
    ])
    assert "; 4 failed" in result.stdout


def test_battery_good_articles_are_translated(battery):
    src, out, result = battery
    for stem in ("good", "latin1", "utf16", "controls", "html", UNUSUAL_NAME[:-4]):
        assert outputs_of(out, stem), stem
    for stem in ("empty", "blank", "binary", "locked"):
        assert not (out / f"{stem}.tsv").exists()
    assert "6 articles" in result.stdout


def test_cp1252_is_a_warning_and_still_translated(battery):
    src, out, result = battery
    assert (f"align: warning: {src / 'latin1.txt'}: not valid UTF-8, decoded as cp1252 (Windows Latin-1); "
            f"check accented letters") in result.stderr.splitlines()
    assert [row["fr"] for row in read_rows(out / "latin1.tsv")] == [ACCENTED]


def test_utf16_with_bom_is_read_without_warning(battery):
    src, out, result = battery
    assert "utf16.txt" not in result.stderr
    assert [row["fr"] for row in read_rows(out / "utf16.tsv")] == [ACCENTED]


def test_tabs_and_control_characters_become_spaces(battery):
    src, out, result = battery
    lines = (out / "controls.tsv").read_text(encoding="utf-8").splitlines()
    assert all(line.count("\t") == len(COLUMNS) - 1 for line in lines)
    [row] = read_rows(out / "controls.tsv")
    assert row["fr"] == "Un texte  avec  des  contrôles  ici."
    assert not any(ord(c) < 32 or 127 <= ord(c) < 160 for c in row["fr"] + row["en"])


def test_html_and_script_are_kept_literally(battery):
    src, out, result = battery
    assert [row["fr"] for row in read_rows(out / "html.tsv")] == [HTML]
    assert "<script>alert('x')</script>" in (out / "html.tsv").read_text(encoding="utf-8")


def test_file_names_with_spaces_and_non_ascii(battery):
    src, out, result = battery
    assert (out / "été 2024 – IA.tsv").is_file() and (out / "été 2024 – IA.en.txt").is_file()
    assert {row["article"] for row in read_rows(out / "été 2024 – IA.tsv")} == {"été 2024 – IA"}


# ------------------------------------------------------------ separate runs
def test_folder_named_like_an_article_and_broken_link_given_as_paths(tmp_path, tiny_model):
    (tmp_path / "good.txt").write_text(GOOD, encoding="utf-8")
    (tmp_path / "x.txt").mkdir()
    (tmp_path / "gone.txt").symlink_to(tmp_path / "moved-away.txt")
    out = tmp_path / "out"
    result = run(str(tmp_path / "x.txt"), str(tmp_path / "gone.txt"), str(tmp_path / "good.txt"), "-o", str(out),
                 model=tiny_model)
    # Paths named on the command line that give no article: a usage error, before any work.
    assert result.exit_code == 2
    assert error_lines(result) == [f"align: error: {tmp_path / 'x.txt'}: folder has no articles {KINDS}; "
                                   f"{tmp_path / 'gone.txt'}: no such file or folder; nothing was translated"]
    assert not out.exists()


def test_broken_link_inside_a_folder_is_reported(tmp_path, tiny_model):
    src = tmp_path / "fr"
    src.mkdir()
    (src / "good.txt").write_text(GOOD, encoding="utf-8")
    (src / "gone.txt").symlink_to(tmp_path / "moved-away.txt")
    result = run(str(src), "-o", str(tmp_path / "out"), model=tiny_model)
    assert outputs_of(tmp_path / "out", "good")
    assert result.exit_code == 1
    assert error_lines(result) == [f"align: error: {src / 'gone.txt'}: not a readable file (broken link?)"]


def test_folder_without_txt_files(tmp_path, tiny_model):
    empty = tmp_path / "nothing"
    empty.mkdir()
    (empty / "notes.odt").write_text("# pas un article\n", encoding="utf-8")
    (tmp_path / "good.txt").write_text(GOOD, encoding="utf-8")
    out = tmp_path / "out"
    result = run(str(empty), str(tmp_path / "good.txt"), "-o", str(out), model=tiny_model)
    assert result.exit_code == 2
    assert error_lines(result) == [f"align: error: {empty}: folder has no articles {KINDS}; nothing was translated"]
    assert not out.exists()


def test_output_folder_that_is_a_file(tmp_path, tiny_model):
    (tmp_path / "good.txt").write_text(GOOD, encoding="utf-8")
    out = tmp_path / "out"
    out.write_text("already here\n")
    result = run(str(tmp_path / "good.txt"), "-o", str(out), model=tiny_model)
    assert result.exit_code == 2
    assert error_lines(result) == [f"align: error: {out}: output folder is a file; choose another -o DIR"]
    assert out.read_text() == "already here\n"


def test_five_megabytes_on_one_line_reads_and_segments_in_bounded_time(tmp_path):
    # Translating 5 MB with the tiny model would take hours on CPU: the reading and
    # segmentation stages get the 5 MB, the full CLI a smaller one-line file below.
    from conftest import french_lines

    text = "Un article. " + " ".join(french_lines())  # no leading metadata line
    big = (text + " ") * (5_000_000 // (len(text) + 1) + 1)
    path = tmp_path / "big.txt"
    path.write_text(big[:5_000_000].rstrip() + "\n", encoding="utf-8")
    started = time.perf_counter()
    document = segment_document(read_document(path))
    seconds = time.perf_counter() - started
    assert seconds < 60, f"reading + segmenting 5 MB took {seconds:.1f} s"
    assert len(document.paragraphs) == 1 and document.sentence_count > 30_000
    joined = "".join(pair.source for pair in document.pairs())
    assert "".join(joined.split()) == "".join(big[:5_000_000].split())  # nothing lost


def test_one_long_line_through_the_cli(tmp_path, tiny_model):
    from test_memory import short_sentences

    line = " ".join(short_sentences(6))
    (tmp_path / "line.txt").write_text(line, encoding="utf-8")  # no final newline either
    result = run(str(tmp_path / "line.txt"), "-o", str(tmp_path / "out"), model=tiny_model)
    assert result.exit_code == 0, result.output
    rows = list(read_rows(tmp_path / "out" / "line.tsv"))
    assert len(rows) >= 6 and {row["paragraph"] for row in rows} == {"1"}


def three_thousand_words() -> str:
    from conftest import french_lines

    import re

    from align.segment import split_sentences

    words = [w for w in re.sub(r"[.!?…]", "", " ".join(french_lines())).split()
             if not re.fullmatch(r"date|\d{4}-\d{2}", w)]  # no metadata line
    sentence = " ".join(words[:3000]) + "."
    assert len(words) >= 3000 and len(split_sentences(sentence)) == 1
    return sentence


def test_three_thousand_word_sentence_is_split_in_the_pipeline(tmp_path, tiny_engine):
    # The pipeline with a stub engine (the tiny model's tokenizer, instant output):
    # the sentence is split into pieces under the model's limit and flagged.
    from align.mt.engines.base import Engine, Hypothesis
    from align.pipeline.run import translate_paths

    class Echo(Engine):
        name = "echo"
        max_input_tokens = tiny_engine.max_input_tokens
        seen: list[int] = []

        def count_tokens(self, texts):
            return tiny_engine.count_tokens(texts)

        def translate_batch(self, sources, with_attention=True):
            self.seen.extend(self.count_tokens(sources))
            return [Hypothesis(text.upper()) for text in sources]

        def signature(self):
            return {"engine": self.name, "model": "echo", "revision": "1", "beams": 1}

    (tmp_path / "long.txt").write_text(three_thousand_words() + "\n", encoding="utf-8")
    engine = Echo()
    # (an echo: its French numbers are kept as written, not repaired)
    report = translate_paths([tmp_path / "long.txt"], engine, tmp_path / "out", numbers="flag")
    assert report.exit_code == 0
    [row] = read_rows(tmp_path / "out" / "long.tsv")
    pieces = len(engine.seen)
    assert pieces > 1 and max(engine.seen) <= engine.max_input_tokens
    assert row["flags"].split("; ")[0] == f"split:{pieces} pieces"
    # every piece's echo, rejoined (in English typography: no space before ; or :)
    from align.typography import english_typography
    assert row["en"].split() == english_typography(row["fr"].upper())[0].split()


def test_three_thousand_word_sentence_through_the_cli(tmp_path, tiny_model):
    (tmp_path / "long.txt").write_text(three_thousand_words() + "\n", encoding="utf-8")
    (tmp_path / "good.txt").write_text(GOOD, encoding="utf-8")
    result = run(str(tmp_path), "-o", str(tmp_path / "out"), model=tiny_model)
    assert result.exit_code == 0, result.output
    [row] = read_rows(tmp_path / "out" / "long.tsv")
    assert any(flag.startswith("split:") for flag in row["flags"].split("; "))
    assert outputs_of(tmp_path / "out", "good")


# ---------------------------------------------------------------- glossary
BAD_GLOSSARY = (codecs.BOM_UTF8 + "source\ttarget\tnote\r\nIAG\tAGI\t\r\nPDG\tCEO\t\r\nIAG\tAGI\tdoublon\r\n"
                "PDG\tchief\t\r\n\tvide\t\r\nmodèle\t\t\r\n".encode("utf-8"))


def test_glossary_check_reports_every_problem_with_its_line(tmp_path):
    glossary_cli = pytest.importorskip("align.cli.glossary").glossary
    path = tmp_path / "glossary.tsv"
    path.write_bytes(BAD_GLOSSARY)
    result = CliRunner().invoke(glossary_cli, ["check", str(path)])
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        f"{path}:1: warning: UTF-8 byte order mark (some tools read it as part of the first cell)",
        f"{path}:4: warning: duplicate source 'IAG' (already on line 2)",
        f"{path}:5: error: conflicting targets for 'PDG': 'chief' here, 'CEO' on line 3",
        f"{path}:6: error: empty source",
        f"{path}:7: error: empty target",
    ]
    assert result.stderr == f"{path}: 3 error(s), 2 warning(s)\n"
    # Warnings only (BOM, CRLF, a duplicate): exit 0.
    path.write_bytes(codecs.BOM_UTF8 + b"source\ttarget\r\nIAG\tAGI\r\nIAG\tAGI\r\n")
    result = CliRunner().invoke(glossary_cli, ["check", str(path)])
    assert result.exit_code == 0 and result.stdout.count(": warning: ") == 2
    result = CliRunner().invoke(glossary_cli, ["check", str(tmp_path / "missing.tsv")])
    assert result.exit_code == 2 and result.stderr == f"{tmp_path / 'missing.tsv'}: no such file\n"
    assert "Traceback" not in result.output


def test_translate_with_a_bad_glossary_stops_before_translating(tmp_path, tiny_model):
    pytest.importorskip("align.terms.glossary")
    path = tmp_path / "glossary.tsv"
    path.write_bytes(BAD_GLOSSARY)
    (tmp_path / "good.txt").write_text(GOOD, encoding="utf-8")
    result = CliRunner().invoke(main, ["translate", str(tmp_path / "good.txt"), "-o", str(tmp_path / "out"),
                                       "--model", str(tiny_model), "--glossary", str(path), "-q"])
    assert result.exit_code == 2
    assert error_lines(result) == [f"align: error: {path}:5: conflicting targets for 'PDG': 'chief' here, "
                                   f"'CEO' on line 3"]
    assert "Traceback" not in result.output and not (tmp_path / "out" / "good.tsv").exists()
