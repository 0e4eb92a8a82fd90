"""`align review` as a security boundary: hosts on a wildcard address, the sign-in
that keeps the token out of addresses and command lines, cache and sniffing
headers, malformed JSON. In process (Starlette's TestClient): no test listens
beyond loopback or sends traffic anywhere but 127.0.0.1."""
from __future__ import annotations

import stat
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from align.review.server import (COOKIE, allowed_hosts, create_app, login_page, machine_addresses, public_url,
                                 session_value, write_login_file)
from test_review_server import TOKEN, make_folder

PORT = 8770


@pytest.fixture
def folder(tmp_path) -> Path:
    return make_folder(tmp_path / "out")


def client_for(folder: Path, host: str = "127.0.0.1", addresses=None) -> TestClient:
    cookie = f"{COOKIE}_{PORT}"
    app = create_app(folder, TOKEN, allowed_hosts(host, PORT, addresses), cookie=cookie)
    return TestClient(app, base_url=f"http://127.0.0.1:{PORT}", follow_redirects=False)


def test_a_wildcard_server_answers_to_the_machines_own_addresses(folder):
    own = {"192.0.2.2", "fd00::2", "review-box"}
    with client_for(folder, "0.0.0.0", own) as client:
        for host in ("192.0.2.2:8770", "[fd00::2]:8770", "review-box:8770", "127.0.0.1:8770"):
            response = client.get("/api/articles", headers={"host": host, "x-align-token": TOKEN})
            assert response.status_code == 200, (host, response.text)
        foreign = client.get("/api/articles", headers={"host": "evil.example:8770", "x-align-token": TOKEN})
        assert foreign.status_code == 403
    # the real machine's addresses, as `align review --host 0.0.0.0` takes them
    with client_for(folder, "0.0.0.0") as client:
        for address in machine_addresses():
            host = f"[{address}]:{PORT}" if ":" in address else f"{address}:{PORT}"
            assert client.get("/", headers={"host": host, "x-align-token": TOKEN}).status_code == 200, host
    # a loopback server knows no other name
    with client_for(folder) as client:
        assert client.get("/", headers={"host": "192.0.2.2:8770", "x-align-token": TOKEN}).status_code == 403


def test_the_printed_url_of_a_wildcard_server_works_from_another_machine():
    assert public_url("0.0.0.0", 8770, {"127.0.0.1", "::1", "fe80::1", "192.0.2.2", "fd00::2"}) == \
        "http://192.0.2.2:8770/"
    assert public_url("::", 8770, {"::1", "fd00::2"}) == "http://[fd00::2]:8770/"
    assert public_url("127.0.0.1", 8770) == "http://127.0.0.1:8770/"


