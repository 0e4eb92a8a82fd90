"""English typography in what `align translate` writes (issue 20, part 3): the rules
of align.typography on exact strings, the offset map's invariants on random text,
the pipeline stage on a Document, the check on a person's English, and the whole
run with the small *trained* model, which keeps French typography on some
sentences (« Hello!, 50 %, out ; live)."""
from __future__ import annotations

import json
import re
import shutil

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from align.checks.pair import check_pair
from align.cli import main
from align.document import METADATA, Document, Flag, Inline, Origin, Paragraph, SentencePair, Term
from align.errors import UsageError
from align.output.memory import TranslationMemory, default_path
from align.pipeline.run import Run
from align.typography import apply_english_typography, english_typography, french_marks
from align.output.writers.tsv import read_rows, read_tsv
from conftest import SMALL_MODEL
from scripted_engine import ScriptedEngine

NBSP, NNBSP, THIN = "\u00a0", "\u202f", "\u2009"
WORD_RE = re.compile(r"[^\W_]+")


def english(text: str, keep=()) -> str:
    return english_typography(text, keep)[0]


# ------------------------------------------------------------------ the rules
@pytest.mark.parametrize("french, expected", [
    ("« Nous ne céderons pas »", "“Nous ne céderons pas”"),
    (f"«{NBSP}Nous ne céderons pas{NBSP}»", "“Nous ne céderons pas”"),
    (f"«{NNBSP}Oui{NNBSP}», dit-il.", "“Oui”, dit-il."),
    (f"«{THIN}Oui{THIN}»", "“Oui”"),
    ("«  Oui  »", "“Oui”"),
    ("«Oui»", "“Oui”"),
    ("‹ non ›", "‘non’"),
    (f"‹{NNBSP}non{NNBSP}›", "‘non’"),
    ("« Bonjour ! »", "“Bonjour!”"),
    ("« Hello!", "“Hello!"),  # an unclosed guillemet still opens an English quotation
])
def test_guillemets_become_english_quotes_and_lose_their_spaces(french, expected):
    assert english(french) == expected


@pytest.mark.parametrize("french, expected", [
    ("« Le mot “ liberté ” compte »", "“Le mot ‘liberté’ compte”"),
    ("« Il a dit “oui” puis “non” »", "“Il a dit ‘oui’ puis ‘non’”"),
    ("« Il a dit \"oui\" »", "“Il a dit \"oui\"”"),  # straight quotes: which one opens is unknown
    ("Il a dit “oui” et « non ».", "Il a dit “oui” et “non”."),  # “ ” outside guillemets: English
    ("« a » “b”", "“a” “b”"),  # after the guillemets close, “ ” are not nested
])
def test_double_quotes_inside_guillemets_become_single_quotes(french, expected):
    assert english(french) == expected


@pytest.mark.parametrize("french, expected", [
    ("Note : voir", "Note: voir"),
    (f"Note{NBSP}: voir", "Note: voir"),
    (f"Quoi{NNBSP}?", "Quoi?"),
    (f"Non{THIN}!", "Non!"),
    ("a ; b", "a; b"),
    ("Quoi ?! Non !", "Quoi?! Non!"),
    (f"x {NBSP} ;", "x;"),
    ("« Amélie » ; vive", "“Amélie”; vive"),
    ("? au début", "? au début"),      # nothing before: stays
    (" ? au début", " ? au début"),    # only spaces before: stays
    ("50 %", "50%"),
    (f"50{NBSP}%", "50%"),
    (f"3,5{NNBSP}% ; la dette", "3,5%; la dette"),
    ("the % sign", "the % sign"),      # no digit before: stays
    ("taux : 12 % !", "taux: 12%!"),
])
def test_no_space_before_tight_marks_nor_between_a_number_and_percent(french, expected):
    assert english(french) == expected


