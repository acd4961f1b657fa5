"""Visdom's own client, made safe for a notebook: every call bounded in time, inline plots when the server fails (08).

You create the client as anywhere else, `visdom.Visdom(server=..., port=..., env=...)`, in a function that
`connect(make_client)` calls once it knows a server answers. It returns a SafeVisdom, which takes Visdom's own
calls, with Visdom's argument names and meaning (`vis.line(X=[t], Y=[v], win="loss", update="append")`,
`vis.text(...)`, `vis.histogram(...)`, `vis.image(...)`, `vis.close(...)`), checks their arguments as visdom does,
keeps a copy of every window and passes each call on to the client. What it adds:

- **Bounded calls.** visdom 0.2.4 has no timeout option and its requests carry none: a frozen server blocks a
  call forever. The simplest honest bound, without changing the client, is to make each call in a worker thread
  and stop waiting at a deadline. A call that misses it stays blocked in its daemon thread until that server
  answers or dies, and its result is dropped: after the first failure nothing more is sent there. While the
  caller waits, what the client prints or logs to the console ("Error connecting to Visdom server!", "Setting up
  a new session...") is dropped (contextlib.redirect_stdout/stderr, undone when the wait ends): one line of ours
  says what happened instead.
- **The inline fallback.** No server, a refused connection, an error or no answer in time: one line says so, and
  matplotlib draws the same windows below the cell from the copy kept, so no point is lost (utils/dashboards.py).
- **Security.** The server must be 127.0.0.1. visdom's requests read proxy settings from the environment, so when
  HTTP_PROXY would capture 127.0.0.1 (NO_PROXY does not cover it) the dashboard is not used and a line says what
  to set. The login is visdom's own: make_client passes VISDOM_USERNAME and VISDOM_PASSWORD to the client.
"""

import contextlib
import io
import json
import os
import threading
import uuid
from urllib.parse import urlparse

import numpy as np
import requests

from utils.dashboards import InlinePlots, Window, as_points, to_array

DEFAULT_PORT = 8097
PORT_VAR = "COURSE_VISDOM_PORT"


class VisdomUnavailable(RuntimeError):
    """The Visdom server refused the connection, answered with an error or did not answer in time."""


def visdom_port():
    """Returns the port of the course's Visdom server: COURSE_VISDOM_PORT (set by `course.py start`), else 8097."""
    return int(os.environ.get(PORT_VAR) or DEFAULT_PORT)


def bounded(call, timeout):
    """Returns call() made in a worker thread; raises VisdomUnavailable when it fails or takes over `timeout` s."""
    result = {}

    def run():
        try:
            result["value"] = call()
        except BaseException as error:  # handed to the caller below
            result["error"] = error

    worker = threading.Thread(target=run, daemon=True, name="visdom-call")
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        worker.start()  # visdom prints some errors and logs warnings: the caller's one line says what happened
        worker.join(timeout)
    if worker.is_alive():
        raise VisdomUnavailable(f"no answer within {timeout:g} s")
    error = result.get("error")
    if isinstance(error, (ConnectionError, requests.RequestException, OSError)):
        raise VisdomUnavailable(str(error) or type(error).__name__) from None
    if error is not None:
        raise error
    return result["value"]


