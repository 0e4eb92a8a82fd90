"""Input trees: folders read recursively, outputs mirroring relative paths, inputs
that would share an output name kept apart (or refused before any work), stdin,
--include/--exclude, link loops and unreadable sub-folders. Same rules for
`align pair` folders. CLI runs use the tiny random model (structure only)."""
from __future__ import annotations

import json
import os
import re
from pathlib import Path, PurePosixPath

import pytest
from click.testing import CliRunner

from align.cli import main
from align.errors import UsageError
from align.read.sources import ARTICLE_SUFFIXES, collect_articles, path_matches, walk_articles
from align.output.writers.tsv import read_rows

KINDS = "(" + ", ".join(ARTICLE_SUFFIXES) + ")"  # as "folder has no articles" lists them

FIRST = "Le conseil a voté la réforme hier soir.\n"
SECOND = "Les chercheurs publient un nouveau modèle.\n"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def translate(*args: str, model: Path, input: str | None = None):
    result = CliRunner().invoke(main, ["translate", *args, "--model", str(model), "--beams", "1",
                                       "--no-glossary", "-q"], input=input)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    return result


def errors_of(result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("align: error: ")]


def french_of(tsv: Path) -> list[str]:
    return [row["fr"] for row in read_rows(tsv)]


# ------------------------------------------------------------------ library
def test_a_folder_is_read_recursively_and_named_by_relative_path(tmp_path):
    write(tmp_path / "src" / "top.txt", FIRST)
    write(tmp_path / "src" / "2024" / "intro.txt", FIRST)
    write(tmp_path / "src" / "2025" / "deep" / "intro.TXT", SECOND)
    write(tmp_path / "src" / "2024" / "README.txt", "not an article")
    write(tmp_path / "src" / "2024" / "notes.odt", "not an article format")
    write(tmp_path / "src" / ".git" / "x.txt", "hidden folders are not entered")
    inputs = collect_articles([tmp_path / "src"])
    assert inputs.errors == []
    assert [a.name for a in inputs.articles] == ["2024/intro", "2025/deep/intro", "top"]
    assert [a.path for a in inputs.articles] == [tmp_path / "src" / "2024" / "intro.txt",
                                                  tmp_path / "src" / "2025" / "deep" / "intro.TXT",
                                                  tmp_path / "src" / "top.txt"]


def test_same_file_names_in_two_input_folders_are_kept_apart(tmp_path):
    write(tmp_path / "a" / "x.txt", FIRST)
    write(tmp_path / "b" / "x.txt", SECOND)
    inputs = collect_articles([tmp_path / "a", tmp_path / "b"])
    assert [a.name for a in inputs.articles] == ["a/x", "b/x"]
    # files given one by one: named relative to the folder they share
    inputs = collect_articles([tmp_path / "a" / "x.txt", tmp_path / "b" / "x.txt"])
    assert [a.name for a in inputs.articles] == ["a/x", "b/x"]
    # one folder, or files of one folder: plain names, as before
    assert [a.name for a in collect_articles([tmp_path / "a" / "x.txt"]).articles] == ["x"]


def test_names_that_still_collide_stop_before_any_work_naming_both(tmp_path):
    first = write(tmp_path / "src" / "Intro.txt", FIRST)
    second = write(tmp_path / "src" / "intro.txt", SECOND)
    with pytest.raises(UsageError) as error:
        collect_articles([tmp_path / "src"])
    assert str(error.value) == (f"{first} and {second} would both be written as intro.* in the output folder; "
                                f"rename one, or translate them in separate runs")
    index = write(tmp_path / "other" / "index.txt", FIRST)
    with pytest.raises(UsageError, match=re.escape(f"{index}: its outputs would overwrite the run's own index.html")):
        collect_articles([index])


def test_include_and_exclude_globs(tmp_path):
    for name in ("2024/intro.txt", "2024/drafts/old.txt", "2025/intro.txt", "2025/end.txt"):
        write(tmp_path / name, FIRST)

    def names(**filters):
        return [a.name for a in collect_articles([tmp_path], **filters).articles]

    assert names(include=("2024",)) == ["2024/drafts/old", "2024/intro"]
    assert names(exclude=("drafts",)) == ["2024/intro", "2025/end", "2025/intro"]
    assert names(include=("intro*",)) == ["2024/intro", "2025/intro"]
    assert names(include=("2025/*",), exclude=("end.txt",)) == ["2025/intro"]
    assert path_matches(PurePosixPath("2024/drafts/old.txt"), "2024/drafts")
    assert not path_matches(PurePosixPath("2024/intro.txt"), "2024/drafts")
    inputs = collect_articles([tmp_path], include=("nothing*",))
    assert inputs.articles == [] and inputs.errors == [f"{tmp_path}: folder has no articles {KINDS} "
                                                       f"(after --include/--exclude)"]


