"""The `align` command line: small click commands over the library, one module
per command family (translate, merge, segment, glossary, pair/score, tm, review, xliff).

Exit codes: 0 all went well, 1 some inputs failed (the others were processed),
2 usage errors (bad options, a model or glossary that cannot be loaded).
"""
from __future__ import annotations

from importlib import import_module

import click

from .. import __version__


# Each command's module and function: a command's module is imported when it is asked
# for (click's lazy group pattern), so `align translate` does not import the review
# server, the XLIFF or TMX code, or the glossary tools; `align --help` imports them all.
COMMANDS = {
    "glossary": ("glossary", "glossary"),
    "merge": ("merge", "merge"),
    "pair": ("pair", "pair"),
    "review": ("review", "review"),
    "score": ("pair", "score"),
    "segment": ("segment", "segment"),
    "tm": ("tm", "tm"),
    "translate": ("translate", "translate"),
    "xliff": ("xliff", "xliff"),
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in COMMANDS:
            return None
        module, function = COMMANDS[name]
        return getattr(import_module(f"{__name__}.{module}"), function)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
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
