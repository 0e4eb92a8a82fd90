"""`align review`'s HTTP server: the API the page uses, and its security checks.

In-process tests go through Starlette's TestClient (httpx); the last ones run
`align review` as a process, to see its log and what a kill leaves behind.
Articles are hand-made (no model): the server only reads and writes files.
"""
from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from align.output.memory import TranslationMemory, default_path
from align.review.server import COOKIE, MAX_BODY_BYTES, allowed_hosts, create_app, session_value
from align.segment import segment_document
from align.read.sources import read_text
from align.output.writers import TsvWriter, TxtWriter
from align.output.writers.html import HtmlWriter
from align.output.writers.tsv import read_rows

ROOT = Path(__file__).resolve().parent.parent.parent
TOKEN = "t0k3n-for-tests"
PORT = 8765
BASE = f"http://127.0.0.1:{PORT}"
HOSTILE = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">'
TEXT = "Le chat dort. Le chien aboie.\n\nLa pluie tombe sur la ville."


def make_folder(out: Path, names=("alpha", "beta")) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    for name in names:
        document = segment_document(read_text(TEXT, name))
        for pair in document.translatable_pairs():
            pair.target, pair.origin, pair.score = f"EN {pair.source}", "model", -0.5
        for writer in (TsvWriter(), TxtWriter(), HtmlWriter()):
            writer.write(document, out)
    return out


@pytest.fixture
def folder(tmp_path) -> Path:
    return make_folder(tmp_path / "out")


@pytest.fixture
def client(folder):
    app = create_app(folder, TOKEN, allowed_hosts("127.0.0.1", PORT))
    with TestClient(app, base_url=BASE) as test_client:
        test_client.cookies.set(COOKIE, session_value(TOKEN))
        yield test_client


def save(client, name="alpha", sentence="p1s2", **edit):
    return client.post(f"/api/articles/{name}/sentences/{sentence}", json=edit)


def rows(folder, name="alpha"):
    return {r["id"]: r for r in read_rows(folder / f"{name}.tsv")}


# ---------------------------------------------------------------- the API
def test_save_updates_tsv_text_page_index_and_memory(client, folder):
    response = save(client, version=0, target="The dog barks.", comment="was: EN Le chien aboie.")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["row"] == {"id": "p1s2", "fr": "Le chien aboie.", "en": "The dog barks.", "origin": "reviewed",
                           "status": "reviewed", "comment": "was: EN Le chien aboie.", "version": 1,
                           "score": None, "suggestion": "", "flags": [], "badges": []}
    assert body["progress"] == {"total": 3, "translated": 2, "reviewed": 1, "approved": 0, "needs-work": 0}
    assert body["flag_counts"] == {}
    row = rows(folder)["p1s2"]
    assert (row["en"], row["origin"], row["status"], row["version"], row["comment"]) == \
        ("The dog barks.", "reviewed", "reviewed", "1", "was: EN Le chien aboie.")
    assert (folder / "alpha.en.txt").read_text(encoding="utf-8") == \
        "EN Le chat dort. The dog barks.\n\nEN La pluie tombe sur la ville.\n"
    assert "The dog barks." in (folder / "alpha.html").read_text(encoding="utf-8")
    assert re.search(r'data-name="alpha".*?1 reviewed', (folder / "index.html").read_text(encoding="utf-8"), re.S)
    with TranslationMemory(default_path(folder)) as memory:
        saved = memory.review_for("Le chien aboie.")
        assert {key: saved[key] for key in ("source", "target", "status", "comment", "article", "sentence",
                                            "occurrence", "edited", "version")} == {
            "source": "Le chien aboie.", "target": "The dog barks.", "status": "reviewed",
            "comment": "was: EN Le chien aboie.", "article": "alpha", "sentence": "p1s2", "occurrence": 0,
            "edited": 1, "version": 1}
    # approving without touching the text keeps it and moves the status on
    response = save(client, version=1, status="approved")
    assert response.json()["row"]["status"] == "approved" and response.json()["row"]["en"] == "The dog barks."
    assert rows(folder)["p1s2"]["status"] == "approved" and rows(folder)["p1s2"]["version"] == "2"
    # the other article is untouched
    assert {r["origin"] for r in rows(folder, "beta").values()} == {"model"}


def test_article_listing_and_rows(client):
    save(client, version=0, status="needs-work", comment="tense")
    listing = client.get("/api/articles").json()
    assert [a["name"] for a in listing] == ["alpha", "beta"]
    assert listing[0]["progress"]["needs-work"] == 1
    article = client.get("/api/articles/alpha").json()
    assert [r["id"] for r in article["rows"]] == ["p1s1", "p1s2", "p2s1"]
    assert article["rows"][1]["status"] == "needs-work" and article["rows"][0]["score"] == -0.5


