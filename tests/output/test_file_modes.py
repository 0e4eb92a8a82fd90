"""Every file and folder `align` writes honours the umask (0644/0755 under 022,
0600/0700 under 077), like any other program's files."""
from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from align.cli import main
from align.output.files import atomic_write


@pytest.fixture
def umask():
    previous = os.umask(0o022)
    yield lambda mask: os.umask(mask)
    os.umask(previous)


def modes(root: Path) -> dict[str, int]:
    found = {}
    for folder, folders, files in os.walk(root):
        for name in folders + files:
            path = Path(folder) / name
            found[str(path.relative_to(root))] = stat.S_IMODE(path.lstat().st_mode)
    return found


@pytest.mark.parametrize("mask, file_mode, folder_mode", [(0o022, 0o644, 0o755), (0o077, 0o600, 0o700)])
def test_atomic_write_gives_the_umask_mode_to_files_and_new_folders(tmp_path, umask, mask, file_mode, folder_mode):
    umask(mask)
    written = atomic_write(tmp_path / "new" / "deeper" / "page.html", "<p>x</p>\n")
    assert stat.S_IMODE(written.stat().st_mode) == file_mode
    assert stat.S_IMODE((tmp_path / "new").stat().st_mode) == folder_mode
    assert stat.S_IMODE((tmp_path / "new" / "deeper").stat().st_mode) == folder_mode


@pytest.mark.parametrize("mask, file_mode, folder_mode", [(0o022, 0o644, 0o755), (0o077, 0o600, 0o700)])
def test_every_output_of_a_run_follows_the_umask(tmp_path, tiny_model, umask, mask, file_mode, folder_mode):
    src, out = tmp_path / "src", tmp_path / "out"
    (src / "2024").mkdir(parents=True)
    (src / "2024" / "intro.txt").write_text("Le conseil a voté hier.\n", encoding="utf-8")
    (src / "top.txt").write_text("Les chercheurs publient.\n", encoding="utf-8")
    umask(mask)
    result = CliRunner().invoke(main, ["translate", str(src), "-o", str(out), "--model", str(tiny_model),
                                       "--beams", "1", "--no-glossary", "-q"])
    assert result.exit_code == 0, result.output
    found = modes(out)
    for name in ("2024/intro.tsv", "2024/intro.html", "2024/intro.en.txt", "top.tsv", "index.html",
                 "manifest.json", ".align/memory.sqlite"):
        assert name in found
    assert stat.S_IMODE(out.stat().st_mode) == folder_mode
    wrong = {name: oct(mode) for name, mode in found.items()
             if mode != (folder_mode if (out / name).is_dir() else file_mode)}
    assert wrong == {}
