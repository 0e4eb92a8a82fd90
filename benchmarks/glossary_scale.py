"""Glossary matching at scale: a generated 100,000-entry glossary.

    python benchmarks/glossary_scale.py [--entries 100000] [--seed 11] [--mb 1.0] [--keep FILE]

Generates a glossary.tsv (deterministic for a seed) shaped like a terminology
base: n-grams and words of French news (data/newstest2013.fr and sources_fr/, so
terms occur in the text and overlap), synthetic multi-word terms (``X de Y``,
``X d'Y``, noun + adjective), acronyms (some with digits and hyphens), names,
hyphenated compounds; about a fifth with variants (plurals, feminines, some with
their own target); a few with case=sensitive, insensitive or keep-case. Then:

* load: `Glossary.load` (parse + checks) and building the matcher;
* match: MB/s of `Glossary.find` on the articles of sources_fr/ repeated to at
  least `--mb` MB (UTF-8), as one text and line by line (paragraphs);
* check: `align glossary check` as a subprocess (wall time, Python start included);
* for comparison: the former regex alternation (`RegexMatcher`) at 51 entries
  (the shipped glossary.tsv) and 2,000 entries, the token trie at those sizes,
  and Aho–Corasick on characters (pyahocorasick, when installed) at full size.
"""
from __future__ import annotations

import argparse
from bisect import bisect_right
import os
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
import unicodedata
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from align.sources import plain_apostrophes  # noqa: E402
from align.terms.glossary import Glossary  # noqa: E402
from align.terms.matcher import Matcher, RegexMatcher, _capitalised, _squeeze, fold, longest_first  # noqa: E402

STOPWORDS = set("""
le la les l un une des de du d au aux à a et ou en dans par pour sur avec sans sous ce cet cette ces
son sa ses leur leurs mon ma mes ton ta tes notre nos votre vos qui que qu quoi dont où ne n pas plus
se s il elle ils elles on nous vous je j me m te t y est sont été être a ont avait fait très aussi
mais comme si tout tous toute toutes autre autres même lui eux c ça cela ceci entre vers chez après
avant depuis pendant lors alors donc car ni encore déjà bien peu deux trois
""".split())
# A word (hyphenated compounds whole) or an elided article/preposition such as d'.
WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*'?")
# Words allowed inside a multi-word term, between two content words.
LINKS = {"de", "du", "des", "d'", "à", "la", "l'", "en", "et", "aux"}
CONNECTORS = ["de", "du", "des", "à", "en", "pour", "sur", "de la"]
SYLLABLES = ["ma", "ri", "lo", "ben", "ka", "dé", "chen", "sa", "to", "mu", "vel", "ra", "zé", "lin",
             "gor", "ni", "pa", "tsu", "ber", "mé", "fa", "ol", "son", "ka", "ïa", "ro", "ville"]


def corpus_lines() -> list[str]:
    lines = []
    news = ROOT / "data" / "newstest2013.fr"
    if news.is_file():
        lines += news.read_text(encoding="utf-8").splitlines()
    for path in sorted((ROOT / "sources_fr").glob("*.txt")):
        lines += path.read_text(encoding="utf-8").splitlines()
    return [line for line in lines if line.strip()]


def english(source: str) -> str:
    """A stand-in English target: accents dropped, content words in reverse."""
    plain = "".join(c for c in unicodedata.normalize("NFD", source) if not unicodedata.combining(c))
    words = [w for w in re.split(r"[\s']+", plain) if w and w.lower() not in ("de", "du", "des", "la", "d", "l")]
    return " ".join(reversed(words)) or plain


def plural(form: str) -> str:
    words = form.split(" ")
    last = words[0] if len(words) > 1 and words[1] in ("de", "du", "des", "à", "d'") else words[-1]
    if last.endswith(("s", "x", "z")):
        return ""
    new = last[:-2] + "aux" if last.endswith("al") else last + ("x" if last.endswith("eau") else "s")
    index = words.index(last)
    return " ".join(words[:index] + [new] + words[index + 1:])


