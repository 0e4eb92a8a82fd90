"""`align review OUT_DIR`: the editable review page on a local server."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from .common import one_line_errors, warning_line


@click.command()
@click.argument("out_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--port", type=click.IntRange(0, 65535), default=0, show_default=True,
              help="Port to listen on (0: any free port).")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. Anything but 127.0.0.1/localhost exposes the page (token-protected) "
                   "to the network.")
@click.option("--no-browser", is_flag=True, help="Do not open a browser; just print the URL.")
@one_line_errors
def review(out_dir: Path, port: int, host: str, no_browser: bool) -> None:
    """Review OUT_DIR in the browser: edit, set statuses, comment; saved at once.

    Prints the page's URL (with its access token) on its first line. Ctrl-C stops
    the server; every saved edit is already on disk.
    """
    from ..review.server import serve

    if host not in ("127.0.0.1", "localhost", "::1"):
        warning_line(f"listening on {host}: other machines can reach this server (the token still guards it)")

    def ready(url: str) -> None:
        click.echo(url)
        sys.stdout.flush()
        click.echo(f"reviewing {out_dir}/ — Ctrl-C to stop", err=True)
        if not no_browser:
            import webbrowser
            webbrowser.open(url)

    try:
        serve(out_dir, host=host, port=port, on_ready=ready)
    except KeyboardInterrupt:  # uvicorn finished the requests in flight, then passed Ctrl-C on
        pass
    click.echo("review server stopped; every saved edit is on disk", err=True)
