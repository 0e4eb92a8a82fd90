"""`align review OUT_DIR`: the editable review page on a local server."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from .common import one_line_errors, warning_line


def exposed(host: str) -> bool:
    """Whether other machines can reach an address (anything but loopback)."""
    import ipaddress

    try:
        return not ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return host != "localhost"


@click.command()
@click.argument("out_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--port", type=click.IntRange(0, 65535), default=0, show_default=True,
              help="Port to listen on (0: any free port).")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. Anything but a loopback address exposes the page (token-protected) "
                   "to the network; 0.0.0.0 listens on every address of the machine.")
@click.option("--no-browser", is_flag=True, help="Do not open a browser; just print the URL.")
@one_line_errors
def review(out_dir: Path, port: int, host: str, no_browser: bool) -> None:
    """Review OUT_DIR in the browser: edit, set statuses, comment; saved at once.

    Prints the page's URL (with its access token) on its first line. Ctrl-C or
    SIGTERM stops the server; every saved edit is already on disk.
    """
    from ..review.server import serve

    if exposed(host):
        warning_line(f"listening on {host}: other machines can reach this server (the token still guards it)")

    def ready(url: str, login: Path) -> None:
        click.echo(url)
        sys.stdout.flush()
        click.echo(f"reviewing {out_dir}/ — Ctrl-C to stop", err=True)
        if not no_browser:
            # The browser gets a private local file that signs it in: the token is
            # on no command line (the launcher's) and in no history.
            import webbrowser
            webbrowser.open(login.as_uri())

    try:
        serve(out_dir, host=host, port=port, on_ready=ready)
    except KeyboardInterrupt:  # uvicorn finished the requests in flight, then passed Ctrl-C (or SIGTERM) on
        pass
    click.echo("review server stopped; every saved edit is on disk", err=True)
