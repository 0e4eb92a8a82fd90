"""The rows of the review page and of the index, built in Python (html.table_body,
flag_legend, index_row_html), against the oracle they replaced: the Jinja templates
they were, rendered by the pages' own environment (autoescaping, trim_blocks,
lstrip_blocks), on hostile text."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from align.document import METADATA, Flag, SentencePair, Term
from align.flags import FLAGS
from align.output.writers.html import (_pair_context, _sentence_html, environment, flag_legend,
                                       index_row_html, table_body)

# The templates as they were (align/templates/*.j2 before the rows moved to Python).
SENTENCE_MACRO = """\
{% macro sentence(pieces, terms, side) %}
{% for piece in pieces %}
{% if piece.marks %}<span class="mk{% for m in piece.marks %} mk-{{ m }}{% endfor %}"{% if piece.url %} title="{{ piece.url }}"{% endif %}>{% endif %}{% if piece.term is none %}{{ piece.text }}{% else %}{% set t = terms[piece.term] %}<mark class="term tc{{ t.colour }} st-{{ t.status }}" data-term="{{ t.index }}" data-entry="{{ t.entry }}" title="{{ t.title }}">{{ piece.text }}</mark>{% endif %}{% if piece.marks %}</span>{% endif %}
{% endfor %}
{% endmacro %}
"""
ARTICLE_ROWS = SENTENCE_MACRO + """\
  {% for p in paragraphs %}
  <tbody class="para{% if p.metadata %} metadata{% endif %}{% if p.flagged %} has-flags{% endif %}" data-paragraph="{{ p.number }}" data-kind="{{ p.kind }}">
    <tr class="para-head"><th colspan="5" scope="rowgroup">¶ {{ p.number }}{% if p.metadata %} · metadata (copied as is, not translated){% endif %}</th></tr>
    {% for r in p.rows %}
    <tr class="pair{% if r.flags %} flagged{% endif %}" id="{{ r.id }}" data-id="{{ r.id }}" data-flags="{{ r.flag_codes|join(' ') }}" data-status="{{ r.status }}" data-version="{{ r.version }}" data-score="{{ r.score }}" data-origin="{{ r.origin }}">
      <td class="sid"><a href="#{{ r.id }}">{{ r.id }}</a></td>
      <td class="sent src" lang="fr">{{ sentence(r.source, r.terms, "fr") }}</td>
      <td class="sent tgt" lang="en">{{ sentence(r.target, r.terms, "en") }}</td>
      <td class="flags">{% for f in r.flags %}<span class="badge flag-{{ f.code if f.code in FLAG_LABELS else 'other' }}" data-code="{{ f.code }}" title="{{ f.help }}{% if f.detail %}: {{ f.detail }}{% endif %}">{{ f.label }}{% if f.detail %}: {{ f.detail }}{% endif %}</span>{% endfor %}</td>
      <td class="review">{% if r.status %}<span class="status st-{{ r.status }}">{{ r.status }}</span>{% endif %}<div class="comment">{{ r.comment }}</div>{% if r.suggestion %}<div class="suggestion" title="the correction made before the French changed">Earlier correction: <span class="suggestion-text">{{ r.suggestion }}</span></div>{% endif %}</td>
    </tr>
    {% endfor %}
  </tbody>
  {% endfor %}
"""

LEGEND = """\
    {% for code in flag_codes %}
    {% set n = flag_counts.get(code, 0) %}
    <span class="badge flag-{{ code if code in FLAG_LABELS else 'other' }}{% if not n %} zero{% endif %}" data-code="{{ code }}" data-count="{{ n }}" title="flags of this kind: {{ FLAG_HELP.get(code, code) }}">{{ FLAG_LABELS.get(code, code) }}: {{ n }}</span>
    {% endfor %}
"""

INDEX_ROW = """\
  {% for a in articles %}
  <tr class="article" data-name="{{ a.name }}">
    <td class="name"><a href="./{{ a.page|urlencode }}">{{ a.short }}</a>{% if a.copied %} <span class="muted copied" title="no words to translate: written as it is">copied</span>{% endif %}</td>
    <td class="num">{{ a.sentences }}</td>
    <td class="num">{{ a.term_accuracy|percent }}</td>
    <td class="num">{{ a.terms.get("model", 0) }} / {{ a.terms.get("forced", 0) }} / {{ a.terms.get("failed", 0) }}</td>
    {% if reviewing %}{% set r = a.progress or {} %}<td class="num review" data-reviewed="{{ r.get('reviewed', 0) }}" data-approved="{{ r.get('approved', 0) }}" data-needs-work="{{ r.get('needs-work', 0) }}" data-total="{{ r.get('total', 0) }}" title="{{ r.get('reviewed', 0) }} reviewed / {{ r.get('approved', 0) }} approved / {{ r.get('needs-work', 0) }} needs work of {{ r.get('total', 0) }}">{{ r.get("reviewed", 0) }} / {{ r.get("approved", 0) }} / {{ r.get("needs-work", 0) }} of {{ r.get("total", 0) }}</td>{% endif %}
    {% for code in flag_codes %}{% set n = a.flags.get(code, 0) %}<td class="num flag{% if not n %} zero{% endif %}" data-code="{{ code }}">{{ n }}</td>{% endfor %}
  </tr>
  {% endfor %}
