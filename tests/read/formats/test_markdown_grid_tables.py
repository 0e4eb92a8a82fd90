"""Pandoc's and zmarkdown's grid tables (`+---+` borders, `|` cells): CommonMark reads
one as a paragraph, so its words would be translated across the cells and the grid
broken. It is kept as it is, with a warning that names the file and line; the text
around it is translated as usual."""
from __future__ import annotations

from align.pipeline.run import translate_paths
from copy_engines import ReverseEngine

# tests/data/real/markdown/zds--cas-detude-numero-2-publier-un-article.md, lines 139-145 (CC BY-SA 4.0)
GRID = """\
+-----------------------------------+----------------------------------+---------------------------------+
| Nom de l'attribut                 | Effet                            | Exemple                         |
+===================================+==================================+=================================+
| System.ComponentModel             | Force la propriété à être        | `[Required                      |
| .DataAnnotations.RequiredAttribute| toujours présente                | (AllowEmptyStrings=false)]`     |
+-----------------------------------+----------------------------------+---------------------------------+
Table: Les attributs communs
"""


def reversed_markdown(text: str, folder) -> tuple[str, list[str]]:
    (folder / "src").mkdir()
    (folder / "src" / "a.md").write_text(text, encoding="utf-8")
    warnings: list[str] = []
    translate_paths([folder / "src"], ReverseEngine(), folder / "out", glossary=None, typography="keep", numbers="flag",
                    on_warning=warnings.append)
    return (folder / "out" / "a.en.md").read_text(encoding="utf-8"), warnings


def test_a_grid_table_is_kept_whole_and_said(tmp_path):
    text = "Voici les attributs :\n\n" + GRID + "\nIl en existe d'autres.\n"
    out, warnings = reversed_markdown(text, tmp_path)
    assert out == ": attributs les Voici\n\n" + GRID + "\nd'autres. existe en Il\n"
    assert [w.split(": ", 1)[1] for w in warnings] == ["grid table kept untranslated"]
    assert warnings[0].split(": ")[0].endswith("a.md:3")


def test_lines_of_pluses_and_bars_that_are_no_grid_are_translated(tmp_path):
    text = "+---+ est une bordure\n| et ceci une barre\n"
    out, warnings = reversed_markdown(text, tmp_path)
    assert warnings == []
    assert out == "barre une ceci et | bordure une est +---+\n"
