"""The package's shape: its import graph (grimp, import-linter's graph library, counting
imports inside functions too): the top level reads as the pipeline's stages, each
package imports only the ones below it, and markup transfer needs only the data model;
the tests mirror it; few functions branch more than a reader can follow (radon)."""
import itertools
import re
from pathlib import Path

import grimp
import pytest

GRAPH = grimp.build_graph("align")
PACKAGE = Path(__file__).resolve().parent.parent / "align"
# What every layer may import: the data model, the errors, the flag codes.
FOUNDATION = ["align.document", "align.errors", "align.flags"]
# The stages' packages, each importing only those before it: markup transfer and
# segmentation, reading (decoding, protected syntax, the formats, the input tree),
# the engines, the glossary's terms, typography, the checks, the output folder, the
# pipeline that runs them all, then what works on its output folders (review,
# XLIFF and TMX, merge, align pair's tools) and the command line.
LAYERS = ["align.markup", "align.segment", "align.read", "align.mt", "align.terms", "align.typography",
          "align.checks", "align.output", "align.pipeline", "align.review", "align.interchange", "align.tools",
          "align.cli"]
# Inside reading: text decoding below the data model's users, the formats below the input tree.
READING = ["align.read.text", "align.document", "align.read.protect", "align.markup", "align.segment",
           "align.read.formats", "align.read.sources"]


def align_imports(module: str) -> set[str]:
    return {m for m in GRAPH.find_modules_directly_imported_by(module) if m.startswith("align")}


def test_markup_imports_only_the_data_model():
    for module in GRAPH.find_descendants("align.markup"):
        outside = {m for m in align_imports(module) if not m.startswith("align.markup")}
        assert outside <= {"align.document"}, module


def test_text_decoding_imports_nothing_above_it():
    assert align_imports("align.read.text") <= {"align.errors"}


def test_the_top_level_is_the_stages():
    """Beside the packages, at most a few modules: the data model, errors, flags and
    the two one-module stages."""
    modules = sorted(path.stem for path in PACKAGE.glob("*.py") if path.stem != "__init__")
    packages = sorted(path.parent.name for path in PACKAGE.glob("*/__init__.py"))
    assert modules == ["document", "errors", "flags", "segment", "typography"]
    assert sorted(FOUNDATION + LAYERS) == sorted(f"align.{name}" for name in modules + packages)


def test_the_foundation_imports_nothing():
    for module in FOUNDATION:
        assert align_imports(module) == set(), module


@pytest.mark.parametrize("upper, lower", [(b, a) for a, b in itertools.combinations(LAYERS, 2)]
                         + [(b, a) for a, b in itertools.combinations(READING, 2)])
def test_no_layer_imports_one_above_it(upper, lower):
    chain = GRAPH.find_shortest_chain(importer=lower, imported=upper, as_packages=True)
    assert chain is None, " -> ".join(chain)


def test_the_readers_are_no_circle():
    for a, b in itertools.combinations(["align.read.formats", "align.markup", "align.read.text", "align.read.sources",
                                        "align.segment"], 2):
        assert not (GRAPH.chain_exists(a, b, as_packages=True) and GRAPH.chain_exists(b, a, as_packages=True)), (a, b)


def test_the_number_reader_and_typography_stand_alone():
    """align.checks.numbers reads numbers from plain strings; align.typography needs only
    the data model: the checks, the pipeline and align pair share them."""
    assert align_imports("align.checks.numbers") == set()
    assert align_imports("align.typography") <= {"align.document"}


def test_the_output_folders_paths_stand_alone():
    """align.output.folder spells every path in OUT; everything asks it, it asks nothing."""
    assert align_imports("align.output.folder") == set()
    spelled = [path for path in PACKAGE.rglob("*.py")
               if path != PACKAGE / "output" / "folder.py" and re.search(r"""["'](?:\.align|manifest\.json|index\.html)["']""",
                                                                  path.read_text(encoding="utf-8"))]
    assert spelled == []


def test_the_tests_mirror_the_package():
    """tests/ has a folder per package it tests (tests/read/formats/ for align/read/formats/...)
    and few files of its own: helpers and the tests of the top-level modules."""
    tests = Path(__file__).resolve().parent
    folders = [path.relative_to(tests) for path in tests.rglob("test_*.py") if path.parent != tests]
    assert all((PACKAGE / folder.parent / "__init__.py").is_file() for folder in folders), \
        [str(folder) for folder in folders if not (PACKAGE / folder.parent / "__init__.py").is_file()]
    assert len([path for path in tests.glob("*.py")]) <= 12


# Parsers whose branches are their grammar: the segmenter's boundaries, the reader of
# numbers written in digits, CommonMark's HTML-block start, the glossary file's rows.
LONG_PARSERS = ["align/read/formats/markdown.py:_no_html_block_start", "align/checks/numbers.py:_digit_mentions",
                "align/segment.py:_boundaries", "align/segment.py:_dot_boundary", "align/terms/glossary.py:parse_tsv"]


def test_only_the_parsers_that_earn_it_branch_more_than_30_ways():
    """Cyclomatic complexity (radon, as `radon cc` counts it) over 30: at most five
    functions, each a parser; any other is split into named steps."""
    from radon.complexity import cc_visit
    from radon.visitors import Class

    over = set()
    for path in sorted(PACKAGE.rglob("*.py")):
        for block in cc_visit(path.read_text(encoding="utf-8")):
            for function in block.methods if isinstance(block, Class) else [block]:
                if function.complexity > 30:
                    over.add(f"{path.relative_to(PACKAGE.parent).as_posix()}:{function.fullname}")
    assert sorted(over) == sorted(LONG_PARSERS)
