"""The course's running model as a reusable module: notebook 05 teaches it, notebooks 06 and 07 reuse it."""

from torch import nn


class TwoLayerNet(nn.Module):
    """The lecture's two-layer net: Linear -> ReLU -> Linear, as written in notebook 05 (its Exercise 1)."""

    def __init__(self, D_in, H, D_out):
        super().__init__()  # registers the child modules assigned below
        self.linear1 = nn.Linear(D_in, H)
        self.linear2 = nn.Linear(H, D_out)

    def forward(self, x):
        """Returns the predictions for a batch x of shape (N, D_in): a tensor of shape (N, D_out)."""
        h_relu = self.linear1(x).clamp(min=0)  # (N, H)
        return self.linear2(h_relu)  # (N, D_out)