def test_stale_version_is_a_conflict_and_changes_nothing(client, folder):
    assert save(client, version=0, target="First tab.").status_code == 200
    response = save(client, version=0, target="Second tab.")
    assert response.status_code == 409
    assert re.fullmatch(r"alpha p1s2 was saved elsewhere since you opened it \(version 1, yours 0\); reload to see it",
                        response.json()["error"])
    assert response.json()["row"]["en"] == "First tab."
    assert rows(folder)["p1s2"]["en"] == "First tab."


def test_hostile_text_is_stored_as_text_and_escaped_in_the_static_page(client, folder):
    assert save(client, version=0, target=HOSTILE, comment=HOSTILE).status_code == 200
    assert rows(folder)["p1s2"]["en"] == HOSTILE
    page = (folder / "alpha.html").read_text(encoding="utf-8")
    assert "<script>window.__pwned" not in page and "<img src=x" not in page
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in page
    served = client.get("/alpha.html").text
    assert "<script>window.__pwned" not in served and "&lt;script&gt;window.__pwned=1" in served


@pytest.mark.parametrize("edit, status, message", [
    ({"version": 0, "status": "done"}, 400, "unknown status 'done' (one of: translated, reviewed, approved, needs-work)"),
    ({"version": 0, "target": "   "}, 400, "the English cannot be empty"),
    ({"target": "x"}, 400, "malformed edit: expected JSON {version, target?, status?, comment?} "
                           "(version must be a whole number)"),
    ({"version": True, "target": "x"}, 400, "malformed edit: expected JSON {version, target?, status?, comment?} "
                                            "(version must be a whole number)"),
    ({"version": 0, "target": ["x"]}, 400, "malformed edit: expected JSON {version, target?, status?, comment?} "
                                           "(target must be text)"),
    ({"version": 0, "target": "x", "extra": 1}, 400, "malformed edit: expected JSON {version, target?, status?, "
                                                     "comment?} (unknown field 'extra')"),
    ({"version": 0, "target": "x" * 5001}, 413, "the English is 5001 characters long; the limit is 5000"),
    ({"version": 0, "comment": "x" * 2001}, 413, "the comment is 2001 characters long; the limit is 2000"),
])
def test_bad_edits_are_refused_with_one_line(client, folder, edit, status, message):
    before = (folder / "alpha.tsv").read_bytes()
    response = save(client, **edit)
    assert (response.status_code, response.json()) == (status, {"error": message})
    assert (folder / "alpha.tsv").read_bytes() == before


def test_line_breaks_and_control_characters_are_cleaned(client, folder):
    assert save(client, version=0, target=" The dog\n\tbarks\x00.\r\n").status_code == 200
    assert rows(folder)["p1s2"]["en"] == "The dog barks."


def test_metadata_and_unknown_sentences(client, tmp_path):
    response = save(client, sentence="p9s9", version=0, target="x")
    assert (response.status_code, response.json()) == (404, {"error": "no sentence 'p9s9' in article 'alpha'"})


def test_not_json_is_refused(client):
    response = client.post("/api/articles/alpha/sentences/p1s2", content=b"version=0",
                           headers={"content-type": "application/x-www-form-urlencoded"})
    assert (response.status_code, response.json()) == (415, {"error": "send the edit as application/json"})


# ------------------------------------------------------------- security
def test_no_token_is_403_and_the_printed_url_sets_the_cookie(folder):
    app = create_app(folder, TOKEN, allowed_hosts("127.0.0.1", PORT))
    with TestClient(app, base_url=BASE, follow_redirects=False) as anonymous:
        for path in ("/", "/alpha.html", "/api/articles", "/api/articles/alpha"):
            response = anonymous.get(path)
            assert response.status_code == 403
            assert "missing or wrong token: open the URL that align review printed" in response.text
            assert "\n" not in response.text.strip()
        assert anonymous.get("/?token=wrong").status_code == 403
        assert save(anonymous, version=0, target="x").status_code == 403
        response = anonymous.get(f"/alpha.html?token={TOKEN}")
        assert response.status_code == 303 and response.headers["location"] == "/alpha.html"
        cookie = response.headers["set-cookie"]
        assert f"{COOKIE}={session_value(TOKEN)}" in cookie and "HttpOnly" in cookie and "SameSite=strict" in cookie
        assert TOKEN not in cookie
        assert anonymous.get("/alpha.html").status_code == 200  # the cookie now
        anonymous.cookies.clear()
        assert anonymous.get("/api/articles", headers={"X-Align-Token": TOKEN}).status_code == 200


