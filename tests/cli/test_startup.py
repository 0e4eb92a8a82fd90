"""What a short run imports (issue 30): a CTranslate2 run, `import align` and the help
never import PyTorch or transformers; a command imports its own module only; what a
run needs after the engine's work is imported while the engine works."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from conftest import ROOT

SMALL_MODEL = ROOT / "tests" / "models" / "small-fr-en"
# Runs align's command line in a process of its own and lists, on exit, every module it imported.
PROBE = ("import atexit, os, sys\n"
         "atexit.register(lambda: open(os.environ['MODULES_SEEN'], 'w').write('\\n'.join(sorted(sys.modules))))\n"
         "from align.cli import main\n"
         "main(prog_name='align')\n")
HEAVY = {"torch", "transformers", "sacremoses", "huggingface_hub"}
COMMAND_MODULES = {"align.cli.glossary", "align.cli.merge", "align.cli.pair", "align.cli.review", "align.cli.segment",
                   "align.cli.tm", "align.cli.xliff"}


def modules_of(tmp_path: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], set[str]]:
    seen = tmp_path / "modules.txt"
    env = dict(os.environ, HF_HUB_OFFLINE="1", MODULES_SEEN=str(seen))
    result = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True, env=env,
                            cwd=tmp_path, timeout=300)
    return result, set(seen.read_text().splitlines())


def test_a_ctranslate2_run_never_imports_pytorch_or_transformers(tmp_path):
    article = tmp_path / "article.txt"
    article.write_text("Le conseil d'administration a approuvé le budget.\n", encoding="utf-8")
    first, _ = modules_of(tmp_path, "translate", str(article), "--model", str(SMALL_MODEL), "-o", "first")
    assert first.returncode == 0, first.stderr  # (converts the model once, if the cache lacks it: with torch)
    result, modules = modules_of(tmp_path, "translate", str(article), "--model", str(SMALL_MODEL), "-o", "out")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out" / "article.en.txt").read_text(encoding="utf-8").strip()
    assert {"ctranslate2", "sentencepiece", "numpy", "jinja2"} <= modules  # the probe sees what it imports
    assert not HEAVY & modules
    assert "tqdm" not in modules  # no terminal: no progress bar to draw
    assert not COMMAND_MODULES & modules  # the other commands' modules


def test_import_align_and_the_help_import_no_engine(tmp_path):
    for args in (("--help",), ("translate", "--help"), ("review", "--help")):
        result, modules = modules_of(tmp_path, *args)
        assert result.returncode == 0 and "Usage: align" in result.stdout
        assert not (HEAVY | {"ctranslate2", "sentencepiece", "numpy"}) & modules, args
    result, modules = modules_of(tmp_path, "translate", "--help")
    assert not COMMAND_MODULES & modules
    imported = subprocess.run([sys.executable, "-c", "import sys, align; print('\\n'.join(sys.modules))"],
                              capture_output=True, text=True, check=True).stdout.split()
    assert "align" in imported and not (HEAVY | {"numpy", "click", "jinja2"}) & set(imported)


def test_the_lazy_command_table_names_each_command_as_it_names_itself():
    from importlib import import_module

    from align.cli import COMMANDS, main

    for name, (module, function) in COMMANDS.items():
        command = getattr(import_module(f"align.cli.{module}"), function)
        assert command.name == name and main.get_command(None, name) is command
    assert main.get_command(None, "nothing") is None


def test_pair_with_a_model_translates_on_ctranslate2_without_pytorch(tmp_path):
    from align.output.writers.tsv import read_rows

    (tmp_path / "article.txt").write_text("Le conseil a voté la loi hier. Les chercheurs publient un modèle. "
                                          "Il pleut à Paris.\n", encoding="utf-8")
    (tmp_path / "article.en.txt").write_text("The council passed the law yesterday. The researchers publish a "
                                             "model. It is raining in Paris.\n", encoding="utf-8")
    args = ("pair", "article.txt", "article.en.txt", "--model", str(SMALL_MODEL), "-o", "out")
    modules_of(tmp_path, *args)  # (a first run may convert the model: with torch)
    result, modules = modules_of(tmp_path, *args)
    assert result.returncode == 0, result.stderr
    rows = list(read_rows(tmp_path / "out" / "article.tsv"))
    assert [(r["fr"][:9], r["en"][:9]) for r in rows] == [("Le consei", "The counc"), ("Les cherc", "The resea"),
                                                           ("Il pleut ", "It is rai")]
    assert "ctranslate2" in modules and not HEAVY & modules
