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
import gc
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

from align.read.text import plain_apostrophes
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


def timed(function, *args, repeats: int = 1):
    """(result, wall seconds, CPU seconds) of the fastest of `repeats` calls.
    CPU time is this process's (children's for a subprocess): on a shared
    machine it moves less than wall time."""
    best = None
    for _ in range(repeats):
        wall, cpu = time.perf_counter(), time.process_time()
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        result = function(*args)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = time.process_time() - cpu + (after.ru_utime + after.ru_stime) - (children.ru_utime + children.ru_stime)
        wall = time.perf_counter() - wall
        if best is None or wall < best[1]:
            best = (result, wall, cpu)
    return best


def megabytes(text: str) -> float:
    return len(text.encode("utf-8")) / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--mb", type=float, default=1.0, help="size of the text matched (MB of UTF-8)")
    parser.add_argument("--keep", type=Path, help="also write the generated glossary here")
    args = parser.parse_args()

    articles = "\n".join(p.read_text(encoding="utf-8") for p in sorted((ROOT / "sources_fr").glob("*.txt")))
    text = articles
    while megabytes(text) < args.mb:
        text += "\n" + articles
    size = megabytes(text)
    lines = text.splitlines()
    rows: list[tuple[str, str]] = []

    def seconds(label: str, wall: float, cpu: float, extra: str = "") -> None:
        rows.append((label, f"{wall:.2f} s ({cpu:.2f} s CPU){extra}"))

    def speed(label: str, megabytes_: float, wall: float, cpu: float, extra: str = "") -> None:
        rows.append((label, f"{megabytes_ / wall:.3g} MB/s ({megabytes_ / cpu:.3g} MB/s CPU){extra}"))

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "glossary100k.tsv"
        tsv, wall, _ = timed(generate, args.entries, args.seed)
        path.write_text(tsv, encoding="utf-8")
        if args.keep:
            args.keep.write_bytes(path.read_bytes())

        rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        glossary, parse_wall, parse_cpu = timed(Glossary.load, path)
        _, build_wall, build_cpu = timed(glossary.matcher)
        rss1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        forms = forms_of(glossary)
        print(f"generated {len(glossary):,} entries, {len(forms):,} forms in {wall:.1f} s; "
              f"{len(glossary.warnings)} load warnings; text {size:.2f} MB")
        seconds(f"load {len(glossary):,} entries: parse + checks", parse_wall, parse_cpu)
        seconds("load: build the token trie", build_wall, build_cpu)
        seconds("**load total** (target ≤ 5 s)", parse_wall + build_wall, parse_cpu + build_cpu)
        rows.append(("peak RSS growth while loading", f"{(rss1 - rss0) / 1024:.0f} MB"))

        found, wall, cpu = timed(glossary.find, text, repeats=3)
        speed("**Glossary.find**, one text (target ≥ 1 MB/s)", size, wall, cpu, f", {len(found):,} terms")
        counts, wall, cpu = timed(lambda: sum(len(glossary.find(line)) for line in lines))
        speed("Glossary.find, line by line", size, wall, cpu, f", {counts:,} terms")

        env = dict(os.environ, PYTHONPATH=str(ROOT))
        command = [sys.executable, "-m", "align.cli", "glossary", "check", str(path)]
        result, wall, cpu = timed(lambda: subprocess.run(command, capture_output=True, text=True, env=env))
        seconds("**`align glossary check`** (target ≤ 10 s)", wall, cpu,
                f", exit {result.returncode}, {len(result.stdout.splitlines())} problems")

        spans, wall, cpu = timed(glossary.matcher().find, text, repeats=3)
        speed("token trie: Matcher.find alone", size, wall, cpu)
        try:
            import ahocorasick  # noqa: F401
        except ImportError:
            rows.append(("Aho–Corasick (pyahocorasick)", "not installed"))
        else:
            gc.disable()   # as Matcher.extend does while building
            automaton, wall, cpu = timed(AhoCorasickMatcher, forms)
            gc.enable()
            seconds("Aho–Corasick (pyahocorasick): build", wall, cpu)
            found, wall, cpu = timed(automaton.find, text, repeats=3)
            speed("Aho–Corasick: find alone", size, wall, cpu,
                  ", same spans" if found == spans else ", DIFFERENT spans")

        shipped = Glossary.load(ROOT / "glossary.tsv")
        small = Glossary(glossary.entries[:2000])
        # The former regex takes seconds per KB at 2,000 entries: the shortest article.
        article = min((p.read_text(encoding="utf-8") for p in (ROOT / "sources_fr").glob("*.txt")), key=len)
        for label, gloss, sample in ((f"{len(shipped)}", shipped, articles), ("2,000", small, article)):
            gforms = forms_of(gloss)
            regex, compile_wall, _ = timed(RegexMatcher, gforms)
            found, wall, cpu = timed(regex.find, sample)
            same = found == Matcher(gforms).find(sample)
            speed(f"former regex at {label} entries", megabytes(sample), wall, cpu,
                  f", compiled in {compile_wall:.2f} s; {megabytes(sample) * 1000:.0f} KB, {len(found)} terms, "
                  f"trie {'agrees' if same else 'DIFFERS'}")
            found, wall, cpu = timed(Matcher(gforms).find, text, repeats=3)
            speed(f"token trie at {label} entries", size, wall, cpu)

    width = max(len(label) for label, _ in rows)
    print(f"\n| {'measure':<{width}} | result |\n|{'-' * (width + 2)}|---|")
    for label, value in rows:
        print(f"| {label:<{width}} | {value} |")


if __name__ == "__main__":
    main()
