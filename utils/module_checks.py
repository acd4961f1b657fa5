"""Checks for notebook 05's exercises: TwoLayerNet as a class, a module with buffers, and a residual network.

Each check builds the student's classes on sizes of its own (all different, so a swapped size shows), runs them
inside checks.running (an error raised there becomes a lesson, with PyTorch's message beneath), compares the
output with what the module's own layers compute, and names the classic mistakes: __init__ or forward missing
or misspelled, a forgotten super().__init__() (or one given arguments), forward without self, layers kept in a
plain Python list, the notebook's global sizes used instead of the arguments, a ReLU missing, misplaced or added,
nn.ReLU(h) used as a function, layers created inside forward, a forgotten `return`, tensors kept as attributes or
parameters instead of buffers, the batch's own statistics, the skip connection forgotten, one block repeated, an
nn.ModuleList called like a layer, every block fed the same input. Failures go through checks.fail.
The helpers at the top (count_parameters, unregistered_modules, build_module, run_forward, check_registered,
check_linear) are shared with other checkers (notebook 04's utils.nn_checks used them).
"""

import inspect
import re

import torch
from torch import nn

from utils import checks

COURSE_SIZES = {1000: "D_in", 100: "H", 10: "D_out"}  # the notebook's globals: a check's own sizes differ


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


def _check_class(module_class):
    """Fails unless module_class is a subclass of nn.Module with an __init__ and a forward of its own."""
    name = getattr(module_class, "__name__", repr(module_class))
    if not (isinstance(module_class, type) and issubclass(module_class, nn.Module)):
        checks.fail(
            f"{name} is not a subclass of nn.Module.",
            f"write `class {name}(nn.Module):` so that it inherits "
            "parameter registration, .to(device), train()/eval() and state_dict().",
        )
    if module_class.__init__ is nn.Module.__init__:
        checks.fail(
            f"{name} has no __init__ of its own, so nothing creates its layers.",
            "define def __init__(self, ...) inside the class: two underscores on each side, indented under `class`.",
        )
    if module_class.forward is nn.Module.forward:
        checks.fail(
            f"{name} has no forward method: calling the model, model(x), would raise NotImplementedError.",
            "define def forward(self, x) inside the class: spelled exactly so, indented under `class`.",
        )
    return name


def build_module(module_class, *args, call=None, cause=""):
    """Returns module_class(*args); fails with a lesson when the class is not a Module, lacks __init__ or forward,
    skips super().__init__(), or raises (`call` names the call in the message, `cause` gives the likely cause)."""
    name = _check_class(module_class)
    with checks.running(call or f"{name}(...)", expected=f"an instance of {name}", cause=cause):
        try:
            module = module_class(*args)
        except AttributeError as error:
            if "before Module.__init__() call" not in str(error):
                raise
            module = None
        except TypeError as error:
            if not (
                _accepts(module_class, args) and re.search(r"__init__\(\) takes 1 positional argument", str(error))
            ):
                raise
            checks.fail(
                f"{call or name} raised TypeError: {error}. Your __init__ accepts these arguments, so they went on to "
                "super().__init__(...), which takes none.",
                "call super().__init__() with empty parentheses, and use the arguments for your layers.",
            )
    if module is None or "_modules" not in vars(module):
        checks.fail(
            f"{name}.__init__ does not call super().__init__()"
            + (
                ": assigning a layer raised AttributeError: cannot assign module before Module.__init__() call."
                if module is None
                else "."
            ),
            "call super().__init__() as the first line of __init__: nn.Module's constructor creates the "
            "registries that `self.linear1 = nn.Linear(...)` writes into.",
        )
    return module


def _accepts(module_class, args):
    """Returns True when module_class.__init__ accepts `args` (its signature binds them)."""
    try:
        inspect.signature(module_class.__init__).bind(None, *args)
    except (TypeError, ValueError):
        return False
    return True


def _layers_named_in(error):
    """Returns the nn layer classes named in a TypeError such as "must be Tensor, not ReLU"."""
    message = str(error)
    words = re.findall(r"must be Tensor, not (\w+)", message)
    words += re.findall(r"'(\w+)'", message) if "unsupported operand" in message else []
    return [w for w in words if isinstance(getattr(nn, w, None), type) and issubclass(getattr(nn, w), nn.Module)]


