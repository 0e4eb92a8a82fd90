"""Output formats, one class per file format (as translate-toolkit keeps them)."""
from .base import Writer
from .formats import SameFormatWriter
from .tsv import TsvWriter
from .txt import TxtWriter

__all__ = ["Writer", "SameFormatWriter", "TsvWriter", "TxtWriter"]


def default_writers() -> list[Writer]:
    """The outputs of `align translate`: English text, aligned TSV, the article in
    its own format when it is not plain text (and the HTML review page when its
    writer is available)."""
    writers: list[Writer] = [TxtWriter(), TsvWriter(), SameFormatWriter()]
    try:
        from .html import HtmlWriter
    except ImportError:
        return writers
    return writers + [HtmlWriter()]
