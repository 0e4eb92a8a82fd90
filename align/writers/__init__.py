"""Output formats, one class per file format (as translate-toolkit keeps them)."""
from .base import Writer, atomic_write
from .tsv import TsvWriter
from .txt import TxtWriter

__all__ = ["Writer", "atomic_write", "TsvWriter", "TxtWriter"]


def default_writers() -> list[Writer]:
    """The outputs of `align translate`: English text and aligned TSV (and the
    HTML review page when its writer is available)."""
    writers: list[Writer] = [TxtWriter(), TsvWriter()]
    try:
        from .html import HtmlWriter
    except ImportError:
        return writers
    return writers + [HtmlWriter()]
