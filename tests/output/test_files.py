"""BackgroundFiles: a long run's files put into place by a child process. Every file
placed is byte for byte what atomic_write writes; the first that cannot be placed
stops the placing and is reported, naming it; the child places nothing for a run
whose process is gone. And a run gives the same folder either way."""
from __future__ import annotations

import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import align.pipeline.run as run_module
from align.errors import OutputError
from align.output.folder import OutputFolder
from align.output.files import BackgroundFiles, atomic_write
from align.pipeline.run import translate_paths
from tests.conftest import write_in_background
from tests.copy_engines import CopyEngine


RUN_TIME = re.compile(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:[+-]\d\d:\d\d|Z)?")


def temporaries(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.name.endswith(".part")]


def test_placed_files_are_those_atomic_write_writes(tmp_path):
    contents = {"a.txt": "Le conseil a voté.\n", "deep/er/b.tsv": "id\ten\n" * 5000, "c.html": b"\x00\xff<p>",
                "d.txt": "é" * 70000}   # (past one message: the queue is sent in several)
    expected, placed = tmp_path / "expected", tmp_path / "placed"
    with BackgroundFiles(placed) as files:
        for name, data in contents.items():
            atomic_write(expected / name, data, durable=False)
            assert files.place(placed / name, data, durable=False) == placed / name
        files.place(placed / "a.txt", "placed twice: the last one stays\n", durable=False)
        atomic_write(expected / "a.txt", "placed twice: the last one stays\n", durable=False)
        files.settle()
        assert {p.relative_to(placed): p.read_bytes() for p in placed.rglob("*") if p.is_file()} == \
            {p.relative_to(expected): p.read_bytes() for p in expected.rglob("*") if p.is_file()}
        assert (placed / "deep" / "er").stat().st_mode == (expected / "deep" / "er").stat().st_mode
        assert (placed / "c.html").stat().st_mode == (expected / "c.html").stat().st_mode
        files.place(placed / "e.txt", "after a settle\n")
        files.close()
    assert (placed / "e.txt").read_text() == "after a settle\n"
    assert files._process.returncode == 0   # ended by its closed input, not killed
    assert temporaries(tmp_path) == []


def test_the_first_file_that_cannot_be_placed_is_reported_and_nothing_after_it_is_placed(tmp_path):
    (tmp_path / "blocked").write_text("a file where a folder should go")
    files = BackgroundFiles(tmp_path)
    files.place(tmp_path / "before.txt", "placed\n")
    files.place(tmp_path / "blocked" / "x.txt", "cannot be placed\n")
    files.place(tmp_path / "after.txt", "never placed\n")
    with pytest.raises(OutputError) as raised:
        files.settle()
    assert str(raised.value) == f"{tmp_path / 'blocked' / 'x.txt'}: cannot write (Not a directory)"
    with pytest.raises(OutputError):   # and again: a run that settles twice stops both times
        files.close()
    assert (tmp_path / "before.txt").read_text() == "placed\n"
    assert not (tmp_path / "after.txt").exists() and temporaries(tmp_path) == []
    assert files._process.poll() is not None


def test_a_child_that_died_is_one_line_naming_the_folder(tmp_path):
    files = BackgroundFiles(tmp_path)
    files._process.kill()
    files._process.wait()
    files.place(tmp_path / "a.txt", "x")
    with pytest.raises(OutputError) as raised:
        files.settle()
    assert str(raised.value).startswith(f"{tmp_path}: cannot write (the process placing the run's files ended")
    files.stop()


