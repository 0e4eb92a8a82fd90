"""The end of a run, one for a run and a merge: the inconsistency flags of the
folder's articles brought up to date (`settle_consistency`), then what the writers
make once per run (the index), then the manifest, last."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable

from ..errors import InputError
from ..output.folder import OutputFolder
from ..output.manifest import Manifest, RunHeader
from ..output.files import sync_folder
from ..output.writers.base import Writer
from .report import ArticleLog, RunReport

# Rounds of forgetting articles whose outputs are gone before flags are settled.
SETTLE_ROUNDS = 5


def settle_consistency(store, out_dir: Path, writers: list, header: dict[str, Any],
                       articles: Iterable[str] = (), files=None) -> dict[str, dict[str, int]]:
    """Articles whose rows joined or left an inconsistency since their files were
    written (by this run, an earlier one, a review save, or copied by align merge:
    `articles`) get their flags: their TSV and review page are read back and
    rewritten, those articles only. Articles whose outputs are gone leave the store
    first, so that no flag or index link names them. Returns article name → its new
    flag counts, for those rewritten. `files`: a run's BackgroundFiles, placing the
    rewrites (None: written at once); the store keeps the new flags only once they are."""
    from ..checks.consistency import mark_inconsistent
    from ..output.articles import load_article

    rewriters = [writer for writer in writers if writer.suffix in (".tsv", ".html")]
    for _ in range(SETTLE_ROUNDS):
        shown = store.inconsistencies()
        linked = {article for group in shown for variant in group.variants for article, _ in variant.links}
        gone = [name for name in [*store.changed_articles(), *sorted(linked)]
                if not OutputFolder(out_dir).tsv(name).is_file()]
        if not gone:
            break
        for name in dict.fromkeys(gone):  # this changes their groups: the next round looks again
            store.forget(name)
    groups = store.changed_groups()
    amended: dict[str, dict[str, int]] = {}
    for name in sorted(set(store.changed_articles(groups)) | set(articles)):
        wanted = store.flags_for(name)
        if wanted == store.flagged(name):
            continue
        try:
            document = load_article(out_dir, name)
        except (OSError, InputError):  # gone or unreadable since: no flag can be set on it
            store.forget(name, commit=False)
            continue
        mark_inconsistent(document, wanted)
        for writer in rewriters:
            writer.write(document, out_dir, header, durable=False,  # end_run syncs the folder
                         place=files.place if files is not None else None)
        store.set_flagged(name, wanted, commit=False)
        amended[name] = document.flag_counts()
    if files is not None:
        files.settle()
    store.clear_changed(groups)  # only now, with the flags: a run killed before this redoes the rewrites
    return amended


def end_run(out_dir: Path, report: RunReport, log: ArticleLog, writers: Iterable[Writer]) -> None:
    """The end of a run or a merge, one way for both: what the writers make once per run
    (the index), then the manifest, last: until it is written the folder's record is the
    previous run's, so a run or merge stopped before it is seen as not done."""
    for writer in writers:
        writer.finish_run(out_dir, report, log)
    sync_folder(out_dir)  # the articles' outputs, written without an fsync each, before the manifest
    report.manifest.write(OutputFolder(out_dir).manifest, log)


def build_manifest(report: RunReport, header: RunHeader, merged_from: list[dict[str, Any]] | None = None,
                   other: dict[str, Any] | None = None) -> Manifest:
    """The manifest of a run (or a merge, with the folders it merged) from its report."""
    return Manifest(
        header,
        counts={
            "articles": report.articles,
            "failed": len(report.failed),
            "sentences": report.sentences,
            "from_memory": report.from_memory,
            "copied": report.copied,
            "terms": report.term_counts,
            "term_accuracy": report.term_accuracy,
        },
        timings={
            "total_seconds": round(report.seconds, 3),
            "sentences_per_second": round(report.sentences / report.seconds, 2) if report.seconds else None,
            "batches": report.batches,
        },
        failed=[{"source": s, "error": e} for s, e in report.failed],
        merged_from=merged_from, other=other or {})
