"""Markup transfer: a paragraph's inline markup split over its sentences
(`spans`), placed in each translation through the word alignment (`placement`,
computed once and kept on the pair), and written back as tokens (`rendering`) or
XLIFF inline codes (`codes`). Imports only align.document."""
