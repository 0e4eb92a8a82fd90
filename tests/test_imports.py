"""The package's import graph (grimp, import-linter's graph library, counting
imports inside functions too): markup transfer needs only the data model, and the
readers' layers have no circle."""
import itertools
import re
from pathlib import Path

import grimp
import pytest

GRAPH = grimp.build_graph("align")
# The layers of reading and markup: text decoding below the formats, the formats
# below the input trees, markup transfer below the formats.
LAYERS = ["align.text", "align.document", "align.protect", "align.markup", "align.segment", "align.formats",
          "align.sources"]


def align_imports(module: str) -> set[str]:
    return {m for m in GRAPH.find_modules_directly_imported_by(module) if m.startswith("align")}


def test_markup_imports_only_the_data_model():
    for module in GRAPH.find_descendants("align.markup"):
        outside = {m for m in align_imports(module) if not m.startswith("align.markup")}
        assert outside <= {"align.document"}, module


def test_text_decoding_imports_nothing_above_it():
    assert align_imports("align.text") <= {"align.errors"}


@pytest.mark.parametrize("upper, lower", [(b, a) for a, b in itertools.combinations(LAYERS, 2)])
def test_no_layer_imports_one_above_it(upper, lower):
    chain = GRAPH.find_shortest_chain(importer=lower, imported=upper, as_packages=True)
    assert chain is None, " -> ".join(chain)


def test_the_readers_are_no_circle():
    for a, b in itertools.combinations(["align.formats", "align.markup", "align.text", "align.sources",
                                        "align.segment"], 2):
        assert not (GRAPH.chain_exists(a, b, as_packages=True) and GRAPH.chain_exists(b, a, as_packages=True)), (a, b)


def test_the_number_reader_and_typography_stand_alone():
    """align.numbers reads numbers from plain strings; align.typography needs only
    the data model: the checks, the pipeline and align pair share them."""
    assert align_imports("align.numbers") == set()
    assert align_imports("align.typography") <= {"align.document"}


def test_the_output_folders_paths_stand_alone():
    """align.output_folder spells every path in OUT; everything asks it, it asks nothing."""
    assert align_imports("align.output_folder") == set()
    spelled = [path for path in (Path(__file__).resolve().parent.parent / "align").rglob("*.py")
               if path.name != "output_folder.py" and re.search(r"""["'](?:\.align|manifest\.json|index\.html)["']""",
                                                                  path.read_text(encoding="utf-8"))]
    assert spelled == []