def test_a_symbolic_link_loop_is_one_line_and_the_rest_is_read(tmp_path):
    write(tmp_path / "src" / "sub" / "a.txt", FIRST)
    os.symlink(tmp_path / "src", tmp_path / "src" / "sub" / "loop")
    os.symlink(tmp_path / "src" / "sub", tmp_path / "src" / "again")  # not a loop: read (then once only)
    found, errors = walk_articles(tmp_path / "src")
    assert errors == [f"{tmp_path / 'src' / 'again' / 'loop'}: symbolic link loop (it leads back to a folder above it), skipped",
                      f"{tmp_path / 'src' / 'sub' / 'loop'}: symbolic link loop (it leads back to a folder above it), skipped"]
    assert found == [tmp_path / "src" / "again" / "a.txt", tmp_path / "src" / "sub" / "a.txt"]
    assert [a.name for a in collect_articles([tmp_path / "src"]).articles] == ["again/a"]  # one file, read once


def test_an_unreadable_sub_folder_is_one_line_and_the_rest_is_read(tmp_path, monkeypatch):
    write(tmp_path / "ok" / "a.txt", FIRST)
    write(tmp_path / "secret" / "b.txt", FIRST)
    real_scandir = os.scandir

    def scandir(path):  # tests run as root, where chmod 000 does not stop reading
        if Path(path).name == "secret":
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    found, errors = walk_articles(tmp_path)
    assert found == [tmp_path / "ok" / "a.txt"]
    assert errors == [f"{tmp_path / 'secret'}: cannot read folder (Permission denied), skipped"]


# ---------------------------------------------------------------------- CLI
def test_translate_mirrors_a_tree_and_groups_the_index_by_folder(tmp_path, tiny_model):
    src, out = tmp_path / "src", tmp_path / "out"
    write(src / "2024" / "intro.txt", FIRST)
    write(src / "2025" / "intro.txt", SECOND)
    write(src / "top.txt", FIRST)
    result = translate(str(src), "-o", str(out), model=tiny_model)
    assert result.exit_code == 0, result.output
    for name in ("2024/intro", "2025/intro", "top"):
        for suffix in (".tsv", ".html", ".en.txt"):
            assert (out / f"{name}{suffix}").is_file(), name + suffix
    assert french_of(out / "2024" / "intro.tsv") == [FIRST.strip()]
    assert french_of(out / "2025" / "intro.tsv") == [SECOND.strip()]
    assert {row["article"] for row in read_rows(out / "2025" / "intro.tsv")} == {"2025/intro"}
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert [(a["name"], a["source"]) for a in manifest["articles"]] == [
        ("2024/intro", str(src / "2024" / "intro.txt")), ("2025/intro", str(src / "2025" / "intro.txt")),
        ("top", str(src / "top.txt"))]
    index = (out / "index.html").read_text(encoding="utf-8")
    groups = re.findall(r'<tbody class="folder" data-folder="([^"]*)">(.*?)</tbody>', index, re.S)
    assert [(folder, re.findall(r'href="([^"]+)"', body)) for folder, body in groups] == [
        ("", ["./top.html"]), ("2024", ["./2024/intro.html"]), ("2025", ["./2025/intro.html"])]
    assert '<a href="../index.html">' in (out / "2024" / "intro.html").read_text(encoding="utf-8")
    assert '<a href="index.html">' in (out / "top.html").read_text(encoding="utf-8")


def test_two_folders_with_the_same_file_name_never_overwrite(tmp_path, tiny_model):
    write(tmp_path / "a" / "x.txt", FIRST)
    write(tmp_path / "b" / "x.txt", SECOND)
    out = tmp_path / "out"
    result = translate(str(tmp_path / "a"), str(tmp_path / "b"), "-o", str(out), model=tiny_model)
    assert result.exit_code == 0, result.output
    assert french_of(out / "a" / "x.tsv") == [FIRST.strip()]
    assert french_of(out / "b" / "x.tsv") == [SECOND.strip()]
    assert not (out / "x.tsv").exists()


def test_a_collision_stops_with_exit_2_before_any_work(tmp_path):
    write(tmp_path / "src" / "note.txt", FIRST)
    write(tmp_path / "src" / "NOTE.txt", SECOND)
    out = tmp_path / "out"
    # A model that does not exist: the collision is reported before loading it.
    result = CliRunner().invoke(main, ["translate", str(tmp_path / "src"), "-o", str(out),
                                       "--model", str(tmp_path / "no-model"), "-q"])
    assert result.exit_code == 2
    assert errors_of(result) == [f"align: error: {tmp_path / 'src' / 'NOTE.txt'} and {tmp_path / 'src' / 'note.txt'} "
                                 f"would both be written as note.* in the output folder; rename one, or "
                                 f"translate them in separate runs"]
    assert not out.exists()


