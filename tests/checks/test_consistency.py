"""Consistency across a corpus (align.checks.consistency): the same French translated
differently in different articles, kept per output folder in SQLite, flagged on
the rows and listed in the index."""
from __future__ import annotations

import random
import re
import sqlite3
from pathlib import Path
from urllib.parse import unquote

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import html as lxml_html

import align.mt.engines
import align.pipeline.run
from align.cli import main
from align.output.folder import OutputFolder
from align.checks.consistency import (FLAG, NAME, SENTENCE, TERM, ConsistencyIndex, Occurrence, _in_english,
                               document_occurrences, find_names, mark_inconsistent, pair_occurrences)
from align.document import METADATA, Document, Flag, Paragraph, SentencePair, Term
from align.flags import FLAGS, FlagCode
from align.review.folder import Edit, ReviewFolder
from align.output.writers.tsv import read_rows
from tests.conftest import write_in_background

from scripted_engine import ScriptedEngine


# ---------------------------------------------------------------- names in French news
# Sentences of the WMT newstest2013 French side (../shared/data/newstest2013.fr, line
# numbers given), copied here so that the tests need nothing outside the project.
NEWS_NAMES = [
    (2058, '"Mon gouvernement a pris l\'engagement envers le peuple mexicain de réduire la violence", a déclaré '
           'M. Pena Nieto au Président américain Barack Obama dans le Bureau Ovale un peu plus tôt cette semaine.',
     ["Pena Nieto", "Président", "Barack Obama", "Bureau Ovale"]),
    (1724, "Car à 8,733 kilomètres à vol d'oiseau d'Heidelberg, dans le Nord-Ouest du Royaume du Swaziland, se "
           "trouve Esitjeni, le village qui dépend de la puissance vocale de la chorale allemande.",
     ["Heidelberg", "Nord-Ouest du Royaume du Swaziland", "Esitjeni"]),
    (87, "L'embonpoint et l'obésité favorisent aussi l'apparition de la maladie, selon la SCC.", ["SCC"]),
    (250, '"Le PSG n\'est pas le FC Barcelone !"', ["PSG", "FC Barcelone"]),
    (319, "Le PSG semble totalement dépendant des exploits de Zlatan Ibrahimovic.", ["PSG", "Zlatan Ibrahimovic"]),
    (1629, "Stephen Szabo est le directeur adjoint de la Transatlantic Academy de Washington, un institut dans "
           "lequel des universitaires et des experts en politique d'Europe et d'Amérique du Nord analysent "
           "ensemble les défis de la communauté transatlantique.",
     ["Stephen Szabo", "Transatlantic Academy de Washington", "Europe", "Amérique du Nord"]),
    (2759, "Et si la Suède, comme le permet tout à fait sa législation, et comme elle l'a déjà fait dans d'autres "
           "cas, interrogeait M. Assange dans l'ambassade d'Équateur à Londres, ou l'interrogeait via Skype "
           "demain, le problème serait également résolu.",
     ["Suède", "Assange", "Équateur", "Londres", "Skype"]),
    (236, "A la suite de ces révélations, M. Tremblay a démissionné début novembre, plongeant Montréal dans une "
          "crise majeure.", ["Tremblay", "Montréal"]),
    (1904, "Rembrandt Scholz, gérontologue à l'Institut Max-Planck de Rostock, lui a aussi entendu parler de "
           "l'homme au grand âge d'Asie centrale.", ["Rembrandt Scholz", "Institut Max-Planck de Rostock", "Asie"]),
    # The lone capitalised word that starts the sentence is not counted, a name there included.
    (2118, "Manning a témoigné jeudi sur son arrestation en Irak et de son transfert au Koweït, où il a été détenu "
           "pendant près de deux mois avant d'être transféré à la prison militaire de la base du Corps des Marines "
           "à Quantico, en Virginie, en juillet 2010.",
     ["Irak", "Koweït", "Corps des Marines", "Quantico", "Virginie"]),
    # After an elided article the capital is the name's own: "L'Afghanistan" counts.
    (431, "L'Afghanistan, pays de montagnes, aux fortes identités locales, devrait pouvoir bénéficier d'une "
          "certaine décentralisation, à l'image des nations occidentales, mais les Etats-Unis ont voulu le "
          "transformer en un Etat centralisé, à pouvoir présidentiel fort, supprimant le poste de Premier ministre "
          "qui existait depuis la Constitution de 1964.",
     ["Afghanistan", "Etats-Unis", "Etat", "Premier", "Constitution"]),
]


