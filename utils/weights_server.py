"""Weights over HTTP without the internet: a local server for the zoo, and a quick network probe (notebook 07).

`serve_folder` shares a folder on 127.0.0.1, so that torch.hub's real download code can run offline;
`network_reachable` tells, within a bounded time, whether a real host answers (for the ImageNet weights).
"""

import contextlib
import os
import socket
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

POLL_SECONDS = 0.05  # how often the server looks for a stop request: stopping takes at most this long


class _QuietHandler(SimpleHTTPRequestHandler):
    """Serves files from a folder and records each request's path instead of printing a log line."""

    def log_message(self, format, *args):
        self.server.requests.append(self.path)


@contextlib.contextmanager
def serve_folder(folder):
    """Yields an HTTP server sharing `folder` on 127.0.0.1 (a free port); stops it on leaving the `with` block.

    The server has `.url` ("http://127.0.0.1:PORT/") and `.requests` (the paths it served, in order).
    While it runs, NO_PROXY includes 127.0.0.1, so that a proxy setting cannot capture the requests.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"cannot serve {folder}: it is not a folder")
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_QuietHandler, directory=str(folder)))
    server.requests = []
    server.url = f"http://127.0.0.1:{server.server_address[1]}/"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": POLL_SECONDS}, daemon=True)
    saved = {key: os.environ.get(key) for key in ("NO_PROXY", "no_proxy")}
    thread.start()
    try:
        for key, value in saved.items():
            os.environ[key] = ",".join(filter(None, [value, "127.0.0.1"]))
        yield server
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        server.shutdown()
        server.server_close()
        thread.join()


def network_reachable(host, port=443, timeout=2.0):
    """Returns True when a TCP connection to host:port opens within `timeout` seconds (name lookup included)."""
    result = []

    def probe():
        try:
            with socket.create_connection((host, port), timeout=timeout):
                result.append(True)
        except OSError:
            pass

    thread = threading.Thread(target=probe, daemon=True)
    thread.start()
    thread.join(timeout + 0.5)  # a stuck name lookup does not hold up the notebook
    return bool(result)