def run_forward(module, name, x, cause=""):
    """Returns module(x); a layer passed where a tensor belongs, as in nn.ReLU(h), or a layer with parameters that
    forward calls but the module does not hold (created inside forward), fails with a lesson, and any other error
    raised by forward becomes a lesson with PyTorch's message beneath (`cause`: the likely cause)."""
    owned, foreign = {id(m) for m in module.modules()}, []

    def spy(layer, args):
        if id(layer) not in owned and any(True for _ in layer.parameters(recurse=False)):
            foreign.append(type(layer).__name__)

    handle = nn.modules.module.register_module_forward_pre_hook(spy)  # sees every module call, for this run only
    try:
        with checks.running(f"{name}(x), that is {name}.forward(x),", expected="a tensor", cause=cause):
            try:
                out = module(x)
            except Exception as error:
                _refuse_foreign(name, foreign)
                _refuse_missing_forward(name, error)
                if isinstance(error, TypeError) and re.search(r"forward\(\) takes 1 positional argument", str(error)):
                    checks.fail(
                        f"{name}(x) raised TypeError: {error}. forward is missing self, its first parameter.",
                        "a method receives the object itself first: def forward(self, x).",
                    )
                layers = _layers_named_in(error) if isinstance(error, TypeError) else []
                if not layers:
                    raise
                checks.fail(
                    f"{name}.forward used an nn.{layers[0]} layer object where a tensor belongs ({error}): "
                    f"nn.{layers[0]}(h) creates a layer, it does not apply one to h.",
                    f"apply the function to the tensor (for a ReLU: h.clamp(min=0) or torch.relu(h)), or create the "
                    f"layer once in __init__ (self.act = nn.{layers[0]}()) and call it in forward: self.act(h).",
                )
    finally:
        handle.remove()
    _refuse_foreign(name, foreign)
    return out


def _refuse_missing_forward(name, error):
    """Fails when `error` is nn.Module's "missing the required forward" raised by a module that forward called."""
    found = re.search(r'Module \[(\w+)\] is missing the required "forward" function', str(error))
    if not isinstance(error, NotImplementedError) or not found:
        return
    if found[1] in ("ModuleList", "ModuleDict"):
        checks.fail(
            f"{name}.forward calls an nn.{found[1]} as if it were a layer: a container only holds modules, it has "
            "no forward of its own.",
            "loop over it and call each module in turn: for block in self.blocks: h = block(h).",
        )
    checks.fail(
        f"{name}.forward calls a {found[1]}, which has no forward method.",
        f"define def forward(self, x) in class {found[1]}: spelled exactly so, indented under `class`.",
    )