@pytest.mark.parametrize("line, sentence, names", NEWS_NAMES, ids=[f"newstest2013.fr:{n[0]}" for n in NEWS_NAMES])
def test_names_of_french_news_sentences(line, sentence, names):
    assert [sentence[start:end] for start, end in find_names(sentence)] == names


@pytest.mark.parametrize("sentence, names", [
    ("Jean-Marc Ayrault a présenté le budget.", ["Jean-Marc Ayrault"]),  # two words at the start: a name
    ("Hier, le gouvernement a parlé.", []),                               # a lone capital at the start: none
    ("Le président Valéry Giscard d'Estaing et Charles de Gaulle.", ["Valéry Giscard d'Estaing", "Charles de Gaulle"]),
    ("La musique de Ludwig van Beethoven plaît à Marine Le Pen.", ["Ludwig van Beethoven", "Marine Le Pen"]),
    ("Selon la SNCF et l'UMP, rien ne change.", ["SNCF", "UMP"]),
    ("UMP et PS se disputent.", ["UMP", "PS"]),                           # an acronym counts even at the start
    ("Il a dit : « Nous partirons » à Lyon.", ["Lyon"]),                  # function words are never names
    ("Les élèves de Paris la nuit.", ["Paris"]),                          # a particle needs a capital after it
])
def test_name_rules(sentence, names):
    assert [sentence[start:end] for start, end in find_names(sentence)] == names


# ---------------------------------------------------------------- occurrences of a pair
def links(source: str, target: str, words: list[tuple[str, str]]) -> list[tuple[int, int, int, int]]:
    """Word alignment from (French word, English word) pairs, each the first occurrence."""
    out = []
    for french, english in words:
        fs, ts = source.index(french), target.index(english)
        out.append((fs, fs + len(french), ts, ts + len(english)))
    return out


def test_a_pair_gives_its_sentence_its_terms_and_its_names():
    source = "Le conseil d'administration de la SNCF a reçu Guillaume Pepy."
    target = "The board of SNCF received   Guillaume Pepi."
    pair = SentencePair(source=source, target=target, paragraph=2, number=3,
                        alignment=links(source, target, [("conseil", "board"), ("d'administration", "board"),
                                                         ("Guillaume", "Guillaume"), ("Pepy", "Pepi.")]))
    found = {(o.kind, o.key): o for o in pair_occurrences(pair)}
    assert found[(SENTENCE, source)].variant == "The board of SNCF received Guillaume Pepi."  # spaces collapsed
    assert found[(NAME, "SNCF")].variant == "SNCF"                   # in the English as it is
    assert found[(NAME, "Guillaume Pepy")].variant == "Guillaume Pepi."  # else the aligned English
    assert {o.sentence for o in found.values()} == {"p2s3"}


def test_term_variants_target_or_missing():
    source = "Le conseil d'administration vote; le conseil d'administration part; le conseil d'administration dort."
    target = "The board votes; the directors leave; sleeps."
    spans = [m.span() for m in re.finditer("conseil d'administration", source)]

    def term(i: int, **fields) -> Term:
        return Term(source="conseil d'administration", start=spans[i][0], end=spans[i][1], target="board",
                    entry="conseil d'administration", **fields)

    pair = SentencePair(source=source, target=target, paragraph=1, number=1, terms=[
        term(0, status="model", target_start=4, target_end=9),        # found: the glossary's target
        term(1, status="failed"),          # missing, though "directors" is aligned to it: missing ("")
        term(2, status="failed"),          # missing, nothing aligned: ""
    ], alignment=[(spans[1][0], spans[1][0] + 7, target.index("directors"), target.index("directors") + 9)])
    variants = [o.variant for o in pair_occurrences(pair) if o.kind == TERM]
    assert variants == ["board", "", ""]


def test_a_name_aligned_to_common_words_is_not_compared():
    """Word alignment puts "of the" or "countries" where "États" was: not a rendering
    of the name, and it varies from one article to the next (seen with the trained model)."""
    source = "Les États ont voté."
    cases = {"The States voted.": "States", "The countries voted.": None, "They voted.": None}
    for target, expected in cases.items():
        word = target.split()[1] if expected or "countries" in target else "voted."
        start = target.index(word)
        pair = SentencePair(source=source, target=target, paragraph=1, number=1,
                            alignment=[(4, 9, start, start + len(word))])
        names = [o.variant for o in pair_occurrences(pair) if o.kind == NAME]
        assert names == ([expected] if expected else []), target


