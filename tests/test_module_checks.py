"""utils.module_checks: typical wrong answers to the nn exercises of notebooks 04 and 05 are caught and named."""

import copy

import pytest
import torch
from torch import nn

from utils import checks, models, module_checks

D_in, H, D_out = 20, 8, 3


@pytest.fixture
def data():
    g = torch.Generator().manual_seed(0)
    return torch.randn(16, D_in, generator=g), torch.randn(16, D_out, generator=g)


def sequential(*layers):
    return nn.Sequential(*layers)


# ---- notebook 04, Exercise 1: the Sequential ------------------------------------------------------------------


def test_sequential_right_answer_passes(capsys):
    module_checks.check_two_layer_sequential(
        sequential(nn.Linear(D_in, H), nn.ReLU(), nn.Linear(H, D_out)), D_in, H, D_out
    )
    assert capsys.readouterr().out == (
        "check passed: model is Sequential(Linear(20 -> 8), ReLU, Linear(8 -> 3))\n"
        "check passed: model registers 195 parameters\n"
    )


@pytest.mark.parametrize(
    "layers, message",
    [
        (
            (nn.Linear(D_in, H), nn.Linear(H, D_out)),
            r"(?s)has the layers \['Linear', 'Linear'\].*"
            r"without a ReLU between them, two Linear layers compute a single",
        ),
        ((nn.Linear(D_in, H), nn.Sigmoid(), nn.Linear(H, D_out)), "layer 1 of the model is a Sigmoid but should be"),
        (
            (nn.Linear(H, D_in), nn.ReLU(), nn.Linear(H, D_out)),
            r"(?s)layer 0 of the model maps 8 -> 20 features but should map 20 -> 8: did you swap them\?"
            r".*input size first",
        ),
        (
            (nn.Linear(D_in, H), nn.ReLU(), nn.Linear(H, D_out, bias=False)),
            "(?s)layer 2 of the model has no bias.*bias=True",
        ),
        (
            (nn.Linear(D_in, H), nn.ReLU(), nn.Linear(H, 5)),
            r"layer 2 of the model maps 8 -> 5 features but should map 8 -> 3.\nHint",
        ),
    ],
)
def test_sequential_wrong_answers_are_named(layers, message):
    with pytest.raises(checks.CheckFailed, match=message):
        module_checks.check_two_layer_sequential(sequential(*layers), D_in, H, D_out)


def test_a_builder_without_return_is_named():
    with pytest.raises(checks.CheckFailed, match=r"(?s)model is None: build_model returned nothing.*`return nn"):
        module_checks.check_two_layer_sequential(None, D_in, H, D_out)


def test_a_module_that_is_not_sequential_is_named():
    with pytest.raises(checks.CheckFailed, match="model is a TwoLayerNet, not an nn.Sequential"):
        module_checks.check_two_layer_sequential(models.TwoLayerNet(D_in, H, D_out), D_in, H, D_out)


# ---- notebook 04, Exercise 2: the training step ----------------------------------------------------------------


def good_step(model, loss_fn, optimizer, x, y):
    loss = loss_fn(model(x), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss.item()


def zero_grad_last(model, loss_fn, optimizer, x, y):
    loss = loss_fn(model(x), y)
    loss.backward()
    optimizer.step()
    optimizer.zero_grad()
    return loss.item()


def no_zero_grad(model, loss_fn, optimizer, x, y):
    loss = loss_fn(model(x), y)
    loss.backward()
    optimizer.step()
    return loss.item()


def zero_grad_between(model, loss_fn, optimizer, x, y):
    loss = loss_fn(model(x), y)
    loss.backward()
    optimizer.zero_grad()
    optimizer.step()
    return loss.item()


def no_backward(model, loss_fn, optimizer, x, y):
    loss = loss_fn(model(x), y)
    optimizer.zero_grad()
    optimizer.step()
    return loss.item()


def no_step(model, loss_fn, optimizer, x, y):
    loss = loss_fn(model(x), y)
    optimizer.zero_grad()
    loss.backward()
    return loss.item()


def returns_tensor(model, loss_fn, optimizer, x, y):
    loss = loss_fn(model(x), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss


def returns_loss_after_step(model, loss_fn, optimizer, x, y):
    good_step(model, loss_fn, optimizer, x, y)
    with torch.no_grad():
        return loss_fn(model(x), y).item()


def manual_update_ignores_optimizer(model, loss_fn, optimizer, x, y):
    model.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    with torch.no_grad():
        for p in model.parameters():
            p -= 1e-3 * p.grad
    return loss.item()


def new_optimizer_inside(model, loss_fn, optimizer, x, y):
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-2)  # ignores the optimizer passed in
    return good_step(model, loss_fn, optimizer, x, y)


def two_layer(seed=0):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(D_in, H), nn.ReLU(), nn.Linear(H, D_out))


