"""utils.module_checks: notebook 05's exercises; the right answers pass, and typical wrong ones are caught and named."""

import pytest
import torch
from torch import nn

from utils import checks, module_checks

# ---- notebook 05, Exercise 1: TwoLayerNet ----------------------------------------------------------------------


class TwoLayerNet(nn.Module):
    def __init__(self, D_in, H, D_out):
        super().__init__()
        self.linear1 = nn.Linear(D_in, H)
        self.linear2 = nn.Linear(H, D_out)

    def forward(self, x):
        h_relu = self.linear1(x).clamp(min=0)
        return self.linear2(h_relu)


class WithTorchRelu(TwoLayerNet):
    def forward(self, x):
        return self.linear2(torch.relu(self.linear1(x)))


class WithReLULayer(TwoLayerNet):
    def __init__(self, D_in, H, D_out):
        super().__init__(D_in, H, D_out)
        self.relu = nn.ReLU()

    def forward(self, x):
        return self.linear2(self.relu(self.linear1(x)))


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

    forward = TwoLayerNet.forward


class SuperLast(nn.Module):
    def __init__(self, D_in, H, D_out):
        self.linear1 = nn.Linear(D_in, H)
        self.linear2 = nn.Linear(H, D_out)
        super().__init__()

    forward = TwoLayerNet.forward


class SizesOnlyNoSuper(nn.Module):
    def __init__(self, D_in, H, D_out):
        self.sizes = (D_in, H, D_out)

    forward = TwoLayerNet.forward


class NotAModule:
    def __init__(self, D_in, H, D_out):
        self.linear1 = nn.Linear(D_in, H)


class InitMisspelled(nn.Module):
    def __int__(self, D_in, H, D_out):
        super().__init__()

    forward = TwoLayerNet.forward


class ForwardMisspelled(nn.Module):
    __init__ = TwoLayerNet.__init__

    def foward(self, x):
        return self.linear2(self.linear1(x).clamp(min=0))


class ForwardWithoutSelf(TwoLayerNet):
    def forward(x):  # the mistake under test: no self
        return x


class TwoSizes(nn.Module):
    def __init__(self, D_in, D_out):
        super().__init__()
        self.linear1 = nn.Linear(D_in, 100)
        self.linear2 = nn.Linear(100, D_out)

    forward = TwoLayerNet.forward


class NoOutputLayer(TwoLayerNet):
    def forward(self, x):
        return self.linear1(x).clamp(min=0)


class LayersInWrongOrder(TwoLayerNet):
    def forward(self, x):
        return self.linear1(self.linear2(x).clamp(min=0))


class NoReLU(TwoLayerNet):
    def forward(self, x):
        return self.linear2(self.linear1(x))


class ReLUOnOutputToo(TwoLayerNet):
    def forward(self, x):
        return self.linear2(self.linear1(x).clamp(min=0)).clamp(min=0)


class ReLUAfterLinear2(TwoLayerNet):
    def forward(self, x):
        return torch.relu(self.linear2(self.linear1(x)))


class ReLUOnInput(TwoLayerNet):
    def forward(self, x):
        return self.linear2(self.linear1(torch.relu(x)))


class ClampMax(TwoLayerNet):
    def forward(self, x):
        return self.linear2(self.linear1(x).clamp(max=0))


class ArgumentsToSuper(TwoLayerNet):
    def __init__(self, D_in, H, D_out):
        super().__init__(D_in, H, D_out)
        nn.Module.__init__(self, D_in, H, D_out)


class Sigmoid(TwoLayerNet):
    def forward(self, x):
        return self.linear2(torch.sigmoid(self.linear1(x)))


class Tanh(TwoLayerNet):
    def forward(self, x):
        return self.linear2(torch.tanh(self.linear1(x)))


class Softmax(TwoLayerNet):
    def forward(self, x):
        return torch.softmax(self.linear2(self.linear1(x).clamp(min=0)), dim=1)


class Detached(TwoLayerNet):
    def forward(self, x):
        return self.linear2(self.linear1(x).clamp(min=0).detach())


class ThroughData(TwoLayerNet):
    def forward(self, x):
        return self.linear2(self.linear1(x).clamp(min=0).data)


class ReLUAsFunction(TwoLayerNet):
    def forward(self, x):
        return self.linear2(nn.ReLU(self.linear1(x)))


