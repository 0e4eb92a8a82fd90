"""A reviewer's corrections reach the article in its own format (NAME.en.md...),
at once on save and again in later runs, with the markup on the words it was on."""
from __future__ import annotations

import logging

import pytest

from align.output.memory import TranslationMemory, default_path
from align.pipeline.run import translate_paths
from align.review.folder import Edit, ReviewFolder, carry_alignment
from align.output.folder import OutputFolder

from conftest import ROOT
from scripted_engine import ScriptedEngine

ARTICLE = "Le chat **noir** dort.\n\nVoir [la page](https://a.example) ici.\n"
SCRIPT = {
    "Le chat noir dort.": [("The", "Le"), ("black", "noir"), ("cat", "chat"), ("sleeps.", "dort.")],
    "Voir la page ici.": [("See", "Voir"), ("the", "la"), ("page", "page"), ("here.", "ici.")],
}


@pytest.fixture()
def translated(tmp_path):
    source = tmp_path / "in" / "chat.md"
    source.parent.mkdir()
    source.write_text(ARTICLE, encoding="utf-8")
    out = tmp_path / "out"
    report = translate_paths([source], ScriptedEngine(SCRIPT), out)
    assert not report.failed
    assert (out / "chat.en.md").read_text(encoding="utf-8") == (
        "The **black** cat sleeps.\n\nSee [the page](https://a.example) here.\n")
    return source, out


def test_carry_alignment_keeps_links_on_words_the_edit_left_alone():
    old, new = "The black cat sleeps on the mat.", "The big black cats sleep on the mat."
    alignment = [(0, 2, 0, 3), (3, 7, 4, 9), (8, 12, 10, 13), (13, 17, 14, 20), (18, 20, 21, 23), (24, 28, 28, 31)]
    kept = carry_alignment(old, new, alignment)
    assert [(link[:2], new[link[2]:link[3]]) for link in kept] == [
        ((0, 2), "The"), ((3, 7), "black"), ((18, 20), "on"), ((24, 28), "mat")]  # "cat" is not in "cats"
    assert carry_alignment(old, new, []) == []


def test_a_saved_correction_rewrites_the_markdown_file_with_markup_on_its_words(translated):
    source, out = translated
    folder = ReviewFolder(out)
    pair = next(p for p in folder.load("chat").pairs() if p.source == "Le chat noir dort.")
    folder.apply("chat", pair.id, Edit(version=pair.version, target="The black cat is asleep."))
    # "black" kept its alignment to "noir": the bold stays on it; "sleeps" is gone
    assert (out / "chat.en.md").read_text(encoding="utf-8") == (
        "The **black** cat is asleep.\n\nSee [the page](https://a.example) here.\n")
    # the source may change or go: the kept copy is what the outputs were made from
    source.write_text("Tout autre chose.\n", encoding="utf-8")
    second = next(p for p in folder.load("chat").pairs() if p.source == "Voir la page ici.")
    folder.apply("chat", second.id, Edit(version=second.version, target="Look at the page here."))
    assert (out / "chat.en.md").read_text(encoding="utf-8") == (
        "The **black** cat is asleep.\n\nLook at [the page](https://a.example) here.\n")
    assert (OutputFolder(out).kept_source("chat", ".md")).read_text(encoding="utf-8") == ARTICLE


def test_a_later_run_keeps_the_correction_and_its_markup(translated):
    source, out = translated
    folder = ReviewFolder(out)
    pair = next(p for p in folder.load("chat").pairs() if p.source == "Le chat noir dort.")
    folder.apply("chat", pair.id, Edit(version=pair.version, target="The black cat is asleep.", status="approved"))
    engine = ScriptedEngine(SCRIPT)
    with TranslationMemory(default_path(out)) as memory:
        translate_paths([source], engine, out, memory=memory)
    assert ["Le chat noir dort."] not in engine.calls  # never sent to the model again
    assert (out / "chat.en.md").read_text(encoding="utf-8") == (
        "The **black** cat is asleep.\n\nSee [the page](https://a.example) here.\n")


def test_a_kept_source_that_no_longer_matches_is_left_alone_with_a_warning(translated, caplog):
    _, out = translated
    (OutputFolder(out).kept_source("chat", ".md")).write_text("Un autre texte.\n", encoding="utf-8")
    before = (out / "chat.en.md").read_bytes()
    folder = ReviewFolder(out)
    pair = next(p for p in folder.load("chat").pairs() if p.source == "Le chat noir dort.")
    with caplog.at_level(logging.WARNING, logger="align.review"):
        folder.apply("chat", pair.id, Edit(version=pair.version, target="The black cat is asleep."))
    assert (out / "chat.en.md").read_bytes() == before  # not rebuilt from the wrong French
    assert "The black cat is asleep." in (out / "chat.en.txt").read_text(encoding="utf-8")  # the save itself stands
    assert [r.getMessage() for r in caplog.records] == [
        f"{OutputFolder(out).kept_source('chat', '.md')}: its sentences no longer match chat.tsv, so chat.en.md was not updated "
        "(run align translate again)"]


def test_a_saved_correction_reaches_the_word_file(tmp_path):
    import io
    import shutil

    import docx

    source = tmp_path / "altman-docx.docx"
    shutil.copy(ROOT / "tests" / "data" / "altman-docx.docx", source)
    out = tmp_path / "out"
    assert not translate_paths([source], ScriptedEngine({}), out).failed
    folder = ReviewFolder(out)
    pairs = list(folder.load("altman-docx").translatable_pairs())
    pair = pairs[1]
    folder.apply("altman-docx", pair.id, Edit(version=pair.version, target="A reviewer wrote this sentence."))
    texts = [p.text for p in docx.Document(io.BytesIO((out / "altman-docx.en.docx").read_bytes())).paragraphs]
    assert "A reviewer wrote this sentence." in " ".join(texts)
    assert pairs[2].target in " ".join(texts)  # the others as they were


def test_an_edit_that_rewrites_the_marked_words_flags_the_moved_markup(translated):
    _, out = translated
    folder = ReviewFolder(out)
    pair = next(p for p in folder.load("chat").pairs() if p.source == "Le chat noir dort.")
    assert pair.flags == []
    saved = folder.apply("chat", pair.id, Edit(version=pair.version, target="A dark cat sleeps."))
    assert [str(f) for f in saved.flags] == ["markup-moved:strong"]
    assert (out / "chat.en.md").read_text(encoding="utf-8").startswith("A dark cat sleeps.\n")  # no "****"
    # the reviewer's own placement (as a CAT tool's inline codes give it) clears it
    saved = folder.apply("chat", pair.id, Edit(version=saved.version, alignment=[(8, 12, 2, 6)]))
    assert saved.flags == []
    assert (out / "chat.en.md").read_text(encoding="utf-8").startswith("A **dark** cat sleeps.\n")