def test_stdin_is_one_article_named_stdin_or_by_name(tmp_path, tiny_model):
    out = tmp_path / "out"
    result = translate("-", "-o", str(out), model=tiny_model, input=FIRST)
    assert result.exit_code == 0, result.output
    assert french_of(out / "stdin.tsv") == [FIRST.strip()]
    result = translate("-", "--name", "2024/note", "-o", str(out), model=tiny_model, input=SECOND)
    assert result.exit_code == 0, result.output
    assert french_of(out / "2024" / "note.tsv") == [SECOND.strip()]
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert [(a["name"], a["source"]) for a in manifest["articles"]] == [("2024/note", "-")]
    result = translate("-", "--name", "../escape", "-o", str(out), model=tiny_model, input=SECOND)
    assert result.exit_code == 2 and "--name '../escape': give a relative name without '..'" in result.stderr


def test_loops_and_unreadable_folders_in_a_run_are_one_line_each(tmp_path, tiny_model, monkeypatch):
    src, out = tmp_path / "src", tmp_path / "out"
    write(src / "a.txt", FIRST)
    write(src / "secret" / "b.txt", SECOND)
    os.symlink(src, src / "loop")
    real_scandir = os.scandir
    monkeypatch.setattr(os, "scandir", lambda path: (_ for _ in ()).throw(PermissionError(13, "Permission denied"))
                        if Path(path).name == "secret" else real_scandir(path))
    result = translate(str(src), "-o", str(out), model=tiny_model)
    assert result.exit_code == 1
    assert errors_of(result) == [
        f"align: error: {src / 'loop'}: symbolic link loop (it leads back to a folder above it), skipped",
        f"align: error: {src / 'secret'}: cannot read folder (Permission denied), skipped"]
    assert french_of(out / "a.tsv") == [FIRST.strip()]


def test_an_output_folder_inside_the_input_tree_is_not_read(tmp_path, tiny_model):
    src = tmp_path / "src"
    write(src / "a.txt", FIRST)
    for _ in range(2):  # the second run would find out/a.en.txt if it read its own outputs
        result = translate(str(src), "-o", str(src / "out"), model=tiny_model)
        assert result.exit_code == 0, result.output
    manifest = json.loads((src / "out" / "manifest.json").read_text(encoding="utf-8"))
    assert [a["name"] for a in manifest["articles"]] == ["a"]


def test_pair_folders_are_read_recursively_and_mirrored(tmp_path):
    fr, en, out = tmp_path / "fr", tmp_path / "en", tmp_path / "out"
    write(fr / "2024" / "x.txt", "Le chat dort. Il fait beau.\n")
    write(en / "2024" / "x.en.txt", "The cat sleeps. The weather is fine.\n")
    write(fr / "2025" / "x.txt", "Le chien court.\n")
    write(en / "2025" / "x.txt", "The dog runs.\n")
    write(fr / "2025" / "draft.txt", "Brouillon.\n")
    write(en / "2025" / "draft.txt", "Draft.\n")
    result = CliRunner().invoke(main, ["pair", str(fr), str(en), "-o", str(out), "--exclude", "draft*"])
    assert result.exit_code == 0, result.output
    assert [(r["fr"], r["en"]) for r in read_rows(out / "2024" / "x.tsv")] == [
        ("Le chat dort.", "The cat sleeps."), ("Il fait beau.", "The weather is fine.")]
    assert [(r["fr"], r["en"]) for r in read_rows(out / "2025" / "x.tsv")] == [("Le chien court.", "The dog runs.")]
    assert (out / "2024" / "x.html").is_file() and not (out / "2025" / "draft.tsv").exists()


def test_pair_folders_match_articles_of_any_format_and_language_tag(tmp_path):
    from align.tools.score import folder_articles

    fr, en, out = tmp_path / "fr", tmp_path / "en", tmp_path / "out"
    write(fr / "a.md", "# Le titre\n\nLe chat **dort**.\n")
    write(en / "a.en.md", "# The title\n\nThe cat **sleeps**.\n")
    write(fr / "b.fr.txt", "Le chien court.\n")
    write(en / "b.txt", "The dog runs.\n")
    result = CliRunner().invoke(main, ["pair", str(fr), str(en), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert [(r["fr"], r["en"]) for r in read_rows(out / "a.tsv")] == [
        ("Le titre", "The title"), ("Le chat dort.", "The cat sleeps.")]
    assert [(r["fr"], r["en"]) for r in read_rows(out / "b.tsv")] == [("Le chien court.", "The dog runs.")]
    # an output folder holds X.en.txt, X.en.md and X.html (the review page): the English text is the article
    for name in ("x.en.md", "x.html", "x.en.txt", "x.tsv"):
        write(tmp_path / "done" / name, "The cat sleeps.\n")
    assert folder_articles(tmp_path / "done") == {"x": tmp_path / "done" / "x.en.txt"}