class OtherNames(nn.Module):
    def __init__(self, D_in, H, D_out):
        super().__init__()
        self.fc1, self.fc2 = nn.Linear(D_in, H), nn.Linear(H, D_out)

    def forward(self, x):
        return self.fc2(self.fc1(x).clamp(min=0))


class Swapped(TwoLayerNet):
    def __init__(self, D_in, H, D_out):
        super().__init__(D_in, H, D_out)
        self.linear1 = nn.Linear(H, D_in)


class NoBias(TwoLayerNet):
    def __init__(self, D_in, H, D_out):
        super().__init__(D_in, H, D_out)
        self.linear2 = nn.Linear(H, D_out, bias=False)


NOTEBOOK_D_IN, NOTEBOOK_H, NOTEBOOK_D_OUT = 1000, 100, 10  # a notebook's globals


class GlobalSizes(TwoLayerNet):
    def __init__(self, D_in, H, D_out):
        super().__init__(NOTEBOOK_D_IN, NOTEBOOK_H, NOTEBOOK_D_OUT)


class ExtraLayer(TwoLayerNet):
    def __init__(self, D_in, H, D_out):
        super().__init__(D_in, H, D_out)
        self.linear3 = nn.Linear(D_out, D_out)


class NoReturn(TwoLayerNet):
    def forward(self, x):
        self.linear2(self.linear1(x).clamp(min=0))


class ReturnsHiddenToo(TwoLayerNet):
    def forward(self, x):
        h_relu = self.linear1(x).clamp(min=0)
        return h_relu, self.linear2(h_relu)


class LayersMadeInForward(nn.Module):
    def __init__(self, D_in, H, D_out):
        super().__init__()
        self.linear1 = nn.Linear(D_in, H)
        self.linear2 = nn.Linear(H, D_out)
        self.sizes = (D_in, H, D_out)

    def forward(self, x):
        D_in, H, D_out = self.sizes
        return nn.Linear(H, D_out)(self.linear1(x).clamp(min=0))


NOTEBOOK_LAYER = nn.Linear(5, 3)  # a layer made in another cell of the notebook


class LayerOfTheNotebook(TwoLayerNet):
    def forward(self, x):
        return NOTEBOOK_LAYER(self.linear1(x).clamp(min=0))


class LayerOfTheNotebookSizes(TwoLayerNet):
    def forward(self, x):
        return nn.Linear(NOTEBOOK_H, NOTEBOOK_D_OUT)(self.linear1(x).clamp(min=0))  # a shape error too


class Noisy(TwoLayerNet):
    def forward(self, x):
        return super().forward(x + 0.1 * torch.randn_like(x))


class ThroughNumpy(TwoLayerNet):
    def forward(self, x):
        h = self.linear1(x).numpy()
        return self.linear2(torch.from_numpy(h).clamp(min=0))


def test_two_layer_net_right_answers_pass(capsys):
    for net_class in (TwoLayerNet, WithTorchRelu):
        module_checks.check_two_layer_net(net_class)
    assert capsys.readouterr().out.splitlines() == [
        f"check passed: {name} registers linear1 (7 -> 5) and linear2 (5 -> 3), 58 parameters; forward(x) is "
        "linear2(relu(linear1(x))) and gradients reach both layers"
        for name in ("TwoLayerNet", "WithTorchRelu")
    ]


def test_an_activation_layer_in_init_is_fine(capsys):
    module_checks.check_two_layer_net(WithReLULayer)
    assert "check passed: WithReLULayer registers linear1" in capsys.readouterr().out


