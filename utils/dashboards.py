"""What a dashboard window holds, and Visdom's arguments read as visdom's client reads them (notebook 08).

utils.safe_visdom keeps a Window for every window logged to, whichever back-end shows it: the Visdom server, or
matplotlib below the cell (utils.inline_plots). `numbers`, `as_points` and `as_bars` read the arguments of
vis.line and vis.bar; what visdom would refuse is refused here too, before anything is sent, with a message that
says what to pass instead. `Window.plot_line` applies a line call (update=None, "append" or "replace", name=...)
as the Visdom server applies it to its copy of the window.
"""

from dataclasses import dataclass, field

import numpy as np

from utils import checks


def _tensors_in(value, depth=0):
    if hasattr(value, "detach"):
        yield value
    elif isinstance(value, (list, tuple)) and depth < 3:
        for item in value:
            yield from _tensors_in(item, depth + 1)


def numbers(call, name, value):
    """Returns `value` (numbers, a list, an array or a tensor) as a float64 numpy array, as visdom's client reads it.

    visdom detaches a tensor given as the argument itself, but reads a list with numpy, which refuses a tensor in
    the autograd graph or on a GPU: such a list raises TypeError here, naming `call` and the argument `name`.
    """
    if isinstance(value, (list, tuple)):
        for tensor in _tensors_in(value):
            if tensor.requires_grad:
                raise TypeError(
                    f"{call}: {name} is a list holding a tensor that is part of the autograd graph, which numpy "
                    "cannot turn into a number (visdom would raise RuntimeError: Can't call numpy() on Tensor "
                    f"that requires grad). Log the Python number instead: {name}=[loss.item()]."
                )
            if tensor.device.type != "cpu":
                raise TypeError(
                    f"{call}: {name} is a list holding a tensor on {tensor.device}, which numpy cannot read "
                    f"(visdom would raise TypeError: can't convert {tensor.device.type} tensor to numpy). Log "
                    "Python numbers, such as loss.item(), or a tensor itself (visdom moves it to the CPU)."
                )
    try:
        return checks.to_numpy(value)
    except (TypeError, ValueError, RuntimeError) as error:
        raise TypeError(f"{call}: {name} cannot be read as numbers ({error}).") from None


def as_points(name, value):
    """Returns `value` as the float64 array of 1 or 2 dims that visdom's line takes, or raises saying what is wrong.

    `name` is the argument's name ("X" or "Y") in the messages.
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
    array = numbers("vis.line", name, value)
    if array.ndim not in (1, 2) or array.shape[0] == 0:
        raise ValueError(
            f"vis.line: {name} has shape {array.shape}, but visdom's line takes (N,) or (N, M) "
            "values (visdom: 'Y should have 1 or 2 dim')."
        )
    return array


def as_bars(X, Y, opts):
    """Returns (heights, labels) for vis.bar(X, Y, opts=opts): heights (N, M) float64, one label per row."""
    heights = np.squeeze(numbers("vis.bar", "X", X))
    if heights.ndim not in (1, 2):
        raise ValueError(f"vis.bar: X has shape {heights.shape}: visdom's bar takes N or (N, M) heights.")
    legend = opts.get("legend")
    heights = heights[None, :] if heights.ndim == 1 and legend else heights.reshape(len(heights), -1)
    labels = opts.get("rownames")
    if labels is None:
        labels = np.squeeze(numbers("vis.bar", "Y", Y)).tolist() if Y is not None else list(range(1, len(heights) + 1))
    if np.ndim(labels) != 1 or len(labels) != len(heights):
        raise ValueError(
            f"vis.bar: {len(heights)} bars but {np.size(labels)} labels (Y or opts['rownames']): give one per bar."
        )
    if legend is not None and len(legend) != heights.shape[1]:
        raise ValueError(f"vis.bar: {heights.shape[1]} columns of heights but {len(legend)} legend entries.")
    return heights, list(labels)


@dataclass
class Trace:
    """One line of a line window: its name and its points."""

    name: str
    xs: list = field(default_factory=list)
    ys: list = field(default_factory=list)


@dataclass
class Window:
    """One window's content: its kind ("line", "bar", "text", "histogram", "image") and the data it shows."""

    kind: str
    win: str
    title: str = ""
    opts: dict = field(default_factory=dict)
    calls: int = 0  # calls that reached this window id, replacements included
    updates: list = field(default_factory=list)  # each call's `update` (line) or append (text) since the last replace
    traces: dict = field(default_factory=dict)  # line: {name: Trace}, in the order the server keeps them
    text: str = None
    values: np.ndarray = None  # histogram: the values; bar: the heights, (N, M)
    labels: list = None  # bar: one label per row of heights
    bins: int = 30
    image: np.ndarray = None

    @property
    def xs(self):
        """The x values of the first line (a line window usually has one)."""
        return next(iter(self.traces.values())).xs if self.traces else []

    @property
    def ys(self):
        """The y values of the first line."""
        return next(iter(self.traces.values())).ys if self.traces else []

    def points(self):
        """Returns how many points all the lines of this window hold."""
        return sum(len(trace.ys) for trace in self.traces.values())

    def plot_line(self, xs, ys, update, name, legend):
        """Returns None; applies vis.line(X=xs, Y=ys, update=update, name=name), both (N, M), as Visdom's server does.

        A new plot names its lines after opts["legend"], else `name` (one line), else "1", "2", ...; an update
        with `name` changes that line (appending a new line of that name if there is none), one without changes
        the window's lines in order, column by column.
        """
        columns = [(xs[:, k].tolist(), ys[:, k].tolist()) for k in range(ys.shape[1])]
        if update is None or not self.traces:
            names = legend or ([name] if name and len(columns) == 1 else [str(k + 1) for k in range(len(columns))])
            self.traces = {str(n): Trace(str(n), cx, cy) for n, (cx, cy) in zip(names, columns)}
            return
        if name is not None:
            if str(name) not in self.traces:
                self.traces[str(name)] = Trace(str(name))
                update = "replace"  # the server injects the new line as given
            targets = [self.traces[str(name)]]
        else:
            targets = list(self.traces.values())
        if len(targets) > len(columns):
            names = ", ".join(repr(t.name) for t in targets)
            raise ValueError(
                f"vis.line: update={update!r} without name= changes every line of window {self.win!r} ({names}), "
                f"but this call gives {len(columns)} (the Visdom server fails on it): say which line, name=..."
            )
        for trace, (cx, cy) in zip(targets, columns):
            trace.xs, trace.ys = (trace.xs + cx, trace.ys + cy) if update == "append" else (cx, cy)