def test_short_sentences_and_metadata_are_not_compared():
    document = Document(name="x", paragraphs=[
        Paragraph(text="date 2025-01", number=1, kind=METADATA,
                  sentences=[SentencePair(source="date 2025-01 Paris Lyon", target="date 2025-01 Paris Lyon",
                                          paragraph=1, number=1, origin="metadata")]),
        Paragraph(text="Merci beaucoup.", number=2,
                  sentences=[SentencePair(source="Merci beaucoup.", target="Thanks a lot.", paragraph=2, number=1)]),
    ])
    assert document_occurrences(document) == []


# ---------------------------------------------------------------- the store
def occ(kind: str, key: str, variant: str, sentence: str = "p1s1", source: str | None = None) -> Occurrence:
    return Occurrence(kind, key, variant, sentence, key if source is None else source)


@pytest.fixture()
def store(tmp_path):
    with ConsistencyIndex(tmp_path / ".align" / "consistency.sqlite") as opened:
        yield opened


def all_rows(store: ConsistencyIndex) -> list[tuple]:
    return sorted(store._db.execute(
        "SELECT o.article, g.kind, g.key, o.variant, o.sentence FROM occurrences o JOIN groups g ON g.id = o.grp"))


def test_recording_an_article_again_replaces_its_rows(store):
    store.replace("a", [occ(NAME, "Paris", "Paris"), occ(NAME, "Lyon", "Lyon", "p2s1")])
    store.replace("b", [occ(NAME, "Paris", "Paris", "p4s1")])
    store.replace("a", [occ(NAME, "Lyon", "Lyons", "p3s1")])
    assert all_rows(store) == [("a", NAME, "Lyon", "Lyons", "p3s1"), ("b", NAME, "Paris", "Paris", "p4s1")]
    store.forget("a")
    assert all_rows(store) == [("b", NAME, "Paris", "Paris", "p4s1")]
    # groups without rows are gone: a forgotten key never shows up again
    assert store._db.execute("SELECT kind, key, variants, occurrences FROM groups").fetchall() == [
        (NAME, "Paris", 1, 1)]


def test_inconsistencies_most_frequent_first_with_counts_and_links(store):
    store.replace("a", [occ(NAME, "Ayrault", "Ayrault", "p1s1"), occ(NAME, "Ayrault", "Ayrault", "p2s1"),
                        occ(SENTENCE, "Le chat dort.", "The cat sleeps.", "p3s1")])
    store.replace("b", [occ(NAME, "Ayrault", "Ayraut"), occ(SENTENCE, "Le chat dort.", "The cat is asleep.")])
    store.replace("c", [occ(NAME, "Ayrault", "Ayrault"), occ(NAME, "Lyon", "Lyon")])  # Lyon: consistent
    groups = store.inconsistencies()
    assert [(g.kind, g.key, g.occurrences) for g in groups] == [(NAME, "Ayrault", 4), (SENTENCE, "Le chat dort.", 2)]
    ayrault = groups[0]
    assert [(v.text, v.count, v.links) for v in ayrault.variants] == [
        ("Ayrault", 3, [("a", "p1s1"), ("a", "p2s1"), ("c", "p1s1")]), ("Ayraut", 1, [("b", "p1s1")])]
    assert store.inconsistent_count() == 2


def test_links_and_groups_are_capped_and_say_how_many_more(store):
    for n in range(8):
        store.replace(f"art{n}", [occ(NAME, "Ayrault", "Ayrault"), occ(TERM, f"terme{n}", "x")])
    store.replace("other", [occ(NAME, "Ayrault", "")] + [occ(TERM, f"terme{n}", "y") for n in range(8)])
    report = store.report(limit=3, links=5)
    assert report.total == 9 and len(report.groups) == 3 and report.more == 6
    first = report.groups[0]
    assert first.key == "Ayrault"
    assert [(v.text, len(v.links), v.more) for v in first.variants] == [("Ayrault", 5, 3), ("", 1, 0)]
    assert first.variants[0].links == [(f"art{n}", "p1s1") for n in range(5)]  # by article