TWO_LAYER_MISTAKES = [
    (
        ListNet,
        r"(?s)ListNet.layers is a plain Python list holding 2 module\(s\) with parameters that are not "
        r"registered: ListNet.parameters\(\) sees 0 numbers.*nn.ModuleList",
    ),
    (NoSuperNet, r"(?s)NoSuperNet.__init__ does not call super\(\).__init__\(\): assigning a layer raised.*first line"),
    (SuperLast, r"(?s)SuperLast.__init__ does not call super\(\).__init__\(\).*as the first line of __init__"),
    (SizesOnlyNoSuper, r"(?s)SizesOnlyNoSuper.__init__ does not call super\(\).__init__\(\)\."),
    (NotAModule, r"(?s)NotAModule is not a subclass of nn.Module.*class NotAModule\(nn.Module\):"),
    (InitMisspelled, r"(?s)InitMisspelled has no __init__ of its own.*two underscores on each side"),
    (ForwardMisspelled, r"(?s)ForwardMisspelled has no forward method.*def forward\(self, x\)"),
    (
        ForwardWithoutSelf,
        r"(?s)ForwardWithoutSelf\(x\) raised TypeError: ForwardWithoutSelf.forward\(\) takes 1 positional argument "
        r"but 2 were given. forward is missing self.*def forward\(self, x\)",
    ),
    (
        TwoSizes,
        r"(?s)TwoSizes\(7, 5, 3\) raised TypeError instead of returning an instance of TwoSizes.*"
        r"def __init__\(self, D_in, H, D_out\).*The error itself: TypeError:",
    ),
    (
        NoOutputLayer,
        r"(?s)NoOutputLayer\(x\) has shape \(4, 5\) but should have shape \(4, 3\).*apply linear2 last",
    ),
    (
        LayersInWrongOrder,
        r"(?s)raised RuntimeError instead of returning a tensor.*linear1, a ReLU, then linear2.*"
        r"shapes do not fit together.*The error itself: RuntimeError: mat1 and mat2 shapes cannot be multiplied",
    ),
    (NoReLU, r"forward\(x\) is not linear2\(relu\(linear1\(x\)\)\): the ReLU between the layers is missing"),
    (ReLUOnOutputToo, r"a ReLU is applied to the output too"),
    (ReLUAfterLinear2, r"the ReLU is applied after linear2 instead of between the layers"),
    (ReLUOnInput, r"the ReLU is applied to the input x"),
    (ClampMax, r"clamp\(max=0\) keeps the negative part"),
    (
        ArgumentsToSuper,
        r"(?s)ArgumentsToSuper\(7, 5, 3\) raised TypeError: .*so they went on to super\(\).__init__\(...\), which "
        r"takes none.*empty parentheses",
    ),
    (Sigmoid, r"it uses a sigmoid where the lecture's net has a ReLU"),
    (Tanh, r"it uses tanh where the lecture's net has a ReLU"),
    (Softmax, r"a softmax is applied to the output"),
    (
        ReLUAsFunction,
        r"(?s)^ReLUAsFunction.forward used an nn.ReLU layer object where a tensor belongs \(linear\(\).*"
        r"nn.ReLU\(h\) creates a layer, it does not apply one to h.*torch.relu\(h\)",
    ),
    (Detached, r"(?s)linear1.weight, linear1.bias got no gradient from backward\(\).*no .detach\(\)"),
    (ThroughData, r"(?s)linear1.weight, linear1.bias got no gradient from backward\(\).*\.data"),
    (
        ThroughNumpy,
        r"(?s)ThroughNumpy\(x\), that is ThroughNumpy.forward\(x\), raised RuntimeError.*"
        r"\.detach\(\)\.numpy\(\).*Can't call numpy\(\) on Tensor that requires grad",
    ),
    (OtherNames, r"(?s)OtherNames has no child module 'linear1' \(its children: \['fc1', 'fc2'\]\).*this very name"),
    (Swapped, r"Swapped\(7, 5, 3\).linear1 maps 5 -> 7 features but should map 7 -> 5: did you swap them\?"),
    (NoBias, r"NoBias\(7, 5, 3\).linear2 has no bias"),
    (
        GlobalSizes,
        r"(?s)GlobalSizes\(7, 5, 3\).linear1 maps 1000 -> 100 features but should map 7 -> 5: it uses the "
        r"notebook's D_in = 1000, H = 100, not the sizes GlobalSizes\(7, 5, 3\) was given.*own arguments",
    ),
    (ExtraLayer, r"(?s)ExtraLayer\(7, 5, 3\) has 70 parameters but should have 58.*only linear1 and linear2"),
    (NoReturn, r"(?s)NoReturn\(x\) returned None.*return"),
    (ReturnsHiddenToo, r"ReturnsHiddenToo\(x\) returned a tuple of 2 values; it should return one tensor"),
    (
        LayersMadeInForward,
        r"(?s)LayersMadeInForward.forward calls an nn.Linear that is not part of LayersMadeInForward: a layer created "
        r"inside forward.*once, in __init__",
    ),
    (LayerOfTheNotebook, r"LayerOfTheNotebook.forward calls an nn.Linear that is not part of LayerOfTheNotebook"),
    (LayerOfTheNotebookSizes, r"(?s)LayerOfTheNotebookSizes.forward calls an nn.Linear that is not part of"),
    (Noisy, r"(?s)Noisy\(x\) gives another result at each call on the same x: something in forward is random"),
]


