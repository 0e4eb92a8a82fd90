"""The HTML review page: French and English side by side, one row per sentence
pair (ids as in the TSV), glossary terms marked in both columns, flags as badges;
and `index.html`, one line per article plus the run's manifest.

Pages are rendered by Jinja2 with autoescaping (templates in align/templates/), but
for the rows of an article's table and of the index and the flag legend, built in
Python (`table_body`, `index_row_html`, `flag_legend`) with the same escaping
(markupsafe's `escape` on every value); data for the page's script goes through
``|tojson`` or data-attributes. Pages are self-contained (inline CSS and JS, no
network) and carry a Content-Security-Policy that lets only the page's own script run.

Usage without the pipeline (e.g. for `align pair`)::

    from align.output.writers.html import render_article
    Path("page.html").write_text(render_article(document), encoding="utf-8")
"""
from __future__ import annotations

import base64
import hashlib
import heapq
from bisect import bisect_left, bisect_right
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable

from ...checks.pair import FLAG_CODES
from ...flags import FLAGS
from ...document import METADATA, STATUSES, TERM_FAILED, TERM_FORCED, TERM_MODEL, Document, SentencePair, Term
from ..folder import INDEX, OutputFolder
from ..files import atomic_write, atomic_writer
from .base import Writer


FLAG_LABELS = {code: info.label for code, info in FLAGS.items()}
FLAG_HELP = {code: info.meaning for code, info in FLAGS.items()}
STATUS_HELP = {
    TERM_MODEL: "produced by the model",
    TERM_FORCED: "placed by align's term policy (the model's English lacked it)",
    TERM_FAILED: "missing from the translation",
}

