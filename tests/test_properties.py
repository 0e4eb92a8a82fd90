"""Property tests (hypothesis): invariants that must hold for any text."""
from __future__ import annotations

import string

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from align.document import Document, Flag, Inline, Paragraph, SentencePair, Term
from test_segment import check_invariants
from align.output.writers.tsv import TsvWriter, read_tsv

# Text that exercises the segmenter: French words, abbreviations, numbers,
# quotes, sentence marks and every kind of whitespace, mixed with anything.
PIECES = ["M.", "Mme", "p.", "12", "3.5", "etc.", "...", "…", "!", "?", ".", ",", ";", ":", "«", "»", "\"",
          "'", "’", "(", ")", "Le", "la", "Il", "chat", "OpenAI", "IAG", "é", "À", " ", "  ", "\u00a0",
          "\u202f", "\t", "\n", "\r", "\u2028"]
french_like = st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=4)), max_size=40).map("".join)
any_text = st.one_of(st.text(), french_like)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(any_text, st.sampled_from(["fr", "en"]))
def test_segmentation_never_loses_or_reorders_characters(text, lang):
    check_invariants(text, lang)


# ------------------------------------------------------------------- TSV
cell_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)))
offsets = st.integers(-1, 10_000)
terms = st.builds(Term, source=cell_text, start=offsets, end=offsets, target=cell_text, entry=cell_text,
                  note=cell_text, status=st.sampled_from(["", "model", "forced", "failed"]),
                  target_start=offsets, target_end=offsets, forms=st.lists(cell_text, max_size=3).map(tuple),
                  case_sensitive=st.booleans(), keep_case=st.booleans(), late=st.booleans())
flag_code = st.text(alphabet=string.ascii_lowercase + "-", min_size=1, max_size=12)
flags = st.builds(Flag, code=flag_code, detail=cell_text)  # any detail: "; " and "\\" included
inlines = st.builds(Inline, start=offsets, end=offsets, kind=st.sampled_from(["em", "a", "br", "run", "code"]),
                    paired=st.booleans(), order=st.integers(0, 99), close_order=st.integers(0, 99),
                    id=st.integers(0, 99), opens=st.booleans(), closes=st.booleans(), url=cell_text)
links = st.lists(st.tuples(offsets, offsets, offsets, offsets), max_size=4)
pairs = st.builds(
    SentencePair, source=cell_text, target=cell_text, terms=st.lists(terms, max_size=3),
    flags=st.lists(flags, max_size=3), origin=st.sampled_from(["model", "memory", "reviewed", "pair", ""]),
    pieces=st.integers(1, 5), score=st.none() | st.floats(allow_nan=False, allow_infinity=False),
    truncated=st.booleans(), alignment=links, start=st.integers(0, 10_000), inlines=st.lists(inlines, max_size=3),
    status=st.sampled_from(["", "translated", "reviewed", "approved", "needs-work"]), comment=cell_text,
    version=st.integers(0, 10**6), suggestion=cell_text)
article_name = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="/\\"),
                       min_size=1, max_size=20).filter(lambda s: s not in (".", "..") and not s.startswith("."))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(article_name, st.lists(st.lists(pairs, min_size=1, max_size=4), min_size=1, max_size=4))
def test_tsv_write_then_read_returns_every_field_of_any_document(tmp_path_factory, name, paragraphs):
    """The TSV is the lossless record of a Document's sentence pairs: every field
    of every pair comes back (the markup itself stays in the article's layout)."""
    document = Document(name)
    for number, sentences in enumerate(paragraphs, 1):
        for n, pair in enumerate(sentences, 1):
            pair.paragraph, pair.number = number, n
        document.paragraphs.append(Paragraph("", number, sentences=sentences))
    out = tmp_path_factory.mktemp("tsv")
    path = TsvWriter().write(document, out)
    [back] = read_tsv(path)
    assert back.name == name
    assert list(back.pairs()) == list(document.pairs())
    assert [p.number for p in back.paragraphs] == [p.number for p in document.paragraphs]


# --------------------------------------------------------------- glossary
glossary_module = pytest.importorskip("align.terms.glossary")

WORDS = ["IA", "IAG", "PDG", "modèle", "modèle de langage", "langage", "apprentissage profond",
         "réseau de neurones", "réseau", "OpenAI", "Sam Altman", "l'IA", "cœur", "données"]
FILLER = ["le", "la", "de", "des", "et", "un", "nouveau", "grand", "à", ",", ".", "l’", "d'", " ", "  ", "\n",
          "-", "(", ")", "«", "»"]


def build_glossary():
    rows = ["source\ttarget", "IAG\tAGI", "IA\tAI", "PDG\tCEO", "modèle\tmodel", "modèle de langage\tlanguage model",
            "langage\tlanguage", "apprentissage profond\tdeep learning", "réseau de neurones\tneural network",
            "réseau\tnetwork", "OpenAI\tOpenAI", "Sam Altman\tSam Altman", "cœur\theart", "données\tdata"]
    return glossary_module.Glossary.loads("\n".join(rows) + "\n")


GLOSSARY = None
glossary_text = st.lists(st.sampled_from(WORDS + FILLER), max_size=30).map(" ".join)


def glossary():
    global GLOSSARY
    if GLOSSARY is None:
        GLOSSARY = build_glossary()
    return GLOSSARY


@settings(max_examples=300, deadline=None)
@given(st.one_of(glossary_text, st.text(max_size=60)))
def test_glossary_matches_never_overlap_and_index_the_text(text):
    found = glossary().find(text)
    for term in found:
        assert 0 <= term.start < term.end <= len(text)
        assert text[term.start:term.end] == term.source
    for first, second in zip(found, found[1:]):
        assert first.end <= second.start


@settings(max_examples=300, deadline=None)
@given(glossary_text, st.sampled_from(["upper", "lower", "title", "swapcase"]))
def test_case_insensitive_terms_are_found_again_after_recasing(text, how):
    found = glossary().find(text)
    recased = getattr(text, how)()
    assume(len(recased) == len(text))  # some letters change length when re-cased
    again = glossary().find(recased)
    # Terms matched without regard to case are found at the same places;
    # case-sensitive ones (acronyms such as IA, IAG, PDG) may not be.
    insensitive = [(t.start, t.end, t.entry) for t in found
                   if not glossary_module.Glossary.get(glossary(), t.entry).case_sensitive]
    positions = {(t.start, t.end, t.entry) for t in again}
    for item in insensitive:
        assert item in positions, (item, recased)