def _refuse_foreign(name, foreign):
    if foreign:
        checks.fail(
            f"{name}.forward calls an nn.{foreign[0]} that is not part of {name}: a layer created inside forward (or "
            "kept outside the model) gets new random weights at each call, and no optimizer ever trains it.",
            "create each layer once, in __init__, as an attribute (self.linear1 = nn.Linear(...)); forward only "
            "calls it: self.linear1(x).",
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


def _check_count(module, name, expected_count, hint="count weights and biases: nn.Linear(a, b) holds a*b + b numbers."):
    _check_nothing_hidden(module, name)
    count = count_parameters(module)
    if expected_count is not None and count != expected_count:
        checks.fail(f"{name} has {count:,} parameters but should have {expected_count:,}.", hint)
    return count


def check_registered(module, name, expected_count=None):
    """Returns None; prints "check passed" when no layer hides in a plain container (and the count is as expected)."""
    count = _check_count(module, name, expected_count)
    print(f"check passed: {name} registers {count:,} parameters")


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


def _check_layer(module, name, child, fan_in, fan_out, call):
    """Fails unless module.<child> is nn.Linear(fan_in, fan_out); names sizes taken from the notebook's globals."""
    children = dict(module.named_children())
    if child not in children:
        checks.fail(
            f"{name} has no child module {child!r} (its children: {sorted(children) or 'none'}).",
            f"assign self.{child} = nn.Linear(...) in __init__, with this very name: the check, and the notebooks "
            "that load saved weights, find the layer by it.",
        )
    layer = children[child]
    if isinstance(layer, nn.Linear):
        sizes = (layer.in_features, layer.out_features)
        used = [got for got, want in zip(sizes, (fan_in, fan_out)) if got != want and got in COURSE_SIZES]
        if used:
            globals_used = ", ".join(dict.fromkeys(f"{COURSE_SIZES[s]} = {s}" for s in used))
            checks.fail(
                f"{call}.{child} maps {sizes[0]} -> {sizes[1]} features but should map {fan_in} -> {fan_out}: it "
                f"uses the notebook's {globals_used}, not the sizes {call} was given.",
                "inside __init__, build the layers from its own arguments (the parameters of def __init__).",
            )
    check_linear(f"{call}.{child}", layer, fan_in, fan_out)
    return layer


def _output(out, name, shape, shape_hints=None):
    """Fails unless `out`, what name(x) returned, is one tensor of `shape`; names a missing return, a tuple, and the
    wrong shapes in `shape_hints` ({shape: what it means})."""
    if out is None:
        checks.fail(f"{name}(x) returned None.", "end forward with `return ...`: without it, Python returns None.")
    if isinstance(out, (tuple, list)):
        checks.fail(
            f"{name}(x) returned a {type(out).__name__} of {len(out)} values; it should return one tensor.",
            "return only the output, the last tensor computed.",
        )
    if not isinstance(out, torch.Tensor):
        checks.fail(f"{name}(x) returned a {type(out).__name__}, not a tensor.", "forward returns a tensor.")
    if tuple(out.shape) != tuple(shape):
        hint = (shape_hints or {}).get(tuple(out.shape), "")
        checks.fail(f"{name}(x) has shape {tuple(out.shape)} but should have shape {tuple(shape)}.", hint)
    return out


def _close(a, b, tol):
    return tuple(a.shape) == tuple(b.shape) and checks.rel_error(a, b) <= tol


def _diagnose(name, got, expected, mistakes, against, tol=1e-5, hint=""):
    """Fails naming the mistake whose result `got` matches, else unless `got` matches `expected` within `tol`."""
    if _close(got, expected, tol):
        return
    for mistake, value in mistakes.items():
        if _close(got, value, tol):
            checks.fail(f"{name} is not {against}: {mistake}")
    checks.compare(name, got, expected, tol=tol, against=against, hint=hint)


def _check_same_twice(module, name, x, first):
    with torch.no_grad(), checks.running(f"{name}(x), called a second time,", expected="the same output"):
        second = module(x)
    if isinstance(second, torch.Tensor) and not torch.equal(second, first.detach()):
        checks.fail(
            f"{name}(x) gives another result at each call on the same x: something in forward is random (new "
            "random numbers, torch.randn, or dropout), so it does not compute one function of x.",
            "forward should only apply the layers stored in __init__ to x, with fixed operations.",
        )


def _check_gradients(module, name, output):
    with checks.running(f"backward() through the output of {name}", cause="forward must keep the autograd graph"):
        output.pow(2).sum().backward()
    missing = [n for n, p in module.named_parameters() if p.grad is None]
    if missing:
        checks.fail(
            f"{missing[0]} got no gradient from backward(): the output does not depend on it through autograd."
            if len(missing) == 1
            else f"{', '.join(missing)} got no gradient from backward(): the output does not depend on them through "
            "autograd.",
            "in forward, use the layers' outputs directly: no .detach(), .data, .item(), numpy or torch.no_grad().",
        )


def _sample(*shape, seed=0):
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed))


# ---- Exercise 1: TwoLayerNet --------------------------------------------------------------------------------


