"""What XLIFF export and import share: the namespaces, the languages, the notes'
categories, and the units' ids (`unit_ids`), by which an import finds the
sentence an export wrote."""
from __future__ import annotations

from ...document import Document

XLIFF12 = "urn:oasis:names:tc:xliff:document:1.2"
XLIFF20 = "urn:oasis:names:tc:xliff:document:2.0"
VERSIONS = ("1.2", "2.0")
SOURCE_LANG, TARGET_LANG = "fr", "en"
COMMENT_FROM = "reviewer"      # 1.2 <note from=...>, 2.0 <note category=...> of the reviewer's comment
ALIGN_NOTE = "align"           # flags and score: information, never imported


def unit_ids(document: Document) -> dict[int, str]:
    """The XLIFF unit id of each of the document's pairs (by `id(pair)`): its
    French and which occurrence of that French it is, never its place."""
    from ...output.memory import occurrences, review_key

    pairs = list(document.pairs())
    return {id(pair): f"s{review_key(pair.source)[:16]}-{count}" for pair, count in zip(pairs, occurrences(pairs))}