def test_keep_spans_are_never_touched():
    text = "Utilisez a ? b : c ici : voir « ceci »"
    code = text.index("a ? b : c")
    assert english(text, [(code, code + 9)]) == "Utilisez a ? b : c ici: voir “ceci”"
    quoted = "Tapez « x » : fin"
    assert english(quoted, [(6, 11)]) == "Tapez « x »: fin"   # the kept » is a character before the colon
    url = "Voir https://ex.fr/a?b=1 ; fin"
    assert english(url, [(5, 24)]) == "Voir https://ex.fr/a?b=1; fin"


def test_the_offset_map_of_an_example():
    text, offsets = english_typography("« Oui » : 50 %")
    assert text == "“Oui”: 50%"
    # old: « ␣ O u i ␣ » ␣ : ␣ 5 0 ␣ %  (end)
    assert offsets == [0, 1, 1, 2, 3, 4, 4, 5, 5, 6, 7, 8, 9, 9, 10]


@pytest.mark.parametrize("text", [
    "He said: “We will not give in!” It is 50% off; really?",
    "“Quoted ‘inner’ words”, then ‘single’ ones.",
    "? a question mark first, the % sign, a \"straight\" quote",
    "Time 10:30, ratio 3:1, http://example.com/?q=1",
    "",
])
def test_english_typography_comes_back_identical_with_the_identity_map(text):
    assert english_typography(text) == (text, list(range(len(text) + 1)))
    assert french_marks(text) == ""


def test_french_typography_and_its_marks():
    assert english_typography("« Oui »")[0] == "“Oui”"
    assert english_typography(f"Quoi{NNBSP}?")[0] == "Quoi?"
    assert english_typography("12 %")[0] == "12%"
    assert english_typography("the % sign")[0] == "the % sign"
    assert french_marks("« Oui » ; non") == '« » " ;"'
    assert french_marks("« Nous ne céderons pas ; jamais ! »") == '« " ;" " !" »'
    assert french_marks(f"‹ a › : 5{NBSP}% : b") == '‹ › " :" " %"'


# ----------------------------------------------------------- the offset map
SPACES = [" ", NBSP, NNBSP, THIN]
PIECES = st.one_of(
    st.sampled_from(["Nous", "ne", "céderons", "pas", "50", "3", "x", "été", "l'an"]),
    st.sampled_from(SPACES),
    st.sampled_from(list("«»‹›“”\";:!?%")),
)


@st.composite
def texts_and_keeps(draw):
    text = "".join(draw(st.lists(PIECES, max_size=30)))
    keep = []
    for _ in range(draw(st.integers(0, 2))):
        start = draw(st.integers(0, len(text)))
        keep.append((start, draw(st.integers(start, len(text)))))
    return text, keep


@given(texts_and_keeps())
def test_the_offset_map_is_monotonic_in_bounds_and_keeps_every_word(case):
    old, keep = case
    new, offsets = english_typography(old, keep)
    assert len(offsets) == len(old) + 1
    assert offsets[0] == 0 and offsets[-1] == len(new)
    # Each old character is kept (one step) or removed (no step): never a jump.
    assert all(offsets[i + 1] - offsets[i] in (0, 1) for i in range(len(old)))
    for match in WORD_RE.finditer(old):
        assert new[offsets[match.start()]:offsets[match.end()]] == match.group()
    for start, end in keep:
        assert new[offsets[start]:offsets[end]] == old[start:end]


@given(texts_and_keeps())
def test_the_rules_are_done_in_one_pass(case):
    new, _ = english_typography(case[0])
    assert english_typography(new) == (new, list(range(len(new) + 1)))
    assert english_typography(new)[0] == new
    assert not re.search(r"[«»‹›]", new)


# ---------------------------------------------------------- the pipeline stage
def word_links(source: str, target: str) -> list[tuple[int, int, int, int]]:
    """Each English word linked to the whole French: the stage only moves target offsets."""
    return [(0, len(source), m.start(), m.end()) for m in WORD_RE.finditer(target)]


