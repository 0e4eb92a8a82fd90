from hypothesis import given, settings
from hypothesis import strategies as st

from align.document import Document, Flag, Paragraph, SentencePair, Term
from align.errors import InputError
from align.writers.tsv import HEADER, TsvWriter, escape, read_rows, read_tsv, unescape

import pytest


def sample_document() -> Document:
    pairs = [
        SentencePair("L'IAG\tarrive.", "AGI\tis coming.\nReally\\n", 1, 1,
                     terms=[Term("IAG", 2, 5, "AGI", entry="IAG", status="forced")],
                     flags=[Flag("term-forced", "AGI"), Flag("repetition", "the")], origin="model"),
        SentencePair("Deux.", "Two.", 1, 2, origin="model"),
    ]
    return Document("article 1", [Paragraph("x", 1, sentences=pairs),
                                  Paragraph("y", 2, sentences=[SentencePair("Trois\r", "Three", 2, 1)])])


def test_write_then_read_returns_the_same_pairs(tmp_path):
    document = sample_document()
    path = TsvWriter().write(document, tmp_path)
    assert path.name == "article 1.tsv"
    lines = path.read_text(encoding="utf-8").split("\n")
    assert lines[0] == HEADER
    assert len(lines) == 1 + 3 + 1  # header, 3 rows, final newline
    assert all(line.count("\t") == 8 for line in lines[:-1])
    [back] = read_tsv(path)
    assert back.name == "article 1"
    assert [(p.paragraph, p.number, p.source, p.target, p.terms, p.flags, p.origin) for p in back.pairs()] == \
        [(p.paragraph, p.number, p.source, p.target, p.terms, p.flags, p.origin) for p in document.pairs()]
    assert [len(p.sentences) for p in back.paragraphs] == [2, 1]


def test_exact_row_content(tmp_path):
    path = TsvWriter().write(sample_document(), tmp_path)
    row = path.read_text(encoding="utf-8").split("\n")[1]
    assert row.split("\t")[:6] == ["article 1", "1", "1", "p1s1", "L'IAG\\tarrive.", "AGI\\tis coming.\\nReally\\\\n"]
    assert row.split("\t")[7] == "term-forced:AGI; repetition:the"


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_escape_round_trip(text):
    escaped = escape(text)
    assert "\t" not in escaped and "\n" not in escaped and "\r" not in escaped
    assert unescape(escaped) == text


def test_reader_rejects_other_files_with_line_numbers(tmp_path):
    path = tmp_path / "x.tsv"
    path.write_text("a\tb\n")
    with pytest.raises(InputError, match=r"x.tsv:1: not an align TSV"):
        list(read_rows(path))
    path.write_text(HEADER + "\nonly\tthree\tfields\n")
    with pytest.raises(InputError, match=r"x.tsv:2: expected 9 tab-separated fields, found 3"):
        list(read_rows(path))
