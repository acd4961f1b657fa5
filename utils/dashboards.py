"""What a dashboard window holds, and matplotlib drawing it inside the notebook when no Visdom server can (08).

utils.live keeps a Window for every window logged to, whichever back-end shows it; InlinePlots draws them below
the cell. Drawing is bounded: at most MAX_PANELS windows are drawn (the rest are named in the figure's title),
and a redraw happens every `redraw_every` calls, so even a window id that changes at every iteration costs a few
redraws of a few panels, not minutes.
"""

from dataclasses import dataclass, field

import numpy as np

MAX_PANELS = 6


def to_array(values):
    """Returns `values` (tensor, array or list) as a float64 numpy array, detached as visdom's client does it."""
    if hasattr(values, "detach"):
        values = values.detach().cpu().numpy()
    return np.asarray(values, dtype=np.float64)


def as_points(name, value):
    """Returns `value` as the float64 array of 1 or 2 dims that visdom's line takes, or raises saying what is wrong.

    Lists, numpy arrays and tensors are accepted, as by visdom's client (which detaches tensors). `name` is the
    argument's name ("X" or "Y") in the messages.
    """
    if hasattr(value, "detach") and value.dim() == 0:
        raise TypeError(
            f"vis.line: {name} is a 0-d tensor (one value, such as the loss itself), but visdom's line "
            f"takes an array with one value per point: log Python numbers in a list, {name}=[loss.item()]."
        )
    if isinstance(value, (int, float, np.number)):
        raise TypeError(
            f"vis.line: {name}={value!r} is a single number, but visdom's line takes an array with one "
            f"value per point: wrap it in a list, as in X=[t], Y=[loss.item()]."
        )
    if isinstance(value, (list, tuple)) and any(hasattr(v, "requires_grad") and v.requires_grad for v in value):
        raise TypeError(
            f"vis.line: {name} is a list holding a tensor that is part of the autograd graph, which numpy "
            f"cannot turn into a number (visdom would raise RuntimeError: Can't call numpy() on Tensor "
            f"that requires grad). Log the Python number instead: {name}=[loss.item()]."
        )
    try:
        array = to_array(value)
    except (TypeError, ValueError, RuntimeError) as error:
        raise TypeError(f"vis.line: {name} cannot be read as numbers ({error}).") from None
    if array.ndim not in (1, 2) or array.shape[0] == 0:
        raise ValueError(
            f"vis.line: {name} has shape {array.shape}, but visdom's line takes (N,) or (N, M) "
            "values (visdom: 'Y should have 1 or 2 dim')."
        )
    return array


@dataclass
class Window:
    """One window's content: its kind ("line", "text", "histogram", "image") and the data it shows."""

    kind: str
    win: str
    title: str = ""
    opts: dict = field(default_factory=dict)
    calls: int = 0  # calls that reached this window id, replacements included
    xs: list = field(default_factory=list)
    ys: list = field(default_factory=list)
    updates: list = field(
        default_factory=list
    )  # the `update` (line) or append (text) of each call since the last replace
    text: str = None
    values: np.ndarray = None
    bins: int = 30
    image: np.ndarray = None


class InlinePlots:
    """Draws Windows with matplotlib below the cell, one panel each (at most MAX_PANELS), redrawn in place."""

    def __init__(self, display=None, redraw_every=50):
        import matplotlib.pyplot as plt

        self.figure, self.handle = plt.figure(figsize=(10, 6)), None
        plt.close(self.figure)  # shown only through display() below, never a second time at the end of the cell
        self.display, self.redraw_every, self.updates = display, redraw_every, 0

    def updated(self, windows):
        """Returns None; counts one more call, and redraws `windows` every `redraw_every` calls."""
        self.updates += 1
        if self.updates % self.redraw_every == 0:
            self.draw(windows)

    def draw(self, windows):
        """Returns None; draws the first MAX_PANELS of `windows` ({key: Window}), naming how many more there are."""
        self.figure.clear()
        shown = list(windows.values())[:MAX_PANELS]
        cols = min(len(shown), 2) or 1
        rows = (len(shown) + cols - 1) // cols
        for i, w in enumerate(shown, start=1):
            ax = self.figure.add_subplot(rows, cols, i)
            ax.set_title(w.title or w.win)
            if w.kind == "line":
                ax.plot(w.xs, w.ys)
                ax.set_xlabel(w.opts.get("xlabel", ""))
                ax.set_yscale("log" if w.opts.get("ytype") == "log" and min(np.ravel(w.ys)) > 0 else "linear")
            elif w.kind == "histogram":
                ax.hist(w.values, bins=w.bins)
            elif w.kind == "image":
                image = w.image if w.image.ndim == 2 else np.moveaxis(w.image, 0, -1).squeeze()
                ax.imshow(image, cmap="gray")
                ax.axis("off")
            else:
                ax.axis("off")
                ax.text(0, 0.5, str(w.text).replace("<br>", "\n"), wrap=True)
        if len(windows) > len(shown):
            self.figure.suptitle(
                f"{len(windows) - len(shown)} more windows, not drawn: "
                f"{', '.join(w.win for w in list(windows.values())[len(shown) :][:3])}, ..."
            )
        self.figure.tight_layout()
        if self.display is None:
            from IPython.display import display

            self.display = display
        if self.handle is None:
            self.handle = self.display(self.figure, display_id=True)
        elif hasattr(self.handle, "update"):
            self.handle.update(self.figure)