@pytest.mark.parametrize("step", [good_step, zero_grad_last])
def test_train_step_right_answers_pass(step, data, capsys):
    model = two_layer()
    before = copy.deepcopy(model.state_dict())
    module_checks.check_train_step(step, model, nn.MSELoss(reduction="sum"), *data, lr=1e-2, steps=100, fraction=0.5)
    assert capsys.readouterr().out == (
        "check passed: train_step zeroes the gradients, computes them, and calls step() once\n"
        "check passed: the loss falls below 50% of its start within 100 steps (SGD, lr 0.01)\n"
    )
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items()), "the check trained the model itself"


@pytest.mark.parametrize(
    "step, message",
    [
        (
            no_zero_grad,
            r"(?s)^zero_grad\(\) is missing: .*gradients doubled.*accumulate"
            r".*call optimizer.zero_grad\(\) before loss.backward\(\)",
        ),
        (zero_grad_between, r"(?s)had no gradient.*not between backward\(\) and step\(\)"),
        (no_backward, r"(?s)had no gradient.*call loss.backward\(\) before optimizer.step\(\)"),
        (no_step, r"(?s)called optimizer.step\(\) 0 times instead of 2.*on the optimizer passed in"),
        (
            manual_update_ignores_optimizer,
            r"(?s)^train_step changed 0.weight, 0.bias, 2.weight, 2.bias without calling "
            r"step\(\) on the optimizer passed in.*do not update the weights by hand",
        ),
        (
            new_optimizer_inside,
            r"(?s)^train_step changed .* without calling step\(\) on the optimizer passed in \(its lr was "
            r"0\).*do not create a new optimizer inside train_step",
        ),
        (returns_tensor, r"(?s)returned a Tensor, not a Python number.*return loss.item\(\)"),
        (returns_loss_after_step, "(?s)but the loss before the step is.*return this step's loss"),
    ],
)
def test_train_step_wrong_answers_are_named(step, message, data):
    with pytest.raises(checks.CheckFailed, match=message):
        module_checks.check_train_step(step, two_layer(), nn.MSELoss(reduction="sum"), *data, lr=1e-2)


def test_train_step_that_does_not_learn_enough_fails(data):
    message = r"after 3 steps of SGD \(lr 1e-06\) the loss went from .* not below 1%"
    with pytest.raises(checks.CheckFailed, match=message):
        module_checks.check_train_step(good_step, two_layer(), nn.MSELoss(reduction="sum"), *data, lr=1e-6, steps=3)


# ---- notebook 05, Exercise 1: TwoLayerNet ----------------------------------------------------------------------


class ListNet(nn.Module):
    def __init__(self, D_in, H, D_out):
        super().__init__()
        self.layers = [nn.Linear(D_in, H), nn.Linear(H, D_out)]

    def forward(self, x):
        return self.layers[1](self.layers[0](x).clamp(min=0))


class NoSuperNet(nn.Module):
    def __init__(self, D_in, H, D_out):
        self.linear1 = nn.Linear(D_in, H)
        self.linear2 = nn.Linear(H, D_out)


class NotAModule:
    def __init__(self, D_in, H, D_out):
        self.linear1 = nn.Linear(D_in, H)


