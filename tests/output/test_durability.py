"""Outputs on disk: a reviewer's save is fsynced file by file; a run's article outputs
are made durable together by one sync of the folder, before its manifest."""
from __future__ import annotations

import os

from align.output import files
from align.output.files import atomic_write, sync_folder
from align.pipeline.run import translate_paths


def count_fsyncs(monkeypatch) -> list[str]:
    synced: list[str] = []
    real = os.fsync

    def fsync(fd):
        synced.append(os.readlink(f"/proc/self/fd/{fd}"))
        return real(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    return synced


def test_atomic_write_fsyncs_unless_told_not_to(tmp_path, monkeypatch):
    synced = count_fsyncs(monkeypatch)
    atomic_write(tmp_path / "saved.tsv", "a reviewer's correction\n")
    assert len(synced) == 1 and ".saved.tsv." in synced[0]
    atomic_write(tmp_path / "page.html", "<p>", durable=False)
    assert len(synced) == 1
    assert (tmp_path / "page.html").read_text() == "<p>"


def test_a_run_syncs_its_folder_once_before_the_manifest_whatever_its_size(tmp_path, tiny_engine, monkeypatch):
    events: list[str] = []
    synced = count_fsyncs(monkeypatch)
    real_sync = files.sync_folder

    def sync(folder):
        events.append("sync" if not (tmp_path / f"out{len(events)}" / "manifest.json").exists() else "late")
        real_sync(folder)

    monkeypatch.setattr("align.pipeline.end.sync_folder", sync)
    fsyncs = []
    for run, articles in enumerate((2, 12)):
        source = tmp_path / f"src{run}"
        source.mkdir()
        for i in range(articles):
            (source / f"a{i}.txt").write_text(f"Le conseil a voté la loi numéro {i}.\n", encoding="utf-8")
        before = len(synced)
        translate_paths([source], tiny_engine, tmp_path / f"out{run}")
        fsyncs.append(len(synced) - before)
        assert (tmp_path / f"out{run}" / "a1.tsv").is_file()
    assert events == ["sync", "sync"]  # once a run, before its manifest was written
    assert fsyncs[0] == fsyncs[1]  # the files fsynced one by one do not grow with the articles
    assert fsyncs[1] < 12


def test_sync_folder_names_a_folder_it_cannot_open(tmp_path):
    import pytest

    from align.errors import OutputError

    sync_folder(tmp_path)  # a folder it can sync: no error
    with pytest.raises(OutputError, match="gone"):
        sync_folder(tmp_path / "gone")
