"""`align review OUT_DIR`: the review page, editable, served on 127.0.0.1.

Starlette on uvicorn: both maintained, small, typed; Starlette gives routing,
cookies and a test client (httpx) without a framework's weight, and uvicorn
handles Ctrl-C and SIGTERM by finishing the requests in flight (after which
both end the same way: the private sign-in file removed, the closing line
printed; `sigterm_as_interrupt`). The standard library's http.server would
need hand-written routing, body limits and shutdown, where the mistakes of a
security boundary hide.

Security (a local server is reachable by every web page the user opens):
* it listens on 127.0.0.1 unless told otherwise (`--host`, with a warning);
* every request carries the random token of the printed URL (query string
  once, then an HttpOnly SameSite=Strict cookie named after the port, so two
  servers on one machine never take each other's, holding `session_value`, an
  HMAC of the token and never the token; or the X-Align-Token header); both are
  compared in constant time. Signing in redirects to the page asked for only when
  it is one of the server's own, else to /: never to a path of the request's
  making (`//elsewhere.example/` is another site to a browser). The browser
  align opens never sees the token in an address: it opens a private local file
  (0600) that POSTs the token to /login, as Jupyter does, so the token is in no
  history and on no process's command line;
* the Host header must name this server (DNS rebinding: a foreign name that
  resolves to 127.0.0.1 is refused; on a wildcard address, 0.0.0.0 or ::, every
  address of the machine's interfaces is its own), and an Origin header, when
  sent, must be this server's own (cross-site requests; /login alone takes the
  "null" origin of the local file, its token being the check);
* only the pages of the folder's articles and the API exist: no file is read
  from a request's path, so no path outside OUT_DIR can be served;
* request bodies are limited to `MAX_BODY_BYTES`, texts to the limits of
  `align.review.folder`; text is stored as text and only ever rendered
  escaped (Jinja2 autoescape, textContent in the page's script);
* saves name the row version they edit: a stale one gets 409 and the row as
  it is now.
Every refusal is one line (JSON `{"error": ...}` for the API, plain text
otherwise) and nothing is logged with a traceback; what a log line quotes of a
request (path, headers, names) is escaped and cut (`loggable`), so no request
writes to the terminal. Every answer says `Cache-Control: no-store` and
`X-Content-Type-Options: nosniff`, uvicorn's own 400s for requests it cannot
parse included (`security_protocol`). No WebSocket is served.

HTTP API (all under the token):
  GET  /                              index page (review progress per article)
  GET  /{article}.html                editable review page
  GET  /api/articles                  [{name, progress}]
  GET  /api/articles/{article}        {name, progress, rows: [row]}
  POST /api/articles/{article}/sentences/{id}
       JSON {version, target?, status?, comment?} → 200 {row, progress, flag_counts}
  POST /login                         form token=… → 303 to / with the cookie set
       400 bad request (JSON of any kind the API cannot take, English with nothing visible)
       · 403 token/host/origin · 404 unknown · 409 conflict
       {error, row} · 413 too large · 415 not JSON · 503 a translate run holds the folder
"""
from __future__ import annotations

import contextlib
import hmac
import json
import logging
import secrets
from pathlib import Path
from typing import Any, Callable

from ..document import SentencePair
from ..errors import UsageError
from .folder import EDIT_LIMITS, Edit, EditConflict, EditRejected, NotFound, ReviewFolder

MAX_BODY_BYTES = 64 * 1024
COOKIE = "align_review"
TOKEN_HEADER = "x-align-token"
LOCAL_HOSTS = ("127.0.0.1", "localhost", "[::1]")
LOG_FIELD_CHARS = 200   # a request's path or message in a log line: longer is cut
# The session cookie holds this HMAC of the token, never the token: cookies go to
# every port of the host (RFC 6265 §8.5), and a value good only as a cookie is no
# key to the printed URL, the X-Align-Token header or /login.
SESSION_LABEL = b"align review session v1"