class NoOutputLayer(models.TwoLayerNet):
    def forward(self, x):
        return self.linear1(x).clamp(min=0)


class NoReLU(models.TwoLayerNet):
    def forward(self, x):
        return self.linear2(self.linear1(x))


class Detached(models.TwoLayerNet):
    def forward(self, x):
        return self.linear2(self.linear1(x).clamp(min=0).detach())


class ReLUAsFunction(models.TwoLayerNet):
    def forward(self, x):
        return self.linear2(nn.ReLU(self.linear1(x)))


class OtherNames(nn.Module):
    def __init__(self, D_in, H, D_out):
        super().__init__()
        self.fc1, self.fc2 = nn.Linear(D_in, H), nn.Linear(H, D_out)

    def forward(self, x):
        return self.fc2(self.fc1(x).clamp(min=0))


class Swapped(models.TwoLayerNet):
    def __init__(self, D_in, H, D_out):
        super().__init__(D_in, H, D_out)
        self.linear1 = nn.Linear(H, D_in)
        self.linear2 = nn.Linear(D_in, D_out)


def test_two_layer_net_right_answer_passes(data, capsys):
    module_checks.check_two_layer_net(models.TwoLayerNet, D_in, H, D_out, data[0])
    assert capsys.readouterr().out == (
        "check passed: TwoLayerNet registers 195 parameters\n"
        "check passed: forward(x) matches linear2(relu(linear1(x))) (relative error below 1e-06, shape (16, 3))\n"
        "check passed: gradients reach every parameter of TwoLayerNet\n"
    )


@pytest.mark.parametrize(
    "net_class, message",
    [
        (
            ListNet,
            r"(?s)ListNet.layers is a plain Python list holding 2 module\(s\) with parameters that are not "
            r"registered: ListNet.parameters\(\) sees 0 numbers.*nn.ModuleList",
        ),
        (
            NoSuperNet,
            r"(?s)NoSuperNet\(...\) raised AttributeError: cannot assign module before Module.__init__\(\) call"
            r".*call super\(\).__init__\(\) as the first line of __init__",
        ),
        (NotAModule, r"(?s)NotAModule is not a subclass of nn.Module.*class NotAModule\(nn.Module\):"),
        (
            NoOutputLayer,
            r"(?s)the output of forward has shape \(16, 8\) but should be \(16, 3\).*linear2\(relu\(linear1",
        ),
        (NoReLU, r"(?s)forward\(x\) does not match linear2\(relu\(linear1\(x\)\)\).*clamp\(min=0\)"),
        (
            ReLUAsFunction,
            r"(?s)^ReLUAsFunction.forward used an nn.ReLU layer object where a tensor belongs \(linear\(\).*"
            r"nn.ReLU\(h\) creates a layer, it does not apply one to h.*torch.relu\(h\)",
        ),
        (Detached, r"(?s)linear1.weight, linear1.bias got no gradient from backward\(\).*no .detach\(\)"),
        (OtherNames, r"(?s)OtherNames has no child module 'linear1' \(its children: \['fc1', 'fc2'\]\)"),
        (Swapped, r"Swapped.linear1 maps 8 -> 20 features but should map 20 -> 8: did you swap them\?"),
    ],
)
def test_two_layer_net_wrong_answers_are_named(net_class, message, data):
    with pytest.raises(checks.CheckFailed, match=message):
        module_checks.check_two_layer_net(net_class, D_in, H, D_out, data[0])


def test_a_list_next_to_registered_layers_is_not_a_mistake():
    net = models.TwoLayerNet(D_in, H, D_out)
    net.order = [net.linear1, net.linear2]  # the same, registered layers: nothing is hidden
    assert module_checks.unregistered_modules(net) == {}
    net.extra = {"head": nn.Linear(H, 1)}
    assert module_checks.unregistered_modules(net) == {"extra": 1}


