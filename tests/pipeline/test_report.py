"""The run's article log: reports appended, read back in order and folder by folder,
also when reports are added after a read."""
from __future__ import annotations

from align.pipeline.report import ArticleLog, ArticleReport


def test_reports_read_back_in_order_and_by_folder_after_reads_and_more_adds(tmp_path):
    log = ArticleLog(tmp_path)
    names = ["b", "2024/x", "a", "2024/y"]
    for index, name in enumerate(names[:2]):
        log.add(ArticleReport(name=name, source=f"{name}.txt", sentences=index + 1))
    assert [r["name"] for r in log] == names[:2]  # a read in the middle of the run
    for index, name in enumerate(names[2:], 2):
        log.add(ArticleReport(name=name, source=f"{name}.txt", sentences=index + 1))
    assert [(r["name"], r["sentences"]) for r in log] == [(n, i + 1) for i, n in enumerate(names)]
    log.amend("2024/x", {"number-mismatch": 1})
    folders = {folder: [(r["name"], r["flags"]) for r in reports] for folder, reports in log.by_folder()}
    assert folders == {"": [("b", {}), ("a", {})], "2024": [("2024/x", {"number-mismatch": 1}), ("2024/y", {})]}
    log.add(ArticleReport(name="c", source="c.txt", sentences=9))  # after a read by offsets
    assert [r["name"] for r in log][-1] == "c" and log.count == 5
    log.close()
    assert not log.path.exists()
