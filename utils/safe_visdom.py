"""Visdom's own client, made safe for a notebook: every call bounded in time, inline plots when the server fails (08).

SafeVisdom takes Visdom's own calls, with Visdom's argument names and meaning (`vis.line(X=[t], Y=[v], win="loss",
update="append")`, `vis.bar(...)`, `vis.text(...)`, `vis.histogram(...)`, `vis.image(...)`, `vis.close(...)`),
checks their arguments as visdom does (utils.dashboards), keeps a copy of every window and passes each call on to
the visdom.Visdom client it wraps. What it adds:

- **Bounded calls.** visdom 0.2.4 has no timeout option and its requests carry none: a frozen server blocks a
  call forever. The simplest honest bound, without changing the client, is to make each call in a worker thread
  and stop waiting at a deadline. A call that misses it stays blocked in its daemon thread until that server
  answers or dies, and its result is dropped: after the first failure nothing more is sent there. While the
  caller waits, what the client prints or logs to the console ("Error connecting to Visdom server!") is dropped
  (contextlib.redirect_stdout/stderr, undone when the wait ends): one line of ours says what happened instead.
- **The inline fallback.** An error or no answer in time: one line says so, and matplotlib draws the same windows
  below the cell from the copy kept (utils.inline_plots), so no point is lost.
"""

import contextlib
import io
import json
import threading
import uuid

import numpy as np
import requests

from utils.dashboards import Window, as_bars, as_points, numbers
from utils.inline_plots import InlinePlots


class VisdomUnavailable(RuntimeError):
    """The Visdom server refused the connection, answered with an error or did not answer in time."""


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
    """Visdom's calls, sent to `client` in bounded time, else drawn inline; a copy of every window is kept.

    `client` is a visdom.Visdom, or None to plot inline from the start. `windows` maps (env, win) to a Window
    (utils.dashboards) with its kind, its content and how many calls it received.
    """

    def __init__(self, client, timeout=2.0, announce=print, inline=None):
        self.client, self.timeout, self.announce = client, timeout, announce
        self.env = client.env if client is not None else None
        self.windows, self.inline, self.ignored = {}, inline, {}  # ignored: {(env, win): why visdom ignores a call}
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
        points = sum(w.points() for w in self.windows.values())
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
        if name is not None and ys.ndim == 2 and ys.shape[1] > 1:
            raise ValueError("vis.line: name= names one line, but Y holds several columns (visdom refuses it too).")
        existing = self.window(str(win), env) if win is not None else None
        if update == "replace" and (existing is None or existing.kind != "line"):
            self.ignored[(env or self.env, str(win))] = "update='replace' changes an existing window only"
            return None  # as the Visdom server, which answers "win does not exist"
        win, window = self._window("line", win, env, opts, replace=update is None)
        xs, ys = xs.reshape(len(xs), -1), ys.reshape(len(ys), -1)
        window.plot_line(xs, ys, update, name, (opts or {}).get("legend"))
        window.updates.append(update)
        self._send(lambda: self.client.line(Y=ys, X=xs, win=win, env=env, opts=opts, update=update, name=name))
        return win

    def bar(self, X, Y=None, win=None, env=None, opts=None):
        """As visdom's bar: replaces window `win` with bars of heights X, N or (N, M), labelled by opts["rownames"]."""
        heights, labels = as_bars(X, Y, dict(opts or {}))
        win, window = self._window("bar", win, env, opts, replace=True)
        window.values, window.labels = heights, labels
        sent = heights if heights.shape[1] > 1 or (opts or {}).get("legend") else heights[:, 0]
        y = None if Y is None else numbers("vis.bar", "Y", Y)
        self._send(lambda: self.client.bar(X=sent, Y=y, win=win, env=env, opts=opts))
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
        values = numbers("vis.histogram", "X", X).ravel()
        win, window = self._window("histogram", win, env, opts, replace=True)
        window.values, window.bins = values, int((opts or {}).get("numbins", 30))
        self._send(lambda: self.client.histogram(values, win=win, env=env, opts=opts))
        return win

    def image(self, img, win=None, env=None, opts=None):
        """As visdom's image: replaces window `win` with the image img, (H, W) or (C, H, W), values in [0, 1]."""
        image = numbers("vis.image", "img", img)
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

    def read_back(self, win, env=None, trace=None):
        """Returns the content of window `win` as the dashboard holds it: from the server when in use, else the copy.

        A line window gives (xs, ys) of its line named `trace` (default: its first); a bar window its heights (a
        list, or a list of columns); a text window its text; None when there is no such window or line.
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
                return _content(data, trace)
        if window is None or window.kind not in ("line", "bar", "text"):
            return None
        if window.kind == "text":
            return window.text
        if window.kind == "bar":
            columns = [[float(v) for v in column] for column in window.values.T]
            return columns if len(columns) > 1 else columns[0]
        line = window.traces.get(trace) if trace is not None else next(iter(window.traces.values()), None)
        return None if line is None else (list(line.xs), list(line.ys))


def _content(data, trace):
    """Returns what read_back returns, from the JSON of a window as Visdom's get_window_data gives it."""
    if data.get("type") == "text":
        return data["content"]
    traces = data["content"]["data"]
    if traces and traces[0].get("type") == "bar":
        columns = [[float(v) for v in t["y"]] for t in traces]
        return columns if len(columns) > 1 else columns[0]
    found = [t for t in traces if trace is None or t.get("name") == trace][:1]
    return ([float(x) for x in found[0]["x"]], [float(y) for y in found[0]["y"]]) if found else None