def test_the_browser_signs_in_from_a_private_file_with_no_token_in_any_address(folder):
    path = write_login_file(f"http://127.0.0.1:{PORT}/", TOKEN)
    try:
        assert TOKEN not in str(path) and TOKEN not in path.as_uri()       # what the launcher is given
        assert stat.S_IMODE(path.stat().st_mode) == 0o600 and stat.S_IMODE(path.parent.stat().st_mode) == 0o700
        assert path.read_text(encoding="utf-8") == login_page(f"http://127.0.0.1:{PORT}/", TOKEN)
    finally:
        path.unlink()
        path.parent.rmdir()
    page = login_page(f"http://127.0.0.1:{PORT}/", TOKEN)
    assert f'action="http://127.0.0.1:{PORT}/login"' in page and f'name="token" value="{TOKEN}"' in page
    with client_for(folder) as client:
        # what the file's form sends: from a file:// page, Origin is "null" and the request cross-site
        headers = {"origin": "null", "sec-fetch-site": "cross-site",
                   "content-type": "application/x-www-form-urlencoded"}
        response = client.post("/login", content=f"token={TOKEN}", headers=headers)
        assert response.status_code == 303 and response.headers["location"] == "/"
        cookie = response.headers["set-cookie"]
        # the cookie holds a value derived from the token, never the token (cookies reach every port)
        assert cookie.startswith(f"{COOKIE}_{PORT}={session_value(TOKEN)};") and TOKEN not in cookie
        assert "HttpOnly" in cookie and "SameSite=strict" in cookie
        assert client.get("/").status_code == 200   # signed in: the cookie is set
        client.cookies.clear()
        # a wrong token, or the null origin anywhere but /login, is refused
        assert client.post("/login", content="token=guess", headers=headers).status_code == 403
        client.cookies.set(f"{COOKIE}_{PORT}", session_value(TOKEN))
        assert client.get("/", headers={"origin": "null"}).status_code == 403
        # the cookie of a server on another port is not this server's
        client.cookies.clear()
        client.cookies.set(f"{COOKIE}_9999", session_value(TOKEN))
        assert client.get("/").status_code == 403
        # the raw token as a cookie (what servers before the session value set) is refused
        client.cookies.clear()
        client.cookies.set(f"{COOKIE}_{PORT}", TOKEN)
        assert client.get("/").status_code == 403
        assert client.get("/api/articles").json() == {"error": "missing or wrong token: open the URL that align "
                                                                "review printed"}


def test_the_cli_opens_the_private_file_never_the_url(folder, monkeypatch):
    import webbrowser

    import align.review.server as server
    from align.cli import main
    from click.testing import CliRunner

    opened = []
    monkeypatch.setattr(webbrowser, "open", opened.append)

    def serve(out_dir, host, port, on_ready):
        login = write_login_file(f"http://127.0.0.1:{PORT}/", TOKEN)
        on_ready(f"http://127.0.0.1:{PORT}/?token={TOKEN}", login)

    monkeypatch.setattr(server, "serve", serve)
    result = CliRunner().invoke(main, ["review", str(folder)])
    assert result.exit_code == 0, result.output
    assert len(opened) == 1 and opened[0].startswith("file://") and TOKEN not in opened[0]


def test_every_answer_says_no_store_and_nosniff(folder):
    with client_for(folder) as client:
        answers = [client.get("/", headers={"x-align-token": TOKEN}),
                   client.get("/alpha.html", headers={"x-align-token": TOKEN}),
                   client.get("/api/articles", headers={"x-align-token": TOKEN}),
                   client.get("/api/articles/alpha", headers={"x-align-token": TOKEN}),
                   client.post("/api/articles/alpha/sentences/p1s2", json={"version": 0, "target": "The dog."},
                               headers={"x-align-token": TOKEN}),
                   client.get("/api/articles"),                       # refused: no token
                   client.get("/api/articles/nothing", headers={"x-align-token": TOKEN})]
        assert [a.status_code for a in answers] == [200, 200, 200, 200, 200, 403, 404]
        for answer in answers:
            assert answer.headers["cache-control"] == "no-store"
            assert answer.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize("body", [
    b'{"version": 0, "target": "\\ud800"}',          # a lone surrogate: JSON, but not text
    b'{"version": 0, "comment": "\\udfff x"}',
    b'{"version": 0, "target": "x"',                  # cut short
    b'[0, "x"]',
    b'"just a string"',
    b'{"version": 1.5, "target": "x"}',
    b'{"version": -1, "target": "x"}',
    b'\xff\xfe{}',                                     # not UTF-8
    b'{"version": 0, "status": 3}',
])
def test_malformed_json_of_any_kind_is_400_and_changes_nothing(folder, body):
    before = (folder / "alpha.tsv").read_bytes()
    with client_for(folder) as client:
        response = client.post("/api/articles/alpha/sentences/p1s2", content=body,
                               headers={"x-align-token": TOKEN, "content-type": "application/json"})
    assert response.status_code == 400, response.text
    assert response.json()["error"].startswith("malformed edit: ")
    assert (folder / "alpha.tsv").read_bytes() == before