def name(rng: random.Random) -> str:
    def word() -> str:
        return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()
    return f"{word()} {word()}" if rng.random() < 0.8 else word()


def acronym(rng: random.Random) -> str:
    letters = "".join(rng.choice("ABCDEFGHIJKLMNOPRSTUVÉ") for _ in range(rng.randint(2, 5)))
    roll = rng.random()
    if roll < 0.08:
        return f"{letters}-{rng.randint(1, 99)}"
    if roll < 0.12:
        return f"{letters}{rng.randint(2, 9)}"
    return letters


def generate(entries: int, seed: int) -> str:
    """A glossary.tsv with `entries` rows, the same for the same seed."""
    rng = random.Random(seed)
    lines = corpus_lines()
    words: Counter[str] = Counter()
    ngrams: Counter[str] = Counter()
    def content(token: str) -> bool:
        return len(token) > 2 and not token.endswith("'") and token.lower() not in STOPWORDS

    for line in lines:
        tokens = WORD.findall(plain_apostrophes(line))
        # Names keep their capital; a sentence's first word does not.
        lower = [t if t[:1].isupper() and t[1:].islower() and i > 0 else t.lower() for i, t in enumerate(tokens)]
        for token in lower:
            if content(token):
                words[token] += 1
        for size in (2, 3, 4):
            for i in range(len(lower) - size + 1):
                gram = lower[i:i + size]
                if content(gram[0]) and content(gram[-1]) and all(
                        content(t) or t in LINKS for t in gram[1:-1]):
                    ngrams[" ".join(gram).replace("' ", "'")] += 1
    content = sorted(words, key=lambda w: (-words[w], w))
    common_nouns = [w for w in content if w.islower()][:6000]
    grams = sorted(ngrams, key=lambda g: (-ngrams[g], g))

    rows: list[str] = []
    seen: set[str] = set()

    def add(source: str, target: str, case: str = "", variants: list[tuple[str, str]] = ()) -> None:
        keys = [source.casefold()] + [form.casefold() for form, _ in variants]
        if len(set(keys)) != len(keys) or any(key in seen for key in keys):
            return
        seen.update(keys)
        cell = "|".join(form if tgt == target else f"{form}={tgt}" for form, tgt in variants)
        rows.append(f"{source}\t{target}\t\t{case}\t{cell}")

    def decorate(source: str) -> None:
        target = english(source)
        variants: list[tuple[str, str]] = []
        roll = rng.random()
        many = plural(source) if source.islower() and "'" not in source else ""
        if many and roll < 0.22:
            variants.append((many, target + "s"))
        elif many and roll < 0.32:
            variants.append((many, target))
            head, _, rest = source.partition(" ")
            feminine = {"é": "ée", "ant": "ante", "ais": "aise", "ien": "ienne", "eur": "euse"}
            for ending, replacement in feminine.items():
                if head.endswith(ending):
                    variants.append((" ".join(filter(None, [head[:-len(ending)] + replacement, rest])), target))
                    break
        roll = rng.random()
        case = "sensitive" if roll < 0.02 else "insensitive" if roll < 0.03 else "keep-case" if roll < 0.04 else ""
        add(source, target, case, variants)

    quota = {"ngram": int(entries * 0.30), "word": int(entries * 0.10)}
    for gram in grams[:quota["ngram"]]:
        decorate(gram)
    for word in content[:quota["word"]]:
        decorate(word)
    while len(rows) < entries:
        roll = rng.random()
        if roll < 0.08:
            source = acronym(rng)
            add(source, source if rng.random() < 0.3 else acronym(rng))
        elif roll < 0.18:
            source = name(rng)
            add(source, source)
        elif roll < 0.22:
            a, b = rng.sample(common_nouns, 2)
            decorate(f"{a}-{b}")
        elif roll < 0.25:
            decorate(f"{rng.choice(common_nouns)} {rng.randint(1, 40)}")
        else:
            a, b = rng.sample(common_nouns, 2)
            connector = rng.choice(CONNECTORS)
            if connector == "de" and b[0] in "aeiouéèêh":
                decorate(f"{a} d'{b}")
            elif rng.random() < 0.3:
                decorate(f"{a} {b}")
            else:
                decorate(f"{a} {connector} {b}")
    return "source\ttarget\tnote\tcase\tvariants\n" + "\n".join(rows[:entries]) + "\n"