log = logging.getLogger("align.review")


def session_value(token: str) -> str:
    """The session cookie's value for `token`: hex HMAC-SHA256 of a fixed label, keyed by it."""
    import hashlib

    return hmac.new(token.encode("utf-8"), SESSION_LABEL, hashlib.sha256).hexdigest()


def loggable(text: str, limit: int = LOG_FIELD_CHARS) -> str:
    """`text` fit for a log line on a terminal: every character that is not
    printable (escape sequences, bell, line breaks, bidirectional controls) as a
    backslash escape; longer than `limit` characters written, cut there (never
    inside an escape) with a note of the length."""
    return _bounded(text, lambda c: c if c.isprintable() else ascii(c)[1:-1], limit)


def loggable_path(path: str) -> str:
    """A request's (decoded) path for a log line: percent-encoded again, as on the
    wire (uvicorn's access log does the same), so only printable ASCII; cut as
    `loggable` cuts."""
    from urllib.parse import quote

    return _bounded(path, lambda c: quote(c, safe="/:@!$&'()*+,;=-._~"), LOG_FIELD_CHARS)


def _bounded(text: str, escape: Callable[[str], str], limit: int) -> str:
    pieces: list[str] = []
    size = 0
    for character in text:  # at most `limit` characters looked at: a 60 KB path costs no more
        piece = escape(character)
        if size + len(piece) > limit:
            return "".join(pieces) + f"… ({len(text)} characters)"
        pieces.append(piece)
        size += len(piece)
    return "".join(pieces)


def log_refusal(request, message: str) -> None:
    """One warning line for a refused request; nothing in it can drive a terminal."""
    log.warning("refused %s %s: %s", loggable(request.method, 20), loggable_path(request.url.path), loggable(message))


def row_json(pair: SentencePair) -> dict[str, Any]:
    """A row as the API gives it: `flags` as the TSV writes them, `badges` as the
    page shows them (label and meaning from align.flags)."""
    from ..flags import label, meaning

    return {"id": pair.id, "fr": pair.source, "en": pair.target, "origin": pair.origin,
            "status": pair.review_status, "comment": pair.comment, "version": pair.version,
            "score": pair.score, "suggestion": pair.suggestion, "flags": [str(f) for f in pair.flags],
            "badges": [{"code": f.code, "detail": f.detail, "label": label(f.code), "help": meaning(f.code)}
                       for f in pair.flags]}


def machine_addresses() -> set[str]:
    """Every address of this machine's network interfaces, its name and full name."""
    import socket

    names = {socket.gethostname(), socket.getfqdn()}
    try:
        import psutil

        for addresses in psutil.net_if_addrs().values():
            names |= {a.address.split("%")[0] for a in addresses if a.family in (socket.AF_INET, socket.AF_INET6)}
    except (ImportError, OSError):
        pass
    try:
        names |= {info[4][0] for info in socket.getaddrinfo(socket.gethostname(), None)}
    except OSError:
        pass
    return {name for name in names if name}


def allowed_hosts(host: str, port: int, addresses: set[str] | None = None) -> set[str]:
    """Host header values that name this server: the local names, the address
    given, and for a wildcard address (0.0.0.0, ::) this machine's names and
    addresses (`addresses`, default `machine_addresses()`). Anything else is a
    rebinding attempt."""
    names = set(LOCAL_HOSTS) | {host}
    if host in ("0.0.0.0", "::"):
        names |= machine_addresses() if addresses is None else addresses
    names = {f"[{name}]" if ":" in name and not name.startswith("[") else name for name in names}
    return {f"{name}:{port}" for name in names} | (names if port == 80 else set())


