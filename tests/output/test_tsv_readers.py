"""docs/translate.md shows how to read an aligned TSV with Python's `csv` and with
pandas: its two snippets, run exactly as printed on the TSV of a real run, read every
row as align's own reader does (quotes, backslashes and the JSON of `terms` intact)."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest

from align.output.writers.tsv import read_rows
from conftest import ROOT, SMALL_MODEL

DOC = ROOT / "docs" / "translate.md"
# Text that breaks a careless reader: quotes (csv's default quoting) and backslashes
# before t and n (escaped as \\ in the file: undone once, not read as a tab or a newline).
ARTICLE = ('Le "conseil d\'administration" de l\'IA range ses notes dans C:\\temp\\notes.\n\n'
           "Il a dit : « l'IAG arrive » et 50 % des gens l'ont cru.\n")


def snippets() -> list[str]:
    section = DOC.read_text(encoding="utf-8").split("### Reading the TSV in Python", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.*?)```", section, re.S)


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("reader")
    (folder / "article.txt").write_text(ARTICLE, encoding="utf-8")
    (folder / "glossary.tsv").write_text("source\ttarget\nIA\tAI\nconseil d'administration\tboard of directors\n",
                                         encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "align.cli", "translate", "article.txt", "--model",
                             str(SMALL_MODEL), "-q"], cwd=folder, capture_output=True, text=True, timeout=300,
                            env=dict(os.environ, HF_HUB_OFFLINE="1"))
    assert result.returncode == 0, result.stderr
    tsv = folder / "output_en" / "article.tsv"
    raw = tsv.read_text(encoding="utf-8")
    assert '"' in raw and "\\\\" in raw and '"status": "' in raw   # what the readers must get through
    return folder, list(read_rows(tsv))


def test_the_doc_shows_a_csv_reader_and_a_pandas_reader():
    csv_snippet, pandas_snippet = snippets()
    assert "csv.DictReader" in csv_snippet and "quoting=csv.QUOTE_NONE" in csv_snippet
    assert "pd.read_csv" in pandas_snippet and "quoting=csv.QUOTE_NONE" in pandas_snippet


def test_the_csv_snippet_reads_what_align_wrote(run_folder, monkeypatch):
    folder, expected = run_folder
    monkeypatch.chdir(folder)
    namespace: dict = {}
    exec(snippets()[0], namespace)
    assert namespace["rows"] == expected
    assert namespace["terms"] == [json.loads(row["terms"]) if row["terms"] else [] for row in expected]
    assert any(terms for terms in namespace["terms"])       # the glossary's terms, parsed
    assert 'C:\\temp\\notes' in namespace["rows"][0]["fr"]


def test_the_pandas_snippet_reads_what_align_wrote(run_folder, monkeypatch):
    folder, expected = run_folder
    monkeypatch.chdir(folder)
    namespace: dict = {}
    exec(snippets()[0], namespace)      # `unescape`, "as above"
    exec(snippets()[1], namespace)
    table = namespace["table"]
    assert list(table.columns) == list(expected[0])
    records = table.to_dict("records")
    assert [{**row, "terms": ""} for row in records] == [{**row, "terms": ""} for row in expected]
    assert [row["terms"] for row in records] == [json.loads(row["terms"]) if row["terms"] else [] for row in expected]
