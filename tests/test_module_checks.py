"""utils.module_checks: typical wrong answers to the nn exercises of notebooks 04 and 05 are caught and named."""

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