def check_two_layer_net(net_class):
    """Returns None; prints "check passed" when net_class(D_in, H, D_out) is the lecture's TwoLayerNet.

    On sizes of its own (7, 5, 3): it builds (super().__init__() called), registers exactly the children linear1
    (D_in -> H) and linear2 (H -> D_out), forward(x) returns linear2(relu(linear1(x))), the same at every call,
    and gradients reach both layers.
    """
    D_in, H, D_out, N = 7, 5, 3, 4
    call = f"{getattr(net_class, '__name__', 'TwoLayerNet')}({D_in}, {H}, {D_out})"
    net = build_module(
        net_class,
        D_in,
        H,
        D_out,
        call=call,
        cause="the class is built with three sizes: def __init__(self, D_in, H, D_out)",
    )
    name = net_class.__name__
    _check_nothing_hidden(net, name)
    linear1 = _check_layer(net, name, "linear1", D_in, H, call)
    linear2 = _check_layer(net, name, "linear2", H, D_out, call)
    _check_count(net, call, D_in * H + H + H * D_out + D_out, hint="keep only linear1 and linear2 in __init__.")
    x = _sample(N, D_in, seed=1)
    out = run_forward(net, name, x, cause="forward(x) applies linear1, a ReLU, then linear2 to x of shape (N, D_in)")
    out = _output(out, name, (N, D_out), {(N, H): "that is the hidden layer's shape: apply linear2 last."})
    _check_same_twice(net, name, x, out)
    with torch.no_grad():
        h = linear1(x)
        expected = linear2(h.clamp(min=0))
        mistakes = {
            "the ReLU between the layers is missing: without it, two Linear layers compute one linear map. Apply "
            "h.clamp(min=0) (or torch.relu) to linear1's output.": linear2(h),
            "a ReLU is applied to the output too: the lecture's net returns linear2's output as it is (scores can "
            "be negative).": expected.clamp(min=0),
            "the ReLU is applied after linear2 instead of between the layers.": linear2(h).clamp(min=0),
            "the ReLU is applied to the input x: apply it to linear1's output, between the layers.": linear2(
                linear1(x.clamp(min=0))
            ),
            "clamp(max=0) keeps the negative part: a ReLU keeps the positive part, h.clamp(min=0).": linear2(
                h.clamp(max=0)
            ),
            "it uses a sigmoid where the lecture's net has a ReLU: h.clamp(min=0).": linear2(torch.sigmoid(h)),
            "it uses tanh where the lecture's net has a ReLU: h.clamp(min=0).": linear2(torch.tanh(h)),
            "a softmax is applied to the output: the lecture's net returns raw scores for the MSE loss.": torch.softmax(
                expected, dim=1
            ),
        }
    _diagnose(
        "forward(x)",
        out,
        expected,
        mistakes,
        "linear2(relu(linear1(x)))",
        hint="forward applies linear1, a ReLU, then linear2.",
    )
    _check_gradients(net, name, out)
    print(
        f"check passed: {name} registers linear1 ({D_in} -> {H}) and linear2 ({H} -> {D_out}), "
        f"{count_parameters(net)} parameters; forward(x) is linear2(relu(linear1(x))) and gradients reach both layers"
    )


# ---- Exercise 2: Standardize, a module with buffers -----------------------------------------------------------


def check_standardize(standardize_class):
    """Returns None; prints "check passed" when standardize_class(mean, std) keeps mean and std as buffers and its
    forward(x) returns (x - mean) / std, with the stored statistics (not the batch's), leaving x unchanged."""
    D, N = 5, 4
    g = torch.Generator().manual_seed(2)
    mean, std = torch.randn(D, generator=g), torch.rand(D, generator=g) + 0.5  # (D,), std between 0.5 and 1.5
    x = 3 * torch.randn(N, D, generator=g) + 2  # a batch whose own statistics differ from mean and std
    name = getattr(standardize_class, "__name__", "Standardize")
    scaler = build_module(
        standardize_class,
        mean.clone(),
        std.clone(),
        call=f"{name}(mean, std)",
        cause="the class is built with two tensors of shape (D,): def __init__(self, mean, std); each is "
        'registered with self.register_buffer("mean", mean), the name first',
    )
    _check_buffers(scaler, name, {"mean": mean, "std": std})
    kept = x.clone()
    out = run_forward(scaler, name, x, cause="forward(x) returns (x - self.mean) / self.std, for x of shape (N, D)")
    if not torch.equal(x, kept):
        checks.fail(
            f"{name}(x) changed x in place (x -= ..., x /= ...): the caller's batch is no longer the same.",
            "compute a new tensor: return (x - self.mean) / self.std.",
        )
    out = _output(out, name, (N, D))
    mistakes = {
        "it standardises with the batch's own mean and standard deviation, computed from x. The module must use "
        "the stored mean and std (those of the training data), the same for every batch.": (x - x.mean(0)) / x.std(0),
        "it standardises with the batch's own statistics (x.mean(0), x.std(0)), not the stored buffers.": (
            x - x.mean(0)
        )
        / x.std(0, unbiased=False),
        "it multiplies by std: divide by it.": (x - mean) * std,
        "it divides by std squared, the variance: divide by std itself.": (x - mean) / std**2,
        "it computes x / std - mean: subtract the mean first, then divide, (x - mean) / std.": x / std - mean,
        "it computes x - mean / std: division comes before subtraction, so only the mean was divided. Put the "
        "parentheses: (x - mean) / std.": x - mean / std,
        "mean and std are swapped: (x - mean) / std.": (x - std) / mean,
        "it adds the mean: subtract it, (x - mean) / std.": (x + mean) / std,
        "it divides by the square root of std: std is already the standard deviation, divide by it.": (x - mean)
        / std.sqrt(),
        "it only subtracts the mean: divide by std too.": x - mean,
        "it only divides by std: subtract the mean first.": x / std,
    }
    _diagnose(f"{name}(x)", out, (x - mean) / std, mistakes, "(x - mean) / std", tol=1e-4)
    fresh = build_module(standardize_class, torch.zeros(D), torch.ones(D), call=f"{name}(zeros, ones)")
    with checks.running(f"{name}(zeros, ones).load_state_dict(scaler.state_dict())", expected="the same buffers"):
        fresh.load_state_dict(scaler.state_dict())
        restored = fresh(x)
    checks.compare(f"{name} rebuilt from its state_dict", restored, out, tol=1e-6, against="the original's output")
    print(
        f"check passed: {name} keeps mean and std as buffers (saved in state_dict, not among the parameters) and "
        "returns (x - mean) / std with them"
    )


