"""Shared fixtures: a tiny random Marian model laid out like opus-mt-fr-en.

Its output is noise: tests check structure and invariants, never wording.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ROOT / "sources_fr"

# No test may reach the network: the hub is never asked.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
# The tiny model's matrices are too small to gain from threads, and spinning
# OpenMP threads on a busy 2-core machine made decoding over ten times slower.
os.environ.setdefault("OMP_NUM_THREADS", "1")
# Nothing in the user's home: CTranslate2's conversions (default ~/.cache/align) go to a
# folder of this session, which the processes the tests start inherit.
if "ALIGN_CACHE" not in os.environ:
    import atexit
    import shutil
    import tempfile

    os.environ["ALIGN_CACHE"] = tempfile.mkdtemp(prefix="align-cache-")
    atexit.register(shutil.rmtree, os.environ["ALIGN_CACHE"], True)
import torch  # noqa: E402  (after the environment is set)
from hypothesis import settings  # noqa: E402

torch.set_num_threads(1)

# Property tests draw new examples on every run on a developer's machine (that is how
# they find bugs); CI replays a fixed set, so that what lands does not hang on luck.
settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI"):
    settings.load_profile("ci")


def french_lines() -> list[str]:
    return [line for path in sorted(SOURCES.glob("*.txt"))
            for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def english_lines() -> list[str]:
    return (ROOT / "data" / "newstest2013.en").read_text(encoding="utf-8").splitlines()[:2000]


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory) -> Path:
    from align.mt.random_model import build_random_marian

    return build_random_marian(tmp_path_factory.mktemp("models") / "tiny-opus-mt-fr-en",
                               french_lines(), english_lines())


@pytest.fixture(scope="session")
def tiny_engine(tiny_model):
    from align.mt.engines.transformers import TransformersEngine

    return TransformersEngine(str(tiny_model))


@pytest.fixture(scope="session")
def translated(tiny_model, tmp_path_factory):
    """`align translate sources_fr/` run once with the tiny model and the project glossary."""
    from click.testing import CliRunner

    from align.cli import main

    out = tmp_path_factory.mktemp("run") / "output_en"
    result = CliRunner().invoke(main, ["translate", str(SOURCES), "--model", str(tiny_model), "-o", str(out),
                                       "--glossary", str(ROOT / "glossary.tsv"), "--quiet"])
    return result, out


# A small *trained* fr→en Marian (tests/models/small-fr-en, see its README): it emits
# EOS, its attention aligns and it has preferences of its own, so term placement,
# duplicates and confidence are tested on real behaviour. Its translations are poor.
SMALL_MODEL = ROOT / "tests" / "models" / "small-fr-en"


@pytest.fixture(scope="session")
def small_model() -> Path:
    return SMALL_MODEL


@pytest.fixture(scope="session")
def small_engine():
    from align.mt.engines.transformers import TransformersEngine

    return TransformersEngine(str(SMALL_MODEL))


def write_in_background(monkeypatch, files: list | None = None) -> None:
    """Every run from here on is written by its child process (align.output.files.
    BackgroundFiles) from its first article: the child started whatever the run's
    length, and waited for before the first article (a run of real length writes its
    first articles itself until the child is ready: how many depends on the machine's
    speed). `files`: the BackgroundFiles made are appended to it."""
    import align.pipeline.run as run_module

    real = run_module._background_files

    def started_at_once(folder, writing):
        made = real(folder, writing)
        assert made is not None and made.started(wait=True)
        if files is not None:
            files.append(made)
        return made

    monkeypatch.setattr(run_module, "BACKGROUND_FILES_FROM", 1)
    monkeypatch.setattr(run_module, "_background_files", started_at_once)
