"""Checks for notebook 07's exercises: a file's sha256, a verified loader, a frozen copy with a new head, and
fine-tuning under a step budget (build it yourself); and the step count of the challenge.

Each check runs the student's function inside checks.running on files or models of its own, and names the classic
mistake when the result matches one:
- the hash: .digest() instead of .hexdigest(), another algorithm, the path's text hashed instead of the file, the
  first or the last chunk only, the last short chunk dropped, a file read as text or all at once, an endless loop;
- the loader: a changed file loaded, only the first digits compared, the file loaded before its hash was checked, an
  assert instead of an error, weights_only or map_location left out;
- the head: a model frozen by an attribute or by eval(), the pretrained model frozen instead of its copy, a head of
  the wrong size, never used, frozen too, or not new;
- the loop: gradients never zeroed or zeroed between backward and step, an optimizer made at every step, another
  optimizer, loss or learning rate, training in eval mode, validation in training mode or with a graph, a copy
  trained, the step budget overrun, the accuracy measured on the training images, before training, as a count or a
  percentage.
Failures go through checks.fail; a loop that never ends is stopped (a line budget, or a count of forward passes and
optimizer steps).
"""

import ast
import contextlib
import copy
import hashlib
import inspect
import sys
import tempfile
import textwrap
import tracemalloc
from pathlib import Path

import torch
from torch import nn
from torch.optim.optimizer import register_optimizer_step_post_hook  # counts every optimizer's steps

from utils import checks, zoo

# ---- Exercise 1: file_sha256 ------------------------------------------------------------------------------------

BIG_BYTES = 4 * 2**20 + 123  # larger than any usual chunk, and not a multiple of one: a dropped last chunk shows
CHUNK_SIZES = sorted({2**k for k in range(6, 23)} | {1000, 10_000, 100_000, 1_000_000})
OTHER_HASHES = ("md5", "sha1", "sha224", "sha384", "sha512", "sha3_256", "blake2b", "blake2s")
HASH_HINT = (
    "hash every byte of the file, opened in binary mode ('rb'): one hashlib.sha256() object, .update() with "
    "each chunk until read() returns b'' (empty), then .hexdigest()."
)


def _random_bytes(size, seed):
    g = torch.Generator().manual_seed(seed)
    return torch.randint(0, 256, (size,), generator=g, dtype=torch.uint8).numpy().tobytes()


def _traced(function, *args):
    """Returns (function(*args), the peak bytes Python allocated during the call)."""
    started = not tracemalloc.is_tracing()
    if started:
        tracemalloc.start()
    tracemalloc.reset_peak()
    try:
        result = function(*args)
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        if started:
            tracemalloc.stop()


LINE_BUDGET = 300_000  # lines of Python a call may run: 10 times what hashing 4 MB by its binary lines takes


@contextlib.contextmanager
def _bounded(what, limit=LINE_BUDGET):
    """Returns a context that stops the code it runs with CheckFailed after `limit` lines of Python: a loop that
    never ends (`while chunk:` without a new read) fails in about a second instead of hanging the notebook."""
    lines = 0

    def trace(frame, event, arg):
        nonlocal lines
        if event == "line":
            lines += 1
            if lines > limit:
                checks.fail(
                    f"{what} had not finished after {limit:,} lines of Python: does its loop end?",
                    "read a new chunk in every round of the loop (f.read(65536)), and stop when it returns b''.",
                )
        return trace

    saved = sys.gettrace()
    sys.settrace(trace)
    try:
        yield
    finally:
        sys.settrace(saved)


def _text_versions(data):
    """Returns {how the bytes were read as text: the bytes encoded back}, for the file-opened-as-text mistakes."""
    texts = {"as latin-1 text": data.decode("latin-1")}
    for errors in ("ignore", "replace"):
        texts[f"as text with errors={errors!r}"] = data.decode("utf-8", errors=errors)
    # text mode also turns every \r\n and \r into \n
    return {how: text.replace("\r\n", "\n").replace("\r", "\n").encode() for how, text in texts.items()}


