"""What every `align` command shares: one-line errors, never a traceback."""
from __future__ import annotations

import functools
import sys

import click

from ..errors import AlignError


def error_line(message: str) -> None:
    click.echo(f"align: error: {message}", err=True)


def warning_line(message: str) -> None:
    click.echo(f"align: warning: {message}", err=True)


def one_line_errors(command):
    """User mistakes end as one line on stderr and exit 2."""
    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except AlignError as exc:
            error_line(str(exc))
            sys.exit(2)
        except KeyboardInterrupt:
            error_line("interrupted; finished files are kept, unfinished ones were not written")
            sys.exit(130)
    return wrapper
