"""Checks for exercises that build torch.nn models and training steps (notebooks 04 and 05).

Like utils.checks, each check prints "check passed: ..." lines or raises checks.CheckFailed with a message that
names the usual mistake: layers kept in a plain Python list, a forgotten super().__init__(), swapped layer sizes,
a wrong output shape, gradients that do not reach a layer, nn.ReLU(h) used as a function, a forgotten
zero_grad(), an optimizer created inside the training step.
"""

import copy
import re

import torch
from torch import nn

from utils import checks


def _fail(message, hint=""):
    raise checks.CheckFailed(message + (f"\nHint: {hint}" if hint else ""))


def count_parameters(module):
    """Returns how many numbers the module's registered parameters hold (the sum of their numel())."""
    return sum(p.numel() for p in module.parameters())


def unregistered_modules(module):
    """Returns {attribute name: number of modules} for plain lists, tuples and dicts of modules that hide parameters.

    nn.Module registers a child only when it is assigned directly as an attribute (or kept in nn.ModuleList /
    nn.ModuleDict); modules inside a plain container are invisible to parameters(), .to() and state_dict().
    """
    registered = {id(p) for p in module.parameters()}
    found = {}
    for name, value in vars(module).items():
        if name.startswith("_"):
            continue
        items = value.values() if isinstance(value, dict) else value if isinstance(value, (list, tuple)) else ()
        hidden = [m for m in items if isinstance(m, nn.Module) and any(id(p) not in registered for p in m.parameters())]
        if hidden:
            found[name] = len(hidden)
    return found


def build_module(module_class, *args):
    """Returns module_class(*args); a class that is not an nn.Module or skips super().__init__() fails with a lesson."""
    name = getattr(module_class, "__name__", repr(module_class))
    if not (isinstance(module_class, type) and issubclass(module_class, nn.Module)):
        _fail(
            f"{name} is not a subclass of nn.Module.",
            f"write `class {name}(nn.Module):` so that it inherits "
            "parameter registration, .to(device), train()/eval() and state_dict().",
        )
    try:
        return module_class(*args)
    except AttributeError as error:
        if "before Module.__init__() call" not in str(error):
            raise
        _fail(
            f"{name}(...) raised AttributeError: {error}.",
            "call super().__init__() as the first line of __init__: nn.Module's constructor creates the "
            "registries that `self.linear1 = nn.Linear(...)` writes into.",
        )


def run_forward(module, name, x):
    """Returns module(x); a layer passed where a tensor belongs, as in nn.ReLU(h), fails with a lesson."""
    try:
        return module(x)
    except TypeError as error:
        message = str(
            error
        )  # "...must be Tensor, not ReLU" or "unsupported operand type(s) for +: 'Tensor' and 'ReLU'"
        words = re.findall(r"must be Tensor, not (\w+)", message)
        words += re.findall(r"'(\w+)'", message) if "unsupported operand" in message else []
        layers = [
            word
            for word in words
            if isinstance(getattr(nn, word, None), type) and issubclass(getattr(nn, word), nn.Module)
        ]
        if not layers:
            raise
        _fail(
            f"{name}.forward used an nn.{layers[0]} layer object where a tensor belongs ({error}): "
            f"nn.{layers[0]}(h) creates a layer, it does not apply one to h.",
            f"apply the function to the tensor (for a ReLU: h.clamp(min=0) or torch.relu(h)), or create the layer "
            f"once in __init__ (self.act = nn.{layers[0]}()) and call it in forward: self.act(h).",
        )


def _check_nothing_hidden(module, name):
    count = count_parameters(module)
    for attribute, n in unregistered_modules(module).items():
        kind = type(getattr(module, attribute)).__name__
        _fail(
            f"{name}.{attribute} is a plain Python {kind} holding {n} module(s) with parameters that are not "
            f"registered: {name}.parameters() sees {count:,} numbers, so an optimizer would never train them and "
            f".to(device) would not move them.",
            "assign each layer to its own attribute (self.linear1 = nn.Linear(...)), or keep them in "
            "nn.ModuleList / nn.ModuleDict.",
        )


def check_registered(module, name, expected_count=None):
    """Returns None; prints "check passed" when no layer hides in a plain container (and the count is as expected)."""
    _check_nothing_hidden(module, name)
    count = count_parameters(module)
    if expected_count is not None and count != expected_count:
        _fail(
            f"{name} has {count:,} parameters but should have {expected_count:,}.",
            "count weights and biases: nn.Linear(a, b) holds a*b + b numbers.",
        )
    print(f"check passed: {name} registers {count:,} parameters")


