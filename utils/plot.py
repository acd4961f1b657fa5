"""Plots for the notebooks, sized to read well on a laptop and on a projector (notebook 01)."""

import math

import matplotlib.pyplot as plt

FIGSIZE = (8, 4)


def loss_curve(losses, title=None, label=None, log_scale=True, ax=None):
    """Returns the matplotlib Axes on which it drew `losses` (one value per iteration) as a line.

    A log scale shows the whole descent of the lecture's two-layer net, whose loss falls by many
    orders of magnitude. Pass `ax` to draw several curves on one plot (its title is kept unless you
    pass a new one); call plt.show() to display it.
    """
    values = [float(v) for v in losses]
    if not values:
        raise ValueError("loss_curve got no losses: append the loss of each iteration to a list first.")
    if log_scale and any(not math.isfinite(v) or v <= 0 for v in values):
        raise ValueError(
            "loss_curve cannot use a log scale: some losses are zero, negative, inf or nan "
            "(a nan loss usually means the learning rate is too large). Pass log_scale=False."
        )
    if ax is None:
        _, ax = plt.subplots(figsize=FIGSIZE)
        title = title or "Training loss"
    ax.plot(range(len(values)), values, label=label)
    if log_scale:
        ax.set_yscale("log")
    ax.set_xlabel("iteration")
    ax.set_ylabel("loss")
    if title:
        ax.set_title(title)
    ax.grid(True, alpha=0.3)
    if label is not None:
        ax.legend()
    return ax
