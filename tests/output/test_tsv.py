import json
from hypothesis import given, settings
from hypothesis import strategies as st

from align.document import Document, Flag, Paragraph, SentencePair, Term
from align.errors import InputError
from align.output.writers.tsv import COLUMNS, HEADER, LEGACY_HEADER, TsvWriter, escape, read_rows, read_tsv, unescape

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
    assert all(line.count("\t") == len(COLUMNS) - 1 for line in lines[:-1])
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
    with pytest.raises(InputError, match=r"x.tsv:2: expected 16 tab-separated fields, found 3"):
        list(read_rows(path))
    path.write_text(LEGACY_HEADER + "\nonly\tthree\tfields\n")
    with pytest.raises(InputError, match=r"x.tsv:2: expected 9 tab-separated fields, found 3"):
        list(read_rows(path))


def test_review_columns_round_trip(tmp_path):
    document = sample_document()
    first = next(document.pairs())
    first.status, first.comment, first.version, first.score = "approved", "ok\tfine\nreally", 3, -0.81234
    first.suggestion = "Old <b>correction</b>"
    path = TsvWriter().write(document, tmp_path)
    row = path.read_text(encoding="utf-8").split("\n")[1].split("\t")
    assert row[9:] == ["approved", "ok\\tfine\\nreally", "3", "-0.81234", "Old <b>correction</b>", "", ""]
    [back] = read_tsv(path)
    pairs = list(back.pairs())
    assert (pairs[0].status, pairs[0].comment, pairs[0].version, pairs[0].score, pairs[0].suggestion) == \
        ("approved", "ok\tfine\nreally", 3, -0.81234, "Old <b>correction</b>")
    # pairs without review data: empty columns, defaults back
    assert row_fields(path, 2)[9:] == ["", "", "", "", "", "", ""]
    assert (pairs[1].status, pairs[1].version, pairs[1].score, pairs[1].review_status) == ("", 0, None, "translated")


def row_fields(path, number):
    return path.read_text(encoding="utf-8").split("\n")[number].split("\t")


def test_tsv_written_before_the_review_columns_still_reads(tmp_path):
    path = tmp_path / "old.tsv"
    path.write_text(LEGACY_HEADER + "\nold\t1\t1\tp1s1\tBonjour.\tHello.\t\t\tmodel\n", encoding="utf-8")
    [row] = read_rows(path)
    assert row["en"] == "Hello." and row["status"] == row["comment"] == row["score"] == row["version"] == ""
    [document] = read_tsv(path)
    [pair] = document.pairs()
    assert (pair.target, pair.origin, pair.status, pair.score, pair.version) == ("Hello.", "model", "", None, 0)


def test_markup_and_alignment_round_trip_and_older_headers_still_read(tmp_path):
    from align.document import Inline
    from align.output.writers.tsv import LEGACY_COLUMNS, REVIEW_COLUMNS

    pair = SentencePair("Le chat dort.", "The cat sleeps.", 1, 1, origin="model",
                        inlines=[Inline(3, 7, "strong", "**", "**", order=1, close_order=2, id=4),
                                 Inline(12, 12, "br", "<br>", paired=False, order=3, id=5, url="")],
                        alignment=[(0, 2, 0, 3), (3, 7, 4, 7), (8, 12, 8, 14)])
    plain = SentencePair("Bonjour.", "Hello.", 2, 1, origin="model")
    document = Document("m", [Paragraph("Le chat dort.", 1, sentences=[pair]),
                              Paragraph("Bonjour.", 2, sentences=[plain])])
    path = TsvWriter().write(document, tmp_path)
    [again] = read_tsv(path)
    first, second = again.pairs()
    assert [(i.start, i.end, i.kind, i.paired, i.order, i.close_order, i.id) for i in first.inlines] == [
        (3, 7, "strong", True, 1, 2, 4), (12, 12, "br", False, 3, 0, 5)]
    assert first.alignment == pair.alignment
    assert (second.inlines, second.alignment) == ([], [])
    # A file written before the details column kept the alignment in the markup column.
    lines = path.read_text(encoding="utf-8").splitlines()
    markup = json.dumps({"inlines": json.loads(lines[1].split("\t")[14])["inlines"],
                         "alignment": [list(link) for link in pair.alignment]})
    before = ["\t".join(LEGACY_COLUMNS + REVIEW_COLUMNS + ["markup"]),
              "\t".join(lines[1].split("\t")[:14] + [markup]), "\t".join(lines[2].split("\t")[:15])]
    (tmp_path / "before.tsv").write_text("\n".join(before) + "\n", encoding="utf-8")
    [read_before] = read_tsv(tmp_path / "before.tsv")
    assert [p.alignment for p in read_before.pairs()] == [pair.alignment, []]
    # A file written before the markup column (review columns only) still reads.
    older = ["\t".join(LEGACY_COLUMNS + REVIEW_COLUMNS)] + [line.rsplit("\t", 2)[0] for line in lines[1:]]
    (tmp_path / "old.tsv").write_text("\n".join(older) + "\n", encoding="utf-8")
    [old] = read_tsv(tmp_path / "old.tsv")
    assert [p.target for p in old.pairs()] == ["The cat sleeps.", "Hello."]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["Le", "chat", "\t", "\n", "\r", "\\", "\\n", "«", " ", "é", "a\tb"]), max_size=8)
       .map("".join), st.text(max_size=12), st.sampled_from(["x", "2024/y", "a\tb"]))
def test_a_row_is_each_field_escaped_and_joined_by_tabs(source, target, article):
    """The row written whole when no field has anything to escape, else field by field:
    the same row as every field escaped (read back to the same text)."""
    from align.output.writers.tsv import pair_row

    pair = SentencePair(source, target, 1, 1, comment=target[::-1])
    row = pair_row(article, pair)
    assert row.count("\t") == len(COLUMNS) - 1 and "\n" not in row and "\r" not in row
    fields = row.split("\t")
    assert [unescape(f) for f in (fields[0], fields[4], fields[5], fields[10])] == [article, source, target,
                                                                                     target[::-1]]
    assert row == "\t".join(escape(unescape(f)) for f in fields)