@pytest.mark.parametrize("headers, message", [
    ({"host": "evil.example"}, "foreign Host header 'evil.example'"),
    ({"host": f"rebind.attacker.test:{PORT}"}, f"foreign Host header 'rebind.attacker.test:{PORT}'"),
    ({"origin": "http://evil.example"}, "cross-site request from 'http://evil.example' refused"),
    ({"origin": "null"}, "cross-site request from 'null' refused"),
    ({"sec-fetch-site": "cross-site"}, "cross-site request refused"),
])
def test_foreign_host_or_origin_is_403(client, folder, headers, message):
    before = (folder / "alpha.tsv").read_bytes()
    for response in (client.get("/api/articles", headers=headers),
                     client.post("/api/articles/alpha/sentences/p1s2", json={"version": 0, "target": "x"},
                                 headers=headers)):
        assert response.status_code == 403
        assert response.json()["error"].startswith(message)
    assert (folder / "alpha.tsv").read_bytes() == before
    # the server's own origin is fine
    assert save(client, version=0, target="x").status_code == 200
    assert client.get("/api/articles", headers={"origin": BASE}).status_code == 200


@pytest.mark.parametrize("path", [
    "/../manifest.json", "/..%2Fmanifest.json", "/%2e%2e/%2e%2e/etc/passwd", "/manifest.json", "/alpha.tsv",
    "/alpha.en.txt", "/.align/memory.sqlite", "/.align%2Fmemory.sqlite.html", "/..%2F..%2Fetc%2Fpasswd.html",
    "/api/articles/..%2Fmanifest", "/api/articles/%2E%2E", "/gamma.html", "/etc/passwd",
])
def test_no_path_outside_the_articles_is_served(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert "root:" not in response.text and "SQLite" not in response.text


def test_articles_of_subfolders_are_listed_served_and_saved(client, folder):
    nested = make_folder(folder / "2024", names=("gamma",))
    # written there as align translate writes an input tree's outputs (names are paths)
    for path in nested.glob("gamma.*"):
        assert path.is_file()
    assert [a["name"] for a in client.get("/api/articles").json()] == ["2024/gamma", "alpha", "beta"]
    page = client.get("/2024/gamma.html")
    assert page.status_code == 200 and "Le chien aboie." in page.text
    assert client.get("/api/articles/2024/gamma").json()["name"] == "2024/gamma"
    response = save(client, name="2024/gamma", version=0, target="The dog barks.")
    assert response.status_code == 200, response.text
    assert rows(folder, "2024/gamma")["p1s2"]["en"] == "The dog barks."
    assert rows(folder)["p1s2"]["en"] == "EN Le chien aboie."  # the top-level namesake is untouched
    for path in ("/2024/%2e%2e/alpha.html", "/api/articles/2024/..%2Falpha", "/api/articles/2024%2F..%2Falpha",
                 "/2024/.align/x.html", "/api/articles//etc/passwd", "/2024/gamma.tsv"):
        assert client.get(path).status_code == 404, path
    assert save(client, name="2024/%2e%2e/alpha", version=0, target="x").status_code == 404


def test_ten_megabyte_edit_is_413(client, folder):
    huge = {"version": 0, "target": "x" * (10 * 1024 * 1024)}
    response = client.post("/api/articles/alpha/sentences/p1s2", json=huge)
    assert (response.status_code, response.json()) == (413, {"error": f"request too large (limit {MAX_BODY_BYTES // 1024} KiB)"})

    def chunks():  # no Content-Length: counted as it arrives
        yield b'{"version": 0, "target": "'
        for _ in range(10 * 16):
            yield b"x" * 65536
        yield b'"}'
    response = client.post("/api/articles/alpha/sentences/p1s2", content=chunks(),
                           headers={"content-type": "application/json"})
    assert (response.status_code, response.json()) == (413, {"error": f"edit too large (limit {MAX_BODY_BYTES // 1024} KiB)"})
    assert rows(folder)["p1s2"]["en"] == "EN Le chien aboie."


# ------------------------------------------------------ the real process
def start(folder: Path):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen([sys.executable, "-m", "align.cli", "review", str(folder), "--no-browser"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    url = process.stdout.readline().strip()
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/\?token=[\w-]{32}", url), url
    return process, url


@contextlib.contextmanager
def serving(folder: Path):
    """`align review FOLDER` as a process: yields (base URL, token); Ctrl-C at the
    end, and no traceback in what it logged."""
    process, url = start(folder)
    base, token = url.split("/?token=")
    try:
        yield base, token
    finally:
        process.send_signal(signal.SIGINT)
        _, log = process.communicate(timeout=30)
        assert "Traceback" not in log


def request(url, data=None, headers=None, method=None):
    req = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(req, timeout=30) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8")


def test_server_process_refusals_are_one_line_and_ctrl_c_keeps_edits(folder):
    process, url = start(folder)
    base, token = url.split("/?token=")
    try:
        assert request(base + "/api/articles")[0] == 403
        assert request(base + "/api/articles", headers={"X-Align-Token": token, "Host": "evil.example"})[0] == 403
        assert request(base + "/..%2Fmanifest.json", headers={"X-Align-Token": token})[0] == 404
        big = json.dumps({"version": 0, "target": "x" * (10 * 1024 * 1024)}).encode()
        try:
            assert request(base + "/api/articles/alpha/sentences/p1s1", data=big,
                           headers={"X-Align-Token": token, "Content-Type": "application/json"})[0] == 413
        except (ConnectionError, urllib.error.URLError):
            pass  # the server may close the connection before the client has sent it all
        status, body = request(base + "/api/articles/alpha/sentences/p1s1",
                               data=json.dumps({"version": 0, "target": "The cat sleeps."}).encode(),
                               headers={"X-Align-Token": token, "Content-Type": "application/json"})
        assert status == 200, body
    finally:
        process.send_signal(signal.SIGINT)
        _, log = process.communicate(timeout=30)
    assert "Traceback" not in log
    refusals = [line for line in log.splitlines() if "refused" in line]
    assert len(refusals) >= 3, log
    assert rows(folder)["p1s1"]["en"] == "The cat sleeps."
    assert not list(folder.glob(".*.part"))


def test_killed_server_loses_no_saved_edit(folder):
    process, url = start(folder)
    base, token = url.split("/?token=")
    try:
        for version, text in enumerate(("One.", "Two.", "Three.")):
            status, _ = request(base + "/api/articles/beta/sentences/p2s1",
                                data=json.dumps({"version": version, "target": text}).encode(),
                                headers={"X-Align-Token": token, "Content-Type": "application/json"})
            assert status == 200
    finally:
        process.kill()
        process.communicate(timeout=30)
    assert rows(folder, "beta")["p2s1"]["en"] == "Three."
    with TranslationMemory(default_path(folder)) as memory:
        assert memory.review_for("La pluie tombe sur la ville.")["target"] == "Three."
    assert not list(folder.glob(".*.part"))


def test_allowed_hosts():
    assert allowed_hosts("127.0.0.1", 8000) == {"127.0.0.1:8000", "localhost:8000", "[::1]:8000"}
    assert "[fe80::1]:8000" in allowed_hosts("fe80::1", 8000)
    import socket
    assert f"{socket.gethostname()}:8000" in allowed_hosts("0.0.0.0", 8000)
    assert "evil.example:8000" not in allowed_hosts("0.0.0.0", 8000)


def test_a_save_during_a_translate_run_is_refused_not_interleaved(client, folder, monkeypatch):
    from align.output.lock import OutputLock
    from align.review import folder as folder_module

    monkeypatch.setattr(folder_module, "LOCK_WAIT_SECONDS", 0.2)
    before = (folder / "alpha.tsv").read_bytes()
    with OutputLock(folder):  # what align translate holds for its whole run
        response = save(client, version=0, target="x")
    assert response.status_code == 503
    assert response.json()["error"].startswith(f"{folder}: another align run is writing here (pid ")
    assert (folder / "alpha.tsv").read_bytes() == before
    assert save(client, version=0, target="x").status_code == 200  # once the run is over


def test_listening_beyond_this_machine_warns_and_prints_a_url_other_machines_reach(folder, monkeypatch):
    """No test listens beyond loopback: `serve` is replaced by what it would tell the CLI."""
    import align.review.server as server
    from align.cli import main
    from click.testing import CliRunner

    def serve(out_dir, host, port, on_ready):
        assert host == "0.0.0.0"
        on_ready(f"{server.public_url(host, 8770, {'127.0.0.1', '192.0.2.2', 'fe80::1'})}?token=t", Path("x"))

    monkeypatch.setattr(server, "serve", serve)
    result = CliRunner().invoke(main, ["review", str(folder), "--no-browser", "--host", "0.0.0.0"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == ("align: warning: listening on 0.0.0.0: other machines can reach this "
                        "server (the token still guards it)")
    assert lines[1] == "http://192.0.2.2:8770/?token=t"
    assert lines[-1] == "review server stopped; every saved edit is on disk"


