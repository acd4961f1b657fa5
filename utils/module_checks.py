"""Checks for notebook 05's exercises: custom nn.Modules, their children, and modules composed of modules.

Like utils.checks, each check prints "check passed: ..." lines or raises checks.CheckFailed with a message that
names the usual mistake: layers kept in a plain Python list, a forgotten super().__init__(), a wrong output
shape, gradients that do not reach a layer, nn.ReLU(h) used as a function. The helpers at the top
(count_parameters, unregistered_modules, build_module, run_forward, check_registered) serve notebook 04's
checks too (utils.nn_checks).
"""

import re

import torch
from torch import nn

from utils import checks


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
        checks.fail(
            f"{name} is not a subclass of nn.Module.",
            f"write `class {name}(nn.Module):` so that it inherits "
            "parameter registration, .to(device), train()/eval() and state_dict().",
        )
    try:
        return module_class(*args)
    except AttributeError as error:
        if "before Module.__init__() call" not in str(error):
            raise
        checks.fail(
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
        checks.fail(
            f"{name}.forward used an nn.{layers[0]} layer object where a tensor belongs ({error}): "
            f"nn.{layers[0]}(h) creates a layer, it does not apply one to h.",
            f"apply the function to the tensor (for a ReLU: h.clamp(min=0) or torch.relu(h)), or create the layer "
            f"once in __init__ (self.act = nn.{layers[0]}()) and call it in forward: self.act(h).",
        )


def _check_nothing_hidden(module, name):
    count = count_parameters(module)
    for attribute, n in unregistered_modules(module).items():
        kind = type(getattr(module, attribute)).__name__
        checks.fail(
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
        checks.fail(
            f"{name} has {count:,} parameters but should have {expected_count:,}.",
            "count weights and biases: nn.Linear(a, b) holds a*b + b numbers.",
        )
    print(f"check passed: {name} registers {count:,} parameters")


def _check_gradients(module, name, output):
    output.pow(2).sum().backward()
    missing = [n for n, p in module.named_parameters() if p.grad is None]
    if missing:
        checks.fail(
            f"{', '.join(missing)} got no gradient from backward(): the output does not depend on "
            f"{'it' if len(missing) == 1 else 'them'} through autograd.",
            "in forward, use the layers' outputs directly: no .detach(), .data, .item(), numpy or torch.no_grad().",
        )
    print(f"check passed: gradients reach every parameter of {name}")


def check_linear(name, layer, fan_in, fan_out):
    """Returns None; fails unless `layer` is an nn.Linear(fan_in, fan_out) with a bias (swapped sizes named)."""
    if not isinstance(layer, nn.Linear):
        checks.fail(f"{name} is a {type(layer).__name__} but should be an nn.Linear.")
    sizes = (layer.in_features, layer.out_features)
    if sizes != (fan_in, fan_out):
        swapped = sizes == (fan_out, fan_in)
        checks.fail(
            f"{name} maps {sizes[0]} -> {sizes[1]} features but should map {fan_in} -> {fan_out}"
            + (": did you swap them?" if swapped else "."),
            "nn.Linear(in_features, out_features) takes the input size first.",
        )
    if layer.bias is None:
        checks.fail(f"{name} has no bias.", "keep nn.Linear's default bias=True, as the lecture's code does.")


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
            checks.fail(
                f"{name} has no child module {child!r} (its children: {sorted(children)}).",
                f"assign self.{child} = nn.Linear(...) in __init__: later notebooks load weights by these names.",
            )
        check_linear(f"{name}.{child}", children[child], fan_in, fan_out)
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
        checks.fail(
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
