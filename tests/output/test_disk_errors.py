"""Disk full and unwritable outputs: one line naming the path, exit 2, earlier
outputs and the memory intact, no temporary file left behind."""
from __future__ import annotations

import errno
import os
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from align.cli import main
from align.errors import OutputError
from align.output.folder import OutputFolder
from tests.conftest import write_in_background
from align.output.memory import TranslationMemory, default_path
from align.pipeline.run import translate_paths
from align.output.files import atomic_write
from align.output.writers.tsv import read_rows

ARTICLES = {"a": "Le conseil a voté hier.\n", "b": "Les chercheurs publient.\n", "c": "Le chat dort.\n"}


def sources(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in ARTICLES.items():
        (folder / f"{name}.txt").write_text(text, encoding="utf-8")
    return folder


def translate(src: Path, out: Path, model: Path):
    result = CliRunner().invoke(main, ["translate", str(src), "-o", str(out), "--model", str(model),
                                       "--beams", "1", "--no-glossary", "-q"])
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    return result


def temporaries(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.name.endswith(".part")]


def disk_full_from(monkeypatch, first_failing: str) -> None:
    """From the first write of `first_failing` on, every file write fails with
    ENOSPC (at its write, as ext4 says it, or at its fsync), as on a disk that has
    just filled up."""
    real_fsync, real_fdopen, real_write = os.fsync, os.fdopen, os.write
    full = {"now": False}

    def failing(fd) -> bool:
        if first_failing in os.readlink(f"/proc/self/fd/{fd}"):
            full["now"] = True
        return full["now"]

    def fsync(fd):
        if failing(fd):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_fsync(fd)

    class FullStream:
        def __init__(self, stream):
            self._stream = stream

        def write(self, data):
            if failing(self._stream.fileno()):
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            return self._stream.write(data)

        def __getattr__(self, name):
            return getattr(self._stream, name)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self._stream.close()

    def fdopen(fd, *args, **kwargs):
        return FullStream(real_fdopen(fd, *args, **kwargs))

    def write(fd, data):  # atomic_write's whole files
        if failing(fd):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_write(fd, data)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "write", write)
    monkeypatch.setattr(os, "fdopen", fdopen)


def test_atomic_write_on_a_full_disk_names_the_file_and_leaves_no_temporary(tmp_path, monkeypatch):
    target = atomic_write(tmp_path / "x.tsv", "first version\n")
    disk_full_from(monkeypatch, "x.tsv")
    with pytest.raises(OutputError) as error:
        atomic_write(target, "second version\n")
    assert str(error.value) == f"{target}: cannot write (No space left on device)"
    assert isinstance(error.value, OSError) and error.value.errno == errno.ENOSPC
    assert target.read_text() == "first version\n"
    assert temporaries(tmp_path) == []


def test_a_disk_that_fills_mid_run_stops_it_with_one_line(tmp_path, tiny_model, monkeypatch):
    src, out = sources(tmp_path / "src"), tmp_path / "out"
    first = translate(src, out, tiny_model)  # a complete run: its manifest must survive
    assert first.exit_code == 0, first.output
    manifest_before = (out / "manifest.json").read_text(encoding="utf-8")
    (src / "a.txt").write_text("Le conseil a voté la loi hier.\n", encoding="utf-8")
    (src / "b.txt").write_text("Les chercheurs publient un modèle.\n", encoding="utf-8")
    disk_full_from(monkeypatch, "b.en.txt")
    result = translate(src, out, tiny_model)
    assert result.exit_code == 2
    assert [line for line in result.stderr.splitlines() if line.strip()] == [
        f"align: error: {out / 'b.en.txt'}: cannot write (No space left on device); "
        f"the run stopped; outputs written before this one are kept"]
    assert [r["fr"] for r in read_rows(out / "a.tsv")] == ["Le conseil a voté la loi hier."]  # written before
    assert [r["fr"] for r in read_rows(out / "b.tsv")] == ["Les chercheurs publient."]  # the old one, whole
    assert (out / "manifest.json").read_text(encoding="utf-8") == manifest_before
    assert temporaries(out) == []
    monkeypatch.undo()
    with TranslationMemory(default_path(out)) as memory:
        sources_kept = {source for source, _, _ in memory.entries()}
    assert "Le conseil a voté la loi hier." in sources_kept and "Le chat dort." in sources_kept
    db = sqlite3.connect(default_path(out))
    assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    db.close()