@pytest.mark.parametrize("net_class, message", TWO_LAYER_MISTAKES, ids=[c.__name__ for c, _ in TWO_LAYER_MISTAKES])
def test_two_layer_net_wrong_answers_are_named(net_class, message):
    with pytest.raises(checks.CheckFailed, match=message):
        module_checks.check_two_layer_net(net_class)


def test_an_unfinished_exercise_goes_through_the_check():
    class Stub(TwoLayerNet):
        def forward(self, x):
            raise NotImplementedError("Exercise 1 is not done yet: apply linear1, a ReLU and linear2")

    with pytest.raises(NotImplementedError, match="Exercise 1 is not done yet"):
        module_checks.check_two_layer_net(Stub)


def test_a_list_next_to_registered_layers_is_not_a_mistake():
    net = TwoLayerNet(7, 5, 3)
    net.order = [net.linear1, net.linear2]  # the same, registered layers: nothing is hidden
    assert module_checks.unregistered_modules(net) == {}
    net.extra = {"head": nn.Linear(5, 1)}
    assert module_checks.unregistered_modules(net) == {"extra": 1}


def test_other_errors_in_init_become_a_lesson_with_their_message():
    class Typo(nn.Module):
        def __init__(self):
            super().__init__()
            self.linear = nn.Linear(2, 2)
            self.lienar.bias  # noqa: B018, a typo of the student's own

        def forward(self, x):
            return x

    with pytest.raises(checks.CheckFailed) as info:
        module_checks.build_module(Typo, call="Typo()")
    assert str(info.value).startswith("Typo() raised AttributeError instead of returning an instance of Typo.")
    assert "The error itself: AttributeError: 'Typo' object has no attribute 'lienar'" in str(info.value)


def test_the_shared_helpers_keep_their_behaviour(capsys):
    net = TwoLayerNet(7, 5, 3)
    module_checks.check_registered(net, "model", 58)
    assert capsys.readouterr().out == "check passed: model registers 58 parameters\n"
    module_checks.check_linear("layer 0", net.linear1, 7, 5)
    with pytest.raises(checks.CheckFailed, match="layer 0 maps 7 -> 5 features but should map 5 -> 7: did you swap"):
        module_checks.check_linear("layer 0", net.linear1, 5, 7)
    assert module_checks.count_parameters(net) == 58
    assert module_checks.run_forward(net, "net", torch.ones(2, 7)).shape == (2, 3)


# ---- notebook 05, Exercise 2: Standardize, a module with buffers -----------------------------------------------


class Standardize(nn.Module):
    def __init__(self, mean, std):
        super().__init__()
        self.register_buffer("mean", mean)
        self.register_buffer("std", std)

    def forward(self, x):
        return (x - self.mean) / self.std


class WithEpsilon(Standardize):
    def forward(self, x):
        return (x - self.mean) / (self.std + 1e-6)


class ClonedBuffers(Standardize):
    def __init__(self, mean, std):
        super().__init__(mean.clone(), std.clone())


class AsAttributes(Standardize):
    def __init__(self, mean, std):
        nn.Module.__init__(self)
        self.mean, self.std = mean, std


class AsParameters(Standardize):
    def __init__(self, mean, std):
        nn.Module.__init__(self)
        self.mean, self.std = nn.Parameter(mean), nn.Parameter(std)


class FrozenParameters(Standardize):
    def __init__(self, mean, std):
        nn.Module.__init__(self)
        self.mean = nn.Parameter(mean, requires_grad=False)
        self.std = nn.Parameter(std, requires_grad=False)


class OtherBufferNames(Standardize):
    def __init__(self, mean, std):
        nn.Module.__init__(self)
        self.register_buffer("running_mean", mean)
        self.register_buffer("running_std", std)

    def forward(self, x):
        return (x - self.running_mean) / self.running_std


class NotPersistent(Standardize):
    def __init__(self, mean, std):
        nn.Module.__init__(self)
        self.register_buffer("mean", mean, persistent=False)
        self.register_buffer("std", std, persistent=False)


class SwappedBuffers(Standardize):
    def __init__(self, mean, std):
        super().__init__(std, mean)


class BatchStatistics(Standardize):
    def forward(self, x):
        return (x - x.mean(dim=0)) / x.std(dim=0)


class BatchStatisticsBiased(Standardize):
    def forward(self, x):
        return (x - x.mean(0)) / x.std(0, unbiased=False)


class Multiplies(Standardize):
    def forward(self, x):
        return (x - self.mean) * self.std