def public_url(host: str, port: int, addresses: set[str] | None = None) -> str:
    """The URL another machine reaches a server listening on `host` at: for a
    wildcard address, the machine's first non-loopback address (its name if it
    has none)."""
    import ipaddress
    import socket

    if host in ("0.0.0.0", "::"):
        candidates = []
        for name in sorted(machine_addresses() if addresses is None else addresses):
            try:
                address = ipaddress.ip_address(name)
            except ValueError:
                continue
            if not (address.is_loopback or address.is_link_local or address.is_unspecified):
                candidates.append((address.version != 4, name))  # IPv4 first
        host = min(candidates)[1] if candidates else socket.gethostname()
    return f"http://{f'[{host}]' if ':' in host else host}:{port}/"


def parse_edit(body: bytes) -> Edit:
    """The edit a save's JSON body asks for; ValueError, saying why, for anything
    else: not UTF-8, not JSON, not an object, a version that is not a whole number
    (`true` is not 1), texts that are not text or hold a lone surrogate."""
    try:
        data = json.loads(body.decode("utf-8"))
    except UnicodeDecodeError:
        raise ValueError("not UTF-8") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"not JSON: {exc.msg}") from None
    except RecursionError:  # [[[[… deeper than the parser's stack: no edit is nested
        raise ValueError("nested too deeply") from None
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    version = data.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 0:
        raise ValueError("version must be a whole number")
    fields = {}
    for name in ("target", "status", "comment"):
        value = data.get(name)
        if value is not None:
            if not isinstance(value, str):
                raise ValueError(f"{name} must be text")
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                raise ValueError(f"{name} holds a lone surrogate, not text") from None
        fields[name] = value
    unknown = sorted(set(data) - {"version", "target", "status", "comment"})
    if unknown:
        raise ValueError(f"unknown field {unknown[0]!r}")
    return Edit(version=version, **fields)


