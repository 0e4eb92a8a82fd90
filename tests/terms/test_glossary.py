"""Tests of align.glossary and `align glossary check|export|import`."""
from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from align.cli.glossary import glossary as glossary_cli
from align.document import Document, Paragraph, SentencePair, METADATA
from align.errors import InputError
from align.terms.glossary import COLUMNS, Entry, Glossary, check, find_terms, parse_tsv

ROOT = Path(__file__).resolve().parent.parent.parent
SHIPPED = ROOT / "glossary.tsv"
HEADER = "source\ttarget\tnote\tcase\tvariants\n"

SMALL = HEADER + (
    "IA\tAI\tacronym\t\t\n"
    "IAG\tAGI\t\t\t\n"
    "intelligence artificielle\tartificial intelligence\t\t\t\n"
    "intelligence artificielle générale\tartificial general intelligence\t\t\t\n"
    "conseil d'administration\tboard of directors\tthe board\t\t"
    "conseils d'administration=boards of directors\n"
    "alignement\talignment\t\tsensitive\t\n"
    "OpenAI\tOpenAI\tname\tsensitive\t\n"
    "chat\tcat\t\t\t\n"
)


@pytest.fixture
def small() -> Glossary:
    return Glossary.loads(SMALL, "small.tsv")


def spans(glossary: Glossary, text: str) -> list[tuple[str, int, int, str]]:
    return [(t.source, t.start, t.end, t.target) for t in glossary.find(text)]