def _check_buffers(module, name, expected):
    """Fails unless each tensor of `expected` ({name: value}) is a persistent buffer of `module` holding that value."""
    buffers, parameters, state = dict(module.named_buffers()), dict(module.named_parameters()), module.state_dict()
    hint = 'in __init__: self.register_buffer("mean", mean), and the same for std.'
    for key in expected:
        if key in parameters:
            checks.fail(
                f"{name}.{key} is an nn.Parameter: parameters() returns it, so an optimizer would change it at every "
                "step, and it is not learned.",
                hint + " A buffer is saved and moved with the model, but no optimizer sees it.",
            )
        if key not in buffers:
            value = vars(module).get(key)
            if isinstance(value, torch.Tensor):
                checks.fail(
                    f"{name}.{key} is a plain tensor attribute, not a buffer: state_dict() does not save it, and "
                    ".to(device) does not move it, so the model would break on a GPU or when loaded from a file.",
                    hint,
                )
            checks.fail(f"{name} has no buffer named {key!r} (its buffers: {sorted(buffers) or 'none'}).", hint)
        if key not in state:
            checks.fail(
                f"the buffer {key} is not in {name}'s state_dict(): it was registered with persistent=False, so a "
                "saved model would lose it.",
                "keep register_buffer's default, persistent=True.",
            )
    got = {key: buffers[key] for key in expected}
    keys = list(expected)
    if len(keys) == 2 and all(_close(got[a], expected[b], 1e-6) for a, b in zip(keys, reversed(keys))):
        checks.fail(f"the buffers {keys[0]} and {keys[1]} are swapped.", 'register mean under "mean", std under "std".')
    for key, value in expected.items():
        if not _close(got[key].detach().float(), value, 1e-6):
            checks.fail(f"the buffer {key} does not hold the {key} given to {name}.", hint)


# ---- Exercise 3: a residual network, built piece by piece ------------------------------------------------------


def _residual(block, h):
    """Returns what a ResidualBlock computes from h with the block's own layers: h + linear2(relu(linear1(h)))."""
    return h + block.linear2(block.linear1(h).clamp(min=0))


def check_residual_net(block_class, net_class):
    """Returns None; prints a "check passed" line for each piece: block_class(dim), then net_class(D_in, H, D_out,
    num_blocks) built from such blocks (see check_residual_block and the notebook's Exercise 3)."""
    check_residual_block(block_class)
    _check_residual_net(net_class, block_class)


