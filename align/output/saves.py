"""Review saves that cannot tear, whatever instant their process dies at.

A review save (align.review.folder) changes several files of the output folder
(the article's TSV, English text, page, own-format English, the index) and two
stores (the translation memory's corrections, the consistency store). No
file system renames several files at once, so a save is made undoable instead:

1. begin: the memory records the save as pending, with the bytes every file it
   will rewrite holds now, and commits (`TranslationMemory.begin_save`);
2. the files are replaced, one by one, each atomically; the consistency store
   commits the article as saved;
3. end: one memory transaction stores the save's corrections and deletes the
   pending record (`TranslationMemory.end_save`). This commit is the save's
   commit point.

A process that dies before 3 commits leaves its pending record;
`roll_back_unfinished_saves`, run under the folder's lock before anything reads
or writes it (`align review` on start and before each save, `align translate` on
start), puts every file back as the record has it and records the article in the
consistency store as its restored TSV says. The memory never had the save's
corrections, so files and memory agree again: a save killed before its commit
point is not there at all, one killed after it is there entirely. A save that
fails in its own process (a full disk) is undone the same way at once.
"""
from __future__ import annotations

import logging
from pathlib import Path, PurePosixPath

from ..errors import InputError
from .folder import OutputFolder
from .memory import PendingSave, TranslationMemory

log = logging.getLogger("align.output")


def roll_back_unfinished_saves(out_dir: str | Path) -> list[str]:
    """Undo every save the output folder's memory lists as pending (see the module's
    docstring); returns the articles whose save was undone. The caller holds the
    folder's lock. A folder without a memory has no saves to undo."""
    path = OutputFolder(out_dir).memory
    if not path.is_file():
        return []
    with TranslationMemory(path) as memory:
        pending = memory.pending_saves()
        for save in pending:
            undo_save(out_dir, memory, save)
    return [save.article for save in pending]


def cut_short(out_dir: str | Path, article: str) -> str:
    """The warning for a save of `article` undone by `roll_back_unfinished_saves`."""
    return (f"{out_dir}: a review save of {article} was cut short (its process stopped); "
            f"its files were put back as they were before it")


def undo_save(out_dir: str | Path, memory: TranslationMemory, save: PendingSave, consistency=None) -> None:
    """Put the files of `save` back as they were before it, record its article in the
    consistency store (`consistency`, else the folder's own, if any) as its restored
    TSV says, then forget the save. The memory's open transaction is rolled back
    first: the save's corrections, if stored, were not committed. Done again from
    the start if interrupted: each step leaves what the next run needs."""
    from ..checks.consistency import open_existing

    memory.rollback()
    out_dir = Path(out_dir)
    for relative, previous in save.files:
        put_back(out_dir, relative, previous)
    if save.flagged is not None:
        store = consistency if consistency is not None else open_existing(OutputFolder(out_dir).consistency)
        if store is not None:
            try:
                record_as_saved(out_dir, store, save)
            finally:
                if store is not consistency:
                    store.close()
    memory.end_save(save.id)


def put_back(out_dir: Path, relative: str, previous: bytes | None) -> None:
    """One file of a save as it was before it (`previous`; None: it did not exist).
    A file that already holds those bytes is left alone."""
    from .files import atomic_write

    parts = PurePosixPath(relative).parts
    if not parts or PurePosixPath(relative).is_absolute() or ".." in parts:
        # Only a save of this folder writes these rows: anything else is not ours to touch.
        log.error("%s: a pending save names %r, not a file of the folder; left alone", out_dir, relative)
        return
    path = out_dir.joinpath(*parts)
    if previous is None:
        path.unlink(missing_ok=True)
    elif not path.is_file() or path.read_bytes() != previous:
        atomic_write(path, previous)


def record_as_saved(out_dir: Path, consistency, save: PendingSave) -> None:
    """The consistency store's rows of the save's article as its (restored) TSV has
    them, and its flags as the files carry them; committed."""
    from .articles import load_article

    consistency.rollback()
    try:
        document = load_article(out_dir, save.article)
    except (OSError, InputError):  # its TSV is gone: the article with it
        consistency.forget(save.article)
        return
    consistency.record(document, commit=False)
    consistency.set_flagged(save.article, save.flagged or {}, commit=False)
    consistency.commit()