def test_flags_name_the_french_and_the_other_variants(store):
    store.replace("003", [occ(NAME, "Jean-Marc Ayrault", "Jean-Marc Ayraut", "p2s1")])
    store.replace("001", [occ(NAME, "Jean-Marc Ayrault", "Jean-Marc Ayrault", "p1s1"),
                          occ(NAME, "Jean-Marc Ayrault", "", "p5s1"),
                          occ(NAME, "Lyon", "Lyon", "p1s1")])
    assert store.flags_for("001") == {
        "p1s1": ['« Jean-Marc Ayrault »: also missing (this article), "Jean-Marc Ayraut" (article 003)'],
        "p5s1": ['« Jean-Marc Ayrault »: also "Jean-Marc Ayrault" (this article), "Jean-Marc Ayraut" (article 003)'],
    }
    assert store.flags_for("003") == {
        "p2s1": ['« Jean-Marc Ayrault »: also missing (article 001), "Jean-Marc Ayrault" (article 001)']}
    for n in range(3):
        store.replace(f"x{n}", [occ(NAME, "Jean-Marc Ayrault", f"JM{n}")])
    assert store.flags_for("003")["p2s1"][0].endswith("and 2 more")


def test_mark_inconsistent_sets_and_clears_only_its_own_flags():
    pair = SentencePair(source="Le chat dort.", target="The cat sleeps.", paragraph=1, number=1,
                        flags=[Flag("split", "2 pieces"), Flag(FLAG, "old")])
    document = Document(name="a", paragraphs=[Paragraph(text=pair.source, number=1, sentences=[pair])])
    assert mark_inconsistent(document, {"p1s1": ["new"]})
    assert [str(f) for f in pair.flags] == ["split:2 pieces", "inconsistent:new"]
    assert not mark_inconsistent(document, {"p1s1": ["new"]})
    assert mark_inconsistent(document, {})
    assert [str(f) for f in pair.flags] == ["split:2 pieces"]


def test_the_flag_is_align_flags_inconsistent():
    assert FlagCode.INCONSISTENT == FLAG and FLAGS[FLAG].label == "inconsistent"


def test_the_stage_imports_only_the_data_model_and_the_texts_normal_form():
    import grimp

    graph = grimp.build_graph("align")
    assert {m for m in graph.find_modules_directly_imported_by("align.checks.consistency")
            if m.startswith("align")} == {"align.document", "align.read.text"}


def test_counts_kept_by_the_triggers_are_the_group_by_of_the_rows_and_flags_follow(store):
    """Random records and removals: the per-key counts the triggers keep equal a
    GROUP BY over the rows, and settling the articles of the changed groups (as
    align translate does at the end of a run) leaves every article's recorded flags
    equal to its flags now: no change is missed."""
    rng = random.Random(20)
    keys = [(NAME, "Paris"), (NAME, "Lyon"), (TERM, "conseil"), (SENTENCE, "Le chat dort.")]
    variants = ["A", "B", "C", ""]
    written: dict[str, dict[str, list[str]]] = {}
    for step in range(300):
        article = f"art{rng.randrange(12):02d}"
        if rng.random() < 0.1:
            store.forget(article)
            written.pop(article, None)
        else:
            rows = [occ(*rng.choice(keys), rng.choice(variants), f"p{rng.randrange(3) + 1}s1")
                    for _ in range(rng.randrange(5))]
            store.replace(article, rows)
            written[article] = store.flags_for(article)   # the article's files, as _write writes them
            store.set_flagged(article, written[article])
        if step % 7 == 0:                                   # the end of a run
            groups = store.changed_groups()
            for name in store.changed_articles(groups):
                written[name] = store.flags_for(name)
                store.set_flagged(name, written[name])
            store.clear_changed(groups)
            for name in written:
                assert written[name] == store.flags_for(name) == store.flagged(name), (step, name)
        db = store._db
        assert sorted(db.execute("SELECT kind, key, variants, occurrences FROM groups")) == sorted(db.execute(
            "SELECT g.kind, g.key, COUNT(DISTINCT o.variant), COUNT(*) FROM occurrences o"
            " JOIN groups g ON g.id = o.grp GROUP BY o.grp"))
        assert sorted(db.execute("SELECT grp, variant, occurrences, first_article FROM variants")) == sorted(
            db.execute("SELECT grp, variant, COUNT(*), MIN(article) FROM occurrences GROUP BY grp, variant"))


