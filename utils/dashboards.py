"""The two places live training curves can go: a Visdom server, or matplotlib inside the notebook (notebook 08).

Both classes have the same methods (line, histogram, text, image, read_line, read_text, show); utils.live
picks one and switches from the first to the second when the server fails. Each logs to one back-end only.
"""
import contextlib
import io
import json
import logging
import os

import numpy as np
import requests


class DashboardUnavailable(RuntimeError):
    """The Visdom server did not answer in time, or answered with an error."""


def to_array(values):
    """Returns `values` (tensor, array or list) as a float64 numpy array."""
    if hasattr(values, "detach"):
        values = values.detach().cpu().numpy()
    return np.asarray(values, dtype=np.float64)


class VisdomDashboard:
    """Windows on a Visdom server; every call takes at most `timeout` seconds or raises DashboardUnavailable."""

    def __init__(self, env, port, timeout=2.0, server="http://127.0.0.1"):
        from visdom import Visdom

        class BoundedVisdom(Visdom):
            """visdom's client, with a timeout on every request and no proxy for 127.0.0.1."""

            @property
            def session(self):
                if self._session is None:
                    session = requests.Session()
                    session.trust_env = False  # a proxy must never capture 127.0.0.1
                    if self.username:  # the server's login, as visdom's own client does it
                        answer = session.post(f"{self.server}:{self.port}{self.base_url}", timeout=timeout,
                                              json={"username": self.username, "password": self.password})
                        if answer.status_code != requests.codes.ok:
                            raise RuntimeError("the server refused the login: check VISDOM_USERNAME and VISDOM_PASSWORD")
                    self._session = session
                return self._session

            def _handle_post(self, url, data=None):  # visdom's documented override point
                response = self.session.post(url, data=data if data is not None else {}, timeout=timeout)
                response.raise_for_status()
                return response.text

        logging.getLogger("visdom").setLevel(logging.ERROR)  # it warns about the unused incoming socket
        self.env, self.url = env, f"{server}:{port}/env/{env}"
        self.vis = self._call(lambda: BoundedVisdom(server=server, port=port, env=env, raise_exceptions=True,
                                                    use_incoming_socket=False,
                                                    username=os.environ.get("VISDOM_USERNAME"),
                                                    password=os.environ.get("VISDOM_PASSWORD")))
        self._call(lambda: self.vis.close(win=None, env=env))  # a rerun starts from empty windows
        self._lines = set()

    @staticmethod
    def _call(fn):
        try:
            with contextlib.redirect_stdout(io.StringIO()):  # visdom prints its own errors; ours are clearer
                return fn()
        except (ConnectionError, requests.RequestException, RuntimeError, OSError) as error:
            raise DashboardUnavailable(str(error) or type(error).__name__) from None

    def line(self, win, xs, ys, title, log_y=False):
        update = "append" if win in self._lines else None
        opts = {"title": title, "xlabel": "iteration", "ytype": "log" if log_y else "linear"}
        self._call(lambda: self.vis.line(Y=to_array(ys), X=to_array(xs), win=win, env=self.env, update=update,
                                         opts=opts))
        self._lines.add(win)

    def histogram(self, win, values, title):
        self._call(lambda: self.vis.histogram(to_array(values).ravel(), win=win, env=self.env,
                                              opts={"title": title, "numbins": 30}))

    def text(self, win, text):
        self._call(lambda: self.vis.text(text, win=win, env=self.env, opts={"title": win}))

    def image(self, win, image, title):
        self._call(lambda: self.vis.image(to_array(image), win=win, env=self.env,
                                          opts={"title": title, "width": 320, "height": 320}))

    def read_line(self, win):
        """Returns the (xs, ys) of a line window, read back from the server."""
        data = json.loads(self._call(lambda: self.vis.get_window_data(win=win, env=self.env)))
        trace = data["content"]["data"][0]
        return [float(x) for x in trace["x"]], [float(y) for y in trace["y"]]

    def read_text(self, win):
        """Returns the text shown in a text window, read back from the server."""
        return json.loads(self._call(lambda: self.vis.get_window_data(win=win, env=self.env)))["content"]

    def show(self):
        pass  # the browser shows it


class InlinePlots:
    """The same windows drawn with matplotlib inside the notebook, one panel per window, redrawn in place."""

    def __init__(self, display=None, redraw_every=50):
        import matplotlib.pyplot as plt
        self.figure, self.windows, self.handle = plt.figure(figsize=(10, 6)), {}, None
        plt.close(self.figure)  # shown only through display() below, never a second time at the end of the cell
        self.display, self.redraw_every, self.updates = display, redraw_every, 0

    def _update(self, win, kind, **data):
        self.windows.setdefault(win, {"kind": kind, "xs": [], "ys": []}).update(data)
        self.updates += 1
        if self.updates % self.redraw_every == 0:
            self.show()

    def line(self, win, xs, ys, title, log_y=False):
        window = self.windows.get(win, {"xs": [], "ys": []})
        self._update(win, "line", xs=window["xs"] + list(map(float, xs)), ys=window["ys"] + list(map(float, ys)),
                     title=title, log_y=log_y)

    def histogram(self, win, values, title):
        self._update(win, "histogram", values=to_array(values).ravel(), title=title)

    def text(self, win, text):
        self._update(win, "text", text=text, title=win)

    def image(self, win, image, title):
        self._update(win, "image", image=to_array(image), title=title)

    def read_line(self, win):
        return list(self.windows[win]["xs"]), list(self.windows[win]["ys"])

    def read_text(self, win):
        return self.windows[win]["text"]

    def show(self):
        """Redraws every window; the first call displays the figure, later ones update it in place."""
        self.figure.clear()
        cols = min(len(self.windows), 2) or 1
        rows = (len(self.windows) + cols - 1) // cols
        for i, (win, w) in enumerate(self.windows.items(), start=1):
            ax = self.figure.add_subplot(rows, cols, i)
            ax.set_title(w["title"])
            if w["kind"] == "line":
                ax.plot(w["xs"], w["ys"])
                ax.set_xlabel("iteration")
                ax.set_yscale("log" if w["log_y"] and min(w["ys"], default=1) > 0 else "linear")
            elif w["kind"] == "histogram":
                ax.hist(w["values"], bins=30)
            elif w["kind"] == "image":
                ax.imshow(w["image"], cmap="gray")
                ax.axis("off")
            else:
                ax.axis("off")
                ax.text(0, 0.5, w["text"], wrap=True)
        self.figure.tight_layout()
        if self.display is None:
            from IPython.display import display
            self.display = display
        if self.handle is None:
            self.handle = self.display(self.figure, display_id=True)
        elif hasattr(self.handle, "update"):
            self.handle.update(self.figure)
