"""Errors that reach the user as one line, never as a traceback."""


class AlignError(Exception):
    """Base class: the message is a complete, one-line explanation."""


class InputError(AlignError):
    """A bad input file: the message names the file (and line where there is one)."""


class ModelLoadError(AlignError):
    """The translation model could not be loaded; the message says how to fix it."""


class UsageError(AlignError):
    """Options that cannot work together."""


class OutputError(AlignError, OSError):
    """An output that cannot be written (a folder without write permission, a
    full disk): the message names the path. Also an OSError, so code that
    handles OSError keeps working."""

    def __init__(self, path, reason: str, errno: int | None = None, note: str = "") -> None:
        OSError.__init__(self, errno, reason, str(path))
        self.note = note

    def __str__(self) -> str:
        return f"{self.filename}: cannot write ({self.strerror})" + (f"; {self.note}" if self.note else "")