class Variance(Standardize):
    def forward(self, x):
        return (x - self.mean) / self.std**2


class NoParentheses(Standardize):
    def forward(self, x):
        return x - self.mean / self.std


class DividesFirst(Standardize):
    def forward(self, x):
        return x / self.std - self.mean


class SwappedInForward(Standardize):
    def forward(self, x):
        return (x - self.std) / self.mean


class AddsMean(Standardize):
    def forward(self, x):
        return (x + self.mean) / self.std


class SquareRoot(Standardize):
    def forward(self, x):
        return (x - self.mean) / self.std.sqrt()


class OnlyCentres(Standardize):
    def forward(self, x):
        return x - self.mean


class OnlyScales(Standardize):
    def forward(self, x):
        return x / self.std


class InPlace(Standardize):
    def forward(self, x):
        x -= self.mean
        x /= self.std
        return x


class NoReturnStandardize(Standardize):
    def forward(self, x):
        (x - self.mean) / self.std


class OneArgument(Standardize):
    def __init__(self, stats):
        super().__init__(stats[0], stats[1])


def test_standardize_right_answers_pass(capsys):
    for module_class in (Standardize, WithEpsilon, ClonedBuffers):
        module_checks.check_standardize(module_class)
    lines = capsys.readouterr().out.splitlines()
    assert lines == [
        f"check passed: {name} keeps mean and std as buffers (saved in state_dict, not among the parameters) and "
        "returns (x - mean) / std with them"
        for name in ("Standardize", "WithEpsilon", "ClonedBuffers")
    ]


STANDARDIZE_MISTAKES = [
    (AsAttributes, r"(?s)AsAttributes.mean is a plain tensor attribute, not a buffer: state_dict\(\) does not save"),
    (AsParameters, r"(?s)AsParameters.mean is an nn.Parameter: parameters\(\) returns it.*register_buffer"),
    (FrozenParameters, r"FrozenParameters.mean is an nn.Parameter"),
    (OtherBufferNames, r"OtherBufferNames has no buffer named 'mean' \(its buffers: \['running_mean', 'running_std'\]"),
    (NotPersistent, r"(?s)the buffer mean is not in NotPersistent's state_dict\(\).*persistent=True"),
    (SwappedBuffers, r"the buffers mean and std are swapped"),
    (BatchStatistics, r"(?s)is not \(x - mean\) / std: it standardises with the batch's own mean.*stored"),
    (BatchStatisticsBiased, r"with the batch's own statistics"),
    (Multiplies, r"it multiplies by std: divide by it"),
    (Variance, r"it divides by std squared, the variance"),
    (NoParentheses, r"it computes x - mean / std: division comes before subtraction"),
    (DividesFirst, r"it computes x / std - mean"),
    (SwappedInForward, r"mean and std are swapped: \(x - mean\) / std"),
    (AddsMean, r"it adds the mean"),
    (SquareRoot, r"it divides by the square root of std"),
    (OnlyCentres, r"it only subtracts the mean"),
    (OnlyScales, r"it only divides by std"),
    (InPlace, r"(?s)InPlace\(x\) changed x in place.*return \(x - self.mean\) / self.std"),
    (NoReturnStandardize, r"NoReturnStandardize\(x\) returned None"),
    (
        OneArgument,
        r"(?s)OneArgument\(mean, std\) raised TypeError instead of returning an instance of OneArgument.*"
        r"def __init__\(self, mean, std\)",
    ),
]


@pytest.mark.parametrize(
    "module_class, message", STANDARDIZE_MISTAKES, ids=[c.__name__ for c, _ in STANDARDIZE_MISTAKES]
)
def test_standardize_wrong_answers_are_named(module_class, message):
    with pytest.raises(checks.CheckFailed, match=message):
        module_checks.check_standardize(module_class)


# ---- notebook 05, Exercise 3: a residual network ---------------------------------------------------------------