def test_other_attribute_errors_are_not_disguised():
    class Typo(nn.Module):
        def __init__(self):
            super().__init__()
            self.linear = nn.Linear(2, 2)
            self.lienar.bias  # noqa: B018, a typo of the student's own

    with pytest.raises(AttributeError, match="has no attribute 'lienar'"):
        module_checks.build_module(Typo)


# ---- notebook 05, Exercise 2: a module of your own design ------------------------------------------------------


class Residual(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.linear1, self.linear2 = nn.Linear(dim, dim), nn.Linear(dim, dim)

    def forward(self, x):
        return x + self.linear2(self.linear1(x).clamp(min=0))


class OneLayer(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.linear = nn.Linear(dim, dim)

    def forward(self, x):
        return self.linear(x)


class Shrinks(Residual):
    def __init__(self, dim):
        super().__init__(dim)
        self.linear2 = nn.Linear(dim, 1)

    def forward(self, x):
        return self.linear2(self.linear1(x).clamp(min=0))


class ListBlock(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.layers = (nn.Linear(dim, dim), nn.ReLU(), nn.Linear(dim, dim))

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return x


class SequentialInside(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(dim, dim), nn.ReLU(), nn.Linear(dim, dim))

    def forward(self, x):
        return x + self.body(x)


class LinearAndReLU(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.linear, self.relu = nn.Linear(dim, dim), nn.ReLU()

    def forward(self, x):
        return x + self.relu(self.linear(x))


class ReLUAsFunctionBlock(Residual):
    def forward(self, x):
        return x + self.linear2(nn.ReLU(self.linear1(x)))


class AddsAReLULayer(Residual):
    def forward(self, x):
        return x + nn.ReLU(self.linear1(x))


class UnusedLayer(Residual):
    def forward(self, x):
        return x + self.linear1(x)


def test_composed_module_right_answer_passes(capsys):
    module_checks.check_composed_module(Residual, (H,), torch.randn(5, H))
    assert capsys.readouterr().out == (
        "check passed: Residual registers 144 parameters\n"
        "check passed: Residual is composed of 2 layers with parameters (linear1: Linear, linear2: Linear)\n"
        "check passed: gradients reach every parameter of Residual\n"
    )


@pytest.mark.parametrize(
    "module_class, message",
    [
        (
            OneLayer,
            r"(?s)OneLayer holds 1 layer\(s\) with parameters \(linear: Linear\); it should be composed of at "
            r"least two. Its child modules: linear: Linear.*self.linear2 = nn.Linear",
        ),
        (
            LinearAndReLU,
            r"(?s)LinearAndReLU holds 1 layer\(s\) with parameters \(linear: Linear\).*"
            r"Its child modules: linear: Linear, relu: ReLU.*a ReLU holds no parameters",
        ),
        (ReLUAsFunctionBlock, r"ReLUAsFunctionBlock.forward used an nn.ReLU layer object where a tensor belongs"),
        (AddsAReLULayer, r"(?s)AddsAReLULayer.forward used an nn.ReLU layer object.*unsupported operand"),
        (Shrinks, r"(?s)the output of Shrinks has shape \(5, 1\) but should be \(5, 8\).*stacked"),
        (ListBlock, r"ListBlock.layers is a plain Python tuple holding 2 module\(s\)"),
        (UnusedLayer, r"linear2.weight, linear2.bias got no gradient"),
    ],
)
def test_composed_module_wrong_answers_are_named(module_class, message):
    with pytest.raises(checks.CheckFailed, match=message):
        module_checks.check_composed_module(module_class, (H,), torch.randn(5, H))


def test_composed_module_may_keep_its_layers_in_a_sequential(capsys):
    module_checks.check_composed_module(SequentialInside, (H,), torch.randn(5, H))
    assert "composed of 2 layers with parameters (body.0: Linear, body.2: Linear)" in capsys.readouterr().out


def test_other_type_errors_in_forward_are_not_disguised():
    class Typo(Residual):
        def forward(self, x):
            return x + self.linear1(x, 2)

    with pytest.raises(TypeError):
        module_checks.check_composed_module(Typo, (H,), torch.randn(5, H))