def create_app(out_dir: str | Path, token: str, hosts: set[str], cookie: str = COOKIE):
    """The Starlette application for one output folder. `cookie` names the
    token's cookie: cookies ignore ports, so two servers need two names."""
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
    from starlette.routing import Route

    folder = ReviewFolder(out_dir)

    def refuse(request: Request, status: int, message: str) -> Response:
        log_refusal(request, message)
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": message}, status_code=status)
        return PlainTextResponse(message + "\n", status_code=status)

    def page(html: str) -> HTMLResponse:
        return HTMLResponse(html, headers={"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff",
                                           "X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer"})

    def guarded(endpoint):
        """Every failure ends as one line: 404 for unknown names, 500 otherwise."""
        import functools

        @functools.wraps(endpoint)
        async def wrapper(request: Request) -> Response:
            try:
                return await endpoint(request)
            except NotFound as exc:
                return refuse(request, 404, str(exc))
            except Exception as exc:  # a bad TSV, a bug: one line, never a traceback page
                log.error("error on %s %s: %s: %s", loggable(request.method), loggable_path(request.url.path),
                          type(exc).__name__, loggable(str(exc)))
                return refuse(request, 500, f"{type(exc).__name__}: {exc}; nothing was saved by this request")
        return wrapper

    async def index(request: Request) -> Response:
        from ..output.writers.html import render_index
        return page(render_index(folder.manifest(), folder.progress(), folder.inconsistencies()))

    async def article_page(request: Request) -> Response:
        from ..output.writers.html import render_article
        if not request.path_params["page"].endswith(".html"):
            raise NotFound("not found")
        name = request.path_params["page"][:-len(".html")]
        document = folder.load(name)
        return page(render_article(document, folder.manifest() or None, limits=EDIT_LIMITS))

    async def list_articles(request: Request) -> Response:
        return JSONResponse([{"name": name, "progress": counts} for name, counts in folder.progress().items()])

    async def get_article(request: Request) -> Response:
        document = folder.load(request.path_params["name"])
        return JSONResponse({"name": document.name, "progress": document.review_counts(),
                             "rows": [row_json(p) for p in document.pairs()]})

    async def save(request: Request) -> Response:
        from starlette.concurrency import run_in_threadpool

        # Media types are case-insensitive (RFC 9110 §8.3.1): APPLICATION/JSON is JSON.
        if request.headers.get("content-type", "").split(";")[0].strip().lower() != "application/json":
            return refuse(request, 415, "send the edit as application/json")
        body = b""
        async for chunk in request.stream():  # counted as it comes: Content-Length may lie or be absent
            body += chunk
            if len(body) > MAX_BODY_BYTES:
                return refuse(request, 413, f"edit too large (limit {MAX_BODY_BYTES // 1024} KiB)")
        try:
            edit = parse_edit(body)
        except ValueError as exc:
            return refuse(request, 400, f"malformed edit: expected JSON {{version, target?, status?, comment?}} ({exc})")
        name, sentence = request.path_params["name"], request.path_params["sentence"]
        try:
            pair = await run_in_threadpool(folder.apply, name, sentence, edit)
        except EditConflict as exc:
            log.warning("conflict on %s %s", loggable(name), loggable(sentence))
            return JSONResponse({"error": str(exc), "row": row_json(exc.current)}, status_code=409)
        except EditRejected as exc:
            return refuse(request, 413 if exc.too_large else 400, str(exc))
        except UsageError as exc:  # the folder's lock: a translate run is writing
            return refuse(request, 503, str(exc))
        log.info("saved %s %s (%s, version %d)", loggable(name), loggable(sentence), pair.review_status, pair.version)
        document = await run_in_threadpool(folder.load, name)
        return JSONResponse({"row": row_json(pair), "progress": document.review_counts(),
                             "flag_counts": document.flag_counts()})

    async def not_found(request: Request, exc: Exception) -> Response:
        return refuse(request, 404, "not found")

    async def not_allowed(request: Request, exc: Exception) -> Response:
        return refuse(request, 405, f"method {request.method} not allowed here")

    async def no_icon(request: Request) -> Response:
        return Response(status_code=204)  # browsers ask; a 404 would be an error in their console

    routes = [
        Route("/", guarded(index)), Route("/index.html", guarded(index)), Route("/favicon.ico", no_icon),
        Route("/api/articles", guarded(list_articles)),
        # Names are paths for articles of an input tree ("2024/intro"); folder.load
        # admits only the folder's own articles, so no other path can be read.
        Route("/api/articles/{name:path}/sentences/{sentence}", guarded(save), methods=["POST"]),
        Route("/api/articles/{name:path}", guarded(get_article)),
        Route("/{page:path}", guarded(article_page)),
    ]
    app = Starlette(routes=routes, exception_handlers={404: not_found, 405: not_allowed})

    def own_page(path: str) -> bool:
        """Whether `path` is a page of this server: the index or an article's page."""
        if path in ("/", "/index.html"):
            return True
        return path.startswith("/") and path.endswith(".html") and path[1:-len(".html")] in folder.articles()

    return Guard(app, token, hosts, cookie, own_page)


SECURITY_HEADERS = [(b"cache-control", b"no-store"), (b"x-content-type-options", b"nosniff")]


