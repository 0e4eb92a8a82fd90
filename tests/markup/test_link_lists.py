"""Link lists under any word order (issue 19, item 3): a translation that reorders
and drops words at random, aligned word by word, never nests or loses a link, and
leaves none without words (one whose words all went keeps its French). CommonMark
(markdown-it) is the judge."""
from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from align.read.formats.markdown import MarkdownFormat
from align.markup.placement import place_markup
from align.segment import segment_document

WORD = re.compile(r"\w+")
WORDS = ["Piratage", "de", "Sony", "Fibre", "optique", "Hadopi", "loi", "le", "chat", "noir"]


def read_links(markdown: str) -> tuple[list[str], int, int]:
    """(hrefs, links with no words, links inside links) as CommonMark reads them."""
    children = [t for block in MarkdownIt("commonmark").parse(markdown) for t in block.children or []]
    hrefs, empty, nested, depth, words = [], 0, 0, 0, []
    for token in children:
        if token.type == "link_open":
            nested += depth > 0
            depth += 1
            hrefs.append(token.attrs.get("href"))
            words.append(False)
        elif token.type == "link_close":
            depth -= 1
            empty += not words.pop()
        elif token.type in ("text", "code_inline") and words and WORD.search(token.content):
            words[-1] = True
    return hrefs, empty, nested


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.randoms(use_true_random=False))
def test_link_lists_keep_every_link_with_words_under_any_word_order(rnd):
    count = rnd.randint(2, 5)
    links = [f"[{' '.join(rnd.sample(WORDS, rnd.randint(1, 3)))}](/u{k}/)" for k in range(count)]
    separator = rnd.choice([" ▪ ", " | ", ", ", " ", "", " - "])
    text = rnd.choice(["", "Voir ", "À lire : "]) + separator.join(links) + rnd.choice(["", ".", " et la suite."])
    fmt = MarkdownFormat()
    document = segment_document(fmt.parse((text + "\n").encode(), "t.md"))
    for pair in document.pairs():
        found = list(WORD.finditer(pair.source))
        rnd.shuffle(found)
        target, alignment = [], []
        for match in found:
            if rnd.random() < 0.15:  # the model drops a word
                continue
            at = sum(len(word) + 1 for word in target)
            alignment.append((match.start(), match.end(), at, at + len(match.group())))
            target.append(match.group())
        pair.target, pair.alignment = " ".join(target), alignment
    hrefs, empty, nested = read_links(fmt.write(place_markup(document)).decode())
    assert sorted(hrefs) == [f"/u{k}/" for k in range(count)] and nested == 0
    assert empty == 0  # (a link left with no English word keeps its French: keep_link_words)