def test_recording_an_unchanged_article_changes_nothing(store):
    store.replace("a", [occ(NAME, "Paris", "Paris")])
    store.replace("b", [occ(NAME, "Paris", "Paname")])
    store.clear_changed()
    store.replace("b", [occ(NAME, "Paris", "Paname")])
    assert store.changed_groups() == []
    store.replace("c", [occ(NAME, "Paris", "Parigi")])   # a new variant of an inconsistent key
    assert store.changed_articles() == ["a", "b", "c"]


def test_the_cost_of_an_article_does_not_grow_with_the_corpus(tmp_path):
    """SQLite virtual machine steps to record an article and read its flags and the
    index's list, in a folder of 40 and of 1,000 articles sharing a frequent key
    ("France") and an inconsistent one: the same, give or take, as no statement
    reads every row (a full scan would cost 25 times more)."""

    def steps_for_one_more(corpus: int) -> int:
        with ConsistencyIndex(tmp_path / f"{corpus}.sqlite") as store:
            for n in range(corpus):
                store.replace(f"art{n:05d}", [occ(NAME, "France", "France"), occ(NAME, "Ayrault", "Ayrault"),
                                              occ(SENTENCE, f"Phrase numéro {n} ici.", f"Sentence {n} here.")])
            store.replace("art00000", [occ(NAME, "Ayrault", "Ayraut")])
            store.clear_changed()
            count = [0]

            def step() -> int:
                count[0] += 1
                return 0

            store._db.set_progress_handler(step, 10)
            store.replace("zz-new", [occ(NAME, "France", "France"), occ(NAME, "Ayrault", "Ayrault"),
                                     occ(SENTENCE, "Une phrase nouvelle ici.", "A new sentence here.")])
            store.flags_for("zz-new")
            store.report(limit=200, links=5)
            return count[0]

    small, large = steps_for_one_more(40), steps_for_one_more(1000)
    assert large < 1.5 * small, (small, large)


def test_a_file_that_is_no_store_is_refused(tmp_path):
    path = tmp_path / "consistency.sqlite"
    path.write_bytes(b"not a database at all" * 100)
    with pytest.raises(sqlite3.DatabaseError):
        ConsistencyIndex(path)


# ---------------------------------------------------------------- end to end: align translate
AYRAULT_A = "Jean-Marc Ayrault a présenté le budget hier soir."
AYRAULT_B = "Le budget de Jean-Marc Ayrault est critiqué par la droite."
CHERCHEURS = "Les chercheurs publient un modèle nouveau."
SCRIPT = {
    AYRAULT_A: [("Jean-Marc", "Jean-Marc"), ("Ayrault", "Ayrault"), ("presented", "présenté"), ("the", "le"),
                ("budget", "budget"), ("last", "hier"), ("night.", "soir.")],
    # the misspelt name, aligned to the French name
    AYRAULT_B: [("The", "Le"), ("budget", "budget"), ("of", "de"), ("Jean-Marc", "Jean-Marc"), ("Ayraut", "Ayrault"),
                ("is", "est"), ("criticised", "critiqué"), ("by", "par"), ("the", "la"), ("right.", "droite.")],
}
FIXED_B = "The budget of Jean-Marc Ayrault is criticised by the right."


@pytest.fixture(params=["at-once", "background"])
def scripted_cli(monkeypatch, request):
    """`align translate` with the scripted engine in place of the model; each test runs
    twice: the files written at once, and placed in the background as a long run's
    are (align.output.files.BackgroundFiles), the end's rewrites included."""
    engine = ScriptedEngine(SCRIPT)
    monkeypatch.setattr(align.mt.engines, "load_engine", lambda *args, **kwargs: engine)
    if request.param == "background":
        write_in_background(monkeypatch)

    def translate(*paths: Path, out: Path) -> None:
        result = CliRunner().invoke(main, ["translate", *map(str, paths), "-o", str(out), "--no-glossary", "-q"])
        assert result.exit_code == 0, result.output

    return translate


@pytest.fixture()
def sources(tmp_path) -> Path:
    src = tmp_path / "src"
    (src / "2024").mkdir(parents=True)
    (src / "a.txt").write_text(AYRAULT_A + "\n", encoding="utf-8")
    (src / "2024" / "b.txt").write_text(AYRAULT_B + "\n", encoding="utf-8")
    (src / "c.txt").write_text(CHERCHEURS + "\n", encoding="utf-8")
    return src