def _check_linear(name, layer, fan_in, fan_out):
    if not isinstance(layer, nn.Linear):
        _fail(f"{name} is a {type(layer).__name__} but should be an nn.Linear.")
    sizes = (layer.in_features, layer.out_features)
    if sizes != (fan_in, fan_out):
        swapped = sizes == (fan_out, fan_in)
        _fail(
            f"{name} maps {sizes[0]} -> {sizes[1]} features but should map {fan_in} -> {fan_out}"
            + (": did you swap them?" if swapped else "."),
            "nn.Linear(in_features, out_features) takes the input size first.",
        )
    if layer.bias is None:
        _fail(f"{name} has no bias.", "keep nn.Linear's default bias=True, as the lecture's code does.")


def check_two_layer_sequential(model, D_in, H, D_out):
    """Returns None; prints "check passed" lines when model is Sequential(Linear(D_in, H), ReLU(), Linear(H, D_out))."""
    if model is None:
        _fail("model is None: build_model returned nothing.", "end build_model with `return nn.Sequential(...)`.")
    if not isinstance(model, nn.Sequential):
        _fail(
            f"model is a {type(model).__name__}, not an nn.Sequential.",
            "pass the layers, in order, to nn.Sequential(...) and return it.",
        )
    kinds = [type(layer).__name__ for layer in model]
    if len(kinds) != 3:
        _fail(
            f"model has the layers {kinds} but should have ['Linear', 'ReLU', 'Linear'].",
            "without a ReLU between them, two Linear layers compute a single linear map."
            if "ReLU" not in kinds
            else "one Linear layer to the hidden size, the ReLU, one Linear layer to the output size.",
        )
    if not isinstance(model[1], nn.ReLU):
        _fail(f"layer 1 of the model is a {kinds[1]} but should be an nn.ReLU.")
    _check_linear("layer 0 of the model", model[0], D_in, H)
    _check_linear("layer 2 of the model", model[2], H, D_out)
    print(f"check passed: model is Sequential(Linear({D_in} -> {H}), ReLU, Linear({H} -> {D_out}))")
    check_registered(model, "model", D_in * H + H + H * D_out + D_out)


class _RecordingSGD(torch.optim.SGD):
    """SGD that keeps a copy of the gradients it finds at each step(), for check_train_step."""

    def __init__(self, params, lr):
        super().__init__(params, lr=lr)
        self.seen = []

    def step(self, closure=None):
        params = [p for group in self.param_groups for p in group["params"]]
        self.seen.append([None if p.grad is None else p.grad.detach().clone() for p in params])
        return super().step(closure)


def check_train_step(train_step, model, loss_fn, x, y, lr=1e-4, steps=100, fraction=0.01):
    """Returns None; prints "check passed" lines when train_step(model, loss_fn, optimizer, x, y) is one correct step.

    Works on copies of `model`. First two calls with a learning rate of 0 (the weights stay put, so both calls must
    see the same gradients: twice the gradient means zero_grad() was forgotten), then `steps` steps of SGD with `lr`,
    after which the loss must be below `fraction` of its start.
    """
    probe = copy.deepcopy(model)
    spy = _RecordingSGD(probe.parameters(), lr=0.0)
    with torch.no_grad():
        start = loss_fn(probe(x), y).item()
    before = copy.deepcopy(probe.state_dict())
    returned = [train_step(probe, loss_fn, spy, x, y) for _ in range(2)]
    moved = [key for key, value in probe.state_dict().items() if not torch.equal(value, before[key])]
    if not spy.seen and moved:
        _fail(
            f"train_step changed {', '.join(moved)} without calling step() on the optimizer passed in (its lr was 0).",
            "use the `optimizer` argument: do not create a new optimizer inside train_step, and do not update "
            "the weights by hand; optimizer.step() does the update.",
        )
    if len(spy.seen) != 2:
        _fail(
            f"two calls of train_step called optimizer.step() {len(spy.seen)} times instead of 2.",
            "each step ends with optimizer.step(), once, on the optimizer passed in as an argument.",
        )
    first, second = spy.seen
    if all(g is None or not g.any() for g in first):
        _fail(
            "at optimizer.step() the parameters had no gradient.",
            "call loss.backward() before optimizer.step(); zero the gradients BEFORE backward(), not between "
            "backward() and step().",
        )
    if any(checks.rel_error(g2, 2 * g1) < 1e-5 for g1, g2 in zip(first, second)):
        _fail(
            "zero_grad() is missing: with unchanged weights, the gradients doubled from one call of train_step "
            "to the next, because backward() adds into .grad (the gradients of earlier steps accumulate).",
            "call optimizer.zero_grad() before loss.backward() in every step.",
        )
    if any(checks.rel_error(g2, g1) > 1e-5 for g1, g2 in zip(first, second)):
        _fail(
            "two calls of train_step with unchanged weights saw different gradients.",
            "one step: optimizer.zero_grad(), forward, loss, loss.backward(), optimizer.step().",
        )
    print("check passed: train_step zeroes the gradients, computes them, and calls step() once")
    if isinstance(returned[0], torch.Tensor) or not isinstance(returned[0], (int, float)):
        _fail(
            f"train_step returned a {type(returned[0]).__name__}, not a Python number.",
            "return loss.item(): a number, so a list of losses does not keep every step's graph alive.",
        )
    trained = copy.deepcopy(model)
    optimizer = torch.optim.SGD(trained.parameters(), lr=lr)
    losses = [train_step(trained, loss_fn, optimizer, x, y) for _ in range(steps)]
    if abs(losses[0] - start) > 1e-5 * abs(start):
        _fail(
            f"train_step returned {losses[0]:.6g}, but the loss before the step is {start:.6g}.",
            "return this step's loss, loss.item(), computed by loss_fn(model(x), y) before step().",
        )
    if not losses[-1] < fraction * losses[0]:
        _fail(
            f"after {steps} steps of SGD (lr {lr:g}) the loss went from {losses[0]:.4g} to {losses[-1]:.4g}, "
            f"not below {fraction:.0%} of its start.",
            "is the update the optimizer's step() on these gradients?",
        )
    print(f"check passed: the loss falls below {fraction:.0%} of its start within {steps} steps (SGD, lr {lr:g})")