def test_the_stage_rewrites_the_machines_english_and_moves_its_words_and_terms():
    source = "Le ministre a déclaré : « Nous ne céderons pas » ; 50 % des votes."
    raw = "The minister said : « We will not give in » ; 50 % of votes."
    term = Term("céderons", source.index("céderons"), source.index("céderons") + 8, "give in", status="model",
                target_start=raw.index("give in"), target_end=raw.index("give in") + 7)
    model = SentencePair(source, raw, 1, 1, terms=[term], origin=Origin.MODEL, alignment=word_links(source, raw))
    memory = SentencePair("« Oui »", "« Yes »", 2, 1, origin=Origin.MEMORY,
                          alignment=word_links("« Oui »", "« Yes »"))
    reviewed = SentencePair("« Non »", "« No » ; typed", 3, 1, origin=Origin.REVIEWED)
    metadata = SentencePair("date : 2025 « x »", "date : 2025 « x »", 1, 1, origin=METADATA)
    document = Document("a", [Paragraph("", 1, sentences=[model]), Paragraph("", 2, sentences=[memory]),
                              Paragraph("", 3, sentences=[reviewed]),
                              Paragraph(metadata.source, 4, METADATA, sentences=[metadata])])
    words_before = [raw[a:b] for _, _, a, b in model.alignment]

    assert apply_english_typography(document) is document
    assert model.target == "The minister said: “We will not give in”; 50% of votes."
    assert [model.target[a:b] for _, _, a, b in model.alignment] == words_before
    assert [link[:2] for link in model.alignment] == [(0, len(source))] * len(words_before)
    assert model.target[term.target_start:term.target_end] == "give in"
    assert memory.target == "“Yes”" and memory.target[memory.alignment[0][2]:memory.alignment[0][3]] == "Yes"
    assert reviewed.target == "« No » ; typed"          # a person's English: flagged, never rewritten
    assert metadata.target == "date : 2025 « x »"       # copied on purpose


def test_the_stage_keeps_the_verbatim_text_and_a_pair_english():
    source = "Utilisez a ? b : c ici : voir."
    code = source.index("a ? b : c")
    raw = "Use a ? b : c here : see a ? b : c."
    pair = SentencePair(source, raw, 1, 1, origin=Origin.MODEL,
                        inlines=[Inline(code, code + 9, "code", verbatim=True)])
    existing = SentencePair("« Oui »", "« Yes »", 2, 1, origin=Origin.PAIR)
    apply_english_typography(Document("a", [Paragraph(source, 1, sentences=[pair]),
                                            Paragraph("", 2, sentences=[existing])]))
    # The first copy of the code is kept; the second is plain model text.
    assert pair.target == "Use a ? b : c here: see a? b: c."
    assert existing.target == "« Yes »"


def test_the_stage_keeps_a_glossary_target_as_the_glossary_spells_it():
    raw = "The site Yahoo ! is down ; sadly. No term : here."
    found = Term("Yahoo !", 0, 7, "Yahoo !", status="forced", target_start=9, target_end=16)
    failed = Term("absent", 0, 7, "absent", status="failed")
    pair = SentencePair("Yahoo ! est en panne ; hélas.", raw, 1, 1, terms=[found, failed], origin=Origin.MODEL)
    apply_english_typography(Document("a", [Paragraph(pair.source, 1, sentences=[pair])]))
    assert pair.target == "The site Yahoo ! is down; sadly. No term: here."
    assert (found.target_start, found.target_end) == (9, 16)
    assert (failed.target_start, failed.target_end) == (-1, -1)


def test_a_run_takes_english_or_keep_only(tmp_path):
    with pytest.raises(UsageError, match="typography 'french'"):
        Run(ScriptedEngine({}), tmp_path, typography="french")
    result = CliRunner().invoke(main, ["translate", str(tmp_path), "--typography", "french"])
    assert result.exit_code == 2 and "'french' is not one of 'english', 'keep'" in result.output