def flags(out: Path, article: str) -> dict[str, list[str]]:
    """The inconsistency flags of an article's TSV, by sentence id."""
    found = {}
    for row in read_rows(out / f"{article}.tsv"):
        details = [f[len(FLAG) + 1:] for f in row["flags"].split("; ") if f.startswith(FLAG + ":")]
        if details:
            found[row["id"]] = details
    return found


def page_flags(out: Path, article: str) -> dict[str, list[str]]:
    """The inconsistency badges of an article's page, by row id."""
    page = lxml_html.parse(str(out / f"{article}.html"))
    return {row.get("id"): [badge.text_content() for badge in row.xpath(f'.//span[{has_class("flag-inconsistent")}]')]
            for row in page.getroot().xpath(f"//tr[{has_class('pair')}]")
            if "inconsistent" in row.get("data-flags").split()}


def has_class(name: str) -> str:
    """An XPath test for an element with class `name`."""
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"


def index_groups(out: Path) -> dict[tuple[str, str], dict[str, list[str]]]:
    """The index's inconsistent groups: (kind, French) → English → hrefs; each href
    checked to lead to an existing page and a row id on it."""
    index = lxml_html.parse(str(out / "index.html")).getroot()
    groups = {}
    for body in index.xpath(f"//section[@id='inconsistent']//tbody[{has_class('group')}]"):
        variants = {}
        for row in body.xpath(f"tr[{has_class('variant')}]"):
            hrefs = [a.get("href") for a in row.xpath(f"td[{has_class('links')}]/a")]
            for href in hrefs:
                path, _, row_id = href.partition("#")
                page = out / unquote(path)
                assert page.is_file(), href
                assert lxml_html.parse(str(page)).getroot().get_element_by_id(row_id).get("class").startswith("pair")
            variants[row.xpath(f"td[{has_class('text')}]")[0].text_content()] = hrefs
        groups[(body.get("data-kind"), body.get("data-key"))] = variants
    return groups


def test_a_name_spelt_two_ways_is_flagged_listed_and_cleared_once_fixed(scripted_cli, sources, tmp_path):
    out = tmp_path / "out"
    scripted_cli(sources, out=out)
    assert index_groups(out) == {("name", "Jean-Marc Ayrault"): {"Jean-Marc Ayrault": ["./a.html#p1s1"],
                                                                  "Jean-Marc Ayraut": ["./2024/b.html#p1s1"]}}
    assert "Inconsistent translations" in (out / "index.html").read_text(encoding="utf-8")
    # Both rows carry the flag, whichever article was written first.
    assert flags(out, "a") == {"p1s1": ['« Jean-Marc Ayrault »: also "Jean-Marc Ayraut" (article 2024/b)']}
    assert flags(out, "2024/b") == {"p1s1": ['« Jean-Marc Ayrault »: also "Jean-Marc Ayrault" (article a)']}
    assert page_flags(out, "a") == {"p1s1": ['inconsistent: « Jean-Marc Ayrault »: also "Jean-Marc Ayraut" '
                                             '(article 2024/b)']}
    assert list(page_flags(out, "2024/b")) == ["p1s1"]
    assert flags(out, "c") == {}
    # The index counts the flag in the articles' rows and in the total.
    index = lxml_html.parse(str(out / "index.html")).getroot()
    assert [td.text for td in index.xpath("//table[@id='articles']/tfoot//td[@data-code='inconsistent']")] == ["2"]

    # The reviewer corrects the misspelt name: the saved article's flag goes at once,
    # and the index (rewritten by the save) has nothing inconsistent left...
    folder = ReviewFolder(out)
    row = folder.find(folder.load("2024/b"), "p1s1")
    folder.apply("2024/b", "p1s1", Edit(version=row.version, target=FIXED_B))
    assert flags(out, "2024/b") == {} and page_flags(out, "2024/b") == {}
    assert index_groups(out) == {}
    # ...the other article's flag follows at the next run.
    assert flags(out, "a") != {}
    scripted_cli(sources, out=out)
    assert flags(out, "a") == {} and page_flags(out, "a") == {}
    assert flags(out, "2024/b") == {}
    assert index_groups(out) == {}
    assert "Inconsistent translations" not in (out / "index.html").read_text(encoding="utf-8")