def test_the_child_places_nothing_once_the_run_is_gone(tmp_path):
    """The run's process dies while a file waits in the pipe: the child, held still
    until then, must not write it (a next run may already hold the folder)."""
    script = textwrap.dedent(f"""
        import os, signal, sys
        sys.path.insert(0, {str(Path(__file__).resolve().parents[2])!r})
        from pathlib import Path
        from align.output.files import BackgroundFiles
        files = BackgroundFiles(Path({str(tmp_path)!r}))
        files.place(Path({str(tmp_path / 'first.txt')!r}), "placed while the run lived")
        files.settle()
        os.kill(files._process.pid, signal.SIGSTOP)
        files.place(Path({str(tmp_path / 'late.txt')!r}), "sent, then the run died")
        files._send_queue()
        print(files._process.pid, flush=True)
        os._exit(0)
    """)
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    child = int(run.stdout.strip())
    os.kill(child, signal.SIGCONT)
    deadline = time.monotonic() + 60   # (only a stalled machine takes more than a moment)
    while _alive(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(child), "the child outlived its run"
    assert (tmp_path / "first.txt").read_text() == "placed while the run lived"
    assert not (tmp_path / "late.txt").exists() and temporaries(tmp_path) == []


def _alive(pid: int) -> bool:
    """Still running (a zombie, reaped by nobody here until init does, counts as gone)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def folder_files(out: Path) -> dict[str, bytes]:
    """Every file of an output folder but the run's own records: the articles'
    outputs and their kept sources, the run's time in them blanked."""
    found = {}
    for path in sorted(out.rglob("*")):
        relative = path.relative_to(out)
        kept = relative.parts[:2] == (".align", "sources")
        if path.is_file() and (kept or relative.parts[0] != ".align") \
                and relative.name not in ("manifest.json", "index.html"):
            found[relative.as_posix()] = RUN_TIME.sub(b"(the run's time)", path.read_bytes())
    return found


def test_a_run_writes_the_same_folder_with_its_files_placed_in_the_background(tmp_path, monkeypatch):
    src = tmp_path / "src"
    (src / "2024").mkdir(parents=True)
    for i in range(6):
        (src / f"a{i}.txt").write_text(f"Jean-Marc Ayrault a parlé hier soir à Nantes, numéro {i}.\n"
                                       "Le conseil a voté la loi.\n", encoding="utf-8")
    (src / "2024" / "b.md").write_text("# Titre\n\nJean-Marc Ayrault est *arrivé* ce matin.\n", encoding="utf-8")
    # A Word file's document holds XML elements, which cannot be sent to the child: the
    # run writes it itself, between the child's articles.
    docx = sorted((Path(__file__).parents[1] / "data" / "real" / "docx").glob("*.docx"))[0]
    shutil.copy(docx, src / "w.docx")
    outputs = {}
    for mode in ("at once", "background"):
        started: list[BackgroundFiles] = []
        if mode == "background":
            write_in_background(monkeypatch, started)
        report = translate_paths([src], CopyEngine(), tmp_path / mode)
        assert report.articles == 8 and not report.failed
        assert len(started) == (mode == "background") and all(files is not None for files in started)
        assert all(files._process.returncode == 0 for files in started)   # closed, not killed
        outputs[mode] = folder_files(tmp_path / mode)
    assert outputs["background"] == outputs["at once"]
    assert {"2024/b.en.md", "a5.html", "w.en.docx", "w.html"} <= set(outputs["background"])
    with sqlite3.connect(OutputFolder(tmp_path / "background").consistency) as store:
        named = {row[0] for row in store.execute("SELECT DISTINCT article FROM occurrences")}
    assert {"a0", "w", "a5", "2024/b"} <= named


def test_the_child_imports_this_align_whatever_the_current_folder_holds(tmp_path, monkeypatch):
    """A user's folder with an `align/` of its own, or a `pickle.py` (the child imports
    pickle once it runs): the child still runs this copy of align with the standard
    library."""
    (tmp_path / "align").mkdir()
    (tmp_path / "align" / "__init__.py").write_text("raise ImportError('the folder is not align')\n")
    (tmp_path / "pickle.py").write_text("raise ImportError('the folder is not the standard library')\n")
    monkeypatch.chdir(tmp_path)
    with BackgroundFiles(tmp_path / "out") as files:
        files.place(tmp_path / "out" / "a.txt", "placed\n")
        files.close()
    assert (tmp_path / "out" / "a.txt").read_text() == "placed\n"


def test_an_article_the_child_cannot_write_is_reported_and_the_others_go_on(tmp_path, monkeypatch):
    """The child writes every article (the run renders none itself): one that a writer
    fails on, by a bug or an OSError, leaves no file and no row in the consistency
    store, is reported on its own line, and is not in the manifest; the others are."""
    from align.output.manifest import Manifest
    from align.output.writers import default_writers
    from failing_writer import FailingWriter

    src, out = tmp_path / "src", tmp_path / "out"
    src.mkdir()
    names = ["a0", "bad1", "a2", "unreadable3", "a4"]
    for name in names:
        (src / f"{name}.txt").write_text(f"Jean-Marc Ayrault a parlé hier soir à Nantes ({name}).\n", encoding="utf-8")
    started: list[BackgroundFiles] = []
    write_in_background(monkeypatch, started)
    monkeypatch.setattr(run_module, "_written_in_child", lambda writer: True)
    monkeypatch.setattr(run_module, "CHILD_BACKLOG", 10 ** 9)
    report = translate_paths([src], CopyEngine(), out, writers=default_writers() + [FailingWriter()])
    assert len(started) == 1 and started[0]._process.returncode == 0
    assert sorted(report.failed) == [
        (str(src / "bad1.txt"), f"{src / 'bad1.txt'}: internal error, article skipped "
                                f"(RuntimeError: cannot render bad1); please report it"),
        (str(src / "unreadable3.txt"), f"{src / 'unreadable3.txt'}: cannot write output to {out} "
                                       f"(Permission denied)")]
    assert report.articles == 3
    written = {path.name for path in out.iterdir() if path.is_file()}
    assert written == {f"a{i}{suffix}" for i in (0, 2, 4) for suffix in (".en.txt", ".tsv", ".html", ".check.txt")} \
        | {"index.html", "manifest.json"}
    assert [entry["name"] for entry in Manifest.read(out / "manifest.json")[1]] == ["a0", "a2", "a4"]
    with sqlite3.connect(OutputFolder(out).consistency) as store:
        assert {row[0] for row in store.execute("SELECT DISTINCT article FROM occurrences")} == {"a0", "a2", "a4"}
