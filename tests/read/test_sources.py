import codecs

import pytest

from align.document import METADATA, PROSE
from align.errors import InputError
from align.read.sources import ARTICLE_SUFFIXES, find_articles, read_document, read_text
from align.read.text import decode, plain_apostrophes

KINDS = "(" + ", ".join(ARTICLE_SUFFIXES) + ")"  # as "folder has no articles" lists them

TEXT = "Première ligne, l’IAG.\nDeuxième paragraphe.\n"


@pytest.mark.parametrize("data, encoding", [
    (TEXT.encode("utf-8"), "utf-8"),
    (codecs.BOM_UTF8 + TEXT.encode("utf-8"), "utf-8-sig"),
    (codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le"), "utf-16"),
    (codecs.BOM_UTF16_BE + TEXT.encode("utf-16-be"), "utf-16"),
])
def test_decodings_give_the_same_text(data, encoding):
    text, found, warnings = decode(data, "a.txt")
    assert (text, found, warnings) == (TEXT, encoding, [])


def test_cp1252_is_decoded_with_a_warning_naming_the_file():
    text, encoding, warnings = decode("Élan, « déjà » – l’été".encode("cp1252"), "x/b.txt")
    assert text == "Élan, « déjà » – l’été"
    assert encoding == "cp1252"
    assert warnings == ["x/b.txt: not valid UTF-8, decoded as cp1252 (Windows Latin-1); check accented letters"]


def test_nul_bytes_are_a_binary_file():
    with pytest.raises(InputError, match=r"^c.bin: binary file \(contains NUL bytes\), not a text article$"):
        decode(b"\x00\x01abc", "c.bin")


def test_newlines_nfc_and_paragraphs():
    decomposed = "Cafe\u0301 un.\r\nDeux.\rTrois.\n\n\n  Quatre.  "
    document = read_text(decomposed, "n")
    assert [p.text for p in document.paragraphs] == ["Café un.", "Deux.", "Trois.", "Quatre."]
    assert [p.number for p in document.paragraphs] == [1, 2, 3, 4]


def test_metadata_line_is_kept_apart_from_prose():
    document = read_text(" date 2025-01 Le deuxième anniversaire.Alors que.", "m")
    assert document.metadata == {"date": "2025-01"}
    assert [(p.kind, p.text) for p in document.paragraphs] == [
        (METADATA, "date 2025-01"), (PROSE, "Le deuxième anniversaire.Alors que.")]


def test_typographic_apostrophes_kept_but_plain_downstream():
    document = read_text("L’IAG et l'IA", "a")
    assert document.paragraphs[0].text == "L’IAG et l'IA"
    assert plain_apostrophes("L’IAG") == "L'IAG"


def test_control_characters_and_tabs_become_spaces():
    document = read_text("a\tb\x07c\x1bd", "c")
    assert document.paragraphs[0].text == "a b c d"


@pytest.mark.parametrize("content, message", [
    (b"", "empty article (no text to translate)"),
    (b"  \n\t\n  ", "empty article (no text to translate)"),
])
def test_empty_articles(tmp_path, content, message):
    path = tmp_path / "vide.txt"
    path.write_bytes(content)
    with pytest.raises(InputError) as info:
        read_document(path)
    assert str(info.value) == f"{path}: {message}"


def test_find_articles_expands_folders_and_reports_problems(tmp_path):
    (tmp_path / "b.txt").write_text("B.")
    (tmp_path / "a.txt").write_text("A.")
    (tmp_path / "notes.odt").write_text("no")
    empty = tmp_path / "empty"
    empty.mkdir()
    articles, errors = find_articles([tmp_path, empty, tmp_path / "missing.txt", tmp_path / "a.txt"])
    assert [a.name for a in articles] == ["a.txt", "b.txt"]
    assert errors == [f"{empty}: folder has no articles {KINDS}", f"{tmp_path / 'missing.txt'}: no such file or folder"]
