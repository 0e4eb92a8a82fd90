"""The `align` command line: small click commands over the library, one module
per command family (translate, merge, segment, glossary, pair/score, tm, review, xliff).

Exit codes: 0 all went well, 1 some inputs failed (the others were processed),
2 usage errors (bad options, a model or glossary that cannot be loaded).
"""
from __future__ import annotations

import click

from .. import __version__


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="align")
def main() -> None:
    """French→English translation and alignment toolkit.

    \b
    Example, in align's clone (the small test model: no download, poor English):
      align translate sources_fr/ --model tests/models/small-fr-en   # → output_en/
      align review output_en/       # the review pages, editable, on 127.0.0.1

    `align COMMAND --help` gives a command's options. The documentation: README.md
    and docs/ in align's repository (docs/translate.md: every option of translate).
    """



def _register_commands() -> None:
    from .glossary import glossary
    from .merge import merge
    from .pair import pair, score
    from .review import review
    from .xliff import xliff
    from .segment import segment
    from .tm import tm
    from .translate import translate

    for command in (translate, merge, segment, glossary, pair, score, tm, review, xliff):
        main.add_command(command)


_register_commands()