def test_a_run_over_one_article_keeps_the_folders_other_articles(scripted_cli, sources, tmp_path):
    out = tmp_path / "out"
    scripted_cli(sources, out=out)
    scripted_cli(sources / "a.txt", out=out)   # this run's index lists article a only
    index = lxml_html.parse(str(out / "index.html")).getroot()
    assert [row.get("data-name") for row in index.xpath(f"//tr[{has_class('article')}]")] == ["a"]
    # ...and the folder's inconsistency, with the article of the earlier run
    assert index_groups(out) == {("name", "Jean-Marc Ayrault"): {"Jean-Marc Ayrault": ["./a.html#p1s1"],
                                                                  "Jean-Marc Ayraut": ["./2024/b.html#p1s1"]}}
    assert flags(out, "a") and flags(out, "2024/b")
    with ConsistencyIndex(OutputFolder(out).consistency) as store:
        assert store.articles() == 3


def test_only_the_articles_whose_flags_change_are_rewritten(scripted_cli, sources, tmp_path):
    out = tmp_path / "out"
    scripted_cli(sources, out=out)
    folder = ReviewFolder(out)
    row = folder.find(folder.load("2024/b"), "p1s1")
    folder.apply("2024/b", "p1s1", Edit(version=row.version, target=FIXED_B))

    def stamps(article: str) -> list[tuple[int, int]]:
        return [((s := (out / f"{article}{suffix}").stat()).st_ino, s.st_mtime_ns) for suffix in (".tsv", ".html")]

    before = {article: stamps(article) for article in ("a", "2024/b", "c")}
    other = tmp_path / "other"
    other.mkdir()
    (other / "d.txt").write_text("Le chat dort sur le canapé rouge.\n", encoding="utf-8")
    scripted_cli(other / "d.txt", out=out)   # a run that does not translate a, b or c
    assert flags(out, "a") == {}             # a's flag, left by the save, is gone: a was rewritten
    assert stamps("a") != before["a"]
    assert stamps("2024/b") == before["2024/b"] and stamps("c") == before["c"]  # untouched


def test_two_reviewers_corrections_of_one_sentence_are_inconsistent_until_one_is_reused(scripted_cli, tmp_path):
    sentence = "Le gouvernement a présenté le budget de la nation."
    src, out = tmp_path / "src", tmp_path / "out"
    src.mkdir()
    (src / "x.txt").write_text(sentence + "\n", encoding="utf-8")
    (src / "y.txt").write_text("Une autre phrase vient ici.\n\n" + sentence + "\n", encoding="utf-8")
    scripted_cli(src, out=out)
    assert index_groups(out) == {}            # the same French, the same English
    folder = ReviewFolder(out)
    folder.apply("x", "p1s1", Edit(version=folder.find(folder.load("x"), "p1s1").version,
                                   target="The government presented the nation's budget."))
    # The saved article is flagged at once against y's machine English.
    assert flags(out, "x") == {"p1s1": [f'« {sentence} »: also "LE GOUVERNEMENT A PRÉSENTÉ LE BUDGET DE LA '
                                        f'NATION." (article y)']}
    groups = index_groups(out)
    assert set(groups[("sentence", sentence)]) == {"The government presented the nation's budget.",
                                                   "LE GOUVERNEMENT A PRÉSENTÉ LE BUDGET DE LA NATION."}
    assert groups[("sentence", sentence)]["LE GOUVERNEMENT A PRÉSENTÉ LE BUDGET DE LA NATION."] == ["./y.html#p2s1"]
    # The next run gives y the correction (correction-reused): consistent, flags gone.
    scripted_cli(src, out=out)
    assert [r["en"] for r in read_rows(out / "y.tsv")][1] == "The government presented the nation's budget."
    assert flags(out, "x") == {} and flags(out, "y") == {}
    assert index_groups(out) == {}


def test_an_article_whose_outputs_were_deleted_leaves_the_store(scripted_cli, sources, tmp_path):
    out = tmp_path / "out"
    scripted_cli(sources, out=out)
    for path in (out / "2024").iterdir():
        path.unlink()
    scripted_cli(sources / "a.txt", out=out)
    assert flags(out, "a") == {} and index_groups(out) == {}   # no flag, no link names the deleted article
    with ConsistencyIndex(OutputFolder(out).consistency) as store:
        assert store.articles() == 2