def _hash_mistake(got, data, path):
    """Returns the name of the classic mistake whose result is `got` for the file `path` holding `data`, or ""."""
    size = len(data)
    if got == hashlib.sha256(str(path).encode()).hexdigest():
        return "it is the sha256 of the path's text, not of the file: open the file and hash the bytes you read."
    for name in OTHER_HASHES:
        if got == hashlib.new(name, data).hexdigest():
            return f"it is the {name} of the file, not its sha256: use hashlib.sha256()."
    for how, text in _text_versions(data).items():
        if got == hashlib.sha256(text).hexdigest():
            return f"the file was read {how} and encoded back, which changes its bytes: open it with 'rb'."
    for chunk in (c for c in CHUNK_SIZES if c < size):
        if got == hashlib.sha256(data[:chunk]).hexdigest():
            return (
                f"it is the hash of the first {chunk} bytes only: read() returns one chunk, so read again in a "
                "loop until it returns b'' (empty)."
            )
        if got == hashlib.sha256(data[(size - 1) // chunk * chunk :]).hexdigest():
            return (
                "it is the hash of the last chunk only: a new sha256 object was made for each chunk. Make it "
                "once, before the loop, and .update() it with every chunk."
            )
        if size % chunk and got == hashlib.sha256(data[: size // chunk * chunk]).hexdigest():
            return (
                "the last chunk, shorter than the others, is missing: loop until read() returns b'', "
                "not while the chunk is full."
            )
    return ""


def _check_digest(name, got, data, path):
    expected = hashlib.sha256(data).hexdigest()
    if got is None:
        checks.fail(f"{name} returned None.", "end file_sha256 with `return digest.hexdigest()`.")
    if isinstance(got, bytes) and len(got) == 32:
        checks.fail(f"{name} is bytes (32 of them), not hex text.", "use .hexdigest() instead of .digest().")
    if not isinstance(got, str):
        checks.fail(
            f"{name} should be a str of 64 hex digits, but it is a {type(got).__name__}.",
            "return the hash object's .hexdigest().",
        )
    if got == expected:
        return
    if got.lower() == expected:
        checks.fail(
            f"{name} is in capital letters: the published hashes, and .hexdigest(), are lowercase, so comparing "
            "them with == would fail.",
            "return what .hexdigest() returns, unchanged.",
        )
    mistake = _hash_mistake(got, data, path)
    if mistake:
        checks.fail(f"{name} is not the file's sha256: {mistake}")
    checks.fail(
        f"{name} does not match the sha256 of the file's bytes: expected {expected[:16]}..., got {got[:16]}...",
        HASH_HINT,
    )


def check_file_sha256(file_sha256):
    """Returns None; prints "check passed" when file_sha256(path) returns the hex sha256 of any file, read in chunks.

    Files of the check's own (4 MB of random bytes, which are not text; an empty file; a small text file), then
    every file of the course's zoo against its manifest.
    """
    big = _random_bytes(BIG_BYTES, seed=7)
    files = {  # the call as the messages name it, each a whole text for the translations
        "file_sha256(path) for a 4 MB binary file": big,
        "file_sha256(path) for an empty file": b"",
        "file_sha256(path) for a small text file": b"weights, not code\n",
    }
    peak = 0
    with tempfile.TemporaryDirectory(prefix="course07-check-") as folder:
        for number, (call, data) in enumerate(files.items()):
            path = Path(folder) / f"file{number}.bin"
            path.write_bytes(data)
            with checks.running(
                call, expected="a str of 64 hex digits", cause="it gets the file's path and hashes its bytes"
            ):
                with _bounded("file_sha256"):
                    got, used = _traced(file_sha256, path)
            _check_digest(call, got, data, path)
            if data is big:
                peak = used
    if peak > BIG_BYTES // 2:
        checks.fail(
            f"file_sha256 held the whole 4 MB file in memory at once (peak {peak / 2**20:.1f} MB): an ImageNet "
            "model's file can be gigabytes.",
            "read it in chunks: f.read(65536) in a loop, each chunk passed to .update().",
        )
    entries = [zoo.entry(name) for name in sorted(zoo.read_manifest())]
    for entry in entries:
        with checks.running(f"file_sha256 of the zoo file {entry['file']}", expected="its sha256"):
            with _bounded("file_sha256"):
                got = file_sha256(entry["path"])
        if got != entry["sha256"]:
            checks.fail(f"file_sha256 of {entry['file']} is {got!r}, but the manifest publishes {entry['sha256']}.")
    print(
        "check passed: file_sha256 gives the sha256 of a binary, an empty and a text file, reading in chunks, and "
        f"the manifest's sha256 of the zoo's {len(entries)} files"
    )


# ---- Exercise 2: load_verified ----------------------------------------------------------------------------------

_payload_runs = []  # what the stand-in for hidden code recorded: it must stay empty


def _payload(message):
    """What unpickling a _Payload calls: a harmless stand-in for code hidden in a checkpoint, which records its run."""
    _payload_runs.append(message)
    return message


class _Payload:
    def __reduce__(self):
        return (_payload, ("the code hidden in the checkpoint ran",))


def _state(seed):
    g = torch.Generator().manual_seed(seed)
    shapes = {"linear1.weight": (4, 3), "linear1.bias": (4,), "linear2.weight": (2, 4), "linear2.bias": (2,)}
    return {key: torch.randn(*shape, generator=g) for key, shape in shapes.items()}


def _save(state, path):
    torch.save(state, path)
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _refused(load_verified, path, sha256, what, hint):
    """Returns the exception load_verified(path, sha256) raised, or None; a CheckFailed or a stub goes through.
    Fails, naming `what` and giving `hint`, when the code hidden in the file ran."""
    try:
        with _bounded("load_verified"):
            load_verified(path, sha256)
    except (checks.CheckFailed, NotImplementedError):
        raise
    except Exception as error:  # any refusal is what is under test
        return error
    finally:
        if _payload_runs:
            _payload_runs.clear()
            checks.fail(
                f"load_verified ran the code hidden in {what}: the check's harmless stand-in recorded it.", hint
            )
    return None


def _load_keywords(function):
    """Returns {keyword: value or ...} of the torch.load call in `function`'s source, or None when none is found."""
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
    except (OSError, TypeError, SyntaxError):
        return None  # no source to read (built-in or compiled): nothing to tell
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) == "load":
            return {k.arg: k.value.value if isinstance(k.value, ast.Constant) else ... for k in node.keywords}
    return None


FIRST = "check the hash first, and load only a file that passed, with torch.load(..., weights_only=True)."
SAFE = (
    "a matching hash says the file is the one published, not that its publisher is honest: torch.load(..., "
    "weights_only=True) refuses anything but tensors and plain containers."
)


def check_load_verified(load_verified):
    """Returns None; prints "check passed" when load_verified(path, sha256) loads a genuine checkpoint safely and
    refuses a changed one with ValueError before loading it."""
    state = _state(seed=3)
    call = "load_verified(path, sha256) on a genuine checkpoint"
    with tempfile.TemporaryDirectory(prefix="course07-check-") as folder:
        folder = Path(folder)
        good = folder / "genuine.pt"
        sha = _save(state, good)
        with checks.running(call, expected="its state_dict", cause="it gets the file's path and its published sha256"):
            try:
                with _bounded("load_verified"):
                    loaded = load_verified(good, sha)
            except UnicodeError:
                raise  # a file opened as text: the course's lesson says so
            except ValueError as error:
                checks.fail(
                    f"load_verified refused a genuine checkpoint with its own sha256 ({checks.error_line(error)}).",
                    "hash the file at `path` with your file_sha256 and compare the two strings with == (or !=).",
                )
        _check_loaded(loaded, state)
        changed = {key: value.clone() for key, value in state.items()}
        changed["linear2.bias"][0] += 1.0  # still a valid checkpoint: only its hash tells
        _save(changed, folder / "changed.pt")
        _check_refusal(_refused(load_verified, folder / "changed.pt", sha, "a changed file", FIRST))
        near_miss = sha[:16] + "".join("0" if c != "0" else "1" for c in sha[16:])  # the same first 16 digits
        refused = _refused(load_verified, good, near_miss, "a file that missed its hash", FIRST)
        if refused is None:  # (the call out of the comparison: its texts are messages, for the translations)
            checks.fail(
                "load_verified loaded a file whose sha256 matches the published one in its first digits only.",
                "compare all 64 hex digits: file_sha256(path) != sha256.",
            )
        trap = {**state, "extra": _Payload()}
        trap_sha = _save(trap, folder / "trap.pt")
        _check_refusal(_refused(load_verified, folder / "trap.pt", sha, "a file whose hash did not match", FIRST))
        refused = _refused(load_verified, folder / "trap.pt", trap_sha, "a file whose hash matched", SAFE)
        if refused is None:
            checks.fail("load_verified loaded a file that holds an object other than tensors without an error.")
    keywords = _load_keywords(load_verified)
    if keywords is not None and keywords.get("weights_only") is not True:
        checks.fail(
            "load_verified does not write weights_only=True: it is torch.load's default only since PyTorch 2.6, "
            "and older versions run any code the file holds.",
            "torch.load(path, map_location='cpu', weights_only=True).",
        )
    if keywords is not None and "map_location" not in keywords:
        checks.fail(
            "load_verified loads without map_location: a checkpoint saved on a GPU then fails on a machine "
            "without one.",
            "torch.load(path, map_location='cpu', weights_only=True).",
        )
    print(
        "check passed: load_verified loads a genuine checkpoint on the CPU, refuses a changed file with ValueError "
        "before loading it, and never runs code hidden in a file"
    )


def _check_loaded(loaded, state):
    if loaded is None:
        checks.fail("load_verified returned None.", "return what torch.load(...) returns: the state_dict.")
    if isinstance(loaded, (str, bool)):
        checks.fail(
            f"load_verified returned {loaded!r}, not the checkpoint's contents.",
            "after the hash check, return torch.load(path, map_location='cpu', weights_only=True).",
        )
    if not isinstance(loaded, dict) or set(loaded) != set(state):
        checks.fail(f"load_verified returned a {type(loaded).__name__}, not the checkpoint's state_dict.")
    if not all(torch.is_tensor(loaded[k]) and torch.equal(loaded[k].cpu(), state[k]) for k in state):
        checks.fail("the tensors load_verified returned differ from the checkpoint's.")
    if any(loaded[k].device.type != "cpu" for k in state):
        checks.fail("load_verified returned tensors that are not on the CPU.", "pass map_location='cpu'.")


def _check_refusal(error):
    if error is None:
        checks.fail(
            "load_verified loaded a file whose sha256 differs from the published one: a changed file must be refused.",
            "compare file_sha256(path) with sha256 and raise ValueError(...) when they differ, before torch.load.",
        )
    if isinstance(error, AssertionError):
        checks.fail(
            "load_verified refused the changed file with an assert: Python skips asserts when run with -O, and an "
            "AssertionError reads as a bug in the code, not as a bad file.",
            "raise ValueError(...) with a message that names the file.",
        )
    if not isinstance(error, ValueError):
        checks.fail(
            f"for a file whose sha256 differs, load_verified raised {checks.error_line(error)}, not ValueError.",
            "compare the hashes first, and raise ValueError(...) when they differ.",
        )


# ---- Exercise 3: fine_tune_model --------------------------------------------------------------------------------

SIZES = {"D_in": 5, "H": 6, "D_out": 4}  # the check's pretrained net: all different from the notebook's 64, 100, 7
NEW_CLASSES = 3
HEAD_CAUSE = "the new head maps the H hidden features to num_classes outputs: nn.Linear(H, num_classes)"


class _Net(nn.Module):
    """The check's pretrained model: the same layout as the zoo's TwoLayerNet (linear1, ReLU, linear2)."""

    def __init__(self, d_in, hidden, d_out, dropout=0.0):
        super().__init__()
        self.linear1 = nn.Linear(d_in, hidden)
        self.dropout = nn.Dropout(dropout)
        self.linear2 = nn.Linear(hidden, d_out)

    def forward(self, x):
        return self.linear2(self.dropout(self.linear1(x).clamp(min=0)))


def _pretrained_net(seed=0):
    torch.manual_seed(seed)
    return _Net(*SIZES.values())


def _same_tensor(a, b):
    return a.shape == b.shape and torch.equal(a.detach().cpu(), b.detach().cpu())


def check_fine_tune_model(fine_tune_model, head="linear2"):
    """Returns None; prints "check passed" when fine_tune_model(pretrained_model, num_classes) returns a frozen copy
    of a pretrained net of the check's own, with a new trainable head of num_classes outputs."""
    pretrained = _pretrained_net()
    original = copy.deepcopy(pretrained)
    x = torch.rand(7, SIZES["D_in"], generator=torch.Generator().manual_seed(1))
    call = f"fine_tune_model(pretrained_model, num_classes={NEW_CLASSES})"
    with checks.running(call, expected="the model to fine-tune", cause=HEAD_CAUSE):
        model = fine_tune_model(pretrained, NEW_CLASSES)
    if model is None:
        checks.fail("fine_tune_model returned None.", "end the function with `return model`.")
    if model is pretrained:
        checks.fail("the fine-tuning model is the pretrained model itself.", "work on copy.deepcopy(pretrained_model).")
    if not isinstance(model, nn.Module):
        checks.fail(f"fine_tune_model should return an nn.Module, but it returned a {type(model).__name__}.")
    if model.__dict__.get("requires_grad") is False:
        checks.fail(
            "`model.requires_grad = False` only gave the module a new attribute: its parameters still require grad.",
            "call the method model.requires_grad_(False) (with the underscore), which sets "
            "requires_grad on every parameter.",
        )
    frozen_original = [k for k, p in pretrained.named_parameters() if not p.requires_grad]
    changed_original = [k for k, p in pretrained.named_parameters() if not _same_tensor(p, original.state_dict()[k])]
    if frozen_original or changed_original:
        checks.fail(
            f"the pretrained model itself changed ({', '.join(frozen_original or changed_original)}): you froze or "
            "changed the pretrained model, not its copy.",
            "freeze `model`, the copy made by copy.deepcopy, so the pretrained model stays as it was.",
        )
    cause = (
        f"the new head maps the H hidden features to num_classes outputs: nn.Linear(H, num_classes), here H = "
        f"{SIZES['H']}"
    )
    with checks.running("model(x), the fine-tuned model's forward pass", cause=cause):
        with torch.inference_mode():
            out = model(x)
    _check_head(model, pretrained, out, len(x), head)
    frozen = sum(p.numel() for k, p in model.named_parameters() if not k.startswith(head + "."))
    trained = sum(p.numel() for k, p in model.named_parameters() if k.startswith(head + "."))
    print(
        f"check passed: fine_tune_model returns a copy whose pretrained layers are frozen ({frozen} numbers) and "
        f"whose new {head} trains ({trained} numbers), with one output per class"
    )


def _check_head(model, pretrained, out, n, head):
    shape, want = tuple(out.shape), (n, NEW_CLASSES)
    new_layers = sorted(set(dict(model.named_children())) - set(dict(pretrained.named_children())))
    layer = getattr(model, head, None)
    if shape != want and new_layers:
        checks.fail(
            f"the model has a new layer {new_layers[0]!r}, but its forward never calls it: the output still has "
            f"shape {shape}.",
            f"the head that forward uses is {head}: assign model.{head} = nn.Linear(...).",
        )
    if shape != want and getattr(layer, "out_features", None) == NEW_CLASSES:
        checks.fail(
            f"{head}.out_features says {NEW_CLASSES}, but the layer still computes {shape[1]} outputs: changing the "
            "attribute does not change its weight.",
            f"replace the layer: model.{head} = nn.Linear(model.{head}.in_features, num_classes).",
        )
    if shape != want:
        checks.fail(
            f"the model's output has shape {shape} but should be {want}.",
            "the new head needs one output per class of the new task: nn.Linear(H, num_classes).",
        )
    old = dict(pretrained.named_parameters())
    params = dict(model.named_parameters())
    head_keys = [k for k in params if k.startswith(head + ".")]
    if any(k in old and _same_tensor(params[k], old[k]) for k in head_keys):
        checks.fail(f"{head} still holds the pretrained head's weights.", "replace it with a new nn.Linear layer.")
    body = {k: p for k, p in params.items() if k not in head_keys}
    if any(not params[k].requires_grad for k in head_keys):
        checks.fail(
            f"{head} does not require grad: the new head is frozen too, so nothing would train.",
            "freeze the pretrained layers first, then create the new head (a new nn.Linear requires grad).",
        )
    thawed = [k for k, p in body.items() if p.requires_grad]
    if thawed and not model.training:
        checks.fail(
            f"{thawed[0]} still requires grad: model.eval() does not freeze anything, it only switches layers such "
            "as Dropout to their evaluation behaviour.",
            "freeze with model.requires_grad_(False), then replace the head.",
        )
    if thawed:
        checks.fail(
            f"{thawed[0]} still requires grad: the pretrained layers are not frozen, so fine-tuning would change them.",
            f"call model.requires_grad_(False) before you create the new {head}.",
        )
    moved = [k for k, p in body.items() if k in old and not _same_tensor(p, old[k])]
    if moved:
        checks.fail(f"{moved[0]} differs from the pretrained weights.", "freezing keeps the pretrained values as is.")


# ---- Exercise 4: fine_tune, under a step budget -----------------------------------------------------------------

STEPS, RATE = 6, 0.05  # the check's budget and learning rate: not the notebook's 100 and 1e-2, so typed numbers show
NOTEBOOK_RATE = 1e-2
TOL = 1e-9  # float64 all along: the same Adam steps give the same numbers
LOOP = (
    "each step: model.train(), loss = nn.functional.cross_entropy(model(x), y), optimizer.zero_grad(), "
    "loss.backward(), optimizer.step(); then model.eval() and, under torch.no_grad(), the loss on (x_val, y_val)"
)


def _fine_tune_data(seed=0):
    """Returns (model, x, y, x_val, y_val): the check's frozen net with a new head, 12 training and 9 held-out rows
    labelled by a fixed rule on the frozen layer's features, so that training the head has something to learn."""
    g = torch.Generator().manual_seed(seed)
    net = _pretrained_net(seed).double()
    net.requires_grad_(False)
    net.linear2 = nn.Linear(SIZES["H"], NEW_CLASSES).double()
    x, x_val = (torch.randn(n, SIZES["D_in"], generator=g, dtype=torch.float64) for n in (12, 9))
    rule = torch.randn(SIZES["H"], NEW_CLASSES, generator=g, dtype=torch.float64)
    with torch.set_grad_enabled(False):  # plain tensors (not inference-mode ones): the loss keeps the labels
        y, y_val = ((net.linear1(rows).clamp(min=0) @ rule).argmax(dim=1) for rows in (x, x_val))
    return net, x, y, x_val, y_val


def _loss_of(kind, scores, y):
    if kind == "sum":
        return nn.functional.cross_entropy(scores, y, reduction="sum")
    if kind == "nll":
        return nn.functional.nll_loss(scores, y)
    if kind == "softmax":
        return nn.functional.cross_entropy(scores.softmax(dim=1), y)
    return nn.functional.cross_entropy(scores, y)


def _simulate(net, x, y, x_val, y_val, steps, lr, mistake=""):
    """Returns (train losses, held-out losses, the trained copy) of the exercise's loop, or of one classic mistake."""
    net = copy.deepcopy(net)
    params = [p for p in net.parameters() if p.requires_grad]
    kinds = {"sgd": torch.optim.SGD, "adamw": torch.optim.AdamW, "fixed rate": torch.optim.Adam}
    rate = NOTEBOOK_RATE if mistake == "fixed rate" else lr
    make = lambda: kinds.get(mistake, torch.optim.Adam)(params, lr=rate)  # noqa: E731
    opt, train_losses, val_losses = make(), [], []
    for _step in range(steps):
        if mistake == "before update":
            val_losses.append(_loss_of("", net(x_val), y_val).item())
        if mistake == "new optimizer":
            opt = make()
        objective = _loss_of(mistake, net(x), y)
        if mistake != "no zero_grad":
            opt.zero_grad()
        objective.backward()
        opt.step()
        train_losses.append(objective.item())
        if mistake != "before update":
            with torch.inference_mode():
                val_losses.append(_loss_of("", net(x_val), y_val).item())
    return train_losses, val_losses, net


TRAIN_MISTAKES = {
    "no zero_grad": "the gradients add up from step to step: optimizer.zero_grad() is missing, and PyTorch "
    "accumulates .grad until it is zeroed.",
    "new optimizer": "the optimizer is made inside the loop, so Adam's running averages restart at every step: "
    "make it once, before the loop.",
    "sgd": "these are plain SGD steps: the exercise asks for torch.optim.Adam(..., lr=lr).",
    "adamw": "these are AdamW steps, which also shrink the weights (weight_decay=0.01 by default): the exercise "
    "asks for torch.optim.Adam(..., lr=lr).",
    "fixed rate": f"they use the learning rate {NOTEBOOK_RATE}, not the argument lr (the check passes lr={RATE}).",
    "sum": "the loss is the sum over the batch: nn.functional.cross_entropy averages it by default.",
    "nll": "nll_loss on raw scores: it expects log-probabilities. cross_entropy takes the scores and applies "
    "log_softmax itself.",
    "softmax": "softmax was applied before cross_entropy, which takes the raw scores and applies log_softmax itself.",
}


class _Recorder:
    """Records each forward call of a model (its mode, whether autograd records, the batch size) and each optimizer
    step while a check runs the student's loop; fails at once when the loop runs far past its budget."""

    def __init__(self, model, budget):
        self.calls, self.steps, self.budget = [], 0, budget
        self.handles = [
            model.register_forward_pre_hook(self._forward),
            register_optimizer_step_post_hook(self._step),
        ]

    def _forward(self, module, args):
        self.calls.append((module.training, torch.is_grad_enabled(), len(args[0]) if args else 0))
        if len(self.calls) > 10 * self.budget + 100:
            checks.fail(
                f"the model was called {len(self.calls)} times for a budget of {self.budget} steps: does the loop end?",
                LOOP,
            )

    def _step(self, optimizer, args, kwargs):
        self.steps += 1
        if self.steps > 10 * self.budget + 100:
            checks.fail(
                f"more than {self.steps - 1} optimizer steps for a budget of {self.budget}: does the loop end?",
                "for step in range(steps): one optimizer.step() per step.",
            )

    def remove(self):
        for handle in self.handles:
            handle.remove()


@contextlib.contextmanager
def _recording(model, budget):
    recorder = _Recorder(model, budget)
    try:
        yield recorder
    finally:
        recorder.remove()


def check_fine_tune(fine_tune):
    """Returns None; prints "check passed" when fine_tune(model, x, y, x_val, y_val, steps, lr) trains the model's
    head for exactly `steps` full-batch Adam steps, measures the held-out loss after each step in eval mode without
    a graph, and returns (train_losses, val_losses, val_accuracy), on a frozen net and data of the check's own."""
    model, x, y, x_val, y_val = _fine_tune_data()
    start = copy.deepcopy(model)
    call = "fine_tune(model, x, y, x_val, y_val, steps, lr)"
    with checks.running(call, expected="(train_losses, val_losses, val_accuracy)", cause=LOOP):
        with _recording(model, STEPS) as record:
            out = fine_tune(model, x, y, x_val, y_val, STEPS, RATE)
    if not isinstance(out, tuple) or len(out) != 3:
        checks.fail(
            "fine_tune should return three values: the training losses, the held-out losses, the validation accuracy."
        )
    _check_budget(record, len(x), len(x_val))
    _check_modes(record.calls, len(x), len(x_val))
    train_losses, val_losses, val_accuracy = out
    _check_weights(model, start, train_losses)
    expected = _simulate(start, x, y, x_val, y_val, STEPS, RATE)
    _check_train_losses(_numbers("train_losses", train_losses), expected[0], start, (x, y, x_val, y_val))
    _check_val_losses(_numbers("val_losses", val_losses), expected[1], start, (x, y, x_val, y_val))
    _check_accuracy(val_accuracy, model, start, (x, y, x_val, y_val))
    print(
        f"check passed: fine_tune makes exactly {STEPS} full-batch Adam steps that train only the head (the frozen "
        "layer is unchanged), measures the held-out loss after each step in eval mode without a graph, and "
        "reports the validation accuracy"
    )


def _check_budget(record, n, n_val):
    if record.steps == 0:
        checks.fail("fine_tune never called optimizer.step(): the weights never change.", LOOP)
    if record.steps != STEPS:
        checks.fail(
            f"fine_tune made {record.steps} optimizer steps for steps={STEPS}: "
            + ("over the budget." if record.steps > STEPS else "the budget allows, and asks for, every step."),
            "for _ in range(steps): one optimizer.step() per step, and no other loop around it.",
        )
    sizes = {size for _, _, size in record.calls}
    if any(size not in (n, n_val) for size in sizes):
        checks.fail(
            f"the model saw batches of {sorted(sizes - {n, n_val})} rows: each step here is one full batch, "
            f"model(x) on all {n} rows of x.",
        )
    if n not in sizes and n_val in {size for _, grad, size in record.calls if grad}:
        checks.fail(
            "fine_tune never ran the model on the training batch x: it trained on x_val.",
            "train on (x, y); x_val and y_val only measure how well the model does on images it never trained on.",
        )
    if n not in sizes:
        checks.fail(
            "fine_tune never trained the model it received: it trained a copy, or another model.",
            "train the model it receives, in place: the notebook goes on with that very model.",
        )


def _check_modes(calls, n, n_val):
    training = [(mode, grad) for mode, grad, size in calls if size == n and grad]
    validation = [(mode, grad) for mode, grad, size in calls if size == n_val]
    if len(training) != STEPS:
        checks.fail(
            f"the model ran {len(training)} times on the training batch with autograd recording, for {STEPS} steps.",
            "one forward pass per step, outside torch.no_grad(), whose loss goes to backward().",
        )
    if any(not mode for mode, _ in training):
        checks.fail(
            "after the first step, the training forward passes ran in eval mode: model.eval() for the validation "
            "stayed on. Here it changes nothing, but Dropout and BatchNorm layers train wrongly in eval mode.",
            "call model.train() at the start of every step.",
        )
    if not validation and any(size == n and not grad for _, grad, size in calls):
        checks.fail(
            "the held-out loss was measured on the training batch x: measure it on x_val, images the model "
            "never trained on.",
        )
    if len(validation) < STEPS:
        checks.fail(
            f"the model ran {len(validation)} times on x_val for {STEPS} steps: measure the held-out loss after "
            "every step.",
            LOOP,
        )
    if any(mode for mode, _ in validation):
        checks.fail(
            "the held-out loss was measured in training mode: Dropout would still drop features, and BatchNorm "
            "would use the batch's statistics.",
            "call model.eval() before you measure on x_val.",
        )
    if any(grad for _, grad in validation):
        checks.fail(
            "the held-out loss was computed with autograd recording a graph that nothing uses.",
            "measure it inside `with torch.no_grad():`.",
        )


def _check_weights(model, start, train_losses):
    params, before = dict(model.named_parameters()), dict(start.named_parameters())
    if set(params) != set(before):
        checks.fail(f"fine_tune changed the model's layers: it has {sorted(params)}, not {sorted(before)}.")
    thawed = [k for k, p in params.items() if p.requires_grad and not before[k].requires_grad]
    if thawed:
        checks.fail(f"fine_tune unfroze {thawed[0]}: train only the parameters that require grad, as they come.")
    moved = [k for k, p in params.items() if not before[k].requires_grad and not _same_tensor(p, before[k])]
    if moved:
        checks.fail(f"the frozen {moved[0]} changed during fine-tuning.", "give the optimizer the head's parameters.")
    if not all(_same_tensor(p, before[k]) for k, p in params.items()):
        return
    with contextlib.suppress(TypeError, ValueError, RuntimeError):
        if len({float(v) for v in train_losses}) == 1:
            checks.fail(
                "the model's head never changed, nor did the training loss: the optimizer's steps had no gradients "
                "to apply.",
                "the order is optimizer.zero_grad(), loss.backward(), optimizer.step(): zeroing between backward() "
                "and step() throws the gradients away.",
            )
    checks.fail(
        "the training loss fell, but the model fine_tune received did not change: it trained a copy.",
        "train the model it receives, in place: the notebook goes on with that very model.",
    )


def _numbers(name, values):
    if not isinstance(values, (list, tuple)):
        checks.fail(f"{name} should be a list of {STEPS} numbers, one per step, not a {type(values).__name__}.")
    if len(values) != STEPS:
        checks.fail(f"{name} holds {len(values)} numbers for {STEPS} steps: append one after every step.")
    if any(torch.is_tensor(v) for v in values):
        checks.fail(
            f"{name} holds tensors: return Python numbers (a training loss's tensor also keeps its whole graph, "
            "and on a GPU its memory, alive).",
            "append loss.item().",
        )
    return torch.tensor([float(v) for v in values], dtype=torch.float64)


def _matches(got, expected):
    return len(got) == len(expected) and checks.rel_error(got, torch.tensor(expected, dtype=torch.float64)) < TOL


def _check_train_losses(got, expected, start, data):
    if _matches(got, expected):
        return
    for mistake, message in TRAIN_MISTAKES.items():
        if _matches(got, _simulate(start, *data, STEPS, RATE, mistake)[0]):
            checks.fail(f"the training losses are not the exercise's: {message}")
    if checks.rel_error(got[0], expected[0]) > TOL:
        checks.fail(
            f"the first training loss is {got[0]:.6g}, but the cross-entropy of the untrained model on (x, y) is "
            f"{expected[0]:.6g}: the loss is not nn.functional.cross_entropy(model(x), y).",
            "cross_entropy takes the raw scores and the labels; the first loss is measured before any update.",
        )
    checks.compare("train_losses", got, torch.tensor(expected), tol=TOL, against="the exercise's Adam loop", hint=LOOP)


def _check_val_losses(got, expected, start, data):
    if _matches(got, expected):
        return
    x, y, x_val, y_val = data
    if _matches(got, _simulate(start, *data, STEPS, RATE, "before update")[1]):
        checks.fail(
            "each held-out loss was measured before the step's update, so the last one is not the trained model's.",
            "measure it after optimizer.step().",
        )
    if _matches(got, _simulate(start, x, y, x, y, STEPS, RATE)[1]):
        checks.fail("val_losses are losses on the training batch (x, y), not on (x_val, y_val).")
    checks.compare("val_losses", got, torch.tensor(expected), tol=TOL, against="the held-out losses", hint=LOOP)


def _accuracy(net, x, y):
    net.eval()
    with torch.inference_mode():
        return (net(x).argmax(dim=1) == y).double().mean().item()


def _near(a, b):
    return abs(a - b) <= 1e-6 * max(1.0, abs(b))  # float32 means of a few values are exact to about 1e-7


def _check_accuracy(value, model, start, data):
    x, y, x_val, y_val = data
    if torch.is_tensor(value):
        checks.fail("val_accuracy is a tensor.", "return a Python number: .item().")
    if not isinstance(value, (int, float)):
        checks.fail(f"val_accuracy should be a number between 0 and 1, not a {type(value).__name__}.")
    right = _accuracy(model, x_val, y_val)
    if _near(value, right):
        return
    wrong = {
        "it counts the right answers: divide by the number of images (or take .float().mean()).": right * len(y_val),
        "it is a percentage: return the fraction, between 0 and 1.": 100 * right,
        "it is the accuracy on the training batch x: measure it on x_val.": _accuracy(model, x, y),
        "it is the accuracy before training: measure it after the last step.": _accuracy(
            copy.deepcopy(start), *data[2:]
        ),
    }
    for mistake, number in wrong.items():
        if _near(value, number) and not _near(number, right):
            checks.fail(
                f"val_accuracy is {value:.4g}, not the trained model's accuracy on x_val {right:.4g}: {mistake}"
            )
    checks.fail(
        f"val_accuracy is {value:.4g}, but the trained model classifies a fraction {right:.4g} of x_val right.",
        "the fraction of rows whose highest score is the label: (scores.argmax(dim=1) == y_val).float().mean().item().",
    )


# ---- The challenge: a step budget -------------------------------------------------------------------------------


def within_steps(budget, run):
    """Returns run()'s result after checking that it made at most `budget` optimizer steps (any optimizer)."""
    counted = []
    hook = register_optimizer_step_post_hook(lambda *args: counted.append(1))
    try:
        result = run()
    finally:
        hook.remove()
    if len(counted) > budget:
        checks.fail(
            f"your attempt made {len(counted)} optimizer steps: the challenge allows {budget}.",
            "every optimizer.step() counts, whichever optimizer makes it.",
        )
    return result