def check_residual_block(block_class):
    """Returns None; prints "check passed" when block_class(dim) holds linear1 and linear2 (dim -> dim) and its
    forward(x) returns x + linear2(relu(linear1(x))) without changing x, with gradients to both layers."""
    dim, N = 5, 4
    name = getattr(block_class, "__name__", "ResidualBlock")
    call = f"{name}({dim})"
    block = build_module(block_class, dim, call=call, cause="a block is built with one size: def __init__(self, dim)")
    _check_nothing_hidden(block, name)
    linear1 = _check_layer(block, name, "linear1", dim, dim, call)
    linear2 = _check_layer(block, name, "linear2", dim, dim, call)
    x = _sample(N, dim, seed=3)
    kept = x.clone()
    out = run_forward(block, name, x, cause="forward(x) returns x + linear2(relu(linear1(x))), of the shape of x")
    if not torch.equal(x, kept):
        checks.fail(
            f"{name}(x) changed x in place (x += ...): the caller's tensor, the previous block's output, changed.",
            "compute a new tensor: return x + self.linear2(...).",
        )
    out = _output(out, name, (N, dim))
    _check_same_twice(block, name, x, out)
    with torch.no_grad():
        branch = linear2(linear1(x).clamp(min=0))
        mistakes = {
            "the skip connection is missing: it returns linear2(relu(linear1(x))). Add the input x to it.": branch,
            "a ReLU is applied after the sum: this block returns x + linear2(relu(linear1(x))) as it is, so "
            "that the input passes through unchanged (and can stay negative).": (x + branch).clamp(min=0),
            "the ReLU between linear1 and linear2 is missing.": x + linear2(linear1(x)),
            "the ReLU is applied to linear2's output: it belongs between linear1 and linear2.": x
            + linear2(linear1(x)).clamp(min=0),
            "the ReLU is applied to x before linear1: it belongs between linear1 and linear2.": x
            + linear2(linear1(x.clamp(min=0)).clamp(min=0)),
            "it multiplies x by the branch: a residual block adds them, x + ....": x * branch,
            "it adds relu(x), not x itself, to the branch.": x.clamp(min=0) + branch,
            "it adds linear1(x), not x itself, to the branch.": linear1(x) + branch,
            "linear2 comes before linear1: x + linear2(relu(linear1(x))).": x + linear1(linear2(x).clamp(min=0)),
            "it adds x twice.": 2 * x + branch,
        }
    _diagnose(f"{name}(x)", out, x + branch, mistakes, "x + linear2(relu(linear1(x)))")
    _check_gradients(block, name, out)
    print(
        f"check passed: {call} holds linear1 and linear2 ({dim} -> {dim}) and returns x + linear2(relu(linear1(x))), "
        "with gradients to both layers"
    )


def _check_residual_net(net_class, block_class):
    D_in, H, D_out, N, blocks = 7, 5, 3, 4, 3
    name = getattr(net_class, "__name__", "ResidualNet")
    cause = (
        "the net is built with four numbers, def __init__(self, D_in, H, D_out, num_blocks), and nn.ModuleList "
        "takes a list (or a generator) of modules"
    )
    call = f"{name}({D_in}, {H}, {D_out}, num_blocks={blocks})"
    net = build_module(net_class, D_in, H, D_out, blocks, call=call, cause=cause)
    _check_nothing_hidden(net, name)
    input_linear = _check_layer(net, name, "input_linear", D_in, H, call)
    output_linear = _check_layer(net, name, "output_linear", H, D_out, call)
    chain = _check_blocks(net, name, call, block_class, blocks, H)
    per_block = 2 * (H * H + H)
    _check_count(
        net,
        call,
        (D_in * H + H) + blocks * per_block + (H * D_out + D_out),
        hint=f"input_linear, {blocks} blocks of {per_block} parameters each, output_linear: nothing else.",
    )
    x = _sample(N, D_in, seed=4)
    out = run_forward(net, name, x, cause="forward: relu(input_linear(x)), each block in turn, then output_linear")
    out = _output(out, name, (N, D_out), {(N, H): "that is the hidden size: end with output_linear(h)."})
    _check_same_twice(net, name, x, out)
    with torch.no_grad():
        h0 = input_linear(x).clamp(min=0)
        h = h0
        for block in chain:
            h = _residual(block, h)
        expected = output_linear(h)
        but_last = h0
        for block in chain[:-1]:
            but_last = _residual(block, but_last)
        after_each = h0
        for block in chain:
            after_each = _residual(block, after_each).clamp(min=0)
        unactivated = input_linear(x)
        for block in chain:
            unactivated = _residual(block, unactivated)
        mistakes = {
            "the ReLU after input_linear is missing: h = input_linear(x).clamp(min=0).": output_linear(unactivated),
            "the blocks are not applied: after input_linear, loop over self.blocks, h = block(h).": output_linear(h0),
            "only the first block is applied: loop over all of self.blocks.": output_linear(_residual(chain[0], h0)),
            "the last block is left out: loop over all of self.blocks.": output_linear(but_last),
            "only the last block's output reaches output_linear: each block got the same h. Inside the loop, "
            "write h = block(h), so that each block transforms the previous one's output.": output_linear(
                _residual(chain[-1], h0)
            ),
            "a ReLU is applied to the output: return output_linear(h) as it is.": expected.clamp(min=0),
            "a ReLU is applied after each block: the blocks' sums go on as they are, h = block(h).": output_linear(
                after_each
            ),
        }
    _diagnose(f"{name}(x)", out, expected, mistakes, "output_linear(blocks(relu(input_linear(x))))")
    _check_gradients(net, name, out)
    _check_no_blocks(net_class, name, D_in, H, D_out, cause)
    print(
        f"check passed: {call} registers input_linear, {blocks} distinct blocks and output_linear "
        f"({count_parameters(net)} parameters), applies them in turn, and gradients reach every block"
    )


