"""A new user's first hour (issue 31), through a real `python -m align.cli` process
where the user meets it: mistakes said before anything loads or is written, the
closing line naming the glossary, and help texts that say what the code does."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from align.cli import main
from align.read.sources import ARTICLE_SUFFIXES
from conftest import ROOT

SMALL_MODEL = ROOT / "tests" / "models" / "small-fr-en"
KINDS = "(" + ", ".join(ARTICLE_SUFFIXES) + ")"
# Runs align's command line in a process of its own and, on exit, lists every module
# it imported: a run that stops before loading a model never imports an engine.
PROBE = ("import atexit, os, sys\n"
         "atexit.register(lambda: open(os.environ['MODULES_SEEN'], 'w').write('\\n'.join(sorted(sys.modules))))\n"
         "from align.cli import main\n"
         "main(prog_name='align')\n")
ENGINE_MODULES = {"torch", "ctranslate2", "transformers", "sentencepiece", "huggingface_hub"}


def align_process(*args: str, cwd: Path = ROOT, seen: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, HF_HUB_OFFLINE="1", MODULES_SEEN=str(seen or os.devnull))
    return subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True, env=env,
                          cwd=cwd, timeout=300)


@pytest.fixture
def unloadable_model(tmp_path) -> Path:
    """A model folder that loading would refuse (no tokenizer files): if a run got as
    far as loading it, its error would be this model's, not the inputs'."""
    folder = tmp_path / "unloadable-model"
    folder.mkdir()
    (folder / "config.json").write_text("{}", encoding="utf-8")
    return folder


def no_text_to_translate(tmp_path: Path) -> Path:
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "notes.odt").write_bytes(b"PK\x03\x04 pas un article")
    (folder / "README.md").write_text("# Lisez-moi\n", encoding="utf-8")   # not an article either
    return folder


@pytest.mark.parametrize("case", ["missing", "empty folder", "folder without articles"])
def test_a_path_that_gives_no_article_is_a_usage_error_before_anything_loads(tmp_path, unloadable_model, case):
    if case == "missing":
        path, reason = tmp_path / "does-not-exist", "no such file or folder"
    elif case == "empty folder":
        path, reason = tmp_path / "empty", f"folder has no articles {KINDS}"
        path.mkdir()
    else:
        path, reason = no_text_to_translate(tmp_path), f"folder has no articles {KINDS}"
    out, seen = tmp_path / "out", tmp_path / "modules.txt"
    result = align_process("translate", f"{path}/", "-o", str(out), "--model", str(unloadable_model), "-q",
                           seen=seen)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == f"align: error: {path}: {reason}; nothing was translated\n"
    assert not out.exists()                                          # nothing created: no index.html, no manifest
    assert ENGINE_MODULES.isdisjoint(seen.read_text().splitlines())  # no engine was even imported


def test_one_missing_path_among_good_ones_stops_the_run_before_the_model_loads(tmp_path, unloadable_model):
    (tmp_path / "good.txt").write_text("Le chat dort.\n", encoding="utf-8")
    out = tmp_path / "out"
    result = align_process("translate", str(tmp_path / "good.txt"), str(tmp_path / "typo.txt"), "-o", str(out),
                           "--model", str(unloadable_model), "-q")
    assert result.returncode == 2
    assert result.stderr == f"align: error: {tmp_path / 'typo.txt'}: no such file or folder; nothing was translated\n"
    assert not out.exists()


@pytest.mark.parametrize("model", ["/nonexistent/opus-mt-fr-en", "./models/opus-mt-fr-en", "~/no-such-model"])
def test_a_model_path_that_does_not_exist_says_the_folder_is_missing(tmp_path, model):
    (tmp_path / "a.txt").write_text("Le chat dort.\n", encoding="utf-8")
    out, seen = tmp_path / "out", tmp_path / "modules.txt"
    result = align_process("translate", "a.txt", "-o", str(out), "--model", model, cwd=tmp_path, seen=seen)
    assert result.returncode == 2
    folder = (tmp_path / model if model.startswith(".") else Path(model).expanduser()).absolute()
    assert result.stderr == (f"align: error: cannot load model '{model}': no such folder ({folder}). Fix: check "
                             f"the path; --model takes a hub id or the folder of a local copy of the model (its "
                             f"config.json, source.spm, target.spm, vocab.json)\n")
    assert "HF_HUB_OFFLINE" not in result.stderr and "download" not in result.stderr   # no hub advice for a path
    assert not out.exists()
    assert ENGINE_MODULES.isdisjoint(seen.read_text().splitlines())


# ------------------------------------------------------------ the closing line
def closing_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def test_the_closing_line_names_the_glossary_and_its_entries(tmp_path):
    (tmp_path / "a.txt").write_text("Le conseil d'administration parle de l'IAG.\n", encoding="utf-8")
    (tmp_path / "glossary.tsv").write_text("source\ttarget\nIAG\tAGI\nconseil d'administration\tboard of "
                                           "directors\nOpenAI\tOpenAI\n", encoding="utf-8")
    line = closing_line(align_process("translate", "a.txt", "--model", str(SMALL_MODEL), "-q", cwd=tmp_path))
    assert line.startswith("outputs in output_en/ (glossary glossary.tsv: 3 entries; signature: align:")
    line = closing_line(align_process("translate", "a.txt", "--model", str(SMALL_MODEL), "-q", "--no-glossary",
                                      "-o", "out2", cwd=tmp_path))
    assert line.startswith("outputs in out2/ (no glossary: --no-glossary; signature: ")
    (tmp_path / "glossary.tsv").unlink()
    line = closing_line(align_process("translate", "a.txt", "--model", str(SMALL_MODEL), "-q", "-o", "out3",
                                      cwd=tmp_path))
    assert line.startswith("outputs in out3/ (no glossary: no ./glossary.tsv here; signature: ")


# ------------------------------------------------------------ help texts
def help_of(*command: str) -> str:
    result = CliRunner().invoke(main, [*command, "--help"], terminal_width=200)
    assert result.exit_code == 0, result.output
    return " ".join(result.output.split())


def option_help(text: str, option: str) -> str:
    """The help of `option` in a command's --help (up to the next option)."""
    match = re.search(re.escape(option) + r"\b(.*?)(?= --?[a-z][\w-]* |$)", text)
    assert match, option
    return match.group(1)