@lru_cache(maxsize=8)  # the same page script on every page
def _csp_hash(script: str) -> str:
    """The CSP source that allows exactly this inline script."""
    digest = hashlib.sha256(str(script).encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


def _bytecode_cache():
    """Jinja's cache of compiled templates, under align's cache folder: compiling the
    two page templates costs a short run more than its translation. A cache that
    cannot be written is only a slower start."""
    from jinja2 import FileSystemBytecodeCache

    from ...mt.local_model import cache_root

    class Cache(FileSystemBytecodeCache):
        def load_bytecode(self, bucket) -> None:
            try:
                super().load_bytecode(bucket)
            except Exception:  # a damaged cache file (Jinja reads its checksum with pickle): compile again
                bucket.reset()

        def dump_bytecode(self, bucket) -> None:
            try:
                Path(self.directory).mkdir(parents=True, exist_ok=True)
                super().dump_bytecode(bucket)
            except OSError:
                pass

    return Cache(str(cache_root() / "templates"), "%s.jinja")


@lru_cache(maxsize=1)
def environment():
    from jinja2 import Environment, PackageLoader, StrictUndefined

    # Autoescaping always on: every {{ }} is HTML-escaped unless marked safe.
    # (auto_reload off: the package's templates do not change under a run, and checking
    # them cost two stat calls a page)
    env = Environment(loader=PackageLoader("align", "templates"), autoescape=True,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                      bytecode_cache=_bytecode_cache(), auto_reload=False)
    env.filters["csp_hash"] = _csp_hash
    env.filters["percent"] = percent
    env.globals["FLAG_LABELS"] = FLAG_LABELS
    env.globals["FLAG_HELP"] = FLAG_HELP
    env.globals["FLAG_CODES"] = FLAG_CODES
    return env


def percent(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f}%"


def term_colour(index: int) -> str:
    """A light background for the index-th glossary entry of a page: hues spread
    by the golden angle so neighbouring entries differ; dark text stays ≥ 7:1."""
    hue = (index * 137.508 + 200) % 360
    return f"hsl({hue:.0f} 80% 86%)"


def _segments(text: str, spans: list[tuple[int, int, int]],
              styles: list[tuple[int, int, str, str]] = ()) -> list[dict[str, Any]]:
    """`text` cut into plain pieces and term pieces; spans that are out of range
    or overlap an earlier one are left unmarked (the term still has its tooltip
    on the other side and in the row's term list). `styles` (start, end, style,
    url) are the article's inline markup (align.read.formats): a piece lists the styles
    over it (plain pieces are cut where a style starts or ends; terms stay whole)."""
    pieces: list[dict[str, Any]] = []
    cursor = 0
    for start, end, index in sorted(spans):
        if start < cursor or start < 0 or end > len(text) or end <= start:
            continue
        if start > cursor:
            pieces.append({"text": text[cursor:start], "term": None})
        pieces.append({"text": text[start:end], "term": index})
        cursor = end
    if cursor < len(text) or not pieces:
        pieces.append({"text": text[cursor:], "term": None})
    if not styles:
        for piece in pieces:
            piece["marks"], piece["url"] = [], ""
        return pieces
    cuts = sorted({b for s, e, _, _ in styles for b in (s, e)})
    styled: list[dict[str, Any]] = []
    # A sweep over the pieces (positions only grow): the styles open at each cut, with
    # the first one in `styles` that has a URL; linear in pieces and styles.
    by_start = sorted(range(len(styles)), key=lambda k: styles[k][0])
    opened, ending, with_url, closed = 0, [], [], set()
    marks: dict[str, int] = {}
    offset = 0
    for piece in pieces:
        start, end = offset, offset + len(piece["text"])
        offset = end
        inner = cuts[bisect_right(cuts, start):bisect_left(cuts, end)] if piece["term"] is None else []
        bounds = [start] + inner + [end]
        for a, b in zip(bounds, bounds[1:]):
            while opened < len(by_start) and styles[by_start[opened]][0] <= a:
                k = by_start[opened]
                opened += 1
                heapq.heappush(ending, (styles[k][1], k))
                marks[styles[k][2]] = marks.get(styles[k][2], 0) + 1
                if styles[k][3]:
                    heapq.heappush(with_url, k)
            while ending and ending[0][0] <= a:
                _, k = heapq.heappop(ending)
                closed.add(k)
                marks[styles[k][2]] -= 1
            while with_url and with_url[0] in closed:
                heapq.heappop(with_url)
            styled.append({"text": text[a:b], "term": piece["term"],
                           "marks": sorted(m for m, n in marks.items() if n > 0),
                           "url": styles[with_url[0]][3] if with_url else ""})
    return styled


def _styles(inlines) -> list[tuple[int, int, str, str]]:
    """Inline markup as review-page styles: a fixed set of class names, never the
    article's own tags, so the page shows emphasis and links without running them."""
    from ...markup.rendering import review_style

    out = []
    for inline in inlines:
        if inline.paired and inline.end > inline.start:
            for style in review_style(inline):
                out.append((inline.start, inline.end, style, inline.url))
    return out


def _target_styles(pair: SentencePair) -> list[tuple[int, int, str, str]]:
    if not pair.inlines or not pair.target:
        return []
    from ...markup.placement import target_inlines

    return _styles(target_inlines(pair))


def _term_title(term: Term) -> str:
    lines = [f"{term.entry or term.source} → {term.target}"]
    if term.note:
        lines.append(f"note: {term.note}")
    if term.status:
        lines.append(f"{term.status}: {STATUS_HELP.get(term.status, '')}".rstrip(": "))
    return "\n".join(lines)


def _pair_context(pair: SentencePair, colours: dict[str, int]) -> dict[str, Any]:
    terms = []
    for index, term in enumerate(pair.terms):
        key = term.entry or term.source
        colour = colours.setdefault(key, len(colours))
        terms.append({"index": index, "entry": key, "target": term.target, "status": term.status or "none",
                      "colour": colour, "title": _term_title(term),
                      "found": 0 <= term.target_start < term.target_end <= len(pair.target)})
    source_spans = [(t.start, t.end, i) for i, t in enumerate(pair.terms)]
    target_spans = [(t.target_start, t.target_end, i) for i, t in enumerate(pair.terms)
                    if t.target_start >= 0]
    codes = list(dict.fromkeys(f.code for f in pair.flags))
    return {
        "id": pair.id, "paragraph": pair.paragraph, "number": pair.number, "origin": pair.origin,
        "status": pair.review_status if pair.origin != METADATA else "", "comment": pair.comment,
        "version": pair.version, "score": "" if pair.score is None else f"{pair.score:.4f}",
        "suggestion": pair.suggestion, "text": pair.target,
        "source": _segments(pair.source, source_spans, _styles(pair.inlines)),
        "target": _segments(pair.target, target_spans, _target_styles(pair)),
        "terms": terms,
        "flags": [{"code": f.code, "detail": f.detail, "label": FLAG_LABELS.get(f.code, f.code),
                   "help": FLAG_HELP.get(f.code, "")} for f in pair.flags],
        "flag_codes": codes,
    }


def run_context(run: dict[str, Any] | None) -> dict[str, Any] | None:
    """What a page shows of the run: model, revision, signature, created."""
    if not run:
        return None
    engine = run.get("engine") or {}
    return {
        "model": engine.get("model"), "revision": engine.get("revision"), "engine": engine.get("engine"),
        "signature": run.get("signature"), "created": run.get("created"), "version": run.get("version"),
    }


def article_context(document: Document, run: dict[str, Any] | None = None,
                    limits: dict[str, int] | None = None) -> dict[str, Any]:
    """What the page shows; with `limits` (characters of the English and of a
    comment, which align.review enforces), the page is editable."""
    editable = limits is not None
    colours: dict[str, int] = {}
    paragraphs = []
    for paragraph in document.paragraphs:
        rows = [_pair_context(pair, colours) for pair in paragraph.sentences]
        paragraphs.append({"number": paragraph.number, "kind": paragraph.kind,
                           "metadata": paragraph.kind == METADATA, "rows": rows,
                           "flagged": sum(1 for r in rows if r["flags"])})
    rows = [row for paragraph in paragraphs for row in paragraph["rows"]]
    counts = document.review_counts()
    flag_counts = document.flag_counts()
    term_counts = document.term_counts()
    return {
        "name": document.name,
        # An article in a sub-folder (name "2024/intro") links back up to the run's index.
        "index_href": "../" * document.name.count("/") + INDEX,
        "paragraphs": paragraphs,
        "sentence_count": len(rows),
        "metadata_count": len(rows) - counts["total"],   # copied as is, not reviewed
        "flagged_count": sum(1 for r in rows if r["flags"]),
        "flag_counts": flag_counts,
        "flag_codes": list(FLAG_CODES) + [c for c in flag_counts if c not in FLAG_CODES],
        "term_counts": term_counts,
        "term_total": sum(term_counts.values()),
        "term_accuracy": document.term_accuracy(),
        "colours": [term_colour(i) for i in range(len(colours))],
        "entries": list(colours),
        "metadata": document.metadata,
        "warnings": document.warnings,
        "run": run_context(run),
        "progress": counts,
        "statuses": STATUSES,
        "editable": editable,
        "data": {"name": document.name, "rows": len(rows), "flagged": sum(1 for r in rows if r["flags"]),
                 "flag_labels": FLAG_LABELS, "editable": editable, "statuses": list(STATUSES),
                 "limits": limits or {}},
    }


def render_article(document: Document, run: dict[str, Any] | None = None,
                   limits: dict[str, int] | None = None) -> str:
    """The review page of one Document (also what `align pair` writes); with
    `limits`, the editable page `align review` serves (saves through its HTTP API)."""
    context = article_context(document, run, limits)
    return environment().get_template("article.html.j2").render(
        footer_only=False, table_body=table_body(context["paragraphs"]),
        flag_legend=flag_legend(context["flag_codes"], context["flag_counts"]), **context).lstrip()


def flag_legend(codes: list[str], counts: dict[str, int]) -> Any:
    """The page's count of each kind of flag, one badge a kind (as Markup)."""
    from markupsafe import Markup

    out = []
    for code in codes:
        n = counts.get(code, 0)
        kind, data_code, meaning, label = _legend_parts(code)
        out.append(f'    <span class="badge flag-{kind}{"" if n else " zero"}" data-code="{data_code}" '
                   f'data-count="{n}" title="flags of this kind: {meaning}">{label}: {n}</span>\n')
    return Markup("".join(out))


@lru_cache(maxsize=256)
def _legend_parts(code: str) -> tuple[str, str, str, str]:
    """A flag code's badge class, data-code, help and label, escaped (the same on every page)."""
    from markupsafe import escape

    return (escape(code) if code in FLAG_LABELS else "other", escape(code), escape(FLAG_HELP.get(code, code)),
            escape(FLAG_LABELS.get(code, code)))


def _escape(value: Any) -> str:
    """markupsafe's `escape` of `value`, as text; text with nothing to escape (most of
    a page's values) as it is, without the call and the Markup it makes."""
    if type(value) is str:
        if "&" not in value and "<" not in value and ">" not in value and "'" not in value and '"' not in value:
            return value
    elif type(value) is int:
        return str(value)
    from markupsafe import escape

    return str(escape(value))


def table_body(paragraphs: list[dict[str, Any]]) -> Any:
    """The rows of the page's table, one tbody a paragraph (`article_context`'s
    paragraphs), as Markup. Built here rather than in the template: a Jinja macro
    call per piece of a sentence cost a short article's page more than the rest of
    it. Every value goes through markupsafe's `escape` (`_escape`), as the template's
    autoescaping would put it."""
    from markupsafe import Markup

    out: list[str] = []
    add = out.append
    for p in paragraphs:
        number = _escape(p["number"])
        add(f'  <tbody class="para{" metadata" if p["metadata"] else ""}{" has-flags" if p["flagged"] else ""}" '
            f'data-paragraph="{number}" data-kind="{_escape(p["kind"])}">\n'
            f'    <tr class="para-head"><th colspan="5" scope="rowgroup">¶ {number}'
            f'{" · metadata (copied as is, not translated)" if p["metadata"] else ""}</th></tr>\n')
        for r in p["rows"]:
            sentence = _escape(r["id"])
            add(f'    <tr class="pair{" flagged" if r["flags"] else ""}" id="{sentence}" data-id="{sentence}" '
                f'data-flags="{" ".join(_escape(code) for code in r["flag_codes"])}" '
                f'data-status="{_escape(r["status"])}" data-version="{_escape(r["version"])}" '
                f'data-score="{_escape(r["score"])}" data-origin="{_escape(r["origin"])}">\n'
                f'      <td class="sid"><a href="#{sentence}">{sentence}</a></td>\n'
                f'      <td class="sent src" lang="fr">{_sentence_html(r["source"], r["terms"])}</td>\n'
                f'      <td class="sent tgt" lang="en">{_sentence_html(r["target"], r["terms"])}</td>\n'
                f'      <td class="flags">{"".join(_badge_html(f) for f in r["flags"])}</td>\n'
                f'      <td class="review">{_review_html(r)}</td>\n'
                f'    </tr>\n')
        add("  </tbody>\n")
    return Markup("".join(out))


def _sentence_html(pieces: list[dict[str, Any]], terms: list[dict[str, Any]]) -> str:
    """A sentence's pieces (`_segments`): terms marked, inline styles as classes."""
    out = []
    for piece in pieces:
        html = _escape(piece["text"])
        if piece["term"] is not None:
            t = terms[piece["term"]]
            html = (f'<mark class="term tc{_escape(t["colour"])} st-{_escape(t["status"])}" data-term="{_escape(t["index"])}" '
                    f'data-entry="{_escape(t["entry"])}" title="{_escape(t["title"])}">{html}</mark>')
        if piece["marks"]:
            title = f' title="{_escape(piece["url"])}"' if piece["url"] else ""
            html = f'<span class="mk{"".join(f" mk-{_escape(m)}" for m in piece["marks"])}"{title}>{html}</span>'
        out.append(html)
    return "".join(out)


def _badge_html(flag: dict[str, Any]) -> str:
    kind = flag["code"] if flag["code"] in FLAG_LABELS else "other"
    detail = f': {_escape(flag["detail"])}' if flag["detail"] else ""
    return (f'<span class="badge flag-{_escape(kind)}" data-code="{_escape(flag["code"])}" '
            f'title="{_escape(flag["help"])}{detail}">{_escape(flag["label"])}{detail}</span>')


def _review_html(row: dict[str, Any]) -> str:
    status = f'<span class="status st-{_escape(row["status"])}">{_escape(row["status"])}</span>' if row["status"] else ""
    suggestion = (f'<div class="suggestion" title="the correction made before the French changed">Earlier correction: '
                  f'<span class="suggestion-text">{_escape(row["suggestion"])}</span></div>') if row["suggestion"] else ""
    return f'{status}<div class="comment">{_escape(row["comment"])}</div>{suggestion}'


def _index_row(article: dict[str, Any], progress: dict[str, int] | None) -> dict[str, Any]:
    """One article's row of the index, from its manifest entry."""
    name = article.get("name", "")
    # The page's path relative to the output folder: an article in a sub-folder
    # (name "2024/intro") has its page there.
    depth = name.count("/") + 1
    page = f"{name}{HtmlWriter.suffix}"
    for output in article.get("outputs", []):
        if str(output).endswith(HtmlWriter.suffix):
            page = "/".join(Path(output).parts[-depth:])
    flags = article.get("flags") or {}
    folder, _, short = name.rpartition("/")
    return {
        "name": name, "page": page, "folder": folder, "short": short, "sentences": article.get("sentences", 0),
        "paragraphs": article.get("paragraphs"),
        "term_accuracy": article.get("term_accuracy"), "terms": article.get("terms") or {},
        "flags": flags, "flag_total": sum(flags.values()),
        "warnings": article.get("warnings") or [],
        "progress": progress, "copied": bool(article.get("copied")),
    }


def inconsistency_context(report) -> dict[str, Any] | None:
    """The index's "Inconsistent translations" section from an
    align.checks.consistency.InconsistencyReport (None, or no group: no section). Links go
    to the rows' ids on the article pages, relative to the output folder (an article
    in a sub-folder, "2024/intro", has its page there)."""
    if report is None or not report.groups:
        return None
    groups = [{"kind": group.kind, "key": group.key, "occurrences": group.occurrences,
               "more_variants": group.more_variants,
               "variants": [{"text": variant.text, "count": variant.count, "more": variant.more,
                             "links": [{"article": article, "sentence": sentence,
                                        "page": f"{article}{HtmlWriter.suffix}"}
                                       for article, sentence in variant.links]}
                            for variant in group.variants]}
              for group in report.groups]
    return {"groups": groups, "total": report.total, "more": report.more}


def index_context(manifest: dict[str, Any], groups: Iterable[tuple[str, Iterable[dict[str, Any]]]], *,
                  article_count: int, sentences: int, flag_totals: dict[str, int],
                  review_total: dict[str, int] | None, inconsistencies=None) -> dict[str, Any]:
    """What index.html shows: the run's manifest (its counts and settings), the
    articles' rows folder by folder (`groups`: (folder, rows), streamed: the
    index of 100,000 articles is never built in memory) and the totals over them;
    `review_total` (summed review counts) adds a review column; `inconsistencies`
    (align.checks.consistency.InconsistencyReport: the output folder's, not only the
    run's) a section listing them."""
    # A column for each flag the run has (twelve kinds would not fit a screen, most at 0).
    flag_codes = [code for code in list(FLAG_CODES) + sorted(set(flag_totals) - set(FLAG_CODES))
                  if flag_totals.get(code)]
    counts = manifest.get("counts") or {}
    return {
        "article_count": article_count, "flag_codes": flag_codes,
        "flag_totals": {code: flag_totals.get(code, 0) for code in flag_codes},
        "groups": ({"folder": folder, "rows": (index_row_html(row, flag_codes, review_total is not None)
                                               for row in rows)} for folder, rows in groups),
        "sentences": sentences,
        "term_accuracy": counts.get("term_accuracy"), "terms": counts.get("terms") or {},
        "failed": manifest.get("failed") or [],
        "manifest": manifest, "run": run_context(manifest),
        "engine": manifest.get("engine") or {}, "settings": manifest.get("settings") or {},
        "glossary": manifest.get("glossary"), "environment": manifest.get("environment") or {},
        "timings": manifest.get("timings") or {},
        "reviewing": review_total is not None,
        "progress_total": {key: review_total.get(key, 0) for key in ("total",) + STATUSES}
        if review_total is not None else {},
        "inconsistent": inconsistency_context(inconsistencies),
    }


def index_row_html(article: dict[str, Any], flag_codes: list[str], reviewing: bool) -> Any:
    """One article's row of the index (`_index_row`), as Markup: built here, as the
    article pages' rows are (`table_body`), for an index of 100,000 rows; every value
    escaped by markupsafe's `escape` (`_escape`), the page's link by Jinja's own urlencode."""
    from jinja2.filters import do_urlencode
    from markupsafe import Markup

    terms = article["terms"]
    copied = (' <span class="muted copied" title="no words to translate: written as it is">copied</span>'
              if article["copied"] else "")
    cells = [f'  <tr class="article" data-name="{_escape(article["name"])}">\n'
             f'    <td class="name"><a href="./{_escape(do_urlencode(article["page"]))}">{_escape(article["short"])}</a>'
             f'{copied}</td>\n'
             f'    <td class="num">{_escape(article["sentences"])}</td>\n'
             f'    <td class="num">{_escape(percent(article["term_accuracy"]))}</td>\n'
             f'    <td class="num">{_escape(terms.get("model", 0))} / {_escape(terms.get("forced", 0))} / '
             f'{_escape(terms.get("failed", 0))}</td>\n']
    if reviewing:
        r = article["progress"] or {}
        reviewed, approved, needs_work, total = (_escape(r.get(key, 0)) for key in
                                                 ("reviewed", "approved", "needs-work", "total"))
        cells.append(f'<td class="num review" data-reviewed="{reviewed}" data-approved="{approved}" '
                     f'data-needs-work="{needs_work}" data-total="{total}" title="{reviewed} reviewed / '
                     f'{approved} approved / {needs_work} needs work of {total}">{reviewed} / {approved} / '
                     f'{needs_work} of {total}</td>')
    flags = article["flags"]
    for code in flag_codes:
        n = flags.get(code, 0)
        cells.append(f'<td class="num flag{"" if n else " zero"}" data-code="{_escape(code)}">{_escape(n)}</td>')
    cells.append("  </tr>\n")
    return Markup("".join(cells))


def _index_template():
    return environment().get_template("index.html.j2")


def render_index(manifest: dict[str, Any], progress: dict[str, dict[str, int]] | None = None,
                 inconsistencies=None) -> str:
    """index.html of a manifest that lists its articles (`manifest["articles"]`);
    with `progress` (article → review counts) a review column, with
    `inconsistencies` (see `index_context`) their section."""
    progress = progress or {}
    rows = [_index_row(article, progress.get(article.get("name", ""))) for article in manifest.get("articles", [])]
    groups: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(row["folder"], []).append(row)
    flag_totals: dict[str, int] = {}
    for row in rows:
        for code, n in row["flags"].items():
            flag_totals[code] = flag_totals.get(code, 0) + n
    review_total = None
    if any(progress.values()):
        review_total = {key: sum(p.get(key, 0) for p in progress.values()) for key in ("total",) + STATUSES}
    context = index_context(manifest, ((folder, groups[folder]) for folder in sorted(groups)),
                            article_count=len(rows), sentences=sum(r["sentences"] for r in rows),
                            flag_totals=flag_totals, review_total=review_total, inconsistencies=inconsistencies)
    return _index_template().render(**context).lstrip()


def write_index(path: str | Path, manifest: dict[str, Any], groups, *, article_count: int, sentences: int,
                flag_totals: dict[str, int], review_total: dict[str, int] | None, inconsistencies=None) -> Path:
    """index.html streamed to `path` (atomically) from `groups`: (folder, manifest
    entries of its articles, each with its review counts under "review")."""
    rows = ((folder, (_index_row(a, a.get("review") or None) for a in articles)) for folder, articles in groups)
    context = index_context(manifest, rows, article_count=article_count, sentences=sentences,
                            flag_totals=flag_totals, review_total=review_total, inconsistencies=inconsistencies)
    with atomic_writer(path, encoding="utf-8") as stream:
        started = False
        pending: list[str] = []
        for chunk in _index_template().generate(**context):
            if not started:  # as render_index: no leading blank lines
                chunk = chunk.lstrip()
                started = bool(chunk)
            pending.append(chunk)
            if len(pending) >= 512:  # (Jinja yields small pieces: written a few hundred at a time)
                stream.write("".join(pending))
                pending.clear()
        stream.write("".join(pending))
    return Path(path)


class HtmlWriter(Writer):
    """`NAME.html` per article, and `index.html` once the run is done."""

    suffix = ".html"

    def prepare(self) -> None:
        environment().get_template("article.html.j2")

    def render(self, document: Document, run: dict[str, Any] | None = None) -> str:
        return render_article(document, run)

    def finish_run(self, out_dir: str | Path, report, log) -> Path:
        """index.html, once every article of the run is written: `report` (a
        pipeline.RunReport) has the totals and the folder's inconsistencies, `log`
        the articles, folder by folder."""
        return write_index(OutputFolder(out_dir).index, report.manifest.to_json(), log.by_folder(),
                           article_count=report.articles, sentences=report.sentences,
                           flag_totals=report.flag_counts,
                           review_total=report.review_counts if report.articles else None,
                           inconsistencies=report.inconsistencies)


def write_article(document: Document, path: str | Path, run: dict[str, Any] | None = None) -> Path:
    """Write one review page to `path` (atomically)."""
    return atomic_write(path, render_article(document, run))


__all__ = ["HtmlWriter", "render_article", "render_index", "write_article", "article_context",
           "index_context"]