class AhoCorasickMatcher:
    """Aho–Corasick on the folded characters (pyahocorasick), with the same rules
    as `Matcher`: the alternative measured against the token trie."""

    def __init__(self, forms) -> None:
        import ahocorasick

        self.automaton = ahocorasick.Automaton()
        for index, (form, case_sensitive, *rest) in enumerate(forms):
            squeezed = _squeeze(plain_apostrophes(form).strip())
            exact = None
            if case_sensitive:
                capital = _capitalised(squeezed) if (rest[0] if rest else True) else None
                exact = {squeezed, capital} - {None}
            key = fold(squeezed)
            items = self.automaton.get(key, None)
            if items is None:
                items = []
                self.automaton.add_word(key, items)
            items.append((index, len(key), exact, key[0].isalnum(), key[-1].isalnum()))
        self.automaton.make_automaton()

    def find(self, text: str):
        folded = fold(text)
        squeezed = _squeeze(folded)
        exact_text = _squeeze(plain_apostrophes(text))
        size = len(squeezed)
        best: dict[int, tuple[int, int]] = {}
        for last, items in self.automaton.iter(squeezed):
            end = last + 1
            for index, length, exact, word_start, word_end in items:
                start = end - length
                if word_start and start > 0 and squeezed[start - 1].isalnum():
                    break
                if word_end and end < size and squeezed[end].isalnum():
                    break
                if exact is not None and exact_text[start:end] not in exact:
                    continue
                if start not in best or end > best[start][0]:
                    best[start] = (end, index)
                break
        spans = sorted((start, end, index) for start, (end, index) in best.items())
        if len(squeezed) != len(text):
            spans = _unsqueeze(folded, spans)
        return longest_first(spans)


def _unsqueeze(folded: str, spans):
    """Map offsets in the squeezed text back to `folded` (the text's length)."""
    keys: list[int] = []     # squeezed offset just after a squeezed run
    shifts: list[int] = []   # characters removed up to and including that run
    removed = 0
    for run in re.finditer(r"\s{2,}", folded):
        keys.append(run.start() - removed + 1)
        removed += run.end() - run.start() - 1
        shifts.append(removed)

    def original(offset: int) -> int:
        k = bisect_right(keys, offset) - 1
        return offset + (shifts[k] if k >= 0 else 0)

    return [(original(start), original(end), index) for start, end, index in spans]


def forms_of(glossary: Glossary) -> list[tuple[str, bool, bool]]:
    return [(form, entry.case_sensitive, not entry.keep_case) for entry in glossary for form, _ in entry.forms()]


