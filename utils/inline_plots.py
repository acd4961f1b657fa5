"""Dashboard windows drawn with matplotlib below the cell, when no Visdom server can show them (notebook 08).

Each cell that draws gets its figure below it, redrawn in place while the cell runs.

Drawing is bounded, so that a dashboard never slows training much: at most MAX_PANELS windows are drawn (the rest
are named in the figure's title), and during a run the figure is redrawn at most once every `interval` seconds,
and never more often than every five times its last drawing took. A run shorter than that is drawn once, at the
end (utils.live.draw_inline); even a window id that changes at every iteration costs a few redraws of a few panels.
"""

import time

import numpy as np

MAX_PANELS = 6


def _draw_window(ax, w):
    ax.set_title(w.title or w.win)
    if w.kind == "line":
        for trace in w.traces.values():
            ax.plot(trace.xs, trace.ys, label=trace.name)
        if len(w.traces) > 1:
            ax.legend()
        ax.set_xlabel(w.opts.get("xlabel", ""))
        positive = all(min(t.ys, default=1) > 0 for t in w.traces.values())
        ax.set_yscale("log" if w.opts.get("ytype") == "log" and positive else "linear")
    elif w.kind == "bar":
        rows, columns = w.values.shape
        width = 0.8 / columns
        for k in range(columns):
            ax.bar(np.arange(rows) + (k - (columns - 1) / 2) * width, w.values[:, k], width)
        ax.set_xticks(np.arange(rows), [str(label) for label in w.labels])
    elif w.kind == "histogram":
        ax.hist(w.values, bins=w.bins)
    elif w.kind == "image":
        ax.imshow(w.image if w.image.ndim == 2 else np.moveaxis(w.image, 0, -1).squeeze(), cmap="gray")
        ax.axis("off")
    else:
        ax.axis("off")
        ax.text(0, 0.5, str(w.text).replace("<br>", "\n"), wrap=True)


def _running_cell():
    """Returns the id of the request that runs the notebook cell running now (None outside a Jupyter kernel)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    kernel = getattr(get_ipython(), "kernel", None)
    if kernel is None or not hasattr(kernel, "get_parent"):  # ipykernel's public API since version 6
        return None
    return kernel.get_parent().get("header", {}).get("msg_id")


class InlinePlots:
    """Draws Windows with matplotlib below the cell, one panel each (at most MAX_PANELS), redrawn in place."""

    def __init__(self, display=None, interval=2.0, clock=time.perf_counter):
        import matplotlib.pyplot as plt

        self.figure, self.handle, self.cell = plt.figure(figsize=(10, 6)), None, None
        plt.close(self.figure)  # shown only through display() below, never a second time at the end of the cell
        self.display, self.interval, self.clock = display, interval, clock
        self.waiting_since, self.last_duration = None, 0.0

    def updated(self, windows):
        """Returns None; notes one more call, and redraws `windows` if the last drawing is old enough."""
        now = self.clock()
        if self.waiting_since is None:
            self.waiting_since = now
        elif now - self.waiting_since >= max(self.interval, 5 * self.last_duration):
            self.draw(windows)

    def draw(self, windows):
        """Returns None; draws the first MAX_PANELS of `windows` ({key: Window}), naming how many more there are."""
        begin = self.clock()
        self.figure.clear()
        shown = list(windows.values())[:MAX_PANELS]
        cols = min(len(shown), 2) or 1
        rows = (len(shown) + cols - 1) // cols
        for i, window in enumerate(shown, start=1):
            _draw_window(self.figure.add_subplot(rows, cols, i), window)
        if len(windows) > len(shown):
            more = [w.win for w in list(windows.values())[len(shown) :]]
            self.figure.suptitle(f"{len(more)} more windows, not drawn: {', '.join(more[:3])}, ...")
        self.figure.subplots_adjust(hspace=0.45, wspace=0.25)  # fixed spacing: tight_layout costs ~0.5 s a draw
        if self.display is None:
            from IPython.display import display

            self.display = display
        cell = _running_cell()
        if self.handle is None or cell != self.cell:  # a new figure below each cell that draws, updated in place
            self.handle, self.cell = self.display(self.figure, display_id=True), cell
        elif hasattr(self.handle, "update"):
            self.handle.update(self.figure)
        self.waiting_since, self.last_duration = None, self.clock() - begin