"""

HOSTILE = ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "l'État & « Co »", "a\u00a0b",
           "{{ 7*7 }}", "{% raw %}", "ü€😀", "\t", "", "x", "Jean-Marc Ayrault"]
texts = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=40))
codes = st.one_of(st.sampled_from(sorted(FLAGS)), texts)


def oracle(template: str, **context) -> str:
    return str(environment().from_string(template).render(**context))


@st.composite
def pairs(draw, paragraph: int, number: int) -> SentencePair:
    source, target = draw(texts), draw(texts)
    terms = []
    for _ in range(draw(st.integers(0, 2))):
        start = draw(st.integers(0, len(source)))
        end = draw(st.integers(start, len(source)))
        target_start = draw(st.integers(-1, len(target)))
        target_end = draw(st.integers(max(target_start, 0), len(target))) if target_start >= 0 else -1
        terms.append(Term(source=source[start:end], start=start, end=end, target=draw(texts),
                          target_start=target_start, target_end=target_end, entry=draw(texts),
                          note=draw(texts), status=draw(st.sampled_from(["", "model", "forced", "failed"]))))
    pair = SentencePair(source=source, target=target, paragraph=paragraph, number=number, terms=terms,
                        origin=draw(st.sampled_from(["model", "memory", "reviewed", METADATA])),
                        score=draw(st.one_of(st.none(), st.floats(-20, 0))), comment=draw(texts),
                        suggestion=draw(texts), version=draw(st.integers(0, 9)))
    pair.flags = [Flag(draw(codes), draw(texts)) for _ in range(draw(st.integers(0, 3)))]
    return pair


@st.composite
def paragraphs(draw) -> list[dict]:
    colours: dict[str, int] = {}
    out = []
    for number in range(1, draw(st.integers(1, 3)) + 1):
        rows = [_pair_context(draw(pairs(number, k)), colours) for k in range(1, draw(st.integers(1, 3)) + 1)]
        kind = draw(st.sampled_from(["prose", METADATA, "heading", "<b>"]))
        out.append({"number": number, "kind": kind, "metadata": kind == METADATA, "rows": rows,
                    "flagged": sum(1 for r in rows if r["flags"])})
    return out


@given(paragraphs())
@settings(max_examples=200, deadline=None)
def test_the_table_rows_are_what_the_template_made(paragraphs):
    assert str(table_body(paragraphs)) == oracle(ARTICLE_ROWS, paragraphs=paragraphs)


@st.composite
def sentences(draw) -> tuple[list[dict], list[dict]]:
    terms = [{"index": i, "entry": draw(texts), "status": draw(texts), "colour": draw(st.integers(0, 30)),
              "title": draw(texts)} for i in range(draw(st.integers(0, 3)))]
    pieces = [{"text": draw(texts), "term": draw(st.one_of(st.none(), st.integers(0, len(terms) - 1)))
               if terms else None, "marks": draw(st.lists(texts, max_size=3)), "url": draw(texts)}
              for _ in range(draw(st.integers(1, 5)))]
    return pieces, terms


@given(sentences())
@settings(max_examples=300, deadline=None)
def test_a_sentence_with_terms_and_inline_styles_is_what_the_macro_made(sentence):
    pieces, terms = sentence
    assert _sentence_html(pieces, terms) == oracle(SENTENCE_MACRO + '{{ sentence(pieces, terms, "fr") }}',
                                                   pieces=pieces, terms=terms)


@given(st.lists(codes, max_size=16, unique=True), st.dictionaries(codes, st.integers(0, 5)))
@settings(max_examples=200, deadline=None)
def test_the_flag_legend_is_what_the_template_made(flag_codes, counts):
    assert str(flag_legend(flag_codes, counts)) == oracle(LEGEND, flag_codes=flag_codes, flag_counts=counts)


@st.composite
def index_rows(draw) -> dict:
    keys = st.sampled_from(["model", "forced", "failed", "reviewed", "approved", "needs-work", "total", "other"])
    return {"name": draw(texts), "page": draw(st.one_of(texts, st.just("2024/l'été à Paris.html"))),
            "short": draw(texts), "sentences": draw(st.integers(0, 99)),
            "term_accuracy": draw(st.one_of(st.none(), st.floats(0, 1))),
            "terms": draw(st.dictionaries(keys, st.integers(0, 9))), "flags": draw(st.dictionaries(codes, st.integers(0, 9))),
            "progress": draw(st.one_of(st.none(), st.dictionaries(keys, st.integers(0, 9)))),
            "copied": draw(st.booleans())}


@given(st.lists(index_rows(), min_size=1, max_size=3), st.lists(codes, max_size=5, unique=True), st.booleans())
@settings(max_examples=200, deadline=None)
def test_the_index_rows_are_what_the_template_made(articles, flag_codes, reviewing):
    built = "".join(str(index_row_html(article, flag_codes, reviewing)) for article in articles)
    assert built == oracle(INDEX_ROW, articles=articles, flag_codes=flag_codes, reviewing=reviewing)


def test_hostile_text_is_escaped_in_every_cell():
    pair = SentencePair(source=HOSTILE[0], target=HOSTILE[1], paragraph=1, number=1, comment=HOSTILE[0],
                        suggestion=HOSTILE[1], terms=[Term(source="alert", start=8, end=13, target=HOSTILE[1],
                                                           note=HOSTILE[0])])
    pair.flags = [Flag(HOSTILE[0], HOSTILE[1])]
    rows = table_body([{"number": 1, "kind": HOSTILE[1], "metadata": False, "flagged": 1,
                        "rows": [_pair_context(pair, {})]}])
    assert "<script>" not in rows and "<img" not in rows and "&lt;script&gt;" in rows