def rate(matcher_find, text: str, repeats: int = 1) -> tuple[float, list]:
    """(MB/s, matches) of one call on `text`, best of `repeats`."""
    best, found = float("inf"), []
    for _ in range(repeats):
        start = time.perf_counter()
        found = matcher_find(text)
        best = min(best, time.perf_counter() - start)
    return len(text.encode("utf-8")) / 1e6 / best, found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--mb", type=float, default=1.0, help="size of the text matched (MB of UTF-8)")
    parser.add_argument("--keep", type=Path, help="also write the generated glossary here")
    args = parser.parse_args()

    articles = "\n".join(p.read_text(encoding="utf-8") for p in sorted((ROOT / "sources_fr").glob("*.txt")))
    text = articles
    while len(text.encode("utf-8")) < args.mb * 1e6:
        text += "\n" + articles
    lines = text.splitlines()
    rows: list[tuple[str, str]] = []

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "glossary100k.tsv"
        start = time.perf_counter()
        path.write_text(generate(args.entries, args.seed), encoding="utf-8")
        generated = time.perf_counter() - start
        if args.keep:
            args.keep.write_bytes(path.read_bytes())

        rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        start = time.perf_counter()
        glossary = Glossary.load(path)
        parsed = time.perf_counter() - start
        start = time.perf_counter()
        glossary.matcher()
        built = time.perf_counter() - start
        rss1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        forms = forms_of(glossary)
        print(f"generated {len(glossary):,} entries, {len(forms):,} forms in {generated:.1f} s; "
              f"{len(glossary.warnings)} load warnings; text {len(text.encode('utf-8')) / 1e6:.2f} MB")
        rows.append((f"load {len(glossary):,} entries (parse + checks)", f"{parsed:.2f} s"))
        rows.append(("build the token trie", f"{built:.2f} s"))
        rows.append(("load total (target ≤ 5 s)", f"{parsed + built:.2f} s"))
        rows.append(("peak RSS growth while loading", f"{(rss1 - rss0) / 1024:.0f} MB"))

        speed, found = rate(glossary.find, text, 3)
        rows.append(("trie: Glossary.find, one text (target ≥ 1 MB/s)", f"{speed:.2f} MB/s ({len(found):,} terms)"))
        start = time.perf_counter()
        found = sum(len(glossary.find(line)) for line in lines)
        elapsed = time.perf_counter() - start
        rows.append(("trie: Glossary.find, line by line",
                     f"{len(text.encode('utf-8')) / 1e6 / elapsed:.2f} MB/s ({found:,} terms)"))

        env = dict(os.environ, PYTHONPATH=str(ROOT))
        start = time.perf_counter()
        result = subprocess.run([sys.executable, "-m", "align.cli", "glossary", "check", str(path)],
                                capture_output=True, text=True, env=env)
        elapsed = time.perf_counter() - start
        rows.append(("`align glossary check` (target ≤ 10 s)",
                     f"{elapsed:.2f} s (exit {result.returncode}, {len(result.stdout.splitlines())} lines)"))

        try:
            import ahocorasick  # noqa: F401
        except ImportError:
            rows.append(("Aho–Corasick (pyahocorasick)", "not installed"))
        else:
            start = time.perf_counter()
            automaton = AhoCorasickMatcher(forms)
            built = time.perf_counter() - start
            speed, found = rate(automaton.find, text, 3)
            trie_speed, trie_found = rate(glossary.matcher().find, text, 3)
            rows.append(("Aho–Corasick: build", f"{built:.2f} s"))
            rows.append(("Aho–Corasick: Matcher.find alone, one text",
                         f"{speed:.2f} MB/s ({'same' if found == trie_found else 'DIFFERENT'} spans)"))
            rows.append(("trie: Matcher.find alone, one text", f"{trie_speed:.2f} MB/s"))

        shipped = Glossary.load(ROOT / "glossary.tsv")
        small = Glossary(glossary.entries[:2000])
        # The former regex takes seconds per KB at 2,000 entries: the shortest article.
        article = min((p.read_text(encoding="utf-8") for p in (ROOT / "sources_fr").glob("*.txt")), key=len)
        for label, gloss, sample in ((f"{len(shipped)}", shipped, articles), ("2,000", small, article)):
            gforms = forms_of(gloss)
            start = time.perf_counter()
            regex = RegexMatcher(gforms)
            compiled = time.perf_counter() - start
            speed, found = rate(regex.find, sample)
            same = found == Matcher(gforms).find(sample)
            rows.append((f"regex (former) at {label} entries",
                         f"{speed:.3f} MB/s, compile {compiled:.2f} s ({len(found)} terms on "
                         f"{len(sample.encode('utf-8')) / 1e3:.0f} KB; trie {'agrees' if same else 'DIFFERS'})"))
            speed, found = rate(Matcher(gforms).find, text, 3)
            rows.append((f"trie at {label} entries", f"{speed:.2f} MB/s"))

    width = max(len(label) for label, _ in rows)
    print(f"\n| {'measure':<{width}} | result |\n|{'-' * (width + 2)}|---|")
    for label, value in rows:
        print(f"| {label:<{width}} | {value} |")


if __name__ == "__main__":
    main()
