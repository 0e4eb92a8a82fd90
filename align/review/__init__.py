"""The reviewer's round trip: `align review` (a local server for the editable
review page) and `align xliff` (export to / import from CAT tools).

Both go through `ReviewFolder`, which applies a reviewer's edit to an output
folder: the article's TSV (the record), its English text, its static review
page, the index, and the translation memory, so that a later `align translate`
keeps the correction.
"""
from .folder import Edit, EditConflict, EditRejected, ReviewFolder

__all__ = ["Edit", "EditConflict", "EditRejected", "ReviewFolder"]