class SafeVisdom:
    """Visdom's calls (line, text, histogram, image, close), sent to `client` in bounded time, else drawn inline.

    `client` is a visdom.Visdom, or None to plot inline from the start. Each window's content is kept in
    `windows`, keyed by (env, win): a Window with its kind, its points or text, and how many calls it received.
    """

    def __init__(self, client, timeout=2.0, announce=print, inline=None):
        self.client, self.timeout, self.announce = client, timeout, announce
        self.env = client.env if client is not None else None
        self.windows, self.inline = {}, inline
        if client is None and inline is None:
            self.inline = InlinePlots()

    @property
    def backend(self):
        """Returns "visdom" or "inline": where the windows are shown now."""
        return "inline" if self.client is None else "visdom"

    def _send(self, call):
        if self.client is not None:
            try:
                return bounded(call, self.timeout)
            except VisdomUnavailable as error:
                self._switch_to_inline(error)
        self.inline.updated(self.windows)

    def _switch_to_inline(self, error):
        points = sum(len(w.ys) for w in self.windows.values() if w.kind == "line")
        self.announce(
            f"Visdom stopped answering ({error}): switching to inline plots; "
            f"all {points} points logged so far are kept."
        )
        self.client = None
        self.inline = self.inline or InlinePlots()
        self.inline.draw(self.windows)

    def _window(self, kind, win, env, opts, replace):
        win = str(win) if win is not None else f"window_{uuid.uuid4().hex[:12]}"  # visdom's client names them so
        key = (env or self.env, win)
        if replace or key not in self.windows or self.windows[key].kind != kind:
            calls = self.windows[key].calls if key in self.windows else 0
            self.windows[key] = Window(kind, win, calls=calls)
        window = self.windows[key]
        window.calls += 1
        window.opts = dict(opts or window.opts)
        window.title = window.opts.get("title", window.title or win)
        return win, window

    def line(self, Y, X=None, win=None, env=None, opts=None, update=None, name=None):
        """As visdom's line: Y (N,) or (N, M) values, X their x values; update="append" adds them to window `win`."""
        if update not in (None, "append", "replace"):
            raise ValueError(f"vis.line: update={update!r}: the course's client takes None, 'append' or 'replace'.")
        ys = as_points("Y", Y)
        if update is not None and (X is None or win is None):
            raise ValueError(
                f"vis.line: update={update!r} needs X and a window id, win=... (visdom: 'must specify "
                "x-values for line update', 'Must define a window to update')."
            )
        xs = as_points("X", X) if X is not None else np.linspace(0, 1, ys.shape[0])
        if ys.ndim == 2 and xs.ndim == 1:
            xs = np.tile(xs, (ys.shape[1], 1)).T
        if xs.shape != ys.shape:
            raise ValueError(f"vis.line: X has shape {xs.shape} but Y has shape {ys.shape}: give one x per y.")
        win, window = self._window("line", win, env, opts, replace=update != "append")
        window.xs.extend(xs.tolist())
        window.ys.extend(ys.tolist())
        window.updates.append(update)
        self._send(lambda: self.client.line(Y=ys, X=xs, win=win, env=env, opts=opts, update=update, name=name))
        return win

    def text(self, text, win=None, env=None, opts=None, append=False):
        """As visdom's text: shows `text` in window `win`, replacing what it showed (append=True adds a line)."""
        win, window = self._window("text", win, env, opts, replace=not append)
        window.text = f"{window.text}<br>{text}" if append and window.text is not None else text
        window.updates.append("append" if append else None)
        self._send(lambda: self.client.text(text, win=win, env=env, opts=opts, append=append))
        return win

    def histogram(self, X, win=None, env=None, opts=None):
        """As visdom's histogram: replaces window `win` with a histogram of the values X (opts["numbins"] bins)."""
        values = to_array(X).ravel()
        win, window = self._window("histogram", win, env, opts, replace=True)
        window.values, window.bins = values, int((opts or {}).get("numbins", 30))
        self._send(lambda: self.client.histogram(values, win=win, env=env, opts=opts))
        return win

    def image(self, img, win=None, env=None, opts=None):
        """As visdom's image: replaces window `win` with the image img, (H, W) or (C, H, W), values in [0, 1]."""
        image = to_array(img)
        win, window = self._window("image", win, env, opts, replace=True)
        window.image = image
        self._send(lambda: self.client.image(image, win=win, env=env, opts=opts))
        return win

    def close(self, win=None, env=None):
        """As visdom's close: closes window `win`, or every window of the environment when win is None."""
        env = env or self.env
        for key in [k for k in self.windows if k[0] == env and (win is None or k[1] == win)]:
            del self.windows[key]
        self._send(lambda: self.client.close(win=win, env=env))

    def window(self, win, env=None):
        """Returns the Window kept for `win` (in `env`, default the client's), or None if nothing was sent to it."""
        return self.windows.get((env or self.env, win))

    def read_back(self, win, env=None):
        """Returns the content of window `win` as the dashboard holds it: from the server when in use, else the copy.

        For a line window, (xs, ys); for a text window, its text; None when there is no such window.
        """
        window, env = self.window(win, env), env or self.env
        if self.client is not None:
            try:
                data = json.loads(bounded(lambda: self.client.get_window_data(win=win, env=env), self.timeout))
            except VisdomUnavailable as error:
                self._switch_to_inline(error)
            except ValueError:  # not JSON: the server has no such window
                return None
            else:
                if data.get("type") == "text":
                    return data["content"]
                trace = data["content"]["data"][0]
                return [float(x) for x in trace["x"]], [float(y) for y in trace["y"]]
        if window is None:
            return None
        return window.text if window.kind == "text" else (list(window.xs), list(window.ys))


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
