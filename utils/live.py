"""The course's Visdom dashboard from a notebook: find the server, make visdom's own client, wrap it (notebook 08).

You create the client as anywhere else, `visdom.Visdom(server=..., port=..., env=...)`, in a function that
`connect(make_client)` calls once it knows a server answers. It returns a SafeVisdom (utils.safe_visdom), which
takes Visdom's own calls with Visdom's arguments, bounds each in time, and plots inline when the server fails.

- **No server, no wait.** connect asks the server for its page within a second; when nothing answers, one line
  says so and the windows are drawn inline (utils.inline_plots), so the notebook runs anywhere.
- **Security.** The server must be 127.0.0.1. visdom's requests read proxy settings from the environment, so when
  HTTP_PROXY would capture 127.0.0.1 (NO_PROXY does not cover it) the dashboard is not used and a line says what
  to set. The login is visdom's own: make_client passes VISDOM_USERNAME and VISDOM_PASSWORD to the client.
- **The port** is COURSE_VISDOM_PORT when set (`course.py start` and the classroom hub set it), else 8097.
"""

import os
from urllib.parse import urlparse

import requests

from utils.safe_visdom import SafeVisdom, VisdomUnavailable, bounded

DEFAULT_PORT = 8097
PORT_VAR = "COURSE_VISDOM_PORT"


def visdom_port():
    """Returns the port of the course's Visdom server: COURSE_VISDOM_PORT (set by `course.py start`), else 8097."""
    return int(os.environ.get(PORT_VAR) or DEFAULT_PORT)


def draw_inline(vis):
    """Returns None; with inline plots, draws every window's final state (with Visdom, the browser already shows it)."""
    if vis.backend == "inline":
        vis.inline.draw(vis.windows)


def _refuse(announce, message):
    announce(message + " Plotting inline instead.")
    return SafeVisdom(None, announce=announce)


def connect(make_client, port=None, timeout=2.0, announce=print):
    """Returns a SafeVisdom on make_client(port) if a server answers at 127.0.0.1:port, else on inline plots; says
    which.

    `make_client(port)` returns a visdom.Visdom made with raise_exceptions=True (so that failures raise instead of
    printing) and use_incoming_socket=False (its socket thread would retry and print forever once a server dies).
    `port` defaults to visdom_port(). Nothing here waits more than about `timeout` seconds.
    """
    port = int(port or visdom_port())
    url = f"http://127.0.0.1:{port}"
    proxies = requests.utils.get_environ_proxies(url)  # what visdom's requests would use: {} when NO_PROXY covers it
    proxy = proxies.get("http") or proxies.get("all")
    if proxy:
        return _refuse(
            announce,
            f"The proxy {proxy} set in the environment would carry the traffic to {url}: set "
            "NO_PROXY=127.0.0.1,localhost where JupyterLab runs, and restart the kernel.",
        )
    try:
        session = requests.Session()
        session.trust_env = False  # a proxy must never capture 127.0.0.1
        page = session.get(url, timeout=min(timeout, 1.0)).text
    except requests.RequestException as error:
        reason = "no answer in time" if isinstance(error, requests.Timeout) else "connection refused"
        announce(
            f"No Visdom server answers at {url} ({reason}): plotting inline instead. "
            "Start one with `python3 course.py visdom`, then run this cell again."
        )
        return SafeVisdom(None, announce=announce)
    if "<title>Visdom Login</title>" in page and not os.environ.get("VISDOM_USERNAME"):
        return _refuse(
            announce,
            f"The Visdom server at {url} requires a login: set VISDOM_USERNAME and "
            "VISDOM_PASSWORD where JupyterLab runs, and restart the kernel.",
        )
    try:
        client = bounded(lambda: make_client(port), timeout)
    except VisdomUnavailable as error:
        return _refuse(announce, f"The Visdom server at {url} cannot be used ({error}).")
    except RuntimeError as error:
        if "Authentication failed" not in str(error):  # visdom's words for a refused login
            raise
        return _refuse(
            announce,
            f"The Visdom server at {url} refused the login ({error}): check VISDOM_USERNAME and VISDOM_PASSWORD.",
        )
    if urlparse(client.server).hostname != "127.0.0.1" or int(client.port) != port:
        raise ValueError(
            f"make_client({port}) made a client for {client.server}:{client.port}: the course's "
            f"dashboard is {url} only (server='http://127.0.0.1', port=port)."
        )
    if client.raise_exceptions is not True or client.use_socket:
        raise ValueError(
            "make_client must create visdom.Visdom(..., raise_exceptions=True, "
            "use_incoming_socket=False): otherwise a failing server prints into the cell instead of "
            "raising, or its socket thread retries and prints forever."
        )
    announce(f"Logging to Visdom: open {url}/env/{client.env} in your browser.")
    return SafeVisdom(client, timeout=timeout, announce=announce)
