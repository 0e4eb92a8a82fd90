"""Documentation that copies a table of the code says what the code says."""
from align.flags import markdown_table
from conftest import ROOT


def test_the_flags_table_of_docs_review_is_align_flags():
    assert markdown_table() in (ROOT / "docs" / "review.md").read_text(encoding="utf-8")