def test_a_full_memory_stops_the_run_and_keeps_what_it_held(tmp_path, tiny_engine):
    src, out = sources(tmp_path / "src"), tmp_path / "out"
    memory = TranslationMemory(default_path(out))
    translate_paths([src / "a.txt"], tiny_engine, out, memory=memory)
    held = list(memory.entries())
    pages = memory._db.execute("PRAGMA page_count").fetchone()[0]
    memory._db.execute(f"PRAGMA max_page_count = {pages}")  # SQLite's own "database or disk is full"
    (src / "a.txt").write_text(" ".join(f"Phrase numéro {n} du conseil." for n in range(400)) + "\n",
                               encoding="utf-8")
    with pytest.raises(OutputError) as error:
        translate_paths([src / "a.txt", src / "b.txt"], tiny_engine, out, memory=memory)
    assert str(error.value).startswith(f"{default_path(out)}: cannot write (database or disk is full)")
    assert list(memory.entries()) == held
    memory.close()
    assert not (out / "b.tsv").exists() and temporaries(out) == []


def test_an_unwritable_output_folder_is_one_line_and_exit_2_before_loading_the_model(tmp_path, monkeypatch):
    src, out = sources(tmp_path / "src"), tmp_path / "out"
    out.mkdir()
    (tmp_path / "no-model").mkdir()   # a folder, so the model is only looked into when loaded
    real_access = os.access
    # Tests run as root, for whom permission bits do not stop writing.
    monkeypatch.setattr(os, "access", lambda path, mode, **kw: False if Path(path) == out and mode & os.W_OK
                        else real_access(path, mode, **kw))
    result = CliRunner().invoke(main, ["translate", str(src), "-o", str(out), "--model", str(tmp_path / "no-model")])
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"align: error: {out}: cannot write to the output folder (permission denied); choose another -o DIR"]
    assert list(out.iterdir()) == []


def test_an_output_folder_that_cannot_be_created_is_one_line(tmp_path):
    (tmp_path / "file").write_text("x")
    (tmp_path / "no-model").mkdir()
    src = sources(tmp_path / "src")
    result = CliRunner().invoke(main, ["translate", str(src), "-o", str(tmp_path / "file" / "out"),
                                       "--model", str(tmp_path / "no-model")])
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"align: error: {tmp_path / 'file' / 'out'}: cannot create output folder (Not a directory)"]


@pytest.mark.parametrize("mode", ["at-once", "background"])
def test_a_sub_folder_that_cannot_be_created_mid_run_stops_it(tmp_path, tiny_model, monkeypatch, mode):
    """The same line whether the run writes its files itself or a child process writes
    them (align.output.files.BackgroundFiles; the child's failure reaches the run)."""
    if mode == "background":
        write_in_background(monkeypatch)
    src, out = tmp_path / "src", tmp_path / "out"
    (src / "2024").mkdir(parents=True)
    (src / "2024" / "x.txt").write_text("Le chat dort.\n", encoding="utf-8")
    (src / "a.txt").write_text("Le conseil a voté hier.\n", encoding="utf-8")
    out.mkdir()
    (out / "2024").write_text("a file where the sub-folder should go")
    result = translate(src, out, tiny_model)
    assert result.exit_code == 2
    assert [line for line in result.stderr.splitlines() if line.strip()] == [
        f"align: error: {out / '2024' / 'x.en.txt'}: cannot write (Not a directory); "
        f"the run stopped; outputs written before this one are kept"]
    assert temporaries(out) == [] and not (out / "manifest.json").exists()
    # The consistency store names no article whose files are not there.
    with sqlite3.connect(OutputFolder(out).consistency) as store:
        named = {row[0] for row in store.execute("SELECT DISTINCT article FROM occurrences")}
    assert all((out / f"{name}.tsv").is_file() for name in named)
    assert "2024/x" not in named


def test_temporaries_a_killed_run_left_in_sub_folders_are_removed_under_the_lock(tmp_path):
    from align.output.lock import OutputLock

    (tmp_path / "2024").mkdir()
    (tmp_path / "2024" / ".intro.tsv.k3j2.part").write_text("half a fi")
    (tmp_path / "2024" / "intro.tsv").write_text("whole\n")
    kept = tmp_path / ".align" / "sources" / "2024"  # the copies of the articles' sources
    kept.mkdir(parents=True)
    (kept / ".intro.md.x7.part").write_text("half")
    (kept / "intro.md").write_text("whole\n")
    with OutputLock(tmp_path) as lock:
        assert lock.remove_stale_temporaries() == 2
    assert temporaries(tmp_path) == [] and (tmp_path / "2024" / "intro.tsv").read_text() == "whole\n"
    assert (kept / "intro.md").read_text() == "whole\n" and (tmp_path / ".align" / "lock").exists()