# ------------------------------------------------------------------ the check
@pytest.mark.parametrize("origin", [Origin.REVIEWED, Origin.PAIR, Origin.FILE])
def test_a_persons_english_with_french_typography_is_flagged_not_rewritten(origin):
    pair = SentencePair("« Oui » ; non", "« Yes » ; no", origin=origin)
    check_pair(pair)
    assert pair.target == "« Yes » ; no"
    assert Flag("french-typography", '« » " ;"') in pair.flags


@pytest.mark.parametrize("origin", [Origin.MODEL, Origin.MEMORY, Origin.METADATA])
def test_the_machines_english_and_metadata_are_not_flagged(origin):
    pair = SentencePair("« Oui » ; non", "« Yes » ; no", origin=origin)
    check_pair(pair)
    assert not [f for f in pair.flags if f.code == "french-typography"]


def test_a_correction_whose_only_french_marks_are_in_code_is_not_flagged():
    source = "Utilisez a ? b : c."
    pair = SentencePair(source, "Use a ? b : c.", origin=Origin.REVIEWED,
                        inlines=[Inline(9, 18, "code", verbatim=True)])
    check_pair(pair)
    assert not [f for f in pair.flags if f.code == "french-typography"]


# --------------------------------------------------------------- end to end
TXT = """Le ministre a déclaré : « Nous ne céderons pas ; jamais ! »
« Bonjour ! »
Il a dit : « Le mot “ liberté ” compte » et il est parti.
Hausse de 50 %
Le film « Amélie » sort ; vive le cinéma !
Pourquoi ? Le chômage a baissé de 50 % cette année.
"""
MD = """# Le film « Amélie »

« Bonjour ! »

Hausse de 50 %

Utilisez `a ? b : c` pour choisir ; c'est simple !

Le film « Amélie » sort ; vive le cinéma !
"""
CODE = "a ? b : c"
FRENCH_MARKS_RE = re.compile(r"[«»‹›]|[ \u00a0\u202f\u2009]+[;:!?]|\d[ \u00a0\u202f\u2009]+%")
CORRECTION = "The « rise » : 50 %"


def translate(*arguments: str) -> str:
    result = CliRunner().invoke(main, ["translate", *map(str, arguments), "--model", str(SMALL_MODEL),
                                       "--no-glossary", "--quiet"])
    assert result.exit_code == 0, result.output
    return result.output


def outputs(out) -> dict[str, bytes]:
    return {name: (out / name).read_bytes() for name in ("article.en.txt", "page.en.txt", "page.en.md")}


def rows(out, name: str) -> list[dict[str, str]]:
    return list(read_rows(out / f"{name}.tsv"))


def without_code(text: str) -> str:
    return re.sub(r"`[^`]*`", "", text).replace(CODE, "")


def stored(out) -> dict[str, str]:
    with TranslationMemory(default_path(out)) as memory:
        return {source: target for source, target, _ in memory.entries()}


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """One output folder translated four times: english, english again (from memory),
    keep (from memory), and english after a reviewer's correction."""
    source = tmp_path_factory.mktemp("in")
    (source / "article.txt").write_text(TXT, encoding="utf-8")
    (source / "page.md").write_text(MD, encoding="utf-8")
    out = tmp_path_factory.mktemp("out") / "output_en"
    found = {}
    translate(source, "-o", out)
    found["english"] = (outputs(out), {n: rows(out, n) for n in ("article", "page")})
    found["again"] = (translate(source, "-o", out), outputs(out), {n: rows(out, n) for n in ("article", "page")})
    keep = out.parent / "keep"
    translate(source, "-o", out, "--typography", "keep")
    shutil.copytree(out, keep)
    document = read_tsv(out / "article.tsv")[0]
    pair = next(p for p in document.translatable_pairs() if p.source == "Hausse de 50 %")
    pair.target, pair.status, pair.origin = CORRECTION, "reviewed", Origin.REVIEWED
    with TranslationMemory(default_path(out)) as memory:
        memory.store_review(document, pair, edited=True)
    translate(source, "-o", out)
    return out, keep, found