def write(tmp_path: Path, text: str | bytes, name: str = "g.tsv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return path


# ------------------------------------------------------------------ matching

@pytest.mark.parametrize("apostrophe", ["'", "\u2019"])
@pytest.mark.parametrize("elision", ["l", "d", "qu", "L", "jusqu"])
def test_elision_covers_only_the_term(small, apostrophe, elision):
    text = f"{elision}{apostrophe}IAG arrive."
    start = len(elision) + 1
    assert spans(small, text) == [("IAG", start, start + 3, "AGI")]


def test_typographic_apostrophe_inside_term_offsets_index_original(small):
    text = "Le conseil d\u2019administration a parlé."
    [term] = small.find(text)
    assert (term.start, term.end) == (3, 27)
    assert term.source == "conseil d\u2019administration" == text[term.start:term.end]
    assert term.target == "board of directors"
    assert term.entry == "conseil d'administration"
    assert term.note == "the board"


def test_plural_variant_gets_its_own_target(small):
    [term] = small.find("Les conseils d'administration votent.")
    assert term.source == "conseils d'administration"
    assert term.target == "boards of directors"
    assert term.entry == "conseil d'administration"


def test_acronym_never_matches_inside_words(small):
    assert spans(small, "via IAG, IAs, VIA, ia, Ia, MIA.") == [("IAG", 4, 7, "AGI")]
    assert spans(small, "L'IA-générative et l'IA.") == [("IA", 2, 4, "AI"), ("IA", 21, 23, "AI")]


def test_longest_match_wins(small):
    text = "L'intelligence artificielle générale et l'intelligence artificielle."
    assert spans(small, text) == [
        ("intelligence artificielle générale", 2, 36, "artificial general intelligence"),
        ("intelligence artificielle", 42, 67, "artificial intelligence"),
    ]


def test_longest_wins_over_an_earlier_shorter_overlap():
    g = Glossary([Entry("grand modèle", "large model"), Entry("modèle de langage étendu", "extended language model")])
    assert spans(g, "un grand modèle de langage étendu") == [
        ("modèle de langage étendu", 9, 33, "extended language model")]


def test_sentence_initial_and_case_insensitive_default(small):
    assert spans(small, "Intelligence artificielle, INTELLIGENCE ARTIFICIELLE") == [
        ("Intelligence artificielle", 0, 25, "artificial intelligence"),
        ("INTELLIGENCE ARTIFICIELLE", 27, 52, "artificial intelligence"),
    ]


def test_case_override_sensitive(small):
    # case=sensitive: exact case, but a lowercase term may still start a sentence.
    assert spans(small, "Alignement, alignement, ALIGNEMENT") == [
        ("Alignement", 0, 10, "alignment"), ("alignement", 12, 22, "alignment")]
    assert spans(small, "openai, OpenAI") == [("OpenAI", 8, 14, "OpenAI")]


def test_case_override_insensitive_acronym():
    g = Glossary.loads(HEADER + "PDG\tCEO\t\tinsensitive\t\n")
    assert [t.source for t in g.find("Le pdg et le PDG.")] == ["pdg", "PDG"]
    assert Glossary.loads(HEADER + "PDG\tCEO\t\t\t\n").entries[0].case_sensitive


def test_word_boundaries_unicode(small):
    # Letters (accented too) and digits join words; punctuation, including "_", does not.
    assert spans(small, "chaton chats chat, échat chat2 _chat") == [
        ("chat", 13, 17, "cat"), ("chat", 32, 36, "cat")]


def test_line_breaks_and_double_spaces_inside_terms(small):
    assert [t.source for t in small.find("intelligence\u00a0 artificielle")] == ["intelligence\u00a0 artificielle"]


RULES = HEADER + (
    "conseil d'administration\tboard of directors\t\t\tconseils d'administration=boards of directors\n"
    "cofondateur\tcofounder\t\t\tcofondateurs=cofounders|cofondatrice|cofondatrices=cofounders\n"
    "IA\tAI\t\t\t\n"
    "ONU\tUnited Nations\t\t\t\n"
    "xAI\txAI\t\t\t\n"
    "iPhone\tiPhone\t\t\t\n"
    "intelligence artificielle\tartificial intelligence\t\t\t\n"
    "alignement\talignment\t\tsensitive\t\n"
    "PDG\tCEO\t\tinsensitive\t\n"
    "eBay\teBay\t\tkeep-case\t\n"
)


def test_terms_carry_the_other_targets_of_their_entry():
    g = Glossary.loads(RULES)
    [one, many] = g.find("Le conseil d'administration et les conseils d'administration.")
    assert (one.target, one.forms) == ("board of directors", ("boards of directors",))
    assert (many.target, many.forms) == ("boards of directors", ("board of directors",))
    [she, they] = g.find("La cofondatrice et les cofondatrices.")
    assert (she.target, she.forms) == ("cofounder", ("cofounders",))
    assert (they.target, they.forms) == ("cofounders", ("cofounder",))
    [ai] = g.find("l'IA")
    assert ai.forms == ()


def test_target_case_rules():
    g = Glossary.loads(RULES)
    text = "IA, ONU, xai, iPhone, intelligence artificielle, Alignement, pdg, eBay."
    rules = {t.entry: (t.source, t.case_sensitive, t.keep_case) for t in g.find(text)}
    assert rules == {
        "IA": ("IA", True, False),                          # AI: an acronym target keeps its case
        "ONU": ("ONU", False, False),                       # acronym source, plain target
        "xAI": ("xai", True, False),                        # source any case, target exactly xAI
        "iPhone": ("iPhone", True, False),
        "intelligence artificielle": ("intelligence artificielle", False, False),
        "alignement": ("Alignement", True, False),          # case=sensitive: both sides
        "PDG": ("pdg", False, False),                       # case=insensitive: both sides
        "eBay": ("eBay", True, True),                       # keep-case
    }


def test_keep_case_matches_the_source_exactly():
    g = Glossary.loads(RULES)
    assert [t.source for t in g.find("EBay, ebay, eBay, EBAY")] == ["eBay"]
    lower = Glossary.loads(HEADER + "chat\tcat\t\tkeep-case\t\n")
    assert [t.source for t in lower.find("Chat, chat")] == ["chat"]
    assert [t.source for t in Glossary.loads(HEADER + "chat\tcat\t\tsensitive\t\n").find("Chat, chat")] == [
        "Chat", "chat"]


def test_entry_target_case_sensitive():
    assert [Entry("x", target).target_case_sensitive(target) for target in
            ("AI", "GPT-4", "OpenAI", "DeepMind", "eBay", "Sam Altman", "Île-de-France", "X", "cat")] == [
        True, True, True, True, True, False, False, False, False]
    assert Entry("x", "cat", case="sensitive").target_case_sensitive("cat")
    assert Entry("x", "cat", case="keep-case").target_case_sensitive("cat")
    assert not Entry("x", "AI", case="insensitive").target_case_sensitive("AI")


@pytest.mark.parametrize("fmt", ["tbx", "csv"])
def test_keep_case_checks_clean_and_round_trips(tmp_path, fmt):
    path = write(tmp_path, RULES)
    assert check(path) == []
    g = Glossary.load(path)
    assert g.get("eBay").case == "keep-case" and g.get("eBay").keep_case
    out = tmp_path / f"out.{fmt}"
    g.write(out, fmt)
    assert Glossary.import_file(out, fmt).entries == g.entries


def test_find_terms_fills_translatable_pairs_only(small):
    prose = Paragraph("l'IA", 1, sentences=[SentencePair("l'IA", paragraph=1, number=1)])
    meta = Paragraph("IA", 2, kind=METADATA, sentences=[SentencePair("IA", paragraph=2, number=1)])
    document = Document("d", [prose, meta])
    assert find_terms(document, small) is document  # a stage returns its Document
    assert [t.target for t in prose.sentences[0].terms] == ["AI"]
    assert meta.sentences[0].terms == []


# ------------------------------------------------------------- loading/check

def test_load_bom_crlf(tmp_path):
    path = write(tmp_path, b"\xef\xbb\xbf" + SMALL.replace("\n", "\r\n").encode("utf-8"))
    g = Glossary.load(path)
    assert len(g) == 8
    assert g.warnings == [f"{path}:1: UTF-8 byte order mark (some tools read it as part of the first cell)"]
    assert g.sha256 == Glossary.loads(SMALL).sha256
    assert [e.source for e in g][:2] == ["IA", "IAG"]


def test_sha256_stable_and_order_independent(small):
    lines = SMALL.splitlines(keepends=True)
    shuffled = Glossary.loads(lines[0] + "".join(reversed(lines[1:])))
    assert shuffled.sha256 == small.sha256
    assert len(small.sha256) == 64
    assert Glossary.loads(SMALL.replace("cat", "kitten")).sha256 != small.sha256


BAD = (
    "source\ttarget\tnote\n"                       # 1
    "IA\tAI\t\n"                                   # 2
    "IA\tAI\t\n"                                   # 3 duplicate: warning
    "PDG\tCEO\t\n"                                 # 4
    "PDG\tpresident\t\n"                           # 5 conflict: error
    "alignement\t\t\n"                             # 6 empty target: error
    " gouvernance\tgovernance \t\n"                # 7 stray whitespace: warning
    "a\tb\tc\td\n"                                 # 8 too many columns: error
    "\n"                                           # 9 blank: ignored
    "seul\n"                                       # 10 too few: error
)


def test_check_messages_and_lines(tmp_path):
    path = write(tmp_path, BAD.encode("utf-8") + b"caf\xe9\tcoffee\t\n")   # 11 bad byte
    messages = [str(p) for p in check(path)]
    assert messages == [
        f"{path}:3: warning: duplicate source 'IA' (already on line 2)",
        f"{path}:5: error: conflicting targets for 'PDG': 'president' here, 'CEO' on line 4",
        f"{path}:6: error: empty target",
        f"{path}:7: warning: stray whitespace in source ' gouvernance'",
        f"{path}:7: warning: stray whitespace in target 'governance '",
        f"{path}:8: error: expected 3 columns (source, target, note), found 4",
        f"{path}:10: error: expected 3 columns (source, target, note), found 1",
        f"{path}:11: error: not valid UTF-8 (byte 0xE9 at column 4); save the file as UTF-8",
    ]


def test_check_cli_exit_codes(tmp_path):
    runner = CliRunner()
    bad = write(tmp_path, BAD)
    result = runner.invoke(glossary_cli, ["check", str(bad)])
    assert result.exit_code == 1
    assert f"{bad}:5: error: conflicting targets for 'PDG'" in result.output

    warn = write(tmp_path, "source\ttarget\tnote\nIA\tAI\t\nIA\tAI\t\n", "warn.tsv")
    result = runner.invoke(glossary_cli, ["check", str(warn)])
    assert result.exit_code == 0
    assert result.output == f"{warn}:3: warning: duplicate source 'IA' (already on line 2)\n"

    result = runner.invoke(glossary_cli, ["check", str(tmp_path / "missing.tsv")])
    assert result.exit_code == 2
    assert "missing.tsv: no such file" in result.output


def test_check_variant_conflicts_and_bad_case(tmp_path):
    path = write(tmp_path, HEADER
                 + "conseil\tboard\t\t\tconseils=boards|conseil\n"
                 + "conseils\tcouncils\t\t\t\n"
                 + "x\ty\t\tmaybe\t\n"
                 + "u\tv\t\t\ta=|\n")
    assert [str(p) for p in check(path)] == [
        f"{path}:2: warning: duplicate variant 'conseil' (already on line 2)",
        f"{path}:3: error: conflicting targets for 'conseils': 'councils' here, 'boards' on line 2",
        f"{path}:4: error: unknown case 'maybe' (use auto, sensitive, insensitive or keep-case)",
        f"{path}:5: error: empty target for variant 'a'",
        f"{path}:5: error: empty variant form in 'a=|'",
    ]


@pytest.mark.parametrize("text, message", [
    ("", "1: missing header row 'source<TAB>target<TAB>note'"),
    ("fr\ten\nIA\tAI\n", "1: header must start with 'source<TAB>target', found 'fr\\ten'"),
    ("source\ttarget\nIA\t\n", "2: empty target"),
    ("source\ttarget\nIA\tAI\nIA\tKI\n", "3: conflicting targets for 'IA': 'KI' here, 'AI' on line 2"),
])
def test_load_errors(tmp_path, text, message):
    path = write(tmp_path, text)
    with pytest.raises(InputError) as info:
        Glossary.load(path)
    assert str(info.value) == f"{path}:{message}"


cell = st.lists(st.sampled_from(["a", "é", "e\u0301", " ", "  ", "\u00a0", "\u2009", "\x0b", "x y"]),
                max_size=5).map("".join)


@settings(max_examples=300, deadline=None)
@given(st.lists(cell, min_size=5, max_size=5))
def test_stray_whitespace_warnings_match_a_cell_by_cell_check(cells):
    cells[0], cells[1] = "s" + cells[0] + "s", "t" + cells[1] + "t"   # never empty
    cells[3] = ""                                                    # a valid case
    entries, problems = parse_tsv((HEADER + "\t".join(cells) + "\n").encode("utf-8"), "w.tsv")
    stray = [f"stray whitespace in {column} {value!r}" for column, value in zip(COLUMNS, cells)
             if value != " ".join(value.split())]
    assert [p.message for p in problems if p.message.startswith("stray")] == stray
    [entry] = entries
    assert entry.source == unicodedata.normalize("NFC", " ".join(cells[0].split()))
    assert entry.note == unicodedata.normalize("NFC", " ".join(cells[2].split()))


def test_load_not_utf8_and_missing(tmp_path):
    path = write(tmp_path, "source\ttarget\nstratégie\tstrategy\n".encode("cp1252"))
    with pytest.raises(InputError, match=r"g\.tsv:2: not valid UTF-8 \(byte 0xE9 at column 6\)"):
        Glossary.load(path)
    with pytest.raises(InputError, match=r"nope\.tsv: no such file"):
        Glossary.load(tmp_path / "nope.tsv")


def test_load_skips_duplicates_with_warning():
    g = Glossary.loads("source\ttarget\nIA\tAI\nIA\tAI\n", "d.tsv")
    assert len(g) == 1
    assert g.warnings == ["d.tsv:3: duplicate source 'IA' (already on line 2)"]


# ------------------------------------------------------------------- export

THREE = HEADER + (
    "PDG\tCEO\tprésident-directeur général\t\t\n"
    "conseil d'administration\tboard of directors\t\t\tconseils d'administration=boards of directors\n"
    "OpenAI\tOpenAI\tname, \"do not translate\"\tsensitive\t\n"
)


@pytest.fixture
def three() -> Glossary:
    return Glossary.loads(THREE, "three.tsv")


def test_export_deepl(three):
    assert three.export("deepl") == (
        "PDG\tCEO\n"
        "conseil d'administration\tboard of directors\n"
        "conseils d'administration\tboards of directors\n"
        "OpenAI\tOpenAI\n"
    )


def test_export_google(three):
    assert three.export("google") == (
        "PDG,CEO\n"
        "conseil d'administration,board of directors\n"
        "conseils d'administration,boards of directors\n"
        "OpenAI,OpenAI\n"
    )


def test_export_amazon(three):
    assert three.export("amazon") == (
        "fr,en\n"
        "PDG,CEO\n"
        "conseil d'administration,board of directors\n"
        "conseils d'administration,boards of directors\n"
        "OpenAI,OpenAI\n"
    )


def test_export_omegat(three):
    assert three.export("omegat") == (
        "PDG\tCEO\tprésident-directeur général\n"
        "conseil d'administration\tboard of directors\t\n"
        "conseils d'administration\tboards of directors\t\n"
        "OpenAI\tOpenAI\tname, \"do not translate\"\n"
    )


def test_export_csv(three):
    assert three.export("csv") == (
        "source,target,note,case,variants\n"
        "PDG,CEO,président-directeur général,,\n"
        "conseil d'administration,board of directors,,,conseils d'administration=boards of directors\n"
        "OpenAI,OpenAI,\"name, \"\"do not translate\"\"\",sensitive,\n"
    )


def test_export_tbx(three):
    xml = three.export("tbx").decode("utf-8")
    assert xml.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    assert '<martif type="TBX" xml:lang="fr">' in xml
    assert ('<langSet xml:lang="fr"><tig><term>conseil d\'administration</term></tig>'
            '<tig><term>conseils d\'administration</term></tig></langSet>') in xml
    assert '<langSet xml:lang="en"><tig><term>CEO</term></tig></langSet>' in xml
    assert "<note>président-directeur général</note>" in xml
    assert '<descrip type="x-case">sensitive</descrip>' in xml


def test_deepl_export_has_no_duplicate_sources():
    g = Glossary([Entry("IA", "AI", variants=(("IA", "AI"),)), Entry("ia", "AI", case="sensitive")])
    sources = [line.split("\t")[0] for line in g.export("deepl").splitlines()]
    assert len(sources) == len(set(sources))


@pytest.mark.parametrize("fmt", ["tbx", "csv"])
def test_round_trip(tmp_path, three, fmt):
    path = tmp_path / f"out.{fmt}"
    three.write(path, fmt)
    back = Glossary.import_file(path, fmt)
    assert back.entries == three.entries
    assert back.sha256 == three.sha256


def test_import_amazon_csv(tmp_path, three):
    path = tmp_path / "amazon.csv"
    three.write(path, "amazon")
    back = Glossary.from_csv(path)
    assert [(e.source, e.target) for e in back] == [
        ("PDG", "CEO"), ("conseil d'administration", "board of directors"),
        ("conseils d'administration", "boards of directors"), ("OpenAI", "OpenAI")]


def test_cli_export_and_import(tmp_path):
    runner = CliRunner()
    src = write(tmp_path, THREE, "glossary.tsv")
    result = runner.invoke(glossary_cli, ["export", str(src), "--to", "deepl"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("PDG\tCEO\n")

    tbx = tmp_path / "g.tbx"
    result = runner.invoke(glossary_cli, ["export", str(src), "--to", "tbx", "-o", str(tbx)])
    assert result.exit_code == 0, result.output
    out = tmp_path / "back.tsv"
    result = runner.invoke(glossary_cli, ["import", str(tbx), "--from", "tbx", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert Glossary.load(out).entries == Glossary.load(src).entries
    assert out.read_text(encoding="utf-8") == Glossary.load(src).to_tsv()

    result = runner.invoke(glossary_cli, ["export", str(src), "--to", "xliff"])
    assert result.exit_code == 2  # click usage error


def test_cli_export_bad_glossary(tmp_path):
    bad = write(tmp_path, "source\ttarget\nIA\t\n")
    result = CliRunner().invoke(glossary_cli, ["export", str(bad), "--to", "csv"])
    assert result.exit_code == 1
    assert f"{bad}:2: empty target" in result.output


# ---------------------------------------------------------- shipped glossary

REQUIRED_ENTRIES = {
    "IAG": "AGI",
    "AGI": "AGI",
    "intelligence artificielle générale": "artificial general intelligence",
    "conseil d'administration": "board of directors",
    "PDG": "CEO",
    "directrice de la technologie": "chief technology officer",
    "scientifique en chef": "chief scientist",
    "à but non lucratif": "nonprofit",
    "à but lucratif": "for-profit",
    "superintelligence": "superintelligence",
    "alignement": "alignment",
    "IA": "AI",
}
NAMES = ["OpenAI", "ChatGPT", "Anthropic", "Microsoft", "Sam Altman", "Ilya Sutskever",
         "Mira Murati", "Greg Brockman", "Emmett Shear"]


def test_shipped_glossary_has_required_entries():
    g = Glossary.load(SHIPPED)
    assert g.warnings == []
    assert len(g) >= 25
    targets = {e.source: e.target for e in g}
    for source, target in REQUIRED_ENTRIES.items():
        assert targets.get(source) == target, source
    for name in NAMES:
        assert targets.get(name) == name
    first = SHIPPED.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("source\ttarget\tnote")


def test_shipped_glossary_checks_clean():
    result = CliRunner().invoke(glossary_cli, ["check", str(SHIPPED)])
    assert result.exit_code == 0
    assert result.output == ""


def test_shipped_glossary_on_real_sentences():
    g = Glossary.load(SHIPPED)
    text = ("Le PDG Sam Altman, la directrice de la technologie Mira Murati et le "
            "scientifique en chef Ilya Sutskever ont quitté le conseil d’administration "
            "de l’organisation à but non lucratif qui vise l'IAG.")
    assert [(t.source, t.target) for t in g.find(text)] == [
        ("PDG", "CEO"), ("Sam Altman", "Sam Altman"),
        ("directrice de la technologie", "chief technology officer"), ("Mira Murati", "Mira Murati"),
        ("scientifique en chef", "chief scientist"), ("Ilya Sutskever", "Ilya Sutskever"),
        ("conseil d’administration", "board of directors"),
        ("à but non lucratif", "nonprofit"), ("IAG", "AGI"),
    ]
    # Every entry of the shipped glossary occurs in the articles.
    articles = "\n".join(p.read_text(encoding="utf-8") for p in sorted((ROOT / "sources_fr").glob("*.txt")))
    found = {t.entry for t in g.find(articles)}
    assert found == {e.source for e in g}


def test_nothing_inside_a_url_or_an_email_address_is_a_term():
    glossary = Glossary.loads("source\ttarget\ncancer\tcancer\nIA\tAI\n")
    text = "Le cancer : voir http://ca.movember.com/fr/prostate-cancer-screening ou www.ia.fr et ia@cancer.org."
    assert [(t.source, t.start) for t in glossary.find(text)] == [("cancer", 3)]
