"""An article read back from the output folder: its sentences as its TSV records
them, its format as its kept source's. A review, a later run's consistency pass
and XLIFF import all start from it."""
from __future__ import annotations

from pathlib import Path

from ..document import Document
from .folder import OutputFolder
from .writers.tsv import read_tsv


def load_article(out_dir: str | Path, name: str) -> Document:
    """Article `name` of output folder `out_dir` as its TSV records it; its format is
    its kept source's (plain text when none is kept). The name is not checked
    (`ReviewFolder.load` checks it against the folder's articles)."""
    from ..read.formats import format_for
    from .writers.formats import find_kept_source

    documents = read_tsv(OutputFolder(out_dir).tsv(name))
    document = documents[0] if documents else Document(name=name)
    document.name = name
    kept = find_kept_source(out_dir, name)
    if kept is not None:
        document.format = format_for(kept).name
    return document