def test_a_store_that_cannot_be_read_stops_the_run_with_one_line(scripted_cli, sources, tmp_path):
    out = tmp_path / "out"
    OutputFolder(out).consistency.parent.mkdir(parents=True)
    OutputFolder(out).consistency.write_bytes(b"not a database at all" * 100)
    result = CliRunner().invoke(main, ["translate", str(sources), "-o", str(out), "--no-glossary", "-q"])
    assert result.exit_code == 2
    assert f"{OutputFolder(out).consistency}: not a usable consistency store" in result.output
    assert "Traceback" not in result.output


def test_a_plural_term_is_its_own_key():
    """One glossary entry, "startup" → "startup" and "startups" → "startups" (its plural
    form): two French, each translated the same way everywhere, no inconsistency
    (seen on sources_fr/ before: the index listed startup / startups)."""
    def occurrence(french: str, english: str):
        source, target = f"La {french} recrute.", f"The {english} is hiring."
        term = Term(source=french, start=3, end=3 + len(french), target=english, entry="startup",
                    status="model", target_start=4, target_end=4 + len(english))
        pair = SentencePair(source=source, target=target, paragraph=1, number=1, terms=[term])
        return [(o.key, o.variant) for o in pair_occurrences(pair) if o.kind == TERM]

    assert occurrence("startup", "startup") == [("startup", "startup")]
    assert occurrence("startups", "startups") == [("startups", "startups")]


def _article(name: str, french: str, english: str) -> Document:
    # (the name's words aligned: a name written otherwise in English is compared by them)
    pair = SentencePair(source=french, target=english, paragraph=1, number=1, origin="model",
                        alignment=[(0, 9, 0, 9), (10, 17, 10, english.index(" ", 10))])
    return Document(name=name, paragraphs=[Paragraph(text=french, sentences=[pair])])


def test_a_run_records_articles_in_one_transaction_and_a_failed_one_alone_is_rolled_back(tmp_path):
    """A run commits its articles a batch at a time (recording(commit=False)): an article
    whose block fails leaves nothing, the ones recorded before it stay for the commit, and
    what was never committed is gone once the store closes (the files of a stopped run
    may outnumber the store's articles, never the reverse)."""
    path = tmp_path / "consistency.sqlite"
    a = _article("a", "Jean-Marc Ayrault a parlé hier soir à Nantes.", "Jean-Marc Ayrault spoke last night in Nantes.")
    b = _article("b", "Jean-Marc Ayrault a parlé hier soir à Rennes.", "Jean-Marc Ayraut spoke last night in Rennes.")
    c = _article("c", "Jean-Marc Ayrault est arrivé ce matin à Brest.", "Jean-Marc Ayrault came this morning to Brest.")
    with ConsistencyIndex(path) as store:
        with store.recording(a, commit=False):
            pass
        with pytest.raises(OSError):
            with store.recording(b, commit=False) as flags:
                assert flags  # b is seen against a, uncommitted: the same transaction
                raise OSError("its files could not be written")
        with store.recording(c, commit=False):
            pass
        assert {row[0] for row in all_rows(store)} == {"a", "c"}
        store.commit()
        with store.recording(b, commit=False):
            pass  # never committed
    with ConsistencyIndex(path) as store:
        assert {row[0] for row in all_rows(store)} == {"a", "c"}
        assert store.flagged("b") == {}
        assert store.inconsistent_count() == 0


# ------------------------------------------------------------ a name in the English
@settings(max_examples=500, deadline=None)
@given(st.data())
def test_a_name_is_found_in_the_english_as_re_finds_it_as_whole_words(data):
    """`_in_english` against the pattern it replaced, `(?<!\\w)NAME(?!\\w)`, on text
    made of the name's own pieces, letters of many scripts, digits, numbers (½, Ⅻ),
    underscores and punctuation."""
    pieces = st.sampled_from(["Ayrault", "Jean-Marc", "J.-M.", "l'", "’", "_", "é", "ß", "Σ", "٣", "½", "Ⅻ",
                              "x", "1", " ", "-", ".", "«", "\u00a0", "a"])
    name = data.draw(st.lists(pieces, min_size=1, max_size=4).map("".join))
    english = data.draw(st.lists(pieces | st.just(name), max_size=10).map("".join))
    expected = re.search(r"(?<!\w)" + re.escape(name) + r"(?!\w)", english) is not None
    assert _in_english(name, english) == expected