def _check_blocks(net, name, call, block_class, count, dim):
    """Returns the list of the net's blocks; fails unless net.blocks holds `count` distinct block_class(dim)."""
    chain = getattr(net, "blocks", None)
    if not isinstance(chain, nn.Module):
        children = sorted(dict(net.named_children()))
        checks.fail(
            f"{name} has no child module 'blocks' (its children: {children or 'none'}).",
            "in __init__: self.blocks = nn.ModuleList(...), holding num_blocks new ResidualBlock(H).",
        )
    if not isinstance(chain, (nn.ModuleList, nn.Sequential)):
        checks.fail(
            f"{name}.blocks is a {type(chain).__name__}: it should be an nn.ModuleList of the blocks.",
            "self.blocks = nn.ModuleList(ResidualBlock(H) for _ in range(num_blocks)).",
        )
    chain = list(chain)
    if len(chain) != count:
        checks.fail(
            f"{call}.blocks holds {len(chain)} blocks, not {count}.",
            "make exactly num_blocks of them, from the argument: range(num_blocks).",
        )
    for i, block in enumerate(chain):
        if not isinstance(block, block_class):
            checks.fail(
                f"{name}.blocks[{i}] is a {type(block).__name__}, not a {block_class.__name__}.",
                f"fill the list with {block_class.__name__}(H) blocks.",
            )
    if len({id(block) for block in chain}) < len(chain):
        checks.fail(
            f"{name}.blocks holds the same block object {len(chain)} times, so the blocks share one set of weights "
            f"(and parameters() counts them once): [{block_class.__name__}(H)] * num_blocks repeats one object.",
            f"create a new block for each place: nn.ModuleList({block_class.__name__}(H) for _ in range(num_blocks)).",
        )
    for i, block in enumerate(chain):
        first = getattr(block, "linear1", None)
        if isinstance(first, nn.Linear) and first.in_features != dim:
            checks.fail(
                f"{name}.blocks[{i}] works on {first.in_features} features, but the blocks sit between input_linear "
                f"and output_linear, on the hidden size H = {dim}.",
                f"build each block as {block_class.__name__}(H).",
            )
        for child in ("linear1", "linear2"):
            _check_layer(block, f"{name}.blocks[{i}]", child, dim, dim, f"{name}.blocks[{i}]")
    return chain


def _check_no_blocks(net_class, name, D_in, H, D_out, cause):
    """Fails unless net_class(D_in, H, D_out, 0) builds and computes output_linear(relu(input_linear(x)))."""
    call = f"{name}({D_in}, {H}, {D_out}, num_blocks=0)"
    net = build_module(net_class, D_in, H, D_out, 0, call=call, cause=cause)
    x = _sample(2, D_in, seed=5)
    cause = "with no blocks, the loop does nothing: forward is output_linear(relu(input_linear(x)))"
    with checks.running(f"forward(x) of the module {call}", expected="a tensor", cause=cause):
        out = net(x)
    out = _output(out, f"{call}", (2, D_out))
    with torch.no_grad():
        expected = net.output_linear(net.input_linear(x).clamp(min=0))
    checks.compare(f"{call}(x)", out, expected, tol=1e-5, against="output_linear(relu(input_linear(x)))")