def _check_gradients(module, name, output):
    output.pow(2).sum().backward()
    missing = [n for n, p in module.named_parameters() if p.grad is None]
    if missing:
        _fail(
            f"{', '.join(missing)} got no gradient from backward(): the output does not depend on "
            f"{'it' if len(missing) == 1 else 'them'} through autograd.",
            "in forward, use the layers' outputs directly: no .detach(), .data, .item(), numpy or torch.no_grad().",
        )
    print(f"check passed: gradients reach every parameter of {name}")


def check_two_layer_net(net_class, D_in, H, D_out, x):
    """Returns None; prints "check passed" lines when net_class(D_in, H, D_out) is the lecture's TwoLayerNet.

    Checks: it builds (super().__init__() called), its layers are registered as children linear1 and linear2 of
    the right sizes, forward(x) has shape (N, D_out) and equals linear2(relu(linear1(x))), gradients reach both.
    """
    net = build_module(net_class, D_in, H, D_out).to(x.device)
    name = net_class.__name__
    _check_nothing_hidden(net, name)
    children = dict(net.named_children())
    for child, (fan_in, fan_out) in {"linear1": (D_in, H), "linear2": (H, D_out)}.items():
        if child not in children:
            _fail(
                f"{name} has no child module {child!r} (its children: {sorted(children)}).",
                f"assign self.{child} = nn.Linear(...) in __init__: later notebooks load weights by these names.",
            )
        _check_linear(f"{name}.{child}", children[child], fan_in, fan_out)
    check_registered(net, name, D_in * H + H + H * D_out + D_out)
    output = run_forward(net, name, x)
    checks.check_shape(
        "the output of forward", output, (x.shape[0], D_out), hint="forward(x) should return linear2(relu(linear1(x)))."
    )
    with torch.no_grad():
        expected = net.linear2(net.linear1(x).clamp(min=0))
    checks.check_close(
        "forward(x)",
        output,
        expected,
        tol=1e-6,
        against="linear2(relu(linear1(x)))",
        hint="apply a ReLU, h.clamp(min=0), between linear1 and linear2.",
    )
    _check_gradients(net, name, output)


def layers_with_parameters(module):
    """Returns the names of the submodules of `module`, at any depth, that hold parameters of their own."""
    return [n for n, m in module.named_modules() if m is not module and any(True for _ in m.parameters(recurse=False))]


def check_composed_module(module_class, args, x):
    """Returns None; prints "check passed" lines when module_class(*args) is built from at least two registered
    layers with parameters (children, or inside children), maps x to a tensor of x's shape, and passes gradients
    to every parameter."""
    module = build_module(module_class, *args).to(x.device)
    name = module_class.__name__
    check_registered(module, name)
    layers = [f"{n}: {type(module.get_submodule(n)).__name__}" for n in layers_with_parameters(module)]
    if len(layers) < 2:
        children = [f"{n}: {type(c).__name__}" for n, c in module.named_children()]
        _fail(
            f"{name} holds {len(layers)} layer(s) with parameters ({', '.join(layers) or 'none'}); it should be "
            f"composed of at least two. Its child modules: {', '.join(children) or 'none'}.",
            "assign layers with weights as attributes in __init__, e.g. self.linear1 = nn.Linear(dim, dim) and "
            "self.linear2 = nn.Linear(dim, dim); a ReLU holds no parameters.",
        )
    print(f"check passed: {name} is composed of {len(layers)} layers with parameters ({', '.join(layers)})")
    output = run_forward(module, name, x)
    checks.check_shape(
        f"the output of {name}",
        output,
        tuple(x.shape),
        hint="the block must keep the shape of its input, so that it can be stacked.",
    )
    _check_gradients(module, name, output)
