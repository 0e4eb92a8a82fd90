"""Errors that reach the user as one line, never as a traceback."""


class AlignError(Exception):
    """Base class: the message is a complete, one-line explanation."""


class InputError(AlignError):
    """A bad input file: the message names the file (and line where there is one)."""


class ModelLoadError(AlignError):
    """The translation model could not be loaded; the message says how to fix it."""


class UsageError(AlignError):
    """Options that cannot work together."""