def test_translate_help_names_every_article_format_a_folder_gives():
    text = help_of("translate")
    assert f"A folder gives its articles {KINDS}, sub-folders included" in text
    assert ".docx" in ARTICLE_SUFFIXES and ".md" in ARTICLE_SUFFIXES   # the help follows the readers
    assert "their *.txt" not in text


def test_o_is_the_folder_written_and_tm_names_the_folder_it_reads():
    for command in (("translate",), ("pair",), ("merge",)):
        assert option_help(help_of(*command), "-o, --output").strip().startswith("DIR Output folder (written"), \
            command
    assert option_help(help_of("xliff", "export"), "-o, --output").strip().startswith("PATH Output (written)")
    for command in ("stats", "prune", "export"):
        text = help_of("tm", command)
        assert not re.search(r"-o, --output|^-o ", text.split("Options:")[1])   # in tm, the folder is read: not -o
        assert "--folder OUT The folder read: the output folder (-o) of align translate" in text


def test_tm_still_takes_o_for_the_folder_it_reads(tmp_path):
    missing = tmp_path / "run"
    for option in ("-o", "--folder"):
        result = CliRunner().invoke(main, ["tm", "stats", option, str(missing)])
        assert result.exit_code == 2
        assert result.stderr.startswith(f"align: error: {missing / '.align' / 'memory.sqlite'}: no translation memory")


def test_xliff_export_version_is_the_xliff_format_s(tmp_path):
    text = help_of("xliff", "export")
    assert "--xliff-version, --version [1.2|2.0] The version of the XLIFF format to write (not align's version)" \
        in text


def test_the_top_level_help_has_an_example_and_points_to_the_docs():
    text = help_of()
    assert "align translate sources_fr/ --model tests/models/small-fr-en" in text
    assert "align review output_en/" in text
    assert "docs/" in text and "README.md" in text
    assert (ROOT / "tests" / "models" / "small-fr-en").is_dir() and (ROOT / "docs" / "translate.md").is_file()


# ------------------------------------------------------------ the Ray extra
def test_no_text_says_to_install_align_with_the_ray_extra():
    """`align` on PyPI is another project: `pip install 'align[ray]'` installs it. The
    distribution is align-mt, installed from the clone: pip install -e '.[ray]'."""
    texts = [ROOT / "README.md", *(ROOT / "align").rglob("*.py"), *(ROOT / "align" / "templates").glob("*"),
             *(ROOT / "docs").rglob("*.md")]
    assert len(texts) > 20
    wrong = [str(path.relative_to(ROOT)) for path in texts if "align[" in path.read_text(encoding="utf-8")]
    assert wrong == []
    assert "pip install -e '.[ray]'" in help_of("translate")
    assert "pip install -e '.[ray]'" in (ROOT / "docs" / "scaling.md").read_text(encoding="utf-8")
