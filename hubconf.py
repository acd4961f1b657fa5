"""torch.hub entry points for the course's model zoo (notebook 07).

    model = torch.hub.load("<this repository's folder>", "digits06_twolayer", source="local", pretrained=True)

Each entry point builds the model and, with pretrained=True, loads the weights that ship in zoo/ (made by
tools/train_zoo.py): the file's sha256 is checked against zoo/manifest.json, and it is loaded with
torch.load(..., weights_only=True), so a checkpoint cannot run code. torch.hub.list lists the entry points.
"""

dependencies = ["torch"]

from utils import checkpoints as _checkpoints  # noqa: E402 (hubconf.py's convention: dependencies comes first)
from utils import models as _models  # noqa: E402
from utils import zoo as _zoo  # noqa: E402


def _build(name, pretrained, map_location):
    entry = _zoo.entry(name)
    model = _models.TwoLayerNet(64, 100, len(entry["classes"]))
    if pretrained:
        state = _checkpoints.load_checkpoint(
            entry["path"], sha256=entry["sha256"], size=entry["bytes"], map_location=map_location
        )
        model.load_state_dict(state)
    return model


def digits06_twolayer(pretrained=False, map_location="cpu"):
    """TwoLayerNet(64, 100, 7) that classifies 8x8 digit images (flattened, scaled to 0..1) of the digits 0-6.

    pretrained (bool): load the zoo's weights (test accuracy in zoo/manifest.json); otherwise random ones.
    """
    return _build("digits06_twolayer", pretrained, map_location)


def digits_twolayer(pretrained=False, map_location="cpu"):
    """TwoLayerNet(64, 100, 10) that classifies 8x8 digit images (flattened, scaled to 0..1) of all ten digits.

    pretrained (bool): load the zoo's weights (test accuracy in zoo/manifest.json); otherwise random ones.
    """
    return _build("digits_twolayer", pretrained, map_location)
