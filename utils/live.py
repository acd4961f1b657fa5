"""Live training curves: a Visdom dashboard when a server answers, inline matplotlib plots otherwise (notebook 08).

`start(env)` probes the server once, picks a back-end and says which in one line. The LiveLog it returns
keeps every point you log; if the server dies or freezes mid-training, it says so in one line, switches to
inline plots and redraws everything logged so far, so training goes on and no point is lost. Every call to
the server is bounded by a timeout: nothing here can hang a notebook.
"""
import os

import requests

from utils.dashboards import DashboardUnavailable, InlinePlots, VisdomDashboard, to_array

DEFAULT_PORT = 8097
PORT_VAR = "COURSE_VISDOM_PORT"


class LiveLog:
    """Keeps every logged value and sends it to one dashboard; falls back to InlinePlots if that fails."""

    def __init__(self, dashboard, announce=print, send_every=10):
        self.dashboard, self.announce, self.send_every = dashboard, announce, send_every
        self.history, self.pending = {}, {}

    @property
    def backend(self):
        """Returns "visdom" or "inline": where the values are being shown now."""
        return "visdom" if isinstance(self.dashboard, VisdomDashboard) else "inline"

    def _send(self, action):
        try:
            action(self.dashboard)
        except DashboardUnavailable as error:
            self._switch_to_inline(error)

    def _switch_to_inline(self, error):
        points = sum(len(h["xs"]) for h in self.history.values() if h["kind"] == "line")
        self.announce(f"Visdom stopped answering ({error}): switching to inline plots; "
                      f"all {points} points logged so far are kept.")
        self.dashboard, self.pending = InlinePlots(), {}
        for win, h in self.history.items():
            self._replay(win, h)

    def _replay(self, win, h):
        if h["kind"] == "line":
            self.dashboard.line(win, h["xs"], h["ys"], h["title"], h["log_y"])
        elif h["kind"] == "histogram":
            self.dashboard.histogram(win, h["values"], h["title"])
        elif h["kind"] == "text":
            self.dashboard.text(win, h["text"])
        else:
            self.dashboard.image(win, h["image"], h["title"])

    def line(self, win, x, y, title=None, log_y=False):
        """Appends the point (x, y) to the line plot `win` (a fixed window id); sends every `send_every` points.

        x and y are Python numbers: pass `loss.item()`, not the loss tensor (which would keep its whole
        autograd graph, and its GPU memory, alive). `log_y` draws the y axis on a log scale.
        """
        for name, value in (("x", x), ("y", y)):
            if hasattr(value, "detach") or hasattr(value, "__len__"):
                raise TypeError(f"log.line takes one point: {name} must be a Python number, not a "
                                f"{type(value).__name__}. For a loss tensor, pass loss.item().")
        new = win not in self.history
        h = self.history.setdefault(win, {"kind": "line", "xs": [], "ys": [], "title": title or win, "log_y": log_y})
        h["xs"].append(float(x))
        h["ys"].append(float(y))
        pending = self.pending.setdefault(win, [])
        pending.append((float(x), float(y)))
        if new or len(pending) >= self.send_every:  # a new window appears at once, then grows in batches
            self.flush(win)

    def flush(self, win=None):
        """Sends the points not sent yet (of window `win`, or of all windows)."""
        for name in [win] if win else list(self.pending):
            points = self.pending.pop(name, [])
            if points:
                xs, ys = zip(*points)
                h = self.history[name]
                self._send(lambda d: d.line(name, xs, ys, h["title"], h["log_y"]))

    def histogram(self, win, values, title=None):
        """Replaces the histogram in window `win` with one of `values` (e.g. a weight tensor)."""
        self.history[win] = {"kind": "histogram", "values": to_array(values).ravel(), "title": title or win}
        self._send(lambda d: d.histogram(win, self.history[win]["values"], self.history[win]["title"]))

    def text(self, win, text):
        """Replaces the text shown in window `win`: the same id updates one pane in place."""
        self.history[win] = {"kind": "text", "text": str(text)}
        self._send(lambda d: d.text(win, str(text)))

    def image(self, win, image, title=None):
        """Replaces the grey-scale image (H, W), values in [0, 1], shown in window `win`."""
        self.history[win] = {"kind": "image", "image": to_array(image), "title": title or win}
        self._send(lambda d: d.image(win, self.history[win]["image"], self.history[win]["title"]))

    def windows(self):
        """Returns the ids of the windows logged to, in order."""
        return list(self.history)

    def points(self, win):
        """Returns the ys of line window `win` as the dashboard holds them (read back from Visdom, if in use)."""
        self.flush(win)
        if self.backend == "visdom":
            try:
                return self.dashboard.read_line(win)[1]
            except DashboardUnavailable as error:
                self._switch_to_inline(error)
        return self.dashboard.read_line(win)[1]

    def read_text(self, win):
        """Returns the text window `win` shows (read back from Visdom, if in use)."""
        return self.dashboard.read_text(win)

    def show(self):
        """Sends what is pending and, for inline plots, draws the final state."""
        self.flush()
        self.dashboard.show()


def start(env, port=None, timeout=2.0, announce=print):
    """Returns a LiveLog on the Visdom server at 127.0.0.1:`port` if it answers, else on inline plots; says which.

    `port` defaults to the environment variable COURSE_VISDOM_PORT (set by `python3 course.py start`), else 8097.
    """
    port = int(port or os.environ.get(PORT_VAR) or DEFAULT_PORT)
    url = f"http://127.0.0.1:{port}"
    try:
        session = requests.Session()
        session.trust_env = False  # a proxy must never capture 127.0.0.1
        page = session.get(url, timeout=min(timeout, 1.0)).text
    except requests.RequestException as error:
        reason = "no answer in time" if isinstance(error, requests.Timeout) else "connection refused"
        announce(f"No Visdom server answers at {url} ({reason}): plotting inline instead. "
                 "Start one with `python3 course.py visdom`, then call live.start again.")
        return LiveLog(InlinePlots(), announce)
    if "<title>Visdom Login</title>" in page and not os.environ.get("VISDOM_USERNAME"):
        announce(f"The Visdom server at {url} requires a login: set VISDOM_USERNAME and VISDOM_PASSWORD where "
                 "JupyterLab runs, and restart the kernel. Plotting inline instead.")
        return LiveLog(InlinePlots(), announce)
    try:
        dashboard = VisdomDashboard(env, port, timeout=timeout)
    except (DashboardUnavailable, ImportError) as error:
        announce(f"The Visdom server at {url} cannot be used ({error}): plotting inline instead.")
        return LiveLog(InlinePlots(), announce)
    announce(f"Logging to Visdom: open {dashboard.url} in your browser.")
    return LiveLog(dashboard, announce)