def test_the_english_run_writes_english_typography(runs):
    out, _, found = runs
    files, tsv = found["english"]
    for name, content in files.items():
        text = content.decode("utf-8")
        assert text.strip() and not FRENCH_MARKS_RE.search(without_code(text)), name
    for name, table in tsv.items():
        for row in table:
            assert not FRENCH_MARKS_RE.search(without_code(row["en"])), (name, row["en"])
    # The code the model read is kept verbatim, its own spaces and marks with it.
    (code_row,) = [row for row in tsv["page"] if CODE in row["fr"]]
    assert CODE in code_row["en"]
    assert f"`{CODE}`" in files["page.en.md"].decode("utf-8")


def test_the_memory_keeps_the_models_own_english(runs):
    out, keep, found = runs
    raw = stored(keep)
    _, tsv = found["english"]
    # The model wrote French typography (else this test would prove nothing) ...
    assert any(FRENCH_MARKS_RE.search(without_code(target)) for target in raw.values())
    # ... and each written sentence is exactly the stage's rewrite of what it wrote.
    for row in tsv["article"]:
        assert row["en"] == english_typography(raw[row["fr"]])[0]


def test_a_second_run_from_memory_writes_the_same_files(runs):
    _, _, found = runs
    summary, files, tsv = found["again"]
    assert "from memory" in summary
    assert files == found["english"][0]
    for name, table in tsv.items():
        assert {row["origin"] for row in table} == {"memory"}
        same = [{k: v for k, v in row.items() if k != "origin"} for row in table]
        assert same == [{k: v for k, v in row.items() if k != "origin"} for row in found["english"][1][name]]


def test_keep_writes_the_models_own_english(runs):
    _, keep, found = runs
    raw = stored(keep)
    for name in ("article", "page"):
        written = rows(keep, name)
        assert [row["en"] for row in written] == [raw[row["fr"]] for row in written]
    assert (keep / "article.en.txt").read_text(encoding="utf-8") != found["english"][0]["article.en.txt"].decode()
    manifest = json.loads((keep / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["settings"]["typography"] == "keep"
    assert manifest["counts"]["from_memory"] == manifest["counts"]["sentences"]  # the setting keeps the memory


def test_a_reviewers_correction_is_kept_as_typed_and_flagged(runs):
    out, _, found = runs
    table = rows(out, "article")
    (row,) = [row for row in table if row["fr"] == "Hausse de 50 %"]
    assert row["en"] == CORRECTION and row["origin"] == "reviewed"
    assert 'french-typography:« » " :" " %"' in row["flags"]
    assert CORRECTION in (out / "article.en.txt").read_text(encoding="utf-8")
    assert 'class="badge flag-french-typography"' in (out / "article.html").read_text(encoding="utf-8")
    # The machine's sentences are written as before.
    others = [r["en"] for r in table if r is not row]
    assert others == [r["en"] for r in found["english"][1]["article"] if r["fr"] != "Hausse de 50 %"]
    assert not any("french-typography" in r["flags"] for r in table if r is not row)


@given(st.text(alphabet="ab 1«»‹›“”;:!?%.,\u00a0\u202f", max_size=30))
@settings(max_examples=300, deadline=None)
def test_a_pair_gets_what_the_rules_give_its_english_with_or_without_marks(text):
    from align.document import SentencePair
    from align.typography import english_pair

    pair = SentencePair(source="x", target=text, paragraph=1, number=1, alignment=[(0, 1, 0, len(text))])
    english_pair(pair)
    new, offsets = english_typography(text)
    assert pair.target == new
    assert pair.alignment == [(0, 1, 0, offsets[len(text)])]