class Guard:
    """ASGI middleware: host, origin and token checks before anything else runs,
    no-store/nosniff on every answer, and one line (never a traceback) for what
    the application beneath fails at. `own_page(path)` says whether a sign-in
    may redirect to `path` (else it redirects to /)."""

    def __init__(self, app, token: str, hosts: set[str], cookie: str = COOKIE,
                 own_page: Callable[[str], bool] | None = None) -> None:
        self.app, self.token, self.hosts, self.cookie = app, token, hosts, cookie
        self.session = session_value(token)
        self.own_page = own_page or (lambda path: path == "/")

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "websocket":  # none are served (uvicorn is told so too): refused before any check
            return await send({"type": "websocket.close", "code": 1008})
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started = False

        async def guarded_send(message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() not in
                           (b"cache-control", b"x-content-type-options")]
                message = {**message, "headers": headers + SECURITY_HEADERS}
            await send(message)

        try:
            return await self._check(scope, receive, guarded_send)
        except Exception as exc:  # a bug beneath: one line here, never uvicorn's traceback and bare 500
            from starlette.requests import Request
            from starlette.responses import PlainTextResponse

            request = Request(scope)
            log.error("error on %s %s: %s: %s", loggable(request.method), loggable_path(request.url.path),
                      type(exc).__name__, loggable(str(exc)))
            if not started:
                await PlainTextResponse(f"{type(exc).__name__}; nothing was saved by this request\n",
                                        status_code=500)(scope, receive, guarded_send)

    async def _check(self, scope, receive, send) -> None:
        from starlette.requests import Request
        from starlette.responses import JSONResponse, PlainTextResponse

        request = Request(scope, receive)
        api = request.url.path.startswith("/api/")
        login = request.url.path == "/login" and request.method == "POST"

        def refuse(status: int, message: str):
            log_refusal(request, message)
            return (JSONResponse({"error": message}, status_code=status) if api
                    else PlainTextResponse(message + "\n", status_code=status))

        host = request.headers.get("host", "")
        if host not in self.hosts:
            return await refuse(403, f"foreign Host header {host[:80]!r}: this server answers only to "
                                     f"{sorted(self.hosts)[0]}")(scope, receive, send)
        origin = request.headers.get("origin")
        if origin is not None and origin != f"http://{host}" and not (login and origin == "null"):
            return await refuse(403, f"cross-site request from {origin[:80]!r} refused")(scope, receive, send)
        if request.headers.get("sec-fetch-site") == "cross-site" and not login:
            return await refuse(403, "cross-site request refused")(scope, receive, send)
        length = request.headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > MAX_BODY_BYTES):
            return await refuse(413, f"request too large (limit {MAX_BODY_BYTES // 1024} KiB)")(scope, receive, send)
        if login:
            # The local file align opened POSTs the token: it is in no address, so in no history.
            from urllib.parse import parse_qs

            body = b""
            async for chunk in request.stream():  # counted as it comes: Content-Length may be absent
                body += chunk
                if len(body) > MAX_BODY_BYTES:
                    return await refuse(413, "request too large")(scope, receive, send)
            try:
                given = parse_qs(body.decode("utf-8"), max_num_fields=4).get("token", [None])[0]
            except (UnicodeDecodeError, ValueError):
                given = None
            if not self._valid(given):
                return await refuse(403, "missing or wrong token: open the URL that align review printed"
                                    )(scope, receive, send)
            return await self._signed_in("/")(scope, receive, send)
        given = request.query_params.get("token")
        if given is not None and self._valid(given):
            # First load from the printed URL: keep the token in a cookie and drop
            # it from the address bar (and so from Referer headers).
            from urllib.parse import urlencode
            query = urlencode([(k, v) for k, v in request.query_params.multi_items() if k != "token"])
            return await self._signed_in(self._own_location(request.url.path) + (f"?{query}" if query else "")
                                         )(scope, receive, send)
        if not (self._valid(request.cookies.get(self.cookie), self.session)
                or self._valid(request.headers.get(TOKEN_HEADER))):
            return await refuse(403, "missing or wrong token: open the URL that align review printed"
                                )(scope, receive, send)
        return await self.app(scope, receive, send)

    def _own_location(self, path: str) -> str:
        """Where a sign-in from `path` goes: that page when it is one of this
        server's own, else /. Never a URL of the request's making: `//host/`
        would leave the server (a protocol-relative URL), so would `/\\host/`."""
        from urllib.parse import quote

        if not self.own_page(path):
            return "/"
        location = quote(path, safe="/-._~!$&'()*+,;=:@")
        return location if location.startswith("/") and location[1:2] not in ("/", "\\") else "/"

    def _signed_in(self, location: str):
        from starlette.responses import RedirectResponse

        response = RedirectResponse(location, status_code=303)
        response.set_cookie(self.cookie, self.session, httponly=True, samesite="strict", path="/")
        return response

    def _valid(self, candidate: str | None, expected: str | None = None) -> bool:
        """Whether `candidate` is `expected` (default: the token), compared in constant time."""
        return bool(candidate) and hmac.compare_digest(candidate.encode("utf-8", "replace"),
                                                       (expected or self.token).encode("utf-8"))