class ResidualBlock(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.linear1 = nn.Linear(dim, dim)
        self.linear2 = nn.Linear(dim, dim)

    def forward(self, x):
        return x + self.linear2(self.linear1(x).clamp(min=0))


class ResidualNet(nn.Module):
    def __init__(self, D_in, H, D_out, num_blocks):
        super().__init__()
        self.input_linear = nn.Linear(D_in, H)
        self.blocks = nn.ModuleList(ResidualBlock(H) for _ in range(num_blocks))
        self.output_linear = nn.Linear(H, D_out)

    def forward(self, x):
        h = self.input_linear(x).clamp(min=0)
        for block in self.blocks:
            h = block(h)
        return self.output_linear(h)


class SequentialBlocks(ResidualNet):
    def __init__(self, D_in, H, D_out, num_blocks):
        super().__init__(D_in, H, D_out, 0)
        self.blocks = nn.Sequential(*[ResidualBlock(H) for _ in range(num_blocks)])

    def forward(self, x):
        return self.output_linear(self.blocks(self.input_linear(x).clamp(min=0)))


class NoSkip(ResidualBlock):
    def forward(self, x):
        return self.linear2(self.linear1(x).clamp(min=0))


class ReLUAfterSum(ResidualBlock):
    def forward(self, x):
        return torch.relu(x + self.linear2(torch.relu(self.linear1(x))))


class NoInnerReLU(ResidualBlock):
    def forward(self, x):
        return x + self.linear2(self.linear1(x))


class MultipliesBranch(ResidualBlock):
    def forward(self, x):
        return x * self.linear2(self.linear1(x).clamp(min=0))


class AddsReLUOfInput(ResidualBlock):
    def forward(self, x):
        return x.clamp(min=0) + self.linear2(self.linear1(x).clamp(min=0))


class AddsHidden(ResidualBlock):
    def forward(self, x):
        h = self.linear1(x)
        return h + self.linear2(h.clamp(min=0))


class OrderSwapped(ResidualBlock):
    def forward(self, x):
        return x + self.linear1(self.linear2(x).clamp(min=0))


class ReLUOnBranchOutput(ResidualBlock):
    def forward(self, x):
        return x + self.linear2(self.linear1(x)).clamp(min=0)


class ReLUOnBlockInput(ResidualBlock):
    def forward(self, x):
        return x + self.linear2(self.linear1(x.clamp(min=0)).clamp(min=0))


class BlockWithHiddenGlobal(ResidualBlock):
    def __init__(self, dim):
        nn.Module.__init__(self)
        self.linear1, self.linear2 = nn.Linear(dim, NOTEBOOK_H), nn.Linear(NOTEBOOK_H, dim)


class InPlaceBlock(ResidualBlock):
    def forward(self, x):
        x += self.linear2(self.linear1(x).clamp(min=0))
        return x


class BlockWithGlobalSize(ResidualBlock):
    def __init__(self, dim):
        super().__init__(NOTEBOOK_H)


class BlockSkipsSuper(ResidualBlock):
    def __init__(self, dim):
        self.linear1 = nn.Linear(dim, dim)


class BlockWithoutReturn(ResidualBlock):
    def forward(self, x):
        x + self.linear2(self.linear1(x).clamp(min=0))


class BlockNamesItsLayersOtherwise(ResidualBlock):
    def __init__(self, dim):
        nn.Module.__init__(self)
        self.fc1, self.fc2 = nn.Linear(dim, dim), nn.Linear(dim, dim)

    def forward(self, x):
        return x + self.fc2(self.fc1(x).clamp(min=0))


def test_residual_right_answers_pass(capsys):
    module_checks.check_residual_net(ResidualBlock, ResidualNet)
    module_checks.check_residual_net(ResidualBlock, SequentialBlocks)
    lines = capsys.readouterr().out.splitlines()
    assert lines[:2] == [
        "check passed: ResidualBlock(5) holds linear1 and linear2 (5 -> 5) and returns x + linear2(relu(linear1(x))), "
        "with gradients to both layers",
        "check passed: ResidualNet(7, 5, 3, num_blocks=3) registers input_linear, 3 distinct blocks and "
        "output_linear (238 parameters), applies them in turn, and gradients reach every block",
    ]
    assert lines[3].startswith("check passed: SequentialBlocks(7, 5, 3, num_blocks=3) registers")


BLOCK_MISTAKES = [
    (NoSkip, r"is not x \+ linear2\(relu\(linear1\(x\)\)\): the skip connection is missing"),
    (ReLUAfterSum, r"a ReLU is applied after the sum"),
    (NoInnerReLU, r"the ReLU between linear1 and linear2 is missing"),
    (MultipliesBranch, r"it multiplies x by the branch"),
    (AddsReLUOfInput, r"it adds relu\(x\), not x itself"),
    (AddsHidden, r"it adds linear1\(x\), not x itself"),
    (OrderSwapped, r"linear2 comes before linear1"),
    (ReLUOnBranchOutput, r"the ReLU is applied to linear2's output"),
    (ReLUOnBlockInput, r"the ReLU is applied to x before linear1"),
    (
        BlockWithHiddenGlobal,
        r"BlockWithHiddenGlobal\(5\).linear1 maps 5 -> 100 features but should map 5 -> 5: it uses the notebook's H = "
        r"100",
    ),
    (InPlaceBlock, r"(?s)InPlaceBlock\(x\) changed x in place \(x \+= ...\)"),
    (
        BlockWithGlobalSize,
        r"BlockWithGlobalSize\(5\).linear1 maps 100 -> 100 features but should map 5 -> 5: it uses the notebook's "
        r"H = 100, not",
    ),
    (BlockSkipsSuper, r"BlockSkipsSuper.__init__ does not call super\(\).__init__\(\)"),
    (BlockWithoutReturn, r"BlockWithoutReturn\(x\) returned None"),
    (BlockNamesItsLayersOtherwise, r"BlockNamesItsLayersOtherwise has no child module 'linear1'"),
]


@pytest.mark.parametrize("block_class, message", BLOCK_MISTAKES, ids=[c.__name__ for c, _ in BLOCK_MISTAKES])
def test_residual_block_wrong_answers_are_named_before_the_net_is_tried(block_class, message, capsys):
    with pytest.raises(checks.CheckFailed, match=message):
        module_checks.check_residual_net(block_class, ResidualNet)
    assert "check passed" not in capsys.readouterr().out


class PlainListOfBlocks(ResidualNet):
    def __init__(self, D_in, H, D_out, num_blocks):
        nn.Module.__init__(self)
        self.input_linear = nn.Linear(D_in, H)
        self.blocks = [ResidualBlock(H) for _ in range(num_blocks)]
        self.output_linear = nn.Linear(H, D_out)


class OneBlockRepeated(ResidualNet):
    def __init__(self, D_in, H, D_out, num_blocks):
        super().__init__(D_in, H, D_out, 0)
        self.blocks = nn.ModuleList([ResidualBlock(H)] * num_blocks)


class OffByOne(ResidualNet):
    def __init__(self, D_in, H, D_out, num_blocks):
        super().__init__(D_in, H, D_out, num_blocks - 1)


class FixedNumberOfBlocks(ResidualNet):
    def __init__(self, D_in, H, D_out, num_blocks):
        super().__init__(D_in, H, D_out, 2)


class BlocksNamedLayers(ResidualNet):
    def __init__(self, D_in, H, D_out, num_blocks):
        super().__init__(D_in, H, D_out, 0)
        del self.blocks
        self.layers = nn.ModuleList(ResidualBlock(H) for _ in range(num_blocks))


class BlocksAreLinears(ResidualNet):
    def __init__(self, D_in, H, D_out, num_blocks):
        super().__init__(D_in, H, D_out, 0)
        self.blocks = nn.ModuleList(nn.Linear(H, H) for _ in range(num_blocks))


class BlocksOfTheInputSize(ResidualNet):
    def __init__(self, D_in, H, D_out, num_blocks):
        super().__init__(D_in, H, D_out, 0)
        self.blocks = nn.ModuleList(ResidualBlock(D_in) for _ in range(num_blocks))


class NoInputReLU(ResidualNet):
    def forward(self, x):
        h = self.input_linear(x)
        for block in self.blocks:
            h = block(h)
        return self.output_linear(h)


class BlocksNotApplied(ResidualNet):
    def forward(self, x):
        return self.output_linear(self.input_linear(x).clamp(min=0))


class OnlyFirstBlock(ResidualNet):
    def forward(self, x):
        return self.output_linear(self.blocks[0](self.input_linear(x).clamp(min=0)))


class LastBlockLeftOut(ResidualNet):
    def forward(self, x):
        h = self.input_linear(x).clamp(min=0)
        for i in range(len(self.blocks) - 1):
            h = self.blocks[i](h)
        return self.output_linear(h)


class EachBlockGetsTheSameInput(ResidualNet):
    def forward(self, x):
        h = self.input_linear(x).clamp(min=0)
        for block in self.blocks:
            out = block(h)
        return self.output_linear(out)


class ReLUAfterEachBlock(ResidualNet):
    def forward(self, x):
        h = self.input_linear(x).clamp(min=0)
        for block in self.blocks:
            h = block(h).clamp(min=0)
        return self.output_linear(h)


class CallsTheList(ResidualNet):
    def forward(self, x):
        return self.output_linear(self.blocks(self.input_linear(x).clamp(min=0)))


class NoOutputLinearApplied(ResidualNet):
    def forward(self, x):
        h = self.input_linear(x).clamp(min=0)
        for block in self.blocks:
            h = block(h)
        return h


class ModuleListOfOneBlock(ResidualNet):
    def __init__(self, D_in, H, D_out, num_blocks):
        super().__init__(D_in, H, D_out, 0)
        self.blocks = nn.ModuleList(ResidualBlock(H))


class ReLUOnNetOutput(ResidualNet):
    def forward(self, x):
        return super().forward(x).clamp(min=0)


class FailsWithoutBlocks(ResidualNet):
    def forward(self, x):
        h = self.blocks[0](self.input_linear(x).clamp(min=0))
        for block in self.blocks[1:]:
            h = block(h)
        return self.output_linear(h)


class NetWithGlobalSizes(ResidualNet):
    def __init__(self, D_in, H, D_out, num_blocks):
        super().__init__(D_in, H, D_out, num_blocks)
        self.output_linear = nn.Linear(NOTEBOOK_H, NOTEBOOK_D_OUT)


class NetWithoutNumBlocks(ResidualNet):
    def __init__(self, D_in, H, D_out):
        super().__init__(D_in, H, D_out, 3)


NET_MISTAKES = [
    (PlainListOfBlocks, r"PlainListOfBlocks.blocks is a plain Python list holding 3 module\(s\) with parameters"),
    (
        OneBlockRepeated,
        r"(?s)OneBlockRepeated.blocks holds the same block object 3 times, so the blocks share one set of weights.*"
        r"\[ResidualBlock\(H\)\] \* num_blocks repeats one object",
    ),
    (OffByOne, r"(?s)OffByOne\(7, 5, 3, num_blocks=3\).blocks holds 2 blocks, not 3.*range\(num_blocks\)"),
    (FixedNumberOfBlocks, r"FixedNumberOfBlocks\(7, 5, 3, num_blocks=3\).blocks holds 2 blocks, not 3"),
    (BlocksNamedLayers, r"BlocksNamedLayers has no child module 'blocks' \(its children: \['input_linear', 'layers'"),
    (BlocksAreLinears, r"BlocksAreLinears.blocks\[0\] is a Linear, not a ResidualBlock"),
    (
        BlocksOfTheInputSize,
        r"(?s)BlocksOfTheInputSize.blocks\[0\] works on 7 features.*hidden size H = 5.*ResidualBlock\(H\)",
    ),
    (NoInputReLU, r"the ReLU after input_linear is missing"),
    (BlocksNotApplied, r"the blocks are not applied"),
    (OnlyFirstBlock, r"only the first block is applied"),
    (LastBlockLeftOut, r"the last block is left out"),
    (EachBlockGetsTheSameInput, r"(?s)only the last block's output reaches output_linear.*h = block\(h\)"),
    (ReLUAfterEachBlock, r"a ReLU is applied after each block"),
    (CallsTheList, r"(?s)CallsTheList.forward calls an nn.ModuleList as if it were a layer.*for block in self.blocks"),
    (NoOutputLinearApplied, r"(?s)has shape \(4, 5\) but should have shape \(4, 3\).*end with output_linear"),
    (
        ModuleListOfOneBlock,
        r"(?s)raised TypeError instead of returning an instance of ModuleListOfOneBlock.*nn.ModuleList takes a list.*"
        r"should be called with an iterable",
    ),
    (ReLUOnNetOutput, r"a ReLU is applied to the output: return output_linear\(h\) as it is"),
    (
        FailsWithoutBlocks,
        r"(?s)forward\(x\) of the module FailsWithoutBlocks\(7, 5, 3, num_blocks=0\) raised IndexError.*with no blocks",
    ),
    (
        NetWithGlobalSizes,
        r"output_linear maps 100 -> 10 features but should map 5 -> 3: it uses the notebook's H = 100",
    ),
    (
        NetWithoutNumBlocks,
        r"(?s)raised TypeError instead of returning an instance of NetWithoutNumBlocks.*num_blocks\)",
    ),
]


@pytest.mark.parametrize("net_class, message", NET_MISTAKES, ids=[c.__name__ for c, _ in NET_MISTAKES])
def test_residual_net_wrong_answers_are_named(net_class, message):
    with pytest.raises(checks.CheckFailed, match=message):
        module_checks.check_residual_net(ResidualBlock, net_class)
