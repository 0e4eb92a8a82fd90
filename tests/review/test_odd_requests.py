"""Odd requests get clean answers from a real `align review` on 127.0.0.1 (issue 32).

Log lines that cannot drive a terminal, SIGTERM handled as Ctrl-C, 400 for any
JSON the API cannot take, redirects only to the server's own pages, the
headers of every answer (uvicorn's own 400s included) and a session cookie that
is not the token. Requests go through raw sockets where a client library would
clean them up first. Only 127.0.0.1 is ever contacted.
"""
from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from align.review.server import COOKIE, Guard, loggable, loggable_path, session_value
from test_review_server import ROOT, make_folder, rows

SECURITY = {"cache-control": ["no-store"], "x-content-type-options": ["nosniff"]}


def start(folder: Path, tmp: Path | None = None) -> tuple[subprocess.Popen, str, str]:
    """`align review FOLDER` as a process (its temporary files in `tmp` when given);
    returns it, the base URL and the token."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    if tmp is not None:
        env["TMPDIR"] = str(tmp)
    process = subprocess.Popen([sys.executable, "-m", "align.cli", "review", str(folder), "--no-browser"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    url = process.stdout.readline().strip()
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/\?token=[\w-]{32}", url), (url, process.stderr.read())
    base, token = url.split("/?token=")
    return process, base, token


def stop(process: subprocess.Popen, how: int = signal.SIGINT) -> str:
    """Stop the server with `how`; returns what it wrote on stderr (no traceback in it)."""
    process.send_signal(how)
    _, log = process.communicate(timeout=60)
    assert "Traceback" not in log, log
    return log


def raw(base: str, request: bytes) -> tuple[int, dict[str, list[str]], bytes]:
    """Send `request` as it is; the answer's status, headers (lower-case name → every
    value) and body. The request says `Connection: close`, or is one the server
    closes after (a malformed one)."""
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=60) as connection:
        connection.sendall(request)
        chunks = []
        while chunk := connection.recv(65536):
            chunks.append(chunk)
    head, _, body = b"".join(chunks).partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers: dict[str, list[str]] = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers.setdefault(name.strip().lower(), []).append(value.strip())
    return int(lines[0].split()[1]), headers, body


def get(base: str, path: str, headers: dict[str, str] | None = None, method: str = "GET", body: bytes = b""):
    fields = {"Host": base.removeprefix("http://"), "Connection": "close", **(headers or {})}
    lines = [f"{method} {path} HTTP/1.1"] + [f"{name}: {value}" for name, value in fields.items()]
    if (body or method == "POST") and "Content-Length" not in fields:
        lines.append(f"Content-Length: {len(body)}")
    return raw(base, ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """One server for the module's tests that change nothing but article alpha's p1s2."""
    folder = make_folder(tmp_path_factory.mktemp("odd") / "out")
    process, base, token = start(folder)
    yield folder, base, token
    stop(process)


# ------------------------------------------------------------ 2: log lines
def test_log_lines_cannot_drive_a_terminal(tmp_path):
    folder = make_folder(tmp_path / "out")
    process, base, token = start(folder)
    try:
        # no token needed to be logged: each of these is refused, and its refusal logged
        assert get(base, "/x%1b%5b2J%1b%5d0%3bPWNED%07")[0] == 403             # clear screen, retitle, bell
        assert get(base, "/" + "%1b%5b2J" * 1500)[0] == 403                      # 12 KB of escapes
        assert get(base, "/%C2%9B31m%E2%80%AEevil")[0] == 403                   # 8-bit CSI, right-to-left override
        assert get(base, "/api/articles", {"Host": "evil\x9b2J.example"})[0] == 403   # a header's 8-bit CSI
        assert get(base, "/api/articles", {"X-Align-Token": token, "Origin": "http://x\x9b]0;PWNED\x07"})[0] == 403
        assert get(base, "/api/articles/%1b%5b2J" + "x" * 5000, {"X-Align-Token": token})[0] == 404
    finally:
        log = stop(process)
    lines = log.splitlines()
    refusals = [line for line in lines if line.startswith("refused ")]
    assert len(refusals) >= 5, log
    # nothing a terminal acts on: no C0 or C1 control, no DEL, no bidirectional override
    assert not re.search("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]", log), ascii(log)
    assert max(len(line) for line in lines) <= 700, max(lines, key=len)[:300]
    assert "refused GET /x%1B%5B2J%1B%5D0;PWNED%07: missing or wrong token" in log
    assert any(line.startswith("refused GET /%1B%5B2J%1B%5B2J") and "… (6001 characters)" in line
               for line in refusals), refusals
    assert "refused GET /%C2%9B31m%E2%80%AEevil: " in log
    assert r"foreign Host header 'evil\x9b2J.example'" in log
    assert r"cross-site request from 'http://x\x9b]0;PWNED\x07' refused" in log


def test_log_fields_are_escaped_and_cut():
    assert loggable("a\x1b[2J\x07\u202e\x9bz") == r"a\x1b[2J\x07\u202e\x9bz"
    assert loggable("é ü 日本") == "é ü 日本"  # printable text stays readable
    assert loggable("x" * 500) == "x" * 200 + "… (500 characters)"
    assert loggable("\x1b" * 100) == r"\x1b" * 50 + "… (100 characters)"   # the bound is on what is written
    assert loggable_path("/a b/\x1b/é") == "/a%20b/%1B/%C3%A9"
    assert loggable_path("/" + "\x07" * 300) == "/" + "%07" * 66 + "… (301 characters)"


# ------------------------------------------------------------ 3: SIGTERM
def test_sigterm_removes_the_token_file_and_says_stopped_as_ctrl_c(tmp_path):
    folder, tmp = make_folder(tmp_path / "out"), tmp_path / "tmp"
    tmp.mkdir()
    process, base, token = start(folder, tmp)
    login = list(tmp.glob("align-review-*/open.html"))
    assert len(login) == 1 and token in login[0].read_text(encoding="utf-8")
    assert get(base, "/api/articles", {"X-Align-Token": token})[0] == 200
    log = stop(process, signal.SIGTERM)
    assert process.returncode == 0
    assert log.splitlines()[-1] == "review server stopped; every saved edit is on disk"
    assert list(tmp.iterdir()) == []  # the private file and its folder are gone


# ------------------------------------------------------------ 4: bodies the API cannot take
@pytest.mark.parametrize("body, reason", [
    (b"[" * 30_000, "nested too deeply"),
    (b'{"version": 0, "target": ' + b"[" * 30_000 + b"]" * 30_000 + b"}", "nested too deeply"),
    (b'{"version": ' + b"1" * 5000 + b"}", "Exceeds the limit"),   # Python's limit on digits
    (b"", "not JSON: Expecting value"),
])
def test_json_the_api_cannot_take_is_400(server, body, reason):
    folder, base, token = server
    before = (folder / "alpha.tsv").read_bytes()
    status, headers, answer = get(base, "/api/articles/alpha/sentences/p1s2", method="POST", body=body,
                                  headers={"X-Align-Token": token, "Content-Type": "application/json"})
    assert status == 400, answer
    error = json.loads(answer)["error"]
    assert error.startswith("malformed edit: ") and reason in error and "\n" not in error
    assert (folder / "alpha.tsv").read_bytes() == before


@pytest.mark.parametrize("english", ["\u200b", "\u200c\u200d", "\u2060", "\ufeff", " \u200b\t\u00a0", "\u200e\u00ad"])
def test_english_of_invisible_characters_is_refused_as_empty(server, english):
    folder, base, token = server
    before = (folder / "alpha.tsv").read_bytes()
    status, _, answer = get(base, "/api/articles/alpha/sentences/p1s2", method="POST",
                            body=json.dumps({"version": 0, "target": english}).encode(),
                            headers={"X-Align-Token": token, "Content-Type": "application/json"})
    assert (status, json.loads(answer)) == (400, {"error": "the English cannot be empty"})
    assert (folder / "alpha.tsv").read_bytes() == before


def test_media_types_are_compared_case_insensitively(server):
    folder, base, token = server
    version = int(rows(folder)["p1s2"]["version"] or 0)
    for kind in ("APPLICATION/JSON", "Application/Json; charset=UTF-8"):
        status, _, answer = get(base, "/api/articles/alpha/sentences/p1s2", method="POST",
                                body=json.dumps({"version": version, "target": f"The dog barks ({kind})."}).encode(),
                                headers={"X-Align-Token": token, "Content-Type": kind})
        assert status == 200, answer
        version += 1
        assert rows(folder)["p1s2"]["en"] == f"The dog barks ({kind})."
    assert get(base, "/api/articles/alpha/sentences/p1s2", method="POST", body=b"version=0",
               headers={"X-Align-Token": token, "Content-Type": "TEXT/PLAIN"})[0] == 415


# ------------------------------------------------------------ 5: redirects
@pytest.mark.parametrize("path, location", [
    ("//elsewhere.example/?token={token}", "/"),
    ("//elsewhere.example/alpha.html?token={token}", "/"),
    ("/\\elsewhere.example/?token={token}", "/"),
    ("/%2F%2Felsewhere.example/?token={token}", "/"),
    ("/%5C%5Celsewhere.example/?token={token}", "/"),
    ("/%09/elsewhere.example/?token={token}", "/"),
    ("/http://elsewhere.example/?token={token}", "/"),
    ("/nothing.html?token={token}", "/"),
    ("/?token={token}", "/"),
    ("/index.html?token={token}", "/index.html"),
    ("/alpha.html?token={token}", "/alpha.html"),
    ("/alpha.html?token={token}&row=p1s2", "/alpha.html?row=p1s2"),
    ("/alpha.html?row=%2F%2Fx&token={token}", "/alpha.html?row=%2F%2Fx"),
])
def test_a_sign_in_redirects_only_to_the_servers_own_pages(server, path, location):
    _, base, token = server
    status, headers, _ = get(base, path.format(token=token))
    assert status == 303 and headers["location"] == [location]
    assert headers["set-cookie"][0].startswith(f"{COOKIE}_{base.rsplit(':', 1)[1]}={session_value(token)};")


# ------------------------------------------------------------ 6: headers, cookie
def test_every_answer_of_the_real_server_carries_the_headers_once(server):
    folder, base, token = server
    port = base.rsplit(":", 1)[1]
    answers = {
        "200": get(base, "/alpha.html", {"X-Align-Token": token}),
        "204": get(base, "/favicon.ico", {"X-Align-Token": token}),
        "303": get(base, f"/?token={token}"),
        "403": get(base, "/"),
        "404": get(base, "/nothing.html", {"X-Align-Token": token}),
        "405": get(base, "/api/articles", {"X-Align-Token": token}, method="DELETE"),
        "413": get(base, "/api/articles/alpha/sentences/p1s2", {"X-Align-Token": token,
                                                                "Content-Length": str(10 ** 9)}, method="PUT"),
        "415": get(base, "/api/articles/alpha/sentences/p1s2", {"X-Align-Token": token}, method="POST"),
        # uvicorn's own answers to what h11 cannot parse, before any of align's code runs
        "400 header": raw(base, f"GET / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nno colon here\r\n\r\n".encode()),
        "400 request line": raw(base, b"GET / HTTP/1.1 extra\r\n\r\n"),
        "400 too long": raw(base, f"GET /{'x' * 20_000}".encode()),   # over h11's 16 KiB, not yet ended
        "400 NUL": raw(base, f"GET / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nX-A: a\x00b\r\n\r\n".encode()),
    }
    for name, (status, headers, body) in answers.items():
        assert str(status) == name.split()[0], (name, status, body)
        for header, value in SECURITY.items():
            assert headers.get(header) == value, (name, headers)
    assert answers["400 header"][2] == b"Invalid HTTP request received."


def test_the_cookie_is_a_session_value_and_the_raw_token_is_no_cookie(server):
    _, base, token = server
    cookie = f"{COOKIE}_{base.rsplit(':', 1)[1]}"
    status, headers, _ = get(base, f"/alpha.html?token={token}")
    assert status == 303
    assert headers["set-cookie"][0].startswith(f"{cookie}={session_value(token)};") and \
        token not in headers["set-cookie"][0]
    assert session_value(token) != token and re.fullmatch(r"[0-9a-f]{64}", session_value(token))
    assert get(base, "/alpha.html", {"Cookie": f"{cookie}={session_value(token)}"})[0] == 200
    status, _, body = get(base, "/api/articles", {"Cookie": f"{cookie}={token}"})   # the token itself as cookie
    assert (status, json.loads(body)) == (403, {"error": "missing or wrong token: open the URL that align review "
                                                         "printed"})
    # the session value is a cookie, never a token: not in the address, the header or /login
    assert get(base, f"/?token={session_value(token)}")[0] == 403
    assert get(base, "/api/articles", {"X-Align-Token": session_value(token)})[0] == 403
    assert get(base, "/login", {"Content-Type": "application/x-www-form-urlencoded"}, method="POST",
               body=f"token={session_value(token)}".encode())[0] == 403


def test_what_fails_beneath_the_guard_is_one_line_with_the_headers():
    """A bug in the application (in process: no real server has one to show) is a
    one-line 500 carrying the headers, never uvicorn's bare 500 and traceback."""
    async def broken(scope, receive, send):
        raise RuntimeError("a bug")

    guard = Guard(broken, "tok", {"127.0.0.1:8771"})
    client = TestClient(guard, base_url="http://127.0.0.1:8771", raise_server_exceptions=False)
    response = client.get("/", headers={"x-align-token": "tok"})
    assert (response.status_code, response.text) == (500, "RuntimeError; nothing was saved by this request\n")
    assert response.headers["cache-control"] == "no-store" and response.headers["x-content-type-options"] == "nosniff"