def security_protocol():
    """uvicorn's HTTP/1.1 protocol (h11) whose own answer to a request it cannot
    parse (400, sent before any application code runs) carries the headers every
    answer of the server carries. uvicorn's `headers` setting would add them to
    every answer, beside the Guard's: each twice."""
    import h11
    from uvicorn.protocols.http.h11_impl import H11Protocol

    class SecureH11Protocol(H11Protocol):
        def send_400_response(self, msg: str) -> None:  # uvicorn's, with SECURITY_HEADERS
            headers = [(b"content-type", b"text/plain; charset=utf-8"), (b"connection", b"close")] + SECURITY_HEADERS
            for event in (h11.Response(status_code=400, headers=headers, reason=b"Bad Request"),
                          h11.Data(data=msg.encode("ascii")), h11.EndOfMessage()):
                self.transport.write(self.conn.send(event))
            self.transport.close()

    return SecureH11Protocol


def login_page(url: str, token: str) -> str:
    """The local file that signs the browser in: a form that POSTs the token to
    /login at once (the token never goes in an address). Escaped for HTML."""
    from html import escape

    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>align review</title></head>"
            f"<body onload=\"document.forms[0].submit()\"><form method=\"post\" action=\"{escape(url)}login\">"
            f"<input type=\"hidden\" name=\"token\" value=\"{escape(token)}\">"
            "<noscript><button>Open the review page</button></noscript></form></body></html>\n")


def write_login_file(url: str, token: str) -> Path:
    """`login_page` in a private file (0600, in a 0700 folder): the browser opens
    its path, which holds no secret, so no process's command line shows the token."""
    import os
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="align-review-"))
    path = folder / "open.html"
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as stream:
        stream.write(login_page(url, token))
    return path


def new_token() -> str:
    return secrets.token_urlsafe(24)


def serve(out_dir: str | Path, host: str = "127.0.0.1", port: int = 0, token: str | None = None,
          on_ready=None) -> None:
    """Run the server until Ctrl-C or SIGTERM, both ending in KeyboardInterrupt
    once the requests in flight are answered and the login file is removed.
    `on_ready(url, login_file)` is called once it listens: `url` includes the
    token (to print); `login_file` is a private local file that signs a browser in
    without it (to open). What a killed server left (temporary files, a save cut
    short) is cleaned up first."""
    import shutil
    import socket

    import uvicorn

    ReviewFolder(out_dir).recover()  # a missing folder: said here, before listening
    token = token or new_token()
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise UsageError(f"cannot listen on {host}:{port} ({exc.strerror or exc})") from None
    sock.listen(128)  # listening before the URL is printed: a client may connect at once
    port = sock.getsockname()[1]
    base = public_url(host, port)
    app = create_app(out_dir, token, allowed_hosts(host, port), cookie=f"{COOKIE}_{port}")
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off", ws="none",
                            http=security_protocol(), timeout_graceful_shutdown=10, log_config=None)
    server = uvicorn.Server(config)
    login = write_login_file(f"http://127.0.0.1:{port}/" if host in ("0.0.0.0", "::") else base, token)
    try:
        with sigterm_as_interrupt():
            if on_ready:
                on_ready(f"{base}?token={token}", login)
            server.run(sockets=[sock])
    finally:
        shutil.rmtree(login.parent, ignore_errors=True)


@contextlib.contextmanager
def sigterm_as_interrupt():
    """SIGTERM (a service manager's stop, `kill`) handled as Ctrl-C: uvicorn catches
    both while it serves, then raises the signal again with the handler found
    before it started. SIGTERM's default handler would end the process there,
    before any cleanup; this one raises KeyboardInterrupt, as SIGINT's does."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():  # signals reach the main thread only
        yield
        return

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
